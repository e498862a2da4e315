/* srtp-openssl — libsrtp2's ciphers and its HMAC, run by OpenSSL.
 *
 * Debian 12 builds libsrtp2 with NSS as its crypto. Every NSS call
 * (PK11_Encrypt) opens and closes a PKCS#11 session in the softoken, with
 * its allocations and locks: protecting one 1200-byte packet with
 * AES-128-GCM costs 1.6 us in one thread and 6-7 us each in two threads
 * that protect at the same time (their locks contend); AES-CM with
 * HMAC-SHA1 costs 9.4 us and 27 us. The AES itself is under 5 % of it.
 * libsrtp2 lets an application replace a cipher or an authentication type
 * by id (srtp_replace_cipher_type, srtp_replace_auth_type); this module
 * gives it AES-ICM (128, 256), AES-GCM (128, 256) and HMAC-SHA1 made of
 * OpenSSL's EVP calls, with one context per libsrtp2 cipher, so nothing is
 * shared between threads. The SRTP protocol (key derivation, packet
 * indexes, replay, what is authenticated) stays libsrtp2's.
 *
 * libsrtp2 checks each replacement against the test vectors of the type it
 * replaces before taking it; a replacement that fails them is not taken
 * and that type stays NSS's (logged). */
#pragma once
#include <glib.h>

/* srtp_init() once per process, then the replacements. Any thread, any
 * number of times. Returns whether libsrtp2 works at all; *@openssl (may be
 * NULL) says whether every replacement was taken. */
gboolean rc_srtp_init(gboolean *openssl);

/* The SDES suites (RFC 4568, RFC 7714 section 14.2) rc_srtp_sdes_new takes. */
#define RC_SRTP_AES_CM_80 "AES_CM_128_HMAC_SHA1_80"
#define RC_SRTP_AES_CM_32 "AES_CM_128_HMAC_SHA1_32"
#define RC_SRTP_AEAD_GCM "AEAD_AES_128_GCM"
#define RC_SRTP_KEY_MAX 30 /* the longest key and salt of them */

/* A key in clear with its suite. */
typedef struct {
  const char *suite;             /* one of the RC_SRTP_ suites above (static) */
  guint8 bytes[RC_SRTP_KEY_MAX]; /* rc_srtp_key_len(suite) of key and salt */
} rc_srtp_key;

/* The bytes of key and salt @suite takes: 30 for AES-CM (16 + 14), 28 for
 * AEAD_AES_128_GCM (16 + 12); 0 for a suite not taken here. */
gsize rc_srtp_key_len(const char *suite);

/* An SRTP context for an SDES key: @suite AES_CM_128_HMAC_SHA1_80 or _32
 * (SRTCP's tag is 80 bits for both), or AEAD_AES_128_GCM (RFC 7714: AES-GCM
 * with a 16-byte tag for SRTP and SRTCP, no HMAC), @key its
 * rc_srtp_key_len(@suite) bytes of key and salt, for packets that come in
 * (@inbound) or go out (any SSRC; replay window 1024). NULL with @error for
 * another suite or a libsrtp2 error. The SIP and plain-RTP transports and
 * roomctl-sim share it. */
struct srtp_ctx_t_;
struct srtp_ctx_t_ *rc_srtp_sdes_new(const char *suite, const guint8 *key, gboolean inbound, GError **error);
