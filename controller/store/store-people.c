/* store-people — users, login tokens and sites (province → district →
 * commune hierarchy). */
#define G_LOG_DOMAIN "roomctl-store"
#include "store/store-private.h"

#define USER_COLUMNS "id, username, full_name, role, title, unit, active, site_id, organisation_id, include_children"
#define SITE_COLUMNS                                                                                    \
  "id, code, name, level, parent_id, transport, address, h264_payload_type, opus_payload_type, video_cap_kbps, " \
  "audio_cap_kbps, organisation_id, sip_user, srtp, media_from,"                                                   \
  " (coalesce(sip_password, '') <> '') AS sip_password_set,"                                          \
  " (SELECT created_at FROM site_credentials c WHERE c.site_id = sites.id) AS credential_created_at,"        \
  " (SELECT created_at FROM site_srtp_keys k WHERE k.site_id = sites.id) AS srtp_key_created_at,"            \
  " (SELECT suite FROM site_srtp_keys k WHERE k.site_id = sites.id) AS srtp_key_suite"

json_t *
rc_store_user_get(rc_store *store, gint64 id, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, "SELECT " USER_COLUMNS " FROM users WHERE id = ?", error);
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, id);
  return rc_store_row(store, stmt, "user", error);
}

json_t *
rc_store_users_list(rc_store *store, const char *role, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(
      store, "SELECT " USER_COLUMNS " FROM users WHERE ?1 IS NULL OR role = ?1 ORDER BY username", error);
  if (!stmt)
    return NULL;
  if (role)
    sqlite3_bind_text(stmt, 1, role, -1, SQLITE_TRANSIENT);
  return rc_store_rows(store, stmt, error);
}

gint64
rc_store_user_count(rc_store *store)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, "SELECT COUNT(*) FROM users", NULL);
  return stmt ? rc_store_scalar(store, stmt, 0) : 0;
}

gint64
rc_store_user_create(rc_store *store, const char *username, const char *full_name, const char *role,
                     const char *password_hash, const char *title, const char *unit, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(
      store,
      "INSERT INTO users (username, full_name, role, password_hash, title, unit, created_at)"
      " VALUES (?, ?, ?, ?, ?, ?, ?)",
      error);
  if (!stmt)
    return 0;
  g_autofree char *now = rc_store_now();
  const char *values[] = {username, full_name, role, password_hash, title ? title : "",
                          unit ? unit : "", now};
  for (int i = 0; i < (int)G_N_ELEMENTS(values); i++)
    sqlite3_bind_text(stmt, i + 1, values[i], -1, SQLITE_TRANSIENT);
  if (!rc_store_exec_stmt(store, stmt, error)) {
    g_prefix_error(error, "username '%s': ", username);
    return 0;
  }
  return sqlite3_last_insert_rowid(store->db);
}

gboolean
rc_store_user_update(rc_store *store, gint64 id, json_t *fields, const char *password_hash,
                     GError **error)
{
  static const char *const allowed[] = {"full_name", "role",          "title",           "unit",
                                        "active",    "site_id",       "organisation_id", "include_children",
                                        "password_hash", NULL};
  g_autoptr(json_t) set = json_deep_copy(fields);
  if (password_hash)
    json_object_set_new(set, "password_hash", json_string(password_hash));
  if (!rc_store_update_fields(store, "users", id, set, allowed, error))
    return FALSE;
  /* A changed password or a deactivation ends the user's logins. */
  if (password_hash || json_is_false(json_object_get(fields, "active"))) {
    sqlite3_stmt *stmt = rc_store_stmt(store, "DELETE FROM tokens WHERE user_id = ?", error);
    if (!stmt)
      return FALSE;
    sqlite3_bind_int64(stmt, 1, id);
    return rc_store_exec_stmt(store, stmt, error);
  }
  return TRUE;
}

gboolean
rc_store_user_delete(rc_store *store, gint64 id, GError **error)
{
  return rc_store_delete_id(store, "DELETE FROM users WHERE id = ?", id, "user", error);
}

gboolean
rc_store_user_credentials(rc_store *store, const char *username, gint64 *id, char **password_hash,
                          GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(
      store, "SELECT id, password_hash FROM users WHERE username = ? AND active", error);
  if (!stmt)
    return FALSE;
  sqlite3_bind_text(stmt, 1, username, -1, SQLITE_TRANSIENT);
  gboolean found = sqlite3_step(stmt) == SQLITE_ROW;
  if (found) {
    *id = sqlite3_column_int64(stmt, 0);
    *password_hash = g_strdup((const char *)sqlite3_column_text(stmt, 1));
  } else {
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "no such user");
  }
  sqlite3_reset(stmt);
  return found;
}

gboolean
rc_store_token_add(rc_store *store, const char *token_hash, gint64 user_id, gint64 expires_unix,
                   GError **error)
{
  sqlite3_stmt *purge = rc_store_stmt(store, "DELETE FROM tokens WHERE expires_unix < ?", error);
  if (!purge)
    return FALSE;
  sqlite3_bind_int64(purge, 1, g_get_real_time() / G_USEC_PER_SEC - 86400);
  if (!rc_store_exec_stmt(store, purge, error))
    return FALSE;
  sqlite3_stmt *stmt = rc_store_stmt(
      store, "INSERT INTO tokens (token_hash, user_id, created_at, expires_unix) VALUES (?, ?, ?, ?)",
      error);
  if (!stmt)
    return FALSE;
  g_autofree char *now = rc_store_now();
  sqlite3_bind_text(stmt, 1, token_hash, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(stmt, 2, user_id);
  sqlite3_bind_text(stmt, 3, now, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(stmt, 4, expires_unix);
  return rc_store_exec_stmt(store, stmt, error);
}

json_t *
rc_store_token_user(rc_store *store, const char *token_hash, gint64 now_unix, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(
      store,
      "SELECT u.id, u.username, u.full_name, u.role, u.title, u.unit, u.active, u.site_id, u.organisation_id,"
      " u.include_children, t.expires_unix"
      " FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND u.active",
      error);
  if (!stmt)
    return NULL;
  sqlite3_bind_text(stmt, 1, token_hash, -1, SQLITE_TRANSIENT);
  g_autoptr(json_t) user = rc_store_row(store, stmt, "token", error);
  if (!user)
    return NULL;
  if (json_integer_value(json_object_get(user, "expires_unix")) <= now_unix) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "token expired");
    return NULL;
  }
  json_object_del(user, "expires_unix");
  return g_steal_pointer(&user);
}

gboolean
rc_store_token_delete(rc_store *store, const char *token_hash, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, "DELETE FROM tokens WHERE token_hash = ?", error);
  if (!stmt)
    return FALSE;
  sqlite3_bind_text(stmt, 1, token_hash, -1, SQLITE_TRANSIENT);
  return rc_store_exec_stmt(store, stmt, error);
}

/* @column as the site's @key: {created_at} | null; with @also (a column
 * or NULL) in it under @also_key. */
static void
nest_created(json_t *site, const char *column, const char *key, const char *also, const char *also_key)
{
  json_t *at = json_object_get(site, column);
  json_t *nested = json_is_string(at) ? json_pack("{sO}", "created_at", at) : json_null();
  if (also && json_is_object(nested))
    json_object_set(nested, also_key, json_object_get(site, also));
  json_object_set_new(site, key, nested);
  json_object_del(site, column);
  if (also)
    json_object_del(site, also);
}

/* The credential's and the SRTP key's columns as the site's "credential"
 * {created_at} and "srtp_key" {created_at, suite}, or null (never the
 * secrets). */
static json_t *
nest_credential(json_t *site)
{
  nest_created(site, "credential_created_at", "credential", NULL, NULL);
  nest_created(site, "srtp_key_created_at", "srtp_key", "srtp_key_suite", "suite");
  return site;
}

json_t *
rc_store_site_get(rc_store *store, gint64 id, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, "SELECT " SITE_COLUMNS " FROM sites WHERE id = ?", error);
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, id);
  json_t *site = rc_store_row(store, stmt, "site", error);
  return site ? nest_credential(site) : NULL;
}

json_t *
rc_store_sites_list(rc_store *store, const char *level, gint64 parent_id, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(
      store,
      "SELECT " SITE_COLUMNS " FROM sites WHERE (?1 IS NULL OR level = ?1)"
      " AND (?2 = 0 OR parent_id = ?2) ORDER BY code",
      error);
  if (!stmt)
    return NULL;
  if (level)
    sqlite3_bind_text(stmt, 1, level, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(stmt, 2, parent_id);
  json_t *sites = rc_store_rows(store, stmt, error);
  size_t i;
  json_t *site;
  json_array_foreach(sites, i, site) nest_credential(site);
  return sites;
}

gint64
rc_store_site_id_by_code(rc_store *store, const char *code)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, "SELECT id FROM sites WHERE code = ?", NULL);
  if (!stmt)
    return 0;
  sqlite3_bind_text(stmt, 1, code, -1, SQLITE_TRANSIENT);
  return rc_store_scalar(store, stmt, 0);
}

/* A site's parent must exist and sit one level up (communes under districts,
 * districts and departments under the province). */
static gboolean
check_site_parent(rc_store *store, const char *level, json_t *parent, gint64 self_id, GError **error)
{
  gboolean is_root = g_strcmp0(level, "province") == 0;
  if (json_is_null(parent) || !parent) {
    if (is_root)
      return TRUE;
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "parent_id: a %s needs a parent site", level);
    return FALSE;
  }
  gint64 pid = json_integer_value(parent);
  g_autoptr(json_t) p = rc_store_site_get(store, pid, NULL);
  const char *plevel = p ? json_string_value(json_object_get(p, "level")) : NULL;
  const char *want = g_strcmp0(level, "commune") == 0 ? "district" : "province";
  if (!p || pid == self_id || is_root || g_strcmp0(plevel, want) != 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "parent_id: the parent of a %s must be a %s site",
                level, is_root ? "(no)" : want);
    return FALSE;
  }
  return TRUE;
}

gint64
rc_store_site_create(rc_store *store, json_t *f, GError **error)
{
  const char *level = json_string_value(json_object_get(f, "level"));
  if (!check_site_parent(store, level, json_object_get(f, "parent_id"), 0, error))
    return 0;
  sqlite3_stmt *stmt = rc_store_stmt(
      store,
      "INSERT INTO sites (code, name, level, parent_id, transport, address, h264_payload_type, opus_payload_type,"
      " video_cap_kbps, audio_cap_kbps, organisation_id, sip_user, sip_password, srtp, media_from)"
      " VALUES (?, ?, ?, ?, coalesce(?, 'rtp'), coalesce(?, ''), ?, ?, ?, ?, coalesce(?, 1), nullif(?, ''),"
      " nullif(?, ''), ?, coalesce(?, ''))",
      error);
  if (!stmt)
    return 0;
  const char *cols[] = {"code",      "name",    "level",          "parent_id",      "transport",
                        "address",   "h264_payload_type", "opus_payload_type", "video_cap_kbps", "audio_cap_kbps",
                        "organisation_id", "sip_user", "sip_password", "srtp", "media_from"};
  for (int i = 0; i < (int)G_N_ELEMENTS(cols); i++)
    rc_store_bind_json(stmt, i + 1, json_object_get(f, cols[i]));
  if (!rc_store_exec_stmt(store, stmt, error)) {
    g_prefix_error(error, "site '%s': ", json_string_value(json_object_get(f, "code")));
    return 0;
  }
  return sqlite3_last_insert_rowid(store->db);
}

gboolean
rc_store_site_update(rc_store *store, gint64 id, json_t *fields, GError **error)
{
  static const char *const allowed[] = {"code",           "name",          "level",
                                        "parent_id",      "transport",     "address",
                                        "h264_payload_type", "opus_payload_type", "video_cap_kbps",
                                        "audio_cap_kbps", "organisation_id", "sip_user",
                                        "sip_password",   "srtp",          "media_from",
                                        NULL};
  g_autoptr(json_t) old = rc_store_site_get(store, id, error);
  if (!old)
    return FALSE;
  if (json_object_get(fields, "level") || json_object_get(fields, "parent_id")) {
    g_autoptr(json_t) merged = json_deep_copy(old);
    json_object_update(merged, fields);
    if (!check_site_parent(store, json_string_value(json_object_get(merged, "level")),
                           json_object_get(merged, "parent_id"), id, error))
      return FALSE;
  }
  /* An empty SIP user or password is none (NULL: the user is UNIQUE). */
  static const char *const nullable[] = {"sip_user", "sip_password"};
  for (gsize i = 0; i < G_N_ELEMENTS(nullable); i++) {
    json_t *v = json_object_get(fields, nullable[i]);
    if (json_is_string(v) && !*json_string_value(v))
      json_object_set_new(fields, nullable[i], json_null());
  }
  return rc_store_update_fields(store, "sites", id, fields, allowed, error);
}

json_t *
rc_store_site_sip_secret(rc_store *store, const char *sip_user, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store,
                                     "SELECT id, code, transport, address, sip_user, sip_password, srtp FROM sites"
                                     " WHERE sip_user = ? AND transport = 'sip'",
                                     error);
  if (!stmt)
    return NULL;
  sqlite3_bind_text(stmt, 1, sip_user, -1, SQLITE_TRANSIENT);
  return rc_store_row(store, stmt, "SIP user", error);
}

json_t *
rc_store_sip_site(rc_store *store, gint64 id, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store,
                                     "SELECT id, code, transport, address, sip_user, sip_password, srtp, organisation_id"
                                     " FROM sites WHERE id = ? AND transport = 'sip'",
                                     error);
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, id);
  return rc_store_row(store, stmt, "SIP site", error);
}

json_t *
rc_store_sip_sites(rc_store *store, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store,
                                     "SELECT id, code, transport, address, sip_user, sip_password, srtp, organisation_id"
                                     " FROM sites WHERE transport = 'sip' ORDER BY id",
                                     error);
  return stmt ? rc_store_rows(store, stmt, error) : NULL;
}

gboolean
rc_store_site_delete(rc_store *store, gint64 id, GError **error)
{
  if (rc_store_delete_id(store, "DELETE FROM sites WHERE id = ?", id, "site", error))
    return TRUE;
  if (error && *error && (*error)->code == RC_ERROR_CONFLICT) /* a foreign key: what hangs below it */
    g_prefix_error(error, "site has sub-sites: ");
  return FALSE;
}
