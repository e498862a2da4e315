/* presentation — the use case "what the room looks at": the chair presents
 * a document's page (tablets that follow turn to it) or moves to an agenda
 * item. The page and, when the item changes, the agenda log (the minutes'
 * times of each item) are one commit; a new item is published (the
 * recording marks it); then presentation.updated. Main loop only. */
#pragma once
#include "model/meeting.h"
#include "app/domain.h"
#include "store/store.h"

typedef struct rc_presentation rc_presentation;

/* All borrowed. (transfer full) */
rc_presentation *rc_presentation_new(rc_store *store, rc_meeting *meeting, rc_domain *domain);
void rc_presentation_free(rc_presentation *presentation);

/* Page @page of document @doc_id of session @session_id (the caller checked
 * the chair may act on it). The presentation as the wire shows it:
 * {"current_item_id","document_id","page"} (transfer full). */
json_t *rc_presentation_page(rc_presentation *presentation, gint64 session_id, gint64 doc_id, int page,
                             GError **error);
/* Agenda item @item_id (0 = none) becomes the current one, nothing presented. */
json_t *rc_presentation_item(rc_presentation *presentation, gint64 session_id, gint64 item_id, GError **error);
/* The presentation of a session row (rc_store_session_get). (transfer full) */
json_t *rc_presentation_json(json_t *session);
