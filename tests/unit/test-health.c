/* Unit tests for the site health state machine and alarm hysteresis. */
#include "model/health.h"

static const rc_health_thresholds T = {
  .loss_percent = 5, .jitter_ms = 50, .offline_seconds = 2, .freeze_seconds = 2, .freeze_kbps = 30,
  .keyframe_seconds = 10, .silence_seconds = 3, .silence_kbps = 12, .clear_seconds = 5,
};

/* A healthy site at tick @t: 100 packets a second, no loss. */
static rc_health_input
good(gint64 id, double t)
{
  return (rc_health_input){.site_id = id, .have_video = TRUE, .have_audio = TRUE, .video_expected = (guint64)(100 * t),
                           .video_jitter_ms = 3, .video_idle_s = 0.01, .video_kbps = 900, .keyframe_age_s = 1,
                           .audio_idle_s = 0.01, .audio_kbps = 60};
}

typedef struct {
  rc_health *h;
  GArray *changes, *alarms;
} fx;

static void
tick(fx *f, rc_health_input in, double t)
{
  rc_health_tick(f->h, &in, 1, t, f->changes, f->alarms);
}

static fx
setup(void)
{
  return (fx){rc_health_new(&T), g_array_new(FALSE, FALSE, sizeof(rc_health_change)),
              g_array_new(FALSE, FALSE, sizeof(rc_health_alarm))};
}

static void
teardown(fx *f)
{
  rc_health_free(f->h);
  g_array_free(f->changes, TRUE);
  g_array_free(f->alarms, TRUE);
}

static guint
count_alarms(fx *f, const char *kind, gboolean raised)
{
  guint n = 0;
  for (guint i = 0; i < f->alarms->len; i++) {
    rc_health_alarm *a = &g_array_index(f->alarms, rc_health_alarm, i);
    n += g_str_equal(a->kind, kind) && a->raised == raised;
  }
  return n;
}

static void
test_unknown_online_offline_online(void)
{
  fx f = setup();
  rc_health_input never = {.site_id = 1};
  tick(&f, never, 0);
  g_assert_cmpint(rc_health_state_of(f.h, 1), ==, RC_HEALTH_UNKNOWN);
  for (int t = 1; t <= 3; t++)
    tick(&f, good(1, t), t);
  g_assert_cmpint(rc_health_state_of(f.h, 1), ==, RC_HEALTH_ONLINE);
  /* Silent from t=3: at t=4 idle 1 s (still online), at t=5 idle 2 s → offline. */
  rc_health_input gone = good(1, 3);
  gone.video_idle_s = gone.audio_idle_s = 1;
  tick(&f, gone, 4);
  g_assert_cmpint(rc_health_state_of(f.h, 1), ==, RC_HEALTH_ONLINE);
  gone.video_idle_s = gone.audio_idle_s = 2;
  tick(&f, gone, 5);
  g_assert_cmpint(rc_health_state_of(f.h, 1), ==, RC_HEALTH_OFFLINE);
  g_assert_cmpuint(count_alarms(&f, "offline", TRUE), ==, 1);
  /* Back: online at once, but the alarm clears only after 5 s of being well. */
  for (int t = 6; t <= 10; t++)
    tick(&f, good(1, t), t);
  g_assert_cmpint(rc_health_state_of(f.h, 1), ==, RC_HEALTH_ONLINE);
  g_assert_cmpuint(count_alarms(&f, "offline", FALSE), ==, 0);
  tick(&f, good(1, 11), 11);
  g_assert_cmpuint(count_alarms(&f, "offline", FALSE), ==, 1);
  teardown(&f);
}

static void
test_loss_window(void)
{
  fx f = setup();
  guint64 exp = 0, lost = 0;
  for (int t = 1; t <= 10; t++) {
    rc_health_input in = good(2, t);
    exp += 100;
    if (t >= 5 && t <= 7)
      lost += 10; /* 10 % for three seconds */
    in.video_expected = exp, in.video_lost_total = lost;
    tick(&f, in, t);
    if (t == 7) /* the third second of loss: 30 of the last 500 */
      g_assert_cmpint(rc_health_state_of(f.h, 2), ==, RC_HEALTH_DEGRADED);
  }
  /* The window has moved past the loss: online again. */
  g_assert_cmpint(rc_health_state_of(f.h, 2), ==, RC_HEALTH_ONLINE);
  g_assert_cmpuint(count_alarms(&f, "degraded", TRUE), ==, 1);
  teardown(&f);
}

static void
test_counters_backwards(void)
{
  fx f = setup();
  rc_health_input in = good(3, 1);
  in.video_expected = 100000, in.video_lost_total = 5000;
  tick(&f, in, 1);
  tick(&f, in, 2);
  in.video_expected = 50, in.video_lost_total = 0; /* the source restarted */
  tick(&f, in, 3);
  g_assert_cmpint(rc_health_state_of(f.h, 3), ==, RC_HEALTH_ONLINE);
  rc_health_view v;
  g_assert_true(rc_health_site(f.h, 3, 3, &v));
  g_assert_cmpfloat(v.loss_percent, ==, 0);
  teardown(&f);
}

static void
test_flapping_raises_once(void)
{
  fx f = setup();
  for (int t = 1; t <= 40; t++) {
    rc_health_input in = good(4, t);
    if (t % 2) /* offline every other second */
      in.video_idle_s = in.audio_idle_s = 3;
    tick(&f, in, t);
  }
  g_assert_cmpuint(count_alarms(&f, "offline", TRUE), ==, 1);
  g_assert_cmpuint(count_alarms(&f, "offline", FALSE), ==, 0);
  teardown(&f);
}

/* A site that reconnects comes back with a gap in its sequence numbers, an
 * old keyframe and a moment of silence: only the offline alarm is raised.
 * Once that clears, a fault that is still there raises its own alarm. */
/* A site on hold sends nothing, and said so: held, no alarm; the offline
 * alarm that stood before the hold clears. Resumed, it has offline_seconds
 * to send again; one that never does is offline then. */
static void
test_held(void)
{
  fx f = setup();
  for (int t = 1; t <= 3; t++)
    tick(&f, good(9, t), t);
  g_assert_cmpint(rc_health_state_of(f.h, 9), ==, RC_HEALTH_ONLINE);
  rc_health_input quiet = good(9, 4);
  quiet.video_idle_s = quiet.audio_idle_s = 3; /* dropped first: offline, alarmed */
  tick(&f, quiet, 4);
  g_assert_cmpint(rc_health_state_of(f.h, 9), ==, RC_HEALTH_OFFLINE);
  g_assert_cmpuint(count_alarms(&f, "offline", TRUE), ==, 1);
  for (int t = 5; t <= 20; t++) { /* then put on hold: nothing comes for 16 s */
    rc_health_input held = good(9, 4);
    held.video_idle_s = held.audio_idle_s = t - 3;
    held.video_kbps = held.audio_kbps = 0;
    held.held = TRUE;
    tick(&f, held, t);
    g_assert_cmpint(rc_health_state_of(f.h, 9), ==, RC_HEALTH_HELD);
  }
  g_assert_cmpstr(rc_health_state_name(RC_HEALTH_HELD), ==, "held");
  g_assert_cmpuint(count_alarms(&f, "offline", FALSE), ==, 1); /* cleared after clear_seconds on hold */
  g_assert_cmpuint(count_alarms(&f, "audio", TRUE) + count_alarms(&f, "video", TRUE), ==, 0);
  guint counts[RC_HEALTH_STATES];
  rc_health_counts(f.h, counts);
  g_assert_cmpuint(counts[RC_HEALTH_HELD], ==, 1);
  /* Resumed at 21: still silent at 22, within offline_seconds (2): held, "resuming". */
  rc_health_input back = good(9, 4);
  back.video_idle_s = back.audio_idle_s = 18;
  tick(&f, back, 21);
  back.video_idle_s = back.audio_idle_s = 19;
  tick(&f, back, 22);
  g_assert_cmpint(rc_health_state_of(f.h, 9), ==, RC_HEALTH_HELD);
  /* It sends again at 22.5: online, with the start's grace (no silence yet). */
  rc_health_input sending = good(9, 23);
  tick(&f, sending, 23);
  g_assert_cmpint(rc_health_state_of(f.h, 9), ==, RC_HEALTH_ONLINE);
  g_assert_cmpuint(count_alarms(&f, "offline", TRUE), ==, 1);
  /* Held and resumed again, but it never sends: offline once offline_seconds have passed. */
  rc_health_input held = good(9, 23);
  held.held = TRUE;
  tick(&f, held, 24);
  rc_health_input gone = good(9, 23);
  for (int t = 25; t <= 28; t++) {
    gone.video_idle_s = gone.audio_idle_s = t - 23;
    tick(&f, gone, t);
  }
  g_assert_cmpint(rc_health_state_of(f.h, 9), ==, RC_HEALTH_OFFLINE);
  g_assert_cmpuint(count_alarms(&f, "offline", TRUE), ==, 2);
  teardown(&f);
}

static void
test_reconnect_raises_only_offline(void)
{
  fx f = setup();
  guint64 lost = 0;
  for (int t = 1; t <= 30; t++) {
    rc_health_input in = good(6, t);
    gboolean down = t % 6 == 3 || t % 6 == 4;
    if (down)
      in.video_idle_s = in.audio_idle_s = 3;
    if (t % 6 == 5) { /* back: a burst of loss, no keyframe yet, no sound */
      lost += 40;
      in.keyframe_age_s = 20;
      in.audio_kbps = 0;
    }
    in.video_lost_total = lost;
    if (t >= 25)
      in.audio_kbps = 0; /* then the microphone really is muted */
    tick(&f, in, t);
  }
  g_assert_cmpuint(count_alarms(&f, "offline", TRUE), ==, 1);
  g_assert_cmpuint(count_alarms(&f, "degraded", TRUE), ==, 0);
  g_assert_cmpuint(count_alarms(&f, "video", TRUE), ==, 0);
  g_assert_cmpuint(count_alarms(&f, "audio", TRUE), ==, 0);
  for (int t = 31; t <= 40; t++) {
    rc_health_input in = good(6, t);
    in.video_lost_total = lost;
    in.audio_kbps = 0;
    tick(&f, in, t);
  }
  g_assert_cmpuint(count_alarms(&f, "offline", FALSE), ==, 1);
  g_assert_cmpuint(count_alarms(&f, "audio", TRUE), ==, 1);
  g_assert_cmpuint(count_alarms(&f, "degraded", TRUE), ==, 0);
  teardown(&f);
}

static void
test_freeze_and_silence(void)
{
  fx f = setup();
  for (int t = 1; t <= 6; t++) {
    rc_health_input in = good(5, t);
    if (t >= 3)
      in.video_kbps = 10; /* packets come, the picture does not change */
    if (t >= 2)
      in.audio_kbps = 5;
    tick(&f, in, t);
  }
  rc_health_view v;
  g_assert_true(rc_health_site(f.h, 5, 6, &v));
  g_assert_true(v.video_problem);
  g_assert_true(v.audio_problem);
  g_assert_cmpint(rc_health_state_of(f.h, 5), ==, RC_HEALTH_ONLINE); /* reachable, with a problem */
  g_assert_cmpuint(count_alarms(&f, "video", TRUE), ==, 1);
  g_assert_cmpuint(count_alarms(&f, "audio", TRUE), ==, 1);
  guint counts[RC_HEALTH_STATES];
  rc_health_counts(f.h, counts);
  g_assert_cmpuint(counts[RC_HEALTH_ONLINE], ==, 1);
  g_assert_cmpuint(counts[RC_HEALTH_OFFLINE] + counts[RC_HEALTH_DEGRADED] + counts[RC_HEALTH_UNKNOWN], ==, 0);
  g_assert_false(rc_health_site(f.h, 99, 6, &v));
  teardown(&f);
}

/* Just heard, a site's audio may come a moment after its video, and both
 * rates read 0 until their first window closes: no silence or freeze yet.
 * Audio that never comes is silence once the start's grace (2 s) and
 * silence_seconds have passed. */
static void
test_start_grace(void)
{
  fx f = setup();
  for (int i = 1; i <= 12; i++) {
    double t = i * 0.5;
    rc_health_input in = good(7, t), mute = good(8, t);
    in.have_audio = t >= 1.5;
    in.audio_kbps = t >= 2.0 ? 60 : 0;
    in.video_kbps = mute.video_kbps = t >= 1.0 ? 900 : 0;
    mute.have_audio = FALSE;
    mute.audio_kbps = 0;
    rc_health_input both[] = {in, mute};
    rc_health_tick(f.h, both, 2, t, f.changes, f.alarms);
    rc_health_view v;
    g_assert_true(rc_health_site(f.h, 7, t, &v));
    g_assert_false(v.audio_problem);
    g_assert_false(v.video_problem);
    g_assert_true(rc_health_site(f.h, 8, t, &v));
    g_assert_false(v.video_problem);
    g_assert_true(v.audio_problem == (t >= 0.5 + 2 + 3)); /* heard at 0.5, settled at 2.5, silent 3 s */
  }
  g_assert_cmpuint(count_alarms(&f, "audio", TRUE), ==, 1); /* site 8's */
  g_assert_cmpuint(count_alarms(&f, "video", TRUE), ==, 0);
  teardown(&f);
}

/* A source without audio (a camera without a microphone) is never silent;
 * the same site with the flag unset is. */
static void
test_audio_absent(void)
{
  fx f = setup();
  for (int t = 1; t <= 8; t++) {
    rc_health_input cam = good(9, t), quiet = good(10, t);
    cam.have_audio = quiet.have_audio = FALSE;
    cam.audio_kbps = quiet.audio_kbps = 0;
    cam.audio_absent = TRUE;
    rc_health_input both[] = {cam, quiet};
    rc_health_tick(f.h, both, 2, t, f.changes, f.alarms);
  }
  rc_health_view v;
  g_assert_true(rc_health_site(f.h, 9, 8, &v));
  g_assert_false(v.audio_problem);
  g_assert_cmpint(rc_health_state_of(f.h, 9), ==, RC_HEALTH_ONLINE);
  g_assert_true(rc_health_site(f.h, 10, 8, &v));
  g_assert_true(v.audio_problem);
  g_assert_cmpuint(count_alarms(&f, "audio", TRUE), ==, 1); /* site 10's only */
  teardown(&f);
}

static const rc_health_alarm *
find_alarm(fx *f, const char *kind, gboolean raised)
{
  for (guint i = 0; i < f->alarms->len; i++) {
    rc_health_alarm *a = &g_array_index(f->alarms, rc_health_alarm, i);
    if (g_str_equal(a->kind, kind) && a->raised == raised)
      return a;
  }
  return NULL;
}

/* Above the cap for a second: degraded, one "bitrate" alarm naming the rate
 * and the cap (and no "degraded" alarm besides); one tick above it is not
 * enough; back under it, online and the alarm clears after clear_seconds. */
static void
test_over_the_cap(void)
{
  fx f = setup();
  rc_health_input in = good(1, 1);
  in.video_cap_kbps = 8000, in.audio_cap_kbps = 256, in.video_rate_kbps = 1000;
  tick(&f, in, 1);
  in.video_rate_kbps = 50000;
  tick(&f, in, 1.5);
  g_assert_cmpint(rc_health_state_of(f.h, 1), ==, RC_HEALTH_ONLINE);
  tick(&f, in, 2);
  tick(&f, in, 2.5);
  g_assert_cmpint(rc_health_state_of(f.h, 1), ==, RC_HEALTH_DEGRADED);
  const rc_health_alarm *a = find_alarm(&f, "bitrate", TRUE);
  g_assert_nonnull(a);
  g_assert_cmpstr(a->reason, ==, "video 50.0 Mbit/s over the cap of 8.0 Mbit/s");
  g_assert_cmpuint(count_alarms(&f, "degraded", TRUE), ==, 0);
  in.video_rate_kbps = 900;
  for (double t = 3; t <= 7.5; t += 0.5)
    tick(&f, in, t);
  g_assert_cmpint(rc_health_state_of(f.h, 1), ==, RC_HEALTH_ONLINE);
  g_assert_cmpuint(count_alarms(&f, "bitrate", FALSE), ==, 0);
  tick(&f, in, 8);
  g_assert_cmpuint(count_alarms(&f, "bitrate", FALSE), ==, 1);
  /* Audio too, in kbit/s; a cap of 0 is none. */
  in.audio_kbps = 600;
  in.video_cap_kbps = 0, in.video_rate_kbps = 90000;
  for (double t = 9; t <= 10.5; t += 0.5)
    tick(&f, in, t);
  g_assert_cmpuint(count_alarms(&f, "bitrate", TRUE), ==, 2);
  g_assert_cmpstr(g_array_index(f.alarms, rc_health_alarm, f.alarms->len - 1).reason, ==,
                  "audio 600 kbit/s over the cap of 256 kbit/s");
  teardown(&f);
}

/* Opus sent with payload type 97 where 111 is expected: no audio counted,
 * and the alarm names the type, not silence; a site that sends only
 * packets of wrong types is heard (degraded), not "never heard". */
static void
test_wrong_payload_type(void)
{
  fx f = setup();
  rc_health_input in = good(1, 1);
  in.have_audio = FALSE, in.audio_kbps = 0, in.audio_idle_s = -1;
  in.video_pt = 96, in.audio_pt = 111;
  in.have_audio_bad_pt = TRUE, in.audio_bad_pt = 97, in.audio_bad_pt_age_s = 0.01;
  for (double t = 1; t <= 6; t += 0.5)
    tick(&f, in, t);
  g_assert_cmpint(rc_health_state_of(f.h, 1), ==, RC_HEALTH_DEGRADED);
  const rc_health_alarm *a = find_alarm(&f, "payload", TRUE);
  g_assert_nonnull(a);
  g_assert_cmpstr(a->reason, ==, "payload type 97 not expected (audio Opus is 111)");
  g_assert_cmpuint(count_alarms(&f, "audio", TRUE), ==, 0);
  g_assert_cmpuint(count_alarms(&f, "degraded", TRUE), ==, 0);
  g_assert_cmpuint(f.alarms->len, ==, 1);
  /* The site's type is set right: audio comes, the alarm clears after 5 s. */
  rc_health_input ok = good(1, 7);
  for (double t = 7; t <= 12.5; t += 0.5)
    tick(&f, ok, t);
  g_assert_cmpint(rc_health_state_of(f.h, 1), ==, RC_HEALTH_ONLINE);
  g_assert_cmpuint(count_alarms(&f, "payload", FALSE), ==, 1);
  g_assert_cmpuint(count_alarms(&f, "audio", TRUE), ==, 0);
  /* Only wrong types, both media. */
  rc_health_input wrong = {.site_id = 2, .video_pt = 96, .audio_pt = 111, .have_video_bad_pt = TRUE,
                           .video_bad_pt = 100, .video_bad_pt_age_s = 0.1, .have_audio_bad_pt = TRUE,
                           .audio_bad_pt = 0, .audio_bad_pt_age_s = 0.1, .video_idle_s = -1, .audio_idle_s = -1};
  g_array_set_size(f.alarms, 0);
  tick(&f, wrong, 20);
  g_assert_cmpint(rc_health_state_of(f.h, 2), ==, RC_HEALTH_DEGRADED);
  g_assert_cmpstr(find_alarm(&f, "payload", TRUE)->reason, ==,
                  "payload type 100 not expected (video H.264 is 96); payload type 0 not expected (audio Opus is 111)");
  /* Long ago is not lately. */
  wrong.video_bad_pt_age_s = wrong.audio_bad_pt_age_s = 30;
  tick(&f, wrong, 21);
  g_assert_cmpint(rc_health_state_of(f.h, 2), ==, RC_HEALTH_OFFLINE);
  teardown(&f);
}

/* Packets with the site's SSRC from elsewhere: one alarm an episode, whatever
 * the site's state (here: offline, and later online), naming the first
 * address; cleared after clear_seconds without one; nothing else changes. */
static void
test_spoofed(void)
{
  fx f = setup();
  rc_health_input in = good(1, 1);
  tick(&f, in, 1);
  in.spoofed_packets = 10, in.spoofed_text = "media from an unexpected address for site H01: 127.0.0.2:4000 (video)";
  tick(&f, in, 1.5);
  const rc_health_alarm *a = find_alarm(&f, "spoofed", TRUE);
  g_assert_nonnull(a);
  g_assert_cmpstr(a->reason, ==, "media from an unexpected address for site H01: 127.0.0.2:4000 (video)");
  g_assert_cmpint(rc_health_state_of(f.h, 1), ==, RC_HEALTH_ONLINE); /* the site itself is well */
  /* More from another address in the same episode: no second alarm. */
  in.spoofed_text = "media from an unexpected address for site H01: 127.0.0.3:4000 (video)";
  for (double t = 2; t <= 6; t += 0.5) {
    in.spoofed_packets += 10;
    tick(&f, in, t);
  }
  g_assert_cmpuint(count_alarms(&f, "spoofed", TRUE), ==, 1);
  /* Well from the tick at 6.5 on: still raised 4.5 s later, cleared 5 s later. */
  for (double t = 6.5; t <= 11; t += 0.5)
    tick(&f, in, t);
  g_assert_cmpuint(count_alarms(&f, "spoofed", FALSE), ==, 0);
  tick(&f, in, 11.5);
  g_assert_cmpuint(count_alarms(&f, "spoofed", FALSE), ==, 1);
  /* A site that never sent, spoofed: raised all the same, beside offline. */
  rc_health_input silent = {.site_id = 2, .video_idle_s = -1, .audio_idle_s = -1};
  tick(&f, silent, 20);
  silent.spoofed_packets = 1, silent.spoofed_text = "media from an unexpected address for site H02: 10.0.0.9:5 (audio)";
  tick(&f, silent, 20.5);
  g_assert_cmpuint(count_alarms(&f, "spoofed", TRUE), ==, 2);
  g_assert_cmpint(rc_health_state_of(f.h, 2), !=, RC_HEALTH_ONLINE);
  teardown(&f);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/health/unknown-online-offline-online", test_unknown_online_offline_online);
  g_test_add_func("/health/loss-window", test_loss_window);
  g_test_add_func("/health/counters-backwards", test_counters_backwards);
  g_test_add_func("/health/flapping-raises-once", test_flapping_raises_once);
  g_test_add_func("/health/reconnect-raises-only-offline", test_reconnect_raises_only_offline);
  g_test_add_func("/health/freeze-and-silence", test_freeze_and_silence);
  g_test_add_func("/health/start-grace", test_start_grace);
  g_test_add_func("/health/audio-absent", test_audio_absent);
  g_test_add_func("/health/over-the-cap", test_over_the_cap);
  g_test_add_func("/health/wrong-payload-type", test_wrong_payload_type);
  g_test_add_func("/health/held", test_held);
  g_test_add_func("/health/spoofed", test_spoofed);
  return g_test_run();
}
