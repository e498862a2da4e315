/* api-ws — the WebSocket message catalogue (subprotocol roomctl.v1): one
 * table entry per message type with its body fields and allowed roles.
 * Envelope: {"type":..,"id":<client txn>,"body":{..}}; every message gets an
 * ack or an error with the same id, and the connection stays open. */
#define G_LOG_DOMAIN "roomctl-api"
#include "api/api-private.h"
#include "app/organisations.h"
#include "app/recoveries.h"

#include <string.h>


static const rc_field envelope_fields[] = {
  {"type", RC_FIELD_STRING, TRUE, 1, 64, NULL},
  {"id", RC_FIELD_INT, FALSE, 0, G_MAXINT64, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_field auth_fields[] = {
  {"token", RC_FIELD_STRING, TRUE, 1, 128, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_field subscribe_fields[] = {
  {"session_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {"last_seq", RC_FIELD_INT, FALSE, 0, G_MAXINT64, NULL},
  {"epoch", RC_FIELD_STRING, FALSE, 0, 64, NULL},
  /* the tablet's own random id: its opening a closed session is noted */
  {"device", RC_FIELD_STRING, FALSE, 8, 64, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_field recovered_fields[] = {
  {"session_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {"device", RC_FIELD_STRING, TRUE, 8, 64, NULL},
  {"documents", RC_FIELD_INT, TRUE, 0, 100000, NULL},
  {"notes", RC_FIELD_INT, TRUE, 0, 100000, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_field session_fields[] = {
  {"session_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_field attendance_fields[] = {
  {"session_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {"user_id", RC_FIELD_ID, FALSE, 0, 0, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_field no_fields[] = {{NULL, 0, 0, 0, 0, NULL}};


void
rc_api_ws_send_json(rc_api *api, rc_api_ws_peer *peer, json_t *msg /* transfer full */)
{
  char *text = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
  json_decref(msg);
  if (!text) { /* a reply that could not be built: say so rather than crash */
    g_warning("a WebSocket reply could not be encoded; sent an internal error instead");
    text = g_strdup("{\"type\":\"error\",\"id\":null,\"body\":{\"code\":1500,\"name\":\"internal\",\"reason\":\"internal error\"}}");
  }
  g_autoptr(GBytes) frame = g_bytes_new_take(text, strlen(text));
  if (api->io.send)
    api->io.send(peer->conn, frame);
}

static void
send_error(rc_api *api, rc_api_ws_peer *peer, json_t *id, const GError *error)
{
  rc_api_ws_send_json(api, peer, json_pack("{ss sO so}", "type", "error", "id", id ? id : json_null(), "body",
                                 rc_wire_error_object(error)));
}

static gboolean
ws_auth(rc_api_ws_call *call, GError **error)
{
  g_autoptr(GError) why = NULL;
  json_t *user = rc_auth_check_token(call->api->auth, json_string_value(json_object_get(call->body, "token")), &why);
  if (!user) {
    gboolean expired = g_error_matches(why, RC_ERROR, RC_ERROR_INVALID_STATE);
    g_set_error(error, RC_API_ERROR, expired ? RC_WIRE_TOKEN_EXPIRED : RC_WIRE_UNAUTHENTICATED,
                expired ? "the login has expired; log in again" : "unknown or revoked token");
    return FALSE;
  }
  g_clear_pointer(&call->peer->user, json_decref);
  g_free(call->peer->token);
  call->peer->user = user;
  call->peer->token = g_strdup(json_string_value(json_object_get(call->body, "token")));
  call->ack = json_pack("{sO}", "user", user);
  return TRUE;
}

static gboolean
ws_subscribe(rc_api_ws_call *call, GError **error)
{
  rc_api *api = call->api;
  gint64 id = rc_api_ws_int(call, "session_id");
  /* The live feed carries everyone's check-ins, turns and votes: it is for
   * those who take part or run the session, not for invited organisations
   * (who read the session and their own people's attendance over REST). */
  if (!rc_access_session_for(api->store, call->peer->user, id, RC_NEED_TAKE_PART, "subscribe", error))
    return FALSE;
  g_autoptr(json_t) detail = rc_organisations_session_view(api->store, api->config, call->peer->user, id, error);
  /* A tablet has no use for the network's 600 sites: keep its snapshot small. */
  if (detail && RC_USER_ROLE(call->peer->user) == RC_ROLE_DELEGATE)
    json_object_del(detail, "sites");
  json_t *attendance = detail ? rc_store_attendance(api->store, id, error) : NULL;
  if (!attendance)
    return FALSE;
  rc_recoveries_seen(api->store, call->peer->user, detail, json_string_value(json_object_get(call->body, "device")));
  api->io.subscribe(call->peer->conn, id, TRUE);
  const char *epoch = rc_meeting_epoch(api->meeting);
  gint64 seq = rc_meeting_seq(api->meeting, id);
  json_t *last = json_object_get(call->body, "last_seq");
  g_autoptr(GPtrArray) missed =
      last ? rc_meeting_replay(api->meeting, id, json_string_value(json_object_get(call->body, "epoch")),
                               json_integer_value(last))
           : NULL;
  call->ack = json_pack("{sI ss sI sb}", "session_id", (json_int_t)id, "epoch", epoch, "seq", (json_int_t)seq,
                        "replay", missed != NULL);
  /* The ack goes first (the caller sends it), then the catch-up below is
   * queued behind it by send order: send the ack now ourselves. */
  rc_api_ws_send_json(api, call->peer, json_pack("{ss sO sO}", "type", "ack", "id", json_object_get(call->body, "__id"),
                                       "body", call->ack));
  g_clear_pointer(&call->ack, json_decref);
  if (missed) {
    for (guint i = 0; i < missed->len; i++)
      api->io.send(call->peer->conn, missed->pdata[i]);
    json_decref(attendance);
  } else {
    rc_api_ws_send_json(api, call->peer,
              json_pack("{ss sI sI ss s{sO so so}}", "type", "snapshot", "session_id", (json_int_t)id, "seq",
                        (json_int_t)seq, "epoch", epoch, "body", "session", detail, "attendance", attendance,
                        "live", rc_api_live_snapshot(api, id, call->peer->user)));
  }
  return TRUE;
}

static gboolean
ws_unsubscribe(rc_api_ws_call *call, GError **error)
{
  (void)error;
  call->api->io.subscribe(call->peer->conn, rc_api_ws_int(call, "session_id"), FALSE);
  call->ack = json_object();
  return TRUE;
}

static gboolean
ws_attendance(rc_api_ws_call *call, const char *event, GError **error)
{
  json_t *user = call->peer->user;
  gint64 target = rc_api_ws_int(call, "user_id");
  json_t *entry = rc_api_attendance_change(call->api, user, rc_api_ws_int(call, "session_id"),
                                           target ? target : RC_USER_ID(user), event,
                                           (RC_USER_ROLE(user) & RC_ROLES_EDITORS) ? "console" : "tablet", error);
  if (!entry)
    return FALSE;
  call->ack = json_pack("{so}", "attendance", entry);
  return TRUE;
}

static gboolean
ws_checkin(rc_api_ws_call *call, GError **error)
{
  return ws_attendance(call, "in", error);
}

static gboolean
ws_checkout(rc_api_ws_call *call, GError **error)
{
  return ws_attendance(call, "out", error);
}

static gboolean
ws_documents_recovered(rc_api_ws_call *call, GError **error)
{
  json_t *row = rc_recoveries_receipt(call->api->store, call->api->meeting, call->peer->user,
                                      rc_api_ws_int(call, "session_id"),
                                      json_string_value(json_object_get(call->body, "device")),
                                      rc_api_ws_int(call, "documents"), rc_api_ws_int(call, "notes"), error);
  if (!row)
    return FALSE;
  call->ack = json_pack("{so}", "recovery", row);
  return TRUE;
}

static gboolean
ws_ping(rc_api_ws_call *call, GError **error)
{
  (void)error;
  g_autofree char *now = rc_store_now();
  call->ack = json_pack("{ss}", "time", now);
  return TRUE;
}

static const rc_api_ws_type messages[] = {
  {"auth", 0, auth_fields, ws_auth},
  {"subscribe", RC_ROLES_ANY, subscribe_fields, ws_subscribe},
  {"unsubscribe", RC_ROLES_ANY, session_fields, ws_unsubscribe},
  {"checkin", RC_ROLE_DELEGATE | RC_ROLE_CHAIR | RC_ROLES_EDITORS, attendance_fields, ws_checkin},
  {"checkout", RC_ROLE_DELEGATE | RC_ROLE_CHAIR | RC_ROLES_EDITORS, attendance_fields, ws_checkout},
  {"ping", RC_ROLES_ANY, no_fields, ws_ping},
  /* a tablet purged a closed session's documents and notes (recoveries.h) */
  {"documents.recovered", RC_ROLE_DELEGATE | RC_ROLE_CHAIR, recovered_fields, ws_documents_recovered},
};

static const rc_api_ws_type *
find_message(const char *type)
{
  for (guint i = 0; i < G_N_ELEMENTS(messages); i++)
    if (g_str_equal(messages[i].type, type))
      return &messages[i];
  for (const rc_api_ws_type *m = rc_api_ws_live_messages; m->type; m++)
    if (g_str_equal(m->type, type))
      return m;
  for (const rc_api_ws_type *m = rc_api_ws_media_messages; m->type; m++)
    if (g_str_equal(m->type, type))
      return m;
  for (const rc_api_ws_type *m = rc_api_ws_health_messages; m->type; m++)
    if (g_str_equal(m->type, type))
      return m;
  return NULL;
}

/* Parses and checks the envelope; returns the message or NULL with @error. */
/* On error *@id still gets the message's id when it has a usable one, so
 * the client can match the error to its request. */
static json_t *
parse_envelope(const char *data, size_t len, json_t **id, GError **error)
{
  json_error_t jerr;
  g_autoptr(json_t) msg = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
  json_t *given = json_is_object(msg) ? json_object_get(msg, "id") : NULL;
  if (json_is_integer(given) && json_integer_value(given) >= 0)
    *id = json_incref(given);
  if (!msg) {
    g_set_error(error, RC_API_ERROR, RC_WIRE_BAD_JSON, "malformed JSON at column %d: %s", jerr.column, jerr.text);
    return NULL;
  }
  json_t *body = json_is_object(msg) ? json_object_get(msg, "body") : NULL;
  if (body && !json_is_object(body)) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "body: must be an object");
    return NULL;
  }
  /* The body is checked against its message's fields later. */
  g_autoptr(json_t) shell = json_is_object(msg) ? json_deep_copy(msg) : json_incref(msg);
  if (json_is_object(shell))
    json_object_del(shell, "body");
  if (!rc_schema_validate(shell, envelope_fields, error))
    return NULL;
  return g_steal_pointer(&msg);
}

static gboolean
dispatch(rc_api *api, rc_api_ws_peer *peer, json_t *msg, rc_api_ws_call *done, GError **error)
{
  const char *type = json_string_value(json_object_get(msg, "type"));
  const rc_api_ws_type *m = find_message(type);
  if (!m) {
    g_set_error(error, RC_API_ERROR, RC_WIRE_UNKNOWN_TYPE, "unknown message type '%s'", type);
    return FALSE;
  }
  if (m->roles && !peer->user) {
    g_set_error(error, RC_API_ERROR, RC_WIRE_UNAUTHENTICATED, "send auth with a token first");
    return FALSE;
  }
  if (m->roles && !rc_api_ws_refresh_user(api, peer, error))
    return FALSE;
  if (m->roles && !(RC_USER_ROLE(peer->user) & m->roles)) {
    g_set_error(error, RC_API_ERROR, RC_WIRE_FORBIDDEN, "the role '%s' may not send %s",
                json_string_value(json_object_get(peer->user, "role")), type);
    return FALSE;
  }
  json_t *given = json_object_get(msg, "body");
  g_autoptr(json_t) body = given ? json_deep_copy(given) : json_object();
  if (!rc_schema_validate(body, m->fields, error))
    return FALSE;
  /* Handlers that answer out of order (subscribe) need the txn id. */
  json_object_set(body, "__id", json_object_get(msg, "id") ? json_object_get(msg, "id") : json_null());
  rc_api_ws_call call = {.api = api, .peer = peer, .body = body};
  if (!m->handler(&call, error))
    return FALSE;
  call.body = NULL; /* freed here */
  *done = call;
  return TRUE;
}

void
rc_api_ws_message(rc_api *api, rc_api_ws_peer *peer, const char *data, size_t len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(json_t) id = NULL;
  g_autoptr(json_t) msg = parse_envelope(data, len, &id, &error);
  rc_api_ws_call done = {0};
  if (!msg || !dispatch(api, peer, msg, &done, &error)) {
    if (rc_wire_code_from_error(error) == RC_WIRE_STORAGE_FULL)
      g_warning("%s refused, the disk is full: %s", json_string_value(json_object_get(msg, "type")), error->message);
    send_error(api, peer, id, error);
    return;
  }
  if (done.ack)
    rc_api_ws_send_json(api, peer,
                        json_pack("{ss sO so}", "type", "ack", "id", id ? id : json_null(), "body", done.ack));
  if (done.after)
    done.after(&done);
}

void
rc_api_ws_too_large(rc_api *api, rc_api_ws_peer *peer, size_t limit)
{
  g_autoptr(GError) error = g_error_new(RC_API_ERROR, RC_WIRE_TOO_LARGE,
                                        "message over the limit of %zu bytes; it was dropped", limit);
  send_error(api, peer, NULL, error);
}

void
rc_api_ws_rate_limited(rc_api *api, rc_api_ws_peer *peer, int per_second)
{
  g_autoptr(GError) error = g_error_new(RC_API_ERROR, RC_WIRE_RATE_LIMITED,
                                        "over %d messages per second; messages are dropped until you slow down",
                                        per_second);
  send_error(api, peer, NULL, error);
}

/* The login may have ended (logout, expiry, deactivation) or the role
 * changed since auth: every message is judged by the user as they are now. */
gboolean
rc_api_ws_refresh_user(rc_api *api, rc_api_ws_peer *peer, GError **error)
{
  g_autoptr(GError) why = NULL;
  json_t *user = peer->token ? rc_auth_check_token(api->auth, peer->token, &why) : NULL;
  if (!user) {
    gboolean expired = why && g_error_matches(why, RC_ERROR, RC_ERROR_INVALID_STATE);
    g_set_error(error, RC_API_ERROR, expired ? RC_WIRE_TOKEN_EXPIRED : RC_WIRE_UNAUTHENTICATED,
                expired ? "the login has expired; log in again" : "the login has ended; log in again");
    g_clear_pointer(&peer->user, json_decref);
    if (api->io.unsubscribe_all)
      api->io.unsubscribe_all(peer->conn);
    return FALSE;
  }
  json_decref(peer->user);
  peer->user = user;
  return TRUE;
}

void
rc_api_ws_peer_clear(rc_api_ws_peer *peer)
{
  g_clear_pointer(&peer->user, json_decref);
  g_clear_pointer(&peer->token, g_free);
}

/* ---- subscribers who may no longer see a session ---- */

static void
tell_revoked(rc_api *api, rc_api_ws_peer *peer, gint64 session_id)
{
  rc_api_ws_send_json(api, peer, json_pack("{ss sI s{}}", "type", "session.revoked", "session_id",
                                           (json_int_t)session_id, "body"));
}

static gboolean
keep_if_allowed(rc_api *api, rc_api_ws_peer *peer, gint64 session_id)
{
  rc_relation rel = peer->user && rc_api_ws_refresh_user(api, peer, NULL)
                        ? rc_access_relation(api->store, peer->user, session_id)
                        : RC_RELATION_NONE;
  if (rel == RC_RELATION_SCOPE || rel == RC_RELATION_MEMBER) /* as ws_subscribe asks */
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
