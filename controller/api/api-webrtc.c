/* api-webrtc — WHIP (RFC 9725) for sites of transport webrtc and WHEP for
 * viewers: the offer in, the answer out with its resource's Location, and
 * DELETE to end it. A site proves itself with its credential as the bearer
 * token; a viewer is a logged-in user who may take part in the session, or
 * a site watching its own session. Offers are counted per address
 * ([media] webrtc_offers_per_minute). The media do the rest (media.h). */
#define G_LOG_DOMAIN "roomctl-api"
#include "api/api-private.h"
#include "app/auth.h"
#include "devices/webrtc-sdp.h"
#include "media/media.h"
#include "model/meeting.h"
#include "store/store.h"

#include <string.h>

#define OFFER_WINDOW_US (60 * G_USEC_PER_SEC)

typedef struct {
  gint64 since_us;
  guint offers;
} offer_window;

/* FALSE (429) when @peer made its quota of offers this minute. */
static gboolean
offer_allowed(rc_api_call *call, GError **error)
{
  rc_api *api = call->api;
  if (!api->offers)
    api->offers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  const char *peer = call->request->peer ? call->request->peer : "";
  gint64 now = g_get_monotonic_time();
  offer_window *w = g_hash_table_lookup(api->offers, peer);
  if (!w) {
    if (g_hash_table_size(api->offers) > 4096)
      g_hash_table_remove_all(api->offers); /* a bounded table: a flood from many addresses restarts it */
    w = g_new0(offer_window, 1);
    g_hash_table_insert(api->offers, g_strdup(peer), w);
  }
  if (now - w->since_us > OFFER_WINDOW_US)
    w->since_us = now, w->offers = 0;
  if (++w->offers > (guint)api->config->media_webrtc_offers_per_minute) {
    if (w->offers == (guint)api->config->media_webrtc_offers_per_minute + 1)
      g_message("webrtc: offers from %s over %d a minute: refused until the minute is over", peer,
                api->config->media_webrtc_offers_per_minute);
    g_set_error(error, RC_API_ERROR, RC_WIRE_RATE_LIMITED, "too many WebRTC offers from this address; wait a minute");
    return FALSE;
  }
  return TRUE;
}

/* The offer's bytes, which must come as application/sdp. */
static const char *
offer_of(rc_api_call *call, gsize *len, GError **error)
{
  const char *type = call->request->content_type;
  if (!type || g_ascii_strncasecmp(type, "application/sdp", 15) != 0) {
    g_set_error(error, RC_API_ERROR, RC_WIRE_UNSUPPORTED_MEDIA, "the offer must be sent as Content-Type: application/sdp");
    return NULL;
  }
  const char *data = call->request->body ? g_bytes_get_data(call->request->body, len) : NULL;
  if (!data || !*len) {
    g_set_error(error, RC_API_ERROR, RC_WIRE_BAD_SDP, "the body is empty: send the SDP offer");
    return NULL;
  }
  return data;
}

/* The media's errors as the wire's: the offer's own (400, 406), WebRTC off (503). */
static void
media_error(GError **error)
{
  if (!*error)
    return;
  int code = (*error)->domain == RC_SDP_ERROR
                 ? ((*error)->code == RC_SDP_ERROR_NO_CODEC ? RC_WIRE_NOT_ACCEPTABLE : RC_WIRE_BAD_SDP)
             : g_error_matches(*error, RC_ERROR, RC_ERROR_UNSUPPORTED) ? RC_WIRE_UNAVAILABLE
                                                                       : -1;
  if (code < 0)
    return;
  GError *wire = g_error_new_literal(RC_API_ERROR, code, (*error)->message);
  g_clear_error(error);
  *error = wire;
}

/* The site whose credential is the bearer token, 0 with @error (401) if none. */
static gint64
site_of_token(rc_api_call *call, GError **error)
{
  const char *token = call->request->token;
  gint64 site_id = token && *token ? rc_store_site_by_credential(call->api->store, token, NULL) : 0;
  if (!site_id)
    g_set_error(error, RC_API_ERROR, RC_WIRE_UNAUTHENTICATED, "unknown or revoked site credential");
  return site_id;
}

/* A second publisher for a site: one alarm for its technicians. */
static void
alarm_replaced(rc_api_call *call, gint64 site_id)
{
  gint64 session_id = rc_media_site_session(call->api->media, site_id, NULL);
  g_autofree char *why = g_strdup_printf("a second WHIP publisher (from %s) replaced the first for this site",
                                         call->request->peer ? call->request->peer : "?");
  rc_store_alarm_clear(call->api->store, session_id, site_id, "webrtc", NULL);
  gint64 id = rc_store_alarm_raise(call->api->store, session_id, site_id, "webrtc", why, NULL);
  json_t *alarm = id ? rc_store_alarm_get(call->api->store, id, NULL) : NULL;
  if (alarm)
    rc_meeting_send(call->api->meeting, session_id, RC_EVENT_ALARM_RAISED, json_pack("{so}", "alarm", alarm));
}

static gboolean
reply_sdp(rc_api_call *call, const char *kind, rc_media_webrtc_result *r)
{
  rc_api_reply_clear(call->reply);
  call->reply->status = 201;
  call->reply->content_type = "application/sdp";
  gsize n = strlen(r->answer);
  call->reply->body = g_bytes_new_take(g_steal_pointer(&r->answer), n);
  call->reply->location = g_strdup_printf("/api/v1/%s/%s", kind, r->resource);
  return TRUE;
}

static gboolean
whip_post(rc_api_call *call, GError **error)
{
  gsize len = 0;
  gint64 site_id;
  const char *offer;
  /* Counted before the credential is looked at: a flood of guesses is refused too. */
  if (!offer_allowed(call, error) || !(site_id = site_of_token(call, error)) || !(offer = offer_of(call, &len, error)))
    return FALSE;
  if (!call->api->media) {
    g_set_error(error, RC_API_ERROR, RC_WIRE_UNAVAILABLE, "the conference media are off ([media] enabled=false)");
    return FALSE;
  }
  rc_media_webrtc_result r;
  if (!rc_media_webrtc_publish(call->api->media, site_id, offer, len, &r, error)) {
    media_error(error);
    return FALSE;
  }
  if (r.replaced)
    alarm_replaced(call, site_id);
  g_message("webrtc: site %" G_GINT64_FORMAT " publishes from %s (%s)", site_id,
            call->request->peer ? call->request->peer : "?", r.resource);
  reply_sdp(call, "whip", &r);
  rc_media_webrtc_result_clear(&r);
  return TRUE;
}

static gboolean
whip_delete(rc_api_call *call, GError **error)
{
  gint64 site_id = site_of_token(call, error);
  if (!site_id || !call->api->media || !rc_media_webrtc_end(call->api->media, call->match->name, 0, site_id, error)) {
    if (site_id && !call->api->media)
      g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "no such WHIP resource");
    return FALSE;
  }
  rc_api_reply_json(call->reply, 200, json_pack("{sb}", "ended", 1));
  return TRUE;
}

static gboolean
no_trickle(rc_api_call *call, GError **error)
{
  (void)call;
  g_set_error(error, RC_API_ERROR, RC_WIRE_METHOD_NOT_ALLOWED,
              "no trickle ICE: the controller is ICE-lite and its answer has every candidate");
  return FALSE;
}

/* A viewer: a logged-in user who may take part (or a technician or admin
 * watching one site), or a site watching its own session. */
static gboolean
viewer_of(rc_api_call *call, gint64 session_id, rc_media_webrtc_view_request *q, GError **error)
{
  const char *token = call->request->token;
  q->session_id = session_id;
  g_autoptr(GError) e = NULL;
  json_t *user = token && *token ? rc_auth_check_token(call->api->auth, token, &e) : NULL;
  if (!user) {
    gint64 site_id = token && *token ? rc_store_site_by_credential(call->api->store, token, NULL) : 0;
    if (!site_id) {
      g_set_error(error, RC_API_ERROR, RC_WIRE_UNAUTHENTICATED, "log in first (or give the site credential)");
      return FALSE;
    }
    if (!call->api->media || rc_media_site_session(call->api->media, site_id, NULL) != session_id) {
      g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "the site is not in this session's media now");
      return FALSE;
    }
    q->owner_site_id = site_id;
    return TRUE;
  }
  q->owner_user_id = json_integer_value(json_object_get(user, "id"));
  gboolean ok = rc_access_session_for(call->api->store, user, session_id, RC_NEED_TAKE_PART, "POST whep", error);
  const char *tier = call->request->query ? g_hash_table_lookup(call->request->query, "tier") : NULL;
  q->tier = tier ? (int)g_ascii_strtoll(tier, NULL, 10) : 0;
  const char *watch = call->request->query ? g_hash_table_lookup(call->request->query, "site") : NULL;
  if (ok && watch) {
    q->watch_site_id = g_ascii_strtoll(watch, NULL, 10);
    if (q->watch_site_id <= 0 || !(RC_USER_ROLE(user) & (RC_ROLE_ADMIN | RC_ROLE_TECHNICIAN))) {
      g_set_error(error, RC_API_ERROR, q->watch_site_id <= 0 ? RC_WIRE_BAD_FIELD : RC_WIRE_FORBIDDEN,
                  q->watch_site_id <= 0 ? "site: must be a site id" : "only technicians watch one site's stream");
      ok = FALSE;
    }
  }
  json_decref(user);
  return ok;
}

static gboolean
whep_post(rc_api_call *call, GError **error)
{
  gsize len = 0;
  const char *offer;
  rc_media_webrtc_view_request q = {0};
  if (!offer_allowed(call, error) || !viewer_of(call, call->match->params[0], &q, error) ||
      !(offer = offer_of(call, &len, error)))
    return FALSE;
  if (!call->api->media) {
    g_set_error(error, RC_API_ERROR, RC_WIRE_UNAVAILABLE, "the conference media are off ([media] enabled=false)");
    return FALSE;
  }
  rc_media_webrtc_result r;
  if (!rc_media_webrtc_view(call->api->media, &q, offer, len, &r, error)) {
    media_error(error);
    return FALSE;
  }
  reply_sdp(call, "whep", &r);
  rc_media_webrtc_result_clear(&r);
  return TRUE;
}

static gboolean
whep_delete(rc_api_call *call, GError **error)
{
  const char *token = call->request->token;
  json_t *user = token && *token ? rc_auth_check_token(call->api->auth, token, NULL) : NULL;
  gint64 user_id = user ? json_integer_value(json_object_get(user, "id")) : 0;
  json_decref(user);
  gint64 site_id = user_id ? 0 : site_of_token(call, error);
  if (!user_id && !site_id)
    return FALSE;
  if (!call->api->media || !rc_media_webrtc_end(call->api->media, call->match->name, user_id, site_id, error)) {
    if (!call->api->media)
      g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "no such WHEP resource");
    return FALSE;
  }
  rc_api_reply_json(call->reply, 200, json_pack("{sb}", "ended", 1));
  return TRUE;
}

/* Anonymous at the router: each handler authenticates (a site credential or a login) itself. */
const rc_api_route rc_api_routes_webrtc[] = {
  {"POST", "/api/v1/whip", 0, RC_BODY_SDP, NULL, whip_post, 0},
  {"DELETE", "/api/v1/whip/{name}", 0, RC_BODY_NONE, NULL, whip_delete, 0},
  {"PATCH", "/api/v1/whip/{name}", 0, RC_BODY_NONE, NULL, no_trickle, 0},
  {"POST", "/api/v1/sessions/{id}/whep", 0, RC_BODY_SDP, NULL, whep_post, 0},
  {"DELETE", "/api/v1/whep/{name}", 0, RC_BODY_NONE, NULL, whep_delete, 0},
  {"PATCH", "/api/v1/whep/{name}", 0, RC_BODY_NONE, NULL, no_trickle, 0},
  {NULL, NULL, 0, 0, NULL, NULL, 0},
};
