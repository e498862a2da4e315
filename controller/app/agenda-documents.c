/* agenda-documents — see agenda-documents.h. */
#define G_LOG_DOMAIN "roomctl-documents"
#include "app/agenda-documents.h"
#include "app/agenda.h"
#include "records/documents.h"
#include "base/rc-error.h"
#include "base/service.h"
#include "records/signature.h"
#include "records/watermark.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <errno.h>

struct rc_agenda_documents {
  rc_store *store;
  rc_meeting *meeting;
  guint checking;   /* uploads in the workers */
  gboolean closed;  /* freed while some were: the last one frees it */
};

rc_agenda_documents *
rc_agenda_documents_new(rc_store *store, rc_meeting *meeting)
{
  rc_agenda_documents *d = g_new0(rc_agenda_documents, 1);
  d->store = store;
  d->meeting = meeting;
  return d;
}

void
rc_agenda_documents_free(rc_agenda_documents *d)
{
  if (d && d->checking)
    d->closed = TRUE;
  else
    g_free(d);
}

static gboolean
audit(rc_store *store, gint64 by, const char *action, const char *detail, gint64 doc_id, GError **error)
{
  g_autofree char *target = g_strdup_printf("document:%" G_GINT64_FORMAT, doc_id);
  return rc_store_audit(store, by, action, target, detail, error);
}

/* Who may read document @id now, as its document.access row says it. */
static gboolean
audit_access(rc_store *store, gint64 by, gint64 id, GError **error)
{
  g_autoptr(json_t) doc = rc_store_document_get(store, id, error);
  if (!doc)
    return FALSE;
  gboolean confidential = json_is_true(json_object_get(doc, "confidential"));
  g_autoptr(json_t) readers = confidential ? rc_store_document_readers(store, id, error) : NULL;
  if (confidential && !readers)
    return FALSE;
  g_autofree char *list = readers ? json_dumps(readers, JSON_COMPACT) : g_strdup("[]");
  g_autofree char *detail = g_strdup_printf("confidential=%s readers=%s", confidential ? "true" : "false", list);
  return audit(store, by, "document.access", detail, id, error);
}

/* The session of document @doc_id if it may be edited, or 0. */
static gint64
document_editable(rc_store *store, gint64 doc_id, GError **error)
{
  gint64 session_id = rc_store_document_session(store, doc_id);
  if (!session_id) {
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "document not found");
    return 0;
  }
  return rc_agenda_session_editable(store, session_id, error) ? session_id : 0;
}

/* ---- upload ---- */

typedef struct {
  rc_agenda_documents *docs;
  gint64 item_id, size, by;
  char *path; /* ours: renamed from the transport's */
  char *sha256, *title, *filename;
  gboolean confidential;
  json_t *readers; /* or NULL */
  rc_agenda_documents_fn fn;
  gpointer data;
  /* found by the worker */
  int pages;
  json_t *signatures;
} upload_job;

static void
upload_job_free(upload_job *job)
{
  g_unlink(job->path); /* gone already when kept */
  g_free(job->path);
  g_free(job->sha256);
  g_free(job->title);
  g_free(job->filename);
  g_clear_pointer(&job->readers, json_decref);
  g_clear_pointer(&job->signatures, json_decref);
  g_free(job);
}

/* In a worker: poppler reads the file, its pages and its signatures. */
static void
check_in_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  (void)source;
  (void)cancellable;
  upload_job *job = task_data;
  GError *error = NULL;
  job->pages = rc_documents_inspect(job->path, &error);
  if (job->pages < 0) {
    g_task_return_error(task, error);
    return;
  }
  job->signatures = rc_signature_inspect(job->path);
  g_task_return_boolean(task, TRUE);
}

/* The row, its signatures, its readers and its audit rows: one commit. */
static gint64
write_document(rc_store *store, upload_job *job, GError **error)
{
  gint64 id = 0;
  gboolean ok = rc_store_begin(store, error) &&
                rc_store_end(store,
                             (id = rc_store_document_create(store, job->item_id, job->title, job->filename,
                                                            job->sha256, job->size, job->pages, job->confidential,
                                                            job->by, error)) &&
                                 rc_store_document_set_signatures(store, id, job->signatures, error) &&
                                 (!job->readers || rc_store_document_set_access(store, id, -1, job->readers, error)) &&
                                 audit(store, job->by, "document.upload", NULL, id, error) &&
                                 (!job->confidential || audit_access(store, job->by, id, error)),
                             error);
  return ok ? id : 0;
}

/* Back on the main loop with a checked file: kept and written. */
static gint64
keep(rc_agenda_documents *d, upload_job *job, GError **error)
{
  /* The item may have gone, or its session ended, while the file was read. */
  gint64 session_id = rc_agenda_item_editable(d->store, job->item_id, error);
  if (!session_id || !rc_documents_keep(d->store, job->path, job->sha256, TRUE, error))
    return 0;
  gint64 id = write_document(d->store, job, error);
  if (!id) {
    /* No row, no file (unless another document has the same bytes). */
    char *hashes[] = {job->sha256, NULL};
    rc_documents_release(d->store, hashes);
    return 0;
  }
  rc_log_about(G_LOG_LEVEL_MESSAGE, session_id, NULL, job->by,
               "session %" G_GINT64_FORMAT ": document %" G_GINT64_FORMAT " '%s' uploaded (%d pages, %" G_GINT64_FORMAT
               " bytes)", session_id, id, job->title, job->pages, job->size);
  rc_agenda_announce(d->store, d->meeting, session_id);
  return id;
}

static void
checked(GObject *source, GAsyncResult *result, gpointer data)
{
  (void)source;
  upload_job *job = data;
  rc_agenda_documents *d = job->docs;
  g_autoptr(GError) error = NULL;
  d->checking--;
  if (d->closed) {
    if (!d->checking)
      g_free(d);
    upload_job_free(job);
    return;
  }
  gint64 id = g_task_propagate_boolean(G_TASK(result), &error) ? keep(d, job, &error) : 0;
  job->fn(id, error, job->data);
  upload_job_free(job);
}

gboolean
rc_agenda_documents_upload(rc_agenda_documents *d, const rc_document_upload *up, rc_agenda_documents_fn fn,
                           gpointer data, GError **error)
{
  if (!rc_agenda_item_editable(d->store, up->item_id, error))
    return FALSE;
  /* The transport removes what is left at its name when the request ends,
   * which may come before the checks do (the client went away). */
  g_autofree char *path = g_strconcat(up->path, ".checking", NULL);
  if (g_rename(up->path, path) != 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "cannot take the upload %s: %s", up->path, g_strerror(errno));
    return FALSE;
  }
  upload_job *job = g_new0(upload_job, 1);
  *job = (upload_job){.docs = d, .item_id = up->item_id, .size = up->size, .by = up->by,
                      .path = g_steal_pointer(&path), .sha256 = g_strdup(up->sha256), .title = g_strdup(up->title),
                      .filename = g_strdup(up->filename), .confidential = up->confidential,
                      .readers = up->readers ? json_deep_copy(up->readers) : NULL, .fn = fn, .data = data};
  d->checking++;
  g_autoptr(GTask) task = g_task_new(NULL, NULL, checked, job);
  g_task_set_task_data(task, job, NULL); /* freed by checked() */
  g_task_run_in_thread(task, check_in_thread);
  return TRUE;
}

/* ---- access and deletion ---- */

gboolean
rc_agenda_documents_set_access(rc_agenda_documents *d, gint64 doc_id, int confidential, json_t *readers, gint64 by,
                               GError **error)
{
  gint64 session_id = document_editable(d->store, doc_id, error);
  if (!session_id || !rc_store_begin(d->store, error) ||
      !rc_store_end(d->store,
                    rc_store_document_set_access(d->store, doc_id, confidential, readers, error) &&
                        audit_access(d->store, by, doc_id, error),
                    error))
    return FALSE;
  rc_agenda_announce(d->store, d->meeting, session_id);
  return TRUE;
}

gboolean
rc_agenda_documents_delete(rc_agenda_documents *d, gint64 doc_id, gint64 by, GError **error)
{
  gint64 session_id = document_editable(d->store, doc_id, error);
  g_autofree char *orphan = NULL;
  if (!session_id || !rc_store_begin(d->store, error) ||
      !rc_store_end(d->store,
                    rc_store_document_delete(d->store, doc_id, &orphan, error) &&
                        audit(d->store, by, "document.delete", NULL, doc_id, error),
                    error))
    return FALSE;
  char *released[] = {orphan, NULL};
  rc_documents_release(d->store, released);
  rc_agenda_announce(d->store, d->meeting, session_id);
  return TRUE;
}

/* ---- a reader's stamped copy ---- */

typedef struct {
  gint64 id;
  gint64 started_us;
  rc_agenda_documents_copy_fn fn;
  gpointer data;
} stamp_job;

static void
stamped(GObject *source, GAsyncResult *result, gpointer data)
{
  (void)source;
  stamp_job *job = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) pdf = rc_watermark_stamp_finish(result, &error);
  if (pdf)
    g_info("document %" G_GINT64_FORMAT ": stamped copy of %zu bytes in %" G_GINT64_FORMAT " ms", job->id,
           g_bytes_get_size(pdf), (g_get_monotonic_time() - job->started_us) / 1000);
  else
    g_warning("document %" G_GINT64_FORMAT ": cannot stamp: %s", job->id, error->message);
  job->fn(pdf, error, job->data);
  g_free(job);
}

void
rc_agenda_documents_stamp(gint64 doc_id, const char *path, const char *full_name, const char *username,
                          GTimeZone *zone, rc_agenda_documents_copy_fn fn, gpointer data)
{
  /* On the province's clock with its offset, like every time a reader sees. */
  g_autoptr(GDateTime) now = g_date_time_new_now(zone);
  g_autofree char *when = g_date_time_format(now, "%Y-%m-%d %H:%M:%S UTC%:z");
  g_autofree char *stamp = g_strdup_printf("%s (%s) — %s — MẬT / CONFIDENTIAL", full_name, username, when);
  stamp_job *job = g_new0(stamp_job, 1);
  *job = (stamp_job){doc_id, g_get_monotonic_time(), fn, data};
  rc_watermark_stamp_async(path, stamp, NULL, stamped, job);
}
