/* agenda-documents — the use case "the documents of an agenda item": an
 * upload checked and kept, who may read one (confidential, its readers),
 * one deleted. (Named so beside documents.h, the PDF files themselves.)
 * An upload's checks (poppler reads it, counts its pages, reads its
 * signatures) run in GLib's worker pool, never on the main loop; the file
 * is kept (documents.h) and the row written back on the main loop. Each
 * change and its audit rows (document.upload, document.access,
 * document.delete) are one commit; a file is kept only for a committed row.
 * Then agenda.updated (agenda.h). The callers are editors, who see every
 * session. A reader of a confidential document gets their own copy,
 * stamped with their name and the time, made in a worker. Main loop only. */
#pragma once
#include "model/meeting.h"
#include "store/store.h"

typedef struct rc_agenda_documents rc_agenda_documents;

/* All borrowed. (transfer full) */
rc_agenda_documents *rc_agenda_documents_new(rc_store *store, rc_meeting *meeting);
/* Uploads still in the workers finish without an answer. */
void rc_agenda_documents_free(rc_agenda_documents *docs);

typedef struct {
  gint64 item_id;
  const char *path;   /* the received file: renamed away at once, then this use case's */
  const char *sha256; /* of its bytes */
  gint64 size;        /* > 0 */
  const char *title, *filename;
  gboolean confidential;
  json_t *readers;    /* user ids (transfer none), or NULL: none listed */
  gint64 by;
} rc_document_upload;

/* The new document's id, or 0 and @error. */
typedef void (*rc_agenda_documents_fn)(gint64 document_id, const GError *error, gpointer data);

/* Checks and keeps @upload: FALSE with @error when refused at once (the item
 * unknown or not editable, the file not taken); else TRUE, and @fn(@data)
 * is called later on the main loop: a file that is not a PDF poppler reads
 * is RC_ERROR_UNSUPPORTED. */
gboolean rc_agenda_documents_upload(rc_agenda_documents *docs, const rc_document_upload *upload,
                                    rc_agenda_documents_fn fn, gpointer data, GError **error);
/* Sets document @doc_id's mark (@confidential < 0: unchanged) and readers
 * (NULL: unchanged; transfer none). */
gboolean rc_agenda_documents_set_access(rc_agenda_documents *docs, gint64 doc_id, int confidential, json_t *readers,
                                        gint64 by, GError **error);
/* Deletes document @doc_id; its file too unless another has its bytes. */
gboolean rc_agenda_documents_delete(rc_agenda_documents *docs, gint64 doc_id, gint64 by, GError **error);

/* A reader's copy of the confidential document @doc_id kept at @path,
 * stamped "FULL_NAME (USERNAME) — time on @zone's clock — MẬT /
 * CONFIDENTIAL" in a worker; @fn(@data) gets it (or the error) on the main
 * loop. All arguments are copied or borrowed only during the call. */
typedef void (*rc_agenda_documents_copy_fn)(GBytes *pdf, const GError *error, gpointer data);
void rc_agenda_documents_stamp(gint64 doc_id, const char *path, const char *full_name, const char *username,
                               GTimeZone *zone, rc_agenda_documents_copy_fn fn, gpointer data);
