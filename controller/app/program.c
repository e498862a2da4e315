/* program — see program.h. */
#define G_LOG_DOMAIN "roomctl-program"
#include "app/program.h"
#include "app/domain.h"
#include "app/session-sites.h"
#include "app/site-floor.h"

struct rc_program {
  rc_store *store;
  rc_meeting *meeting;
  rc_media *media;
};

rc_program *
rc_program_new(rc_store *store, rc_meeting *meeting)
{
  rc_program *p = g_new0(rc_program, 1);
  p->store = store;
  p->meeting = meeting;
  return p;
}

void
rc_program_free(rc_program *p)
{
  g_free(p);
}

void
rc_program_set_media(rc_program *p, rc_media *media)
{
  p->media = media;
}

gboolean
rc_program_running(rc_program *p, gint64 session_id)
{
  return p->media && rc_media_has(p->media, session_id);
}

static void announce(rc_program *p, gint64 session_id);

/* A stored switch: 1, 0, or -1 (NULL: the config's). */
static int
tristate(json_t *v)
{
  return json_is_boolean(v) ? json_is_true(v) : -1;
}

rc_media_policy
rc_program_policy(rc_store *store, gint64 session_id)
{
  g_autoptr(json_t) s = rc_store_session_get(store, session_id, NULL);
  if (!s)
    return RC_MEDIA_POLICY_DEFAULT;
  return (rc_media_policy){.closed = json_is_true(json_object_get(s, "closed")),
                           .record = tristate(json_object_get(s, "record")),
                           .rtsp = tristate(json_object_get(s, "rtsp_out"))};
}

void
rc_program_policy_changed(rc_program *p, gint64 session_id)
{
  if (!rc_program_running(p, session_id))
    return;
  rc_media_policy policy = rc_program_policy(p->store, session_id);
  rc_media_set_policy(p->media, session_id, &policy);
  announce(p, session_id); /* the recording and the RTSP URL as they are now */
}

static json_t *
ids_json(const GArray *ids)
{
  json_t *a = json_array();
  for (guint i = 0; ids && i < ids->len; i++)
    json_array_append_new(a, json_integer(g_array_index(ids, gint64, i)));
  return a;
}

static json_t *
recording_json(const rc_media_recording *r)
{
  if (!r->on)
    return json_null();
  json_t *o = json_pack("{ss ss sI ss}", "dir", r->dir, "index", r->index, "segments", (json_int_t)r->segments, "state",
                        r->stopped ? "stopped" : "recording");
  if (r->stopped) {
    json_object_set_new(o, "reason", json_string(r->reason));
    json_object_set_new(o, "stopped_seconds", json_real(r->stopped_s));
  }
  return o;
}

json_t *
rc_program_status_json(rc_media *media, gint64 session_id)
{
  g_auto(rc_media_program) s = {0};
  rc_media_program_get(media, session_id, &s);
  json_t *o = json_pack("{sI ss sI sI sI so sI so so}", "session_id", (json_int_t)s.session_id, "mode",
                   rc_program_mode_name(s.mode), "chair_site_id", (json_int_t)s.chair_site_id, "floor_site_id",
                   (json_int_t)s.floor_site_id, "source_site_id", (json_int_t)s.source_site_id, "tiles",
                   ids_json(s.tiles), "sites", (json_int_t)s.sites, "recording", recording_json(&s.recording),
                   "rtsp_url", s.rtsp_url ? json_string(s.rtsp_url) : json_null());
  json_object_set_new(o, "rtsp_program", json_boolean(s.rtsp_alias));
  json_object_set_new(o, "room_audio", json_boolean(s.has_room));
  return o;
}

static void
announce(rc_program *p, gint64 session_id)
{
  /* The technicians follow the program from their own topic too. */
  rc_meeting_send(p->meeting, session_id, RC_EVENT_MEDIA_UPDATED, rc_program_status_json(p->media, session_id));
}


/* A live session without its media is told to its technicians as an
 * alarm without a site ("media"), not only in the log. */
static void
no_media(rc_program *p, gint64 session_id, const char *why)
{
  g_warning("session %" G_GINT64_FORMAT ": %s", session_id, why);
  g_autoptr(GError) error = NULL;
  rc_store_alarm_clear(p->store, session_id, 0, "media", NULL); /* one standing alarm, also after a restart */
  gint64 id = rc_store_alarm_raise(p->store, session_id, 0, "media", why, &error);
  json_t *alarm = id ? rc_store_alarm_get(p->store, id, NULL) : NULL;
  if (alarm)
    rc_meeting_send(p->meeting, session_id, RC_EVENT_ALARM_RAISED, json_pack("{so}", "alarm", alarm));
  else
    g_warning("session %" G_GINT64_FORMAT ": the media alarm cannot be stored: %s", session_id,
              error ? error->message : "?");
}

/* The session ended: its media alarm, if any, is cleared. */
static void
media_back(rc_program *p, gint64 session_id)
{
  gint64 id = rc_store_alarm_clear(p->store, session_id, 0, "media", NULL);
  json_t *alarm = id ? rc_store_alarm_get(p->store, id, NULL) : NULL;
  if (alarm)
    rc_meeting_send(p->meeting, session_id, RC_EVENT_ALARM_CLEARED, json_pack("{so}", "alarm", alarm));
}

void
rc_program_session_live(rc_program *p, gint64 session_id, gboolean live)
{
  if (!p->media)
    return;
  if (!live) {
    media_back(p, session_id);
    rc_media_stop(p->media, session_id);
    return;
  }
  g_autoptr(GError) error = NULL;
  g_auto(rc_session_sites) sites = {0};
  g_auto(rc_media_program) now = {0};
  rc_media_program_get(p->media, session_id, &now);
  if (now.check_only) /* its own pre-session check, still running: the session's media replace it */
    rc_media_stop(p->media, session_id);
  rc_media_policy policy = rc_program_policy(p->store, session_id);
  if (!rc_session_sites_load(p->store, session_id, &sites, &error) ||
      !rc_media_start(p->media, session_id, &policy, sites.sites, sites.n, &error)) {
    g_autofree char *why = g_strdup_printf("no video or audio for this session: %s", error ? error->message : "?");
    no_media(p, session_id, why);
  }
}

void
rc_program_sites_changed(rc_program *p, gint64 session_id)
{
  if (!rc_program_running(p, session_id))
    return;
  g_auto(rc_session_sites) sites = {0};
  if (rc_session_sites_load(p->store, session_id, &sites, NULL))
    rc_media_set_sites(p->media, session_id, sites.sites, sites.n);
}

gboolean
rc_program_floor(rc_program *p, gint64 session_id, gint64 site_id, gint64 user_id, gint64 by, GError **error)
{
  if (!rc_program_running(p, session_id))
    return TRUE; /* a session without media: the floor is only the meeting's */
  if (!rc_media_set_floor(p->media, session_id, site_id, error))
    return FALSE;
  /* The floor log, its audit row and the end of the site's request for
   * the floor (site-floor.h): one commit. */
  g_autofree char *target = g_strdup_printf("session:%" G_GINT64_FORMAT " site:%" G_GINT64_FORMAT, session_id, site_id);
  int granted = 0;
  if (!rc_store_begin(p->store, error) ||
      !rc_store_end(p->store,
                    rc_store_floor_log(p->store, session_id, site_id, user_id, by, error) &&
                        rc_store_audit(p->store, by, "floor.site", target, NULL, error) &&
                        (!site_id || (granted = rc_store_site_floor_end(p->store, session_id, site_id, "granted",
                                                                        error)) >= 0),
                    error))
    return FALSE;
  announce(p, session_id);
  if (granted > 0)
    rc_site_floor_announce(p->store, p->meeting, session_id);
  return TRUE;
}

gboolean
rc_program_layout(rc_program *p, gint64 session_id, rc_program_mode mode, const GArray *tiles, gint64 by,
                  GError **error)
{
  g_autofree char *target = g_strdup_printf("session:%" G_GINT64_FORMAT " %s", session_id, rc_program_mode_name(mode));
  /* Audited before it is done: a layout that cannot be audited is not made. */
  if (!rc_store_audit(p->store, by, "media.layout", target, NULL, error) ||
      !rc_media_set_layout(p->media, session_id, mode, tiles, error))
    return FALSE;
  announce(p, session_id);
  return TRUE;
}

void
rc_program_item(rc_program *p, gint64 session_id, gint64 item_id)
{
  if (!rc_program_running(p, session_id) || !item_id)
    return;
  g_autoptr(json_t) item = rc_store_agenda_item_get(p->store, item_id, NULL);
  rc_media_mark_item(p->media, session_id, item_id, item ? json_string_value(json_object_get(item, "title")) : NULL);
}

static void
on_domain(const rc_domain_event *e, gpointer data)
{
  rc_program *p = data;
  g_autoptr(GError) error = NULL;
  switch (e->kind) {
  case RC_DOMAIN_SESSION_LIVE:
  case RC_DOMAIN_SESSION_ENDED:
    rc_program_session_live(p, e->session_id, e->kind == RC_DOMAIN_SESSION_LIVE);
    break;
  case RC_DOMAIN_ITEM_CHANGED:
    rc_program_item(p, e->session_id, e->item_id);
    break;
  case RC_DOMAIN_FLOOR_GRANTED:
    if (e->site_id && !rc_program_floor(p, e->session_id, e->site_id, e->user_id, e->by, &error))
      g_message("session %" G_GINT64_FORMAT ": the program cannot follow the floor: %s", e->session_id, error->message);
    break;
  case RC_DOMAIN_FLOOR_ENDED:
    rc_program_floor(p, e->session_id, 0, 0, e->by, NULL); /* back to the chair */
    break;
  case RC_DOMAIN_SITES_CHANGED:
    rc_program_sites_changed(p, e->session_id);
    break;
  case RC_DOMAIN_SIP_CALL: /* the media of SIP calls is a later step */
    break;
  case RC_DOMAIN_SESSION_POLICY:
    rc_program_policy_changed(p, e->session_id);
    break;
  }
}

void
rc_program_follow(rc_program *p, rc_domain *domain)
{
  rc_domain_subscribe(domain, on_domain, p);
}

/* The media reports a finished switch: record how long it took. */
void
rc_program_switched(gint64 sid, gint64 site_id, gint64 grant_to_switch_us, gpointer data)
{
  rc_program *p = data;
  (void)site_id;
  g_autoptr(GError) error = NULL;
  if (!rc_store_floor_switched(p->store, sid, grant_to_switch_us / 1000, &error))
    g_warning("floor log: %s", error->message);
  announce(p, sid);
}
