/* Unit tests for webrtc-sdp: real offers (chromium, webrtcbin, a Firefox-
 * shaped one; tests/unit/fixtures/webrtc/README.md says how each was made)
 * read into what the controller needs, every refusal with its reason, and
 * the answer read back with GstSDPMessage. */
#include "devices/webrtc-sdp.h"

#include <gst/sdp/sdp.h>
#include <string.h>

#define FIXTURES RC_WEB_ROOT "/../tests/unit/fixtures/webrtc/"

static const char *const ADDRESSES[] = { "127.0.0.1", "192.168.1.20", NULL };
static const rc_sdp_local LOCAL = {
  .ice_ufrag = "rcUf",
  .ice_pwd = "roomctlroomctlroomctl1",
  .fingerprint_sha256 = "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99",
  .addresses = ADDRESSES,
  .port = 5008,
  .video_ssrc = 1111,
  .audio_ssrc = 2222,
  .cname = "room",
};

/* A fixture's text (transfer full). */
static char *
load(const char *name)
{
  g_autofree char *path = g_strconcat(FIXTURES, name, NULL);
  char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, &error));
  g_assert_no_error(error);
  return text;
}

/* @text with the first @from replaced by @to (which must be there). */
static char *
replace(const char *text, const char *from, const char *to)
{
  const char *at = strstr(text, from);
  g_assert_nonnull(at);
  return g_strdup_printf("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
}

/* @text without the lines that start with @prefix. */
static char *
drop_lines(const char *text, const char *prefix)
{
  g_auto(GStrv) lines = g_strsplit(text, "\r\n", 0);
  GString *out = g_string_new(NULL);
  for (gsize i = 0; lines[i]; i++)
    if (!g_str_has_prefix(lines[i], prefix) && lines[i][0])
      g_string_append_printf(out, "%s\r\n", lines[i]);
  return g_string_free(out, FALSE);
}

static void
parse_ok(const char *text, gboolean publisher, rc_sdp_offer *offer)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = rc_sdp_offer_parse(text, strlen(text), publisher, offer, &error);
  g_assert_no_error(error);
  g_assert_true(ok);
}

/* Parsing @text fails with @code and a message containing @reason. */
static void
parse_fails(const char *text, gsize len, gboolean publisher, rc_sdp_error code, const char *reason)
{
  rc_sdp_offer offer;
  g_autoptr(GError) error = NULL;
  g_assert_false(rc_sdp_offer_parse(text, len, publisher, &offer, &error));
  g_assert_error(error, RC_SDP_ERROR, (gint)code);
  if (!strstr(error->message, reason))
    g_error("expected \"%s\" in \"%s\"", reason, error->message);
}

static void
test_chromium_publisher(void)
{
  g_autofree char *text = load("chromium-publisher.sdp");
  rc_sdp_offer offer;
  parse_ok(text, TRUE, &offer);
  g_assert_cmpstr(offer.ice_ufrag, ==, "Kpc8");
  g_assert_cmpstr(offer.ice_pwd, ==, "Vic3uwzcQUB4heo/6HtYihMO");
  g_assert_cmpstr(offer.fingerprint_alg, ==, "sha-256");
  g_assert_cmpuint(offer.fingerprint_len, ==, 32);
  g_assert_cmphex(offer.fingerprint[0], ==, 0xff);
  g_assert_cmphex(offer.fingerprint[31], ==, 0x89);
  g_assert_cmpstr(offer.setup, ==, "actpass");
  g_assert_cmpuint(offer.n_media, ==, 2);
  g_assert_cmpint(offer.video, ==, 0);
  g_assert_cmpint(offer.audio, ==, 1);
  const rc_sdp_media *video = &offer.media[0], *audio = &offer.media[1];
  /* 102 is 42001f (baseline, not constrained), 104/114 mode 0: 108 is 42e01f mode 1 */
  g_assert_cmpint(video->pt, ==, 108);
  g_assert_cmpstr(video->profile_level_id, ==, "42e01f");
  g_assert_cmpstr(video->mid, ==, "0");
  g_assert_cmpint(video->direction, ==, RC_SDP_SENDONLY);
  g_assert_cmpuint(video->ssrc, ==, 145612277); /* a=ssrc-group:FID's first, not the rtx */
  g_assert_true(video->nack && video->pli && video->fir);
  g_assert_true(audio->audio);
  g_assert_cmpint(audio->pt, ==, 111);
  g_assert_cmpstr(audio->mid, ==, "1");
  g_assert_cmpuint(audio->ssrc, ==, 741132089);
  g_assert_false(audio->nack || audio->pli || audio->fir);
  g_assert_true(offer.publisher);
  /* the same with bare LF line ends (an offer pasted into curl) */
  g_auto(GStrv) lines = g_strsplit(text, "\r\n", 0);
  g_autofree char *lf = g_strjoinv("\n", lines);
  rc_sdp_offer again;
  parse_ok(lf, TRUE, &again);
  g_assert_cmpint(again.media[0].pt, ==, 108);
  g_assert_cmpstr(again.ice_pwd, ==, offer.ice_pwd);
}

static void
test_chromium_viewer(void)
{
  g_autofree char *text = load("chromium-viewer.sdp");
  rc_sdp_offer offer;
  parse_ok(text, FALSE, &offer);
  g_assert_cmpint(offer.video, ==, 0);
  g_assert_cmpint(offer.audio, ==, 1);
  g_assert_cmpint(offer.media[0].direction, ==, RC_SDP_RECVONLY);
  g_assert_cmpstr(offer.media[0].profile_level_id, ==, "42e01f");
  g_assert_cmpuint(offer.media[0].ssrc, ==, 0);
  g_assert_cmpint(offer.media[1].pt, ==, 111);
}

static void
test_webrtcbin(void)
{
  g_autofree char *pub = load("webrtcbin-publisher.sdp");
  g_autofree char *view = load("webrtcbin-viewer.sdp");
  rc_sdp_offer offer;
  parse_ok(pub, TRUE, &offer);
  g_assert_cmpstr(offer.ice_ufrag, ==, "pDyBnohkaxuqafPIs8mRlrTGGAXxixZt");
  g_assert_cmpint(offer.video, ==, 0);
  g_assert_cmpint(offer.audio, ==, 1); /* port 0 with a=bundle-only is usable */
  g_assert_cmpstr(offer.media[0].mid, ==, "video0");
  g_assert_cmpstr(offer.media[0].profile_level_id, ==, "42c015");
  g_assert_cmpint(offer.media[0].pt, ==, 96);
  g_assert_true(offer.media[0].pli && offer.media[0].fir);
  g_assert_false(offer.media[0].nack);
  g_assert_cmpuint(offer.media[0].ssrc, ==, 2413100161u);
  g_assert_cmpint(offer.media[1].pt, ==, 111); /* OPUS in capitals */
  g_assert_cmpint(offer.media[1].direction, ==, RC_SDP_SENDRECV);
  parse_ok(view, FALSE, &offer);
  g_assert_cmpstr(offer.media[1].mid, ==, "audio1");
  g_assert_cmpint(offer.media[1].pt, ==, 111);
}

static void
test_firefox(void)
{
  g_autofree char *text = load("firefox-publisher.sdp");
  rc_sdp_offer offer;
  parse_ok(text, TRUE, &offer);
  g_assert_cmpint(offer.audio, ==, 0);
  g_assert_cmpint(offer.video, ==, 1);
  g_assert_cmpstr(offer.ice_ufrag, ==, "a1b2c3d4"); /* media level */
  g_assert_cmphex(offer.fingerprint[0], ==, 0x5b);  /* session level */
  g_assert_cmpint(offer.media[1].pt, ==, 126);       /* not 97, packetization-mode 0 */
  /* several fingerprints: the sha-256 one */
  g_autofree char *two = replace(text, "a=fingerprint:sha-256",
                                 "a=fingerprint:sha-1 00:11:22:33:44:55:66:77:88:99:00:11:22:33:44:55:66:77:88:99\r\n"
                                 "a=fingerprint:SHA-256");
  parse_ok(two, TRUE, &offer);
  g_assert_cmpstr(offer.fingerprint_alg, ==, "sha-256");
  g_assert_cmphex(offer.fingerprint[0], ==, 0x5b);
  g_assert_cmpuint(offer.media[1].ssrc, ==, 2958127374u);
  g_assert_cmpuint(offer.media[0].ssrc, ==, 4021544329u);
}

/* Format choice: 42e01f over another constrained baseline over main;
 * high and plain baseline are not usable. */
static void
test_h264_choice(void)
{
  g_autofree char *chromium = load("chromium-publisher.sdp");
  g_autofree char *a = replace(chromium, "packetization-mode=1;profile-level-id=42e01f",
                               "packetization-mode=1;profile-level-id=640c1f");
  rc_sdp_offer offer;
  parse_ok(a, TRUE, &offer);
  g_assert_cmpint(offer.media[0].pt, ==, 116);
  g_assert_cmpstr(offer.media[0].profile_level_id, ==, "4d001f");
  g_autofree char *b = replace(a, "profile-level-id=4d001f", "profile-level-id=42C01E");
  parse_ok(b, TRUE, &offer);
  g_assert_cmpint(offer.media[0].pt, ==, 116);
  g_assert_cmpstr(offer.media[0].profile_level_id, ==, "42c01e");
  g_autofree char *c = replace(b, "a=fmtp:116 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42C01E",
                               "a=fmtp:116 profile-level-id = 640032 ; packetization-mode=1");
  g_autofree char *d = replace(c, "m=audio 9 UDP/TLS/RTP/SAVPF 111 63", "m=audio 9 UDP/TLS/RTP/SAVPF 63"); /* unlisted */
  parse_fails(d, strlen(d), TRUE, RC_SDP_ERROR_NO_CODEC,
              "the offer has neither H.264 (packetization-mode=1, constrained baseline or main) nor Opus");
}

static void
test_refusals(void)
{
  g_autofree char *chromium = load("chromium-publisher.sdp");
  struct { const char *drop; const char *reason; } cases[] = {
    { "a=fingerprint", "the offer has no a=fingerprint" },
    { "a=ice-ufrag", "the offer has no a=ice-ufrag" },
    { "a=ice-pwd", "the offer has no a=ice-pwd" },
    { "a=mid", "m-line 1 (video) has no a=mid" },
    { "a=rtcp-mux", "m-line mid 0 has no a=rtcp-mux" },
    { "a=setup", "the offer has no a=setup" },
    { "a=group:BUNDLE", "the offer has no a=group:BUNDLE" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *text = drop_lines(chromium, cases[i].drop);
    parse_fails(text, strlen(text), TRUE, RC_SDP_ERROR_MALFORMED, cases[i].reason);
  }
  g_autofree char *nobundle = load("webrtcbin-publisher-nobundle.sdp");
  parse_fails(nobundle, strlen(nobundle), TRUE, RC_SDP_ERROR_MALFORMED, "the offer has no a=group:BUNDLE");
  g_autofree char *no_fp = drop_lines(chromium, "a=fingerprint");
  g_autofree char *sdes = replace(no_fp, "a=mid:0\r\n",
                                  "a=mid:0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n");
  parse_fails(sdes, strlen(sdes), TRUE, RC_SDP_ERROR_MALFORMED, "SDES (a=crypto) and has no a=fingerprint");
  g_autofree char *passive = replace(chromium, "a=setup:actpass", "a=setup:passive");
  parse_fails(passive, strlen(passive), TRUE, RC_SDP_ERROR_MALFORMED, "a=setup:passive");
  g_autofree char *short_pwd = replace(chromium, "a=ice-pwd:Vic3uwzcQUB4heo/6HtYihMO", "a=ice-pwd:short");
  parse_fails(short_pwd, strlen(short_pwd), TRUE, RC_SDP_ERROR_MALFORMED, "a=ice-pwd is not 22 to 256");
  g_autofree char *bad_fp = replace(chromium, "FF:FB:13", "FF:FB:1");
  parse_fails(bad_fp, strlen(bad_fp), TRUE, RC_SDP_ERROR_MALFORMED, "a=fingerprint is not");
  g_autofree char *unbundled = replace(chromium, "a=group:BUNDLE 0 1", "a=group:BUNDLE 0");
  parse_fails(unbundled, strlen(unbundled), TRUE, RC_SDP_ERROR_MALFORMED, "a=group:BUNDLE does not hold mid 1");
}

static void
test_not_sdp(void)
{
  parse_fails("", 0, TRUE, RC_SDP_ERROR_MALFORMED, "not SDP");
  parse_fails("{\"sdp\":1}", strlen("{\"sdp\":1}"), TRUE, RC_SDP_ERROR_MALFORMED, "not SDP");
  const char *no_media = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n";
  parse_fails(no_media, strlen(no_media), TRUE, RC_SDP_ERROR_MALFORMED, "the offer has no m-line");
  parse_fails("v=0\r\n\0m=video", 13, TRUE, RC_SDP_ERROR_MALFORMED, "NUL byte");
  g_autofree char *chromium = load("chromium-publisher.sdp");
  GString *big = g_string_new(chromium);
  while (big->len <= 64 * 1024)
    g_string_append(big, "a=x-padding:0123456789012345678901234567890123456789\r\n");
  parse_fails(big->str, big->len, TRUE, RC_SDP_ERROR_MALFORMED, "larger than 64 KiB");
  g_string_free(big, TRUE);
  /* not NUL-terminated: the length is what counts */
  g_autofree char *cut = g_strdup(chromium);
  rc_sdp_offer offer;
  g_assert_true(rc_sdp_offer_parse(cut, strlen(cut), TRUE, &offer, NULL));
  g_autofree char *m5 = g_strdup_printf("%sm=video 9 UDP/TLS/RTP/SAVPF 96\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
                                        "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n", chromium);
  parse_fails(m5, strlen(m5), TRUE, RC_SDP_ERROR_MALFORMED, "more than 4 m-lines");
}

static void
test_directions(void)
{
  g_autofree char *pub = load("chromium-publisher.sdp");
  g_autofree char *view = load("chromium-viewer.sdp");
  parse_fails(pub, strlen(pub), FALSE, RC_SDP_ERROR_DIRECTION, "the offer receives no H.264 or Opus");
  parse_fails(view, strlen(view), TRUE, RC_SDP_ERROR_DIRECTION, "the offer sends no H.264 or Opus");
  /* a publisher's recvonly audio is answered port 0, its video still used */
  g_autofree char *mixed = replace(pub, "a=sendonly\r\na=msid:a2726539-8efb-4c5b-bfe5-5df86462a97c e88e",
                                   "a=recvonly\r\na=msid:a2726539-8efb-4c5b-bfe5-5df86462a97c e88e");
  rc_sdp_offer offer;
  parse_ok(mixed, TRUE, &offer);
  g_assert_cmpint(offer.video, ==, 0);
  g_assert_cmpint(offer.audio, ==, -1);
  g_assert_cmpint(offer.media[1].pt, ==, -1);
  /* H.264 only on a disabled m-line (port 0, no a=bundle-only) is no codec */
  g_autofree char *off1 = replace(pub, "m=video 9 ", "m=video 0 ");
  g_autofree char *off2 = replace(off1, "m=audio 9 ", "m=audio 0 ");
  parse_fails(off2, strlen(off2), TRUE, RC_SDP_ERROR_NO_CODEC, "neither H.264");
  /* two usable video m-lines */
  g_autofree char *two = replace(pub, "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126",
                                 "m=video 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126");
  g_autofree char *two_h264 = replace(two, "a=rtpmap:111 opus/48000/2\r\n",
                                      "a=rtpmap:111 H264/90000\r\na=fmtp:111 packetization-mode=1;profile-level-id=42e01f\r\n");
  parse_fails(two_h264, strlen(two_h264), TRUE, RC_SDP_ERROR_MALFORMED, "a second usable video m-line (mid 1)");
}

/* The attribute @key of @m (or of @msg when @m is NULL) has @value. */
static gboolean
has(const GstSDPMessage *msg, const GstSDPMedia *m, const char *key, const char *value)
{
  const char *v;
  for (guint i = 0;; i++) {
    v = m ? gst_sdp_media_get_attribute_val_n(m, key, i) : gst_sdp_message_get_attribute_val_n(msg, key, i);
    if (!v)
      return FALSE;
    if (g_strcmp0(v, value) == 0 || (!value && !v[0]))
      return TRUE;
  }
}

static GstSDPMessage *
answer_of(const rc_sdp_offer *offer, const rc_sdp_local *local)
{
  g_autofree char *answer = rc_sdp_answer(offer, local);
  g_assert_nonnull(answer);
  g_assert_true(g_str_has_prefix(answer, "v=0\r\no=roomctl "));
  GstSDPMessage *msg = NULL;
  g_assert_cmpint(gst_sdp_message_new_from_text(answer, &msg), ==, GST_SDP_OK);
  return msg;
}

static void
test_answer_publisher(void)
{
  g_autofree char *text = load("chromium-publisher.sdp");
  rc_sdp_offer offer;
  parse_ok(text, TRUE, &offer);
  g_autoptr(GstSDPMessage) msg = answer_of(&offer, &LOCAL);
  g_assert_true(has(msg, NULL, "ice-lite", NULL));
  g_assert_true(has(msg, NULL, "group", "BUNDLE 0 1"));
  g_assert_cmpuint(gst_sdp_message_medias_len(msg), ==, 2);
  const GstSDPMedia *v = gst_sdp_message_get_media(msg, 0), *a = gst_sdp_message_get_media(msg, 1);
  g_assert_cmpstr(gst_sdp_media_get_media(v), ==, "video");
  g_assert_cmpuint(gst_sdp_media_get_port(v), ==, 9);
  g_assert_cmpstr(gst_sdp_media_get_proto(v), ==, "UDP/TLS/RTP/SAVPF");
  g_assert_cmpuint(gst_sdp_media_formats_len(v), ==, 1);
  g_assert_cmpstr(gst_sdp_media_get_format(v, 0), ==, "108");
  g_assert_true(has(msg, v, "mid", "0"));
  g_assert_true(has(msg, v, "setup", "passive"));
  g_assert_true(has(msg, v, "recvonly", NULL));
  g_assert_true(has(msg, v, "rtcp-mux", NULL));
  g_assert_true(has(msg, v, "ice-ufrag", "rcUf"));
  g_autofree char *fingerprint = g_strconcat("sha-256 ", LOCAL.fingerprint_sha256, NULL);
  g_assert_true(has(msg, v, "fingerprint", fingerprint));
  g_assert_true(has(msg, v, "rtpmap", "108 H264/90000"));
  g_assert_true(has(msg, v, "fmtp", "108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"));
  g_assert_true(has(msg, v, "rtcp-fb", "108 nack") && has(msg, v, "rtcp-fb", "108 nack pli")
                && has(msg, v, "rtcp-fb", "108 ccm fir"));
  g_assert_true(has(msg, v, "candidate", "1 1 udp 2130706431 127.0.0.1 5008 typ host"));
  g_assert_true(has(msg, v, "candidate", "2 1 udp 2130706431 192.168.1.20 5008 typ host"));
  g_assert_true(has(msg, v, "end-of-candidates", NULL));
  g_assert_null(gst_sdp_media_get_attribute_val(v, "ssrc")); /* a publisher gets nothing from us */
  g_assert_true(has(msg, a, "rtpmap", "111 opus/48000/2"));
  g_assert_true(has(msg, a, "fmtp", "111 minptime=10;useinbandfec=1"));
  g_assert_null(gst_sdp_media_get_attribute_val(a, "rtcp-fb"));
  g_assert_true(has(msg, a, "recvonly", NULL));
}

static void
test_answer_viewer(void)
{
  g_autofree char *text = load("webrtcbin-viewer.sdp");
  rc_sdp_offer offer;
  parse_ok(text, FALSE, &offer);
  g_autoptr(GstSDPMessage) msg = answer_of(&offer, &LOCAL);
  g_assert_true(has(msg, NULL, "group", "BUNDLE video0 audio1"));
  g_assert_true(has(msg, NULL, "msid-semantic", " WMS roomctl"));
  const GstSDPMedia *v = gst_sdp_message_get_media(msg, 0), *a = gst_sdp_message_get_media(msg, 1);
  g_assert_true(has(msg, v, "sendonly", NULL));
  g_assert_true(has(msg, v, "msid", "roomctl video"));
  g_assert_true(has(msg, v, "ssrc", "1111 cname:room"));
  g_assert_true(has(msg, v, "ssrc", "1111 msid:roomctl video"));
  g_assert_true(has(msg, v, "rtcp-fb", "96 nack pli"));
  g_assert_false(has(msg, v, "rtcp-fb", "96 nack"));
  g_assert_cmpuint(gst_sdp_media_get_port(a), ==, 9); /* bundle-only in the offer, open in the answer */
  g_assert_true(has(msg, a, "ssrc", "2222 cname:room"));
  g_assert_true(has(msg, a, "sendonly", NULL));
  /* sendrecv from a viewer is answered sendonly; no SSRC, no a=ssrc */
  g_autofree char *sendrecv = replace(text, "a=recvonly", "a=sendrecv");
  parse_ok(sendrecv, FALSE, &offer);
  rc_sdp_local quiet = LOCAL;
  quiet.video_ssrc = 0;
  g_autoptr(GstSDPMessage) msg2 = answer_of(&offer, &quiet);
  v = gst_sdp_message_get_media(msg2, 0);
  g_assert_true(has(msg2, v, "sendonly", NULL));
  g_assert_null(gst_sdp_media_get_attribute_val(v, "ssrc"));
  g_assert_null(gst_sdp_media_get_attribute_val(v, "msid"));
}

/* An unusable m-line (a data channel, VP8 only) is answered port 0 with
 * its kind, proto and formats, and stays out of BUNDLE. */
static void
test_answer_refused_lines(void)
{
  g_autofree char *chromium = load("chromium-publisher.sdp");
  g_autofree char *with_data = g_strconcat(chromium, "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
                                                     "c=IN IP4 0.0.0.0\r\na=mid:2\r\na=sctp-port:5000\r\n", NULL);
  g_autofree char *bundled = replace(with_data, "a=group:BUNDLE 0 1", "a=group:BUNDLE 0 1 2");
  g_autofree char *no_opus = replace(bundled, "a=rtpmap:111 opus/48000/2", "a=rtpmap:111 speex/48000/2");
  rc_sdp_offer offer;
  parse_ok(no_opus, TRUE, &offer);
  g_assert_cmpint(offer.audio, ==, -1);
  g_assert_cmpstr(offer.media[2].kind, ==, "application");
  g_autoptr(GstSDPMessage) msg = answer_of(&offer, &LOCAL);
  g_assert_true(has(msg, NULL, "group", "BUNDLE 0"));
  g_assert_cmpuint(gst_sdp_message_medias_len(msg), ==, 3);
  const GstSDPMedia *a = gst_sdp_message_get_media(msg, 1), *d = gst_sdp_message_get_media(msg, 2);
  g_assert_cmpuint(gst_sdp_media_get_port(a), ==, 0);
  g_assert_cmpstr(gst_sdp_media_get_media(a), ==, "audio");
  g_assert_cmpstr(gst_sdp_media_get_format(a, 0), ==, "111");
  g_assert_true(has(msg, a, "mid", "1"));
  g_assert_cmpuint(gst_sdp_media_get_port(d), ==, 0);
  g_assert_cmpstr(gst_sdp_media_get_media(d), ==, "application");
  g_assert_cmpstr(gst_sdp_media_get_proto(d), ==, "UDP/DTLS/SCTP");
  g_assert_cmpstr(gst_sdp_media_get_format(d, 0), ==, "webrtc-datachannel");
}

static void
test_fingerprint_parse(void)
{
  guint8 out[4];
  gsize len = 0;
  g_assert_true(rc_sdp_fingerprint_parse("ab:CD:0f", out, &len, sizeof out));
  g_assert_cmpuint(len, ==, 3);
  g_assert_cmphex(out[1], ==, 0xcd);
  g_assert_false(rc_sdp_fingerprint_parse("", out, &len, sizeof out));
  g_assert_false(rc_sdp_fingerprint_parse("ab:", out, &len, sizeof out));
  g_assert_false(rc_sdp_fingerprint_parse("abc", out, &len, sizeof out));
  g_assert_false(rc_sdp_fingerprint_parse("ab:cd:ef:01:23", out, &len, sizeof out)); /* over max */
  g_assert_false(rc_sdp_fingerprint_parse("zz", out, &len, sizeof out));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/webrtc-sdp/chromium-publisher", test_chromium_publisher);
  g_test_add_func("/webrtc-sdp/chromium-viewer", test_chromium_viewer);
  g_test_add_func("/webrtc-sdp/webrtcbin", test_webrtcbin);
  g_test_add_func("/webrtc-sdp/firefox", test_firefox);
  g_test_add_func("/webrtc-sdp/h264-choice", test_h264_choice);
  g_test_add_func("/webrtc-sdp/refusals", test_refusals);
  g_test_add_func("/webrtc-sdp/not-sdp", test_not_sdp);
  g_test_add_func("/webrtc-sdp/directions", test_directions);
  g_test_add_func("/webrtc-sdp/answer-publisher", test_answer_publisher);
  g_test_add_func("/webrtc-sdp/answer-viewer", test_answer_viewer);
  g_test_add_func("/webrtc-sdp/answer-refused-lines", test_answer_refused_lines);
  g_test_add_func("/webrtc-sdp/fingerprint-parse", test_fingerprint_parse);
  return g_test_run();
}
