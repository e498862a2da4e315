/* room-audio — the hall microphone and speakers through PortAudio (see
 * room-audio.h). Owns the two PortAudio streams, their rings and meters.
 *
 * The callbacks run on PortAudio's audio threads. They only copy between the
 * device buffer and a ring allocated before the stream started, feed the
 * meter, and bump atomic counters: no allocation, no locks, no GLib calls,
 * no logging. Everything that talks to the rest of roomctl (logging, the
 * device list, errors) happens on the caller's threads. */
#define G_LOG_DOMAIN "roomctl-room-audio"
#include "devices/room-audio.h"

#include <portaudio.h>
#include <stdatomic.h>
#include <string.h>

#include "devices/audio-meter.h"
#include "devices/audio-ring.h"

#define RING_FRAMES RC_ROOM_AUDIO_RATE                    /* ≥ 1 s each way */
#define OUTPUT_MAX_QUEUED (RC_ROOM_AUDIO_RATE / 2)        /* bounds speaker latency */
#define OUTPUT_PREFILL (2 * RC_ROOM_AUDIO_BLOCK_FRAMES)   /* absorbs producer jitter */
#define MIN_LATENCY_S 0.040
#define REPORT_INTERVAL_US (10 * G_USEC_PER_SEC)

G_DEFINE_QUARK(rc-room-audio-error-quark, rc_room_audio_error)

/* When a counter was last logged, and at what value. */
typedef struct {
  guint64 value;
  gint64 at_us;
} report;

/* One direction: a stream and what its callback touches. */
typedef struct {
  char *device;        /* PortAudio's name for it; NULL = direction unused */
  PaStream *stream;
  rc_audio_ring *ring; /* input: callback → reader; output: writer → callback */
  rc_audio_meter *meter;
  gboolean playing;    /* output callback only: FALSE while refilling */
  atomic_uint_least64_t xruns;        /* input overruns / output underruns */
  atomic_uint_least64_t dropped;      /* frames lost to a full ring */
  atomic_uint_least64_t device_xruns; /* PortAudio's over/underflow flags */
  /* reader's own */
  report reported_xruns, reported_dropped, reported_device_xruns;
  gboolean reported_stopped;
} direction;

struct rc_room_audio {
  direction in, out;
  gboolean pa_initialized;
};

/* ---- callbacks (audio threads) --------------------------------------------- */

static int
capture_cb(const void *input, void *output, unsigned long frames,
           const PaStreamCallbackTimeInfo *time, PaStreamCallbackFlags flags, void *user)
{
  (void)output;
  (void)time;
  direction *d = user;
  if (flags & paInputOverflow)
    atomic_fetch_add_explicit(&d->device_xruns, 1, memory_order_relaxed);
  rc_audio_meter_add(d->meter, input, frames);
  if (!input)
    return paContinue;
  gsize fitted = rc_audio_ring_write(d->ring, input, frames);
  if (fitted < frames) {
    atomic_fetch_add_explicit(&d->xruns, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&d->dropped, frames - fitted, memory_order_relaxed);
  }
  return paContinue;
}

static int
playback_cb(const void *input, void *output, unsigned long frames,
            const PaStreamCallbackTimeInfo *time, PaStreamCallbackFlags flags, void *user)
{
  (void)input;
  (void)time;
  direction *d = user;
  gint16 *out = output;
  gsize got = 0;
  if (flags & paOutputUnderflow)
    atomic_fetch_add_explicit(&d->device_xruns, 1, memory_order_relaxed);
  if (!d->playing && rc_audio_ring_available(d->ring) >= MAX(OUTPUT_PREFILL, frames))
    d->playing = TRUE;
  if (d->playing) {
    got = rc_audio_ring_read(d->ring, out, frames);
    if (got < frames) {
      d->playing = FALSE;
      atomic_fetch_add_explicit(&d->xruns, 1, memory_order_relaxed);
    }
  }
  memset(out + got, 0, (frames - got) * sizeof(gint16));
  rc_audio_meter_add(d->meter, out, frames);
  return paContinue;
}

/* ---- devices --------------------------------------------------------------- */

static int
device_channels(const PaDeviceInfo *info, gboolean input)
{
  return input ? info->maxInputChannels : info->maxOutputChannels;
}

/* An exact name first, then the first name containing @name; only devices
 * with channels in that direction. */
static PaDeviceIndex
find_device(const char *name, gboolean input)
{
  PaDeviceIndex partial = paNoDevice;
  for (PaDeviceIndex i = 0; i < Pa_GetDeviceCount(); i++) {
    const PaDeviceInfo *info = Pa_GetDeviceInfo(i);
    if (!info || device_channels(info, input) < 1)
      continue;
    if (strcmp(info->name, name) == 0)
      return i;
    if (partial == paNoDevice && strstr(info->name, name))
      partial = i;
  }
  return partial;
}

/* "mic (in), speakers (out), default (in+out)" or "none" */
static char *
describe_devices(void)
{
  g_autoptr(GString) s = g_string_new(NULL);
  for (PaDeviceIndex i = 0; i < Pa_GetDeviceCount(); i++) {
    const PaDeviceInfo *info = Pa_GetDeviceInfo(i);
    if (!info)
      continue;
    gboolean in = info->maxInputChannels > 0, out = info->maxOutputChannels > 0;
    g_string_append_printf(s, "%s%s (%s)", s->len ? ", " : "", info->name,
                           in && out ? "in+out" : in ? "in" : out ? "out" : "no channels");
  }
  return s->len ? g_string_free(g_steal_pointer(&s), FALSE) : g_strdup("none");
}

GStrv
rc_room_audio_list_devices(void)
{
  g_autoptr(GStrvBuilder) names = g_strv_builder_new();
  if (Pa_Initialize() != paNoError)
    return g_strv_builder_end(names);
  for (PaDeviceIndex i = 0; i < Pa_GetDeviceCount(); i++) {
    const PaDeviceInfo *info = Pa_GetDeviceInfo(i);
    if (info)
      g_strv_builder_add(names, info->name);
  }
  Pa_Terminate();
  return g_strv_builder_end(names);
}

/* ---- opening and closing ----------------------------------------------------- */

static void
set_pa_error(GError **error, const char *device, const char *what, PaError err)
{
  const PaHostErrorInfo *host = err == paUnanticipatedHostError ? Pa_GetLastHostErrorInfo() : NULL;
  g_set_error(error, RC_ROOM_AUDIO_ERROR, RC_ROOM_AUDIO_ERROR_OPEN, "room audio '%s': cannot %s: %s%s%s",
              device, what, Pa_GetErrorText(err), host && host->errorText ? ": " : "",
              host && host->errorText ? host->errorText : "");
}

static gboolean
start_stream(direction *d, PaDeviceIndex index, gboolean input, GError **error)
{
  const PaDeviceInfo *info = Pa_GetDeviceInfo(index);
  PaStreamParameters params = {
    .device = index,
    .channelCount = 1,
    .sampleFormat = paInt16,
    .suggestedLatency = MAX(input ? info->defaultLowInputLatency : info->defaultLowOutputLatency,
                            MIN_LATENCY_S),
  };
  PaError err = Pa_OpenStream(&d->stream, input ? &params : NULL, input ? NULL : &params,
                              RC_ROOM_AUDIO_RATE, RC_ROOM_AUDIO_BLOCK_FRAMES, paClipOff | paDitherOff,
                              input ? capture_cb : playback_cb, d);
  if (err != paNoError) {
    d->stream = NULL;
    set_pa_error(error, d->device, input ? "open it for input" : "open it for output", err);
    return FALSE;
  }
  err = Pa_StartStream(d->stream);
  if (err != paNoError) {
    set_pa_error(error, d->device, "start it", err);
    return FALSE;
  }
  return TRUE;
}

static void
direction_init(direction *d)
{
  atomic_init(&d->xruns, 0);
  atomic_init(&d->dropped, 0);
  atomic_init(&d->device_xruns, 0);
}

static gboolean
open_direction(direction *d, const char *name, gboolean input, GError **error)
{
  PaDeviceIndex index = find_device(name, input);
  if (index == paNoDevice) {
    g_autofree char *found = describe_devices();
    g_set_error(error, RC_ROOM_AUDIO_ERROR, RC_ROOM_AUDIO_ERROR_NO_DEVICE,
                "room audio: no %s device matches '%s'; PortAudio sees: %s", input ? "input" : "output",
                name, found);
    return FALSE;
  }
  d->device = g_strdup(Pa_GetDeviceInfo(index)->name);
  /* everything the callback touches exists before the stream does */
  d->ring = rc_audio_ring_new(RING_FRAMES);
  d->meter = rc_audio_meter_new();
  return start_stream(d, index, input, error);
}

static void
close_direction(direction *d)
{
  if (d->stream) {
    /* Stop, not Abort: aborting cancels the audio thread, possibly inside
     * ALSA with its lock held, and the close that follows could hang. */
    if (Pa_IsStreamStopped(d->stream) == 0)
      Pa_StopStream(d->stream);
    Pa_CloseStream(d->stream);
  }
  rc_audio_ring_free(d->ring);
  rc_audio_meter_free(d->meter);
  g_free(d->device);
}

rc_room_audio *
rc_room_audio_new(const char *input_name, const char *output_name, GError **error)
{
  gboolean want_in = input_name && *input_name, want_out = output_name && *output_name;
  if (!want_in && !want_out) {
    g_set_error(error, RC_ROOM_AUDIO_ERROR, RC_ROOM_AUDIO_ERROR_INVALID,
                "room audio: neither an input nor an output device given");
    return NULL;
  }
  PaError err = Pa_Initialize();
  if (err != paNoError) {
    set_pa_error(error, "PortAudio", "initialise", err);
    return NULL;
  }
  g_autoptr(rc_room_audio) ra = g_new0(rc_room_audio, 1);
  ra->pa_initialized = TRUE;
  direction_init(&ra->in);
  direction_init(&ra->out);
  if (want_in && !open_direction(&ra->in, input_name, TRUE, error))
    return NULL;
  if (want_out && !open_direction(&ra->out, output_name, FALSE, error))
    return NULL;
  g_message("room audio: microphone %s%s%s, speakers %s%s%s, %d Hz mono, %d-frame blocks",
            want_in ? "'" : "", want_in ? ra->in.device : "none", want_in ? "'" : "",
            want_out ? "'" : "", want_out ? ra->out.device : "none", want_out ? "'" : "",
            RC_ROOM_AUDIO_RATE, RC_ROOM_AUDIO_BLOCK_FRAMES);
  return g_steal_pointer(&ra);
}

void
rc_room_audio_free(rc_room_audio *ra)
{
  if (!ra)
    return;
  close_direction(&ra->in);
  close_direction(&ra->out);
  if (ra->pa_initialized)
    Pa_Terminate();
  g_free(ra);
}

const char *
rc_room_audio_input_device(rc_room_audio *ra)
{
  return ra->in.device ? ra->in.device : "";
}

const char *
rc_room_audio_output_device(rc_room_audio *ra)
{
  return ra->out.device ? ra->out.device : "";
}

/* ---- data and levels (caller threads) ------------------------------------- */

/* Logs @count if it moved since the last report, at most every 10 s. */
static void
report_counter(report *r, guint64 count, const char *device, const char *what)
{
  if (count == r->value)
    return;
  gint64 now = g_get_monotonic_time();
  if (r->at_us && now - r->at_us < REPORT_INTERVAL_US)
    return;
  g_warning("room audio '%s': %s: %" G_GUINT64_FORMAT " (+%" G_GUINT64_FORMAT " since last report)",
            device, what, count, count - r->value);
  r->value = count;
  r->at_us = now;
}

static gboolean
direction_running(direction *d)
{
  return d->stream && Pa_IsStreamActive(d->stream) == 1;
}

/* Logs what went wrong in @d since the last report. */
static void
report_direction(direction *d, gboolean input)
{
  if (!d->device)
    return;
  gboolean running = direction_running(d);
  report_counter(&d->reported_xruns, atomic_load(&d->xruns), d->device,
                 input ? "overruns, reader late" : "underruns, program late");
  report_counter(&d->reported_dropped, atomic_load(&d->dropped), d->device,
                 input ? "microphone frames dropped" : "program frames dropped, writer ahead");
  report_counter(&d->reported_device_xruns, atomic_load(&d->device_xruns), d->device,
                 input ? "device input overflows" : "device output underflows");
  if (!running && !d->reported_stopped)
    g_warning("room audio '%s': %s stream stopped", d->device, input ? "input" : "output");
  d->reported_stopped = !running;
}

gsize
rc_room_audio_read(rc_room_audio *ra, gint16 *out, gsize max_frames)
{
  if (!ra->in.stream)
    return 0;
  return rc_audio_ring_read(ra->in.ring, out, max_frames);
}

gsize
rc_room_audio_write(rc_room_audio *ra, const gint16 *in, gsize frames)
{
  if (!ra->out.stream)
    return 0;
  gsize queued = rc_audio_ring_available(ra->out.ring);
  gsize room = queued < OUTPUT_MAX_QUEUED ? OUTPUT_MAX_QUEUED - queued : 0;
  gsize n = rc_audio_ring_write(ra->out.ring, in, MIN(frames, room));
  if (n < frames)
    atomic_fetch_add_explicit(&ra->out.dropped, frames - n, memory_order_relaxed);
  return n;
}

static void
direction_levels(direction *d, double *peak_db, double *rms_db)
{
  if (d->meter) {
    rc_audio_meter_take(d->meter, peak_db, rms_db);
  } else {
    *peak_db = RC_ROOM_AUDIO_FLOOR_DB;
    *rms_db = RC_ROOM_AUDIO_FLOOR_DB;
  }
}

void
rc_room_audio_levels(rc_room_audio *ra, rc_room_audio_stats *out)
{
  report_direction(&ra->in, TRUE);
  report_direction(&ra->out, FALSE);
  direction_levels(&ra->in, &out->input_peak_db, &out->input_rms_db);
  direction_levels(&ra->out, &out->output_peak_db, &out->output_rms_db);
  out->input_running = direction_running(&ra->in);
  out->output_running = direction_running(&ra->out);
  out->input_overruns = atomic_load(&ra->in.xruns);
  out->input_dropped_frames = atomic_load(&ra->in.dropped);
  out->input_device_overflows = atomic_load(&ra->in.device_xruns);
  out->output_underruns = atomic_load(&ra->out.xruns);
  out->output_dropped_frames = atomic_load(&ra->out.dropped);
  out->output_device_underflows = atomic_load(&ra->out.device_xruns);
}
