/* meeting — event sequencing and backlog per session, and session-life rules. */
#define G_LOG_DOMAIN "roomctl-meeting"
#include "meeting.h"
#include "rc-error.h"

#include <string.h>

typedef struct {
  gint64 seq;     /* last seq given */
  GQueue backlog; /* GBytes frames, oldest first; frame i has seq (seq - len + 1 + i) */
  rc_floor *floor;
} session_events;

typedef struct {
  gint64 session_id;
  rc_vote *vote;
} held_vote;

struct rc_meeting {
  int backlog;
  char epoch[17];
  GHashTable *sessions; /* gint64* id -> session_events* */
  GHashTable *votes;    /* gint64* vote id -> held_vote* */
  rc_meeting_sink sink;
  gpointer sink_data;
};

static void
session_events_free(gpointer data)
{
  session_events *ev = data;
  g_queue_clear_full(&ev->backlog, (GDestroyNotify)g_bytes_unref);
  rc_floor_free(ev->floor);
  g_free(ev);
}

static void
held_vote_free(gpointer data)
{
  held_vote *h = data;
  rc_vote_free(h->vote);
  g_free(h);
}

rc_meeting *
rc_meeting_new(int backlog)
{
  rc_meeting *m = g_new0(rc_meeting, 1);
  m->backlog = backlog;
  g_snprintf(m->epoch, sizeof m->epoch, "%08x%08x", g_random_int(), g_random_int());
  m->sessions = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, session_events_free);
  m->votes = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, held_vote_free);
  return m;
}

void
rc_meeting_free(rc_meeting *m)
{
  if (!m)
    return;
  g_hash_table_destroy(m->votes);
  g_hash_table_destroy(m->sessions);
  g_free(m);
}

void
rc_meeting_set_sink(rc_meeting *m, rc_meeting_sink sink, gpointer user_data)
{
  m->sink = sink;
  m->sink_data = user_data;
}

const char *
rc_meeting_epoch(rc_meeting *m)
{
  return m->epoch;
}

static session_events *
events_for(rc_meeting *m, gint64 session_id, gboolean create)
{
  session_events *ev = g_hash_table_lookup(m->sessions, &session_id);
  if (!ev && create) {
    ev = g_new0(session_events, 1);
    g_queue_init(&ev->backlog);
    g_hash_table_insert(m->sessions, g_memdup2(&session_id, sizeof session_id), ev);
  }
  return ev;
}

gint64
rc_meeting_seq(rc_meeting *m, gint64 session_id)
{
  session_events *ev = events_for(m, session_id, FALSE);
  return ev ? ev->seq : 0;
}

gint64
rc_meeting_emit(rc_meeting *m, gint64 session_id, const char *type, json_t *body)
{
  session_events *ev = events_for(m, session_id, TRUE);
  json_error_t jerr;
  g_autoptr(json_t) frame = json_pack_ex(&jerr, 0, "{ss sI sI so}", "type", type, "session_id",
                                         (json_int_t)session_id, "seq", (json_int_t)(ev->seq + 1), "body",
                                         body ? body : json_object());
  if (!frame) { /* a programmer error: say which event, do not crash */
    g_critical("cannot build %s for session %" G_GINT64_FORMAT ": %s", type, session_id, jerr.text);
    return ev->seq;
  }
  gint64 seq = ++ev->seq;
  char *text = json_dumps(frame, JSON_COMPACT);
  GBytes *bytes = g_bytes_new_take(text, strlen(text));
  g_queue_push_tail(&ev->backlog, g_bytes_ref(bytes));
  while ((int)ev->backlog.length > m->backlog)
    g_bytes_unref(g_queue_pop_head(&ev->backlog));
  if (m->sink)
    m->sink(session_id, bytes, m->sink_data);
  g_bytes_unref(bytes);
  return seq;
}

void
rc_meeting_publish(rc_meeting *m, gint64 session_id, const char *type, json_t *body)
{
  json_error_t jerr;
  g_autoptr(json_t) frame = json_pack_ex(&jerr, 0, "{ss sI so}", "type", type, "session_id", (json_int_t)session_id,
                                         "body", body ? body : json_object());
  if (!frame) { /* a programmer error: say which event, do not crash */
    g_critical("cannot build %s for session %" G_GINT64_FORMAT ": %s", type, session_id, jerr.text);
    return;
  }
  char *text = json_dumps(frame, JSON_COMPACT);
  g_autoptr(GBytes) bytes = g_bytes_new_take(text, strlen(text));
  if (m->sink)
    m->sink(session_id, bytes, m->sink_data);
}

GPtrArray *
rc_meeting_replay(rc_meeting *m, gint64 session_id, const char *epoch, gint64 last_seq)
{
  session_events *ev = events_for(m, session_id, FALSE);
  gint64 seq = ev ? ev->seq : 0;
  gint64 oldest = ev ? seq - (gint64)ev->backlog.length + 1 : 1;
  if (g_strcmp0(epoch, m->epoch) != 0 || last_seq < 0 || last_seq > seq || last_seq + 1 < oldest)
    return NULL;
  GPtrArray *frames = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  if (!ev)
    return frames;
  guint skip = (guint)(last_seq + 1 - oldest);
  for (GList *l = g_queue_peek_nth_link(&ev->backlog, skip); l; l = l->next)
    g_ptr_array_add(frames, g_bytes_ref(l->data));
  return frames;
}

void
rc_meeting_forget(rc_meeting *m, gint64 session_id)
{
  session_events *ev = events_for(m, session_id, FALSE);
  if (ev)
    g_queue_clear_full(&ev->backlog, (GDestroyNotify)g_bytes_unref);
}

rc_floor *
rc_meeting_floor(rc_meeting *m, gint64 session_id)
{
  session_events *ev = events_for(m, session_id, TRUE);
  if (!ev->floor)
    ev->floor = rc_floor_new();
  return ev->floor;
}

void
rc_meeting_add_vote(rc_meeting *m, gint64 session_id, rc_vote *vote)
{
  held_vote *h = g_new0(held_vote, 1);
  gint64 id = rc_vote_id(vote);
  h->session_id = session_id;
  h->vote = vote;
  g_hash_table_replace(m->votes, g_memdup2(&id, sizeof id), h);
}

rc_vote *
rc_meeting_vote(rc_meeting *m, gint64 vote_id, gint64 *session_id)
{
  held_vote *h = g_hash_table_lookup(m->votes, &vote_id);
  if (h && session_id)
    *session_id = h->session_id;
  return h ? h->vote : NULL;
}

rc_vote *
rc_meeting_open_vote(rc_meeting *m, gint64 session_id)
{
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, m->votes);
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    held_vote *h = value;
    if (h->session_id == session_id && rc_vote_is_open(h->vote))
      return h->vote;
  }
  return NULL;
}

void
rc_meeting_drop_vote(rc_meeting *m, gint64 vote_id)
{
  g_hash_table_remove(m->votes, &vote_id);
}

gboolean
rc_meeting_session_transition(const char *status, const char *action, const char **next,
                              GError **error)
{
  if (g_strcmp0(action, "start") == 0 && g_strcmp0(status, "scheduled") == 0) {
    *next = "live";
    return TRUE;
  }
  if (g_strcmp0(action, "end") == 0 && g_strcmp0(status, "live") == 0) {
    *next = "ended";
    return TRUE;
  }
  g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "a %s session cannot be %s", status,
              g_strcmp0(action, "start") == 0 ? "started" : "ended");
  return FALSE;
}

gboolean
rc_meeting_session_editable(const char *status, GError **error)
{
  if (g_strcmp0(status, "ended") != 0)
    return TRUE;
  g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "an ended session cannot be changed");
  return FALSE;
}

gboolean
rc_meeting_session_deletable(const char *status, GError **error)
{
  if (g_strcmp0(status, "live") != 0)
    return TRUE;
  g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "a live session cannot be deleted; end it first");
  return FALSE;
}

gboolean
rc_meeting_attendance_open(const char *status, GError **error)
{
  if (g_strcmp0(status, "ended") != 0)
    return TRUE;
  g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "the session has ended; attendance is closed");
  return FALSE;
}
