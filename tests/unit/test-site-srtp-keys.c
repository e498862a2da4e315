/* Unit tests for a plain-RTP site's SRTP key (app/site-srtp-keys.h): made
 * and shown once with its lines, stored only sealed (the daemon's key file
 * 0600 beside the database), opened again for the media, replaced,
 * revoked, audited without the key; only plain-RTP sites have one; a lost
 * key file leaves the keyed sites refused, with a message, and a damaged
 * one makes no key. */
#include "app/site-srtp-keys.h"
#include "base/rc-error.h"
#include "store/store.h"

#include <glib/gstdio.h>
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

/* The first column of @sql's first row, or NULL (an UPDATE: run, NULL). */
static char *
db_text(fixture *f, const char *sql)
{
  g_autofree char *path = g_build_filename(f->dir, "roomctl.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  int step = sqlite3_step(stmt);
  g_assert_true(step == SQLITE_ROW || step == SQLITE_DONE);
  char *text = step == SQLITE_ROW ? g_strdup((const char *)sqlite3_column_text(stmt, 0)) : NULL;
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return text;
}

static rc_config *
config_new(void)
{
  rc_config *c = g_new0(rc_config, 1);
  c->media_video_port = 5004, c->media_audio_port = 5006;
  return c;
}

static void
test_made_sealed_opened(fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  g_autofree rc_config *config = config_new();
  gint64 site = add_site(f->store, "H01", "rtp");
  rc_srtp_key key;
  g_assert_false(rc_site_srtp_key_get(f->store, site, &key, &error)); /* none: no error */
  g_assert_no_error(error);
  g_autoptr(json_t) made = rc_site_srtp_key_new(f->store, config, site, NULL, 0, &error);
  g_assert_no_error(error);
  const char *b64 = json_string_value(json_object_get(made, "key"));
  gsize len = 0;
  g_autofree guchar *raw = g_base64_decode(b64, &len);
  g_assert_cmpuint(len, ==, 30);
  g_assert_cmpstr(json_string_value(json_object_get(made, "suite")), ==, "AES_CM_128_HMAC_SHA1_80");
  const char *gst = json_string_value(json_object_get(json_object_get(made, "lines"), "gst_send"));
  const char *hex = json_string_value(json_object_get(made, "key_hex"));
  g_assert_cmpuint(strlen(hex), ==, 60);
  g_autofree char *want = g_strdup_printf("srtpenc key=%s ! udpsink host=$C port=5004", hex);
  g_assert_nonnull(strstr(gst, want));
  g_assert_nonnull(strstr(json_string_value(json_object_get(json_object_get(made, "lines"), "ffmpeg_send")), b64));
  /* Stored sealed only; the key file beside the database, 0600. */
  g_autofree char *sealed = db_text(f, "SELECT sealed FROM site_srtp_keys");
  g_assert_true(g_str_has_prefix(sealed, "v1."));
  g_assert_null(strstr(sealed, b64));
  g_autofree char *everything = db_text(f, "SELECT group_concat(action || target || coalesce(detail, '')) FROM audit_log");
  g_assert_nonnull(strstr(everything, "site.srtp_key"));
  g_assert_null(strstr(everything, b64));
  g_assert_null(strstr(everything, hex));
  g_autofree char *path = g_build_filename(f->dir, RC_SITE_SRTP_SEAL_FILE, NULL);
  GStatBuf st;
  g_assert_cmpint(g_stat(path, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);
  /* Opened for the media: the bytes shown. */
  g_assert_true(rc_site_srtp_key_get(f->store, site, &key, &error));
  g_assert_cmpstr(key.suite, ==, RC_SRTP_AES_CM_80);
  g_assert_cmpmem(key.bytes, 30, raw, len);
  g_autoptr(json_t) row = rc_store_site_get(f->store, site, NULL);
  g_assert_true(json_is_string(json_object_get(json_object_get(row, "srtp_key"), "created_at")));
  g_assert_cmpstr(json_string_value(json_object_get(json_object_get(row, "srtp_key"), "suite")), ==,
                  "AES_CM_128_HMAC_SHA1_80");
  g_autofree char *text = json_dumps(row, 0);
  g_assert_null(strstr(text, b64));
  /* Replaced: another key; revoked: none, and again 404. */
  g_autoptr(json_t) again = rc_site_srtp_key_new(f->store, config, site, NULL, 0, &error);
  g_assert_cmpstr(json_string_value(json_object_get(again, "key")), !=, b64);
  g_assert_true(rc_site_srtp_key_revoke(f->store, site, 0, &error));
  g_assert_false(rc_site_srtp_key_get(f->store, site, &key, &error));
  g_assert_no_error(error);
  g_assert_false(rc_site_srtp_key_revoke(f->store, site, 0, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_NOT_FOUND);
}

static void
test_only_plain_rtp(fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  g_autofree rc_config *config = config_new();
  gint64 site = add_site(f->store, "XA01", "webrtc");
  g_assert_null(rc_site_srtp_key_new(f->store, config, site, NULL, 0, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID_STATE);
  g_clear_error(&error);
  g_assert_null(rc_site_srtp_key_new(f->store, config, 999, NULL, 0, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_NOT_FOUND);
}

/* The key file lost: the keys no longer open (an error naming the site);
 * a new key works again. A damaged file makes no key and is kept. */
static void
test_lost_and_damaged_key_file(fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  g_autofree rc_config *config = config_new();
  gint64 site = add_site(f->store, "H02", "rtp");
  g_autoptr(json_t) made = rc_site_srtp_key_new(f->store, config, site, NULL, 0, &error);
  g_autofree char *path = g_build_filename(f->dir, RC_SITE_SRTP_SEAL_FILE, NULL);
  g_unlink(path);
  rc_srtp_key key;
  g_assert_false(rc_site_srtp_key_get(f->store, site, &key, &error));
  g_assert_nonnull(error);
  g_assert_nonnull(strstr(error->message, "re-key the site"));
  g_clear_error(&error);
  g_autoptr(json_t) fresh = rc_site_srtp_key_new(f->store, config, site, NULL, 0, &error); /* makes a new key file */
  g_assert_no_error(error);
  g_assert_true(rc_site_srtp_key_get(f->store, site, &key, &error));
  /* Another daemon's key file: nothing opens. */
  g_assert_true(g_file_set_contents(path, "0123456789abcdef0123456789abcdef", 32, NULL));
  g_assert_false(rc_site_srtp_key_get(f->store, site, &key, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID_STATE);
  g_clear_error(&error);
  /* Damaged: no key made, the file kept. */
  g_assert_true(g_file_set_contents(path, "short", -1, NULL));
  g_assert_null(rc_site_srtp_key_new(f->store, config, site, NULL, 0, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID_STATE);
  g_autofree char *kept = NULL;
  g_assert_true(g_file_get_contents(path, &kept, NULL, NULL));
  g_assert_cmpstr(kept, ==, "short");
}

/* AEAD_AES_128_GCM: 28 bytes, GStreamer's lines with the GCM cipher and no
 * HMAC, no ffmpeg line (stock ffmpeg has no GCM); the suite is stored and
 * shown, and bound to the sealed key: the row's suite changed alone makes
 * the key not open (neither as AES-CM nor back). An unknown suite is
 * refused, naming the field. */
static void
test_gcm(fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  g_autofree rc_config *config = config_new();
  gint64 site = add_site(f->store, "H03", "rtp");
  g_autoptr(json_t) made = rc_site_srtp_key_new(f->store, config, site, "AEAD_AES_128_GCM", 0, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(json_string_value(json_object_get(made, "suite")), ==, "AEAD_AES_128_GCM");
  gsize len = 0;
  g_autofree guchar *raw = g_base64_decode(json_string_value(json_object_get(made, "key")), &len);
  g_assert_cmpuint(len, ==, 28);
  const char *hex = json_string_value(json_object_get(made, "key_hex"));
  g_assert_cmpuint(strlen(hex), ==, 56);
  json_t *lines = json_object_get(made, "lines");
  g_assert_null(json_object_get(lines, "ffmpeg_send"));
  g_assert_null(json_object_get(lines, "ffmpeg_receive"));
  g_autofree char *enc = g_strdup_printf(
      "srtpenc key=%s rtp-cipher=aes-128-gcm rtp-auth=null rtcp-cipher=aes-128-gcm rtcp-auth=null ! udpsink host=$C "
      "port=5004", hex);
  g_assert_nonnull(strstr(json_string_value(json_object_get(lines, "gst_send")), enc));
  const char *receive = json_string_value(json_object_get(lines, "gst_receive"));
  g_assert_nonnull(strstr(receive, "srtp-cipher=aes-128-gcm,srtp-auth=null,srtcp-cipher=aes-128-gcm,srtcp-auth=null"));
  g_assert_null(strstr(receive, "hmac"));
  rc_srtp_key key;
  memset(&key, 0xee, sizeof key);
  g_assert_true(rc_site_srtp_key_get(f->store, site, &key, &error));
  g_assert_cmpstr(key.suite, ==, RC_SRTP_AEAD_GCM);
  g_assert_cmpmem(key.bytes, 28, raw, len);
  g_assert_true(key.bytes[28] == 0 && key.bytes[29] == 0); /* the transport compares a key whole */
  g_autoptr(json_t) row = rc_store_site_get(f->store, site, NULL);
  g_assert_cmpstr(json_string_value(json_object_get(json_object_get(row, "srtp_key"), "suite")), ==,
                  "AEAD_AES_128_GCM");
  /* The suite changed in the row alone: the key does not open. */
  g_free(db_text(f, "UPDATE site_srtp_keys SET suite = 'AES_CM_128_HMAC_SHA1_80'"));
  g_assert_false(rc_site_srtp_key_get(f->store, site, &key, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID_STATE);
  g_assert_nonnull(strstr(error->message, "re-key the site"));
  g_clear_error(&error);
  /* And an AES-CM key's row made GCM does not open either. */
  g_autoptr(json_t) cm = rc_site_srtp_key_new(f->store, config, site, NULL, 0, &error);
  g_assert_no_error(error);
  g_free(db_text(f, "UPDATE site_srtp_keys SET suite = 'AEAD_AES_128_GCM'"));
  g_assert_false(rc_site_srtp_key_get(f->store, site, &key, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID_STATE);
  g_clear_error(&error);
  g_assert_null(rc_site_srtp_key_new(f->store, config, site, "AES_256_CM_HMAC_SHA1_80", 0, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID);
  g_assert_true(g_str_has_prefix(error->message, "suite"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add("/site-srtp-keys/made-sealed-opened", fixture, NULL, setup, test_made_sealed_opened, teardown);
  g_test_add("/site-srtp-keys/gcm", fixture, NULL, setup, test_gcm, teardown);
  g_test_add("/site-srtp-keys/only-plain-rtp", fixture, NULL, setup, test_only_plain_rtp, teardown);
  g_test_add("/site-srtp-keys/lost-and-damaged-key-file", fixture, NULL, setup, test_lost_and_damaged_key_file,
             teardown);
  return g_test_run();
}
