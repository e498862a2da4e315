/* Unit tests for the app's use cases moved out of api/ (accounts,
 * session-plan, agenda, agenda-documents): each change and its audit row
 * are one commit. With the audit log refusing rows (a trigger added behind
 * the store's back), the change is refused and nothing of it is stored;
 * without it, the change and its row are both there. */
#include "store-fixture.h"
#include "app/accounts.h"
#include "app/agenda-documents.h"
#include "app/agenda.h"
#include "base/rc-error.h"
#include "app/session-plan.h"

#include <sqlite3.h>

typedef struct {
  fixture f;
  rc_meeting *meeting;
  rc_domain *domain;
  rc_accounts *accounts;
  rc_session_plan *plan;
  rc_agenda *agenda;
  rc_agenda_documents *documents;
} afx;

static void
a_setup(afx *a, gconstpointer data)
{
  setup(&a->f, data);
  a->meeting = rc_meeting_new(64);
  a->domain = rc_domain_new();
  a->accounts = rc_accounts_new(a->f.store, NULL, a->domain); /* no password is hashed here */
  a->plan = rc_session_plan_new(a->f.store, a->meeting, a->domain);
  a->agenda = rc_agenda_new(a->f.store, a->meeting);
  a->documents = rc_agenda_documents_new(a->f.store, a->meeting);
}

static void
a_teardown(afx *a, gconstpointer data)
{
  rc_agenda_documents_free(a->documents);
  rc_agenda_free(a->agenda);
  rc_session_plan_free(a->plan);
  rc_accounts_free(a->accounts);
  rc_domain_free(a->domain);
  rc_meeting_free(a->meeting);
  teardown(&a->f, data);
}

/* Another connection makes the audit log refuse every new row. */
static void
refuse_audit(afx *a)
{
  g_autofree char *path = g_build_filename(a->f.dir, "roomctl.db", NULL);
  sqlite3 *db = NULL;
  g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_exec(db,
                               "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log "
                               "BEGIN SELECT RAISE(ABORT, 'audit refused'); END",
                               NULL, NULL, NULL),
                  ==, SQLITE_OK);
  sqlite3_close(db);
}

/* How many audit rows have @action. */
static int
audited(afx *a, const char *action)
{
  g_autoptr(json_t) rows = rc_store_audit_list(a->f.store, 1000, NULL);
  size_t i;
  json_t *r;
  int n = 0;
  json_array_foreach(rows, i, r)
    n += g_strcmp0(json_string_value(json_object_get(r, "action")), action) == 0;
  return n;
}

static json_t *
site_fields(const char *code)
{
  return json_pack("{ss ss ss}", "code", code, "name", "Xã Một", "level", "province");
}

static void
test_site_create(afx *a, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  g_autoptr(json_t) f1 = site_fields("P01");
  gint64 id = rc_accounts_site_create(a->accounts, f1, 1, &error);
  g_assert_no_error(error);
  g_assert_cmpint(id, >, 0);
  g_assert_cmpint(audited(a, "site.create"), ==, 1);

  refuse_audit(a);
  g_autoptr(json_t) f2 = site_fields("P02");
  g_assert_cmpint(rc_accounts_site_create(a->accounts, f2, 1, &error), ==, 0);
  g_assert_nonnull(error);
  g_autoptr(json_t) sites = rc_store_sites_list(a->f.store, NULL, 0, NULL);
  g_assert_cmpuint(json_array_size(sites), ==, 1); /* P02 is not there */
  g_clear_error(&error);
  g_assert_false(rc_accounts_site_delete(a->accounts, id, 1, &error));
  g_autoptr(json_t) still = rc_store_site_get(a->f.store, id, NULL);
  g_assert_nonnull(still);
}

typedef struct {
  gboolean called;
  gint64 id;
  gboolean relogin;
  GError *error;
} saved;

static void
on_saved(gint64 id, gboolean relogin, const GError *error, gpointer data)
{
  saved *s = data;
  s->called = TRUE;
  s->id = id;
  s->relogin = relogin;
  s->error = error ? g_error_copy(error) : NULL;
}

static void
test_user_update_and_delete(afx *a, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  gint64 admin = rc_store_user_create(a->f.store, "quantri", "Quản trị", "admin", "x", NULL, NULL, &error);
  gint64 id = rc_store_user_create(a->f.store, "daibieu1", "Đại biểu Một", "delegate", "x", NULL, NULL, &error);
  g_assert_no_error(error);
  g_autoptr(json_t) role = json_pack("{ss}", "role", "chair");
  rc_account_user change = {.id = id, .fields = role, .by = admin};
  saved s = {0};
  g_assert_true(rc_accounts_user_save(a->accounts, &change, on_saved, &s, &error));
  g_assert_true(s.called); /* no password: written at once */
  g_assert_no_error(s.error);
  g_assert_cmpint(s.id, ==, id);
  g_assert_true(s.relogin);
  g_assert_cmpint(audited(a, "user.role"), ==, 1);

  /* Your own role stays. */
  rc_account_user self = {.id = admin, .fields = role, .by = admin};
  g_assert_false(rc_accounts_user_save(a->accounts, &self, on_saved, &s, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID_STATE);
  g_clear_error(&error);

  refuse_audit(a);
  g_autoptr(json_t) back = json_pack("{ss}", "role", "delegate");
  change.fields = back;
  saved t = {0};
  g_assert_true(rc_accounts_user_save(a->accounts, &change, on_saved, &t, &error));
  g_assert_true(t.called);
  g_assert_nonnull(t.error);
  g_assert_cmpint(t.id, ==, 0);
  g_autoptr(json_t) user = rc_store_user_get(a->f.store, id, NULL);
  g_assert_cmpstr(json_string_value(json_object_get(user, "role")), ==, "chair");
  g_clear_error(&t.error);
  g_assert_false(rc_accounts_user_delete(a->accounts, id, admin, &error));
  g_autoptr(json_t) kept = rc_store_user_get(a->f.store, id, NULL);
  g_assert_nonnull(kept);
}

static void
test_session_plan(afx *a, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  g_autoptr(json_t) f = json_pack("{ss ss ss}", "title", "Kỳ họp", "starts_at", "2026-12-01T01:00:00Z", "ends_at",
                                  "2026-12-01T04:00:00Z");
  gint64 id = rc_session_plan_create(a->plan, f, 1, &error);
  g_assert_no_error(error);
  g_assert_cmpint(audited(a, "session.create"), ==, 1);

  g_autoptr(json_t) late = json_pack("{ss}", "ends_at", "2026-12-01T00:00:00Z");
  g_assert_false(rc_session_plan_update(a->plan, id, late, 1, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID);
  g_clear_error(&error);

  refuse_audit(a);
  g_assert_cmpint(rc_session_plan_create(a->plan, f, 1, &error), ==, 0);
  g_clear_error(&error);
  g_autoptr(json_t) title = json_pack("{ss}", "title", "Đổi tên");
  g_assert_false(rc_session_plan_update(a->plan, id, title, 1, &error));
  g_clear_error(&error);
  g_assert_false(rc_session_plan_delete(a->plan, id, 1, &error));
  g_autoptr(json_t) list = rc_store_sessions_list(a->f.store, NULL, 0, NULL);
  g_assert_cmpuint(json_array_size(list), ==, 1);
  g_autoptr(json_t) s = rc_store_session_get(a->f.store, id, NULL);
  g_assert_cmpstr(json_string_value(json_object_get(s, "title")), ==, "Kỳ họp");
}

static void
test_documents(afx *a, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  g_autoptr(json_t) f = json_pack("{ss ss ss}", "title", "Kỳ họp", "starts_at", "2026-12-01T01:00:00Z", "ends_at",
                                  "2026-12-01T04:00:00Z");
  gint64 sid = rc_session_plan_create(a->plan, f, 1, &error);
  g_autoptr(json_t) item = json_pack("{ss}", "title", "Khai mạc");
  gint64 item_id = rc_agenda_item_add(a->agenda, sid, 0, -1, item, &error);
  g_assert_no_error(error);
  gint64 admin = rc_store_user_create(a->f.store, "quantri", "Quản trị", "admin", "x", NULL, NULL, &error);
  gint64 doc = rc_store_document_create(a->f.store, item_id, "Tờ trình", "t.pdf",
                                        "0000000000000000000000000000000000000000000000000000000000000000", 10, 1,
                                        FALSE, admin, &error);
  g_assert_no_error(error);
  g_assert_true(rc_agenda_documents_set_access(a->documents, doc, TRUE, NULL, 1, &error));
  g_assert_no_error(error);
  g_assert_cmpint(audited(a, "document.access"), ==, 1);

  refuse_audit(a);
  g_assert_false(rc_agenda_documents_set_access(a->documents, doc, FALSE, NULL, 1, &error));
  g_clear_error(&error);
  g_assert_false(rc_agenda_documents_delete(a->documents, doc, 1, &error));
  g_clear_error(&error);
  g_autoptr(json_t) d = rc_store_document_get(a->f.store, doc, NULL);
  g_assert_nonnull(d);
  g_assert_true(json_is_true(json_object_get(d, "confidential")));
  g_assert_cmpint(rc_agenda_documents_delete(a->documents, 9999, 1, &error), ==, FALSE);
  g_assert_error(error, RC_ERROR, RC_ERROR_NOT_FOUND);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add("/app-audit/site-create", afx, NULL, a_setup, test_site_create, a_teardown);
  g_test_add("/app-audit/user-update-delete", afx, NULL, a_setup, test_user_update_and_delete, a_teardown);
  g_test_add("/app-audit/session-plan", afx, NULL, a_setup, test_session_plan, a_teardown);
  g_test_add("/app-audit/documents", afx, NULL, a_setup, test_documents, a_teardown);
  return g_test_run();
}
