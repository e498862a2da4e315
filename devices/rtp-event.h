/* rtp-event — keypad digits in a site's audio RTP: RFC 4733
 * telephone-events (the 4-byte payload: event, end bit, volume, duration),
 * read from a packet mapped with GStreamer's RTP library (GstRTPBuffer
 * checks the header). As rtpdtmfdepay reads them: the packets of one key
 * share their RTP timestamp; the key is over at its first packet with the
 * end bit (its two retransmissions are the same key and are dropped), or,
 * when all three end packets were lost, when a packet of the next key
 * comes. Events 0-15 are keys (0-9 * # A-D); others (flash, tones) are not.
 * State per stream, no I/O; used on the thread that reads the stream. */
#pragma once
#include <glib.h>

typedef struct {
  gboolean seen;      /* a key is under way or was the last: @timestamp is its */
  gboolean told;      /* it was handed over */
  guint32 timestamp;
  char digit;
  guint32 duration;   /* in timestamp units, the last said */
} rc_rtp_events;

/* A key that ended: its digit and how long it was held. */
typedef struct {
  char digit;
  guint duration_ms;
} rc_rtp_key;

/* Reads @len bytes at @data, an RTP packet whose payload type is the
 * call's telephone-event at @clock_rate (Hz): the keys it ends into @keys
 * (at most 2: the last one whose end was lost, and this one). Returns how
 * many; 0 for a packet that ends none or does not read. */
guint rc_rtp_events_read(rc_rtp_events *state, const guint8 *data, gsize len, int clock_rate, rc_rtp_key keys[2]);
