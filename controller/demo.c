/* demo — reads configs/demo and fills the database in one transaction:
 * the province's units, sites, people and rooms from CSV files in the bulk
 * import's format (written by import.h, with its checks), and one session
 * per session*.ini. Demo accounts that share a password share
 * its hash, so seeding costs a handful of argon2id runs rather than one
 * per delegate. */
#define G_LOG_DOMAIN "roomctl-demo"
#include "demo.h"
#include "records/documents.h"
#include "records/import.h"
#include "base/rc-error.h"

#include <stdlib.h>
#include <string.h>

/* Each distinct password of a users file hashed once. (transfer full) */
static GHashTable *
hash_passwords(rc_auth *auth, rc_import_kind kind, const char *text, gsize len, GError **error)
{
  g_autoptr(GHashTable) hashes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GPtrArray) passwords = rc_import_passwords(kind, text, len);
  for (guint i = 0; i < passwords->len; i++) {
    char *hash = rc_auth_hash_password(auth, passwords->pdata[i], error);
    if (!hash)
      return NULL;
    g_hash_table_insert(hashes, g_strdup(passwords->pdata[i]), hash);
  }
  return g_steal_pointer(&hashes);
}

/* One of the demo's CSV files, written as the bulk import writes it (same
 * columns, same checks), as the province admin. A row error names the
 * file, the row and the column. */
static gboolean
seed_import(rc_store *store, rc_auth *auth, const char *dir, const char *name, rc_import_kind kind, GError **error)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &text, &len, error))
    return FALSE;
  g_autoptr(GHashTable) hashes = NULL;
  if (kind == RC_IMPORT_USERS && !(hashes = hash_passwords(auth, kind, text, len, error)))
    return FALSE;
  g_autoptr(json_t) plan = NULL;
  int n = rc_import_commit(store, kind, NULL, text, len, hashes, &plan, error);
  if (n < 0) {
    json_t *first = json_array_get(json_object_get(plan, "errors"), 0);
    if (first)
      g_prefix_error(error, "row %d, %s: %s; ", (int)json_integer_value(json_object_get(first, "row")),
                     json_string_value(json_object_get(first, "column")),
                     json_string_value(json_object_get(first, "reason")));
    g_prefix_error(error, "%s: ", path);
    return FALSE;
  }
  g_message("demo: %d %s", n, rc_import_kind_name(kind));
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

/* The room of organisation @org named @name, or 0. */
static gint64
room_of(rc_store *store, gint64 org, const char *name)
{
  g_autoptr(json_t) rooms = rc_store_rooms_list(store, NULL);
  size_t i;
  json_t *r;
  json_array_foreach(rooms, i, r) {
    if (json_integer_value(json_object_get(r, "organisation_id")) == org &&
        g_strcmp0(json_string_value(json_object_get(r, "name")), name) == 0)
      return json_integer_value(json_object_get(r, "id"));
  }
  return 0;
}

/* [session] organisation: a code; none = the province. */
static gint64
session_organisation(rc_store *store, GKeyFile *kf, GError **error)
{
  g_autofree char *code = g_key_file_get_string(kf, "session", "organisation", NULL);
  gint64 org = code && *code ? rc_store_organisation_id_by_code(store, code) : 1;
  if (!org)
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "[session] organisation: no organisation '%s'", code);
  return org;
}

static gint64
session_from_ini(rc_store *store, GKeyFile *kf, GTimeZone *zone, gint64 org, GError **error)
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
  g_autoptr(json_t) f = json_pack("{ss ss ss ss ss sI}", "title", title, "room", room ? room : "", "description",
                                  desc ? desc : "", "starts_at", s, "ends_at", e, "organisation_id", (json_int_t)org);
  gint64 room_id = room ? room_of(store, org, room) : 0;
  if (room_id)
    json_object_set_new(f, "room_id", json_integer(room_id));
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

/* [session] invite: the codes of the organisations the session invites,
 * set before its sites, which may belong to them. */
static gboolean
seed_invited(rc_store *store, GKeyFile *kf, gint64 session_id, GError **error)
{
  g_auto(GStrv) codes = g_key_file_get_string_list(kf, "session", "invite", NULL, NULL);
  g_autoptr(json_t) ids = json_array();
  for (char **c = codes; c && *c; c++) {
    gint64 id = **c ? rc_store_organisation_id_by_code(store, g_strstrip(*c)) : -1;
    if (!id) {
      g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "[session] invite: no organisation '%s'", *c);
      return FALSE;
    }
    if (id > 0)
      json_array_append_new(ids, json_integer(id));
  }
  return rc_store_session_set_invited(store, session_id, ids, error);
}

/* Adds organisation @org and every one below it to @set. */
static gboolean
add_subtree(rc_store *store, gint64 org, GHashTable *set, GError **error)
{
  g_autoptr(json_t) ids = rc_store_organisation_subtree(store, org, error);
  size_t i;
  json_t *v;
  json_array_foreach(ids, i, v) g_hash_table_add(set, GSIZE_TO_POINTER(json_integer_value(v)));
  return ids != NULL;
}

/* The ids of the @rows whose @key is listed in [session] @list, or, for
 * `all` (or no key), of those that belong to an organisation of @orgs and
 * pass @keep. */
static json_t *
pick(GKeyFile *kf, const char *list, json_t *rows, const char *key, GHashTable *orgs,
     gboolean (*keep)(json_t *row), GError **error)
{
  g_auto(GStrv) names = g_key_file_get_string_list(kf, "session", list, NULL, NULL);
  for (char **n = names; n && *n; n++)
    g_strstrip(*n);
  gboolean all = !names || (names[0] && g_str_equal(names[0], "all") && !names[1]);
  json_t *ids = json_array();
  size_t i;
  json_t *v;
  json_array_foreach(rows, i, v) {
    gint64 owner = json_integer_value(json_object_get(v, "organisation_id"));
    gboolean in = all ? g_hash_table_contains(orgs, GSIZE_TO_POINTER(owner)) && (!keep || keep(v))
                      : g_strv_contains((const char *const *)names, json_string_value(json_object_get(v, key)));
    if (in)
      json_array_append(ids, json_object_get(v, "id"));
  }
  if (!all && json_array_size(ids) != g_strv_length(names)) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "[session] %s: an entry names no %s", list, key);
    g_clear_pointer(&ids, json_decref);
  }
  return ids;
}

static gboolean
is_member(json_t *user)
{
  const char *role = json_string_value(json_object_get(user, "role"));
  return g_str_equal(role, "delegate") || g_str_equal(role, "chair");
}

/* [session] delegates and sites: listed, or `all` — every delegate and
 * chair of the session's organisation (and its units), every site of the
 * organisations it reaches (its own, those it invites, and their units). */
static gboolean
assign(rc_store *store, GKeyFile *kf, gint64 session_id, gint64 org, GError **error)
{
  g_autoptr(GHashTable) own = g_hash_table_new(NULL, NULL), reach = g_hash_table_new(NULL, NULL);
  g_autoptr(json_t) invited = rc_store_session_invited(store, session_id, error);
  if (!invited || !add_subtree(store, org, own, error) || !add_subtree(store, org, reach, error))
    return FALSE;
  size_t i;
  json_t *v;
  json_array_foreach(invited, i, v) {
    if (!add_subtree(store, json_integer_value(json_object_get(v, "id")), reach, error))
      return FALSE;
  }
  g_autoptr(json_t) users = rc_store_users_list(store, NULL, error);
  g_autoptr(json_t) sites = users ? rc_store_sites_list(store, NULL, 0, error) : NULL;
  if (!sites)
    return FALSE;
  g_autoptr(json_t) uids = pick(kf, "delegates", users, "username", own, is_member, error);
  g_autoptr(json_t) sids = uids ? pick(kf, "sites", sites, "code", reach, NULL, error) : NULL;
  return sids && rc_store_session_set_delegates(store, session_id, uids, error) &&
         rc_store_session_set_sites(store, session_id, sids, error);
}

static gboolean
seed_session(rc_store *store, const char *dir, const char *name, const char *pdf_dir, GTimeZone *zone,
             GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autofree char *path = g_build_filename(dir, name, NULL);
  if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, error))
    return FALSE;
  gint64 id = 0, org = session_organisation(store, kf, error);
  if (!org || !(id = session_from_ini(store, kf, zone, org, error)) || !seed_agenda(store, kf, pdf_dir, id, error) ||
      !seed_invited(store, kf, id, error) || !assign(store, kf, id, org, error)) {
    g_prefix_error(error, "%s: ", path);
    return FALSE;
  }
  g_message("demo: session %" G_GINT64_FORMAT " scheduled (%s)", id, name);
  return TRUE;
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* session.ini first (it is session 1), then session-*.ini in name order. */
static gboolean
seed_sessions(rc_store *store, const char *dir, const char *pdf_dir, GTimeZone *zone, GError **error)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, error);
  if (!d)
    return FALSE;
  g_autoptr(GPtrArray) more = g_ptr_array_new_with_free_func(g_free);
  for (const char *name; (name = g_dir_read_name(d));)
    if (g_str_has_prefix(name, "session-") && g_str_has_suffix(name, ".ini"))
      g_ptr_array_add(more, g_strdup(name));
  g_ptr_array_sort(more, compare_names);
  if (!seed_session(store, dir, "session.ini", pdf_dir, zone, error))
    return FALSE;
  for (guint i = 0; i < more->len; i++)
    if (!seed_session(store, dir, more->pdata[i], pdf_dir, zone, error))
      return FALSE;
  return TRUE;
}

/* The demo's WebRTC commune gets an access key, kept in @data_dir for the
 * banner (a real site's key is shown once, in the console, and only its
 * hash is kept). */
static gboolean
seed_site_key(rc_store *store, const char *data_dir, GError **error)
{
  g_autoptr(json_t) sites = rc_store_sites_list(store, NULL, 0, error);
  if (!sites)
    return FALSE;
  size_t i;
  json_t *site;
  json_array_foreach(sites, i, site) {
    if (g_strcmp0(json_string_value(json_object_get(site, "code")), RC_DEMO_WEBRTC_SITE) != 0)
      continue;
    char *secret = rc_store_site_credential_make(store, json_integer_value(json_object_get(site, "id")), 0, error);
    g_autofree char *path = g_build_filename(data_dir, RC_DEMO_SITE_KEY_FILE, NULL);
    gboolean ok = secret && g_file_set_contents_full(path, secret, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
    if (secret)
      rc_store_secret_free(secret);
    return ok;
  }
  return TRUE; /* a demo without it */
}

gboolean
rc_demo_seed(rc_store *store, rc_auth *auth, const char *demo_dir, const char *pdf_dir, const char *data_dir,
             GTimeZone *zone, GError **error)
{
  if (!rc_store_begin(store, error))
    return FALSE;
  if (!seed_import(store, auth, demo_dir, "organisations.csv", RC_IMPORT_ORGANISATIONS, error) ||
      !seed_import(store, auth, demo_dir, "sites.csv", RC_IMPORT_SITES, error) ||
      !seed_import(store, auth, demo_dir, "users.csv", RC_IMPORT_USERS, error) ||
      !seed_import(store, auth, demo_dir, "rooms.csv", RC_IMPORT_ROOMS, error) ||
      !seed_sessions(store, demo_dir, pdf_dir, zone, error) || !seed_site_key(store, data_dir, error) ||
      !rc_store_audit(store, 0, "demo.seed", demo_dir, NULL, error) || !rc_store_commit(store, error)) {
    rc_store_rollback(store);
    g_prefix_error(error, "demo seed: ");
    return FALSE;
  }
  return TRUE;
}
