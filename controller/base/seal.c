/* seal — see seal.h. */
#define G_LOG_DOMAIN "roomctl"
#include "base/seal.h"
#include "base/rc-error.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

#define NONCE 12
#define TAG 16

gboolean
rc_seal_key_load(const char *path, gboolean create, guint8 key[RC_SEAL_KEY_LEN], GError **error)
{
  if (create && !g_file_test(path, G_FILE_TEST_EXISTS)) {
    guint8 fresh[RC_SEAL_KEY_LEN];
    if (RAND_bytes(fresh, sizeof fresh) != 1) {
      g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "no random bytes for the sealing key");
      return FALSE;
    }
    gboolean ok = g_file_set_contents_full(path, (const char *)fresh, sizeof fresh, G_FILE_SET_CONTENTS_CONSISTENT,
                                           0600, error);
    OPENSSL_cleanse(fresh, sizeof fresh);
    if (!ok)
      return FALSE;
    g_message("made the sealing key %s (keep it with the database: what it sealed opens with it only)", path);
  }
  gchar *data = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &data, &len, error))
    return FALSE;
  gboolean ok = len == RC_SEAL_KEY_LEN;
  if (ok)
    memcpy(key, data, RC_SEAL_KEY_LEN);
  else
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE,
                "the sealing key %s is %zu bytes, not %d: damaged (it is left as it is)", path, len, RC_SEAL_KEY_LEN);
  OPENSSL_cleanse(data, len);
  g_free(data);
  return ok;
}

/* AES-256-GCM of @in (@len bytes) into @out, one direction; the tag is
 * written (@seal) or checked. */
static gboolean
gcm(gboolean seal, const guint8 *key, const guint8 *nonce, const char *aad, const guint8 *in, int len, guint8 *out,
    guint8 *tag)
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  int n = 0, fin = 0;
  gboolean ok = ctx && EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce, seal ? 1 : 0) == 1 &&
                EVP_CipherUpdate(ctx, NULL, &n, (const guint8 *)aad, (int)strlen(aad)) == 1 &&
                (len == 0 || EVP_CipherUpdate(ctx, out, &n, in, len) == 1) &&
                (seal || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG, tag) == 1) &&
                EVP_CipherFinal_ex(ctx, out + (len ? n : 0), &fin) == 1 &&
                (!seal || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG, tag) == 1);
  EVP_CIPHER_CTX_free(ctx);
  return ok;
}

char *
rc_seal(const guint8 key[RC_SEAL_KEY_LEN], const char *aad, const guint8 *plain, gsize len)
{
  g_return_val_if_fail(len < 4096, NULL);
  gsize total = NONCE + len + TAG;
  g_autofree guint8 *box = g_malloc0(total);
  if (RAND_bytes(box, NONCE) != 1 || !gcm(TRUE, key, box, aad, plain, (int)len, box + NONCE, box + NONCE + len))
    return NULL;
  g_autofree char *text = g_base64_encode(box, total);
  return g_strconcat("v1.", text, NULL);
}

guint8 *
rc_unseal(const guint8 key[RC_SEAL_KEY_LEN], const char *aad, const char *sealed, gsize *len, GError **error)
{
  gsize total = 0;
  g_autofree guint8 *box = NULL;
  if (!sealed || !g_str_has_prefix(sealed, "v1.") || strlen(sealed) > 8192 ||
      (box = g_base64_decode(sealed + 3, &total), total < NONCE + TAG)) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "not a sealed value");
    return NULL;
  }
  *len = total - NONCE - TAG;
  guint8 *plain = g_malloc0(MAX(*len, 1));
  if (!gcm(FALSE, key, box, aad, box + NONCE, (int)*len, plain, box + NONCE + *len)) {
    rc_unsealed_free(plain, *len);
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE,
                "the sealed value does not open with the daemon's sealing key (the key file was lost or replaced?)");
    return NULL;
  }
  return plain;
}

void
rc_unsealed_free(guint8 *plain, gsize len)
{
  if (!plain)
    return;
  OPENSSL_cleanse(plain, MAX(len, 1));
  g_free(plain);
}
