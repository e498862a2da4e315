/* seal — small secrets the daemon keeps in its database but must not keep
 * there in clear (a plain-RTP site's SRTP master key): sealed with
 * AES-256-GCM (OpenSSL EVP) under the daemon's own key, a file of 32 random
 * bytes in its data directory (mode 0600), made on first need and never
 * stored in the database. A sealed value is text: "v1." and the base64 of
 * a 12-byte nonce, the ciphertext and the 16-byte tag; @aad (what the
 * secret belongs to, such as "site:12") is authenticated with it, so a
 * sealed value copied to another row does not open.
 * If the key file is lost or replaced, nothing sealed before opens again:
 * rc_unseal fails (RC_ERROR_INVALID_STATE) and the secrets must be made
 * anew. Any thread; no state. */
#pragma once
#include <glib.h>

#define RC_SEAL_KEY_LEN 32

/* Reads the key at @path into @key; with @create, a missing file is made
 * first (0600, 32 random bytes). FALSE with @error: the file is missing
 * (without @create), unreadable, or not 32 bytes (a damaged key file is
 * never replaced: what it sealed would be lost without a word). */
gboolean rc_seal_key_load(const char *path, gboolean create, guint8 key[RC_SEAL_KEY_LEN], GError **error);

/* @len bytes of @plain sealed under @key for @aad. (transfer full) */
char *rc_seal(const guint8 key[RC_SEAL_KEY_LEN], const char *aad, const guint8 *plain, gsize len);

/* What @sealed holds, *@len its length (transfer full: free with
 * rc_unsealed_free), or NULL with @error: not a sealed value
 * (RC_ERROR_INVALID), or it does not open with @key and @aad
 * (RC_ERROR_INVALID_STATE: another key, another owner, or changed). */
guint8 *rc_unseal(const guint8 key[RC_SEAL_KEY_LEN], const char *aad, const char *sealed, gsize *len, GError **error);
void rc_unsealed_free(guint8 *plain, gsize len);
