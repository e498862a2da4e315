/* sim-rtp — RTP/RTCP packet writing and parsing for the simulator. */
#include "devices/sim/sim-rtp.h"

#include <string.h>

static void
put16(guint8 *p, guint16 v)
{
  p[0] = v >> 8;
  p[1] = v;
}

static void
put32(guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

static guint16
get16(const guint8 *p)
{
  return (guint16)(p[0] << 8 | p[1]);
}

static guint32
get32(const guint8 *p)
{
  return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

void
sim_rtp_write_header(guint8 *out, guint8 pt, gboolean marker, guint16 seq,
                     guint32 timestamp, guint32 ssrc, guint64 send_time_us)
{
  out[0] = 0x90; /* V=2, X=1 */
  out[1] = (marker ? 0x80 : 0) | (pt & 0x7F);
  put16(out + 2, seq);
  put32(out + 4, timestamp);
  put32(out + 8, ssrc);
  put16(out + 12, 0xBEDE);
  put16(out + 14, 4); /* 4 words of elements */
  out[16] = SIM_SEND_TIME_EXT_ID << 4 | (8 - 1);
  put32(out + 17, send_time_us >> 32);
  put32(out + 21, (guint32)send_time_us);
  out[25] = SIM_SOURCE_EXT_ID << 4 | (4 - 1);
  put32(out + 26, ssrc);
  out[30] = out[31] = 0;
}

/* Walks RFC 8285 elements of @ext (one-byte form if @one_byte, else
 * two-byte) looking for the send-time and source elements. */
static void
find_elements(const guint8 *ext, gsize len, gboolean one_byte, sim_rtp_info *out)
{
  gsize i = 0;
  while (i < len) {
    if (ext[i] == 0) { /* padding */
      i++;
      continue;
    }
    guint id, n;
    if (one_byte) {
      id = ext[i] >> 4;
      n = (ext[i] & 0x0F) + 1u;
      if (id == 15)
        return;
      i += 1;
    } else {
      if (i + 2 > len)
        return;
      id = ext[i];
      n = ext[i + 1];
      i += 2;
    }
    if (i + n > len)
      return;
    if (id == SIM_SEND_TIME_EXT_ID && n == 8) {
      out->has_send_time = TRUE;
      out->send_time_us = (guint64)get32(ext + i) << 32 | get32(ext + i + 4);
    } else if (id == SIM_SOURCE_EXT_ID && n == 4) {
      out->has_source = TRUE;
      out->source_ssrc = get32(ext + i);
    }
    i += n;
  }
}

gboolean
sim_rtp_parse(const guint8 *data, gsize len, sim_rtp_info *out)
{
  memset(out, 0, sizeof *out);
  if (len < 12 || (data[0] >> 6) != 2)
    return FALSE;
  gsize off = 12 + 4u * (data[0] & 0x0F);
  if (off > len)
    return FALSE;
  out->marker = data[1] >> 7;
  out->pt = data[1] & 0x7F;
  out->seq = get16(data + 2);
  out->timestamp = get32(data + 4);
  out->ssrc = get32(data + 8);
  if (data[0] & 0x10) {
    if (off + 4 > len)
      return FALSE;
    guint16 profile = get16(data + off);
    gsize ext_len = 4u * get16(data + off + 2);
    if (off + 4 + ext_len > len)
      return FALSE;
    if (profile == 0xBEDE || (profile & 0xFFF0) == 0x1000)
      find_elements(data + off + 4, ext_len, profile == 0xBEDE, out);
    off += 4 + ext_len;
  }
  gsize end = len;
  if (data[0] & 0x20) {
    guint pad = data[len - 1];
    if (pad == 0 || off + pad > len)
      return FALSE;
    end -= pad;
  }
  out->payload = data + off;
  out->payload_len = end - off;
  return TRUE;
}

guint
sim_rtcp_count_keyframe_requests(const guint8 *data, gsize len, guint32 ssrc)
{
  guint count = 0;
  gsize off = 0;
  while (off + 4 <= len && (data[off] >> 6) == 2) {
    gsize size = 4u * (get16(data + off + 2) + 1u);
    if (off + size > len)
      break;
    const guint8 *p = data + off;
    guint fmt = p[0] & 0x1F;
    if (p[1] == 206 && fmt == 1 && size >= 12 && get32(p + 8) == ssrc)
      count++;
    if (p[1] == 206 && fmt == 4) /* FIR: FCI entries of 8 bytes */
      for (gsize e = 12; e + 8 <= size; e += 8)
        if (get32(p + e) == ssrc)
          count++;
    off += size;
  }
  return count;
}

/* NTP timestamp (seconds since 1900, 32.32 fixed point) of @us. */
static void
put_ntp(guint8 *p, guint64 us)
{
  guint64 secs = us / G_USEC_PER_SEC + 2208988800u;
  guint64 frac = ((us % G_USEC_PER_SEC) << 32) / G_USEC_PER_SEC;
  put32(p, (guint32)secs);
  put32(p + 4, (guint32)frac);
}

static gsize
write_block(guint8 *p, const sim_rtcp_report_block *b)
{
  gint32 lost = CLAMP(b->cumulative_lost, -0x800000, 0x7FFFFF);
  put32(p, b->ssrc);
  put32(p + 4, (guint32)b->fraction_lost << 24 | ((guint32)lost & 0xFFFFFF));
  put32(p + 8, b->extended_max_seq);
  put32(p + 12, b->jitter);
  put32(p + 16, 0); /* LSR: we do not track the program's SRs */
  put32(p + 20, 0);
  return 24;
}

static gsize
write_sdes(guint8 *p, gsize cap, guint32 ssrc, const char *cname)
{
  gsize n = MIN(strlen(cname), 255);
  gsize size = (8 + 2 + n + 1 + 3) & ~(gsize)3; /* item, end marker, pad */
  if (size > cap)
    return 0;
  memset(p, 0, size);
  p[0] = 0x81;
  p[1] = 202;
  put16(p + 2, size / 4 - 1);
  put32(p + 4, ssrc);
  p[8] = 1; /* CNAME */
  p[9] = n;
  memcpy(p + 10, cname, n);
  return size;
}

gsize
sim_rtcp_write_report(guint8 *out, gsize cap, const sim_rtcp_sender *sender,
                      const sim_rtcp_report_block *block, const char *cname)
{
  gboolean sr = sender->packets > 0;
  gsize size = (sr ? 28 : 8) + (block ? 24 : 0);
  if (cap < size)
    return 0;
  out[0] = 0x80 | (block ? 1 : 0);
  out[1] = sr ? 200 : 201;
  put16(out + 2, size / 4 - 1);
  put32(out + 4, sender->ssrc);
  gsize off = 8;
  if (sr) {
    put_ntp(out + 8, sender->now_us);
    put32(out + 16, sender->rtp_timestamp);
    put32(out + 20, sender->packets);
    put32(out + 24, sender->octets);
    off = 28;
  }
  if (block)
    off += write_block(out + off, block);
  gsize sdes = write_sdes(out + off, cap - off, sender->ssrc, cname);
  return sdes ? off + sdes : 0;
}
