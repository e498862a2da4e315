/* Unit tests for the lock-free SPSC audio ring: sizes, full and empty,
 * wrap-around, and a producer and a consumer thread moving 10 s worth of
 * 48 kHz frames with a checksum, in bounded time. */
#include "devices/audio-ring.h"

#include <string.h>

#define SECONDS_OF_AUDIO 10
#define RATE 48000
#define DEADLINE_US (20 * G_USEC_PER_SEC)

static void
fill(gint16 *frames, gsize n, gint16 first)
{
  for (gsize i = 0; i < n; i++)
    frames[i] = (gint16)(first + (gint16)i);
}

static void
test_capacity(void)
{
  rc_audio_ring *ring = rc_audio_ring_new(1000);
  g_assert_cmpuint(rc_audio_ring_capacity(ring), ==, 1024);
  g_assert_cmpuint(rc_audio_ring_space(ring), ==, 1024);
  g_assert_cmpuint(rc_audio_ring_available(ring), ==, 0);
  rc_audio_ring_free(ring);
  ring = rc_audio_ring_new(1024);
  g_assert_cmpuint(rc_audio_ring_capacity(ring), ==, 1024);
  rc_audio_ring_free(ring);
  ring = rc_audio_ring_new(0);
  g_assert_cmpuint(rc_audio_ring_capacity(ring), ==, 2);
  rc_audio_ring_free(ring);
}

static void
test_full_and_empty(void)
{
  rc_audio_ring *ring = rc_audio_ring_new(8);
  gint16 in[12], out[12] = { 0 };
  fill(in, G_N_ELEMENTS(in), 100);
  g_assert_cmpuint(rc_audio_ring_read(ring, out, 4), ==, 0); /* empty */
  g_assert_cmpuint(rc_audio_ring_write(ring, in, 12), ==, 8); /* only 8 fit */
  g_assert_cmpuint(rc_audio_ring_space(ring), ==, 0);
  g_assert_cmpuint(rc_audio_ring_available(ring), ==, 8);
  g_assert_cmpuint(rc_audio_ring_write(ring, in + 8, 4), ==, 0); /* full */
  g_assert_cmpuint(rc_audio_ring_write(ring, in, 0), ==, 0);
  g_assert_cmpuint(rc_audio_ring_read(ring, out, 12), ==, 8);
  g_assert_cmpmem(out, 8 * sizeof(gint16), in, 8 * sizeof(gint16));
  g_assert_cmpuint(rc_audio_ring_available(ring), ==, 0);
  g_assert_cmpuint(rc_audio_ring_space(ring), ==, 8);
  g_assert_cmpuint(rc_audio_ring_read(ring, out, 12), ==, 0);
  rc_audio_ring_free(ring);
}

static void
test_wrap_around(void)
{
  rc_audio_ring *ring = rc_audio_ring_new(16);
  gint16 in[16], out[16];
  gint16 next = 0;
  /* uneven sizes so the copy splits at every possible place in the buffer */
  for (int round = 0; round < 200; round++) {
    gsize n = 1 + (gsize)(round * 7) % 16;
    fill(in, n, next);
    g_assert_cmpuint(rc_audio_ring_write(ring, in, n), ==, n);
    g_assert_cmpuint(rc_audio_ring_available(ring), ==, n);
    memset(out, 0, sizeof out);
    gsize first = n / 2;
    g_assert_cmpuint(rc_audio_ring_read(ring, out, first), ==, first);
    g_assert_cmpuint(rc_audio_ring_read(ring, out + first, 16), ==, n - first);
    g_assert_cmpmem(out, n * sizeof(gint16), in, n * sizeof(gint16));
    next = (gint16)(next + (gint16)n);
  }
  /* fill it completely with the write starting mid-buffer */
  fill(in, 16, 5000);
  g_assert_cmpuint(rc_audio_ring_write(ring, in, 16), ==, 16);
  g_assert_cmpuint(rc_audio_ring_read(ring, out, 16), ==, 16);
  g_assert_cmpmem(out, sizeof out, in, sizeof in);
  rc_audio_ring_free(ring);
}

/* ---- two threads ------------------------------------------------------------ */

typedef struct {
  rc_audio_ring *ring;
  gsize total;
  gint64 deadline_us;
  guint64 sum; /* checksum of what this side moved */
  gsize moved;
  gsize mismatches;
} side;

/* Frame i of the stream: a position-dependent value, so a lost, repeated or
 * reordered frame shows both in the checksum and in the per-frame check. */
static gint16
frame_value(gsize i)
{
  return (gint16)((i * 2654435761u) >> 16);
}

static guint64
checksum_step(guint64 sum, gint16 v, gsize i)
{
  return sum * 31 + (guint16)v + i;
}

static gpointer
producer(gpointer data)
{
  side *p = data;
  gint16 chunk[1000];
  guint32 rng = 1;
  while (p->moved < p->total && g_get_monotonic_time() < p->deadline_us) {
    rng = rng * 1103515245u + 12345u;
    gsize n = MIN(1 + (rng >> 16) % G_N_ELEMENTS(chunk), p->total - p->moved);
    for (gsize i = 0; i < n; i++)
      chunk[i] = frame_value(p->moved + i);
    gsize done = rc_audio_ring_write(p->ring, chunk, n);
    for (gsize i = 0; i < done; i++)
      p->sum = checksum_step(p->sum, chunk[i], p->moved + i);
    p->moved += done;
    if (done < n)
      g_thread_yield();
  }
  return NULL;
}

static gpointer
consumer(gpointer data)
{
  side *c = data;
  gint16 chunk[1500];
  guint32 rng = 7;
  while (c->moved < c->total && g_get_monotonic_time() < c->deadline_us) {
    rng = rng * 1103515245u + 12345u;
    gsize n = rc_audio_ring_read(c->ring, chunk, 1 + (rng >> 16) % G_N_ELEMENTS(chunk));
    for (gsize i = 0; i < n; i++) {
      if (chunk[i] != frame_value(c->moved + i))
        c->mismatches++;
      c->sum = checksum_step(c->sum, chunk[i], c->moved + i);
    }
    c->moved += n;
    if (n == 0)
      g_thread_yield();
  }
  return NULL;
}

static void
test_threads(void)
{
  rc_audio_ring *ring = rc_audio_ring_new(RATE / 10); /* small: both sides wait often */
  gsize total = (gsize)SECONDS_OF_AUDIO * RATE;
  gint64 deadline = g_get_monotonic_time() + DEADLINE_US;
  side p = { .ring = ring, .total = total, .deadline_us = deadline };
  side c = p;
  GThread *ct = g_thread_new("consumer", consumer, &c);
  GThread *pt = g_thread_new("producer", producer, &p);
  g_thread_join(pt);
  g_thread_join(ct);
  g_assert_cmpuint(p.moved, ==, total); /* else the deadline passed */
  g_assert_cmpuint(c.moved, ==, total);
  g_assert_cmpuint(c.mismatches, ==, 0);
  g_assert_cmpuint(c.sum, ==, p.sum);
  g_assert_cmpuint(rc_audio_ring_available(ring), ==, 0);
  rc_audio_ring_free(ring);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/audio-ring/capacity", test_capacity);
  g_test_add_func("/audio-ring/full-and-empty", test_full_and_empty);
  g_test_add_func("/audio-ring/wrap-around", test_wrap_around);
  g_test_add_func("/audio-ring/threads", test_threads);
  return g_test_run();
}
