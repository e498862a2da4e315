/* site-srtp-keys — see site-srtp-keys.h. */
#define G_LOG_DOMAIN "roomctl-sites"
#include "app/site-srtp-keys.h"
#include "base/rc-error.h"
#include "base/rtp.h"
#include "base/seal.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>

/* The program's SSRCs (media-private.h's), which srtpdec's caps name. */
#define PROGRAM_VIDEO_SSRC 0x50524F47u
#define PROGRAM_AUDIO_SSRC 0x50524F41u

static char *
seal_path(rc_store *store)
{
  return g_build_filename(rc_store_dir(store), RC_SITE_SRTP_SEAL_FILE, NULL);
}

const char *const rc_site_srtp_suites[] = {RC_SRTP_AES_CM_80, RC_SRTP_AEAD_GCM, NULL};

/* The sealed key's associated data: the site, and a GCM key's suite (an
 * AES-CM key's is as it was before there were two). */
static char *
aad_of(gint64 site_id, const char *suite)
{
  if (g_strcmp0(suite, RC_SRTP_AEAD_GCM) == 0)
    return g_strdup_printf("site-srtp:%" G_GINT64_FORMAT ":%s", site_id, suite);
  return g_strdup_printf("site-srtp:%" G_GINT64_FORMAT, site_id);
}

/* @suite as one of rc_site_srtp_suites (static), or NULL. */
static const char *
suite_of(const char *suite)
{
  for (int i = 0; rc_site_srtp_suites[i]; i++)
    if (g_strcmp0(suite, rc_site_srtp_suites[i]) == 0)
      return rc_site_srtp_suites[i];
  return NULL;
}

/* The lines of README's "Joining as a site with stock tools", keyed with
 * @suite: $C is the controller's address, 7000 the port the site receives
 * video on (audio on 7002), the test source and the sink the user's
 * choice. Stock ffmpeg speaks only AES-CM: a GCM key gets GStreamer's. */
static json_t *
lines(rc_config *config, const char *code, const char *suite, const char *b64, const char *hex)
{
  guint32 v = rc_rtp_site_ssrc(code, FALSE), a = rc_rtp_site_ssrc(code, TRUE);
  int vp = config->media_video_port, ap = config->media_audio_port;
  gboolean gcm = g_str_equal(suite, RC_SRTP_AEAD_GCM);
  /* srtpenc's properties and srtpdec's caps for the suite (GStreamer's names) */
  const char *cipher = gcm ? "aes-128-gcm" : "aes-128-icm", *auth = gcm ? "null" : "hmac-sha1-80";
  g_autofree char *enc = gcm ? g_strdup_printf("srtpenc key=%s rtp-cipher=%s rtp-auth=%s rtcp-cipher=%s rtcp-auth=%s",
                                                hex, cipher, auth, cipher, auth)
                             : g_strdup_printf("srtpenc key=%s", hex);
  g_autofree char *caps_v = g_strdup_printf(
      "application/x-srtp,media=video,encoding-name=H264,payload=96,clock-rate=90000,ssrc=(uint)%u,"
      "srtp-key=(buffer)%s,srtp-cipher=%s,srtp-auth=%s,srtcp-cipher=%s,srtcp-auth=%s",
      PROGRAM_VIDEO_SSRC, hex, cipher, auth, cipher, auth);
  g_autofree char *caps_a = g_strdup_printf(
      "application/x-srtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000,ssrc=(uint)%u,"
      "srtp-key=(buffer)%s,srtp-cipher=%s,srtp-auth=%s,srtcp-cipher=%s,srtcp-auth=%s",
      PROGRAM_AUDIO_SSRC, hex, cipher, auth, cipher, auth);
  g_autofree char *gst_send = g_strdup_printf(
      "gst-launch-1.0 videotestsrc is-live=true ! video/x-raw,width=640,height=360,framerate=25/1"
      " ! x264enc tune=zerolatency speed-preset=ultrafast bitrate=800 key-int-max=50"
      " ! rtph264pay pt=96 ssrc=%u config-interval=-1 mtu=1200 ! %s ! udpsink host=$C port=%d"
      " audiotestsrc is-live=true ! audioconvert ! opusenc ! rtpopuspay pt=111 ssrc=%u"
      " ! %s ! udpsink host=$C port=%d",
      v, enc, vp, a, enc, ap);
  g_autofree char *gst_receive = g_strdup_printf(
      "gst-launch-1.0 udpsrc port=7000 caps=\"%s\" ! srtpdec ! rtpjitterbuffer ! rtph264depay ! h264parse"
      " ! avdec_h264 ! autovideosink udpsrc port=7002 caps=\"%s\" ! srtpdec ! rtpjitterbuffer ! rtpopusdepay"
      " ! opusdec ! autoaudiosink",
      caps_v, caps_a);
  if (gcm)
    return json_pack("{ss ss}", "gst_send", gst_send, "gst_receive", gst_receive);
  g_autofree char *ffmpeg_send = g_strdup_printf(
      "ffmpeg -re -f lavfi -i testsrc2=size=640x360:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000"
      " -map 0:v -c:v libx264 -preset ultrafast -tune zerolatency -g 50 -b:v 800k"
      " -f rtp -payload_type 96 -ssrc %d -srtp_out_suite " RC_SITE_SRTP_SUITE " -srtp_out_params %s srtp://$C:%d"
      " -map 1:a -c:a libopus -b:a 64k"
      " -f rtp -payload_type 111 -ssrc %d -srtp_out_suite " RC_SITE_SRTP_SUITE " -srtp_out_params %s srtp://$C:%d",
      (gint32)v, b64, vp, (gint32)a, b64, ap);
  g_autofree char *ffmpeg_receive = g_strdup_printf(
      "printf 'v=0\\no=- 0 0 IN IP4 127.0.0.1\\ns=roomctl program\\nc=IN IP4 0.0.0.0\\nt=0 0\\n"
      "m=video 7000 RTP/SAVP 96\\na=rtpmap:96 H264/90000\\na=crypto:1 " RC_SITE_SRTP_SUITE " inline:%s\\n"
      "m=audio 7002 RTP/SAVP 111\\na=rtpmap:111 opus/48000/2\\na=crypto:1 " RC_SITE_SRTP_SUITE " inline:%s\\n'"
      " > program.sdp && ffplay -protocol_whitelist file,udp,rtp,srtp program.sdp",
      b64, b64);
  return json_pack("{so so so so}", "ffmpeg_send", json_string(ffmpeg_send), "ffmpeg_receive",
                   json_string(ffmpeg_receive), "gst_send", json_string(gst_send), "gst_receive",
                   json_string(gst_receive));
}

static char *
hex_of(const guint8 *raw, gsize len)
{
  char *hex = g_malloc(2 * len + 1);
  for (gsize i = 0; i < len; i++)
    g_snprintf(hex + 2 * i, 3, "%02x", raw[i]);
  return hex;
}

static void
secret_free(char *s)
{
  if (s)
    OPENSSL_cleanse(s, strlen(s));
  g_free(s);
}

json_t *
rc_site_srtp_key_new(rc_store *store, rc_config *config, gint64 site_id, const char *suite_name, gint64 by,
                     GError **error)
{
  const char *suite = suite_of(suite_name ? suite_name : RC_SITE_SRTP_SUITE);
  if (!suite) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "suite: %s is not %s nor %s", suite_name, RC_SRTP_AES_CM_80,
                RC_SRTP_AEAD_GCM);
    return NULL;
  }
  gsize len = rc_srtp_key_len(suite);
  g_autoptr(json_t) site = rc_store_site_get(store, site_id, error);
  if (!site)
    return NULL;
  const char *transport = json_string_value(json_object_get(site, "transport"));
  if (transport && *transport && !g_str_equal(transport, "rtp")) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE,
                "an SRTP key is for a plain-RTP site (transport rtp); this one's is %s", transport);
    return NULL;
  }
  guint8 seal[RC_SEAL_KEY_LEN], raw[RC_SRTP_KEY_MAX];
  g_autofree char *path = seal_path(store), *aad = aad_of(site_id, suite);
  if (!rc_seal_key_load(path, TRUE, seal, error))
    return NULL;
  g_autofree char *sealed = NULL;
  if (RAND_bytes(raw, (int)len) == 1)
    sealed = rc_seal(seal, aad, raw, len);
  OPENSSL_cleanse(seal, sizeof seal);
  if (!sealed) {
    g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "no SRTP key could be made");
    return NULL;
  }
  g_autofree char *target = g_strdup_printf("site:%" G_GINT64_FORMAT, site_id);
  gboolean ok = rc_store_begin(store, error);
  ok = ok && rc_store_end(store,
                          rc_store_site_srtp_key_set(store, site_id, suite, sealed, by, error) &&
                              rc_store_audit(store, by, "site.srtp_key", target, NULL, error),
                          error);
  char *b64 = ok ? g_base64_encode(raw, len) : NULL, *hex = ok ? hex_of(raw, len) : NULL;
  OPENSSL_cleanse(raw, sizeof raw);
  if (!ok)
    return NULL;
  g_autofree char *created = NULL;
  g_free(rc_store_site_srtp_key_get(store, site_id, NULL, &created));
  const char *code = json_string_value(json_object_get(site, "code"));
  json_t *reply = json_pack("{sI ss ss ss ss so}", "site_id", (json_int_t)site_id, "key", b64, "key_hex", hex,
                            "suite", suite, "created_at", created ? created : "", "lines",
                            lines(config, code ? code : "", suite, b64, hex));
  secret_free(b64);
  secret_free(hex);
  g_message("site %" G_GINT64_FORMAT ": a new SRTP key, %s (by user %" G_GINT64_FORMAT ")", site_id, suite, by);
  return reply;
}

gboolean
rc_site_srtp_key_revoke(rc_store *store, gint64 site_id, gint64 by, GError **error)
{
  g_autofree char *target = g_strdup_printf("site:%" G_GINT64_FORMAT, site_id);
  if (!rc_store_begin(store, error) ||
      !rc_store_end(store,
                    rc_store_site_srtp_key_delete(store, site_id, error) &&
                        rc_store_audit(store, by, "site.srtp_key.revoke", target, NULL, error),
                    error))
    return FALSE;
  g_message("site %" G_GINT64_FORMAT ": SRTP key revoked, its media are plain RTP again (by user %" G_GINT64_FORMAT
            ")", site_id, by);
  return TRUE;
}

gboolean
rc_site_srtp_key_get(rc_store *store, gint64 site_id, rc_srtp_key *key, GError **error)
{
  g_autofree char *stored_suite = NULL;
  g_autofree char *sealed = rc_store_site_srtp_key_get(store, site_id, &stored_suite, NULL);
  if (!sealed)
    return FALSE;
  const char *suite = suite_of(stored_suite);
  gsize want = rc_srtp_key_len(suite);
  guint8 seal[RC_SEAL_KEY_LEN];
  g_autofree char *path = seal_path(store), *aad = aad_of(site_id, suite);
  if (!suite) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE,
                "site %" G_GINT64_FORMAT ": its SRTP key's suite %s is not one we take, re-key the site", site_id,
                stored_suite ? stored_suite : "(none)");
    return FALSE;
  }
  if (!rc_seal_key_load(path, FALSE, seal, error)) {
    g_prefix_error(error, "site %" G_GINT64_FORMAT ": its SRTP key cannot be opened, re-key the site: ", site_id);
    return FALSE;
  }
  gsize len = 0;
  guint8 *plain = rc_unseal(seal, aad, sealed, &len, error);
  OPENSSL_cleanse(seal, sizeof seal);
  gboolean ok = plain && len == want;
  if (ok) {
    *key = (rc_srtp_key){.suite = suite}; /* the bytes past the suite's length zero: a key compares whole */
    memcpy(key->bytes, plain, len);
  } else if (plain) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "%zu bytes for %s", len, suite);
  }
  rc_unsealed_free(plain, len);
  if (!ok)
    g_prefix_error(error, "site %" G_GINT64_FORMAT ": its SRTP key cannot be opened, re-key the site: ", site_id);
  return ok;
}
