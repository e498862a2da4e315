/* attendance — the use case "check in / check out" (a tablet, the console):
 * who may change whose attendance, only while the session takes it, stored,
 * then attendance.updated with who is present. Main loop only. */
#pragma once
#include "app/auth.h"
#include "model/meeting.h"
#include "store/store.h"

/* @caller (an authenticated user) records @event ("checkin"/"checkout")
 * for @user_id in @session_id by @method ("tablet", "console", …). A
 * delegate changes only their own. The entry (transfer full). */
json_t *rc_attendance_change(rc_store *store, rc_meeting *meeting, json_t *caller, gint64 session_id, gint64 user_id,
                             const char *event, const char *method, GError **error);
/* The same by the console ("console"), with its audit row
 * (attendance.manual, by @caller) in the attendance row's commit. */
json_t *rc_attendance_manual(rc_store *store, rc_meeting *meeting, json_t *caller, gint64 session_id, gint64 user_id,
                             const char *event, GError **error);
