/* srtp-openssl — see srtp-openssl.h. The contracts each function keeps are
 * libsrtp2's (srtp2/cipher.h, srtp2/auth.h): a cipher encrypts and
 * decrypts in place; an AEAD cipher takes its AAD before the data and
 * hands its tag out after it (get_tag) or checks the one at the end of
 * the data (decrypt); an ICM cipher's counter is its salt XOR the IV. */
#ifndef G_LOG_DOMAIN
#define G_LOG_DOMAIN "roomctl-media"
#endif
#include "base/srtp-openssl.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <gio/gio.h>
#include <srtp2/auth.h>
#include <srtp2/cipher.h>
#include <srtp2/srtp.h>
#include <string.h>

/* libsrtp2's own known-answer vectors: exported by libsrtp2.so (every 2.x)
 * though no header declares them. A replacement must pass its own type's
 * vectors, then those of the type it replaces. */
extern const srtp_cipher_test_case_t srtp_aes_icm_128_test_case_0,
    srtp_aes_icm_256_test_case_0, srtp_aes_gcm_128_test_case_0,
    srtp_aes_gcm_256_test_case_0;
extern const srtp_auth_test_case_t srtp_hmac_test_case_0;

#define SALT_LEN 14     /* ICM */
#define GCM_SALT_LEN 12 /* GCM */
#define SHA1_LEN 20

typedef struct {
  EVP_CIPHER_CTX *ctx;
  int key_size; /* AES key bytes, salt not counted */
  int tag_len;  /* GCM */
  gboolean encrypt;
  guint8 salt[16]; /* ICM: the salt, zero-padded to a block */
} cipher_state;

static const srtp_cipher_type_t icm_128, icm_256, gcm_128, gcm_256;

static srtp_err_status_t cipher_alloc(srtp_cipher_t **out,
                                      const srtp_cipher_type_t *type,
                                      int algorithm, int key_len, int key_size,
                                      int tag_len) {
  srtp_cipher_t *c = g_new0(srtp_cipher_t, 1);
  cipher_state *s = g_new0(cipher_state, 1);
  s->ctx = EVP_CIPHER_CTX_new();
  if (!s->ctx) {
    g_free(s);
    g_free(c);
    return srtp_err_status_alloc_fail;
  }
  s->key_size = key_size;
  s->tag_len = tag_len;
  c->type = type;
  c->state = s;
  c->key_len = key_len;
  c->algorithm = algorithm;
  *out = c;
  return srtp_err_status_ok;
}

static srtp_err_status_t cipher_dealloc(srtp_cipher_t *c) {
  cipher_state *s = c->state;
  if (s) {
    EVP_CIPHER_CTX_free(s->ctx);
    OPENSSL_cleanse(s, sizeof *s);
    g_free(s);
  }
  g_free(c);
  return srtp_err_status_ok;
}

/* ---- AES-ICM (counter mode) ---- */

static srtp_err_status_t icm_alloc(srtp_cipher_t **c, int key_len,
                                   int tag_len) {
  (void)tag_len;
  if (key_len == SRTP_AES_ICM_128_KEY_LEN_WSALT)
    return cipher_alloc(c, &icm_128, SRTP_AES_ICM_128, key_len,
                        SRTP_AES_128_KEY_LEN, 0);
  if (key_len == SRTP_AES_ICM_256_KEY_LEN_WSALT)
    return cipher_alloc(c, &icm_256, SRTP_AES_ICM_256, key_len,
                        SRTP_AES_256_KEY_LEN, 0);
  return srtp_err_status_bad_param;
}

static srtp_err_status_t icm_init(void *state, const uint8_t *key) {
  cipher_state *s = state;
  memset(s->salt, 0, sizeof s->salt);
  memcpy(s->salt, key + s->key_size,
         SALT_LEN); /* its last two bytes stay 0: the block counter */
  const EVP_CIPHER *evp = s->key_size == SRTP_AES_256_KEY_LEN
                              ? EVP_aes_256_ctr()
                              : EVP_aes_128_ctr();
  return EVP_EncryptInit_ex(s->ctx, evp, NULL, key, NULL)
             ? srtp_err_status_ok
             : srtp_err_status_init_fail;
}

static srtp_err_status_t icm_set_iv(void *state, uint8_t *iv,
                                    srtp_cipher_direction_t direction) {
  (void)direction; /* counter mode is its own inverse */
  cipher_state *s = state;
  guint8 counter[16];
  for (int i = 0; i < 16; i++)
    counter[i] = s->salt[i] ^ iv[i];
  return EVP_EncryptInit_ex(s->ctx, NULL, NULL, NULL, counter)
             ? srtp_err_status_ok
             : srtp_err_status_init_fail;
}

static srtp_err_status_t icm_crypt(void *state, uint8_t *buf,
                                   unsigned int *len) {
  cipher_state *s = state;
  int out = 0;
  if (*len > G_MAXINT ||
      !EVP_EncryptUpdate(s->ctx, buf, &out, buf, (int)*len) ||
      (unsigned)out != *len)
    return srtp_err_status_cipher_fail;
  return srtp_err_status_ok;
}

/* ---- AES-GCM (AEAD, RFC 7714) ---- */

static srtp_err_status_t gcm_alloc(srtp_cipher_t **c, int key_len,
                                   int tag_len) {
  if (tag_len != 16 && tag_len != 8)
    return srtp_err_status_bad_param;
  if (key_len == SRTP_AES_GCM_128_KEY_LEN_WSALT)
    return cipher_alloc(c, &gcm_128, SRTP_AES_GCM_128, key_len,
                        SRTP_AES_128_KEY_LEN, tag_len);
  if (key_len == SRTP_AES_GCM_256_KEY_LEN_WSALT)
    return cipher_alloc(c, &gcm_256, SRTP_AES_GCM_256, key_len,
                        SRTP_AES_256_KEY_LEN, tag_len);
  return srtp_err_status_bad_param;
}

static srtp_err_status_t gcm_init(void *state, const uint8_t *key) {
  cipher_state *s = state;
  const EVP_CIPHER *evp = s->key_size == SRTP_AES_256_KEY_LEN
                              ? EVP_aes_256_gcm()
                              : EVP_aes_128_gcm();
  if (!EVP_CipherInit_ex(s->ctx, evp, NULL, key, NULL, 1) ||
      !EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_GCM_SET_IVLEN, GCM_SALT_LEN, NULL))
    return srtp_err_status_init_fail;
  return srtp_err_status_ok;
}

static srtp_err_status_t gcm_set_iv(void *state, uint8_t *iv,
                                    srtp_cipher_direction_t direction) {
  cipher_state *s = state;
  if (direction != srtp_direction_encrypt &&
      direction != srtp_direction_decrypt)
    return srtp_err_status_bad_param;
  s->encrypt = direction == srtp_direction_encrypt;
  return EVP_CipherInit_ex(s->ctx, NULL, NULL, NULL, iv, s->encrypt)
             ? srtp_err_status_ok
             : srtp_err_status_init_fail;
}

static srtp_err_status_t gcm_set_aad(void *state, const uint8_t *aad,
                                     uint32_t len) {
  cipher_state *s = state;
  int out = 0;
  if (len > G_MAXINT || !EVP_CipherUpdate(s->ctx, NULL, &out, aad, (int)len))
    return srtp_err_status_algo_fail;
  return srtp_err_status_ok;
}

static srtp_err_status_t gcm_encrypt(void *state, uint8_t *buf,
                                     unsigned int *len) {
  cipher_state *s = state;
  int out = 0;
  if (!s->encrypt || *len > G_MAXINT ||
      !EVP_CipherUpdate(s->ctx, buf, &out, buf, (int)*len))
    return srtp_err_status_cipher_fail;
  return srtp_err_status_ok;
}

static srtp_err_status_t gcm_get_tag(void *state, uint8_t *tag, uint32_t *len) {
  cipher_state *s = state;
  guint8 rest[16];
  int out = 0;
  if (!EVP_CipherFinal_ex(s->ctx, rest, &out) ||
      !EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_GCM_GET_TAG, s->tag_len, tag))
    return srtp_err_status_algo_fail;
  *len = (uint32_t)s->tag_len;
  return srtp_err_status_ok;
}

/* @buf ends with the tag: decrypt what is before it, and check it. */
static srtp_err_status_t gcm_decrypt(void *state, uint8_t *buf,
                                     unsigned int *len) {
  cipher_state *s = state;
  guint8 rest[16];
  int out = 0;
  if (s->encrypt || *len < (unsigned)s->tag_len || *len > G_MAXINT)
    return srtp_err_status_bad_param;
  unsigned int data = *len - (unsigned)s->tag_len;
  if (!EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_GCM_SET_TAG, s->tag_len,
                           buf + data) ||
      !EVP_CipherUpdate(s->ctx, buf, &out, buf, (int)data) ||
      !EVP_CipherFinal_ex(s->ctx, rest, &out))
    return srtp_err_status_auth_fail;
  *len = data;
  return srtp_err_status_ok;
}

/* The four types differ in their functions for ICM or GCM, their name,
 * libsrtp2's vectors and id; alloc picks the key size from the key length. */
#define ICM_TYPE(bits)                                                                                                 \
  {.alloc = icm_alloc, .dealloc = cipher_dealloc, .init = icm_init, .encrypt = icm_crypt, .decrypt = icm_crypt,       \
   .set_iv = icm_set_iv, .description = "AES-" #bits " ICM by OpenSSL (roomctl)",                                    \
   .test_data = &srtp_aes_icm_##bits##_test_case_0, .id = SRTP_AES_ICM_##bits}
#define GCM_TYPE(bits)                                                                                                 \
  {.alloc = gcm_alloc, .dealloc = cipher_dealloc, .init = gcm_init, .set_aad = gcm_set_aad, .encrypt = gcm_encrypt,   \
   .decrypt = gcm_decrypt, .set_iv = gcm_set_iv, .get_tag = gcm_get_tag,                                              \
   .description = "AES-" #bits " GCM by OpenSSL (roomctl)", .test_data = &srtp_aes_gcm_##bits##_test_case_0,          \
   .id = SRTP_AES_GCM_##bits}
static const srtp_cipher_type_t icm_128 = ICM_TYPE(128), icm_256 = ICM_TYPE(256), gcm_128 = GCM_TYPE(128),
                                gcm_256 = GCM_TYPE(256);

/* ---- HMAC-SHA1 ---- */

typedef struct {
  EVP_MAC *mac;
  EVP_MAC_CTX *ctx;
} hmac_state;

static const srtp_auth_type_t hmac_sha1;

static srtp_err_status_t hmac_dealloc(srtp_auth_t *a) {
  hmac_state *s = a->state;
  if (s) {
    EVP_MAC_CTX_free(s->ctx);
    EVP_MAC_free(s->mac);
    g_free(s);
  }
  g_free(a);
  return srtp_err_status_ok;
}

static srtp_err_status_t hmac_alloc(srtp_auth_t **out, int key_len,
                                    int out_len) {
  if (out_len > SHA1_LEN)
    return srtp_err_status_bad_param;
  srtp_auth_t *a = g_new0(srtp_auth_t, 1);
  hmac_state *s = g_new0(hmac_state, 1);
  a->state = s;
  a->type = &hmac_sha1;
  a->out_len = out_len;
  a->key_len = key_len;
  s->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  s->ctx = s->mac ? EVP_MAC_CTX_new(s->mac) : NULL;
  if (!s->ctx) {
    hmac_dealloc(a);
    return srtp_err_status_alloc_fail;
  }
  *out = a;
  return srtp_err_status_ok;
}

static srtp_err_status_t hmac_init(void *state, const uint8_t *key,
                                   int key_len) {
  hmac_state *s = state;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                          (char *)"SHA1", 0),
                         OSSL_PARAM_construct_end()};
  return EVP_MAC_init(s->ctx, key, (size_t)key_len, params)
             ? srtp_err_status_ok
             : srtp_err_status_auth_fail;
}

/* Again from the key init() set (OpenSSL 3 keeps it). */
static srtp_err_status_t hmac_start(void *state) {
  hmac_state *s = state;
  return EVP_MAC_init(s->ctx, NULL, 0, NULL) ? srtp_err_status_ok
                                             : srtp_err_status_auth_fail;
}

static srtp_err_status_t hmac_update(void *state, const uint8_t *data,
                                     int len) {
  hmac_state *s = state;
  return len >= 0 && EVP_MAC_update(s->ctx, data, (size_t)len)
             ? srtp_err_status_ok
             : srtp_err_status_auth_fail;
}

static srtp_err_status_t hmac_compute(void *state, const uint8_t *data, int len,
                                      int tag_len, uint8_t *result) {
  hmac_state *s = state;
  guint8 digest[EVP_MAX_MD_SIZE];
  size_t n = 0;
  if (tag_len > SHA1_LEN || len < 0)
    return srtp_err_status_bad_param;
  if (!EVP_MAC_update(s->ctx, data, (size_t)len) ||
      !EVP_MAC_final(s->ctx, digest, &n, sizeof digest) || n < (size_t)tag_len)
    return srtp_err_status_auth_fail;
  memcpy(result, digest, (size_t)tag_len);
  return srtp_err_status_ok;
}

static const srtp_auth_type_t hmac_sha1 = {
    .alloc = hmac_alloc, .dealloc = hmac_dealloc, .init = hmac_init, .compute = hmac_compute, .update = hmac_update,
    .start = hmac_start, .description = "HMAC-SHA1 by OpenSSL (roomctl)", .test_data = &srtp_hmac_test_case_0,
    .id = SRTP_HMAC_SHA1};

static gsize state; /* 0: not yet; 1: libsrtp2 failed; 2: NSS left in places; 3:
                       all OpenSSL */

gboolean rc_srtp_init(gboolean *openssl) {
  if (g_once_init_enter(&state)) {
    gsize result = 1;
    if (srtp_init() == srtp_err_status_ok) {
      static const srtp_cipher_type_t *const ciphers[] = {&icm_128, &icm_256,
                                                          &gcm_128, &gcm_256};
      result = 3;
      for (guint i = 0; i < G_N_ELEMENTS(ciphers); i++) {
        srtp_err_status_t e =
            srtp_replace_cipher_type(ciphers[i], ciphers[i]->id);
        if (e != srtp_err_status_ok) {
          g_warning("srtp: %s failed libsrtp2's checks (error %d); that cipher "
                    "stays libsrtp2's own",
                    ciphers[i]->description, e);
          result = 2;
        }
      }
      srtp_err_status_t e = srtp_replace_auth_type(&hmac_sha1, SRTP_HMAC_SHA1);
      if (e != srtp_err_status_ok) {
        g_warning("srtp: %s failed libsrtp2's checks (error %d); HMAC stays "
                  "libsrtp2's own",
                  hmac_sha1.description, e);
        result = 2;
      }
    }
    g_once_init_leave(&state, result);
  }
  if (openssl)
    *openssl = state == 3;
  return state >= 2;
}

gsize
rc_srtp_key_len(const char *suite)
{
  if (g_strcmp0(suite, RC_SRTP_AES_CM_80) == 0 || g_strcmp0(suite, RC_SRTP_AES_CM_32) == 0)
    return SRTP_AES_ICM_128_KEY_LEN_WSALT;
  if (g_strcmp0(suite, RC_SRTP_AEAD_GCM) == 0)
    return SRTP_AES_GCM_128_KEY_LEN_WSALT;
  return 0;
}

srtp_t
rc_srtp_sdes_new(const char *suite, const guint8 *key, gboolean inbound, GError **error)
{
  srtp_policy_t p = {0};
  gsize len = rc_srtp_key_len(suite);
  if (g_strcmp0(suite, RC_SRTP_AES_CM_80) == 0)
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
  else if (g_strcmp0(suite, RC_SRTP_AES_CM_32) == 0)
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p.rtp);
  else if (g_strcmp0(suite, RC_SRTP_AEAD_GCM) == 0)
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
  else {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "SRTP suite %s is not one we take", suite);
    return NULL;
  }
  if (g_strcmp0(suite, RC_SRTP_AEAD_GCM) == 0)
    p.rtcp = p.rtp; /* RFC 7714: SRTCP by the same AEAD */
  else
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp); /* RFC 4568: SRTCP's tag is 80 bits for both */
  guint8 k[RC_SRTP_KEY_MAX];
  memcpy(k, key, len);
  p.key = k;
  p.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
  p.window_size = 1024;
  p.allow_repeat_tx = !inbound;
  srtp_t s = NULL;
  srtp_err_status_t e = srtp_create(&s, &p);
  OPENSSL_cleanse(k, sizeof k);
  if (e != srtp_err_status_ok) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "SRTP context (%s): libsrtp2 error %d", suite, e);
    return NULL;
  }
  return s;
}
