/* meeting — event sequencing and backlog per session, and session-life rules. */
#define G_LOG_DOMAIN "roomctl-meeting"
#include "model/meeting.h"
#include "base/rc-error.h"

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

/* Gives the frame the topic's next seq, keeps it in the backlog and hands
 * it to the sink. @body: (transfer full). Returns the seq. */
static gint64
emit_kept(rc_meeting *m, gint64 topic, const char *type, json_t *body)
{
  session_events *ev = events_for(m, topic, TRUE);
  json_error_t jerr;
  g_autoptr(json_t) frame = json_pack_ex(&jerr, 0, "{ss sI sI so}", "type", type, "session_id",
                                         (json_int_t)topic, "seq", (json_int_t)(ev->seq + 1), "body",
                                         body ? body : json_object());
  if (!frame) { /* a programmer error: say which event, do not crash */
    g_critical("cannot build %s for session %" G_GINT64_FORMAT ": %s", type, topic, jerr.text);
    return ev->seq;
  }
  gint64 seq = ++ev->seq;
  char *text = json_dumps(frame, JSON_COMPACT);
  GBytes *bytes = g_bytes_new_take(text, strlen(text));
  g_queue_push_tail(&ev->backlog, g_bytes_ref(bytes));
  while ((int)ev->backlog.length > m->backlog)
    g_bytes_unref(g_queue_pop_head(&ev->backlog));
  if (m->sink)
    m->sink(topic, bytes, m->sink_data);
  g_bytes_unref(bytes);
  return seq;
}

/* Hands a frame with no seq to the topic's subscribers; not kept.
 * @body: (transfer full). */
static void
publish_transient(rc_meeting *m, gint64 topic, const char *type, json_t *body)
{
  json_error_t jerr;
  g_autoptr(json_t) frame = json_pack_ex(&jerr, 0, "{ss sI so}", "type", type, "session_id", (json_int_t)topic,
                                         "body", body ? body : json_object());
  if (!frame) { /* a programmer error: say which event, do not crash */
    g_critical("cannot build %s for session %" G_GINT64_FORMAT ": %s", type, topic, jerr.text);
    return;
  }
  char *text = json_dumps(frame, JSON_COMPACT);
  g_autoptr(GBytes) bytes = g_bytes_new_take(text, strlen(text));
  if (m->sink)
    m->sink(topic, bytes, m->sink_data);
}

gint64
rc_meeting_send(rc_meeting *m, gint64 session_id, rc_event event, json_t *body)
{
  const rc_event_info *e = rc_event_get(event);
  if (!e || !(e->audience & (RC_AUDIENCE_TABLETS | RC_AUDIENCE_TECH))) {
    g_critical("event %s has no session audience", e ? e->name : "(unknown)");
    json_decref(body);
    return 0;
  }
  gint64 topics[2];
  guint n = 0;
  if (e->audience & RC_AUDIENCE_TABLETS)
    topics[n++] = session_id;
  if (e->audience & RC_AUDIENCE_TECH)
    topics[n++] = rc_meeting_tech_topic(session_id);
  gint64 seq = 0;
  for (guint i = 0; i < n; i++) {
    json_t *b = i + 1 < n ? json_incref(body) : body; /* the last takes @body */
    if (!e->kept)
      publish_transient(m, topics[i], e->name, b);
    else if (i == 0)
      seq = emit_kept(m, topics[i], e->name, b);
    else
      emit_kept(m, topics[i], e->name, b);
  }
  return seq;
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
rc_meeting_session_closed_change(const char *status, gboolean was_closed, gboolean closed, GError **error)
{
  if (closed || !was_closed || g_strcmp0(status, "live") != 0)
    return TRUE;
  g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "a live closed session stays closed until it ends");
  return FALSE;
}

gboolean
rc_meeting_session_outputs_allowed(gboolean closed, gboolean record, gboolean rtsp_out, GError **error)
{
  if (!closed || (!record && !rtsp_out))
    return TRUE;
  g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE,
              "%s: a closed session (phiên họp kín) is neither recorded nor served at RTSP",
              record ? "record" : "rtsp_out");
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
