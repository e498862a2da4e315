/* events — the outbound event table (see events.h). */
#include "model/events.h"

static const rc_event_info table[RC_N_EVENTS] = {
  [RC_EVENT_SESSION_UPDATED] = {"session.updated", RC_AUDIENCE_TABLETS, TRUE},
  [RC_EVENT_SESSION_DELETED] = {"session.deleted", RC_AUDIENCE_TABLETS, TRUE},
  [RC_EVENT_AGENDA_UPDATED] = {"agenda.updated", RC_AUDIENCE_TABLETS, TRUE},
  [RC_EVENT_DELEGATES_UPDATED] = {"delegates.updated", RC_AUDIENCE_TABLETS, TRUE},
  [RC_EVENT_SITES_UPDATED] = {"sites.updated", RC_AUDIENCE_TABLETS, TRUE},
  [RC_EVENT_ATTENDANCE_UPDATED] = {"attendance.updated", RC_AUDIENCE_TABLETS, TRUE},
  [RC_EVENT_PRESENTATION_UPDATED] = {"presentation.updated", RC_AUDIENCE_TABLETS, TRUE},
  [RC_EVENT_SPEAKERS_UPDATED] = {"speakers.updated", RC_AUDIENCE_TABLETS, TRUE},
  [RC_EVENT_VOTE_OPENED] = {"vote.opened", RC_AUDIENCE_TABLETS, TRUE},
  /* A count that the next one (at most 200 ms later) or vote.closed replaces. */
  [RC_EVENT_VOTE_PROGRESS] = {"vote.progress", RC_AUDIENCE_TABLETS, FALSE},
  [RC_EVENT_VOTE_CLOSED] = {"vote.closed", RC_AUDIENCE_TABLETS, TRUE},
  /* A tablet's receipt for a closed session's documents: the console's
   * list (GET /sessions/{id}/recoveries) is its snapshot. */
  [RC_EVENT_DOCUMENTS_RECOVERED] = {"documents.recovered", RC_AUDIENCE_TABLETS, FALSE},
  [RC_EVENT_MEDIA_UPDATED] = {"media.updated", RC_AUDIENCE_TABLETS | RC_AUDIENCE_TECH, TRUE},
  /* The sites asking for the floor: GET /sessions/{id}/site-floor is its snapshot. */
  [RC_EVENT_SITE_FLOOR_UPDATED] = {"floor.sites.updated", RC_AUDIENCE_TABLETS | RC_AUDIENCE_TECH, TRUE},
  /* Twice a second, every site's figures: the next one replaces it. */
  [RC_EVENT_HEALTH_TICK] = {"health.tick", RC_AUDIENCE_TECH, FALSE},
  [RC_EVENT_ALARM_RAISED] = {"alarm.raised", RC_AUDIENCE_TECH, TRUE},
  [RC_EVENT_ALARM_CLEARED] = {"alarm.cleared", RC_AUDIENCE_TECH, TRUE},
  [RC_EVENT_ALARM_ACKED] = {"alarm.acked", RC_AUDIENCE_TECH, TRUE},
  /* Once a second while a check runs: check.finished carries the result. */
  [RC_EVENT_CHECK_PROGRESS] = {"check.progress", RC_AUDIENCE_TECH, FALSE},
  [RC_EVENT_CHECK_FINISHED] = {"check.finished", RC_AUDIENCE_TECH, TRUE},
  /* A SIP call's new state: GET /sessions/{id}/sip/calls is its snapshot. */
  [RC_EVENT_SIP_CALL] = {"sip.call", RC_AUDIENCE_TECH, FALSE},
  /* The snapshot's my_ballot.state tells a tablet that missed it. */
  [RC_EVENT_BALLOT_SEALED] = {"ballot.sealed", RC_AUDIENCE_USER, FALSE},
};

const rc_event_info *
rc_event_get(rc_event event)
{
  g_return_val_if_fail(event < RC_N_EVENTS, NULL);
  return &table[event];
}

