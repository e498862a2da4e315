/* store-site-credentials — a WebRTC site's one credential: a secret of 32
 * random bytes (base64url, 43 characters) that the site signs in with; only
 * its SHA-256 is kept, so the secret exists once, in the reply that made it. */
#define G_LOG_DOMAIN "roomctl-store"
#include "store/store-private.h"

#include <sodium.h>
#include <string.h>

/* SHA-256 of the secret's text, as 64 hex digits. (transfer full) */
static char *
credential_hash(const char *secret)
{
  return g_compute_checksum_for_string(G_CHECKSUM_SHA256, secret, -1);
}

char *
rc_store_site_credential_make(rc_store *store, gint64 site_id, gint64 created_by, GError **error)
{
  g_autoptr(json_t) site = rc_store_site_get(store, site_id, error);
  if (!site)
    return NULL;
  unsigned char raw[32];
  gsize len = sodium_base64_ENCODED_LEN(sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  char *secret = g_malloc(len);
  randombytes_buf(raw, sizeof raw);
  sodium_bin2base64(secret, len, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(raw, sizeof raw);
  g_autofree char *hash = credential_hash(secret);
  g_autofree char *now = rc_store_now();
  sqlite3_stmt *stmt = rc_store_stmt(store,
                                     "INSERT OR REPLACE INTO site_credentials (site_id, hash, created_at, created_by)"
                                     " VALUES (?, ?, ?, nullif(?, 0))",
                                     error);
  if (stmt) {
    sqlite3_bind_int64(stmt, 1, site_id);
    sqlite3_bind_text(stmt, 2, hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 3, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 4, created_by);
  }
  if (!stmt || !rc_store_exec_stmt(store, stmt, error)) {
    rc_store_secret_free(secret);
    return NULL;
  }
  return secret;
}

gboolean
rc_store_site_credential_revoke(rc_store *store, gint64 site_id, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, "DELETE FROM site_credentials WHERE site_id = ?", error);
  if (!stmt)
    return FALSE;
  sqlite3_bind_int64(stmt, 1, site_id);
  if (!rc_store_exec_stmt(store, stmt, error))
    return FALSE;
  if (sqlite3_changes(store->db) == 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "site %" G_GINT64_FORMAT " has no credential to revoke",
                site_id);
    return FALSE;
  }
  return TRUE;
}

gint64
rc_store_site_by_credential(rc_store *store, const char *secret, GError **error)
{
  /* Only a secret of the shape we make is looked up. */
  if (!secret || strlen(secret) != RC_SITE_SECRET_LEN)
    return 0;
  sqlite3_stmt *stmt = rc_store_stmt(store, "SELECT site_id FROM site_credentials WHERE hash = ?", error);
  if (!stmt)
    return 0;
  g_autofree char *hash = credential_hash(secret);
  sqlite3_bind_text(stmt, 1, hash, -1, SQLITE_TRANSIENT);
  return rc_store_scalar(store, stmt, 0);
}

char *
rc_store_site_credential_created(rc_store *store, gint64 site_id)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, "SELECT created_at FROM site_credentials WHERE site_id = ?", NULL);
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, site_id);
  char *at = sqlite3_step(stmt) == SQLITE_ROW ? g_strdup((const char *)sqlite3_column_text(stmt, 0)) : NULL;
  sqlite3_reset(stmt);
  return at;
}

void
rc_store_secret_free(char *secret)
{
  if (!secret)
    return;
  sodium_memzero(secret, strlen(secret));
  g_free(secret);
}

json_t *
rc_store_site_live_session(rc_store *store, gint64 site_id, GError **error)
{
  /* A site is in one live session at a time (rc_store_session_sites_free). */
  sqlite3_stmt *stmt = rc_store_stmt(store,
                                     "SELECT s.id, s.title, s.status, s.closed FROM sessions s"
                                     " JOIN session_sites ss ON ss.session_id = s.id"
                                     " WHERE ss.site_id = ? AND s.status = 'live' ORDER BY s.id LIMIT 1",
                                     error);
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, site_id);
  return rc_store_row(store, stmt, "live session of the site", error);
}
