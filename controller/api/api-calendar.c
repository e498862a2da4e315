/* api-calendar — the calendar's routes: one session's .ics, the feed of
 * every session the user may see, and the user's feed token (app/calendar.h).
 * Calendar apps subscribe without a bearer header, so the feed also takes
 * the token in its URL (?token=). */
#define G_LOG_DOMAIN "roomctl-api"
#include "api/api-private.h"
#include "app/calendar.h"

#include <sodium.h>
#include <string.h>

#define PARAM(call, i) ((call)->match->params[i])

static void
reply_calendar(rc_api_call *call, GBytes *ics, const char *disposition)
{
  rc_api_reply *r = call->reply;
  rc_api_reply_clear(r);
  r->status = 200;
  r->content_type = "text/calendar; charset=utf-8";
  r->body = ics; /* takes ownership */
  r->content_disposition = g_strdup(disposition);
}

static gboolean
session_ics(rc_api_call *call, GError **error)
{
  gint64 id = PARAM(call, 0);
  GBytes *ics = rc_calendar_session(call->api->config, call->api->store, call->user, id, error);
  if (!ics)
    return FALSE;
  g_autofree char *disp = g_strdup_printf("attachment; filename=\"phien-hop-%" G_GINT64_FORMAT ".ics\"", id);
  reply_calendar(call, ics, disp);
  return TRUE;
}

/* The feed's reader: the ?token= feed token, else the login (bearer or cookie). */
static json_t *
feed_user(rc_api_call *call, GError **error)
{
  const char *feed = call->request->query ? g_hash_table_lookup(call->request->query, "token") : NULL;
  if (feed && *feed) {
    json_t *user = rc_calendar_token_user(call->api->store, feed);
    if (!user)
      g_set_error(error, RC_API_ERROR, RC_WIRE_UNAUTHENTICATED, "unknown or revoked calendar token");
    return user;
  }
  json_t *user = call->request->token ? rc_auth_check_token(call->api->auth, call->request->token, NULL) : NULL;
  if (!user)
    g_set_error(error, RC_API_ERROR, RC_WIRE_UNAUTHENTICATED,
                "log in, or subscribe with the feed URL (?token=) from the console");
  return user;
}

static gboolean
feed_ics(rc_api_call *call, GError **error)
{
  g_autoptr(json_t) user = feed_user(call, error);
  GBytes *ics = user ? rc_calendar_feed(call->api->config, call->api->store, user, error) : NULL;
  if (!ics)
    return FALSE;
  reply_calendar(call, ics, "inline; filename=\"lich-hop.ics\"");
  return TRUE;
}

static gboolean
feed_status(rc_api_call *call, GError **error)
{
  (void)error;
  g_autofree char *created = rc_store_calendar_token_created(call->api->store, call->user_id);
  json_t *status = json_pack("{sb}", "active", created != NULL);
  if (created)
    json_object_set_new(status, "created_at", json_string(created));
  rc_api_reply_json(call->reply, 200, status);
  return TRUE;
}

static gboolean
feed_token_new(rc_api_call *call, GError **error)
{
  g_autofree char *created = NULL;
  char *token = rc_calendar_token_new(call->api->store, call->user_id, &created, error);
  if (!token)
    return FALSE;
  g_autofree char *path = g_strdup_printf("/api/v1/calendar.ics?token=%s", token);
  rc_api_reply_json(call->reply, 201, json_pack("{ss ss ss}", "token", token, "path", path, "created_at", created));
  sodium_memzero(token, strlen(token));
  g_free(token);
  return TRUE;
}

static gboolean
feed_token_revoke(rc_api_call *call, GError **error)
{
  if (!rc_calendar_token_revoke(call->api->store, call->user_id, error))
    return FALSE;
  rc_api_reply_json(call->reply, 204, NULL);
  return TRUE;
}

const rc_api_route rc_api_routes_calendar[] = {
  {"GET", "/api/v1/sessions/{id}/calendar.ics", RC_ROLES_ANY, RC_BODY_NONE, NULL, session_ics, RC_REACH_INVITED},
  {"GET", "/api/v1/calendar.ics", 0, RC_BODY_NONE, NULL, feed_ics, RC_REACH_SCOPE}, /* checks its own token */
  {"GET", "/api/v1/me/calendar", RC_ROLES_ANY, RC_BODY_NONE, NULL, feed_status, RC_REACH_SCOPE},
  {"POST", "/api/v1/me/calendar", RC_ROLES_ANY, RC_BODY_NONE, NULL, feed_token_new, RC_REACH_SCOPE},
  {"DELETE", "/api/v1/me/calendar", RC_ROLES_ANY, RC_BODY_NONE, NULL, feed_token_revoke, RC_REACH_SCOPE},
  {NULL, NULL, 0, 0, NULL, NULL, 0},
};
