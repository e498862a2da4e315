/* api-health — the technicians' side on the wire: the health subscription
 * (a session's tech topic, apart from the tablets), alarms and their
 * acknowledgement, the pre-session check's routes, the site attendance, and
 * /metrics. The health itself is the app's site-health; the snapshot and
 * the Prometheus text are the app's metrics. */
#define G_LOG_DOMAIN "roomctl-api"
#include "api/api-private.h"
#include "media/media.h"
#include "app/metrics.h"
#include "app/site-health.h"

#include <gio/gio.h>

#define TECH_ROLES (RC_ROLES_EDITORS | RC_ROLE_TECHNICIAN | RC_ROLE_CHAIR)

void
rc_api_health_on_stats(rc_media_figures *figures, gpointer data)
{
  rc_api *api = data;
  rc_site_health_tick(api->health, figures);
  rc_storage_watch_on_media(api->storage, figures->session_id);
}

static gboolean
ws_subscribe_health(rc_api_ws_call *call, GError **error)
{
  gint64 sid = rc_api_ws_int(call, "session_id");
  if (!rc_access_session_for(call->api->store, call->peer->user, sid, RC_NEED_RUN, "subscribe.health", error))
    return FALSE;
  call->api->io.subscribe(call->peer->conn, rc_meeting_tech_topic(sid), TRUE);
  call->ack = rc_metrics_health_snapshot(call->api->metrics, call->api->media, sid);
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
  if (!rc_access_object(call->api->store, call->peer->user, RC_OBJECT_ALARM, id, RC_NEED_RUN, "alarm.ack", error))
    return FALSE;
  json_t *alarm = rc_site_health_alarm_ack(call->api->health, id, RC_USER_ID(call->peer->user), error);
  if (!alarm)
    return FALSE;
  call->ack = json_pack("{so}", "alarm", alarm);
  return TRUE;
}

/* ---- the pre-session check ---- */

static gboolean
check_start(rc_api_call *call, GError **error)
{
  rc_api *api = call->api;
  gint64 sid = call->match->params[0];
  gint64 id = rc_site_health_check_start(api->health, sid, call->user_id, error);
  if (!id)
    return FALSE;
  rc_api_reply_json(call->reply, 202, json_pack("{sI sI si}", "check_id", (json_int_t)id, "session_id", (json_int_t)sid,
                                                "seconds", api->config->health_check_seconds));
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
  /* A unit's staff see their sessions' alarms, and the controller's own. */
  for (size_t i = json_array_size(list); i-- > 0;) {
    gint64 sid = json_integer_value(json_object_get(json_array_get(list, i), "session_id"));
    if (sid && rc_access_relation(call->api->store, call->user, sid) != RC_RELATION_SCOPE)
      json_array_remove(list, i);
  }
  rc_api_reply_json(call->reply, 200, json_pack("{so}", "alarms", list));
  return TRUE;
}

static gboolean
alarm_ack(rc_api_call *call, GError **error)
{
  gint64 id = call->match->params[0];
  json_t *alarm = rc_site_health_alarm_ack(call->api->health, id, call->user_id, error);
  if (!alarm)
    return FALSE;
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
    static const char *const cols[] = {"site_id", "code",    "name", "level",     "joined_at",
                                       "left_at", "seconds", "left_reason", "packets", "lost",
                                       "jitter_ms", "kbps",   "freezes", "sip_cause", NULL};
    g_autofree char *name = g_strdup_printf("site-attendance-session-%" G_GINT64_FORMAT ".csv", sid);
    rc_api_reply_csv(call->reply, rows, cols, name, rc_api_zone(call->api));
    return TRUE;
  }
  rc_api_reply_json(call->reply, 200, json_pack("{sI sO}", "session_id", (json_int_t)sid, "calls", rows));
  return TRUE;
}

/* ---- /metrics: who may read it; the text is the app's (app/metrics.h) ---- */

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

static gboolean
metrics(rc_api_call *call, GError **error)
{
  if (!peer_allowed(call->request->peer, call->api->config->metrics_allow)) {
    g_set_error(error, RC_ERROR, RC_ERROR_FORBIDDEN, "/metrics is not open to this address");
    return FALSE;
  }
  rc_api *api = call->api;
  rc_api_reply *r = call->reply;
  r->status = 200;
  r->content_type = "text/plain; version=0.0.4; charset=utf-8";
  r->body = rc_metrics_text(api->metrics, api->io.clients ? api->io.clients(api->io.owner) : 0);
  return TRUE;
}

static const rc_field session_only[] = {
  {"session_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_field ack_fields[] = {
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
  {"GET", "/metrics", 0, RC_BODY_NONE, NULL, metrics, RC_REACH_SCOPE},
  {"GET", "/api/v1/alarms", RC_ROLES_STAFF, RC_BODY_NONE, NULL, alarms_list, RC_REACH_SCOPE},
  {"POST", "/api/v1/alarms/{id}/ack", RC_ROLES_EDITORS | RC_ROLE_TECHNICIAN, RC_BODY_NONE, NULL, alarm_ack, RC_REACH_SCOPE},
  {"GET", "/api/v1/sessions/{id}/site-attendance", RC_ROLES_STAFF, RC_BODY_NONE, NULL, site_calls, RC_REACH_SCOPE},
  {"POST", "/api/v1/sessions/{id}/check", RC_ROLES_EDITORS | RC_ROLE_TECHNICIAN, RC_BODY_NONE, NULL, check_start, RC_REACH_SCOPE},
  {"GET", "/api/v1/sessions/{id}/checks", RC_ROLES_STAFF, RC_BODY_NONE, NULL, checks_list, RC_REACH_SCOPE},
  {NULL, NULL, 0, 0, NULL, NULL, 0},
};
