/* organisations — the province's units as use cases: organisations and
 * rooms kept (audited), what a session belongs to and whom it invites,
 * and the names every app shows. Who may do each is access.h's; these
 * check what a change would reach. Main loop only. */
#pragma once
#include "app/auth.h"
#include "base/config.h"
#include "store/store.h"

/* The name an organisation shows: its own, or [meeting] organisation for
 * the province left unnamed (a deployment from before organisations).
 * (transfer full) */
char *rc_organisations_name(rc_store *store, rc_config *config, gint64 org_id);
/* @org (a row, changed in place) with "name" as shown. */
void rc_organisations_named(rc_config *config, json_t *org);
/* What /me adds for @user: {organisation: {id, code, name, kind},
 * province: NAME}. (transfer full) */
json_t *rc_organisations_of_user(rc_store *store, rc_config *config, json_t *user);

gint64 rc_organisations_create(rc_store *store, json_t *fields, gint64 by, GError **error);
gboolean rc_organisations_update(rc_store *store, gint64 id, json_t *fields, gint64 by, GError **error);
gboolean rc_organisations_delete(rc_store *store, gint64 id, gint64 by, GError **error);

/* Rooms: created in, or moved to, an organisation of @user's scope; the
 * hall site must be one @user may see. */
gint64 rc_organisations_room_create(rc_store *store, json_t *user, json_t *fields, GError **error);
gboolean rc_organisations_room_update(rc_store *store, json_t *user, gint64 id, json_t *fields, GError **error);
gboolean rc_organisations_room_delete(rc_store *store, json_t *user, gint64 id, GError **error);

/* Checks and completes a session's @fields (changed in place) before it is
 * created (@session_id 0) or changed: organisation_id defaults to
 * @user's own and must be in @user's scope; room_id must be a room of that
 * organisation, and sets "room" to its name. */
gboolean rc_organisations_session_fields(rc_store *store, json_t *user, gint64 session_id, json_t *fields,
                                         GError **error);
/* Checks an owner @fields["organisation_id"] of a user or site @user
 * writes: it must exist and be in @user's scope; a new one (@fill)
 * defaults to @user's own. */
gboolean rc_organisations_owner_field(rc_store *store, json_t *user, json_t *fields, gboolean fill, GError **error);
/* Sets the organisations @session_id invites, audited (session.invite). */
gboolean rc_organisations_invite(rc_store *store, gint64 session_id, json_t *organisation_ids, gint64 by,
                                 GError **error);

/* Session @id as @user sees it (who must be allowed to): the detail
 * (rc_store_session_detail) with the agenda shaped for them, the
 * delegates of their own organisations only if the session just invites
 * them, the organisation's name ("organisation"), the organisations it
 * invites ("invited") and how @user stands to it ("access": "scope",
 * "invited" or "member", as in the session list). (transfer full) */
json_t *rc_organisations_session_view(rc_store *store, rc_config *config, json_t *user, gint64 id, GError **error);
