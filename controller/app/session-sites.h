/* session-sites — a session's sites, read from the store, as the media
 * takes them (rc_media_site_desc). Main loop only. */
#pragma once
#include "media/media.h"
#include "store/store.h"

typedef struct {
  rc_media_site_desc *sites; /* n of them; their strings are the store rows' */
  guint n;
  json_t *rows;              /* the store's rows, kept while @sites is used */
  rc_srtp_key *keys;         /* n of them: the plain-RTP sites' SRTP keys that srtp_key points into */
} rc_session_sites;

/* Loads @session_id's sites into @out, with the plain-RTP sites' SRTP keys
 * unsealed (app/site-srtp-keys.h; one that does not open: srtp_refused,
 * logged); FALSE with @error if the store fails. */
gboolean rc_session_sites_load(rc_store *store, gint64 session_id, rc_session_sites *out, GError **error);
void rc_session_sites_clear(rc_session_sites *sites);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(rc_session_sites, rc_session_sites_clear)
