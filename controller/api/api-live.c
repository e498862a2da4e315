/* api-live — the live meeting over WebSocket: the presented document and
 * page (tablets follow it), the current agenda item, private notes; the
 * messages of the floor and the votes, whose use cases are the app's
 * (speakers.c, votes.c); and the REST routes that read their records.
 * Every change is stored before it is acknowledged or announced. */
#define G_LOG_DOMAIN "roomctl-api"
#include "api/api-private.h"
#include "base/service.h"
#include "store/store-records.h"
#include "app/presentation.h"
#include "app/program.h"
#include "app/sessions.h"
#include "app/site-floor.h"
#include "app/speakers.h"
#include "app/votes.h"

#include <string.h>

#define CHAIRS (RC_ROLES_EDITORS | RC_ROLE_CHAIR)
#define VOTERS (RC_ROLE_DELEGATE | RC_ROLE_CHAIR)

/* ---- shared checks ---- */

static json_t *
session_checked(rc_api_ws_call *call, gint64 session_id, rc_access_need need, gboolean must_be_live,
                GError **error)
{
  if (!rc_access_session_for(call->api->store, call->peer->user, session_id, need, "websocket", error))
    return NULL;
  json_t *s = rc_store_session_get(call->api->store, session_id, error);
  const char *status = s ? json_string_value(json_object_get(s, "status")) : NULL;
  if (s && must_be_live && g_strcmp0(status, "live") != 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "the session is not live");
    g_clear_pointer(&s, json_decref);
  } else if (s && g_strcmp0(status, "ended") == 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "the session has ended");
    g_clear_pointer(&s, json_decref);
  }
  return s;
}

/* ---- presentation (the app's presentation.c) ---- */

static gboolean
ws_present(rc_api_ws_call *call, GError **error)
{
  gint64 sid = rc_api_ws_int(call, "session_id");
  g_autoptr(json_t) session = session_checked(call, sid, RC_NEED_RUN, FALSE, error);
  if (!session)
    return FALSE;
  call->ack = rc_presentation_page(call->api->presentation, sid, rc_api_ws_int(call, "document_id"),
                                   (int)rc_api_ws_int(call, "page"), error);
  return call->ack != NULL;
}

static gboolean
ws_agenda_current(rc_api_ws_call *call, GError **error)
{
  gint64 sid = rc_api_ws_int(call, "session_id");
  g_autoptr(json_t) session = session_checked(call, sid, RC_NEED_RUN, FALSE, error);
  if (!session)
    return FALSE;
  call->ack = rc_presentation_item(call->api->presentation, sid, rc_api_ws_int(call, "item_id"), error);
  return call->ack != NULL;
}

/* ---- speakers (the app's speakers.c; these are the wire's adapters) ---- */

static gboolean
ws_speak_request(rc_api_ws_call *call, GError **error)
{
  gint64 sid = rc_api_ws_int(call, "session_id");
  g_autoptr(json_t) session = session_checked(call, sid, RC_NEED_TAKE_PART, TRUE, error);
  if (!session)
    return FALSE;
  call->ack = rc_speakers_request(call->api->speakers, sid, json_integer_value(json_object_get(session, "current_item_id")),
                                  RC_USER_ID(call->peer->user), error);
  return call->ack != NULL;
}

static gboolean
ws_speak_withdraw(rc_api_ws_call *call, GError **error)
{
  gint64 sid = rc_api_ws_int(call, "session_id");
  g_autoptr(json_t) session = session_checked(call, sid, RC_NEED_TAKE_PART, FALSE, error);
  if (!session)
    return FALSE;
  call->ack = rc_speakers_withdraw(call->api->speakers, sid, RC_USER_ID(call->peer->user), error);
  return call->ack != NULL;
}

static gboolean
ws_speak_grant(rc_api_ws_call *call, GError **error)
{
  gint64 sid = rc_api_ws_int(call, "session_id");
  g_autoptr(json_t) session = session_checked(call, sid, RC_NEED_RUN, TRUE, error);
  if (!session)
    return FALSE;
  call->ack = rc_speakers_grant(call->api->speakers, sid, json_integer_value(json_object_get(session, "current_item_id")),
                                rc_api_ws_int(call, "user_id"), RC_USER_ID(call->peer->user), error);
  return call->ack != NULL;
}

static gboolean
ws_speak_end(rc_api_ws_call *call, GError **error)
{
  rc_api *api = call->api;
  gint64 sid = rc_api_ws_int(call, "session_id");
  g_autoptr(json_t) session = session_checked(call, sid, RC_NEED_TAKE_PART, FALSE, error);
  if (!session)
    return FALSE;
  gboolean is_speaker = rc_floor_speaker(rc_meeting_floor(api->meeting, sid)) == RC_USER_ID(call->peer->user);
  if (!is_speaker && (!(RC_USER_ROLE(call->peer->user) & CHAIRS) ||
                      !rc_access_session_for(api->store, call->peer->user, sid, RC_NEED_RUN, "speak.end", NULL))) {
    g_set_error(error, RC_ERROR, RC_ERROR_FORBIDDEN, "only the chair or the speaker can end a turn");
    return FALSE;
  }
  call->ack = rc_speakers_end(api->speakers, sid, RC_USER_ID(call->peer->user), error);
  return call->ack != NULL;
}

/* ---- votes (the app's votes.c owns them; these are the wire's adapters) ---- */

/* Tells each voter of a sealed group, on every connection of theirs, that
 * their ballot is now on disk. A transient event (no seq): a tablet that
 * missed it learns the same from the snapshot's my_ballot.state. */
void
rc_api_live_ballots_sealed(gint64 vote_id, gint64 session_id, GPtrArray *group, gpointer data)
{
  rc_api *api = data;
  if (!api->io.send_user)
    return;
  g_autoptr(json_t) msg = json_pack("{ss sI s{sI ss}}", "type", rc_event_get(RC_EVENT_BALLOT_SEALED)->name, "session_id", (json_int_t)session_id,
                                    "body", "vote_id", (json_int_t)vote_id, "state", "sealed");
  g_autofree char *text = json_dumps(msg, JSON_COMPACT);
  g_autoptr(GBytes) frame = g_bytes_new(text, strlen(text));
  for (guint i = 0; i < group->len; i++)
    api->io.send_user(api->io.owner, ((rc_secret_ballot *)group->pdata[i])->user_id, frame);
}

static gboolean
ws_vote_open(rc_api_ws_call *call, GError **error)
{
  json_t *b = call->body;
  gint64 sid = rc_api_ws_int(call, "session_id");
  g_autoptr(json_t) session = session_checked(call, sid, RC_NEED_RUN, TRUE, error);
  if (!session)
    return FALSE;
  json_t *change = json_object_get(b, "allow_change");
  rc_vote_request r = {
    .session_id = sid,
    .item_id = json_object_get(b, "item_id") ? rc_api_ws_int(call, "item_id")
                                             : json_integer_value(json_object_get(session, "current_item_id")),
    .question = json_string_value(json_object_get(b, "question")),
    .options = json_object_get(b, "options"),
    .secret = json_is_true(json_object_get(b, "secret")),
    .allow_change = change ? json_is_true(change) : -1,
    .duration_s = rc_api_ws_int(call, "duration_seconds"),
    .by = RC_USER_ID(call->peer->user),
  };
  json_t *pub = rc_votes_open(call->api->votes, &r, error);
  if (!pub)
    return FALSE;
  call->ack = json_pack("{so}", "vote", pub);
  return TRUE;
}

/* After a secret ballot's "received" ack: seals a group if the box has one ready. */
static void
seal_after_ack(rc_api_ws_call *call)
{
  rc_votes_seal_ready(call->api->votes, call->after_id);
}

static gboolean
ws_vote_cast(rc_api_ws_call *call, GError **error)
{
  rc_api *api = call->api;
  gint64 vote_id = rc_api_ws_int(call, "vote_id"), uid = RC_USER_ID(call->peer->user), sid = 0;
  if (!rc_meeting_vote(api->meeting, vote_id, &sid)) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "the vote is closed or does not exist");
    return FALSE;
  }
  if (!rc_api_session_access(api, call->peer->user, sid, error) || !rc_store_session_has_delegate(api->store, sid, uid)) {
    g_clear_error(error);
    g_set_error(error, RC_ERROR, RC_ERROR_FORBIDDEN, "only delegates of this session vote");
    return FALSE;
  }
  gboolean sealing = FALSE;
  call->ack = rc_votes_cast(api->votes, vote_id, uid, (int)rc_api_ws_int(call, "option"),
                            json_string_value(json_object_get(call->body, "ballot_key")), &sealing, error);
  if (!call->ack)
    return FALSE;
  if (sealing) { /* the ack is queued first, then a group that this ballot completes is sealed */
    call->after = seal_after_ack;
    call->after_id = sid;
  }
  return TRUE;
}

static gboolean
ws_vote_close(rc_api_ws_call *call, GError **error)
{
  gint64 vote_id = rc_api_ws_int(call, "vote_id"), sid = 0;
  if (!rc_meeting_vote(call->api->meeting, vote_id, &sid)) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "the vote is not open");
    return FALSE;
  }
  if (!rc_access_session_for(call->api->store, call->peer->user, sid, RC_NEED_RUN, "vote.close", error))
    return FALSE;
  if (!rc_votes_close(call->api->votes, vote_id, RC_USER_ID(call->peer->user), error))
    return FALSE;
  call->ack = json_pack("{so}", "vote", rc_store_vote_get(call->api->store, vote_id, NULL));
  return TRUE;
}

/* ---- notes ---- */

static json_t *
readable_document(rc_api *api, json_t *user, gint64 doc_id, GError **error)
{
  return rc_api_document_access(api, user, doc_id, "notes", error);
}

static gboolean
ws_note_save(rc_api_ws_call *call, GError **error)
{
  gint64 doc_id = rc_api_ws_int(call, "document_id");
  int page = (int)rc_api_ws_int(call, "page");
  g_autoptr(json_t) doc = readable_document(call->api, call->peer->user, doc_id, error);
  if (!doc)
    return FALSE;
  if (page < 1 || page > json_integer_value(json_object_get(doc, "pages"))) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "page: out of range");
    return FALSE;
  }
  const char *text = json_string_value(json_object_get(call->body, "text"));
  if (!rc_store_note_put(call->api->store, RC_USER_ID(call->peer->user), doc_id, page, text, error))
    return FALSE;
  call->ack = json_pack("{sI si ss}", "document_id", (json_int_t)doc_id, "page", page, "text", text);
  return TRUE;
}

static gboolean
ws_notes_list(rc_api_ws_call *call, GError **error)
{
  gint64 doc_id = rc_api_ws_int(call, "document_id");
  g_autoptr(json_t) doc = readable_document(call->api, call->peer->user, doc_id, error);
  json_t *notes = doc ? rc_store_notes_list(call->api->store, RC_USER_ID(call->peer->user), doc_id, error) : NULL;
  if (!notes)
    return FALSE;
  call->ack = json_pack("{so}", "notes", notes);
  return TRUE;
}

/* ---- snapshot and restart ---- */

json_t *
rc_api_live_snapshot(rc_api *api, gint64 session_id, json_t *user)
{
  g_autoptr(json_t) session = rc_store_session_get(api->store, session_id, NULL);
  return json_pack("{so so so so}", "presentation", session ? rc_presentation_json(session) : json_null(),
                   "speakers", rc_speakers_json(api->speakers, session_id), "votes",
                   rc_votes_list_for(api->votes, session_id, RC_USER_ID(user)), "site_floor",
                   rc_site_floor_json(api->store, session_id));
}

void
rc_api_live_restore(rc_api *api)
{
  rc_sessions_restore(api->sessions);
}

static const rc_field present_fields[] = {
  {"session_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {"document_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {"page", RC_FIELD_INT, TRUE, 1, 100000, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_field current_fields[] = {
  {"session_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {"item_id", RC_FIELD_ID_OR_NULL, TRUE, 0, 0, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_field session_only[] = {
  {"session_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_field grant_fields[] = {
  {"session_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {"user_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_field vote_open_fields[] = {
  {"session_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {"item_id", RC_FIELD_ID_OR_NULL, FALSE, 0, 0, NULL},
  {"question", RC_FIELD_STRING, TRUE, 1, 500, NULL},
  {"options", RC_FIELD_STRING_LIST, FALSE, 2, 10, NULL},
  {"secret", RC_FIELD_BOOL, FALSE, 0, 0, NULL},
  {"allow_change", RC_FIELD_BOOL, FALSE, 0, 0, NULL},
  {"duration_seconds", RC_FIELD_INT, FALSE, 0, 86400, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_field vote_cast_fields[] = {
  {"vote_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {"option", RC_FIELD_INT, TRUE, 0, 9, NULL},
  {"ballot_key", RC_FIELD_STRING, FALSE, 8, 64, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_field vote_id_fields[] = {
  {"vote_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_field note_fields[] = {
  {"document_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {"page", RC_FIELD_INT, TRUE, 1, 100000, NULL},
  {"text", RC_FIELD_TEXT, TRUE, 0, 10000, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_field notes_list_fields[] = {
  {"document_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};

const rc_api_ws_type rc_api_ws_live_messages[] = {
  {"present", CHAIRS, present_fields, ws_present},
  {"agenda.current", CHAIRS, current_fields, ws_agenda_current},
  {"speak.request", VOTERS, session_only, ws_speak_request},
  {"speak.withdraw", VOTERS, session_only, ws_speak_withdraw},
  {"speak.grant", CHAIRS, grant_fields, ws_speak_grant},
  {"speak.end", CHAIRS | VOTERS, session_only, ws_speak_end},
  {"vote.open", CHAIRS, vote_open_fields, ws_vote_open},
  {"vote.cast", VOTERS, vote_cast_fields, ws_vote_cast},
  {"vote.close", CHAIRS, vote_id_fields, ws_vote_close},
  {"note.save", RC_ROLES_ANY, note_fields, ws_note_save},
  {"notes.list", RC_ROLES_ANY, notes_list_fields, ws_notes_list},
  {NULL, 0, NULL, NULL},
};
