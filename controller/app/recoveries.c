/* recoveries — see recoveries.h. */
#define G_LOG_DOMAIN "roomctl-recoveries"
#include "app/recoveries.h"
#include "app/access.h"
#include "base/rc-error.h"
#include "base/service.h"

#include <string.h>

gboolean
rc_recoveries_device_valid(const char *device)
{
  size_t len = device ? strlen(device) : 0;
  if (len < 8 || len > 64)
    return FALSE;
  for (size_t i = 0; i < len; i++)
    if (!g_ascii_isalnum(device[i]) && device[i] != '-' && device[i] != '_')
      return FALSE;
  return TRUE;
}

static gboolean
is_closed(json_t *session)
{
  return json_is_true(json_object_get(session, "closed"));
}

void
rc_recoveries_seen(rc_store *store, json_t *user, json_t *session, const char *device)
{
  if (!device || !is_closed(session))
    return;
  gint64 session_id = json_integer_value(json_object_get(session, "id"));
  g_autoptr(GError) error = NULL;
  if (!rc_recoveries_device_valid(device) ||
      !rc_store_recovery_seen(store, session_id, RC_USER_ID(user), device, &error))
    rc_log_about(G_LOG_LEVEL_MESSAGE, session_id, NULL, RC_USER_ID(user),
                 "session %" G_GINT64_FORMAT ": tablet of user %" G_GINT64_FORMAT " not noted: %s", session_id,
                 RC_USER_ID(user), error ? error->message : "bad device id");
}

static gboolean
receipt_allowed(rc_store *store, json_t *user, gint64 session_id, const char *device, GError **error)
{
  if (!rc_recoveries_device_valid(device)) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "device: 8 to 64 of A-Z a-z 0-9 - _");
    return FALSE;
  }
  if (!rc_access_session_for(store, user, session_id, RC_NEED_TAKE_PART, "documents.recovered", error))
    return FALSE;
  g_autoptr(json_t) session = rc_store_session_get(store, session_id, error);
  if (!session)
    return FALSE;
  if (!is_closed(session)) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE,
                "session %" G_GINT64_FORMAT " is not closed: its documents stay on the tablets", session_id);
    return FALSE;
  }
  if (g_strcmp0(json_string_value(json_object_get(session, "status")), "ended") != 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE,
                "session %" G_GINT64_FORMAT " has not ended: its documents are recovered at its end", session_id);
    return FALSE;
  }
  return TRUE;
}

json_t *
rc_recoveries_receipt(rc_store *store, rc_meeting *meeting, json_t *user, gint64 session_id, const char *device,
                      gint64 documents, gint64 notes, GError **error)
{
  if (!receipt_allowed(store, user, session_id, device, error))
    return NULL;
  gint64 uid = RC_USER_ID(user);
  if (!rc_store_begin(store, error))
    return NULL;
  gboolean already = FALSE;
  g_autoptr(json_t) row = rc_store_recovery_record(store, session_id, uid, device, documents, notes, &already, error);
  gboolean ok = row != NULL;
  if (ok && !already) {
    g_autofree char *target = g_strdup_printf("session:%" G_GINT64_FORMAT " user:%" G_GINT64_FORMAT, session_id, uid);
    g_autofree char *detail = g_strdup_printf("device %s: %" G_GINT64_FORMAT " documents, %" G_GINT64_FORMAT
                                              " notes purged",
                                              device, documents, notes);
    ok = rc_store_audit(store, uid, "document.recovered", target, detail, error);
  }
  if (!rc_store_end(store, ok, error))
    return NULL;
  json_object_set_new(row, "already", json_boolean(already));
  if (already)
    return g_steal_pointer(&row);
  rc_log_about(G_LOG_LEVEL_INFO, session_id, NULL, uid,
               "session %" G_GINT64_FORMAT ": tablet %s of user %" G_GINT64_FORMAT " purged %" G_GINT64_FORMAT
               " documents and %" G_GINT64_FORMAT " notes",
               session_id, device, uid, documents, notes);
  rc_meeting_send(meeting, session_id, RC_EVENT_DOCUMENTS_RECOVERED, json_deep_copy(row));
  return g_steal_pointer(&row);
}
