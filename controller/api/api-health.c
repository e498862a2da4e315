/* api-health — the technicians' side on the wire: the health subscription
 * (a session's tech topic, apart from the tablets), alarms and their
 * acknowledgement, the pre-session check's routes, the site attendance, and
 * /metrics. The health itself is the app's site-health. */
#define G_LOG_DOMAIN "roomctl-api"
#include "api/api-private.h"
#include "media/media.h"
#include "app/program.h"
#include "app/site-health.h"
#include "app/storage-watch.h"

#include <gio/gio.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>

#define TECH_ROLES (RC_ROLES_EDITORS | RC_ROLE_TECHNICIAN | RC_ROLE_CHAIR)

void
rc_api_health_on_stats(rc_media_figures *figures, gpointer data)
{
  rc_api *api = data;
  rc_site_health_tick(api->health, figures);
  rc_storage_watch_on_media(api->storage, figures->session_id);
}

static json_t *
health_snapshot(rc_api *api, gint64 sid)
{
  json_t *alarms = rc_store_alarms_list(api->store, sid, TRUE, 500, NULL);
  if (!alarms)
    alarms = json_array();
  rc_storage_watch_pending(api->storage, sid, alarms);
  return json_pack("{sI so so so so}", "session_id", (json_int_t)sid, "counts",
                   rc_site_health_counts_json(api->health, sid), "sites", rc_site_health_rows_json(api->health, sid),
                   "alarms", alarms, "media",
                   api->media && rc_media_has(api->media, sid) ? rc_program_status_json(api->media, sid) : json_null());
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

static gboolean
check_start(rc_api_call *call, GError **error)
{
  rc_api *api = call->api;
  gint64 sid = call->match->params[0];
  gint64 id = rc_site_health_check_start(api->health, sid, call->user_id, error);
  if (!id)
    return FALSE;
  rc_api_audit(api, call->user_id, "check.start", "session:%" G_GINT64_FORMAT, sid);
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
site_sample(GString *out, const char *name, const rc_media_site_figures *site, const char *medium, double value)
{
  g_string_append_printf(out, "%s{site=\"", name);
  escape_label(out, site->code);
  g_string_append(out, "\",name=\"");
  escape_label(out, site->name);
  if (medium)
    g_string_append_printf(out, "\",medium=\"%s", medium);
  g_string_append_printf(out, "\"} %.17g\n", value);
}

/* A per-stream figure: its value as a double. */
typedef double (*stream_value)(const rc_media_stream_figures *f);
#define STREAM_VALUE(field) \
  static double value_##field(const rc_media_stream_figures *f) { return (double)f->field; }
STREAM_VALUE(packets)
STREAM_VALUE(bytes)
STREAM_VALUE(lost)
STREAM_VALUE(loss_ratio)
STREAM_VALUE(jitter_ms)
STREAM_VALUE(bitrate_bps)
STREAM_VALUE(idle_s)
STREAM_VALUE(over_cap_packets)
STREAM_VALUE(wrong_pt_packets)
#undef STREAM_VALUE

typedef struct {
  const char *name, *type, *help;
  stream_value value;
  double scale;
} site_metric;

static const site_metric site_metrics[] = {
  {"roomctl_site_packets_received_total", "counter", "RTP packets received from the site.", value_packets, 1},
  {"roomctl_site_received_bytes_total", "counter", "RTP bytes received from the site.", value_bytes, 1},
  {"roomctl_site_packets_lost_total", "counter", "RTP packets the site sent that never arrived (RFC 3550).", value_lost, 1},
  {"roomctl_site_loss_ratio", "gauge", "Share of the site's packets lost since it joined.", value_loss_ratio, 1},
  {"roomctl_site_jitter_seconds", "gauge", "RFC 3550 interarrival jitter of the site's stream.", value_jitter_ms, 1e-3},
  {"roomctl_site_receive_bytes_per_second", "gauge", "Rate received from the site over the last second.", value_bitrate_bps, 0.125},
  {"roomctl_site_idle_seconds", "gauge", "Seconds since the site's last packet.", value_idle_s, 1},
  {"roomctl_site_over_cap_packets_total", "counter", "RTP packets of the site dropped above its rate cap.", value_over_cap_packets, 1},
  {"roomctl_site_wrong_payload_type_packets_total", "counter", "RTP packets of the site with a payload type it should not send (dropped).", value_wrong_pt_packets, 1},
};

static void
render_sites(rc_api *api, GString *out, const GPtrArray *all)
{
  static const char *const states[] = {"unknown", "online", "degraded", "offline"};
  g_autoptr(GArray) sites = g_array_new(FALSE, FALSE, sizeof(rc_media_site_figures)); /* borrowed rows */
  for (guint k = 0; k < all->len; k++) {
    const rc_media_figures *f = all->pdata[k];
    g_array_append_vals(sites, f->sites->data, f->sites->len);
  }
  family(out, "roomctl_site_up", "gauge", "Whether the site is sending (online or degraded).");
  for (guint i = 0; i < sites->len; i++) {
    const rc_media_site_figures *s = &g_array_index(sites, rc_media_site_figures, i);
    rc_health_state st = rc_site_health_state(api->health, s->site_id);
    site_sample(out, "roomctl_site_up", s, NULL, st == RC_HEALTH_ONLINE || st == RC_HEALTH_DEGRADED);
  }
  family(out, "roomctl_site_state", "gauge", "The site's health state (1 for the current one).");
  for (guint i = 0; i < sites->len; i++) {
    const rc_media_site_figures *s = &g_array_index(sites, rc_media_site_figures, i);
    rc_health_state st = rc_site_health_state(api->health, s->site_id);
    for (guint k = 0; k < 4; k++) {
      g_string_append_printf(out, "roomctl_site_state{state=\"%s\",site=\"", states[k]);
      escape_label(out, s->code);
      g_string_append(out, "\",name=\"");
      escape_label(out, s->name);
      g_string_append_printf(out, "\"} %d\n", st == (rc_health_state)k);
    }
  }
  for (guint m = 0; m < G_N_ELEMENTS(site_metrics); m++) {
    const site_metric *sm = &site_metrics[m];
    family(out, sm->name, sm->type, sm->help);
    for (guint i = 0; i < sites->len; i++)
      for (guint k = 0; k < 2; k++) {
        const rc_media_site_figures *s = &g_array_index(sites, rc_media_site_figures, i);
        const rc_media_stream_figures *v = k ? &s->audio : &s->video;
        if ((k ? s->have_audio : s->have_video) && (v->packets > 0 || v->wrong_pt_packets > 0))
          site_sample(out, sm->name, s, k ? "audio" : "video", MAX(sm->value(v), 0) * sm->scale);
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
render_forward_delay(GString *out, const GPtrArray *all)
{
  const char *name = "roomctl_program_forward_delay_seconds";
  family(out, name, "histogram", "From a source packet's arrival (kernel time) to its hand-over for the last site, switch mode.");
  const rc_media_figures *f = all->pdata[0];
  guint64 cumulative = 0;
  double sum_ms = 0;
  for (guint k = 0; k < all->len; k++)
    sum_ms += ((const rc_media_figures *)all->pdata[k])->forward_delay.sum_ms;
  for (guint i = 0; i < RC_MEDIA_DELAY_BUCKETS; i++) {
    for (guint k = 0; k < all->len; k++)
      cumulative += ((const rc_media_figures *)all->pdata[k])->forward_delay.counts[i];
    if (i < RC_MEDIA_DELAY_BUCKETS - 1)
      g_string_append_printf(out, "%s_bucket{le=\"%g\"} %" G_GUINT64_FORMAT "\n", name,
                             f->forward_delay.bounds_ms[i] / 1000.0, cumulative);
    else
      g_string_append_printf(out, "%s_bucket{le=\"+Inf\"} %" G_GUINT64_FORMAT "\n", name, cumulative);
  }
  g_string_append_printf(out, "%s_sum %g\n%s_count %" G_GUINT64_FORMAT "\n", name, sum_ms / 1000.0, name, cumulative);
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
  if (rc_storage_watch_free_bytes(api->storage) >= 0) {
    family(out, "roomctl_disk_free_bytes", "gauge",
           "Free space where roomctl writes (the least of the data and recording directories).");
    g_string_append_printf(out, "roomctl_disk_free_bytes %" G_GINT64_FORMAT "\n", rc_storage_watch_free_bytes(api->storage));
  }
  /* Every live session's figures: the ports' drops are shared (any one
   * session's say them all), the forwarding delays add up, and a site is in
   * one session only. */
  g_autoptr(GPtrArray) all = rc_site_health_figures(api->health);
  const rc_media_figures *last = all->len ? all->pdata[0] : NULL;
  family(out, "roomctl_ingest_dropped_packets_total", "counter", "Packets the media ports received and dropped, by reason.");
  for (guint k = 0; last && k < 2; k++)
    for (int r = 0; r < RC_DROP_REASONS; r++)
      g_string_append_printf(out, "roomctl_ingest_dropped_packets_total{medium=\"%s\",reason=\"%s\"} %" G_GUINT64_FORMAT "\n",
                             k ? "audio" : "video", rc_drop_reason_name(r), last->dropped[k][r]);
  if (last) {
    render_forward_delay(out, all);
    render_sites(api, out, all);
  }
}

static gboolean
metrics(rc_api_call *call, GError **error)
{
  if (!peer_allowed(call->request->peer, call->api->config->metrics_allow)) {
    g_set_error(error, RC_ERROR, RC_ERROR_FORBIDDEN, "/metrics is not open to this address");
    return FALSE;
  }
  rc_api *api = call->api;
  /* The figures change twice a second: the text at most once a second, however often it is read. */
  gint64 now = g_get_monotonic_time();
  if (now - api->metrics_at_us >= G_USEC_PER_SEC || !api->metrics->len) {
    render_metrics(api, api->metrics);
    api->metrics_at_us = now;
  }
  rc_api_reply *r = call->reply;
  r->status = 200;
  r->content_type = "text/plain; version=0.0.4; charset=utf-8";
  r->body = g_bytes_new(api->metrics->str, api->metrics->len);
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
  {"GET", "/metrics", 0, RC_BODY_NONE, NULL, metrics},
  {"GET", "/api/v1/alarms", RC_ROLES_STAFF, RC_BODY_NONE, NULL, alarms_list},
  {"POST", "/api/v1/alarms/{id}/ack", RC_ROLES_EDITORS | RC_ROLE_TECHNICIAN, RC_BODY_NONE, NULL, alarm_ack},
  {"GET", "/api/v1/sessions/{id}/site-attendance", RC_ROLES_STAFF, RC_BODY_NONE, NULL, site_calls},
  {"POST", "/api/v1/sessions/{id}/check", RC_ROLES_EDITORS | RC_ROLE_TECHNICIAN, RC_BODY_NONE, NULL, check_start},
  {"GET", "/api/v1/sessions/{id}/checks", RC_ROLES_STAFF, RC_BODY_NONE, NULL, checks_list},
  {NULL, NULL, 0, 0, NULL, NULL},
};
