/* store-records — what the session records (minutes and reports) read from
 * the store beyond the session, attendance, speaker and vote queries of
 * store.h: the log of which agenda item was current when.
 * Main loop only, like the rest of the store. */
#pragma once
#include "store/store.h"

/* Notes that @item_id (0 = none) became the current item of @session_id now. */
gboolean rc_store_agenda_log_mark(rc_store *store, gint64 session_id, gint64 item_id, GError **error);
/* The marks of a session, oldest first: [{"agenda_item_id" (null = none), "at"}].
 * (transfer full) */
json_t *rc_store_agenda_log(rc_store *store, gint64 session_id, GError **error);
