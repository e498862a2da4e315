/* record-jobs — the use case "make the records": the minutes draft of a
 * session (PDF or ODT) as a job with progress, and report PDFs. Nothing
 * slow runs on the main loop: the facts gathered from the store are
 * deep-copied to a GTask in GLib's worker pool, which lays the document out
 * and renders it; the result comes back on the main loop. At most 4 jobs
 * run at once, 32 are kept, each for 2 hours after it ends. Main loop only. */
#pragma once
#include "base/config.h"
#include "records/records.h"
#include "store/store.h"

typedef struct rc_record_jobs rc_record_jobs;

typedef enum { RC_JOB_RUNNING, RC_JOB_DONE, RC_JOB_FAILED } rc_record_job_state;

/* A job as it stands (borrowed: valid until the next call into the jobs). */
typedef struct {
  gint64 id, session_id;
  rc_record_job_state state;
  int progress;          /* 0..100 */
  const char *format;    /* "pdf" or "odt" */
  const char *filename;
  const char *error;     /* when failed */
  GBytes *file;          /* when done */
  gint64 render_ms;
} rc_record_job_view;

/* @config borrowed. (transfer full) */
rc_record_jobs *rc_record_jobs_new(const rc_config *config);
void rc_record_jobs_free(rc_record_jobs *jobs);

/* Starts the minutes of @session_id in @format ("pdf" or "odt") for
 * @user_id, audited (records.minutes); the job's id, or 0 with
 * RC_ERROR_INVALID_STATE when too many run. */
/* What heads the records of a session of organisation @org_id: the
 * province, then the unit (one line when they are the same); an unnamed
 * one is [meeting] organisation. (transfer full) */
char *rc_record_jobs_heading(rc_record_jobs *jobs, rc_store *store, gint64 org_id);
gint64 rc_record_jobs_minutes(rc_record_jobs *jobs, rc_store *store, gint64 session_id, const char *format,
                              gint64 user_id, GError **error);
/* FALSE if @id is unknown (or expired). */
gboolean rc_record_jobs_get(rc_record_jobs *jobs, gint64 id, rc_record_job_view *out);

/* A report's PDF rendered in a worker: @done(@data) gets the file or the
 * error on the main loop. @facts (transfer none) are copied. */
typedef void (*rc_record_done_fn)(GBytes *file, const GError *error, gpointer data);
void rc_record_jobs_report_pdf(rc_record_jobs *jobs, rc_report_kind kind, json_t *facts, rc_record_done_fn done,
                               gpointer data);
