/* api-sites — a WebRTC site's credential (made, replaced and revoked from
 * the console: app/site-credentials.h) and the route a site signs in with,
 * GET /api/v1/site/me, whose bearer is the site's secret, not a login. */
#define G_LOG_DOMAIN "roomctl-api"
#include "api/api-private.h"
#include "app/site-credentials.h"
#include "app/site-floor.h"
#include "app/site-srtp-keys.h"
#include "app/program.h"

#define PARAM(call, i) ((call)->match->params[i])

static gboolean
credential_new(rc_api_call *call, GError **error)
{
  gint64 site_id = PARAM(call, 0);
  g_autofree char *created = NULL;
  char *secret = rc_site_credential_new(call->api->store, site_id, call->user_id, &created, error);
  if (!secret)
    return FALSE;
  rc_api_reply_json(call->reply, 201,
                    json_pack("{sI ss ss}", "site_id", (json_int_t)site_id, "secret", secret, "created_at",
                              created ? created : ""));
  rc_store_secret_free(secret); /* the reply's copy is the only one left */
  return TRUE;
}

static gboolean
credential_revoke(rc_api_call *call, GError **error)
{
  gint64 site_id = PARAM(call, 0);
  if (!rc_site_credential_revoke(call->api->store, site_id, call->user_id, error))
    return FALSE;
  if (call->api->media) /* a call that the old secret opened ends now */
    rc_media_webrtc_drop_site(call->api->media, site_id, "the site credential was revoked");
  rc_api_reply_json(call->reply, 200, json_pack("{sI sb}", "site_id", (json_int_t)site_id, "revoked", TRUE));
  return TRUE;
}

/* A plain-RTP site's SRTP key (app/site-srtp-keys.h): the reply is the
 * only place the key is ever shown; a live site's media take it at once. */
static void
srtp_tell_media(rc_api_call *call, gint64 site_id)
{
  gint64 sid = call->api->media ? rc_media_site_session(call->api->media, site_id, NULL) : 0;
  if (sid && call->api->program) /* its session's media reload its sites, this one's key with them */
    rc_program_sites_changed(call->api->program, sid);
}

static const rc_field srtp_key_fields[] = {
  {"suite", RC_FIELD_ENUM, FALSE, 0, 0, rc_site_srtp_suites},
  {NULL, 0, 0, 0, 0, NULL},
};

static gboolean
srtp_key_new(rc_api_call *call, GError **error)
{
  gint64 site_id = PARAM(call, 0);
  const char *suite = json_string_value(json_object_get(call->body, "suite"));
  json_t *reply = rc_site_srtp_key_new(call->api->store, call->api->config, site_id, suite, call->user_id, error);
  if (!reply)
    return FALSE;
  srtp_tell_media(call, site_id);
  rc_api_reply_json(call->reply, 201, reply);
  return TRUE;
}

static gboolean
srtp_key_revoke(rc_api_call *call, GError **error)
{
  gint64 site_id = PARAM(call, 0);
  if (!rc_site_srtp_key_revoke(call->api->store, site_id, call->user_id, error))
    return FALSE;
  srtp_tell_media(call, site_id);
  rc_api_reply_json(call->reply, 200, json_pack("{sI sb}", "site_id", (json_int_t)site_id, "revoked", TRUE));
  return TRUE;
}

/* The site whose secret is the bearer, 0 with @error. A user's login is
 * not one: 403, so a console left signed in does not read as a bad secret. */
static gint64
bearer_site(rc_api_call *call, GError **error)
{
  const char *secret = call->request->token;
  gint64 site_id = secret && *secret ? rc_site_credential_site(call->api->store, secret) : 0;
  if (!site_id) {
    g_autoptr(json_t) user = secret && *secret ? rc_auth_check_token(call->api->auth, secret, NULL) : NULL;
    if (user)
      g_set_error(error, RC_API_ERROR, RC_WIRE_FORBIDDEN,
                  "a user's login is not a site credential: sign in at /site/ with the site's access key");
    else
      g_set_error(error, RC_API_ERROR, RC_WIRE_UNAUTHENTICATED, "unknown or revoked site credential");
  }
  return site_id;
}

static gboolean
site_me(rc_api_call *call, GError **error)
{
  gint64 site_id = bearer_site(call, error);
  if (!site_id)
    return FALSE;
  json_t *view = rc_site_credential_view(call->api->store, call->api->config, call->api->media,
                                         call->api->meeting, site_id, error);
  if (!view)
    return FALSE;
  rc_api_reply_json(call->reply, 200, view);
  return TRUE;
}

/* The site asks for the floor in its live session (POST) or withdraws
 * (DELETE): the reply is the session's list of sites asking. */
static gboolean
site_floor(rc_api_call *call, gboolean ask, GError **error)
{
  gint64 site_id = bearer_site(call, error);
  if (!site_id)
    return FALSE;
  g_autoptr(json_t) session = rc_store_site_live_session(call->api->store, site_id, error);
  if (!session) {
    if (g_error_matches(*error, RC_ERROR, RC_ERROR_NOT_FOUND)) {
      g_clear_error(error);
      g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "the site is in no live session");
    }
    return FALSE;
  }
  gint64 sid = json_integer_value(json_object_get(session, "id"));
  json_t *list = ask ? rc_site_floor_ask(call->api->site_floor, sid, site_id, RC_SITE_FLOOR_VIA_SITE, 0, error)
                     : rc_site_floor_withdraw(call->api->site_floor, sid, site_id, RC_SITE_FLOOR_VIA_SITE, 0, error);
  if (!list)
    return FALSE;
  json_object_set_new(list, "asking", json_boolean(ask));
  rc_api_reply_json(call->reply, 200, list);
  return TRUE;
}

static gboolean
site_floor_ask(rc_api_call *call, GError **error)
{
  return site_floor(call, TRUE, error);
}

static gboolean
site_floor_withdraw(rc_api_call *call, GError **error)
{
  return site_floor(call, FALSE, error);
}

#define CREDENTIAL_ROLES (RC_ROLE_ADMIN | RC_ROLE_SECRETARIAT | RC_ROLE_TECHNICIAN)

const rc_api_route rc_api_routes_sites[] = {
  {"POST", "/api/v1/sites/{id}/credential", CREDENTIAL_ROLES, RC_BODY_NONE, NULL, credential_new, RC_REACH_SCOPE},
  {"DELETE", "/api/v1/sites/{id}/credential", CREDENTIAL_ROLES, RC_BODY_NONE, NULL, credential_revoke,
   RC_REACH_SCOPE},
  {"POST", "/api/v1/sites/{id}/srtp-key", CREDENTIAL_ROLES, RC_BODY_JSON_OPTIONAL, srtp_key_fields, srtp_key_new,
   RC_REACH_SCOPE},
  {"DELETE", "/api/v1/sites/{id}/srtp-key", CREDENTIAL_ROLES, RC_BODY_NONE, NULL, srtp_key_revoke, RC_REACH_SCOPE},
  {"GET", "/api/v1/site/me", 0, RC_BODY_NONE, NULL, site_me, RC_REACH_SCOPE}, /* checks the site's secret */
  {"POST", "/api/v1/site/floor", 0, RC_BODY_NONE, NULL, site_floor_ask, RC_REACH_SCOPE}, /* the same */
  {"DELETE", "/api/v1/site/floor", 0, RC_BODY_NONE, NULL, site_floor_withdraw, RC_REACH_SCOPE},
  {NULL, NULL, 0, 0, NULL, NULL, 0},
};
