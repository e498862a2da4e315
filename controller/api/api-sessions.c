/* api-sessions — REST routes for sessions, their agenda, documents,
 * assigned delegates and sites, and attendance. Every change is stored,
 * then announced to the session's subscribers: by the app's use cases
 * (session-plan.h, agenda.h, agenda-documents.h, sessions.h). */
#define G_LOG_DOMAIN "roomctl-api"
#include "api/api-private.h"
#include "app/agenda.h"
#include "app/agenda-documents.h"
#include "app/organisations.h"
#include "app/session-plan.h"
#include "app/sessions.h"
#include "records/documents.h"

#include <string.h>

#define PARAM(call, i) ((call)->match->params[i])

static const rc_field session_create_fields[] = {
  {"title", RC_FIELD_STRING, TRUE, 1, 200, NULL},
  {"room", RC_FIELD_STRING, FALSE, 0, 100, NULL},
  {"description", RC_FIELD_TEXT, FALSE, 0, 2000, NULL},
  {"starts_at", RC_FIELD_TIME, TRUE, 0, 0, NULL},
  {"ends_at", RC_FIELD_TIME, TRUE, 0, 0, NULL},
  {"organisation_id", RC_FIELD_ID, FALSE, 0, 0, NULL},
  {"room_id", RC_FIELD_ID_OR_NULL, FALSE, 0, 0, NULL},
  {"closed", RC_FIELD_BOOL, FALSE, 0, 0, NULL},
  {"record", RC_FIELD_BOOL, FALSE, 0, 0, NULL},
  {"rtsp_out", RC_FIELD_BOOL, FALSE, 0, 0, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_field session_update_fields[] = {
  {"title", RC_FIELD_STRING, FALSE, 1, 200, NULL},
  {"room", RC_FIELD_STRING, FALSE, 0, 100, NULL},
  {"description", RC_FIELD_TEXT, FALSE, 0, 2000, NULL},
  {"starts_at", RC_FIELD_TIME, FALSE, 0, 0, NULL},
  {"ends_at", RC_FIELD_TIME, FALSE, 0, 0, NULL},
  {"organisation_id", RC_FIELD_ID, FALSE, 0, 0, NULL},
  {"room_id", RC_FIELD_ID_OR_NULL, FALSE, 0, 0, NULL},
  {"closed", RC_FIELD_BOOL, FALSE, 0, 0, NULL},
  {"record", RC_FIELD_BOOL, FALSE, 0, 0, NULL},
  {"rtsp_out", RC_FIELD_BOOL, FALSE, 0, 0, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_field item_create_fields[] = {
  {"title", RC_FIELD_STRING, TRUE, 1, 200, NULL},
  {"presenter", RC_FIELD_STRING, FALSE, 0, 100, NULL},
  {"planned_minutes", RC_FIELD_INT, FALSE, 0, 600, NULL},
  {"speaking_seconds", RC_FIELD_INT, FALSE, 0, 3600, NULL},
  {"parent_id", RC_FIELD_ID_OR_NULL, FALSE, 0, 0, NULL},
  {"position", RC_FIELD_INT, FALSE, 0, 10000, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_field item_update_fields[] = {
  {"title", RC_FIELD_STRING, FALSE, 1, 200, NULL},
  {"presenter", RC_FIELD_STRING, FALSE, 0, 100, NULL},
  {"planned_minutes", RC_FIELD_INT, FALSE, 0, 600, NULL},
  {"speaking_seconds", RC_FIELD_INT, FALSE, 0, 3600, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_field item_move_fields[] = {
  {"parent_id", RC_FIELD_ID_OR_NULL, TRUE, 0, 0, NULL},
  {"position", RC_FIELD_INT, TRUE, 0, 10000, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_field delegates_fields[] = {
  {"user_ids", RC_FIELD_ID_LIST, TRUE, 0, 5000, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_field sites_fields[] = {
  {"site_ids", RC_FIELD_ID_LIST, TRUE, 0, 5000, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_field invited_fields[] = {
  {"organisation_ids", RC_FIELD_ID_LIST, TRUE, 0, 1000, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_field document_update_fields[] = {
  {"confidential", RC_FIELD_BOOL, FALSE, 0, 0, NULL},
  {"readers", RC_FIELD_ID_LIST, FALSE, 0, 5000, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const char *const attendance_actions[] = {"in", "out", NULL};
static const rc_field attendance_fields[] = {
  {"user_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {"action", RC_FIELD_ENUM, TRUE, 0, 0, attendance_actions},
  {NULL, 0, 0, 0, 0, NULL},
};

static const char *
query(rc_api_call *call, const char *name)
{
  return call->request->query ? g_hash_table_lookup(call->request->query, name) : NULL;
}

static gboolean
reply_object(rc_api_call *call, int status, json_t *obj)
{
  if (!obj)
    return FALSE;
  rc_api_reply_json(call->reply, status, obj);
  return TRUE;
}

/* The session's status, after checking the caller may see it. (transfer full) */
static char *
session_status(rc_api_call *call, gint64 session_id, GError **error)
{
  if (!rc_api_session_access(call->api, call->user, session_id, error))
    return NULL;
  g_autoptr(json_t) s = rc_store_session_get(call->api->store, session_id, error);
  return s ? g_strdup(json_string_value(json_object_get(s, "status"))) : NULL;
}

/* ---- sessions ---- */

static gboolean
sessions_list(rc_api_call *call, GError **error)
{
  const char *status = query(call, "status");
  static const char *const statuses[] = {"scheduled", "live", "ended", NULL};
  if (status && !g_strv_contains(statuses, status)) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "status: must be scheduled, live or ended");
    return FALSE;
  }
  gint64 only_for = (call->role & RC_ROLES_STAFF) ? 0 : call->user_id;
  json_t *list = rc_store_sessions_list(call->api->store, status, only_for, error);
  if (list && only_for == 0)
    rc_access_filter_sessions(call->api->store, call->user, list);
  return list && reply_object(call, 200, json_pack("{so}", "sessions", list));
}

static gboolean
session_get(rc_api_call *call, GError **error)
{
  gint64 id = PARAM(call, 0);
  return rc_api_session_access(call->api, call->user, id, error) &&
         reply_object(call, 200, rc_organisations_session_view(call->api->store, call->api->config, call->user, id, error));
}

static gboolean
session_create(rc_api_call *call, GError **error)
{
  if (!rc_organisations_session_fields(call->api->store, call->user, 0, call->body, error))
    return FALSE;
  gint64 id = rc_session_plan_create(call->api->plan, call->body, call->user_id, error);
  return id && reply_object(call, 201, rc_store_session_get(call->api->store, id, error));
}

static gboolean
session_update(rc_api_call *call, GError **error)
{
  gint64 id = PARAM(call, 0);
  if (!rc_organisations_session_fields(call->api->store, call->user, id, call->body, error))
    return FALSE;
  if (!rc_session_plan_update(call->api->plan, id, call->body, call->user_id, error))
    return FALSE;
  if (json_object_get(call->body, "organisation_id")) /* its staff change with it */
    rc_api_revoke_subscribers(call->api, id, FALSE);
  return reply_object(call, 200, rc_store_session_get(call->api->store, id, error));
}

static gboolean
session_delete(rc_api_call *call, GError **error)
{
  gint64 id = PARAM(call, 0);
  if (!rc_session_plan_delete(call->api->plan, id, call->user_id, error))
    return FALSE;
  rc_api_revoke_subscribers(call->api, id, TRUE);
  rc_api_reply_json(call->reply, 204, NULL);
  return TRUE;
}

static gboolean
session_transition(rc_api_call *call, const char *action, GError **error)
{
  gint64 id = PARAM(call, 0);
  if (!rc_api_session_access(call->api, call->user, id, error))
    return FALSE;
  json_t *after = rc_sessions_transition(call->api->sessions, id, action, call->user_id, error);
  return after && reply_object(call, 200, after);
}

static gboolean
session_start(rc_api_call *call, GError **error)
{
  return session_transition(call, "start", error);
}

static gboolean
session_end(rc_api_call *call, GError **error)
{
  return session_transition(call, "end", error);
}

/* ---- agenda ---- */

static gboolean
reply_agenda(rc_api_call *call, gint64 session_id, int status, GError **error)
{
  json_t *tree = rc_store_agenda_tree(call->api->store, session_id, error);
  if (tree)
    rc_api_agenda_for(call->api, call->user, tree);
  return tree && reply_object(call, status, json_pack("{so}", "agenda", tree));
}

static gboolean
agenda_get(rc_api_call *call, GError **error)
{
  gint64 id = PARAM(call, 0);
  g_autofree char *status = session_status(call, id, error);
  return status && reply_agenda(call, id, 200, error);
}

static gboolean
item_create(rc_api_call *call, GError **error)
{
  json_t *pos = json_object_get(call->body, "position");
  gint64 id = rc_agenda_item_add(call->api->agenda, PARAM(call, 0),
                                 json_integer_value(json_object_get(call->body, "parent_id")),
                                 pos ? (int)json_integer_value(pos) : -1, call->body, error);
  return id && reply_object(call, 201, rc_store_agenda_item_get(call->api->store, id, error));
}

static gboolean
item_update(rc_api_call *call, GError **error)
{
  gint64 id = PARAM(call, 0);
  return rc_agenda_item_change(call->api->agenda, id, call->body, error) &&
         reply_object(call, 200, rc_store_agenda_item_get(call->api->store, id, error));
}

static gboolean
item_move(rc_api_call *call, GError **error)
{
  gint64 session_id = rc_agenda_item_move(call->api->agenda, PARAM(call, 0),
                                          json_integer_value(json_object_get(call->body, "parent_id")),
                                          (int)json_integer_value(json_object_get(call->body, "position")), error);
  return session_id && reply_agenda(call, session_id, 200, error);
}

static gboolean
item_delete(rc_api_call *call, GError **error)
{
  if (!rc_agenda_item_delete(call->api->agenda, PARAM(call, 0), error))
    return FALSE;
  rc_api_reply_json(call->reply, 204, NULL);
  return TRUE;
}

/* ---- documents ---- */

/* A display name from the query: valid UTF-8, no control characters, at
 * most @max characters; @fallback when empty. */
static char *
clean_text(const char *raw, const char *fallback, glong max)
{
  if (!raw || !*raw || !g_utf8_validate(raw, -1, NULL))
    return g_strdup(fallback);
  char *name = g_utf8_substring(raw, 0, MIN(g_utf8_strlen(raw, -1), max));
  for (char *p = name; *p; p++)
    if ((unsigned char)*p < 0x20)
      *p = ' ';
  return name;
}

/* A file name: the last path segment only (document numbers in titles keep
 * their "/", file names do not). */
static char *
clean_filename(const char *raw)
{
  g_autofree char *base = raw && *raw ? g_path_get_basename(raw) : NULL;
  char *name = clean_text(base && !g_str_equal(base, "/") && !g_str_equal(base, ".") ? base : NULL, "document.pdf", 200);
  for (char *p = name; *p; p++)
    if (*p == '"' || *p == '\\')
      *p = '_';
  return name;
}

/* "3,4,5" (the upload's readers=) as a JSON array of ids. (transfer full) */
static json_t *
parse_readers(const char *text, GError **error)
{
  g_auto(GStrv) parts = g_strsplit(text, ",", -1);
  g_autoptr(json_t) ids = json_array();
  for (char **p = parts; *p; p++) {
    char *end = NULL;
    gint64 id = **p ? g_ascii_strtoll(*p, &end, 10) : 0;
    if (!**p && !parts[1])
      break; /* readers= (empty): nobody */
    if (id <= 0 || *end || json_array_size(ids) >= 5000) {
      g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "readers: a comma-separated list of user ids");
      return NULL;
    }
    json_array_append_new(ids, json_integer(id));
  }
  return g_steal_pointer(&ids);
}

/* The document as its editors see it: with its readers when confidential. */
static json_t *
document_for_editor(rc_api *api, gint64 id, GError **error)
{
  json_t *doc = rc_store_document_get(api->store, id, error);
  if (doc && json_is_true(json_object_get(doc, "confidential")))
    json_object_set_new(doc, "readers", rc_store_document_readers(api->store, id, NULL));
  return doc;
}

/* An upload answered once its checks are done (agenda-documents.h). */
typedef struct {
  rc_api *api;
  rc_api_reply_fn later;
  gpointer later_data;
} upload_reply;

static void
uploaded(gint64 id, const GError *error, gpointer data)
{
  upload_reply *ur = data;
  rc_api_reply reply = {0};
  g_autoptr(GError) read_error = NULL;
  json_t *doc = id ? document_for_editor(ur->api, id, &read_error) : NULL;
  if (doc)
    rc_api_reply_json(&reply, 201, doc);
  else
    rc_api_reply_error(&reply, error ? error : read_error);
  ur->later(&reply, ur->later_data);
  rc_api_reply_clear(&reply);
  g_free(ur);
}

static gboolean
document_upload(rc_api_call *call, GError **error)
{
  const rc_api_request *req = call->request;
  if (!rc_agenda_item_editable(call->api->store, PARAM(call, 0), error))
    return FALSE;
  if (!req->upload_path || req->upload_size == 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_UNSUPPORTED, "the upload is empty");
    return FALSE;
  }
  g_autoptr(json_t) readers = NULL;
  if (query(call, "readers") && !(readers = parse_readers(query(call, "readers"), error)))
    return FALSE;
  g_autofree char *filename = clean_filename(query(call, "filename"));
  g_autofree char *title = clean_text(query(call, "title"), filename, 200);
  rc_document_upload up = {
    .item_id = PARAM(call, 0), .path = req->upload_path, .sha256 = req->upload_sha256, .size = req->upload_size,
    .title = title, .filename = filename, .confidential = g_strcmp0(query(call, "confidential"), "true") == 0,
    .readers = readers, .by = call->user_id,
  };
  upload_reply *ur = g_new0(upload_reply, 1);
  *ur = (upload_reply){call->api, call->later, call->later_data};
  if (!rc_agenda_documents_upload(call->api->documents, &up, uploaded, ur, error)) {
    g_free(ur);
    return FALSE;
  }
  return TRUE; /* reply->status stays 0: the answer comes later */
}

static gboolean
document_get(rc_api_call *call, GError **error)
{
  return reply_object(call, 200, rc_api_document_access(call->api, call->user, PARAM(call, 0), "metadata", error));
}

static gboolean
document_update(rc_api_call *call, GError **error)
{
  gint64 id = PARAM(call, 0);
  json_t *conf = json_object_get(call->body, "confidential");
  return rc_agenda_documents_set_access(call->api->documents, id, conf ? json_is_true(conf) : -1,
                                        json_object_get(call->body, "readers"), call->user_id, error) &&
         reply_object(call, 200, document_for_editor(call->api, id, error));
}

typedef struct {
  rc_api_reply_fn later;
  gpointer later_data;
  char *disposition;
} stamp_reply;

/* Back on the main loop with the reader's stamped copy. */
static void
stamped(GBytes *pdf, const GError *error, gpointer data)
{
  stamp_reply *sr = data;
  rc_api_reply reply = {0};
  if (pdf) {
    reply.status = 200;
    reply.content_type = "application/pdf";
    reply.body = g_bytes_ref(pdf);
    reply.content_disposition = g_steal_pointer(&sr->disposition);
  } else {
    rc_api_reply_error(&reply, error);
  }
  sr->later(&reply, sr->later_data);
  rc_api_reply_clear(&reply);
  g_free(sr->disposition);
  g_free(sr);
}

/* A confidential document: the reader's own copy, made in a worker; no
 * ETag, since no two copies are alike. */
static gboolean
content_stamped(rc_api_call *call, gint64 id, const char *path, char *disposition)
{
  stamp_reply *sr = g_new0(stamp_reply, 1);
  *sr = (stamp_reply){call->later, call->later_data, disposition};
  rc_agenda_documents_stamp(id, path, json_string_value(json_object_get(call->user, "full_name")),
                            json_string_value(json_object_get(call->user, "username")), rc_api_zone(call->api),
                            stamped, sr);
  return TRUE; /* reply->status stays 0: the answer comes later */
}

static gboolean
document_content(rc_api_call *call, GError **error)
{
  gint64 id = PARAM(call, 0);
  g_autoptr(json_t) doc = rc_api_document_access(call->api, call->user, id, "content", error);
  if (!doc)
    return FALSE;
  const char *sha = json_string_value(json_object_get(doc, "sha256"));
  gboolean confidential = json_is_true(json_object_get(doc, "confidential"));
  rc_api_reply *r = call->reply;
  if (!confidential) {
    r->etag = g_strdup_printf("\"%s\"", sha);
    if (call->request->if_none_match && strstr(call->request->if_none_match, sha)) {
      r->status = 304;
      return TRUE;
    }
  }
  g_autofree char *path = rc_documents_path(call->api->store, sha);
  if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
    g_warning("document %" G_GINT64_FORMAT ": file %s is missing", id, path);
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "the document's file is missing on the server");
    return FALSE;
  }
  g_autofree char *escaped = g_uri_escape_string(json_string_value(json_object_get(doc, "filename")), NULL, FALSE);
  char *disposition = g_strdup_printf("inline; filename*=UTF-8''%s", escaped);
  if (confidential)
    return content_stamped(call, id, path, disposition);
  r->file_path = g_steal_pointer(&path);
  r->content_disposition = disposition;
  r->status = 200;
  r->content_type = "application/pdf";
  return TRUE;
}

static gboolean
document_delete(rc_api_call *call, GError **error)
{
  if (!rc_agenda_documents_delete(call->api->documents, PARAM(call, 0), call->user_id, error))
    return FALSE;
  rc_api_reply_json(call->reply, 204, NULL);
  return TRUE;
}

/* ---- delegates and sites ---- */

static gboolean
delegates_get(rc_api_call *call, GError **error)
{
  gint64 id = PARAM(call, 0);
  g_autofree char *status = session_status(call, id, error);
  json_t *list = status ? rc_store_session_delegates(call->api->store, id, error) : NULL;
  return list && reply_object(call, 200, json_pack("{so}", "delegates", list));
}

static gboolean
delegates_put(rc_api_call *call, GError **error)
{
  gint64 id = PARAM(call, 0);
  if (!rc_session_plan_delegates(call->api->plan, id, json_object_get(call->body, "user_ids"), call->user_id, error))
    return FALSE;
  rc_api_revoke_subscribers(call->api, id, FALSE);
  return delegates_get(call, error);
}

static gboolean
sites_get(rc_api_call *call, GError **error)
{
  gint64 id = PARAM(call, 0);
  g_autofree char *status = session_status(call, id, error);
  json_t *list = status ? rc_store_session_sites(call->api->store, id, error) : NULL;
  return list && reply_object(call, 200, json_pack("{so}", "sites", list));
}

static gboolean
sites_put(rc_api_call *call, GError **error)
{
  return rc_session_plan_sites(call->api->plan, PARAM(call, 0), json_object_get(call->body, "site_ids"), call->user_id,
                               error) &&
         sites_get(call, error);
}

/* ---- closed sessions: the tablets' receipts (recoveries.h) ---- */

static gboolean
recoveries_get(rc_api_call *call, GError **error)
{
  gint64 id = PARAM(call, 0);
  g_autoptr(json_t) session = rc_store_session_get(call->api->store, id, error);
  json_t *list = session ? rc_store_recoveries(call->api->store, id, error) : NULL;
  return list && reply_object(call, 200, json_pack("{sI sO ss so}", "session_id", (json_int_t)id, "closed",
                                                   json_object_get(session, "closed"), "status",
                                                   json_string_value(json_object_get(session, "status")),
                                                   "delegates", list));
}

/* ---- attendance ---- */

static gboolean
attendance_get(rc_api_call *call, GError **error)
{
  gint64 id = PARAM(call, 0);
  g_autofree char *status = session_status(call, id, error);
  json_t *att = status ? rc_store_attendance(call->api->store, id, error) : NULL;
  if (!att)
    return FALSE;
  rc_access_filter_attendance(call->api->store, call->user, id, json_object_get(att, "delegates"));
  const char *format = query(call, "format");
  if (g_strcmp0(format, "csv") != 0)
    return reply_object(call, 200, att);
  static const char *const cols[] = {"user_id", "username", "full_name", "title", "unit",
                                     "status", "first_in", "last_out", "method", NULL};
  g_autofree char *name = g_strdup_printf("attendance-session-%" G_GINT64_FORMAT ".csv", id);
  rc_api_reply_csv(call->reply, json_object_get(att, "delegates"), cols, name, rc_api_zone(call->api));
  json_decref(att);
  return TRUE;
}

static gboolean
attendance_post(rc_api_call *call, GError **error)
{
  gint64 id = PARAM(call, 0);
  gint64 user_id = json_integer_value(json_object_get(call->body, "user_id"));
  const char *action = json_string_value(json_object_get(call->body, "action"));
  json_t *entry = rc_attendance_manual(call->api->store, call->api->meeting, call->user, id, user_id, action, error);
  return reply_object(call, 200, entry);
}

/* ---- the organisations a session invites ---- */

static gboolean
invited_get(rc_api_call *call, GError **error)
{
  json_t *list = rc_store_session_invited(call->api->store, PARAM(call, 0), error);
  return list && reply_object(call, 200, json_pack("{so}", "organisations", list));
}

static gboolean
invited_put(rc_api_call *call, GError **error)
{
  gint64 id = PARAM(call, 0);
  if (!rc_organisations_invite(call->api->store, id, json_object_get(call->body, "organisation_ids"), call->user_id,
                               error))
    return FALSE;
  rc_api_revoke_subscribers(call->api, id, FALSE);
  return invited_get(call, error);
}

#define ANY RC_ROLES_ANY
#define STAFF RC_ROLES_STAFF
#define EDITORS RC_ROLES_EDITORS
#define RUNNERS (RC_ROLES_EDITORS | RC_ROLE_CHAIR)

const rc_api_route rc_api_routes_sessions[] = {
  {"GET", "/api/v1/sessions", ANY, RC_BODY_NONE, NULL, sessions_list, RC_REACH_SCOPE},
  {"POST", "/api/v1/sessions", EDITORS, RC_BODY_JSON, session_create_fields, session_create, RC_REACH_SCOPE},
  {"GET", "/api/v1/sessions/{id}", ANY, RC_BODY_NONE, NULL, session_get, RC_REACH_INVITED},
  {"PATCH", "/api/v1/sessions/{id}", EDITORS, RC_BODY_JSON, session_update_fields, session_update, RC_REACH_SCOPE},
  {"DELETE", "/api/v1/sessions/{id}", EDITORS, RC_BODY_NONE, NULL, session_delete, RC_REACH_SCOPE},
  {"POST", "/api/v1/sessions/{id}/start", RUNNERS, RC_BODY_NONE, NULL, session_start, RC_REACH_SCOPE},
  {"POST", "/api/v1/sessions/{id}/end", RUNNERS, RC_BODY_NONE, NULL, session_end, RC_REACH_SCOPE},
  {"GET", "/api/v1/sessions/{id}/agenda", ANY, RC_BODY_NONE, NULL, agenda_get, RC_REACH_INVITED},
  {"POST", "/api/v1/sessions/{id}/agenda", EDITORS, RC_BODY_JSON, item_create_fields, item_create, RC_REACH_SCOPE},
  {"PATCH", "/api/v1/agenda/{id}", EDITORS, RC_BODY_JSON, item_update_fields, item_update, RC_REACH_SCOPE},
  {"POST", "/api/v1/agenda/{id}/move", EDITORS, RC_BODY_JSON, item_move_fields, item_move, RC_REACH_SCOPE},
  {"DELETE", "/api/v1/agenda/{id}", EDITORS, RC_BODY_NONE, NULL, item_delete, RC_REACH_SCOPE},
  {"POST", "/api/v1/agenda/{id}/documents", EDITORS, RC_BODY_PDF, NULL, document_upload, RC_REACH_SCOPE},
  {"GET", "/api/v1/documents/{id}", ANY, RC_BODY_NONE, NULL, document_get, RC_REACH_INVITED},
  {"PATCH", "/api/v1/documents/{id}", EDITORS, RC_BODY_JSON, document_update_fields, document_update, RC_REACH_SCOPE},
  {"GET", "/api/v1/documents/{id}/content", ANY, RC_BODY_NONE, NULL, document_content, RC_REACH_INVITED},
  {"DELETE", "/api/v1/documents/{id}", EDITORS, RC_BODY_NONE, NULL, document_delete, RC_REACH_SCOPE},
  {"GET", "/api/v1/sessions/{id}/delegates", STAFF, RC_BODY_NONE, NULL, delegates_get, RC_REACH_SCOPE},
  {"PUT", "/api/v1/sessions/{id}/delegates", EDITORS, RC_BODY_JSON, delegates_fields, delegates_put, RC_REACH_SCOPE},
  {"GET", "/api/v1/sessions/{id}/sites", STAFF, RC_BODY_NONE, NULL, sites_get, RC_REACH_SCOPE},
  {"PUT", "/api/v1/sessions/{id}/sites", EDITORS, RC_BODY_JSON, sites_fields, sites_put, RC_REACH_SCOPE},
  {"GET", "/api/v1/sessions/{id}/organisations", STAFF, RC_BODY_NONE, NULL, invited_get, RC_REACH_INVITED},
  {"PUT", "/api/v1/sessions/{id}/organisations", EDITORS, RC_BODY_JSON, invited_fields, invited_put, RC_REACH_SCOPE},
  {"GET", "/api/v1/sessions/{id}/recoveries", STAFF, RC_BODY_NONE, NULL, recoveries_get, RC_REACH_SCOPE},
  {"GET", "/api/v1/sessions/{id}/attendance", STAFF, RC_BODY_NONE, NULL, attendance_get, RC_REACH_INVITED},
  {"POST", "/api/v1/sessions/{id}/attendance", EDITORS, RC_BODY_JSON, attendance_fields, attendance_post, RC_REACH_SCOPE},
  {NULL, NULL, 0, 0, NULL, NULL, 0},
};
