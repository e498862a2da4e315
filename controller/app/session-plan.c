/* session-plan — see session-plan.h. */
#define G_LOG_DOMAIN "roomctl-sessions"
#include "app/session-plan.h"
#include "records/documents.h"
#include "base/rc-error.h"

#include <string.h>

struct rc_session_plan {
  rc_store *store;
  rc_meeting *meeting;
  rc_domain *domain;
};

rc_session_plan *
rc_session_plan_new(rc_store *store, rc_meeting *meeting, rc_domain *domain)
{
  rc_session_plan *p = g_new0(rc_session_plan, 1);
  *p = (rc_session_plan){store, meeting, domain};
  return p;
}

void
rc_session_plan_free(rc_session_plan *p)
{
  g_free(p);
}

/* @type's body for session @id, as every subscriber gets it. */
static json_t *
part(rc_store *store, gint64 id, rc_event type, GError **error)
{
  if (type == RC_EVENT_SESSION_UPDATED)
    return rc_store_session_get(store, id, error);
  gboolean delegates = type == RC_EVENT_DELEGATES_UPDATED;
  json_t *list = delegates ? rc_store_session_delegates(store, id, error) : rc_store_session_sites(store, id, error);
  return list ? json_pack("{so}", delegates ? "delegates" : "sites", list) : NULL;
}

static void
announce(rc_session_plan *p, gint64 id, rc_event type)
{
  g_autoptr(GError) error = NULL;
  json_t *body = part(p->store, id, type, &error);
  if (!body) {
    g_warning("session %" G_GINT64_FORMAT ": cannot build %s: %s", id, rc_event_get(type)->name, error->message);
    return;
  }
  rc_meeting_send(p->meeting, id, type, body);
}

static gboolean
audit(rc_store *store, gint64 by, const char *action, gint64 id, GError **error)
{
  g_autofree char *target = g_strdup_printf("session:%" G_GINT64_FORMAT, id);
  return rc_store_audit(store, by, action, target, NULL, error);
}

static gboolean
check_times(json_t *merged, GError **error)
{
  const char *a = json_string_value(json_object_get(merged, "starts_at"));
  const char *b = json_string_value(json_object_get(merged, "ends_at"));
  if (a && b && strcmp(a, b) >= 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "ends_at: must be after starts_at");
    return FALSE;
  }
  return TRUE;
}

/* Session @id's row if it may be edited. (transfer full) */
static json_t *
editable(rc_store *store, gint64 id, GError **error)
{
  g_autoptr(json_t) s = rc_store_session_get(store, id, error);
  return s && rc_meeting_session_editable(json_string_value(json_object_get(s, "status")), error)
             ? g_steal_pointer(&s) : NULL;
}

/* A closed session's recording and RTSP output are off (stored so): turning
 * either on is refused. @fields gets them off when @closing (made closed). */
static gboolean
closed_outputs(json_t *fields, gboolean closed, gboolean closing, GError **error)
{
  if (!rc_meeting_session_outputs_allowed(closed, json_is_true(json_object_get(fields, "record")),
                                          json_is_true(json_object_get(fields, "rtsp_out")), error))
    return FALSE;
  if (closed && closing) {
    json_object_set_new(fields, "record", json_false());
    json_object_set_new(fields, "rtsp_out", json_false());
  }
  return TRUE;
}

/* What the media of a live session follow changed: they apply it at once. */
static void
publish_policy(rc_session_plan *p, gint64 id, json_t *fields, gint64 by)
{
  if (!json_object_get(fields, "closed") && !json_object_get(fields, "record") && !json_object_get(fields, "rtsp_out"))
    return;
  rc_domain_event e = {.kind = RC_DOMAIN_SESSION_POLICY, .session_id = id, .by = by};
  rc_domain_publish(p->domain, &e);
}

gint64
rc_session_plan_create(rc_session_plan *p, json_t *fields, gint64 by, GError **error)
{
  gint64 id = 0;
  gboolean closed = json_is_true(json_object_get(fields, "closed"));
  if (!closed_outputs(fields, closed, closed, error))
    return 0;
  if (!check_times(fields, error) || !rc_store_begin(p->store, error) ||
      !rc_store_end(p->store,
                    (id = rc_store_session_create(p->store, fields, error)) &&
                        audit(p->store, by, "session.create", id, error),
                    error))
    return 0;
  return id;
}

gboolean
rc_session_plan_update(rc_session_plan *p, gint64 id, json_t *fields, gint64 by, GError **error)
{
  g_autoptr(json_t) merged = editable(p->store, id, error);
  if (!merged)
    return FALSE;
  json_t *closed = json_object_get(fields, "closed");
  if (closed && !rc_meeting_session_closed_change(json_string_value(json_object_get(merged, "status")),
                                                  json_is_true(json_object_get(merged, "closed")), json_is_true(closed),
                                                  error))
    return FALSE;
  gboolean closing = closed && json_is_true(closed) != json_is_true(json_object_get(merged, "closed"));
  gboolean now_closed = closed ? json_is_true(closed) : json_is_true(json_object_get(merged, "closed"));
  if (!closed_outputs(fields, now_closed, closing, error))
    return FALSE;
  json_object_update(merged, fields);
  g_autofree char *target = g_strdup_printf("session:%" G_GINT64_FORMAT, id);
  if (!check_times(merged, error) || !rc_store_begin(p->store, error) ||
      !rc_store_end(p->store,
                    rc_store_session_update(p->store, id, fields, error) &&
                        audit(p->store, by, "session.update", id, error) &&
                        (!closing || rc_store_audit(p->store, by, "session.closed", target,
                                                    json_is_true(closed) ? "open -> closed" : "closed -> open", error)),
                    error))
    return FALSE;
  announce(p, id, RC_EVENT_SESSION_UPDATED);
  publish_policy(p, id, fields, by);
  return TRUE;
}

gboolean
rc_session_plan_delete(rc_session_plan *p, gint64 id, gint64 by, GError **error)
{
  g_autoptr(json_t) s = rc_store_session_get(p->store, id, error);
  if (!s || !rc_meeting_session_deletable(json_string_value(json_object_get(s, "status")), error))
    return FALSE;
  g_auto(GStrv) hashes = rc_store_document_hashes(p->store, id, 0);
  if (!rc_store_begin(p->store, error) ||
      !rc_store_end(p->store,
                    rc_store_session_delete(p->store, id, error) && audit(p->store, by, "session.delete", id, error),
                    error))
    return FALSE;
  rc_documents_release(p->store, hashes);
  rc_meeting_send(p->meeting, id, RC_EVENT_SESSION_DELETED, NULL);
  rc_meeting_forget(p->meeting, id);
  return TRUE;
}

gboolean
rc_session_plan_delegates(rc_session_plan *p, gint64 id, json_t *user_ids, gint64 by, GError **error)
{
  g_autoptr(json_t) s = editable(p->store, id, error);
  if (!s || !rc_store_begin(p->store, error) ||
      !rc_store_end(p->store,
                    rc_store_session_set_delegates(p->store, id, user_ids, error) &&
                        audit(p->store, by, "session.delegates", id, error),
                    error))
    return FALSE;
  announce(p, id, RC_EVENT_DELEGATES_UPDATED);
  return TRUE;
}

gboolean
rc_session_plan_sites(rc_session_plan *p, gint64 id, json_t *site_ids, gint64 by, GError **error)
{
  g_autoptr(json_t) s = editable(p->store, id, error);
  if (!s || !rc_store_begin(p->store, error) ||
      !rc_store_end(p->store,
                    rc_store_session_set_sites(p->store, id, site_ids, error) &&
                        audit(p->store, by, "session.sites", id, error),
                    error))
    return FALSE;
  announce(p, id, RC_EVENT_SITES_UPDATED);
  rc_domain_event e = {.kind = RC_DOMAIN_SITES_CHANGED, .session_id = id, .by = by};
  rc_domain_publish(p->domain, &e);
  return TRUE;
}
