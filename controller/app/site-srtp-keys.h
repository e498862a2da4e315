/* site-srtp-keys — the use case "a plain-RTP site sends and takes SRTP":
 * the console makes a site's SRTP master key (random key and salt, one key
 * both ways) of one of two suites:
 * - AES_CM_128_HMAC_SHA1_80 (30 bytes), the default: stock ffmpeg's
 *   (-srtp_out_suite takes nothing else) and GStreamer's srtpenc;
 * - AEAD_AES_128_GCM (RFC 7714, 28 bytes): GStreamer's srtpenc, and
 *   hardware that has it; no HMAC, so about half the controller's cost a
 *   packet (make bench sites).
 * It shows the key once with the stock tools' lines for the site (no
 * ffmpeg lines for GCM), a new key replaces the old, and revoking makes
 * the site plain again. The key is stored sealed (base/seal.h) under the
 * daemon's key file, <data_dir>/srtp-seal.key (0600, made at the first
 * key); a GCM key's associated data names its suite, so changing the
 * stored suite alone makes the key not open. If that file is lost, the
 * sites' keys no longer open: those sites are refused (none of their media
 * is taken plain) and the log names each, until they are keyed anew. Each
 * change is one commit with its audit row (site.srtp_key,
 * site.srtp_key.revoke); the key is never logged nor audited. Telling the
 * media is the caller's. Main loop only. */
#pragma once
#include "base/config.h"
#include "base/srtp-openssl.h"
#include "store/store.h"

#include <jansson.h>

#define RC_SITE_SRTP_SUITE RC_SRTP_AES_CM_80 /* the default */
#define RC_SITE_SRTP_SEAL_FILE "srtp-seal.key"

/* The suites a plain site's key may have (NULL-terminated). */
extern const char *const rc_site_srtp_suites[];

/* A new key of @suite (NULL: RC_SITE_SRTP_SUITE) for plain-RTP site
 * @site_id by @by, audited: returns {site_id, key (base64, as ffmpeg and
 * SDP take it), key_hex (as GStreamer's srtpenc takes it), suite,
 * created_at, lines: {gst_send, gst_receive, and for AES-CM ffmpeg_send,
 * ffmpeg_receive}}, or NULL with @error (RC_ERROR_NOT_FOUND: no such site;
 * RC_ERROR_INVALID_STATE: not a plain-RTP site, or the sealing key file is
 * damaged; RC_ERROR_INVALID: not a suite of rc_site_srtp_suites).
 * (transfer full) */
json_t *rc_site_srtp_key_new(rc_store *store, rc_config *config, gint64 site_id, const char *suite, gint64 by,
                             GError **error);
/* Revokes @site_id's key, audited; RC_ERROR_NOT_FOUND when it has none. */
gboolean rc_site_srtp_key_revoke(rc_store *store, gint64 site_id, gint64 by, GError **error);
/* @site_id's key in clear into @key: TRUE when it has one that opens.
 * FALSE with @error NULL: it has none; FALSE with @error: it has one that
 * does not open (the sealing key file lost or replaced, or its row
 * changed: re-key the site). */
gboolean rc_site_srtp_key_get(rc_store *store, gint64 site_id, rc_srtp_key *key, GError **error);
