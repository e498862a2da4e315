/* Unit tests for a WebRTC site's credential: the store keeps only the
 * secret's SHA-256, a new one replaces the old, a revoked one opens
 * nothing, the audit names the site and never the secret; and schema 10
 * rebuilds the sites table without losing what points to it. */
#include "app/site-credentials.h"
#include "base/rc-error.h"
#include "store/store.h"

#include <sqlite3.h>
#include <string.h>
#include "store-fixture.h"

static gint64
add_site(rc_store *s, const char *code, const char *transport)
{
  g_autoptr(json_t) f = json_pack("{ss ss ss ss}", "code", code, "name", code, "level", "province", "transport",
                                  transport);
  g_autoptr(GError) error = NULL;
  gint64 id = rc_store_site_create(s, f, &error);
  g_assert_no_error(error);
  return id;
}

/* One text cell read behind the store's back. (transfer full) */
static char *
db_text(fixture *f, const char *sql)
{
  g_autofree char *path = g_build_filename(f->dir, "roomctl.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  char *text = sqlite3_step(stmt) == SQLITE_ROW ? g_strdup((const char *)sqlite3_column_text(stmt, 0)) : NULL;
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return text;
}

static void
test_make_stores_only_the_hash(fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  gint64 site = add_site(f->store, "XA01", "webrtc");
  g_autoptr(json_t) before = rc_store_site_get(f->store, site, NULL);
  g_assert_true(json_is_null(json_object_get(before, "credential")));
  char *secret = rc_store_site_credential_make(f->store, site, 0, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(strlen(secret), ==, RC_SITE_SECRET_LEN);
  for (const char *p = secret; *p; p++)
    g_assert_true(g_ascii_isalnum(*p) || *p == '-' || *p == '_');
  g_autofree char *stored = db_text(f, "SELECT hash FROM site_credentials");
  g_autofree char *want = g_compute_checksum_for_string(G_CHECKSUM_SHA256, secret, -1);
  g_assert_cmpstr(stored, ==, want);
  g_autofree char *everything = db_text(f, "SELECT group_concat(site_id || hash || created_at || coalesce(created_by, ''))"
                                           " FROM site_credentials");
  g_assert_null(strstr(everything, secret));
  g_assert_cmpint(rc_store_site_by_credential(f->store, secret, &error), ==, site);
  g_assert_no_error(error);
  g_autoptr(json_t) after = rc_store_site_get(f->store, site, NULL);
  g_autofree char *created = rc_store_site_credential_created(f->store, site);
  g_assert_cmpstr(json_string_value(json_object_get(json_object_get(after, "credential"), "created_at")), ==, created);
  g_assert_null(json_object_get(after, "credential_created_at"));
  rc_store_secret_free(secret);
}

static void
test_replace_and_revoke(fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  gint64 site = add_site(f->store, "XA01", "webrtc");
  gint64 other = add_site(f->store, "XA02", "webrtc");
  char *old = rc_store_site_credential_make(f->store, site, 0, &error);
  char *theirs = rc_store_site_credential_make(f->store, other, 0, &error);
  char *fresh = rc_store_site_credential_make(f->store, site, 0, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(old, !=, fresh);
  g_assert_cmpint(rc_store_site_by_credential(f->store, old, NULL), ==, 0);
  g_assert_cmpint(rc_store_site_by_credential(f->store, fresh, NULL), ==, site);
  g_assert_cmpint(rc_store_site_by_credential(f->store, theirs, NULL), ==, other);
  g_assert_true(rc_store_site_credential_revoke(f->store, site, &error));
  g_assert_cmpint(rc_store_site_by_credential(f->store, fresh, NULL), ==, 0);
  g_assert_cmpint(rc_store_site_by_credential(f->store, theirs, NULL), ==, other);
  g_assert_false(rc_store_site_credential_revoke(f->store, site, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_NOT_FOUND);
  g_clear_error(&error);
  /* Not a secret's shape, or nothing: no site, no error. */
  g_assert_cmpint(rc_store_site_by_credential(f->store, "", &error), ==, 0);
  g_assert_cmpint(rc_store_site_by_credential(f->store, NULL, &error), ==, 0);
  g_assert_no_error(error);
  /* A site that goes takes its credential with it. */
  g_assert_true(rc_store_site_delete(f->store, other, &error));
  g_assert_cmpint(rc_store_site_by_credential(f->store, theirs, NULL), ==, 0);
  g_assert_false(rc_store_site_credential_make(f->store, 999, 0, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_NOT_FOUND);
  rc_store_secret_free(old);
  rc_store_secret_free(theirs);
  rc_store_secret_free(fresh);
}

/* The use case audits both changes, naming the site, never the secret. */
static void
test_audited_without_the_secret(fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  gint64 site = add_site(f->store, "XA01", "webrtc");
  g_autofree char *created = NULL;
  char *secret = rc_site_credential_new(f->store, site, 0, &created, &error);
  g_assert_no_error(error);
  g_assert_nonnull(created);
  g_assert_cmpint(rc_site_credential_site(f->store, secret), ==, site);
  g_assert_true(rc_site_credential_revoke(f->store, site, 0, &error));
  g_assert_cmpint(rc_site_credential_site(f->store, secret), ==, 0);
  g_autoptr(json_t) audit = rc_store_audit_list(f->store, 10, &error);
  g_assert_cmpuint(json_array_size(audit), ==, 2);
  g_autofree char *target = g_strdup_printf("site:%" G_GINT64_FORMAT, site);
  g_assert_cmpstr(json_string_value(json_object_get(json_array_get(audit, 0), "action")), ==, "site.credential.revoke");
  g_assert_cmpstr(json_string_value(json_object_get(json_array_get(audit, 1), "action")), ==, "site.credential");
  g_assert_cmpstr(json_string_value(json_object_get(json_array_get(audit, 1), "target")), ==, target);
  g_autofree char *dump = json_dumps(audit, 0);
  g_assert_null(strstr(dump, secret));
  g_autofree char *hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, secret, -1);
  g_assert_null(strstr(dump, hash));
  /* A revoke with nothing to revoke writes no audit row. */
  g_assert_false(rc_site_credential_revoke(f->store, site, 0, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_NOT_FOUND);
  g_autoptr(json_t) again = rc_store_audit_list(f->store, 10, NULL);
  g_assert_cmpuint(json_array_size(again), ==, 2);
  rc_store_secret_free(secret);
}

/* What a signed-in site sees: itself, its live session (none until one is
 * live), its organisation. */
static void
test_site_view(fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  gint64 site = add_site(f->store, "XA01", "webrtc");
  g_autoptr(rc_config) config = rc_config_new_default();
  rc_meeting *meeting = rc_meeting_new(16);
  g_autoptr(json_t) idle = rc_site_credential_view(f->store, config, NULL, meeting, site, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(json_string_value(json_object_get(json_object_get(idle, "site"), "transport")), ==, "webrtc");
  g_assert_true(json_is_null(json_object_get(idle, "session")));
  g_assert_true(json_is_false(json_object_get(idle, "floor")));
  g_assert_cmpint(json_integer_value(json_object_get(json_object_get(idle, "organisation"), "id")), ==, 1);
  g_assert_true(json_is_string(json_object_get(idle, "province")));
  g_autoptr(json_t) s = json_pack("{ss ss ss}", "title", "Kỳ họp", "starts_at", "2026-11-25T01:00:00Z", "ends_at",
                                  "2026-11-25T05:00:00Z");
  gint64 sid = rc_store_session_create(f->store, s, &error);
  g_autoptr(json_t) ids = json_pack("[I]", (json_int_t)site);
  g_assert_true(rc_store_session_set_sites(f->store, sid, ids, &error));
  g_assert_true(rc_store_session_set_status(f->store, sid, "live", &error));
  g_assert_no_error(error);
  g_autoptr(json_t) live = rc_site_credential_view(f->store, config, NULL, meeting, site, &error);
  g_assert_no_error(error);
  json_t *session = json_object_get(live, "session");
  g_assert_cmpint(json_integer_value(json_object_get(session, "id")), ==, sid);
  g_assert_cmpstr(json_string_value(json_object_get(session, "status")), ==, "live");
  g_assert_true(json_is_false(json_object_get(live, "floor")));
  rc_meeting_free(meeting);
}

/* Schema 9 → 10 rebuilds sites (for the transport 'webrtc'): the rows that
 * point to a site keep pointing to it, none is deleted on the way. */
static void
test_migration_keeps_what_points_to_sites(fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  gint64 site = add_site(f->store, "H01", "rtsp");
  g_autoptr(json_t) s = json_pack("{ss ss ss}", "title", "Kỳ họp", "starts_at", "2026-11-25T01:00:00Z", "ends_at",
                                  "2026-11-25T05:00:00Z");
  gint64 sid = rc_store_session_create(f->store, s, &error);
  g_autoptr(json_t) ids = json_pack("[I]", (json_int_t)site);
  g_assert_true(rc_store_session_set_sites(f->store, sid, ids, &error));
  g_assert_no_error(error);
  rc_store_close(f->store);
  f->store = NULL;
  /* Schema 9's sites: no 'webrtc', no credentials. */
  tamper(f, "PRAGMA foreign_keys=OFF; ALTER TABLE sessions DROP COLUMN rtsp_out; ALTER TABLE sessions DROP COLUMN record; DROP TABLE document_recoveries; DROP TABLE site_srtp_keys; ALTER TABLE sites DROP COLUMN media_from; ALTER TABLE sessions DROP COLUMN closed; DROP TABLE site_floor_requests; DROP TABLE sip_calls; DROP TABLE site_credentials; PRAGMA writable_schema=ON;"
            "UPDATE sqlite_master SET sql = replace(sql, ',''webrtc''', '') WHERE name = 'sites';"
            "PRAGMA writable_schema=OFF; PRAGMA user_version = 9;");
  g_autofree char *as_nine = db_text(f, "SELECT sql FROM sqlite_master WHERE name = 'sites'");
  g_assert_null(strstr(as_nine, "webrtc"));
  f->store = rc_store_open(f->dir, &error);
  g_assert_no_error(error);
  g_assert_cmpint(rc_store_schema_version(f->store), ==, rc_store_latest_schema());
  g_autoptr(json_t) sites = rc_store_session_sites(f->store, sid, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(json_array_size(sites), ==, 1);
  g_autoptr(json_t) row = rc_store_site_get(f->store, site, &error);
  g_assert_cmpstr(json_string_value(json_object_get(row, "transport")), ==, "rtsp");
  g_autoptr(json_t) change = json_pack("{ss}", "transport", "webrtc");
  g_assert_true(rc_store_site_update(f->store, site, change, &error));
  g_assert_no_error(error);
  g_autoptr(json_t) bad = json_pack("{ss}", "transport", "h323");
  g_assert_false(rc_store_site_update(f->store, site, bad, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID);
  g_autofree char *fk = db_text(f, "PRAGMA foreign_key_check");
  g_assert_null(fk);
  g_autofree char *integrity = db_text(f, "PRAGMA integrity_check");
  g_assert_cmpstr(integrity, ==, "ok");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add("/site-credentials/make-stores-only-the-hash", fixture, NULL, setup, test_make_stores_only_the_hash,
             teardown);
  g_test_add("/site-credentials/replace-and-revoke", fixture, NULL, setup, test_replace_and_revoke, teardown);
  g_test_add("/site-credentials/audited-without-the-secret", fixture, NULL, setup, test_audited_without_the_secret,
             teardown);
  g_test_add("/site-credentials/site-view", fixture, NULL, setup, test_site_view, teardown);
  g_test_add("/site-credentials/migration-keeps-what-points-to-sites", fixture, NULL, setup,
             test_migration_keeps_what_points_to_sites, teardown);
  return g_test_run();
}
