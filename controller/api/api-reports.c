/* api-reports — REST routes for the session records: the minutes draft
 * (PDF or ODT) as a job with progress, and the reports (attendance, votes,
 * speaking time) over one session or a range of days as CSV or PDF.
 *
 * Nothing slow runs on the main loop: a handler gathers the facts from the
 * store (main loop, milliseconds), deep-copies them and hands them to a
 * GTask in GLib's worker pool, which lays the document out and renders it.
 * The result comes back through the GTask callback on the main loop:
 *   - minutes: POST .../minutes answers 202 with a job at once; the worker
 *     moves the job's progress (an atomic int) and the console polls
 *     GET /api/v1/records/jobs/{id} until "done", then downloads
 *     GET /api/v1/records/jobs/{id}/file;
 *   - report PDFs: the GET waits (a deferred reply) and gets the file.
 * Owns the job table (rc_api_records); jobs live for JOB_TTL after they end. */
#define G_LOG_DOMAIN "roomctl-api"
#include "api-private.h"
#include "records.h"
#include "store-records.h"

#include <gio/gio.h>
#include <string.h>

#define PARAM(call, i) ((call)->match->params[i])
#define RECORDS_ROLES (RC_ROLE_ADMIN | RC_ROLE_SECRETARIAT | RC_ROLE_CHAIR)
#define MAX_RUNNING 4
#define MAX_JOBS 32
#define JOB_TTL_US (2 * G_TIME_SPAN_HOUR)
#define RANGE_MAX_DAYS 366

typedef enum { JOB_RUNNING, JOB_DONE, JOB_FAILED } job_state;

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

struct rc_api_records {
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

rc_api_records *
rc_api_records_new(rc_config *config)
{
  rc_api_records *r = g_new0(rc_api_records, 1);
  r->tz = g_time_zone_ref(config->zone);
  r->organisation = g_strdup(config->organisation);
  r->jobs = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, job_unref);
  r->next_id = 1;
  return r;
}

GTimeZone *
rc_api_zone(rc_api *api)
{
  return api->records->tz;
}

void
rc_api_records_free(rc_api_records *r)
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
render_input_new(render_what what, rc_report_kind kind, json_t *facts, const rc_api_records *r, gboolean odt)
{
  GTimeZone *tz = r->tz;
  render_input *in = g_new0(render_input, 1);
  in->what = what;
  in->kind = kind;
  in->facts = json_deep_copy(facts); /* nothing shared with the main loop */
  json_object_set_new(in->facts, "organisation", json_string(r->organisation));
  in->tz = g_time_zone_ref(tz);
  in->odt = odt;
  return in;
}

/* ---- query values ---- */

static const char *
query(rc_api_call *call, const char *key)
{
  return call->request->query ? g_hash_table_lookup(call->request->query, key) : NULL;
}

static gboolean
format_of(rc_api_call *call, const char *a, const char *b, const char **format, GError **error)
{
  const char *f = query(call, "format");
  *format = f ? f : a;
  if (g_str_equal(*format, a) || g_str_equal(*format, b))
    return TRUE;
  g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "format: must be %s or %s", a, b);
  return FALSE;
}

static gboolean
day_param(rc_api_call *call, const char *key, GDate *day, GError **error)
{
  const char *v = query(call, key);
  if (rc_records_parse_day(v, day))
    return TRUE;
  g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "%s: %s", key,
              v ? "must be a date YYYY-MM-DD" : "is required (YYYY-MM-DD)");
  return FALSE;
}

static gboolean
range_params(rc_api_call *call, GDate *from, GDate *to, GError **error)
{
  if (!day_param(call, "from", from, error) || !day_param(call, "to", to, error))
    return FALSE;
  if (g_date_compare(from, to) > 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "to: must not be before from");
    return FALSE;
  }
  if (g_date_days_between(from, to) >= RANGE_MAX_DAYS) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "to: a range covers at most %d days", RANGE_MAX_DAYS);
    return FALSE;
  }
  return TRUE;
}

/* ---- minutes jobs ---- */

static json_t *
job_json(records_job *job)
{
  static const char *const states[] = {"running", "done", "failed"};
  g_autofree char *url = g_strdup_printf("/api/v1/records/jobs/%" G_GINT64_FORMAT "/file", job->id);
  json_t *j = json_pack("{sI sI ss ss ss si}", "id", (json_int_t)job->id, "session_id", (json_int_t)job->session_id,
                        "kind", "minutes", "format", job->format, "status", states[job->state], "progress",
                        job->state == JOB_DONE ? 100 : g_atomic_int_get(&job->progress));
  if (job->state == JOB_DONE) {
    json_object_set_new(j, "url", json_string(url));
    json_object_set_new(j, "filename", json_string(job->filename));
    json_object_set_new(j, "size", json_integer((json_int_t)g_bytes_get_size(job->file)));
    json_object_set_new(j, "render_ms", json_integer(job->render_us / 1000));
  }
  if (job->error)
    json_object_set_new(j, "error", json_string(job->error));
  return j;
}

typedef struct {
  rc_api_records *records; /* borrowed: the api outlives the jobs it started */
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
prune_jobs(rc_api_records *r)
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

static const rc_field minutes_fields[] = {
  {"format", RC_FIELD_ENUM, TRUE, 0, 0, (const char *const[]){"pdf", "odt", NULL}},
  {NULL, 0, FALSE, 0, 0, NULL},
};

static gboolean
minutes_create(rc_api_call *call, GError **error)
{
  rc_api_records *r = call->api->records;
  gint64 sid = PARAM(call, 0);
  g_autoptr(json_t) facts = rc_records_session_facts(call->api->store, sid, error);
  if (!facts)
    return FALSE;
  prune_jobs(r);
  if (r->running >= MAX_RUNNING || g_hash_table_size(r->jobs) >= MAX_JOBS) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "%u records are being made; try again in a moment",
                r->running);
    return FALSE;
  }
  const char *format = json_string_value(json_object_get(call->body, "format"));
  records_job *job = g_atomic_rc_box_new0(records_job);
  job->id = r->next_id++;
  job->session_id = sid;
  job->user_id = call->user_id;
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
  rc_api_audit(call->api, call->user_id, "records.minutes", "session:%" G_GINT64_FORMAT " job:%" G_GINT64_FORMAT,
               sid, job->id);
  rc_api_reply_json(call->reply, 202, job_json(job));
  return TRUE;
}

static records_job *
job_lookup(rc_api_call *call, GError **error)
{
  gint64 id = PARAM(call, 0);
  records_job *job = g_hash_table_lookup(call->api->records->jobs, &id);
  if (!job)
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "records job %" G_GINT64_FORMAT " not found (or expired)", id);
  return job;
}

static gboolean
job_get(rc_api_call *call, GError **error)
{
  records_job *job = job_lookup(call, error);
  if (!job)
    return FALSE;
  rc_api_reply_json(call->reply, 200, job_json(job));
  return TRUE;
}

static void
reply_file(rc_api_reply *reply, GBytes *bytes, const char *filename)
{
  rc_api_reply_clear(reply);
  reply->status = 200;
  reply->content_type = g_str_has_suffix(filename, ".odt") ? "application/vnd.oasis.opendocument.text"
                                                           : "application/pdf";
  reply->body = g_bytes_ref(bytes);
  reply->content_disposition = g_strdup_printf("attachment; filename=\"%s\"", filename);
}

static gboolean
job_file(rc_api_call *call, GError **error)
{
  records_job *job = job_lookup(call, error);
  if (!job)
    return FALSE;
  if (job->state != JOB_DONE) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "records job %" G_GINT64_FORMAT " is %s", job->id,
                job->state == JOB_RUNNING ? "still running" : "failed");
    return FALSE;
  }
  reply_file(call->reply, job->file, job->filename);
  return TRUE;
}

/* ---- reports ---- */

typedef struct {
  rc_api_reply_fn later;
  gpointer later_data;
  char *filename;
} report_later;

static void
report_done(GObject *source, GAsyncResult *result, gpointer data)
{
  (void)source;
  report_later *rl = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_task_propagate_pointer(G_TASK(result), &error);
  rc_api_reply reply = {0};
  if (bytes)
    reply_file(&reply, bytes, rl->filename);
  else
    rc_api_reply_error(&reply, error);
  rl->later(&reply, rl->later_data);
  rc_api_reply_clear(&reply);
  g_free(rl->filename);
  g_free(rl);
}

static const char *const report_names[] = {"diem-danh", "bieu-quyet", "phat-bieu"};

/* Answers @facts as CSV now, or as a PDF rendered in a worker (deferred). */
static gboolean
report_reply(rc_api_call *call, rc_report_kind kind, json_t *facts, const char *format, const char *stem)
{
  g_autofree char *filename = g_strdup_printf("%s-%s.%s", report_names[kind], stem, format);
  GTimeZone *tz = call->api->records->tz;
  if (g_str_equal(format, "csv")) {
    const char *const *cols = NULL;
    g_autoptr(json_t) rows = rc_records_report_rows(kind, facts, tz, &cols);
    rc_api_reply_csv(call->reply, rows, cols, filename, tz);
    return TRUE;
  }
  report_later *rl = g_new0(report_later, 1);
  rl->later = call->later;
  rl->later_data = call->later_data;
  rl->filename = g_steal_pointer(&filename);
  render_start(render_input_new(RENDER_REPORT, kind, facts, call->api->records, FALSE), report_done, rl);
  return TRUE; /* reply->status stays 0: the file comes later */
}

static gboolean
session_report(rc_api_call *call, rc_report_kind kind, GError **error)
{
  const char *format;
  if (!format_of(call, "csv", "pdf", &format, error))
    return FALSE;
  gint64 sid = PARAM(call, 0);
  g_autoptr(json_t) one = rc_records_session_facts(call->api->store, sid, error);
  if (!one)
    return FALSE;
  g_autoptr(json_t) facts = json_pack("{s[O]}", "sessions", one);
  g_autofree char *stem = g_strdup_printf("phien-%" G_GINT64_FORMAT, sid);
  return report_reply(call, kind, facts, format, stem);
}

static gboolean
range_report(rc_api_call *call, rc_report_kind kind, GError **error)
{
  const char *format;
  GDate from, to;
  if (!range_params(call, &from, &to, error) || !format_of(call, "csv", "pdf", &format, error))
    return FALSE;
  g_autoptr(json_t) facts = rc_records_range_facts(call->api->store, &from, &to, call->api->records->tz, error);
  if (!facts)
    return FALSE;
  g_autofree char *stem = g_strdup_printf("%s-%s", json_string_value(json_object_get(facts, "from")),
                                          json_string_value(json_object_get(facts, "to")));
  return report_reply(call, kind, facts, format, stem);
}

#define REPORT_HANDLERS(name, kind)                                                                                \
  static gboolean session_##name(rc_api_call *call, GError **error) { return session_report(call, kind, error); } \
  static gboolean range_##name(rc_api_call *call, GError **error) { return range_report(call, kind, error); }

REPORT_HANDLERS(attendance, RC_REPORT_ATTENDANCE)
REPORT_HANDLERS(votes, RC_REPORT_VOTES)
REPORT_HANDLERS(speaking, RC_REPORT_SPEAKING)

const rc_api_route rc_api_routes_records[] = {
  {"POST", "/api/v1/sessions/{id}/minutes", RECORDS_ROLES, RC_BODY_JSON, minutes_fields, minutes_create},
  {"GET", "/api/v1/records/jobs/{id}", RECORDS_ROLES, RC_BODY_NONE, NULL, job_get},
  {"GET", "/api/v1/records/jobs/{id}/file", RECORDS_ROLES, RC_BODY_NONE, NULL, job_file},
  {"GET", "/api/v1/sessions/{id}/reports/attendance", RECORDS_ROLES, RC_BODY_NONE, NULL, session_attendance},
  {"GET", "/api/v1/sessions/{id}/reports/votes", RECORDS_ROLES, RC_BODY_NONE, NULL, session_votes},
  {"GET", "/api/v1/sessions/{id}/reports/speaking", RECORDS_ROLES, RC_BODY_NONE, NULL, session_speaking},
  {"GET", "/api/v1/reports/attendance", RECORDS_ROLES, RC_BODY_NONE, NULL, range_attendance},
  {"GET", "/api/v1/reports/votes", RECORDS_ROLES, RC_BODY_NONE, NULL, range_votes},
  {"GET", "/api/v1/reports/speaking", RECORDS_ROLES, RC_BODY_NONE, NULL, range_speaking},
  {NULL, NULL, 0, 0, NULL, NULL},
};
