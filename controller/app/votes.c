/* votes — see votes.h. */
#define G_LOG_DOMAIN "roomctl-votes"
#include "app/votes.h"
#include "model/ballot-box.h"
#include "base/rc-error.h"
#include "base/service.h"

#define PROGRESS_MS 200 /* vote.progress at most this often */

static const char *const default_options[] = {"Đồng ý", "Không đồng ý", "Không biểu quyết"};

/* The timers of one open vote. */
typedef struct {
  guint close_source;    /* the time limit, 0 = none */
  guint progress_source; /* a pending vote.progress, 0 = none */
  rc_votes *votes;
  gint64 vote_id;
} vote_timers;

struct rc_votes {
  rc_config *config;
  rc_store *store;
  rc_meeting *meeting;
  GHashTable *timers; /* gint64* vote id -> vote_timers* */
  rc_votes_sealed_fn sealed;
  gpointer sealed_data;
};

static gint64
now_ms(void)
{
  return g_get_real_time() / 1000;
}

static void
timers_free(gpointer data)
{
  vote_timers *t = data;
  if (t->close_source)
    g_source_remove(t->close_source);
  if (t->progress_source)
    g_source_remove(t->progress_source);
  g_free(t);
}

rc_votes *
rc_votes_new(rc_config *config, rc_store *store, rc_meeting *meeting)
{
  rc_votes *v = g_new0(rc_votes, 1);
  v->config = config;
  v->store = store;
  v->meeting = meeting;
  v->timers = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, timers_free);
  return v;
}

void
rc_votes_free(rc_votes *v)
{
  if (!v)
    return;
  g_hash_table_destroy(v->timers);
  g_free(v);
}

void
rc_votes_set_sealed_fn(rc_votes *v, rc_votes_sealed_fn fn, gpointer data)
{
  v->sealed = fn;
  v->sealed_data = data;
}

static gboolean
audit(rc_votes *v, gint64 by, const char *action, gint64 vote_id, GError **error)
{
  g_autofree char *target = g_strdup_printf("vote:%" G_GINT64_FORMAT, vote_id);
  return rc_store_audit(v->store, by, action, target, NULL, error);
}

static rc_vote_rule
vote_rule(rc_votes *v)
{
  rc_config *c = v->config;
  return (rc_vote_rule){c->vote_majority_of_members ? RC_MAJORITY_OF_MEMBERS : RC_MAJORITY_OF_PRESENT,
                        c->vote_majority_percent, c->vote_quorum_percent};
}

static void
vote_counts(rc_votes *v, gint64 session_id, guint *present, guint *members)
{
  g_autoptr(json_t) att = rc_store_attendance(v->store, session_id, NULL);
  *present = att ? (guint)json_integer_value(json_object_get(att, "present")) : 0;
  *members = att ? (guint)json_integer_value(json_object_get(att, "expected")) : 0;
}

static gboolean
is_present(rc_votes *v, gint64 session_id, gint64 user_id)
{
  g_autoptr(json_t) entry = rc_store_attendance_entry(v->store, session_id, user_id, NULL);
  return entry && g_strcmp0(json_string_value(json_object_get(entry, "status")), "present") == 0;
}

/* The vote as tablets see it while open: no counts per option. */
static json_t *
vote_public(rc_votes *v, gint64 vote_id, rc_vote *vote, gint64 session_id)
{
  json_t *row = rc_store_vote_get(v->store, vote_id, NULL);
  if (!row)
    return json_null();
  if (json_is_true(json_object_get(row, "secret")))
    json_object_set_new(row, "seal_group", json_integer(v->config->vote_secret_group));
  if (vote && rc_vote_is_open(vote)) {
    guint present, members;
    vote_counts(v, session_id, &present, &members);
    json_object_set_new(row, "cast", json_integer(rc_vote_cast_count(vote)));
    json_object_set_new(row, "present", json_integer(present));
    json_object_set_new(row, "members", json_integer(members));
  }
  return row;
}

/* ---- timers ---- */

static vote_timers *
timers_for(rc_votes *v, gint64 vote_id)
{
  vote_timers *t = g_hash_table_lookup(v->timers, &vote_id);
  if (!t) {
    t = g_new0(vote_timers, 1);
    t->votes = v;
    t->vote_id = vote_id;
    g_hash_table_insert(v->timers, g_memdup2(&vote_id, sizeof vote_id), t);
  }
  return t;
}

static gboolean
on_time_up(gpointer data)
{
  vote_timers *t = data;
  t->close_source = 0;
  g_autoptr(GError) error = NULL;
  if (!rc_votes_close(t->votes, t->vote_id, 0, &error))
    g_warning("vote %" G_GINT64_FORMAT ": cannot close at its time limit: %s", t->vote_id, error->message);
  return G_SOURCE_REMOVE;
}

static gboolean
on_progress(gpointer data)
{
  vote_timers *t = data;
  t->progress_source = 0;
  gint64 sid = 0;
  rc_vote *vote = rc_meeting_vote(t->votes->meeting, t->vote_id, &sid);
  if (vote && rc_vote_is_open(vote)) {
    guint present, members;
    vote_counts(t->votes, sid, &present, &members);
    rc_meeting_send(t->votes->meeting, sid, RC_EVENT_VOTE_PROGRESS,
                    json_pack("{sI sI sI sI}", "vote_id", (json_int_t)t->vote_id, "cast",
                              (json_int_t)rc_vote_cast_count(vote), "present", (json_int_t)present, "members",
                              (json_int_t)members));
  }
  return G_SOURCE_REMOVE;
}

static void
arm_close_timer(rc_votes *v, gint64 vote_id, gint64 closes_in_ms)
{
  vote_timers *t = timers_for(v, vote_id);
  t->close_source = g_timeout_add((guint)MAX(closes_in_ms, 0), on_time_up, t);
}

static void
schedule_progress(rc_votes *v, gint64 vote_id)
{
  vote_timers *t = timers_for(v, vote_id);
  if (!t->progress_source)
    t->progress_source = g_timeout_add(PROGRESS_MS, on_progress, t);
}

/* ---- open ---- */

json_t *
rc_votes_open(rc_votes *v, const rc_vote_request *r, GError **error)
{
  gint64 sid = r->session_id;
  if (rc_meeting_open_vote(v->meeting, sid)) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "another vote is open; close it first");
    return NULL;
  }
  if (r->item_id && rc_store_agenda_item_session(v->store, r->item_id) != sid) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "item_id: no such agenda item in this session");
    return NULL;
  }
  g_autoptr(json_t) options = json_array_size(r->options) ? json_incref(r->options) : json_array();
  if (json_array_size(options) == 0)
    for (guint i = 0; i < G_N_ELEMENTS(default_options); i++)
      json_array_append_new(options, json_string(default_options[i]));
  gboolean allow_change = !r->secret && (r->allow_change >= 0 ? r->allow_change : v->config->vote_allow_change);
  g_autofree char *closes_at = NULL;
  if (r->duration_s > 0) {
    g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(g_get_real_time() / G_USEC_PER_SEC + r->duration_s);
    closes_at = g_date_time_format(t, "%Y-%m-%dT%H:%M:%SZ");
  }
  /* The vote's row and its audit row: one commit. */
  if (!rc_store_begin(v->store, error))
    return NULL;
  gint64 id = rc_store_vote_create(v->store, sid, r->item_id, r->question, options, r->secret, allow_change,
                                   closes_at, r->by, error);
  if (!rc_store_end(v->store, id && audit(v, r->by, "vote.open", id, error), error))
    return NULL;
  rc_vote *vote = rc_vote_new(id, (guint)json_array_size(options), r->secret, allow_change);
  rc_vote_set_seal_group(vote, (guint)v->config->vote_secret_group);
  rc_meeting_add_vote(v->meeting, sid, vote);
  if (r->duration_s > 0)
    arm_close_timer(v, id, r->duration_s * 1000);
  rc_log_about(G_LOG_LEVEL_MESSAGE, sid, NULL, r->by, "session %" G_GINT64_FORMAT ": vote %" G_GINT64_FORMAT " opened (%s)",
               sid, id, r->secret ? "secret" : "open");
  json_t *pub = vote_public(v, id, vote, sid);
  rc_meeting_send(v->meeting, sid, RC_EVENT_VOTE_OPENED, json_pack("{sO}", "vote", pub));
  return pub;
}

/* ---- ballots ---- */

/* Seals what the vote's ballot box hands out (ballot-box.h): all of it when
 * @closing. A failed commit puts the group back, to be sealed later. */
static gboolean
seal_ballots(rc_votes *v, rc_vote *vote, gint64 session_id, gboolean closing, GError **error)
{
  rc_ballot_box *box = rc_vote_box(vote);
  GPtrArray *group = box ? rc_ballot_box_take(box, closing) : NULL;
  if (!group)
    return TRUE;
  gint64 vote_id = rc_vote_id(vote);
  if (!rc_store_secret_ballots_seal(v->store, vote_id, group, error)) {
    rc_ballot_box_put_back(box, group);
    return FALSE;
  }
  g_debug("session %" G_GINT64_FORMAT ": vote %" G_GINT64_FORMAT ": %u secret ballots sealed", session_id, vote_id,
          group->len);
  if (v->sealed)
    v->sealed(vote_id, session_id, group, v->sealed_data);
  g_ptr_array_unref(group);
  return TRUE;
}

/* Where a secret voter's ballot is: "sealed" (on disk), "received" (in the
 * vote's ballot box), or NULL (none). @key, when given, must match. */
static const char *
secret_state(rc_votes *v, rc_vote *vote, gint64 uid, const char *key)
{
  const char *pending = rc_ballot_box_key(rc_vote_box(vote), uid);
  if (pending)
    return !key || g_str_equal(pending, key) ? "received" : NULL;
  if (!rc_vote_has_voted(vote, uid))
    return NULL;
  if (!key)
    return "sealed";
  g_autofree char *stored = rc_store_secret_ballot_key(v->store, rc_vote_id(vote), uid);
  return stored && *stored && g_str_equal(stored, key) ? "sealed" : NULL;
}

/* A ballot sent again with the same key (a resend after a lost ack, or a
 * tablet waiting for "sealed") is acknowledged again and changes nothing;
 * another key is a new ballot. */
static gboolean
resend(rc_votes *v, rc_vote *vote, gint64 vote_id, gint64 uid, const char *key)
{
  if (!rc_vote_secret(vote))
    return rc_store_ballot_key_used(v->store, vote_id, uid, key);
  return secret_state(v, vote, uid, key) != NULL;
}

json_t *
rc_votes_cast(rc_votes *v, gint64 vote_id, gint64 uid, int option, const char *key, gboolean *sealing, GError **error)
{
  gint64 sid = 0;
  rc_vote *vote = rc_meeting_vote(v->meeting, vote_id, &sid);
  *sealing = FALSE;
  if (!vote) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "the vote is closed or does not exist");
    return NULL;
  }
  if (rc_vote_is_open(vote) && key && resend(v, vote, vote_id, uid, key)) {
    /* A late resend must not undo a newer choice: answer with what stands. */
    const char *state = rc_vote_secret(vote) ? secret_state(v, vote, uid, key) : "recorded";
    json_t *ack = json_pack("{sI sb sb ss}", "vote_id", (json_int_t)vote_id, "recorded", !g_str_equal(state, "received"),
                            "duplicate", TRUE, "state", state);
    if (!rc_vote_secret(vote))
      json_object_set_new(ack, "option", json_integer(rc_vote_choice(vote, uid)));
    return ack;
  }
  int previous;
  if (!rc_vote_check_cast(vote, uid, option, is_present(v, sid, uid), &previous, error))
    return NULL;
  if (rc_vote_secret(vote)) {
    /* Received now, in memory; sealed on disk with its group (ballot-box.h).
     * The ack goes out before the group's "ballot.sealed" when this ballot
     * completes one: the caller queues it, then calls rc_votes_seal_ready. */
    rc_vote_apply_cast(vote, uid, option, key);
    schedule_progress(v, vote_id);
    *sealing = TRUE;
    return json_pack("{sI sb sb ss}", "vote_id", (json_int_t)vote_id, "recorded", FALSE, "duplicate", FALSE, "state",
                     "received");
  }
  if (!rc_store_ballot_put(v->store, vote_id, uid, option, key, error))
    return NULL;
  rc_vote_apply_cast(vote, uid, option, key);
  schedule_progress(v, vote_id);
  return json_pack("{sI sb sb ss si}", "vote_id", (json_int_t)vote_id, "recorded", TRUE, "duplicate", FALSE, "state",
                   "recorded", "option", option);
}

/* A failed commit (a full disk) keeps the ballots in the box; the next
 * ballot, the storage check or the close tries again, and the tablets keep
 * waiting for "sealed". */
void
rc_votes_seal_ready(rc_votes *v, gint64 session_id)
{
  rc_vote *vote = rc_meeting_open_vote(v->meeting, session_id);
  g_autoptr(GError) error = NULL;
  if (vote && rc_vote_secret(vote) && !seal_ballots(v, vote, session_id, FALSE, &error))
    g_warning("session %" G_GINT64_FORMAT ": vote %" G_GINT64_FORMAT ": cannot seal secret ballots yet: %s",
              session_id, rc_vote_id(vote), error->message);
}

/* ---- close ---- */

gboolean
rc_votes_close(rc_votes *v, gint64 vote_id, gint64 by, GError **error)
{
  gint64 sid = 0;
  rc_vote *vote = rc_meeting_vote(v->meeting, vote_id, &sid);
  if (!vote || !rc_vote_is_open(vote)) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "the vote is not open");
    return FALSE;
  }
  /* Every received ballot is sealed before the result is: the result counts
   * only what is on disk, and a failure leaves the vote open. */
  if (!seal_ballots(v, vote, sid, TRUE, error))
    return FALSE;
  guint present, members;
  vote_counts(v, sid, &present, &members);
  rc_vote_rule rule = vote_rule(v);
  g_autoptr(json_t) result = rc_vote_result(vote, &rule, present, members);
  /* The result and its audit row: one commit. */
  if (!rc_store_begin(v->store, error) ||
      !rc_store_end(v->store, rc_store_vote_close(v->store, vote_id, result, error) && audit(v, by, "vote.close", vote_id, error),
                    error))
    return FALSE;
  rc_vote_close(vote);
  rc_log_about(G_LOG_LEVEL_MESSAGE, sid, NULL, by, "session %" G_GINT64_FORMAT ": vote %" G_GINT64_FORMAT
               " closed: %u cast, %s", sid, vote_id, rc_vote_cast_count(vote),
               json_is_true(json_object_get(result, "passed")) ? "passed" : "not passed");
  g_hash_table_remove(v->timers, &vote_id);
  rc_meeting_drop_vote(v->meeting, vote_id);
  rc_meeting_send(v->meeting, sid, RC_EVENT_VOTE_CLOSED, json_pack("{so}", "vote", vote_public(v, vote_id, NULL, sid)));
  return TRUE;
}

gboolean
rc_votes_close_open(rc_votes *v, gint64 session_id, gint64 by, GError **error)
{
  rc_vote *vote = rc_meeting_open_vote(v->meeting, session_id);
  return !vote || rc_votes_close(v, rc_vote_id(vote), by, error);
}

/* ---- what a tablet sees ---- */

static json_t *
my_ballot(rc_votes *v, rc_vote *vote, gint64 uid)
{
  if (rc_vote_secret(vote)) {
    const char *state = secret_state(v, vote, uid, NULL);
    return json_pack("{sb so}", "voted", state != NULL, "state", state ? json_string(state) : json_null());
  }
  int choice = rc_vote_choice(vote, uid);
  return json_pack("{sb so}", "voted", choice >= 0, "option", choice >= 0 ? json_integer(choice) : json_null());
}

json_t *
rc_votes_list_for(rc_votes *v, gint64 session_id, gint64 user_id)
{
  json_t *votes = rc_store_votes_list(v->store, session_id, NULL);
  if (!votes)
    return json_array();
  size_t i;
  json_t *row;
  json_array_foreach(votes, i, row) {
    gint64 id = json_integer_value(json_object_get(row, "id"));
    rc_vote *vote = rc_meeting_vote(v->meeting, id, NULL);
    if (!vote)
      continue;
    json_t *pub = vote_public(v, id, vote, session_id);
    json_object_set_new(pub, "my_ballot", my_ballot(v, vote, user_id));
    json_array_set_new(votes, i, pub);
  }
  return votes;
}

/* ---- after a restart ---- */

static gint64
iso_to_ms(json_t *text)
{
  g_autoptr(GDateTime) t = json_is_string(text) ? g_date_time_new_from_iso8601(json_string_value(text), NULL) : NULL;
  return t ? g_date_time_to_unix(t) * 1000 : 0;
}

static void
restore_vote(rc_votes *v, gint64 id, gint64 session_id)
{
  g_autoptr(json_t) row = rc_store_vote_get(v->store, id, NULL);
  if (!row)
    return;
  gboolean secret = json_is_true(json_object_get(row, "secret"));
  rc_vote *vote = rc_vote_new(id, (guint)json_array_size(json_object_get(row, "options")), secret,
                              json_is_true(json_object_get(row, "allow_change")));
  rc_vote_set_seal_group(vote, (guint)v->config->vote_secret_group);
  size_t i;
  json_t *r;
  g_autoptr(json_t) voters = secret ? rc_store_vote_voters(v->store, id, NULL) : NULL;
  g_autoptr(json_t) tally = secret ? rc_store_vote_tally(v->store, id, NULL) : NULL;
  g_autoptr(json_t) ballots = secret ? NULL : rc_store_vote_ballots(v->store, id, NULL);
  json_array_foreach(voters, i, r) rc_vote_restore_voter(vote, json_integer_value(json_object_get(r, "user_id")));
  json_array_foreach(tally, i, r)
    rc_vote_restore_count(vote, (int)json_integer_value(json_object_get(r, "option")),
                          (guint)json_integer_value(json_object_get(r, "count")));
  json_array_foreach(ballots, i, r)
    rc_vote_restore_ballot(vote, json_integer_value(json_object_get(r, "user_id")),
                           (int)json_integer_value(json_object_get(r, "option")));
  rc_meeting_add_vote(v->meeting, session_id, vote);
  gint64 closes = iso_to_ms(json_object_get(row, "closes_at"));
  if (closes)
    arm_close_timer(v, id, closes - now_ms());
  g_message("session %" G_GINT64_FORMAT ": vote %" G_GINT64_FORMAT " still open after restart (%u ballots)",
            session_id, id, rc_vote_cast_count(vote));
}

void
rc_votes_restore(rc_votes *v)
{
  g_autoptr(json_t) open = rc_store_votes_open(v->store, NULL);
  size_t i;
  json_t *r;
  json_array_foreach(open, i, r)
    restore_vote(v, json_integer_value(json_object_get(r, "id")), json_integer_value(json_object_get(r, "session_id")));
}
