/* webrtc-sdp — the WebRTC offer of a WHIP publisher or a WHEP viewer, and
 * the controller's answer (see webrtc-sdp.h).
 *
 * GstSDPMessage does the tokenizing (lines, m-lines, attributes); this file
 * only splits attribute values (rtpmap, fmtp parameters, rtcp-fb, ssrc,
 * fingerprint), always into bounded buffers, and never trusts a length or a
 * number it did not check. Everything read from the offer that is copied
 * into the answer (mids, the proto and formats of a refused m-line) is
 * checked to be a token first, so the answer cannot carry injected lines. */
#include "devices/webrtc-sdp.h"
#include "devices/sdp-attr.h"

#include <gst/sdp/sdp.h>
#include <stdarg.h>
#include <string.h>

#define MAX_TEXT (64 * 1024)
#define PROTO "UDP/TLS/RTP/SAVPF"
#define OPUS_FMTP "minptime=10;useinbandfec=1"
#define HOST_PRIORITY 2130706431u

G_DEFINE_QUARK(rc-sdp-error-quark, rc_sdp_error)

static gboolean G_GNUC_PRINTF(3, 4)
fail(GError **error, rc_sdp_error code, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  g_autofree char *message = g_strdup_vprintf(format, args);
  va_end(args);
  g_set_error_literal(error, RC_SDP_ERROR, code, message);
  return FALSE;
}

/* ---- small readers of attribute values ---------------------------------- */

/* ICE ufrag / pwd characters (RFC 8839 ice-char: ALPHA / DIGIT / + / /). */
static gboolean
is_ice_chars(const char *s, gsize min, gsize max)
{
  gsize n = 0;
  for (; s[n]; n++)
    if (n >= max || !(g_ascii_isalnum(s[n]) || s[n] == '+' || s[n] == '/'))
      return FALSE;
  return n >= min;
}

/* ---- the session: ICE, DTLS ---------------------------------------------- */

/* @key at session level, else of the first m-line that has it (RFC 8839
 * and 8842 allow both; browsers repeat it on every m-line). */
static const char *
transport_attr(const GstSDPMessage *msg, const char *key)
{
  const char *value = gst_sdp_message_get_attribute_val(msg, key);
  for (guint i = 0; !value && i < gst_sdp_message_medias_len(msg); i++)
    value = gst_sdp_media_get_attribute_val(gst_sdp_message_get_media(msg, i), key);
  return value;
}

static gboolean
has_attr_anywhere(const GstSDPMessage *msg, const char *key)
{
  return transport_attr(msg, key) != NULL;
}

gboolean
rc_sdp_fingerprint_parse(const char *hex, guint8 *out, gsize *out_len, gsize max)
{
  gsize n = 0;
  for (const char *p = hex;; p += 3) {
    int hi = g_ascii_xdigit_value(p[0]), lo = hi < 0 ? -1 : g_ascii_xdigit_value(p[1]);
    if (lo < 0 || n >= max)
      return FALSE;
    out[n++] = (guint8)(hi << 4 | lo);
    if (p[2] == '\0')
      break;
    if (p[2] != ':')
      return FALSE;
  }
  *out_len = n;
  return TRUE;
}

/* "sha-256 AB:CD:…" → @offer's algorithm and digest; the digest must have
 * the algorithm's length. */
static gboolean
read_fingerprint(const char *value, rc_sdp_offer *offer)
{
  static const struct { const char *name; gsize len; } algs[] = {
    { "sha-1", 20 }, { "sha-224", 28 }, { "sha-256", 32 }, { "sha-384", 48 }, { "sha-512", 64 },
  };
  const char *space = strchr(value, ' ');
  if (!space)
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS(algs); i++) {
    if ((gsize)(space - value) != strlen(algs[i].name) || g_ascii_strncasecmp(value, algs[i].name, strlen(algs[i].name)))
      continue;
    g_strlcpy(offer->fingerprint_alg, algs[i].name, sizeof offer->fingerprint_alg);
    const char *hex = space + strspn(space, " ");
    return rc_sdp_fingerprint_parse(hex, offer->fingerprint, &offer->fingerprint_len, sizeof offer->fingerprint)
           && offer->fingerprint_len == algs[i].len;
  }
  return FALSE;
}

/* The a=fingerprint of the session, else of the first m-line that has
 * one; the sha-256 one when there are several there. */
static const char *
find_fingerprint(const GstSDPMessage *msg)
{
  const char *first = transport_attr(msg, "fingerprint"), *value;
  gboolean session = gst_sdp_message_get_attribute_val(msg, "fingerprint") != NULL;
  const GstSDPMedia *m = NULL;
  for (guint i = 0; !session && !m && i < gst_sdp_message_medias_len(msg); i++)
    if (gst_sdp_media_get_attribute_val(gst_sdp_message_get_media(msg, i), "fingerprint"))
      m = gst_sdp_message_get_media(msg, i);
  for (guint i = 0; first; i++) {
    value = session ? gst_sdp_message_get_attribute_val_n(msg, "fingerprint", i)
                    : gst_sdp_media_get_attribute_val_n(m, "fingerprint", i);
    if (!value || g_ascii_strncasecmp(value, "sha-256 ", 8) == 0)
      return value ? value : first;
  }
  return first;
}

/* The offer's DTLS: fingerprint and role. */
static gboolean
read_dtls(const GstSDPMessage *msg, rc_sdp_offer *offer, GError **error)
{
  const char *value = find_fingerprint(msg);
  if (!value && has_attr_anywhere(msg, "crypto"))
    return fail(error, RC_SDP_ERROR_MALFORMED,
                "the offer uses SDES (a=crypto) and has no a=fingerprint; only DTLS-SRTP is supported");
  if (!value)
    return fail(error, RC_SDP_ERROR_MALFORMED, "the offer has no a=fingerprint");
  if (!read_fingerprint(value, offer))
    return fail(error, RC_SDP_ERROR_MALFORMED,
                "the offer's a=fingerprint is not sha-1/224/256/384/512 followed by its digest in hex");
  const char *setup = transport_attr(msg, "setup");
  if (!setup)
    return fail(error, RC_SDP_ERROR_MALFORMED, "the offer has no a=setup");
  if (g_ascii_strcasecmp(setup, "passive") == 0)
    return fail(error, RC_SDP_ERROR_MALFORMED,
                "the offer's a=setup:passive leaves no DTLS role to the controller, which is passive");
  if (g_ascii_strcasecmp(setup, "actpass") && g_ascii_strcasecmp(setup, "active"))
    return fail(error, RC_SDP_ERROR_MALFORMED, "the offer's a=setup is neither actpass nor active");
  g_strlcpy(offer->setup, setup, sizeof offer->setup);
  return TRUE;
}

/* a=ice-ufrag and a=ice-pwd, with the lengths and characters of RFC 8839. */
static gboolean
read_ice(const GstSDPMessage *msg, rc_sdp_offer *offer, GError **error)
{
  const char *ufrag = transport_attr(msg, "ice-ufrag"), *pwd = transport_attr(msg, "ice-pwd");
  if (!ufrag)
    return fail(error, RC_SDP_ERROR_MALFORMED, "the offer has no a=ice-ufrag");
  if (!pwd)
    return fail(error, RC_SDP_ERROR_MALFORMED, "the offer has no a=ice-pwd");
  if (!is_ice_chars(ufrag, 4, 256))
    return fail(error, RC_SDP_ERROR_MALFORMED, "the offer's a=ice-ufrag is not 4 to 256 ICE characters");
  if (!is_ice_chars(pwd, 22, 256))
    return fail(error, RC_SDP_ERROR_MALFORMED, "the offer's a=ice-pwd is not 22 to 256 ICE characters");
  g_strlcpy(offer->ice_ufrag, ufrag, sizeof offer->ice_ufrag);
  g_strlcpy(offer->ice_pwd, pwd, sizeof offer->ice_pwd);
  return TRUE;
}

/* ---- one m-line ---------------------------------------------------------- */

/* How good an H.264 format is: 3 = constrained baseline 42e01f, 2 = another
 * constrained baseline (42e0xx, 42c0xx), 1 = main (4d00xx), 0 = unusable
 * (packetization mode 0, baseline without constraints, high…). */
static int
h264_rank(const char *fmtp, char profile[7])
{
  char mode[4], plid[8];
  if (!fmtp || !rc_sdp_fmtp_param(fmtp, "packetization-mode", mode, sizeof mode) || strcmp(mode, "1"))
    return 0;
  if (!rc_sdp_fmtp_param(fmtp, "profile-level-id", plid, sizeof plid) || strlen(plid) != 6)
    return 0;
  for (int i = 0; i < 6; i++) {
    if (!g_ascii_isxdigit(plid[i]))
      return 0;
    profile[i] = g_ascii_tolower(plid[i]);
  }
  profile[6] = '\0';
  if (strcmp(profile, "42e01f") == 0)
    return 3;
  if (g_str_has_prefix(profile, "42e0") || g_str_has_prefix(profile, "42c0"))
    return 2;
  return g_str_has_prefix(profile, "4d00") ? 1 : 0;
}

/* Rank of the format "PT ENCODING/RATE[/CHANNELS]" of an a=rtpmap. */
static int
format_rank(const GstSDPMedia *m, gboolean audio, int pt, const char *encoding, char profile[7])
{
  if (audio)
    return g_ascii_strcasecmp(encoding, "opus/48000/2") == 0 ? 1 : 0;
  if (g_ascii_strcasecmp(encoding, "H264/90000"))
    return 0;
  return h264_rank(rc_sdp_fmtp_of(m, pt), profile);
}

/* Picks the best format of the m-line into @out->pt (-1 when none) and
 * @out->profile_level_id. */
static void
choose_format(const GstSDPMedia *m, rc_sdp_media *out)
{
  int best = 0;
  const char *value, *encoding;
  out->pt = -1;
  for (guint i = 0; (value = gst_sdp_media_get_attribute_val_n(m, "rtpmap", i)); i++) {
    char profile[7] = "";
    int pt = rc_sdp_read_pt(value, &encoding);
    int rank = pt < 0 || !rc_sdp_listed(m, pt) ? 0 : format_rank(m, out->audio, pt, encoding, profile);
    if (rank > best) {
      best = rank;
      out->pt = pt;
      memcpy(out->profile_level_id, profile, sizeof profile);
    }
  }
}

/* The chosen format's a=rtcp-fb (or a=rtcp-fb:* ones) among nack, nack
 * pli, ccm fir. */
static void
read_rtcp_fb(const GstSDPMedia *m, rc_sdp_media *out)
{
  const char *value, *rest;
  for (guint i = 0; (value = gst_sdp_media_get_attribute_val_n(m, "rtcp-fb", i)); i++) {
    if (g_str_has_prefix(value, "* "))
      rest = value + 2;
    else if (rc_sdp_read_pt(value, &rest) != out->pt)
      continue;
    if (g_ascii_strcasecmp(rest, "nack") == 0)
      out->nack = TRUE;
    else if (g_ascii_strcasecmp(rest, "nack pli") == 0)
      out->pli = TRUE;
    else if (g_ascii_strcasecmp(rest, "ccm fir") == 0)
      out->fir = TRUE;
  }
}

/* The m-line's kind, proto and formats, its mid (required, a token) and
 * direction. */
static gboolean
read_media_line(const GstSDPMessage *msg, guint index, rc_sdp_media *out, GError **error)
{
  const GstSDPMedia *m = gst_sdp_message_get_media(msg, index);
  const char *kind = gst_sdp_media_get_media(m), *proto = gst_sdp_media_get_proto(m);
  if (!kind || !rc_sdp_is_token(kind, sizeof out->kind) || !proto || !rc_sdp_is_token(proto, sizeof out->proto))
    return fail(error, RC_SDP_ERROR_MALFORMED, "m-line %u is not of the form m=<media> <port> <proto> <formats>",
                index + 1);
  g_strlcpy(out->kind, kind, sizeof out->kind);
  g_strlcpy(out->proto, proto, sizeof out->proto);
  out->audio = strcmp(kind, "audio") == 0;
  rc_sdp_copy_formats(m, out->formats, sizeof out->formats);
  const char *mid = gst_sdp_media_get_attribute_val(m, "mid");
  if (!mid)
    return fail(error, RC_SDP_ERROR_MALFORMED, "m-line %u (%s) has no a=mid", index + 1, out->kind);
  if (!rc_sdp_is_token(mid, sizeof out->mid))
    return fail(error, RC_SDP_ERROR_MALFORMED, "m-line %u (%s) has an a=mid that is not a token of 1 to 31 characters",
                index + 1, out->kind);
  g_strlcpy(out->mid, mid, sizeof out->mid);
  out->direction = rc_sdp_read_direction(msg, m);
  return TRUE;
}

/* Whether an audio or video m-line is open: DTLS-SRTP, not disabled by
 * the offerer (port 0 without a=bundle-only). */
static gboolean
media_open(const GstSDPMedia *m, const rc_sdp_media *media)
{
  return strcmp(media->proto, PROTO) == 0
         && (gst_sdp_media_get_port(m) != 0 || gst_sdp_media_get_attribute_val(m, "bundle-only"));
}

/* Whether the m-line goes the way the role needs. */
static gboolean
direction_fits(const rc_sdp_media *media, gboolean publisher)
{
  if (publisher)
    return media->direction == RC_SDP_SENDONLY || media->direction == RC_SDP_SENDRECV;
  return media->direction == RC_SDP_RECVONLY || media->direction == RC_SDP_SENDRECV;
}

/* ---- the whole offer ----------------------------------------------------- */

/* Reads every m-line. Sets *@any_codec when some open m-line offers a
 * usable codec whatever its direction (to tell a codec refusal from a
 * direction one). */
static gboolean
read_media(const GstSDPMessage *msg, rc_sdp_offer *offer, gboolean *any_codec, GError **error)
{
  *any_codec = FALSE;
  for (guint i = 0; i < offer->n_media; i++) {
    rc_sdp_media *media = &offer->media[i];
    const GstSDPMedia *m = gst_sdp_message_get_media(msg, i);
    if (!read_media_line(msg, i, media, error))
      return FALSE;
    media->pt = -1;
    if (!media->audio && strcmp(media->kind, "video"))
      continue;
    if (media_open(m, media))
      choose_format(m, media);
    *any_codec |= media->pt >= 0;
    if (media->pt < 0 || !direction_fits(media, offer->publisher)) {
      media->pt = -1;
      media->profile_level_id[0] = '\0';
      continue;
    }
    read_rtcp_fb(m, media);
    media->ssrc = rc_sdp_read_ssrc(m);
  }
  return TRUE;
}

/* Whether @mid is one of the a=group:BUNDLE groups' mids; with @mid NULL,
 * whether there is such a group. */
static gboolean
in_bundle(const GstSDPMessage *msg, const char *mid)
{
  const char *group;
  for (guint i = 0; (group = gst_sdp_message_get_attribute_val_n(msg, "group", i)); i++) {
    if (!g_str_has_prefix(group, "BUNDLE ") && strcmp(group, "BUNDLE"))
      continue;
    if (!mid)
      return TRUE;
    g_auto(GStrv) mids = g_strsplit(group + strlen("BUNDLE"), " ", 0);
    for (gsize j = 0; mids[j]; j++)
      if (strcmp(mids[j], mid) == 0)
        return TRUE;
  }
  return FALSE;
}

/* The usable m-lines: one video and one audio at most, each bundled and
 * with rtcp-mux. */
static gboolean
check_usable(const GstSDPMessage *msg, rc_sdp_offer *offer, GError **error)
{
  for (guint i = 0; i < offer->n_media; i++) {
    const rc_sdp_media *media = &offer->media[i];
    if (media->pt < 0)
      continue;
    int *slot = media->audio ? &offer->audio : &offer->video;
    if (*slot >= 0)
      return fail(error, RC_SDP_ERROR_MALFORMED, "the offer has a second usable %s m-line (mid %s)", media->kind,
                  media->mid);
    *slot = (int)i;
    if (!in_bundle(msg, media->mid))
      return fail(error, RC_SDP_ERROR_MALFORMED, "the offer's a=group:BUNDLE does not hold mid %s", media->mid);
    if (!gst_sdp_media_get_attribute_val(gst_sdp_message_get_media(msg, i), "rtcp-mux"))
      return fail(error, RC_SDP_ERROR_MALFORMED, "m-line mid %s has no a=rtcp-mux", media->mid);
  }
  return TRUE;
}

/* The text as GstSDPMessage reads it, after the checks it does not do. */
static GstSDPMessage *
parse_text(const char *text, gsize len, GError **error)
{
  if (len > MAX_TEXT)
    return fail(error, RC_SDP_ERROR_MALFORMED, "the offer is larger than 64 KiB"), NULL;
  if (len < 3 || memcmp(text, "v=0", 3))
    return fail(error, RC_SDP_ERROR_MALFORMED, "the offer is not SDP (it does not begin with v=0)"), NULL;
  if (memchr(text, '\0', len))
    return fail(error, RC_SDP_ERROR_MALFORMED, "the offer is not SDP (it holds a NUL byte)"), NULL;
  g_autoptr(GstSDPMessage) msg = NULL;
  gst_sdp_message_new(&msg);
  g_autofree char *copy = g_strndup(text, len); /* GstSDP reads up to the size, but a NUL ends lines early */
  if (gst_sdp_message_parse_buffer((const guint8 *)copy, (guint)len, msg) != GST_SDP_OK)
    return fail(error, RC_SDP_ERROR_MALFORMED, "the offer is not SDP"), NULL;
  if (gst_sdp_message_medias_len(msg) == 0)
    return fail(error, RC_SDP_ERROR_MALFORMED, "the offer has no m-line"), NULL;
  if (gst_sdp_message_medias_len(msg) > RC_SDP_MAX_MEDIA)
    return fail(error, RC_SDP_ERROR_MALFORMED, "the offer has more than %d m-lines", RC_SDP_MAX_MEDIA), NULL;
  if (!in_bundle(msg, NULL))
    return fail(error, RC_SDP_ERROR_MALFORMED, "the offer has no a=group:BUNDLE"), NULL;
  return g_steal_pointer(&msg);
}

gboolean
rc_sdp_offer_parse(const char *text, gsize len, gboolean publisher, rc_sdp_offer *offer, GError **error)
{
  g_return_val_if_fail(text || len == 0, FALSE);
  g_return_val_if_fail(offer, FALSE);
  memset(offer, 0, sizeof *offer);
  offer->publisher = publisher;
  offer->video = offer->audio = -1;
  g_autoptr(GstSDPMessage) msg = parse_text(text ? text : "", len, error);
  if (!msg)
    return FALSE;
  offer->n_media = gst_sdp_message_medias_len(msg);
  gboolean any_codec;
  if (!read_media(msg, offer, &any_codec, error) || !read_dtls(msg, offer, error) || !read_ice(msg, offer, error)
      || !check_usable(msg, offer, error))
    return FALSE;
  if (offer->video < 0 && offer->audio < 0 && !any_codec)
    return fail(error, RC_SDP_ERROR_NO_CODEC,
                "the offer has neither H.264 (packetization-mode=1, constrained baseline or main) nor Opus");
  if (offer->video < 0 && offer->audio < 0 && publisher)
    return fail(error, RC_SDP_ERROR_DIRECTION,
                "the offer sends no H.264 or Opus (a WHIP offer's m-lines must be sendonly or sendrecv)");
  if (offer->video < 0 && offer->audio < 0)
    return fail(error, RC_SDP_ERROR_DIRECTION,
                "the offer receives no H.264 or Opus (a WHEP offer's m-lines must be recvonly or sendrecv)");
  return TRUE;
}

/* ---- the answer ---------------------------------------------------------- */

static const char *
addr_type(const char *address)
{
  return strchr(address, ':') ? "IP6" : "IP4";
}

/* ICE-lite credentials, our DTLS certificate's digest, the DTLS role. */
static void
add_transport(GstSDPMedia *m, const rc_sdp_media *media, const rc_sdp_local *local)
{
  g_autofree char *fingerprint = g_strdup_printf("sha-256 %s", local->fingerprint_sha256);
  gst_sdp_media_add_attribute(m, "mid", media->mid);
  gst_sdp_media_add_attribute(m, "rtcp-mux", NULL);
  gst_sdp_media_add_attribute(m, "ice-ufrag", local->ice_ufrag);
  gst_sdp_media_add_attribute(m, "ice-pwd", local->ice_pwd);
  gst_sdp_media_add_attribute(m, "fingerprint", fingerprint);
  gst_sdp_media_add_attribute(m, "setup", "passive");
}

/* The chosen format: rtpmap, fmtp, and the feedback both sides have. */
static void
add_codec(GstSDPMedia *m, const rc_sdp_media *media)
{
  g_autofree char *fmtp = media->audio
    ? g_strdup_printf("%d " OPUS_FMTP, media->pt)
    : g_strdup_printf("%d level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=%s", media->pt,
                      media->profile_level_id);
  g_autofree char *rtpmap = g_strdup_printf("%d %s", media->pt, media->audio ? "opus/48000/2" : "H264/90000");
  gst_sdp_media_add_attribute(m, "rtpmap", rtpmap);
  gst_sdp_media_add_attribute(m, "fmtp", fmtp);
  const char *fb[] = { media->nack ? "nack" : NULL, media->pli ? "nack pli" : NULL, media->fir ? "ccm fir" : NULL };
  for (gsize i = 0; i < G_N_ELEMENTS(fb); i++) {
    if (!fb[i])
      continue;
    g_autofree char *value = g_strdup_printf("%d %s", media->pt, fb[i]);
    gst_sdp_media_add_attribute(m, "rtcp-fb", value);
  }
}

/* One host candidate per address (foundations 1, 2, …), then the end. */
static void
add_candidates(GstSDPMedia *m, const rc_sdp_local *local)
{
  for (guint i = 0; local->addresses[i]; i++) {
    g_autofree char *value = g_strdup_printf("%u 1 udp %u %s %d typ host", i + 1, HOST_PRIORITY,
                                             local->addresses[i], local->port);
    gst_sdp_media_add_attribute(m, "candidate", value);
  }
  gst_sdp_media_add_attribute(m, "end-of-candidates", NULL);
}

/* The stream we send on this medium, if any: msid and its SSRC. */
static void
add_source(GstSDPMedia *m, const rc_sdp_media *media, const rc_sdp_local *local)
{
  guint32 ssrc = media->audio ? local->audio_ssrc : local->video_ssrc;
  const char *kind = media->audio ? "audio" : "video";
  if (ssrc == 0)
    return;
  g_autofree char *msid = g_strdup_printf("roomctl %s", kind);
  g_autofree char *cname = g_strdup_printf("%u cname:%s", ssrc, local->cname ? local->cname : "roomctl");
  g_autofree char *ssrc_msid = g_strdup_printf("%u msid:roomctl %s", ssrc, kind);
  gst_sdp_media_add_attribute(m, "msid", msid);
  gst_sdp_media_add_attribute(m, "ssrc", cname);
  gst_sdp_media_add_attribute(m, "ssrc", ssrc_msid);
}

/* The answer's m-line for offered m-line @media. */
static void
add_media(GstSDPMessage *msg, const rc_sdp_offer *offer, const rc_sdp_media *media, const rc_sdp_local *local)
{
  GstSDPMedia *m;
  gst_sdp_media_new(&m);
  gst_sdp_media_set_media(m, media->kind);
  gst_sdp_media_add_connection(m, "IN", addr_type(local->addresses[0]), local->addresses[0], 0, 0);
  if (media->pt < 0) { /* refused: port 0, the offered proto and formats */
    gst_sdp_media_set_port_info(m, 0, 1);
    gst_sdp_media_set_proto(m, media->proto);
    g_auto(GStrv) formats = g_strsplit(media->formats, " ", 0);
    for (gsize i = 0; formats[i]; i++)
      gst_sdp_media_add_format(m, formats[i]);
    gst_sdp_media_add_attribute(m, "mid", media->mid);
    gst_sdp_message_add_media(msg, m); /* copies */
    gst_sdp_media_free(m);
    return;
  }
  g_autofree char *pt = g_strdup_printf("%d", media->pt);
  gst_sdp_media_set_port_info(m, 9, 1);
  gst_sdp_media_set_proto(m, PROTO);
  gst_sdp_media_add_format(m, pt);
  add_transport(m, media, local);
  gst_sdp_media_add_attribute(m, offer->publisher ? "recvonly" : "sendonly", NULL);
  add_codec(m, media);
  add_candidates(m, local);
  if (!offer->publisher)
    add_source(m, media, local);
  gst_sdp_message_add_media(msg, m); /* copies */
  gst_sdp_media_free(m);
}

/* "BUNDLE 0 1": the usable mids, in m-line order. */
static char *
bundle_group(const rc_sdp_offer *offer)
{
  GString *group = g_string_new("BUNDLE");
  for (guint i = 0; i < offer->n_media; i++)
    if (offer->media[i].pt >= 0)
      g_string_append_printf(group, " %s", offer->media[i].mid);
  return g_string_free(group, FALSE);
}

char *
rc_sdp_answer(const rc_sdp_offer *offer, const rc_sdp_local *local)
{
  g_return_val_if_fail(offer && local && local->ice_ufrag && local->ice_pwd && local->fingerprint_sha256, NULL);
  g_return_val_if_fail(local->addresses && local->addresses[0], NULL);
  g_autoptr(GstSDPMessage) msg = NULL;
  gst_sdp_message_new(&msg);
  g_autofree char *session_id = g_strdup_printf("%" G_GUINT64_FORMAT,
                                                ((guint64)g_random_int() << 31 ^ g_random_int()) & G_MAXINT64);
  g_autofree char *group = bundle_group(offer);
  gst_sdp_message_set_version(msg, "0");
  gst_sdp_message_set_origin(msg, "roomctl", session_id, "2", "IN", "IP4", "0.0.0.0");
  gst_sdp_message_set_session_name(msg, "-");
  gst_sdp_message_add_time(msg, "0", "0", NULL);
  gst_sdp_message_add_attribute(msg, "ice-lite", NULL);
  gst_sdp_message_add_attribute(msg, "group", group);
  gst_sdp_message_add_attribute(msg, "msid-semantic", " WMS roomctl");
  for (guint i = 0; i < offer->n_media && i < RC_SDP_MAX_MEDIA; i++)
    add_media(msg, offer, &offer->media[i], local);
  return gst_sdp_message_as_text(msg);
}
