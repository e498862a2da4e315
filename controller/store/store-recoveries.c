/* store-recoveries — document_recoveries: which tablet (its own random
 * device id) of which delegate opened a closed session, and when it
 * reported that it purged the session's documents and notes. */
#define G_LOG_DOMAIN "roomctl-store"
#include "store/store-private.h"

/* A delegate with more tablets than this in one session is not a real
 * one: the rows stop growing (a flood of made-up device ids). */
#define MAX_DEVICES_PER_DELEGATE 8

static gboolean
room_for_device(rc_store *store, gint64 session_id, gint64 user_id, const char *device, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store,
                                     "SELECT COUNT(*), SUM(device = ?) FROM document_recoveries "
                                     "WHERE session_id = ? AND user_id = ?",
                                     error);
  if (!stmt)
    return FALSE;
  sqlite3_bind_text(stmt, 1, device, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(stmt, 2, session_id);
  sqlite3_bind_int64(stmt, 3, user_id);
  gint64 count = 0, known = 0;
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    count = sqlite3_column_int64(stmt, 0);
    known = sqlite3_column_int64(stmt, 1);
  }
  sqlite3_reset(stmt);
  if (known || count < MAX_DEVICES_PER_DELEGATE)
    return TRUE;
  g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "device: over %d tablets for one delegate in one session",
              MAX_DEVICES_PER_DELEGATE);
  return FALSE;
}

gboolean
rc_store_recovery_seen(rc_store *store, gint64 session_id, gint64 user_id, const char *device, GError **error)
{
  if (!room_for_device(store, session_id, user_id, device, error))
    return FALSE;
  sqlite3_stmt *stmt = rc_store_stmt(store,
                                     "INSERT OR IGNORE INTO document_recoveries "
                                     "(session_id, user_id, device, first_seen_at) VALUES (?, ?, ?, ?)",
                                     error);
  if (!stmt)
    return FALSE;
  g_autofree char *now = rc_store_now();
  sqlite3_bind_int64(stmt, 1, session_id);
  sqlite3_bind_int64(stmt, 2, user_id);
  sqlite3_bind_text(stmt, 3, device, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt, 4, now, -1, SQLITE_TRANSIENT);
  return rc_store_exec_stmt(store, stmt, error);
}

static json_t *
recovery_row(rc_store *store, gint64 session_id, gint64 user_id, const char *device, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store,
                                     "SELECT session_id, user_id, device, first_seen_at, recovered_at, documents, notes "
                                     "FROM document_recoveries WHERE session_id = ? AND user_id = ? AND device = ?",
                                     error);
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, session_id);
  sqlite3_bind_int64(stmt, 2, user_id);
  sqlite3_bind_text(stmt, 3, device, -1, SQLITE_TRANSIENT);
  return rc_store_row(store, stmt, "document recovery", error);
}

json_t *
rc_store_recovery_record(rc_store *store, gint64 session_id, gint64 user_id, const char *device, gint64 documents,
                         gint64 notes, gboolean *already, GError **error)
{
  *already = FALSE;
  g_autoptr(json_t) before = recovery_row(store, session_id, user_id, device, NULL);
  if (before && !json_is_null(json_object_get(before, "recovered_at"))) {
    *already = TRUE;
    return g_steal_pointer(&before);
  }
  if (!before && !room_for_device(store, session_id, user_id, device, error))
    return NULL;
  /* A tablet that never said it opened the session (its subscription
   * was before it had a device id) is first seen at its receipt. */
  sqlite3_stmt *stmt = rc_store_stmt(store,
                                     "INSERT INTO document_recoveries "
                                     "(session_id, user_id, device, first_seen_at, recovered_at, documents, notes) "
                                     "VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6) "
                                     "ON CONFLICT (session_id, user_id, device) DO UPDATE SET "
                                     "recovered_at = excluded.recovered_at, documents = excluded.documents, "
                                     "notes = excluded.notes",
                                     error);
  if (!stmt)
    return NULL;
  g_autofree char *now = rc_store_now();
  sqlite3_bind_int64(stmt, 1, session_id);
  sqlite3_bind_int64(stmt, 2, user_id);
  sqlite3_bind_text(stmt, 3, device, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt, 4, now, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(stmt, 5, documents);
  sqlite3_bind_int64(stmt, 6, notes);
  if (!rc_store_exec_stmt(store, stmt, error))
    return NULL;
  return recovery_row(store, session_id, user_id, device, error);
}

/* Groups the joined rows (one per delegate and tablet, or one per
 * delegate without a tablet) into one object per delegate. */
static json_t *
nest_by_delegate(json_t *rows)
{
  json_t *out = json_array();
  json_t *current = NULL;
  size_t i;
  json_t *row;
  json_array_foreach(rows, i, row) {
    gint64 uid = json_integer_value(json_object_get(row, "user_id"));
    if (!current || json_integer_value(json_object_get(current, "user_id")) != uid) {
      current = json_pack("{sI sO sO s[]}", "user_id", (json_int_t)uid, "username", json_object_get(row, "username"),
                          "full_name", json_object_get(row, "full_name"), "tablets");
      json_array_append_new(out, current);
    }
    if (json_is_null(json_object_get(row, "device")))
      continue;
    json_array_append_new(json_object_get(current, "tablets"),
                          json_pack("{sO sO sO sO sO sb}", "device", json_object_get(row, "device"), "first_seen_at",
                                    json_object_get(row, "first_seen_at"), "recovered_at",
                                    json_object_get(row, "recovered_at"), "documents",
                                    json_object_get(row, "documents"), "notes", json_object_get(row, "notes"),
                                    "recovered", !json_is_null(json_object_get(row, "recovered_at"))));
  }
  return out;
}

json_t *
rc_store_recoveries(rc_store *store, gint64 session_id, GError **error)
{
  /* The session's delegates, and anyone else whose tablet opened it (a
   * chair or a delegate taken off the list since). */
  sqlite3_stmt *stmt = rc_store_stmt(
      store,
      "WITH people AS (SELECT user_id FROM session_delegates WHERE session_id = ?1 "
      "                UNION SELECT user_id FROM document_recoveries WHERE session_id = ?1) "
      "SELECT u.id AS user_id, u.username, u.full_name, r.device, r.first_seen_at, r.recovered_at, r.documents, "
      "       r.notes "
      "FROM people p JOIN users u ON u.id = p.user_id "
      "LEFT JOIN document_recoveries r ON r.session_id = ?1 AND r.user_id = u.id "
      "ORDER BY u.full_name COLLATE NOCASE, u.id, r.first_seen_at, r.device",
      error);
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, session_id);
  g_autoptr(json_t) rows = rc_store_rows(store, stmt, error);
  return rows ? nest_by_delegate(rows) : NULL;
}
