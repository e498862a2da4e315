/* api-reports — REST routes for the session records: the minutes draft
 * (PDF or ODT) as a job with progress, and the reports (attendance, votes,
 * speaking time) over one session or a range of days as CSV or PDF.
 *
 * The jobs and the rendering off the main loop are the app's
 * (record-jobs.h):
 *   - minutes: POST .../minutes answers 202 with a job at once; the console
 *     polls GET /api/v1/records/jobs/{id} until "done", then downloads
 *     GET /api/v1/records/jobs/{id}/file;
 *   - report PDFs: the GET waits (a deferred reply) and gets the file. */
#define G_LOG_DOMAIN "roomctl-api"
#include "api/api-private.h"
#include "app/record-jobs.h"
#include "records/records.h"
#include "store/store-records.h"

#include <gio/gio.h>
#include <string.h>

#define PARAM(call, i) ((call)->match->params[i])
#define RECORDS_ROLES (RC_ROLE_ADMIN | RC_ROLE_SECRETARIAT | RC_ROLE_CHAIR)
#define RANGE_MAX_DAYS 366

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

/* ---- minutes jobs (the app's record-jobs.c) ---- */

static json_t *
job_json(const rc_record_job_view *job)
{
  static const char *const states[] = {"running", "done", "failed"};
  g_autofree char *url = g_strdup_printf("/api/v1/records/jobs/%" G_GINT64_FORMAT "/file", job->id);
  json_t *j = json_pack("{sI sI ss ss ss si}", "id", (json_int_t)job->id, "session_id", (json_int_t)job->session_id,
                        "kind", "minutes", "format", job->format, "status", states[job->state], "progress",
                        job->progress);
  if (job->state == RC_JOB_DONE) {
    json_object_set_new(j, "url", json_string(url));
    json_object_set_new(j, "filename", json_string(job->filename));
    json_object_set_new(j, "size", json_integer((json_int_t)g_bytes_get_size(job->file)));
    json_object_set_new(j, "render_ms", json_integer(job->render_ms));
  }
  if (job->error)
    json_object_set_new(j, "error", json_string(job->error));
  return j;
}

static const rc_field minutes_fields[] = {
  {"format", RC_FIELD_ENUM, TRUE, 0, 0, (const char *const[]){"pdf", "odt", NULL}},
  {NULL, 0, FALSE, 0, 0, NULL},
};

static gboolean
minutes_create(rc_api_call *call, GError **error)
{
  gint64 id = rc_record_jobs_minutes(call->api->records, call->api->store, PARAM(call, 0),
                                     json_string_value(json_object_get(call->body, "format")), call->user_id, error);
  rc_record_job_view job;
  if (!id || !rc_record_jobs_get(call->api->records, id, &job))
    return FALSE;
  rc_api_reply_json(call->reply, 202, job_json(&job));
  return TRUE;
}

static gboolean
job_lookup(rc_api_call *call, rc_record_job_view *job, GError **error)
{
  gint64 id = PARAM(call, 0);
  if (rc_record_jobs_get(call->api->records, id, job))
    return !job->session_id || rc_access_session_for(call->api->store, call->user, job->session_id, RC_NEED_RUN,
                                                      "records job", error);
  g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "records job %" G_GINT64_FORMAT " not found (or expired)", id);
  return FALSE;
}

static gboolean
job_get(rc_api_call *call, GError **error)
{
  rc_record_job_view job;
  if (!job_lookup(call, &job, error))
    return FALSE;
  rc_api_reply_json(call->reply, 200, job_json(&job));
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
  rc_record_job_view job;
  if (!job_lookup(call, &job, error))
    return FALSE;
  if (job.state != RC_JOB_DONE) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "records job %" G_GINT64_FORMAT " is %s", job.id,
                job.state == RC_JOB_RUNNING ? "still running" : "failed");
    return FALSE;
  }
  reply_file(call->reply, job.file, job.filename);
  return TRUE;
}

/* ---- reports ---- */

typedef struct {
  rc_api_reply_fn later;
  gpointer later_data;
  char *filename;
} report_later;

static void
report_done(GBytes *bytes, const GError *error, gpointer data)
{
  report_later *rl = data;
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
  GTimeZone *tz = rc_api_zone(call->api);
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
  rc_record_jobs_report_pdf(call->api->records, kind, facts, report_done, rl);
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
  g_autofree char *head = rc_record_jobs_heading(call->api->records, call->api->store,
                                                 json_integer_value(json_object_get(json_object_get(one, "session"),
                                                                                    "organisation_id")));
  g_autoptr(json_t) facts = json_pack("{s[O] ss}", "sessions", one, "organisation", head);
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
  g_autoptr(json_t) scope = rc_access_scope(call->api->store, call->user);
  g_autoptr(json_t) facts = rc_records_range_facts(call->api->store, &from, &to, rc_api_zone(call->api), scope, error);
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
  {"POST", "/api/v1/sessions/{id}/minutes", RECORDS_ROLES, RC_BODY_JSON, minutes_fields, minutes_create, RC_REACH_SCOPE},
  {"GET", "/api/v1/records/jobs/{id}", RECORDS_ROLES, RC_BODY_NONE, NULL, job_get, RC_REACH_SCOPE},
  {"GET", "/api/v1/records/jobs/{id}/file", RECORDS_ROLES, RC_BODY_NONE, NULL, job_file, RC_REACH_SCOPE},
  {"GET", "/api/v1/sessions/{id}/reports/attendance", RECORDS_ROLES, RC_BODY_NONE, NULL, session_attendance, RC_REACH_SCOPE},
  {"GET", "/api/v1/sessions/{id}/reports/votes", RECORDS_ROLES, RC_BODY_NONE, NULL, session_votes, RC_REACH_SCOPE},
  {"GET", "/api/v1/sessions/{id}/reports/speaking", RECORDS_ROLES, RC_BODY_NONE, NULL, session_speaking, RC_REACH_SCOPE},
  {"GET", "/api/v1/reports/attendance", RECORDS_ROLES, RC_BODY_NONE, NULL, range_attendance, RC_REACH_SCOPE},
  {"GET", "/api/v1/reports/votes", RECORDS_ROLES, RC_BODY_NONE, NULL, range_votes, RC_REACH_SCOPE},
  {"GET", "/api/v1/reports/speaking", RECORDS_ROLES, RC_BODY_NONE, NULL, range_speaking, RC_REACH_SCOPE},
  {NULL, NULL, 0, 0, NULL, NULL, 0},
};
