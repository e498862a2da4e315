/* api-rest — the REST router: matches a route, authenticates and authorizes
 * the caller before the body is read, validates the body, runs the handler.
 * The handlers call nothing here: what they share is in api-reply.c. */
#define G_LOG_DOMAIN "roomctl-api"
#include "api/api-private.h"

#include <string.h>

static const rc_api_route *const route_tables[] = {rc_api_routes_people, rc_api_routes_sessions,
                                                   rc_api_routes_live, rc_api_routes_media,
                                                   rc_api_routes_health, rc_api_routes_records,
                                                   rc_api_routes_import, rc_api_routes_calendar,
                                                   rc_api_routes_recordings, rc_api_routes_organisations,
                                                   rc_api_routes_webrtc, rc_api_routes_sites,
                                                   rc_api_routes_sip};

/* ---- routing ---- */

/* Matches @path against @pattern; {id} segments must be positive integers;
 * a {name} segment is copied to @name. */
static gboolean
path_matches(const char *pattern, const char *path, gint64 *params, char *name, gsize name_size)
{
  g_auto(GStrv) want = g_strsplit(pattern, "/", -1);
  g_auto(GStrv) got = g_strsplit(path, "/", -1);
  if (g_strv_length(want) != g_strv_length(got))
    return FALSE;
  int n = 0;
  for (int i = 0; want[i]; i++) {
    if (g_str_equal(want[i], "{id}")) {
      char *end = NULL;
      guint64 v = g_ascii_strtoull(got[i], &end, 10);
      if (!g_ascii_isdigit(got[i][0]) || *end || v == 0 || v > G_MAXINT64 || n >= 2)
        return FALSE;
      params[n++] = (gint64)v;
    } else if (g_str_equal(want[i], "{name}")) {
      if (!*got[i] || g_strlcpy(name, got[i], name_size) >= name_size)
        return FALSE;
    } else if (!g_str_equal(want[i], got[i])) {
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
rc_api_rest_match(rc_api *api, const char *method, const char *path, rc_api_match *match,
                  rc_api_reply *reply)
{
  (void)api;
  gboolean path_known = FALSE;
  memset(match, 0, sizeof *match);
  for (guint t = 0; t < G_N_ELEMENTS(route_tables); t++) {
    for (const rc_api_route *r = route_tables[t]; r->method; r++) {
      gint64 params[2] = {0, 0};
      char name[sizeof match->name] = "";
      if (!path_matches(r->pattern, path, params, name, sizeof name))
        continue;
      path_known = TRUE;
      if (g_str_equal(r->method, method)) {
        match->route = r;
        memcpy(match->params, params, sizeof params);
        memcpy(match->name, name, sizeof name);
        return TRUE;
      }
    }
  }
  if (path_known)
    rc_api_reply_wire(reply, RC_WIRE_METHOD_NOT_ALLOWED, "this method is not allowed on this path");
  else
    rc_api_reply_wire(reply, RC_WIRE_NOT_FOUND, "no such API route");
  return FALSE;
}

rc_api_body_kind
rc_api_rest_body_kind(const rc_api_match *match)
{
  return match->route->body;
}

/* What the {id} of a route names, by the start of its path. */
static const struct {
  const char *prefix;
  rc_access_object_kind kind;
} id_kinds[] = {
  {"/api/v1/sessions/{id}", RC_OBJECT_SESSION}, {"/api/v1/agenda/{id}", RC_OBJECT_AGENDA_ITEM},
  {"/api/v1/documents/{id}", RC_OBJECT_DOCUMENT}, {"/api/v1/alarms/{id}", RC_OBJECT_ALARM},
  {"/api/v1/sites/{id}", RC_OBJECT_SITE},         {"/api/v1/users/{id}", RC_OBJECT_USER},
  {"/api/v1/rooms/{id}", RC_OBJECT_ROOM},
};

/* The organisations' scope (app/access.h): whether @user may reach the
 * object the route's {id} names. A province admin reaches everything. */
static gboolean
within_reach(rc_api *api, const rc_api_match *match, json_t *user, GError **error)
{
  const rc_api_route *r = match->route;
  if (RC_USER_ROLE(user) & RC_ROLE_ADMIN)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS(id_kinds); i++) {
    if (!g_str_has_prefix(r->pattern, id_kinds[i].prefix))
      continue;
    rc_access_need need = r->reach == RC_REACH_INVITED   ? RC_NEED_READ
                          : r->reach == RC_REACH_MEMBERS ? RC_NEED_TAKE_PART
                          : g_str_equal(r->method, "GET") && id_kinds[i].kind >= RC_OBJECT_SITE
                              ? RC_NEED_READ /* a user, site or room is seen as far as its organisation is */
                              : RC_NEED_RUN;
    if (id_kinds[i].kind == RC_OBJECT_DOCUMENT && need == RC_NEED_READ)
      return TRUE; /* the handler's rc_access_document decides, and audits a confidential one */
    g_autofree char *what = g_strdup_printf("%s %s", r->method, r->pattern);
    return rc_access_object(api->store, user, id_kinds[i].kind, match->params[0], need, what, error);
  }
  return TRUE;
}

json_t *
rc_api_rest_authorize(rc_api *api, const rc_api_match *match, const char *token, rc_api_reply *reply)
{
  if (match->route->roles == 0)
    return json_object();
  if (!token || !*token) {
    rc_api_reply_wire(reply, RC_WIRE_UNAUTHENTICATED, "log in first: no bearer token");
    return NULL;
  }
  g_autoptr(GError) error = NULL;
  json_t *user = rc_auth_check_token(api->auth, token, &error);
  if (!user) {
    gboolean expired = g_error_matches(error, RC_ERROR, RC_ERROR_INVALID_STATE);
    rc_api_reply_wire(reply, expired ? RC_WIRE_TOKEN_EXPIRED : RC_WIRE_UNAUTHENTICATED,
                      expired ? "the login has expired; log in again" : "unknown or revoked token");
    return NULL;
  }
  if (!(RC_USER_ROLE(user) & match->route->roles)) {
    g_autofree char *why = g_strdup_printf("the role '%s' may not do this",
                                           json_string_value(json_object_get(user, "role")));
    rc_api_reply_wire(reply, RC_WIRE_FORBIDDEN, why);
    json_decref(user);
    return NULL;
  }
  if (!within_reach(api, match, user, &error)) {
    rc_api_reply_error(reply, error);
    json_decref(user);
    return NULL;
  }
  return user;
}

static json_t *
parse_body(const rc_api_request *req, const rc_field *fields, gboolean optional, GError **error)
{
  gsize len = 0;
  const char *data = req->body ? g_bytes_get_data(req->body, &len) : NULL;
  if (len == 0 && optional)
    return json_object();
  if (len == 0) {
    g_set_error(error, RC_API_ERROR, RC_WIRE_BAD_JSON, "a JSON object body is required");
    return NULL;
  }
  json_error_t jerr;
  json_t *body = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!body) {
    g_set_error(error, RC_API_ERROR, RC_WIRE_BAD_JSON, "malformed JSON at line %d column %d: %s",
                jerr.line, jerr.column, jerr.text);
    return NULL;
  }
  if (!rc_schema_validate(body, fields, error)) {
    json_decref(body);
    return NULL;
  }
  return body;
}

gboolean
rc_api_rest_handle(rc_api *api, const rc_api_match *match, json_t *user, const rc_api_request *req,
                   rc_api_reply *reply, rc_api_reply_fn later, gpointer later_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(json_t) body = NULL;
  rc_api_body_kind kind = match->route->body;
  if ((kind == RC_BODY_JSON || kind == RC_BODY_JSON_OPTIONAL) &&
      !(body = parse_body(req, match->route->fields, kind == RC_BODY_JSON_OPTIONAL, &error))) {
    rc_api_reply_error(reply, error);
    return TRUE;
  }
  rc_api_call call = {
    .api = api, .match = match, .user = user, .user_id = RC_USER_ID(user),
    .role = RC_USER_ROLE(user), .request = req, .body = body, .reply = reply,
    .later = later, .later_data = later_data,
  };
  if (!match->route->handler(&call, &error)) {
    rc_api_reply_clear(reply);
    rc_api_reply_error(reply, error);
    return TRUE;
  }
  return reply->status != 0;
}
