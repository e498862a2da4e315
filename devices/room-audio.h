/* room-audio — the hall's own audio through PortAudio: the microphone feed
 * that goes into the program mix, and the remote program played on the hall
 * speakers. Owns one PortAudio stream per direction (the two devices may run
 * on different clocks) and a preallocated lock-free ring per direction; the
 * PortAudio callbacks only copy between the device buffers and the rings and
 * measure levels. Audio is 48 kHz mono S16 on this side; PortAudio converts
 * it to the sample format the device takes (16-, 24-, 32-bit, float), and
 * its ALSA side opens a device that refuses mono with its minimum channels.
 * There is no clock-drift correction: when the program's clock and the
 * speakers' differ, the speaker queue slowly fills (frames dropped, counted)
 * or empties (one 40 ms gap, counted).
 *
 * Threads: _new, _free, _list_devices and _levels on the main loop
 * (PortAudio's setup is not thread-safe); _read on one consumer thread (the
 * program mix's microphone feed, not the main loop: a stall there must not
 * be a gap in the hall's voice); _write on one producer thread. Over- and
 * underruns are counted in the callbacks and logged from _levels, which the
 * media calls twice a second while a session is live. */
#pragma once
#include <glib.h>

#define RC_ROOM_AUDIO_RATE 48000
#define RC_ROOM_AUDIO_BLOCK_FRAMES 960 /* 20 ms */
/* Level of silence, or of a direction that is not open. */
#define RC_ROOM_AUDIO_FLOOR_DB (-100.0)

#define RC_ROOM_AUDIO_ERROR rc_room_audio_error_quark()
GQuark rc_room_audio_error_quark(void);

typedef enum {
  RC_ROOM_AUDIO_ERROR_NO_DEVICE, /* no device by that name, or none in that direction */
  RC_ROOM_AUDIO_ERROR_OPEN,      /* PortAudio could not open or start it */
  RC_ROOM_AUDIO_ERROR_INVALID,   /* neither direction asked for */
} rc_room_audio_error_code;

typedef struct rc_room_audio rc_room_audio;

/* What rc_room_audio_levels() reports. (Not "rc_room_audio_levels": a type
 * and a function cannot share a name in C.) */
typedef struct {
  /* dBFS since the previous call; RMS per AES17 (a sine reads its peak).
   * Output is what the speakers got, underrun silence included. */
  double input_peak_db, input_rms_db;
  double output_peak_db, output_rms_db;
  /* the direction is open and PortAudio still runs it */
  gboolean input_running, output_running;
  /* counters since rc_room_audio_new */
  guint64 input_overruns;          /* callbacks whose frames did not all fit: the reader is late */
  guint64 input_dropped_frames;    /* captured frames lost to those */
  guint64 input_device_overflows;  /* the device lost input before the callback (PortAudio flag) */
  guint64 output_underruns;        /* times the speakers ran dry mid-play (silence filled in) */
  guint64 output_dropped_frames;   /* frames rc_room_audio_write could not queue */
  guint64 output_device_underflows; /* the device ran dry before the callback (PortAudio flag) */
} rc_room_audio_stats;

/* Opens the PortAudio devices whose names contain @input_name / @output_name
 * (an exact name wins over a partial one; "" or NULL = none for that
 * direction), 48 kHz mono, 20 ms blocks, and starts them. On error, NULL
 * with RC_ROOM_AUDIO_ERROR naming the device and listing the devices found.
 * (transfer full) */
rc_room_audio *rc_room_audio_new(const char *input_name, const char *output_name, GError **error);
/* Stops and closes the devices. The producer must have stopped writing. */
void rc_room_audio_free(rc_room_audio *ra);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(rc_room_audio, rc_room_audio_free)

/* The full names of the devices opened ("" when none). (transfer none) */
const char *rc_room_audio_input_device(rc_room_audio *ra);
const char *rc_room_audio_output_device(rc_room_audio *ra);

/* Consumer thread: captured microphone frames, oldest first. Copies up to
 * @max_frames S16 mono frames into @out; returns how many (0 when nothing
 * is waiting or there is no input). Never blocks. When the reader falls more
 * than ~1.3 s behind, the newest frames are dropped and counted. */
gsize rc_room_audio_read(rc_room_audio *ra, gint16 *out, gsize max_frames);

/* Producer thread: program frames for the speakers. Queues up to @frames
 * frames (at most ~0.5 s may be queued); returns how many fitted. The rest is
 * dropped and counted. Playback (re)starts once 40 ms are queued, so a late
 * producer costs one gap rather than a gap per block. Never blocks. Returns
 * 0 (and counts nothing) when there are no speakers. */
gsize rc_room_audio_write(rc_room_audio *ra, const gint16 *in, gsize frames);

/* Consumer thread: levels since the previous call, run state and counters.
 * Logs over/underruns that happened since the last report (at most once per
 * counter every 10 s). */
void rc_room_audio_levels(rc_room_audio *ra, rc_room_audio_stats *out);

/* The names of the devices PortAudio sees, in its order, for the config and
 * for error messages; empty when PortAudio cannot start. PortAudio looks for
 * devices when it starts, so one plugged in later shows up only once no
 * rc_room_audio is open. Main loop only. (transfer full) */
GStrv rc_room_audio_list_devices(void);
