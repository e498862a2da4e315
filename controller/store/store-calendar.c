/* store-calendar — the secret tokens of calendar feeds (one per user,
 * kept as SHA-256 like login tokens). */
#define G_LOG_DOMAIN "roomctl-store"
#include "store/store-private.h"

gboolean
rc_store_calendar_token_set(rc_store *store, gint64 user_id, const char *token_hash, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(
      store, "INSERT OR REPLACE INTO calendar_tokens (user_id, token_hash, created_at) VALUES (?, ?, ?)", error);
  if (!stmt)
    return FALSE;
  g_autofree char *now = rc_store_now();
  sqlite3_bind_int64(stmt, 1, user_id);
  sqlite3_bind_text(stmt, 2, token_hash, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt, 3, now, -1, SQLITE_TRANSIENT);
  return rc_store_exec_stmt(store, stmt, error);
}

gboolean
rc_store_calendar_token_delete(rc_store *store, gint64 user_id, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, "DELETE FROM calendar_tokens WHERE user_id = ?", error);
  if (!stmt)
    return FALSE;
  sqlite3_bind_int64(stmt, 1, user_id);
  if (!rc_store_exec_stmt(store, stmt, error))
    return FALSE;
  if (sqlite3_changes(store->db) == 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "no calendar feed to revoke");
    return FALSE;
  }
  return TRUE;
}

json_t *
rc_store_calendar_token_user(rc_store *store, const char *token_hash, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(
      store,
      "SELECT u.id, u.username, u.full_name, u.role, u.title, u.unit, u.active, u.site_id, u.organisation_id, u.include_children"
      " FROM calendar_tokens c JOIN users u ON u.id = c.user_id WHERE c.token_hash = ? AND u.active",
      error);
  if (!stmt)
    return NULL;
  sqlite3_bind_text(stmt, 1, token_hash, -1, SQLITE_TRANSIENT);
  return rc_store_row(store, stmt, "calendar feed", error);
}

char *
rc_store_calendar_token_created(rc_store *store, gint64 user_id)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, "SELECT created_at FROM calendar_tokens WHERE user_id = ?", NULL);
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, user_id);
  char *at = sqlite3_step(stmt) == SQLITE_ROW ? g_strdup((const char *)sqlite3_column_text(stmt, 0)) : NULL;
  sqlite3_reset(stmt);
  return at;
}
