/* audio-codec — see audio-codec.h: one row per codec, and the mapping from
 * SDP names, payload types and format parameters to RTP caps. */
#include "devices/audio-codec.h"

#include <string.h>

static const rc_audio_codec_info codecs[RC_AUDIO_CODECS] = {
    [RC_AUDIO_OPUS] = {"opus", "OPUS", -1, 111, 48000, 960, "rtpopusdepay", "opusdec", "opusenc", "rtpopuspay"},
    [RC_AUDIO_PCMU] = {"pcmu", "PCMU", 0, 0, 8000, 160, "rtppcmudepay", "mulawdec", "mulawenc", "rtppcmupay"},
    [RC_AUDIO_PCMA] = {"pcma", "PCMA", 8, 8, 8000, 160, "rtppcmadepay", "alawdec", "alawenc", "rtppcmapay"},
    [RC_AUDIO_G722] = {"g722", "G722", 9, 9, 8000, 160, "rtpg722depay", "avdec_g722", "avenc_g722", "rtpg722pay"},
    [RC_AUDIO_AAC] = {"aac", "MPEG4-GENERIC", -1, 97, 48000, 0, "rtpmp4gdepay", "avdec_aac", NULL, NULL},
};

/* The RTP basics of caps, which are not format parameters. */
static const char *const rtp_fields[] = {"media",           "payload", "clock-rate",       "encoding-name",
                                         "encoding-params", "ssrc",    "timestamp-offset", "seqnum-offset",
                                         "a-framerate",     NULL};

/* The format parameters the depayloaders read (RFC 3640 for AAC, RFC 7587
 * for Opus), and only these: a caps field's name is interned for the life
 * of the process, so a name from outside that is not on this list is never
 * made one. */
static const char *const fmtp_fields[] = {
    "streamtype", "profile-level-id", "mode", "config", "sizelength", "indexlength", "indexdeltalength",
    "ctsdeltalength", "dtsdeltalength", "randomaccessindication", "streamstateindication", "auxiliarydatasizelength",
    "constantsize", "constantduration", "maxdisplacement", "de-interleavebuffersize", "sprop-stereo", "stereo",
    "sprop-maxcapturerate", "maxplaybackrate", "maxaveragebitrate", "useinbandfec", "usedtx", "cbr", "minptime",
    "ptime", "maxptime", NULL};

const rc_audio_codec_info *
rc_audio_codec_get(rc_audio_codec codec)
{
  g_return_val_if_fail(codec < RC_AUDIO_CODECS, &codecs[RC_AUDIO_OPUS]);
  return &codecs[codec];
}

const char *
rc_audio_codec_name(rc_audio_codec codec)
{
  return codec < RC_AUDIO_CODECS ? codecs[codec].name : "?";
}

gboolean
rc_audio_codec_from_sdp(const char *encoding_name, int pt, rc_audio_codec *out)
{
  for (int c = 0; c < RC_AUDIO_CODECS; c++) {
    gboolean match = encoding_name && *encoding_name ? g_ascii_strcasecmp(encoding_name, codecs[c].encoding_name) == 0
                                                     : pt >= 0 && pt == codecs[c].static_pt;
    if (match) {
      *out = (rc_audio_codec)c;
      return TRUE;
    }
  }
  return FALSE;
}

GstCaps *
rc_audio_codec_rtp_caps(rc_audio_codec codec, int pt, int clock_rate, const char *fmtp)
{
  const rc_audio_codec_info *c = rc_audio_codec_get(codec);
  GstCaps *caps = gst_caps_new_simple("application/x-rtp", "media", G_TYPE_STRING, "audio", "payload", G_TYPE_INT, pt,
                                      "clock-rate", G_TYPE_INT, clock_rate > 0 ? clock_rate : c->clock_rate,
                                      "encoding-name", G_TYPE_STRING, c->encoding_name, NULL);
  GstStructure *s = gst_caps_get_structure(caps, 0);
  g_auto(GStrv) params = fmtp ? g_strsplit(fmtp, ";", -1) : NULL;
  for (guint i = 0; params && params[i]; i++) {
    g_autofree char *param = g_strstrip(g_strdup(params[i]));
    char *eq = strchr(param, '=');
    if (!eq || eq == param)
      continue;
    *eq = '\0';
    g_autofree char *key = g_ascii_strdown(g_strstrip(param), -1);
    if (g_strv_contains(fmtp_fields, key)) /* the RTP basics are ours; others are dropped */
      gst_structure_set(s, key, G_TYPE_STRING, g_strstrip(eq + 1), NULL);
  }
  return caps;
}

static gint
by_name(gconstpointer a, gconstpointer b)
{
  return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

char *
rc_audio_codec_fmtp_of_caps(const GstStructure *s)
{
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func(g_free);
  for (int i = 0; i < gst_structure_n_fields(s); i++) {
    const char *key = gst_structure_nth_field_name(s, i);
    const GValue *v = gst_structure_get_value(s, key);
    if (g_strv_contains(rtp_fields, key) || !g_strv_contains(fmtp_fields, key))
      continue;
    if (G_VALUE_HOLDS_STRING(v))
      g_ptr_array_add(params, g_strdup_printf("%s=%s", key, g_value_get_string(v)));
    else if (G_VALUE_HOLDS_INT(v))
      g_ptr_array_add(params, g_strdup_printf("%s=%d", key, g_value_get_int(v)));
    else if (G_VALUE_HOLDS_UINT(v))
      g_ptr_array_add(params, g_strdup_printf("%s=%u", key, g_value_get_uint(v)));
  }
  if (!params->len)
    return NULL;
  g_ptr_array_sort(params, by_name);
  g_ptr_array_add(params, NULL);
  return g_strjoinv(";", (char **)params->pdata);
}
