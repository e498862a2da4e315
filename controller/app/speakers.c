/* speakers — see speakers.h. */
#define G_LOG_DOMAIN "roomctl-speakers"
#include "app/speakers.h"
#include "base/rc-error.h"

struct rc_speakers {
  rc_config *config;
  rc_store *store;
  rc_meeting *meeting;
  rc_domain *domain;
};

static gint64
now_ms(void)
{
  return g_get_real_time() / 1000;
}

rc_speakers *
rc_speakers_new(rc_config *config, rc_store *store, rc_meeting *meeting, rc_domain *domain)
{
  rc_speakers *sp = g_new0(rc_speakers, 1);
  *sp = (rc_speakers){config, store, meeting, domain};
  return sp;
}

void
rc_speakers_free(rc_speakers *sp)
{
  g_free(sp);
}

json_t *
rc_speakers_json(rc_speakers *sp, gint64 session_id)
{
  return rc_floor_to_json(rc_meeting_floor(sp->meeting, session_id), now_ms());
}

/* Announces the floor; the answer is the same. */
static json_t *
announce(rc_speakers *sp, gint64 session_id)
{
  rc_meeting_send(sp->meeting, session_id, RC_EVENT_SPEAKERS_UPDATED, rc_speakers_json(sp, session_id));
  return rc_speakers_json(sp, session_id);
}

static gboolean
is_present(rc_speakers *sp, gint64 session_id, gint64 user_id)
{
  g_autoptr(json_t) entry = rc_store_attendance_entry(sp->store, session_id, user_id, NULL);
  return entry && g_strcmp0(json_string_value(json_object_get(entry, "status")), "present") == 0;
}

json_t *
rc_speakers_request(rc_speakers *sp, gint64 sid, gint64 item, gint64 uid, GError **error)
{
  if (!is_present(sp, sid, uid)) {
    g_set_error(error, RC_ERROR, RC_ERROR_FORBIDDEN, "check in to the session before asking to speak");
    return NULL;
  }
  rc_floor *floor = rc_meeting_floor(sp->meeting, sid);
  if (!rc_floor_request(floor, uid, now_ms(), error))
    return NULL;
  if (!rc_store_speaker_request(sp->store, sid, item, uid, error)) {
    rc_floor_withdraw(floor, uid, NULL);
    return NULL;
  }
  return announce(sp, sid);
}

json_t *
rc_speakers_withdraw(rc_speakers *sp, gint64 sid, gint64 uid, GError **error)
{
  rc_floor *floor = rc_meeting_floor(sp->meeting, sid);
  if (!rc_floor_withdraw(floor, uid, error) || !rc_store_speaker_withdraw(sp->store, sid, uid, error))
    return NULL;
  return announce(sp, sid);
}

static gboolean
store_turn_end(rc_speakers *sp, gint64 session_id, const rc_floor_turn *t, GError **error)
{
  if (!t->user_id)
    return TRUE;
  gint64 seconds = (t->ended_ms - t->granted_ms + 500) / 1000;
  g_info("session %" G_GINT64_FORMAT ": user %" G_GINT64_FORMAT " spoke %" G_GINT64_FORMAT " s", session_id,
         t->user_id, seconds);
  return rc_store_speaker_end(sp->store, session_id, t->user_id, seconds, error);
}

/* The limit for the item, else the configured default. */
static int
speaking_limit(rc_speakers *sp, gint64 item)
{
  g_autoptr(json_t) it = item ? rc_store_agenda_item_get(sp->store, item, NULL) : NULL;
  gint64 own = it ? json_integer_value(json_object_get(it, "speaking_seconds")) : 0;
  return own > 0 ? (int)own : sp->config->speaking_seconds;
}

json_t *
rc_speakers_grant(rc_speakers *sp, gint64 sid, gint64 item, gint64 uid, gint64 by, GError **error)
{
  if (!rc_store_session_has_delegate(sp->store, sid, uid)) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "user_id: not a delegate of this session");
    return NULL;
  }
  int limit = speaking_limit(sp, item);
  rc_floor *floor = rc_meeting_floor(sp->meeting, sid);
  rc_floor_turn ended;
  g_autofree char *target = g_strdup_printf("session:%" G_GINT64_FORMAT " user:%" G_GINT64_FORMAT, sid, uid);
  /* The turn that ends, the new one and the audit row: one commit; the
   * floor in memory changes only once it is made. */
  rc_floor *trial = rc_floor_copy(floor);
  if (!rc_floor_grant(trial, uid, limit, now_ms(), &ended, error)) {
    rc_floor_free(trial);
    return NULL;
  }
  gboolean ok = rc_store_begin(sp->store, error) &&
                rc_store_end(sp->store,
                             store_turn_end(sp, sid, &ended, error) &&
                                 rc_store_speaker_grant(sp->store, sid, item, uid, limit, error) &&
                                 rc_store_audit(sp->store, by, "floor.grant", target, NULL, error),
                             error);
  rc_floor_free(trial);
  if (!ok)
    return NULL;
  rc_floor_grant(floor, uid, limit, now_ms(), &ended, NULL);
  g_autoptr(json_t) speaker = rc_store_user_get(sp->store, uid, NULL);
  rc_domain_event e = {.kind = RC_DOMAIN_FLOOR_GRANTED, .session_id = sid, .user_id = uid, .by = by,
                       .site_id = speaker ? json_integer_value(json_object_get(speaker, "site_id")) : 0};
  rc_domain_publish(sp->domain, &e);
  return announce(sp, sid);
}

json_t *
rc_speakers_end(rc_speakers *sp, gint64 sid, gint64 by, GError **error)
{
  rc_floor *floor = rc_meeting_floor(sp->meeting, sid);
  rc_floor_turn ended;
  if (!rc_floor_end(floor, now_ms(), &ended, error) || !store_turn_end(sp, sid, &ended, error))
    return NULL;
  rc_domain_event e = {.kind = RC_DOMAIN_FLOOR_ENDED, .session_id = sid, .by = by};
  rc_domain_publish(sp->domain, &e);
  return announce(sp, sid);
}

gboolean
rc_speakers_clear(rc_speakers *sp, gint64 session_id, GError **error)
{
  rc_floor *floor = rc_meeting_floor(sp->meeting, session_id);
  if (!rc_floor_speaker(floor) && !rc_floor_queue_length(floor))
    return TRUE;
  rc_floor_turn turn = rc_floor_current(floor, now_ms());
  if (!rc_store_begin(sp->store, error))
    return FALSE;
  if (!store_turn_end(sp, session_id, &turn, error) || !rc_store_speakers_drop_queue(sp->store, session_id, error) ||
      !rc_store_commit(sp->store, error)) {
    rc_store_rollback(sp->store);
    return FALSE;
  }
  g_message("session %" G_GINT64_FORMAT ": floor cleared at the end (%u requests dropped)", session_id,
            rc_floor_queue_length(floor));
  rc_floor_clear(floor);
  json_decref(announce(sp, session_id));
  return TRUE;
}

static gint64
iso_to_ms(json_t *text)
{
  g_autoptr(GDateTime) t = json_is_string(text) ? g_date_time_new_from_iso8601(json_string_value(text), NULL) : NULL;
  return t ? g_date_time_to_unix(t) * 1000 : 0;
}

void
rc_speakers_restore(rc_speakers *sp, gint64 session_id)
{
  g_autoptr(json_t) rows = rc_store_speakers_active(sp->store, session_id, NULL);
  rc_floor *floor = rc_meeting_floor(sp->meeting, session_id);
  size_t i;
  json_t *r;
  json_array_foreach(rows, i, r) {
    gint64 uid = json_integer_value(json_object_get(r, "user_id"));
    gint64 asked = iso_to_ms(json_object_get(r, "requested_at"));
    if (g_strcmp0(json_string_value(json_object_get(r, "status")), "speaking") == 0)
      rc_floor_restore_speaker(floor, uid, asked, iso_to_ms(json_object_get(r, "granted_at")),
                               (int)json_integer_value(json_object_get(r, "limit_seconds")));
    else
      rc_floor_request(floor, uid, asked, NULL);
  }
}
