/* A real store in a fresh temporary directory, for the unit tests that need
 * one (g_test_add with setup/teardown). Include once per test program. */
#pragma once
#include "store/store.h"

#include <sqlite3.h>
#include <stdlib.h>

typedef struct {
  char *dir;
  rc_store *store;
} fixture;

static void
remove_tree(const char *dir)
{
  g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
  g_assert_cmpint(system(cmd), ==, 0);
}

static void
setup(fixture *f, gconstpointer data)
{
  (void)data;
  f->dir = g_dir_make_tmp("roomctl-test-XXXXXX", NULL);
  g_assert_nonnull(f->dir);
  g_autoptr(GError) error = NULL;
  f->store = rc_store_open(f->dir, &error);
  g_assert_no_error(error);
}

static void
teardown(fixture *f, gconstpointer data)
{
  (void)data;
  rc_store_close(f->store);
  remove_tree(f->dir);
  g_free(f->dir);
}

/* Runs @sql on @f's database file behind the store's back (an old schema,
 * a broken row): what a test starts from. G_GNUC_UNUSED: not every test
 * program tampers. */
G_GNUC_UNUSED static void
tamper(fixture *f, const char *sql)
{
  g_autofree char *path = g_build_filename(f->dir, "roomctl.db", NULL);
  sqlite3 *db = NULL;
  g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
  char *msg = NULL;
  int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
  if (rc != SQLITE_OK)
    g_error("%s: %s", sql, msg);
  sqlite3_close(db);
}

/* A unit @code of @kind under @parent (its code is its name too). */
G_GNUC_UNUSED static gint64
fixture_org(rc_store *s, const char *code, const char *kind, gint64 parent)
{
  g_autoptr(json_t) f = json_pack("{ss ss ss sI}", "code", code, "name", code, "kind", kind, "parent_id",
                                  (json_int_t)parent);
  g_autoptr(GError) error = NULL;
  gint64 id = rc_store_organisation_create(s, f, &error);
  g_assert_no_error(error);
  return id;
}
