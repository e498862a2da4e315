/* store-organisations — the province's units (a tree under the province,
 * id 1), their rooms, and the organisations a session invites. */
#define G_LOG_DOMAIN "roomctl-store"
#include "store/store-private.h"

#define ORG_COLUMNS "id, code, name, kind, parent_id"
#define ROOM_COLUMNS "r.id, r.organisation_id, r.name, r.site_id, s.code AS site_code, s.name AS site_name"

json_t *
rc_store_organisation_get(rc_store *store, gint64 id, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, "SELECT " ORG_COLUMNS " FROM organisations WHERE id = ?", error);
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, id);
  return rc_store_row(store, stmt, "organisation", error);
}

json_t *
rc_store_organisations_list(rc_store *store, GError **error)
{
  /* Parents before children, then by code: the order a tree is drawn in. */
  sqlite3_stmt *stmt = rc_store_stmt(store,
                                     "WITH RECURSIVE tree(id, depth, path) AS ("
                                     "  SELECT id, 0, code FROM organisations WHERE parent_id IS NULL"
                                     "  UNION ALL SELECT o.id, t.depth + 1, t.path || '/' || o.code"
                                     "  FROM organisations o JOIN tree t ON o.parent_id = t.id)"
                                     " SELECT o.id, o.code, o.name, o.kind, o.parent_id, t.depth"
                                     " FROM organisations o JOIN tree t ON t.id = o.id ORDER BY t.path",
                                     error);
  return stmt ? rc_store_rows(store, stmt, error) : NULL;
}

gint64
rc_store_organisation_id_by_code(rc_store *store, const char *code)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, "SELECT id FROM organisations WHERE code = ?", NULL);
  if (!stmt)
    return 0;
  sqlite3_bind_text(stmt, 1, code, -1, SQLITE_TRANSIENT);
  return rc_store_scalar(store, stmt, 0);
}

json_t *
rc_store_organisation_subtree(rc_store *store, gint64 id, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store,
                                     "WITH RECURSIVE sub(id) AS (SELECT id FROM organisations WHERE id = ?"
                                     " UNION SELECT o.id FROM organisations o JOIN sub ON o.parent_id = sub.id)"
                                     " SELECT id FROM sub ORDER BY id",
                                     error);
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, id);
  return rc_store_ids(store, stmt, "organisation subtree", error);
}

/* The parent of a unit must exist and must not be the unit or below it. */
static gboolean
check_parent(rc_store *store, gint64 self_id, json_t *parent, GError **error)
{
  if (!json_is_integer(parent)) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID,
                "parent_id: every organisation but the province sits under another one");
    return FALSE;
  }
  gint64 pid = json_integer_value(parent);
  g_autoptr(json_t) p = rc_store_organisation_get(store, pid, NULL);
  if (!p) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "parent_id: organisation %" G_GINT64_FORMAT " does not exist",
                pid);
    return FALSE;
  }
  if (self_id) {
    g_autoptr(json_t) below = rc_store_organisation_subtree(store, self_id, error);
    if (!below)
      return FALSE;
    size_t i;
    json_t *v;
    json_array_foreach(below, i, v) {
      if (json_integer_value(v) == pid) {
        g_set_error(error, RC_ERROR, RC_ERROR_INVALID,
                    "parent_id: an organisation cannot sit under itself or under one of its own units");
        return FALSE;
      }
    }
  }
  return TRUE;
}

static gboolean
check_kind(json_t *kind, GError **error)
{
  if (kind && g_strcmp0(json_string_value(kind), "province") == 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "kind: there is one province, at the top (organisation 1)");
    return FALSE;
  }
  return TRUE;
}

gint64
rc_store_organisation_create(rc_store *store, json_t *f, GError **error)
{
  if (!check_kind(json_object_get(f, "kind"), error) || !check_parent(store, 0, json_object_get(f, "parent_id"), error))
    return 0;
  sqlite3_stmt *stmt =
      rc_store_stmt(store, "INSERT INTO organisations (code, name, kind, parent_id) VALUES (?, ?, ?, ?)", error);
  if (!stmt)
    return 0;
  const char *cols[] = {"code", "name", "kind", "parent_id"};
  for (int i = 0; i < (int)G_N_ELEMENTS(cols); i++)
    rc_store_bind_json(stmt, i + 1, json_object_get(f, cols[i]));
  if (!rc_store_exec_stmt(store, stmt, error)) {
    g_prefix_error(error, "organisation '%s': ", json_string_value(json_object_get(f, "code")));
    return 0;
  }
  return sqlite3_last_insert_rowid(store->db);
}

gboolean
rc_store_organisation_update(rc_store *store, gint64 id, json_t *fields, GError **error)
{
  static const char *const allowed[] = {"code", "name", "kind", "parent_id", NULL};
  g_autoptr(json_t) old = rc_store_organisation_get(store, id, error);
  if (!old)
    return FALSE;
  gboolean root = json_is_null(json_object_get(old, "parent_id"));
  if (root && (json_object_get(fields, "kind") || json_object_get(fields, "parent_id"))) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "the province stays the province, at the top: only its code and"
                " name change");
    return FALSE;
  }
  if (!check_kind(json_object_get(fields, "kind"), error) ||
      (json_object_get(fields, "parent_id") && !check_parent(store, id, json_object_get(fields, "parent_id"), error)))
    return FALSE;
  return rc_store_update_fields(store, "organisations", id, fields, allowed, error);
}

gboolean
rc_store_organisation_delete(rc_store *store, gint64 id, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store,
                                     "SELECT (SELECT count(*) FROM organisations WHERE parent_id = ?1)"
                                     " + (SELECT count(*) FROM users WHERE organisation_id = ?1)"
                                     " + (SELECT count(*) FROM sites WHERE organisation_id = ?1)"
                                     " + (SELECT count(*) FROM sessions WHERE organisation_id = ?1)"
                                     " + (SELECT count(*) FROM rooms WHERE organisation_id = ?1)",
                                     error);
  if (!stmt)
    return FALSE;
  sqlite3_bind_int64(stmt, 1, id);
  gint64 owned = rc_store_scalar(store, stmt, 0);
  if (id == 1 || owned > 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_CONFLICT,
                id == 1 ? "the province cannot be deleted"
                        : "organisation %" G_GINT64_FORMAT " still has units, people, sites, sessions or rooms (%"
                          G_GINT64_FORMAT "): move or delete them first",
                id, owned);
    return FALSE;
  }
  return rc_store_delete_id(store, "DELETE FROM organisations WHERE id = ?", id, "organisation", error);
}

/* ---- rooms ---- */

json_t *
rc_store_room_get(rc_store *store, gint64 id, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(
      store, "SELECT " ROOM_COLUMNS " FROM rooms r LEFT JOIN sites s ON s.id = r.site_id WHERE r.id = ?", error);
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, id);
  return rc_store_row(store, stmt, "room", error);
}

json_t *
rc_store_rooms_list(rc_store *store, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(
      store, "SELECT " ROOM_COLUMNS " FROM rooms r LEFT JOIN sites s ON s.id = r.site_id ORDER BY r.organisation_id, r.name",
      error);
  return stmt ? rc_store_rows(store, stmt, error) : NULL;
}

gint64
rc_store_room_create(rc_store *store, json_t *f, GError **error)
{
  sqlite3_stmt *stmt =
      rc_store_stmt(store, "INSERT INTO rooms (organisation_id, name, site_id) VALUES (?, ?, ?)", error);
  if (!stmt)
    return 0;
  const char *cols[] = {"organisation_id", "name", "site_id"};
  for (int i = 0; i < (int)G_N_ELEMENTS(cols); i++)
    rc_store_bind_json(stmt, i + 1, json_object_get(f, cols[i]));
  if (!rc_store_exec_stmt(store, stmt, error)) {
    g_prefix_error(error, "room '%s': ", json_string_value(json_object_get(f, "name")));
    return 0;
  }
  return sqlite3_last_insert_rowid(store->db);
}

gboolean
rc_store_room_update(rc_store *store, gint64 id, json_t *fields, GError **error)
{
  static const char *const allowed[] = {"organisation_id", "name", "site_id", NULL};
  return rc_store_update_fields(store, "rooms", id, fields, allowed, error);
}

gboolean
rc_store_room_delete(rc_store *store, gint64 id, GError **error)
{
  return rc_store_delete_id(store, "DELETE FROM rooms WHERE id = ?", id, "room", error);
}

/* ---- the organisations a session invites ---- */

json_t *
rc_store_session_invited(rc_store *store, gint64 session_id, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store,
                                     "SELECT o.id, o.code, o.name, o.kind FROM session_organisations so"
                                     " JOIN organisations o ON o.id = so.organisation_id WHERE so.session_id = ?"
                                     " ORDER BY o.code",
                                     error);
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, session_id);
  return rc_store_rows(store, stmt, error);
}

gboolean
rc_store_session_set_invited(rc_store *store, gint64 session_id, json_t *organisation_ids, GError **error)
{
  g_autoptr(json_t) session = rc_store_session_get(store, session_id, error);
  if (!session)
    return FALSE;
  sqlite3_stmt *stmt = rc_store_stmt(store, "DELETE FROM session_organisations WHERE session_id = ?", error);
  gboolean ok = stmt != NULL;
  if (ok) {
    sqlite3_bind_int64(stmt, 1, session_id);
    ok = rc_store_exec_stmt(store, stmt, error);
  }
  size_t i;
  json_t *v;
  json_array_foreach(organisation_ids, i, v) {
    if (!ok)
      break;
    gint64 org = json_integer_value(v);
    g_autoptr(json_t) o = rc_store_organisation_get(store, org, NULL);
    if (!o) {
      g_set_error(error, RC_ERROR, RC_ERROR_INVALID,
                  "organisation_ids: organisation %" G_GINT64_FORMAT " does not exist", org);
      ok = FALSE;
      break;
    }
    stmt = rc_store_stmt(store, "INSERT OR IGNORE INTO session_organisations VALUES (?, ?)", error);
    ok = stmt != NULL;
    if (ok) {
      sqlite3_bind_int64(stmt, 1, session_id);
      sqlite3_bind_int64(stmt, 2, org);
      ok = rc_store_exec_stmt(store, stmt, error);
    }
  }
  return ok;
}

json_t *
rc_store_organisations_reached(rc_store *store, json_t *scope, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(
      store,
      "WITH RECURSIVE v(id) AS (SELECT value FROM json_each(?1)"
      " UNION SELECT so.organisation_id FROM session_organisations so JOIN sessions s ON s.id = so.session_id"
      "   WHERE s.organisation_id IN (SELECT value FROM json_each(?1))"
      " UNION SELECT o.id FROM organisations o JOIN v ON o.parent_id = v.id)"
      " SELECT id FROM v ORDER BY id",
      error);
  if (!stmt)
    return NULL;
  g_autofree char *text = json_dumps(scope, JSON_COMPACT);
  sqlite3_bind_text(stmt, 1, text, -1, SQLITE_TRANSIENT);
  return rc_store_ids(store, stmt, "organisations reached", error);
}
