/* meeting — the live model of meeting sessions: per-session event sequence
 * numbers, the recent-event backlog that lets a reconnecting client catch
 * up, and the rules of a session's life (scheduled → live → ended).
 * Pure state, no I/O: events leave through the sink the net layer sets.
 * Main loop only. */
#pragma once
#include "model/events.h"
#include "model/floor.h"
#include "base/rc-json.h"
#include "model/vote.h"

typedef struct rc_meeting rc_meeting;

/* Receives each event frame (a serialized JSON text, transfer none) for the
 * subscribers of @session_id. */
typedef void (*rc_meeting_sink)(gint64 session_id, GBytes *frame, gpointer user_data);

/* @backlog: events kept per session for resync. (transfer full) */
rc_meeting *rc_meeting_new(int backlog);
void rc_meeting_free(rc_meeting *meeting);
void rc_meeting_set_sink(rc_meeting *meeting, rc_meeting_sink sink, gpointer user_data);

/* Changes each time the controller starts: a seq from another epoch means
 * nothing. (transfer none) */
const char *rc_meeting_epoch(rc_meeting *meeting);
/* The last seq given for @session_id (0 before any event). */
gint64 rc_meeting_seq(rc_meeting *meeting, gint64 session_id);

/* The topic a session's technicians subscribe to (its health, alarms,
 * checks), apart from its tablets' topic, which is @session_id itself. */
static inline gint64
rc_meeting_tech_topic(gint64 session_id)
{
  return -session_id;
}

/* Sends @event about @session_id to its audience in the event table
 * (events.h): the tablets' topic, the technicians' topic, or both. A kept
 * event gets the topic's next seq and a place in its backlog, frame
 * {"type","session_id","seq","body"}; a transient one is {"type",
 * "session_id","body"} and is not kept. @body: (transfer full), NULL for
 * {}. Returns the seq given (the tablets' where both), 0 for a transient
 * event. Not for RC_AUDIENCE_USER events. */
gint64 rc_meeting_send(rc_meeting *meeting, gint64 session_id, rc_event event, json_t *body);

/* The frames after @last_seq, in order (element type GBytes, transfer
 * container), or NULL when they cannot be replayed: another epoch, or some
 * of them have left the backlog. Then the client needs a snapshot. */
GPtrArray *rc_meeting_replay(rc_meeting *meeting, gint64 session_id, const char *epoch,
                             gint64 last_seq);

/* Drops the backlog of a deleted session (its seq keeps counting). */
void rc_meeting_forget(rc_meeting *meeting, gint64 session_id);

/* The speaker queue of @session_id, created on first use. (transfer none) */
rc_floor *rc_meeting_floor(rc_meeting *meeting, gint64 session_id);

/* Votes being held. @vote: (transfer full). A session has at most one open
 * vote; closed votes are dropped (their results live in the store). */
void rc_meeting_add_vote(rc_meeting *meeting, gint64 session_id, rc_vote *vote);
/* The vote with @vote_id and its session, or NULL. (transfer none) */
rc_vote *rc_meeting_vote(rc_meeting *meeting, gint64 vote_id, gint64 *session_id);
/* The open vote of @session_id, or NULL. (transfer none) */
rc_vote *rc_meeting_open_vote(rc_meeting *meeting, gint64 session_id);
void rc_meeting_drop_vote(rc_meeting *meeting, gint64 vote_id);

/* Session life. @action is "start" or "end"; on success *@next is the new
 * status (static string). RC_ERROR_INVALID_STATE otherwise. */
gboolean rc_meeting_session_transition(const char *status, const char *action, const char **next,
                                       GError **error);
/* Whether a session in @status may have its details, agenda or documents
 * edited (not once ended). */
gboolean rc_meeting_session_editable(const char *status, GError **error);
/* A session may be made closed at any time before its end, and opened again
 * only before it goes live: a live closed session stays closed
 * (RC_ERROR_INVALID_STATE). */
gboolean rc_meeting_session_closed_change(const char *status, gboolean was_closed, gboolean closed, GError **error);
/* A closed session is neither recorded nor served at RTSP: turning either
 * on (@record, @rtsp_out TRUE) for it is refused (RC_ERROR_INVALID_STATE). */
gboolean rc_meeting_session_outputs_allowed(gboolean closed, gboolean record, gboolean rtsp_out, GError **error);
/* Whether a session in @status may be deleted (not while live). */
gboolean rc_meeting_session_deletable(const char *status, GError **error);
/* Whether delegates may check in or out (not once ended). */
gboolean rc_meeting_attendance_open(const char *status, GError **error);
