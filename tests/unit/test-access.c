/* Unit tests for the access policy's organisations (app/access.c) on a real
 * store: scopes, relations, what lists keep, and what an invited unit reads
 * of a confidential document. The whole policy is tried against the running
 * daemon by tests/integration/access-scope.test.mjs; these pin its logic. */
#include "store-fixture.h"
#include "app/access.h"
#include "base/rc-error.h"

typedef struct {
  fixture f;
  gint64 dept, board, other, inviter;
} ofx;

/* A user row as auth gives it (the token's user). (transfer full) */
static json_t *
user(rc_store *s, const char *name, const char *role, gint64 org_id, gboolean children)
{
  g_autoptr(GError) error = NULL;
  gint64 id = rc_store_user_create(s, name, name, role, "hash", "", "", &error);
  g_assert_no_error(error);
  g_autoptr(json_t) set = json_pack("{sI sb}", "organisation_id", (json_int_t)org_id, "include_children", children);
  g_assert_true(rc_store_user_update(s, id, set, NULL, NULL));
  return rc_store_user_get(s, id, NULL);
}

static gint64
session(rc_store *s, gint64 org_id)
{
  g_autoptr(json_t) f = json_pack("{ss ss ss sI}", "title", "Phiên", "starts_at", "2026-12-07T01:00:00Z", "ends_at",
                                  "2026-12-07T03:00:00Z", "organisation_id", (json_int_t)org_id);
  g_autoptr(GError) error = NULL;
  gint64 id = rc_store_session_create(s, f, &error);
  g_assert_no_error(error);
  return id;
}

static void
o_setup(ofx *o, gconstpointer data)
{
  setup(&o->f, data);
  o->dept = fixture_org(o->f.store, "SO-A", "department", 1);
  o->board = fixture_org(o->f.store, "BQL-A", "board", o->dept);
  o->other = fixture_org(o->f.store, "SO-B", "department", 1);
  o->inviter = fixture_org(o->f.store, "SO-I", "department", 1);
}

static void
o_teardown(ofx *o, gconstpointer data)
{
  teardown(&o->f, data);
}

static void
test_scope(ofx *o, gconstpointer data)
{
  (void)data;
  rc_store *s = o->f.store;
  g_autoptr(json_t) narrow = user(s, "hep", "secretariat", o->dept, FALSE);
  g_autoptr(json_t) wide = user(s, "rong", "secretariat", o->dept, TRUE);
  g_autoptr(json_t) admin = user(s, "qt", "admin", o->other, FALSE);
  g_autoptr(json_t) a = rc_access_scope(s, narrow);
  g_autoptr(json_t) b = rc_access_scope(s, wide);
  g_assert_cmpuint(json_array_size(a), ==, 1);
  g_assert_true(rc_access_in_scope(a, o->dept));
  g_assert_false(rc_access_in_scope(a, o->board));
  g_assert_true(rc_access_in_scope(b, o->board));
  g_assert_false(rc_access_in_scope(b, o->other));
  g_assert_false(rc_access_in_scope(b, 1)); /* not upwards */
  g_assert_null(rc_access_scope(s, admin)); /* a province admin acts on all */
}

static void
test_relations(ofx *o, gconstpointer data)
{
  (void)data;
  rc_store *s = o->f.store;
  g_autoptr(json_t) staff = user(s, "thuky", "secretariat", o->dept, TRUE);
  g_autoptr(json_t) member = user(s, "daibieu", "delegate", o->other, FALSE);
  gint64 own = session(s, o->dept), child = session(s, o->board), other = session(s, o->other);
  gint64 inviting = session(s, o->inviter);
  g_autoptr(json_t) invite = json_pack("[I]", (json_int_t)o->dept);
  g_assert_true(rc_store_session_set_invited(s, inviting, invite, NULL));
  g_autoptr(json_t) members = json_pack("[I]", json_integer_value(json_object_get(member, "id")));
  g_assert_true(rc_store_session_set_delegates(s, other, members, NULL));
  g_assert_cmpint(rc_access_relation(s, staff, own), ==, RC_RELATION_SCOPE);
  g_assert_cmpint(rc_access_relation(s, staff, child), ==, RC_RELATION_SCOPE);
  g_assert_cmpint(rc_access_relation(s, staff, other), ==, RC_RELATION_NONE);
  g_assert_cmpint(rc_access_relation(s, staff, inviting), ==, RC_RELATION_INVITED);
  g_assert_cmpint(rc_access_relation(s, staff, 987654), ==, RC_RELATION_NONE);
  g_assert_cmpint(rc_access_relation(s, member, other), ==, RC_RELATION_MEMBER);
  g_assert_cmpint(rc_access_relation(s, member, own), ==, RC_RELATION_NONE);

  g_autoptr(GError) error = NULL;
  g_assert_true(rc_access_session_for(s, staff, inviting, RC_NEED_READ, "t", &error));
  g_assert_false(rc_access_session_for(s, staff, inviting, RC_NEED_RUN, "t", &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_FORBIDDEN);
  g_clear_error(&error);
  g_assert_false(rc_access_session_for(s, staff, other, RC_NEED_READ, "GET /x", &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_NOT_FOUND);
  g_clear_error(&error);
  g_assert_true(rc_access_session_for(s, member, other, RC_NEED_TAKE_PART, "t", NULL));
  g_assert_false(rc_access_session_for(s, member, other, RC_NEED_RUN, "t", NULL));

  /* The staff's refusal is audited; the list keeps only what they may see. */
  g_autoptr(json_t) audit = rc_store_audit_list(s, 10, NULL);
  gboolean audited = FALSE;
  size_t i;
  json_t *row;
  g_autofree char *target = g_strdup_printf("session:%" G_GINT64_FORMAT, other);
  json_array_foreach(audit, i, row) {
    audited |= g_strcmp0(json_string_value(json_object_get(row, "action")), "access.refused") == 0 &&
               g_strcmp0(json_string_value(json_object_get(row, "target")), target) == 0 &&
               g_strcmp0(json_string_value(json_object_get(row, "detail")), "GET /x") == 0;
  }
  g_assert_true(audited);
  g_autoptr(json_t) list = rc_store_sessions_list(s, NULL, 0, NULL);
  rc_access_filter_sessions(s, staff, list);
  g_assert_cmpuint(json_array_size(list), ==, 3);
  json_array_foreach(list, i, row) {
    gint64 id = json_integer_value(json_object_get(row, "id"));
    g_assert_cmpint(id, !=, other);
    g_assert_cmpstr(json_string_value(json_object_get(row, "access")), ==, id == inviting ? "invited" : "scope");
  }
}

/* An invited unit sees its own people of an attendance list, and nothing
 * of a confidential document it does not read, even as a secretariat. */
static void
test_invited_reads_little(ofx *o, gconstpointer data)
{
  (void)data;
  rc_store *s = o->f.store;
  g_autoptr(json_t) staff = user(s, "thuky", "secretariat", o->dept, FALSE);
  g_autoptr(json_t) mine = user(s, "cuatoi", "delegate", o->dept, FALSE);
  g_autoptr(json_t) theirs = user(s, "cuaho", "delegate", o->inviter, FALSE);
  gint64 sid = session(s, o->inviter);
  g_autoptr(json_t) invite = json_pack("[I]", (json_int_t)o->dept);
  g_assert_true(rc_store_session_set_invited(s, sid, invite, NULL));
  gint64 mine_id = json_integer_value(json_object_get(mine, "id"));
  gint64 theirs_id = json_integer_value(json_object_get(theirs, "id"));
  g_autoptr(json_t) members = json_pack("[II]", (json_int_t)mine_id, (json_int_t)theirs_id);
  g_assert_true(rc_store_session_set_delegates(s, sid, members, NULL));
  g_autoptr(json_t) att = rc_store_attendance(s, sid, NULL);
  json_t *rows = json_object_get(att, "delegates");
  g_assert_cmpuint(json_array_size(rows), ==, 2);
  rc_access_filter_attendance(s, staff, sid, rows);
  g_assert_cmpuint(json_array_size(rows), ==, 1);
  g_assert_cmpint(json_integer_value(json_object_get(json_array_get(rows, 0), "user_id")), ==, mine_id);

  g_autoptr(json_t) item_fields = json_pack("{ss}", "title", "Mục");
  gint64 item = rc_store_agenda_item_create(s, sid, 0, 0, item_fields, NULL);
  gint64 doc = rc_store_document_create(s, item, "Mật", "m.pdf", "ab", 10, 1, FALSE, 0, NULL);
  g_assert_cmpint(doc, >, 0);
  g_autoptr(json_t) readers = json_pack("[I]", (json_int_t)theirs_id);
  g_assert_true(rc_store_document_set_access(s, doc, 1, readers, NULL));
  g_autoptr(GError) error = NULL;
  g_assert_null(rc_access_document(s, staff, doc, "content", &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_FORBIDDEN);
  g_autoptr(json_t) tree = rc_store_agenda_tree(s, sid, NULL);
  rc_access_agenda_for(s, staff, tree);
  json_t *shown = json_array_get(json_object_get(json_array_get(tree, 0), "documents"), 0);
  g_assert_true(json_is_null(json_object_get(shown, "sha256")));
  g_assert_cmpstr(json_string_value(json_object_get(shown, "title")), ==, "Mật");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, ofx, NULL, o_setup, fn, o_teardown)
  ADD("/access/scope", test_scope);
  ADD("/access/relations", test_relations);
  ADD("/access/invited-reads-little", test_invited_reads_little);
  return g_test_run();
}
