/* media — the main-loop side of the conference media: the session's sites
 * and where each one receives the program, the choice of program source
 * (chair, floor holder; switch or compose), keyframe requests, the
 * once-a-second figures, and the start and stop of every pipeline. */
#define G_LOG_DOMAIN "roomctl-media"
#include "media-private.h"
#include "rc-error.h"
#include "room-audio.h"

#define PENDING_POLL_MS 50 /* how soon a finished switch is noticed */
#define PLI_EVERY 6        /* polls between keyframe requests (300 ms) */

static void
site_free(gpointer data)
{
  rc_media_site *s = data;
  rc_media_pull_stop(s);
  g_free(s->code);
  g_free(s->name);
  g_free(s->level);
  g_free(s->transport);
  g_clear_object(&s->configured_video);
  g_clear_object(&s->configured_audio);
  g_clear_object(&s->learned_video);
  g_clear_object(&s->learned_audio);
  g_free(s->video_client);
  g_free(s->audio_client);
  g_free(s->pull_url);
  g_free(s);
}

rc_media *
rc_media_new(rc_config *config)
{
  rc_media *m = g_new0(rc_media, 1);
  m->config = config;
  m->sites = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, site_free);
  m->tiers = config->tiers;
  m->tiles = g_array_new(FALSE, FALSE, sizeof(gint64));
  m->local_audio_ports = g_array_new(FALSE, FALSE, sizeof(int));
  m->mode = config->program_mode;
  return m;
}

void
rc_media_free(rc_media *m)
{
  if (!m)
    return;
  rc_media_stop(m);
  g_hash_table_destroy(m->sites);
  g_array_free(m->tiles, TRUE);
  g_array_free(m->local_audio_ports, TRUE);
  g_clear_pointer(&m->last_stats, json_decref);
  g_free(m);
}

void
rc_media_set_callbacks(rc_media *m, rc_media_stats_fn stats, rc_media_switch_fn switched, gpointer user_data)
{
  m->on_stats = stats;
  m->on_switch = switched;
  m->cb_data = user_data;
}

void
rc_media_set_room_audio(rc_media *m, struct rc_room_audio *room)
{
  m->room = room;
}

static json_t *
room_audio_json(rc_media *m)
{
  if (!m->room)
    return json_null();
  rc_room_audio_stats st;
  rc_room_audio_levels(m->room, &st);
  return json_pack("{ss ss sf sf sf sf sb sb sI sI}", "input_device", rc_room_audio_input_device(m->room),
                   "output_device", rc_room_audio_output_device(m->room), "input_peak_db", st.input_peak_db,
                   "input_rms_db", st.input_rms_db, "output_peak_db", st.output_peak_db, "output_rms_db",
                   st.output_rms_db, "input_running", st.input_running, "output_running", st.output_running,
                   "input_dropped_frames", (json_int_t)st.input_dropped_frames, "output_underruns",
                   (json_int_t)st.output_underruns);
}

gint64
rc_media_session(rc_media *m)
{
  return m->session_id;
}

rc_media_site *
rc_media_site_get(rc_media *m, gint64 id)
{
  return id ? g_hash_table_lookup(m->sites, &id) : NULL;
}

/* "HOST:PORT" from the site's address field, for video (port) or audio (port + 2). */
static GSocketAddress *
configured_address(const char *address, gboolean audio)
{
  if (!address || !*address || g_str_has_prefix(address, "rtsp://") || g_str_has_prefix(address, "srt://"))
    return NULL;
  g_autoptr(GSocketConnectable) c = g_network_address_parse(address, 0, NULL);
  if (!c || !g_network_address_get_port(G_NETWORK_ADDRESS(c)))
    return NULL;
  g_autoptr(GInetAddress) ip = g_inet_address_new_from_string(g_network_address_get_hostname(G_NETWORK_ADDRESS(c)));
  if (!ip)
    return NULL; /* names are not resolved on the main loop */
  return g_inet_socket_address_new(ip, g_network_address_get_port(G_NETWORK_ADDRESS(c)) + (audio ? 2 : 0));
}

char *
rc_media_site_destination(rc_media_site *s, gboolean audio)
{
  GSocketAddress *a = audio ? (s->configured_audio ? s->configured_audio : s->learned_audio)
                            : (s->configured_video ? s->configured_video : s->learned_video);
  if (!a)
    return NULL;
  g_autofree char *ip = g_inet_address_to_string(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(a)));
  return g_strdup_printf("%s:%u", ip, g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(a)));
}

static int
tier_for(rc_media *m, const char *level)
{
  /* Communes are on the weakest links: they get the last (smallest) tier. */
  return g_strcmp0(level, "commune") == 0 ? (int)m->tiers->len - 1 : 0;
}

/* A site's own value of @key, or @fallback when it has none (null). */
static int
site_int(json_t *j, const char *key, int fallback)
{
  json_t *v = json_object_get(j, key);
  return json_is_integer(v) ? (int)json_integer_value(v) : fallback;
}

/* What may change while the site is in the session: its payload types and caps. */
static void
site_media_settings(rc_media *m, rc_media_site *s, json_t *j)
{
  const rc_config *c = m->config;
  /* A pulled site's packets are made by our own payloader. */
  gboolean pulled = g_strcmp0(s->transport, "rtp") != 0;
  s->video_pt = pulled ? RC_PT_H264 : site_int(j, "h264_payload_type", c->media_h264_payload_type);
  s->audio_pt = pulled ? RC_PT_OPUS : site_int(j, "opus_payload_type", c->media_opus_payload_type);
  s->video_cap_kbps = site_int(j, "video_cap_kbps", c->media_video_cap_kbps);
  s->audio_cap_kbps = site_int(j, "audio_cap_kbps", c->media_audio_cap_kbps);
}

static rc_media_site *
site_from_json(rc_media *m, json_t *j)
{
  rc_media_site *s = g_new0(rc_media_site, 1);
  s->id = json_integer_value(json_object_get(j, "id"));
  s->code = g_strdup(json_string_value(json_object_get(j, "code")));
  s->name = g_strdup(json_string_value(json_object_get(j, "name")));
  s->level = g_strdup(json_string_value(json_object_get(j, "level")));
  const char *transport = json_string_value(json_object_get(j, "transport"));
  s->transport = g_strdup(transport ? transport : "rtp");
  const char *address = json_string_value(json_object_get(j, "address"));
  s->pull_url = g_strdup(address);
  s->configured_video = configured_address(address, FALSE);
  s->configured_audio = configured_address(address, TRUE);
  s->ssrc_video = rc_rtp_site_ssrc(s->code ? s->code : "", FALSE);
  s->ssrc_audio = rc_rtp_site_ssrc(s->code ? s->code : "", TRUE);
  s->tier = tier_for(m, s->level);
  site_media_settings(m, s, j);
  return s;
}

/* ---- fan-out membership ---- */

static gboolean
split_client(const char *client, char **host, int *port)
{
  const char *colon = strrchr(client, ':');
  if (!colon)
    return FALSE;
  *host = g_strndup(client, (gsize)(colon - client));
  *port = atoi(colon + 1);
  return TRUE;
}

/* In switch mode everybody is on tier 0 (the source's own stream). */
static int
fanout_tier(rc_media *m, rc_media_site *s)
{
  return m->mode == RC_PROGRAM_COMPOSE ? s->tier : 0;
}

/* Puts @s on the fan-out and at the address it should have now. */
static void
place_site(rc_media *m, rc_media_site *s)
{
  g_autofree char *dest = rc_media_site_destination(s, FALSE);
  int tier = fanout_tier(m, s);
  if (g_strcmp0(dest, s->video_client) == 0 && tier == s->client_tier)
    return;
  g_autofree char *host = NULL;
  int port = 0;
  if (s->video_client && split_client(s->video_client, &host, &port))
    rc_fanout_remove(m->fanouts[s->client_tier], host, port);
  g_clear_pointer(&host, g_free);
  g_free(s->video_client);
  s->video_client = g_steal_pointer(&dest);
  s->client_tier = tier;
  if (s->video_client && split_client(s->video_client, &host, &port))
    rc_fanout_add(m->fanouts[tier], host, port);
}

static void
place_all_sites(rc_media *m)
{
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, m->sites);
  while (g_hash_table_iter_next(&it, NULL, &value))
    place_site(m, value);
}

/* ---- the program source ---- */

static gint64
wanted_source(rc_media *m)
{
  return m->floor_site_id ? m->floor_site_id : m->chair_site_id;
}

void
rc_media_ask_keyframe(rc_media *m, rc_media_site *s)
{
  GSocketAddress *to = s->configured_video ? NULL : s->learned_video;
  g_autoptr(GSocketAddress) rtcp = NULL;
  if (s->configured_video) {
    GInetSocketAddress *v = G_INET_SOCKET_ADDRESS(s->configured_video);
    rtcp = g_inet_socket_address_new(g_inet_socket_address_get_address(v), g_inet_socket_address_get_port(v) + 1);
    to = rtcp;
  }
  rc_ingest_send_pli(m->video, s->ssrc_video, to);
}

static gboolean
on_pending(gpointer data)
{
  rc_media *m = data;
  rc_media_site *s = rc_media_site_get(m, wanted_source(m));
  gint64 at = 0;
  guint32 now = rc_ingest_forwarded(m->video, &at);
  if (!s || now == s->ssrc_video) {
    m->pending_source = 0;
    if (s && m->source_site_id != s->id) {
      gint64 took = MAX(at - m->grant_us, 0);
      m->source_site_id = s->id;
      g_message("session %" G_GINT64_FORMAT ": program now shows %s (%s), %.0f ms after the grant", m->session_id,
                s->code, s->name, took / 1000.0);
      if (m->on_switch)
        m->on_switch(s->id, took, m->cb_data);
    }
    return G_SOURCE_REMOVE;
  }
  if (++m->pending_polls % PLI_EVERY == 0)
    rc_media_ask_keyframe(m, s); /* again: the first PLI may have been lost */
  return G_SOURCE_CONTINUE;
}

/* Points switch-mode forwarding at the wanted source. */
static void
apply_source(rc_media *m)
{
  if (!m->video || m->mode != RC_PROGRAM_SWITCH || m->check_only)
    return;
  rc_media_site *s = rc_media_site_get(m, wanted_source(m));
  m->grant_us = g_get_monotonic_time();
  rc_ingest_forward(m->video, s ? s->ssrc_video : 0, rc_fanout_input(m->fanouts[0]));
  if (!s)
    return;
  rc_media_ask_keyframe(m, s);
  m->pending_polls = 0;
  if (!m->pending_source)
    m->pending_source = g_timeout_add(PENDING_POLL_MS, on_pending, m);
}

/* ---- once a second ---- */

static json_t *
report_json(const rc_stream_report *r)
{
  gint64 now = g_get_monotonic_time();
  return json_pack("{sI sI sI sI sf sI sI sf sI sI sf sf sI sf}", "packets", (json_int_t)r->packets, "bytes",
                   (json_int_t)r->bytes, "expected", (json_int_t)r->expected, "lost", (json_int_t)r->lost, "loss_ratio",
                   r->loss_ratio, "settled_expected", (json_int_t)r->settled_expected, "settled_lost",
                   (json_int_t)r->settled_lost,
                   "jitter_ms", r->jitter_ms, "bitrate_bps", (json_int_t)r->bitrate_bps, "delta_bitrate_bps",
                   (json_int_t)r->delta_bitrate_bps, "idle_seconds",
                   r->last_packet_us ? (now - r->last_packet_us) / 1e6 : -1.0, "keyframe_interval_s",
                   r->keyframe_interval_s, "keyframes", (json_int_t)r->keyframes, "keyframe_age_s",
                   r->last_keyframe_us ? (now - r->last_keyframe_us) / 1e6 : -1.0);
}

static json_t *
rr_json(const rc_ingest_snapshot *snap)
{
  if (!snap->have_rr)
    return json_null();
  const rc_rtcp_report *r = &snap->rr;
  return json_pack("{sf si sI sf}", "fraction_lost", r->fraction_lost / 256.0, "cumulative_lost", r->cumulative_lost,
                   "jitter", (json_int_t)r->jitter, "age_seconds", (g_get_monotonic_time() - snap->rr_at_us) / 1e6);
}

/* What the ingest checked besides the figures: payload type and cap. */
static void
ingest_figures(json_t *medium, const rc_ingest_snapshot *snap)
{
  gint64 now = g_get_monotonic_time();
  json_object_set_new(medium, "payload_type", json_integer(snap->payload_type));
  json_object_set_new(medium, "cap_kbps", json_integer(snap->cap_kbps));
  json_object_set_new(medium, "over_cap_packets", json_integer((json_int_t)snap->over_cap_packets));
  json_object_set_new(medium, "over_cap_bytes", json_integer((json_int_t)snap->over_cap_bytes));
  json_object_set_new(medium, "wrong_payload_type_packets", json_integer((json_int_t)snap->wrong_pt_packets));
  json_object_set_new(medium, "wrong_payload_type",
                      snap->wrong_pt_us ? json_integer(snap->last_wrong_pt) : json_null());
  json_object_set_new(medium, "wrong_payload_type_age_s",
                      json_real(snap->wrong_pt_us ? (now - snap->wrong_pt_us) / 1e6 : -1.0));
}

/* Folds one ingest's snapshots into the per-site JSON objects in @by_site. */
static void
collect(rc_media *m, GArray *snaps, gboolean audio, json_t *by_site)
{
  for (guint i = 0; i < snaps->len; i++) {
    rc_ingest_snapshot *snap = &g_array_index(snaps, rc_ingest_snapshot, i);
    rc_media_site *s = rc_media_site_get(m, snap->site_id);
    if (!s)
      continue;
    if (snap->source)
      g_set_object(audio ? &s->learned_audio : &s->learned_video, snap->source);
    g_autofree char *key = g_strdup_printf("%" G_GINT64_FORMAT, s->id);
    json_t *site = json_object_get(by_site, key);
    if (!site) {
      site = json_pack("{sI ss ss}", "site_id", (json_int_t)s->id, "code", s->code, "name", s->name);
      json_object_set_new(by_site, key, site);
    }
    json_t *medium = report_json(&snap->report);
    ingest_figures(medium, snap);
    json_object_set_new(site, audio ? "audio" : "video", medium);
    json_object_set_new(site, audio ? "audio_rr" : "video_rr", rr_json(snap));
  }
}

static json_t *
counters_json(const guint64 c[RC_INGEST_COUNTERS])
{
  return json_pack("{sI sI sI sI sI}", "unknown_ssrc", (json_int_t)c[0], "malformed", (json_int_t)c[1],
                   "wrong_payload_type", (json_int_t)c[2], "rtcp_malformed", (json_int_t)c[3], "over_cap",
                   (json_int_t)c[4]);
}

static void
merge_keyframe_requests(rc_media *m)
{
  if (!rc_ingest_take_keyframe_request(m->video))
    return;
  /* Requests from hundreds of receivers arrive here at most once a second. */
  if (m->mode == RC_PROGRAM_COMPOSE && m->compose)
    rc_compose_request_keyframe(m->compose);
  else if (rc_media_site_get(m, m->source_site_id))
    rc_media_ask_keyframe(m, rc_media_site_get(m, m->source_site_id));
}

/* The switch program's forwarding delay: the cumulative histogram (for
 * scrapers and benchmarks, which diff two of them) and its quantiles over
 * the last ten seconds. */
static json_t *
forward_delay_json(rc_media *m)
{
  rc_delay_histogram now;
  rc_ingest_forward_delay(m->video, &now);
  guint slot = m->delay_tick++ % G_N_ELEMENTS(m->delay_ago);
  const rc_delay_histogram *ago = &m->delay_ago[slot]; /* 20 ticks (10 s) back, or zeros */
  json_t *bounds = json_array(), *counts = json_array();
  for (guint i = 0; i < RC_DELAY_BUCKETS; i++) {
    if (i < RC_DELAY_BUCKETS - 1)
      json_array_append_new(bounds, json_real(rc_delay_bounds_ms[i]));
    json_array_append_new(counts, json_integer((json_int_t)now.counts[i]));
  }
  double p50 = rc_delay_quantile(&now, ago, 0.5), p99 = rc_delay_quantile(&now, ago, 0.99);
#define QUANTILE_JSON(q) ((q) < 0 ? json_null() : (q) == G_MAXDOUBLE ? json_string("+Inf") : json_real(q))
  json_t *out = json_pack("{so so sI sf so so}", "bounds_ms", bounds, "counts", counts, "count", (json_int_t)now.count,
                          "sum_ms", now.sum_ms, "p50_ms_10s", QUANTILE_JSON(p50), "p99_ms_10s", QUANTILE_JSON(p99));
#undef QUANTILE_JSON
  m->delay_ago[slot] = now;
  return out;
}

static gboolean
on_tick(gpointer data)
{
  rc_media *m = data;
  guint64 vc[RC_INGEST_COUNTERS], ac[RC_INGEST_COUNTERS];
  GArray *v = rc_ingest_snapshot_all(m->video, vc);
  GArray *a = rc_ingest_snapshot_all(m->audio, ac);
  g_autoptr(json_t) by_site = json_object();
  collect(m, v, FALSE, by_site);
  collect(m, a, TRUE, by_site);
  rc_ingest_snapshots_free(v);
  rc_ingest_snapshots_free(a);
  place_all_sites(m);
  if (m->mixer)
    rc_mixer_refresh(m->mixer);
  merge_keyframe_requests(m);
  json_t *sites = json_array();
  const char *key;
  json_t *site;
  json_object_foreach(by_site, key, site) json_array_append(sites, site);
  g_clear_pointer(&m->last_stats, json_decref);
  m->last_stats = json_pack("{sI so s{so so} so so so}", "session_id", (json_int_t)m->session_id, "sites", sites,
                            "ingest", "video", counters_json(vc), "audio", counters_json(ac), "program",
                            rc_media_status(m), "forward_delay", forward_delay_json(m), "room_audio",
                            room_audio_json(m));
  if (m->on_stats)
    m->on_stats(m->last_stats, m->cb_data);
  return G_SOURCE_CONTINUE;
}

/* ---- start and stop ---- */

static gint64
find_chair_site(rc_media *m)
{
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, m->sites);
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    rc_media_site *s = value;
    if (*m->config->media_chair_site ? g_strcmp0(s->code, m->config->media_chair_site) == 0
                                     : g_strcmp0(s->level, "province") == 0)
      return s->id;
  }
  return 0;
}

static gboolean
start_outputs(rc_media *m, GError **error)
{
  m->fanouts = g_new0(rc_fanout *, m->tiers->len);
  GSocket *socket = rc_ingest_socket(m->video);
  for (guint t = 0; t < m->tiers->len; t++) {
    g_autofree char *name = g_strdup_printf("program-video-%u", t);
    if (!(m->fanouts[t] = rc_fanout_new(name, FALSE, socket, error)))
      return FALSE;
  }
  if (m->check_only)
    return TRUE;
  if (!(m->mixer = rc_mixer_new(m, error)))
    return FALSE;
  if (m->config->media_record && !(m->recorder = rc_recorder_new(m, error)))
    return FALSE;
  if (m->config->media_rtsp_port && !(m->rtsp = rc_rtsp_out_new(m, error)))
    return FALSE;
  return TRUE;
}

gboolean
rc_media_start_check(rc_media *m, gint64 session_id, json_t *sites, GError **error)
{
  m->check_only = TRUE;
  if (!rc_media_start(m, session_id, sites, error)) {
    m->check_only = FALSE;
    return FALSE;
  }
  /* Wake every site up: a keyframe request to each that has an address. */
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, m->sites);
  while (g_hash_table_iter_next(&it, NULL, &value))
    rc_media_ask_keyframe(m, value);
  return TRUE;
}

gboolean
rc_media_start(rc_media *m, gint64 session_id, json_t *sites, GError **error)
{
  if (!m->config->media_enabled)
    return TRUE;
  if (m->session_id) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "session %" G_GINT64_FORMAT " already has the media",
                m->session_id);
    return FALSE;
  }
  m->session_id = session_id;
  if (!(m->video = rc_ingest_new(m, FALSE, error)) || !(m->audio = rc_ingest_new(m, TRUE, error)) ||
      !start_outputs(m, error)) {
    rc_media_stop(m);
    return FALSE;
  }
  rc_media_set_sites(m, sites);
  memset(m->delay_ago, 0, sizeof m->delay_ago); /* the new ingest counts from zero */
  m->delay_tick = 0;
  m->tick_source = g_timeout_add(500, on_tick, m); /* figures twice a second */
  g_message("session %" G_GINT64_FORMAT ": media up for %u sites, %s", session_id, g_hash_table_size(m->sites),
            m->check_only ? "pre-session check" : rc_program_mode_name(m->mode));
  return TRUE;
}

void
rc_media_stop(rc_media *m)
{
  if (!m->session_id)
    return;
  g_clear_handle_id(&m->tick_source, g_source_remove);
  g_clear_handle_id(&m->pending_source, g_source_remove);
  g_clear_pointer(&m->rtsp, rc_rtsp_out_free);
  g_clear_pointer(&m->recorder, rc_recorder_free);
  g_clear_pointer(&m->compose, rc_compose_free);
  g_clear_pointer(&m->mixer, rc_mixer_free);
  g_clear_pointer(&m->video, rc_ingest_free); /* before the fan-outs it pushes into */
  g_clear_pointer(&m->audio, rc_ingest_free);
  for (guint t = 0; m->fanouts && t < m->tiers->len; t++)
    g_clear_pointer(&m->fanouts[t], rc_fanout_free);
  g_clear_pointer(&m->fanouts, g_free);
  g_hash_table_remove_all(m->sites);
  g_message("session %" G_GINT64_FORMAT ": media down", m->session_id);
  m->session_id = m->chair_site_id = m->floor_site_id = m->source_site_id = 0;
  m->check_only = FALSE;
  g_array_set_size(m->tiles, 0);
}

void
rc_media_set_sites(rc_media *m, json_t *sites)
{
  if (!m->session_id)
    return;
  g_autoptr(GHashTable) wanted = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
  size_t i;
  json_t *j;
  json_array_foreach(sites, i, j) {
    gint64 id = json_integer_value(json_object_get(j, "id"));
    g_hash_table_add(wanted, g_memdup2(&id, sizeof id));
    if (rc_media_site_get(m, id)) {
      site_media_settings(m, rc_media_site_get(m, id), j);
      continue;
    }
    rc_media_site *s = site_from_json(m, j);
    g_hash_table_insert(m->sites, g_memdup2(&id, sizeof id), s);
    s->client_tier = 0;
    rc_media_pull_start(m, s);
  }
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init(&it, m->sites);
  while (g_hash_table_iter_next(&it, &key, &value))
    if (!g_hash_table_contains(wanted, key)) {
      rc_media_site *s = value;
      g_autofree char *host = NULL;
      int port = 0;
      if (s->video_client && split_client(s->video_client, &host, &port))
        rc_fanout_remove(m->fanouts[s->client_tier], host, port);
      g_hash_table_iter_remove(&it);
    }
  rc_ingest_set_streams(m->video, m->sites);
  rc_ingest_set_streams(m->audio, m->sites);
  m->chair_site_id = find_chair_site(m);
  if (!rc_media_site_get(m, m->floor_site_id))
    m->floor_site_id = 0;
  place_all_sites(m);
  apply_source(m);
  if (m->mixer) /* the chair's site is known from here on: it talks from the first second */
    rc_mixer_set_talkers(m->mixer);
}

/* ---- floor and layout ---- */

gboolean
rc_media_set_floor(rc_media *m, gint64 site_id, GError **error)
{
  if (!m->session_id)
    return TRUE; /* no media running: nothing to switch */
  if (site_id && !rc_media_site_get(m, site_id)) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "site_id: the site is not in this session");
    return FALSE;
  }
  m->floor_site_id = site_id;
  g_message("session %" G_GINT64_FORMAT ": floor -> site %" G_GINT64_FORMAT, m->session_id, site_id);
  apply_source(m);
  if (m->mixer) /* the talkers changed: swap the mixer's inputs */
    rc_mixer_set_talkers(m->mixer);
  if (m->mode == RC_PROGRAM_COMPOSE)
    return rc_media_set_layout(m, RC_PROGRAM_COMPOSE, NULL, error);
  return TRUE;
}

/* The compose grid: chair, floor holder, then the chosen tiles (8 at most). */
static GArray *
grid_sites(rc_media *m)
{
  GArray *ids = g_array_new(FALSE, FALSE, sizeof(gint64));
  gint64 first[] = {m->chair_site_id, m->floor_site_id};
  for (guint i = 0; i < 2; i++)
    if (first[i] && (i == 0 || first[i] != first[0]))
      g_array_append_val(ids, first[i]);
  for (guint i = 0; i < m->tiles->len && ids->len < 10; i++) {
    gint64 id = g_array_index(m->tiles, gint64, i);
    gboolean dup = FALSE;
    for (guint k = 0; k < ids->len; k++)
      dup |= g_array_index(ids, gint64, k) == id;
    if (!dup && rc_media_site_get(m, id))
      g_array_append_val(ids, id);
  }
  return ids;
}

gboolean
rc_media_set_layout(rc_media *m, rc_program_mode mode, const GArray *tiles, GError **error)
{
  if (tiles) {
    g_array_set_size(m->tiles, 0);
    g_array_append_vals(m->tiles, tiles->data, tiles->len);
  }
  m->mode = mode;
  if (!m->session_id)
    return TRUE;
  g_clear_pointer(&m->compose, rc_compose_free);
  if (mode == RC_PROGRAM_COMPOSE) {
    rc_ingest_forward(m->video, 0, NULL);
    g_autoptr(GArray) ids = grid_sites(m);
    if (!(m->compose = rc_compose_new(m, ids, error)))
      return FALSE;
  }
  place_all_sites(m); /* sites move between tier fan-outs */
  apply_source(m);
  g_message("session %" G_GINT64_FORMAT ": program layout %s", m->session_id, rc_program_mode_name(mode));
  return TRUE;
}

void
rc_media_mark_item(rc_media *m, gint64 item_id, const char *title)
{
  if (m->recorder)
    rc_recorder_mark(m->recorder, item_id, title);
}

GArray *
rc_media_talkers(rc_media *m)
{
  GArray *ids = g_array_new(FALSE, FALSE, sizeof(gint64));
  /* The chair speaks from the hall microphone (room audio) when the chair's
   * site is the hall; a remote chair site and the floor holder are talkers. */
  gboolean hall_mic = *m->config->audio_input_device != '\0';
  if (m->chair_site_id && !hall_mic)
    g_array_append_val(ids, m->chair_site_id);
  if (m->floor_site_id && m->floor_site_id != m->chair_site_id)
    g_array_append_val(ids, m->floor_site_id);
  return ids;
}

static json_t *
ids_json(GArray *ids)
{
  json_t *a = json_array();
  for (guint i = 0; i < ids->len; i++)
    json_array_append_new(a, json_integer(g_array_index(ids, gint64, i)));
  return a;
}

json_t *
rc_media_status(rc_media *m)
{
  g_autofree char *rtsp = NULL;
  if (m->config->media_rtsp_port)
    rtsp = g_strdup_printf("rtsp://%s:%d/program", *m->config->media_rtsp_host ? m->config->media_rtsp_host : "localhost",
                           m->config->media_rtsp_port);
  return json_pack("{sI ss sI sI sI so sI so so}", "session_id", (json_int_t)m->session_id, "mode", rc_program_mode_name(m->mode),
                   "chair_site_id", (json_int_t)m->chair_site_id, "floor_site_id", (json_int_t)m->floor_site_id,
                   "source_site_id", (json_int_t)m->source_site_id, "tiles", ids_json(m->tiles), "sites",
                   (json_int_t)g_hash_table_size(m->sites), "recording",
                   m->recorder ? rc_recorder_status(m->recorder) : json_null(), "rtsp_url",
                   rtsp ? json_string(rtsp) : json_null());
}

json_t *
rc_media_stats(rc_media *m)
{
  return m->last_stats ? json_incref(m->last_stats) : json_pack("{sI s[]}", "session_id", (json_int_t)m->session_id, "sites");
}

/* A monotonic time of this process as ISO 8601 UTC. */
static char *
wall_time(gint64 mono_us)
{
  gint64 unix_s = (g_get_real_time() - (g_get_monotonic_time() - mono_us)) / G_USEC_PER_SEC;
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(unix_s);
  return t ? g_date_time_format(t, "%Y-%m-%dT%H:%M:%SZ") : g_strdup("");
}

static char *
address_text(const rc_unknown_sender *u)
{
  g_autoptr(GSocketAddress) a = u->from_len ? g_socket_address_new_from_native((gpointer)&u->from, u->from_len) : NULL;
  if (!G_IS_INET_SOCKET_ADDRESS(a))
    return g_strdup("");
  GInetSocketAddress *in = G_INET_SOCKET_ADDRESS(a);
  g_autofree char *ip = g_inet_address_to_string(g_inet_socket_address_get_address(in));
  return g_strdup_printf("%s:%u", ip, g_inet_socket_address_get_port(in));
}

static void
unknown_json(json_t *out, rc_ingest *in, const char *medium)
{
  g_autoptr(GArray) list = in ? rc_ingest_unknown_senders(in) : NULL;
  for (guint i = 0; list && i < list->len; i++) {
    const rc_unknown_sender *u = &g_array_index(list, rc_unknown_sender, i);
    g_autofree char *address = address_text(u), *first = wall_time(u->first_us), *last = wall_time(u->last_us);
    g_autofree char *hex = g_strdup_printf("%08x", u->ssrc);
    json_array_append_new(out, json_pack("{ss ss sI ss si sI ss ss}", "medium", medium, "address", address, "ssrc",
                                         (json_int_t)u->ssrc, "ssrc_hex", hex, "payload_type", u->payload_type,
                                         "packets", (json_int_t)u->packets, "first_seen", first, "last_seen", last));
  }
}

json_t *
rc_media_unknown_senders(rc_media *m)
{
  json_t *senders = json_array();
  unknown_json(senders, m->video, "video"); /* each the most recent first */
  unknown_json(senders, m->audio, "audio");
  return json_pack("{sI so}", "session_id", (json_int_t)m->session_id, "senders", senders);
}

void
rc_media_add_local_client(rc_media *m, gboolean audio, int port, gboolean add)
{
  if (audio) { /* kept for a mixer made after this call */
    for (guint i = 0; i < m->local_audio_ports->len; i++)
      if (g_array_index(m->local_audio_ports, int, i) == port)
        g_array_remove_index(m->local_audio_ports, i--);
    if (add)
      g_array_append_val(m->local_audio_ports, port);
    if (m->mixer)
      rc_mixer_local_client(m->mixer, port, add);
    return;
  }
  for (guint t = 0; m->fanouts && t < 1; t++) /* recorder and RTSP take the first tier */
    (add ? rc_fanout_add : rc_fanout_remove)(m->fanouts[t], "127.0.0.1", port);
}

GSocket *
rc_media_local_socket(int *port, GError **error)
{
  g_autoptr(GSocket) socket = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
  if (!socket || !g_socket_bind(socket, any, FALSE, error))
    return NULL;
  g_autoptr(GSocketAddress) bound = g_socket_get_local_address(socket, error);
  if (!bound)
    return NULL;
  *port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  return g_steal_pointer(&socket);
}

GstElement *
rc_media_make(const char *factory, GstBin *bin)
{
  GstElement *e = gst_element_factory_make(factory, NULL);
  if (e)
    gst_bin_add(bin, e); /* the bin takes ownership */
  else
    g_warning("GStreamer element %s is missing", factory);
  return e;
}

void
rc_media_pipeline_free(GstElement *pipeline)
{
  if (!pipeline)
    return;
  gst_element_set_state(pipeline, GST_STATE_NULL);
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  gst_bus_remove_watch(bus);
  gst_object_unref(pipeline);
}

gboolean
rc_media_bus_watch(GstBus *bus, GstMessage *msg, gpointer name)
{
  (void)bus;
  g_autoptr(GError) error = NULL;
  g_autofree char *debug = NULL;
  switch (GST_MESSAGE_TYPE(msg)) {
  case GST_MESSAGE_ERROR:
    gst_message_parse_error(msg, &error, &debug);
    g_warning("%s: %s: %s (%s)", (const char *)name, GST_OBJECT_NAME(msg->src), error->message, debug ? debug : "");
    break;
  case GST_MESSAGE_WARNING:
    gst_message_parse_warning(msg, &error, &debug);
    g_message("%s: %s: %s", (const char *)name, GST_OBJECT_NAME(msg->src), error->message);
    break;
  default:
    break;
  }
  return G_SOURCE_CONTINUE;
}
