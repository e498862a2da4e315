/* api-health — the technicians' side: twice a second the media figures go
 * through the health state machine; state changes and alarms are stored and
 * pushed to the technicians (who subscribe to a session's health apart from
 * the tablets, so 600 sites a second never reach a delegate's tablet); each
 * site's calls are recorded as the session's site attendance; the
 * pre-session check; alarms and their acknowledgement; /metrics. */
#define G_LOG_DOMAIN "roomctl-api"
#include "api-private.h"
#include "health.h"
#include "media.h"
#include "service.h"

#include <gio/gio.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>

#define TECH_ROLES (RC_ROLES_EDITORS | RC_ROLE_TECHNICIAN | RC_ROLE_CHAIR)

/* What a site's call summary needs, accumulated tick by tick. */
typedef struct {
  gboolean in_call;
  guint64 packets, lost;
  double jitter_sum, kbps_sum;
  guint samples;
  guint freezes;
  gboolean was_frozen;
} site_call;

struct rc_api_health {
  rc_health *health;
  GHashTable *calls;   /* gint64* site id -> site_call* */
  gint64 session_id;   /* whose figures these are */
  json_t *last;        /* last media snapshot (for /metrics) */
  gint64 check_id, check_session;
  guint check_source;
  gint64 check_started_us;
  GString *metrics;    /* cached /metrics text */
  gint64 metrics_at_us;
};

static double
now_s(void)
{
  return g_get_monotonic_time() / 1e6;
}

rc_api_health *
rc_api_health_new(rc_config *c)
{
  rc_api_health *h = g_new0(rc_api_health, 1);
  rc_health_thresholds t = {c->health_loss_percent, c->health_jitter_ms, c->health_offline_seconds,
                            c->health_freeze_seconds, c->health_freeze_kbps, c->health_keyframe_seconds,
                            c->health_silence_seconds, c->health_silence_kbps, c->health_clear_seconds};
  h->health = rc_health_new(&t);
  h->calls = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
  h->metrics = g_string_new(NULL);
  return h;
}

void
rc_api_health_free(rc_api_health *h)
{
  if (!h)
    return;
  g_clear_handle_id(&h->check_source, g_source_remove);
  rc_health_free(h->health);
  g_hash_table_destroy(h->calls);
  g_clear_pointer(&h->last, json_decref);
  g_string_free(h->metrics, TRUE);
  g_free(h);
}

static double
num(json_t *o, const char *k)
{
  json_t *v = json_object_get(o, k);
  return json_is_number(v) ? json_number_value(v) : 0;
}

static rc_health_input
input_of(json_t *site)
{
  json_t *v = json_object_get(site, "video"), *a = json_object_get(site, "audio"), *rr = json_object_get(site, "video_rr");
  rc_health_input in = {.site_id = json_integer_value(json_object_get(site, "site_id"))};
  in.have_video = v && num(v, "packets") > 0;
  in.have_audio = a && num(a, "packets") > 0;
  /* The settled figures: a late packet is neither lost in one window nor
   * found in the next, so reordering shows no loss. */
  in.video_expected = (guint64)num(v, "settled_expected");
  in.video_lost_total = (guint64)num(v, "settled_lost");
  in.video_jitter_ms = num(v, "jitter_ms");
  in.video_idle_s = num(v, "idle_seconds");
  /* Frozen means no change between keyframes: judge the non-keyframe rate. */
  in.video_kbps = num(v, "delta_bitrate_bps") / 1000;
  in.keyframe_age_s = num(v, "keyframe_age_s");
  in.audio_idle_s = num(a, "idle_seconds");
  in.audio_kbps = num(a, "bitrate_bps") / 1000;
  in.video_rate_kbps = num(v, "bitrate_bps") / 1000;
  in.video_cap_kbps = num(v, "cap_kbps");
  in.audio_cap_kbps = num(a, "cap_kbps");
  in.video_pt = (int)num(v, "payload_type");
  in.audio_pt = (int)num(a, "payload_type");
  in.have_video_bad_pt = json_is_integer(json_object_get(v, "wrong_payload_type"));
  in.have_audio_bad_pt = json_is_integer(json_object_get(a, "wrong_payload_type"));
  in.video_bad_pt = (int)num(v, "wrong_payload_type");
  in.audio_bad_pt = (int)num(a, "wrong_payload_type");
  in.video_bad_pt_age_s = num(v, "wrong_payload_type_age_s");
  in.audio_bad_pt_age_s = num(a, "wrong_payload_type_age_s");
  in.have_rr = json_is_object(rr);
  in.rr_fraction_lost = num(rr, "fraction_lost");
  in.rr_jitter_ms = num(rr, "jitter") / 90.0;
  return in;
}

static site_call *
call_of(rc_api_health *h, gint64 site_id)
{
  site_call *c = g_hash_table_lookup(h->calls, &site_id);
  if (!c) {
    c = g_new0(site_call, 1);
    g_hash_table_insert(h->calls, g_memdup2(&site_id, sizeof site_id), c);
  }
  return c;
}

static void
close_call(rc_api *api, gint64 site_id, site_call *c, const char *reason)
{
  if (!c->in_call)
    return;
  g_autoptr(GError) error = NULL;
  double n = MAX(c->samples, 1);
  if (!rc_store_site_call_close(api->store, api->health->session_id, site_id, reason, (gint64)c->packets,
                                (gint64)c->lost, c->jitter_sum / n, c->kbps_sum / n, c->freezes, &error))
    g_warning("site call: %s", error->message);
  c->in_call = FALSE;
}

/* Keeps each site's call up to date with one tick of figures. */
static void
account_call(rc_api *api, json_t *site, const rc_health_input *in)
{
  rc_api_health *h = api->health;
  site_call *c = call_of(h, in->site_id);
  json_t *v = json_object_get(site, "video");
  rc_health_state st = rc_health_state_of(h->health, in->site_id);
  gboolean up = st == RC_HEALTH_ONLINE || st == RC_HEALTH_DEGRADED;
  if (up && !c->in_call) {
    c->in_call = rc_store_site_call_open(api->store, h->session_id, in->site_id, NULL);
  } else if (!up && c->in_call) {
    close_call(api, in->site_id, c, "the site stopped sending");
  }
  if (!c->in_call)
    return;
  c->packets = (guint64)num(v, "packets");
  c->lost = in->video_lost_total;
  c->jitter_sum += in->video_jitter_ms;
  c->kbps_sum += in->video_kbps;
  c->samples++;
  g_autoptr(json_t) hj = rc_health_site_json(h->health, in->site_id, now_s());
  gboolean frozen = hj && json_is_true(json_object_get(hj, "video_problem"));
  c->freezes += frozen && !c->was_frozen;
  c->was_frozen = frozen;
}

/* Writes one tick's state changes and alarms; the alarms' rows are
 * collected in @stored (with "raised", "kind" and "reason") to be pushed once
 * the tick's transaction is committed. */
static void
store_changes(rc_api *api, GArray *changes, GArray *alarms, GPtrArray *stored)
{
  gint64 sid = api->health->session_id;
  for (guint i = 0; i < changes->len; i++) {
    rc_health_change *c = &g_array_index(changes, rc_health_change, i);
    if (c->from != c->to)
      rc_store_health_event(api->store, sid, c->site_id, rc_health_state_name(c->from), rc_health_state_name(c->to),
                            c->reason, NULL);
  }
  for (guint i = 0; i < alarms->len; i++) {
    rc_health_alarm *a = &g_array_index(alarms, rc_health_alarm, i);
    gint64 id = a->raised ? rc_store_alarm_raise(api->store, sid, a->site_id, a->kind, a->reason, NULL)
                          : rc_store_alarm_clear(api->store, sid, a->site_id, a->kind, NULL);
    json_t *alarm = id ? rc_store_alarm_get(api->store, id, NULL) : NULL;
    if (alarm)
      g_ptr_array_add(stored, json_pack("{so sb ss ss}", "alarm", alarm, "raised", a->raised, "kind", a->kind,
                                        "reason", a->reason));
  }
}

/* After the commit: the technicians hear of the tick's alarms. */
static void
push_alarms(rc_api *api, GPtrArray *stored)
{
  gint64 sid = api->health->session_id;
  for (guint i = 0; i < stored->len; i++) {
    json_t *e = stored->pdata[i], *alarm = json_object_get(e, "alarm");
    gboolean raised = json_is_true(json_object_get(e, "raised"));
    const char *site = json_string_value(json_object_get(alarm, "site_code"));
    rc_log_about(G_LOG_LEVEL_MESSAGE, sid, site, 0, "session %" G_GINT64_FORMAT ": site %s: alarm %s %s (%s)", sid,
                 site, json_string_value(json_object_get(e, "kind")), raised ? "raised" : "cleared",
                 json_string_value(json_object_get(e, "reason")));
    rc_meeting_send(api->meeting, sid, raised ? RC_EVENT_ALARM_RAISED : RC_EVENT_ALARM_CLEARED,
                    json_pack("{sO}", "alarm", alarm));
  }
}

/* A compact row per site for the dashboard, every tick (twice a second). */
static json_t *
tick_rows(rc_api *api, json_t *sites)
{
  json_t *rows = json_array();
  size_t i;
  json_t *site;
  json_array_foreach(sites, i, site) {
    gint64 id = json_integer_value(json_object_get(site, "site_id"));
    g_autoptr(json_t) hj = rc_health_site_json(api->health->health, id, now_s());
    if (!hj)
      continue;
    json_t *v = json_object_get(site, "video"), *a = json_object_get(site, "audio"), *rr = json_object_get(site, "video_rr");
    json_object_set_new(hj, "kbps", json_real(round(num(v, "bitrate_bps") / 100) / 10));
    json_object_set_new(hj, "audio_kbps", json_real(round(num(a, "bitrate_bps") / 100) / 10));
    json_object_set_new(hj, "rr_loss_percent", rr && json_is_object(rr) ? json_real(num(rr, "fraction_lost") * 100) : json_null());
    json_object_set_new(hj, "idle_s", json_real(round(MIN(num(v, "idle_seconds"), num(a, "idle_seconds")) * 10) / 10));
    json_array_append(rows, hj);
  }
  return rows;
}

void
rc_api_health_on_stats(json_t *snapshot, gpointer data)
{
  rc_api *api = data;
  rc_api_health *h = api->health;
  gint64 sid = json_integer_value(json_object_get(snapshot, "session_id"));
  if (sid != h->session_id) { /* a new session: start afresh */
    rc_health_reset(h->health);
    g_hash_table_remove_all(h->calls);
    h->session_id = sid;
  }
  json_t *sites = json_object_get(snapshot, "sites");
  g_autofree rc_health_input *in = g_new0(rc_health_input, MAX(json_array_size(sites), 1));
  size_t i;
  json_t *site;
  json_array_foreach(sites, i, site) in[i] = input_of(site);
  g_autoptr(GArray) changes = g_array_new(FALSE, FALSE, sizeof(rc_health_change));
  g_autoptr(GArray) alarms = g_array_new(FALSE, FALSE, sizeof(rc_health_alarm));
  g_autoptr(GPtrArray) stored = g_ptr_array_new_with_free_func((GDestroyNotify)json_decref);
  rc_health_tick(h->health, in, (guint)json_array_size(sites), now_s(), changes, alarms);
  /* One commit (one fsync) for the whole tick: 600 sites dropping at once
   * are 600 state changes, alarms and call rows, not 1,800 commits. */
  g_autoptr(GError) error = NULL;
  if (rc_store_begin(api->store, &error)) {
    if (!h->check_id)
      json_array_foreach(sites, i, site) account_call(api, site, &in[i]);
    store_changes(api, changes, alarms, stored);
    if (rc_store_commit(api->store, &error))
      push_alarms(api, stored);
  }
  if (error)
    g_warning("session %" G_GINT64_FORMAT ": health not stored this tick: %s", sid, error->message);
  rc_api_storage_on_media(api, sid);
  g_clear_pointer(&h->last, json_decref);
  h->last = json_incref(snapshot);
  json_error_t jerr;
  json_t *body = json_pack_ex(&jerr, 0, "{so so sO sI}", "counts", rc_health_counts(h->health), "sites",
                              tick_rows(api, sites), "ingest", json_object_get(snapshot, "ingest"), "server_time_ms",
                              (json_int_t)(g_get_real_time() / 1000));
  if (!body)
    g_critical("health.tick: %s", jerr.text);
  rc_meeting_send(api->meeting, sid, RC_EVENT_HEALTH_TICK, body);
}

/* The session ends: every open call is closed with that reason. */
void
rc_api_health_session_ended(rc_api *api, gint64 session_id)
{
  rc_api_health *h = api->health;
  if (h->session_id != session_id)
    return;
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init(&it, h->calls);
  while (g_hash_table_iter_next(&it, &key, &value))
    close_call(api, *(gint64 *)key, value, "the session ended");
  rc_api_storage_session_ended(api, session_id);
}

/* ---- WebSocket: the technicians' subscription ---- */

static json_t *
health_snapshot(rc_api *api, gint64 sid)
{
  rc_api_health *h = api->health;
  json_t *sites = h->last && h->session_id == sid ? tick_rows(api, json_object_get(h->last, "sites")) : json_array();
  json_t *alarms = rc_store_alarms_list(api->store, sid, TRUE, 500, NULL);
  if (!alarms)
    alarms = json_array();
  rc_api_storage_pending(api, sid, alarms);
  return json_pack("{sI so so so sO}", "session_id", (json_int_t)sid, "counts", rc_health_counts(h->health), "sites",
                   sites, "alarms", alarms ? alarms : json_array(), "media",
                   api->media && rc_media_session(api->media) == sid ? rc_media_status(api->media) : json_null());
}

static gboolean
ws_subscribe_health(rc_api_ws_call *call, GError **error)
{
  gint64 sid = rc_api_ws_int(call, "session_id");
  g_autoptr(json_t) session = rc_store_session_get(call->api->store, sid, error);
  if (!session)
    return FALSE;
  call->api->io.subscribe(call->peer->conn, rc_meeting_tech_topic(sid), TRUE);
  call->ack = health_snapshot(call->api, sid);
  return TRUE;
}

static gboolean
ws_unsubscribe_health(rc_api_ws_call *call, GError **error)
{
  (void)error;
  call->api->io.subscribe(call->peer->conn, rc_meeting_tech_topic(rc_api_ws_int(call, "session_id")), FALSE);
  call->ack = json_object();
  return TRUE;
}

static gboolean
ws_alarm_ack(rc_api_ws_call *call, GError **error)
{
  gint64 id = rc_api_ws_int(call, "alarm_id");
  json_t *alarm = rc_store_alarm_ack(call->api->store, id, RC_USER_ID(call->peer->user), error);
  if (!alarm)
    return FALSE;
  rc_api_audit(call->api, RC_USER_ID(call->peer->user), "alarm.ack", "alarm:%" G_GINT64_FORMAT, id);
  gint64 sid = json_integer_value(json_object_get(alarm, "session_id"));
  if (sid)
    rc_meeting_send(call->api->meeting, sid, RC_EVENT_ALARM_ACKED, json_pack("{sO}", "alarm", alarm));
  call->ack = json_pack("{so}", "alarm", alarm);
  return TRUE;
}

/* ---- the pre-session check ---- */

static const char *
verdict_of(json_t *site_health)
{
  const char *state = json_string_value(json_object_get(site_health, "state"));
  if (!state || g_str_equal(state, "unknown") || g_str_equal(state, "offline"))
    return "absent";
  if (g_str_equal(state, "degraded") || json_is_true(json_object_get(site_health, "video_problem")) ||
      json_is_true(json_object_get(site_health, "audio_problem")))
    return "degraded";
  return "ready";
}

static json_t *
check_result(rc_api *api, gint64 sid)
{
  g_autoptr(json_t) sites = rc_store_session_sites(api->store, sid, NULL);
  json_t *rows = json_array();
  guint ready = 0, degraded = 0, absent = 0;
  size_t i;
  json_t *s;
  json_array_foreach(sites, i, s) {
    gint64 id = json_integer_value(json_object_get(s, "id"));
    g_autoptr(json_t) hj = rc_health_site_json(api->health->health, id, now_s());
    const char *v = verdict_of(hj);
    ready += g_str_equal(v, "ready"), degraded += g_str_equal(v, "degraded"), absent += g_str_equal(v, "absent");
    json_array_append_new(rows, json_pack("{sO sO sO ss so}", "site_id", json_object_get(s, "id"), "code",
                                          json_object_get(s, "code"), "name", json_object_get(s, "name"), "verdict", v,
                                          "health", hj ? json_incref(hj) : json_null()));
  }
  return json_pack("{si si si so}", "ready", ready, "degraded", degraded, "absent", absent, "sites", rows);
}

static gboolean
on_check_step(gpointer data)
{
  rc_api *api = data;
  rc_api_health *h = api->health;
  double elapsed = (g_get_monotonic_time() - h->check_started_us) / 1e6;
  double total = api->config->health_check_seconds;
  gint64 sid = h->check_session;
  if (elapsed < total) {
    rc_meeting_send(api->meeting, sid, RC_EVENT_CHECK_PROGRESS,
                    json_pack("{sI sf sf so}", "check_id", (json_int_t)h->check_id, "elapsed_s", elapsed, "total_s",
                              total, "counts", rc_health_counts(h->health)));
    return G_SOURCE_CONTINUE;
  }
  g_autoptr(json_t) result = check_result(api, sid);
  rc_store_site_check_finish(api->store, h->check_id, result, NULL);
  g_message("session %" G_GINT64_FORMAT ": pre-session check done: %" JSON_INTEGER_FORMAT " ready, %" JSON_INTEGER_FORMAT
            " degraded, %" JSON_INTEGER_FORMAT " absent", sid, json_integer_value(json_object_get(result, "ready")),
            json_integer_value(json_object_get(result, "degraded")), json_integer_value(json_object_get(result, "absent")));
  rc_meeting_send(api->meeting, sid, RC_EVENT_CHECK_FINISHED,
                  json_pack("{sI sO}", "check_id", (json_int_t)h->check_id, "result", result));
  if (api->media)
    rc_media_stop(api->media);
  h->check_id = h->check_session = 0;
  h->check_source = 0;
  return G_SOURCE_REMOVE;
}

static gboolean
check_start(rc_api_call *call, GError **error)
{
  rc_api *api = call->api;
  gint64 sid = call->match->params[0];
  g_autoptr(json_t) session = rc_store_session_get(api->store, sid, error);
  if (!session)
    return FALSE;
  if (!g_str_equal(json_string_value(json_object_get(session, "status")), "scheduled") || !api->media ||
      rc_media_session(api->media) || api->health->check_id) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE,
                "a check runs before a scheduled session, while no other session has the media");
    return FALSE;
  }
  g_autoptr(json_t) sites = rc_store_session_sites(api->store, sid, error);
  if (!sites || !rc_media_start_check(api->media, sid, sites, error))
    return FALSE;
  api->health->check_id = rc_store_site_check_start(api->store, sid, call->user_id, error);
  api->health->check_session = sid;
  api->health->check_started_us = g_get_monotonic_time();
  api->health->check_source = g_timeout_add(1000, on_check_step, api);
  rc_api_audit(api, call->user_id, "check.start", "session:%" G_GINT64_FORMAT, sid);
  rc_api_reply_json(call->reply, 202, json_pack("{sI sI si}", "check_id", (json_int_t)api->health->check_id,
                                                "session_id", (json_int_t)sid, "seconds",
                                                api->config->health_check_seconds));
  return TRUE;
}

static gboolean
checks_list(rc_api_call *call, GError **error)
{
  json_t *list = rc_store_site_checks(call->api->store, call->match->params[0], error);
  if (!list)
    return FALSE;
  rc_api_reply_json(call->reply, 200, json_pack("{so}", "checks", list));
  return TRUE;
}

/* ---- REST ---- */

static gboolean
alarms_list(rc_api_call *call, GError **error)
{
  const char *s = call->request->query ? g_hash_table_lookup(call->request->query, "session_id") : NULL;
  const char *active = call->request->query ? g_hash_table_lookup(call->request->query, "active") : NULL;
  json_t *list = rc_store_alarms_list(call->api->store, s ? g_ascii_strtoll(s, NULL, 10) : 0,
                                      g_strcmp0(active, "1") == 0 || g_strcmp0(active, "true") == 0, 1000, error);
  if (!list)
    return FALSE;
  rc_api_reply_json(call->reply, 200, json_pack("{so}", "alarms", list));
  return TRUE;
}

static gboolean
alarm_ack(rc_api_call *call, GError **error)
{
  gint64 id = call->match->params[0];
  json_t *alarm = rc_store_alarm_ack(call->api->store, id, call->user_id, error);
  if (!alarm)
    return FALSE;
  rc_api_audit(call->api, call->user_id, "alarm.ack", "alarm:%" G_GINT64_FORMAT, id);
  gint64 sid = json_integer_value(json_object_get(alarm, "session_id"));
  if (sid)
    rc_meeting_send(call->api->meeting, sid, RC_EVENT_ALARM_ACKED, json_pack("{sO}", "alarm", alarm));
  rc_api_reply_json(call->reply, 200, alarm);
  return TRUE;
}

static gboolean
site_calls(rc_api_call *call, GError **error)
{
  gint64 sid = call->match->params[0];
  g_autoptr(json_t) session = rc_store_session_get(call->api->store, sid, error);
  g_autoptr(json_t) rows = session ? rc_store_site_calls(call->api->store, sid, error) : NULL;
  if (!rows)
    return FALSE;
  const char *format = call->request->query ? g_hash_table_lookup(call->request->query, "format") : NULL;
  if (g_strcmp0(format, "csv") == 0) {
    static const char *const cols[] = {"site_id", "code", "name", "level", "joined_at", "left_at", "seconds",
                                       "left_reason", "packets", "lost", "jitter_ms", "kbps", "freezes", NULL};
    g_autofree char *name = g_strdup_printf("site-attendance-session-%" G_GINT64_FORMAT ".csv", sid);
    rc_api_reply_csv(call->reply, rows, cols, name, rc_api_zone(call->api));
    return TRUE;
  }
  rc_api_reply_json(call->reply, 200, json_pack("{sI sO}", "session_id", (json_int_t)sid, "calls", rows));
  return TRUE;
}

/* ---- /metrics (Prometheus text format 0.0.4) ---- */

static gboolean
peer_allowed(const char *peer, const char *allow)
{
  if (!allow || !*allow)
    return TRUE;
  g_autoptr(GInetAddress) addr = peer ? g_inet_address_new_from_string(peer) : NULL;
  if (!addr)
    return FALSE;
  g_auto(GStrv) ranges = g_strsplit(allow, ",", -1);
  for (char **r = ranges; *r; r++) {
    g_autoptr(GInetAddressMask) mask = g_inet_address_mask_new_from_string(g_strstrip(*r), NULL);
    if (mask && g_inet_address_mask_matches(mask, addr))
      return TRUE;
  }
  return FALSE;
}

static void
escape_label(GString *out, const char *v)
{
  for (; v && *v; v++) {
    if (*v == '\\' || *v == '"')
      g_string_append_c(out, '\\');
    if (*v == '\n') {
      g_string_append(out, "\\n");
      continue;
    }
    g_string_append_c(out, *v);
  }
}

static void
family(GString *out, const char *name, const char *type, const char *help)
{
  g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
site_sample(GString *out, const char *name, json_t *site, const char *medium, double value)
{
  g_string_append_printf(out, "%s{site=\"", name);
  escape_label(out, json_string_value(json_object_get(site, "code")));
  g_string_append(out, "\",name=\"");
  escape_label(out, json_string_value(json_object_get(site, "name")));
  if (medium)
    g_string_append_printf(out, "\",medium=\"%s", medium);
  g_string_append_printf(out, "\"} %.17g\n", value);
}

typedef struct {
  const char *name, *type, *help, *key;
  double scale;
  gboolean per_medium;
} site_metric;

static const site_metric site_metrics[] = {
  {"roomctl_site_packets_received_total", "counter", "RTP packets received from the site.", "packets", 1, TRUE},
  {"roomctl_site_received_bytes_total", "counter", "RTP bytes received from the site.", "bytes", 1, TRUE},
  {"roomctl_site_packets_lost_total", "counter", "RTP packets the site sent that never arrived (RFC 3550).", "lost", 1, TRUE},
  {"roomctl_site_loss_ratio", "gauge", "Share of the site's packets lost since it joined.", "loss_ratio", 1, TRUE},
  {"roomctl_site_jitter_seconds", "gauge", "RFC 3550 interarrival jitter of the site's stream.", "jitter_ms", 1e-3, TRUE},
  {"roomctl_site_receive_bytes_per_second", "gauge", "Rate received from the site over the last second.", "bitrate_bps", 0.125, TRUE},
  {"roomctl_site_idle_seconds", "gauge", "Seconds since the site's last packet.", "idle_seconds", 1, TRUE},
  {"roomctl_site_over_cap_packets_total", "counter", "RTP packets of the site dropped above its rate cap.", "over_cap_packets", 1, TRUE},
  {"roomctl_site_wrong_payload_type_packets_total", "counter", "RTP packets of the site with a payload type it should not send (dropped).", "wrong_payload_type_packets", 1, TRUE},
};

static void
render_sites(rc_api *api, GString *out, json_t *sites)
{
  static const char *const states[] = {"unknown", "online", "degraded", "offline"};
  family(out, "roomctl_site_up", "gauge", "Whether the site is sending (online or degraded).");
  size_t i;
  json_t *s;
  json_array_foreach(sites, i, s) {
    rc_health_state st = rc_health_state_of(api->health->health, json_integer_value(json_object_get(s, "site_id")));
    site_sample(out, "roomctl_site_up", s, NULL, st == RC_HEALTH_ONLINE || st == RC_HEALTH_DEGRADED);
  }
  family(out, "roomctl_site_state", "gauge", "The site's health state (1 for the current one).");
  json_array_foreach(sites, i, s) {
    rc_health_state st = rc_health_state_of(api->health->health, json_integer_value(json_object_get(s, "site_id")));
    for (guint k = 0; k < 4; k++) {
      g_string_append_printf(out, "roomctl_site_state{state=\"%s\",site=\"", states[k]);
      escape_label(out, json_string_value(json_object_get(s, "code")));
      g_string_append(out, "\",name=\"");
      escape_label(out, json_string_value(json_object_get(s, "name")));
      g_string_append_printf(out, "\"} %d\n", st == (rc_health_state)k);
    }
  }
  for (guint m = 0; m < G_N_ELEMENTS(site_metrics); m++) {
    const site_metric *sm = &site_metrics[m];
    family(out, sm->name, sm->type, sm->help);
    json_array_foreach(sites, i, s) for (guint k = 0; k < 2; k++) {
      json_t *v = json_object_get(s, k ? "audio" : "video");
      if (v && json_is_number(json_object_get(v, sm->key)) &&
          (num(v, "packets") > 0 || num(v, "wrong_payload_type_packets") > 0))
        site_sample(out, sm->name, s, k ? "audio" : "video", MAX(num(v, sm->key), 0) * sm->scale);
    }
  }
}

static void
process_figures(GString *out, guint ws_clients)
{
  g_autofree char *stat = NULL, *status = NULL;
  g_file_get_contents("/proc/self/stat", &stat, NULL, NULL);
  g_file_get_contents("/proc/self/status", &status, NULL, NULL);
  double cpu = 0, rss = 0, threads = 0;
  const char *after = stat ? strrchr(stat, ')') : NULL;
  unsigned long ut = 0, st = 0;
  if (after && sscanf(after + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) == 2)
    cpu = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
  const char *p = status ? strstr(status, "VmRSS:") : NULL;
  if (p)
    rss = g_ascii_strtod(p + 6, NULL) * 1024;
  p = status ? strstr(status, "Threads:") : NULL;
  if (p)
    threads = g_ascii_strtod(p + 8, NULL);
  family(out, "process_cpu_seconds_total", "counter", "CPU time used by roomctl.");
  g_string_append_printf(out, "process_cpu_seconds_total %.3f\n", cpu);
  family(out, "process_resident_memory_bytes", "gauge", "Resident memory of roomctl.");
  g_string_append_printf(out, "process_resident_memory_bytes %.0f\n", rss);
  family(out, "roomctl_threads", "gauge", "Threads in roomctl (main loop, media streaming, workers).");
  g_string_append_printf(out, "roomctl_threads %.0f\n", threads);
  family(out, "roomctl_websocket_clients", "gauge", "Open WebSocket connections (tablets, consoles, dashboards).");
  g_string_append_printf(out, "roomctl_websocket_clients %u\n", ws_clients);
}

/* The switch program's forwarding delay as a Prometheus histogram (the
 * media keeps it in ms; Prometheus wants seconds and cumulative buckets). */
static void
render_forward_delay(GString *out, json_t *delay)
{
  json_t *bounds = json_object_get(delay, "bounds_ms"), *counts = json_object_get(delay, "counts");
  if (!json_is_array(bounds) || json_array_size(counts) != json_array_size(bounds) + 1)
    return;
  const char *name = "roomctl_program_forward_delay_seconds";
  family(out, name, "histogram", "From a source packet's arrival (kernel time) to its hand-over for the last site, switch mode.");
  double cumulative = 0;
  for (size_t i = 0; i < json_array_size(counts); i++) {
    cumulative += json_number_value(json_array_get(counts, i));
    if (i < json_array_size(bounds))
      g_string_append_printf(out, "%s_bucket{le=\"%g\"} %.0f\n", name, json_number_value(json_array_get(bounds, i)) / 1000.0,
                             cumulative);
    else
      g_string_append_printf(out, "%s_bucket{le=\"+Inf\"} %.0f\n", name, cumulative);
  }
  g_string_append_printf(out, "%s_sum %g\n%s_count %.0f\n", name, num(delay, "sum_ms") / 1000.0, name, cumulative);
}

static void
render_metrics(rc_api *api, GString *out)
{
  g_autoptr(json_t) live = rc_store_sessions_list(api->store, "live", 0, NULL);
  g_autoptr(json_t) alarms = rc_store_alarms_list(api->store, 0, TRUE, 100000, NULL);
  g_string_truncate(out, 0);
  family(out, "roomctl_sessions_live", "gauge", "Meeting sessions that are live.");
  g_string_append_printf(out, "roomctl_sessions_live %zu\n", live ? json_array_size(live) : 0);
  family(out, "roomctl_alarms_active", "gauge", "Alarms not yet cleared or not yet acknowledged.");
  g_string_append_printf(out, "roomctl_alarms_active %zu\n", alarms ? json_array_size(alarms) : 0);
  process_figures(out, api->io.clients ? api->io.clients(api->io.owner) : 0);
  family(out, "roomctl_store_commits_total", "counter",
         "Database write transactions committed; each is one sync of the write-ahead log to disk.");
  g_string_append_printf(out, "roomctl_store_commits_total %" G_GUINT64_FORMAT "\n", rc_store_commits(api->store));
  if (rc_api_storage_free_bytes(api) >= 0) {
    family(out, "roomctl_disk_free_bytes", "gauge",
           "Free space where roomctl writes (the least of the data and recording directories).");
    g_string_append_printf(out, "roomctl_disk_free_bytes %" G_GINT64_FORMAT "\n", rc_api_storage_free_bytes(api));
  }
  json_t *last = api->health->last;
  json_t *ingest = last ? json_object_get(last, "ingest") : NULL;
  family(out, "roomctl_ingest_dropped_packets_total", "counter", "Packets the media ports received and dropped, by reason.");
  const char *reasons[] = {"unknown_ssrc", "malformed", "wrong_payload_type", "rtcp_malformed", "over_cap"};
  for (guint k = 0; ingest && k < 2; k++)
    for (guint r = 0; r < G_N_ELEMENTS(reasons); r++)
      g_string_append_printf(out, "roomctl_ingest_dropped_packets_total{medium=\"%s\",reason=\"%s\"} %.0f\n",
                             k ? "audio" : "video", reasons[r], num(json_object_get(ingest, k ? "audio" : "video"), reasons[r]));
  render_forward_delay(out, last ? json_object_get(last, "forward_delay") : NULL);
  if (last)
    render_sites(api, out, json_object_get(last, "sites"));
}

static gboolean
metrics(rc_api_call *call, GError **error)
{
  if (!peer_allowed(call->request->peer, call->api->config->metrics_allow)) {
    g_set_error(error, RC_ERROR, RC_ERROR_FORBIDDEN, "/metrics is not open to this address");
    return FALSE;
  }
  rc_api_health *h = call->api->health;
  /* The figures change twice a second: the text at most once a second, however often it is read. */
  gint64 now = g_get_monotonic_time();
  if (now - h->metrics_at_us >= G_USEC_PER_SEC || !h->metrics->len) {
    render_metrics(call->api, h->metrics);
    h->metrics_at_us = now;
  }
  rc_api_reply *r = call->reply;
  r->status = 200;
  r->content_type = "text/plain; version=0.0.4; charset=utf-8";
  r->body = g_bytes_new(h->metrics->str, h->metrics->len);
  return TRUE;
}

static const rc_api_field session_only[] = {
  {"session_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_api_field ack_fields[] = {
  {"alarm_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};

const rc_api_ws_type rc_api_ws_health_messages[] = {
  {"subscribe.health", TECH_ROLES, session_only, ws_subscribe_health},
  {"unsubscribe.health", TECH_ROLES, session_only, ws_unsubscribe_health},
  {"alarm.ack", RC_ROLES_EDITORS | RC_ROLE_TECHNICIAN, ack_fields, ws_alarm_ack},
  {NULL, 0, NULL, NULL},
};

const rc_api_route rc_api_routes_health[] = {
  {"GET", "/metrics", 0, RC_BODY_NONE, NULL, metrics},
  {"GET", "/api/v1/alarms", RC_ROLES_STAFF, RC_BODY_NONE, NULL, alarms_list},
  {"POST", "/api/v1/alarms/{id}/ack", RC_ROLES_EDITORS | RC_ROLE_TECHNICIAN, RC_BODY_NONE, NULL, alarm_ack},
  {"GET", "/api/v1/sessions/{id}/site-attendance", RC_ROLES_STAFF, RC_BODY_NONE, NULL, site_calls},
  {"POST", "/api/v1/sessions/{id}/check", RC_ROLES_EDITORS | RC_ROLE_TECHNICIAN, RC_BODY_NONE, NULL, check_start},
  {"GET", "/api/v1/sessions/{id}/checks", RC_ROLES_STAFF, RC_BODY_NONE, NULL, checks_list},
  {NULL, NULL, 0, 0, NULL, NULL},
};
