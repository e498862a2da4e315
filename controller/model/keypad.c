/* keypad — see keypad.h. */
#include "model/keypad.h"

rc_keypad_action
rc_keypad_feed(rc_keypad *k, char digit, gint64 now_ms)
{
  gboolean armed = k->star_ms && now_ms - k->star_ms <= RC_KEYPAD_WINDOW_MS && now_ms >= k->star_ms;
  k->star_ms = 0;
  if (digit == '*') {
    k->star_ms = now_ms ? now_ms : 1; /* 0 means "none" */
    return RC_KEYPAD_NONE;
  }
  if (digit == '#')
    return RC_KEYPAD_WITHDRAW;
  if (armed && digit == '1')
    return RC_KEYPAD_ASK;
  if (armed && digit == '0')
    return RC_KEYPAD_WITHDRAW;
  return RC_KEYPAD_NONE;
}

const char *
rc_keypad_action_name(rc_keypad_action a)
{
  return a == RC_KEYPAD_ASK ? "ask" : a == RC_KEYPAD_WITHDRAW ? "withdraw" : "none";
}
