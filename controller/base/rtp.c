/* rtp — RTP/RTCP parsing and writing, every length checked. */
#include "base/rtp.h"

#include <string.h>

static guint16 rd16(const guint8 *p) { return (guint16)(p[0] << 8 | p[1]); }
static guint32 rd32(const guint8 *p) { return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3]; }

static void
wr16(guint8 *p, guint16 v)
{
  p[0] = (guint8)(v >> 8);
  p[1] = (guint8)v;
}

static void
wr32(guint8 *p, guint32 v)
{
  p[0] = (guint8)(v >> 24);
  p[1] = (guint8)(v >> 16);
  p[2] = (guint8)(v >> 8);
  p[3] = (guint8)v;
}

gboolean
rc_rtp_is_rtcp(const guint8 *data, gsize len)
{
  return len >= 2 && data[1] >= 200 && data[1] <= 206;
}

/* RFC 8285 one-byte elements: looks for ID 1 with 8 bytes. */
static void
read_extension(const guint8 *ext, gsize len, rc_rtp_packet *out)
{
  gsize i = 0;
  while (i < len) {
    guint8 b = ext[i];
    if (b == 0) { /* padding */
      i++;
      continue;
    }
    guint id = b >> 4, n = (b & 0x0f) + 1u;
    if (id == 15 || i + 1 + n > len)
      return;
    if (id == 1 && n == 8) {
      guint64 v = 0;
      for (guint k = 0; k < 8; k++)
        v = v << 8 | ext[i + 1 + k];
      out->has_send_time = TRUE;
      out->send_time_us = v;
    }
    i += 1 + n;
  }
}

gboolean
rc_rtp_parse(const guint8 *data, gsize len, rc_rtp_packet *out)
{
  memset(out, 0, sizeof *out);
  if (len < 12 || (data[0] >> 6) != 2 || rc_rtp_is_rtcp(data, len))
    return FALSE;
  gsize hlen = 12 + 4u * (data[0] & 0x0f);
  if (hlen > len)
    return FALSE;
  if (data[0] & 0x10) { /* header extension */
    if (hlen + 4 > len)
      return FALSE;
    guint16 profile = rd16(data + hlen);
    gsize words = rd16(data + hlen + 2);
    if (hlen + 4 + 4 * words > len)
      return FALSE;
    if (profile == 0xBEDE)
      read_extension(data + hlen + 4, 4 * words, out);
    hlen += 4 + 4 * words;
  }
  gsize pad = (data[0] & 0x20) ? data[len - 1] : 0;
  if ((data[0] & 0x20) && (pad == 0 || hlen + pad > len))
    return FALSE;
  out->marker = (data[1] & 0x80) != 0;
  out->payload_type = data[1] & 0x7f;
  out->seq = rd16(data + 2);
  out->timestamp = rd32(data + 4);
  out->ssrc = rd32(data + 8);
  out->header_len = hlen;
  out->payload = data + hlen;
  out->payload_len = len - hlen - pad;
  return TRUE;
}

static gboolean
nal_is_key(guint8 nal_type)
{
  return nal_type == 5 || nal_type == 7; /* IDR slice, SPS */
}

gboolean
rc_h264_starts_keyframe(const guint8 *p, gsize len)
{
  if (len < 1)
    return FALSE;
  guint8 type = p[0] & 0x1f;
  if (type >= 1 && type <= 23)
    return nal_is_key(type);
  if (type == 24) { /* STAP-A: [size16][nal]... */
    for (gsize i = 1; i + 3 <= len;) {
      gsize n = rd16(p + i);
      if (n == 0 || i + 2 + n > len)
        return FALSE;
      if (nal_is_key(p[i + 2] & 0x1f))
        return TRUE;
      i += 2 + n;
    }
    return FALSE;
  }
  if (type == 28 && len >= 2) /* FU-A: start bit and the inner type */
    return (p[1] & 0x80) && nal_is_key(p[1] & 0x1f);
  return FALSE;
}

static void
read_report(const guint8 *b, rc_rtcp_report *r)
{
  r->ssrc = rd32(b);
  r->fraction_lost = b[4];
  gint32 lost = (gint32)((guint32)b[5] << 16 | (guint32)b[6] << 8 | b[7]);
  r->cumulative_lost = (lost & 0x800000) ? lost - 0x1000000 : lost;
  r->highest_seq = rd32(b + 8);
  r->jitter = rd32(b + 12);
  r->lsr = rd32(b + 16);
  r->dlsr = rd32(b + 20);
}

/* One RTCP packet of @size bytes at @p. */
static void
read_one(const guint8 *p, gsize size, rc_rtcp_info *out)
{
  guint8 pt = p[1], count = p[0] & 0x1f;
  if ((pt == RC_RTCP_SR || pt == RC_RTCP_RR) && size >= 8) {
    gsize first = pt == RC_RTCP_SR ? 28 : 8;
    out->sender_ssrc = rd32(p + 4);
    out->is_sender_report |= pt == RC_RTCP_SR;
    for (guint i = 0; i < count && first + 24 * (i + 1) <= size && out->n_reports < 4; i++)
      read_report(p + first + 24 * i, &out->reports[out->n_reports++]);
  } else if (pt == RC_RTCP_PSFB && size >= 12 && (count == 1 || count == 4)) {
    out->sender_ssrc = rd32(p + 4);
    out->keyframe_request = TRUE;
    /* PLI names the media source in the header; FIR in its FCI entry. */
    out->keyframe_media_ssrc = count == 1 ? rd32(p + 8) : (size >= 16 ? rd32(p + 12) : 0);
  }
}

gboolean
rc_rtcp_parse(const guint8 *data, gsize len, rc_rtcp_info *out)
{
  memset(out, 0, sizeof *out);
  if (len < 4)
    return FALSE;
  for (gsize i = 0; i < len;) {
    if (len - i < 4 || (data[i] >> 6) != 2 || data[i + 1] < 192 || data[i + 1] > 223)
      return FALSE;
    gsize size = 4u * (rd16(data + i + 2) + 1u);
    if (size > len - i)
      return FALSE;
    read_one(data + i, size, out);
    i += size;
  }
  return TRUE;
}

gsize
rc_rtcp_build_pli(guint8 out[12], guint32 sender_ssrc, guint32 media_ssrc)
{
  out[0] = 0x80 | 1; /* V=2, FMT=1 (PLI) */
  out[1] = RC_RTCP_PSFB;
  wr16(out + 2, 2);  /* length in words - 1 */
  wr32(out + 4, sender_ssrc);
  wr32(out + 8, media_ssrc);
  return 12;
}

void
rc_rtp_restamp(guint8 *data, guint32 ssrc, guint16 seq, guint32 timestamp)
{
  wr16(data + 2, seq);
  wr32(data + 4, timestamp);
  wr32(data + 8, ssrc);
}

void
rc_rtp_restamp_source(guint8 *data, guint32 ssrc, guint8 payload_type)
{
  data[1] = (guint8)((data[1] & 0x80) | (payload_type & 0x7f));
  wr32(data + 8, ssrc);
}

/* Larger forward steps are taken as another source's numbers. */
#define SEQ_MAP_MAX_GAP 100

guint16
rc_rtp_seq_map_next(rc_rtp_seq_map *m, guint16 in)
{
  guint16 step = (guint16)(in - m->last_in);
  guint16 out = !m->started ? in : (guint16)(m->last_out + (step >= 1 && step <= SEQ_MAP_MAX_GAP ? step : 1));
  *m = (rc_rtp_seq_map){.started = TRUE, .last_in = in, .last_out = out};
  return out;
}

void
rc_rtp_seq_map_apply(rc_rtp_seq_map *m, guint8 *data)
{
  guint16 out = rc_rtp_seq_map_next(m, (guint16)(data[2] << 8 | data[3]));
  data[2] = (guint8)(out >> 8), data[3] = (guint8)out;
}

guint32
rc_rtp_site_ssrc(const char *code, gboolean audio)
{
  guint32 h = 2166136261u;
  for (const guint8 *p = (const guint8 *)code; *p; p++) {
    h ^= *p;
    h *= 16777619u;
  }
  return audio ? (h | 1u) : (h & ~1u);
}
