/* sessions — see sessions.h. */
#define G_LOG_DOMAIN "roomctl-sessions"
#include "app/sessions.h"
#include "base/rc-error.h"
#include "base/service.h"

struct rc_sessions {
  rc_store *store;
  rc_meeting *meeting;
  rc_votes *votes;
  rc_speakers *speakers;
  rc_domain *domain;
};

rc_sessions *
rc_sessions_new(rc_store *store, rc_meeting *meeting, rc_votes *votes, rc_speakers *speakers, rc_domain *domain)
{
  rc_sessions *s = g_new0(rc_sessions, 1);
  *s = (rc_sessions){store, meeting, votes, speakers, domain};
  return s;
}

void
rc_sessions_free(rc_sessions *s)
{
  g_free(s);
}

/* The live part ends: the open vote closed, the floor cleared. */
static gboolean
end_live_part(rc_sessions *s, gint64 session_id, gint64 by, GError **error)
{
  return rc_votes_close_open(s->votes, session_id, by, error) && rc_speakers_clear(s->speakers, session_id, error);
}

/* Going live: none of its sites may be in another live conference. */
static gboolean
sites_free(rc_sessions *s, gint64 session_id, GError **error)
{
  g_autoptr(GError) busy = NULL;
  if (rc_store_session_sites_free(s->store, session_id, &busy))
    return TRUE;
  if (g_error_matches(busy, RC_ERROR, RC_ERROR_CONFLICT))
    g_set_error(error, RC_ERROR, RC_ERROR_CONFLICT, "%s: take it out of one of them", busy->message);
  else
    g_propagate_error(error, g_steal_pointer(&busy));
  return FALSE;
}

/* What is not the meeting's follows: the program, the sites' calls, the recording alarm. */
static void
live(rc_sessions *s, gint64 session_id, gboolean is_live)
{
  rc_domain_event e = {.kind = is_live ? RC_DOMAIN_SESSION_LIVE : RC_DOMAIN_SESSION_ENDED, .session_id = session_id};
  rc_domain_publish(s->domain, &e);
}

json_t *
rc_sessions_transition(rc_sessions *s, gint64 id, const char *action, gint64 by, GError **error)
{
  g_autoptr(json_t) before = rc_store_session_get(s->store, id, error);
  if (!before)
    return NULL;
  const char *status = json_string_value(json_object_get(before, "status")), *next = NULL;
  if (!rc_meeting_session_transition(status, action, &next, error) ||
      (g_str_equal(next, "live") && !sites_free(s, id, error)) ||
      (g_str_equal(next, "ended") && !end_live_part(s, id, by, error)))
    return NULL;
  /* The status and its audit row: one commit. */
  g_autofree char *target = g_strdup_printf("session:%" G_GINT64_FORMAT, id);
  const char *what = g_str_equal(action, "start") ? "session.start" : "session.end";
  if (!rc_store_begin(s->store, error) ||
      !rc_store_end(s->store,
                    rc_store_session_set_status(s->store, id, next, error) &&
                        rc_store_audit(s->store, by, what, target, NULL, error),
                    error))
    return NULL;
  rc_log_about(G_LOG_LEVEL_MESSAGE, id, NULL, by, "session %" G_GINT64_FORMAT ": %s -> %s by user %" G_GINT64_FORMAT,
               id, status, next, by);
  json_t *after = rc_store_session_get(s->store, id, error);
  if (after)
    rc_meeting_send(s->meeting, id, RC_EVENT_SESSION_UPDATED, json_incref(after));
  live(s, id, g_str_equal(next, "live"));
  return after;
}

/* An open vote whose session has ended (data from a version that did not
 * close votes at the end): the end is finished now. */
static void
close_ended(rc_sessions *s, json_t *votes)
{
  size_t i;
  json_t *r;
  json_array_foreach(votes, i, r) {
    gint64 id = json_integer_value(json_object_get(r, "id")), sid = json_integer_value(json_object_get(r, "session_id"));
    g_autoptr(json_t) session = rc_store_session_get(s->store, sid, NULL);
    g_autoptr(GError) error = NULL;
    if (!session || g_strcmp0(json_string_value(json_object_get(session, "status")), "ended") != 0)
      continue;
    g_message("session %" G_GINT64_FORMAT ": ended with vote %" G_GINT64_FORMAT " open; closing it", sid, id);
    if (!end_live_part(s, sid, 0, &error))
      g_warning("session %" G_GINT64_FORMAT ": cannot close vote %" G_GINT64_FORMAT ": %s", sid, id, error->message);
  }
}

void
rc_sessions_restore(rc_sessions *s)
{
  g_autoptr(json_t) votes = rc_store_votes_open(s->store, NULL);
  g_autoptr(json_t) live_sessions = rc_store_sessions_list(s->store, "live", 0, NULL);
  size_t i;
  json_t *r;
  rc_votes_restore(s->votes);
  close_ended(s, votes);
  json_array_foreach(live_sessions, i, r) {
    gint64 sid = json_integer_value(json_object_get(r, "id"));
    rc_speakers_restore(s->speakers, sid);
    live(s, sid, TRUE);
  }
}
