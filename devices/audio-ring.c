/* audio-ring — lock-free SPSC ring of mono S16 frames (see audio-ring.h).
 *
 * Two free-running indices: `head` counts every frame ever written (only the
 * producer stores it), `tail` every frame ever read (only the consumer stores
 * it). head - tail is what is queued, even after the indices wrap around
 * SIZE_MAX, because the capacity is a power of two and so divides 2^N. The
 * release store of an index publishes the frames copied before it; the
 * acquire load on the other side makes them visible. Each index lives on its
 * own cache line so the two sides do not slow each other down. */
#include "devices/audio-ring.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <string.h>

#define CACHE_LINE 64

struct rc_audio_ring {
  alignas(CACHE_LINE) atomic_size_t head; /* written by the producer */
  alignas(CACHE_LINE) atomic_size_t tail; /* written by the consumer */
  alignas(CACHE_LINE) gsize capacity;     /* a power of two */
  gsize mask;
  gint16 *frames;
};

rc_audio_ring *
rc_audio_ring_new(gsize min_frames)
{
  g_return_val_if_fail(min_frames <= G_MAXSIZE / 4, NULL);
  gsize capacity = 2;
  while (capacity < min_frames)
    capacity <<= 1;
  /* g_new0 does not promise 64-byte alignment; the struct asks for it */
  rc_audio_ring *ring = g_aligned_alloc0(1, sizeof(rc_audio_ring), alignof(rc_audio_ring));
  atomic_init(&ring->head, 0);
  atomic_init(&ring->tail, 0);
  /* a lock inside an atomic would make the callback side wait on the other */
  g_assert(atomic_is_lock_free(&ring->head));
  ring->capacity = capacity;
  ring->mask = capacity - 1;
  ring->frames = g_new0(gint16, capacity);
  return ring;
}

void
rc_audio_ring_free(rc_audio_ring *ring)
{
  if (!ring)
    return;
  g_free(ring->frames);
  g_aligned_free(ring);
}

gsize
rc_audio_ring_capacity(const rc_audio_ring *ring)
{
  return ring->capacity;
}

gsize
rc_audio_ring_space(rc_audio_ring *ring)
{
  gsize head = atomic_load_explicit(&ring->head, memory_order_relaxed);
  gsize tail = atomic_load_explicit(&ring->tail, memory_order_acquire);
  return ring->capacity - (head - tail);
}

gsize
rc_audio_ring_available(rc_audio_ring *ring)
{
  gsize head = atomic_load_explicit(&ring->head, memory_order_acquire);
  gsize tail = atomic_load_explicit(&ring->tail, memory_order_acquire);
  return head - tail;
}

gsize
rc_audio_ring_write(rc_audio_ring *ring, const gint16 *in, gsize frames)
{
  gsize head = atomic_load_explicit(&ring->head, memory_order_relaxed);
  gsize tail = atomic_load_explicit(&ring->tail, memory_order_acquire);
  gsize n = MIN(frames, ring->capacity - (head - tail));
  if (n == 0)
    return 0;
  gsize at = head & ring->mask;
  gsize first = MIN(n, ring->capacity - at); /* up to the end of the buffer */
  memcpy(ring->frames + at, in, first * sizeof(gint16));
  memcpy(ring->frames, in + first, (n - first) * sizeof(gint16));
  atomic_store_explicit(&ring->head, head + n, memory_order_release);
  return n;
}

gsize
rc_audio_ring_read(rc_audio_ring *ring, gint16 *out, gsize max_frames)
{
  gsize tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);
  gsize head = atomic_load_explicit(&ring->head, memory_order_acquire);
  gsize n = MIN(max_frames, head - tail);
  if (n == 0)
    return 0;
  gsize at = tail & ring->mask;
  gsize first = MIN(n, ring->capacity - at);
  memcpy(out, ring->frames + at, first * sizeof(gint16));
  memcpy(out + first, ring->frames, (n - first) * sizeof(gint16));
  atomic_store_explicit(&ring->tail, tail + n, memory_order_release);
  return n;
}
