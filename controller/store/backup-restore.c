/* backup-restore — a backup back into an empty data directory (see
 * backup.h): the manifest and every file's hash are checked, nothing is
 * overwritten, and a failure leaves the data directory as empty as it was. */
#define G_LOG_DOMAIN "roomctl-backup"
#include "store/backup.h"
#include "store/backup-files.h"
#include "base/rc-error.h"
#include "base/rc-json.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

typedef struct {
  const rc_backup_source *dest;
  char *recordings_dir;
  gboolean made_data_dir;
  GPtrArray *made;      /* files written outside the data directory (recording indexes) */
  GHashTable *documents; /* hashes the manifest brings */
} restore;

static gboolean
fail(GError **error, rc_error_code code, const char *fmt, const char *a, const char *b)
{
  g_set_error(error, RC_ERROR, code, fmt, a, b);
  return FALSE;
}

/* A data directory a restore may write into: missing, or empty. */
static gboolean
claim_data_dir(restore *r, GError **error)
{
  const char *dir = r->dest->data_dir;
  if (!g_file_test(dir, G_FILE_TEST_EXISTS)) {
    if (g_mkdir_with_parents(dir, 0750) != 0)
      return fail(error, RC_ERROR_INTERNAL, "cannot create %s: %s", dir, g_strerror(errno));
    r->made_data_dir = TRUE;
    return TRUE;
  }
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  if (!d)
    return fail(error, RC_ERROR_INVALID, "the data directory %s is not a directory that can be read%s", dir, "");
  const char *first = g_dir_read_name(d);
  if (first)
    return fail(error, RC_ERROR_CONFLICT,
                "the data directory %s is not empty (it holds %s, …): a restore writes into an empty data "
                "directory only; stop roomctl and move the old one aside first", dir, first);
  return TRUE;
}

/* Where a manifest entry goes; NULL (with @error) for a path a backup
 * never holds, so that a manifest cannot write outside its places. */
static char *
target_of(restore *r, const char *rel, GError **error)
{
  if (g_str_equal(rel, "roomctl.db"))
    return g_build_filename(r->dest->data_dir, "roomctl.db", NULL);
  if (g_str_has_prefix(rel, "documents/") && rc_backup_is_document_name(rel + strlen("documents/")))
    return g_build_filename(r->dest->data_dir, rel, NULL);
  if (g_str_has_prefix(rel, "recordings/") && rc_backup_is_index_name(rel + strlen("recordings/")))
    return g_build_filename(r->recordings_dir, rel + strlen("recordings/"), NULL);
  fail(error, RC_ERROR_INVALID, "the manifest names a file '%s' that a backup does not hold%s", rel, "");
  return NULL;
}

/* A recording index already in an outside recordings directory: the same
 * bytes are fine, other bytes are never overwritten. */
static gboolean
index_present(const char *to, const char *sha256, gboolean *present, GError **error)
{
  *present = g_file_test(to, G_FILE_TEST_EXISTS);
  if (!*present)
    return TRUE;
  g_autofree char *have = rc_backup_hash_file(to, NULL, error);
  if (!have)
    return FALSE;
  if (!g_str_equal(have, sha256))
    return fail(error, RC_ERROR_CONFLICT, "%s exists with other content than the backup's; move it aside (%s)", to,
                sha256);
  return TRUE;
}

static gboolean
restore_file(restore *r, const char *backup_dir, json_t *entry, GError **error)
{
  const char *rel = json_string_value(json_object_get(entry, "path"));
  const char *sha = json_string_value(json_object_get(entry, "sha256"));
  json_t *size = json_object_get(entry, "size");
  if (!rel || !sha || !json_is_integer(size))
    return fail(error, RC_ERROR_INVALID, "%s/" RC_BACKUP_MANIFEST ": a file entry without path, size and sha256%s",
                backup_dir, "");
  g_autofree char *to = target_of(r, rel, error);
  if (!to)
    return FALSE;
  gboolean is_doc = g_str_has_prefix(rel, "documents/");
  if (is_doc && strncmp(rel + strlen("documents/"), sha, 64) != 0)
    return fail(error, RC_ERROR_INVALID, "the manifest gives %s the hash %s, not its name", rel, sha);
  gboolean present = FALSE;
  if (g_str_has_prefix(rel, "recordings/") && !index_present(to, sha, &present, error))
    return FALSE;
  if (present)
    return TRUE;
  g_autofree char *from = g_build_filename(backup_dir, rel, NULL);
  g_autofree char *parent = g_path_get_dirname(to);
  g_mkdir_with_parents(parent, 0750);
  gint64 got = 0;
  if (!rc_backup_copy_file(from, to, sha, NULL, &got, NULL, error))
    return FALSE;
  if (g_str_has_prefix(rel, "recordings/"))
    g_ptr_array_add(r->made, g_strdup(to));
  if (got != json_integer_value(size)) {
    g_autofree char *n = g_strdup_printf("%" G_GINT64_FORMAT, got);
    return fail(error, RC_ERROR_CONFLICT, "%s: %s bytes, not what the manifest says", from, n);
  }
  if (is_doc)
    g_hash_table_add(r->documents, g_strndup(sha, 64));
  return TRUE;
}

/* The restored database passes SQLite's check and every document it lists
 * came with the backup. */
static gboolean
check_database(restore *r, GError **error)
{
  g_autofree char *path = g_build_filename(r->dest->data_dir, "roomctl.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean ok = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
                sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &stmt, NULL) == SQLITE_OK &&
                sqlite3_step(stmt) == SQLITE_ROW && g_str_equal((const char *)sqlite3_column_text(stmt, 0), "ok");
  sqlite3_finalize(stmt);
  stmt = NULL;
  if (!ok) {
    fail(error, RC_ERROR_INTERNAL, "%s fails SQLite's quick_check: %s", path, db ? sqlite3_errmsg(db) : "no memory");
  } else if (sqlite3_prepare_v2(db, "SELECT DISTINCT sha256 FROM documents", -1, &stmt, NULL) == SQLITE_OK) {
    while (ok && sqlite3_step(stmt) == SQLITE_ROW) {
      const char *sha = (const char *)sqlite3_column_text(stmt, 0);
      if (!g_hash_table_contains(r->documents, sha))
        ok = fail(error, RC_ERROR_NOT_FOUND, "the database lists the document %s, which the backup does not hold%s",
                  sha, "");
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return ok;
}

static json_t *
load_manifest(const char *backup_dir, int latest_schema, GError **error)
{
  g_autofree char *path = g_build_filename(backup_dir, RC_BACKUP_MANIFEST, NULL);
  json_error_t jerr;
  g_autoptr(json_t) m = json_load_file(path, 0, &jerr);
  if (!m) {
    fail(error, RC_ERROR_INVALID, "%s: %s (is this a roomctl backup directory?)", path, jerr.text);
    return NULL;
  }
  json_t *schema = json_object_get(m, "schema");
  if (json_integer_value(json_object_get(m, "format")) != RC_BACKUP_FORMAT || !json_is_integer(schema) ||
      !json_is_array(json_object_get(m, "files"))) {
    fail(error, RC_ERROR_INVALID, "%s: not a backup manifest of format %s", path, G_STRINGIFY(RC_BACKUP_FORMAT));
    return NULL;
  }
  if (json_integer_value(schema) > latest_schema) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE,
                "the backup's database schema version %d is newer than this roomctl %s (%d); restore it with roomctl "
                "%s or newer",
                (int)json_integer_value(schema), RC_VERSION, latest_schema,
                json_string_value(json_object_get(m, "roomctl")) ?: "?");
    return NULL;
  }
  return g_steal_pointer(&m);
}

/* Takes back what the restore wrote. */
static void
undo(restore *r)
{
  for (guint i = 0; i < r->made->len; i++)
    g_unlink(r->made->pdata[i]);
  g_autoptr(GDir) d = g_dir_open(r->dest->data_dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d))) {
    g_autofree char *child = g_build_filename(r->dest->data_dir, name, NULL);
    rc_backup_remove_tree(child);
  }
  if (r->made_data_dir)
    g_remove(r->dest->data_dir);
}

gboolean
rc_backup_restore(const char *backup_dir, const rc_backup_source *dest, int latest_schema, GError **error)
{
  g_autoptr(json_t) m = load_manifest(backup_dir, latest_schema, error);
  if (!m)
    return FALSE;
  json_t *files = json_object_get(m, "files");
  gboolean has_db = FALSE;
  for (size_t i = 0; i < json_array_size(files); i++)
    has_db |= g_strcmp0(json_string_value(json_object_get(json_array_get(files, i), "path")), "roomctl.db") == 0;
  if (!has_db)
    return fail(error, RC_ERROR_INVALID, "%s/" RC_BACKUP_MANIFEST " lists no roomctl.db%s", backup_dir, "");
  restore r = {
    .dest = dest,
    .recordings_dir = rc_backup_recordings_dir(dest->data_dir, dest->recordings_dir),
    .made = g_ptr_array_new_with_free_func(g_free),
    .documents = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
  };
  /* Only a directory found empty (or made here) is ever cleaned up. */
  gboolean claimed = claim_data_dir(&r, error);
  gboolean ok = claimed;
  for (size_t i = 0; ok && i < json_array_size(files); i++)
    ok = restore_file(&r, backup_dir, json_array_get(files, i), error);
  ok = ok && check_database(&r, error);
  if (!ok && claimed)
    undo(&r);
  g_free(r.recordings_dir);
  g_ptr_array_unref(r.made);
  g_hash_table_unref(r.documents);
  return ok;
}
