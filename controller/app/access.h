/* access — the access policy: who may see a session, and who reads a
 * confidential document (and what a non-reader sees of one). @user is the
 * authenticated user as auth gives it. Main loop only. */
#pragma once
#include "app/auth.h"
#include "store/store.h"

/* What a caller wants to do with a session:
 * - READ: see it (its agenda, documents, attendance of their own people);
 * - TAKE_PART: check in, ask to speak, vote, take notes, as a member;
 * - RUN: change it or run it (staff of its organisation, by role). */
typedef enum { RC_NEED_READ, RC_NEED_TAKE_PART, RC_NEED_RUN } rc_access_need;

/* How @user stands to a session:
 * - SCOPE: the session's organisation is the user's own, or below it
 *   with include_children, or the user is a province admin;
 * - INVITED: the session invites an organisation of the user's scope;
 * - MEMBER: the user is one of its delegates (or chairs);
 * - NONE: none of these, or no such session. */
typedef enum { RC_RELATION_NONE, RC_RELATION_MEMBER, RC_RELATION_INVITED, RC_RELATION_SCOPE } rc_relation;

/* The organisations @user acts on (their own, and those below it with
 * include_children): a JSON array of ids, or NULL for a province admin,
 * who acts on all. (transfer full) */
json_t *rc_access_scope(rc_store *store, json_t *user);
/* Whether organisation @org_id is in @scope (from rc_access_scope). */
gboolean rc_access_in_scope(json_t *scope, gint64 org_id);
rc_relation rc_access_relation(rc_store *store, json_t *user, gint64 session_id);

/* Whether @user may do @need on the session. Outside every relation the
 * answer is RC_ERROR_NOT_FOUND, as for a session that does not exist, and
 * staff's refusals are audited (access.refused, detail @what). An invited
 * organisation's staff, or a member, asking for more than they have get
 * RC_ERROR_FORBIDDEN: they know the session. */
gboolean rc_access_session_for(rc_store *store, json_t *user, gint64 session_id, rc_access_need need,
                               const char *what, GError **error);
/* rc_access_session_for(READ): staff of its organisations and delegates of
 * the session see it. */
gboolean rc_access_session(rc_store *store, json_t *user, gint64 session_id, GError **error);
/* Whether @user may see (@run FALSE) or change (@run TRUE) what belongs to
 * organisation @org_id: a user, a site, a room. Seeing reaches the
 * organisations invited by the sessions of the user's scope too (to pick
 * their delegates and sites). Outside: RC_ERROR_NOT_FOUND naming @what. */
gboolean rc_access_organisation(rc_store *store, json_t *user, gint64 org_id, gboolean run, const char *what,
                                GError **error);
/* Keeps the rows of @rows (an array of objects, changed in place) whose
 * "organisation_id" @user may see. */
void rc_access_filter_rows(rc_store *store, json_t *user, json_t *rows);
/* Keeps the sessions of @rows @user may see, each with "access": "scope",
 * "invited" or "member". */
void rc_access_filter_sessions(rc_store *store, json_t *user, json_t *rows);
/* Keeps, in an attendance list (rc_store_attendance's "delegates"), the
 * people of @user's scope when @user sees the session only as invited. */
void rc_access_filter_attendance(rc_store *store, json_t *user, gint64 session_id, json_t *delegates);
/* The document @doc_id if @user may see it (transfer full): anyone who may
 * see its session, but for a confidential document only admins,
 * secretariat and chairs (with its "readers") and the delegates listed as
 * its readers. A confidential document's grants and refusals are audited
 * (document.read / document.refused, detail @what). Someone outside the
 * session gets RC_ERROR_NOT_FOUND; a delegate of the session who is not a
 * reader RC_ERROR_FORBIDDEN. */
json_t *rc_access_document(rc_store *store, json_t *user, gint64 doc_id, const char *what, GError **error);
/* Shapes @agenda (a tree from rc_store_agenda_tree, changed in place) for
 * @user: a confidential document that @user does not read keeps only its
 * id, item, title, page count and mark (the other metadata null). @user
 * must be allowed to see the session; NULL = nobody's reader (the view
 * every subscriber of a broadcast may get). */
void rc_access_agenda_for(rc_store *store, json_t *user, json_t *agenda);

/* What the id of a request names. */
typedef enum {
  RC_OBJECT_SESSION,
  RC_OBJECT_AGENDA_ITEM,
  RC_OBJECT_DOCUMENT,
  RC_OBJECT_ALARM,
  RC_OBJECT_SITE,
  RC_OBJECT_USER,
  RC_OBJECT_ROOM,
} rc_access_object_kind;
/* Whether @user may do @need on object @id: for a session's parts
 * (item, document, alarm) as on the session; for what an organisation
 * owns (site, user, room), READ sees and more changes. An object that does
 * not exist answers RC_ERROR_NOT_FOUND as one out of reach does. @what
 * names the request in the audit. */
gboolean rc_access_object(rc_store *store, json_t *user, rc_access_object_kind kind, gint64 id, rc_access_need need,
                          const char *what, GError **error);
