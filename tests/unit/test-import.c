/* Unit tests for the CSV bulk import against a real SQLite store: row
 * numbers and columns of errors, BOM and line numbers with quoted line
 * breaks, and a commit that fails half-way writing nothing. */
#include "records/import.h"
#include "base/rc-error.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include "store-fixture.h"

static json_t *
check(fixture *f, rc_import_kind kind, const char *text, GError **error)
{
  return rc_import_check(f->store, kind, text, strlen(text), error);
}

static void
test_rows_and_lines(fixture *f, gconstpointer data)
{
  (void)data;
  /* Row 3 holds a quoted line break: row 4 starts on line 5. */
  const char *csv = "\xEF\xBB\xBFusername,full_name,password,unit\r\n"
                    "ok01,Nguyễn Văn A,123456,Tổ 1\r\n"
                    "ok02,\"Trần\nThị B\",123456,Tổ 2\r\n"
                    "ok01,Lê C,1,Tổ 3\r\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(json_t) plan = check(f, RC_IMPORT_DELEGATES, csv, &error);
  g_assert_no_error(error);
  g_assert_cmpint(json_integer_value(json_object_get(plan, "total")), ==, 3);
  json_t *errors = json_object_get(plan, "errors");
  g_assert_cmpuint(json_array_size(errors), ==, 3);
  json_t *e0 = json_array_get(errors, 0), *e1 = json_array_get(errors, 1);
  /* ok02's full name is not a one-line string; row 4 (line 5) repeats ok01 and has a short password. */
  g_assert_cmpint(json_integer_value(json_object_get(e0, "row")), ==, 3);
  g_assert_cmpstr(json_string_value(json_object_get(e0, "column")), ==, "full_name");
  g_assert_cmpint(json_integer_value(json_object_get(e1, "row")), ==, 5);
  json_t *rows = json_object_get(plan, "rows");
  g_assert_cmpstr(json_string_value(json_object_get(json_object_get(json_array_get(rows, 0), "values"), "role")), ==,
                  "delegate");
}

static void
test_file_errors(fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL;
  g_assert_null(check(f, RC_IMPORT_USERS, "username,full_name,password\nabc,A,123456\n", &e1));
  g_assert_error(e1, RC_ERROR, RC_ERROR_INVALID);
  g_assert_true(g_str_has_prefix(e1->message, "role: "));
  g_assert_null(check(f, RC_IMPORT_USERS, "", &e2));
  g_assert_error(e2, RC_ERROR, RC_ERROR_INVALID);
  g_assert_null(check(f, RC_IMPORT_SITES, "code,name,level\nA,Tr\xE2n,district\n", &e3));
  g_assert_nonnull(strstr(e3->message, "line 2, byte 20 "));
}

static gint64
count_users(fixture *f)
{
  return rc_store_user_count(f->store);
}

static void
test_commit_all_or_nothing(fixture *f, gconstpointer data)
{
  (void)data;
  const char *csv = "username,full_name,role,password\nu001,A,delegate,pw-one\nu002,B,chair,pw-two\n";
  gint64 before = count_users(f);
  /* The second password has no hash: the write fails after the first row. */
  g_autoptr(GHashTable) partial = g_hash_table_new(g_str_hash, g_str_equal);
  g_hash_table_insert(partial, "pw-one", "$argon2id$fake");
  g_autoptr(GError) error = NULL;
  g_assert_cmpint(rc_import_commit(f->store, RC_IMPORT_USERS, csv, strlen(csv), partial, NULL, &error), ==, -1);
  g_assert_nonnull(error);
  g_assert_cmpint(count_users(f), ==, before);
  g_hash_table_insert(partial, "pw-two", "$argon2id$fake2");
  g_clear_error(&error);
  g_assert_cmpint(rc_import_commit(f->store, RC_IMPORT_USERS, csv, strlen(csv), partial, NULL, &error), ==, 2);
  g_assert_no_error(error);
  g_assert_cmpint(count_users(f), ==, before + 2);
  /* Again: every row is now a duplicate; the plan comes back, nothing written. */
  json_t *plan = NULL;
  g_assert_cmpint(rc_import_commit(f->store, RC_IMPORT_USERS, csv, strlen(csv), partial, &plan, &error), ==, -1);
  g_assert_cmpint(json_integer_value(json_object_get(plan, "error_count")), ==, 2);
  json_decref(plan);
  g_autoptr(GPtrArray) pws = rc_import_passwords(RC_IMPORT_USERS, csv, strlen(csv));
  g_assert_cmpuint(pws->len, ==, 2);
}

/* A site's own media settings come as numbers; empty = the default (null);
 * text or a value out of range is a cell error naming the column. */
static void
test_site_media_columns(fixture *f, gconstpointer data)
{
  (void)data;
  const char *bad = "code,name,level,opus_payload_type,video_cap_kbps\n"
                    "TP,Tỉnh,province,abc,\n"
                    "TP2,Tỉnh 2,province,95,-1\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(json_t) plan = check(f, RC_IMPORT_SITES, bad, &error);
  g_assert_no_error(error);
  json_t *errors = json_object_get(plan, "errors");
  g_assert_cmpuint(json_array_size(errors), ==, 3);
  g_assert_cmpstr(json_string_value(json_object_get(json_array_get(errors, 0), "column")), ==, "opus_payload_type");
  g_assert_nonnull(strstr(json_string_value(json_object_get(json_array_get(errors, 0), "reason")), "96 to 127"));
  g_assert_cmpstr(json_string_value(json_object_get(json_array_get(errors, 2), "column")), ==, "video_cap_kbps");
  const char *good = "code,name,level,h264_payload_type,opus_payload_type,video_cap_kbps,audio_cap_kbps\n"
                     "TP,Tỉnh,province,,97,20000,\n";
  g_assert_cmpint(rc_import_commit(f->store, RC_IMPORT_SITES, good, strlen(good), NULL, NULL, &error), ==, 1);
  g_assert_no_error(error);
  g_autoptr(json_t) site = rc_store_site_get(f->store, rc_store_site_id_by_code(f->store, "TP"), &error);
  g_assert_no_error(error);
  g_assert_true(json_is_null(json_object_get(site, "h264_payload_type")));
  g_assert_cmpint(json_integer_value(json_object_get(site, "opus_payload_type")), ==, 97);
  g_assert_cmpint(json_integer_value(json_object_get(site, "video_cap_kbps")), ==, 20000);
  g_assert_true(json_is_null(json_object_get(site, "audio_cap_kbps")));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add("/import/rows-and-lines", fixture, NULL, setup, test_rows_and_lines, teardown);
  g_test_add("/import/file-errors", fixture, NULL, setup, test_file_errors, teardown);
  g_test_add("/import/commit-all-or-nothing", fixture, NULL, setup, test_commit_all_or_nothing, teardown);
  g_test_add("/import/site-media-columns", fixture, NULL, setup, test_site_media_columns, teardown);
  return g_test_run();
}
