/* attendance — see attendance.h. */
#define G_LOG_DOMAIN "roomctl-attendance"
#include "app/attendance.h"
#include "app/access.h"
#include "base/rc-error.h"
#include "base/service.h"

static void
announce(rc_store *store, rc_meeting *meeting, gint64 session_id, json_t *entry)
{
  g_autoptr(json_t) all = rc_store_attendance(store, session_id, NULL);
  if (!all)
    return;
  rc_meeting_send(meeting, session_id, RC_EVENT_ATTENDANCE_UPDATED,
                  json_pack("{sO sO sO}", "entry", entry, "present", json_object_get(all, "present"),
                            "expected", json_object_get(all, "expected")));
}

/* The attendance row, with the audit row of a manual change (by the
 * console for someone) in the same commit. (transfer full) */
static json_t *
record(rc_store *store, json_t *caller, gint64 session_id, gint64 user_id, const char *event, const char *method,
       gboolean manual, GError **error)
{
  if (!manual)
    return rc_store_attendance_record(store, session_id, user_id, event, method, error);
  if (!rc_store_begin(store, error))
    return NULL;
  g_autoptr(json_t) entry = rc_store_attendance_record(store, session_id, user_id, event, method, error);
  g_autofree char *target = g_strdup_printf("session:%" G_GINT64_FORMAT " user:%" G_GINT64_FORMAT, session_id, user_id);
  gboolean ok = entry && rc_store_audit(store, RC_USER_ID(caller), "attendance.manual", target, NULL, error);
  return rc_store_end(store, ok, error) ? g_steal_pointer(&entry) : NULL;
}

static json_t *
change(rc_store *store, rc_meeting *meeting, json_t *caller, gint64 session_id, gint64 user_id, const char *event,
       const char *method, gboolean manual, GError **error)
{
  rc_role role = RC_USER_ROLE(caller);
  if (!(role & RC_ROLES_EDITORS) && user_id != RC_USER_ID(caller)) {
    g_set_error(error, RC_ERROR, RC_ERROR_FORBIDDEN, "a delegate can only check themselves in or out");
    return NULL;
  }
  /* Checking oneself in is taking part; checking others in runs the session. */
  rc_access_need need = user_id != RC_USER_ID(caller) ? RC_NEED_RUN : RC_NEED_TAKE_PART;
  if (!rc_access_session_for(store, caller, session_id, need, event, error))
    return NULL;
  g_autoptr(json_t) session = rc_store_session_get(store, session_id, error);
  if (!session || !rc_meeting_attendance_open(json_string_value(json_object_get(session, "status")), error))
    return NULL;
  json_t *entry = record(store, caller, session_id, user_id, event, method, manual, error);
  if (!entry)
    return NULL;
  rc_log_about(G_LOG_LEVEL_INFO, session_id, NULL, user_id,
               "session %" G_GINT64_FORMAT ": user %" G_GINT64_FORMAT " checked %s (%s)", session_id, user_id, event,
               method);
  announce(store, meeting, session_id, entry);
  return entry;
}

json_t *
rc_attendance_change(rc_store *store, rc_meeting *meeting, json_t *caller, gint64 session_id, gint64 user_id,
                     const char *event, const char *method, GError **error)
{
  return change(store, meeting, caller, session_id, user_id, event, method, FALSE, error);
}

json_t *
rc_attendance_manual(rc_store *store, rc_meeting *meeting, json_t *caller, gint64 session_id, gint64 user_id,
                     const char *event, GError **error)
{
  return change(store, meeting, caller, session_id, user_id, event, "console", TRUE, error);
}
