/* health — per-site health state machine and alarm hysteresis. */
#include "model/health.h"

#include <math.h>
#include <string.h>

#define WINDOW 5 /* ticks of loss history: loss over the last 2 s at two ticks a second */
#define KINDS 7
#define CAP_HOLD_S 1.0 /* above the cap this long (not one keyframe's window) */
/* A site just heard is not judged frozen or silent yet: its media's rates are
 * known half a second after their first packets (media-stats' windows), and
 * a browser's or a phone's audio may start a moment after its video. */
#define START_GRACE_S 2.0
enum { OFFLINE, DEGRADED, VIDEO, AUDIO, BITRATE, PAYLOAD, SPOOFED };

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
  double heard_since;                      /* heard again since (0 = not heard) */
  double resumed_s;                        /* its hold ended then (0 = never held) */
  /* configuration faults: above the cap (since when), a wrong payload type */
  double over_since;
  gboolean over_cap, bad_video_pt, bad_audio_pt;
  char cap_text[128], pt_text[160]; /* the reasons named in their alarms */
  guint64 spoofed_seen;              /* the spoofed packets counted at the last tick */
  char spoof_text[160];
  const char *video_reason;          /* static */
  /* alarms: raised flag per kind, and since when the site has been well */
  gboolean alarm[KINDS];
  double well_since[KINDS];
} site_health;

struct rc_health {
  rc_health_thresholds t;
  GHashTable *sites; /* gint64* -> site_health* */
};

static const char *const kinds[KINDS] = {"offline", "degraded", "video", "audio", "bitrate", "payload", "spoofed"};

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
  static const char *const names[] = {"unknown", "online", "degraded", "offline", "held"};
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

static void
rate_text(char *out, gsize size, double kbps)
{
  if (kbps >= 1000)
    g_snprintf(out, size, "%.1f Mbit/s", kbps / 1000);
  else
    g_snprintf(out, size, "%.0f kbit/s", kbps);
}

/* Above a cap for CAP_HOLD_S: the reason names the medium, the rate and the cap. */
static gboolean
judge_cap(site_health *s, const rc_health_input *in, double now)
{
  gboolean video = in->have_video && in->video_cap_kbps > 0 && in->video_rate_kbps > in->video_cap_kbps;
  gboolean audio = in->have_audio && in->audio_cap_kbps > 0 && in->audio_kbps > in->audio_cap_kbps;
  if (low_for(&s->over_since, video || audio, now) < CAP_HOLD_S || !(video || audio))
    return FALSE;
  char rate[32], cap[32];
  rate_text(rate, sizeof rate, video ? in->video_rate_kbps : in->audio_kbps);
  rate_text(cap, sizeof cap, video ? in->video_cap_kbps : in->audio_cap_kbps);
  g_snprintf(s->cap_text, sizeof s->cap_text, "%s %s over the cap of %s", video ? "video" : "audio", rate, cap);
  return TRUE;
}

static gboolean
bad_pt_lately(const rc_health_thresholds *t, gboolean have, double age_s)
{
  return have && age_s >= 0 && age_s < MAX(t->offline_seconds, 1.0);
}

/* Packets of a payload type the site should not send, lately: the reason
 * names the type and the one expected. */
static gboolean
judge_payload_type(rc_health *h, site_health *s, const rc_health_input *in)
{
  s->bad_video_pt = bad_pt_lately(&h->t, in->have_video_bad_pt, in->video_bad_pt_age_s);
  s->bad_audio_pt = bad_pt_lately(&h->t, in->have_audio_bad_pt, in->audio_bad_pt_age_s);
  char video[72] = "", audio[72] = "";
  if (s->bad_video_pt)
    g_snprintf(video, sizeof video, "payload type %d not expected (video H.264 is %d)", in->video_bad_pt, in->video_pt);
  if (s->bad_audio_pt)
    g_snprintf(audio, sizeof audio, "payload type %d not expected (audio Opus is %d)", in->audio_bad_pt, in->audio_pt);
  g_snprintf(s->pt_text, sizeof s->pt_text, "%s%s%s", video, *video && *audio ? "; " : "", audio);
  return s->bad_video_pt || s->bad_audio_pt;
}

static rc_health_state
judge(rc_health *h, site_health *s, const rc_health_input *in, double now, const char **reason)
{
  const rc_health_thresholds *t = &h->t;
  double idle = MIN(in->have_video ? in->video_idle_s : 1e9, in->have_audio ? in->audio_idle_s : 1e9);
  /* A site that sends only packets of a wrong type is heard, and misconfigured. */
  gboolean bad_pt = judge_payload_type(h, s, in);
  s->over_cap = FALSE;
  /* On hold: sending nothing is what it said it would do. Judged again
   * once it resumes, its silence until then not counted: offline_seconds
   * to send again, then the start's grace. */
  if (in->held || (s->state == RC_HEALTH_HELD && s->resumed_s == 0)) {
    s->resumed_s = in->held ? 0 : now;
    if (in->held) {
      s->heard_since = 0;
      s->low_video_since = s->low_audio_since = 0;
      s->video_problem = s->audio_problem = FALSE;
      *reason = "on hold";
      return RC_HEALTH_HELD;
    }
  }
  if (s->state == RC_HEALTH_HELD && !bad_pt && (idle < 0 || idle >= now - s->resumed_s) &&
      now - s->resumed_s < t->offline_seconds) {
    *reason = "resuming";
    return RC_HEALTH_HELD;
  }
  if (!in->have_video && !in->have_audio && !bad_pt) {
    s->heard_since = 0;
    *reason = "never heard";
    return s->state == RC_HEALTH_UNKNOWN ? RC_HEALTH_UNKNOWN : RC_HEALTH_OFFLINE;
  }
  if (!bad_pt && (idle < 0 || idle >= t->offline_seconds)) {
    s->heard_since = 0;
    *reason = "no packets";
    return RC_HEALTH_OFFLINE;
  }
  update_loss(s, in);
  s->jitter_ms = in->video_jitter_ms;
  if (!s->heard_since)
    s->heard_since = now;
  gboolean settled = now - s->heard_since >= START_GRACE_S;
  gboolean frozen = low_for(&s->low_video_since, settled && in->have_video && in->video_idle_s < 1 && in->video_kbps < t->freeze_kbps, now) >= t->freeze_seconds;
  gboolean no_key = in->have_video && in->keyframe_age_s >= t->keyframe_seconds;
  s->video_problem = frozen || no_key;
  s->video_reason = frozen ? "frozen picture" : "no keyframe";
  s->audio_problem = low_for(&s->low_audio_since, settled && !in->audio_absent && (!in->have_audio || in->audio_kbps < t->silence_kbps), now) >= t->silence_seconds;
  /* The site's own faults first: a flood brings loss and jitter with it. */
  if ((s->over_cap = judge_cap(s, in, now))) {
    *reason = s->cap_text;
    return RC_HEALTH_DEGRADED;
  }
  if (bad_pt) {
    *reason = s->pt_text;
    return RC_HEALTH_DEGRADED;
  }
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
    alarm_step(h, s, OFFLINE, next == RC_HEALTH_OFFLINE, reason, now, alarms);
    /* While the offline alarm stands, loss, a missing keyframe or silence
     * are what a reconnecting site looks like, not new faults: one alarm
     * for the root cause. They are judged again once it clears. */
    gboolean reachable = !s->alarm[OFFLINE];
    /* A cap or a payload type has its own alarm (one per root cause): no
     * "degraded" for it, and no "silence" or missing picture for a medium
     * whose packets are all of the wrong type. */
    gboolean own = s->over_cap || s->bad_video_pt || s->bad_audio_pt;
    alarm_step(h, s, DEGRADED, reachable && next == RC_HEALTH_DEGRADED && !own, reason, now, alarms);
    alarm_step(h, s, VIDEO, reachable && s->video_problem && !s->bad_video_pt,
               s->video_problem ? s->video_reason : "ok", now, alarms);
    alarm_step(h, s, AUDIO, reachable && s->audio_problem && !s->bad_audio_pt, "silence", now, alarms);
    alarm_step(h, s, BITRATE, reachable && s->over_cap, s->cap_text, now, alarms);
    alarm_step(h, s, PAYLOAD, reachable && (s->bad_video_pt || s->bad_audio_pt), s->pt_text, now, alarms);
    /* Spoofed packets since the last tick: one alarm an episode, which
     * names where the first came from; it clears after clear_seconds
     * without any. */
    gboolean spoofed = in->spoofed_packets != s->spoofed_seen;
    s->spoofed_seen = in->spoofed_packets;
    if (spoofed && !s->alarm[SPOOFED])
      g_strlcpy(s->spoof_text, in->spoofed_text ? in->spoofed_text : "media from an unexpected address",
                sizeof s->spoof_text);
    alarm_step(h, s, SPOOFED, spoofed, s->spoof_text, now, alarms);
  }
}

rc_health_state
rc_health_state_of(rc_health *h, gint64 site_id)
{
  site_health *s = g_hash_table_lookup(h->sites, &site_id);
  return s ? s->state : RC_HEALTH_UNKNOWN;
}

gboolean
rc_health_site(rc_health *h, gint64 site_id, double now, rc_health_view *out)
{
  site_health *s = g_hash_table_lookup(h->sites, &site_id);
  if (!s)
    return FALSE;
  *out = (rc_health_view){s->state, s->video_problem, s->audio_problem,
                          isfinite(s->loss_percent) ? s->loss_percent : 0.0, s->jitter_ms, now - s->since_s};
  return TRUE;
}

void
rc_health_counts(rc_health *h, guint c[RC_HEALTH_STATES])
{
  memset(c, 0, RC_HEALTH_STATES * sizeof *c);
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, h->sites);
  while (g_hash_table_iter_next(&it, NULL, &v))
    c[((site_health *)v)->state]++;
}
