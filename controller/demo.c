/* demo — reads configs/demo and fills the database in one transaction.
 * Demo accounts that share a password share its hash, so seeding costs a
 * handful of argon2id runs rather than one per delegate. */
#define G_LOG_DOMAIN "roomctl-demo"
#include "demo.h"
#include "base/csv.h"
#include "records/documents.h"
#include "base/rc-error.h"

#include <stdlib.h>
#include <string.h>

static GPtrArray *
read_csv(const char *dir, const char *name, GError **error)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &text, &len, error))
    return NULL;
  GPtrArray *rows = rc_csv_parse(text, len, 100000, error);
  if (!rows)
    g_prefix_error(error, "%s: ", path);
  return rows;
}

/* Looks up the listed columns of @header; FALSE if one is missing. */
static gboolean
columns(char **header, const char *const *names, int *idx, const char *file, GError **error)
{
  for (int i = 0; names[i]; i++)
    if ((idx[i] = rc_csv_column(header, names[i])) < 0) {
      g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "%s: no column '%s'", file, names[i]);
      return FALSE;
    }
  return TRUE;
}

static const char *
cell(char **row, int i)
{
  return i >= 0 && (guint)i < g_strv_length(row) ? row[i] : "";
}

static gboolean
seed_users(rc_store *store, rc_auth *auth, const char *dir, GError **error)
{
  static const char *const names[] = {"username", "full_name", "role", "password", "title", "unit", NULL};
  int c[6];
  g_autoptr(GPtrArray) rows = read_csv(dir, "users.csv", error);
  if (!rows || rows->len == 0 || !columns(rows->pdata[0], names, c, "users.csv", error))
    return FALSE;
  g_autoptr(GHashTable) hashes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 1; i < rows->len; i++) {
    char **row = rows->pdata[i];
    const char *pw = cell(row, c[3]);
    char *hash = g_hash_table_lookup(hashes, pw);
    if (!hash) {
      if (!(hash = rc_auth_hash_password(auth, pw, error)))
        return FALSE;
      g_hash_table_insert(hashes, g_strdup(pw), hash);
    }
    if (!rc_store_user_create(store, cell(row, c[0]), cell(row, c[1]), cell(row, c[2]), hash, cell(row, c[4]),
                              cell(row, c[5]), error))
      return FALSE;
  }
  g_message("demo: %u users", rows->len - 1);
  return TRUE;
}

static gboolean
seed_sites(rc_store *store, const char *dir, GError **error)
{
  static const char *const names[] = {"code", "name", "level", "parent_code", "transport", "address", NULL};
  int c[6];
  g_autoptr(GPtrArray) rows = read_csv(dir, "sites.csv", error);
  if (!rows || rows->len == 0 || !columns(rows->pdata[0], names, c, "sites.csv", error))
    return FALSE;
  /* Parents come before their children in the file. */
  for (guint i = 1; i < rows->len; i++) {
    char **row = rows->pdata[i];
    const char *parent = cell(row, c[3]);
    gint64 parent_id = *parent ? rc_store_site_id_by_code(store, parent) : 0;
    g_autoptr(json_t) f = json_pack("{ss ss ss so ss ss}", "code", cell(row, c[0]), "name", cell(row, c[1]),
                                    "level", cell(row, c[2]), "parent_id",
                                    parent_id ? json_integer(parent_id) : json_null(), "transport",
                                    *cell(row, c[4]) ? cell(row, c[4]) : "rtp", "address", cell(row, c[5]));
    if (!f || !rc_store_site_create(store, f, error))
      return FALSE;
  }
  g_message("demo: %u sites", rows->len - 1);
  return TRUE;
}

/* "item.1.2" → sortable key; non-item groups sort last and are skipped. */
static int
compare_items(gconstpointer a, gconstpointer b)
{
  const char *x = *(const char *const *)a + 5, *y = *(const char *const *)b + 5;
  while (*x && *y) {
    long nx = strtol(x, (char **)&x, 10), ny = strtol(y, (char **)&y, 10);
    if (nx != ny)
      return nx < ny ? -1 : 1;
    if (*x == '.')
      x++;
    if (*y == '.')
      y++;
  }
  return *x ? 1 : *y ? -1 : 0;
}

static gboolean
seed_document(rc_store *store, GKeyFile *kf, const char *pdf_dir, gint64 item_id, const char *base,
              GError **error)
{
  g_autofree char *group = g_strconcat("doc.", base, NULL);
  g_autofree char *title = g_key_file_get_string(kf, group, "title", NULL);
  gboolean confidential = g_key_file_get_boolean(kf, group, "confidential", NULL);
  g_autofree char *file = g_strconcat(base, ".pdf", NULL);
  g_autofree char *path = g_build_filename(pdf_dir, file, NULL);
  gint64 size = 0;
  g_autofree char *sha = rc_documents_hash_file(path, &size, error);
  int pages = sha ? rc_documents_inspect(path, error) : -1;
  if (pages < 0 || !rc_documents_keep(store, path, sha, FALSE, error)) {
    g_prefix_error(error, "demo document %s: ", path);
    return FALSE;
  }
  return rc_store_document_create(store, item_id, title ? title : base, file, sha, size, pages, confidential, 0,
                                  error) != 0;
}

static gint64
session_from_ini(rc_store *store, GKeyFile *kf, GTimeZone *zone, GError **error)
{
  g_autofree char *title = g_key_file_get_string(kf, "session", "title", error);
  if (!title)
    return 0;
  g_autofree char *room = g_key_file_get_string(kf, "session", "room", NULL);
  g_autofree char *desc = g_key_file_get_string(kf, "session", "description", NULL);
  g_autofree char *hhmm = g_key_file_get_string(kf, "session", "start_time", NULL);
  int days = g_key_file_get_integer(kf, "session", "starts_in_days", NULL);
  int minutes = g_key_file_get_integer(kf, "session", "duration_minutes", NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now(zone);
  int h = 8, m = 0;
  if (hhmm)
    sscanf(hhmm, "%d:%d", &h, &m);
  g_autoptr(GDateTime) day = g_date_time_add_days(now, days);
  g_autoptr(GDateTime) start = g_date_time_new(g_date_time_get_timezone(day), g_date_time_get_year(day),
                                               g_date_time_get_month(day), g_date_time_get_day_of_month(day), h, m, 0);
  g_autoptr(GDateTime) end = g_date_time_add_minutes(start, minutes > 0 ? minutes : 240);
  g_autoptr(GDateTime) su = g_date_time_to_utc(start), eu = g_date_time_to_utc(end);
  g_autofree char *s = g_date_time_format(su, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *e = g_date_time_format(eu, "%Y-%m-%dT%H:%M:%SZ");
  g_autoptr(json_t) f = json_pack("{ss ss ss ss ss}", "title", title, "room", room ? room : "", "description",
                                  desc ? desc : "", "starts_at", s, "ends_at", e);
  return rc_store_session_create(store, f, error);
}

static gboolean
seed_agenda(rc_store *store, GKeyFile *kf, const char *pdf_dir, gint64 session_id, GError **error)
{
  g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
  g_autoptr(GPtrArray) items = g_ptr_array_new();
  for (char **g = groups; *g; g++)
    if (g_str_has_prefix(*g, "item."))
      g_ptr_array_add(items, *g);
  g_ptr_array_sort(items, compare_items);
  g_autoptr(GHashTable) ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < items->len; i++) {
    const char *g = items->pdata[i];
    g_autofree char *parent_key = g_strdup(g);
    char *dot = strrchr(parent_key, '.');
    *dot = '\0';
    gint64 parent = GPOINTER_TO_SIZE(g_hash_table_lookup(ids, parent_key));
    g_autofree char *title = g_key_file_get_string(kf, g, "title", NULL);
    g_autofree char *presenter = g_key_file_get_string(kf, g, "presenter", NULL);
    g_autoptr(json_t) f = json_pack("{ss ss sI}", "title", title ? title : g, "presenter", presenter ? presenter : "",
                                    "planned_minutes", (json_int_t)g_key_file_get_integer(kf, g, "planned_minutes", NULL));
    gint64 id = rc_store_agenda_item_create(store, session_id, parent, -1, f, error);
    if (!id)
      return FALSE;
    g_hash_table_insert(ids, g_strdup(g), GSIZE_TO_POINTER(id));
    g_auto(GStrv) docs = g_key_file_get_string_list(kf, g, "documents", NULL, NULL);
    for (char **d = docs; d && *d; d++)
      if (**d && !seed_document(store, kf, pdf_dir, id, g_strstrip(*d), error))
        return FALSE;
  }
  return TRUE;
}

/* Assigns every delegate and chair, and every site. */
static gboolean
assign_all(rc_store *store, gint64 session_id, GError **error)
{
  g_autoptr(json_t) users = rc_store_users_list(store, NULL, error);
  g_autoptr(json_t) sites = users ? rc_store_sites_list(store, NULL, 0, error) : NULL;
  if (!sites)
    return FALSE;
  g_autoptr(json_t) uids = json_array(), sids = json_array();
  size_t i;
  json_t *v;
  json_array_foreach(users, i, v) {
    const char *role = json_string_value(json_object_get(v, "role"));
    if (g_str_equal(role, "delegate") || g_str_equal(role, "chair"))
      json_array_append(uids, json_object_get(v, "id"));
  }
  json_array_foreach(sites, i, v) json_array_append(sids, json_object_get(v, "id"));
  return rc_store_session_set_delegates(store, session_id, uids, error) &&
         rc_store_session_set_sites(store, session_id, sids, error);
}

static gboolean
seed_session(rc_store *store, const char *dir, const char *pdf_dir, GTimeZone *zone, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autofree char *path = g_build_filename(dir, "session.ini", NULL);
  if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, error))
    return FALSE;
  gint64 id = session_from_ini(store, kf, zone, error);
  if (!id || !seed_agenda(store, kf, pdf_dir, id, error) || !assign_all(store, id, error)) {
    g_prefix_error(error, "%s: ", path);
    return FALSE;
  }
  g_message("demo: session %" G_GINT64_FORMAT " scheduled", id);
  return TRUE;
}

gboolean
rc_demo_seed(rc_store *store, rc_auth *auth, const char *demo_dir, const char *pdf_dir, GTimeZone *zone,
             GError **error)
{
  if (!rc_store_begin(store, error))
    return FALSE;
  if (!seed_sites(store, demo_dir, error) || !seed_users(store, auth, demo_dir, error) ||
      !seed_session(store, demo_dir, pdf_dir, zone, error) ||
      !rc_store_audit(store, 0, "demo.seed", demo_dir, NULL, error) || !rc_store_commit(store, error)) {
    rc_store_rollback(store);
    g_prefix_error(error, "demo seed: ");
    return FALSE;
  }
  return TRUE;
}
