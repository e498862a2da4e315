/* Unit tests for store: real SQLite files in a temporary directory. */
#include "base/rc-error.h"
#include "store/store.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include "store-fixture.h"

static gint64
add_user(rc_store *s, const char *name, const char *role)
{
  g_autoptr(GError) error = NULL;
  gint64 id = rc_store_user_create(s, name, "Nguyễn Văn A", role, "hash", "", "", &error);
  g_assert_no_error(error);
  return id;
}

static gint64
add_session(rc_store *s)
{
  g_autoptr(json_t) f = json_pack("{ss ss ss}", "title", "Kỳ họp", "starts_at", "2026-11-25T01:00:00Z", "ends_at",
                                  "2026-11-25T05:00:00Z");
  g_autoptr(GError) error = NULL;
  gint64 id = rc_store_session_create(s, f, &error);
  g_assert_no_error(error);
  return id;
}

static gint64
add_item(rc_store *s, gint64 session, gint64 parent, int pos, const char *title)
{
  g_autoptr(json_t) f = json_pack("{ss}", "title", title);
  g_autoptr(GError) error = NULL;
  gint64 id = rc_store_agenda_item_create(s, session, parent, pos, f, &error);
  g_assert_no_error(error);
  return id;
}

static void
test_schema_and_reopen(fixture *f, gconstpointer data)
{
  (void)data;
  g_assert_cmpint(rc_store_schema_version(f->store), ==, rc_store_latest_schema());
  add_user(f->store, "db01", "delegate");
  rc_store_close(f->store);
  f->store = rc_store_open(f->dir, NULL);
  g_assert_nonnull(f->store);
  g_assert_cmpint(rc_store_schema_version(f->store), ==, rc_store_latest_schema());
  g_assert_cmpint(rc_store_user_count(f->store), ==, 1);
}

/* Closes @f's store, then runs @sql on its database file. */
static void
exec_closed(fixture *f, const char *sql)
{
  rc_store_close(f->store);
  f->store = NULL;
  tamper(f, sql);
}

static gint64
int_of(json_t *row, const char *key)
{
  return json_integer_value(json_object_get(row, key));
}

/* Schema 8 → 9: what existed goes into the province, and the staff who saw
 * every session keep seeing every one (include_children). */
static void
test_organisations_migration(fixture *f, gconstpointer data)
{
  (void)data;
  gint64 staff = add_user(f->store, "thuky", "secretariat");
  gint64 del = add_user(f->store, "db01", "delegate");
  gint64 s = add_session(f->store);
  exec_closed(f, "ALTER TABLE sessions DROP COLUMN rtsp_out; ALTER TABLE sessions DROP COLUMN record; DROP TABLE document_recoveries; DROP TABLE site_srtp_keys; ALTER TABLE sites DROP COLUMN media_from; ALTER TABLE sessions DROP COLUMN closed; DROP TABLE site_floor_requests; DROP TABLE sip_calls; DROP TABLE site_credentials; DROP TRIGGER rooms_gone; DROP INDEX users_organisation; DROP INDEX sites_organisation;"
                 "DROP INDEX sessions_organisation; ALTER TABLE users DROP COLUMN organisation_id;"
                 "ALTER TABLE users DROP COLUMN include_children; ALTER TABLE sites DROP COLUMN organisation_id;"
                 "ALTER TABLE sessions DROP COLUMN organisation_id; ALTER TABLE sessions DROP COLUMN room_id;"
                 "DROP TABLE session_organisations; DROP TABLE rooms; DROP TABLE organisations;"
                 "PRAGMA user_version = 8;");
  g_autoptr(GError) error = NULL;
  f->store = rc_store_open(f->dir, &error);
  g_assert_no_error(error);
  g_assert_cmpint(rc_store_schema_version(f->store), ==, rc_store_latest_schema());
  g_autoptr(json_t) province = rc_store_organisation_get(f->store, 1, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(json_string_value(json_object_get(province, "kind")), ==, "province");
  g_assert_cmpstr(json_string_value(json_object_get(province, "name")), ==, "");
  g_autoptr(json_t) u = rc_store_user_get(f->store, staff, NULL);
  g_autoptr(json_t) d = rc_store_user_get(f->store, del, NULL);
  g_autoptr(json_t) sess = rc_store_session_get(f->store, s, NULL);
  g_assert_cmpint(int_of(u, "organisation_id"), ==, 1);
  g_assert_true(json_is_true(json_object_get(u, "include_children")));
  g_assert_cmpint(int_of(d, "organisation_id"), ==, 1);
  g_assert_true(json_is_false(json_object_get(d, "include_children")));
  g_assert_cmpint(int_of(sess, "organisation_id"), ==, 1);
}

/* The tree: one province at the top, no circles, nothing deleted that
 * still owns something. */
static void
test_organisations_tree(fixture *f, gconstpointer data)
{
  (void)data;
  gint64 district = fixture_org(f->store, "HUYEN", "district", 1);
  gint64 commune = fixture_org(f->store, "XA", "commune", district);
  gint64 dept = fixture_org(f->store, "SO", "department", 1);
  g_autoptr(json_t) sub = rc_store_organisation_subtree(f->store, district, NULL);
  g_autoptr(json_t) want = json_pack("[II]", (json_int_t)district, (json_int_t)commune);
  g_assert_true(json_equal(sub, want));
  g_autoptr(GError) error = NULL;
  g_autoptr(json_t) circle = json_pack("{sI}", "parent_id", (json_int_t)commune);
  g_assert_false(rc_store_organisation_update(f->store, district, circle, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID);
  g_clear_error(&error);
  g_autoptr(json_t) second = json_pack("{ss ss ss sI}", "code", "T2", "name", "x", "kind", "province", "parent_id",
                                       (json_int_t)1);
  g_assert_cmpint(rc_store_organisation_create(f->store, second, &error), ==, 0);
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID);
  g_clear_error(&error);
  g_assert_false(rc_store_organisation_delete(f->store, district, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_CONFLICT);
  g_clear_error(&error);
  g_assert_false(rc_store_organisation_delete(f->store, 1, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_CONFLICT);
  g_clear_error(&error);
  g_assert_true(rc_store_organisation_delete(f->store, dept, &error));
  g_assert_no_error(error);
  g_autoptr(json_t) list = rc_store_organisations_list(f->store, NULL);
  g_assert_cmpuint(json_array_size(list), ==, 3);
  g_assert_cmpint(int_of(json_array_get(list, 0), "id"), ==, 1); /* parents first */
}

/* A session takes people and sites of its own organisation (and below),
 * and of the organisations it invites (and below): no one else's. */
static void
test_assignment_reach(fixture *f, gconstpointer data)
{
  (void)data;
  gint64 dept_a = fixture_org(f->store, "SO-A", "department", 1);
  gint64 district = fixture_org(f->store, "HUYEN", "district", 1);
  gint64 commune = fixture_org(f->store, "XA", "commune", district);
  gint64 s = add_session(f->store);
  g_autoptr(json_t) own = json_pack("{sI}", "organisation_id", (json_int_t)dept_a);
  g_assert_true(rc_store_session_update(f->store, s, own, NULL));
  gint64 mine = add_user(f->store, "a01", "delegate");
  gint64 far = add_user(f->store, "x01", "delegate");
  g_autoptr(json_t) in_a = json_pack("{sI}", "organisation_id", (json_int_t)dept_a);
  g_autoptr(json_t) in_commune = json_pack("{sI}", "organisation_id", (json_int_t)commune);
  g_assert_true(rc_store_user_update(f->store, mine, in_a, NULL, NULL));
  g_assert_true(rc_store_user_update(f->store, far, in_commune, NULL, NULL));
  g_autoptr(json_t) both = json_pack("[II]", (json_int_t)mine, (json_int_t)far);
  g_autoptr(GError) error = NULL;
  g_assert_false(rc_store_session_set_delegates(f->store, s, both, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID);
  g_assert_nonnull(strstr(error->message, "user_ids: user"));
  g_clear_error(&error);
  g_autoptr(json_t) invite = json_pack("[I]", (json_int_t)district);
  g_assert_true(rc_store_session_set_invited(f->store, s, invite, NULL));
  g_assert_true(rc_store_session_set_delegates(f->store, s, both, &error)); /* the commune is below the district */
  g_assert_no_error(error);
  g_autoptr(json_t) invited = rc_store_session_invited(f->store, s, NULL);
  g_assert_cmpuint(json_array_size(invited), ==, 1);
  g_assert_cmpint(int_of(json_array_get(invited, 0), "id"), ==, district);
}

static void
test_newer_schema_refused(fixture *f, gconstpointer data)
{
  (void)data;
  rc_store_close(f->store);
  f->store = NULL;
  g_autofree char *path = g_build_filename(f->dir, "roomctl.db", NULL);
  sqlite3 *db;
  g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close(db);
  g_autoptr(GError) error = NULL;
  g_assert_null(rc_store_open(f->dir, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID_STATE);
}

static void
test_users_unique_and_sql_text(fixture *f, gconstpointer data)
{
  (void)data;
  gint64 id = add_user(f->store, "db01", "delegate");
  g_autoptr(GError) error = NULL;
  g_assert_cmpint(rc_store_user_create(f->store, "DB01", "x", "delegate", "h", "", "", &error), ==, 0);
  g_assert_error(error, RC_ERROR, RC_ERROR_CONFLICT);
  g_clear_error(&error);
  g_assert_cmpint(rc_store_user_create(f->store, "x1", "x", "pope", "h", "", "", &error), ==, 0);
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID);
  const char *evil = "'); DROP TABLE users;--";
  g_autoptr(json_t) change = json_pack("{ss}", "full_name", evil);
  g_assert_true(rc_store_user_update(f->store, id, change, NULL, NULL));
  g_autoptr(json_t) u = rc_store_user_get(f->store, id, NULL);
  g_assert_cmpstr(json_string_value(json_object_get(u, "full_name")), ==, evil);
  g_assert_true(json_is_true(json_object_get(u, "active")));
  g_assert_null(json_object_get(u, "password_hash"));
}

static void
test_tokens(fixture *f, gconstpointer data)
{
  (void)data;
  gint64 id = add_user(f->store, "thuky", "secretariat");
  g_assert_true(rc_store_token_add(f->store, "h1", id, 2000, NULL));
  g_autoptr(json_t) u = rc_store_token_user(f->store, "h1", 1000, NULL);
  g_assert_cmpint(json_integer_value(json_object_get(u, "id")), ==, id);
  g_autoptr(GError) error = NULL;
  g_assert_null(rc_store_token_user(f->store, "h1", 2000, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID_STATE);
  g_clear_error(&error);
  g_assert_null(rc_store_token_user(f->store, "nope", 1000, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_NOT_FOUND);
  /* a new password ends existing logins */
  g_autoptr(json_t) none = json_object();
  g_assert_true(rc_store_user_update(f->store, id, none, "newhash", NULL));
  g_assert_null(rc_store_token_user(f->store, "h1", 1000, NULL));
}

/* Titles of the tree in depth-first order, e.g. "A(A1,A2),B". */
static void
tree_string(json_t *items, GString *out)
{
  size_t i;
  json_t *it;
  json_array_foreach(items, i, it) {
    if (i)
      g_string_append_c(out, ',');
    g_string_append(out, json_string_value(json_object_get(it, "title")));
    g_assert_cmpint(json_integer_value(json_object_get(it, "position")), ==, (json_int_t)i);
    json_t *kids = json_object_get(it, "children");
    if (json_array_size(kids)) {
      g_string_append_c(out, '(');
      tree_string(kids, out);
      g_string_append_c(out, ')');
    }
  }
}

static void
assert_tree(rc_store *s, gint64 session, const char *want)
{
  g_autoptr(json_t) tree = rc_store_agenda_tree(s, session, NULL);
  g_autoptr(GString) got = g_string_new(NULL);
  tree_string(tree, got);
  g_assert_cmpstr(got->str, ==, want);
}

static void
test_agenda_tree(fixture *f, gconstpointer data)
{
  (void)data;
  gint64 s = add_session(f->store);
  gint64 a = add_item(f->store, s, 0, -1, "A");
  gint64 b = add_item(f->store, s, 0, -1, "B");
  add_item(f->store, s, 0, 0, "C"); /* inserted first */
  gint64 a1 = add_item(f->store, s, a, -1, "A1");
  add_item(f->store, s, a, -1, "A2");
  assert_tree(f->store, s, "C,A(A1,A2),B");
  g_assert_true(rc_store_agenda_item_move(f->store, b, a, 1, NULL));
  assert_tree(f->store, s, "C,A(A1,B,A2)");
  g_assert_true(rc_store_agenda_item_move(f->store, a1, 0, 0, NULL));
  assert_tree(f->store, s, "A1,C,A(B,A2)");
  g_autoptr(GError) error = NULL;
  g_assert_false(rc_store_agenda_item_move(f->store, a, b, 0, &error)); /* under its own child */
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID);
  assert_tree(f->store, s, "A1,C,A(B,A2)");
  g_assert_true(rc_store_agenda_item_delete(f->store, a, NULL)); /* children go too */
  assert_tree(f->store, s, "A1,C");
  g_assert_cmpint(rc_store_agenda_item_session(f->store, b), ==, 0);
  gint64 other = add_session(f->store);
  g_clear_error(&error);
  g_autoptr(json_t) t = json_pack("{ss}", "title", "X");
  g_assert_cmpint(rc_store_agenda_item_create(f->store, other, a1, -1, t, &error), ==, 0);
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID);
}

static void
test_documents(fixture *f, gconstpointer data)
{
  (void)data;
  gint64 s = add_session(f->store);
  gint64 item = add_item(f->store, s, 0, -1, "A");
  gint64 d1 = rc_store_document_create(f->store, item, "Tờ trình", "a.pdf", "abc", 10, 2, FALSE, 0, NULL);
  gint64 d2 = rc_store_document_create(f->store, item, "Copy", "b.pdf", "abc", 10, 2, TRUE, 0, NULL);
  g_assert_cmpint(rc_store_document_session(f->store, d2), ==, s);
  g_autoptr(json_t) doc = rc_store_document_get(f->store, d2, NULL);
  g_assert_true(json_is_true(json_object_get(doc, "confidential")));
  g_autofree char *url = g_strdup_printf("/api/v1/documents/%" G_GINT64_FORMAT "/content", d2);
  g_assert_cmpstr(json_string_value(json_object_get(doc, "url")), ==, url);
  char *orphan = NULL;
  g_assert_true(rc_store_document_delete(f->store, d1, &orphan, NULL));
  g_assert_null(orphan); /* d2 still uses the same content */
  g_assert_true(rc_store_document_delete(f->store, d2, &orphan, NULL));
  g_assert_cmpstr(orphan, ==, "abc");
  g_free(orphan);
}

static void
test_assignments_all_or_nothing(fixture *f, gconstpointer data)
{
  (void)data;
  gint64 s = add_session(f->store);
  gint64 d = add_user(f->store, "db01", "delegate");
  gint64 c = add_user(f->store, "chutoa", "chair");
  gint64 t = add_user(f->store, "kythuat", "technician");
  g_autoptr(json_t) ok = json_pack("[II]", (json_int_t)d, (json_int_t)c);
  g_assert_true(rc_store_session_set_delegates(f->store, s, ok, NULL));
  g_autoptr(json_t) bad = json_pack("[II]", (json_int_t)d, (json_int_t)t);
  g_autoptr(GError) error = NULL;
  g_assert_false(rc_store_session_set_delegates(f->store, s, bad, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID);
  g_autoptr(json_t) list = rc_store_session_delegates(f->store, s, NULL);
  g_assert_cmpuint(json_array_size(list), ==, 2); /* unchanged */
  g_assert_true(rc_store_session_has_delegate(f->store, s, c));
  g_assert_false(rc_store_session_has_delegate(f->store, s, t));
  g_autoptr(json_t) mine = rc_store_sessions_list(f->store, NULL, d, NULL);
  g_autoptr(json_t) theirs = rc_store_sessions_list(f->store, NULL, t, NULL);
  g_assert_cmpuint(json_array_size(mine), ==, 1);
  g_assert_cmpuint(json_array_size(theirs), ==, 0);
}

static const char *
status_of(json_t *entry)
{
  return json_string_value(json_object_get(entry, "status"));
}

static void
test_attendance(fixture *f, gconstpointer data)
{
  (void)data;
  gint64 s = add_session(f->store);
  gint64 a = add_user(f->store, "db01", "delegate");
  gint64 b = add_user(f->store, "db02", "delegate");
  gint64 stranger = add_user(f->store, "db03", "delegate");
  g_autoptr(json_t) ids = json_pack("[II]", (json_int_t)a, (json_int_t)b);
  g_assert_true(rc_store_session_set_delegates(f->store, s, ids, NULL));
  g_autoptr(json_t) e1 = rc_store_attendance_record(f->store, s, a, "in", "tablet", NULL);
  g_assert_cmpstr(status_of(e1), ==, "present");
  g_assert_nonnull(json_string_value(json_object_get(e1, "first_in")));
  g_assert_cmpstr(json_string_value(json_object_get(e1, "method")), ==, "tablet");
  g_autoptr(json_t) e2 = rc_store_attendance_record(f->store, s, a, "in", "tablet", NULL); /* no-op */
  g_assert_cmpstr(status_of(e2), ==, "present");
  g_autoptr(json_t) e3 = rc_store_attendance_record(f->store, s, b, "out", "tablet", NULL); /* not in: no-op */
  g_assert_cmpstr(status_of(e3), ==, "absent");
  g_autoptr(json_t) e4 = rc_store_attendance_record(f->store, s, a, "out", "console", NULL);
  g_assert_cmpstr(status_of(e4), ==, "left");
  g_autoptr(GError) error = NULL;
  g_assert_null(rc_store_attendance_record(f->store, s, stranger, "in", "tablet", &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_NOT_FOUND);
  g_autoptr(json_t) all = rc_store_attendance(f->store, s, NULL);
  g_assert_cmpint(json_integer_value(json_object_get(all, "present")), ==, 0);
  g_assert_cmpint(json_integer_value(json_object_get(all, "expected")), ==, 2);
  g_autoptr(json_t) back = rc_store_attendance_record(f->store, s, a, "in", "tablet", NULL);
  g_assert_cmpstr(status_of(back), ==, "present");
  g_assert_true(json_is_null(json_object_get(back, "last_out")));
}

static void
test_audit_append_only(fixture *f, gconstpointer data)
{
  (void)data;
  g_assert_true(rc_store_audit(f->store, 0, "login.failed", "user:x", NULL, NULL));
  g_autoptr(json_t) rows = rc_store_audit_list(f->store, 10, NULL);
  g_assert_cmpuint(json_array_size(rows), ==, 1);
  g_autofree char *path = g_build_filename(f->dir, "roomctl.db", NULL);
  sqlite3 *db;
  g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_exec(db, "UPDATE audit_log SET action='x'", NULL, NULL, NULL), !=, SQLITE_OK);
  g_assert_cmpint(sqlite3_exec(db, "DELETE FROM audit_log", NULL, NULL, NULL), !=, SQLITE_OK);
  sqlite3_close(db);
  g_autoptr(json_t) still = rc_store_audit_list(f->store, 10, NULL);
  g_assert_cmpuint(json_array_size(still), ==, 1);
}

static void
test_sites_hierarchy(fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  g_autoptr(json_t) p = json_pack("{ss ss ss}", "code", "TINH", "name", "Tỉnh", "level", "province");
  gint64 pid = rc_store_site_create(f->store, p, &error);
  g_assert_no_error(error);
  g_autoptr(json_t) orphan = json_pack("{ss ss ss}", "code", "X1", "name", "Xã", "level", "commune");
  g_assert_cmpint(rc_store_site_create(f->store, orphan, &error), ==, 0);
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID);
  g_clear_error(&error);
  g_autoptr(json_t) commune_under_province =
      json_pack("{ss ss ss sI}", "code", "X1", "name", "Xã", "level", "commune", "parent_id", (json_int_t)pid);
  g_assert_cmpint(rc_store_site_create(f->store, commune_under_province, &error), ==, 0);
  g_clear_error(&error);
  g_autoptr(json_t) d = json_pack("{ss ss ss sI}", "code", "H01", "name", "Huyện", "level", "district", "parent_id", (json_int_t)pid);
  gint64 did = rc_store_site_create(f->store, d, &error);
  g_assert_no_error(error);
  g_assert_cmpint(rc_store_site_id_by_code(f->store, "H01"), ==, did);
  g_assert_false(rc_store_site_delete(f->store, pid, &error)); /* has a child */
  g_assert_error(error, RC_ERROR, RC_ERROR_CONFLICT);
  g_autoptr(json_t) districts = rc_store_sites_list(f->store, "district", pid, NULL);
  g_assert_cmpuint(json_array_size(districts), ==, 1);
}

static GPtrArray *
group_of(gint64 *users, const int *options, guint n)
{
  GPtrArray *g = g_ptr_array_new();
  for (guint i = 0; i < n; i++) {
    rc_secret_ballot *b = g_new0(rc_secret_ballot, 1);
    b->user_id = users[i];
    b->option = options[i];
    b->ballot_key = g_strdup_printf("key-%u", i);
    g_ptr_array_add(g, b);
  }
  return g;
}

static void
group_free(GPtrArray *g)
{
  for (guint i = 0; i < g->len; i++) {
    g_free(((rc_secret_ballot *)g->pdata[i])->ballot_key);
    g_free(g->pdata[i]);
  }
  g_ptr_array_unref(g);
}

/* A sealed group: its voters, and the counts raised by the group's totals;
 * a group that cannot be written (a voter twice) changes nothing. */
static void
test_secret_groups(fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  gint64 session = add_session(f->store);
  g_autoptr(json_t) options = json_pack("[sss]", "yes", "no", "abstain");
  gint64 vote = rc_store_vote_create(f->store, session, 0, "Q?", options, TRUE, FALSE, NULL, 0, &error);
  g_assert_no_error(error);
  gint64 users[8];
  for (int i = 0; i < 8; i++) {
    g_autofree char *name = g_strdup_printf("kin%d", i);
    users[i] = add_user(f->store, name, "delegate");
  }
  GPtrArray *g1 = group_of(users, (const int[]){0, 1, 0, 2, 0}, 5);
  g_assert_true(rc_store_secret_ballots_seal(f->store, vote, g1, &error));
  g_assert_no_error(error);
  group_free(g1);
  g_autoptr(json_t) tally = rc_store_vote_tally(f->store, vote, &error);
  g_autofree char *t1 = json_dumps(tally, JSON_COMPACT | JSON_SORT_KEYS);
  g_assert_cmpstr(t1, ==, "[{\"count\":3,\"option\":0},{\"count\":1,\"option\":1},{\"count\":1,\"option\":2}]");
  /* users[4] again: the primary key refuses it, and the whole group goes. */
  GPtrArray *bad = group_of(users + 4, (const int[]){1, 1, 1}, 3);
  g_assert_false(rc_store_secret_ballots_seal(f->store, vote, bad, &error));
  g_clear_error(&error);
  group_free(bad);
  g_autoptr(json_t) voters = rc_store_vote_voters(f->store, vote, &error);
  g_assert_cmpuint(json_array_size(voters), ==, 5);
  GPtrArray *g2 = group_of(users + 5, (const int[]){1, 1, 2}, 3);
  g_assert_true(rc_store_secret_ballots_seal(f->store, vote, g2, &error));
  group_free(g2);
  g_autoptr(json_t) tally2 = rc_store_vote_tally(f->store, vote, &error);
  g_autofree char *t2 = json_dumps(tally2, JSON_COMPACT | JSON_SORT_KEYS);
  g_assert_cmpstr(t2, ==, "[{\"count\":3,\"option\":0},{\"count\":3,\"option\":1},{\"count\":2,\"option\":2}]");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, fixture, NULL, setup, fn, teardown)
  ADD("/store/schema-and-reopen", test_schema_and_reopen);
  ADD("/store/newer-schema-refused", test_newer_schema_refused);
  ADD("/store/users-unique-and-sql-text", test_users_unique_and_sql_text);
  ADD("/store/tokens", test_tokens);
  ADD("/store/agenda-tree", test_agenda_tree);
  ADD("/store/documents", test_documents);
  ADD("/store/assignments-all-or-nothing", test_assignments_all_or_nothing);
  ADD("/store/attendance", test_attendance);
  ADD("/store/audit-append-only", test_audit_append_only);
  ADD("/store/sites-hierarchy", test_sites_hierarchy);
  ADD("/store/secret-groups", test_secret_groups);
  ADD("/store/organisations-migration", test_organisations_migration);
  ADD("/store/organisations-tree", test_organisations_tree);
  ADD("/store/assignment-reach", test_assignment_reach);
  return g_test_run();
}
