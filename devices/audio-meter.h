/* audio-meter — the peak and RMS level of a stream of S16 samples, fed from
 * a real-time audio callback (wait-free: no locks, no allocation, no GLib
 * calls) and read by one other thread as "the level since the last reading".
 *
 * Levels are in dBFS. RMS follows AES17: it is referenced to a full-scale
 * sine, so a sine's RMS and peak read the same (−6 dBFS peak ⇒ −6 dBFS RMS).
 * Silence, or no samples at all, reads RC_AUDIO_METER_FLOOR_DB. */
#pragma once
#include <glib.h>

#define RC_AUDIO_METER_FLOOR_DB (-100.0)

typedef struct rc_audio_meter rc_audio_meter;

rc_audio_meter *rc_audio_meter_new(void);
void rc_audio_meter_free(rc_audio_meter *meter);

/* Audio thread (one writer): adds @n samples; @samples may be NULL for @n
 * samples of silence. */
void rc_audio_meter_add(rc_audio_meter *meter, const gint16 *samples, gsize n);

/* Reader (one thread): peak and RMS in dBFS of what was added since the
 * previous call. */
void rc_audio_meter_take(rc_audio_meter *meter, double *peak_db, double *rms_db);
