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
  return rc_import_check(f->store, kind, NULL, text, strlen(text), error);
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
  g_assert_cmpint(rc_import_commit(f->store, RC_IMPORT_USERS, NULL, csv, strlen(csv), partial, NULL, &error), ==, -1);
  g_assert_nonnull(error);
  g_assert_cmpint(count_users(f), ==, before);
  g_hash_table_insert(partial, "pw-two", "$argon2id$fake2");
  g_clear_error(&error);
  g_assert_cmpint(rc_import_commit(f->store, RC_IMPORT_USERS, NULL, csv, strlen(csv), partial, NULL, &error), ==, 2);
  g_assert_no_error(error);
  g_assert_cmpint(count_users(f), ==, before + 2);
  /* Again: every row is now a duplicate; the plan comes back, nothing written. */
  json_t *plan = NULL;
  g_assert_cmpint(rc_import_commit(f->store, RC_IMPORT_USERS, NULL, csv, strlen(csv), partial, &plan, &error), ==, -1);
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
  g_assert_cmpint(rc_import_commit(f->store, RC_IMPORT_SITES, NULL, good, strlen(good), NULL, NULL, &error), ==, 1);
  g_assert_no_error(error);
  g_autoptr(json_t) site = rc_store_site_get(f->store, rc_store_site_id_by_code(f->store, "TP"), &error);
  g_assert_no_error(error);
  g_assert_true(json_is_null(json_object_get(site, "h264_payload_type")));
  g_assert_cmpint(json_integer_value(json_object_get(site, "opus_payload_type")), ==, 97);
  g_assert_cmpint(json_integer_value(json_object_get(site, "video_cap_kbps")), ==, 20000);
  g_assert_true(json_is_null(json_object_get(site, "audio_cap_kbps")));
}

static const char *
first_reason(json_t *plan, const char *column)
{
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(plan, "errors"), i, e) {
    if (g_str_equal(json_string_value(json_object_get(e, "column")), column))
      return json_string_value(json_object_get(e, "reason"));
  }
  return NULL;
}

/* Organisations: a parent after its child in the file is written first;
 * a loop of parents, an unknown parent and the province as a kind are row
 * errors, and nothing is written. */
static void
test_organisations(fixture *f, gconstpointer data)
{
  (void)data;
  const char *looped = "code,name,kind,parent_code\n"
                       "A,Ban A,board,B\n"
                       "B,Ban B,board,A\n"
                       "C,Ban C,province,\n"
                       "D,Ban D,board,NOPE\n"
                       "E,Ban E,board,E\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(json_t) plan = check(f, RC_IMPORT_ORGANISATIONS, looped, &error);
  g_assert_no_error(error);
  g_assert_cmpint(json_integer_value(json_object_get(plan, "error_count")), ==, 5);
  g_assert_nonnull(strstr(first_reason(plan, "parent_code"), "loop"));
  g_assert_nonnull(first_reason(plan, "kind"));
  json_t *out = NULL;
  g_assert_cmpint(rc_import_commit(f->store, RC_IMPORT_ORGANISATIONS, NULL, looped, strlen(looped), NULL, &out, &error),
                  ==, -1);
  json_decref(out);
  g_clear_error(&error);
  g_assert_cmpint(rc_store_organisation_id_by_code(f->store, "A"), ==, 0);

  const char *good = "code,name,kind,parent_code\n"
                     "PHONG1,Phòng 1,department,SO1\n"
                     "SO1,Sở 1,department,UB\n"
                     "UB,Ủy ban,committee,\n";
  g_assert_cmpint(rc_import_commit(f->store, RC_IMPORT_ORGANISATIONS, NULL, good, strlen(good), NULL, NULL, &error), ==,
                  3);
  g_assert_no_error(error);
  g_autoptr(json_t) phong = rc_store_organisation_get(f->store, rc_store_organisation_id_by_code(f->store, "PHONG1"),
                                                      &error);
  g_assert_no_error(error);
  g_assert_cmpint(json_integer_value(json_object_get(phong, "parent_id")), ==,
                  rc_store_organisation_id_by_code(f->store, "SO1"));

  /* Users and sites name an organisation; outside the owner's scope is a row error. */
  gint64 so1 = rc_store_organisation_id_by_code(f->store, "SO1");
  g_autoptr(json_t) scope = json_pack("[I]", (json_int_t)so1);
  rc_import_owner owner = {so1, scope};
  const char *sites = "code,name,level,parent_code,organisation\n"
                      "T,Tỉnh,province,,\n"
                      "S1,Sở 1,department,T,SO1\n"
                      "S2,Sở 2,department,T,UB\n"
                      "S3,Sở 3,department,T,NOPE\n";
  g_autoptr(json_t) splan = rc_import_check(f->store, RC_IMPORT_SITES, &owner, sites, strlen(sites), &error);
  g_assert_no_error(error);
  g_assert_cmpint(json_integer_value(json_object_get(splan, "error_count")), ==, 2);
  g_assert_nonnull(strstr(first_reason(splan, "organisation"), "not an organisation you act for"));
  const char *users = "username,full_name,role,password,organisation,include_children\n"
                      "usr1,A,secretariat,123456,UB,có\n"
                      "usr2,B,secretariat,123456,SO1,maybe\n";
  g_autoptr(json_t) uplan = check(f, RC_IMPORT_USERS, users, &error);
  g_assert_no_error(error);
  g_assert_cmpint(json_integer_value(json_object_get(uplan, "error_count")), ==, 1);
  g_assert_true(json_is_true(json_object_get(
      json_object_get(json_array_get(json_object_get(uplan, "rows"), 0), "values"), "include_children")));
  g_assert_nonnull(first_reason(uplan, "include_children"));
}

static gint64
room_count(fixture *f)
{
  g_autoptr(json_t) rooms = rc_store_rooms_list(f->store, NULL);
  return (gint64)json_array_size(rooms);
}

static json_t *
room_named(fixture *f, const char *name)
{
  g_autoptr(json_t) rooms = rc_store_rooms_list(f->store, NULL);
  size_t i;
  json_t *r;
  json_array_foreach(rooms, i, r) {
    if (g_str_equal(json_string_value(json_object_get(r, "name")), name))
      return json_incref(r);
  }
  return NULL;
}

/* Rooms: unique by organisation and name (in the file and on the server);
 * an unknown organisation or site, one outside the importer's scope, an
 * empty or too long name are row errors and nothing is written. */
static void
test_rooms(fixture *f, gconstpointer data)
{
  (void)data;
  const char *orgs = "code,name,kind\nSO1,Sở 1,department\nSO2,Sở 2,department\n";
  const char *sites = "code,name,level\nT,Tỉnh,province\n";
  g_autoptr(GError) error = NULL;
  g_assert_cmpint(rc_import_commit(f->store, RC_IMPORT_ORGANISATIONS, NULL, orgs, strlen(orgs), NULL, NULL, &error), ==,
                  2);
  g_assert_cmpint(rc_import_commit(f->store, RC_IMPORT_SITES, NULL, sites, strlen(sites), NULL, NULL, &error), ==, 1);
  g_assert_no_error(error);
  gint64 so1 = rc_store_organisation_id_by_code(f->store, "SO1"), so2 = rc_store_organisation_id_by_code(f->store, "SO2");
  g_autoptr(json_t) scope = json_pack("[I]", (json_int_t)so1);
  rc_import_owner owner = {so1, scope};

  g_autofree char *long_name = g_strnfill(101, 'x');
  g_autofree char *bad = g_strdup_printf("organisation,name,site_code\n"
                                         "SO1,Phòng họp 1,T\n" /* row 2: fine */
                                         "SO1,Phòng họp 1,\n"  /* row 3: repeats row 2 */
                                         "NOPE,Phòng X,\n"     /* row 4: no such organisation */
                                         "SO2,Phòng họp 2,\n"  /* row 5: outside the scope */
                                         ",Phòng họp 3,ZZ\n"   /* row 6: no such site */
                                         "SO1,,\n"             /* row 7: no name */
                                         "SO1,%s,\n"           /* row 8: too long */
                                         ",Phòng họp 1,\n",    /* row 9: the importer's own = SO1, as row 2 */
                                         long_name);
  g_autoptr(json_t) plan = rc_import_check(f->store, RC_IMPORT_ROOMS, &owner, bad, strlen(bad), &error);
  g_assert_no_error(error);
  g_autoptr(GString) got = g_string_new(NULL);
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(plan, "errors"), i, e) {
    g_string_append_printf(got, "%d:%s ", (int)json_integer_value(json_object_get(e, "row")),
                           json_string_value(json_object_get(e, "column")));
  }
  g_assert_cmpstr(got->str, ==, "3:name 4:organisation 5:organisation 6:site_code 7:name 8:name 9:name ");
  json_t *errors = json_object_get(plan, "errors");
  g_assert_nonnull(strstr(first_reason(plan, "organisation"), "no organisation 'NOPE'"));
  g_assert_nonnull(strstr(json_string_value(json_object_get(json_array_get(errors, 2), "reason")),
                          "not an organisation you act for"));
  g_assert_nonnull(strstr(first_reason(plan, "name"), "row 2"));
  json_t *out = NULL;
  g_assert_cmpint(rc_import_commit(f->store, RC_IMPORT_ROOMS, &owner, bad, strlen(bad), NULL, &out, &error), ==, -1);
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID);
  g_assert_cmpint(json_integer_value(json_object_get(out, "error_count")), ==, 7);
  json_decref(out);
  g_clear_error(&error);
  g_assert_cmpint(room_count(f), ==, 0);

  const char *good = "organisation,name,site_code\nSO1,Phòng họp 1,T\n,Phòng họp 2,\n";
  g_assert_cmpint(rc_import_commit(f->store, RC_IMPORT_ROOMS, &owner, good, strlen(good), NULL, NULL, &error), ==, 2);
  g_assert_no_error(error);
  g_autoptr(json_t) r1 = room_named(f, "Phòng họp 1");
  g_autoptr(json_t) r2 = room_named(f, "Phòng họp 2");
  g_assert_cmpint(json_integer_value(json_object_get(r1, "organisation_id")), ==, so1);
  g_assert_cmpint(json_integer_value(json_object_get(r1, "site_id")), ==, rc_store_site_id_by_code(f->store, "T"));
  g_assert_cmpint(json_integer_value(json_object_get(r2, "organisation_id")), ==, so1);
  g_assert_true(json_is_null(json_object_get(r2, "site_id")));

  /* The name is now taken in SO1, still free in SO2 and in the province (the admin's default). */
  const char *again = "organisation,name\nSO1,Phòng họp 1\nSO2,Phòng họp 1\n,Phòng họp 1\n";
  g_autoptr(json_t) aplan = check(f, RC_IMPORT_ROOMS, again, &error);
  g_assert_no_error(error);
  g_assert_cmpint(json_integer_value(json_object_get(aplan, "error_count")), ==, 1);
  g_assert_nonnull(strstr(first_reason(aplan, "name"), "already exists on the server"));
  const char *admin = "organisation,name\nSO2,Phòng họp 1\n,Phòng họp 1\n";
  g_assert_cmpint(rc_import_commit(f->store, RC_IMPORT_ROOMS, NULL, admin, strlen(admin), NULL, NULL, &error), ==, 2);
  g_assert_no_error(error);
  g_assert_cmpint(room_count(f), ==, 4);
  g_autoptr(json_t) rooms = rc_store_rooms_list(f->store, NULL);
  g_assert_cmpint(json_integer_value(json_object_get(json_array_get(rooms, 0), "organisation_id")), ==, 1);
  g_assert_cmpint(json_integer_value(json_object_get(json_array_get(rooms, 3), "organisation_id")), ==, so2);
}

/* Fuzz-ish: files cut and bytes flipped at random never crash the check;
 * each gives a plan or an error, never both. */
static void
test_mangled_files(fixture *f, gconstpointer data)
{
  (void)data;
  static const struct {
    rc_import_kind kind;
    const char *csv;
  } seeds[] = {
    {RC_IMPORT_USERS, "username,full_name,role,password,organisation,include_children\nusr1,Ánh,admin,123456,,1\n"},
    {RC_IMPORT_SITES, "code,name,level,parent_code,organisation\nT,\"Tỉnh, A\",province,,\nH,H,district,T,\n"},
    {RC_IMPORT_ORGANISATIONS, "code,name,kind,parent_code\nA,Ban A,board,B\nB,Ban B,council,\n"},
    {RC_IMPORT_ROOMS, "organisation,name,site_code\n,Phòng họp,\nA,\"Hội trường, 1\",T\n"},
  };
  static const char noise[] = ",\"\n\r\xC3\xA1\xFF" "AB0 ";
  GRand *rand = g_rand_new_with_seed(20261206);
  for (guint round = 0; round < 3000; round++) {
    guint k = round % G_N_ELEMENTS(seeds);
    g_autofree char *text = g_strdup(seeds[k].csv);
    gsize len = strlen(text);
    for (int n = g_rand_int_range(rand, 1, 4); n > 0; n--)
      text[g_rand_int_range(rand, 0, (gint32)len)] = noise[g_rand_int_range(rand, 0, sizeof noise - 1)];
    gsize cut = g_rand_int_range(rand, 0, 4) == 0 ? (gsize)g_rand_int_range(rand, 0, (gint32)len + 1) : len;
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) plan = rc_import_check(f->store, seeds[k].kind, NULL, text, cut, &error);
    g_assert_true((plan == NULL) != (error == NULL));
  }
  g_rand_free(rand);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add("/import/rows-and-lines", fixture, NULL, setup, test_rows_and_lines, teardown);
  g_test_add("/import/file-errors", fixture, NULL, setup, test_file_errors, teardown);
  g_test_add("/import/commit-all-or-nothing", fixture, NULL, setup, test_commit_all_or_nothing, teardown);
  g_test_add("/import/site-media-columns", fixture, NULL, setup, test_site_media_columns, teardown);
  g_test_add("/import/organisations", fixture, NULL, setup, test_organisations, teardown);
  g_test_add("/import/rooms", fixture, NULL, setup, test_rooms, teardown);
  g_test_add("/import/mangled-files", fixture, NULL, setup, test_mangled_files, teardown);
  return g_test_run();
}
