/* test-backup — backups of a real store and what a restore refuses: a
 * manifest naming a path outside a backup's places, a missing file, a
 * wrong size, a non-empty data directory; each leaves nothing behind. */
#include "store/backup.h"
#include "base/rc-error.h"
#include "base/rc-json.h"
#include "store-fixture.h"

#include <glib/gstdio.h>
#include <string.h>

#define DOC_SHA "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" /* sha256("test") */

static char *
make_backup(fixture *f)
{
  g_autoptr(json_t) session = json_pack("{ss ss ss}", "title", "S", "starts_at", "2026-01-01T00:00:00Z", "ends_at",
                                        "2026-01-01T01:00:00Z");
  g_autoptr(json_t) fields = json_pack("{ss}", "title", "I");
  gint64 id = rc_store_session_create(f->store, session, NULL);
  g_assert_cmpint(id, >, 0);
  gint64 item = rc_store_agenda_item_create(f->store, id, 0, -1, fields, NULL);
  g_assert_cmpint(item, >, 0);
  g_assert_cmpint(rc_store_document_create(f->store, item, "D", "d.pdf", DOC_SHA, 4, 1, FALSE, 0, NULL), >, 0);
  g_autofree char *doc = g_build_filename(f->dir, "documents", DOC_SHA ".pdf", NULL);
  g_assert_true(g_file_set_contents(doc, "test", 4, NULL));
  g_autofree char *parent = g_build_filename(f->dir, "out", NULL);
  rc_backup_source src = {f->dir, NULL};
  g_autoptr(GError) error = NULL;
  char *made = rc_backup_make(&src, NULL, parent, NULL, NULL, &error);
  g_assert_no_error(error);
  return made;
}

/* Rewrites the manifest's file entry @i with @key set to @value. */
static void
edit_manifest(const char *backup, int i, const char *key, json_t *value)
{
  g_autofree char *path = g_build_filename(backup, "manifest.json", NULL);
  json_t *m = json_load_file(path, 0, NULL);
  g_assert_nonnull(m);
  json_object_set_new(json_array_get(json_object_get(m, "files"), i), key, value);
  g_assert_cmpint(json_dump_file(m, path, 0), ==, 0);
  json_decref(m);
}

static int
entry_of(const char *backup, const char *prefix)
{
  g_autofree char *path = g_build_filename(backup, "manifest.json", NULL);
  json_t *m = json_load_file(path, 0, NULL);
  json_t *files = json_object_get(m, "files");
  int found = -1;
  for (size_t i = 0; i < json_array_size(files); i++)
    if (g_str_has_prefix(json_string_value(json_object_get(json_array_get(files, i), "path")), prefix))
      found = (int)i;
  json_decref(m);
  return found;
}

static void
assert_refused(fixture *f, const char *backup, int code, const char *says)
{
  g_autofree char *dest = g_build_filename(f->dir, "restored", NULL);
  rc_backup_source to = {dest, NULL};
  g_autoptr(GError) error = NULL;
  g_assert_false(rc_backup_restore(backup, &to, rc_store_latest_schema(), &error));
  g_assert_error(error, RC_ERROR, code);
  g_assert_nonnull(strstr(error->message, says));
  g_assert_false(g_file_test(dest, G_FILE_TEST_EXISTS)); /* made by the restore, so removed again */
}

static void
test_backup_restores(fixture *f, gconstpointer data)
{
  (void)data;
  g_autofree char *backup = make_backup(f);
  g_autofree char *dest = g_build_filename(f->dir, "restored", NULL);
  rc_backup_source to = {dest, NULL};
  g_autoptr(GError) error = NULL;
  g_assert_true(rc_backup_restore(backup, &to, rc_store_latest_schema(), &error));
  g_assert_no_error(error);
  g_autofree char *doc = g_build_filename(dest, "documents", DOC_SHA ".pdf", NULL);
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(doc, &text, NULL, NULL));
  g_assert_cmpstr(text, ==, "test");
  rc_store *again = rc_store_open(dest, &error);
  g_assert_no_error(error);
  g_assert_true(rc_store_document_hash_used(again, DOC_SHA));
  rc_store_close(again);
  /* A second restore into the now full directory is refused, and leaves it. */
  g_assert_false(rc_backup_restore(backup, &to, rc_store_latest_schema(), &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_CONFLICT);
  g_assert_true(g_file_test(doc, G_FILE_TEST_IS_REGULAR));
}

static void
test_manifest_paths_stay_inside(fixture *f, gconstpointer data)
{
  (void)data;
  g_autofree char *backup = make_backup(f);
  edit_manifest(backup, entry_of(backup, "documents/"), "path", json_string("../../escape.pdf"));
  assert_refused(f, backup, RC_ERROR_INVALID, "does not hold");
}

static void
test_size_and_hash_checked(fixture *f, gconstpointer data)
{
  (void)data;
  g_autofree char *backup = make_backup(f);
  int doc = entry_of(backup, "documents/");
  edit_manifest(backup, doc, "size", json_integer(5));
  assert_refused(f, backup, RC_ERROR_CONFLICT, "not what the manifest says");
  edit_manifest(backup, doc, "size", json_integer(4));
  g_autofree char *file = g_build_filename(backup, "documents", DOC_SHA ".pdf", NULL);
  g_assert_true(g_file_set_contents(file, "TEST", 4, NULL));
  assert_refused(f, backup, RC_ERROR_CONFLICT, "its bytes hash to");
  g_unlink(file);
  assert_refused(f, backup, RC_ERROR_INTERNAL, "cannot open");
}

static void
test_document_missing_from_source_fails_backup(fixture *f, gconstpointer data)
{
  (void)data;
  g_autofree char *backup = make_backup(f);
  g_autofree char *doc = g_build_filename(f->dir, "documents", DOC_SHA ".pdf", NULL);
  g_unlink(doc);
  g_autofree char *parent = g_build_filename(f->dir, "out2", NULL);
  rc_backup_source src = {f->dir, NULL};
  g_autoptr(GError) error = NULL;
  g_assert_null(rc_backup_make(&src, NULL, parent, NULL, NULL, &error));
  g_assert_nonnull(strstr(error->message, DOC_SHA));
  g_autoptr(GDir) dir = g_dir_open(parent, 0, NULL);
  g_assert_null(g_dir_read_name(dir)); /* no .partial- left */
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add("/backup/restores", fixture, NULL, setup, test_backup_restores, teardown);
  g_test_add("/backup/manifest-paths-stay-inside", fixture, NULL, setup, test_manifest_paths_stay_inside, teardown);
  g_test_add("/backup/size-and-hash-checked", fixture, NULL, setup, test_size_and_hash_checked, teardown);
  g_test_add("/backup/document-missing-fails-backup", fixture, NULL, setup,
             test_document_missing_from_source_fails_backup, teardown);
  return g_test_run();
}
