/* api-organisations — the province's units and their rooms on the wire
 * (the app's organisations.h). */
#define G_LOG_DOMAIN "roomctl-api"
#include "api/api-private.h"
#include "app/organisations.h"

#define PARAM(call, i) ((call)->match->params[i])

static const char *const kind_choices[] = {"council", "committee", "department", "district", "commune", "board",
                                           "province", NULL};

#define ORG_FIELDS(req)                                    \
  {"code", RC_FIELD_CODE, req, 0, 0, NULL},                \
  {"name", RC_FIELD_STRING, req, 1, 200, NULL},            \
  {"kind", RC_FIELD_ENUM, req, 0, 0, kind_choices},        \
  {"parent_id", RC_FIELD_ID, req, 0, 0, NULL},             \
  {NULL, 0, 0, 0, 0, NULL}
static const rc_field org_create_fields[] = {ORG_FIELDS(TRUE)};
static const rc_field org_update_fields[] = {ORG_FIELDS(FALSE)};

#define ROOM_FIELDS(req)                                   \
  {"name", RC_FIELD_STRING, req, 1, 100, NULL},            \
  {"organisation_id", RC_FIELD_ID, FALSE, 0, 0, NULL},     \
  {"site_id", RC_FIELD_ID_OR_NULL, FALSE, 0, 0, NULL},     \
  {NULL, 0, 0, 0, 0, NULL}
static const rc_field room_create_fields[] = {ROOM_FIELDS(TRUE)};
static const rc_field room_update_fields[] = {ROOM_FIELDS(FALSE)};

static gboolean
reply(rc_api_call *call, int status, json_t *body)
{
  if (!body)
    return FALSE;
  rc_api_reply_json(call->reply, status, body);
  return TRUE;
}

/* ---- organisations: every member of staff sees the tree (to invite) ---- */

static json_t *
org_get(rc_api *api, gint64 id, GError **error)
{
  json_t *org = rc_store_organisation_get(api->store, id, error);
  if (org)
    rc_organisations_named(api->config, org);
  return org;
}

static gboolean
orgs_list(rc_api_call *call, GError **error)
{
  json_t *list = rc_store_organisations_list(call->api->store, error);
  if (!list)
    return FALSE;
  size_t i;
  json_t *org;
  g_autoptr(json_t) scope = rc_access_scope(call->api->store, call->user);
  json_array_foreach(list, i, org) {
    rc_organisations_named(call->api->config, org);
    json_object_set_new(org, "in_scope",
                        json_boolean(rc_access_in_scope(scope, json_integer_value(json_object_get(org, "id")))));
  }
  return reply(call, 200, json_pack("{so}", "organisations", list));
}

static gboolean
org_create(rc_api_call *call, GError **error)
{
  gint64 id = rc_organisations_create(call->api->store, call->body, call->user_id, error);
  return id && reply(call, 201, org_get(call->api, id, error));
}

static gboolean
org_update(rc_api_call *call, GError **error)
{
  gint64 id = PARAM(call, 0);
  return rc_organisations_update(call->api->store, id, call->body, call->user_id, error) &&
         reply(call, 200, org_get(call->api, id, error));
}

static gboolean
org_delete(rc_api_call *call, GError **error)
{
  if (!rc_organisations_delete(call->api->store, PARAM(call, 0), call->user_id, error))
    return FALSE;
  rc_api_reply_json(call->reply, 204, NULL);
  return TRUE;
}

/* ---- rooms: the router keeps a room's {id} within reach ---- */

static gboolean
rooms_list(rc_api_call *call, GError **error)
{
  json_t *list = rc_store_rooms_list(call->api->store, error);
  if (list)
    rc_access_filter_rows(call->api->store, call->user, list);
  return list && reply(call, 200, json_pack("{so}", "rooms", list));
}

static gboolean
room_get(rc_api_call *call, GError **error)
{
  return reply(call, 200, rc_store_room_get(call->api->store, PARAM(call, 0), error));
}

static gboolean
room_create(rc_api_call *call, GError **error)
{
  gint64 id = rc_organisations_room_create(call->api->store, call->user, call->body, error);
  return id && reply(call, 201, rc_store_room_get(call->api->store, id, error));
}

static gboolean
room_update(rc_api_call *call, GError **error)
{
  return rc_organisations_room_update(call->api->store, call->user, PARAM(call, 0), call->body, error) &&
         room_get(call, error);
}

static gboolean
room_delete(rc_api_call *call, GError **error)
{
  if (!rc_organisations_room_delete(call->api->store, call->user, PARAM(call, 0), error))
    return FALSE;
  rc_api_reply_json(call->reply, 204, NULL);
  return TRUE;
}

#define STAFF RC_ROLES_STAFF
#define EDITORS RC_ROLES_EDITORS
#define ADMIN RC_ROLE_ADMIN

const rc_api_route rc_api_routes_organisations[] = {
  {"GET", "/api/v1/organisations", STAFF, RC_BODY_NONE, NULL, orgs_list, RC_REACH_SCOPE},
  {"POST", "/api/v1/organisations", ADMIN, RC_BODY_JSON, org_create_fields, org_create, RC_REACH_SCOPE},
  {"PATCH", "/api/v1/organisations/{id}", ADMIN, RC_BODY_JSON, org_update_fields, org_update, RC_REACH_SCOPE},
  {"DELETE", "/api/v1/organisations/{id}", ADMIN, RC_BODY_NONE, NULL, org_delete, RC_REACH_SCOPE},
  {"GET", "/api/v1/rooms", STAFF, RC_BODY_NONE, NULL, rooms_list, RC_REACH_SCOPE},
  {"POST", "/api/v1/rooms", EDITORS, RC_BODY_JSON, room_create_fields, room_create, RC_REACH_SCOPE},
  {"GET", "/api/v1/rooms/{id}", STAFF, RC_BODY_NONE, NULL, room_get, RC_REACH_SCOPE},
  {"PATCH", "/api/v1/rooms/{id}", EDITORS, RC_BODY_JSON, room_update_fields, room_update, RC_REACH_SCOPE},
  {"DELETE", "/api/v1/rooms/{id}", EDITORS, RC_BODY_NONE, NULL, room_delete, RC_REACH_SCOPE},
  {NULL, NULL, 0, 0, NULL, NULL, 0},
};
