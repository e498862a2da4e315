/* Unit tests for meeting: event sequencing, the resync backlog, and the
 * rules of a session's life. */
#include "model/meeting.h"
#include "base/rc-error.h"

#include <string.h>

typedef struct {
  GPtrArray *frames; /* what the sink received */
  GArray *sessions;
} sink_log;

static void
record(gint64 session_id, GBytes *frame, gpointer data)
{
  sink_log *log = data;
  g_ptr_array_add(log->frames, g_bytes_ref(frame));
  g_array_append_val(log->sessions, session_id);
}

static json_t *
frame_json(GBytes *frame)
{
  gsize len;
  const char *data = g_bytes_get_data(frame, &len);
  return json_loadb(data, len, 0, NULL);
}

static void
test_seq_per_session(void)
{
  rc_meeting *m = rc_meeting_new(10);
  sink_log log = {g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref), g_array_new(FALSE, FALSE, sizeof(gint64))};
  rc_meeting_set_sink(m, record, &log);
  g_assert_cmpint(rc_meeting_seq(m, 1), ==, 0);
  g_assert_cmpint(rc_meeting_send(m, 1, RC_EVENT_AGENDA_UPDATED, json_pack("{si}", "x", 1)), ==, 1);
  g_assert_cmpint(rc_meeting_send(m, 1, RC_EVENT_SPEAKERS_UPDATED, NULL), ==, 2);
  g_assert_cmpint(rc_meeting_send(m, 2, RC_EVENT_VOTE_OPENED, NULL), ==, 1);
  g_assert_cmpint(rc_meeting_seq(m, 1), ==, 2);
  g_assert_cmpuint(log.frames->len, ==, 3);
  g_autoptr(json_t) first = frame_json(log.frames->pdata[0]);
  g_assert_cmpstr(json_string_value(json_object_get(first, "type")), ==, "agenda.updated");
  g_assert_cmpint(json_integer_value(json_object_get(first, "seq")), ==, 1);
  g_assert_cmpint(json_integer_value(json_object_get(first, "session_id")), ==, 1);
  g_assert_cmpint(json_integer_value(json_object_get(json_object_get(first, "body"), "x")), ==, 1);
  g_assert_cmpint(g_array_index(log.sessions, gint64, 2), ==, 2);
  rc_meeting_free(m);
  g_ptr_array_unref(log.frames);
  g_array_unref(log.sessions);
}

static void
test_replay(void)
{
  rc_meeting *m = rc_meeting_new(3);
  const char *epoch = rc_meeting_epoch(m);
  for (int i = 0; i < 5; i++)
    rc_meeting_send(m, 7, RC_EVENT_PRESENTATION_UPDATED, json_pack("{si}", "i", i + 1));
  /* backlog holds seq 3, 4, 5 */
  g_autoptr(GPtrArray) up_to_date = rc_meeting_replay(m, 7, epoch, 5);
  g_assert_nonnull(up_to_date);
  g_assert_cmpuint(up_to_date->len, ==, 0);
  g_autoptr(GPtrArray) two = rc_meeting_replay(m, 7, epoch, 3);
  g_assert_cmpuint(two->len, ==, 2);
  g_autoptr(json_t) f = frame_json(two->pdata[0]);
  g_assert_cmpint(json_integer_value(json_object_get(f, "seq")), ==, 4);
  g_autoptr(GPtrArray) three = rc_meeting_replay(m, 7, epoch, 2);
  g_assert_cmpuint(three->len, ==, 3);
  /* seq 2 itself has left the backlog: 1 → needs a snapshot */
  g_assert_null(rc_meeting_replay(m, 7, epoch, 1));
  g_assert_null(rc_meeting_replay(m, 7, "another-epoch", 4));
  g_assert_null(rc_meeting_replay(m, 7, epoch, 6)); /* from the future */
  g_assert_null(rc_meeting_replay(m, 7, NULL, 4));
  rc_meeting_forget(m, 7);
  g_assert_null(rc_meeting_replay(m, 7, epoch, 4));
  g_assert_cmpint(rc_meeting_send(m, 7, RC_EVENT_SESSION_UPDATED, NULL), ==, 6);
  rc_meeting_free(m);
}

/* The event table decides the topic and whether an event is kept. */
static void
test_event_table(void)
{
  rc_meeting *m = rc_meeting_new(10);
  sink_log log = {g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref), g_array_new(FALSE, FALSE, sizeof(gint64))};
  rc_meeting_set_sink(m, record, &log);
  const char *epoch = rc_meeting_epoch(m);
  /* Transient: no seq, nothing in the backlog, the seq does not move. */
  g_assert_cmpint(rc_meeting_send(m, 3, RC_EVENT_VOTE_PROGRESS, json_pack("{si}", "cast", 1)), ==, 0);
  g_assert_cmpint(rc_meeting_seq(m, 3), ==, 0);
  g_assert_cmpuint(log.frames->len, ==, 1);
  g_autoptr(json_t) progress = frame_json(log.frames->pdata[0]);
  g_assert_cmpstr(json_string_value(json_object_get(progress, "type")), ==, "vote.progress");
  g_assert_null(json_object_get(progress, "seq"));
  g_assert_cmpint(g_array_index(log.sessions, gint64, 0), ==, 3);
  g_assert_cmpint(rc_meeting_send(m, 3, RC_EVENT_VOTE_CLOSED, NULL), ==, 1);
  g_autoptr(GPtrArray) replay = rc_meeting_replay(m, 3, epoch, 0);
  g_assert_cmpuint(replay->len, ==, 1); /* vote.closed only */
  /* The technicians' events go to their topic; media.updated to both, each
   * with its own seq. */
  rc_meeting_send(m, 3, RC_EVENT_ALARM_RAISED, NULL);
  rc_meeting_send(m, 3, RC_EVENT_HEALTH_TICK, NULL);
  g_assert_cmpint(rc_meeting_send(m, 3, RC_EVENT_MEDIA_UPDATED, NULL), ==, 2);
  g_assert_cmpint(rc_meeting_seq(m, 3), ==, 2);
  g_assert_cmpint(rc_meeting_seq(m, rc_meeting_tech_topic(3)), ==, 2); /* the alarm, the media */
  gint64 want[] = {3, 3, -3, -3, 3, -3};
  g_assert_cmpuint(log.sessions->len, ==, G_N_ELEMENTS(want));
  for (guint i = 0; i < G_N_ELEMENTS(want); i++)
    g_assert_cmpint(g_array_index(log.sessions, gint64, i), ==, want[i]);
  g_autoptr(json_t) tick = frame_json(log.frames->pdata[3]);
  g_assert_cmpstr(json_string_value(json_object_get(tick, "type")), ==, "health.tick");
  g_assert_null(json_object_get(tick, "seq"));
  for (int e = 0; e < RC_N_EVENTS; e++)
    g_assert_nonnull(rc_event_get((rc_event)e)->name);
  rc_meeting_free(m);
  g_ptr_array_unref(log.frames);
  g_array_unref(log.sessions);
}

/* An event for one user's connections has no session topic: a
 * programmer error, said and not sent. */
static void
test_event_user_refused(void)
{
  if (g_test_subprocess()) {
    rc_meeting *m = rc_meeting_new(10);
    rc_meeting_send(m, 3, RC_EVENT_BALLOT_SEALED, json_object());
    rc_meeting_free(m);
    return;
  }
  g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed(); /* criticals are fatal under g_test */
  g_test_trap_assert_stderr("*event ballot.sealed has no session audience*");
}

static void
test_epoch_changes(void)
{
  rc_meeting *a = rc_meeting_new(1), *b = rc_meeting_new(1);
  g_assert_cmpstr(rc_meeting_epoch(a), !=, rc_meeting_epoch(b));
  g_assert_cmpuint(strlen(rc_meeting_epoch(a)), ==, 16);
  rc_meeting_free(a);
  rc_meeting_free(b);
}

static void
test_session_life(void)
{
  const char *next = NULL;
  g_autoptr(GError) error = NULL;
  g_assert_true(rc_meeting_session_transition("scheduled", "start", &next, &error));
  g_assert_cmpstr(next, ==, "live");
  g_assert_true(rc_meeting_session_transition("live", "end", &next, &error));
  g_assert_cmpstr(next, ==, "ended");
  const char *refused[][2] = {{"scheduled", "end"}, {"live", "start"}, {"ended", "start"}, {"ended", "end"}};
  for (guint i = 0; i < G_N_ELEMENTS(refused); i++) {
    g_clear_error(&error);
    g_assert_false(rc_meeting_session_transition(refused[i][0], refused[i][1], &next, &error));
    g_assert_error(error, RC_ERROR, RC_ERROR_INVALID_STATE);
  }
  g_clear_error(&error);
  g_assert_true(rc_meeting_session_editable("live", NULL));
  g_assert_false(rc_meeting_session_editable("ended", &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID_STATE);
  g_assert_true(rc_meeting_session_deletable("ended", NULL));
  g_assert_false(rc_meeting_session_deletable("live", NULL));
  g_assert_true(rc_meeting_attendance_open("scheduled", NULL));
  g_assert_false(rc_meeting_attendance_open("ended", NULL));
}

static void
test_live_state(void)
{
  rc_meeting *m = rc_meeting_new(4);
  rc_floor *f1 = rc_meeting_floor(m, 1);
  g_assert_true(rc_meeting_floor(m, 1) == f1); /* one queue per session */
  g_assert_true(rc_meeting_floor(m, 2) != f1);
  rc_floor_request(f1, 9, 1, NULL);
  g_assert_cmpuint(rc_floor_queue_length(rc_meeting_floor(m, 1)), ==, 1);
  g_assert_null(rc_meeting_open_vote(m, 1));
  rc_meeting_add_vote(m, 1, rc_vote_new(10, 3, TRUE, FALSE));
  rc_meeting_add_vote(m, 2, rc_vote_new(11, 2, FALSE, TRUE));
  gint64 session = 0;
  rc_vote *v = rc_meeting_vote(m, 10, &session);
  g_assert_nonnull(v);
  g_assert_cmpint(session, ==, 1);
  g_assert_true(rc_meeting_open_vote(m, 1) == v);
  rc_vote_close(v);
  g_assert_null(rc_meeting_open_vote(m, 1)); /* closed votes are not "the open vote" */
  rc_meeting_drop_vote(m, 10);
  g_assert_null(rc_meeting_vote(m, 10, NULL));
  g_assert_nonnull(rc_meeting_open_vote(m, 2));
  rc_meeting_free(m); /* frees the remaining vote and floors */
}

static void
test_closed_change(void)
{
  GError *error = NULL;
  g_assert_true(rc_meeting_session_closed_change("scheduled", FALSE, TRUE, NULL));
  g_assert_true(rc_meeting_session_closed_change("scheduled", TRUE, FALSE, NULL)); /* before it goes live */
  g_assert_true(rc_meeting_session_closed_change("live", FALSE, TRUE, NULL));      /* closed while live */
  g_assert_true(rc_meeting_session_closed_change("live", TRUE, TRUE, NULL));
  g_assert_false(rc_meeting_session_closed_change("live", TRUE, FALSE, &error));   /* not opened while live */
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID_STATE);
  g_clear_error(&error);
  g_assert_true(rc_meeting_session_outputs_allowed(FALSE, TRUE, TRUE, NULL)); /* an open session: as asked */
  g_assert_true(rc_meeting_session_outputs_allowed(TRUE, FALSE, FALSE, NULL));
  g_assert_false(rc_meeting_session_outputs_allowed(TRUE, FALSE, TRUE, &error)); /* closed: no RTSP */
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID_STATE);
  g_assert_nonnull(strstr(error->message, "rtsp_out: "));
  g_clear_error(&error);
  g_assert_false(rc_meeting_session_outputs_allowed(TRUE, TRUE, FALSE, &error)); /* nor recording */
  g_assert_nonnull(strstr(error->message, "record: "));
  g_clear_error(&error);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/meeting/seq-per-session", test_seq_per_session);
  g_test_add_func("/meeting/replay", test_replay);
  g_test_add_func("/meeting/event-table", test_event_table);
  g_test_add_func("/meeting/event-user-refused", test_event_user_refused);
  g_test_add_func("/meeting/epoch", test_epoch_changes);
  g_test_add_func("/meeting/closed-change", test_closed_change);
  g_test_add_func("/meeting/session-life", test_session_life);
  g_test_add_func("/meeting/live-state", test_live_state);
  return g_test_run();
}
