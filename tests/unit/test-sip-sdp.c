/* Unit tests for sip-sdp: real offers (baresip with and without SRTP,
 * sipp's default UAC; tests/unit/fixtures/sip/README.md says how each was
 * made) read under each media security, the tier a decoder's level and
 * max-fs/max-mbps choose, every refusal with its error, and the answer
 * read back with GstSDPMessage. */
#include "devices/sip-sdp.h"

#include <gst/sdp/sdp.h>
#include <string.h>

#define FIXTURES RC_WEB_ROOT "/../tests/unit/fixtures/sip/"

static const rc_sip_sdp_tier TIERS[] = {{1280, 720}, {640, 360}};

/* A fixture's text (transfer full). */
static char *
load(const char *name)
{
  g_autofree char *path = g_strconcat(FIXTURES, name, NULL);
  char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_file_get_contents(path, &text, NULL, &error);
  g_assert_no_error(error);
  return text;
}

static gboolean
parse(const char *text, rc_sip_srtp srtp, rc_sip_sdp_offer *offer, GError **error)
{
  return rc_sip_sdp_offer_parse(text, strlen(text), srtp, TIERS, G_N_ELEMENTS(TIERS), 25, offer, error);
}

static const rc_sip_crypto OUR_KEY = {1, "AES_CM_128_HMAC_SHA1_80", {1,  2,  3,  4,  5,  6,  7,  8,  9,  10,
                                                                     11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
                                                                     21, 22, 23, 24, 25, 26, 27, 28, 29, 30}};

/* The answer, read back. */
static GstSDPMessage *
answer_of(const rc_sip_sdp_offer *offer, char **text)
{
  rc_sip_sdp_local local = {"192.168.1.20", 5004, 5006, &OUR_KEY, &OUR_KEY, 42, 1};
  *text = rc_sip_sdp_answer(offer, &local);
  g_assert_nonnull(*text);
  GstSDPMessage *msg = NULL;
  g_assert_cmpint(gst_sdp_message_new_from_text(*text, &msg), ==, GST_SDP_OK);
  g_assert_cmpuint(gst_sdp_message_medias_len(msg), ==, offer->n_media);
  return msg;
}

static void
test_baresip_srtp(void)
{
  g_autofree char *text = load("baresip-srtp.sdp");
  rc_sip_sdp_offer offer;
  g_autoptr(GError) error = NULL;
  g_assert_true(parse(text, RC_SIP_SRTP_REQUIRED, &offer, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(offer.n_media, ==, 2);
  /* Audio: Opus first of Opus, G.722, PCMU, PCMA; its key both ways told apart. */
  g_assert_cmpint(offer.audio.index, ==, 0);
  g_assert_cmpstr(offer.audio.encoding, ==, "opus");
  g_assert_cmpint(offer.audio.pt, ==, 96);
  g_assert_cmpint(offer.audio.port, ==, 11346);
  g_assert_cmpint(offer.audio.rtcp_port, ==, 11347);
  g_assert_cmpstr(offer.audio.address, ==, "192.0.2.2");
  g_assert_true(offer.audio.secure);
  g_assert_cmpstr(offer.audio.remote_key.suite, ==, "AES_CM_128_HMAC_SHA1_80");
  g_assert_cmpint(offer.audio.remote_key.tag, ==, 1);
  g_assert_cmpuint(offer.audio.ssrc, ==, 898649818u);
  g_assert_cmpint(offer.audio.direction, ==, RC_SDP_SENDRECV);
  /* Video: H.264 packetization-mode 1 (97) over mode 0 (96); level 3.1 takes 720p at 25 fps. */
  g_assert_cmpint(offer.video.index, ==, 1);
  g_assert_cmpstr(offer.video.encoding, ==, "H264");
  g_assert_cmpint(offer.video.pt, ==, 97);
  g_assert_cmpint(offer.video.packetization_mode, ==, 1);
  g_assert_cmpstr(offer.video.profile_level_id, ==, "42e01f");
  g_assert_cmpuint(offer.video.max_fs, ==, 3600);
  g_assert_cmpuint(offer.video.max_mbps, ==, 108000);
  g_assert_cmpint(offer.video.tier, ==, 0);
  g_assert_true(offer.video.pli);
  g_assert_false(offer.video.fir);
  g_assert_true(offer.video.secure);
  g_assert_cmpuint(offer.video.ssrc, ==, 3595902022u);
  g_assert_true(memcmp(offer.video.remote_key.key, offer.audio.remote_key.key, RC_SIP_SRTP_KEY_LEN) != 0);

  g_autofree char *answer = NULL;
  g_autoptr(GstSDPMessage) msg = answer_of(&offer, &answer);
  const GstSDPMedia *audio = gst_sdp_message_get_media(msg, 0), *video = gst_sdp_message_get_media(msg, 1);
  g_assert_cmpstr(gst_sdp_media_get_proto(audio), ==, "RTP/SAVP");
  g_assert_cmpuint(gst_sdp_media_get_port(audio), ==, 5006);
  g_assert_cmpstr(gst_sdp_media_get_format(audio, 0), ==, "96");
  g_assert_cmpuint(gst_sdp_media_formats_len(audio), ==, 2); /* and 101 telephone-event */
  g_assert_cmpstr(gst_sdp_media_get_attribute_val(audio, "rtpmap"), ==, "96 opus/48000/2");
  g_assert_cmpstr(gst_sdp_media_get_attribute_val(audio, "crypto"), ==,
                  "1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e");
  g_assert_nonnull(gst_sdp_media_get_attribute_val(audio, "sendrecv"));
  g_assert_cmpstr(gst_sdp_media_get_proto(video), ==, "RTP/SAVP");
  g_assert_cmpuint(gst_sdp_media_get_port(video), ==, 5004);
  g_assert_cmpstr(gst_sdp_media_get_attribute_val(video, "fmtp"), ==,
                  "97 profile-level-id=42e01f;packetization-mode=1");
  g_assert_cmpstr(gst_sdp_media_get_attribute_val(video, "rtcp-fb"), ==, "97 nack pli");
  g_assert_cmpstr(gst_sdp_message_get_connection(msg)->address, ==, "192.168.1.20");
}

static void
test_security_policies(void)
{
  g_autofree char *srtp = load("baresip-srtp.sdp");
  g_autofree char *plain = load("baresip-plain.sdp");
  g_autofree char *sipp = load("sipp-uac.sdp");
  rc_sip_sdp_offer offer;
  /* An SRTP-only offer to a site whose security is off, a plain one to one that requires SRTP. */
  const struct {
    const char *text;
    rc_sip_srtp srtp;
  } refused[] = {{srtp, RC_SIP_SRTP_OFF}, {plain, RC_SIP_SRTP_REQUIRED}, {sipp, RC_SIP_SRTP_REQUIRED}};
  for (gsize i = 0; i < G_N_ELEMENTS(refused); i++) {
    g_autoptr(GError) error = NULL;
    g_assert_false(parse(refused[i].text, refused[i].srtp, &offer, &error));
    g_assert_error(error, RC_SIP_SDP_ERROR, RC_SIP_SDP_ERROR_SECURITY);
  }
  /* Preferred takes either. */
  g_assert_true(parse(srtp, RC_SIP_SRTP_PREFERRED, &offer, NULL));
  g_assert_true(offer.audio.secure && offer.video.secure);
  g_assert_true(parse(plain, RC_SIP_SRTP_PREFERRED, &offer, NULL));
  g_assert_false(offer.audio.secure || offer.video.secure);
  g_autofree char *answer = NULL;
  g_autoptr(GstSDPMessage) msg = answer_of(&offer, &answer);
  g_assert_cmpstr(gst_sdp_media_get_proto(gst_sdp_message_get_media(msg, 0)), ==, "RTP/AVP");
  g_assert_null(strstr(answer, "a=crypto"));
  g_assert_true(parse(plain, RC_SIP_SRTP_OFF, &offer, NULL));
}

static void
test_sipp_audio_only(void)
{
  g_autofree char *text = load("sipp-uac.sdp");
  rc_sip_sdp_offer offer;
  g_assert_true(parse(text, RC_SIP_SRTP_PREFERRED, &offer, NULL));
  g_assert_cmpint(offer.video.index, ==, -1);
  g_assert_cmpstr(offer.audio.encoding, ==, "PCMU");
  g_assert_cmpint(offer.audio.pt, ==, 0);
  g_assert_cmpint(offer.audio.clock_rate, ==, 8000);
  g_assert_cmpint(offer.audio.port, ==, 6004);
  g_assert_cmpuint(offer.audio.ssrc, ==, 0);
  g_autofree char *answer = NULL;
  g_autoptr(GstSDPMessage) msg = answer_of(&offer, &answer);
  g_assert_cmpstr(gst_sdp_media_get_attribute_val(gst_sdp_message_get_media(msg, 0), "rtpmap"), ==, "0 PCMU/8000");
}

/* An offer with @media after a session header; kept until the test ends. (transfer none) */
static GPtrArray *offers;
static const char *
offer_with(const char *media)
{
  char *text = g_strdup_printf("v=0\r\no=- 1 1 IN IP4 10.0.0.9\r\ns=-\r\nc=IN IP4 10.0.0.9\r\nt=0 0\r\n%s", media);
  g_ptr_array_add(offers, text);
  return text;
}

static void
test_audio_preference(void)
{
  rc_sip_sdp_offer offer;
  /* Static types without an rtpmap: PCMA over PCMU; G.722 over both. */
  g_assert_true(parse(offer_with("m=audio 4000 RTP/AVP 0 8\r\n"), RC_SIP_SRTP_OFF, &offer, NULL));
  g_assert_cmpstr(offer.audio.encoding, ==, "PCMA");
  g_assert_true(parse(offer_with("m=audio 4000 RTP/AVP 0 8 9\r\n"), RC_SIP_SRTP_OFF, &offer, NULL));
  g_assert_cmpstr(offer.audio.encoding, ==, "G722");
  g_assert_cmpint(offer.audio.clock_rate, ==, 8000);
  /* An rtpmap naming a static type otherwise wins over its static meaning. */
  g_assert_true(
      parse(offer_with("m=audio 4000 RTP/AVP 8 9\r\na=rtpmap:9 L16/8000\r\n"), RC_SIP_SRTP_OFF, &offer, NULL));
  g_assert_cmpstr(offer.audio.encoding, ==, "PCMA");
  g_assert_true(
      parse(offer_with("m=audio 4000 RTP/AVP 0 111\r\na=rtpmap:111 OPUS/48000/2\r\n"), RC_SIP_SRTP_OFF, &offer, NULL));
  g_assert_cmpstr(offer.audio.encoding, ==, "opus");
  g_assert_cmpint(offer.audio.channels, ==, 2);
}

static void
test_tiers(void)
{
  rc_sip_sdp_offer offer;
  const struct {
    const char *fmtp;
    int tier;
    guint fs;
  } cases[] = {
      {"profile-level-id=42e01f;packetization-mode=1", 0, 3600}, /* 3.1 */
      {"profile-level-id=42e01e;packetization-mode=1", 1, 1620}, /* 3.0: 640x360 */
      {"profile-level-id=42e015;packetization-mode=1", -1, 792}, /* 2.1: none fits */
      {"profile-level-id=42e015;packetization-mode=1;max-fs=3600;max-mbps=108000", 0, 3600},
      {"profile-level-id=640028;packetization-mode=0", 0, 8192}, /* high 4.0, mode 0 */
      {"packetization-mode=1", -1, 99},                          /* baseline level 1 by default */
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *m = g_strdup_printf("m=video 4002 RTP/AVPF 100\r\na=rtpmap:100 H264/90000\r\na=fmtp:100 %s\r\n"
                                         "a=rtcp-fb:100 ccm fir\r\n",
                                         cases[i].fmtp);
    g_autoptr(GError) error = NULL;
    g_assert_true(parse(offer_with(m), RC_SIP_SRTP_PREFERRED, &offer, &error));
    g_assert_cmpint(offer.video.tier, ==, cases[i].tier);
    g_assert_cmpuint(offer.video.max_fs, ==, cases[i].fs);
    g_assert_true(offer.video.fir);
  }
  g_assert_cmpint(rc_sip_sdp_tier_for(3600, 90000, TIERS, 2, 25), ==, 0);
  g_assert_cmpint(rc_sip_sdp_tier_for(3600, 89999, TIERS, 2, 25), ==, 1);
  /* Unusable H.264: another profile, mode 2, a bad profile-level-id. */
  const char *unusable[] = {"profile-level-id=f4001f;packetization-mode=1", "packetization-mode=2",
                            "profile-level-id=42e0;packetization-mode=1"};
  for (gsize i = 0; i < G_N_ELEMENTS(unusable); i++) {
    g_autofree char *m =
        g_strdup_printf("m=video 4002 RTP/AVP 100\r\na=rtpmap:100 H264/90000\r\na=fmtp:100 %s\r\n", unusable[i]);
    g_autoptr(GError) error = NULL;
    g_assert_false(parse(offer_with(m), RC_SIP_SRTP_PREFERRED, &offer, &error));
    g_assert_error(error, RC_SIP_SDP_ERROR, RC_SIP_SDP_ERROR_NO_CODEC);
  }
}

static void
test_refusals(void)
{
  rc_sip_sdp_offer offer;
  const struct {
    const char *text;
    int code;
  } cases[] = {
      {"hello", RC_SIP_SDP_ERROR_MALFORMED},
      {offer_with(""), RC_SIP_SDP_ERROR_MALFORMED}, /* no m-line */
      {offer_with("m=audio 4000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n"), RC_SIP_SDP_ERROR_NO_CODEC},
      {offer_with("m=audio 0 RTP/AVP 0\r\n"), RC_SIP_SDP_ERROR_NO_CODEC},              /* disabled */
      {offer_with("m=audio 4000 UDP/TLS/RTP/SAVPF 0\r\n"), RC_SIP_SDP_ERROR_NO_CODEC}, /* DTLS: not here */
      {offer_with("m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ=\r\n"),
       RC_SIP_SDP_ERROR_MALFORMED}, /* a key of the wrong length */
      {offer_with("m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:"
                  "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eAQIDBAUGBwgJCgsMDQ4PEBES\r\n"),
       RC_SIP_SDP_ERROR_SECURITY}, /* a suite we do not take */
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GError) error = NULL;
    g_assert_false(parse(cases[i].text, RC_SIP_SRTP_PREFERRED, &offer, &error));
    g_assert_error(error, RC_SIP_SDP_ERROR, cases[i].code);
    g_assert_cmpuint(strlen(error->message), >, 10);
  }
  /* No address, or a host name: refused (the controller resolves nothing). */
  const char *no_address[] = {"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n",
                              "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 pbx.example\r\nt=0 0\r\n"
                              "m=audio 4000 RTP/AVP 0\r\n"};
  for (gsize i = 0; i < G_N_ELEMENTS(no_address); i++) {
    g_autoptr(GError) error = NULL;
    g_assert_false(parse(no_address[i], RC_SIP_SRTP_PREFERRED, &offer, &error));
    g_assert_error(error, RC_SIP_SDP_ERROR, RC_SIP_SDP_ERROR_MALFORMED);
  }
}

/* Refused m-lines come back at port 0 with what was offered; a second
 * audio m-line is refused, the first kept; directions are inverted. */
static void
test_answer_lines(void)
{
  rc_sip_sdp_offer offer;
  const char *text = offer_with("m=application 5000 UDP/BFCP *\r\n"
                                "m=audio 4000 RTP/AVP 8\r\na=sendonly\r\n"
                                "m=audio 4100 RTP/AVP 0\r\n"
                                "m=video 4002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=recvonly\r\na=rtcp:4010\r\n");
  g_assert_true(parse(text, RC_SIP_SRTP_PREFERRED, &offer, NULL));
  g_assert_cmpint(offer.audio.index, ==, 1);
  g_assert_cmpint(offer.video.index, ==, 3);
  g_assert_cmpint(offer.video.rtcp_port, ==, 4010);
  g_assert_cmpint(offer.video.packetization_mode, ==, 0);
  g_autofree char *answer = NULL;
  g_autoptr(GstSDPMessage) msg = answer_of(&offer, &answer);
  const GstSDPMedia *app = gst_sdp_message_get_media(msg, 0), *second = gst_sdp_message_get_media(msg, 2);
  g_assert_cmpuint(gst_sdp_media_get_port(app), ==, 0);
  g_assert_cmpstr(gst_sdp_media_get_proto(app), ==, "UDP/BFCP");
  g_assert_cmpstr(gst_sdp_media_get_format(app, 0), ==, "*");
  g_assert_cmpuint(gst_sdp_media_get_port(second), ==, 0);
  g_assert_nonnull(gst_sdp_media_get_attribute_val(gst_sdp_message_get_media(msg, 1), "recvonly"));
  /* The video only receives, and in packetization-mode 0, which we do not send
   * (test_takes_program): inactive rather than sendonly. */
  g_assert_nonnull(gst_sdp_media_get_attribute_val(gst_sdp_message_get_media(msg, 3), "inactive"));
}

/* Our own offer (dial-out) reads back, as a site would read it, with the
 * best of each: Opus, H.264 mode 1, our keys when secure. */
static void
test_own_offer(void)
{
  rc_sip_sdp_local local = {"192.168.1.20", 5004, 5006, &OUR_KEY, &OUR_KEY, 42, 1};
  rc_sip_sdp_offer offer;
  g_autofree char *secure = rc_sip_sdp_offer_text(&local, RC_SIP_SRTP_REQUIRED);
  g_assert_true(parse(secure, RC_SIP_SRTP_REQUIRED, &offer, NULL));
  g_assert_cmpstr(offer.audio.encoding, ==, "opus");
  g_assert_cmpint(offer.audio.port, ==, 5006);
  g_assert_true(offer.audio.secure && offer.video.secure);
  g_assert_cmpmem(offer.video.remote_key.key, RC_SIP_SRTP_KEY_LEN, OUR_KEY.key, RC_SIP_SRTP_KEY_LEN);
  g_assert_cmpint(offer.video.pt, ==, 97);
  g_assert_cmpint(offer.video.tier, ==, 0);
  g_assert_true(offer.video.pli && offer.video.fir);
  g_autofree char *plain = rc_sip_sdp_offer_text(&local, RC_SIP_SRTP_OFF);
  g_assert_null(strstr(plain, "a=crypto"));
  g_assert_true(parse(plain, RC_SIP_SRTP_OFF, &offer, NULL));
  g_assert_false(offer.audio.secure);
}

/* RFC 4733 telephone-event (a keypad in the audio): taken from baresip's
 * offer beside Opus (at 8000), answered with its type, rate and events;
 * the one at the codec's rate preferred; a static type or an unlisted one
 * is not taken; our own offer has it and its answer reads back. */
static void
test_telephone_event(void)
{
  g_autofree char *text = load("baresip-plain.sdp");
  rc_sip_sdp_offer offer;
  g_assert_true(parse(text, RC_SIP_SRTP_OFF, &offer, NULL));
  g_assert_cmpstr(offer.audio.encoding, ==, "opus");
  g_assert_cmpint(offer.audio.event_pt, ==, 101);
  g_assert_cmpint(offer.audio.event_rate, ==, 8000);
  g_assert_cmpint(offer.video.event_pt, ==, 0);
  g_autofree char *answer = NULL;
  g_autoptr(GstSDPMessage) msg = answer_of(&offer, &answer);
  const GstSDPMedia *audio = gst_sdp_message_get_media(msg, 0);
  g_assert_cmpuint(gst_sdp_media_formats_len(audio), ==, 2);
  g_assert_cmpstr(gst_sdp_media_get_format(audio, 1), ==, "101");
  g_assert_nonnull(strstr(answer, "a=rtpmap:101 telephone-event/8000\r\n"));
  g_assert_nonnull(strstr(answer, "a=fmtp:101 0-16\r\n"));
  g_assert_null(strstr(answer, "m=video 5004 RTP/AVP 97 101")); /* audio only */
  /* At the codec's rate over 8000; a static type or one not in the m-line: none. */
  g_assert_true(parse(offer_with("m=audio 4000 RTP/AVP 111 101 102\r\na=rtpmap:111 opus/48000/2\r\n"
                                 "a=rtpmap:101 telephone-event/8000\r\na=rtpmap:102 telephone-event/48000\r\n"),
                      RC_SIP_SRTP_OFF, &offer, NULL));
  g_assert_cmpint(offer.audio.event_pt, ==, 102);
  g_assert_cmpint(offer.audio.event_rate, ==, 48000);
  g_assert_true(parse(offer_with("m=audio 4000 RTP/AVP 8 13 100\r\na=rtpmap:13 telephone-event/8000\r\n"
                                 "a=rtpmap:101 telephone-event/8000\r\n"),
                      RC_SIP_SRTP_OFF, &offer, NULL));
  g_assert_cmpint(offer.audio.event_pt, ==, 0);
  g_autofree char *plain = NULL;
  g_autoptr(GstSDPMessage) none = answer_of(&offer, &plain);
  g_assert_null(strstr(plain, "telephone-event"));
  /* Ours (dial-out), read back as the site's answer would be. */
  rc_sip_sdp_local local = {"192.168.1.20", 5004, 5006, &OUR_KEY, &OUR_KEY, 42, 1};
  g_autofree char *ours = rc_sip_sdp_offer_text(&local, RC_SIP_SRTP_OFF);
  g_assert_nonnull(strstr(ours, "a=rtpmap:101 telephone-event/8000\r\n"));
  g_assert_true(parse(ours, RC_SIP_SRTP_OFF, &offer, NULL));
  g_assert_cmpint(offer.audio.event_pt, ==, 101);
  g_assert_cmpstr(offer.audio.encoding, ==, "opus");
}

static void
test_srtp_names(void)
{
  rc_sip_srtp s;
  g_assert_true(rc_sip_srtp_parse("required", &s) && s == RC_SIP_SRTP_REQUIRED);
  g_assert_true(rc_sip_srtp_parse("preferred", &s) && s == RC_SIP_SRTP_PREFERRED);
  g_assert_true(rc_sip_srtp_parse("off", &s) && s == RC_SIP_SRTP_OFF);
  g_assert_false(rc_sip_srtp_parse("Required", &s));
  g_assert_false(rc_sip_srtp_parse(NULL, &s));
  g_assert_cmpstr(rc_sip_srtp_name(RC_SIP_SRTP_PREFERRED), ==, "preferred");
}

/* Best-effort SRTP (RTP/AVP with a=crypto, as room systems do it): our
 * offer with "preferred"; a site without SRTP answers plain, one with SRTP
 * answers with its key (RTP/AVP or RTP/SAVP); a dial-in offer of that form
 * is answered with our key when preferred, refused when required, answered
 * plain when off. */
static void
test_best_effort_srtp(void)
{
  rc_sip_sdp_local local = {"192.168.1.20", 5004, 5006, &OUR_KEY, &OUR_KEY, 42, 1};
  rc_sip_sdp_offer offer;
  g_autofree char *ours = rc_sip_sdp_offer_text(&local, RC_SIP_SRTP_PREFERRED);
  g_autoptr(GstSDPMessage) msg = NULL;
  g_assert_cmpint(gst_sdp_message_new_from_text(ours, &msg), ==, GST_SDP_OK);
  for (guint i = 0; i < 2; i++) {
    const GstSDPMedia *m = gst_sdp_message_get_media(msg, i);
    g_assert_cmpstr(gst_sdp_media_get_proto(m), ==, "RTP/AVP");
    g_assert_true(g_str_has_prefix(gst_sdp_media_get_attribute_val(m, "crypto"), "1 AES_CM_128_HMAC_SHA1_80 inline:"));
  }
  /* A site that has no SRTP ignores the a=crypto and answers plain. */
  const char *plain = offer_with("m=audio 4000 RTP/AVP 8\r\nm=video 4002 RTP/AVP 97\r\na=rtpmap:97 H264/90000\r\n"
                                 "a=fmtp:97 profile-level-id=42e01f;packetization-mode=1\r\n");
  g_assert_true(parse(plain, RC_SIP_SRTP_PREFERRED, &offer, NULL));
  g_assert_false(offer.audio.secure || offer.video.secure);
  /* One with SRTP answers with its key: on RTP/AVP (best effort) or RTP/SAVP. */
  const char *forms[] = {"RTP/AVP", "RTP/SAVP"};
  for (gsize i = 0; i < G_N_ELEMENTS(forms); i++) {
    g_autofree char *m = g_strdup_printf("m=audio 4000 %s 8\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 "
                                         "inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e\r\n",
                                         forms[i]);
    g_autoptr(GError) error = NULL;
    g_assert_true(parse(offer_with(m), RC_SIP_SRTP_PREFERRED, &offer, &error));
    g_assert_no_error(error);
    g_assert_true(offer.audio.secure);
    g_assert_cmpstr(offer.audio.proto, ==, forms[i]);
    g_assert_cmpmem(offer.audio.remote_key.key, RC_SIP_SRTP_KEY_LEN, OUR_KEY.key, RC_SIP_SRTP_KEY_LEN);
  }
  /* A dial-in offer in that form: answered with our key on RTP/AVP, the offer's tag. */
  const char *be = offer_with("m=audio 4000 RTP/AVP 8\r\na=crypto:7 AES_CM_128_HMAC_SHA1_32 "
                              "inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e\r\n");
  g_assert_true(parse(be, RC_SIP_SRTP_PREFERRED, &offer, NULL));
  g_assert_true(offer.audio.secure);
  g_autofree char *answer = NULL;
  g_autoptr(GstSDPMessage) reply = answer_of(&offer, &answer);
  const GstSDPMedia *audio = gst_sdp_message_get_media(reply, 0);
  g_assert_cmpstr(gst_sdp_media_get_proto(audio), ==, "RTP/AVP");
  const char *crypto = gst_sdp_media_get_attribute_val(audio, "crypto");
  g_assert_true(g_str_has_prefix(crypto, "7 AES_CM_128_HMAC_SHA1_32 inline:"));
  /* Required keeps to RTP/SAVP; off answers plain, without a key. */
  g_autoptr(GError) error = NULL;
  g_assert_false(parse(be, RC_SIP_SRTP_REQUIRED, &offer, &error));
  g_assert_error(error, RC_SIP_SDP_ERROR, RC_SIP_SDP_ERROR_SECURITY);
  g_assert_true(parse(be, RC_SIP_SRTP_OFF, &offer, NULL));
  g_assert_false(offer.audio.secure);
  g_autofree char *off_answer = NULL;
  g_autoptr(GstSDPMessage) off_reply = answer_of(&offer, &off_answer);
  g_assert_null(strstr(off_answer, "a=crypto"));
  /* A broken key in that form is refused as one in RTP/SAVP is. */
  g_clear_error(&error);
  g_assert_false(parse(offer_with("m=audio 4000 RTP/AVP 8\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ=\r\n"),
                       RC_SIP_SRTP_PREFERRED, &offer, &error));
  g_assert_error(error, RC_SIP_SDP_ERROR, RC_SIP_SDP_ERROR_MALFORMED);
}

/* Hold: a=sendonly, a=inactive, c=0.0.0.0 on every usable stream; the
 * answer's direction follows. A stream still sending is no hold. */
static void
test_hold(void)
{
  rc_sip_sdp_offer offer;
  const struct {
    const char *media;
    gboolean on_hold;
    const char *answer; /* the audio m-line's direction */
  } cases[] = {
      {"m=audio 4000 RTP/AVP 8\r\na=sendonly\r\n", TRUE, "recvonly"},
      {"m=audio 4000 RTP/AVP 8\r\na=inactive\r\n", TRUE, "inactive"},
      {"m=audio 4000 RTP/AVP 8\r\nc=IN IP4 0.0.0.0\r\n", TRUE, "recvonly"},
      {"m=audio 4000 RTP/AVP 8\r\nc=IN IP4 0.0.0.0\r\na=recvonly\r\n", TRUE, "inactive"},
      {"m=audio 4000 RTP/AVP 8\r\na=sendrecv\r\n", FALSE, "sendrecv"},
      {"m=audio 4000 RTP/AVP 8\r\na=recvonly\r\n", FALSE, "sendonly"},
      {"m=audio 4000 RTP/AVP 8\r\na=sendonly\r\nm=video 4002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n", FALSE,
       "recvonly"},
      {"m=audio 4000 RTP/AVP 8\r\na=sendonly\r\nm=video 4002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=inactive\r\n",
       TRUE, "recvonly"},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GError) error = NULL;
    g_assert_true(parse(offer_with(cases[i].media), RC_SIP_SRTP_OFF, &offer, &error));
    g_assert_no_error(error);
    g_assert_cmpint(rc_sip_sdp_on_hold(&offer), ==, cases[i].on_hold);
    g_autofree char *answer = NULL;
    g_autoptr(GstSDPMessage) msg = answer_of(&offer, &answer);
    g_assert_nonnull(gst_sdp_media_get_attribute_val(gst_sdp_message_get_media(msg, 0), cases[i].answer));
  }
  /* Nothing usable is no hold. */
  rc_sip_sdp_offer none = {.audio.index = -1, .video.index = -1};
  g_assert_false(rc_sip_sdp_on_hold(&none));
}

/* Whether we send the program on a stream: where the endpoint receives,
 * and for H.264 only in packetization-mode 1 (the program is in FU-A
 * fragments): a mode-0 site's video is taken, and the answer says
 * a=recvonly (a=inactive if it only receives). */
static void
test_takes_program(void)
{
  const struct {
    const char *media;
    gboolean audio, video;
    const char *video_answer;
  } cases[] = {
      {"m=audio 4000 RTP/AVP 8\r\nm=video 4002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
       "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\n",
       TRUE, TRUE, "sendrecv"},
      {"m=audio 4000 RTP/AVP 8\r\nm=video 4002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
       "a=fmtp:96 profile-level-id=42e01f;packetization-mode=0\r\n",
       TRUE, FALSE, "recvonly"},
      {"m=audio 4000 RTP/AVP 8\r\nm=video 4002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
       "a=fmtp:96 profile-level-id=42e01f\r\na=recvonly\r\n", /* no mode said: 0 (RFC 6184) */
       TRUE, FALSE, "inactive"},
      {"m=audio 4000 RTP/AVP 8\r\na=sendonly\r\nm=video 4002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
       "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\na=recvonly\r\n",
       FALSE, TRUE, "sendonly"},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    rc_sip_sdp_offer offer;
    g_autoptr(GError) error = NULL;
    g_assert_true(parse(offer_with(cases[i].media), RC_SIP_SRTP_OFF, &offer, &error));
    g_assert_no_error(error);
    g_assert_cmpint(rc_sip_sdp_takes_program(&offer.audio), ==, cases[i].audio);
    g_assert_cmpint(rc_sip_sdp_takes_program(&offer.video), ==, cases[i].video);
    g_autofree char *answer = NULL;
    g_autoptr(GstSDPMessage) msg = answer_of(&offer, &answer);
    g_assert_nonnull(gst_sdp_media_get_attribute_val(gst_sdp_message_get_media(msg, 1), cases[i].video_answer));
  }
  rc_sip_sdp_stream none = {.index = -1};
  g_assert_false(rc_sip_sdp_takes_program(&none));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sip-sdp/baresip-srtp", test_baresip_srtp);
  g_test_add_func("/sip-sdp/security-policies", test_security_policies);
  g_test_add_func("/sip-sdp/sipp-audio-only", test_sipp_audio_only);
  g_test_add_func("/sip-sdp/audio-preference", test_audio_preference);
  g_test_add_func("/sip-sdp/tiers", test_tiers);
  g_test_add_func("/sip-sdp/refusals", test_refusals);
  g_test_add_func("/sip-sdp/answer-lines", test_answer_lines);
  g_test_add_func("/sip-sdp/srtp-names", test_srtp_names);
  g_test_add_func("/sip-sdp/own-offer", test_own_offer);
  g_test_add_func("/sip-sdp/telephone-event", test_telephone_event);
  g_test_add_func("/sip-sdp/best-effort-srtp", test_best_effort_srtp);
  g_test_add_func("/sip-sdp/hold", test_hold);
  g_test_add_func("/sip-sdp/takes-program", test_takes_program);
  offers = g_ptr_array_new_with_free_func(g_free);
  int status = g_test_run();
  g_ptr_array_unref(offers);
  return status;
}
