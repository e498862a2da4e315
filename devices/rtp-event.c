/* rtp-event — see rtp-event.h. */
#include "devices/rtp-event.h"

#include <gst/rtp/gstrtpbuffer.h>

static const char keypad[] = "0123456789*#ABCD";

static rc_rtp_key
key_of(const rc_rtp_events *st, int clock_rate)
{
  guint ms = clock_rate > 0 ? (guint)((guint64)st->duration * 1000 / (guint)clock_rate) : 0;
  return (rc_rtp_key){.digit = st->digit, .duration_ms = ms};
}

guint
rc_rtp_events_read(rc_rtp_events *st, const guint8 *data, gsize len, int clock_rate, rc_rtp_key keys[2])
{
  /* The datagram is only borrowed: no copy, no free. */
  g_autoptr(GstBuffer) buffer = gst_buffer_new_wrapped_full(GST_MEMORY_FLAG_READONLY, (gpointer)data, len, 0, len,
                                                            NULL, NULL);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp))
    return 0;
  guint32 ts = gst_rtp_buffer_get_timestamp(&rtp);
  const guint8 *p = gst_rtp_buffer_get_payload(&rtp);
  guint plen = gst_rtp_buffer_get_payload_len(&rtp);
  guint8 event = plen >= 4 ? p[0] : 0xff;
  gboolean end = plen >= 4 && (p[1] & 0x80);
  guint32 duration = plen >= 4 ? (guint32)p[2] << 8 | p[3] : 0;
  gst_rtp_buffer_unmap(&rtp);
  if (event >= sizeof keypad - 1)
    return 0; /* not a key (or no event payload) */
  guint n = 0;
  if (!st->seen || ts != st->timestamp) {
    if (st->seen && !st->told) /* the last key's end packets were all lost */
      keys[n++] = key_of(st, clock_rate);
    *st = (rc_rtp_events){.seen = TRUE, .timestamp = ts, .digit = keypad[event]};
  }
  if (st->told)
    return n; /* a retransmitted end */
  st->duration = MAX(st->duration, duration);
  if (end) {
    st->told = TRUE;
    keys[n++] = key_of(st, clock_rate);
  }
  return n;
}
