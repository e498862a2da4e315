/* presentation — see presentation.h. */
#define G_LOG_DOMAIN "roomctl-presentation"
#include "app/presentation.h"
#include "base/rc-error.h"
#include "store/store-records.h"

struct rc_presentation {
  rc_store *store;
  rc_meeting *meeting;
  rc_domain *domain;
};

rc_presentation *
rc_presentation_new(rc_store *store, rc_meeting *meeting, rc_domain *domain)
{
  rc_presentation *p = g_new0(rc_presentation, 1);
  *p = (rc_presentation){store, meeting, domain};
  return p;
}

void
rc_presentation_free(rc_presentation *p)
{
  g_free(p);
}

json_t *
rc_presentation_json(json_t *session)
{
  return json_pack("{sO sO sO}", "current_item_id", json_object_get(session, "current_item_id"), "document_id",
                   json_object_get(session, "presented_document_id"), "page",
                   json_object_get(session, "presented_page"));
}

static json_t *
present(rc_presentation *p, gint64 session_id, gint64 item_id, gint64 doc_id, int page, GError **error)
{
  g_autoptr(json_t) before = rc_store_session_get(p->store, session_id, NULL);
  gboolean item_changed = before && json_integer_value(json_object_get(before, "current_item_id")) != item_id;
  /* The page and, when the item changes, the agenda log: one commit. */
  if (!rc_store_begin(p->store, error) ||
      !rc_store_end(p->store,
                    rc_store_presentation_set(p->store, session_id, item_id, doc_id, page, error) &&
                        (!item_changed || rc_store_agenda_log_mark(p->store, session_id, item_id, error)),
                    error))
    return NULL;
  if (item_changed) {
    rc_domain_event e = {.kind = RC_DOMAIN_ITEM_CHANGED, .session_id = session_id, .item_id = item_id};
    rc_domain_publish(p->domain, &e);
  }
  g_autoptr(json_t) s = rc_store_session_get(p->store, session_id, error);
  if (!s)
    return NULL;
  json_t *out = rc_presentation_json(s);
  rc_meeting_send(p->meeting, session_id, RC_EVENT_PRESENTATION_UPDATED, json_incref(out));
  return out;
}

json_t *
rc_presentation_page(rc_presentation *p, gint64 sid, gint64 doc_id, int page, GError **error)
{
  g_autoptr(json_t) doc = rc_store_document_session(p->store, doc_id) == sid
                              ? rc_store_document_get(p->store, doc_id, NULL) : NULL;
  if (!doc) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "document_id: no such document in this session");
    return NULL;
  }
  json_int_t pages = json_integer_value(json_object_get(doc, "pages"));
  if (page < 1 || page > pages) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "page: must be 1 to %" JSON_INTEGER_FORMAT, pages);
    return NULL;
  }
  return present(p, sid, json_integer_value(json_object_get(doc, "agenda_item_id")), doc_id, page, error);
}

json_t *
rc_presentation_item(rc_presentation *p, gint64 sid, gint64 item, GError **error)
{
  if (item && rc_store_agenda_item_session(p->store, item) != sid) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "item_id: no such agenda item in this session");
    return NULL;
  }
  return present(p, sid, item, 0, 1, error);
}
