/* session-plan — the use case "plan a session": create it, change its
 * title, room, description and times, delete it (not while live, its
 * documents' files along), and choose its delegates and sites, while
 * meeting.h's rules allow. Each change and its audit row (session.create,
 * session.update, session.delete, session.delegates, session.sites) are one
 * commit: when the audit row cannot be written the change is not made.
 * Then the session's subscribers hear of it (session.updated,
 * session.deleted, delegates.updated, sites.updated) and changed sites are
 * published (domain.h) so a live session's media follows. Dropping the
 * subscribers who may no longer see the session is the transport's. The
 * callers are editors, who see every session. Main loop only. */
#pragma once
#include "app/domain.h"
#include "model/meeting.h"
#include "store/store.h"

typedef struct rc_session_plan rc_session_plan;

/* All borrowed. (transfer full) */
rc_session_plan *rc_session_plan_new(rc_store *store, rc_meeting *meeting, rc_domain *domain);
void rc_session_plan_free(rc_session_plan *plan);

/* @fields: the validated title, room, description, starts_at, ends_at as
 * the store takes them (transfer none); ends_at must be after starts_at
 * (RC_ERROR_INVALID). The new session's id, or 0. */
gint64 rc_session_plan_create(rc_session_plan *plan, json_t *fields, gint64 by, GError **error);
/* Changes @fields (a subset of the above) of session @id. */
gboolean rc_session_plan_update(rc_session_plan *plan, gint64 id, json_t *fields, gint64 by, GError **error);
/* Deletes session @id; the meeting forgets it. */
gboolean rc_session_plan_delete(rc_session_plan *plan, gint64 id, gint64 by, GError **error);
/* Replaces the delegates with @user_ids (a JSON array of ids; transfer none). */
gboolean rc_session_plan_delegates(rc_session_plan *plan, gint64 id, json_t *user_ids, gint64 by, GError **error);
/* Replaces the sites with @site_ids (the same). */
gboolean rc_session_plan_sites(rc_session_plan *plan, gint64 id, json_t *site_ids, gint64 by, GError **error);

