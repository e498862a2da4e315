/* Unit tests for store-sip: a SIP call's story written change by change,
 * read back as …/sip/calls shows it, closed at start when a run left it
 * open, kept with its session, and joined to the site attendance. */
#include "store-fixture.h"
#include "base/rc-error.h"

typedef struct {
  fixture f;
  gint64 session_id, site_id;
} sfx;

static void
ssetup(sfx *s, gconstpointer data)
{
  setup(&s->f, data);
  g_autoptr(GError) error = NULL;
  g_autoptr(json_t) session =
    json_pack("{ss ss ss}", "title", "Kỳ họp", "starts_at", "2026-11-25T01:00:00Z", "ends_at", "2026-11-25T05:00:00Z");
  s->session_id = rc_store_session_create(s->f.store, session, &error);
  g_assert_no_error(error);
  g_autoptr(json_t) site =
    json_pack("{ss ss ss ss}", "code", "XA01", "name", "Xã 1", "level", "province", "transport", "sip");
  s->site_id = rc_store_site_create(s->f.store, site, &error);
  g_assert_no_error(error);
}

static void
steardown(sfx *s, gconstpointer data)
{
  teardown(&s->f, data);
}

/* A call the controller makes to the site, started at @at. */
static gint64
add_call(sfx *s, const char *at)
{
  g_autoptr(GError) error = NULL;
  rc_store_sip_call call = {.session_id = s->session_id,
                            .site_id = s->site_id,
                            .site_code = "XA01",
                            .outgoing = TRUE,
                            .call_id = "",
                            .state = "calling",
                            .caller = "controller",
                            .from = "sip:roomctl@127.0.0.1:5062",
                            .source = "sip:xa01@127.0.0.1:5070",
                            .transport = "",
                            .srtp_policy = "required",
                            .started_at = at};
  gint64 id = rc_store_sip_call_add(s->f.store, &call, &error);
  g_assert_no_error(error);
  g_assert_cmpint(id, >, 0);
  return id;
}

static json_t *
calls(sfx *s, int limit)
{
  g_autoptr(GError) error = NULL;
  json_t *rows = rc_store_sip_calls(s->f.store, s->session_id, limit, &error);
  g_assert_no_error(error);
  return rows;
}

#define STR(o, k) json_string_value(json_object_get((o), (k)))

static void
test_story(sfx *s, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  gint64 id = add_call(s, "2026-11-25T01:00:00Z");
  g_autoptr(json_t) made = calls(s, 10);
  g_assert_cmpint(json_array_size(made), ==, 1);
  json_t *r = json_array_get(made, 0);
  g_assert_cmpstr(STR(r, "state"), ==, "calling");
  g_assert_cmpstr(STR(r, "direction"), ==, "out");
  g_assert_true(json_is_null(json_object_get(r, "cause")));
  g_assert_true(json_is_null(json_object_get(json_object_get(r, "media"), "video")));

  g_assert_true(rc_store_sip_call_ringing(s->f.store, id, "ringing", "2026-11-25T01:00:01Z", &error));
  g_assert_true(rc_store_sip_call_connected(s->f.store, id, "2026-11-25T01:00:03Z", &error));
  g_assert_true(rc_store_sip_call_media(s->f.store, id, "H264", "PCMA", TRUE, &error));
  g_assert_true(
    rc_store_sip_call_ended(s->f.store, id, "ended", "2026-11-25T02:00:00Z", "site", 200, "OK (BYE)", &error));
  g_assert_no_error(error);
  g_autoptr(json_t) ended = calls(s, 10);
  r = json_array_get(ended, 0);
  g_assert_cmpint(json_integer_value(json_object_get(r, "id")), ==, id);
  g_assert_cmpint(json_integer_value(json_object_get(r, "site_id")), ==, s->site_id);
  g_assert_cmpstr(STR(r, "site_code"), ==, "XA01");
  g_assert_cmpstr(STR(r, "caller"), ==, "controller");
  g_assert_cmpstr(STR(r, "from"), ==, "sip:roomctl@127.0.0.1:5062");
  g_assert_cmpstr(STR(r, "source"), ==, "sip:xa01@127.0.0.1:5070");
  g_assert_cmpstr(STR(r, "state"), ==, "ended");
  g_assert_cmpstr(STR(r, "ringing_at"), ==, "2026-11-25T01:00:01Z");
  g_assert_cmpstr(STR(r, "connected_at"), ==, "2026-11-25T01:00:03Z");
  g_assert_cmpstr(STR(r, "ended_at"), ==, "2026-11-25T02:00:00Z");
  g_assert_cmpstr(STR(r, "ended_by"), ==, "site");
  g_assert_cmpstr(STR(r, "srtp"), ==, "required");
  g_assert_cmpint(json_integer_value(json_object_get(json_object_get(r, "cause"), "status")), ==, 200);
  g_assert_cmpstr(STR(json_object_get(r, "cause"), "phrase"), ==, "OK (BYE)");
  json_t *media = json_object_get(r, "media");
  g_assert_cmpstr(STR(json_object_get(media, "video"), "codec"), ==, "H264");
  g_assert_cmpstr(STR(json_object_get(media, "audio"), "codec"), ==, "PCMA");
  g_assert_true(json_is_true(json_object_get(json_object_get(media, "audio"), "srtp")));
  g_assert_true(json_is_true(json_object_get(r, "stored")));
  g_assert_null(json_object_get(r, "from_uri"));
  g_assert_null(json_object_get(r, "cause_status"));

  /* A refusal before the call began: no one hung up; a cause of 0 is none. */
  gint64 refused = add_call(s, "2026-11-25T03:00:00Z");
  g_assert_true(rc_store_sip_call_ended(s->f.store, refused, "refused", "2026-11-25T03:00:00Z", NULL, 0, NULL, &error));
  g_autoptr(json_t) both = calls(s, 10);
  r = json_array_get(both, 1);
  g_assert_cmpstr(STR(r, "state"), ==, "refused");
  g_assert_true(json_is_null(json_object_get(r, "ended_by")));
  g_assert_true(json_is_null(json_object_get(r, "cause")));
  /* A state or an end outside the schema's is refused by it. */
  g_assert_false(rc_store_sip_call_ended(s->f.store, refused, "ended", "x", "nobody", 486, "Busy", &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID);
}

static void
test_last_oldest_first(sfx *s, gconstpointer data)
{
  (void)data;
  gint64 ids[5];
  for (int i = 0; i < 5; i++)
    ids[i] = add_call(s, "2026-11-25T01:00:00Z");
  g_autoptr(json_t) last = calls(s, 3);
  g_assert_cmpint(json_array_size(last), ==, 3);
  for (int i = 0; i < 3; i++)
    g_assert_cmpint(json_integer_value(json_object_get(json_array_get(last, i), "id")), ==, ids[2 + i]);
}

static void
test_recover(sfx *s, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  gint64 done = add_call(s, "2026-11-25T01:00:00Z");
  g_assert_true(
    rc_store_sip_call_ended(s->f.store, done, "ended", "2026-11-25T01:30:00Z", "controller", 200, "OK", &error));
  gint64 open = add_call(s, "2026-11-25T01:40:00Z");
  g_assert_true(rc_store_sip_call_connected(s->f.store, open, "2026-11-25T01:40:02Z", &error));
  gint64 last = 0;
  g_assert_cmpint(rc_store_sip_calls_recover(s->f.store, &last, &error), ==, 1);
  g_assert_no_error(error);
  g_assert_cmpint(last, ==, open);
  g_autoptr(json_t) rows = calls(s, 10);
  json_t *a = json_array_get(rows, 0), *b = json_array_get(rows, 1);
  g_assert_cmpstr(STR(a, "ended_by"), ==, "controller"); /* an ended call stays as it was */
  g_assert_cmpstr(STR(b, "state"), ==, "ended");
  g_assert_cmpstr(STR(b, "ended_by"), ==, "restart");
  g_assert_true(json_is_null(json_object_get(b, "ended_at"))); /* when it ended is not known */
  g_assert_cmpstr(STR(b, "connected_at"), ==, "2026-11-25T01:40:02Z");
  g_assert_cmpint(rc_store_sip_calls_recover(s->f.store, &last, &error), ==, 0);
}

static void
test_kept_with_session(sfx *s, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  add_call(s, "2026-11-25T01:00:00Z");
  g_assert_true(rc_store_site_delete(s->f.store, s->site_id, &error));
  g_autoptr(json_t) rows = calls(s, 10);
  g_assert_true(json_is_null(json_object_get(json_array_get(rows, 0), "site_id"))); /* the site is gone */
  g_assert_cmpstr(STR(json_array_get(rows, 0), "site_code"), ==, "XA01"); /* who it was is not */
  g_assert_true(rc_store_session_delete(s->f.store, s->session_id, &error));
  g_autoptr(json_t) none = calls(s, 10);
  g_assert_cmpint(json_array_size(none), ==, 0);
}

/* The attendance row (media heard, joined now) carries the SIP call that
 * was up during it: not one that ended before, not one that began after. */
static void
test_attendance(sfx *s, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  g_autoptr(json_t) plain = json_pack("{ss ss ss sI}", "code", "HUYEN", "name", "Huyện", "level", "district",
                                      "parent_id", (json_int_t)s->site_id);
  gint64 rtp_site = rc_store_site_create(s->f.store, plain, &error);
  g_assert_true(rc_store_site_call_open(s->f.store, s->session_id, rtp_site, &error));
  gint64 before = add_call(s, "2000-01-01T00:00:00Z");
  g_assert_true(rc_store_sip_call_connected(s->f.store, before, "2000-01-01T00:00:01Z", &error));
  g_assert_true(
    rc_store_sip_call_ended(s->f.store, before, "ended", "2000-01-01T00:10:00Z", "site", 486, "Busy Here", &error));
  g_assert_true(rc_store_site_call_open(s->f.store, s->session_id, s->site_id, &error));
  g_autoptr(json_t) none = rc_store_site_calls(s->f.store, s->session_id, &error);
  g_assert_no_error(error);
  g_assert_cmpint(json_array_size(none), ==, 2);
  for (int i = 0; i < 2; i++)
    g_assert_true(json_is_null(json_object_get(json_array_get(none, i), "sip")));

  gint64 up = add_call(s, "2000-01-02T00:00:00Z");
  g_assert_true(rc_store_sip_call_connected(s->f.store, up, "2000-01-02T00:00:01Z", &error));
  g_assert_true(rc_store_sip_call_ended(s->f.store, up, "ended", "2100-01-01T00:00:00Z", "site", 503,
                                        "Service Unavailable", &error));
  g_assert_true(rc_store_site_call_close(s->f.store, s->session_id, s->site_id, "silent", 10, 0, 0, 0, 0, &error));
  gint64 after = add_call(s, "2100-01-02T00:00:00Z");
  g_assert_true(rc_store_sip_call_connected(s->f.store, after, "2100-01-02T00:00:01Z", &error));
  g_autoptr(json_t) rows = rc_store_site_calls(s->f.store, s->session_id, &error);
  g_assert_no_error(error);
  json_t *huyen = json_array_get(rows, 0), *xa = json_array_get(rows, 1);
  g_assert_cmpstr(STR(huyen, "code"), ==, "HUYEN");
  g_assert_true(json_is_null(json_object_get(huyen, "sip")));
  g_assert_cmpstr(STR(xa, "code"), ==, "XA01");
  json_t *sip = json_object_get(xa, "sip");
  g_assert_cmpint(json_integer_value(json_object_get(sip, "id")), ==, up);
  g_assert_cmpstr(STR(sip, "direction"), ==, "out");
  g_assert_cmpstr(STR(sip, "connected_at"), ==, "2000-01-02T00:00:01Z");
  g_assert_cmpstr(STR(sip, "ended_by"), ==, "site");
  g_assert_cmpint(json_integer_value(json_object_get(json_object_get(sip, "cause"), "status")), ==, 503);
  g_assert_null(json_object_get(xa, "sip_id"));
  g_assert_null(json_object_get(xa, "sip_cause_status"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, sfx, NULL, ssetup, fn, steardown)
  ADD("/store-sip/story", test_story);
  ADD("/store-sip/last-oldest-first", test_last_oldest_first);
  ADD("/store-sip/recover", test_recover);
  ADD("/store-sip/kept-with-session", test_kept_with_session);
  ADD("/store-sip/attendance", test_attendance);
  return g_test_run();
}
