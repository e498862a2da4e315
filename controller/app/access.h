/* access — the access policy: who may see a session, and who reads a
 * confidential document (and what a non-reader sees of one). @user is the
 * authenticated user as auth gives it. Main loop only. */
#pragma once
#include "app/auth.h"
#include "store/store.h"

/* Access to one session: staff see every session, delegates only their own. */
gboolean rc_access_session(rc_store *store, json_t *user, gint64 session_id, GError **error);
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
