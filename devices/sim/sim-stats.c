/* sim-stats — receive-side measurements of one program stream. */
#include "devices/sim/sim-stats.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

gint64
sim_arrival_us(struct msghdr *msg, gint64 fallback)
{
  for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      struct timespec ts;
      memcpy(&ts, CMSG_DATA(c), sizeof ts);
      return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
    }
  return fallback;
}

void
sim_seq_update(sim_seq_tracker *t, guint16 seq, guint32 timestamp,
               gint64 arrival_us, guint clock_rate)
{
  if (!t->started) {
    t->started = TRUE;
    t->max_seq = seq;
    t->base_seq = seq;
  } else {
    guint16 delta = (guint16)(seq - t->max_seq);
    if (delta != 0 && delta < 0x8000) { /* ahead of the highest, maybe wrapped */
      if (seq < t->max_seq)
        t->cycles += 65536;
      t->max_seq = seq;
    }
  }
  t->received++;
  /* Transit in clock units; only differences matter, so the clock origin
   * (and 32-bit wrap of the RTP timestamp) cancels out. */
  gint64 arrival = arrival_us / G_USEC_PER_SEC * clock_rate + arrival_us % G_USEC_PER_SEC * clock_rate / G_USEC_PER_SEC;
  gint64 transit = (gint64)(guint32)(arrival - timestamp);
  if (t->has_transit) {
    gint64 d = (gint32)(guint32)(transit - t->transit);
    if (d < 0)
      d = -d;
    /* J += (|D| - J) / 16, kept scaled by 16 */
    t->jitter16 += d - (gint64)((t->jitter16 + 8) >> 4);
  }
  t->transit = transit;
  t->has_transit = TRUE;
}

guint32
sim_seq_extended_max(const sim_seq_tracker *t)
{
  return t->cycles + t->max_seq;
}

static guint64
expected(const sim_seq_tracker *t)
{
  if (!t->started)
    return 0;
  return (guint64)t->cycles + t->max_seq - t->base_seq + 1;
}

guint64
sim_seq_lost(const sim_seq_tracker *t)
{
  guint64 e = expected(t);
  return e > t->received ? e - t->received : 0;
}

guint32
sim_seq_jitter(const sim_seq_tracker *t)
{
  return (guint32)(t->jitter16 >> 4);
}

guint8
sim_seq_take_fraction_lost(sim_seq_tracker *t)
{
  guint64 e = expected(t), exp_interval = e - t->expected_prior;
  guint64 rec_interval = t->received - t->received_prior;
  t->expected_prior = e;
  t->received_prior = t->received;
  if (exp_interval == 0 || rec_interval >= exp_interval)
    return 0;
  return (guint8)(((exp_interval - rec_interval) << 8) / exp_interval);
}

void
sim_latency_add(sim_latency_window *w, gint64 latency_us)
{
  w->samples_us[w->next] = (gint32)CLAMP(latency_us, G_MININT32, G_MAXINT32);
  w->next = (w->next + 1) % SIM_LATENCY_WINDOW;
  if (w->count < SIM_LATENCY_WINDOW)
    w->count++;
}

static int
cmp_int32(const void *a, const void *b)
{
  gint32 x = *(const gint32 *)a, y = *(const gint32 *)b;
  return (x > y) - (x < y);
}

gboolean
sim_latency_quantile(const sim_latency_window *w, double q, double *ms)
{
  if (w->count == 0)
    return FALSE;
  gint32 sorted[SIM_LATENCY_WINDOW];
  memcpy(sorted, w->samples_us, w->count * sizeof sorted[0]);
  qsort(sorted, w->count, sizeof sorted[0], cmp_int32);
  guint i = (guint)(CLAMP(q, 0.0, 1.0) * (w->count - 1) + 0.5);
  *ms = sorted[i] / 1000.0;
  return TRUE;
}
