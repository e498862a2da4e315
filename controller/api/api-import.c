/* api-import — REST routes for CSV bulk imports of users, delegates,
 * sites, organisations and rooms: ?dry_run=1 answers the preview (every row, its
 * errors); what a row may belong to is the caller's scope (access.h);
 * without
 * it the app's accounts (accounts.h) check the file again and write it in
 * one transaction, or nothing. Passwords are hashed on the auth worker
 * pool, so a commit of hundreds of users answers later. */
#define G_LOG_DOMAIN "roomctl-api"
#include "api/api-private.h"
#include "app/accounts.h"
#include "app/access.h"

/* An import answered while the handler runs (sites, rooms) or later (users). */
typedef struct {
  rc_import_kind kind;
  rc_api_reply *now; /* the handler's reply while it runs, then NULL */
  gboolean answered;
  rc_api_reply_fn later;
  gpointer later_data;
} import_reply;

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

static void
imported(int n, double seconds, json_t *plan, const GError *error, gpointer data)
{
  import_reply *ir = data;
  rc_api_reply reply = {0}, *r = ir->now ? ir->now : &reply;
  if (n >= 0)
    rc_api_reply_json(r, 201, json_pack("{ss si sf}", "kind", rc_import_kind_name(ir->kind), "imported", n, "seconds",
                                        seconds));
  else if (plan)
    reply_rows_refused(r, error, plan);
  else
    rc_api_reply_error(r, error);
  ir->answered = TRUE;
  if (ir->now)
    return;
  ir->later(&reply, ir->later_data);
  rc_api_reply_clear(&reply);
  g_free(ir);
}

static gboolean
import_run(rc_api_call *call, rc_import_kind kind, GError **error)
{
  gsize len = 0;
  const char *text = call->request->body ? g_bytes_get_data(call->request->body, &len) : NULL;
  /* Rows go to the caller's organisation unless they name one of its scope. */
  g_autoptr(json_t) scope = rc_access_scope(call->api->store, call->user);
  rc_import_owner owner = {json_integer_value(json_object_get(call->user, "organisation_id")), scope};
  g_autoptr(json_t) plan = rc_import_check(call->api->store, kind, &owner, text ? text : "", len, error);
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
  import_reply *ir = g_new0(import_reply, 1);
  *ir = (import_reply){kind, call->reply, FALSE, call->later, call->later_data};
  rc_accounts_import(call->api->accounts, kind, &owner, call->request->body, call->user_id, imported, ir);
  ir->now = NULL;
  if (ir->answered)
    g_free(ir);
  return TRUE; /* answered, or reply->status stays 0: the answer comes later */
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

static gboolean
import_organisations(rc_api_call *call, GError **error)
{
  return import_run(call, RC_IMPORT_ORGANISATIONS, error);
}

static gboolean
import_rooms(rc_api_call *call, GError **error)
{
  return import_run(call, RC_IMPORT_ROOMS, error);
}

const rc_api_route rc_api_routes_import[] = {
  {"POST", "/api/v1/import/users", RC_ROLE_ADMIN, RC_BODY_CSV, NULL, import_users, RC_REACH_SCOPE},
  {"POST", "/api/v1/import/delegates", RC_ROLE_ADMIN, RC_BODY_CSV, NULL, import_delegates, RC_REACH_SCOPE},
  {"POST", "/api/v1/import/sites", RC_ROLES_EDITORS, RC_BODY_CSV, NULL, import_sites, RC_REACH_SCOPE},
  {"POST", "/api/v1/import/organisations", RC_ROLE_ADMIN, RC_BODY_CSV, NULL, import_organisations, RC_REACH_SCOPE},
  {"POST", "/api/v1/import/rooms", RC_ROLES_EDITORS, RC_BODY_CSV, NULL, import_rooms, RC_REACH_SCOPE},
  {NULL, NULL, 0, 0, NULL, NULL, 0},
};
