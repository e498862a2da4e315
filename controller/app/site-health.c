/* site-health — see site-health.h. */
#define G_LOG_DOMAIN "roomctl-health"
#include "site-health.h"
#include "rc-error.h"
#include "service.h"
#include "domain.h"
#include "session-sites.h"

#include <math.h>

/* What a site's call summary needs, accumulated tick by tick. */
typedef struct {
  gboolean in_call;
  guint64 packets, lost;
  double jitter_sum, kbps_sum;
  guint samples;
  guint freezes;
  gboolean was_frozen;
} site_call;

/* An alarm row stored in this tick, published once the tick is committed. */
typedef struct {
  json_t *alarm;
  gboolean raised;
  const char *kind;
  char *reason;
} stored_alarm;

struct rc_site_health {
  rc_config *config;
  rc_store *store;
  rc_meeting *meeting;
  rc_media *media;
  rc_health *health;
  GHashTable *calls;   /* gint64* site id -> site_call* */
  gint64 session_id;   /* whose figures these are */
  rc_media_figures *last;
  gint64 check_id, check_session;
  guint check_source;
  gint64 check_started_us;
};

static double
now_s(void)
{
  return g_get_monotonic_time() / 1e6;
}

rc_site_health *
rc_site_health_new(rc_config *c, rc_store *store, rc_meeting *meeting)
{
  rc_site_health *sh = g_new0(rc_site_health, 1);
  rc_health_thresholds t = {c->health_loss_percent, c->health_jitter_ms, c->health_offline_seconds,
                            c->health_freeze_seconds, c->health_freeze_kbps, c->health_keyframe_seconds,
                            c->health_silence_seconds, c->health_silence_kbps, c->health_clear_seconds};
  sh->config = c;
  sh->store = store;
  sh->meeting = meeting;
  sh->health = rc_health_new(&t);
  sh->calls = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
  return sh;
}

void
rc_site_health_free(rc_site_health *sh)
{
  if (!sh)
    return;
  g_clear_handle_id(&sh->check_source, g_source_remove);
  rc_health_free(sh->health);
  g_hash_table_destroy(sh->calls);
  g_clear_pointer(&sh->last, rc_media_figures_unref);
  g_free(sh);
}

void
rc_site_health_set_media(rc_site_health *sh, rc_media *media)
{
  sh->media = media;
}

gint64
rc_site_health_session(rc_site_health *sh)
{
  return sh->session_id;
}

rc_media_figures *
rc_site_health_figures(rc_site_health *sh)
{
  return sh->last;
}

rc_health_state
rc_site_health_state(rc_site_health *sh, gint64 site_id)
{
  return rc_health_state_of(sh->health, site_id);
}

static rc_health_input
input_of(const rc_media_site_figures *site)
{
  const rc_media_stream_figures *v = &site->video, *a = &site->audio;
  rc_health_input in = {.site_id = site->site_id};
  in.have_video = site->have_video && v->packets > 0;
  in.have_audio = site->have_audio && a->packets > 0;
  /* The settled figures: a late packet is neither lost in one window nor
   * found in the next, so reordering shows no loss. */
  in.video_expected = v->settled_expected;
  in.video_lost_total = v->settled_lost;
  in.video_jitter_ms = v->jitter_ms;
  in.video_idle_s = v->idle_s;
  /* Frozen means no change between keyframes: judge the non-keyframe rate. */
  in.video_kbps = v->delta_bitrate_bps / 1000.0;
  in.keyframe_age_s = v->keyframe_age_s;
  in.audio_idle_s = a->idle_s;
  in.audio_kbps = a->bitrate_bps / 1000.0;
  in.video_rate_kbps = v->bitrate_bps / 1000.0;
  in.video_cap_kbps = v->cap_kbps;
  in.audio_cap_kbps = a->cap_kbps;
  in.video_pt = v->payload_type;
  in.audio_pt = a->payload_type;
  in.have_video_bad_pt = site->have_video && v->wrong_pt >= 0;
  in.have_audio_bad_pt = site->have_audio && a->wrong_pt >= 0;
  in.video_bad_pt = in.have_video_bad_pt ? v->wrong_pt : 0;
  in.audio_bad_pt = in.have_audio_bad_pt ? a->wrong_pt : 0;
  in.video_bad_pt_age_s = site->have_video ? v->wrong_pt_age_s : 0;
  in.audio_bad_pt_age_s = site->have_audio ? a->wrong_pt_age_s : 0;
  in.have_rr = site->have_video && v->have_rr;
  in.rr_fraction_lost = in.have_rr ? v->rr_fraction_lost : 0;
  in.rr_jitter_ms = in.have_rr ? v->rr_jitter / 90.0 : 0;
  return in;
}

static site_call *
call_of(rc_site_health *sh, gint64 site_id)
{
  site_call *c = g_hash_table_lookup(sh->calls, &site_id);
  if (!c) {
    c = g_new0(site_call, 1);
    g_hash_table_insert(sh->calls, g_memdup2(&site_id, sizeof site_id), c);
  }
  return c;
}

static void
close_call(rc_site_health *sh, gint64 site_id, site_call *c, const char *reason)
{
  if (!c->in_call)
    return;
  g_autoptr(GError) error = NULL;
  double n = MAX(c->samples, 1);
  if (!rc_store_site_call_close(sh->store, sh->session_id, site_id, reason, (gint64)c->packets, (gint64)c->lost,
                                c->jitter_sum / n, c->kbps_sum / n, c->freezes, &error))
    g_warning("site call: %s", error->message);
  c->in_call = FALSE;
}

/* Keeps each site's call up to date with one tick of figures. */
static void
account_call(rc_site_health *sh, const rc_media_site_figures *site, const rc_health_input *in)
{
  site_call *c = call_of(sh, in->site_id);
  rc_health_view view;
  gboolean known = rc_health_site(sh->health, in->site_id, now_s(), &view);
  gboolean up = known && (view.state == RC_HEALTH_ONLINE || view.state == RC_HEALTH_DEGRADED);
  if (up && !c->in_call) {
    c->in_call = rc_store_site_call_open(sh->store, sh->session_id, in->site_id, NULL);
  } else if (!up && c->in_call) {
    close_call(sh, in->site_id, c, "the site stopped sending");
  }
  if (!c->in_call)
    return;
  c->packets = site->have_video ? site->video.packets : 0;
  c->lost = in->video_lost_total;
  c->jitter_sum += in->video_jitter_ms;
  c->kbps_sum += in->video_kbps;
  c->samples++;
  c->freezes += view.video_problem && !c->was_frozen;
  c->was_frozen = view.video_problem;
}

static void
stored_alarm_clear(gpointer data)
{
  stored_alarm *a = data;
  json_decref(a->alarm);
  g_free(a->reason);
}

/* Writes one tick's state changes and alarms; the alarms' rows are
 * collected in @stored, to be published once the tick is committed. */
static void
store_changes(rc_site_health *sh, GArray *changes, GArray *alarms, GArray *stored)
{
  gint64 sid = sh->session_id;
  for (guint i = 0; i < changes->len; i++) {
    rc_health_change *c = &g_array_index(changes, rc_health_change, i);
    if (c->from != c->to)
      rc_store_health_event(sh->store, sid, c->site_id, rc_health_state_name(c->from), rc_health_state_name(c->to),
                            c->reason, NULL);
  }
  for (guint i = 0; i < alarms->len; i++) {
    rc_health_alarm *a = &g_array_index(alarms, rc_health_alarm, i);
    gint64 id = a->raised ? rc_store_alarm_raise(sh->store, sid, a->site_id, a->kind, a->reason, NULL)
                          : rc_store_alarm_clear(sh->store, sid, a->site_id, a->kind, NULL);
    json_t *alarm = id ? rc_store_alarm_get(sh->store, id, NULL) : NULL;
    if (alarm) {
      stored_alarm s = {alarm, a->raised, a->kind, g_strdup(a->reason)};
      g_array_append_val(stored, s);
    }
  }
}

/* After the commit: the technicians hear of the tick's alarms. */
static void
publish_alarms(rc_site_health *sh, GArray *stored)
{
  gint64 sid = sh->session_id;
  for (guint i = 0; i < stored->len; i++) {
    stored_alarm *a = &g_array_index(stored, stored_alarm, i);
    const char *site = json_string_value(json_object_get(a->alarm, "site_code"));
    rc_log_about(G_LOG_LEVEL_MESSAGE, sid, site, 0, "session %" G_GINT64_FORMAT ": site %s: alarm %s %s (%s)", sid,
                 site, a->kind, a->raised ? "raised" : "cleared", a->reason ? a->reason : "");
    rc_meeting_send(sh->meeting, sid, a->raised ? RC_EVENT_ALARM_RAISED : RC_EVENT_ALARM_CLEARED,
                    json_pack("{sO}", "alarm", a->alarm));
  }
}

json_t *
rc_site_health_counts_json(rc_site_health *sh)
{
  guint c[4];
  rc_health_counts(sh->health, c);
  return json_pack("{si si si si}", "unknown", c[RC_HEALTH_UNKNOWN], "online", c[RC_HEALTH_ONLINE], "degraded",
                   c[RC_HEALTH_DEGRADED], "offline", c[RC_HEALTH_OFFLINE]);
}

static json_t *
view_json(gint64 site_id, const rc_health_view *v)
{
  return json_pack("{sI ss sb sb sf sf sf}", "site_id", (json_int_t)site_id, "state", rc_health_state_name(v->state),
                   "video_problem", v->video_problem, "audio_problem", v->audio_problem, "loss_percent",
                   v->loss_percent, "jitter_ms", v->jitter_ms, "since_s", v->since_s);
}

/* A compact row per site for the dashboard, every tick (twice a second). */
static json_t *
rows_json(rc_site_health *sh, const rc_media_figures *f)
{
  json_t *rows = json_array();
  double now = now_s();
  for (guint i = 0; f && i < f->sites->len; i++) {
    const rc_media_site_figures *s = &g_array_index(f->sites, rc_media_site_figures, i);
    rc_health_view view;
    if (!rc_health_site(sh->health, s->site_id, now, &view))
      continue;
    json_t *row = view_json(s->site_id, &view);
    const rc_media_stream_figures *v = &s->video, *a = &s->audio;
    double v_idle = s->have_video ? v->idle_s : 0, a_idle = s->have_audio ? a->idle_s : 0;
    json_object_set_new(row, "kbps", json_real(round((s->have_video ? v->bitrate_bps : 0) / 100.0) / 10));
    json_object_set_new(row, "audio_kbps", json_real(round((s->have_audio ? a->bitrate_bps : 0) / 100.0) / 10));
    json_object_set_new(row, "rr_loss_percent",
                        s->have_video && v->have_rr ? json_real(v->rr_fraction_lost * 100) : json_null());
    json_object_set_new(row, "idle_s", json_real(round(MIN(v_idle, a_idle) * 10) / 10));
    json_array_append_new(rows, row);
  }
  return rows;
}

json_t *
rc_site_health_rows_json(rc_site_health *sh, gint64 session_id)
{
  return sh->session_id == session_id ? rows_json(sh, sh->last) : json_array();
}

json_t *
rc_site_health_dropped_json(const guint64 counts[RC_DROP_REASONS])
{
  json_t *o = json_object();
  for (int r = 0; r < RC_DROP_REASONS; r++)
    json_object_set_new(o, rc_drop_reason_name(r), json_integer((json_int_t)counts[r]));
  return o;
}

void
rc_site_health_tick(rc_site_health *sh, rc_media_figures *f)
{
  gint64 sid = f->session_id;
  if (sid != sh->session_id) { /* a new session: start afresh */
    rc_health_reset(sh->health);
    g_hash_table_remove_all(sh->calls);
    sh->session_id = sid;
  }
  guint n = f->sites->len;
  g_autofree rc_health_input *in = g_new0(rc_health_input, MAX(n, 1));
  for (guint i = 0; i < n; i++)
    in[i] = input_of(&g_array_index(f->sites, rc_media_site_figures, i));
  g_autoptr(GArray) changes = g_array_new(FALSE, FALSE, sizeof(rc_health_change));
  g_autoptr(GArray) alarms = g_array_new(FALSE, FALSE, sizeof(rc_health_alarm));
  g_autoptr(GArray) stored = g_array_new(FALSE, FALSE, sizeof(stored_alarm));
  g_array_set_clear_func(stored, stored_alarm_clear);
  rc_health_tick(sh->health, in, n, now_s(), changes, alarms);
  /* One commit (one fsync) for the whole tick: 600 sites dropping at once
   * are 600 state changes, alarms and call rows, not 1,800 commits. */
  g_autoptr(GError) error = NULL;
  if (rc_store_begin(sh->store, &error)) {
    if (!sh->check_id)
      for (guint i = 0; i < n; i++)
        account_call(sh, &g_array_index(f->sites, rc_media_site_figures, i), &in[i]);
    store_changes(sh, changes, alarms, stored);
    if (rc_store_commit(sh->store, &error))
      publish_alarms(sh, stored);
  }
  if (error)
    g_warning("session %" G_GINT64_FORMAT ": health not stored this tick: %s", sid, error->message);
  g_clear_pointer(&sh->last, rc_media_figures_unref);
  sh->last = rc_media_figures_ref(f);
  json_t *body = json_pack("{so so s{so so} sI}", "counts", rc_site_health_counts_json(sh), "sites", rows_json(sh, f),
                           "ingest", "video", rc_site_health_dropped_json(f->dropped[0]), "audio", rc_site_health_dropped_json(f->dropped[1]),
                           "server_time_ms", (json_int_t)(g_get_real_time() / 1000));
  rc_meeting_send(sh->meeting, sid, RC_EVENT_HEALTH_TICK, body);
}

void
rc_site_health_session_ended(rc_site_health *sh, gint64 session_id)
{
  if (sh->session_id != session_id)
    return;
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init(&it, sh->calls);
  while (g_hash_table_iter_next(&it, &key, &value))
    close_call(sh, *(gint64 *)key, value, "the session ended");
}

static void
on_domain(const rc_domain_event *e, gpointer data)
{
  if (e->kind == RC_DOMAIN_SESSION_ENDED)
    rc_site_health_session_ended(data, e->session_id);
}

void
rc_site_health_follow(rc_site_health *sh, rc_domain *domain)
{
  rc_domain_subscribe(domain, on_domain, sh);
}

/* ---- the pre-session check ---- */

static const char *
verdict_of(gboolean known, const rc_health_view *v)
{
  if (!known || v->state == RC_HEALTH_UNKNOWN || v->state == RC_HEALTH_OFFLINE)
    return "absent";
  if (v->state == RC_HEALTH_DEGRADED || v->video_problem || v->audio_problem)
    return "degraded";
  return "ready";
}

static json_t *
check_result(rc_site_health *sh, gint64 sid)
{
  g_autoptr(json_t) sites = rc_store_session_sites(sh->store, sid, NULL);
  json_t *rows = json_array();
  guint ready = 0, degraded = 0, absent = 0;
  size_t i;
  json_t *s;
  json_array_foreach(sites, i, s) {
    gint64 id = json_integer_value(json_object_get(s, "id"));
    rc_health_view view;
    gboolean known = rc_health_site(sh->health, id, now_s(), &view);
    const char *v = verdict_of(known, &view);
    ready += g_str_equal(v, "ready"), degraded += g_str_equal(v, "degraded"), absent += g_str_equal(v, "absent");
    json_array_append_new(rows, json_pack("{sO sO sO ss so}", "site_id", json_object_get(s, "id"), "code",
                                          json_object_get(s, "code"), "name", json_object_get(s, "name"), "verdict", v,
                                          "health", known ? view_json(id, &view) : json_null()));
  }
  return json_pack("{si si si so}", "ready", ready, "degraded", degraded, "absent", absent, "sites", rows);
}

static gboolean
on_check_step(gpointer data)
{
  rc_site_health *sh = data;
  double elapsed = (g_get_monotonic_time() - sh->check_started_us) / 1e6;
  double total = sh->config->health_check_seconds;
  gint64 sid = sh->check_session;
  if (elapsed < total) {
    rc_meeting_send(sh->meeting, sid, RC_EVENT_CHECK_PROGRESS,
                    json_pack("{sI sf sf so}", "check_id", (json_int_t)sh->check_id, "elapsed_s", elapsed, "total_s",
                              total, "counts", rc_site_health_counts_json(sh)));
    return G_SOURCE_CONTINUE;
  }
  g_autoptr(json_t) result = check_result(sh, sid);
  rc_store_site_check_finish(sh->store, sh->check_id, result, NULL);
  g_message("session %" G_GINT64_FORMAT ": pre-session check done: %" JSON_INTEGER_FORMAT " ready, %" JSON_INTEGER_FORMAT
            " degraded, %" JSON_INTEGER_FORMAT " absent", sid, json_integer_value(json_object_get(result, "ready")),
            json_integer_value(json_object_get(result, "degraded")), json_integer_value(json_object_get(result, "absent")));
  rc_meeting_send(sh->meeting, sid, RC_EVENT_CHECK_FINISHED,
                  json_pack("{sI sO}", "check_id", (json_int_t)sh->check_id, "result", result));
  if (sh->media)
    rc_media_stop(sh->media);
  sh->check_id = sh->check_session = 0;
  sh->check_source = 0;
  return G_SOURCE_REMOVE;
}

gint64
rc_site_health_check_start(rc_site_health *sh, gint64 sid, gint64 user_id, GError **error)
{
  g_autoptr(json_t) session = rc_store_session_get(sh->store, sid, error);
  if (!session)
    return 0;
  if (!g_str_equal(json_string_value(json_object_get(session, "status")), "scheduled") || !sh->media ||
      rc_media_session(sh->media) || sh->check_id) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE,
                "a check runs before a scheduled session, while no other session has the media");
    return 0;
  }
  g_auto(rc_session_sites) sites = {0};
  if (!rc_session_sites_load(sh->store, sid, &sites, error) ||
      !rc_media_start_check(sh->media, sid, sites.sites, sites.n, error))
    return 0;
  sh->check_id = rc_store_site_check_start(sh->store, sid, user_id, error);
  if (!sh->check_id) {
    rc_media_stop(sh->media);
    return 0;
  }
  sh->check_session = sid;
  sh->check_started_us = g_get_monotonic_time();
  sh->check_source = g_timeout_add(1000, on_check_step, sh);
  return sh->check_id;
}
