/* storage-watch — a full disk as the technicians see it. Every [storage]
 * check_seconds the free space where roomctl writes (the data directory:
 * database, WAL, documents, uploads; and the recording directory) is looked
 * at: below low_mb a "disk_low" alarm, below reserve_mb a "disk_full" one;
 * and with each media tick a stopped recording is a "recording" alarm.
 * These alarms have no site. Storing an alarm needs the disk too: one that
 * cannot be stored is still pushed (with a negative placeholder id) and kept
 * here, stored when space is back, and shown in the technicians' snapshot
 * meanwhile. With room again, secret ballots whose seal a full disk refused
 * are sealed. Main loop only. */
#define G_LOG_DOMAIN "roomctl-storage"
#include "app/storage-watch.h"
#include "app/domain.h"
#include "base/rc-error.h"
#include "base/disk.h"
#include "media/media.h"
#include "app/votes.h"

enum { DISK_LOW, DISK_FULL, RECORDING, N_KINDS };
static const char *const kind_names[N_KINDS] = {"disk_low", "disk_full", "recording"};

typedef struct {
  gboolean raised;
  gint64 id;         /* the stored row; 0 = not stored (yet) */
  gint64 session_id; /* 0 = none live when raised */
  char *reason;
  char *raised_at;
} system_alarm;

struct rc_storage_watch {
  rc_config *config;
  rc_store *store;
  rc_meeting *meeting;
  rc_votes *votes;
  rc_media *media;
  guint source;
  system_alarm alarms[N_KINDS];
  gint64 free_bytes; /* at the last check, the least of the directories; -1 unknown */
};

static json_t *
placeholder(int kind, const system_alarm *a, gboolean cleared)
{
  g_autofree char *now = rc_store_now();
  return json_pack("{sI so so so so ss ss ss so? so so so sb}", "id", (json_int_t)-(kind + 1), "session_id",
                   a->session_id ? json_integer(a->session_id) : json_null(), "site_id", json_null(), "site_code",
                   json_null(), "site_name", json_null(), "kind", kind_names[kind], "reason", a->reason,
                   "raised_at", a->raised_at, "cleared_at", cleared ? json_string(now) : NULL, "acked_by",
                   json_null(), "acked_by_name", json_null(), "acked_at", json_null(), "stored", FALSE);
}

static void
push(rc_storage_watch *sw, const system_alarm *a, rc_event event, json_t *alarm /* transfer full */)
{
  if (a->session_id && alarm)
    rc_meeting_send(sw->meeting, a->session_id, event, json_pack("{so}", "alarm", alarm));
  else
    json_decref(alarm);
}

/* Stores a raised alarm not stored yet; TRUE once it is. */
static gboolean
store_raised(rc_storage_watch *sw, int kind, system_alarm *a)
{
  g_autoptr(GError) error = NULL;
  a->id = rc_store_alarm_raise(sw->store, a->session_id, 0, kind_names[kind], a->reason, &error);
  if (!a->id) {
    g_warning("alarm %s (%s) cannot be stored yet: %s", kind_names[kind], a->reason, error->message);
    return FALSE;
  }
  return TRUE;
}

static void
raise_alarm(rc_storage_watch *sw, int kind, gint64 session_id, const char *reason)
{
  system_alarm *a = &sw->alarms[kind];
  if (a->raised) {
    if (!a->id && store_raised(sw, kind, a)) { /* space is back: the placeholder makes way */
      push(sw, a, RC_EVENT_ALARM_CLEARED, placeholder(kind, a, TRUE));
      push(sw, a, RC_EVENT_ALARM_RAISED, rc_store_alarm_get(sw->store, a->id, NULL));
    }
    return;
  }
  a->raised = TRUE;
  a->session_id = session_id;
  g_free(a->reason);
  a->reason = g_strdup(reason);
  g_free(a->raised_at);
  a->raised_at = rc_store_now();
  g_warning("alarm %s raised: %s", kind_names[kind], reason);
  if (store_raised(sw, kind, a))
    push(sw, a, RC_EVENT_ALARM_RAISED, rc_store_alarm_get(sw->store, a->id, NULL));
  else
    push(sw, a, RC_EVENT_ALARM_RAISED, placeholder(kind, a, FALSE));
}

static void
clear_alarm(rc_storage_watch *sw, int kind)
{
  system_alarm *a = &sw->alarms[kind];
  if (!a->raised)
    return;
  /* Not stored yet: stored now, so that the history has it raised and
   * cleared; its placeholder makes way. */
  if (!a->id && store_raised(sw, kind, a))
    push(sw, a, RC_EVENT_ALARM_CLEARED, placeholder(kind, a, TRUE));
  if (a->id) {
    g_autoptr(GError) error = NULL;
    if (!rc_store_alarm_clear(sw->store, a->session_id, 0, kind_names[kind], &error) && error) {
      g_warning("alarm %s cannot be cleared yet: %s", kind_names[kind], error->message);
      return; /* tried again at the next check */
    }
    push(sw, a, RC_EVENT_ALARM_CLEARED, rc_store_alarm_get(sw->store, a->id, NULL));
  } else {
    push(sw, a, RC_EVENT_ALARM_CLEARED, placeholder(kind, a, TRUE));
  }
  g_message("alarm %s cleared", kind_names[kind]);
  a->raised = FALSE;
  a->id = 0;
}

/* The session a disk alarm is told to: the first of those with media. */
static gint64
live_session(rc_storage_watch *sw)
{
  g_autoptr(GArray) ids = sw->media ? rc_media_sessions(sw->media) : NULL;
  return ids && ids->len ? g_array_index(ids, gint64, 0) : 0;
}

/* The least free space of the directories roomctl writes; @where gets
 * the one it is (transfer full). */
static gint64
least_free(rc_config *c, char **where)
{
  g_autofree char *recordings = *c->media_record_dir ? g_strdup(c->media_record_dir)
                                                     : g_build_filename(c->data_dir, "recordings", NULL);
  const char *dirs[] = {c->data_dir, recordings};
  gint64 least = -1;
  for (guint i = 0; i < G_N_ELEMENTS(dirs); i++) {
    gint64 f = rc_disk_free_bytes(dirs[i]);
    if (f >= 0 && (least < 0 || f < least)) {
      least = f;
      g_free(*where);
      *where = g_strdup(dirs[i]);
    }
  }
  return least;
}

/* Secret ballots received while the disk was full wait for their group's
 * seal: with room again it is tried now, not at the next ballot. */
static void
seal_ready(rc_storage_watch *sw)
{
  g_autoptr(json_t) live = rc_store_sessions_list(sw->store, "live", 0, NULL);
  size_t i;
  json_t *session;
  json_array_foreach(live, i, session) rc_votes_seal_ready(sw->votes, json_integer_value(json_object_get(session, "id")));
}

static gboolean
on_check(gpointer data)
{
  rc_storage_watch *sw = data;
  rc_config *c = sw->config;
  g_autofree char *where = NULL;
  gint64 free_bytes = least_free(c, &where);
  sw->free_bytes = free_bytes;
  if (free_bytes < 0)
    return G_SOURCE_CONTINUE;
  gint64 sid = live_session(sw);
  g_autofree char *reason = g_strdup_printf("%" G_GINT64_FORMAT " MiB free in %s", free_bytes >> 20, where);
  if (free_bytes < ((gint64)c->storage_low_mb << 20)) {
    g_autofree char *low = g_strdup_printf("%s (below [storage] low_mb=%d)", reason, c->storage_low_mb);
    raise_alarm(sw, DISK_LOW, sid, low);
  } else {
    clear_alarm(sw, DISK_LOW);
  }
  if (free_bytes < ((gint64)c->storage_reserve_mb << 20) || free_bytes == 0) {
    g_autofree char *full = g_strdup_printf("%s: the disk is full; what cannot be written is refused and not "
                                            "acknowledged", reason);
    raise_alarm(sw, DISK_FULL, sid, full);
  } else {
    clear_alarm(sw, DISK_FULL);
    seal_ready(sw);
  }
  return G_SOURCE_CONTINUE;
}

rc_storage_watch *
rc_storage_watch_new(rc_config *config, rc_store *store, rc_meeting *meeting, rc_votes *votes)
{
  rc_storage_watch *s = g_new0(rc_storage_watch, 1);
  s->config = config;
  s->store = store;
  s->meeting = meeting;
  s->votes = votes;
  s->free_bytes = -1;
  s->source = g_timeout_add_seconds((guint)config->storage_check_seconds, on_check, s);
  return s;
}

void
rc_storage_watch_set_media(rc_storage_watch *sw, rc_media *media)
{
  sw->media = media;
}

void
rc_storage_watch_free(rc_storage_watch *s)
{
  if (!s)
    return;
  g_clear_handle_id(&s->source, g_source_remove);
  for (int k = 0; k < N_KINDS; k++) {
    g_free(s->alarms[k].reason);
    g_free(s->alarms[k].raised_at);
  }
  g_free(s);
}

void
rc_storage_watch_on_media(rc_storage_watch *sw, gint64 session_id)
{
  g_auto(rc_media_recording) rec = {0};
  if (sw->media)
    rc_media_recording_get(sw->media, session_id, &rec);
  system_alarm *a = &sw->alarms[RECORDING];
  /* One recording alarm: the first session whose recording stopped has it
   * (a full disk stops them all) until that recording goes on or ends. */
  if (a->raised && a->session_id != session_id)
    return;
  if (rec.stopped)
    raise_alarm(sw, RECORDING, session_id, rec.reason);
  else
    clear_alarm(sw, RECORDING);
}

void
rc_storage_watch_session_ended(rc_storage_watch *sw, gint64 session_id)
{
  if (sw->alarms[RECORDING].session_id == session_id)
    clear_alarm(sw, RECORDING);
}

static void
on_domain(const rc_domain_event *e, gpointer data)
{
  if (e->kind == RC_DOMAIN_SESSION_ENDED)
    rc_storage_watch_session_ended(data, e->session_id);
}

void
rc_storage_watch_follow(rc_storage_watch *sw, rc_domain *domain)
{
  rc_domain_subscribe(domain, on_domain, sw);
}

void
rc_storage_watch_pending(rc_storage_watch *sw, gint64 session_id, json_t *alarms)
{
  for (int k = 0; k < N_KINDS; k++) {
    system_alarm *a = &sw->alarms[k];
    if (a->raised && !a->id && a->session_id == session_id)
      json_array_append_new(alarms, placeholder(k, a, FALSE));
  }
}

gint64
rc_storage_watch_free_bytes(rc_storage_watch *sw)
{
  return sw->free_bytes;
}
