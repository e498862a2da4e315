/* Unit tests for the speaker queue and floor. */
#include "model/floor.h"
#include "base/rc-error.h"

static void
test_queue_order_and_grant(void)
{
  rc_floor *f = rc_floor_new();
  g_autoptr(GError) error = NULL;
  g_assert_true(rc_floor_request(f, 7, 1000, NULL));
  g_assert_true(rc_floor_request(f, 3, 2000, NULL));
  g_assert_true(rc_floor_request(f, 9, 3000, NULL));
  g_assert_false(rc_floor_request(f, 3, 4000, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_CONFLICT);
  g_autoptr(json_t) j = rc_floor_to_json(f, 5000);
  json_t *q = json_object_get(j, "queue");
  g_assert_cmpuint(json_array_size(q), ==, 3);
  g_assert_cmpint(json_integer_value(json_object_get(json_array_get(q, 0), "user_id")), ==, 7);
  g_assert_cmpint(json_integer_value(json_object_get(json_array_get(q, 2), "user_id")), ==, 9);
  g_assert_true(json_is_null(json_object_get(j, "speaker")));
  rc_floor_turn ended;
  g_assert_true(rc_floor_grant(f, 3, 60, 10000, &ended, NULL)); /* out of order: chair's choice */
  g_assert_cmpint(ended.user_id, ==, 0);
  g_assert_cmpint(rc_floor_speaker(f), ==, 3);
  g_assert_cmpuint(rc_floor_queue_length(f), ==, 2);
  g_clear_error(&error);
  g_assert_false(rc_floor_request(f, 3, 11000, &error)); /* already speaking */
  g_assert_error(error, RC_ERROR, RC_ERROR_CONFLICT);
  g_assert_false(rc_floor_overtime(f, 69999));
  g_assert_true(rc_floor_overtime(f, 70000));
  g_autoptr(json_t) s = rc_floor_to_json(f, 40000);
  g_assert_cmpint(json_integer_value(json_object_get(json_object_get(s, "speaker"), "remaining_ms")), ==, 30000);
  /* granting the next ends the current turn */
  g_assert_true(rc_floor_grant(f, 7, 0, 80000, &ended, NULL));
  g_assert_cmpint(ended.user_id, ==, 3);
  g_assert_cmpint(ended.requested_ms, ==, 2000);
  g_assert_cmpint(ended.granted_ms, ==, 10000);
  g_assert_cmpint(ended.ended_ms, ==, 80000);
  g_assert_false(rc_floor_overtime(f, 10000000)); /* no limit */
  g_assert_true(rc_floor_end(f, 90000, &ended, NULL));
  g_assert_cmpint(ended.user_id, ==, 7);
  g_clear_error(&error);
  g_assert_false(rc_floor_end(f, 91000, &ended, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID_STATE);
  rc_floor_free(f);
}

static void
test_withdraw(void)
{
  rc_floor *f = rc_floor_new();
  rc_floor_request(f, 1, 1, NULL);
  rc_floor_request(f, 2, 2, NULL);
  g_assert_true(rc_floor_withdraw(f, 1, NULL));
  g_autoptr(GError) error = NULL;
  g_assert_false(rc_floor_withdraw(f, 1, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_NOT_FOUND);
  g_assert_cmpuint(rc_floor_queue_length(f), ==, 1);
  g_assert_true(rc_floor_request(f, 1, 3, NULL)); /* may ask again, at the back */
  g_autoptr(json_t) j = rc_floor_to_json(f, 4);
  g_assert_cmpint(json_integer_value(json_object_get(json_array_get(json_object_get(j, "queue"), 1), "user_id")), ==, 1);
  rc_floor_free(f);
}

/* The end of a session: the turn as it stands, then nobody and no queue. */
static void
test_current_and_clear(void)
{
  rc_floor *f = rc_floor_new();
  rc_floor_turn t = rc_floor_current(f, 5);
  g_assert_cmpint(t.user_id, ==, 0);
  rc_floor_request(f, 1, 10, NULL);
  rc_floor_request(f, 2, 20, NULL);
  rc_floor_request(f, 3, 30, NULL);
  g_assert_true(rc_floor_grant(f, 1, 60, 1000, NULL, NULL));
  t = rc_floor_current(f, 4000);
  g_assert_cmpint(t.user_id, ==, 1);
  g_assert_cmpint(t.requested_ms, ==, 10);
  g_assert_cmpint(t.granted_ms, ==, 1000);
  g_assert_cmpint(t.ended_ms, ==, 4000);
  g_assert_cmpint(rc_floor_speaker(f), ==, 1); /* only looked at */
  rc_floor_clear(f);
  g_assert_cmpint(rc_floor_speaker(f), ==, 0);
  g_assert_cmpuint(rc_floor_queue_length(f), ==, 0);
  g_assert_false(rc_floor_overtime(f, 999999));
  g_assert_true(rc_floor_request(f, 2, 5000, NULL)); /* a new session of requests */
  rc_floor_free(f);
}

/* A grant tried on a copy leaves the floor as it was. */
static void
test_copy(void)
{
  rc_floor *f = rc_floor_new();
  rc_floor_request(f, 1, 10, NULL);
  rc_floor_request(f, 2, 20, NULL);
  rc_floor *c = rc_floor_copy(f);
  g_assert_true(rc_floor_grant(c, 2, 60, 1000, NULL, NULL));
  g_assert_cmpint(rc_floor_speaker(c), ==, 2);
  g_assert_cmpuint(rc_floor_queue_length(c), ==, 1);
  g_assert_cmpint(rc_floor_speaker(f), ==, 0);
  g_assert_cmpuint(rc_floor_queue_length(f), ==, 2);
  rc_floor_free(c);
  g_assert_true(rc_floor_grant(f, 1, 60, 1000, NULL, NULL)); /* the original works on */
  g_assert_cmpuint(rc_floor_queue_length(f), ==, 1);
  rc_floor_free(f);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/floor/queue-order-and-grant", test_queue_order_and_grant);
  g_test_add_func("/floor/withdraw", test_withdraw);
  g_test_add_func("/floor/current-and-clear", test_current_and_clear);
  g_test_add_func("/floor/copy", test_copy);
  return g_test_run();
}
