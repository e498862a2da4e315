/* Unit tests for recoveries.h (a closed session's documents come back from
 * the tablets): which device ids pass, a tablet noted only for a closed
 * session, a receipt refused before the end or for an open session, one
 * receipt per tablet recorded with its audit row in the same commit (none
 * stored when the audit refuses), a repeat changing nothing, and the
 * per-delegate tablet limit; the store's list grouped by delegate. */
#include "store-fixture.h"
#include "app/recoveries.h"
#include "base/rc-error.h"

#include <sqlite3.h>

typedef struct {
  fixture f;
  rc_meeting *meeting;
  gint64 session, open_session;
  json_t *d1, *d2, *outsider;
} rfx;

static json_t *
user(rc_store *s, const char *name, const char *full_name)
{
  g_autoptr(GError) error = NULL;
  gint64 id = rc_store_user_create(s, name, full_name, "delegate", "x", "", "", &error);
  g_assert_no_error(error);
  return rc_store_user_get(s, id, NULL);
}

static gint64
session(rc_store *s, gboolean closed, json_t *delegates)
{
  g_autoptr(json_t) f = json_pack("{ss ss ss sI sb}", "title", "Phiên kín", "starts_at", "2026-12-07T01:00:00Z",
                                  "ends_at", "2026-12-07T03:00:00Z", "organisation_id", (json_int_t)1, "closed",
                                  closed);
  g_autoptr(GError) error = NULL;
  gint64 id = rc_store_session_create(s, f, &error);
  g_assert_no_error(error);
  g_assert_true(rc_store_session_set_delegates(s, id, delegates, &error));
  g_assert_no_error(error);
  g_assert_true(rc_store_session_set_status(s, id, "live", NULL));
  return id;
}

static void
r_setup(rfx *r, gconstpointer data)
{
  setup(&r->f, data);
  r->meeting = rc_meeting_new(64);
  r->d1 = user(r->f.store, "dbr1", "Bùi Văn A");
  r->d2 = user(r->f.store, "dbr2", "An Thị B");
  r->outsider = user(r->f.store, "dbr3", "Cao Văn C");
  g_autoptr(json_t) ids = json_pack("[II]", (json_int_t)RC_USER_ID(r->d1), (json_int_t)RC_USER_ID(r->d2));
  r->session = session(r->f.store, TRUE, ids);
  r->open_session = session(r->f.store, FALSE, ids);
}

static void
r_teardown(rfx *r, gconstpointer data)
{
  json_decref(r->d1);
  json_decref(r->d2);
  json_decref(r->outsider);
  rc_meeting_free(r->meeting);
  teardown(&r->f, data);
}

static int
audited(rfx *r)
{
  g_autoptr(json_t) rows = rc_store_audit_list(r->f.store, 1000, NULL);
  size_t i;
  json_t *row;
  int n = 0;
  json_array_foreach(rows, i, row)
    n += g_strcmp0(json_string_value(json_object_get(row, "action")), "document.recovered") == 0;
  return n;
}

static json_t *
tablets_of(rfx *r, gint64 session_id, json_t *u)
{
  g_autoptr(json_t) list = rc_store_recoveries(r->f.store, session_id, NULL);
  g_assert_nonnull(list);
  size_t i;
  json_t *d;
  json_array_foreach(list, i, d)
    if (json_integer_value(json_object_get(d, "user_id")) == RC_USER_ID(u))
      return json_incref(json_object_get(d, "tablets"));
  return NULL;
}

static void
test_device_ids(void)
{
  g_assert_true(rc_recoveries_device_valid("0123456789abcdef0123456789abcdef"));
  g_assert_true(rc_recoveries_device_valid("tablet_A-1"));
  g_assert_false(rc_recoveries_device_valid(NULL));
  g_assert_false(rc_recoveries_device_valid("short"));
  g_assert_false(rc_recoveries_device_valid("has space in"));
  g_assert_false(rc_recoveries_device_valid("ends;DROP TABLE"));
  g_autofree char *long_id = g_strnfill(65, 'a');
  g_assert_false(rc_recoveries_device_valid(long_id));
}

static void
test_seen_only_when_closed(rfx *r, gconstpointer data)
{
  (void)data;
  g_autoptr(json_t) closed = rc_store_session_get(r->f.store, r->session, NULL);
  g_autoptr(json_t) open = rc_store_session_get(r->f.store, r->open_session, NULL);
  rc_recoveries_seen(r->f.store, r->d1, closed, "aaaaaaaaaaaaaaaa");
  rc_recoveries_seen(r->f.store, r->d1, closed, "aaaaaaaaaaaaaaaa"); /* again: one row */
  rc_recoveries_seen(r->f.store, r->d1, closed, "bad id");
  rc_recoveries_seen(r->f.store, r->d1, closed, NULL);
  rc_recoveries_seen(r->f.store, r->d1, open, "aaaaaaaaaaaaaaaa");
  g_autoptr(json_t) t = tablets_of(r, r->session, r->d1);
  g_assert_cmpuint(json_array_size(t), ==, 1);
  g_assert_false(json_is_true(json_object_get(json_array_get(t, 0), "recovered")));
  g_autoptr(json_t) none = tablets_of(r, r->open_session, r->d1);
  g_assert_cmpuint(json_array_size(none), ==, 0);
}

static void
test_receipt_rules(rfx *r, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  const char *dev = "cccccccccccccccc";
  g_assert_null(rc_recoveries_receipt(r->f.store, r->meeting, r->d1, r->session, dev, 1, 0, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID_STATE); /* still live */
  g_clear_error(&error);
  g_assert_true(rc_store_session_set_status(r->f.store, r->session, "ended", NULL));
  g_assert_true(rc_store_session_set_status(r->f.store, r->open_session, "ended", NULL));
  g_assert_null(rc_recoveries_receipt(r->f.store, r->meeting, r->d1, r->open_session, dev, 1, 0, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID_STATE); /* not closed */
  g_clear_error(&error);
  g_assert_null(rc_recoveries_receipt(r->f.store, r->meeting, r->d1, r->session, "x y", 1, 0, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID);
  g_clear_error(&error);
  g_assert_null(rc_recoveries_receipt(r->f.store, r->meeting, r->outsider, r->session, dev, 1, 0, &error));
  g_assert_nonnull(error); /* not theirs */
  g_clear_error(&error);
  g_assert_null(rc_recoveries_receipt(r->f.store, r->meeting, r->d1, 4242, dev, 1, 0, &error));
  g_assert_nonnull(error);
  g_clear_error(&error);
  g_assert_cmpint(audited(r), ==, 0);

  g_autoptr(json_t) row = rc_recoveries_receipt(r->f.store, r->meeting, r->d1, r->session, dev, 3, 2, &error);
  g_assert_no_error(error);
  g_assert_false(json_is_true(json_object_get(row, "already")));
  g_assert_cmpint(json_integer_value(json_object_get(row, "documents")), ==, 3);
  g_assert_cmpint(audited(r), ==, 1);
  g_autoptr(json_t) again = rc_recoveries_receipt(r->f.store, r->meeting, r->d1, r->session, dev, 9, 9, &error);
  g_assert_no_error(error);
  g_assert_true(json_is_true(json_object_get(again, "already")));
  g_assert_cmpint(json_integer_value(json_object_get(again, "documents")), ==, 3);
  g_assert_cmpint(audited(r), ==, 1);
  g_autoptr(json_t) t = tablets_of(r, r->session, r->d1);
  g_assert_cmpuint(json_array_size(t), ==, 1);
  json_t *tab = json_array_get(t, 0);
  g_assert_true(json_is_true(json_object_get(tab, "recovered")));
  g_assert_cmpint(json_integer_value(json_object_get(tab, "notes")), ==, 2);
  g_assert_nonnull(json_string_value(json_object_get(tab, "first_seen_at")));
}

static void
test_audit_refused_stores_nothing(rfx *r, gconstpointer data)
{
  (void)data;
  g_assert_true(rc_store_session_set_status(r->f.store, r->session, "ended", NULL));
  tamper(&r->f, "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'no'); END");
  g_autoptr(GError) error = NULL;
  g_assert_null(rc_recoveries_receipt(r->f.store, r->meeting, r->d2, r->session, "dddddddddddddddd", 1, 1, &error));
  g_assert_nonnull(error);
  g_autoptr(json_t) t = tablets_of(r, r->session, r->d2);
  g_assert_cmpuint(json_array_size(t), ==, 0);
}

static void
test_tablet_limit(rfx *r, gconstpointer data)
{
  (void)data;
  g_assert_true(rc_store_session_set_status(r->f.store, r->session, "ended", NULL));
  int ok = 0;
  for (int i = 0; i < 20; i++) {
    g_autofree char *dev = g_strdup_printf("device%04d", i);
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) row = rc_recoveries_receipt(r->f.store, r->meeting, r->d2, r->session, dev, 1, 0, &error);
    ok += row != NULL;
    if (!row)
      g_assert_error(error, RC_ERROR, RC_ERROR_INVALID);
  }
  g_assert_cmpint(ok, ==, 8);
  g_assert_cmpint(audited(r), ==, 8);
  /* One of the eight may still send its receipt again. */
  g_autoptr(GError) error = NULL;
  g_autoptr(json_t) again = rc_recoveries_receipt(r->f.store, r->meeting, r->d2, r->session, "device0003", 1, 0, &error);
  g_assert_no_error(error);
}

static void
test_list_by_delegate(rfx *r, gconstpointer data)
{
  (void)data;
  g_assert_true(rc_store_recovery_seen(r->f.store, r->session, RC_USER_ID(r->d1), "eeeeeeeeeeeeeeee", NULL));
  g_assert_true(rc_store_recovery_seen(r->f.store, r->session, RC_USER_ID(r->d1), "ffffffffffffffff", NULL));
  g_autoptr(json_t) list = rc_store_recoveries(r->f.store, r->session, NULL);
  g_assert_cmpuint(json_array_size(list), ==, 2);
  /* By name: "An Thị B" before "Bùi Văn A". */
  g_assert_cmpstr(json_string_value(json_object_get(json_array_get(list, 0), "username")), ==, "dbr2");
  g_assert_cmpuint(json_array_size(json_object_get(json_array_get(list, 0), "tablets")), ==, 0);
  g_assert_cmpuint(json_array_size(json_object_get(json_array_get(list, 1), "tablets")), ==, 2);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/recoveries/device-ids", test_device_ids);
  g_test_add("/recoveries/seen-only-when-closed", rfx, NULL, r_setup, test_seen_only_when_closed, r_teardown);
  g_test_add("/recoveries/receipt-rules", rfx, NULL, r_setup, test_receipt_rules, r_teardown);
  g_test_add("/recoveries/audit-refused", rfx, NULL, r_setup, test_audit_refused_stores_nothing, r_teardown);
  g_test_add("/recoveries/tablet-limit", rfx, NULL, r_setup, test_tablet_limit, r_teardown);
  g_test_add("/recoveries/list-by-delegate", rfx, NULL, r_setup, test_list_by_delegate, r_teardown);
  return g_test_run();
}
