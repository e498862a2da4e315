/* keypad — what a site's keypad digits mean, read as a sequence per call:
 * "*1" asks for the floor, "*0" or "#" withdraws. The second digit of a
 * pair counts only within RC_KEYPAD_WINDOW_MS of the "*"; any other digit
 * forgets the "*". One rc_keypad a call, zero-initialised; the digits come
 * from SIP INFO and from RFC 4733 telephone-events alike, each key once.
 * Pure state, no I/O; main loop only (as the call it belongs to). */
#pragma once
#include <glib.h>

#define RC_KEYPAD_WINDOW_MS 3000

typedef enum {
  RC_KEYPAD_NONE,
  RC_KEYPAD_ASK,      /* "*1": the site asks for the floor */
  RC_KEYPAD_WITHDRAW, /* "*0" or "#": it withdraws */
} rc_keypad_action;

typedef struct {
  gint64 star_ms; /* when "*" was keyed, 0 = not pending */
} rc_keypad;

/* Feeds @digit (0-9 * # A-D), keyed at @now_ms (monotonic); what the
 * sequence means now. */
rc_keypad_action rc_keypad_feed(rc_keypad *keypad, char digit, gint64 now_ms);
/* "ask", "withdraw" or "none". (transfer none) */
const char *rc_keypad_action_name(rc_keypad_action action);
