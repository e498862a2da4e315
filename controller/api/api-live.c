/* api-live — the live meeting over WebSocket: the presented document and
 * page (tablets follow it), the current agenda item, requests to speak and
 * the floor, votes (open and secret), private notes; and the REST routes
 * that read their records. Every change is stored before it is acknowledged
 * or announced. */
#define G_LOG_DOMAIN "roomctl-api"
#include "api-private.h"
#include "service.h"
#include "store-records.h"

#include <string.h>

#define CHAIRS (RC_ROLES_EDITORS | RC_ROLE_CHAIR)
#define VOTERS (RC_ROLE_DELEGATE | RC_ROLE_CHAIR)
#define PROGRESS_MS 200 /* vote.progress at most this often */

static const char *const default_options[] = {"Đồng ý", "Không đồng ý", "Không biểu quyết"};

typedef struct {
  guint close_source;    /* the time limit, 0 = none */
  guint progress_source; /* a pending vote.progress, 0 = none */
  rc_api *api;
  gint64 vote_id;
} vote_timers;

static gint64
now_ms(void)
{
  return g_get_real_time() / 1000;
}

/* ---- shared checks ---- */

static json_t *
session_checked(rc_api_ws_call *call, gint64 session_id, gboolean must_be_live, GError **error)
{
  if (!rc_api_session_access(call->api, call->peer->user, session_id, error))
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

static gboolean
is_present(rc_api *api, gint64 session_id, gint64 user_id)
{
  g_autoptr(json_t) entry = rc_store_attendance_entry(api->store, session_id, user_id, NULL);
  return entry && g_strcmp0(json_string_value(json_object_get(entry, "status")), "present") == 0;
}

/* ---- presentation ---- */

static json_t *
presentation_json(json_t *session)
{
  return json_pack("{sO sO sO}", "current_item_id", json_object_get(session, "current_item_id"), "document_id",
                   json_object_get(session, "presented_document_id"), "page",
                   json_object_get(session, "presented_page"));
}

static gboolean
set_presentation(rc_api_ws_call *call, gint64 session_id, gint64 item_id, gint64 doc_id, int page, GError **error)
{
  rc_api *api = call->api;
  g_autoptr(json_t) before = rc_store_session_get(api->store, session_id, NULL);
  gboolean item_changed = before && json_integer_value(json_object_get(before, "current_item_id")) != item_id;
  /* The page and, when the item changes, the agenda log (the minutes' times
   * of each item): one commit. */
  if (!rc_store_begin(api->store, error))
    return FALSE;
  if (!rc_store_presentation_set(api->store, session_id, item_id, doc_id, page, error) ||
      (item_changed && !rc_store_agenda_log_mark(api->store, session_id, item_id, error))) {
    rc_store_rollback(api->store);
    return FALSE;
  }
  if (!rc_store_commit(api->store, error))
    return FALSE;
  if (item_changed)
    rc_api_media_item(api, session_id, item_id);
  g_autoptr(json_t) s = rc_store_session_get(api->store, session_id, error);
  if (!s)
    return FALSE;
  json_t *p = presentation_json(s);
  call->ack = json_incref(p);
  rc_meeting_send(api->meeting, session_id, RC_EVENT_PRESENTATION_UPDATED, p);
  return TRUE;
}

static gboolean
ws_present(rc_api_ws_call *call, GError **error)
{
  gint64 sid = rc_api_ws_int(call, "session_id"), doc_id = rc_api_ws_int(call, "document_id");
  int page = (int)rc_api_ws_int(call, "page");
  g_autoptr(json_t) session = session_checked(call, sid, FALSE, error);
  if (!session)
    return FALSE;
  g_autoptr(json_t) doc = rc_store_document_session(call->api->store, doc_id) == sid
                              ? rc_store_document_get(call->api->store, doc_id, error) : NULL;
  if (!doc) {
    g_clear_error(error);
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "document_id: no such document in this session");
    return FALSE;
  }
  json_int_t pages = json_integer_value(json_object_get(doc, "pages"));
  if (page < 1 || page > pages) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "page: must be 1 to %" JSON_INTEGER_FORMAT, pages);
    return FALSE;
  }
  return set_presentation(call, sid, json_integer_value(json_object_get(doc, "agenda_item_id")), doc_id, page, error);
}

static gboolean
ws_agenda_current(rc_api_ws_call *call, GError **error)
{
  gint64 sid = rc_api_ws_int(call, "session_id"), item = rc_api_ws_int(call, "item_id");
  g_autoptr(json_t) session = session_checked(call, sid, FALSE, error);
  if (!session)
    return FALSE;
  if (item && rc_store_agenda_item_session(call->api->store, item) != sid) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "item_id: no such agenda item in this session");
    return FALSE;
  }
  return set_presentation(call, sid, item, 0, 1, error);
}

/* ---- speakers ---- */

static void
emit_speakers(rc_api *api, gint64 session_id)
{
  rc_floor *floor = rc_meeting_floor(api->meeting, session_id);
  rc_meeting_send(api->meeting, session_id, RC_EVENT_SPEAKERS_UPDATED, rc_floor_to_json(floor, now_ms()));
}

static gboolean
ws_speak_request(rc_api_ws_call *call, GError **error)
{
  rc_api *api = call->api;
  gint64 sid = rc_api_ws_int(call, "session_id"), uid = RC_USER_ID(call->peer->user);
  g_autoptr(json_t) session = session_checked(call, sid, TRUE, error);
  if (!session)
    return FALSE;
  if (!is_present(api, sid, uid)) {
    g_set_error(error, RC_ERROR, RC_ERROR_FORBIDDEN, "check in to the session before asking to speak");
    return FALSE;
  }
  rc_floor *floor = rc_meeting_floor(api->meeting, sid);
  gint64 item = json_integer_value(json_object_get(session, "current_item_id"));
  if (!rc_floor_request(floor, uid, now_ms(), error))
    return FALSE;
  if (!rc_store_speaker_request(api->store, sid, item, uid, error)) {
    rc_floor_withdraw(floor, uid, NULL);
    return FALSE;
  }
  emit_speakers(api, sid);
  call->ack = rc_floor_to_json(floor, now_ms());
  return TRUE;
}

static gboolean
ws_speak_withdraw(rc_api_ws_call *call, GError **error)
{
  rc_api *api = call->api;
  gint64 sid = rc_api_ws_int(call, "session_id"), uid = RC_USER_ID(call->peer->user);
  g_autoptr(json_t) session = session_checked(call, sid, FALSE, error);
  rc_floor *floor = session ? rc_meeting_floor(api->meeting, sid) : NULL;
  if (!floor || !rc_floor_withdraw(floor, uid, error) || !rc_store_speaker_withdraw(api->store, sid, uid, error))
    return FALSE;
  emit_speakers(api, sid);
  call->ack = rc_floor_to_json(floor, now_ms());
  return TRUE;
}

static gboolean
store_turn_end(rc_api *api, gint64 session_id, const rc_floor_turn *t, GError **error)
{
  if (!t->user_id)
    return TRUE;
  gint64 seconds = (t->ended_ms - t->granted_ms + 500) / 1000;
  g_info("session %" G_GINT64_FORMAT ": user %" G_GINT64_FORMAT " spoke %" G_GINT64_FORMAT " s", session_id,
         t->user_id, seconds);
  return rc_store_speaker_end(api->store, session_id, t->user_id, seconds, error);
}

/* The limit for the current item, else the configured default. */
static int
speaking_limit(rc_api *api, json_t *session)
{
  gint64 item = json_integer_value(json_object_get(session, "current_item_id"));
  g_autoptr(json_t) it = item ? rc_store_agenda_item_get(api->store, item, NULL) : NULL;
  gint64 own = it ? json_integer_value(json_object_get(it, "speaking_seconds")) : 0;
  return own > 0 ? (int)own : api->config->speaking_seconds;
}

static gboolean
ws_speak_grant(rc_api_ws_call *call, GError **error)
{
  rc_api *api = call->api;
  gint64 sid = rc_api_ws_int(call, "session_id"), uid = rc_api_ws_int(call, "user_id");
  g_autoptr(json_t) session = session_checked(call, sid, TRUE, error);
  if (!session)
    return FALSE;
  if (!rc_store_session_has_delegate(api->store, sid, uid)) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "user_id: not a delegate of this session");
    return FALSE;
  }
  int limit = speaking_limit(api, session);
  rc_floor *floor = rc_meeting_floor(api->meeting, sid);
  rc_floor_turn ended;
  gint64 item = json_integer_value(json_object_get(session, "current_item_id"));
  if (!rc_floor_grant(floor, uid, limit, now_ms(), &ended, error) || !store_turn_end(api, sid, &ended, error) ||
      !rc_store_speaker_grant(api->store, sid, item, uid, limit, error))
    return FALSE;
  rc_api_audit(api, RC_USER_ID(call->peer->user), "floor.grant", "session:%" G_GINT64_FORMAT " user:%" G_GINT64_FORMAT,
               sid, uid);
  g_autoptr(json_t) speaker = rc_store_user_get(api->store, uid, NULL);
  gint64 site = speaker ? json_integer_value(json_object_get(speaker, "site_id")) : 0;
  g_autoptr(GError) media_error = NULL;
  if (site && !rc_api_media_floor(api, sid, site, uid, RC_USER_ID(call->peer->user), &media_error))
    g_message("session %" G_GINT64_FORMAT ": the program cannot follow the floor: %s", sid, media_error->message);
  emit_speakers(api, sid);
  call->ack = rc_floor_to_json(floor, now_ms());
  return TRUE;
}

static gboolean
ws_speak_end(rc_api_ws_call *call, GError **error)
{
  rc_api *api = call->api;
  gint64 sid = rc_api_ws_int(call, "session_id");
  g_autoptr(json_t) session = session_checked(call, sid, FALSE, error);
  if (!session)
    return FALSE;
  rc_floor *floor = rc_meeting_floor(api->meeting, sid);
  gboolean is_speaker = rc_floor_speaker(floor) == RC_USER_ID(call->peer->user);
  if (!is_speaker && !(RC_USER_ROLE(call->peer->user) & CHAIRS)) {
    g_set_error(error, RC_ERROR, RC_ERROR_FORBIDDEN, "only the chair or the speaker can end a turn");
    return FALSE;
  }
  rc_floor_turn ended;
  if (!rc_floor_end(floor, now_ms(), &ended, error) || !store_turn_end(api, sid, &ended, error))
    return FALSE;
  rc_api_media_floor(api, sid, 0, 0, RC_USER_ID(call->peer->user), NULL); /* back to the chair */
  emit_speakers(api, sid);
  call->ack = rc_floor_to_json(floor, now_ms());
  return TRUE;
}

/* ---- votes ---- */

static rc_vote_rule
vote_rule(rc_api *api)
{
  rc_config *c = api->config;
  return (rc_vote_rule){c->vote_majority_of_members ? RC_MAJORITY_OF_MEMBERS : RC_MAJORITY_OF_PRESENT,
                        c->vote_majority_percent, c->vote_quorum_percent};
}

static void
vote_counts(rc_api *api, gint64 session_id, guint *present, guint *members)
{
  g_autoptr(json_t) att = rc_store_attendance(api->store, session_id, NULL);
  *present = att ? (guint)json_integer_value(json_object_get(att, "present")) : 0;
  *members = att ? (guint)json_integer_value(json_object_get(att, "expected")) : 0;
}

/* The vote as tablets see it while open: no counts per option. */
static json_t *
vote_public(rc_api *api, gint64 vote_id, rc_vote *vote, gint64 session_id)
{
  json_t *v = rc_store_vote_get(api->store, vote_id, NULL);
  if (!v)
    return json_null();
  if (json_is_true(json_object_get(v, "secret")))
    json_object_set_new(v, "seal_group", json_integer(api->config->vote_secret_group));
  if (vote && rc_vote_is_open(vote)) {
    guint present, members;
    vote_counts(api, session_id, &present, &members);
    json_object_set_new(v, "cast", json_integer(rc_vote_cast_count(vote)));
    json_object_set_new(v, "present", json_integer(present));
    json_object_set_new(v, "members", json_integer(members));
  }
  return v;
}

static vote_timers *
timers_for(rc_api *api, gint64 vote_id)
{
  vote_timers *t = g_hash_table_lookup(api->vote_timers, &vote_id);
  if (!t) {
    t = g_new0(vote_timers, 1);
    t->api = api;
    t->vote_id = vote_id;
    g_hash_table_insert(api->vote_timers, g_memdup2(&vote_id, sizeof vote_id), t);
  }
  return t;
}

static gboolean close_vote(rc_api *api, gint64 vote_id, gint64 by, GError **error);

static gboolean
on_vote_time_up(gpointer data)
{
  vote_timers *t = data;
  t->close_source = 0;
  g_autoptr(GError) error = NULL;
  if (!close_vote(t->api, t->vote_id, 0, &error))
    g_warning("vote %" G_GINT64_FORMAT ": cannot close at its time limit: %s", t->vote_id, error->message);
  return G_SOURCE_REMOVE;
}

static gboolean
on_vote_progress(gpointer data)
{
  vote_timers *t = data;
  t->progress_source = 0;
  gint64 sid = 0;
  rc_vote *vote = rc_meeting_vote(t->api->meeting, t->vote_id, &sid);
  if (vote && rc_vote_is_open(vote)) {
    guint present, members;
    vote_counts(t->api, sid, &present, &members);
    rc_meeting_send(t->api->meeting, sid, RC_EVENT_VOTE_PROGRESS,
                    json_pack("{sI sI sI sI}", "vote_id", (json_int_t)t->vote_id, "cast",
                              (json_int_t)rc_vote_cast_count(vote), "present", (json_int_t)present, "members",
                              (json_int_t)members));
  }
  return G_SOURCE_REMOVE;
}

static void
vote_timers_free(gpointer data)
{
  vote_timers *t = data;
  if (t->close_source)
    g_source_remove(t->close_source);
  if (t->progress_source)
    g_source_remove(t->progress_source);
  g_free(t);
}

static void
arm_close_timer(rc_api *api, gint64 vote_id, gint64 closes_in_ms)
{
  vote_timers *t = timers_for(api, vote_id);
  t->close_source = g_timeout_add((guint)MAX(closes_in_ms, 0), on_vote_time_up, t);
}

/* Tells each voter of a sealed group, on every connection of theirs, that
 * their ballot is now on disk. A transient event (no seq): a tablet that
 * missed it learns the same from the snapshot's my_ballot.state. */
static void
tell_sealed(rc_api *api, gint64 vote_id, gint64 session_id, GPtrArray *group)
{
  if (!api->io.send_user)
    return;
  g_autoptr(json_t) msg = json_pack("{ss sI s{sI ss}}", "type", rc_event_get(RC_EVENT_BALLOT_SEALED)->name, "session_id", (json_int_t)session_id,
                                    "body", "vote_id", (json_int_t)vote_id, "state", "sealed");
  g_autofree char *text = json_dumps(msg, JSON_COMPACT);
  g_autoptr(GBytes) frame = g_bytes_new(text, strlen(text));
  for (guint i = 0; i < group->len; i++)
    api->io.send_user(api->io.owner, ((rc_secret_ballot *)group->pdata[i])->user_id, frame);
}

/* Seals what the vote's ballot box hands out (ballot-box.h): all of it when
 * @closing. A failed commit puts the group back, to be sealed later. */
static gboolean
seal_ballots(rc_api *api, rc_vote *vote, gint64 session_id, gboolean closing, GError **error)
{
  rc_ballot_box *box = rc_vote_box(vote);
  GPtrArray *group = box ? rc_ballot_box_take(box, closing) : NULL;
  if (!group)
    return TRUE;
  gint64 vote_id = rc_vote_id(vote);
  if (!rc_store_secret_ballots_seal(api->store, vote_id, group, error)) {
    rc_ballot_box_put_back(box, group);
    return FALSE;
  }
  g_debug("session %" G_GINT64_FORMAT ": vote %" G_GINT64_FORMAT ": %u secret ballots sealed", session_id, vote_id,
          group->len);
  tell_sealed(api, vote_id, session_id, group);
  g_ptr_array_unref(group);
  return TRUE;
}

static gboolean
close_vote(rc_api *api, gint64 vote_id, gint64 by, GError **error)
{
  gint64 sid = 0;
  rc_vote *vote = rc_meeting_vote(api->meeting, vote_id, &sid);
  if (!vote || !rc_vote_is_open(vote)) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "the vote is not open");
    return FALSE;
  }
  /* Every received ballot is sealed before the result is: the result counts
   * only what is on disk, and a failure leaves the vote open. */
  if (!seal_ballots(api, vote, sid, TRUE, error))
    return FALSE;
  guint present, members;
  vote_counts(api, sid, &present, &members);
  rc_vote_rule rule = vote_rule(api);
  g_autoptr(json_t) result = rc_vote_result(vote, &rule, present, members);
  if (!rc_store_vote_close(api->store, vote_id, result, error))
    return FALSE;
  rc_vote_close(vote);
  rc_log_about(G_LOG_LEVEL_MESSAGE, sid, NULL, by, "session %" G_GINT64_FORMAT ": vote %" G_GINT64_FORMAT
               " closed: %u cast, %s", sid, vote_id, rc_vote_cast_count(vote),
               json_is_true(json_object_get(result, "passed")) ? "passed" : "not passed");
  rc_api_audit(api, by, "vote.close", "vote:%" G_GINT64_FORMAT, vote_id);
  g_hash_table_remove(api->vote_timers, &vote_id);
  rc_meeting_drop_vote(api->meeting, vote_id);
  rc_meeting_send(api->meeting, sid, RC_EVENT_VOTE_CLOSED, json_pack("{so}", "vote", vote_public(api, vote_id, NULL, sid)));
  return TRUE;
}

static gboolean
ws_vote_open(rc_api_ws_call *call, GError **error)
{
  rc_api *api = call->api;
  json_t *b = call->body;
  gint64 sid = rc_api_ws_int(call, "session_id");
  g_autoptr(json_t) session = session_checked(call, sid, TRUE, error);
  if (!session)
    return FALSE;
  if (rc_meeting_open_vote(api->meeting, sid)) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "another vote is open; close it first");
    return FALSE;
  }
  gint64 item = json_object_get(b, "item_id") ? rc_api_ws_int(call, "item_id")
                                              : json_integer_value(json_object_get(session, "current_item_id"));
  if (item && rc_store_agenda_item_session(api->store, item) != sid) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "item_id: no such agenda item in this session");
    return FALSE;
  }
  g_autoptr(json_t) options = json_object_get(b, "options") ? json_incref(json_object_get(b, "options")) : json_array();
  if (json_array_size(options) == 0)
    for (guint i = 0; i < G_N_ELEMENTS(default_options); i++)
      json_array_append_new(options, json_string(default_options[i]));
  gboolean secret = json_is_true(json_object_get(b, "secret"));
  json_t *change = json_object_get(b, "allow_change");
  gboolean allow_change = !secret && (change ? json_is_true(change) : api->config->vote_allow_change);
  gint64 duration = rc_api_ws_int(call, "duration_seconds");
  g_autofree char *closes_at = NULL;
  if (duration > 0) {
    g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(g_get_real_time() / G_USEC_PER_SEC + duration);
    closes_at = g_date_time_format(t, "%Y-%m-%dT%H:%M:%SZ");
  }
  gint64 id = rc_store_vote_create(api->store, sid, item, json_string_value(json_object_get(b, "question")), options,
                                   secret, allow_change, closes_at, RC_USER_ID(call->peer->user), error);
  if (!id)
    return FALSE;
  rc_vote *vote = rc_vote_new(id, (guint)json_array_size(options), secret, allow_change);
  rc_vote_set_seal_group(vote, (guint)api->config->vote_secret_group);
  rc_meeting_add_vote(api->meeting, sid, vote);
  if (duration > 0)
    arm_close_timer(api, id, duration * 1000);
  rc_api_audit(api, RC_USER_ID(call->peer->user), "vote.open", "vote:%" G_GINT64_FORMAT, id);
  rc_log_about(G_LOG_LEVEL_MESSAGE, sid, NULL, RC_USER_ID(call->peer->user),
               "session %" G_GINT64_FORMAT ": vote %" G_GINT64_FORMAT " opened (%s)", sid, id, secret ? "secret" : "open");
  json_t *pub = vote_public(api, id, vote, sid);
  call->ack = json_pack("{sO}", "vote", pub);
  rc_meeting_send(api->meeting, sid, RC_EVENT_VOTE_OPENED, json_pack("{so}", "vote", pub));
  return TRUE;
}

static void
schedule_progress(rc_api *api, gint64 vote_id)
{
  vote_timers *t = timers_for(api, vote_id);
  if (!t->progress_source)
    t->progress_source = g_timeout_add(PROGRESS_MS, on_vote_progress, t);
}

/* Where a secret voter's ballot is: "sealed" (on disk), "received" (in the
 * vote's ballot box), or NULL (none). @key, when given, must match. */
static const char *
secret_state(rc_api *api, rc_vote *vote, gint64 uid, const char *key)
{
  const char *pending = rc_ballot_box_key(rc_vote_box(vote), uid);
  if (pending)
    return !key || g_str_equal(pending, key) ? "received" : NULL;
  if (!rc_vote_has_voted(vote, uid))
    return NULL;
  if (!key)
    return "sealed";
  g_autofree char *stored = rc_store_secret_ballot_key(api->store, rc_vote_id(vote), uid);
  return stored && *stored && g_str_equal(stored, key) ? "sealed" : NULL;
}

/* A ballot sent again with the same key (a resend after a lost ack, or a
 * tablet waiting for "sealed") is acknowledged again and changes nothing;
 * another key is a new ballot. */
static gboolean
resend(rc_api *api, rc_vote *vote, gint64 vote_id, gint64 uid, const char *key)
{
  if (!rc_vote_secret(vote))
    return rc_store_ballot_key_used(api->store, vote_id, uid, key);
  return secret_state(api, vote, uid, key) != NULL;
}

/* After a secret ballot's "received" ack: seals a group if the box has one
 * ready. A failed commit (a full disk) keeps the ballots in the box; the next
 * ballot or the close tries again, and the tablets keep waiting for "sealed". */
static void
seal_after_ack(rc_api_ws_call *call)
{
  gint64 sid = 0;
  rc_vote *vote = rc_meeting_vote(call->api->meeting, call->after_id, &sid);
  g_autoptr(GError) error = NULL;
  if (vote && rc_vote_is_open(vote) && !seal_ballots(call->api, vote, sid, FALSE, &error))
    g_warning("session %" G_GINT64_FORMAT ": vote %" G_GINT64_FORMAT ": cannot seal secret ballots yet: %s", sid,
              call->after_id, error->message);
}

void
rc_api_live_seal_ready(rc_api *api, gint64 session_id)
{
  rc_vote *vote = rc_meeting_open_vote(api->meeting, session_id);
  g_autoptr(GError) error = NULL;
  if (vote && rc_vote_secret(vote) && !seal_ballots(api, vote, session_id, FALSE, &error))
    g_warning("session %" G_GINT64_FORMAT ": vote %" G_GINT64_FORMAT ": cannot seal secret ballots yet: %s",
              session_id, rc_vote_id(vote), error->message);
}

static gboolean
ws_vote_cast(rc_api_ws_call *call, GError **error)
{
  rc_api *api = call->api;
  gint64 vote_id = rc_api_ws_int(call, "vote_id"), uid = RC_USER_ID(call->peer->user), sid = 0;
  int option = (int)rc_api_ws_int(call, "option");
  const char *key = json_string_value(json_object_get(call->body, "ballot_key"));
  rc_vote *vote = rc_meeting_vote(api->meeting, vote_id, &sid);
  if (!vote) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "the vote is closed or does not exist");
    return FALSE;
  }
  if (!rc_api_session_access(api, call->peer->user, sid, error) || !rc_store_session_has_delegate(api->store, sid, uid)) {
    g_clear_error(error);
    g_set_error(error, RC_ERROR, RC_ERROR_FORBIDDEN, "only delegates of this session vote");
    return FALSE;
  }
  if (rc_vote_is_open(vote) && key && resend(api, vote, vote_id, uid, key)) {
    /* A late resend must not undo a newer choice: answer with what stands. */
    const char *state = rc_vote_secret(vote) ? secret_state(api, vote, uid, key) : "recorded";
    call->ack = json_pack("{sI sb sb ss}", "vote_id", (json_int_t)vote_id, "recorded", !g_str_equal(state, "received"),
                          "duplicate", TRUE, "state", state);
    if (!rc_vote_secret(vote))
      json_object_set_new(call->ack, "option", json_integer(rc_vote_choice(vote, uid)));
    return TRUE;
  }
  int previous;
  if (!rc_vote_check_cast(vote, uid, option, is_present(api, sid, uid), &previous, error))
    return FALSE;
  if (rc_vote_secret(vote)) {
    /* Received now, in memory; sealed on disk with its group (ballot-box.h).
     * The ack goes out before the group's "ballot.sealed" when this ballot
     * completes one: the reply is queued first by the caller. */
    rc_vote_apply_cast(vote, uid, option, key);
    schedule_progress(api, vote_id);
    call->ack = json_pack("{sI sb sb ss}", "vote_id", (json_int_t)vote_id, "recorded", FALSE, "duplicate", FALSE,
                          "state", "received");
    call->after = seal_after_ack;
    call->after_id = vote_id;
    return TRUE;
  }
  if (!rc_store_ballot_put(api->store, vote_id, uid, option, key, error))
    return FALSE;
  rc_vote_apply_cast(vote, uid, option, key);
  schedule_progress(api, vote_id);
  call->ack = json_pack("{sI sb sb ss si}", "vote_id", (json_int_t)vote_id, "recorded", TRUE, "duplicate", FALSE,
                        "state", "recorded", "option", option);
  return TRUE;
}

static gboolean
ws_vote_close(rc_api_ws_call *call, GError **error)
{
  gint64 vote_id = rc_api_ws_int(call, "vote_id"), sid = 0;
  if (!rc_meeting_vote(call->api->meeting, vote_id, &sid) ||
      !rc_api_session_access(call->api, call->peer->user, sid, NULL)) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "the vote is not open");
    return FALSE;
  }
  if (!close_vote(call->api, vote_id, RC_USER_ID(call->peer->user), error))
    return FALSE;
  call->ack = json_pack("{so}", "vote", rc_store_vote_get(call->api->store, vote_id, NULL));
  return TRUE;
}

/* ---- the end of a session ---- */

/* Ends the current turn (its duration stored) and drops the queue, in one
 * transaction; the floor in memory changes only once that is committed. */
static gboolean
clear_floor(rc_api *api, gint64 session_id, GError **error)
{
  rc_floor *floor = rc_meeting_floor(api->meeting, session_id);
  if (!rc_floor_speaker(floor) && !rc_floor_queue_length(floor))
    return TRUE;
  rc_floor_turn turn = rc_floor_current(floor, now_ms());
  if (!rc_store_begin(api->store, error))
    return FALSE;
  if (!store_turn_end(api, session_id, &turn, error) || !rc_store_speakers_drop_queue(api->store, session_id, error) ||
      !rc_store_commit(api->store, error)) {
    rc_store_rollback(api->store);
    return FALSE;
  }
  g_message("session %" G_GINT64_FORMAT ": floor cleared at the end (%u requests dropped)", session_id,
            rc_floor_queue_length(floor));
  rc_floor_clear(floor);
  emit_speakers(api, session_id);
  return TRUE;
}

/* Called before a session's status becomes "ended" (api-sessions.c), and at
 * start-up for a session that ended with a vote still open. The open vote
 * goes through the same close as vote.close: every received secret ballot
 * sealed, the result stored and sent, its timers removed. Then the turn ends
 * and the queue empties, announced as speakers.updated. On error the session
 * must stay live: what is done is consistent, and ending again finishes it. */
gboolean
rc_api_live_end(rc_api *api, gint64 session_id, gint64 by, GError **error)
{
  rc_vote *vote = rc_meeting_open_vote(api->meeting, session_id);
  if (vote && !close_vote(api, rc_vote_id(vote), by, error))
    return FALSE;
  return clear_floor(api, session_id, error);
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

static json_t *
my_ballot(rc_api *api, rc_vote *vote, gint64 vote_id, gint64 uid)
{
  if (rc_vote_secret(vote)) {
    const char *state = secret_state(api, vote, uid, NULL);
    return json_pack("{sb so}", "voted", state != NULL, "state", state ? json_string(state) : json_null());
  }
  int choice = rc_vote_choice(vote, uid);
  (void)api;
  (void)vote_id;
  return json_pack("{sb so}", "voted", choice >= 0, "option", choice >= 0 ? json_integer(choice) : json_null());
}

json_t *
rc_api_live_snapshot(rc_api *api, gint64 session_id, json_t *user)
{
  g_autoptr(json_t) session = rc_store_session_get(api->store, session_id, NULL);
  json_t *votes = rc_store_votes_list(api->store, session_id, NULL);
  size_t i;
  json_t *v;
  json_array_foreach(votes, i, v) {
    gint64 id = json_integer_value(json_object_get(v, "id"));
    rc_vote *vote = rc_meeting_vote(api->meeting, id, NULL);
    if (!vote)
      continue;
    json_t *pub = vote_public(api, id, vote, session_id);
    json_object_set_new(pub, "my_ballot", my_ballot(api, vote, id, RC_USER_ID(user)));
    json_array_set_new(votes, i, pub);
  }
  return json_pack("{so so so}", "presentation", session ? presentation_json(session) : json_null(), "speakers",
                   rc_floor_to_json(rc_meeting_floor(api->meeting, session_id), now_ms()), "votes",
                   votes ? votes : json_array());
}

static gint64
iso_to_ms(json_t *text)
{
  g_autoptr(GDateTime) t = json_is_string(text) ? g_date_time_new_from_iso8601(json_string_value(text), NULL) : NULL;
  return t ? g_date_time_to_unix(t) * 1000 : 0;
}

static void
restore_vote(rc_api *api, gint64 id, gint64 session_id)
{
  g_autoptr(json_t) row = rc_store_vote_get(api->store, id, NULL);
  if (!row)
    return;
  gboolean secret = json_is_true(json_object_get(row, "secret"));
  rc_vote *vote = rc_vote_new(id, (guint)json_array_size(json_object_get(row, "options")), secret,
                              json_is_true(json_object_get(row, "allow_change")));
  rc_vote_set_seal_group(vote, (guint)api->config->vote_secret_group);
  size_t i;
  json_t *r;
  g_autoptr(json_t) voters = secret ? rc_store_vote_voters(api->store, id, NULL) : NULL;
  g_autoptr(json_t) tally = secret ? rc_store_vote_tally(api->store, id, NULL) : NULL;
  g_autoptr(json_t) ballots = secret ? NULL : rc_store_vote_ballots(api->store, id, NULL);
  json_array_foreach(voters, i, r) rc_vote_restore_voter(vote, json_integer_value(json_object_get(r, "user_id")));
  json_array_foreach(tally, i, r)
    rc_vote_restore_count(vote, (int)json_integer_value(json_object_get(r, "option")),
                          (guint)json_integer_value(json_object_get(r, "count")));
  json_array_foreach(ballots, i, r)
    rc_vote_restore_ballot(vote, json_integer_value(json_object_get(r, "user_id")),
                           (int)json_integer_value(json_object_get(r, "option")));
  rc_meeting_add_vote(api->meeting, session_id, vote);
  gint64 closes = iso_to_ms(json_object_get(row, "closes_at"));
  if (closes)
    arm_close_timer(api, id, closes - now_ms());
  g_message("session %" G_GINT64_FORMAT ": vote %" G_GINT64_FORMAT " still open after restart (%u ballots)",
            session_id, id, rc_vote_cast_count(vote));
}

static void
restore_floor(rc_api *api, gint64 session_id)
{
  g_autoptr(json_t) rows = rc_store_speakers_active(api->store, session_id, NULL);
  rc_floor *floor = rc_meeting_floor(api->meeting, session_id);
  size_t i;
  json_t *r;
  json_array_foreach(rows, i, r) {
    gint64 uid = json_integer_value(json_object_get(r, "user_id"));
    gint64 asked = iso_to_ms(json_object_get(r, "requested_at"));
    if (g_strcmp0(json_string_value(json_object_get(r, "status")), "speaking") == 0)
      rc_floor_restore_speaker(floor, uid, asked, iso_to_ms(json_object_get(r, "granted_at")),
                               (int)json_integer_value(json_object_get(r, "limit_seconds")));
    else
      rc_floor_request(floor, uid, asked, NULL);
  }
}

/* An open vote whose session has ended (data from a version that did not
 * close votes at the end): the end is finished now. */
static void
close_ended(rc_api *api, json_t *votes)
{
  size_t i;
  json_t *r;
  json_array_foreach(votes, i, r) {
    gint64 id = json_integer_value(json_object_get(r, "id")), sid = json_integer_value(json_object_get(r, "session_id"));
    g_autoptr(json_t) s = rc_store_session_get(api->store, sid, NULL);
    g_autoptr(GError) error = NULL;
    if (!s || g_strcmp0(json_string_value(json_object_get(s, "status")), "ended") != 0)
      continue;
    g_message("session %" G_GINT64_FORMAT ": ended with vote %" G_GINT64_FORMAT " open; closing it", sid, id);
    if (!rc_api_live_end(api, sid, 0, &error))
      g_warning("session %" G_GINT64_FORMAT ": cannot close vote %" G_GINT64_FORMAT ": %s", sid, id, error->message);
  }
}

void
rc_api_live_restore(rc_api *api)
{
  g_autoptr(json_t) votes = rc_store_votes_open(api->store, NULL);
  g_autoptr(json_t) live = rc_store_sessions_list(api->store, "live", 0, NULL);
  size_t i;
  json_t *r;
  json_array_foreach(votes, i, r)
    restore_vote(api, json_integer_value(json_object_get(r, "id")), json_integer_value(json_object_get(r, "session_id")));
  close_ended(api, votes);
  json_array_foreach(live, i, r) {
    restore_floor(api, json_integer_value(json_object_get(r, "id")));
    rc_api_media_session_live(api, json_integer_value(json_object_get(r, "id")), TRUE);
  }
}

GDestroyNotify
rc_api_live_timers_free_func(void)
{
  return vote_timers_free;
}

static const rc_api_field present_fields[] = {
  {"session_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {"document_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {"page", RC_FIELD_INT, TRUE, 1, 100000, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_api_field current_fields[] = {
  {"session_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {"item_id", RC_FIELD_ID_OR_NULL, TRUE, 0, 0, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_api_field session_only[] = {
  {"session_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_api_field grant_fields[] = {
  {"session_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {"user_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_api_field vote_open_fields[] = {
  {"session_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {"item_id", RC_FIELD_ID_OR_NULL, FALSE, 0, 0, NULL},
  {"question", RC_FIELD_STRING, TRUE, 1, 500, NULL},
  {"options", RC_FIELD_STRING_LIST, FALSE, 2, 10, NULL},
  {"secret", RC_FIELD_BOOL, FALSE, 0, 0, NULL},
  {"allow_change", RC_FIELD_BOOL, FALSE, 0, 0, NULL},
  {"duration_seconds", RC_FIELD_INT, FALSE, 0, 86400, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_api_field vote_cast_fields[] = {
  {"vote_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {"option", RC_FIELD_INT, TRUE, 0, 9, NULL},
  {"ballot_key", RC_FIELD_STRING, FALSE, 8, 64, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_api_field vote_id_fields[] = {
  {"vote_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_api_field note_fields[] = {
  {"document_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
  {"page", RC_FIELD_INT, TRUE, 1, 100000, NULL},
  {"text", RC_FIELD_TEXT, TRUE, 0, 10000, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};
static const rc_api_field notes_list_fields[] = {
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
