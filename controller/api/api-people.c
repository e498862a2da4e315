/* api-people — REST routes for health, login/logout, users and sites; the
 * users and sites themselves are the app's accounts (accounts.h). */
#define G_LOG_DOMAIN "roomctl-api"
#include "api/api-private.h"
#include "app/accounts.h"
#include "app/organisations.h"

static const char *const role_choices[] = {"admin", "secretariat", "chair", "delegate", "technician", NULL};
static const char *const level_choices[] = {"province", "district", "commune", "department", NULL};
static const char *const transport_choices[] = {"rtp", "rtsp", "srt", "webrtc", "sip", NULL};
static const char *const srtp_choices[] = {"required", "preferred", "off", NULL};

static const rc_field login_fields[] = {
  {"username", RC_FIELD_STRING, TRUE, 1, 64, NULL},
  {"password", RC_FIELD_STRING, TRUE, 1, 128, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_field user_create_fields[] = {
  {"username", RC_FIELD_USERNAME, TRUE, 0, 0, NULL},
  {"full_name", RC_FIELD_STRING, TRUE, 1, 100, NULL},
  {"role", RC_FIELD_ENUM, TRUE, 0, 0, role_choices},
  {"password", RC_FIELD_STRING, TRUE, 6, 128, NULL},
  {"title", RC_FIELD_STRING, FALSE, 0, 100, NULL},
  {"unit", RC_FIELD_STRING, FALSE, 0, 100, NULL},
  {"organisation_id", RC_FIELD_ID, FALSE, 0, 0, NULL},
  {"include_children", RC_FIELD_BOOL, FALSE, 0, 0, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_field user_update_fields[] = {
  {"full_name", RC_FIELD_STRING, FALSE, 1, 100, NULL},
  {"role", RC_FIELD_ENUM, FALSE, 0, 0, role_choices},
  {"password", RC_FIELD_STRING, FALSE, 6, 128, NULL},
  {"title", RC_FIELD_STRING, FALSE, 0, 100, NULL},
  {"unit", RC_FIELD_STRING, FALSE, 0, 100, NULL},
  {"active", RC_FIELD_BOOL, FALSE, 0, 0, NULL},
  {"site_id", RC_FIELD_ID_OR_NULL, FALSE, 0, 0, NULL},
  {"organisation_id", RC_FIELD_ID, FALSE, 0, 0, NULL},
  {"include_children", RC_FIELD_BOOL, FALSE, 0, 0, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
#define SITE_FIELDS(req)                                       \
  {"code", RC_FIELD_CODE, req, 0, 0, NULL},                    \
  {"name", RC_FIELD_STRING, req, 1, 200, NULL},                \
  {"level", RC_FIELD_ENUM, req, 0, 0, level_choices},          \
  {"parent_id", RC_FIELD_ID_OR_NULL, FALSE, 0, 0, NULL},       \
  {"transport", RC_FIELD_ENUM, FALSE, 0, 0, transport_choices}, \
  {"address", RC_FIELD_STRING, FALSE, 0, 500, NULL},           \
  {"h264_payload_type", RC_FIELD_INT_OR_NULL, FALSE, 96, 127, NULL}, \
  {"opus_payload_type", RC_FIELD_INT_OR_NULL, FALSE, 96, 127, NULL}, \
  {"video_cap_kbps", RC_FIELD_INT_OR_NULL, FALSE, 0, 1000000, NULL}, \
  {"audio_cap_kbps", RC_FIELD_INT_OR_NULL, FALSE, 0, 100000, NULL}, \
  {"organisation_id", RC_FIELD_ID, FALSE, 0, 0, NULL},         \
  {"sip_user", RC_FIELD_STRING, FALSE, 0, 64, NULL},           \
  {"sip_password", RC_FIELD_STRING, FALSE, 0, 128, NULL},      \
  {"srtp", RC_FIELD_ENUM, FALSE, 0, 0, srtp_choices},          \
  {"media_from", RC_FIELD_IPV4_NET, FALSE, 0, 0, NULL},        \
  {NULL, 0, 0, 0, 0, NULL}
static const rc_field site_create_fields[] = {SITE_FIELDS(TRUE)};
static const rc_field site_update_fields[] = {SITE_FIELDS(FALSE)};

#define PARAM(call, i) ((call)->match->params[i])

static const char *
query(rc_api_call *call, const char *name)
{
  return call->request->query ? g_hash_table_lookup(call->request->query, name) : NULL;
}

static gboolean
healthz(rc_api_call *call, GError **error)
{
  (void)error;
  rc_api_reply_json(call->reply, 200,
                    json_pack("{ss ss si}", "status", "ok", "version", RC_VERSION, "schema",
                              rc_store_schema_version(call->api->store)));
  return TRUE;
}

/* Who holds the sessions and the province's zone, before any login: the
 * apps need both for their header and for every time they show or take. */
static gboolean
about(rc_api_call *call, GError **error)
{
  (void)error;
  rc_api_reply_json(call->reply, 200,
                    json_pack("{ss ss}", "organisation", call->api->config->organisation, "timezone",
                              call->api->config->timezone));
  return TRUE;
}

/* ---- login ---- */

typedef struct {
  rc_api *api;
  char *username;
  char *peer;
  rc_api_reply_fn later;
  gpointer later_data;
} login_request;

static void
login_finished(json_t *user, const char *token, gint64 expires_unix, const GError *error, gpointer data)
{
  login_request *lr = data;
  rc_api_reply reply = {0};
  if (!user) {
    g_message("login refused for '%s' from %s", lr->username, lr->peer);
    rc_api_audit(lr->api, 0, "login.failed", "user:%s", lr->username);
    rc_api_reply_wire(&reply, error && error->domain == RC_ERROR && error->code == RC_ERROR_FORBIDDEN
                                  ? RC_WIRE_BAD_CREDENTIALS : RC_WIRE_INTERNAL,
                      error ? error->message : "login failed");
  } else {
    g_autoptr(GDateTime) exp = g_date_time_new_from_unix_utc(expires_unix);
    g_autofree char *exp_text = g_date_time_format(exp, "%Y-%m-%dT%H:%M:%SZ");
    rc_api_audit(lr->api, RC_USER_ID(user), "login", "user:%s", lr->username);
    rc_api_reply_json(&reply, 200, json_pack("{ss ss sO}", "token", token, "expires_at", exp_text, "user", user));
    reply.set_cookie = g_strdup_printf("rc_token=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%" G_GINT64_FORMAT,
                                       token, expires_unix - g_get_real_time() / G_USEC_PER_SEC);
  }
  lr->later(&reply, lr->later_data);
  rc_api_reply_clear(&reply);
  g_free(lr->username);
  g_free(lr->peer);
  g_free(lr);
}

static gboolean
login(rc_api_call *call, GError **error)
{
  (void)error;
  login_request *lr = g_new0(login_request, 1);
  lr->api = call->api;
  lr->username = g_strdup(json_string_value(json_object_get(call->body, "username")));
  lr->peer = g_strdup(call->request->peer ? call->request->peer : "?");
  lr->later = call->later;
  lr->later_data = call->later_data;
  rc_auth_login(call->api->auth, lr->username, json_string_value(json_object_get(call->body, "password")),
                login_finished, lr);
  return TRUE; /* reply->status stays 0: the answer comes later */
}

static gboolean
logout(rc_api_call *call, GError **error)
{
  if (!rc_auth_logout(call->api->auth, call->request->token, error))
    return FALSE;
  rc_api_audit(call->api, call->user_id, "logout", "user:%" G_GINT64_FORMAT, call->user_id);
  rc_api_drop_user(call->api, call->user_id, call->request->token);
  rc_api_reply_json(call->reply, 204, NULL);
  call->reply->set_cookie = g_strdup("rc_token=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  return TRUE;
}

static gboolean
me(rc_api_call *call, GError **error)
{
  (void)error;
  json_t *me = json_deep_copy(call->user);
  g_autoptr(json_t) org = rc_organisations_of_user(call->api->store, call->api->config, call->user);
  json_object_update(me, org);
  rc_api_reply_json(call->reply, 200, me);
  return TRUE;
}

/* ---- users ---- */

static gboolean
users_list(rc_api_call *call, GError **error)
{
  const char *role = query(call, "role");
  if (role && !rc_auth_role_parse(role)) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "role: unknown role '%s'", role);
    return FALSE;
  }
  json_t *users = rc_store_users_list(call->api->store, role, error);
  if (!users)
    return FALSE;
  rc_access_filter_rows(call->api->store, call->user, users);
  rc_api_reply_json(call->reply, 200, json_pack("{so}", "users", users));
  return TRUE;
}

static gboolean
user_get(rc_api_call *call, GError **error)
{
  json_t *user = rc_store_user_get(call->api->store, PARAM(call, 0), error);
  if (!user)
    return FALSE;
  rc_api_reply_json(call->reply, 200, user);
  return TRUE;
}

/* A user's write, answered while the handler runs (nothing to hash) or
 * later (a password hashed on the auth workers). */
typedef struct {
  rc_api *api;
  int status;        /* 201 new, 200 changed */
  rc_api_reply *now; /* the handler's reply while it runs, then NULL */
  gboolean answered;
  rc_api_reply_fn later;
  gpointer later_data;
} user_reply;

static void
user_saved(gint64 id, gboolean relogin, const GError *error, gpointer data)
{
  user_reply *ur = data;
  rc_api_reply reply = {0}, *r = ur->now ? ur->now : &reply;
  g_autoptr(GError) read_error = NULL;
  if (relogin)
    rc_api_drop_user(ur->api, id, NULL); /* their open sockets reconnect as they are now */
  json_t *user = id ? rc_store_user_get(ur->api->store, id, &read_error) : NULL;
  if (user)
    rc_api_reply_json(r, ur->status, user);
  else
    rc_api_reply_error(r, error ? error : read_error);
  ur->answered = TRUE;
  if (ur->now)
    return;
  ur->later(&reply, ur->later_data);
  rc_api_reply_clear(&reply);
  g_free(ur);
}

/* Creates (@id 0) or changes a user: the reply now, or later (status 0). */
static gboolean
user_save(rc_api_call *call, gint64 id, GError **error)
{
  user_reply *ur = g_new0(user_reply, 1);
  *ur = (user_reply){call->api, id ? 200 : 201, call->reply, FALSE, call->later, call->later_data};
  if (!rc_organisations_owner_field(call->api->store, call->user, call->body, id == 0, error)) {
    g_free(ur);
    return FALSE;
  }
  rc_account_user user = {id, call->body, json_string_value(json_object_get(call->body, "password")), call->user_id};
  gboolean ok = rc_accounts_user_save(call->api->accounts, &user, user_saved, ur, error);
  ur->now = NULL;
  if (!ok || ur->answered)
    g_free(ur);
  return ok;
}

static gboolean
user_create(rc_api_call *call, GError **error)
{
  return user_save(call, 0, error);
}

static gboolean
user_update(rc_api_call *call, GError **error)
{
  return user_save(call, PARAM(call, 0), error);
}

static gboolean
user_delete(rc_api_call *call, GError **error)
{
  if (!rc_accounts_user_delete(call->api->accounts, PARAM(call, 0), call->user_id, error))
    return FALSE;
  rc_api_drop_user(call->api, PARAM(call, 0), NULL);
  rc_api_reply_json(call->reply, 204, NULL);
  return TRUE;
}

/* ---- audit log ---- */

static gboolean
audit_list(rc_api_call *call, GError **error)
{
  const char *raw = query(call, "limit");
  gint64 limit = raw ? g_ascii_strtoll(raw, NULL, 10) : 200;
  if (limit < 1 || limit > 10000) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "limit: must be 1 to 10000");
    return FALSE;
  }
  json_t *rows = rc_store_audit_list(call->api->store, (int)limit, error);
  if (!rows)
    return FALSE;
  rc_api_reply_json(call->reply, 200, json_pack("{so}", "audit", rows));
  return TRUE;
}

/* ---- sites ---- */

static gboolean
sites_list(rc_api_call *call, GError **error)
{
  const char *level = query(call, "level");
  const char *parent = query(call, "parent_id");
  gint64 parent_id = parent ? g_ascii_strtoll(parent, NULL, 10) : 0;
  if (level && !g_strv_contains(level_choices, level)) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "level: unknown level '%s'", level);
    return FALSE;
  }
  json_t *sites = rc_store_sites_list(call->api->store, level, parent_id, error);
  if (!sites)
    return FALSE;
  rc_access_filter_rows(call->api->store, call->user, sites);
  rc_api_reply_json(call->reply, 200, json_pack("{so}", "sites", sites));
  return TRUE;
}

static gboolean
site_get(rc_api_call *call, GError **error)
{
  json_t *site = rc_store_site_get(call->api->store, PARAM(call, 0), error);
  if (!site)
    return FALSE;
  rc_api_reply_json(call->reply, 200, site);
  return TRUE;
}

static gboolean
site_create(rc_api_call *call, GError **error)
{
  if (!rc_organisations_owner_field(call->api->store, call->user, call->body, TRUE, error))
    return FALSE;
  gint64 id = rc_accounts_site_create(call->api->accounts, call->body, call->user_id, error);
  json_t *site = id ? rc_store_site_get(call->api->store, id, error) : NULL;
  if (!site)
    return FALSE;
  rc_api_reply_json(call->reply, 201, site);
  return TRUE;
}

static gboolean
site_update(rc_api_call *call, GError **error)
{
  return rc_organisations_owner_field(call->api->store, call->user, call->body, FALSE, error) &&
         rc_accounts_site_update(call->api->accounts, PARAM(call, 0), call->body, call->user_id, error) &&
         site_get(call, error);
}

static gboolean
site_delete(rc_api_call *call, GError **error)
{
  if (!rc_accounts_site_delete(call->api->accounts, PARAM(call, 0), call->user_id, error))
    return FALSE;
  rc_api_reply_json(call->reply, 204, NULL);
  return TRUE;
}

#define ANYONE 0
#define ANY RC_ROLES_ANY
#define EDITORS RC_ROLES_EDITORS
#define ADMIN RC_ROLE_ADMIN
#define SITE_READERS (RC_ROLES_STAFF)

const rc_api_route rc_api_routes_people[] = {
  {"GET", "/healthz", ANYONE, RC_BODY_NONE, NULL, healthz, RC_REACH_SCOPE},
  {"GET", "/api/v1/about", ANYONE, RC_BODY_NONE, NULL, about, RC_REACH_SCOPE},
  {"POST", "/api/v1/login", ANYONE, RC_BODY_JSON, login_fields, login, RC_REACH_SCOPE},
  {"POST", "/api/v1/logout", ANY, RC_BODY_NONE, NULL, logout, RC_REACH_SCOPE},
  {"GET", "/api/v1/me", ANY, RC_BODY_NONE, NULL, me, RC_REACH_SCOPE},
  {"GET", "/api/v1/users", EDITORS, RC_BODY_NONE, NULL, users_list, RC_REACH_SCOPE},
  {"POST", "/api/v1/users", ADMIN, RC_BODY_JSON, user_create_fields, user_create, RC_REACH_SCOPE},
  {"GET", "/api/v1/users/{id}", EDITORS, RC_BODY_NONE, NULL, user_get, RC_REACH_SCOPE},
  {"PATCH", "/api/v1/users/{id}", ADMIN, RC_BODY_JSON, user_update_fields, user_update, RC_REACH_SCOPE},
  {"DELETE", "/api/v1/users/{id}", ADMIN, RC_BODY_NONE, NULL, user_delete, RC_REACH_SCOPE},
  {"GET", "/api/v1/audit", ADMIN, RC_BODY_NONE, NULL, audit_list, RC_REACH_SCOPE},
  {"GET", "/api/v1/sites", SITE_READERS, RC_BODY_NONE, NULL, sites_list, RC_REACH_SCOPE},
  {"POST", "/api/v1/sites", EDITORS, RC_BODY_JSON, site_create_fields, site_create, RC_REACH_SCOPE},
  {"GET", "/api/v1/sites/{id}", SITE_READERS, RC_BODY_NONE, NULL, site_get, RC_REACH_SCOPE},
  {"PATCH", "/api/v1/sites/{id}", EDITORS, RC_BODY_JSON, site_update_fields, site_update, RC_REACH_SCOPE},
  {"DELETE", "/api/v1/sites/{id}", EDITORS, RC_BODY_NONE, NULL, site_delete, RC_REACH_SCOPE},
  {NULL, NULL, 0, 0, NULL, NULL, 0},
};
