/* audio-ring — a lock-free single-producer/single-consumer ring of mono
 * S16 frames: how audio crosses between a PortAudio callback and the rest of
 * roomctl. The producer and the consumer may each be a different thread;
 * neither ever blocks, allocates or takes a lock, so either side may be a
 * real-time audio callback. Exactly one thread writes and one thread reads
 * at a time; everything else about the ring is fixed at creation. */
#pragma once
#include <glib.h>

typedef struct rc_audio_ring rc_audio_ring;

/* A ring holding at least @min_frames frames (rounded up to a power of two,
 * at least 2). (transfer full) */
rc_audio_ring *rc_audio_ring_new(gsize min_frames);
/* Nobody may be reading or writing any more. */
void rc_audio_ring_free(rc_audio_ring *ring);
gsize rc_audio_ring_capacity(const rc_audio_ring *ring);

/* Producer side. Copies up to @frames frames from @in; returns how many fitted
 * (fewer when the ring is full; the rest is the caller's to drop or keep). */
gsize rc_audio_ring_write(rc_audio_ring *ring, const gint16 *in, gsize frames);
/* Frames that would fit now; for the producer, a lower bound (the consumer
 * may free more at any time). */
gsize rc_audio_ring_space(rc_audio_ring *ring);

/* Consumer side. Copies up to @max_frames frames into @out and removes them;
 * returns how many. */
gsize rc_audio_ring_read(rc_audio_ring *ring, gint16 *out, gsize max_frames);
/* Frames waiting now. For the consumer a lower bound (more may arrive); for
 * the producer an upper bound (the consumer may take some at any time). */
gsize rc_audio_ring_available(rc_audio_ring *ring);
