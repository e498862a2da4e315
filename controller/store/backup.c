/* backup — makes and rotates backups, and schedules them in the daemon
 * (see backup.h; the restore is backup-restore.c). */
#define G_LOG_DOMAIN "roomctl-backup"
#include "store/backup.h"
#include "store/backup-files.h"
#include "base/rc-error.h"
#include "base/rc-json.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  char *dir;       /* PARENT/.partial-NAME */
  json_t *files;   /* manifest entries */
  int schema;
  GPtrArray *documents; /* the snapshot's document hashes */
} draft;

static void
draft_clear(draft *d)
{
  g_free(d->dir);
  json_decref(d->files);
  g_clear_pointer(&d->documents, g_ptr_array_unref);
}

static gboolean
sqlite_error(sqlite3 *db, const char *what, const char *path, GError **error)
{
  g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "%s %s: %s", what, path, db ? sqlite3_errmsg(db) : "out of memory");
  return FALSE;
}

static void
add_file(draft *d, const char *rel, const char *sha256, gint64 size)
{
  json_array_append_new(d->files, json_pack("{ss sI ss}", "path", rel, "size", (json_int_t)size, "sha256", sha256));
}

/* After the copy: the backup stands alone (a rollback-journal file, no
 * WAL beside it), SQLite finds nothing wrong in it, and it tells its schema
 * and the documents it lists. */
static gboolean
inspect_copy(sqlite3 *dest, const char *path, draft *d, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  if (sqlite3_exec(dest, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(dest, "PRAGMA quick_check", -1, &stmt, NULL) != SQLITE_OK)
    return sqlite_error(dest, "check", path, error);
  gboolean ok = sqlite3_step(stmt) == SQLITE_ROW && g_str_equal((const char *)sqlite3_column_text(stmt, 0), "ok");
  sqlite3_finalize(stmt);
  if (!ok)
    return sqlite_error(dest, "the copy fails SQLite's quick_check:", path, error);
  if (sqlite3_prepare_v2(dest, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK)
    return sqlite_error(dest, "read", path, error);
  d->schema = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
  sqlite3_finalize(stmt);
  d->documents = g_ptr_array_new_with_free_func(g_free);
  if (d->schema < 1)
    return TRUE;
  if (sqlite3_prepare_v2(dest, "SELECT DISTINCT sha256 FROM documents ORDER BY 1", -1, &stmt, NULL) != SQLITE_OK)
    return sqlite_error(dest, "read", path, error);
  while (sqlite3_step(stmt) == SQLITE_ROW)
    g_ptr_array_add(d->documents, g_strdup((const char *)sqlite3_column_text(stmt, 0)));
  sqlite3_finalize(stmt);
  return TRUE;
}

/* One snapshot: sqlite3_backup_step(-1) copies every page inside one read
 * transaction of @src, so the copy is one committed state. In WAL the
 * daemon's writes go on meanwhile (only the checkpoint waits). */
static gboolean
copy_database(sqlite3 *src, const char *dest_path, draft *d, GError **error)
{
  sqlite3 *dest = NULL;
  if (sqlite3_open_v2(dest_path, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
    sqlite_error(dest, "cannot create", dest_path, error);
    sqlite3_close(dest);
    return FALSE;
  }
  sqlite3_backup *b = sqlite3_backup_init(dest, "main", src, "main");
  int rc = SQLITE_ERROR;
  if (b) {
    for (int tries = 0; tries < 500; tries++) {
      rc = sqlite3_backup_step(b, -1);
      if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
        break;
      g_usleep(10 * 1000);
    }
    sqlite3_backup_finish(b);
  }
  gboolean ok = rc == SQLITE_DONE;
  if (!ok)
    g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "copy the database into %s: %s", dest_path,
                b ? sqlite3_errstr(rc) : sqlite3_errmsg(dest));
  ok = ok && inspect_copy(dest, dest_path, d, error);
  if (sqlite3_close(dest) != SQLITE_OK && ok)
    ok = sqlite_error(dest, "close", dest_path, error);
  if (!ok)
    return FALSE;
  g_chmod(dest_path, 0640); /* password hashes and tokens: as private as the data directory */
  gint64 size = 0;
  g_autofree char *sha = rc_backup_hash_file(dest_path, &size, error);
  if (!sha)
    return FALSE;
  add_file(d, "roomctl.db", sha, size);
  return TRUE;
}

static gboolean
open_source(const char *data_dir, sqlite3 **db, GError **error)
{
  g_autofree char *path = g_build_filename(data_dir, "roomctl.db", NULL);
  if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "no database at %s", path);
    return FALSE;
  }
  if (sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    sqlite_error(*db, "cannot open", path, error);
    sqlite3_close(*db);
    *db = NULL;
    return FALSE;
  }
  sqlite3_busy_timeout(*db, 5000);
  return TRUE;
}

/* Every document the snapshot lists, copied from DATA/documents and
 * checked against its name: a backup never holds a document that is not
 * what the database says it is. */
static gboolean
copy_documents(const rc_backup_source *src, draft *d, GCancellable *cancel, GError **error)
{
  g_autofree char *to_dir = g_build_filename(d->dir, "documents", NULL);
  if (g_mkdir(to_dir, 0750) != 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "cannot create %s: %s", to_dir, g_strerror(errno));
    return FALSE;
  }
  for (guint i = 0; i < d->documents->len; i++) {
    const char *sha = d->documents->pdata[i];
    g_autofree char *name = g_strconcat(sha, ".pdf", NULL);
    if (!rc_backup_is_document_name(name)) {
      g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "the database lists a document hash '%s' that is not SHA-256", sha);
      return FALSE;
    }
    g_autofree char *from = g_build_filename(src->data_dir, "documents", name, NULL);
    g_autofree char *to = g_build_filename(to_dir, name, NULL);
    gint64 size = 0;
    if (!rc_backup_copy_file(from, to, sha, NULL, &size, cancel, error)) {
      g_prefix_error(error, "document %s: ", sha);
      return FALSE;
    }
    g_autofree char *rel = g_build_filename("documents", name, NULL);
    add_file(d, rel, sha, size);
  }
  return rc_backup_fsync_dir(to_dir, error);
}

/* The recordings' indexes (small JSON files); the MP4 files they name are
 * written once and copied by the office's own file backup (operations.md). */
static gboolean
copy_indexes(const rc_backup_source *src, draft *d, GCancellable *cancel, GError **error)
{
  g_autofree char *from_dir = rc_backup_recordings_dir(src->data_dir, src->recordings_dir);
  g_autoptr(GDir) dir = g_dir_open(from_dir, 0, NULL);
  if (!dir)
    return TRUE; /* no recording yet */
  g_autofree char *to_dir = g_build_filename(d->dir, "recordings", NULL);
  if (g_mkdir(to_dir, 0750) != 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "cannot create %s: %s", to_dir, g_strerror(errno));
    return FALSE;
  }
  const char *name;
  while ((name = g_dir_read_name(dir))) {
    if (!rc_backup_is_index_name(name))
      continue;
    g_autofree char *from = g_build_filename(from_dir, name, NULL);
    g_autofree char *to = g_build_filename(to_dir, name, NULL);
    g_autofree char *sha = NULL;
    gint64 size = 0;
    if (!rc_backup_copy_file(from, to, NULL, &sha, &size, cancel, error))
      return FALSE;
    g_autofree char *rel = g_build_filename("recordings", name, NULL);
    add_file(d, rel, sha, size);
  }
  return rc_backup_fsync_dir(to_dir, error);
}

static gboolean
write_manifest(draft *d, GError **error)
{
  g_autofree char *now = NULL;
  {
    g_autoptr(GDateTime) t = g_date_time_new_now_utc();
    now = g_date_time_format(t, "%Y-%m-%dT%H:%M:%SZ");
  }
  g_autoptr(json_t) m = json_pack("{si ss si ss sO}", "format", RC_BACKUP_FORMAT, "roomctl", RC_VERSION, "schema",
                                  d->schema, "made_at", now, "files", d->files);
  g_autofree char *text = json_dumps(m, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  g_autofree char *tmp = g_build_filename(d->dir, RC_BACKUP_MANIFEST ".tmp", NULL);
  g_autofree char *path = g_build_filename(d->dir, RC_BACKUP_MANIFEST, NULL);
  if (!g_file_set_contents(tmp, text, -1, error) || g_chmod(tmp, 0640) != 0 || g_rename(tmp, path) != 0) {
    if (error && !*error)
      g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "cannot write %s: %s", path, g_strerror(errno));
    return FALSE;
  }
  return rc_backup_fsync_dir(d->dir, error);
}

/* PARENT/.partial-NAME becomes PARENT/NAME (or NAME-2, NAME-3, … when two
 * backups share a second). Returns the final path. */
static char *
publish(const char *parent, const char *partial, const char *name, GError **error)
{
  for (int n = 1; n < 100; n++) {
    g_autofree char *leaf = n == 1 ? g_strdup(name) : g_strdup_printf("%s-%d", name, n);
    g_autofree char *final = g_build_filename(parent, leaf, NULL);
    if (g_file_test(final, G_FILE_TEST_EXISTS))
      continue;
    if (g_rename(partial, final) != 0) {
      if (errno == EEXIST || errno == ENOTEMPTY)
        continue; /* another backup took the name since the test */
      g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "cannot rename %s to %s: %s", partial, final, g_strerror(errno));
      return NULL;
    }
    return rc_backup_fsync_dir(parent, error) ? g_steal_pointer(&final) : NULL;
  }
  g_set_error(error, RC_ERROR, RC_ERROR_CONFLICT, "%s/%s: too many backups of that name", parent, name);
  return NULL;
}

static char *
default_name(void)
{
  g_autoptr(GDateTime) t = g_date_time_new_now_utc();
  g_autofree char *stamp = g_date_time_format(t, "%Y%m%dT%H%M%SZ");
  return g_strconcat("roomctl-", stamp, NULL);
}

char *
rc_backup_make(const rc_backup_source *src, sqlite3 *db, const char *parent, const char *name, GCancellable *cancel,
               GError **error)
{
  g_autofree char *leaf = name ? g_strdup(name) : default_name();
  if (g_mkdir_with_parents(parent, 0750) != 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "cannot create %s: %s", parent, g_strerror(errno));
    return NULL;
  }
  g_autofree char *partial_leaf = g_strdup_printf(".partial-%s-%d", leaf, (int)getpid());
  draft d = {.dir = g_build_filename(parent, partial_leaf, NULL), .files = json_array()};
  sqlite3 *own = NULL;
  char *made = NULL;
  g_autofree char *db_copy = g_build_filename(d.dir, "roomctl.db", NULL);
  if (g_mkdir(d.dir, 0750) != 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "cannot create %s: %s", d.dir, g_strerror(errno));
    goto out;
  }
  if (!db && !open_source(src->data_dir, &own, error))
    goto out;
  if (!copy_database(db ? db : own, db_copy, &d, error) || !copy_documents(src, &d, cancel, error) ||
      !copy_indexes(src, &d, cancel, error) || !write_manifest(&d, error))
    goto out;
  made = publish(parent, d.dir, leaf, error);
out:
  sqlite3_close(own);
  if (!made)
    rc_backup_remove_tree(d.dir);
  draft_clear(&d);
  return made;
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Complete roomctl-* backups in @parent, oldest first. (transfer full) */
static GPtrArray *
list_backups(const char *parent)
{
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GDir) dir = g_dir_open(parent, 0, NULL);
  const char *name;
  while (dir && (name = g_dir_read_name(dir))) {
    g_autofree char *manifest = g_build_filename(parent, name, RC_BACKUP_MANIFEST, NULL);
    if (g_str_has_prefix(name, "roomctl-") && g_file_test(manifest, G_FILE_TEST_IS_REGULAR))
      g_ptr_array_add(names, g_strdup(name));
  }
  g_ptr_array_sort(names, compare_names);
  return names;
}

int
rc_backup_rotate(const char *parent, int keep, GError **error)
{
  (void)error;
  if (keep <= 0)
    return 0;
  g_autoptr(GPtrArray) names = list_backups(parent);
  int removed = 0;
  for (guint i = 0; i + (guint)keep < names->len; i++) {
    g_autofree char *path = g_build_filename(parent, names->pdata[i], NULL);
    rc_backup_remove_tree(path);
    g_message("backup rotated out: %s", path);
    removed++;
  }
  return removed;
}

/* ---- the daemon's schedule ---- */

struct rc_backup_schedule {
  char *data_dir;
  char *recordings_dir;
  char *parent;
  int keep;
  gint64 interval_us;
  gint64 next_us; /* monotonic */
  guint tick;
  GThread *thread; /* the backup under way, or NULL */
  gint done;       /* atomic: the thread has finished */
  GCancellable *cancel;
};

/* Age of the newest complete backup (its manifest's time), or -1. */
static gint64
newest_age_us(const char *parent)
{
  g_autoptr(GPtrArray) names = list_backups(parent);
  gint64 newest = -1;
  for (guint i = 0; i < names->len; i++) {
    g_autofree char *manifest = g_build_filename(parent, names->pdata[i], RC_BACKUP_MANIFEST, NULL);
    GStatBuf st;
    if (g_stat(manifest, &st) == 0)
      newest = MAX(newest, (gint64)st.st_mtime);
  }
  return newest < 0 ? -1 : MAX(0, g_get_real_time() - newest * G_USEC_PER_SEC);
}

/* The backup thread: it reads only the schedule's fixed fields. */
static gpointer
run_backup(gpointer data)
{
  rc_backup_schedule *s = data;
  rc_backup_source src = {s->data_dir, s->recordings_dir};
  g_autoptr(GError) error = NULL;
  gint64 t0 = g_get_monotonic_time();
  g_autofree char *made = rc_backup_make(&src, NULL, s->parent, NULL, s->cancel, &error);
  if (made) {
    g_message("scheduled backup made: %s (%.1f s)", made, (g_get_monotonic_time() - t0) / 1e6);
    rc_backup_rotate(s->parent, s->keep, NULL);
  } else {
    g_warning("scheduled backup into %s failed: %s", s->parent, error->message);
  }
  g_atomic_int_set(&s->done, made ? 1 : 2);
  return NULL;
}

static gboolean
on_tick(gpointer data)
{
  rc_backup_schedule *s = data;
  gint64 now = g_get_monotonic_time();
  int done = g_atomic_int_get(&s->done);
  if (s->thread && done) {
    g_thread_join(g_steal_pointer(&s->thread));
    /* A failed one is tried again in ten minutes, not a whole interval later. */
    if (done == 2)
      s->next_us = MIN(s->next_us, now + 10 * 60 * G_USEC_PER_SEC);
  }
  if (!s->thread && now >= s->next_us) {
    g_atomic_int_set(&s->done, 0);
    s->next_us = now + s->interval_us;
    s->thread = g_thread_new("roomctl-backup", run_backup, s);
  }
  return G_SOURCE_CONTINUE;
}

rc_backup_schedule *
rc_backup_schedule_new(const rc_backup_source *src, const char *parent, int interval_minutes, int keep)
{
  rc_backup_schedule *s = g_new0(rc_backup_schedule, 1);
  s->data_dir = g_strdup(src->data_dir);
  s->recordings_dir = g_strdup(src->recordings_dir ? src->recordings_dir : "");
  s->parent = g_strdup(parent);
  s->keep = keep;
  s->interval_us = (gint64)interval_minutes * 60 * G_USEC_PER_SEC;
  s->cancel = g_cancellable_new();
  gint64 age = newest_age_us(parent);
  gint64 wait = age < 0 || age >= s->interval_us ? 0 : s->interval_us - age;
  s->next_us = g_get_monotonic_time() + wait;
  s->tick = g_timeout_add_seconds(1, on_tick, s);
  g_message("backups into %s every %d minutes, keeping %d; the next in %" G_GINT64_FORMAT " s", parent,
            interval_minutes, keep, (wait + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
  return s;
}

void
rc_backup_schedule_free(rc_backup_schedule *s)
{
  if (!s)
    return;
  g_source_remove(s->tick);
  g_cancellable_cancel(s->cancel);
  if (s->thread)
    g_thread_join(s->thread);
  g_object_unref(s->cancel);
  g_free(s->data_dir);
  g_free(s->recordings_dir);
  g_free(s->parent);
  g_free(s);
}
