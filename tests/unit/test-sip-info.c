/* Unit tests for sip-info: the INFO bodies room systems send — RFC 5168's
 * picture_fast_update as Polycom and Cisco write it (with the XML
 * declaration, with stream_id, on one line), a media_control asking
 * nothing we do, keypad digits as dtmf-relay (Signal/Duration, RFC 4733
 * event numbers) and as application/dtmf — and every refusal: another
 * type (415), malformed XML or digits (400), an oversized body. */
#include "devices/sip-info.h"

#include <string.h>

static gboolean
parse(const char *type, const char *body, rc_sip_info *out, GError **error)
{
  return rc_sip_info_parse(type, body, body ? strlen(body) : 0, out, error);
}

static void
expect_kind(const char *type, const char *body, rc_sip_info_kind kind)
{
  rc_sip_info info;
  g_autoptr(GError) error = NULL;
  g_assert_true(parse(type, body, &info, &error));
  g_assert_no_error(error);
  g_assert_cmpint(info.kind, ==, kind);
}

static void
expect_error(const char *type, const char *body, rc_sip_info_error code)
{
  rc_sip_info info;
  g_autoptr(GError) error = NULL;
  g_assert_false(parse(type, body, &info, &error));
  g_assert_error(error, RC_SIP_INFO_ERROR, (int)code);
  g_assert_true(error->message[0]);
}

static void
expect_digit(const char *type, const char *body, char digit, guint duration_ms)
{
  rc_sip_info info;
  g_autoptr(GError) error = NULL;
  g_assert_true(parse(type, body, &info, &error));
  g_assert_no_error(error);
  g_assert_cmpint(info.kind, ==, RC_SIP_INFO_DTMF);
  g_assert_cmpint(info.digit, ==, digit);
  g_assert_cmpuint(info.duration_ms, ==, duration_ms);
}

static void
test_fast_update(void)
{
  const char *mc = RC_SIP_INFO_MEDIA_CONTROL;
  expect_kind(mc, rc_sip_info_fast_update_body, RC_SIP_INFO_FAST_UPDATE);
  expect_kind("Application/Media_Control+XML; charset=utf-8", rc_sip_info_fast_update_body, RC_SIP_INFO_FAST_UPDATE);
  expect_kind(mc,
              "<media_control><vc_primitive><to_encoder><picture_fast_update></picture_fast_update>"
              "</to_encoder><stream_id>1</stream_id></vc_primitive></media_control>",
              RC_SIP_INFO_FAST_UPDATE);
  expect_kind(mc,
              "<?xml version=\"1.0\"?>\n<!-- a comment -->\n<media_control>\n <vc_primitive>\n  <stream_id></stream_id>\n"
              "  <to_encoder>\n   <picture_fast_update/>\n  </to_encoder>\n </vc_primitive>\n</media_control>\n",
              RC_SIP_INFO_FAST_UPDATE);
  /* well-formed, but nothing we do: 200 and nothing asked */
  expect_kind(mc, "<media_control><general_error>oops</general_error></media_control>", RC_SIP_INFO_NOTHING);
  expect_kind(mc, "<media_control><picture_fast_update/></media_control>", RC_SIP_INFO_NOTHING);
  expect_kind(mc,
              "<media_control><vc_primitive><x><to_encoder><picture_fast_update/></to_encoder></x></vc_primitive>"
              "</media_control>",
              RC_SIP_INFO_NOTHING);
  /* no body at all: a keep-alive, whatever its type */
  expect_kind(NULL, NULL, RC_SIP_INFO_NOTHING);
  expect_kind("text/plain", "", RC_SIP_INFO_NOTHING);
}

static void
test_bad_xml(void)
{
  const char *mc = RC_SIP_INFO_MEDIA_CONTROL;
  expect_error(mc, "<media_control><vc_primitive>", RC_SIP_INFO_ERROR_MALFORMED);
  expect_error(mc, "<media_control></vc_primitive>", RC_SIP_INFO_ERROR_MALFORMED);
  expect_error(mc, "picture_fast_update", RC_SIP_INFO_ERROR_MALFORMED);
  expect_error(mc, "   ", RC_SIP_INFO_ERROR_MALFORMED);
  expect_error(mc, "<to_encoder><picture_fast_update/></to_encoder>", RC_SIP_INFO_ERROR_MALFORMED);
  expect_error(mc, "<media_control/><media_control/>", RC_SIP_INFO_ERROR_MALFORMED);
  expect_error(mc, "<media_control><a><b><c><d><e><f><g><h/></g></f></e></d></c></b></a></media_control>",
               RC_SIP_INFO_ERROR_MALFORMED);
  expect_error(mc, "<media_control>\xff\xfe</media_control>", RC_SIP_INFO_ERROR_MALFORMED);
  g_autofree char *big = g_strnfill(RC_SIP_INFO_MAX_BODY + 1, ' ');
  memcpy(big, "<media_control/>", 16);
  expect_error(mc, big, RC_SIP_INFO_ERROR_MALFORMED);
  rc_sip_info info;
  g_autoptr(GError) error = NULL;
  g_assert_false(rc_sip_info_parse(mc, "<media_control/>\0x", 18, &info, &error));
  g_assert_error(error, RC_SIP_INFO_ERROR, RC_SIP_INFO_ERROR_MALFORMED);
}

static void
test_dtmf(void)
{
  expect_digit("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", '5', 160);
  expect_digit("application/dtmf-relay", "Signal= *\r\nDuration= 250", '*', 250);
  expect_digit("application/dtmf-relay", "signal=#", '#', 0);
  expect_digit("application/dtmf-relay", "Signal=10\nDuration=100\n", '*', 100); /* RFC 4733 event numbers */
  expect_digit("application/dtmf-relay", "Signal=11", '#', 0);
  expect_digit("application/dtmf-relay", "Signal=12", 'A', 0);
  expect_digit("application/dtmf-relay", "Signal=d\r\nVolume=10", 'D', 0);
  expect_digit("application/dtmf", "1", '1', 0);
  expect_digit("application/dtmf", " *\r\n", '*', 0);
  expect_digit("application/dtmf", "11", '#', 0); /* an RFC 4733 event number */
  expect_digit("application/dtmf", "Signal=9\r\nDuration=80", '9', 80);
}

static void
test_bad_dtmf(void)
{
  const char *relay = "application/dtmf-relay";
  expect_error(relay, "Duration=160", RC_SIP_INFO_ERROR_MALFORMED);
  expect_error(relay, "Signal=E", RC_SIP_INFO_ERROR_MALFORMED);
  expect_error(relay, "Signal=16", RC_SIP_INFO_ERROR_MALFORMED);
  expect_error(relay, "Signal=55", RC_SIP_INFO_ERROR_MALFORMED);
  expect_error(relay, "Signal=", RC_SIP_INFO_ERROR_MALFORMED);
  expect_error(relay, "Signal=5\r\nDuration=-1", RC_SIP_INFO_ERROR_MALFORMED);
  expect_error(relay, "Signal=5\r\nDuration=99999999999999999999", RC_SIP_INFO_ERROR_MALFORMED);
  expect_error(relay, "5", RC_SIP_INFO_ERROR_MALFORMED); /* dtmf-relay wants its lines */
  expect_error("application/dtmf", "123", RC_SIP_INFO_ERROR_MALFORMED);
  expect_error("application/dtmf", "#5", RC_SIP_INFO_ERROR_MALFORMED);
}

static void
test_other_types(void)
{
  expect_error("text/plain", "hello", RC_SIP_INFO_ERROR_UNSUPPORTED);
  expect_error("application/sdp", "v=0\r\n", RC_SIP_INFO_ERROR_UNSUPPORTED);
  expect_error("application/media_control", "<media_control/>", RC_SIP_INFO_ERROR_UNSUPPORTED);
  expect_error("application/dtmf-relayx", "Signal=1", RC_SIP_INFO_ERROR_UNSUPPORTED);
  expect_error(NULL, "Signal=1", RC_SIP_INFO_ERROR_UNSUPPORTED);
  g_assert_nonnull(strstr(RC_SIP_INFO_ACCEPT, RC_SIP_INFO_MEDIA_CONTROL));
  g_assert_nonnull(strstr(RC_SIP_INFO_ACCEPT, "application/dtmf-relay"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sip-info/fast-update", test_fast_update);
  g_test_add_func("/sip-info/bad-xml", test_bad_xml);
  g_test_add_func("/sip-info/dtmf", test_dtmf);
  g_test_add_func("/sip-info/bad-dtmf", test_bad_dtmf);
  g_test_add_func("/sip-info/other-types", test_other_types);
  return g_test_run();
}
