/* metrics — see metrics.h. */
#define G_LOG_DOMAIN "roomctl-metrics"
#include "app/metrics.h"
#include "app/program.h"
#include "app/sip-calls.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct rc_metrics {
  rc_store *store;
  rc_site_health *health;
  rc_storage_watch *storage;
  rc_media *media; /* or NULL */
  struct rc_sip_calls *sip; /* or NULL */
  GString *text;  /* the last /metrics text */
  gint64 text_at_us;
};

rc_metrics *
rc_metrics_new(rc_store *store, rc_site_health *health, rc_storage_watch *storage)
{
  rc_metrics *m = g_new0(rc_metrics, 1);
  m->store = store;
  m->health = health;
  m->storage = storage;
  m->text = g_string_new(NULL);
  return m;
}

void
rc_metrics_free(rc_metrics *m)
{
  if (!m)
    return;
  g_string_free(m->text, TRUE);
  g_free(m);
}

json_t *
rc_metrics_health_snapshot(rc_metrics *m, rc_media *media, gint64 sid)
{
  json_t *alarms = rc_store_alarms_list(m->store, sid, TRUE, 500, NULL);
  if (!alarms)
    alarms = json_array();
  rc_storage_watch_pending(m->storage, sid, alarms);
  return json_pack("{sI so so so so}", "session_id", (json_int_t)sid, "counts",
                   rc_site_health_counts_json(m->health, sid), "sites", rc_site_health_rows_json(m->health, sid),
                   "alarms", alarms, "media",
                   media && rc_media_has(media, sid) ? rc_program_status_json(media, sid) : json_null());
}

/* ---- /metrics (Prometheus text format 0.0.4) ---- */

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
STREAM_VALUE(spoofed_packets)
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
  {"roomctl_site_spoofed_packets_total", "counter", "RTP and RTCP packets with the site's SSRC from elsewhere than where the site is (dropped).", value_spoofed_packets, 1},
};

static void
render_sites(rc_metrics *m, GString *out, const GPtrArray *all)
{
  static const char *const states[RC_HEALTH_STATES] = {"unknown", "online", "degraded", "offline", "held"};
  g_autoptr(GArray) sites = g_array_new(FALSE, FALSE, sizeof(rc_media_site_figures)); /* borrowed rows */
  for (guint k = 0; k < all->len; k++) {
    const rc_media_figures *f = all->pdata[k];
    g_array_append_vals(sites, f->sites->data, f->sites->len);
  }
  family(out, "roomctl_site_up", "gauge", "Whether the site is sending (online or degraded).");
  for (guint i = 0; i < sites->len; i++) {
    const rc_media_site_figures *s = &g_array_index(sites, rc_media_site_figures, i);
    rc_health_state st = rc_site_health_state(m->health, s->site_id);
    site_sample(out, "roomctl_site_up", s, NULL, st == RC_HEALTH_ONLINE || st == RC_HEALTH_DEGRADED);
  }
  family(out, "roomctl_site_state", "gauge", "The site's health state (1 for the current one).");
  for (guint i = 0; i < sites->len; i++) {
    const rc_media_site_figures *s = &g_array_index(sites, rc_media_site_figures, i);
    rc_health_state st = rc_site_health_state(m->health, s->site_id);
    for (guint k = 0; k < RC_HEALTH_STATES; k++) {
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
        if ((k ? s->have_audio : s->have_video) && (v->packets > 0 || v->wrong_pt_packets > 0 || v->spoofed_packets > 0))
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

static void render_webrtc(rc_metrics *m, GString *out);

static void
render_metrics(rc_metrics *m, GString *out, guint ws_clients)
{
  g_autoptr(json_t) live = rc_store_sessions_list(m->store, "live", 0, NULL);
  g_autoptr(json_t) alarms = rc_store_alarms_list(m->store, 0, TRUE, 100000, NULL);
  g_string_truncate(out, 0);
  family(out, "roomctl_sessions_live", "gauge", "Meeting sessions that are live.");
  g_string_append_printf(out, "roomctl_sessions_live %zu\n", live ? json_array_size(live) : 0);
  family(out, "roomctl_alarms_active", "gauge", "Alarms not yet cleared or not yet acknowledged.");
  g_string_append_printf(out, "roomctl_alarms_active %zu\n", alarms ? json_array_size(alarms) : 0);
  process_figures(out, ws_clients);
  family(out, "roomctl_store_commits_total", "counter",
         "Database write transactions committed; each is one sync of the write-ahead log to disk.");
  g_string_append_printf(out, "roomctl_store_commits_total %" G_GUINT64_FORMAT "\n", rc_store_commits(m->store));
  if (rc_storage_watch_free_bytes(m->storage) >= 0) {
    family(out, "roomctl_disk_free_bytes", "gauge",
           "Free space where roomctl writes (the least of the data and recording directories).");
    g_string_append_printf(out, "roomctl_disk_free_bytes %" G_GINT64_FORMAT "\n", rc_storage_watch_free_bytes(m->storage));
  }
  /* Every live session's figures: the ports' drops are shared (any one
   * session's say them all), the forwarding delays add up, and a site is in
   * one session only. */
  g_autoptr(GPtrArray) all = rc_site_health_figures(m->health);
  const rc_media_figures *last = all->len ? all->pdata[0] : NULL;
  family(out, "roomctl_ingest_dropped_packets_total", "counter", "Packets the media ports received and dropped, by reason.");
  for (guint k = 0; last && k < 2; k++)
    for (int r = 0; r < RC_DROP_REASONS; r++)
      g_string_append_printf(out, "roomctl_ingest_dropped_packets_total{medium=\"%s\",reason=\"%s\"} %" G_GUINT64_FORMAT "\n",
                             k ? "audio" : "video", rc_drop_reason_name(r), last->dropped[k][r]);
  if (last) {
    render_forward_delay(out, all);
    render_sites(m, out, all);
    guint refused = 0;
    for (guint i = 0; i < all->len; i++) {
      const rc_media_figures *f = all->pdata[i];
      for (guint k = 0; k < f->sites->len; k++)
        refused += g_array_index(f->sites, rc_media_site_figures, k).refused != NULL;
    }
    family(out, "roomctl_media_refused_sites", "gauge",
           "Sites whose closed session refuses their media now: they send in clear (RTP without SRTP, a pull).");
    g_string_append_printf(out, "roomctl_media_refused_sites %u\n", refused);
  }
  render_webrtc(m, out);
  if (m->sip)
    rc_sip_calls_metrics(m->sip, out);
}

/* The WebRTC engine's counters, once it was started (an offer came). */
static void
render_webrtc(rc_metrics *m, GString *out)
{
  rc_media_webrtc_figures w;
  if (!m->media || !rc_media_webrtc_counters(m->media, &w))
    return;
  family(out, "roomctl_webrtc_peers", "gauge", "WHIP publishers and WHEP viewers the WebRTC port has now.");
  g_string_append_printf(out, "roomctl_webrtc_peers %u\n", w.peers);
  family(out, "roomctl_webrtc_stun_checks_total", "counter",
         "ICE connectivity checks on the WebRTC port: answered, or refused (unknown username, bad integrity).");
  g_string_append_printf(out, "roomctl_webrtc_stun_checks_total{result=\"ok\"} %" G_GUINT64_FORMAT "\n", w.stun_ok);
  g_string_append_printf(out, "roomctl_webrtc_stun_checks_total{result=\"refused\"} %" G_GUINT64_FORMAT "\n",
                         w.stun_refused);
  family(out, "roomctl_webrtc_dropped_packets_total", "counter",
         "Packets the WebRTC port dropped: from an address no check came from, failing SRTP authentication, or "
         "not sent (the socket's buffer full).");
  g_string_append_printf(out, "roomctl_webrtc_dropped_packets_total{reason=\"unknown_address\"} %" G_GUINT64_FORMAT "\n",
                         w.unknown_address);
  g_string_append_printf(out, "roomctl_webrtc_dropped_packets_total{reason=\"srtp_failed\"} %" G_GUINT64_FORMAT "\n",
                         w.srtp_failed);
  g_string_append_printf(out, "roomctl_webrtc_dropped_packets_total{reason=\"send_failed\"} %" G_GUINT64_FORMAT "\n",
                         w.send_errors);
  family(out, "roomctl_webrtc_rtp_packets_total", "counter", "SRTP packets on the WebRTC port, by direction.");
  g_string_append_printf(out, "roomctl_webrtc_rtp_packets_total{direction=\"in\"} %" G_GUINT64_FORMAT "\n", w.rtp_in);
  g_string_append_printf(out, "roomctl_webrtc_rtp_packets_total{direction=\"out\"} %" G_GUINT64_FORMAT "\n", w.rtp_out);
  family(out, "roomctl_webrtc_retransmitted_packets_total", "counter", "Program video packets sent again for a NACK.");
  g_string_append_printf(out, "roomctl_webrtc_retransmitted_packets_total %" G_GUINT64_FORMAT "\n", w.retransmitted);
}

void
rc_metrics_set_media(rc_metrics *m, rc_media *media)
{
  m->media = media;
}

void
rc_metrics_set_sip(rc_metrics *m, struct rc_sip_calls *sip)
{
  m->sip = sip;
  m->text_at_us = 0; /* the next read renders anew */
}

GBytes *
rc_metrics_text(rc_metrics *m, guint ws_clients)
{
  /* The figures change twice a second: the text at most once a second, however often it is read. */
  gint64 now = g_get_monotonic_time();
  if (now - m->text_at_us >= G_USEC_PER_SEC || !m->text->len) {
    render_metrics(m, m->text, ws_clients);
    m->text_at_us = now;
  }
  return g_bytes_new(m->text->str, m->text->len);
}
