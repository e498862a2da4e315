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

static char *
aad_of(gint64 site_id)
{
  return g_strdup_printf("site-srtp:%" G_GINT64_FORMAT, site_id);
}

/* The lines of README's "Joining as a site with stock tools", keyed:
 * $C is the controller's address, 7000 the port the site receives video
 * on (audio on 7002), the test source and the sink the user's choice. */
static json_t *
lines(rc_config *config, const char *code, const char *b64, const char *hex)
{
  guint32 v = rc_rtp_site_ssrc(code, FALSE), a = rc_rtp_site_ssrc(code, TRUE);
  int vp = config->media_video_port, ap = config->media_audio_port;
  g_autofree char *caps_v = g_strdup_printf(
      "application/x-srtp,media=video,encoding-name=H264,payload=96,clock-rate=90000,ssrc=(uint)%u,"
      "srtp-key=(buffer)%s,srtp-cipher=aes-128-icm,srtp-auth=hmac-sha1-80,srtcp-cipher=aes-128-icm,"
      "srtcp-auth=hmac-sha1-80",
      PROGRAM_VIDEO_SSRC, hex);
  g_autofree char *caps_a = g_strdup_printf(
      "application/x-srtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000,ssrc=(uint)%u,"
      "srtp-key=(buffer)%s,srtp-cipher=aes-128-icm,srtp-auth=hmac-sha1-80,srtcp-cipher=aes-128-icm,"
      "srtcp-auth=hmac-sha1-80",
      PROGRAM_AUDIO_SSRC, hex);
  g_autofree char *gst_send = g_strdup_printf(
      "gst-launch-1.0 videotestsrc is-live=true ! video/x-raw,width=640,height=360,framerate=25/1"
      " ! x264enc tune=zerolatency speed-preset=ultrafast bitrate=800 key-int-max=50"
      " ! rtph264pay pt=96 ssrc=%u config-interval=-1 mtu=1200 ! srtpenc key=%s ! udpsink host=$C port=%d"
      " audiotestsrc is-live=true ! audioconvert ! opusenc ! rtpopuspay pt=111 ssrc=%u"
      " ! srtpenc key=%s ! udpsink host=$C port=%d",
      v, hex, vp, a, hex, ap);
  g_autofree char *gst_receive = g_strdup_printf(
      "gst-launch-1.0 udpsrc port=7000 caps=\"%s\" ! srtpdec ! rtpjitterbuffer ! rtph264depay ! h264parse"
      " ! avdec_h264 ! autovideosink udpsrc port=7002 caps=\"%s\" ! srtpdec ! rtpjitterbuffer ! rtpopusdepay"
      " ! opusdec ! autoaudiosink",
      caps_v, caps_a);
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
rc_site_srtp_key_new(rc_store *store, rc_config *config, gint64 site_id, gint64 by, GError **error)
{
  g_autoptr(json_t) site = rc_store_site_get(store, site_id, error);
  if (!site)
    return NULL;
  const char *transport = json_string_value(json_object_get(site, "transport"));
  if (transport && *transport && !g_str_equal(transport, "rtp")) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE,
                "an SRTP key is for a plain-RTP site (transport rtp); this one's is %s", transport);
    return NULL;
  }
  guint8 seal[RC_SEAL_KEY_LEN], raw[RC_SITE_SRTP_KEY_LEN];
  g_autofree char *path = seal_path(store), *aad = aad_of(site_id);
  if (!rc_seal_key_load(path, TRUE, seal, error))
    return NULL;
  g_autofree char *sealed = NULL;
  if (RAND_bytes(raw, sizeof raw) == 1)
    sealed = rc_seal(seal, aad, raw, sizeof raw);
  OPENSSL_cleanse(seal, sizeof seal);
  if (!sealed) {
    g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "no SRTP key could be made");
    return NULL;
  }
  g_autofree char *target = g_strdup_printf("site:%" G_GINT64_FORMAT, site_id);
  gboolean ok = rc_store_begin(store, error);
  ok = ok && rc_store_end(store,
                          rc_store_site_srtp_key_set(store, site_id, sealed, by, error) &&
                              rc_store_audit(store, by, "site.srtp_key", target, NULL, error),
                          error);
  char *b64 = ok ? g_base64_encode(raw, sizeof raw) : NULL, *hex = ok ? hex_of(raw, sizeof raw) : NULL;
  OPENSSL_cleanse(raw, sizeof raw);
  if (!ok)
    return NULL;
  g_autofree char *created = NULL;
  g_free(rc_store_site_srtp_key_get(store, site_id, &created));
  const char *code = json_string_value(json_object_get(site, "code"));
  json_t *reply = json_pack("{sI ss ss ss ss so}", "site_id", (json_int_t)site_id, "key", b64, "key_hex", hex,
                            "suite", RC_SITE_SRTP_SUITE, "created_at", created ? created : "", "lines",
                            lines(config, code ? code : "", b64, hex));
  secret_free(b64);
  secret_free(hex);
  g_message("site %" G_GINT64_FORMAT ": a new SRTP key (by user %" G_GINT64_FORMAT ")", site_id, by);
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
rc_site_srtp_key_get(rc_store *store, gint64 site_id, guint8 key[RC_SITE_SRTP_KEY_LEN], GError **error)
{
  g_autofree char *sealed = rc_store_site_srtp_key_get(store, site_id, NULL);
  if (!sealed)
    return FALSE;
  guint8 seal[RC_SEAL_KEY_LEN];
  g_autofree char *path = seal_path(store), *aad = aad_of(site_id);
  if (!rc_seal_key_load(path, FALSE, seal, error)) {
    g_prefix_error(error, "site %" G_GINT64_FORMAT ": its SRTP key cannot be opened, re-key the site: ", site_id);
    return FALSE;
  }
  gsize len = 0;
  guint8 *plain = rc_unseal(seal, aad, sealed, &len, error);
  OPENSSL_cleanse(seal, sizeof seal);
  if (plain && len == RC_SITE_SRTP_KEY_LEN)
    memcpy(key, plain, len);
  else if (plain)
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "%zu bytes", len);
  gboolean ok = plain && len == RC_SITE_SRTP_KEY_LEN;
  rc_unsealed_free(plain, len);
  if (!ok)
    g_prefix_error(error, "site %" G_GINT64_FORMAT ": its SRTP key cannot be opened, re-key the site: ", site_id);
  return ok;
}
