/* audio-meter — lock-free level meter (see audio-meter.h).
 *
 * The writer keeps running totals of samples and of squared samples; the
 * reader remembers the totals it saw last and takes the difference, so
 * nothing is ever reset under the writer's feet. The two totals must be read
 * as a pair, which a sequence counter (seqlock) guarantees: the writer makes
 * it odd while it updates them, and the reader retries when it saw an odd or
 * changed count. The writer never waits. 64-bit totals wrap after days of
 * full-scale audio; unsigned differences stay right across the wrap.
 * The peak is simpler: the writer raises it, the reader swaps in zero. */
#include "devices/audio-meter.h"

#include <math.h>
#include <stdatomic.h>

struct rc_audio_meter {
  atomic_uint seq;
  atomic_uint_least64_t samples;
  atomic_uint_least64_t sum_squares;
  atomic_uint peak; /* largest |sample| since the last take */
  /* reader's own */
  guint64 taken_samples;
  guint64 taken_sum_squares;
};

rc_audio_meter *
rc_audio_meter_new(void)
{
  rc_audio_meter *m = g_new0(rc_audio_meter, 1);
  atomic_init(&m->seq, 0);
  atomic_init(&m->samples, 0);
  atomic_init(&m->sum_squares, 0);
  atomic_init(&m->peak, 0);
  return m;
}

void
rc_audio_meter_free(rc_audio_meter *m)
{
  g_free(m);
}

static void
raise_peak(rc_audio_meter *m, unsigned peak)
{
  unsigned seen = atomic_load_explicit(&m->peak, memory_order_relaxed);
  while (peak > seen &&
         !atomic_compare_exchange_weak_explicit(&m->peak, &seen, peak, memory_order_relaxed,
                                                memory_order_relaxed))
    ;
}

void
rc_audio_meter_add(rc_audio_meter *m, const gint16 *samples, gsize n)
{
  guint64 sum = 0;
  unsigned peak = 0;
  for (gsize i = 0; samples && i < n; i++) {
    int s = samples[i];
    unsigned a = (unsigned)(s < 0 ? -s : s);
    sum += a * a;
    peak = a > peak ? a : peak;
  }
  unsigned seq = atomic_load_explicit(&m->seq, memory_order_relaxed);
  atomic_store_explicit(&m->seq, seq + 1, memory_order_relaxed);
  atomic_thread_fence(memory_order_release);
  atomic_store_explicit(&m->samples, atomic_load_explicit(&m->samples, memory_order_relaxed) + n,
                        memory_order_relaxed);
  atomic_store_explicit(&m->sum_squares,
                        atomic_load_explicit(&m->sum_squares, memory_order_relaxed) + sum,
                        memory_order_relaxed);
  atomic_store_explicit(&m->seq, seq + 2, memory_order_release);
  raise_peak(m, peak);
}

static double
to_db(double value)
{
  if (value <= 0)
    return RC_AUDIO_METER_FLOOR_DB;
  return MAX(20.0 * log10(value / 32768.0), RC_AUDIO_METER_FLOOR_DB);
}

void
rc_audio_meter_take(rc_audio_meter *m, double *peak_db, double *rms_db)
{
  unsigned before, after;
  guint64 samples, sum_squares;
  do {
    before = atomic_load_explicit(&m->seq, memory_order_acquire);
    samples = atomic_load_explicit(&m->samples, memory_order_relaxed);
    sum_squares = atomic_load_explicit(&m->sum_squares, memory_order_relaxed);
    atomic_thread_fence(memory_order_acquire);
    after = atomic_load_explicit(&m->seq, memory_order_relaxed);
  } while (before != after || (before & 1));
  unsigned peak = atomic_exchange_explicit(&m->peak, 0, memory_order_relaxed);
  guint64 n = samples - m->taken_samples;
  guint64 sum = sum_squares - m->taken_sum_squares;
  m->taken_samples = samples;
  m->taken_sum_squares = sum_squares;
  *peak_db = to_db(peak);
  /* AES17: a sine's RMS is peak/√2, so √2 brings it to the peak's scale */
  *rms_db = n ? to_db(sqrt((double)sum / (double)n) * G_SQRT2) : RC_AUDIO_METER_FLOOR_DB;
}
