/* store-site-srtp — a plain-RTP site's one SRTP master key, kept sealed
 * (site_srtp_keys.sealed: app/site-srtp-keys.h seals it with the daemon's
 * key; the key in clear is never stored). */
#define G_LOG_DOMAIN "roomctl-store"
#include "store/store-private.h"

gboolean
rc_store_site_srtp_key_set(rc_store *store, gint64 site_id, const char *suite, const char *sealed, gint64 created_by,
                           GError **error)
{
  g_autoptr(json_t) site = rc_store_site_get(store, site_id, error);
  if (!site)
    return FALSE;
  g_autofree char *now = rc_store_now();
  sqlite3_stmt *stmt =
      rc_store_stmt(store,
                    "INSERT OR REPLACE INTO site_srtp_keys (site_id, sealed, created_at, created_by, suite)"
                    " VALUES (?, ?, ?, nullif(?, 0), ?)",
                    error);
  if (!stmt)
    return FALSE;
  sqlite3_bind_int64(stmt, 1, site_id);
  sqlite3_bind_text(stmt, 2, sealed, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt, 3, now, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(stmt, 4, created_by);
  sqlite3_bind_text(stmt, 5, suite, -1, SQLITE_TRANSIENT);
  return rc_store_exec_stmt(store, stmt, error);
}

gboolean
rc_store_site_srtp_key_delete(rc_store *store, gint64 site_id, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, "DELETE FROM site_srtp_keys WHERE site_id = ?", error);
  if (!stmt)
    return FALSE;
  sqlite3_bind_int64(stmt, 1, site_id);
  if (!rc_store_exec_stmt(store, stmt, error))
    return FALSE;
  if (sqlite3_changes(store->db) == 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "site %" G_GINT64_FORMAT " has no SRTP key to revoke", site_id);
    return FALSE;
  }
  return TRUE;
}

char *
rc_store_site_srtp_key_get(rc_store *store, gint64 site_id, char **suite, char **created_at)
{
  sqlite3_stmt *stmt =
      rc_store_stmt(store, "SELECT sealed, created_at, suite FROM site_srtp_keys WHERE site_id = ?", NULL);
  if (created_at)
    *created_at = NULL;
  if (suite)
    *suite = NULL;
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, site_id);
  char *sealed = NULL;
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    sealed = g_strdup((const char *)sqlite3_column_text(stmt, 0));
    if (created_at)
      *created_at = g_strdup((const char *)sqlite3_column_text(stmt, 1));
    if (suite)
      *suite = g_strdup((const char *)sqlite3_column_text(stmt, 2));
  }
  sqlite3_reset(stmt);
  return sealed;
}

const char *
rc_store_dir(rc_store *store)
{
  return store->dir;
}
