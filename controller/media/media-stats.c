/* media-stats — per-stream receive statistics after RFC 3550. */
#include "media/media-stats.h"

#include <math.h>
#include <string.h>

#define MAX_DROPOUT 3000
/* RFC 3550 A.1 takes a packet more than 100 behind the highest for a
 * possible restart; a keyframe burst under a few hundred ms of jitter is
 * reordered further than that, so anything within the window is late. */
#define MAX_MISORDER RC_STATS_WINDOW
#define MIN_SEQUENTIAL 2
#define RTP_SEQ_MOD (1u << 16)
#define MARK_EVERY_US 50000

void
rc_stream_stats_init(rc_stream_stats *s, guint clock_rate)
{
  memset(s, 0, sizeof *s);
  s->clock_rate = clock_rate;
}

static gint64
highest(const rc_stream_stats *s)
{
  return (gint64)s->cycles + s->max_seq;
}

static void
init_seq(rc_stream_stats *s, guint16 seq)
{
  s->base_seq = seq;
  s->max_seq = seq;
  s->bad_seq = RTP_SEQ_MOD + 1;
  s->cycles = 0;
  s->received = 0;
  memset(s->seen, 0, sizeof s->seen);
  s->settled = seq;
  s->settled_lost = 0;
  s->mark_count = 0;
}

static gboolean
seen_bit(rc_stream_stats *s, gint64 ext, gboolean clear)
{
  guint i = (guint)(ext & (RC_STATS_WINDOW - 1));
  gboolean was = (s->seen[i / 8] >> (i % 8)) & 1;
  if (clear)
    s->seen[i / 8] &= (guint8) ~(1u << (i % 8));
  return was;
}

/* Settles every sequence number below @upto: the ones that did not come are lost. */
static void
settle(rc_stream_stats *s, gint64 upto)
{
  for (; s->settled < upto; s->settled++)
    if (!seen_bit(s, s->settled, TRUE))
      s->settled_lost++;
}

/* Counts packet @ext once: FALSE if it is a duplicate or too late (settled). */
static gboolean
count(rc_stream_stats *s, gint64 ext)
{
  if (ext < s->settled || seen_bit(s, ext, FALSE))
    return FALSE;
  guint i = (guint)(ext & (RC_STATS_WINDOW - 1));
  s->seen[i / 8] |= (guint8)(1u << (i % 8));
  s->received++;
  return TRUE;
}

/* The highest moved on: the window must not wrap onto unsettled numbers. */
static void
advance(rc_stream_stats *s)
{
  settle(s, highest(s) - RC_STATS_WINDOW + 1);
}

/* Settles what the highest passed RC_STATS_SETTLE_US ago, from the marks. */
static void
settle_by_time(rc_stream_stats *s, gint64 now)
{
  guint last = (s->mark_first + s->mark_count - 1) % RC_STATS_MARKS;
  if (!s->mark_count || now - s->marks[last].at_us >= MARK_EVERY_US) {
    if (s->mark_count == RC_STATS_MARKS) { /* full: the oldest goes */
      s->mark_first = (s->mark_first + 1) % RC_STATS_MARKS;
      s->mark_count--;
    }
    last = (s->mark_first + s->mark_count++) % RC_STATS_MARKS;
    s->marks[last].at_us = now;
    s->marks[last].highest = highest(s);
  }
  while (s->mark_count && now - s->marks[s->mark_first].at_us >= RC_STATS_SETTLE_US) {
    settle(s, MIN(s->marks[s->mark_first].highest, highest(s)));
    s->mark_first = (s->mark_first + 1) % RC_STATS_MARKS;
    s->mark_count--;
  }
}

/* RFC 3550 A.1: returns FALSE for a packet that is not counted (a source
 * still on probation, a big jump that may be a restart, a duplicate, or a
 * packet later than the window). */
static gboolean
update_seq(rc_stream_stats *s, guint16 seq)
{
  guint16 udelta = (guint16)(seq - s->max_seq);
  if (s->probation) {
    if (seq == (guint16)(s->max_seq + 1)) {
      s->probation--;
      s->max_seq = seq;
      if (s->probation == 0) {
        /* The packets seen on probation count too: they were in sequence. */
        init_seq(s, seq);
        s->pre_base = MIN_SEQUENTIAL - 1;
        s->received += MIN_SEQUENTIAL - 1;
        return count(s, highest(s));
      }
    } else {
      s->probation = MIN_SEQUENTIAL - 1;
      s->max_seq = seq;
    }
    return FALSE;
  }
  if (udelta < MAX_DROPOUT) {
    if (seq < s->max_seq)
      s->cycles += RTP_SEQ_MOD; /* wrapped */
    s->max_seq = seq;
    advance(s);
    return count(s, highest(s)); /* udelta 0: a duplicate of the highest */
  }
  if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
    if (seq != s->bad_seq) {
      s->bad_seq = (seq + 1u) & (RTP_SEQ_MOD - 1);
      return FALSE;
    }
    init_seq(s, seq); /* two in a row: the source restarted */
    s->pre_base = 0;
    return count(s, highest(s));
  }
  /* a late, reordered packet (or a duplicate of one) */
  return count(s, highest(s) - (gint64)(RTP_SEQ_MOD - udelta));
}

static void
update_jitter(rc_stream_stats *s, guint32 rtp_ts, gint64 arrival_us)
{
  gint64 arrival = arrival_us * (gint64)s->clock_rate / 1000000;
  gint64 transit = arrival - (gint64)rtp_ts;
  if (s->have_transit) {
    gint64 d = transit - s->transit;
    /* RTP timestamps wrap at 2^32: take the nearest difference. */
    d = (gint64)(gint32)(guint32)d;
    s->jitter += (fabs((double)d) - s->jitter) / 16.0;
  }
  s->transit = transit;
  s->have_transit = TRUE;
}

static void
update_rate(rc_stream_stats *s, gsize size, gboolean delta, gint64 now)
{
  /* Half-second windows: a silence or a freeze shows within the 3 s the
   * technicians are promised. */
  if (now - s->window_start_us >= 500000) {
    gint64 span = now - s->window_start_us;
    /* A gap of more than two windows means nothing was received meanwhile. */
    s->bitrate_bps = span < 1000000 ? s->window_bytes * 8 * 1000000 / (guint64)span : 0;
    s->delta_bitrate_bps = span < 1000000 ? s->window_delta_bytes * 8 * 1000000 / (guint64)span : 0;
    s->window_start_us = now;
    s->window_bytes = s->window_delta_bytes = 0;
  }
  s->window_bytes += size;
  if (delta)
    s->window_delta_bytes += size;
}

void
rc_stream_stats_update(rc_stream_stats *s, const rc_rtp_packet *p, gsize size, gint64 arrival_us, gboolean keyframe)
{
  if (!s->started) {
    s->started = TRUE;
    init_seq(s, p->seq);
    s->max_seq = (guint16)(p->seq - 1);
    s->probation = MIN_SEQUENTIAL;
    s->first_us = arrival_us;
    s->window_start_us = arrival_us;
  }
  s->packets++;
  s->bytes += size;
  s->last_us = arrival_us;
  if (keyframe)
    s->key_ts = p->timestamp; /* the rest of this frame is keyframe too */
  update_rate(s, size, !keyframe && p->timestamp != s->key_ts, arrival_us);
  if (update_seq(s, p->seq))
    update_jitter(s, p->timestamp, arrival_us);
  if (!s->probation)
    settle_by_time(s, arrival_us);
  if (keyframe) {
    if (s->last_keyframe_us && arrival_us - s->last_keyframe_us > 100000)
      s->keyframe_interval_s = (double)(arrival_us - s->last_keyframe_us) / 1e6;
    if (!s->last_keyframe_us || arrival_us - s->last_keyframe_us > 100000) {
      s->keyframes++;
      s->last_keyframe_us = arrival_us;
    }
  }
}

void
rc_stream_stats_report(const rc_stream_stats *s, rc_stream_report *out)
{
  memset(out, 0, sizeof *out);
  out->packets = s->packets;
  out->bytes = s->bytes;
  out->last_packet_us = s->last_us;
  out->keyframes = s->keyframes;
  out->keyframe_interval_s = s->keyframe_interval_s;
  out->last_keyframe_us = s->last_keyframe_us;
  out->bitrate_bps = s->bitrate_bps;
  out->delta_bitrate_bps = s->delta_bitrate_bps;
  out->jitter_ms = s->clock_rate ? s->jitter * 1000.0 / s->clock_rate : 0;
  if (!s->started || s->probation)
    return;
  out->expected = (guint64)(highest(s) - s->base_seq + 1) + s->pre_base;
  out->lost = (gint64)out->expected - (gint64)s->received;
  out->loss_ratio = out->expected && out->lost > 0 ? (double)out->lost / (double)out->expected : 0;
  out->settled_expected = (guint64)(s->settled - s->base_seq) + s->pre_base;
  out->settled_lost = s->settled_lost;
}

const double rc_delay_bounds_ms[RC_DELAY_BUCKETS - 1] = {0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15,
                                                          20, 30, 50, 75, 100, 250, 500, 1000};

void
rc_delay_add(rc_delay_histogram *h, gint64 delay_us)
{
  double ms = MAX(delay_us, 0) / 1000.0;
  guint i = 0;
  while (i < RC_DELAY_BUCKETS - 1 && ms > rc_delay_bounds_ms[i])
    i++;
  h->counts[i]++;
  h->count++;
  h->sum_ms += ms;
}

double
rc_delay_quantile(const rc_delay_histogram *after, const rc_delay_histogram *before, double q)
{
  guint64 total = after->count - (before ? before->count : 0);
  if (total == 0)
    return -1;
  /* the smallest bucket whose cumulative count reaches ceil(q * total) */
  guint64 want = (guint64)ceil(CLAMP(q, 0.0, 1.0) * (double)total), seen = 0;
  want = MAX(want, 1);
  for (guint i = 0; i < RC_DELAY_BUCKETS; i++) {
    seen += after->counts[i] - (before ? before->counts[i] : 0);
    if (seen >= want)
      return i < RC_DELAY_BUCKETS - 1 ? rc_delay_bounds_ms[i] : G_MAXDOUBLE;
  }
  return G_MAXDOUBLE;
}
