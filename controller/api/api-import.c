/* api-import — REST routes for CSV bulk imports of users, delegates and
 * sites: ?dry_run=1 answers the preview (every row, its errors); without
 * it the file is checked again and written in one transaction, or nothing
 * is written. Passwords are hashed on the auth worker pool, so a commit of
 * hundreds of users answers later without stalling the main loop. */
#define G_LOG_DOMAIN "roomctl-api"
#include "api-private.h"
#include "import.h"

typedef struct {
  rc_api *api;
  rc_import_kind kind;
  GBytes *body;
  gint64 user_id;
  gint64 started_us;
  rc_api_reply_fn later;
  gpointer later_data;
} import_job;

static gboolean
dry_run(rc_api_call *call)
{
  const char *v = call->request->query ? g_hash_table_lookup(call->request->query, "dry_run") : NULL;
  return v && (g_str_equal(v, "1") || g_str_equal(v, "true"));
}

/* A refused commit: the wire error with every row error beside it. */
static void
reply_rows_refused(rc_api_reply *reply, const GError *error, json_t *plan)
{
  json_t *obj = rc_wire_error_object(error);
  json_object_set(obj, "errors", json_object_get(plan, "errors"));
  json_object_set(obj, "error_count", json_object_get(plan, "error_count"));
  rc_api_reply_json(reply, rc_wire_http_status(rc_wire_code_from_error(error)), json_pack("{so}", "error", obj));
}

/* Writes the file; fills @reply either way. */
static void
commit(rc_api *api, rc_import_kind kind, GBytes *body, GHashTable *hashes, gint64 user_id, gint64 started_us,
       rc_api_reply *reply)
{
  gsize len = 0;
  const char *text = body ? g_bytes_get_data(body, &len) : "";
  g_autoptr(GError) error = NULL;
  g_autoptr(json_t) plan = NULL;
  int n = rc_import_commit(api->store, kind, text ? text : "", len, hashes, &plan, &error);
  if (n < 0) {
    if (plan)
      reply_rows_refused(reply, error, plan);
    else
      rc_api_reply_error(reply, error);
    return;
  }
  double seconds = (g_get_monotonic_time() - started_us) / 1e6;
  g_message("import: %d %s written by user %" G_GINT64_FORMAT " in %.2f s", n, rc_import_kind_name(kind), user_id,
            seconds);
  rc_api_audit(api, user_id, "import.commit", "%s:%d", rc_import_kind_name(kind), n);
  rc_api_reply_json(reply, 201, json_pack("{ss si sf}", "kind", rc_import_kind_name(kind), "imported", n, "seconds",
                                          seconds));
}

static void
hashed(GHashTable *hashes, const GError *error, gpointer data)
{
  import_job *job = data;
  rc_api_reply reply = {0};
  if (!hashes)
    rc_api_reply_error(&reply, error);
  else
    commit(job->api, job->kind, job->body, hashes, job->user_id, job->started_us, &reply);
  job->later(&reply, job->later_data);
  rc_api_reply_clear(&reply);
  g_bytes_unref(job->body);
  g_free(job);
}

static gboolean
import_run(rc_api_call *call, rc_import_kind kind, GError **error)
{
  gsize len = 0;
  const char *text = call->request->body ? g_bytes_get_data(call->request->body, &len) : NULL;
  g_autoptr(json_t) plan = rc_import_check(call->api->store, kind, text ? text : "", len, error);
  if (!plan)
    return FALSE;
  if (dry_run(call)) {
    rc_api_reply_json(call->reply, 200, g_steal_pointer(&plan));
    return TRUE;
  }
  if (!json_is_true(json_object_get(plan, "valid"))) {
    g_autoptr(GError) refused = g_error_new(RC_ERROR, RC_ERROR_INVALID, "%d errors in the file: nothing was imported",
                                            (int)json_integer_value(json_object_get(plan, "error_count")));
    reply_rows_refused(call->reply, refused, plan);
    return TRUE;
  }
  if (kind == RC_IMPORT_SITES) {
    commit(call->api, kind, call->request->body, NULL, call->user_id, g_get_monotonic_time(), call->reply);
    return TRUE;
  }
  import_job *job = g_new0(import_job, 1);
  job->api = call->api;
  job->kind = kind;
  job->body = g_bytes_ref(call->request->body);
  job->user_id = call->user_id;
  job->started_us = g_get_monotonic_time();
  job->later = call->later;
  job->later_data = call->later_data;
  g_autoptr(GPtrArray) passwords = rc_import_passwords(kind, text, len);
  g_info("import: hashing %u distinct passwords for %d %s", passwords->len,
         (int)json_integer_value(json_object_get(plan, "total")), rc_import_kind_name(kind));
  rc_auth_hash_passwords(call->api->auth, passwords, hashed, job);
  return TRUE; /* reply->status stays 0: the answer comes later */
}

static gboolean
import_users(rc_api_call *call, GError **error)
{
  return import_run(call, RC_IMPORT_USERS, error);
}

static gboolean
import_delegates(rc_api_call *call, GError **error)
{
  return import_run(call, RC_IMPORT_DELEGATES, error);
}

static gboolean
import_sites(rc_api_call *call, GError **error)
{
  return import_run(call, RC_IMPORT_SITES, error);
}

const rc_api_route rc_api_routes_import[] = {
  {"POST", "/api/v1/import/users", RC_ROLE_ADMIN, RC_BODY_CSV, NULL, import_users},
  {"POST", "/api/v1/import/delegates", RC_ROLE_ADMIN, RC_BODY_CSV, NULL, import_delegates},
  {"POST", "/api/v1/import/sites", RC_ROLES_EDITORS, RC_BODY_CSV, NULL, import_sites},
  {NULL, NULL, 0, 0, NULL, NULL},
};
