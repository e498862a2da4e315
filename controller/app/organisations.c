/* organisations — see organisations.h. */
#define G_LOG_DOMAIN "roomctl-access"
#include "app/organisations.h"
#include "app/access.h"
#include "base/rc-error.h"

void
rc_organisations_named(rc_config *config, json_t *org)
{
  const char *name = json_string_value(json_object_get(org, "name"));
  if (org && (!name || !*name))
    json_object_set_new(org, "name", json_string(config->organisation));
}

char *
rc_organisations_name(rc_store *store, rc_config *config, gint64 org_id)
{
  g_autoptr(json_t) org = rc_store_organisation_get(store, org_id, NULL);
  if (!org)
    return g_strdup(config->organisation);
  rc_organisations_named(config, org);
  return g_strdup(json_string_value(json_object_get(org, "name")));
}

json_t *
rc_organisations_of_user(rc_store *store, rc_config *config, json_t *user)
{
  gint64 org_id = json_integer_value(json_object_get(user, "organisation_id"));
  json_t *org = rc_store_organisation_get(store, org_id ? org_id : 1, NULL);
  if (!org)
    org = json_pack("{sI ss ss ss}", "id", (json_int_t)1, "code", "", "name", "", "kind", "province");
  rc_organisations_named(config, org);
  g_autofree char *province = rc_organisations_name(store, config, 1);
  return json_pack("{so ss}", "organisation", org, "province", province);
}

static gboolean
audit(rc_store *store, gint64 by, const char *action, const char *kind, gint64 id, const char *detail,
      GError **error)
{
  g_autofree char *target = g_strdup_printf("%s:%" G_GINT64_FORMAT, kind, id);
  return rc_store_audit(store, by, action, target, detail, error);
}

gint64
rc_organisations_create(rc_store *store, json_t *fields, gint64 by, GError **error)
{
  gint64 id = 0;
  gboolean ok = rc_store_begin(store, error) &&
                rc_store_end(store,
                             (id = rc_store_organisation_create(store, fields, error)) &&
                                 audit(store, by, "organisation.create", "organisation", id, NULL, error),
                             error);
  return ok ? id : 0;
}

gboolean
rc_organisations_update(rc_store *store, gint64 id, json_t *fields, gint64 by, GError **error)
{
  return rc_store_begin(store, error) &&
         rc_store_end(store,
                      rc_store_organisation_update(store, id, fields, error) &&
                          audit(store, by, "organisation.update", "organisation", id, NULL, error),
                      error);
}

gboolean
rc_organisations_delete(rc_store *store, gint64 id, gint64 by, GError **error)
{
  return rc_store_begin(store, error) &&
         rc_store_end(store,
                      rc_store_organisation_delete(store, id, error) &&
                          audit(store, by, "organisation.delete", "organisation", id, NULL, error),
                      error);
}

/* Whether organisation @org_id exists and is in @user's scope. */
static gboolean
own_organisation(rc_store *store, json_t *user, gint64 org_id, const char *field, GError **error)
{
  g_autoptr(json_t) org = rc_store_organisation_get(store, org_id, NULL);
  g_autoptr(json_t) scope = rc_access_scope(store, user);
  if (org && rc_access_in_scope(scope, org_id))
    return TRUE;
  g_set_error(error, RC_ERROR, RC_ERROR_INVALID,
              "%s: organisation %" G_GINT64_FORMAT " %s", field, org_id,
              org ? "is not one you act for" : "does not exist");
  return FALSE;
}

gboolean
rc_organisations_owner_field(rc_store *store, json_t *user, json_t *fields, gboolean fill, GError **error)
{
  json_t *org = json_object_get(fields, "organisation_id");
  if (!org && fill)
    json_object_set_new(fields, "organisation_id",
                        json_integer(json_integer_value(json_object_get(user, "organisation_id")) ?: 1));
  org = json_object_get(fields, "organisation_id");
  return !org || own_organisation(store, user, json_integer_value(org), "organisation_id", error);
}

/* The hall site of a room must be one @user may see. */
static gboolean
room_site(rc_store *store, json_t *user, json_t *fields, GError **error)
{
  json_t *site = json_object_get(fields, "site_id");
  if (!json_is_integer(site))
    return TRUE;
  g_autoptr(json_t) row = rc_store_site_get(store, json_integer_value(site), NULL);
  if (row && rc_access_organisation(store, user, json_integer_value(json_object_get(row, "organisation_id")), FALSE,
                                    "site", NULL))
    return TRUE;
  g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "site_id: site %" G_GINT64_FORMAT " not found",
              (gint64)json_integer_value(site));
  return FALSE;
}

gint64
rc_organisations_room_create(rc_store *store, json_t *user, json_t *fields, GError **error)
{
  g_autoptr(json_t) f = json_deep_copy(fields);
  gint64 id = 0;
  if (!rc_organisations_owner_field(store, user, f, TRUE, error) || !room_site(store, user, f, error))
    return 0;
  gboolean ok = rc_store_begin(store, error) &&
                rc_store_end(store,
                             (id = rc_store_room_create(store, f, error)) &&
                                 audit(store, RC_USER_ID(user), "room.create", "room", id, NULL, error),
                             error);
  return ok ? id : 0;
}

gboolean
rc_organisations_room_update(rc_store *store, json_t *user, gint64 id, json_t *fields, GError **error)
{
  return rc_organisations_owner_field(store, user, fields, FALSE, error) && room_site(store, user, fields, error) &&
         rc_store_begin(store, error) &&
         rc_store_end(store,
                      rc_store_room_update(store, id, fields, error) &&
                          audit(store, RC_USER_ID(user), "room.update", "room", id, NULL, error),
                      error);
}

gboolean
rc_organisations_room_delete(rc_store *store, json_t *user, gint64 id, GError **error)
{
  return rc_store_begin(store, error) &&
         rc_store_end(store,
                      rc_store_room_delete(store, id, error) &&
                          audit(store, RC_USER_ID(user), "room.delete", "room", id, NULL, error),
                      error);
}

gboolean
rc_organisations_session_fields(rc_store *store, json_t *user, gint64 session_id, json_t *fields, GError **error)
{
  if (!rc_organisations_owner_field(store, user, fields, session_id == 0, error))
    return FALSE;
  json_t *room = json_object_get(fields, "room_id");
  if (!json_is_integer(room))
    return TRUE;
  gint64 org = json_integer_value(json_object_get(fields, "organisation_id"));
  if (!org) {
    g_autoptr(json_t) s = rc_store_session_get(store, session_id, error);
    if (!s)
      return FALSE;
    org = json_integer_value(json_object_get(s, "organisation_id"));
  }
  g_autoptr(json_t) r = rc_store_room_get(store, json_integer_value(room), NULL);
  if (!r || json_integer_value(json_object_get(r, "organisation_id")) != org) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID,
                "room_id: room %" G_GINT64_FORMAT " is not a room of the session's organisation",
                (gint64)json_integer_value(room));
    return FALSE;
  }
  json_object_set(fields, "room", json_object_get(r, "name"));
  return TRUE;
}

gboolean
rc_organisations_invite(rc_store *store, gint64 session_id, json_t *organisation_ids, gint64 by, GError **error)
{
  g_autoptr(GString) detail = g_string_new(NULL);
  size_t i;
  json_t *v;
  json_array_foreach(organisation_ids, i, v)
    g_string_append_printf(detail, "%s%" JSON_INTEGER_FORMAT, detail->len ? "," : "", json_integer_value(v));
  return rc_store_begin(store, error) &&
         rc_store_end(store,
                      rc_store_session_set_invited(store, session_id, organisation_ids, error) &&
                          audit(store, by, "session.invite", "session", session_id, detail->str, error),
                      error);
}

json_t *
rc_organisations_session_view(rc_store *store, rc_config *config, json_t *user, gint64 id, GError **error)
{
  json_t *detail = rc_store_session_detail(store, id, error);
  json_t *invited = detail ? rc_store_session_invited(store, id, error) : NULL;
  if (!invited) {
    json_decref(detail);
    return NULL;
  }
  rc_access_agenda_for(store, user, json_object_get(detail, "agenda"));
  rc_access_filter_attendance(store, user, id, json_object_get(detail, "delegates"));
  g_autofree char *name = rc_organisations_name(store, config, json_integer_value(json_object_get(detail, "organisation_id")));
  json_object_set_new(detail, "organisation", json_string(name));
  json_object_set_new(detail, "invited", invited);
  static const char *const relations[] = {[RC_RELATION_NONE] = "none", [RC_RELATION_MEMBER] = "member",
                                          [RC_RELATION_INVITED] = "invited", [RC_RELATION_SCOPE] = "scope"};
  json_object_set_new(detail, "access", json_string(relations[rc_access_relation(store, user, id)]));
  return detail;
}
