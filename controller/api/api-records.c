/* api-records — REST routes that read what a live session recorded: vote
 * results, the speakers log, and a user's own private notes (list and
 * export). */
#define G_LOG_DOMAIN "roomctl-api"
#include "api/api-private.h"
#include "records/records.h"

#include <string.h>

#define PARAM(call, i) ((call)->match->params[i])

static gboolean
votes_list(rc_api_call *call, GError **error)
{
  gint64 sid = PARAM(call, 0);
  g_autoptr(json_t) session = rc_api_session_access(call->api, call->user, sid, error)
                                  ? rc_store_session_get(call->api->store, sid, error) : NULL;
  json_t *votes = session ? rc_store_votes_list(call->api->store, sid, error) : NULL;
  if (!votes)
    return FALSE;
  rc_api_reply_json(call->reply, 200, json_pack("{so}", "votes", votes));
  return TRUE;
}

static gboolean
speakers_log(rc_api_call *call, GError **error)
{
  gint64 sid = PARAM(call, 0);
  g_autoptr(json_t) session = rc_store_session_get(call->api->store, sid, error);
  json_t *log = session ? rc_store_speakers_log(call->api->store, sid, error) : NULL;
  if (!log)
    return FALSE;
  rc_api_reply_json(call->reply, 200, json_pack("{so}", "speakers", log));
  return TRUE;
}

static gint64
document_filter(rc_api_call *call)
{
  const char *d = call->request->query ? g_hash_table_lookup(call->request->query, "document_id") : NULL;
  return d ? g_ascii_strtoll(d, NULL, 10) : 0;
}

static gboolean
notes_list(rc_api_call *call, GError **error)
{
  json_t *notes = rc_store_notes_list(call->api->store, call->user_id, document_filter(call), error);
  if (!notes)
    return FALSE;
  rc_api_reply_json(call->reply, 200, json_pack("{so}", "notes", notes));
  return TRUE;
}

/* Markdown: one heading per document, one paragraph per page note. */
static gboolean
notes_export(rc_api_call *call, GError **error)
{
  g_autoptr(json_t) notes = rc_store_notes_list(call->api->store, call->user_id, 0, error);
  if (!notes)
    return FALSE;
  GString *out = g_string_new(NULL);
  g_string_append_printf(out, "# Ghi chú cá nhân — %s\n", json_string_value(json_object_get(call->user, "full_name")));
  gint64 last_doc = 0;
  size_t i;
  json_t *n;
  json_array_foreach(notes, i, n) {
    gint64 doc = json_integer_value(json_object_get(n, "document_id"));
    if (doc != last_doc)
      g_string_append_printf(out, "\n## %s — %s\n", json_string_value(json_object_get(n, "session_title")),
                             json_string_value(json_object_get(n, "document_title")));
    last_doc = doc;
    /* On the province's clock, as the apps show it. */
    g_autofree char *when = rc_records_datetime(json_string_value(json_object_get(n, "updated_at")),
                                                rc_api_zone(call->api));
    g_string_append_printf(out, "\n**Trang %" JSON_INTEGER_FORMAT "** (%s)\n\n%s\n",
                           json_integer_value(json_object_get(n, "page")), when,
                           json_string_value(json_object_get(n, "text")));
  }
  rc_api_reply *r = call->reply;
  r->status = 200;
  r->content_type = "text/markdown; charset=utf-8";
  r->body = g_string_free_to_bytes(out);
  r->content_disposition = g_strdup("attachment; filename=\"ghi-chu.md\"");
  return TRUE;
}

const rc_api_route rc_api_routes_live[] = {
  {"GET", "/api/v1/sessions/{id}/votes", RC_ROLES_ANY, RC_BODY_NONE, NULL, votes_list, RC_REACH_MEMBERS},
  {"GET", "/api/v1/sessions/{id}/speakers", RC_ROLES_STAFF, RC_BODY_NONE, NULL, speakers_log, RC_REACH_SCOPE},
  {"GET", "/api/v1/notes", RC_ROLES_ANY, RC_BODY_NONE, NULL, notes_list, RC_REACH_SCOPE},
  {"GET", "/api/v1/notes/export", RC_ROLES_ANY, RC_BODY_NONE, NULL, notes_export, RC_REACH_SCOPE},
  {NULL, NULL, 0, 0, NULL, NULL, 0},
};
