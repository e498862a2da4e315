/* Unit tests for votes: who may cast, changes, secrecy, outcome rules. */
#include "base/rc-error.h"
#include "model/vote.h"

static const rc_vote_rule of_present = {RC_MAJORITY_OF_PRESENT, 50, 50};
static const rc_vote_rule of_members = {RC_MAJORITY_OF_MEMBERS, 50, 50};

static gboolean
cast(rc_vote *v, gint64 user, int option, gboolean in, GError **error)
{
  int prev;
  if (!rc_vote_check_cast(v, user, option, in, &prev, error))
    return FALSE;
  rc_vote_apply_cast(v, user, option, "key");
  return TRUE;
}

static gint64
count(json_t *result, int option)
{
  return json_integer_value(json_array_get(json_object_get(result, "counts"), (size_t)option));
}

static void
test_open_vote_change_allowed(void)
{
  rc_vote *v = rc_vote_new(1, 3, FALSE, TRUE);
  g_assert_true(cast(v, 10, 0, TRUE, NULL));
  g_assert_true(cast(v, 11, 1, TRUE, NULL));
  g_assert_true(cast(v, 10, 2, TRUE, NULL)); /* changed */
  g_assert_cmpuint(rc_vote_cast_count(v), ==, 2);
  g_autoptr(json_t) r = rc_vote_result(v, &of_present, 2, 2);
  g_assert_cmpint(count(r, 0), ==, 0);
  g_assert_cmpint(count(r, 1), ==, 1);
  g_assert_cmpint(count(r, 2), ==, 1);
  json_t *ballots = json_object_get(r, "ballots");
  g_assert_cmpuint(json_array_size(ballots), ==, 2);
  rc_vote_free(v);
}

static void
test_open_vote_no_change(void)
{
  rc_vote *v = rc_vote_new(1, 3, FALSE, FALSE);
  g_autoptr(GError) error = NULL;
  g_assert_true(cast(v, 10, 0, TRUE, NULL));
  g_assert_true(cast(v, 10, 0, TRUE, NULL)); /* the same again: a replay, harmless */
  g_assert_false(cast(v, 10, 1, TRUE, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_CONFLICT);
  g_autoptr(json_t) r = rc_vote_result(v, &of_present, 1, 1);
  g_assert_cmpint(count(r, 0), ==, 1);
  g_assert_cmpint(json_integer_value(json_object_get(r, "cast")), ==, 1);
  rc_vote_free(v);
}

static void
test_refusals(void)
{
  rc_vote *v = rc_vote_new(1, 3, FALSE, TRUE);
  g_autoptr(GError) error = NULL;
  g_assert_false(cast(v, 10, 0, FALSE, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_FORBIDDEN);
  g_clear_error(&error);
  g_assert_false(cast(v, 10, 3, TRUE, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID);
  g_clear_error(&error);
  g_assert_false(cast(v, 10, -1, TRUE, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID);
  g_clear_error(&error);
  rc_vote_close(v);
  g_assert_false(cast(v, 10, 0, TRUE, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID_STATE);
  g_assert_cmpuint(rc_vote_cast_count(v), ==, 0);
  rc_vote_free(v);
}

static void
test_secret_vote(void)
{
  rc_vote *v = rc_vote_new(2, 3, TRUE, TRUE /* ignored: secret ballots never change */);
  g_autoptr(GError) error = NULL;
  g_assert_true(cast(v, 10, 0, TRUE, NULL));
  g_assert_true(cast(v, 11, 0, TRUE, NULL));
  g_assert_true(cast(v, 12, 2, TRUE, NULL));
  g_assert_false(cast(v, 10, 0, TRUE, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_CONFLICT);
  g_assert_true(rc_vote_has_voted(v, 12));
  g_assert_false(rc_vote_has_voted(v, 13));
  g_autoptr(json_t) r = rc_vote_result(v, &of_present, 3, 4);
  g_assert_cmpint(count(r, 0), ==, 2);
  g_assert_cmpint(count(r, 2), ==, 1);
  g_assert_null(json_object_get(r, "ballots")); /* no names in a secret result */
  rc_vote_free(v);
}

static void
test_restore(void)
{
  rc_vote *secret = rc_vote_new(3, 3, TRUE, FALSE);
  rc_vote_restore_voter(secret, 10);
  rc_vote_restore_voter(secret, 11);
  rc_vote_restore_count(secret, 1, 2);
  g_autoptr(GError) error = NULL;
  g_assert_false(cast(secret, 11, 0, TRUE, &error));
  g_autoptr(json_t) r = rc_vote_result(secret, &of_present, 2, 2);
  g_assert_cmpint(count(r, 1), ==, 2);
  g_assert_cmpint(json_integer_value(json_object_get(r, "cast")), ==, 2);
  rc_vote_free(secret);
  rc_vote *open = rc_vote_new(4, 2, FALSE, FALSE);
  rc_vote_restore_ballot(open, 10, 1);
  g_autoptr(json_t) r2 = rc_vote_result(open, &of_present, 1, 1);
  g_assert_cmpint(count(r2, 1), ==, 1);
  rc_vote_free(open);
}

static void
test_majority_rules(void)
{
  /* 90 members, 60 present; 40 yes. */
  rc_vote *v = rc_vote_new(5, 3, TRUE, FALSE);
  for (int i = 0; i < 40; i++)
    g_assert_true(cast(v, 100 + i, 0, TRUE, NULL));
  for (int i = 0; i < 15; i++)
    g_assert_true(cast(v, 200 + i, 1, TRUE, NULL));
  g_autoptr(json_t) p = rc_vote_result(v, &of_present, 60, 90);
  g_assert_true(json_is_true(json_object_get(p, "quorum_met")));
  g_assert_cmpint(json_integer_value(json_object_get(p, "needed")), ==, 31);
  g_assert_true(json_is_true(json_object_get(p, "passed"))); /* 40 > 30 */
  g_autoptr(json_t) m = rc_vote_result(v, &of_members, 60, 90);
  g_assert_cmpint(json_integer_value(json_object_get(m, "needed")), ==, 46);
  g_assert_true(json_is_false(json_object_get(m, "passed"))); /* 40 is not > 45 */
  g_autoptr(json_t) q = rc_vote_result(v, &of_present, 44, 90); /* under half present */
  g_assert_true(json_is_false(json_object_get(q, "quorum_met")));
  g_assert_true(json_is_false(json_object_get(q, "passed")));
  rc_vote_rule exact = {RC_MAJORITY_OF_PRESENT, 50, 50};
  g_autoptr(json_t) tie = rc_vote_result(v, &exact, 80, 90); /* 40 of 80: not more than half */
  g_assert_true(json_is_false(json_object_get(tie, "passed")));
  rc_vote_free(v);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/vote/open-change-allowed", test_open_vote_change_allowed);
  g_test_add_func("/vote/open-no-change", test_open_vote_no_change);
  g_test_add_func("/vote/refusals", test_refusals);
  g_test_add_func("/vote/secret", test_secret_vote);
  g_test_add_func("/vote/restore", test_restore);
  g_test_add_func("/vote/majority-rules", test_majority_rules);
  return g_test_run();
}
