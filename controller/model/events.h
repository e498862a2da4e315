/* events — the one table of the events roomctl sends to its clients: each
 * event's name, who hears it, and whether it is kept for resync.
 *
 * Kept events get the session's next seq and stay in its backlog, so a
 * tablet or dashboard that reconnects replays what it missed. Transient
 * ones (figures that are stale a second later) carry no seq and take no
 * room in the backlog: a client that missed one waits for the next, or
 * reads the same from its snapshot.
 *
 * Pure data: no state, any thread. */
#pragma once
#include <glib.h>

typedef enum {
  /* the session's tablets and consoles */
  RC_EVENT_SESSION_UPDATED,
  RC_EVENT_SESSION_DELETED,
  RC_EVENT_AGENDA_UPDATED,
  RC_EVENT_DELEGATES_UPDATED,
  RC_EVENT_SITES_UPDATED,
  RC_EVENT_ATTENDANCE_UPDATED,
  RC_EVENT_PRESENTATION_UPDATED,
  RC_EVENT_SPEAKERS_UPDATED,
  RC_EVENT_VOTE_OPENED,
  RC_EVENT_VOTE_PROGRESS,
  RC_EVENT_VOTE_CLOSED,
  RC_EVENT_DOCUMENTS_RECOVERED,
  /* both: the tablets and the technicians */
  RC_EVENT_MEDIA_UPDATED,
  RC_EVENT_SITE_FLOOR_UPDATED,
  /* the session's technicians */
  RC_EVENT_HEALTH_TICK,
  RC_EVENT_ALARM_RAISED,
  RC_EVENT_ALARM_CLEARED,
  RC_EVENT_ALARM_ACKED,
  RC_EVENT_CHECK_PROGRESS,
  RC_EVENT_CHECK_FINISHED,
  RC_EVENT_SIP_CALL,
  /* one voter's own connections */
  RC_EVENT_BALLOT_SEALED,
  RC_N_EVENTS
} rc_event;

typedef enum {
  RC_AUDIENCE_TABLETS = 1 << 0, /* subscribers of the session (tablets, consoles) */
  RC_AUDIENCE_TECH = 1 << 1,    /* subscribers of the session's health (dashboards) */
  RC_AUDIENCE_USER = 1 << 2,    /* the connections of one user; never kept */
} rc_audience;

typedef struct {
  const char *name; /* on the wire: the frame's "type" */
  rc_audience audience;
  gboolean kept;    /* a seq and a place in the resync backlog */
} rc_event_info;

/* The table row of @event. (transfer none) */
const rc_event_info *rc_event_get(rc_event event);
