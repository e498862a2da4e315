/* Unit tests for per-stream statistics: RFC 3550 loss (A.1) and jitter
 * (A.8), sequence wrap-around, restarts, late, reordered and duplicated
 * packets and the settled loss, bitrate, keyframe interval. */
#include "media/media-stats.h"

#include <math.h>

static rc_rtp_packet
pkt(guint16 seq, guint32 ts)
{
  return (rc_rtp_packet){.seq = seq, .timestamp = ts};
}

static void
feed(rc_stream_stats *s, guint16 seq, guint32 ts, gint64 at_us)
{
  rc_rtp_packet p = pkt(seq, ts);
  rc_stream_stats_update(s, &p, 1000, at_us, FALSE);
}

static void
test_no_loss(void)
{
  rc_stream_stats s;
  rc_stream_stats_init(&s, 90000);
  for (int i = 0; i < 100; i++)
    feed(&s, (guint16)(1000 + i), (guint32)(3600 * i), 40000 * i);
  rc_stream_report r;
  rc_stream_stats_report(&s, &r);
  g_assert_cmpuint(r.packets, ==, 100);
  g_assert_cmpuint(r.expected, ==, 100);
  g_assert_cmpint(r.lost, ==, 0);
  g_assert_cmpfloat(r.jitter_ms, <, 1e-9); /* constant transit */
}

static void
test_gap_and_wrap(void)
{
  rc_stream_stats s;
  rc_stream_stats_init(&s, 90000);
  guint16 seq = 65500;
  int sent = 0, dropped = 0;
  for (int i = 0; i < 200; i++, seq++) {
    if (i % 20 == 7) { /* every 20th is lost, across the 65535 → 0 wrap */
      dropped++;
      continue;
    }
    feed(&s, seq, (guint32)(3600 * i), 40000 * i);
    sent++;
  }
  rc_stream_report r;
  rc_stream_stats_report(&s, &r);
  g_assert_cmpuint(r.packets, ==, (guint64)sent);
  g_assert_cmpuint(r.expected, ==, 200);
  g_assert_cmpint(r.lost, ==, dropped);
  g_assert_cmpfloat(fabs(r.loss_ratio - dropped / 200.0), <, 1e-9);
}

static void
test_duplicates_and_reorder(void)
{
  rc_stream_stats s;
  rc_stream_stats_init(&s, 90000);
  const guint16 order[] = {10, 11, 12, 14, 13, 15, 15, 16};
  for (guint i = 0; i < G_N_ELEMENTS(order); i++)
    feed(&s, order[i], 0, 1000 * i);
  rc_stream_report r;
  rc_stream_stats_report(&s, &r);
  g_assert_cmpuint(r.expected, ==, 7);  /* 10..16 */
  g_assert_cmpint(r.lost, ==, 0);       /* the late 13 came; the second 15 is not counted twice */
  g_assert_cmpuint(r.packets, ==, 8);   /* but every datagram is in the totals */
}

static void
test_restart(void)
{
  rc_stream_stats s;
  rc_stream_stats_init(&s, 90000);
  for (int i = 0; i < 50; i++)
    feed(&s, (guint16)(100 + i), 0, i);
  /* One stray far packet is ignored; two in a row are a restarted source. */
  feed(&s, 40000, 0, 60);
  rc_stream_report r;
  rc_stream_stats_report(&s, &r);
  g_assert_cmpint(r.lost, ==, 0);
  feed(&s, 30000, 0, 70);
  feed(&s, 30001, 0, 80);
  feed(&s, 30002, 0, 90);
  rc_stream_stats_report(&s, &r);
  /* RFC 3550 A.1 knows it is a restart at the second packet (30001) and
   * counts from there. */
  g_assert_cmpuint(r.expected, ==, 2);
  g_assert_cmpint(r.lost, ==, 0);
}

/* A deterministic shuffle: every packet delayed by 0..@spread_us. */
static guint32
lcg(guint32 *state)
{
  *state = *state * 1664525u + 1013904223u;
  return *state >> 8;
}

typedef struct {
  gint64 at;
  guint16 seq;
} arrival;

static gint
by_time(gconstpointer a, gconstpointer b)
{
  const arrival *x = a, *y = b;
  return x->at < y->at ? -1 : x->at > y->at ? 1 : (gint)x->seq - (gint)y->seq;
}

/* @n packets from @first: bursts of 150 (like a keyframe), then 50 at 100 a
 * second; each delayed by up to @spread_us, every @drop_every-th never
 * sent (0: none), every @dup_every-th sent twice (0: none). */
static void
feed_shuffled(rc_stream_stats *s, guint16 first, int n, gint64 spread_us, int drop_every, int dup_every, int *dropped)
{
  GArray *a = g_array_new(FALSE, FALSE, sizeof(arrival));
  guint32 rnd = 12345;
  *dropped = 0;
  gint64 t = 0;
  for (int i = 0; i < n; i++) {
    t += (i % 200) < 150 ? 500 : 10000; /* a keyframe's packets leave together */
    if (i > 2 && drop_every && i % drop_every == 0) {
      (*dropped)++;
      continue;
    }
    arrival x = {t + (i > 2 ? (gint64)(lcg(&rnd) % (guint32)(spread_us + 1)) : 0), (guint16)(first + i)};
    g_array_append_val(a, x);
    if (dup_every && i % dup_every == 0) {
      x.at += (gint64)(lcg(&rnd) % 100000);
      g_array_append_val(a, x);
    }
  }
  g_array_sort(a, by_time);
  for (guint i = 0; i < a->len; i++) {
    arrival *x = &g_array_index(a, arrival, i);
    feed(s, x->seq, (guint32)(x->seq * 480u), x->at);
  }
  g_array_free(a, TRUE);
}

/* 400 ms of jitter, nothing dropped, across the 65535 → 0 wrap: no loss, and
 * no false restart although keyframe bursts are reordered by over 100. */
static void
test_late_is_not_lost(void)
{
  rc_stream_stats s;
  rc_stream_stats_init(&s, 90000);
  int dropped;
  feed_shuffled(&s, 64000, 3000, 400000, 0, 0, &dropped);
  rc_stream_report r;
  rc_stream_stats_report(&s, &r);
  g_assert_cmpuint(r.expected, ==, 3000);
  g_assert_cmpint(r.lost, ==, 0);
  g_assert_cmpuint(r.settled_lost, ==, 0);
  g_assert_cmpuint(r.settled_expected, >, 2500); /* all but the last second */
  g_assert_cmpuint(r.settled_expected, <, 3000);
}

/* Dropped packets are lost, late ones are not, duplicates count once. */
static void
test_dropped_late_and_duplicated(void)
{
  rc_stream_stats s;
  rc_stream_stats_init(&s, 90000);
  int dropped;
  feed_shuffled(&s, 65000, 3000, 400000, 10, 7, &dropped);
  rc_stream_report r;
  rc_stream_stats_report(&s, &r);
  g_assert_cmpuint(r.expected, ==, 3000);
  g_assert_cmpint(r.lost, ==, dropped);
  /* The settled part: the same ratio, less the last second. */
  g_assert_cmpuint(r.settled_lost, <=, (guint64)dropped);
  g_assert_cmpuint(r.settled_lost + (r.expected - r.settled_expected) / 10 + 5, >=, (guint64)dropped);
  g_assert_cmpfloat(fabs((double)r.settled_lost / (double)r.settled_expected - 0.1), <, 0.01);
}

/* A packet more than a second late is lost, and stays lost when it comes. */
static void
test_too_late_is_lost(void)
{
  rc_stream_stats s;
  rc_stream_stats_init(&s, 90000);
  for (int i = 0; i < 300; i++)
    if (i != 50)
      feed(&s, (guint16)i, (guint32)(i * 900), 10000LL * i);
  rc_stream_report r;
  rc_stream_stats_report(&s, &r);
  g_assert_cmpuint(r.settled_lost, ==, 1); /* 50 is 2.5 s behind */
  g_assert_cmpint(r.lost, ==, 1);
  feed(&s, 50, 50 * 900, 3000000);
  rc_stream_stats_report(&s, &r);
  g_assert_cmpint(r.lost, ==, 1);
  g_assert_cmpuint(r.settled_lost, ==, 1);
  g_assert_cmpuint(r.packets, ==, 300);
}

/* Settled figures move only with time: a window over them sees no
 * reordering, and they never go back. */
static void
test_settled_is_monotonic(void)
{
  rc_stream_stats s;
  rc_stream_stats_init(&s, 90000);
  guint32 rnd = 99;
  guint64 last_expected = 0, last_lost = 0;
  for (int i = 0; i < 2000; i++) {
    guint16 seq = (guint16)(i ^ (lcg(&rnd) & 7)); /* swaps within groups of 8 */
    feed(&s, seq, 0, 10000LL * i);
    rc_stream_report r;
    rc_stream_stats_report(&s, &r);
    g_assert_cmpuint(r.settled_expected, >=, last_expected);
    g_assert_cmpuint(r.settled_lost, >=, last_lost);
    last_expected = r.settled_expected, last_lost = r.settled_lost;
  }
  g_assert_cmpuint(last_expected, >, 1800);
}

/* RFC 3550 A.8: J += (|D| - J) / 16. With transit alternating by 900
 * timestamp units (10 ms at 90 kHz), |D| = 900 every packet after the first
 * two, so after k differences J = 900 (1 - (15/16)^k). */
static void
test_jitter_formula(void)
{
  rc_stream_stats s;
  rc_stream_stats_init(&s, 90000);
  int n = 60;
  for (int i = 0; i < n; i++) {
    gint64 extra_us = (i % 2) ? 10000 : 0; /* every other packet 10 ms late */
    feed(&s, (guint16)i, (guint32)(3600 * i), 40000LL * i + extra_us);
  }
  /* Differences are counted from the second counted packet on: the first
   * packet is probation and does not set transit. */
  rc_stream_report r;
  rc_stream_stats_report(&s, &r);
  int k = n - 2; /* packets counted after the first transit */
  double expected_units = 900.0 * (1.0 - pow(15.0 / 16.0, k));
  g_assert_cmpfloat(fabs(s.jitter - expected_units), <, 1e-6);
  g_assert_cmpfloat(fabs(r.jitter_ms - expected_units / 90.0), <, 1e-6);
  /* After many packets it tends to the 10 ms alternation. */
  g_assert_cmpfloat(r.jitter_ms, >, 9.5);
}

static void
test_bitrate_and_keyframes(void)
{
  rc_stream_stats s;
  rc_stream_stats_init(&s, 90000);
  /* 100 packets/s of 1250 bytes = 1 Mbps, keyframe every 2 s, for 5 s. */
  for (int i = 0; i < 500; i++) {
    rc_rtp_packet p = pkt((guint16)i, (guint32)(900 * i));
    rc_stream_stats_update(&s, &p, 1250, 10000LL * i, i % 200 == 0);
  }
  rc_stream_report r;
  rc_stream_stats_report(&s, &r);
  g_assert_cmpuint(r.bitrate_bps, >=, 990000);
  g_assert_cmpuint(r.bitrate_bps, <=, 1010000);
  g_assert_cmpuint(r.keyframes, ==, 3);
  g_assert_cmpfloat(fabs(r.keyframe_interval_s - 2.0), <, 1e-9);
  g_assert_cmpint(r.last_packet_us, ==, 4990000);
}

static void
test_delay_histogram(void)
{
  rc_delay_histogram h = {0}, before;
  g_assert_cmpfloat(rc_delay_quantile(&h, NULL, 0.5), ==, -1); /* empty */
  for (int i = 0; i < 98; i++)
    rc_delay_add(&h, 400); /* 0.4 ms: the 0.5 ms bucket */
  rc_delay_add(&h, 8000);    /* 8 ms: the 10 ms bucket */
  rc_delay_add(&h, 2000000); /* 2 s: +Inf */
  g_assert_cmpuint(h.count, ==, 100);
  g_assert_cmpfloat_with_epsilon(h.sum_ms, 98 * 0.4 + 8 + 2000, 1e-9);
  g_assert_cmpfloat(rc_delay_quantile(&h, NULL, 0.5), ==, 0.5);
  g_assert_cmpfloat(rc_delay_quantile(&h, NULL, 0.98), ==, 0.5);
  g_assert_cmpfloat(rc_delay_quantile(&h, NULL, 0.99), ==, 10);
  g_assert_cmpfloat(rc_delay_quantile(&h, NULL, 1.0), ==, G_MAXDOUBLE);
  /* a bound itself is in its bucket (le), negative delays count as 0 */
  rc_delay_histogram b = {0};
  rc_delay_add(&b, 1000);
  g_assert_cmpfloat(rc_delay_quantile(&b, NULL, 1.0), ==, 1);
  rc_delay_add(&b, -5);
  g_assert_cmpuint(b.counts[0], ==, 1);
  /* between two snapshots: only what came after the first */
  before = h;
  for (int i = 0; i < 10; i++)
    rc_delay_add(&h, 25000); /* 25 ms: the 30 ms bucket */
  g_assert_cmpfloat(rc_delay_quantile(&h, &before, 0.5), ==, 30);
  g_assert_cmpfloat(rc_delay_quantile(&h, &before, 0.01), ==, 30);
  g_assert_cmpfloat(rc_delay_quantile(&h, &h, 0.5), ==, -1);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/media-stats/delay-histogram", test_delay_histogram);
  g_test_add_func("/media-stats/no-loss", test_no_loss);
  g_test_add_func("/media-stats/gap-and-wrap", test_gap_and_wrap);
  g_test_add_func("/media-stats/duplicates-and-reorder", test_duplicates_and_reorder);
  g_test_add_func("/media-stats/restart", test_restart);
  g_test_add_func("/media-stats/late-is-not-lost", test_late_is_not_lost);
  g_test_add_func("/media-stats/dropped-late-and-duplicated", test_dropped_late_and_duplicated);
  g_test_add_func("/media-stats/too-late-is-lost", test_too_late_is_lost);
  g_test_add_func("/media-stats/settled-is-monotonic", test_settled_is_monotonic);
  g_test_add_func("/media-stats/jitter-formula", test_jitter_formula);
  g_test_add_func("/media-stats/bitrate-and-keyframes", test_bitrate_and_keyframes);
  return g_test_run();
}
