/* sessions — the use case "a session's life": going live (its program
 * comes up) and ending, which is one thing in one place: the open vote
 * closed as a chair closes it (received secret ballots sealed, the result
 * stored and announced), the turn ended and the queue dropped, the status
 * set; then the session's end is published (domain.h): the program is torn
 * down, the sites' calls and the recording alarm closed by their owners. The live part ends before the status does: a kill in between
 * leaves a live session without its vote, never an ended one with a vote
 * open; on error the session stays live and ending again finishes it.
 * Also the start-up: open votes, the floor and the program of live
 * sessions back from the store. Main loop only. */
#pragma once
#include "app/domain.h"
#include "model/meeting.h"
#include "app/speakers.h"
#include "store/store.h"
#include "app/votes.h"

typedef struct rc_sessions rc_sessions;

/* All borrowed. (transfer full) */
rc_sessions *rc_sessions_new(rc_store *store, rc_meeting *meeting, rc_votes *votes, rc_speakers *speakers,
                             rc_domain *domain);
void rc_sessions_free(rc_sessions *sessions);

/* "start" or "end" session @session_id (the caller checked @by may), as
 * meeting.h's rules allow from its status; announced as session.updated.
 * The session's row after it. (transfer full) */
json_t *rc_sessions_transition(rc_sessions *sessions, gint64 session_id, const char *action, gint64 by,
                               GError **error);
/* After a restart. */
void rc_sessions_restore(rc_sessions *sessions);
