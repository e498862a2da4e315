/* store-site-floor — the sites asking for the floor in a session (table
 * site_floor_requests, schema 13): a request opened, ended, listed. The
 * rules (who may ask, when a request ends) are app/site-floor.c's. */
#define G_LOG_DOMAIN "roomctl-store"
#include "store/store-private.h"

gboolean
rc_store_site_floor_ask(rc_store *store, gint64 session_id, gint64 site_id, const char *via, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store,
                                     "INSERT INTO site_floor_requests (session_id, site_id, via, requested_at)"
                                     " VALUES (?, ?, ?, ?)",
                                     error);
  if (!stmt)
    return FALSE;
  g_autofree char *now = rc_store_now();
  sqlite3_bind_int64(stmt, 1, session_id);
  sqlite3_bind_int64(stmt, 2, site_id);
  sqlite3_bind_text(stmt, 3, via, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt, 4, now, -1, SQLITE_TRANSIENT);
  return rc_store_exec_stmt(store, stmt, error);
}

int
rc_store_site_floor_end(rc_store *store, gint64 session_id, gint64 site_id, const char *outcome, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store,
                                     "UPDATE site_floor_requests SET ended_at = ?, outcome = ?"
                                     " WHERE session_id = ? AND (?4 = 0 OR site_id = ?4) AND ended_at IS NULL",
                                     error);
  if (!stmt)
    return -1;
  g_autofree char *now = rc_store_now();
  sqlite3_bind_text(stmt, 1, now, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt, 2, outcome, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(stmt, 3, session_id);
  sqlite3_bind_int64(stmt, 4, site_id);
  return rc_store_exec_stmt(store, stmt, error) ? sqlite3_changes(store->db) : -1;
}

int
rc_store_site_floor_drop_absent(rc_store *store, gint64 session_id, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store,
                                     "UPDATE site_floor_requests SET ended_at = ?, outcome = 'dropped'"
                                     " WHERE session_id = ?2 AND ended_at IS NULL AND site_id NOT IN"
                                     " (SELECT site_id FROM session_sites WHERE session_id = ?2)",
                                     error);
  if (!stmt)
    return -1;
  g_autofree char *now = rc_store_now();
  sqlite3_bind_text(stmt, 1, now, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(stmt, 2, session_id);
  return rc_store_exec_stmt(store, stmt, error) ? sqlite3_changes(store->db) : -1;
}

gboolean
rc_store_site_floor_any(rc_store *store, gint64 session_id)
{
  sqlite3_stmt *stmt = rc_store_stmt(store,
                                     "SELECT EXISTS (SELECT 1 FROM site_floor_requests"
                                     " WHERE session_id = ? AND ended_at IS NULL)",
                                     NULL);
  if (!stmt)
    return TRUE; /* not known: the caller writes, which finds out */
  sqlite3_bind_int64(stmt, 1, session_id);
  return rc_store_scalar(store, stmt, 1) > 0;
}

gboolean
rc_store_site_floor_asking(rc_store *store, gint64 session_id, gint64 site_id)
{
  sqlite3_stmt *stmt = rc_store_stmt(store,
                                     "SELECT count(*) FROM site_floor_requests"
                                     " WHERE session_id = ? AND site_id = ? AND ended_at IS NULL",
                                     NULL);
  if (!stmt)
    return FALSE;
  sqlite3_bind_int64(stmt, 1, session_id);
  sqlite3_bind_int64(stmt, 2, site_id);
  return rc_store_scalar(store, stmt, 0) > 0;
}

json_t *
rc_store_site_floor_list(rc_store *store, gint64 session_id, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store,
                                     "SELECT r.site_id, s.code, s.name, s.transport, r.via, r.requested_at"
                                     " FROM site_floor_requests r JOIN sites s ON s.id = r.site_id"
                                     " WHERE r.session_id = ? AND r.ended_at IS NULL ORDER BY r.id",
                                     error);
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, session_id);
  return rc_store_rows(store, stmt, error);
}

json_t *
rc_store_site_floor_standing(rc_store *store, gint64 session_id, gint64 site_id, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store,
                                     "SELECT s.status, (SELECT count(*) FROM session_sites WHERE session_id = s.id"
                                     " AND site_id = ?2) AS member, (SELECT code FROM sites WHERE id = ?2) AS code"
                                     " FROM sessions s WHERE s.id = ?1",
                                     error);
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, session_id);
  sqlite3_bind_int64(stmt, 2, site_id);
  return rc_store_row(store, stmt, "session", error);
}
