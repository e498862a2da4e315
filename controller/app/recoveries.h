/* recoveries — the use case "a closed session's documents come back from
 * the tablets" (thu hồi tài liệu). A tablet that opens a closed session
 * says so with its own random device id (document_recoveries.first_seen_at);
 * when the session has ended, the tablet purges the session's documents and
 * the notes it kept, and sends a receipt: recorded with its audit row
 * (document.recovered) in one commit, then announced to the session's
 * consoles (documents.recovered, not kept). Main loop only. */
#pragma once
#include "app/auth.h"
#include "model/meeting.h"
#include "store/store.h"

/* TRUE when @device is a tablet id as the tablets make them: 8 to 64 of
 * [A-Za-z0-9_-]. */
gboolean rc_recoveries_device_valid(const char *device);

/* @user's tablet @device subscribed to @session (its row, as the store
 * gives it): when the session is closed, the tablet is noted as holding
 * its documents. Failures are logged, not returned: the subscription goes on. */
void rc_recoveries_seen(rc_store *store, json_t *user, json_t *session, const char *device);

/* @user's tablet @device reports it purged @documents documents and @notes
 * notes of @session_id. The session must be closed and ended, the user one
 * who takes part in it. A repeated receipt of a recorded tablet changes
 * nothing (no second audit row) and comes back with "already": true.
 * The recovery row. (transfer full) */
json_t *rc_recoveries_receipt(rc_store *store, rc_meeting *meeting, json_t *user, gint64 session_id,
                              const char *device, gint64 documents, gint64 notes, GError **error);
