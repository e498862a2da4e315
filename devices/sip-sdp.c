/* sip-sdp — the SIP endpoint's offer and the controller's answer (see
 * sip-sdp.h).
 *
 * GstSDPMessage does the tokenizing; sdp-attr.h reads the attribute values
 * it leaves as text. Everything copied from the offer into the answer
 * (kinds, protos, formats of refused m-lines; the H.264 profile-level-id)
 * is checked to be a token or hex first, so the answer carries no injected
 * line. */
#include "devices/sip-sdp.h"

#include <gio/gio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TEXT (64 * 1024)
#define MAX_PARAM 100000000u /* max-fs / max-mbps above this are nonsense */

G_DEFINE_QUARK(rc - sip - sdp - error - quark, rc_sip_sdp_error)

static gboolean G_GNUC_PRINTF(3, 4) fail(GError **error, rc_sip_sdp_error code, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  g_autofree char *message = g_strdup_vprintf(format, args);
  va_end(args);
  g_set_error_literal(error, RC_SIP_SDP_ERROR, code, message);
  return FALSE;
}

gboolean
rc_sip_srtp_parse(const char *text, rc_sip_srtp *out)
{
  static const char *const names[] = {"off", "preferred", "required"};
  for (int i = 0; i < 3; i++)
    if (g_strcmp0(text, names[i]) == 0) {
      *out = (rc_sip_srtp)i;
      return TRUE;
    }
  return FALSE;
}

const char *
rc_sip_srtp_name(rc_sip_srtp srtp)
{
  return srtp == RC_SIP_SRTP_OFF ? "off" : srtp == RC_SIP_SRTP_PREFERRED ? "preferred" : "required";
}

/* ---- H.264 levels (ITU-T H.264 table A-1) -------------------------------- */

static void
level_limits(int level_idc, gboolean level_1b, guint *max_fs, guint *max_mbps)
{
  static const struct {
    int idc;
    guint fs, mbps;
  } levels[] = {
      {9, 99, 1485},       {10, 99, 1485},       {11, 396, 3000},    {12, 396, 6000},    {13, 396, 11880},
      {20, 396, 11880},    {21, 792, 19800},     {22, 1620, 20250},  {30, 1620, 40500},  {31, 3600, 108000},
      {32, 5120, 216000},  {40, 8192, 245760},   {41, 8192, 245760}, {42, 8704, 522240}, {50, 22080, 589824},
      {51, 36864, 983040}, {52, 36864, 2073600},
  };
  *max_fs = 99, *max_mbps = 1485; /* level 1 for an unknown level */
  if (level_1b)
    return;
  for (gsize i = 0; i < G_N_ELEMENTS(levels); i++)
    if (levels[i].idc == level_idc)
      *max_fs = levels[i].fs, *max_mbps = levels[i].mbps;
}

int
rc_sip_sdp_tier_for(guint max_fs, guint max_mbps, const rc_sip_sdp_tier *tiers, guint n, int fps)
{
  for (guint i = 0; i < n; i++) {
    guint64 fs = (guint64)((tiers[i].width + 15) / 16) * (guint64)((tiers[i].height + 15) / 16);
    if (fs <= max_fs && fs * (guint64)MAX(fps, 1) <= max_mbps)
      return (int)i;
  }
  return -1;
}

/* A decimal parameter of @fmtp (0 when absent or not a number up to MAX_PARAM). */
static guint
fmtp_uint(const char *fmtp, const char *name)
{
  char value[12];
  if (!fmtp || !rc_sdp_fmtp_param(fmtp, name, value, sizeof value) || !*value)
    return 0;
  guint64 n = 0;
  for (const char *p = value; *p; p++)
    if (!g_ascii_isdigit(*p) || (n = n * 10 + (guint64)(*p - '0')) > MAX_PARAM)
      return 0;
  return (guint)n;
}

/* Rank of an H.264 format (2: packetization-mode 1, 1: mode 0, 0: not
 * usable) and what it says of the decoder into @s. */
static int
h264_rank(const char *fmtp, rc_sip_sdp_stream *s)
{
  char mode[4] = "0", plid[8] = "420010"; /* RFC 6184's defaults */
  if (fmtp && rc_sdp_fmtp_param(fmtp, "packetization-mode", mode, sizeof mode) && strcmp(mode, "0") &&
      strcmp(mode, "1"))
    return 0;
  if (fmtp && rc_sdp_fmtp_param(fmtp, "profile-level-id", plid, sizeof plid) && strlen(plid) != 6)
    return 0;
  guint8 bytes[3];
  for (int i = 0; i < 3; i++) {
    int hi = g_ascii_xdigit_value(plid[2 * i]), lo = g_ascii_xdigit_value(plid[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return 0;
    bytes[i] = (guint8)(hi << 4 | lo);
  }
  /* Baseline, main, extended, high: the program is constrained baseline. */
  if (bytes[0] != 0x42 && bytes[0] != 0x4d && bytes[0] != 0x58 && bytes[0] != 0x64)
    return 0;
  for (int i = 0; i < 6; i++)
    s->profile_level_id[i] = g_ascii_tolower(plid[i]);
  s->profile_level_id[6] = '\0';
  s->packetization_mode = mode[0] - '0';
  gboolean level_1b = bytes[2] == 11 && (bytes[0] == 0x42 || bytes[0] == 0x4d) && (bytes[1] & 0x10);
  level_limits(bytes[2], level_1b, &s->max_fs, &s->max_mbps);
  s->max_fs = MAX(s->max_fs, fmtp_uint(fmtp, "max-fs"));
  s->max_mbps = MAX(s->max_mbps, fmtp_uint(fmtp, "max-mbps"));
  return s->packetization_mode == 1 ? 2 : 1;
}

/* ---- the codec of one m-line --------------------------------------------- */

typedef struct {
  const char *name; /* as in the answer's rtpmap */
  int rate, channels, static_pt, rank;
} audio_codec;

static const audio_codec audio_codecs[] = {
    {"opus", 48000, 2, -1, 4},
    {"G722", 8000, 1, 9, 3},
    {"PCMA", 8000, 1, 8, 2},
    {"PCMU", 8000, 1, 0, 1},
};

/* "NAME/RATE[/CHANNELS]" of an rtpmap → the audio codec, or NULL. */
static const audio_codec *
audio_of(const char *encoding)
{
  for (gsize i = 0; i < G_N_ELEMENTS(audio_codecs); i++) {
    const audio_codec *c = &audio_codecs[i];
    g_autofree char *mono = g_strdup_printf("%s/%d", c->name, c->rate);
    g_autofree char *full = g_strdup_printf("%s/%d/%d", c->name, c->rate, c->channels);
    if (g_ascii_strcasecmp(encoding, full) == 0 || (c->channels == 1 && g_ascii_strcasecmp(encoding, mono) == 0))
      return c;
  }
  return NULL;
}

static gboolean
has_rtpmap(const GstSDPMedia *m, int pt)
{
  const char *value, *rest;
  for (guint i = 0; (value = gst_sdp_media_get_attribute_val_n(m, "rtpmap", i)); i++)
    if (rc_sdp_read_pt(value, &rest) == pt)
      return TRUE;
  return FALSE;
}

static void
set_audio(rc_sip_sdp_stream *s, int pt, const audio_codec *c)
{
  s->pt = pt;
  g_strlcpy(s->encoding, c->name, sizeof s->encoding);
  s->clock_rate = c->rate;
  s->channels = c->channels;
}

/* The best audio format of @m into @s (pt -1 when none). */
static void
choose_audio(const GstSDPMedia *m, rc_sip_sdp_stream *s)
{
  int best = 0;
  const char *value, *encoding;
  for (guint i = 0; (value = gst_sdp_media_get_attribute_val_n(m, "rtpmap", i)); i++) {
    int pt = rc_sdp_read_pt(value, &encoding);
    const audio_codec *c = pt >= 0 && rc_sdp_listed(m, pt) ? audio_of(encoding) : NULL;
    if (c && c->rank > best)
      best = c->rank, set_audio(s, pt, c);
  }
  for (gsize i = 0; i < G_N_ELEMENTS(audio_codecs); i++) { /* static types without an rtpmap */
    const audio_codec *c = &audio_codecs[i];
    if (c->static_pt >= 0 && c->rank > best && rc_sdp_listed(m, c->static_pt) && !has_rtpmap(m, c->static_pt))
      best = c->rank, set_audio(s, c->static_pt, c);
  }
}

/* The telephone-event format of @m (RFC 4733) that goes with @s's codec:
 * at its clock rate, else at 8000 (what most gear offers beside Opus too);
 * a dynamic type only. */
static void
choose_events(const GstSDPMedia *m, rc_sip_sdp_stream *s)
{
  const char *value, *encoding;
  for (guint i = 0; (value = gst_sdp_media_get_attribute_val_n(m, "rtpmap", i)); i++) {
    int pt = rc_sdp_read_pt(value, &encoding);
    int rate = 0;
    if (pt < 96 || pt > 127 || !rc_sdp_listed(m, pt) || g_ascii_strncasecmp(encoding, "telephone-event/", 16) != 0)
      continue;
    rate = atoi(encoding + 16);
    if (rate == s->clock_rate || (rate == 8000 && !s->event_pt))
      s->event_pt = pt, s->event_rate = rate;
  }
}

/* The best H.264 format of @m into @s (pt -1 when none). */
static void
choose_video(const GstSDPMedia *m, rc_sip_sdp_stream *s)
{
  int best = 0;
  const char *value, *encoding;
  for (guint i = 0; (value = gst_sdp_media_get_attribute_val_n(m, "rtpmap", i)); i++) {
    rc_sip_sdp_stream candidate = *s;
    int pt = rc_sdp_read_pt(value, &encoding);
    if (pt < 0 || !rc_sdp_listed(m, pt) || g_ascii_strcasecmp(encoding, "H264/90000"))
      continue;
    int rank = h264_rank(rc_sdp_fmtp_of(m, pt), &candidate);
    if (rank > best) {
      best = rank;
      *s = candidate;
      s->pt = pt;
      g_strlcpy(s->encoding, "H264", sizeof s->encoding);
      s->clock_rate = 90000;
      s->channels = 0;
    }
  }
}

/* ---- SDES keys (RFC 4568) ------------------------------------------------- */

/* "TAG SUITE inline:KEY[|LIFETIME]" with a suite we take → @out. 0: not a
 * suite (or form) we take, skip it; -1: our suite with a broken key. */
static int
read_crypto(const char *value, rc_sip_crypto *out)
{
  g_auto(GStrv) parts = g_strsplit(value, " ", 4);
  if (g_strv_length(parts) != 3) /* session parameters: none we support */
    return 0;
  char *end = NULL;
  gint64 tag = g_ascii_strtoll(parts[0], &end, 10);
  if (!*parts[0] || *end || tag < 0 || tag > 999999999)
    return 0;
  if (strcmp(parts[1], "AES_CM_128_HMAC_SHA1_80") && strcmp(parts[1], "AES_CM_128_HMAC_SHA1_32"))
    return 0;
  if (!g_str_has_prefix(parts[2], "inline:"))
    return -1;
  const char *key = parts[2] + strlen("inline:");
  const char *bar = strchr(key, '|');
  gsize key_len = bar ? (gsize)(bar - key) : strlen(key);
  if (bar && strchr(bar + 1, '|')) /* an MKI: not supported */
    return 0;
  if (key_len != 40)
    return -1;
  for (gsize i = 0; i < key_len; i++)
    if (!g_ascii_isalnum(key[i]) && key[i] != '+' && key[i] != '/')
      return -1;
  g_autofree char *b64 = g_strndup(key, key_len);
  gsize n = 0;
  g_autofree guchar *raw = g_base64_decode(b64, &n);
  if (n != RC_SIP_SRTP_KEY_LEN)
    return -1;
  out->tag = (int)tag;
  g_strlcpy(out->suite, parts[1], sizeof out->suite);
  memcpy(out->key, raw, RC_SIP_SRTP_KEY_LEN);
  return 1;
}

/* The first a=crypto of @m we take into @s->remote_key (FALSE: none);
 * a broken key of our suites is an error. */
static gboolean
choose_crypto(const GstSDPMedia *m, rc_sip_sdp_stream *s, gboolean *found, GError **error)
{
  const char *value;
  *found = FALSE;
  for (guint i = 0; (value = gst_sdp_media_get_attribute_val_n(m, "crypto", i)); i++) {
    int r = read_crypto(value, &s->remote_key);
    if (r < 0)
      return fail(error, RC_SIP_SDP_ERROR_MALFORMED,
                  "the a=crypto key of the %s m-line is not inline:<30 bytes in base64>", gst_sdp_media_get_media(m));
    if (r > 0) {
      *found = TRUE;
      return TRUE;
    }
  }
  return TRUE;
}

/* ---- one m-line ---------------------------------------------------------- */

static gboolean
is_rtp_proto(const char *proto, gboolean *secure)
{
  *secure = strcmp(proto, "RTP/SAVP") == 0 || strcmp(proto, "RTP/SAVPF") == 0;
  return *secure || strcmp(proto, "RTP/AVP") == 0 || strcmp(proto, "RTP/AVPF") == 0;
}

/* The c= address of @m (else the session's): a literal IPv4/IPv6 address. */
static gboolean
read_address(const GstSDPMessage *msg, const GstSDPMedia *m, rc_sip_sdp_stream *s, GError **error)
{
  const GstSDPConnection *c =
      gst_sdp_media_connections_len(m) ? gst_sdp_media_get_connection(m, 0) : gst_sdp_message_get_connection(msg);
  const char *address = c ? c->address : NULL;
  g_autoptr(GInetAddress) inet =
      address && strlen(address) < sizeof s->address ? g_inet_address_new_from_string(address) : NULL;
  if (!inet)
    return fail(error, RC_SIP_SDP_ERROR_MALFORMED, "the %s m-line has no c= line with an IPv4 or IPv6 address",
                gst_sdp_media_get_media(m));
  g_strlcpy(s->address, address, sizeof s->address);
  return TRUE;
}

/* a=rtcp, a=rtcp-mux, a=rtcp-fb of the chosen format, a=ssrc, direction. */
static void
read_transport(const GstSDPMessage *msg, const GstSDPMedia *m, rc_sip_sdp_stream *s)
{
  s->port = (int)gst_sdp_media_get_port(m);
  s->rtcp_mux = gst_sdp_media_get_attribute_val(m, "rtcp-mux") != NULL;
  s->rtcp_port = s->rtcp_mux ? s->port : s->port + 1;
  const char *rtcp = gst_sdp_media_get_attribute_val(m, "rtcp");
  gint64 port = rtcp ? g_ascii_strtoll(rtcp, NULL, 10) : 0;
  if (port > 0 && port < 65536)
    s->rtcp_port = (int)port;
  const char *value, *rest;
  for (guint i = 0; (value = gst_sdp_media_get_attribute_val_n(m, "rtcp-fb", i)); i++) {
    if (g_str_has_prefix(value, "* "))
      rest = value + 2;
    else if (rc_sdp_read_pt(value, &rest) != s->pt)
      continue;
    s->pli |= g_ascii_strcasecmp(rest, "nack pli") == 0;
    s->fir |= g_ascii_strcasecmp(rest, "ccm fir") == 0;
  }
  s->ssrc = rc_sdp_read_ssrc(m);
  s->direction = rc_sdp_read_direction(msg, m);
}

/* Reads m-line @i into @s when it is an open audio/video RTP m-line with a
 * codec we take and a security the site accepts; @s->index stays -1 when
 * not. *@insecure is set when only the security stood in the way. */
static gboolean
read_stream(const GstSDPMessage *msg, guint i, rc_sip_srtp srtp, rc_sip_sdp_stream *s, gboolean *insecure,
            GError **error)
{
  const GstSDPMedia *m = gst_sdp_message_get_media(msg, i);
  gboolean audio = strcmp(gst_sdp_media_get_media(m), "audio") == 0, secure, keyed;
  rc_sip_sdp_stream found = {.index = -1, .pt = -1, .tier = -1};
  if (gst_sdp_media_get_port(m) == 0 || gst_sdp_media_get_port(m) > 65535 ||
      !is_rtp_proto(gst_sdp_media_get_proto(m), &secure))
    return TRUE;
  if (audio) {
    choose_audio(m, &found);
    if (found.pt >= 0)
      choose_events(m, &found);
  } else
    choose_video(m, &found);
  if (found.pt < 0)
    return TRUE;
  keyed = FALSE;
  if ((secure || srtp == RC_SIP_SRTP_PREFERRED) && !choose_crypto(m, &found, &keyed, error))
    return FALSE;
  /* Best-effort SRTP (RTP/AVP with a=crypto, as room systems offer and
   * answer it): SRTP when the site's security is preferred. Required keeps
   * to RTP/SAVP; off ignores the keys (the answer carries none). */
  gboolean best_effort = !secure && keyed && srtp == RC_SIP_SRTP_PREFERRED;
  if ((secure && (!keyed || srtp == RC_SIP_SRTP_OFF)) || (!secure && srtp == RC_SIP_SRTP_REQUIRED)) {
    *insecure = TRUE;
    return TRUE;
  }
  if (!read_address(msg, m, &found, error))
    return FALSE;
  found.secure = secure || best_effort;
  found.index = (int)i;
  g_strlcpy(found.proto, gst_sdp_media_get_proto(m), sizeof found.proto);
  read_transport(msg, m, &found);
  *s = found;
  return TRUE;
}

/* The text as GstSDPMessage reads it, after the checks it does not do. */
static GstSDPMessage *
parse_text(const char *text, gsize len, GError **error)
{
  if (len > MAX_TEXT)
    return fail(error, RC_SIP_SDP_ERROR_MALFORMED, "the offer is larger than 64 KiB"), NULL;
  if (len < 3 || memcmp(text, "v=0", 3))
    return fail(error, RC_SIP_SDP_ERROR_MALFORMED, "the offer is not SDP (it does not begin with v=0)"), NULL;
  if (memchr(text, '\0', len))
    return fail(error, RC_SIP_SDP_ERROR_MALFORMED, "the offer is not SDP (it holds a NUL byte)"), NULL;
  g_autoptr(GstSDPMessage) msg = NULL;
  gst_sdp_message_new(&msg);
  g_autofree char *copy = g_strndup(text, len);
  if (gst_sdp_message_parse_buffer((const guint8 *)copy, (guint)len, msg) != GST_SDP_OK)
    return fail(error, RC_SIP_SDP_ERROR_MALFORMED, "the offer is not SDP"), NULL;
  if (gst_sdp_message_medias_len(msg) == 0)
    return fail(error, RC_SIP_SDP_ERROR_MALFORMED, "the offer has no m-line"), NULL;
  if (gst_sdp_message_medias_len(msg) > RC_SIP_SDP_MAX_MEDIA)
    return fail(error, RC_SIP_SDP_ERROR_MALFORMED, "the offer has more than %d m-lines", RC_SIP_SDP_MAX_MEDIA), NULL;
  return g_steal_pointer(&msg);
}

/* Kind, proto and formats of m-line @i, checked to be tokens. */
static gboolean
read_media_line(const GstSDPMessage *msg, guint i, rc_sip_sdp_offer *offer, GError **error)
{
  const GstSDPMedia *m = gst_sdp_message_get_media(msg, i);
  const char *kind = gst_sdp_media_get_media(m), *proto = gst_sdp_media_get_proto(m);
  if (!kind || !rc_sdp_is_token(kind, sizeof offer->media[i].kind) || !proto ||
      !rc_sdp_is_token(proto, sizeof offer->media[i].proto))
    return fail(error, RC_SIP_SDP_ERROR_MALFORMED, "m-line %u is not of the form m=<media> <port> <proto> <formats>",
                i + 1);
  g_strlcpy(offer->media[i].kind, kind, sizeof offer->media[i].kind);
  g_strlcpy(offer->media[i].proto, proto, sizeof offer->media[i].proto);
  rc_sdp_copy_formats(m, offer->media[i].formats, sizeof offer->media[i].formats);
  return TRUE;
}

gboolean
rc_sip_sdp_offer_parse(const char *text, gsize len, rc_sip_srtp srtp, const rc_sip_sdp_tier *tiers, guint n_tiers,
                       int fps, rc_sip_sdp_offer *offer, GError **error)
{
  g_return_val_if_fail(text || len == 0, FALSE);
  g_return_val_if_fail(offer, FALSE);
  memset(offer, 0, sizeof *offer);
  offer->video.index = offer->audio.index = -1;
  offer->video.pt = offer->audio.pt = offer->video.tier = -1;
  g_autoptr(GstSDPMessage) msg = parse_text(text ? text : "", len, error);
  if (!msg)
    return FALSE;
  offer->n_media = gst_sdp_message_medias_len(msg);
  gboolean insecure = FALSE;
  for (guint i = 0; i < offer->n_media; i++) {
    if (!read_media_line(msg, i, offer, error))
      return FALSE;
    gboolean audio = strcmp(offer->media[i].kind, "audio") == 0;
    rc_sip_sdp_stream *slot = audio ? &offer->audio : &offer->video;
    if ((audio || strcmp(offer->media[i].kind, "video") == 0) && slot->index < 0 &&
        !read_stream(msg, i, srtp, slot, &insecure, error))
      return FALSE;
  }
  if (offer->video.index < 0 && offer->audio.index < 0 && insecure)
    return fail(error, RC_SIP_SDP_ERROR_SECURITY,
                srtp == RC_SIP_SRTP_REQUIRED ? "the site requires SRTP and the offer has no usable a=crypto "
                                               "(RTP/SAVP with AES_CM_128_HMAC_SHA1_80 or _32)"
                                             : "the site's media security is off and the offer is SRTP only");
  if (offer->video.index < 0 && offer->audio.index < 0)
    return fail(error, RC_SIP_SDP_ERROR_NO_CODEC,
                "the offer has neither H.264 (packetization-mode 0 or 1) nor Opus, G.722, PCMA or PCMU");
  if (offer->video.index >= 0) {
    offer->video.tier = rc_sip_sdp_tier_for(offer->video.max_fs, offer->video.max_mbps, tiers, n_tiers, fps);
  }
  return TRUE;
}

/* ---- the answer ---------------------------------------------------------- */

static const char *
addr_type(const char *address)
{
  return strchr(address, ':') ? "IP6" : "IP4";
}

static gboolean
is_null_address(const char *address)
{
  return strcmp(address, "0.0.0.0") == 0 || strcmp(address, "::") == 0;
}

gboolean
rc_sip_sdp_on_hold(const rc_sip_sdp_offer *offer)
{
  const rc_sip_sdp_stream *streams[] = {&offer->audio, &offer->video};
  gboolean any = FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS(streams); i++) {
    const rc_sip_sdp_stream *s = streams[i];
    if (s->index < 0)
      continue;
    any = TRUE;
    if (!is_null_address(s->address) && s->direction != RC_SDP_SENDONLY && s->direction != RC_SDP_INACTIVE)
      return FALSE;
  }
  return any;
}

gboolean
rc_sip_sdp_takes_program(const rc_sip_sdp_stream *s)
{
  if (s->index < 0 || is_null_address(s->address) || s->direction == RC_SDP_SENDONLY || s->direction == RC_SDP_INACTIVE)
    return FALSE;
  return strcmp(s->encoding, "H264") != 0 || s->packetization_mode == 1;
}

static const char *
answer_direction(rc_sdp_direction offered)
{
  switch (offered) {
  case RC_SDP_SENDONLY:
    return "recvonly";
  case RC_SDP_RECVONLY:
    return "sendonly";
  case RC_SDP_INACTIVE:
    return "inactive";
  default:
    return "sendrecv";
  }
}

/* The chosen format, its feedback, our key and the direction. */
static void
add_format(GstSDPMedia *m, const rc_sip_sdp_stream *s, const rc_sip_crypto *key)
{
  g_autofree char *rtpmap = s->channels > 1
                                ? g_strdup_printf("%d %s/%d/%d", s->pt, s->encoding, s->clock_rate, s->channels)
                                : g_strdup_printf("%d %s/%d", s->pt, s->encoding, s->clock_rate);
  gst_sdp_media_add_attribute(m, "rtpmap", rtpmap);
  g_autofree char *fmtp = NULL;
  if (strcmp(s->encoding, "H264") == 0)
    fmtp = g_strdup_printf("%d profile-level-id=%s;packetization-mode=%d", s->pt, s->profile_level_id,
                           s->packetization_mode);
  else if (strcmp(s->encoding, "opus") == 0)
    fmtp = g_strdup_printf("%d useinbandfec=1", s->pt);
  if (fmtp)
    gst_sdp_media_add_attribute(m, "fmtp", fmtp);
  if (s->event_pt) { /* RFC 4733: the keypad's digits, 0-9 * # A-D */
    g_autofree char *events = g_strdup_printf("%d telephone-event/%d", s->event_pt, s->event_rate);
    g_autofree char *events_fmtp = g_strdup_printf("%d 0-16", s->event_pt);
    gst_sdp_media_add_attribute(m, "rtpmap", events);
    gst_sdp_media_add_attribute(m, "fmtp", events_fmtp);
  }
  const char *fb[] = {s->pli ? "nack pli" : NULL, s->fir ? "ccm fir" : NULL};
  for (gsize i = 0; i < G_N_ELEMENTS(fb); i++) {
    if (!fb[i])
      continue;
    g_autofree char *value = g_strdup_printf("%d %s", s->pt, fb[i]);
    gst_sdp_media_add_attribute(m, "rtcp-fb", value);
  }
  if (s->secure && key) {
    g_autofree char *b64 = g_base64_encode(key->key, RC_SIP_SRTP_KEY_LEN);
    g_autofree char *crypto = g_strdup_printf("%d %s inline:%s", s->remote_key.tag, s->remote_key.suite, b64);
    gst_sdp_media_add_attribute(m, "crypto", crypto);
  }
  rc_sdp_direction offered = s->direction;
  /* Old-style hold (RFC 3264 §8.4): nothing to send to; H.264 in
   * packetization-mode 0: nothing we may send (the program is in FU-A).
   * The answer then does not send: as if the endpoint did not receive. */
  if (is_null_address(s->address) || (strcmp(s->encoding, "H264") == 0 && s->packetization_mode == 0))
    offered = offered == RC_SDP_RECVONLY ? RC_SDP_INACTIVE : offered == RC_SDP_SENDRECV ? RC_SDP_SENDONLY : offered;
  gst_sdp_media_add_attribute(m, answer_direction(offered), NULL);
}

/* The answer's m-line for offered m-line @i. */
static void
add_media(GstSDPMessage *msg, const rc_sip_sdp_offer *offer, guint i, const rc_sip_sdp_local *local)
{
  const rc_sip_sdp_stream *s = offer->video.index == (int)i   ? &offer->video
                               : offer->audio.index == (int)i ? &offer->audio
                                                              : NULL;
  GstSDPMedia *m;
  gst_sdp_media_new(&m);
  gst_sdp_media_set_media(m, offer->media[i].kind);
  if (!s) { /* refused: port 0, the offered proto and formats */
    gst_sdp_media_set_port_info(m, 0, 1);
    gst_sdp_media_set_proto(m, offer->media[i].proto);
    g_auto(GStrv) formats = g_strsplit(offer->media[i].formats, " ", 0);
    for (gsize f = 0; formats[f]; f++)
      gst_sdp_media_add_format(m, formats[f]);
  } else {
    gboolean audio = s == &offer->audio;
    g_autofree char *pt = g_strdup_printf("%d", s->pt);
    gst_sdp_media_set_port_info(m, (guint)(audio ? local->audio_port : local->video_port), 1);
    gst_sdp_media_set_proto(m, s->proto);
    gst_sdp_media_add_format(m, pt);
    if (s->event_pt) { /* telephone-event: the formats line; add_format its rtpmap */
      g_autofree char *events = g_strdup_printf("%d", s->event_pt);
      gst_sdp_media_add_format(m, events);
    }
    add_format(m, s, audio ? local->audio_key : local->video_key);
  }
  gst_sdp_message_add_media(msg, m); /* copies */
  gst_sdp_media_free(m);
}

char *
rc_sip_sdp_answer(const rc_sip_sdp_offer *offer, const rc_sip_sdp_local *local)
{
  g_return_val_if_fail(offer && local && local->address, NULL);
  g_autoptr(GstSDPMessage) msg = NULL;
  gst_sdp_message_new(&msg);
  g_autofree char *session_id = g_strdup_printf("%" G_GUINT64_FORMAT, local->session_id & G_MAXINT64);
  g_autofree char *version = g_strdup_printf("%" G_GUINT64_FORMAT, local->version);
  gst_sdp_message_set_version(msg, "0");
  gst_sdp_message_set_origin(msg, "roomctl", session_id, version, "IN", addr_type(local->address), local->address);
  gst_sdp_message_set_session_name(msg, "roomctl");
  gst_sdp_message_set_connection(msg, "IN", addr_type(local->address), local->address, 0, 0);
  gst_sdp_message_add_time(msg, "0", "0", NULL);
  for (guint i = 0; i < offer->n_media && i < RC_SIP_SDP_MAX_MEDIA; i++)
    add_media(msg, offer, i, local);
  return gst_sdp_message_as_text(msg);
}

/* One m-line of our offer. */
static void
add_offer_media(GstSDPMessage *msg, gboolean audio, const rc_sip_sdp_local *local, rc_sip_srtp srtp)
{
  static const char *const audio_maps[] = {"111 opus/48000/2", "9 G722/8000", "8 PCMA/8000", "0 PCMU/8000",
                                           "101 telephone-event/8000"};
  static const char *const video_maps[] = {"97 H264/90000", "96 H264/90000"};
  static const char *const video_fmtp[] = {"97 profile-level-id=42e01f;packetization-mode=1",
                                           "96 profile-level-id=42e01f;packetization-mode=0"};
  GstSDPMedia *m;
  gst_sdp_media_new(&m);
  gst_sdp_media_set_media(m, audio ? "audio" : "video");
  gst_sdp_media_set_port_info(m, (guint)(audio ? local->audio_port : local->video_port), 1);
  gst_sdp_media_set_proto(m, srtp == RC_SIP_SRTP_REQUIRED ? "RTP/SAVP" : "RTP/AVP"); /* preferred: best effort */
  const char *const *maps = audio ? audio_maps : video_maps;
  guint n = audio ? G_N_ELEMENTS(audio_maps) : G_N_ELEMENTS(video_maps);
  for (guint i = 0; i < n; i++) {
    g_autofree char *pt = g_strndup(maps[i], strcspn(maps[i], " "));
    gst_sdp_media_add_format(m, pt);
  }
  for (guint i = 0; i < n; i++)
    gst_sdp_media_add_attribute(m, "rtpmap", maps[i]);
  if (audio) {
    gst_sdp_media_add_attribute(m, "fmtp", "111 useinbandfec=1");
    gst_sdp_media_add_attribute(m, "fmtp", "101 0-16");
  } else {
    for (guint i = 0; i < G_N_ELEMENTS(video_fmtp); i++)
      gst_sdp_media_add_attribute(m, "fmtp", video_fmtp[i]);
    gst_sdp_media_add_attribute(m, "rtcp-fb", "* nack pli");
    gst_sdp_media_add_attribute(m, "rtcp-fb", "* ccm fir");
  }
  const rc_sip_crypto *key = audio ? local->audio_key : local->video_key;
  if (srtp != RC_SIP_SRTP_OFF && key) {
    g_autofree char *b64 = g_base64_encode(key->key, RC_SIP_SRTP_KEY_LEN);
    g_autofree char *crypto = g_strdup_printf("1 AES_CM_128_HMAC_SHA1_80 inline:%s", b64);
    gst_sdp_media_add_attribute(m, "crypto", crypto);
  }
  gst_sdp_media_add_attribute(m, "sendrecv", NULL);
  gst_sdp_message_add_media(msg, m); /* copies */
  gst_sdp_media_free(m);
}

char *
rc_sip_sdp_offer_text(const rc_sip_sdp_local *local, rc_sip_srtp srtp)
{
  g_return_val_if_fail(local && local->address, NULL);
  g_autoptr(GstSDPMessage) msg = NULL;
  gst_sdp_message_new(&msg);
  g_autofree char *session_id = g_strdup_printf("%" G_GUINT64_FORMAT, local->session_id & G_MAXINT64);
  g_autofree char *version = g_strdup_printf("%" G_GUINT64_FORMAT, local->version);
  gst_sdp_message_set_version(msg, "0");
  gst_sdp_message_set_origin(msg, "roomctl", session_id, version, "IN", addr_type(local->address), local->address);
  gst_sdp_message_set_session_name(msg, "roomctl");
  gst_sdp_message_set_connection(msg, "IN", addr_type(local->address), local->address, 0, 0);
  gst_sdp_message_add_time(msg, "0", "0", NULL);
  add_offer_media(msg, TRUE, local, srtp);
  add_offer_media(msg, FALSE, local, srtp);
  return gst_sdp_message_as_text(msg);
}
