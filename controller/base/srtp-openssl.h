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

/* An SRTP context for an SDES key (RFC 4568): @suite AES_CM_128_HMAC_SHA1_80
 * or _32 (SRTCP's tag is 80 bits for both), @key its 30 bytes of key and
 * salt, for packets that come in (@inbound) or go out (any SSRC; replay
 * window 1024). NULL with @error for another suite or a libsrtp2 error.
 * The SIP transport and roomctl-sim's SIP sites share it. */
struct srtp_ctx_t_;
struct srtp_ctx_t_ *rc_srtp_sdes_new(const char *suite, const guint8 *key, gboolean inbound, GError **error);
