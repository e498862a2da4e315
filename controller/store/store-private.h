/* store-private — helpers shared by the store-*.c files; not for other modules. */
#pragma once
#include "base/rc-error.h"
#include "store/store.h"

#include <sqlite3.h>

struct rc_store {
  sqlite3 *db;
  char *dir;
  char *documents_dir;
  GHashTable *stmts; /* const char *sql (static) -> sqlite3_stmt* */
  guint64 commits;   /* write transactions committed (each one WAL sync) */
};

/* A cached prepared statement for a static SQL string, reset and cleared.
 * Returns NULL with @error set if it does not prepare. (transfer none) */
sqlite3_stmt *rc_store_stmt(rc_store *store, const char *sql, GError **error);
/* Sets @error from the connection's last error (constraint → CONFLICT). */
void rc_store_set_error(rc_store *store, GError **error, const char *what);
/* Steps a write statement to completion. */
gboolean rc_store_exec_stmt(rc_store *store, sqlite3_stmt *stmt, GError **error);
/* Runs @stmt and returns its rows as objects (column name → value,
 * BOOLEAN-declared columns as true/false). (transfer full) */
json_t *rc_store_rows(rc_store *store, sqlite3_stmt *stmt, GError **error);
/* The first row as an object, or NULL with RC_ERROR_NOT_FOUND naming @what. */
json_t *rc_store_row(rc_store *store, sqlite3_stmt *stmt, const char *what, GError **error);
/* Binds a jansson scalar (string, integer, boolean, null); NULL binds NULL. */
int rc_store_bind_json(sqlite3_stmt *stmt, int index, json_t *value);
/* UPDATE @table SET <each key of @fields> WHERE id = @id. Keys must be in
 * @allowed (NULL-terminated); a key outside it is a programmer error. */
gboolean rc_store_update_fields(rc_store *store, const char *table, gint64 id, json_t *fields,
                                const char *const *allowed, GError **error);
/* Single integer result of @stmt, or @fallback when no row. */
gint64 rc_store_scalar(rc_store *store, sqlite3_stmt *stmt, gint64 fallback);
/* Registers the SQL function rc_audit_hash() (store-audit.c) that the
 * schema migrations use. */
gboolean rc_store_audit_register(rc_store *store, GError **error);
/* The first column of @stmt's rows as a JSON array of integers (ids), or
 * NULL with @error (naming @what). (transfer full) */
json_t *rc_store_ids(rc_store *store, sqlite3_stmt *stmt, const char *what, GError **error);
/* Runs @sql ("DELETE FROM t WHERE id = ?") for @id: RC_ERROR_NOT_FOUND
 * naming @what when no row goes. */
gboolean rc_store_delete_id(rc_store *store, const char *sql, gint64 id, const char *what, GError **error);
/* Turns the sip_* columns of rc_store_site_calls()'s rows (store-health.c)
 * into each row's "sip" (store-sip.c). */
void rc_store_sip_story_nest(json_t *rows);
