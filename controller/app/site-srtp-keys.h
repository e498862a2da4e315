/* site-srtp-keys — the use case "a plain-RTP site sends and takes SRTP":
 * the console makes a site's SRTP master key (30 random bytes: 16 of key,
 * 14 of salt, for AES_CM_128_HMAC_SHA1_80, one key both ways), shows it
 * once with the stock tools' lines for the site, a new key replaces the
 * old, and revoking makes the site plain again. The key is stored sealed
 * (base/seal.h) under the daemon's key file, <data_dir>/srtp-seal.key
 * (0600, made at the first key). If that file is lost, the sites' keys no
 * longer open: those sites are refused (none of their media is taken
 * plain) and the log names each, until they are keyed anew. Each change
 * is one commit with its audit row (site.srtp_key, site.srtp_key.revoke);
 * the key is never logged nor audited. Telling the media is the caller's.
 * Main loop only. */
#pragma once
#include "base/config.h"
#include "store/store.h"

#include <jansson.h>

#define RC_SITE_SRTP_KEY_LEN 30
#define RC_SITE_SRTP_SUITE "AES_CM_128_HMAC_SHA1_80"
#define RC_SITE_SRTP_SEAL_FILE "srtp-seal.key"

/* A new key for plain-RTP site @site_id by @by, audited: returns
 * {key (base64, as ffmpeg takes it), key_hex (as GStreamer's srtpenc
 * takes it), suite, created_at, lines: {ffmpeg_send, ffmpeg_receive,
 * gst_send, gst_receive}}, or NULL with @error (RC_ERROR_NOT_FOUND: no
 * such site; RC_ERROR_INVALID_STATE: not a plain-RTP site, or the sealing
 * key file is damaged). (transfer full) */
json_t *rc_site_srtp_key_new(rc_store *store, rc_config *config, gint64 site_id, gint64 by, GError **error);
/* Revokes @site_id's key, audited; RC_ERROR_NOT_FOUND when it has none. */
gboolean rc_site_srtp_key_revoke(rc_store *store, gint64 site_id, gint64 by, GError **error);
/* @site_id's key in clear into @key: TRUE when it has one that opens.
 * FALSE with @error NULL: it has none; FALSE with @error: it has one that
 * does not open (the sealing key file lost or replaced: re-key the site). */
gboolean rc_site_srtp_key_get(rc_store *store, gint64 site_id, guint8 key[RC_SITE_SRTP_KEY_LEN], GError **error);
