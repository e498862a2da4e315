/* api-recordings — the recordings' routes: a session's recordings cut by
 * agenda item (app/recordings.h) as JSON, and a recording file served with
 * its headers (Range requests are the net's). */
#define G_LOG_DOMAIN "roomctl-api"
#include "api/api-private.h"
#include "app/recordings.h"

#define PARAM(call, i) ((call)->match->params[i])

static gboolean
recordings_list(rc_api_call *call, GError **error)
{
  json_t *list = rc_recordings_list(call->api->config, call->api->store, PARAM(call, 0), error);
  if (!list)
    return FALSE;
  rc_api_reply_json(call->reply, 200, list);
  return TRUE;
}

static gboolean
recording_file(rc_api_call *call, GError **error)
{
  const char *name = call->match->name;
  if (!rc_recordings_file_session(name)) {
    g_set_error(error, RC_API_ERROR, RC_WIRE_BAD_PATH, "not a recording file name (session-ID-NNN.mp4)");
    return FALSE;
  }
  if (!rc_access_session_for(call->api->store, call->user, rc_recordings_file_session(name), RC_NEED_RUN,
                             "recording", error))
    return FALSE;
  char *path = rc_recordings_file(call->api->config, name, error);
  if (!path)
    return FALSE;
  const char *download = call->request->query ? g_hash_table_lookup(call->request->query, "download") : NULL;
  rc_api_reply *r = call->reply;
  r->status = 200;
  r->content_type = "video/mp4";
  r->file_path = path; /* takes ownership */
  r->content_disposition = g_strdup_printf("%s; filename=\"%s\"", download ? "attachment" : "inline", name);
  return TRUE;
}
const rc_api_route rc_api_routes_recordings[] = {
  {"GET", "/api/v1/sessions/{id}/recordings", RC_ROLES_STAFF, RC_BODY_NONE, NULL, recordings_list, RC_REACH_SCOPE},
  {"GET", "/api/v1/recordings/{name}", RC_ROLES_STAFF, RC_BODY_NONE, NULL, recording_file, RC_REACH_SCOPE},
  {NULL, NULL, 0, 0, NULL, NULL, 0},
};
