/* vote — ballots, counts and outcome of one vote. */
#include "model/vote.h"
#include "base/config.h"
#include "base/rc-error.h"

struct rc_vote {
  gint64 id;
  guint n_options;
  gboolean secret;
  gboolean allow_change;
  gboolean open;
  guint *counts;
  GHashTable *choices; /* open votes: user id -> option + 1 */
  GHashTable *voters;  /* secret votes: user ids that voted (sealed or in the box) */
  rc_ballot_box *box;  /* secret votes: received, not yet sealed */
};

rc_vote *
rc_vote_new(gint64 id, guint n_options, gboolean secret, gboolean allow_change)
{
  rc_vote *v = g_new0(rc_vote, 1);
  v->id = id;
  v->n_options = n_options;
  v->secret = secret;
  v->allow_change = allow_change && !secret;
  v->open = TRUE;
  v->counts = g_new0(guint, n_options);
  v->choices = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
  v->voters = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
  v->box = secret ? rc_ballot_box_new(RC_VOTE_SEAL_GROUP_DEFAULT) : NULL;
  return v;
}

rc_ballot_box *rc_vote_box(rc_vote *v) { return v->box; }

void
rc_vote_set_seal_group(rc_vote *v, guint k)
{
  g_return_if_fail(!v->box || rc_ballot_box_size(v->box) == 0);
  if (!v->secret)
    return;
  rc_ballot_box_free(v->box);
  v->box = rc_ballot_box_new(k);
}

void
rc_vote_free(rc_vote *v)
{
  if (!v)
    return;
  g_hash_table_destroy(v->choices);
  g_hash_table_destroy(v->voters);
  rc_ballot_box_free(v->box);
  g_free(v->counts);
  g_free(v);
}

gint64 rc_vote_id(rc_vote *v) { return v->id; }
gboolean rc_vote_secret(rc_vote *v) { return v->secret; }
gboolean rc_vote_is_open(rc_vote *v) { return v->open; }
void rc_vote_close(rc_vote *v) { v->open = FALSE; }

gboolean
rc_vote_has_voted(rc_vote *v, gint64 user_id)
{
  return g_hash_table_contains(v->secret ? v->voters : v->choices, &user_id);
}

int
rc_vote_choice(rc_vote *v, gint64 user_id)
{
  return v->secret ? -1 : GPOINTER_TO_INT(g_hash_table_lookup(v->choices, &user_id)) - 1;
}

guint
rc_vote_cast_count(rc_vote *v)
{
  return g_hash_table_size(v->secret ? v->voters : v->choices);
}

gboolean
rc_vote_check_cast(rc_vote *v, gint64 user_id, int option, gboolean checked_in, int *previous, GError **error)
{
  *previous = -1;
  if (!v->open) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "the vote is closed");
    return FALSE;
  }
  if (option < 0 || (guint)option >= v->n_options) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "option: no such option");
    return FALSE;
  }
  if (!checked_in) {
    g_set_error(error, RC_ERROR, RC_ERROR_FORBIDDEN, "check in to the session before voting");
    return FALSE;
  }
  if (!rc_vote_has_voted(v, user_id))
    return TRUE;
  if (v->secret) {
    g_set_error(error, RC_ERROR, RC_ERROR_CONFLICT, "already voted; a secret ballot cannot be changed");
    return FALSE;
  }
  *previous = GPOINTER_TO_INT(g_hash_table_lookup(v->choices, &user_id)) - 1;
  if (*previous != option && !v->allow_change) {
    g_set_error(error, RC_ERROR, RC_ERROR_CONFLICT, "already voted; this vote does not allow changes");
    return FALSE;
  }
  return TRUE;
}

void
rc_vote_apply_cast(rc_vote *v, gint64 user_id, int option, const char *ballot_key)
{
  if (v->secret) {
    g_hash_table_add(v->voters, g_memdup2(&user_id, sizeof user_id));
    v->counts[option]++;
    rc_ballot_box_put(v->box, user_id, option, ballot_key);
    return;
  }
  gpointer old = g_hash_table_lookup(v->choices, &user_id);
  if (old)
    v->counts[GPOINTER_TO_INT(old) - 1]--;
  g_hash_table_replace(v->choices, g_memdup2(&user_id, sizeof user_id), GINT_TO_POINTER(option + 1));
  v->counts[option]++;
}

void
rc_vote_restore_ballot(rc_vote *v, gint64 user_id, int option)
{
  if (option >= 0 && (guint)option < v->n_options)
    rc_vote_apply_cast(v, user_id, option, NULL);
}

void
rc_vote_restore_voter(rc_vote *v, gint64 user_id)
{
  g_hash_table_add(v->voters, g_memdup2(&user_id, sizeof user_id));
}

void
rc_vote_restore_count(rc_vote *v, int option, guint count)
{
  if (option >= 0 && (guint)option < v->n_options)
    v->counts[option] = count;
}

static json_t *
named_ballots(rc_vote *v)
{
  json_t *list = json_array();
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init(&it, v->choices);
  while (g_hash_table_iter_next(&it, &key, &value))
    json_array_append_new(list, json_pack("{sI si}", "user_id", (json_int_t) * (gint64 *)key, "option",
                                          GPOINTER_TO_INT(value) - 1));
  return list;
}

json_t *
rc_vote_result(rc_vote *v, const rc_vote_rule *rule, guint present, guint members)
{
  json_t *counts = json_array();
  for (guint i = 0; i < v->n_options; i++)
    json_array_append_new(counts, json_integer(v->counts[i]));
  guint base = rule->base == RC_MAJORITY_OF_MEMBERS ? members : present;
  /* Option 0 passes with strictly more than majority_percent of the base. */
  guint needed = (guint)((guint64)base * (guint)rule->majority_percent / 100) + 1;
  gboolean quorum = (guint64)present * 100 >= (guint64)members * (guint)rule->quorum_percent && members > 0;
  gboolean passed = quorum && v->n_options > 0 && v->counts[0] >= needed;
  json_t *r = json_pack("{so sI sI sI sb sb ss si si sI}", "counts", counts, "cast",
                        (json_int_t)rc_vote_cast_count(v), "present", (json_int_t)present, "members",
                        (json_int_t)members, "quorum_met", quorum, "passed", passed, "majority",
                        rule->base == RC_MAJORITY_OF_MEMBERS ? "members" : "present", "majority_percent",
                        rule->majority_percent, "quorum_percent", rule->quorum_percent, "needed", (json_int_t)needed);
  if (!v->secret)
    json_object_set_new(r, "ballots", named_ballots(v));
  return r;
}
