/* site-credentials — the use case "a WebRTC site signs in": the console
 * makes a site's credential (a secret shown once; a new one replaces the
 * old), revokes it, and a site that presents its secret sees itself, its
 * live session and whether it holds the floor. Each change is one commit
 * with its audit row; the secret is never logged nor audited. Ending a
 * revoked site's call is the caller's (it holds the media). Main loop only. */
#pragma once
#include "base/config.h"
#include "media/media.h"
#include "model/meeting.h"
#include "store/store.h"

#include <jansson.h>

/* A new credential for @site_id by @by, audited (site.credential): the
 * secret, *@created_at set (transfer full, both); NULL with @error
 * (RC_ERROR_NOT_FOUND: no such site). Free the secret with
 * rc_store_secret_free. */
char *rc_site_credential_new(rc_store *store, gint64 site_id, gint64 by, char **created_at, GError **error);
/* Revokes @site_id's credential, audited (site.credential.revoke);
 * RC_ERROR_NOT_FOUND when it has none. */
gboolean rc_site_credential_revoke(rc_store *store, gint64 site_id, gint64 by, GError **error);
/* The site whose credential @secret is, 0 for none. */
gint64 rc_site_credential_site(rc_store *store, const char *secret);

/* What site @site_id sees: {"site":{id,code,name,transport,level},
 * "session":{id,title,status,closed}|null (the live session it is in),
 * "closed" (that session is closed: phiên họp kín), "floor"
 * (it holds the floor there: the program follows it, or, without media,
 * the speaker is one of its delegates), "asking" (it asks for the floor
 * there: site-floor.h), "organisation":{id,code,name,kind},
 * "province"}. @media may be NULL. (transfer full) */
json_t *rc_site_credential_view(rc_store *store, rc_config *config, rc_media *media, rc_meeting *meeting,
                                gint64 site_id, GError **error);
