/* site-health — see site-health.h. */
#define G_LOG_DOMAIN "roomctl-health"
#include "app/site-health.h"
#include "base/rc-error.h"
#include "base/service.h"
#include "app/domain.h"
#include "app/session-sites.h"

#include <math.h>

#define SPOOF_TEXT 160 /* a spoofed alarm's reason, at most */

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

/* One session's watch: a live session's, or a scheduled one's pre-session check. */
typedef struct {
  rc_site_health *sh;
  gint64 session_id;
  rc_health *health;
  GHashTable *calls;   /* gint64* site id -> site_call* */
  rc_media_figures *last;
  gint64 check_id;     /* a pre-session check, 0 = a live session */
  guint check_source;
  gint64 check_started_us;
  GHashTable *refused; /* gint64* site id -> char* why its closed session refuses it */
} watch;

struct rc_site_health {
  rc_config *config;
  rc_store *store;
  rc_meeting *meeting;
  rc_media *media;
  rc_health_thresholds thresholds;
  GHashTable *watches; /* gint64* session id -> watch* */
};

static void
watch_free(gpointer data)
{
  watch *w = data;
  g_clear_handle_id(&w->check_source, g_source_remove);
  rc_health_free(w->health);
  g_hash_table_destroy(w->calls);
  g_hash_table_destroy(w->refused);
  g_clear_pointer(&w->last, rc_media_figures_unref);
  g_free(w);
}

/* The session's watch, made on first use. */
static watch *
watch_of(rc_site_health *sh, gint64 session_id)
{
  watch *w = g_hash_table_lookup(sh->watches, &session_id);
  if (!w) {
    w = g_new0(watch, 1);
    w->sh = sh;
    w->session_id = session_id;
    w->health = rc_health_new(&sh->thresholds);
    w->calls = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    w->refused = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    g_hash_table_insert(sh->watches, g_memdup2(&session_id, sizeof session_id), w);
  }
  return w;
}

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
  sh->thresholds = t;
  sh->watches = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, watch_free);
  return sh;
}

void
rc_site_health_free(rc_site_health *sh)
{
  if (!sh)
    return;
  g_hash_table_destroy(sh->watches);
  g_free(sh);
}

void
rc_site_health_set_media(rc_site_health *sh, rc_media *media)
{
  sh->media = media;
}

GPtrArray *
rc_site_health_figures(rc_site_health *sh)
{
  GPtrArray *all = g_ptr_array_new();
  g_autoptr(GList) ws = g_hash_table_get_values(sh->watches);
  for (GList *l = ws; l; l = l->next)
    if (((watch *)l->data)->last)
      g_ptr_array_add(all, ((watch *)l->data)->last);
  return all;
}

rc_health_state
rc_site_health_state(rc_site_health *sh, gint64 site_id)
{
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, sh->watches);
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    rc_health_state st = rc_health_state_of(((watch *)value)->health, site_id);
    if (st != RC_HEALTH_UNKNOWN)
      return st; /* a site is in one session's media at a time */
  }
  return RC_HEALTH_UNKNOWN;
}

/* The reason of a site's "spoofed" alarm: where the last spoof came from. */
static void
spoof_text(const rc_media_site_figures *site, char *out, gsize size)
{
  const rc_media_stream_figures *v = &site->video, *a = &site->audio;
  gboolean video = site->have_video && v->spoofed_packets &&
                   (!site->have_audio || !a->spoofed_packets || v->spoofed_age_s <= a->spoofed_age_s);
  const rc_media_stream_figures *last = video ? v : a;
  g_snprintf(out, size, "media from an unexpected address for site %s: %s (%s)", site->code,
             *last->spoofed_from ? last->spoofed_from : "?", video ? "video" : "audio");
}

/* @text: room for the spoofed alarm's reason, which the input points to. */
static rc_health_input
input_of(const rc_media_site_figures *site, char *text, gsize size)
{
  const rc_media_stream_figures *v = &site->video, *a = &site->audio;
  rc_health_input in = {.site_id = site->site_id};
  in.have_video = site->have_video && v->packets > 0;
  in.have_audio = site->have_audio && a->packets > 0;
  in.audio_absent = site->audio_absent;
  in.held = site->held;
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
  in.spoofed_packets = (site->have_video ? v->spoofed_packets : 0) + (site->have_audio ? a->spoofed_packets : 0);
  if (in.spoofed_packets) {
    spoof_text(site, text, size);
    in.spoofed_text = text;
  }
  return in;
}

static site_call *
call_of(watch *w, gint64 site_id)
{
  site_call *c = g_hash_table_lookup(w->calls, &site_id);
  if (!c) {
    c = g_new0(site_call, 1);
    g_hash_table_insert(w->calls, g_memdup2(&site_id, sizeof site_id), c);
  }
  return c;
}

static void
close_call(watch *w, gint64 site_id, site_call *c, const char *reason)
{
  if (!c->in_call)
    return;
  g_autoptr(GError) error = NULL;
  double n = MAX(c->samples, 1);
  if (!rc_store_site_call_close(w->sh->store, w->session_id, site_id, reason, (gint64)c->packets, (gint64)c->lost,
                                c->jitter_sum / n, c->kbps_sum / n, c->freezes, &error))
    g_warning("site call: %s", error->message);
  c->in_call = FALSE;
}

/* Keeps each site's call up to date with one tick of figures. */
static void
account_call(watch *w, const rc_media_site_figures *site, const rc_health_input *in)
{
  site_call *c = call_of(w, in->site_id);
  rc_health_view view;
  gboolean known = rc_health_site(w->health, in->site_id, now_s(), &view);
  gboolean up = known && (view.state == RC_HEALTH_ONLINE || view.state == RC_HEALTH_DEGRADED);
  if (up && !c->in_call) {
    c->in_call = rc_store_site_call_open(w->sh->store, w->session_id, in->site_id, NULL);
  } else if (!up && c->in_call) {
    close_call(w, in->site_id, c, "the site stopped sending");
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
store_changes(watch *w, GArray *changes, GArray *alarms, GArray *stored)
{
  gint64 sid = w->session_id;
  for (guint i = 0; i < changes->len; i++) {
    rc_health_change *c = &g_array_index(changes, rc_health_change, i);
    if (c->from != c->to)
      rc_store_health_event(w->sh->store, sid, c->site_id, rc_health_state_name(c->from), rc_health_state_name(c->to),
                            c->reason, NULL);
  }
  for (guint i = 0; i < alarms->len; i++) {
    rc_health_alarm *a = &g_array_index(alarms, rc_health_alarm, i);
    gint64 id = a->raised ? rc_store_alarm_raise(w->sh->store, sid, a->site_id, a->kind, a->reason, NULL)
                          : rc_store_alarm_clear(w->sh->store, sid, a->site_id, a->kind, NULL);
    json_t *alarm = id ? rc_store_alarm_get(w->sh->store, id, NULL) : NULL;
    if (alarm) {
      stored_alarm s = {alarm, a->raised, a->kind, g_strdup(a->reason)};
      g_array_append_val(stored, s);
    }
  }
}

/* Keeps @stored's row of an alarm raised or cleared now. */
static void
keep_alarm(watch *w, GArray *stored, gint64 id, gboolean raised, const char *kind, const char *reason)
{
  json_t *alarm = id ? rc_store_alarm_get(w->sh->store, id, NULL) : NULL;
  if (alarm) {
    stored_alarm s = {alarm, raised, kind, g_strdup(reason)};
    g_array_append_val(stored, s);
  }
}

/* A closed session refuses a site whose media are in clear (the media say
 * so in its figures): one standing alarm and one audit row when it is
 * refused, the alarm cleared when it is taken again (encrypted now). */
static void
store_refusals(watch *w, const rc_media_figures *f, GArray *stored)
{
  rc_store *store = w->sh->store;
  gint64 sid = w->session_id;
  for (guint i = 0; i < f->sites->len; i++) {
    const rc_media_site_figures *s = &g_array_index(f->sites, rc_media_site_figures, i);
    const char *was = g_hash_table_lookup(w->refused, &s->site_id);
    if (g_strcmp0(was, s->refused) == 0)
      continue;
    gint64 cleared = rc_store_alarm_clear(store, sid, s->site_id, "closed_media", NULL); /* one standing alarm a site */
    if (!s->refused) {
      keep_alarm(w, stored, cleared, FALSE, "closed_media", NULL);
      g_hash_table_remove(w->refused, &s->site_id);
      continue;
    }
    g_hash_table_insert(w->refused, g_memdup2(&s->site_id, sizeof s->site_id), g_strdup(s->refused));
    g_autofree char *target = g_strdup_printf("session:%" G_GINT64_FORMAT " site:%" G_GINT64_FORMAT, sid, s->site_id);
    rc_store_audit(store, 0, "media.refused", target, s->refused, NULL);
    keep_alarm(w, stored, rc_store_alarm_raise(store, sid, s->site_id, "closed_media", s->refused, NULL), TRUE,
               "closed_media", s->refused);
  }
}

/* After the commit: the technicians hear of the tick's alarms. */
static void
publish_alarms(watch *w, GArray *stored)
{
  gint64 sid = w->session_id;
  for (guint i = 0; i < stored->len; i++) {
    stored_alarm *a = &g_array_index(stored, stored_alarm, i);
    const char *site = json_string_value(json_object_get(a->alarm, "site_code"));
    rc_log_about(G_LOG_LEVEL_MESSAGE, sid, site, 0, "session %" G_GINT64_FORMAT ": site %s: alarm %s %s (%s)", sid,
                 site, a->kind, a->raised ? "raised" : "cleared", a->reason ? a->reason : "");
    rc_meeting_send(w->sh->meeting, sid, a->raised ? RC_EVENT_ALARM_RAISED : RC_EVENT_ALARM_CLEARED,
                    json_pack("{sO}", "alarm", a->alarm));
  }
}

static json_t *
counts_json(watch *w)
{
  guint c[RC_HEALTH_STATES];
  rc_health_counts(w->health, c);
  return json_pack("{si si si si si}", "unknown", c[RC_HEALTH_UNKNOWN], "online", c[RC_HEALTH_ONLINE], "degraded",
                   c[RC_HEALTH_DEGRADED], "offline", c[RC_HEALTH_OFFLINE], "held", c[RC_HEALTH_HELD]);
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
rows_json(watch *w, const rc_media_figures *f)
{
  json_t *rows = json_array();
  double now = now_s();
  for (guint i = 0; f && i < f->sites->len; i++) {
    const rc_media_site_figures *s = &g_array_index(f->sites, rc_media_site_figures, i);
    rc_health_view view;
    if (!rc_health_site(w->health, s->site_id, now, &view))
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
rc_site_health_counts_json(rc_site_health *sh, gint64 session_id)
{
  watch *w = g_hash_table_lookup(sh->watches, &session_id);
  if (w)
    return counts_json(w);
  return json_pack("{si si si si}", "unknown", 0, "online", 0, "degraded", 0, "offline", 0);
}

json_t *
rc_site_health_rows_json(rc_site_health *sh, gint64 session_id)
{
  watch *w = g_hash_table_lookup(sh->watches, &session_id);
  return w ? rows_json(w, w->last) : json_array();
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
  watch *w = watch_of(sh, sid);
  guint n = f->sites->len;
  g_autofree rc_health_input *in = g_new0(rc_health_input, MAX(n, 1));
  g_autofree char *texts = g_malloc0((gsize)MAX(n, 1) * SPOOF_TEXT);
  for (guint i = 0; i < n; i++)
    in[i] = input_of(&g_array_index(f->sites, rc_media_site_figures, i), texts + (gsize)i * SPOOF_TEXT, SPOOF_TEXT);
  g_autoptr(GArray) changes = g_array_new(FALSE, FALSE, sizeof(rc_health_change));
  g_autoptr(GArray) alarms = g_array_new(FALSE, FALSE, sizeof(rc_health_alarm));
  g_autoptr(GArray) stored = g_array_new(FALSE, FALSE, sizeof(stored_alarm));
  g_array_set_clear_func(stored, stored_alarm_clear);
  rc_health_tick(w->health, in, n, now_s(), changes, alarms);
  /* One commit (one fsync) for the whole tick: 600 sites dropping at once
   * are 600 state changes, alarms and call rows, not 1,800 commits. */
  g_autoptr(GError) error = NULL;
  if (rc_store_begin(sh->store, &error)) {
    if (!w->check_id)
      for (guint i = 0; i < n; i++)
        account_call(w, &g_array_index(f->sites, rc_media_site_figures, i), &in[i]);
    store_changes(w, changes, alarms, stored);
    store_refusals(w, f, stored);
    if (rc_store_commit(sh->store, &error))
      publish_alarms(w, stored);
  }
  if (error)
    g_warning("session %" G_GINT64_FORMAT ": health not stored this tick: %s", sid, error->message);
  g_clear_pointer(&w->last, rc_media_figures_unref);
  w->last = rc_media_figures_ref(f);
  json_t *body = json_pack("{so so s{so so} sI}", "counts", counts_json(w), "sites", rows_json(w, f),
                           "ingest", "video", rc_site_health_dropped_json(f->dropped[0]), "audio", rc_site_health_dropped_json(f->dropped[1]),
                           "server_time_ms", (json_int_t)(g_get_real_time() / 1000));
  rc_meeting_send(sh->meeting, sid, RC_EVENT_HEALTH_TICK, body);
}

void
rc_site_health_session_ended(rc_site_health *sh, gint64 session_id)
{
  watch *w = g_hash_table_lookup(sh->watches, &session_id);
  if (!w || w->check_id)
    return;
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init(&it, w->calls);
  while (g_hash_table_iter_next(&it, &key, &value))
    close_call(w, *(gint64 *)key, value, "the session ended");
  g_hash_table_remove(sh->watches, &session_id);
}

static void check_finish(watch *w);

static void
on_domain(const rc_domain_event *e, gpointer data)
{
  rc_site_health *sh = data;
  if (e->kind == RC_DOMAIN_SESSION_ENDED) {
    rc_site_health_session_ended(sh, e->session_id);
  } else if (e->kind == RC_DOMAIN_SESSION_LIVE) {
    /* The session went live during its own check: the check ends now with
     * what it saw (stored, published, its media down), and the session's
     * own watch starts afresh with its live media. */
    watch *w = g_hash_table_lookup(sh->watches, &e->session_id);
    if (w && w->check_id) {
      g_clear_handle_id(&w->check_source, g_source_remove);
      check_finish(w);
      g_hash_table_remove(sh->watches, &e->session_id);
    }
  }
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
  if (v->state == RC_HEALTH_HELD) /* connected, but sends nothing until it resumes: its state says why */
    return "degraded";
  if (v->state == RC_HEALTH_DEGRADED || v->video_problem || v->audio_problem)
    return "degraded";
  return "ready";
}

/* The session another conference holds site @site_id in (0 = none), and its title. */
static gint64
busy_in(watch *w, gint64 site_id, char **title)
{
  rc_media *media = w->sh->media;
  gint64 other = media ? rc_media_site_session(media, site_id, NULL) : 0;
  if (!other || other == w->session_id)
    return 0;
  g_autoptr(json_t) session = rc_store_session_get(w->sh->store, other, NULL);
  *title = g_strdup(session ? json_string_value(json_object_get(session, "title")) : "");
  return other;
}

/* Why the media refuse all of site @site_id's packets, configured nowhere (its last figures), or NULL. */
static const char *
nowhere(watch *w, gint64 site_id)
{
  for (guint i = 0; w->last && i < w->last->sites->len; i++) {
    const rc_media_site_figures *s = &g_array_index(w->last->sites, rc_media_site_figures, i);
    if (s->site_id == site_id)
      return s->nowhere;
  }
  return NULL;
}

static json_t *
check_result(watch *w)
{
  g_autoptr(json_t) sites = rc_store_session_sites(w->sh->store, w->session_id, NULL);
  json_t *rows = json_array();
  guint ready = 0, degraded = 0, absent = 0, busy = 0, refused = 0;
  size_t i;
  json_t *s;
  json_array_foreach(sites, i, s) {
    gint64 id = json_integer_value(json_object_get(s, "id"));
    rc_health_view view;
    g_autofree char *title = NULL;
    gint64 other = busy_in(w, id, &title);
    gboolean known = !other && rc_health_site(w->health, id, now_s(), &view);
    const char *why = g_hash_table_lookup(w->refused, &id); /* a closed session's, in clear */
    const char *v = other ? "busy" : why ? "refused" : verdict_of(known, &view);
    refused += why && !other;
    ready += g_str_equal(v, "ready"), degraded += g_str_equal(v, "degraded"), absent += g_str_equal(v, "absent");
    busy += other != 0;
    json_t *row = json_pack("{sO sO sO ss so}", "site_id", json_object_get(s, "id"), "code", json_object_get(s, "code"),
                            "name", json_object_get(s, "name"), "verdict", v, "health",
                            known ? view_json(id, &view) : json_null());
    if (other) /* in another live conference: it cannot be in this one too */
      json_object_set_new(row, "busy", json_pack("{sI ss}", "session_id", (json_int_t)other, "title", title));
    else if (why)
      json_object_set_new(row, "reason", json_string(why));
    else if (nowhere(w, id)) /* a plain site configured nowhere: whatever it sends is dropped */
      json_object_set_new(row, "why", json_string(nowhere(w, id)));
    json_array_append_new(rows, row);
  }
  return json_pack("{si si si si si so}", "ready", ready, "degraded", degraded, "absent", absent, "busy", busy,
                   "refused", refused, "sites", rows);
}

/* The check's verdicts, stored and published; its media stop. */
static void
check_finish(watch *w)
{
  rc_site_health *sh = w->sh;
  gint64 sid = w->session_id;
  g_autoptr(json_t) result = check_result(w);
  rc_store_site_check_finish(sh->store, w->check_id, result, NULL);
  g_message("session %" G_GINT64_FORMAT ": pre-session check done: %" JSON_INTEGER_FORMAT " ready, %" JSON_INTEGER_FORMAT
            " degraded, %" JSON_INTEGER_FORMAT " absent, %" JSON_INTEGER_FORMAT " busy elsewhere", sid,
            json_integer_value(json_object_get(result, "ready")), json_integer_value(json_object_get(result, "degraded")),
            json_integer_value(json_object_get(result, "absent")), json_integer_value(json_object_get(result, "busy")));
  rc_meeting_send(sh->meeting, sid, RC_EVENT_CHECK_FINISHED,
                  json_pack("{sI sO}", "check_id", (json_int_t)w->check_id, "result", result));
  if (sh->media)
    rc_media_stop(sh->media, sid);
}

static gboolean
on_check_step(gpointer data)
{
  watch *w = data;
  rc_site_health *sh = w->sh;
  double elapsed = (g_get_monotonic_time() - w->check_started_us) / 1e6;
  double total = sh->config->health_check_seconds;
  gint64 sid = w->session_id;
  if (elapsed < total) {
    rc_meeting_send(sh->meeting, sid, RC_EVENT_CHECK_PROGRESS,
                    json_pack("{sI sf sf so}", "check_id", (json_int_t)w->check_id, "elapsed_s", elapsed, "total_s",
                              total, "counts", counts_json(w)));
    return G_SOURCE_CONTINUE;
  }
  w->check_source = 0;
  check_finish(w);
  g_hash_table_remove(sh->watches, &sid); /* frees @w */
  return G_SOURCE_REMOVE;
}

static gboolean
audit(rc_store *store, gint64 user_id, const char *action, const char *kind, gint64 id, GError **error)
{
  g_autofree char *target = g_strdup_printf("%s:%" G_GINT64_FORMAT, kind, id);
  return rc_store_audit(store, user_id, action, target, NULL, error);
}

/* The check's row and its audit row, one commit: the check's id or 0. */
static gint64
check_row(rc_store *store, gint64 sid, gint64 user_id, GError **error)
{
  gint64 id = 0;
  if (!rc_store_begin(store, error))
    return 0;
  gboolean ok = (id = rc_store_site_check_start(store, sid, user_id, error)) &&
                audit(store, user_id, "check.start", "session", sid, error);
  return rc_store_end(store, ok, error) ? id : 0;
}

gint64
rc_site_health_check_start(rc_site_health *sh, gint64 sid, gint64 user_id, GError **error)
{
  g_autoptr(json_t) session = rc_store_session_get(sh->store, sid, error);
  if (!session)
    return 0;
  if (!g_str_equal(json_string_value(json_object_get(session, "status")), "scheduled") || !sh->media ||
      rc_media_has(sh->media, sid)) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE,
                "a check runs before a scheduled session, one at a time for each session");
    return 0;
  }
  g_auto(rc_session_sites) sites = {0};
  if (!rc_session_sites_load(sh->store, sid, &sites, error) ||
      !rc_media_start_check(sh->media, sid,
                            &(rc_media_policy){.closed = json_is_true(json_object_get(session, "closed"))},
                            sites.sites, sites.n, error))
    return 0;
  gint64 check_id = check_row(sh->store, sid, user_id, error);
  if (!check_id) {
    rc_media_stop(sh->media, sid);
    return 0;
  }
  g_hash_table_remove(sh->watches, &sid); /* figures of an earlier check */
  watch *w = watch_of(sh, sid);
  w->check_id = check_id;
  w->check_started_us = g_get_monotonic_time();
  w->check_source = g_timeout_add(1000, on_check_step, w);
  return check_id;
}

json_t *
rc_site_health_alarm_ack(rc_site_health *sh, gint64 alarm_id, gint64 user_id, GError **error)
{
  if (!rc_store_begin(sh->store, error))
    return NULL;
  g_autoptr(json_t) alarm = rc_store_alarm_ack(sh->store, alarm_id, user_id, error);
  if (!rc_store_end(sh->store, alarm && audit(sh->store, user_id, "alarm.ack", "alarm", alarm_id, error), error))
    return NULL;
  gint64 sid = json_integer_value(json_object_get(alarm, "session_id"));
  if (sid)
    rc_meeting_send(sh->meeting, sid, RC_EVENT_ALARM_ACKED, json_pack("{sO}", "alarm", alarm));
  return g_steal_pointer(&alarm);
}
