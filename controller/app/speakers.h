/* speakers — the use case "the floor": requests to speak, the chair's
 * grant (the speaking limit of the current item, else [meeting]
 * speaking_seconds; published: the program follows the speaker's site), the end
 * of a turn (its duration stored), and the floor cleared when the session
 * ends. The queue and the turn are rc_floor (floor.h, in the meeting
 * model); each change is stored first, then announced as speakers.updated.
 * Each answer is the floor as the wire shows it (transfer full).
 * Main loop only. */
#pragma once
#include "base/config.h"
#include "model/meeting.h"
#include "app/domain.h"
#include "store/store.h"

typedef struct rc_speakers rc_speakers;

/* All borrowed. (transfer full) */
rc_speakers *rc_speakers_new(rc_config *config, rc_store *store, rc_meeting *meeting, rc_domain *domain);
void rc_speakers_free(rc_speakers *speakers);

/* @user_id (checked in) asks to speak on @item_id (0 = none). */
json_t *rc_speakers_request(rc_speakers *speakers, gint64 session_id, gint64 item_id, gint64 user_id, GError **error);
json_t *rc_speakers_withdraw(rc_speakers *speakers, gint64 session_id, gint64 user_id, GError **error);
/* @by gives the floor to delegate @user_id on @item_id. */
json_t *rc_speakers_grant(rc_speakers *speakers, gint64 session_id, gint64 item_id, gint64 user_id, gint64 by,
                          GError **error);
/* The current turn ends (by the speaker or the chair, @by). */
json_t *rc_speakers_end(rc_speakers *speakers, gint64 session_id, gint64 by, GError **error);
/* The session ends: the turn ends and the queue empties, in one transaction. */
gboolean rc_speakers_clear(rc_speakers *speakers, gint64 session_id, GError **error);
/* After a restart: the queue and the turn of live session @session_id from the store. */
void rc_speakers_restore(rc_speakers *speakers, gint64 session_id);
/* The floor now. (transfer full) */
json_t *rc_speakers_json(rc_speakers *speakers, gint64 session_id);
