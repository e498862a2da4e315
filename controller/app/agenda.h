/* agenda — the use case "build a session's agenda": items added, changed,
 * moved and deleted while the session may be edited (meeting.h's rule).
 * Each change is one commit, then agenda.updated goes to the session's
 * subscribers with the tree anyone may see (a confidential document's
 * metadata withheld, access.h). A deleted item takes the files of its
 * documents along when no other document has the same bytes. The callers
 * are editors, who see every session (access.h). Main loop only. */
#pragma once
#include "model/meeting.h"
#include "store/store.h"

typedef struct rc_agenda rc_agenda;

/* All borrowed. (transfer full) */
rc_agenda *rc_agenda_new(rc_store *store, rc_meeting *meeting);
void rc_agenda_free(rc_agenda *agenda);

/* Whether session @session_id exists and may be edited (RC_ERROR_NOT_FOUND,
 * RC_ERROR_INVALID_STATE). */
gboolean rc_agenda_session_editable(rc_store *store, gint64 session_id, GError **error);
/* The session of agenda item @item_id if it may be edited; 0 with @error
 * (RC_ERROR_NOT_FOUND "agenda item not found", or as above). */
gint64 rc_agenda_item_editable(rc_store *store, gint64 item_id, GError **error);

/* Adds an item under @parent_id (0 = top level) at @position (< 0 = last)
 * with @fields (the validated title, presenter, planned_minutes,
 * speaking_seconds as the store takes them; transfer none). Its id, or 0. */
gint64 rc_agenda_item_add(rc_agenda *agenda, gint64 session_id, gint64 parent_id, int position, json_t *fields,
                          GError **error);
/* Changes item @item_id's @fields (as above). Its session's id, or 0. */
gint64 rc_agenda_item_change(rc_agenda *agenda, gint64 item_id, json_t *fields, GError **error);
/* Moves item @item_id under @parent_id at @position. Its session's id, or 0. */
gint64 rc_agenda_item_move(rc_agenda *agenda, gint64 item_id, gint64 parent_id, int position, GError **error);
/* Deletes item @item_id, what is below it and their documents. */
gboolean rc_agenda_item_delete(rc_agenda *agenda, gint64 item_id, GError **error);

/* Sends agenda.updated to @session_id's subscribers. */
void rc_agenda_announce(rc_store *store, rc_meeting *meeting, gint64 session_id);
