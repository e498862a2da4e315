/* api-rest — the REST router: matches a route, authenticates and authorizes
 * the caller before the body is read, validates the body, runs the handler,
 * and shapes replies and errors. Also the helpers handlers share. */
#define G_LOG_DOMAIN "roomctl-api"
#include "api-private.h"
#include "program.h"
#include "sessions.h"
#include "speakers.h"
#include "site-health.h"
#include "storage-watch.h"
#include "votes.h"
#include "service.h"

#include <string.h>

static const rc_api_route *const route_tables[] = {rc_api_routes_people, rc_api_routes_sessions,
                                                   rc_api_routes_live, rc_api_routes_media,
                                                   rc_api_routes_health, rc_api_routes_records,
                                                   rc_api_routes_import, rc_api_routes_calendar,
                                                   rc_api_routes_recordings};

void
rc_api_set_ws_io(rc_api *api, const rc_api_ws_io *io)
{
  api->io = io ? *io : (rc_api_ws_io){0};
}

rc_api *
rc_api_new(rc_config *config, rc_store *store, rc_auth *auth, rc_meeting *meeting)
{
  rc_api *api = g_new0(rc_api, 1);
  api->config = config;
  api->store = store;
  api->auth = auth;
  api->meeting = meeting;
  api->votes = rc_votes_new(config, store, meeting);
  api->program = rc_program_new(store, meeting);
  rc_votes_set_sealed_fn(api->votes, rc_api_live_ballots_sealed, api);
  api->health = rc_site_health_new(config, store, meeting);
  api->metrics = g_string_new(NULL);
  api->records = rc_api_records_new(config);
  api->storage = rc_storage_watch_new(config, store, meeting, api->votes);
  api->speakers = rc_speakers_new(config, store, meeting, api->program);
  api->sessions = rc_sessions_new(store, meeting, api->votes, api->speakers, api->program, api->health, api->storage);
  return api;
}

void
rc_api_free(rc_api *api)
{
  if (!api)
    return;
  rc_sessions_free(api->sessions);
  rc_speakers_free(api->speakers);
  rc_storage_watch_free(api->storage);
  rc_votes_free(api->votes);
  rc_program_free(api->program);
  rc_site_health_free(api->health);
  g_string_free(api->metrics, TRUE);
  rc_api_records_free(api->records);
  g_free(api);
}

/* ---- replies ---- */

void
rc_api_reply_clear(rc_api_reply *r)
{
  g_clear_pointer(&r->body, g_bytes_unref);
  g_clear_pointer(&r->file_path, g_free);
  g_clear_pointer(&r->etag, g_free);
  g_clear_pointer(&r->set_cookie, g_free);
  g_clear_pointer(&r->content_disposition, g_free);
  g_clear_pointer(&r->location, g_free);
  r->status = 0;
  r->content_type = NULL;
}

void
rc_api_reply_json(rc_api_reply *r, int status, json_t *body)
{
  g_clear_pointer(&r->body, g_bytes_unref);
  r->status = status;
  r->content_type = "application/json; charset=utf-8";
  if (body) {
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!text) {
      g_warning("a reply could not be encoded as JSON");
      r->status = 500;
      text = g_strdup("{\"error\":{\"code\":1500,\"name\":\"internal\",\"reason\":\"internal error\"}}");
    }
    r->body = g_bytes_new_take(text, strlen(text));
  }
}

void
rc_api_reply_error(rc_api_reply *r, const GError *error)
{
  rc_wire_code code = rc_wire_code_from_error(error);
  if (code == RC_WIRE_INTERNAL)
    g_warning("internal error: %s", error->message);
  else if (code == RC_WIRE_STORAGE_FULL) /* the wire says only "disk full": what failed is here */
    g_warning("refused, the disk is full: %s", error->message);
  rc_api_reply_json(r, rc_wire_http_status(code), json_pack("{so}", "error", rc_wire_error_object(error)));
}

void
rc_api_reply_wire(rc_api_reply *r, rc_wire_code code, const char *reason)
{
  g_autoptr(GError) error = g_error_new_literal(RC_API_ERROR, code, reason);
  rc_api_reply_error(r, error);
}

/* A stored time ("2026-11-25T01:00:00Z") on the province's clock, still
 * one exact instant: "2026-11-25T08:00:00+07:00". NULL for anything else. */
static char *
csv_local_time(const char *s, GTimeZone *tz)
{
  if (!tz || strlen(s) != 20 || s[10] != 'T' || s[19] != 'Z')
    return NULL;
  g_autoptr(GDateTime) utc = g_date_time_new_from_iso8601(s, NULL);
  g_autoptr(GDateTime) local = utc ? g_date_time_to_timezone(utc, tz) : NULL;
  return local ? g_date_time_format(local, "%Y-%m-%dT%H:%M:%S%:z") : NULL;
}

static void
csv_field(GString *out, json_t *v, GTimeZone *tz)
{
  g_autofree char *num = json_is_integer(v) ? g_strdup_printf("%" JSON_INTEGER_FORMAT, json_integer_value(v))
                         : json_is_real(v)  ? g_strdup_printf("%g", json_real_value(v))
                         : json_is_string(v) ? csv_local_time(json_string_value(v), tz)
                                            : NULL;
  const char *s = num ? num : json_is_string(v) ? json_string_value(v) : "";
  /* A leading = + - @ is defused so spreadsheets do not run it. */
  gboolean formula = s[0] && strchr("=+-@", s[0]) && !num;
  g_string_append_c(out, '"');
  if (formula)
    g_string_append_c(out, '\'');
  for (; *s; s++) {
    if (*s == '"')
      g_string_append_c(out, '"');
    g_string_append_c(out, *s);
  }
  g_string_append_c(out, '"');
}

void
rc_api_reply_csv(rc_api_reply *r, json_t *rows, const char *const *cols, const char *filename, GTimeZone *tz)
{
  GString *out = g_string_new("\xEF\xBB\xBF"); /* BOM: spreadsheet apps then read UTF-8 */
  for (guint i = 0; cols[i]; i++)
    g_string_append_printf(out, "%s%s", i ? "," : "", cols[i]);
  g_string_append(out, "\r\n");
  size_t n;
  json_t *row;
  json_array_foreach(rows, n, row) {
    for (guint i = 0; cols[i]; i++) {
      if (i)
        g_string_append_c(out, ',');
      csv_field(out, json_object_get(row, cols[i]), tz);
    }
    g_string_append(out, "\r\n");
  }
  rc_api_reply_clear(r);
  r->status = 200;
  r->content_type = "text/csv; charset=utf-8";
  r->body = g_string_free_to_bytes(out);
  r->content_disposition = g_strdup_printf("attachment; filename=\"%s\"", filename);
}

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
  return user;
}

static json_t *
parse_body(const rc_api_request *req, const rc_field *fields, GError **error)
{
  gsize len = 0;
  const char *data = req->body ? g_bytes_get_data(req->body, &len) : NULL;
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
  if (match->route->body == RC_BODY_JSON && !(body = parse_body(req, match->route->fields, &error))) {
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

/* ---- shared helpers ---- */

static void
tell_revoked(rc_api *api, rc_api_ws_peer *peer, gint64 session_id)
{
  rc_api_ws_send_json(api, peer, json_pack("{ss sI s{}}", "type", "session.revoked", "session_id",
                                           (json_int_t)session_id, "body"));
}

static gboolean
keep_if_allowed(rc_api *api, rc_api_ws_peer *peer, gint64 session_id)
{
  if (peer->user && rc_api_ws_refresh_user(api, peer, NULL) &&
      rc_api_session_access(api, peer->user, session_id, NULL))
    return TRUE;
  tell_revoked(api, peer, session_id);
  return FALSE;
}

static gboolean
keep_none(rc_api *api, rc_api_ws_peer *peer, gint64 session_id)
{
  tell_revoked(api, peer, session_id);
  return FALSE;
}

void
rc_api_revoke_subscribers(rc_api *api, gint64 session_id, gboolean everyone)
{
  if (api->io.prune)
    api->io.prune(api->io.owner, session_id, everyone ? keep_none : keep_if_allowed, api);
}

void
rc_api_drop_user(rc_api *api, gint64 user_id, const char *token)
{
  if (api->io.drop)
    api->io.drop(api->io.owner, user_id, token);
}

gboolean
rc_api_session_access(rc_api *api, json_t *user, gint64 session_id, GError **error)
{
  if (RC_USER_ROLE(user) & RC_ROLES_STAFF)
    return TRUE;
  if (rc_store_session_has_delegate(api->store, session_id, RC_USER_ID(user)))
    return TRUE;
  /* Do not tell a stranger whether the session exists. */
  g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "session not found");
  return FALSE;
}

/* The roles that run sessions read every confidential document. */
#define CONFIDENTIAL_STAFF (RC_ROLE_ADMIN | RC_ROLE_SECRETARIAT | RC_ROLE_CHAIR)

/* Whether @user, who may see the document's session, reads confidential
 * document @doc_id. Not audited: listings ask for every document. */
static gboolean
confidential_reader(rc_api *api, json_t *user, gint64 doc_id)
{
  return user && ((RC_USER_ROLE(user) & CONFIDENTIAL_STAFF) ||
                  rc_store_document_is_reader(api->store, doc_id, RC_USER_ID(user)));
}

/* What is withheld from a non-reader: everything but the title, the page
 * count and the mark. The exact size (with the page count), the file name
 * or the signers would confirm a guess of the content as the hash would.
 * The keys stay (null) so every client reads one shape. */
static const char *const withheld[] = {"sha256", "filename", "size", "signature", "uploaded_at", NULL};

static void
withhold(json_t *doc)
{
  for (const char *const *k = withheld; *k; k++)
    if (json_object_get(doc, *k))
      json_object_set_new(doc, *k, json_null());
  json_object_del(doc, "readers");
}

void
rc_api_agenda_for(rc_api *api, json_t *user, json_t *agenda)
{
  size_t i, j;
  json_t *item, *doc;
  json_array_foreach(agenda, i, item) {
    json_array_foreach(json_object_get(item, "documents"), j, doc) {
      if (json_is_true(json_object_get(doc, "confidential")) &&
          !confidential_reader(api, user, json_integer_value(json_object_get(doc, "id"))))
        withhold(doc);
    }
    rc_api_agenda_for(api, user, json_object_get(item, "children"));
  }
}

json_t *
rc_api_document_access(rc_api *api, json_t *user, gint64 doc_id, const char *what, GError **error)
{
  gint64 session_id = rc_store_document_session(api->store, doc_id);
  if (!session_id) {
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "document not found");
    return NULL;
  }
  g_autoptr(GError) no_session = NULL;
  gboolean in_session = rc_api_session_access(api, user, session_id, &no_session);
  g_autoptr(json_t) doc = rc_store_document_get(api->store, doc_id, error);
  if (!doc)
    return NULL;
  gint64 uid = RC_USER_ID(user);
  if (!json_is_true(json_object_get(doc, "confidential"))) {
    if (in_session)
      return g_steal_pointer(&doc);
    g_propagate_error(error, g_steal_pointer(&no_session));
    return NULL;
  }
  gboolean allowed = in_session && confidential_reader(api, user, doc_id);
  if (allowed) {
    if (!g_str_equal(what, "notes")) /* a reader's note-taking is not a new access */
      rc_api_audit_detail(api, uid, "document.read", what, "document:%" G_GINT64_FORMAT, doc_id);
    if (RC_USER_ROLE(user) & CONFIDENTIAL_STAFF)
      json_object_set_new(doc, "readers", rc_store_document_readers(api->store, doc_id, NULL));
    return g_steal_pointer(&doc);
  }
  g_autofree char *detail = g_strdup_printf("%s: %s", what, in_session ? "not a reader" : "not in the session");
  rc_api_audit_detail(api, uid, "document.refused", detail, "document:%" G_GINT64_FORMAT, doc_id);
  g_message("user %" G_GINT64_FORMAT " refused confidential document %" G_GINT64_FORMAT " (%s)", uid, doc_id, detail);
  if (!in_session) /* a stranger to the session learns nothing, as for any document */
    g_propagate_error(error, g_steal_pointer(&no_session));
  else
    g_set_error(error, RC_ERROR, RC_ERROR_FORBIDDEN,
                "this document is confidential: only the delegates it is for may read it");
  return NULL;
}

static json_t *
session_part(rc_api *api, gint64 session_id, rc_event type, GError **error)
{
  if (type == RC_EVENT_SESSION_UPDATED)
    return rc_store_session_get(api->store, session_id, error);
  json_t *part = NULL;
  const char *key = NULL;
  if (type == RC_EVENT_AGENDA_UPDATED) {
    /* One frame for every subscriber and the resync backlog: what anyone
     * may see. Readers and staff fetch their own view (GET .../agenda). */
    part = rc_store_agenda_tree(api->store, session_id, error), key = "agenda";
    rc_api_agenda_for(api, NULL, part);
  }
  else if (type == RC_EVENT_DELEGATES_UPDATED)
    part = rc_store_session_delegates(api->store, session_id, error), key = "delegates";
  else if (type == RC_EVENT_SITES_UPDATED)
    part = rc_store_session_sites(api->store, session_id, error), key = "sites";
  return part ? json_pack("{so}", key, part) : NULL;
}

void
rc_api_emit_session_part(rc_api *api, gint64 session_id, rc_event type)
{
  g_autoptr(GError) error = NULL;
  json_t *body = session_part(api, session_id, type, &error);
  if (!body) {
    g_warning("session %" G_GINT64_FORMAT ": cannot build %s: %s", session_id, rc_event_get(type)->name,
              error ? error->message : "unknown part");
    return;
  }
  rc_meeting_send(api->meeting, session_id, type, body);
}

void
rc_api_emit_attendance(rc_api *api, gint64 session_id, json_t *entry)
{
  g_autoptr(json_t) all = rc_store_attendance(api->store, session_id, NULL);
  if (!all)
    return;
  rc_meeting_send(api->meeting, session_id, RC_EVENT_ATTENDANCE_UPDATED,
                  json_pack("{sO sO sO}", "entry", entry, "present", json_object_get(all, "present"),
                            "expected", json_object_get(all, "expected")));
}

static void
audit_v(rc_api *api, gint64 user_id, const char *action, const char *detail, const char *target_fmt, va_list args)
{
  g_autofree char *target = g_strdup_vprintf(target_fmt, args);
  g_autoptr(GError) error = NULL;
  if (!rc_store_audit(api->store, user_id, action, target, detail, &error))
    g_warning("audit %s %s: %s", action, target, error->message);
}

void
rc_api_audit(rc_api *api, gint64 user_id, const char *action, const char *target_fmt, ...)
{
  va_list args;
  va_start(args, target_fmt);
  audit_v(api, user_id, action, NULL, target_fmt, args);
  va_end(args);
}

void
rc_api_audit_detail(rc_api *api, gint64 user_id, const char *action, const char *detail, const char *target_fmt,
                    ...)
{
  va_list args;
  va_start(args, target_fmt);
  audit_v(api, user_id, action, detail, target_fmt, args);
  va_end(args);
}

json_t *
rc_api_attendance_change(rc_api *api, json_t *caller, gint64 session_id, gint64 user_id,
                         const char *event, const char *method, GError **error)
{
  rc_role role = RC_USER_ROLE(caller);
  if (!(role & RC_ROLES_EDITORS) && user_id != RC_USER_ID(caller)) {
    g_set_error(error, RC_ERROR, RC_ERROR_FORBIDDEN, "a delegate can only check themselves in or out");
    return NULL;
  }
  if (!rc_api_session_access(api, caller, session_id, error))
    return NULL;
  g_autoptr(json_t) session = rc_store_session_get(api->store, session_id, error);
  if (!session || !rc_meeting_attendance_open(json_string_value(json_object_get(session, "status")), error))
    return NULL;
  json_t *entry = rc_store_attendance_record(api->store, session_id, user_id, event, method, error);
  if (!entry)
    return NULL;
  rc_log_about(G_LOG_LEVEL_INFO, session_id, NULL, user_id,
               "session %" G_GINT64_FORMAT ": user %" G_GINT64_FORMAT " checked %s (%s)", session_id, user_id, event,
               method);
  rc_api_emit_attendance(api, session_id, entry);
  return entry;
}
