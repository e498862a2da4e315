/* store-sessions — sessions, their agenda tree and documents, the delegates
 * and sites assigned to them, and delegate attendance. */
#define G_LOG_DOMAIN "roomctl-store"
#include "store/store-private.h"

#define SESSION_COLUMNS \
  "id, title, room, description, starts_at, ends_at, status, started_at, ended_at, created_at, updated_at," \
  " current_item_id, presented_document_id, presented_page, organisation_id, room_id, closed, record, rtsp_out"
#define ITEM_COLUMNS "id, session_id, parent_id, position, title, presenter, planned_minutes, speaking_seconds"
#define DOC_COLUMNS \
  "d.id, d.agenda_item_id, d.title, d.filename, d.sha256, d.size, d.pages, d.confidential, d.uploaded_at," \
  " d.signatures"

static gboolean
exec_bound(rc_store *store, const char *sql, gint64 a, gint64 b, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, sql, error);
  if (!stmt)
    return FALSE;
  sqlite3_bind_int64(stmt, 1, a);
  if (sqlite3_bind_parameter_count(stmt) > 1)
    sqlite3_bind_int64(stmt, 2, b);
  return rc_store_exec_stmt(store, stmt, error);
}

static gint64
scalar_bound(rc_store *store, const char *sql, gint64 a, gint64 b)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, sql, NULL);
  if (!stmt)
    return 0;
  sqlite3_bind_int64(stmt, 1, a);
  if (sqlite3_bind_parameter_count(stmt) > 1)
    sqlite3_bind_int64(stmt, 2, b);
  return rc_store_scalar(store, stmt, 0);
}

static gboolean
changed_one(rc_store *store, const char *what, gint64 id, GError **error)
{
  if (sqlite3_changes(store->db) > 0)
    return TRUE;
  g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "%s %" G_GINT64_FORMAT " not found", what, id);
  return FALSE;
}

/* ---- sessions ---- */

json_t *
rc_store_session_get(rc_store *store, gint64 id, GError **error)
{
  sqlite3_stmt *stmt =
      rc_store_stmt(store, "SELECT " SESSION_COLUMNS " FROM sessions WHERE id = ?", error);
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, id);
  return rc_store_row(store, stmt, "session", error);
}

json_t *
rc_store_sessions_list(rc_store *store, const char *status, gint64 delegate_id, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(
      store,
      "SELECT " SESSION_COLUMNS " FROM sessions s WHERE (?1 IS NULL OR status = ?1)"
      " AND (?2 = 0 OR EXISTS (SELECT 1 FROM session_delegates sd"
      "   WHERE sd.session_id = s.id AND sd.user_id = ?2))"
      " ORDER BY starts_at DESC, id DESC",
      error);
  if (!stmt)
    return NULL;
  if (status)
    sqlite3_bind_text(stmt, 1, status, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(stmt, 2, delegate_id);
  return rc_store_rows(store, stmt, error);
}

json_t *
rc_store_session_detail(rc_store *store, gint64 id, GError **error)
{
  g_autoptr(json_t) session = rc_store_session_get(store, id, error);
  if (!session)
    return NULL;
  json_t *agenda = rc_store_agenda_tree(store, id, error);
  json_t *delegates = agenda ? rc_store_session_delegates(store, id, error) : NULL;
  json_t *sites = delegates ? rc_store_session_sites(store, id, error) : NULL;
  json_object_set_new(session, "agenda", agenda ? agenda : json_null());
  json_object_set_new(session, "delegates", delegates ? delegates : json_null());
  json_object_set_new(session, "sites", sites ? sites : json_null());
  return sites ? g_steal_pointer(&session) : NULL;
}

gint64
rc_store_session_create(rc_store *store, json_t *f, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(
      store,
      "INSERT INTO sessions (title, room, description, starts_at, ends_at, organisation_id, room_id, closed, record,"
      " rtsp_out, created_at, updated_at)"
      " VALUES (?, coalesce(?, ''), coalesce(?, ''), ?, ?, coalesce(?, 1), ?, coalesce(?, 0), ?, ?, ?, ?)",
      error);
  if (!stmt)
    return 0;
  const char *cols[] = {"title",           "room",    "description", "starts_at", "ends_at",
                        "organisation_id", "room_id", "closed",      "record",    "rtsp_out"};
  for (int i = 0; i < (int)G_N_ELEMENTS(cols); i++)
    rc_store_bind_json(stmt, i + 1, json_object_get(f, cols[i]));
  g_autofree char *now = rc_store_now();
  sqlite3_bind_text(stmt, 11, now, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt, 12, now, -1, SQLITE_TRANSIENT);
  if (!rc_store_exec_stmt(store, stmt, error))
    return 0;
  return sqlite3_last_insert_rowid(store->db);
}

gboolean
rc_store_session_update(rc_store *store, gint64 id, json_t *fields, GError **error)
{
  static const char *const allowed[] = {"title",      "room",    "description", "starts_at", "ends_at",
                                        "updated_at", "room_id", "organisation_id", "closed",
                                        "record",     "rtsp_out", NULL};
  g_autoptr(json_t) set = json_deep_copy(fields);
  g_autofree char *now = rc_store_now();
  json_object_set_new(set, "updated_at", json_string(now));
  return rc_store_update_fields(store, "sessions", id, set, allowed, error);
}

gboolean
rc_store_session_set_status(rc_store *store, gint64 id, const char *status, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(
      store,
      "UPDATE sessions SET status = ?1, updated_at = ?2,"
      " started_at = CASE WHEN ?1 = 'live' THEN ?2 ELSE started_at END,"
      " ended_at = CASE WHEN ?1 = 'ended' THEN ?2 ELSE ended_at END WHERE id = ?3",
      error);
  if (!stmt)
    return FALSE;
  g_autofree char *now = rc_store_now();
  sqlite3_bind_text(stmt, 1, status, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt, 2, now, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(stmt, 3, id);
  return rc_store_exec_stmt(store, stmt, error) && changed_one(store, "session", id, error);
}

gboolean
rc_store_session_delete(rc_store *store, gint64 id, GError **error)
{
  return exec_bound(store, "DELETE FROM sessions WHERE id = ?", id, 0, error) &&
         changed_one(store, "session", id, error);
}

gboolean
rc_store_session_has_delegate(rc_store *store, gint64 session_id, gint64 user_id)
{
  return scalar_bound(store,
                      "SELECT 1 FROM session_delegates WHERE session_id = ? AND user_id = ?",
                      session_id, user_id) == 1;
}

/* ---- agenda ---- */

static json_t *
session_documents(rc_store *store, gint64 session_id, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(
      store,
      "SELECT " DOC_COLUMNS " FROM documents d JOIN agenda_items a ON a.id = d.agenda_item_id"
      " WHERE a.session_id = ? ORDER BY d.id",
      error);
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, session_id);
  return rc_store_rows(store, stmt, error);
}

/* Adds the content URL, and the signature check (stored as JSON text; null
 * for documents uploaded before signatures were checked). */
static void
add_document_url(json_t *doc)
{
  json_int_t id = json_integer_value(json_object_get(doc, "id"));
  g_autofree char *url = g_strdup_printf("/api/v1/documents/%" JSON_INTEGER_FORMAT "/content", id);
  json_object_set_new(doc, "url", json_string(url));
  const char *sig = json_string_value(json_object_get(doc, "signatures"));
  json_t *parsed = sig ? json_loads(sig, 0, NULL) : NULL;
  json_object_del(doc, "signatures");
  json_object_set_new(doc, "signature", parsed ? parsed : json_null());
}

/* Items arrive ordered by (parent, position); children are attached to their
 * parent's "children" array, roots returned in order. */
json_t *
rc_store_agenda_tree(rc_store *store, gint64 session_id, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(
      store,
      "SELECT " ITEM_COLUMNS " FROM agenda_items WHERE session_id = ?"
      " ORDER BY coalesce(parent_id, 0), position, id",
      error);
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, session_id);
  g_autoptr(json_t) items = rc_store_rows(store, stmt, error);
  g_autoptr(json_t) docs = items ? session_documents(store, session_id, error) : NULL;
  if (!docs)
    return NULL;
  g_autoptr(GHashTable) by_id = g_hash_table_new(g_int64_hash, g_int64_equal);
  size_t i;
  json_t *item;
  /* gint64 keys need stable storage: an array parallel to items. */
  g_autofree gint64 *ids = g_new0(gint64, json_array_size(items) + 1);
  json_array_foreach(items, i, item) {
    json_object_set_new(item, "documents", json_array());
    json_object_set_new(item, "children", json_array());
    ids[i] = json_integer_value(json_object_get(item, "id"));
    g_hash_table_insert(by_id, &ids[i], item);
  }
  json_t *doc;
  json_array_foreach(docs, i, doc) {
    gint64 owner = json_integer_value(json_object_get(doc, "agenda_item_id"));
    json_t *it = g_hash_table_lookup(by_id, &owner);
    add_document_url(doc);
    /* A confidential document's content hash is not listed for everyone:
     * it would confirm a guess of its content. Its readers get it from
     * GET /api/v1/documents/{id}. */
    if (json_is_true(json_object_get(doc, "confidential")))
      json_object_set_new(doc, "sha256", json_null());
    if (it)
      json_array_append(json_object_get(it, "documents"), doc);
  }
  json_t *roots = json_array();
  json_array_foreach(items, i, item) {
    json_t *parent = json_object_get(item, "parent_id");
    gint64 pid = json_integer_value(parent);
    json_t *p = json_is_null(parent) ? NULL : g_hash_table_lookup(by_id, &pid);
    json_array_append(p ? json_object_get(p, "children") : roots, item);
  }
  return roots;
}

json_t *
rc_store_agenda_item_get(rc_store *store, gint64 id, GError **error)
{
  sqlite3_stmt *stmt =
      rc_store_stmt(store, "SELECT " ITEM_COLUMNS " FROM agenda_items WHERE id = ?", error);
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, id);
  return rc_store_row(store, stmt, "agenda item", error);
}

gint64
rc_store_agenda_item_session(rc_store *store, gint64 item_id)
{
  return scalar_bound(store, "SELECT session_id FROM agenda_items WHERE id = ?", item_id, 0);
}

/* Ids of the children of @parent_id (0 = top level) in order, without @skip. */
static GArray *
sibling_ids(rc_store *store, gint64 session_id, gint64 parent_id, gint64 skip)
{
  GArray *ids = g_array_new(FALSE, FALSE, sizeof(gint64));
  sqlite3_stmt *stmt = rc_store_stmt(
      store,
      "SELECT id FROM agenda_items WHERE session_id = ?1 AND coalesce(parent_id, 0) = ?2"
      " AND id != ?3 ORDER BY position, id",
      NULL);
  if (!stmt)
    return ids;
  sqlite3_bind_int64(stmt, 1, session_id);
  sqlite3_bind_int64(stmt, 2, parent_id);
  sqlite3_bind_int64(stmt, 3, skip);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    gint64 id = sqlite3_column_int64(stmt, 0);
    g_array_append_val(ids, id);
  }
  sqlite3_reset(stmt);
  return ids;
}

/* Writes parent and positions 0..n-1 for @ids. */
static gboolean
write_order(rc_store *store, GArray *ids, gint64 parent_id, GError **error)
{
  for (guint i = 0; i < ids->len; i++) {
    sqlite3_stmt *stmt = rc_store_stmt(
        store, "UPDATE agenda_items SET parent_id = nullif(?1, 0), position = ?2 WHERE id = ?3", error);
    if (!stmt)
      return FALSE;
    sqlite3_bind_int64(stmt, 1, parent_id);
    sqlite3_bind_int(stmt, 2, (int)i);
    sqlite3_bind_int64(stmt, 3, g_array_index(ids, gint64, i));
    if (!rc_store_exec_stmt(store, stmt, error))
      return FALSE;
  }
  return TRUE;
}

/* A parent must be an item of the same session and not @id or below it. */
static gboolean
check_item_parent(rc_store *store, gint64 session_id, gint64 parent_id, gint64 id, GError **error)
{
  if (parent_id == 0)
    return TRUE;
  if (rc_store_agenda_item_session(store, parent_id) != session_id) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "parent_id: no such agenda item in this session");
    return FALSE;
  }
  gint64 below = id ? scalar_bound(store,
                                   "WITH RECURSIVE sub(id) AS (SELECT ?1 UNION ALL"
                                   " SELECT a.id FROM agenda_items a JOIN sub ON a.parent_id = sub.id)"
                                   " SELECT count(*) FROM sub WHERE id = ?2",
                                   id, parent_id)
                    : 0;
  if (below) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "parent_id: an item cannot be moved under itself");
    return FALSE;
  }
  return TRUE;
}

static gboolean
place_item(rc_store *store, gint64 session_id, gint64 id, gint64 parent_id, int position,
           GError **error)
{
  g_autoptr(GArray) ids = sibling_ids(store, session_id, parent_id, id);
  guint at = (position < 0 || (guint)position > ids->len) ? ids->len : (guint)position;
  g_array_insert_val(ids, at, id);
  return write_order(store, ids, parent_id, error);
}

gint64
rc_store_agenda_item_create(rc_store *store, gint64 session_id, gint64 parent_id, int position,
                            json_t *f, GError **error)
{
  if (!check_item_parent(store, session_id, parent_id, 0, error) || !rc_store_begin(store, error))
    return 0;
  sqlite3_stmt *stmt = rc_store_stmt(
      store,
      "INSERT INTO agenda_items (session_id, parent_id, position, title, presenter, planned_minutes,"
      " speaking_seconds) VALUES (?, nullif(?, 0), 1000000, ?, coalesce(?, ''), coalesce(?, 0), coalesce(?, 0))",
      error);
  gint64 id = 0;
  if (stmt) {
    sqlite3_bind_int64(stmt, 1, session_id);
    sqlite3_bind_int64(stmt, 2, parent_id);
    rc_store_bind_json(stmt, 3, json_object_get(f, "title"));
    rc_store_bind_json(stmt, 4, json_object_get(f, "presenter"));
    rc_store_bind_json(stmt, 5, json_object_get(f, "planned_minutes"));
    rc_store_bind_json(stmt, 6, json_object_get(f, "speaking_seconds"));
    if (rc_store_exec_stmt(store, stmt, error))
      id = sqlite3_last_insert_rowid(store->db);
  }
  if (!id || !place_item(store, session_id, id, parent_id, position, error) ||
      !rc_store_commit(store, error)) {
    rc_store_rollback(store);
    return 0;
  }
  return id;
}

gboolean
rc_store_agenda_item_update(rc_store *store, gint64 id, json_t *fields, GError **error)
{
  static const char *const allowed[] = {"title", "presenter", "planned_minutes", "speaking_seconds", NULL};
  return rc_store_update_fields(store, "agenda_items", id, fields, allowed, error);
}

gboolean
rc_store_agenda_item_move(rc_store *store, gint64 id, gint64 parent_id, int position, GError **error)
{
  g_autoptr(json_t) item = rc_store_agenda_item_get(store, id, error);
  if (!item)
    return FALSE;
  gint64 session_id = json_integer_value(json_object_get(item, "session_id"));
  gint64 old_parent = json_integer_value(json_object_get(item, "parent_id"));
  if (!check_item_parent(store, session_id, parent_id, id, error) || !rc_store_begin(store, error))
    return FALSE;
  g_autoptr(GArray) old_siblings = sibling_ids(store, session_id, old_parent, id);
  if (!write_order(store, old_siblings, old_parent, error) ||
      !place_item(store, session_id, id, parent_id, position, error) || !rc_store_commit(store, error)) {
    rc_store_rollback(store);
    return FALSE;
  }
  return TRUE;
}

gboolean
rc_store_agenda_item_delete(rc_store *store, gint64 id, GError **error)
{
  g_autoptr(json_t) item = rc_store_agenda_item_get(store, id, error);
  if (!item)
    return FALSE;
  gint64 session_id = json_integer_value(json_object_get(item, "session_id"));
  gint64 parent = json_integer_value(json_object_get(item, "parent_id"));
  if (!rc_store_begin(store, error))
    return FALSE;
  g_autoptr(GArray) rest = sibling_ids(store, session_id, parent, id);
  if (!exec_bound(store, "DELETE FROM agenda_items WHERE id = ?", id, 0, error) ||
      !write_order(store, rest, parent, error) || !rc_store_commit(store, error)) {
    rc_store_rollback(store);
    return FALSE;
  }
  return TRUE;
}

/* ---- documents ---- */

gint64
rc_store_document_create(rc_store *store, gint64 item_id, const char *title, const char *filename,
                         const char *sha256, gint64 size, int pages, gboolean confidential,
                         gint64 uploaded_by, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(
      store,
      "INSERT INTO documents (agenda_item_id, title, filename, sha256, size, pages, confidential,"
      " uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, nullif(?, 0), ?)",
      error);
  if (!stmt)
    return 0;
  g_autofree char *now = rc_store_now();
  sqlite3_bind_int64(stmt, 1, item_id);
  sqlite3_bind_text(stmt, 2, title, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt, 3, filename, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt, 4, sha256, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(stmt, 5, size);
  sqlite3_bind_int(stmt, 6, pages);
  sqlite3_bind_int(stmt, 7, confidential);
  sqlite3_bind_int64(stmt, 8, uploaded_by);
  sqlite3_bind_text(stmt, 9, now, -1, SQLITE_TRANSIENT);
  if (!rc_store_exec_stmt(store, stmt, error))
    return 0;
  return sqlite3_last_insert_rowid(store->db);
}

json_t *
rc_store_document_get(rc_store *store, gint64 id, GError **error)
{
  sqlite3_stmt *stmt =
      rc_store_stmt(store, "SELECT " DOC_COLUMNS " FROM documents d WHERE d.id = ?", error);
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, id);
  json_t *doc = rc_store_row(store, stmt, "document", error);
  if (doc)
    add_document_url(doc);
  return doc;
}

gint64
rc_store_document_session(rc_store *store, gint64 document_id)
{
  return scalar_bound(store,
                      "SELECT a.session_id FROM documents d JOIN agenda_items a"
                      " ON a.id = d.agenda_item_id WHERE d.id = ?",
                      document_id, 0);
}

gboolean
rc_store_document_delete(rc_store *store, gint64 id, char **orphan_sha256, GError **error)
{
  g_autoptr(json_t) doc = rc_store_document_get(store, id, error);
  if (!doc)
    return FALSE;
  const char *sha = json_string_value(json_object_get(doc, "sha256"));
  if (!exec_bound(store, "DELETE FROM documents WHERE id = ?", id, 0, error))
    return FALSE;
  sqlite3_stmt *stmt = rc_store_stmt(store, "SELECT count(*) FROM documents WHERE sha256 = ?", error);
  if (!stmt)
    return FALSE;
  sqlite3_bind_text(stmt, 1, sha, -1, SQLITE_TRANSIENT);
  *orphan_sha256 = rc_store_scalar(store, stmt, 1) == 0 ? g_strdup(sha) : NULL;
  return TRUE;
}

GStrv
rc_store_document_hashes(rc_store *store, gint64 session_id, gint64 item_id)
{
  g_autoptr(GStrvBuilder) out = g_strv_builder_new();
  sqlite3_stmt *stmt = rc_store_stmt(
      store,
      "WITH RECURSIVE sub(id) AS (SELECT id FROM agenda_items WHERE (?2 = 0 AND session_id = ?1) OR id = ?2"
      " UNION SELECT a.id FROM agenda_items a JOIN sub ON a.parent_id = sub.id)"
      " SELECT DISTINCT d.sha256 FROM documents d JOIN sub ON d.agenda_item_id = sub.id",
      NULL);
  if (stmt) {
    sqlite3_bind_int64(stmt, 1, session_id);
    sqlite3_bind_int64(stmt, 2, item_id);
    while (sqlite3_step(stmt) == SQLITE_ROW)
      g_strv_builder_add(out, (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_reset(stmt);
  }
  return g_strv_builder_end(out);
}

gboolean
rc_store_document_hash_used(rc_store *store, const char *sha256)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, "SELECT count(*) FROM documents WHERE sha256 = ?", NULL);
  if (!stmt)
    return TRUE; /* when in doubt, keep the file */
  sqlite3_bind_text(stmt, 1, sha256, -1, SQLITE_TRANSIENT);
  return rc_store_scalar(store, stmt, 1) > 0;
}

/* ---- assignments ---- */

json_t *
rc_store_session_delegates(rc_store *store, gint64 session_id, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(
      store,
      "SELECT u.id, u.username, u.full_name, u.role, u.title, u.unit, u.active, u.site_id, u.organisation_id"
      " FROM session_delegates sd JOIN users u ON u.id = sd.user_id"
      " WHERE sd.session_id = ? ORDER BY u.username",
      error);
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, session_id);
  return rc_store_rows(store, stmt, error);
}

json_t *
rc_store_session_sites(rc_store *store, gint64 session_id, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(
      store,
      "SELECT s.id, s.code, s.name, s.level, s.parent_id, s.transport, s.address, s.h264_payload_type,"
      " s.opus_payload_type, s.video_cap_kbps, s.audio_cap_kbps, s.organisation_id, s.sip_user, s.srtp, s.media_from"
      " FROM session_sites ss JOIN sites s ON s.id = ss.site_id WHERE ss.session_id = ? ORDER BY s.code",
      error);
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, session_id);
  return rc_store_rows(store, stmt, error);
}

gboolean
rc_store_session_sites_free(rc_store *store, gint64 session_id, GError **error)
{
  /* From the live sessions (a few) to their sites, each looked up among
   * this session's by the primary key. */
  sqlite3_stmt *stmt = rc_store_stmt(
      store,
      "SELECT s.code, s.name, se.id, se.title"
      " FROM sessions se JOIN session_sites other ON other.session_id = se.id"
      " JOIN session_sites mine ON mine.session_id = ?1 AND mine.site_id = other.site_id"
      " JOIN sites s ON s.id = other.site_id"
      " WHERE se.status = 'live' AND se.id != ?1 ORDER BY s.code LIMIT 1",
      error);
  if (!stmt)
    return FALSE;
  sqlite3_bind_int64(stmt, 1, session_id);
  g_autoptr(json_t) rows = rc_store_rows(store, stmt, error);
  if (!rows)
    return FALSE;
  json_t *busy = json_array_get(rows, 0);
  if (!busy)
    return TRUE;
  g_set_error(error, RC_ERROR, RC_ERROR_CONFLICT,
              "site %s (%s) is in the live session %" JSON_INTEGER_FORMAT " (%s); a site is in one live conference "
              "at a time",
              json_string_value(json_object_get(busy, "code")), json_string_value(json_object_get(busy, "name")),
              json_integer_value(json_object_get(busy, "id")), json_string_value(json_object_get(busy, "title")));
  return FALSE;
}

/* A live session's sites must not be another live session's. */
static gboolean
sites_free(rc_store *store, gint64 session_id, GError **error)
{
  g_autoptr(json_t) session = rc_store_session_get(store, session_id, error);
  if (!session)
    return FALSE;
  return g_strcmp0(json_string_value(json_object_get(session, "status")), "live") != 0 ||
         rc_store_session_sites_free(store, session_id, error);
}

/* The organisations whose people and sites a session (?2) may have: its
 * own and those it invites, each with the organisations below it. */
#define SESSION_REACH                                                                          \
  "reach(id) AS (SELECT organisation_id FROM sessions WHERE id = ?2"                           \
  " UNION SELECT organisation_id FROM session_organisations WHERE session_id = ?2"             \
  " UNION SELECT o.id FROM organisations o JOIN reach r ON o.parent_id = r.id)"

/* Replaces the rows of an assignment table, checking each id with @check_sql
 * (which must return 1 for an acceptable id). */
static gboolean
set_assignment(rc_store *store, gint64 session_id, json_t *ids, const char *delete_sql,
               const char *insert_sql, const char *check_sql, const char *what, GError **error)
{
  g_autoptr(json_t) session = rc_store_session_get(store, session_id, error);
  if (!session || !rc_store_begin(store, error))
    return FALSE;
  gboolean ok = exec_bound(store, delete_sql, session_id, 0, error);
  size_t i;
  json_t *v;
  json_array_foreach(ids, i, v) {
    if (!ok)
      break;
    gint64 id = json_integer_value(v);
    if (scalar_bound(store, check_sql, id, session_id) != 1) {
      g_set_error(error, RC_ERROR, RC_ERROR_INVALID,
                  "%s_ids: %s %" G_GINT64_FORMAT " cannot be assigned (it does not exist, or it belongs to no"
                  " organisation of the session: its own, one it invites, or one below them)",
                  what, what, id);
      ok = FALSE;
      break;
    }
    sqlite3_stmt *stmt = rc_store_stmt(store, insert_sql, error);
    ok = stmt != NULL;
    if (ok) {
      sqlite3_bind_int64(stmt, 1, session_id);
      sqlite3_bind_int64(stmt, 2, id);
      ok = rc_store_exec_stmt(store, stmt, error);
    }
  }
  if (ok && g_str_equal(what, "site"))
    ok = sites_free(store, session_id, error);
  if (!ok || !rc_store_commit(store, error)) {
    rc_store_rollback(store);
    return FALSE;
  }
  return TRUE;
}

gboolean
rc_store_session_set_delegates(rc_store *store, gint64 session_id, json_t *user_ids, GError **error)
{
  return set_assignment(store, session_id, user_ids, "DELETE FROM session_delegates WHERE session_id = ?",
                        "INSERT OR IGNORE INTO session_delegates (session_id, user_id) VALUES (?, ?)",
                        "WITH RECURSIVE " SESSION_REACH
                        " SELECT 1 FROM users WHERE id = ?1 AND role IN ('delegate', 'chair')"
                        " AND organisation_id IN reach",
                        "user", error);
}

gboolean
rc_store_session_set_sites(rc_store *store, gint64 session_id, json_t *site_ids, GError **error)
{
  return set_assignment(store, session_id, site_ids, "DELETE FROM session_sites WHERE session_id = ?",
                        "INSERT OR IGNORE INTO session_sites (session_id, site_id) VALUES (?, ?)",
                        "WITH RECURSIVE " SESSION_REACH " SELECT 1 FROM sites WHERE id = ?1 AND organisation_id IN reach",
                        "site", error);
}

/* ---- attendance ---- */

#define ATTENDANCE_SELECT \
  "SELECT u.id AS user_id, u.username, u.full_name, u.title, u.unit, u.organisation_id," \
  " (SELECT event FROM attendance a WHERE a.session_id = sd.session_id AND a.user_id = u.id" \
  "   ORDER BY a.id DESC LIMIT 1) AS last_event," \
  " (SELECT min(at) FROM attendance a WHERE a.session_id = sd.session_id AND a.user_id = u.id" \
  "   AND event = 'in') AS first_in," \
  " (SELECT max(at) FROM attendance a WHERE a.session_id = sd.session_id AND a.user_id = u.id" \
  "   AND event = 'out') AS last_out," \
  " (SELECT method FROM attendance a WHERE a.session_id = sd.session_id AND a.user_id = u.id" \
  "   AND event = 'in' ORDER BY a.id DESC LIMIT 1) AS method" \
  " FROM session_delegates sd JOIN users u ON u.id = sd.user_id WHERE sd.session_id = ?1"

/* Replaces last_event by status: present, left or absent. */
static void
entry_status(json_t *entry)
{
  const char *last = json_string_value(json_object_get(entry, "last_event"));
  const char *status = !last ? "absent" : g_str_equal(last, "in") ? "present" : "left";
  json_object_set_new(entry, "status", json_string(status));
  json_object_del(entry, "last_event");
  if (g_str_equal(status, "present"))
    json_object_set_new(entry, "last_out", json_null());
}

json_t *
rc_store_attendance_entry(rc_store *store, gint64 session_id, gint64 user_id, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, ATTENDANCE_SELECT " AND u.id = ?2", error);
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, session_id);
  sqlite3_bind_int64(stmt, 2, user_id);
  json_t *entry = rc_store_row(store, stmt, "delegate of this session", error);
  if (entry)
    entry_status(entry);
  return entry;
}

json_t *
rc_store_attendance(rc_store *store, gint64 session_id, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, ATTENDANCE_SELECT " ORDER BY u.username", error);
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, session_id);
  json_t *rows = rc_store_rows(store, stmt, error);
  if (!rows)
    return NULL;
  size_t i, present = 0;
  json_t *entry;
  json_array_foreach(rows, i, entry) {
    entry_status(entry);
    present += g_str_equal(json_string_value(json_object_get(entry, "status")), "present");
  }
  return json_pack("{sI sI sI so}", "session_id", (json_int_t)session_id, "present",
                   (json_int_t)present, "expected", (json_int_t)json_array_size(rows), "delegates",
                   rows);
}

json_t *
rc_store_attendance_record(rc_store *store, gint64 session_id, gint64 user_id, const char *event,
                           const char *method, GError **error)
{
  g_autoptr(json_t) before = rc_store_attendance_entry(store, session_id, user_id, error);
  if (!before)
    return NULL;
  /* Checking in twice (or out without being in) changes nothing. */
  const char *status = json_string_value(json_object_get(before, "status"));
  gboolean is_in = g_str_equal(event, "in");
  if (is_in == g_str_equal(status, "present"))
    return g_steal_pointer(&before);
  sqlite3_stmt *stmt = rc_store_stmt(
      store, "INSERT INTO attendance (session_id, user_id, event, method, at) VALUES (?, ?, ?, ?, ?)",
      error);
  if (!stmt)
    return NULL;
  g_autofree char *now = rc_store_now();
  sqlite3_bind_int64(stmt, 1, session_id);
  sqlite3_bind_int64(stmt, 2, user_id);
  sqlite3_bind_text(stmt, 3, event, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt, 4, method, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt, 5, now, -1, SQLITE_TRANSIENT);
  if (!rc_store_exec_stmt(store, stmt, error))
    return NULL;
  return rc_store_attendance_entry(store, session_id, user_id, error);
}
