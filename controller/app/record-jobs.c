/* record-jobs — see record-jobs.h. */
#define G_LOG_DOMAIN "roomctl-records"
#include "app/record-jobs.h"
#include "base/rc-error.h"
#include "store/store-records.h"

#include <gio/gio.h>

#define MAX_RUNNING 4
#define MAX_JOBS 32
#define JOB_TTL_US (2 * G_TIME_SPAN_HOUR)

typedef rc_record_job_state job_state;
#define JOB_RUNNING RC_JOB_RUNNING
#define JOB_DONE RC_JOB_DONE
#define JOB_FAILED RC_JOB_FAILED

typedef struct {
  gint64 id, session_id, user_id;
  char *format;   /* pdf | odt */
  gint progress;  /* 0..100, written by the worker (atomic) */
  job_state state; /* main loop only, like everything below */
  GBytes *file;
  char *filename;
  char *error;
  gint64 created_us, finished_us, render_us;
} records_job; /* g_atomic_rc_box: the table and a running task each hold a reference */

struct rc_record_jobs {
  GTimeZone *tz;
  char *organisation; /* [meeting] organisation: heads every minutes and report */
  GHashTable *jobs; /* gint64* id -> records_job* */
  gint64 next_id;
  guint running;
};

static void
job_clear(gpointer data)
{
  records_job *job = data;
  g_free(job->format);
  g_clear_pointer(&job->file, g_bytes_unref);
  g_free(job->filename);
  g_free(job->error);
}

static void
job_unref(gpointer job)
{
  g_atomic_rc_box_release_full(job, job_clear);
}

rc_record_jobs *
rc_record_jobs_new(const rc_config *config)
{
  rc_record_jobs *r = g_new0(rc_record_jobs, 1);
  r->tz = g_time_zone_ref(config->zone);
  r->organisation = g_strdup(config->organisation);
  r->jobs = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, job_unref);
  r->next_id = 1;
  return r;
}

void
rc_record_jobs_free(rc_record_jobs *r)
{
  if (!r)
    return;
  g_hash_table_destroy(r->jobs); /* a job still rendering keeps its own reference */
  g_time_zone_unref(r->tz);
  g_free(r->organisation);
  g_free(r);
}

/* ---- the worker ---- */

typedef enum { RENDER_MINUTES, RENDER_REPORT } render_what;

typedef struct {
  render_what what;
  rc_report_kind kind;
  json_t *facts;   /* a private deep copy */
  GTimeZone *tz;
  gboolean odt;
  gint *progress;  /* into the job, or NULL */
  gint64 render_us;
} render_input;

static void
render_input_free(gpointer data)
{
  render_input *in = data;
  json_decref(in->facts);
  g_time_zone_unref(in->tz);
  g_free(in);
}

static void
render_in_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  (void)source;
  (void)cancellable;
  render_input *in = data;
  gint64 t0 = g_get_monotonic_time();
  g_autoptr(rc_doc) doc = in->what == RENDER_MINUTES ? rc_records_minutes(in->facts, in->tz)
                                                     : rc_records_report(in->kind, in->facts, in->tz);
  GError *error = NULL;
  GBytes *out = in->odt ? rc_records_render_odt(doc, in->progress, &error)
                        : rc_records_render_pdf(doc, in->progress, &error);
  in->render_us = g_get_monotonic_time() - t0;
  if (out)
    g_task_return_pointer(task, out, (GDestroyNotify)g_bytes_unref);
  else
    g_task_return_error(task, error);
}

static void
render_start(render_input *in, GAsyncReadyCallback done, gpointer data)
{
  GTask *task = g_task_new(NULL, NULL, done, data);
  g_task_set_task_data(task, in, render_input_free);
  g_task_run_in_thread(task, render_in_thread);
  g_object_unref(task);
}

static render_input *
render_input_new(render_what what, rc_report_kind kind, json_t *facts, const rc_record_jobs *r, gboolean odt)
{
  GTimeZone *tz = r->tz;
  render_input *in = g_new0(render_input, 1);
  in->what = what;
  in->kind = kind;
  in->facts = json_deep_copy(facts); /* nothing shared with the main loop */
  if (!json_object_get(in->facts, "organisation")) /* a session's own, or [meeting] organisation */
    json_object_set_new(in->facts, "organisation", json_string(r->organisation));
  in->tz = g_time_zone_ref(tz);
  in->odt = odt;
  return in;
}

/* ---- minutes jobs ---- */

typedef struct {
  rc_record_jobs *records; /* borrowed: the api outlives the jobs it started */
  records_job *job;
} job_done_data;

static void
minutes_done(GObject *source, GAsyncResult *result, gpointer data)
{
  (void)source;
  job_done_data *d = data;
  records_job *job = d->job;
  render_input *in = g_task_get_task_data(G_TASK(result));
  g_autoptr(GError) error = NULL;
  job->file = g_task_propagate_pointer(G_TASK(result), &error);
  job->state = job->file ? JOB_DONE : JOB_FAILED;
  job->render_us = in->render_us;
  job->finished_us = g_get_monotonic_time();
  if (error) {
    job->error = g_strdup(error->message);
    g_warning("session %" G_GINT64_FORMAT ": minutes job %" G_GINT64_FORMAT " failed: %s", job->session_id, job->id,
              error->message);
  } else {
    g_message("session %" G_GINT64_FORMAT ": minutes %s ready (job %" G_GINT64_FORMAT ", %zu bytes, %" G_GINT64_FORMAT
              " ms)", job->session_id, job->format, job->id, g_bytes_get_size(job->file), job->render_us / 1000);
  }
  d->records->running--;
  job_unref(job);
  g_free(d);
}

/* Drops jobs that ended more than JOB_TTL ago, then the oldest ended ones
 * while the table is full. */
static void
prune_jobs(rc_record_jobs *r)
{
  gint64 now = g_get_monotonic_time();
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init(&it, r->jobs);
  while (g_hash_table_iter_next(&it, &key, &value)) {
    records_job *job = value;
    if (job->state != JOB_RUNNING && now - job->finished_us > JOB_TTL_US)
      g_hash_table_iter_remove(&it);
  }
  while (g_hash_table_size(r->jobs) >= MAX_JOBS) {
    records_job *oldest = NULL;
    g_hash_table_iter_init(&it, r->jobs);
    while (g_hash_table_iter_next(&it, &key, &value)) {
      records_job *job = value;
      if (job->state != JOB_RUNNING && (!oldest || job->id < oldest->id))
        oldest = job;
    }
    if (!oldest)
      return;
    g_hash_table_remove(r->jobs, &oldest->id);
  }
}


/* The name of organisation @id, or [meeting] organisation for one unnamed. */
static char *
org_name(rc_record_jobs *r, rc_store *store, gint64 id)
{
  g_autoptr(json_t) org = rc_store_organisation_get(store, id, NULL);
  const char *name = org ? json_string_value(json_object_get(org, "name")) : NULL;
  return g_strdup(name && *name ? name : r->organisation);
}

char *
rc_record_jobs_heading(rc_record_jobs *r, rc_store *store, gint64 org_id)
{
  g_autofree char *province = org_name(r, store, 1);
  g_autofree char *unit = org_name(r, store, org_id ? org_id : 1);
  return g_str_equal(province, unit) ? g_strdup(unit) : g_strdup_printf("%s\n%s", province, unit);
}

gint64
rc_record_jobs_minutes(rc_record_jobs *r, rc_store *store, gint64 sid, const char *format, gint64 user_id,
                       GError **error)
{
  g_autoptr(json_t) facts = rc_records_session_facts(store, sid, error);
  if (!facts)
    return 0;
  g_autofree char *head = rc_record_jobs_heading(r, store, json_integer_value(json_object_get(json_object_get(facts, "session"),
                                                                                "organisation_id")));
  json_object_set_new(facts, "organisation", json_string(head));
  prune_jobs(r);
  if (r->running >= MAX_RUNNING || g_hash_table_size(r->jobs) >= MAX_JOBS) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "%u records are being made; try again in a moment",
                r->running);
    return 0;
  }
  /* Audited before it starts: a job that cannot be audited is not made. */
  g_autofree char *target = g_strdup_printf("session:%" G_GINT64_FORMAT " job:%" G_GINT64_FORMAT, sid, r->next_id);
  if (!rc_store_audit(store, user_id, "records.minutes", target, NULL, error))
    return 0;
  records_job *job = g_atomic_rc_box_new0(records_job);
  job->id = r->next_id++;
  job->session_id = sid;
  job->user_id = user_id;
  job->format = g_strdup(format);
  job->filename = g_strdup_printf("bien-ban-phien-%" G_GINT64_FORMAT ".%s", sid, format);
  job->created_us = g_get_monotonic_time();
  g_hash_table_insert(r->jobs, g_memdup2(&job->id, sizeof job->id), job);
  render_input *in = render_input_new(RENDER_MINUTES, 0, facts, r, g_str_equal(format, "odt"));
  in->progress = &job->progress;
  job_done_data *d = g_new0(job_done_data, 1);
  d->records = r;
  d->job = g_atomic_rc_box_acquire(job);
  r->running++;
  render_start(in, minutes_done, d);
  return job->id;
}

gboolean
rc_record_jobs_get(rc_record_jobs *r, gint64 id, rc_record_job_view *out)
{
  records_job *job = g_hash_table_lookup(r->jobs, &id);
  if (!job)
    return FALSE;
  *out = (rc_record_job_view){
    .id = job->id, .session_id = job->session_id, .state = job->state,
    .progress = job->state == JOB_DONE ? 100 : g_atomic_int_get(&job->progress), .format = job->format,
    .filename = job->filename, .error = job->error, .file = job->file, .render_ms = job->render_us / 1000,
  };
  return TRUE;
}

typedef struct {
  rc_record_done_fn done;
  gpointer data;
} report_done_data;

static void
report_done(GObject *source, GAsyncResult *result, gpointer data)
{
  (void)source;
  report_done_data *d = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_task_propagate_pointer(G_TASK(result), &error);
  d->done(bytes, error, d->data);
  g_free(d);
}

void
rc_record_jobs_report_pdf(rc_record_jobs *r, rc_report_kind kind, json_t *facts, rc_record_done_fn done, gpointer data)
{
  report_done_data *d = g_new0(report_done_data, 1);
  d->done = done;
  d->data = data;
  render_start(render_input_new(RENDER_REPORT, kind, facts, r, FALSE), report_done, d);
}
