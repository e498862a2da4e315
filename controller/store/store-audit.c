/* store-audit — the append-only audit log: each row chained to the one
 * before it by a hash (audit.h), computed in the transaction that inserts
 * the row; checking the chain; the SQL function the schema migration uses
 * to chain the rows written before the chain existed. */
#define G_LOG_DOMAIN "roomctl-store"
#include "model/audit.h"
#include "store/store-private.h"

static const char *
text_or_empty(sqlite3_value *v)
{
  const unsigned char *t = sqlite3_value_text(v);
  return t ? (const char *)t : "";
}

/* rc_audit_hash(prev, id, at, user_id, action, target, detail) in SQL. */
static void
sql_audit_hash(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
  (void)argc;
  rc_audit_row row = {
    .id = sqlite3_value_int64(argv[1]), .at = text_or_empty(argv[2]),
    .user_id = sqlite3_value_type(argv[3]) == SQLITE_NULL ? 0 : sqlite3_value_int64(argv[3]),
    .action = text_or_empty(argv[4]), .target = text_or_empty(argv[5]), .detail = text_or_empty(argv[6]),
  };
  char hash[RC_AUDIT_HASH_LEN];
  rc_audit_hash(text_or_empty(argv[0]), &row, hash);
  sqlite3_result_text(ctx, hash, -1, SQLITE_TRANSIENT);
}

gboolean
rc_store_audit_register(rc_store *store, GError **error)
{
  if (sqlite3_create_function_v2(store->db, "rc_audit_hash", 7, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                 sql_audit_hash, NULL, NULL, NULL) != SQLITE_OK) {
    rc_store_set_error(store, error, "register rc_audit_hash");
    return FALSE;
  }
  return TRUE;
}

/* The last row's id and hash (0 and "" for an empty log). */
static gboolean
chain_head(rc_store *store, gint64 *id, char prev[RC_AUDIT_HASH_LEN], GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1", error);
  if (!stmt)
    return FALSE;
  *id = 0;
  prev[0] = '\0';
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) {
    *id = sqlite3_column_int64(stmt, 0);
    const unsigned char *h = sqlite3_column_text(stmt, 1);
    g_strlcpy(prev, h ? (const char *)h : "", RC_AUDIT_HASH_LEN);
  }
  sqlite3_reset(stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    rc_store_set_error(store, error, "read audit head");
    return FALSE;
  }
  return TRUE;
}

static gboolean
insert_chained(rc_store *store, const rc_audit_row *row, const char *hash, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(
      store, "INSERT INTO audit_log (id, at, user_id, action, target, detail, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
      error);
  if (!stmt)
    return FALSE;
  sqlite3_bind_int64(stmt, 1, row->id);
  sqlite3_bind_text(stmt, 2, row->at, -1, SQLITE_TRANSIENT);
  if (row->user_id > 0)
    sqlite3_bind_int64(stmt, 3, row->user_id);
  sqlite3_bind_text(stmt, 4, row->action, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt, 5, row->target, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt, 6, row->detail, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt, 7, hash, -1, SQLITE_TRANSIENT);
  return rc_store_exec_stmt(store, stmt, error);
}

gboolean
rc_store_audit(rc_store *store, gint64 user_id, const char *action, const char *target,
               const char *detail, GError **error)
{
  g_autofree char *now = rc_store_now();
  rc_audit_row row = {.at = now, .user_id = user_id, .action = action, .target = target ? target : "",
                      .detail = detail ? detail : ""};
  char prev[RC_AUDIT_HASH_LEN], hash[RC_AUDIT_HASH_LEN];
  /* Reading the head and appending in one transaction: no other row can
   * come between (and this connection is the only writer). */
  if (!rc_store_begin(store, error))
    return FALSE;
  if (!chain_head(store, &row.id, prev, error))
    goto fail;
  row.id++;
  rc_audit_hash(prev, &row, hash);
  if (!insert_chained(store, &row, hash, error))
    goto fail;
  return rc_store_commit(store, error);
fail:
  rc_store_rollback(store);
  return FALSE;
}

json_t *
rc_store_audit_list(rc_store *store, int limit, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(
      store, "SELECT id, at, user_id, action, target, detail, hash FROM audit_log ORDER BY id DESC LIMIT ?",
      error);
  if (!stmt)
    return NULL;
  sqlite3_bind_int(stmt, 1, limit);
  return rc_store_rows(store, stmt, error);
}

static const char *
column_text(sqlite3_stmt *stmt, int i)
{
  const unsigned char *t = sqlite3_column_text(stmt, i);
  return t ? (const char *)t : "";
}

gboolean
rc_store_audit_verify(rc_store *store, gint64 *rows, gint64 *broken_id, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(
      store, "SELECT id, at, user_id, action, target, detail, hash FROM audit_log ORDER BY id", error);
  if (!stmt)
    return FALSE;
  rc_audit_chain chain;
  rc_audit_chain_init(&chain);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    rc_audit_row row = {
      .id = sqlite3_column_int64(stmt, 0), .at = column_text(stmt, 1),
      .user_id = sqlite3_column_type(stmt, 2) == SQLITE_NULL ? 0 : sqlite3_column_int64(stmt, 2),
      .action = column_text(stmt, 3), .target = column_text(stmt, 4), .detail = column_text(stmt, 5),
    };
    if (!rc_audit_chain_next(&chain, &row, (const char *)sqlite3_column_text(stmt, 6)))
      break;
  }
  sqlite3_reset(stmt);
  *rows = chain.rows;
  *broken_id = chain.broken_id;
  gboolean ok = TRUE;
  if (chain.broken_id) {
    g_set_error(error, RC_ERROR, RC_ERROR_CONFLICT, "audit log broken at row %" G_GINT64_FORMAT ": %s",
                chain.broken_id, chain.reason);
    ok = FALSE;
  } else if (rc != SQLITE_DONE) {
    rc_store_set_error(store, error, "read audit log");
    ok = FALSE;
  }
  rc_audit_chain_clear(&chain);
  return ok;
}
