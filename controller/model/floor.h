/* floor — the requests to speak of one meeting session and who holds the
 * floor: an ordered queue, one speaker at a time with a time limit. Pure
 * state, main loop only; times are milliseconds of wall-clock time. */
#pragma once
#include "base/rc-json.h"

typedef struct rc_floor rc_floor;

/* One finished (or interrupted) turn, for the speakers log. */
typedef struct {
  gint64 user_id;
  gint64 requested_ms; /* 0 when granted without a request */
  gint64 granted_ms;
  gint64 ended_ms;
} rc_floor_turn;

rc_floor *rc_floor_new(void);
void rc_floor_free(rc_floor *floor);
/* An independent copy: try a change on it before the stored state agrees. (transfer full) */
rc_floor *rc_floor_copy(const rc_floor *floor);

/* Queues @user_id. RC_ERROR_CONFLICT if already queued or speaking. */
gboolean rc_floor_request(rc_floor *floor, gint64 user_id, gint64 now_ms, GError **error);
/* Leaves the queue. RC_ERROR_NOT_FOUND if not queued. */
gboolean rc_floor_withdraw(rc_floor *floor, gint64 user_id, GError **error);
/* Gives the floor to @user_id (taking them out of the queue if queued) for
 * @limit_s seconds (0 = no limit). A current speaker's turn ends first and
 * is returned in *@ended (user_id 0 if there was none). */
gboolean rc_floor_grant(rc_floor *floor, gint64 user_id, int limit_s, gint64 now_ms,
                        rc_floor_turn *ended, GError **error);
/* Ends the current turn. RC_ERROR_INVALID_STATE if nobody has the floor. */
gboolean rc_floor_end(rc_floor *floor, gint64 now_ms, rc_floor_turn *ended, GError **error);
/* The turn rc_floor_end() would end at @now_ms, without ending it (user_id 0
 * if nobody has the floor): stored before the floor is cleared. */
rc_floor_turn rc_floor_current(rc_floor *floor, gint64 now_ms);
/* Ends the current turn, if any, and empties the queue: the session is over. */
void rc_floor_clear(rc_floor *floor);
/* Restores a turn in progress (after a restart). */
void rc_floor_restore_speaker(rc_floor *floor, gint64 user_id, gint64 requested_ms, gint64 granted_ms,
                              int limit_s);

/* 0 if nobody. */
gint64 rc_floor_speaker(rc_floor *floor);
guint rc_floor_queue_length(rc_floor *floor);
/* Whether the speaker's time is up at @now_ms (FALSE with no limit). */
gboolean rc_floor_overtime(rc_floor *floor, gint64 now_ms);
/* {"queue":[{"user_id","requested_at"}],"speaker":null|{"user_id","granted_at",
 *  "limit_seconds","remaining_ms"},"server_time_ms"} (transfer full) */
json_t *rc_floor_to_json(rc_floor *floor, gint64 now_ms);
