/* api-media — the program on the wire: floor.site and media.layout (the
 * app's program.c does them), the sites asking for the floor (site-floor.c)
 * and asking up the cascade (floor.uplink.*: keys on the chair site's SIP
 * call, sip-calls.c), the program's state, the sites' figures as JSON from
 * the media's structs, the unknown senders, the floor log. */
#define G_LOG_DOMAIN "roomctl-api"
#include "api/api-private.h"
#include "app/metrics.h"
#include "app/accounts.h"
#include "media/media.h"
#include "devices/room-audio.h"
#include "app/program.h"
#include "app/site-floor.h"
#include "app/sip-calls.h"
#include "app/site-health.h"
#include "app/storage-watch.h"

#define FLOOR_ROLES (RC_ROLES_EDITORS | RC_ROLE_CHAIR | RC_ROLE_TECHNICIAN)

void
rc_api_set_media(rc_api *api, rc_media *media)
{
  api->media = media;
  rc_program_set_media(api->program, media);
  rc_site_health_set_media(api->health, media);
  rc_storage_watch_set_media(api->storage, media);
  rc_accounts_set_media(api->accounts, media);
  rc_metrics_set_media(api->metrics, media);
}

/* The media's switch callback: the program's. */
void
rc_api_media_switched(gint64 session_id, gint64 site_id, gint64 grant_to_switch_us, gpointer data)
{
  rc_program_switched(session_id, site_id, grant_to_switch_us, ((rc_api *)data)->program);
}

/* ---- WebSocket ---- */

static gboolean
session_with_media(rc_api_ws_call *call, gint64 sid, GError **error)
{
  if (!rc_access_session_for(call->api->store, call->peer->user, sid, RC_NEED_RUN, "media", error))
    return FALSE;
  if (!rc_program_running(call->api->program, sid)) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "the session has no media running (is it live?)");
    return FALSE;
  }
  return TRUE;
}

static gboolean
ws_floor_site(rc_api_ws_call *call, GError **error)
{
  gint64 sid = rc_api_ws_int(call, "session_id"), site = rc_api_ws_int(call, "site_id");
  if (!session_with_media(call, sid, error) ||
      !rc_program_floor(call->api->program, sid, site, 0, RC_USER_ID(call->peer->user), error))
    return FALSE;
  call->ack = rc_program_status_json(call->api->media, sid);
  return TRUE;
}

static gboolean
ws_media_layout(rc_api_ws_call *call, GError **error)
{
  gint64 sid = rc_api_ws_int(call, "session_id");
  const char *mode = json_string_value(json_object_get(call->body, "mode"));
  rc_program_mode m = RC_PROGRAM_SWITCH;
  rc_program_mode_parse(mode, &m); /* one of the two: the message table checked it */
  json_t *tile_ids = json_object_get(call->body, "tiles");
  g_autoptr(GArray) tiles = tile_ids ? g_array_new(FALSE, FALSE, sizeof(gint64)) : NULL;
  size_t i;
  json_t *t;
  json_array_foreach(tile_ids, i, t) {
    gint64 id = json_integer_value(t);
    g_array_append_val(tiles, id);
  }
  if (!session_with_media(call, sid, error) ||
      !rc_program_layout(call->api->program, sid, m, tiles, RC_USER_ID(call->peer->user), error))
    return FALSE;
  call->ack = rc_program_status_json(call->api->media, sid);
  return TRUE;
}

/* The sites asking for the floor (app/site-floor.c): staff read the list,
 * and ask or withdraw for a site (a site on the phone to the chair). */
static gboolean
ws_site_floor_get(rc_api_ws_call *call, GError **error)
{
  gint64 sid = rc_api_ws_int(call, "session_id");
  if (!rc_access_session_for(call->api->store, call->peer->user, sid, RC_NEED_RUN, "media", error))
    return FALSE;
  call->ack = rc_site_floor_json(call->api->store, sid);
  return TRUE;
}

static gboolean
ws_site_floor_change(rc_api_ws_call *call, gboolean ask, GError **error)
{
  gint64 sid = rc_api_ws_int(call, "session_id"), site = rc_api_ws_int(call, "site_id");
  if (!rc_access_session_for(call->api->store, call->peer->user, sid, RC_NEED_RUN, "media", error))
    return FALSE;
  gint64 by = RC_USER_ID(call->peer->user);
  call->ack = ask ? rc_site_floor_ask(call->api->site_floor, sid, site, RC_SITE_FLOOR_VIA_STAFF, by, error)
                  : rc_site_floor_withdraw(call->api->site_floor, sid, site, RC_SITE_FLOOR_VIA_STAFF, by, error);
  return call->ack != NULL;
}

static gboolean
ws_site_floor_request(rc_api_ws_call *call, GError **error)
{
  return ws_site_floor_change(call, TRUE, error);
}

static gboolean
ws_site_floor_withdraw(rc_api_ws_call *call, GError **error)
{
  return ws_site_floor_change(call, FALSE, error);
}

/* Up the cascade: the session's chair site is the province's call (SIP),
 * and the district asks it for the floor as a keypad does, "*1" by INFO
 * ("*0" withdraws); the province then lists this site as asking. Audited
 * before it is sent. */
static gboolean
ws_floor_uplink(rc_api_ws_call *call, gboolean ask, GError **error)
{
  gint64 sid = rc_api_ws_int(call, "session_id");
  if (!session_with_media(call, sid, error))
    return FALSE;
  g_auto(rc_media_program) program = {0};
  rc_media_program_get(call->api->media, sid, &program);
  if (!call->api->sip || !program.chair_site_id) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "the session's chair site is no SIP call up the cascade");
    return FALSE;
  }
  const char *keys = ask ? "*1" : "*0";
  g_autofree char *target = g_strdup_printf("session:%" G_GINT64_FORMAT " site:%" G_GINT64_FORMAT, sid,
                                            program.chair_site_id);
  if (!rc_store_audit(call->api->store, RC_USER_ID(call->peer->user), ask ? "floor.uplink.request" : "floor.uplink.withdraw",
                      target, keys, error) ||
      !rc_sip_calls_send_keys(call->api->sip, sid, program.chair_site_id, keys, error))
    return FALSE;
  call->ack = json_pack("{sI sI ss sb}", "session_id", (json_int_t)sid, "site_id", (json_int_t)program.chair_site_id,
                        "keys", keys, "asking", ask);
  return TRUE;
}

static gboolean
ws_floor_uplink_request(rc_api_ws_call *call, GError **error)
{
  return ws_floor_uplink(call, TRUE, error);
}

static gboolean
ws_floor_uplink_withdraw(rc_api_ws_call *call, GError **error)
{
  return ws_floor_uplink(call, FALSE, error);
}

static const rc_field site_floor_fields[] = {
  {"session_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {"site_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_field session_field[] = {
  {"session_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};

static const rc_field floor_fields[] = {
  {"session_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {"site_id", RC_FIELD_ID_OR_NULL, TRUE, 0, 0, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const char *const modes[] = {"switch", "compose", NULL};
static const rc_field layout_fields[] = {
  {"session_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {"mode", RC_FIELD_ENUM, TRUE, 0, 0, modes},
  {"tiles", RC_FIELD_ID_LIST, FALSE, 0, 8, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};

const rc_api_ws_type rc_api_ws_media_messages[] = {
  {"floor.site", FLOOR_ROLES, floor_fields, ws_floor_site},
  {"media.layout", FLOOR_ROLES, layout_fields, ws_media_layout},
  {"floor.site.list", FLOOR_ROLES, session_field, ws_site_floor_get},
  {"floor.site.request", FLOOR_ROLES, site_floor_fields, ws_site_floor_request},
  {"floor.site.withdraw", FLOOR_ROLES, site_floor_fields, ws_site_floor_withdraw},
  {"floor.uplink.request", FLOOR_ROLES, session_field, ws_floor_uplink_request},
  {"floor.uplink.withdraw", FLOOR_ROLES, session_field, ws_floor_uplink_withdraw},
  {NULL, 0, NULL, NULL},
};

/* ---- REST ---- */

/* Whether the caller runs session @sid (their organisations' own). */
static gboolean
runs(rc_api_call *call, gint64 sid)
{
  return (call->role & RC_ROLE_ADMIN) || rc_access_relation(call->api->store, call->user, sid) == RC_RELATION_SCOPE;
}

/* The session asked for (?session_id=, one the caller runs: else 404),
 * else the first with media that the caller runs; 0 = none. */
static gboolean
session_asked(rc_api_call *call, rc_media *m, gint64 *sid, GError **error)
{
  const char *asked = call->request->query ? g_hash_table_lookup(call->request->query, "session_id") : NULL;
  *sid = 0;
  if (asked) {
    *sid = g_ascii_strtoll(asked, NULL, 10);
    return *sid <= 0 || (call->role & RC_ROLE_ADMIN) ||
           rc_access_session_for(call->api->store, call->user, *sid, RC_NEED_RUN, "media", error);
  }
  g_autoptr(GArray) ids = rc_media_sessions(m);
  for (guint i = 0; i < ids->len && !*sid; i++)
    if (runs(call, g_array_index(ids, gint64, i)))
      *sid = g_array_index(ids, gint64, i);
  return TRUE;
}

/* One session's program, and "sessions": every session's with media (the
 * live conferences and the pre-session checks). */
static gboolean
media_status(rc_api_call *call, GError **error)
{
  rc_media *m = call->api->media;
  if (!m) {
    rc_api_reply_json(call->reply, 200, json_pack("{sb}", "enabled", FALSE));
    return TRUE;
  }
  gint64 sid;
  if (!session_asked(call, m, &sid, error))
    return FALSE;
  json_t *status = rc_program_status_json(m, sid), *all = json_array();
  g_autoptr(GArray) ids = rc_media_sessions(m);
  for (guint i = 0; i < ids->len; i++)
    if (runs(call, g_array_index(ids, gint64, i))) /* a unit's technicians see their own conferences */
      json_array_append_new(all, rc_program_status_json(m, g_array_index(ids, gint64, i)));
  json_object_set_new(status, "sessions", all);
  rc_api_reply_json(call->reply, 200, status);
  return TRUE;
}

static json_t *
stream_json(const rc_media_stream_figures *f)
{
  json_t *o = json_pack("{sI sI sI sI sf sI sI sf sI sI sf sf sI sf si si sI sI sI so sf}", "packets", (json_int_t)f->packets,
                   "bytes", (json_int_t)f->bytes, "expected", (json_int_t)f->expected, "lost", (json_int_t)f->lost,
                   "loss_ratio", f->loss_ratio, "settled_expected", (json_int_t)f->settled_expected, "settled_lost",
                   (json_int_t)f->settled_lost, "jitter_ms", f->jitter_ms, "bitrate_bps", (json_int_t)f->bitrate_bps,
                   "delta_bitrate_bps", (json_int_t)f->delta_bitrate_bps, "idle_seconds", f->idle_s,
                   "keyframe_interval_s", f->keyframe_interval_s, "keyframes", (json_int_t)f->keyframes,
                   "keyframe_age_s", f->keyframe_age_s, "payload_type", f->payload_type, "cap_kbps", f->cap_kbps,
                   "over_cap_packets", (json_int_t)f->over_cap_packets, "over_cap_bytes",
                   (json_int_t)f->over_cap_bytes, "wrong_payload_type_packets", (json_int_t)f->wrong_pt_packets,
                   "wrong_payload_type", f->wrong_pt >= 0 ? json_integer(f->wrong_pt) : json_null(),
                   "wrong_payload_type_age_s", f->wrong_pt_age_s);
  /* its SSRC from elsewhere than where the site is: dropped (the alarm "spoofed") */
  json_object_set_new(o, "spoofed_packets", json_integer((json_int_t)f->spoofed_packets));
  json_object_set_new(o, "spoofed_from", *f->spoofed_from ? json_string(f->spoofed_from) : json_null());
  json_object_set_new(o, "spoofed_age_s", json_real(f->spoofed_age_s));
  return o;
}

static json_t *
rr_json(const rc_media_stream_figures *f)
{
  if (!f->have_rr)
    return json_null();
  return json_pack("{sf si sI sf}", "fraction_lost", f->rr_fraction_lost, "cumulative_lost", f->rr_cumulative_lost,
                   "jitter", (json_int_t)f->rr_jitter, "age_seconds", f->rr_age_s);
}

/* A quantile of the forwarding delay: null when nothing was forwarded, "+Inf" past the last bound. */
static json_t *
quantile_json(double q)
{
  return q < 0 ? json_null() : q == G_MAXDOUBLE ? json_string("+Inf") : json_real(q);
}

static json_t *
forward_delay_json(const rc_media_figures *f)
{
  json_t *bounds = json_array(), *counts = json_array();
  for (guint i = 0; i < RC_MEDIA_DELAY_BUCKETS; i++) {
    if (i < RC_MEDIA_DELAY_BUCKETS - 1)
      json_array_append_new(bounds, json_real(f->forward_delay.bounds_ms[i]));
    json_array_append_new(counts, json_integer((json_int_t)f->forward_delay.counts[i]));
  }
  return json_pack("{so so sI sf so so}", "bounds_ms", bounds, "counts", counts, "count",
                   (json_int_t)f->forward_delay.count, "sum_ms", f->forward_delay.sum_ms, "p50_ms_10s",
                   quantile_json(f->forward_delay.p50_ms_10s), "p99_ms_10s", quantile_json(f->forward_delay.p99_ms_10s));
}

static json_t *
room_audio_json(rc_room_audio *room)
{
  if (!room)
    return json_null();
  rc_room_audio_stats st;
  rc_room_audio_levels(room, &st);
  return json_pack("{ss ss sf sf sf sf sb sb sI sI}", "input_device", rc_room_audio_input_device(room),
                   "output_device", rc_room_audio_output_device(room), "input_peak_db", st.input_peak_db,
                   "input_rms_db", st.input_rms_db, "output_peak_db", st.output_peak_db, "output_rms_db",
                   st.output_rms_db, "input_running", st.input_running, "output_running", st.output_running,
                   "input_dropped_frames", (json_int_t)st.input_dropped_frames, "output_underruns",
                   (json_int_t)st.output_underruns);
}

/* {"session_id","sites":[{"site_id","code","name","transport","link":{…},"receives_program","encrypted","audio_codec","audio_absent"?,"refused"?,"tier","video":{…},"video_rr","audio":{…},"audio_rr"}],
 *  "ingest":{"video":{…},"audio":{…}},"program":{…},"forward_delay":{…},"room_audio":{…}} */
static json_t *
figures_json(rc_media *m, gint64 sid)
{
  g_autoptr(rc_media_figures) f = rc_media_figures_last(m, sid);
  if (!f)
    return json_pack("{sI s[]}", "session_id", (json_int_t)(rc_media_has(m, sid) ? sid : 0), "sites");
  json_t *sites = json_array();
  for (guint i = 0; i < f->sites->len; i++) {
    const rc_media_site_figures *s = &g_array_index(f->sites, rc_media_site_figures, i);
    json_t *site = json_pack("{sI ss ss ss s{sb so sI} sb so}", "site_id", (json_int_t)s->site_id, "code", s->code,
                             "name", s->name, "transport", s->transport, "link", "up", s->link_up, "why",
                             s->link_why ? json_string(s->link_why) : json_null(), "downs", (json_int_t)s->link_downs,
                             "receives_program", s->receives_program, "audio_codec",
                             s->audio_codec ? json_string(s->audio_codec) : json_null());
    json_object_set_new(site, "encrypted", json_boolean(s->encrypted));
    if (s->audio_absent)
      json_object_set_new(site, "audio_absent", json_true());
    if (s->refused || s->nowhere) /* a closed session's site in clear, a plain site configured nowhere: counted, not taken */
      json_object_set_new(site, "refused", json_string(s->refused ? s->refused : s->nowhere));
    json_object_set_new(site, "tier", json_integer(s->tier));
    if (s->have_video) {
      json_object_set_new(site, "video", stream_json(&s->video));
      json_object_set_new(site, "video_rr", rr_json(&s->video));
    }
    if (s->have_audio) {
      json_object_set_new(site, "audio", stream_json(&s->audio));
      json_object_set_new(site, "audio_rr", rr_json(&s->audio));
    }
    json_array_append_new(sites, site);
  }
  return json_pack("{sI so s{so so} so so so}", "session_id", (json_int_t)f->session_id, "sites", sites, "ingest",
                   "video", rc_site_health_dropped_json(f->dropped[0]), "audio",
                   rc_site_health_dropped_json(f->dropped[1]), "program",
                   rc_program_status_json(m, sid), "forward_delay", forward_delay_json(f), "room_audio",
                   room_audio_json(rc_media_room_audio(m)));
}

static gboolean
media_stats(rc_api_call *call, GError **error)
{
  rc_media *m = call->api->media;
  gint64 sid = 0;
  if (m && !session_asked(call, m, &sid, error))
    return FALSE;
  rc_api_reply_json(call->reply, 200, m ? figures_json(m, sid) : json_object());
  return TRUE;
}

/* Wall-clock microseconds as ISO 8601 UTC, to the second. */
static char *
iso_time(gint64 wall_us)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(wall_us / G_USEC_PER_SEC);
  return t ? g_date_time_format(t, "%Y-%m-%dT%H:%M:%SZ") : g_strdup("");
}

/* Who sends to the media ports with an SSRC no site has: the technicians'
 * lead to a misconfigured endpoint. */
static gboolean
unknown_senders(rc_api_call *call, GError **error)
{
  rc_media *m = call->api->media;
  gint64 sid = 0;
  if (m && !session_asked(call, m, &sid, error))
    return FALSE;
  g_autoptr(GArray) list = m ? rc_media_unknown_senders(m) : NULL;
  json_t *senders = json_array();
  for (guint i = 0; list && i < list->len; i++) {
    const rc_media_sender *u = &g_array_index(list, rc_media_sender, i);
    g_autofree char *first = iso_time(u->first_us), *last = iso_time(u->last_us);
    g_autofree char *hex = g_strdup_printf("%08x", u->ssrc);
    json_array_append_new(senders, json_pack("{ss ss sI ss si sI ss ss}", "medium", u->audio ? "audio" : "video",
                                             "address", u->address, "ssrc", (json_int_t)u->ssrc, "ssrc_hex", hex,
                                             "payload_type", u->payload_type, "packets", (json_int_t)u->packets,
                                             "first_seen", first, "last_seen", last));
  }
  /* The ports are every session's: an unknown sender is nobody's. */
  rc_api_reply_json(call->reply, 200, json_pack("{sI so}", "session_id", (json_int_t)sid,
                                                "senders", senders));
  return TRUE;
}

static gboolean
floor_log(rc_api_call *call, GError **error)
{
  json_t *list = rc_store_floor_list(call->api->store, call->match->params[0], error);
  if (!list)
    return FALSE;
  rc_api_reply_json(call->reply, 200, json_pack("{so}", "floor", list));
  return TRUE;
}

static gboolean
site_floor_list(rc_api_call *call, GError **error)
{
  (void)error;
  rc_api_reply_json(call->reply, 200, rc_site_floor_json(call->api->store, call->match->params[0]));
  return TRUE;
}

const rc_api_route rc_api_routes_media[] = {
  {"GET", "/api/v1/media", RC_ROLES_STAFF, RC_BODY_NONE, NULL, media_status, RC_REACH_SCOPE},
  {"GET", "/api/v1/media/stats", RC_ROLES_STAFF, RC_BODY_NONE, NULL, media_stats, RC_REACH_SCOPE},
  {"GET", "/api/v1/media/unknown-senders", RC_ROLES_EDITORS | RC_ROLE_TECHNICIAN, RC_BODY_NONE, NULL, unknown_senders, RC_REACH_SCOPE},
  {"GET", "/api/v1/sessions/{id}/floor", RC_ROLES_STAFF, RC_BODY_NONE, NULL, floor_log, RC_REACH_SCOPE},
  {"GET", "/api/v1/sessions/{id}/site-floor", RC_ROLES_STAFF, RC_BODY_NONE, NULL, site_floor_list, RC_REACH_SCOPE},
  {NULL, NULL, 0, 0, NULL, NULL, 0},
};
