/* test-seal — base/seal.h: sealing and unsealing, the key file (made 0600,
 * kept, a damaged one refused, a replaced one opens nothing sealed before). */
#include "base/rc-error.h"
#include "base/seal.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
  char *dir, *path;
} fixture;

static void
setup(fixture *f, gconstpointer data)
{
  (void)data;
  f->dir = g_dir_make_tmp("test-seal-XXXXXX", NULL);
  f->path = g_build_filename(f->dir, "seal.key", NULL);
}

static void
teardown(fixture *f, gconstpointer data)
{
  (void)data;
  g_unlink(f->path);
  g_rmdir(f->dir);
  g_free(f->path);
  g_free(f->dir);
}

static void
test_round_trip(fixture *f, gconstpointer data)
{
  (void)data;
  guint8 key[RC_SEAL_KEY_LEN], again[RC_SEAL_KEY_LEN];
  g_autoptr(GError) error = NULL;
  g_assert_false(rc_seal_key_load(f->path, FALSE, key, &error)); /* not made without @create */
  g_clear_error(&error);
  g_assert_true(rc_seal_key_load(f->path, TRUE, key, &error));
  g_assert_no_error(error);
  GStatBuf st;
  g_assert_cmpint(g_stat(f->path, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);
  g_assert_true(rc_seal_key_load(f->path, TRUE, again, &error)); /* kept, not made anew */
  g_assert_cmpmem(key, sizeof key, again, sizeof again);

  const guint8 secret[30] = "0123456789abcdefghijklmnopqrs";
  g_autofree char *sealed = rc_seal(key, "site:7", secret, sizeof secret);
  g_autofree char *sealed2 = rc_seal(key, "site:7", secret, sizeof secret);
  g_assert_true(g_str_has_prefix(sealed, "v1."));
  g_assert_cmpstr(sealed, !=, sealed2); /* a fresh nonce each time */
  g_assert_null(strstr(sealed, "0123456789"));
  gsize len = 0;
  guint8 *plain = rc_unseal(key, "site:7", sealed, &len, &error);
  g_assert_no_error(error);
  g_assert_cmpmem(plain, len, secret, sizeof secret);
  rc_unsealed_free(plain, len);

  /* Another owner, a changed byte, not a sealed value. */
  g_assert_null(rc_unseal(key, "site:8", sealed, &len, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID_STATE);
  g_clear_error(&error);
  sealed[10] = sealed[10] == 'A' ? 'B' : 'A';
  g_assert_null(rc_unseal(key, "site:7", sealed, &len, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID_STATE);
  g_clear_error(&error);
  g_assert_null(rc_unseal(key, "site:7", "v1.AAAA", &len, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID);
  g_clear_error(&error);
  g_assert_null(rc_unseal(key, "site:7", "plain text", &len, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID);
}

/* The key file lost: a new one is made, and nothing sealed before opens. */
static void
test_lost_key(fixture *f, gconstpointer data)
{
  (void)data;
  guint8 key[RC_SEAL_KEY_LEN], fresh[RC_SEAL_KEY_LEN];
  g_autoptr(GError) error = NULL;
  g_assert_true(rc_seal_key_load(f->path, TRUE, key, &error));
  const guint8 secret[30] = {1, 2, 3};
  g_autofree char *sealed = rc_seal(key, "site:1", secret, sizeof secret);
  g_unlink(f->path);
  g_assert_true(rc_seal_key_load(f->path, TRUE, fresh, &error));
  gsize len = 0;
  g_assert_null(rc_unseal(fresh, "site:1", sealed, &len, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID_STATE);
}

/* A damaged key file is refused and left as it is. */
static void
test_bad_key_file(fixture *f, gconstpointer data)
{
  (void)data;
  guint8 key[RC_SEAL_KEY_LEN];
  g_autoptr(GError) error = NULL;
  g_assert_true(g_file_set_contents(f->path, "short", -1, NULL));
  g_assert_false(rc_seal_key_load(f->path, TRUE, key, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID_STATE);
  g_autofree char *still = NULL;
  g_assert_true(g_file_get_contents(f->path, &still, NULL, NULL));
  g_assert_cmpstr(still, ==, "short");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add("/seal/round-trip", fixture, NULL, setup, test_round_trip, teardown);
  g_test_add("/seal/lost-key", fixture, NULL, setup, test_lost_key, teardown);
  g_test_add("/seal/bad-key-file", fixture, NULL, setup, test_bad_key_file, teardown);
  return g_test_run();
}
