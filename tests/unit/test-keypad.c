/* Unit tests for the keypad's digit sequences (model/keypad.c): "*1" asks,
 * "*0" and "#" withdraw, only within the window after the "*", and any
 * other digit in between forgets the "*". */
#include "model/keypad.h"

/* Feeds @digits, one every @gap_ms from @t0; the last action. */
static rc_keypad_action
keyed(rc_keypad *k, const char *digits, gint64 t0, gint64 gap_ms)
{
  rc_keypad_action a = RC_KEYPAD_NONE;
  for (const char *d = digits; *d; d++, t0 += gap_ms)
    a = rc_keypad_feed(k, *d, t0);
  return a;
}

static void
test_pairs(void)
{
  rc_keypad k = {0};
  g_assert_cmpint(keyed(&k, "*1", 1000, 200), ==, RC_KEYPAD_ASK);
  g_assert_cmpint(keyed(&k, "*0", 5000, 200), ==, RC_KEYPAD_WITHDRAW);
  g_assert_cmpint(keyed(&k, "#", 9000, 0), ==, RC_KEYPAD_WITHDRAW);
  g_assert_cmpint(keyed(&k, "1", 12000, 0), ==, RC_KEYPAD_NONE);  /* no "*" before */
  g_assert_cmpint(keyed(&k, "*", 13000, 0), ==, RC_KEYPAD_NONE);  /* waits */
  g_assert_cmpint(keyed(&k, "5", 13100, 0), ==, RC_KEYPAD_NONE);  /* forgets the "*" */
  g_assert_cmpint(keyed(&k, "1", 13200, 0), ==, RC_KEYPAD_NONE);
  g_assert_cmpint(keyed(&k, "**1", 20000, 100), ==, RC_KEYPAD_ASK); /* the second "*" is the one */
  g_assert_cmpint(keyed(&k, "12*1", 30000, 100), ==, RC_KEYPAD_ASK);
  g_assert_cmpint(keyed(&k, "1", 30400, 0), ==, RC_KEYPAD_NONE);  /* one "*" is one action */
  g_assert_cmpstr(rc_keypad_action_name(RC_KEYPAD_ASK), ==, "ask");
}

static void
test_window(void)
{
  rc_keypad k = {0};
  g_assert_cmpint(keyed(&k, "*1", 1000, RC_KEYPAD_WINDOW_MS), ==, RC_KEYPAD_ASK);
  g_assert_cmpint(keyed(&k, "*1", 10000, RC_KEYPAD_WINDOW_MS + 1), ==, RC_KEYPAD_NONE);
  g_assert_cmpint(keyed(&k, "*0", 20000, RC_KEYPAD_WINDOW_MS + 1), ==, RC_KEYPAD_NONE);
  g_assert_cmpint(keyed(&k, "*", 0, 0), ==, RC_KEYPAD_NONE); /* a clock at 0 still arms */
  g_assert_cmpint(keyed(&k, "1", 10, 0), ==, RC_KEYPAD_ASK);
  g_assert_cmpint(keyed(&k, "*", 50000, 0), ==, RC_KEYPAD_NONE);
  g_assert_cmpint(keyed(&k, "1", 40000, 0), ==, RC_KEYPAD_NONE); /* a clock that went back */
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/keypad/pairs", test_pairs);
  g_test_add_func("/keypad/window", test_window);
  return g_test_run();
}
