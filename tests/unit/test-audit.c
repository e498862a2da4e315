/* Unit tests for the audit log's hash chain: the hash itself, walking a
 * chain, and the store's chained log against a real SQLite file (rows
 * changed or removed behind its back, rows written before the chain). */
#include "model/audit.h"
#include "base/rc-error.h"
#include "store/store.h"

#include <sqlite3.h>
#include <string.h>
#include "store-fixture.h"

static const rc_audit_row base_row = {
  .id = 7, .at = "2026-11-25T01:00:00Z", .user_id = 3, .action = "login", .target = "user:db01", .detail = "",
};

static void
hash_of(const char *prev, const rc_audit_row *row, char out[RC_AUDIT_HASH_LEN])
{
  rc_audit_hash(prev, row, out);
  g_assert_cmpuint(strlen(out), ==, 64);
}

static void
test_hash_covers_every_field(void)
{
  char a[RC_AUDIT_HASH_LEN], b[RC_AUDIT_HASH_LEN];
  hash_of(NULL, &base_row, a);
  hash_of("", &base_row, b);
  g_assert_cmpstr(a, ==, b); /* NULL and "" are the same start */
  hash_of(NULL, &base_row, b);
  g_assert_cmpstr(a, ==, b); /* deterministic */

  rc_audit_row r = base_row;
  r.id = 8;
  hash_of(NULL, &r, b);
  g_assert_cmpstr(a, !=, b);
  r = base_row, r.at = "2026-11-25T01:00:01Z";
  hash_of(NULL, &r, b);
  g_assert_cmpstr(a, !=, b);
  r = base_row, r.user_id = 0;
  hash_of(NULL, &r, b);
  g_assert_cmpstr(a, !=, b);
  r = base_row, r.action = "login.failed";
  hash_of(NULL, &r, b);
  g_assert_cmpstr(a, !=, b);
  r = base_row, r.detail = "x";
  hash_of(NULL, &r, b);
  g_assert_cmpstr(a, !=, b);
  hash_of(a, &base_row, b);
  g_assert_cmpstr(a, !=, b); /* the previous hash counts */
}

static void
test_hash_fields_do_not_run_together(void)
{
  char a[RC_AUDIT_HASH_LEN], b[RC_AUDIT_HASH_LEN];
  rc_audit_row r1 = base_row, r2 = base_row;
  r1.target = "user:db0", r1.detail = "1";
  r2.target = "user:db01", r2.detail = "";
  hash_of(NULL, &r1, a);
  hash_of(NULL, &r2, b);
  g_assert_cmpstr(a, !=, b);
}

/* Three rows chained properly; @hashes gets their hashes. */
static void
make_chain(rc_audit_row rows[3], char hashes[3][RC_AUDIT_HASH_LEN])
{
  const char *prev = NULL;
  for (int i = 0; i < 3; i++) {
    rows[i] = base_row;
    rows[i].id = i + 1;
    hash_of(prev, &rows[i], hashes[i]);
    prev = hashes[i];
  }
}

static void
test_chain_walk(void)
{
  rc_audit_row rows[3];
  char hashes[3][RC_AUDIT_HASH_LEN];
  make_chain(rows, hashes);
  rc_audit_chain chain;

  rc_audit_chain_init(&chain);
  for (int i = 0; i < 3; i++)
    g_assert_true(rc_audit_chain_next(&chain, &rows[i], hashes[i]));
  g_assert_cmpint(chain.rows, ==, 3);
  g_assert_cmpint(chain.broken_id, ==, 0);
  rc_audit_chain_clear(&chain);

  /* a changed detail breaks that row */
  rc_audit_chain_init(&chain);
  rows[1].detail = "changed";
  g_assert_true(rc_audit_chain_next(&chain, &rows[0], hashes[0]));
  g_assert_false(rc_audit_chain_next(&chain, &rows[1], hashes[1]));
  g_assert_false(rc_audit_chain_next(&chain, &rows[2], hashes[2])); /* stays broken */
  g_assert_cmpint(chain.broken_id, ==, 2);
  g_assert_nonnull(strstr(chain.reason, "row 2"));
  rc_audit_chain_clear(&chain);
  rows[1].detail = base_row.detail;

  /* a removed middle row: the next one names the gap */
  rc_audit_chain_init(&chain);
  g_assert_true(rc_audit_chain_next(&chain, &rows[0], hashes[0]));
  g_assert_false(rc_audit_chain_next(&chain, &rows[2], hashes[2]));
  g_assert_cmpint(chain.broken_id, ==, 3);
  g_assert_nonnull(strstr(chain.reason, "removed"));
  rc_audit_chain_clear(&chain);

  /* a removed first row */
  rc_audit_chain_init(&chain);
  g_assert_false(rc_audit_chain_next(&chain, &rows[1], hashes[1]));
  g_assert_cmpint(chain.broken_id, ==, 2);
  rc_audit_chain_clear(&chain);

  /* a re-hashed changed row still breaks the row after it */
  rc_audit_chain_init(&chain);
  char forged[RC_AUDIT_HASH_LEN];
  rows[1].detail = "forged";
  hash_of(hashes[0], &rows[1], forged);
  g_assert_true(rc_audit_chain_next(&chain, &rows[0], hashes[0]));
  g_assert_true(rc_audit_chain_next(&chain, &rows[1], forged));
  g_assert_false(rc_audit_chain_next(&chain, &rows[2], hashes[2]));
  g_assert_cmpint(chain.broken_id, ==, 3);
  rc_audit_chain_clear(&chain);
}

/* ---- the store's chained log ---- */

static void
add_rows(rc_store *s, int n)
{
  for (int i = 0; i < n; i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *target = g_strdup_printf("user:%d", i);
    g_assert_true(rc_store_audit(s, i % 3, i % 2 ? "login" : "login.failed", target, i == 2 ? "Nguyễn" : NULL,
                                 &error));
    g_assert_no_error(error);
  }
}

/* Runs @sql on the database file behind the store's back. */
static gint64
verify(rc_store *s, gint64 *rows)
{
  g_autoptr(GError) error = NULL;
  gint64 broken = -1;
  gboolean ok = rc_store_audit_verify(s, rows, &broken, &error);
  g_assert_true(ok == (broken == 0));
  if (!ok)
    g_assert_error(error, RC_ERROR, RC_ERROR_CONFLICT);
  return broken;
}

static void
test_store_chain_holds(fixture *f, gconstpointer data)
{
  (void)data;
  gint64 rows = -1;
  g_assert_cmpint(verify(f->store, &rows), ==, 0);
  g_assert_cmpint(rows, ==, 0);
  add_rows(f->store, 5);
  g_assert_cmpint(verify(f->store, &rows), ==, 0);
  g_assert_cmpint(rows, ==, 5);
  g_autoptr(json_t) list = rc_store_audit_list(f->store, 10, NULL);
  g_assert_cmpuint(json_array_size(list), ==, 5);
  g_assert_cmpuint(strlen(json_string_value(json_object_get(json_array_get(list, 0), "hash"))), ==, 64);
}

static void
test_store_append_only(fixture *f, gconstpointer data)
{
  (void)data;
  add_rows(f->store, 2);
  g_autofree char *path = g_build_filename(f->dir, "roomctl.db", NULL);
  sqlite3 *db = NULL;
  g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_exec(db, "UPDATE audit_log SET detail = 'x' WHERE id = 1", NULL, NULL, NULL), !=, SQLITE_OK);
  g_assert_cmpint(sqlite3_exec(db, "DELETE FROM audit_log WHERE id = 1", NULL, NULL, NULL), !=, SQLITE_OK);
  /* an unchained row is refused too */
  g_assert_cmpint(sqlite3_exec(db, "INSERT INTO audit_log (at, action) VALUES ('2026-01-01T00:00:00Z', 'forged')",
                               NULL, NULL, NULL), !=, SQLITE_OK);
  sqlite3_close(db);
}

static void
test_store_detects_change(fixture *f, gconstpointer data)
{
  (void)data;
  add_rows(f->store, 6);
  tamper(f, "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET detail = 'edited' WHERE id = 4;");
  gint64 rows = 0;
  g_assert_cmpint(verify(f->store, &rows), ==, 4);
  g_assert_cmpint(rows, ==, 3);
}

static void
test_store_detects_removal(fixture *f, gconstpointer data)
{
  (void)data;
  add_rows(f->store, 6);
  tamper(f, "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id = 3;");
  gint64 rows = 0;
  g_assert_cmpint(verify(f->store, &rows), ==, 4);
}

/* Rows written before the chain existed get chained by the migration, with
 * the same hashes the store computes as it appends. */
static void
test_store_migration_chains_old_rows(fixture *f, gconstpointer data)
{
  (void)data;
  add_rows(f->store, 5);
  g_autoptr(json_t) before = rc_store_audit_list(f->store, 10, NULL);
  rc_store_close(f->store);
  f->store = NULL;
  /* Back to schema 4: no hash column, no chain trigger, none of the tables
   * or columns of schema 5 and later. */
  tamper(f, "ALTER TABLE sessions DROP COLUMN rtsp_out; ALTER TABLE sessions DROP COLUMN record; DROP TABLE document_recoveries; DROP TABLE site_srtp_keys; ALTER TABLE sites DROP COLUMN media_from; ALTER TABLE sessions DROP COLUMN closed; DROP TABLE site_floor_requests; DROP TABLE sip_calls; DROP TRIGGER audit_log_chained; ALTER TABLE audit_log DROP COLUMN hash;"
            "DROP TABLE document_readers; ALTER TABLE documents DROP COLUMN signatures;"
            "DROP TABLE agenda_log; DROP TABLE calendar_tokens; DROP TABLE site_credentials;"
            "ALTER TABLE sites DROP COLUMN h264_payload_type; ALTER TABLE sites DROP COLUMN opus_payload_type;"
            "ALTER TABLE sites DROP COLUMN video_cap_kbps; ALTER TABLE sites DROP COLUMN audio_cap_kbps;"
            "DROP TRIGGER rooms_gone; DROP INDEX users_organisation; DROP INDEX sites_organisation;"
            "DROP INDEX sessions_organisation; ALTER TABLE users DROP COLUMN organisation_id;"
            "ALTER TABLE users DROP COLUMN include_children; ALTER TABLE sites DROP COLUMN organisation_id;"
            "ALTER TABLE sessions DROP COLUMN organisation_id; ALTER TABLE sessions DROP COLUMN room_id;"
            "DROP TABLE session_organisations; DROP TABLE rooms; DROP TABLE organisations;"
            "PRAGMA user_version = 4;");
  g_autoptr(GError) error = NULL;
  f->store = rc_store_open(f->dir, &error);
  g_assert_no_error(error);
  g_assert_cmpint(rc_store_schema_version(f->store), >=, 5);
  g_autoptr(json_t) after = rc_store_audit_list(f->store, 10, NULL);
  g_assert_true(json_equal(before, after));
  gint64 rows = 0;
  g_assert_cmpint(verify(f->store, &rows), ==, 0);
  g_assert_cmpint(rows, ==, 5);
  add_rows(f->store, 1); /* and the chain goes on from there */
  g_assert_cmpint(verify(f->store, &rows), ==, 0);
  g_assert_cmpint(rows, ==, 6);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/audit/hash-covers-every-field", test_hash_covers_every_field);
  g_test_add_func("/audit/hash-fields-do-not-run-together", test_hash_fields_do_not_run_together);
  g_test_add_func("/audit/chain-walk", test_chain_walk);
  g_test_add("/audit/store-chain-holds", fixture, NULL, setup, test_store_chain_holds, teardown);
  g_test_add("/audit/store-append-only", fixture, NULL, setup, test_store_append_only, teardown);
  g_test_add("/audit/store-detects-change", fixture, NULL, setup, test_store_detects_change, teardown);
  g_test_add("/audit/store-detects-removal", fixture, NULL, setup, test_store_detects_removal, teardown);
  g_test_add("/audit/store-migration-chains-old-rows", fixture, NULL, setup, test_store_migration_chains_old_rows,
             teardown);
  return g_test_run();
}
