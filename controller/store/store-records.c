/* store-records — the agenda log: when each agenda item became the current
 * one. An item's start and end in the minutes come from these marks (an
 * item ends at the next mark or at the end of the session). */
#define G_LOG_DOMAIN "roomctl-store"
#include "store/store-private.h"
#include "store/store-records.h"

gboolean
rc_store_agenda_log_mark(rc_store *store, gint64 session_id, gint64 item_id, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(
      store, "INSERT INTO agenda_log (session_id, agenda_item_id, at) VALUES (?1, nullif(?2, 0), ?3)", error);
  if (!stmt)
    return FALSE;
  g_autofree char *now = rc_store_now();
  sqlite3_bind_int64(stmt, 1, session_id);
  sqlite3_bind_int64(stmt, 2, item_id);
  sqlite3_bind_text(stmt, 3, now, -1, SQLITE_TRANSIENT);
  return rc_store_exec_stmt(store, stmt, error);
}

json_t *
rc_store_agenda_log(rc_store *store, gint64 session_id, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(
      store, "SELECT agenda_item_id, at FROM agenda_log WHERE session_id = ?1 ORDER BY id", error);
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, session_id);
  return rc_store_rows(store, stmt, error);
}
