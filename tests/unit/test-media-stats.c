/* Unit tests for per-stream statistics: RFC 3550 loss (A.1) and jitter
 * (A.8), sequence wrap-around, restarts, bitrate, keyframe interval. */
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
  g_assert_cmpint(r.lost, ==, -1);      /* RFC 3550: a duplicate makes "lost" negative */
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
  g_test_add_func("/media-stats/jitter-formula", test_jitter_formula);
  g_test_add_func("/media-stats/bitrate-and-keyframes", test_bitrate_and_keyframes);
  return g_test_run();
}
