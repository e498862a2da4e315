/* Tests of the room audio adapter against real ALSA devices on a machine
 * without a sound card: tests/asoundrc defines a microphone that plays a
 * file and speakers that write one (ALSA's file plugin over a null PCM).
 * A 1 kHz tone at −6 dBFS goes in on one side and is checked on the other
 * for sample-exact content, frequency (zero crossings and a Goertzel filter)
 * and level.
 *
 * The null PCM has no clock, so the file plugin pipes the audio through this
 * same binary run as `test-room-audio --pace-to FILE`, which reads 48 kHz of
 * S16 mono a second and so holds the stream to real time. Every wait is
 * bounded (WAIT_US). */
#include "devices/room-audio.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#define RATE RC_ROOM_AUDIO_RATE
#define TONE_HZ 1000
#define PERIOD (RATE / TONE_HZ) /* 48 samples: the tone file loops seamlessly */
#define TONE_DB (-6.0)
#define WAIT_US (5 * G_USEC_PER_SEC)
/* A stream begins with a burst of 0.68 s (see pace_to); tests that care
 * about timing let it go by first. */
#define STARTUP_US (200 * 1000)
#define PACE_BLOCK_BYTES (RC_ROOM_AUDIO_BLOCK_FRAMES * 2)

/* devices/room-audio.mk passes the absolute path; tests/run starts tests
 * from the top of the checkout, where the relative one works too. */
#ifndef RC_TEST_ASOUNDRC
#define RC_TEST_ASOUNDRC "tests/asoundrc"
#endif

static char *tmp_dir;
static char *mic_path;
static char *speakers_path;

/* ---- the tone and how to recognise it ------------------------------------ */

static gint16
tone_sample(gsize i)
{
  double amplitude = 32768.0 * pow(10.0, TONE_DB / 20.0);
  return (gint16)lround(amplitude * sin(2.0 * G_PI * (double)(i % PERIOD) / PERIOD));
}

/* Amplitude of the @hz component of @x (Goertzel; exact for whole periods). */
static double
goertzel_amplitude(const gint16 *x, gsize n, double hz)
{
  double coeff = 2.0 * cos(2.0 * G_PI * hz / RATE), s1 = 0, s2 = 0;
  for (gsize i = 0; i < n; i++) {
    double s0 = x[i] + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return 2.0 * sqrt(MAX(power, 0.0)) / (double)n;
}

static double
zero_crossing_hz(const gint16 *x, gsize n)
{
  guint rising = 0;
  for (gsize i = 1; i < n; i++)
    if (x[i - 1] < 0 && x[i] >= 0)
      rising++;
  return rising * (double)RATE / (double)n;
}

static double
peak_db(const gint16 *x, gsize n)
{
  int peak = 0;
  for (gsize i = 0; i < n; i++)
    peak = MAX(peak, ABS((int)x[i]));
  return 20.0 * log10(peak / 32768.0);
}

/* @x holds the tone: frequency, level, and no other content. */
static void
assert_tone(const gint16 *x, gsize n)
{
  double expected = 32768.0 * pow(10.0, TONE_DB / 20.0);
  g_assert_cmpfloat_with_epsilon(zero_crossing_hz(x, n), TONE_HZ, 5.0);
  g_assert_cmpfloat_with_epsilon(goertzel_amplitude(x, n, TONE_HZ), expected, expected * 0.01);
  g_assert_cmpfloat(goertzel_amplitude(x, n, TONE_HZ / 2.0), <, expected * 0.01);
  g_assert_cmpfloat(goertzel_amplitude(x, n, TONE_HZ * 2.0), <, expected * 0.01);
  g_assert_cmpfloat_with_epsilon(peak_db(x, n), TONE_DB, 0.1);
}

/* Where the tone starts in @x after leading silence, and at which phase
 * (0..PERIOD-1) of tone_sample(); FALSE if there is no whole period of it. */
static gboolean
find_tone(const gint16 *x, gsize n, gsize *start, guint *phase)
{
  gsize k = 0;
  while (k < n && x[k] == 0)
    k++;
  for (guint p = 0; k + PERIOD <= n && p < PERIOD; p++) {
    gsize j = 0;
    while (j < PERIOD && x[k + j] == tone_sample(p + j))
      j++;
    if (j == PERIOD) {
      *start = k;
      *phase = p;
      return TRUE;
    }
  }
  return FALSE;
}

/* @x is the tone, frame for frame, from @phase on. */
static void
assert_is_tone_from(const gint16 *x, gsize n, guint phase)
{
  for (gsize i = 0; i < n; i++)
    if (x[i] != tone_sample(phase + i))
      g_error("frame %zu: %d, the tone has %d", i, x[i], tone_sample(phase + i));
}

/* ---- the pacer ------------------------------------------------------------ */

/* Copies stdin to @path at 96,000 bytes a second, so whatever writes into the
 * pipe runs at 48 kHz S16 mono. Returns at the end of its input. The writer
 * fills the pipe's 64 KiB (0.68 s) before this process has even started, so
 * the stream begins with a burst; the pipe cannot be shrunk afterwards
 * (F_SETPIPE_SZ fails while it holds more than the new size, and the writer
 * refills it at once). */
static int
pace_to(const char *path)
{
  FILE *out = fopen(path, "wb");
  if (!out)
    return 1;
  char block[PACE_BLOCK_BYTES];
  gint64 next = g_get_monotonic_time();
  for (;;) {
    gsize got = 0;
    ssize_t n = 1;
    while (got < sizeof block && (n = read(STDIN_FILENO, block + got, sizeof block - got)) > 0)
      got += (gsize)n;
    fwrite(block, 1, got, out);
    fflush(out);
    if (n <= 0)
      break;
    next += (gint64)RC_ROOM_AUDIO_BLOCK_FRAMES * G_USEC_PER_SEC / RATE;
    gint64 wait = next - g_get_monotonic_time();
    if (wait > 0)
      g_usleep((gulong)wait);
  }
  fclose(out);
  return 0;
}

/* ---- helpers ---------------------------------------------------------------- */

static gint16 *
read_speakers(gsize *frames)
{
  g_autofree char *bytes = NULL;
  gsize len = 0;
  if (!g_file_get_contents(speakers_path, &bytes, &len, NULL))
    len = 0;
  *frames = len / 2;
  gint16 *x = g_new0(gint16, *frames + 1);
  for (gsize i = 0; i < *frames; i++)
    x[i] = GINT16_FROM_LE(((gint16 *)bytes)[i]);
  return x;
}

/* The first @frames frames of tone in the speakers file, and the tone's
 * phase there; NULL while there are fewer. */
static gint16 *
speakers_tone(gsize frames, guint *phase)
{
  gsize n, start;
  g_autofree gint16 *x = read_speakers(&n);
  if (find_tone(x, n, &start, phase) && start + frames <= n)
    return g_memdup2(x + start, frames * sizeof(gint16));
  return NULL;
}

/* Waits (bounded) until the speakers file holds @frames frames of tone. */
static gint16 *
wait_for_speakers_tone(gsize frames, guint *phase)
{
  gint64 deadline = g_get_monotonic_time() + WAIT_US;
  gint16 *tone;
  while (!(tone = speakers_tone(frames, phase)) && g_get_monotonic_time() < deadline)
    g_usleep(20000);
  return tone;
}

/* Feeds the tone to the speakers from its own thread, the way the program
 * mix would: about 0.2 s ahead of real time, never more than fits. */
typedef struct {
  rc_room_audio *ra;
  gint stop;
  gsize written;
} tone_writer;

static gpointer
write_tone(gpointer data)
{
  tone_writer *w = data;
  gint16 block[RC_ROOM_AUDIO_BLOCK_FRAMES];
  gint64 start = g_get_monotonic_time();
  gint64 deadline = start + 2 * WAIT_US;
  while (!g_atomic_int_get(&w->stop) && g_get_monotonic_time() < deadline) {
    gsize due = (gsize)((g_get_monotonic_time() - start) * RATE / G_USEC_PER_SEC) + RATE / 5;
    if (w->written + G_N_ELEMENTS(block) > due) {
      g_usleep(5000);
      continue;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(block); i++)
      block[i] = tone_sample(w->written + i);
    w->written += rc_room_audio_write(w->ra, block, G_N_ELEMENTS(block));
  }
  return NULL;
}

/* Gives the next speakers stream a file of its own: a pacer left over from
 * the previous test keeps writing into the unlinked one. */
static void
reset_speakers_file(void)
{
  g_unlink(speakers_path);
}

/* ---- tests ------------------------------------------------------------------ */

static void
test_list_devices(void)
{
  g_auto(GStrv) names = rc_room_audio_list_devices();
  g_assert_true(g_strv_contains((const char *const *)names, "roomctl_mic"));
  g_assert_true(g_strv_contains((const char *const *)names, "roomctl_speakers"));
  g_assert_true(g_strv_contains((const char *const *)names, "roomctl_null"));
}

static void
test_missing_device(void)
{
  g_autoptr(GError) error = NULL;
  g_assert_null(rc_room_audio_new("no-such-mic", "", &error));
  g_assert_error(error, RC_ROOM_AUDIO_ERROR, RC_ROOM_AUDIO_ERROR_NO_DEVICE);
  g_test_message("%s", error->message);
  g_assert_nonnull(strstr(error->message, "'no-such-mic'"));
  g_assert_nonnull(strstr(error->message, "input"));
  g_assert_nonnull(strstr(error->message, "roomctl_mic (in+out)"));
  g_assert_nonnull(strstr(error->message, "roomctl_speakers"));
  g_clear_error(&error);
  /* a good input does not save a bad output, and nothing stays open */
  g_assert_null(rc_room_audio_new("roomctl_mic", "no-such-speakers", &error));
  g_assert_error(error, RC_ROOM_AUDIO_ERROR, RC_ROOM_AUDIO_ERROR_NO_DEVICE);
  g_assert_nonnull(strstr(error->message, "output device matches 'no-such-speakers'"));
  g_clear_error(&error);
  g_assert_null(rc_room_audio_new("", NULL, &error));
  g_assert_error(error, RC_ROOM_AUDIO_ERROR, RC_ROOM_AUDIO_ERROR_INVALID);
}

static void
test_capture_tone(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(rc_room_audio) ra = rc_room_audio_new("mic", "", &error); /* partial name */
  g_assert_no_error(error);
  g_assert_cmpstr(rc_room_audio_input_device(ra), ==, "roomctl_mic");
  g_assert_cmpstr(rc_room_audio_output_device(ra), ==, "");
  gsize want = RATE / 2, n = 0;
  g_autofree gint16 *got = g_new0(gint16, want);
  gint64 deadline = g_get_monotonic_time() + WAIT_US;
  while (n < want && g_get_monotonic_time() < deadline) {
    n += rc_room_audio_read(ra, got + n, want - n);
    if (n < want)
      g_usleep(10000);
  }
  g_assert_cmpuint(n, ==, want);
  assert_is_tone_from(got, n, 0); /* the file, frame for frame */
  assert_tone(got, n);
  rc_room_audio_stats levels;
  rc_room_audio_levels(ra, &levels);
  g_assert_true(levels.input_running);
  g_assert_false(levels.output_running);
  g_assert_cmpfloat_with_epsilon(levels.input_peak_db, TONE_DB, 0.1);
  g_assert_cmpfloat_with_epsilon(levels.input_rms_db, TONE_DB, 0.1);
  g_assert_cmpfloat(levels.output_peak_db, ==, RC_ROOM_AUDIO_FLOOR_DB);
  g_assert_cmpuint(levels.input_overruns, ==, 0);
  g_assert_cmpuint(levels.input_dropped_frames, ==, 0);
}

static void
test_playback_tone(void)
{
  g_autoptr(GError) error = NULL;
  reset_speakers_file();
  g_autoptr(rc_room_audio) ra = rc_room_audio_new("", "roomctl_speakers", &error);
  g_assert_no_error(error);
  g_usleep(STARTUP_US);
  tone_writer w = { .ra = ra };
  GThread *writer = g_thread_new("program", write_tone, &w);
  guint phase = 0;
  g_autofree gint16 *played = wait_for_speakers_tone(RATE / 2, &phase);
  rc_room_audio_stats levels;
  rc_room_audio_levels(ra, &levels); /* starts a tone-only interval */
  g_usleep(300000);
  rc_room_audio_levels(ra, &levels);
  g_atomic_int_set(&w.stop, 1);
  g_thread_join(writer);
  g_assert_nonnull(played);
  assert_is_tone_from(played, RATE / 2, phase);
  assert_tone(played, RATE / 2);
  g_assert_true(levels.output_running);
  g_assert_cmpfloat_with_epsilon(levels.output_peak_db, TONE_DB, 0.1);
  g_assert_cmpfloat_with_epsilon(levels.output_rms_db, TONE_DB, 0.1);
  g_assert_cmpfloat(levels.input_rms_db, ==, RC_ROOM_AUDIO_FLOOR_DB);
  g_assert_cmpuint(levels.output_underruns, ==, 0);
  g_assert_cmpuint(levels.output_dropped_frames, ==, 0);
}

/* The microphone into the speakers through one adapter: both directions at
 * once, each on its own stream. Like the program mix, the loop holds 100 ms
 * before it passes audio on, to ride out the jitter between the clocks. */
static void
test_loopback(void)
{
  g_autoptr(GError) error = NULL;
  reset_speakers_file();
  g_autoptr(rc_room_audio) ra = rc_room_audio_new("roomctl_mic", "roomctl_speakers", &error);
  g_assert_no_error(error);
  gsize size = 4 * RATE, got = 0, put = 0;
  g_autofree gint16 *buffer = g_new(gint16, size);
  g_usleep(STARTUP_US);
  while (rc_room_audio_read(ra, buffer, size) > 0) /* the start-up burst */
    ;
  g_autofree gint16 *played = NULL;
  guint phase = 0;
  gint64 deadline = g_get_monotonic_time() + WAIT_US;
  for (guint i = 0; !played && got < size && g_get_monotonic_time() < deadline; i++) {
    got += rc_room_audio_read(ra, buffer + got, size - got);
    if (got >= RATE / 10)
      put += rc_room_audio_write(ra, buffer + put, got - put);
    if (i % 4 == 0)
      played = speakers_tone(RATE / 2, &phase);
    g_usleep(5000);
  }
  g_assert_nonnull(played);
  assert_is_tone_from(played, RATE / 2, phase);
  rc_room_audio_stats levels;
  rc_room_audio_levels(ra, &levels);
  g_assert_cmpfloat_with_epsilon(levels.input_peak_db, TONE_DB, 0.1);
  g_assert_cmpfloat_with_epsilon(levels.output_peak_db, TONE_DB, 0.1);
  g_assert_cmpuint(levels.input_dropped_frames, ==, 0);
  g_assert_cmpuint(levels.output_dropped_frames, ==, 0);
  g_assert_cmpuint(levels.output_underruns, ==, 0);
}

/* A reader that falls behind loses frames, counted; a program that stops
 * costs one underrun, not one per block of the silence that follows. */
static void
test_xruns(void)
{
  g_autoptr(GError) error = NULL;
  reset_speakers_file();
  g_autoptr(rc_room_audio) ra = rc_room_audio_new("roomctl_mic", "roomctl_speakers", &error);
  g_assert_no_error(error);
  g_usleep(STARTUP_US);
  gint16 tone[RATE / 5];
  for (gsize i = 0; i < G_N_ELEMENTS(tone); i++)
    tone[i] = tone_sample(i);
  g_assert_cmpuint(rc_room_audio_write(ra, tone, G_N_ELEMENTS(tone)), ==, G_N_ELEMENTS(tone));
  rc_room_audio_stats levels;
  gint64 deadline = g_get_monotonic_time() + WAIT_US;
  do { /* nobody reads the microphone meanwhile */
    g_usleep(50000);
    rc_room_audio_levels(ra, &levels);
  } while ((levels.input_overruns == 0 || levels.output_underruns == 0) &&
           g_get_monotonic_time() < deadline);
  g_assert_cmpuint(levels.input_overruns, >, 0);
  g_assert_cmpuint(levels.input_dropped_frames, >=, levels.input_overruns);
  g_assert_cmpuint(levels.output_underruns, ==, 1);
  g_usleep(300000); /* 15 blocks of silence */
  rc_room_audio_levels(ra, &levels);
  g_assert_cmpuint(levels.output_underruns, ==, 1);
  g_assert_cmpfloat(levels.output_peak_db, ==, RC_ROOM_AUDIO_FLOOR_DB);
  g_assert_cmpfloat(levels.output_rms_db, ==, RC_ROOM_AUDIO_FLOOR_DB);
  g_assert_true(levels.input_running && levels.output_running);
  /* more than the queue holds (0.5 s): the rest is refused and counted */
  g_autofree gint16 *lots = g_new0(gint16, RATE);
  gsize queued = rc_room_audio_write(ra, lots, RATE);
  g_assert_cmpuint(queued, <=, RATE / 2);
  rc_room_audio_levels(ra, &levels);
  g_assert_cmpuint(levels.output_dropped_frames, ==, RATE - queued);
}

/* ---- setup ------------------------------------------------------------------ */

static void
setup_files(void)
{
  g_autoptr(GError) error = NULL;
  tmp_dir = g_dir_make_tmp("roomctl-room-audio-XXXXXX", &error);
  g_assert_no_error(error);
  mic_path = g_build_filename(tmp_dir, "mic.raw", NULL);
  speakers_path = g_build_filename(tmp_dir, "speakers.raw", NULL);
  gint16 tone[RATE]; /* one second: 1000 whole periods */
  for (gsize i = 0; i < RATE; i++)
    tone[i] = GINT16_TO_LE(tone_sample(i));
  g_file_set_contents(mic_path, (const char *)tone, sizeof tone, &error);
  g_assert_no_error(error);
}

/* ALSA reads these when a PCM is opened; PortAudio opens them all in
 * Pa_Initialize, so they are set before any test runs. */
static void
setup_alsa(void)
{
  g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
  g_assert_nonnull(self);
  g_autofree char *quoted_self = g_shell_quote(self);
  g_autofree char *quoted_speakers = g_shell_quote(speakers_path);
  g_autofree char *to_speakers = g_strdup_printf("| exec %s --pace-to %s", quoted_self, quoted_speakers);
  g_autofree char *to_nowhere = g_strdup_printf("| exec %s --pace-to /dev/null", quoted_self);
  g_autofree char *asoundrc = g_canonicalize_filename(RC_TEST_ASOUNDRC, NULL);
  g_assert_true(g_file_test(asoundrc, G_FILE_TEST_IS_REGULAR));
  g_setenv("ALSA_CONFIG_PATH", asoundrc, TRUE);
  g_setenv("ROOMCTL_TEST_MIC_IN", mic_path, TRUE);
  g_setenv("ROOMCTL_TEST_MIC_SINK", to_nowhere, TRUE);
  g_setenv("ROOMCTL_TEST_SPEAKERS_OUT", to_speakers, TRUE);
}

static void
remove_files(void)
{
  g_unlink(mic_path);
  g_unlink(speakers_path);
  g_rmdir(tmp_dir);
  g_free(mic_path);
  g_free(speakers_path);
  g_free(tmp_dir);
}

int
main(int argc, char **argv)
{
  if (argc == 3 && strcmp(argv[1], "--pace-to") == 0)
    return pace_to(argv[2]);
  g_test_init(&argc, &argv, NULL);
  setup_files();
  setup_alsa();
  /* the adapter's over/underrun warnings are reports, not failures: the
   * tests assert the counters where they matter */
  g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_add_func("/room-audio/list-devices", test_list_devices);
  g_test_add_func("/room-audio/missing-device", test_missing_device);
  g_test_add_func("/room-audio/capture-tone", test_capture_tone);
  g_test_add_func("/room-audio/playback-tone", test_playback_tone);
  g_test_add_func("/room-audio/loopback", test_loopback);
  g_test_add_func("/room-audio/xruns", test_xruns);
  int status = g_test_run();
  remove_files();
  return status;
}
