/* calendar — the use case "see the sessions in a calendar app": sessions as
 * iCalendar (RFC 5545), one session's or a feed of every session the user
 * may see (access.h), and the per-user feed tokens that let a calendar app
 * subscribe without a bearer header (only their SHA-256 is stored; a new
 * token revokes the previous one; each change is one commit with its audit
 * row). Main loop only. */
#pragma once
#include "base/config.h"
#include "store/store.h"

#include <jansson.h>

/* Session @session_id as one event, if @user may see it (access.h; else
 * NULL with @error). (transfer full) */
GBytes *rc_calendar_session(const rc_config *config, rc_store *store, json_t *user, gint64 session_id,
                            GError **error);
/* The feed of @user: every session staff see, a delegate's own otherwise.
 * (transfer full) */
GBytes *rc_calendar_feed(const rc_config *config, rc_store *store, json_t *user, GError **error);

/* The user whose feed @token is, or NULL (unknown or revoked). (transfer full) */
json_t *rc_calendar_token_user(rc_store *store, const char *token);
/* A new feed token for @user_id (the previous one revoked), audited
 * (calendar.token): its 64 hex digits, *@created_at set; NULL with @error.
 * The caller zeroes the token when done. (transfer full) */
char *rc_calendar_token_new(rc_store *store, gint64 user_id, char **created_at, GError **error);
/* Revokes @user_id's feed token, audited (calendar.revoke);
 * RC_ERROR_NOT_FOUND when there is none. */
gboolean rc_calendar_token_revoke(rc_store *store, gint64 user_id, GError **error);
