/* media-stats — what one received RTP stream (a site's video or audio)
 * looks like, computed inline per packet with no allocation: packets, bytes,
 * bitrate, loss from sequence numbers (RFC 3550 A.1, with wrap-around and
 * restarts), interarrival jitter (RFC 3550 A.8), last packet time, keyframe
 * interval. Not thread-safe: one writer (the streaming thread that owns it);
 * others read copies.
 *
 * Loss counts packets that never came, not packets that came late: the
 * newest RC_STATS_WINDOW sequence numbers are kept in a bitmap, so a late
 * packet is counted once when it comes (and a duplicate not at all), and a
 * missing sequence number is settled as lost only once the highest one has
 * been past it for RC_STATS_SETTLE_US. */
#pragma once
#include "base/rtp.h"

#define RC_STATS_WINDOW 2048        /* sequence numbers remembered (a power of 2) */
#define RC_STATS_SETTLE_US 1000000  /* a packet later than this is lost */
#define RC_STATS_MARKS 32           /* (time, highest) marks, one per 50 ms */

typedef struct {
  guint clock_rate;
  gboolean started;
  /* RFC 3550 A.1 */
  guint16 max_seq;
  guint32 cycles;
  guint32 base_seq;
  guint32 bad_seq;
  guint32 probation;
  guint64 received; /* distinct packets counted for loss */
  guint32 pre_base; /* packets before base_seq that count (probation) */
  /* the reordering window, in extended sequence numbers (cycles + seq) */
  guint8 seen[RC_STATS_WINDOW / 8]; /* bit (ext % WINDOW): came */
  gint64 settled;                   /* every ext below this is settled */
  guint64 settled_lost;             /* settled and never came */
  struct {
    gint64 at_us, highest;
  } marks[RC_STATS_MARKS];          /* ring: when the highest ext was what */
  guint mark_first, mark_count;
  /* RFC 3550 A.8, in timestamp units */
  gboolean have_transit;
  gint64 transit;
  double jitter;
  /* totals */
  guint64 packets;
  guint64 bytes;
  gint64 first_us, last_us;
  /* bitrate over whole seconds */
  gint64 window_start_us;
  guint64 window_bytes;
  guint64 bitrate_bps;
  /* keyframes */
  guint64 keyframes;
  gint64 last_keyframe_us;
  double keyframe_interval_s;
  /* what is not keyframe: a frozen picture sends (almost) nothing else */
  guint32 key_ts;           /* RTP timestamp of the last keyframe */
  guint64 window_delta_bytes;
  guint64 delta_bitrate_bps;
} rc_stream_stats;

typedef struct {
  guint64 packets, bytes;
  guint64 expected;
  gint64 lost;          /* expected - received (distinct; a late one counts when it comes) */
  double loss_ratio;    /* lost / expected, 0..1 */
  /* The same for the packets whose fate is settled (RC_STATS_SETTLE_US
   * behind the highest): steady under reordering, for loss over a window. */
  guint64 settled_expected;
  guint64 settled_lost;
  double jitter_ms;
  guint64 bitrate_bps;
  guint64 delta_bitrate_bps; /* bitrate of everything but keyframes */
  gint64 last_packet_us; /* 0 = never */
  guint64 keyframes;
  double keyframe_interval_s;
  gint64 last_keyframe_us;
} rc_stream_report;

void rc_stream_stats_init(rc_stream_stats *s, guint clock_rate);
/* Accounts one packet that arrived at @arrival_us (monotonic or wall clock,
 * but the same for every call). */
void rc_stream_stats_update(rc_stream_stats *s, const rc_rtp_packet *p, gsize size, gint64 arrival_us,
                            gboolean keyframe);
/* A consistent summary of the stream so far. */
void rc_stream_stats_report(const rc_stream_stats *s, rc_stream_report *out);

/* A delay histogram with fixed bounds (Prometheus style: cumulative
 * snapshots, so any two give the distribution between them). Used for the
 * program's forwarding delay: kernel arrival of a source packet to its
 * hand-over to the kernel for the last site. */
#define RC_DELAY_BUCKETS 19
extern const double rc_delay_bounds_ms[RC_DELAY_BUCKETS - 1]; /* the last bucket is +Inf */

typedef struct {
  guint64 counts[RC_DELAY_BUCKETS]; /* per bucket, not cumulative */
  guint64 count;
  double sum_ms;
} rc_delay_histogram;

void rc_delay_add(rc_delay_histogram *h, gint64 delay_us);
/* The upper bound (ms) of the bucket holding quantile @q (0..1) of
 * @after - @before (@before may be NULL: since the start); -1 if empty,
 * G_MAXDOUBLE if it is in the +Inf bucket. */
double rc_delay_quantile(const rc_delay_histogram *after, const rc_delay_histogram *before, double q);
