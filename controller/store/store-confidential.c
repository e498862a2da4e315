/* store-confidential — who may read a confidential document (its readers),
 * and what its digital signatures said when it was uploaded. */
#define G_LOG_DOMAIN "roomctl-store"
#include "store/store-private.h"

json_t *
rc_store_document_readers(rc_store *store, gint64 document_id, GError **error)
{
  sqlite3_stmt *stmt =
      rc_store_stmt(store, "SELECT user_id FROM document_readers WHERE document_id = ? ORDER BY user_id", error);
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, document_id);
  return rc_store_ids(store, stmt, "read document readers", error);
}

gboolean
rc_store_document_is_reader(rc_store *store, gint64 document_id, gint64 user_id)
{
  sqlite3_stmt *stmt =
      rc_store_stmt(store, "SELECT 1 FROM document_readers WHERE document_id = ? AND user_id = ?", NULL);
  if (!stmt)
    return FALSE;
  sqlite3_bind_int64(stmt, 1, document_id);
  sqlite3_bind_int64(stmt, 2, user_id);
  return rc_store_scalar(store, stmt, 0) == 1;
}

static gboolean
user_exists(rc_store *store, gint64 user_id)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, "SELECT 1 FROM users WHERE id = ?", NULL);
  if (!stmt)
    return FALSE;
  sqlite3_bind_int64(stmt, 1, user_id);
  return rc_store_scalar(store, stmt, 0) == 1;
}

static gboolean
replace_readers(rc_store *store, gint64 document_id, json_t *reader_ids, GError **error)
{
  sqlite3_stmt *del = rc_store_stmt(store, "DELETE FROM document_readers WHERE document_id = ?", error);
  if (!del)
    return FALSE;
  sqlite3_bind_int64(del, 1, document_id);
  if (!rc_store_exec_stmt(store, del, error))
    return FALSE;
  size_t i;
  json_t *v;
  json_array_foreach(reader_ids, i, v) {
    gint64 uid = json_integer_value(v);
    if (!user_exists(store, uid)) {
      g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "readers: no user %" G_GINT64_FORMAT, uid);
      return FALSE;
    }
    sqlite3_stmt *ins =
        rc_store_stmt(store, "INSERT OR IGNORE INTO document_readers (document_id, user_id) VALUES (?, ?)", error);
    if (!ins)
      return FALSE;
    sqlite3_bind_int64(ins, 1, document_id);
    sqlite3_bind_int64(ins, 2, uid);
    if (!rc_store_exec_stmt(store, ins, error))
      return FALSE;
  }
  return TRUE;
}

gboolean
rc_store_document_set_access(rc_store *store, gint64 document_id, int confidential, json_t *reader_ids,
                             GError **error)
{
  if (!rc_store_begin(store, error))
    return FALSE;
  if (confidential >= 0) {
    sqlite3_stmt *stmt = rc_store_stmt(store, "UPDATE documents SET confidential = ? WHERE id = ?", error);
    if (!stmt)
      goto fail;
    sqlite3_bind_int(stmt, 1, confidential);
    sqlite3_bind_int64(stmt, 2, document_id);
    if (!rc_store_exec_stmt(store, stmt, error))
      goto fail;
    if (sqlite3_changes(store->db) == 0) {
      g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "document not found");
      goto fail;
    }
  }
  if (reader_ids && !replace_readers(store, document_id, reader_ids, error))
    goto fail;
  return rc_store_commit(store, error);
fail:
  rc_store_rollback(store);
  return FALSE;
}

gboolean
rc_store_document_set_signatures(rc_store *store, gint64 document_id, json_t *signatures, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, "UPDATE documents SET signatures = ? WHERE id = ?", error);
  if (!stmt)
    return FALSE;
  g_autofree char *text = signatures ? json_dumps(signatures, JSON_COMPACT) : NULL;
  if (text)
    sqlite3_bind_text(stmt, 1, text, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(stmt, 2, document_id);
  return rc_store_exec_stmt(store, stmt, error);
}
