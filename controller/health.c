/* health — per-site health state machine and alarm hysteresis. */
#include "health.h"

#include <math.h>

#define WINDOW 5 /* ticks of loss history: loss over the last 2 s at two ticks a second */

typedef struct {
  gint64 site_id;
  rc_health_state state;
  gboolean video_problem, audio_problem;
  double since_s;
  /* loss window: cumulative counters at the last WINDOW ticks */
  guint64 expected[WINDOW], lost[WINDOW];
  guint ticks;
  double loss_percent, jitter_ms;
  double low_video_since, low_audio_since; /* 0 = not low */
  /* alarms: raised flag per kind, and since when the site has been well */
  gboolean alarm[4];
  double well_since[4];
} site_health;

struct rc_health {
  rc_health_thresholds t;
  GHashTable *sites; /* gint64* -> site_health* */
};

static const char *const kinds[] = {"offline", "degraded", "video", "audio"};

rc_health *
rc_health_new(const rc_health_thresholds *t)
{
  rc_health *h = g_new0(rc_health, 1);
  h->t = *t;
  h->sites = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
  return h;
}

void
rc_health_free(rc_health *h)
{
  if (!h)
    return;
  g_hash_table_destroy(h->sites);
  g_free(h);
}

void
rc_health_reset(rc_health *h)
{
  g_hash_table_remove_all(h->sites);
}

const char *
rc_health_state_name(rc_health_state s)
{
  static const char *const names[] = {"unknown", "online", "degraded", "offline"};
  return names[s];
}

static site_health *
site_for(rc_health *h, gint64 id)
{
  site_health *s = g_hash_table_lookup(h->sites, &id);
  if (!s) {
    s = g_new0(site_health, 1);
    s->site_id = id;
    g_hash_table_insert(h->sites, &s->site_id, s);
  }
  return s;
}

/* Loss over the window, from cumulative counters (which may go backwards on
 * a source restart: then the window starts again). */
static void
update_loss(site_health *s, const rc_health_input *in)
{
  guint i = s->ticks % WINDOW, oldest = (s->ticks + 1) % WINDOW;
  s->expected[i] = in->video_expected;
  s->lost[i] = in->video_lost_total;
  s->ticks++;
  if (s->ticks < 2) {
    s->loss_percent = 0;
    return;
  }
  guint from = s->ticks >= WINDOW ? oldest : 0;
  if (s->expected[i] < s->expected[from] || s->lost[i] < s->lost[from]) {
    for (guint k = 0; k < WINDOW; k++)
      s->expected[k] = in->video_expected, s->lost[k] = in->video_lost_total;
    s->loss_percent = 0;
    return;
  }
  guint64 exp = s->expected[i] - s->expected[from], lost = s->lost[i] - s->lost[from];
  s->loss_percent = exp ? 100.0 * (double)lost / (double)exp : 0;
}

/* "Low" must last a while before it counts: returns how long it has. */
static double
low_for(double *since, gboolean low, double now)
{
  if (!low) {
    *since = 0;
    return 0;
  }
  if (*since == 0)
    *since = now;
  return now - *since;
}

static rc_health_state
judge(rc_health *h, site_health *s, const rc_health_input *in, double now, const char **reason)
{
  const rc_health_thresholds *t = &h->t;
  double idle = MIN(in->have_video ? in->video_idle_s : 1e9, in->have_audio ? in->audio_idle_s : 1e9);
  if (!in->have_video && !in->have_audio) {
    *reason = "never heard";
    return s->state == RC_HEALTH_UNKNOWN ? RC_HEALTH_UNKNOWN : RC_HEALTH_OFFLINE;
  }
  if (idle < 0 || idle >= t->offline_seconds) {
    *reason = "no packets";
    return RC_HEALTH_OFFLINE;
  }
  update_loss(s, in);
  s->jitter_ms = in->video_jitter_ms;
  gboolean frozen = low_for(&s->low_video_since, in->have_video && in->video_idle_s < 1 && in->video_kbps < t->freeze_kbps, now) >= t->freeze_seconds;
  gboolean no_key = in->have_video && in->keyframe_age_s >= t->keyframe_seconds;
  s->video_problem = frozen || no_key;
  s->audio_problem = low_for(&s->low_audio_since, !in->have_audio || in->audio_kbps < t->silence_kbps, now) >= t->silence_seconds;
  if (s->loss_percent > t->loss_percent || (in->have_rr && in->rr_fraction_lost * 100 > t->loss_percent)) {
    *reason = "packet loss";
    return RC_HEALTH_DEGRADED;
  }
  if (s->jitter_ms > t->jitter_ms || (in->have_rr && in->rr_jitter_ms > t->jitter_ms)) {
    *reason = "jitter";
    return RC_HEALTH_DEGRADED;
  }
  *reason = s->video_problem ? (frozen ? "frozen picture" : "no keyframe") : s->audio_problem ? "silence" : "ok";
  return RC_HEALTH_ONLINE;
}

/* Raise at once; clear only after clear_seconds of being well. */
static void
alarm_step(rc_health *h, site_health *s, int kind, gboolean bad, const char *reason, double now, GArray *alarms)
{
  if (bad) {
    s->well_since[kind] = 0;
    if (!s->alarm[kind]) {
      s->alarm[kind] = TRUE;
      rc_health_alarm a = {s->site_id, kinds[kind], TRUE, reason};
      g_array_append_val(alarms, a);
    }
    return;
  }
  if (!s->alarm[kind])
    return;
  if (s->well_since[kind] == 0)
    s->well_since[kind] = now;
  if (now - s->well_since[kind] >= h->t.clear_seconds) {
    s->alarm[kind] = FALSE;
    rc_health_alarm a = {s->site_id, kinds[kind], FALSE, "recovered"};
    g_array_append_val(alarms, a);
  }
}

void
rc_health_tick(rc_health *h, const rc_health_input *inputs, guint n, double now, GArray *changes, GArray *alarms)
{
  for (guint i = 0; i < n; i++) {
    const rc_health_input *in = &inputs[i];
    site_health *s = site_for(h, in->site_id);
    const char *reason = "ok";
    gboolean vp = s->video_problem, ap = s->audio_problem;
    rc_health_state next = judge(h, s, in, now, &reason);
    if (next != s->state || vp != s->video_problem || ap != s->audio_problem) {
      rc_health_change c = {s->site_id, s->state, next, s->video_problem, s->audio_problem, reason};
      g_array_append_val(changes, c);
      if (next != s->state)
        s->since_s = now;
      s->state = next;
    }
    alarm_step(h, s, 0, next == RC_HEALTH_OFFLINE, reason, now, alarms);
    /* While the offline alarm stands, loss, a missing keyframe or silence
     * are what a reconnecting site looks like, not new faults: one alarm
     * for the root cause. They are judged again once it clears. */
    gboolean reachable = !s->alarm[0];
    alarm_step(h, s, 1, reachable && next == RC_HEALTH_DEGRADED, reason, now, alarms);
    alarm_step(h, s, 2, reachable && s->video_problem, s->video_problem ? reason : "ok", now, alarms);
    alarm_step(h, s, 3, reachable && s->audio_problem, "silence", now, alarms);
  }
}

rc_health_state
rc_health_state_of(rc_health *h, gint64 site_id)
{
  site_health *s = g_hash_table_lookup(h->sites, &site_id);
  return s ? s->state : RC_HEALTH_UNKNOWN;
}

json_t *
rc_health_site_json(rc_health *h, gint64 site_id, double now)
{
  site_health *s = g_hash_table_lookup(h->sites, &site_id);
  if (!s)
    return NULL;
  return json_pack("{sI ss sb sb sf sf sf}", "site_id", (json_int_t)site_id, "state", rc_health_state_name(s->state),
                   "video_problem", s->video_problem, "audio_problem", s->audio_problem, "loss_percent",
                   isfinite(s->loss_percent) ? s->loss_percent : 0.0, "jitter_ms", s->jitter_ms, "since_s",
                   now - s->since_s);
}

json_t *
rc_health_counts(rc_health *h)
{
  guint c[4] = {0};
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, h->sites);
  while (g_hash_table_iter_next(&it, NULL, &v))
    c[((site_health *)v)->state]++;
  return json_pack("{si si si si}", "unknown", c[0], "online", c[1], "degraded", c[2], "offline", c[3]);
}
