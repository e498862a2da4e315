/* agenda — see agenda.h. */
#define G_LOG_DOMAIN "roomctl-agenda"
#include "app/agenda.h"
#include "app/access.h"
#include "records/documents.h"
#include "base/rc-error.h"

struct rc_agenda {
  rc_store *store;
  rc_meeting *meeting;
};

rc_agenda *
rc_agenda_new(rc_store *store, rc_meeting *meeting)
{
  rc_agenda *a = g_new0(rc_agenda, 1);
  *a = (rc_agenda){store, meeting};
  return a;
}

void
rc_agenda_free(rc_agenda *a)
{
  g_free(a);
}

gboolean
rc_agenda_session_editable(rc_store *store, gint64 session_id, GError **error)
{
  g_autoptr(json_t) s = rc_store_session_get(store, session_id, error);
  return s && rc_meeting_session_editable(json_string_value(json_object_get(s, "status")), error);
}

gint64
rc_agenda_item_editable(rc_store *store, gint64 item_id, GError **error)
{
  gint64 session_id = rc_store_agenda_item_session(store, item_id);
  if (!session_id) {
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "agenda item not found");
    return 0;
  }
  return rc_agenda_session_editable(store, session_id, error) ? session_id : 0;
}

/* {"agenda": tree} as every subscriber may see it. (transfer full) */
static json_t *
agenda_public(rc_store *store, gint64 session_id, GError **error)
{
  json_t *tree = rc_store_agenda_tree(store, session_id, error);
  if (!tree)
    return NULL;
  /* One frame for every subscriber and the resync backlog: what anyone may
   * see. Readers and staff fetch their own view (GET .../agenda). */
  rc_access_agenda_for(store, NULL, tree);
  return json_pack("{so}", "agenda", tree);
}

void
rc_agenda_announce(rc_store *store, rc_meeting *meeting, gint64 session_id)
{
  g_autoptr(GError) error = NULL;
  json_t *body = agenda_public(store, session_id, &error);
  if (!body) {
    g_warning("session %" G_GINT64_FORMAT ": cannot build agenda.updated: %s", session_id, error->message);
    return;
  }
  rc_meeting_send(meeting, session_id, RC_EVENT_AGENDA_UPDATED, body);
}

gint64
rc_agenda_item_add(rc_agenda *a, gint64 session_id, gint64 parent_id, int position, json_t *fields, GError **error)
{
  gint64 id = rc_agenda_session_editable(a->store, session_id, error)
                  ? rc_store_agenda_item_create(a->store, session_id, parent_id, position, fields, error) : 0;
  if (id)
    rc_agenda_announce(a->store, a->meeting, session_id);
  return id;
}

gint64
rc_agenda_item_change(rc_agenda *a, gint64 item_id, json_t *fields, GError **error)
{
  gint64 session_id = rc_agenda_item_editable(a->store, item_id, error);
  if (!session_id || !rc_store_agenda_item_update(a->store, item_id, fields, error))
    return 0;
  rc_agenda_announce(a->store, a->meeting, session_id);
  return session_id;
}

gint64
rc_agenda_item_move(rc_agenda *a, gint64 item_id, gint64 parent_id, int position, GError **error)
{
  gint64 session_id = rc_agenda_item_editable(a->store, item_id, error);
  if (!session_id || !rc_store_agenda_item_move(a->store, item_id, parent_id, position, error))
    return 0;
  rc_agenda_announce(a->store, a->meeting, session_id);
  return session_id;
}

gboolean
rc_agenda_item_delete(rc_agenda *a, gint64 item_id, GError **error)
{
  gint64 session_id = rc_agenda_item_editable(a->store, item_id, error);
  g_auto(GStrv) hashes = session_id ? rc_store_document_hashes(a->store, session_id, item_id) : NULL;
  if (!session_id || !rc_store_agenda_item_delete(a->store, item_id, error))
    return FALSE;
  rc_documents_release(a->store, hashes);
  rc_agenda_announce(a->store, a->meeting, session_id);
  return TRUE;
}
