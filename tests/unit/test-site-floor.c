/* Unit tests for the sites asking for the floor (app/site-floor.c): only a
 * site of a live session asks; asking twice keeps the first place; the
 * list is in the order asked and survives a reopened store; withdrawing
 * ends the request (and withdrawing again is refused); each change is
 * audited in its commit (a refused audit row refuses the change); a site
 * that leaves the session and a session that ends drop the requests; each
 * change is announced as floor.sites.updated (to the tablets' topic, and the
 * technicians', whose copies these tests skip). */
#include "store-fixture.h"
#include "app/site-floor.h"
#include "base/rc-error.h"

#include <sqlite3.h>
#include <string.h>

typedef struct {
  fixture f;
  rc_meeting *meeting;
  rc_domain *domain;
  rc_site_floor *floor;
  GPtrArray *frames; /* each announced frame's text */
  gint64 session, h01, h02, h03;
} sfx;

static void
on_frame(gint64 session_id, GBytes *frame, gpointer data)
{
  sfx *x = data;
  if (session_id < 0)
    return; /* the technicians' copy of the same event */
  gsize n;
  const char *text = g_bytes_get_data(frame, &n);
  g_ptr_array_add(x->frames, g_strndup(text, n));
}

static gint64
add_site(rc_store *s, const char *code)
{
  g_autoptr(json_t) f = json_pack("{ss ss ss ss}", "code", code, "name", code, "level", "province", "transport", "sip");
  g_autoptr(GError) error = NULL;
  gint64 id = rc_store_site_create(s, f, &error);
  g_assert_no_error(error);
  return id;
}

static void
set_sites(sfx *x, json_t *ids)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(rc_store_session_set_sites(x->f.store, x->session, ids, &error));
  g_assert_no_error(error);
  rc_domain_event e = {.kind = RC_DOMAIN_SITES_CHANGED, .session_id = x->session};
  rc_domain_publish(x->domain, &e);
}

static void
x_setup(sfx *x, gconstpointer data)
{
  setup(&x->f, data);
  x->meeting = rc_meeting_new(64);
  x->frames = g_ptr_array_new_with_free_func(g_free);
  rc_meeting_set_sink(x->meeting, on_frame, x);
  x->domain = rc_domain_new();
  x->floor = rc_site_floor_new(x->f.store, x->meeting);
  rc_site_floor_follow(x->floor, x->domain);
  x->h01 = add_site(x->f.store, "H01");
  x->h02 = add_site(x->f.store, "H02");
  x->h03 = add_site(x->f.store, "H03");
  g_autoptr(json_t) s = json_pack("{ss ss ss}", "title", "Kỳ họp", "starts_at", "2026-11-25T01:00:00Z", "ends_at",
                                  "2026-11-25T05:00:00Z");
  g_autoptr(GError) error = NULL;
  x->session = rc_store_session_create(x->f.store, s, &error);
  g_assert_no_error(error);
  g_autoptr(json_t) ids = json_pack("[I I]", (json_int_t)x->h01, (json_int_t)x->h02);
  set_sites(x, ids);
}

static void
x_teardown(sfx *x, gconstpointer data)
{
  rc_site_floor_free(x->floor);
  rc_domain_free(x->domain);
  rc_meeting_free(x->meeting);
  g_ptr_array_unref(x->frames);
  teardown(&x->f, data);
}

static void
go_live(sfx *x)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(rc_store_session_set_status(x->f.store, x->session, "live", &error));
  g_assert_no_error(error);
}

/* The codes of the sites asking, in order, as "H02,H01". (transfer full) */
static char *
codes(json_t *list)
{
  g_autoptr(GString) s = g_string_new(NULL);
  size_t i;
  json_t *r;
  json_array_foreach(json_object_get(list, "sites"), i, r)
    g_string_append_printf(s, "%s%s", i ? "," : "", json_string_value(json_object_get(r, "code")));
  return g_string_free(g_steal_pointer(&s), FALSE);
}

static gint64
count(sfx *x, const char *sql)
{
  g_autofree char *path = g_build_filename(x->f.dir, "roomctl.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  gint64 n = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return n;
}

static void
test_only_a_site_of_a_live_session(sfx *x, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  g_assert_null(rc_site_floor_ask(x->floor, x->session, x->h01, RC_SITE_FLOOR_VIA_SITE, 0, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID_STATE);
  g_clear_error(&error);
  go_live(x);
  g_assert_null(rc_site_floor_ask(x->floor, x->session, x->h03, RC_SITE_FLOOR_VIA_SITE, 0, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID);
  g_clear_error(&error);
  g_assert_null(rc_site_floor_ask(x->floor, x->session + 1, x->h01, RC_SITE_FLOOR_VIA_SITE, 0, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_NOT_FOUND);
  g_clear_error(&error);
  g_assert_cmpuint(x->frames->len, ==, 0);
  g_assert_cmpint(count(x, "SELECT count(*) FROM site_floor_requests"), ==, 0);
}

static void
test_order_place_and_restart(sfx *x, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  go_live(x);
  g_autoptr(json_t) a = rc_site_floor_ask(x->floor, x->session, x->h02, RC_SITE_FLOOR_VIA_KEYPAD, 0, &error);
  g_autoptr(json_t) b = rc_site_floor_ask(x->floor, x->session, x->h01, RC_SITE_FLOOR_VIA_STAFF, 7, &error);
  g_autoptr(json_t) again = rc_site_floor_ask(x->floor, x->session, x->h02, RC_SITE_FLOOR_VIA_SITE, 0, &error);
  g_assert_no_error(error);
  g_autofree char *now = codes(again);
  g_assert_cmpstr(now, ==, "H02,H01");
  json_t *first = json_array_get(json_object_get(again, "sites"), 0);
  g_assert_cmpstr(json_string_value(json_object_get(first, "via")), ==, "keypad"); /* the first request stays */
  g_assert_true(json_is_string(json_object_get(first, "requested_at")));
  g_assert_cmpuint(x->frames->len, ==, 2); /* asking again changes nothing: not announced */
  g_assert_nonnull(strstr(g_ptr_array_index(x->frames, 1), "\"floor.sites.updated\""));
  g_assert_cmpint(count(x, "SELECT count(*) FROM audit_log WHERE action = 'floor.site.request'"), ==, 2);
  /* A restarted controller reads the same list. */
  rc_store_close(x->f.store);
  x->f.store = rc_store_open(x->f.dir, &error);
  g_assert_no_error(error);
  g_autoptr(json_t) after = rc_site_floor_json(x->f.store, x->session);
  g_autofree char *kept = codes(after);
  g_assert_cmpstr(kept, ==, "H02,H01");
  /* The store the use case holds was closed: a new one for the rest. */
  rc_site_floor_free(x->floor);
  rc_domain_free(x->domain);
  x->domain = rc_domain_new();
  x->floor = rc_site_floor_new(x->f.store, x->meeting);
}

static void
test_withdraw(sfx *x, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  go_live(x);
  g_autoptr(json_t) a = rc_site_floor_ask(x->floor, x->session, x->h01, RC_SITE_FLOOR_VIA_SITE, 0, &error);
  g_autoptr(json_t) w = rc_site_floor_withdraw(x->floor, x->session, x->h01, RC_SITE_FLOOR_VIA_SITE, 0, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(json_array_size(json_object_get(w, "sites")), ==, 0);
  g_assert_null(rc_site_floor_withdraw(x->floor, x->session, x->h01, RC_SITE_FLOOR_VIA_SITE, 0, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_NOT_FOUND);
  g_assert_cmpint(count(x, "SELECT count(*) FROM site_floor_requests WHERE outcome = 'withdrawn'"), ==, 1);
  g_assert_cmpint(count(x, "SELECT count(*) FROM audit_log WHERE action = 'floor.site.withdraw'"
                           " AND detail = 'via site'"), ==, 1);
  /* Asked again after withdrawing: a new request, last in the list. */
  g_autoptr(json_t) b = rc_site_floor_ask(x->floor, x->session, x->h02, RC_SITE_FLOOR_VIA_SITE, 0, NULL);
  g_autoptr(json_t) c = rc_site_floor_ask(x->floor, x->session, x->h01, RC_SITE_FLOOR_VIA_SITE, 0, NULL);
  g_autofree char *now = codes(c);
  g_assert_cmpstr(now, ==, "H02,H01");
}

static void
test_audit_refused_refuses_the_request(sfx *x, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  go_live(x);
  g_autofree char *path = g_build_filename(x->f.dir, "roomctl.db", NULL);
  sqlite3 *db = NULL;
  g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_exec(db, "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log "
                                   "BEGIN SELECT RAISE(ABORT, 'audit refused'); END", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close(db);
  g_assert_null(rc_site_floor_ask(x->floor, x->session, x->h01, RC_SITE_FLOOR_VIA_SITE, 0, &error));
  g_assert_nonnull(error);
  g_assert_cmpint(count(x, "SELECT count(*) FROM site_floor_requests"), ==, 0);
  g_assert_cmpuint(x->frames->len, ==, 0);
}

static void
test_dropped_when_leaving_or_ended(sfx *x, gconstpointer data)
{
  (void)data;
  go_live(x);
  g_autoptr(json_t) a = rc_site_floor_ask(x->floor, x->session, x->h01, RC_SITE_FLOOR_VIA_SITE, 0, NULL);
  g_autoptr(json_t) b = rc_site_floor_ask(x->floor, x->session, x->h02, RC_SITE_FLOOR_VIA_SITE, 0, NULL);
  g_autoptr(json_t) ids = json_pack("[I]", (json_int_t)x->h02);
  set_sites(x, ids); /* H01 leaves */
  g_autoptr(json_t) left = rc_site_floor_json(x->f.store, x->session);
  g_autofree char *now = codes(left);
  g_assert_cmpstr(now, ==, "H02");
  g_assert_cmpuint(x->frames->len, ==, 3);
  g_assert_cmpint(count(x, "SELECT count(*) FROM site_floor_requests WHERE outcome = 'dropped'"), ==, 1);
  rc_domain_event e = {.kind = RC_DOMAIN_SESSION_ENDED, .session_id = x->session};
  rc_domain_publish(x->domain, &e);
  g_autoptr(json_t) ended = rc_site_floor_json(x->f.store, x->session);
  g_assert_cmpuint(json_array_size(json_object_get(ended, "sites")), ==, 0);
  g_assert_cmpuint(x->frames->len, ==, 4);
  g_assert_cmpint(count(x, "SELECT count(*) FROM site_floor_requests WHERE ended_at IS NULL"), ==, 0);
}

static void
test_granted_in_the_floor_log_commit(sfx *x, gconstpointer data)
{
  (void)data;
  go_live(x);
  g_autoptr(json_t) a = rc_site_floor_ask(x->floor, x->session, x->h01, RC_SITE_FLOOR_VIA_SITE, 0, NULL);
  g_autoptr(json_t) b = rc_site_floor_ask(x->floor, x->session, x->h02, RC_SITE_FLOOR_VIA_SITE, 0, NULL);
  g_autoptr(GError) error = NULL;
  g_assert_cmpint(rc_store_site_floor_end(x->f.store, x->session, x->h02, "granted", &error), ==, 1);
  g_assert_cmpint(rc_store_site_floor_end(x->f.store, x->session, x->h02, "granted", &error), ==, 0);
  g_assert_no_error(error);
  g_autoptr(json_t) now = rc_site_floor_json(x->f.store, x->session);
  g_autofree char *c = codes(now);
  g_assert_cmpstr(c, ==, "H01");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL);
  g_test_add("/site-floor/only-a-site-of-a-live-session", sfx, NULL, x_setup, test_only_a_site_of_a_live_session,
             x_teardown);
  g_test_add("/site-floor/order-place-and-restart", sfx, NULL, x_setup, test_order_place_and_restart, x_teardown);
  g_test_add("/site-floor/withdraw", sfx, NULL, x_setup, test_withdraw, x_teardown);
  g_test_add("/site-floor/audit-refused", sfx, NULL, x_setup, test_audit_refused_refuses_the_request, x_teardown);
  g_test_add("/site-floor/dropped", sfx, NULL, x_setup, test_dropped_when_leaving_or_ended, x_teardown);
  g_test_add("/site-floor/granted", sfx, NULL, x_setup, test_granted_in_the_floor_log_commit, x_teardown);
  return g_test_run();
}
