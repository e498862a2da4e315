/* accounts — see accounts.h. */
#define G_LOG_DOMAIN "roomctl-accounts"
#include "app/accounts.h"
#include "base/rc-error.h"

#include <string.h>

struct rc_accounts {
  rc_store *store;
  rc_auth *auth;
  rc_domain *domain;
  rc_media *media; /* or NULL */
};

rc_accounts *
rc_accounts_new(rc_store *store, rc_auth *auth, rc_domain *domain)
{
  rc_accounts *a = g_new0(rc_accounts, 1);
  *a = (rc_accounts){store, auth, domain, NULL};
  return a;
}

void
rc_accounts_free(rc_accounts *a)
{
  g_free(a);
}

void
rc_accounts_set_media(rc_accounts *a, rc_media *media)
{
  a->media = media;
}

static gboolean
audit(rc_store *store, gint64 by, const char *action, const char *detail, const char *kind, gint64 id,
      GError **error)
{
  g_autofree char *target = g_strdup_printf("%s:%" G_GINT64_FORMAT, kind, id);
  return rc_store_audit(store, by, action, target, detail, error);
}

/* ---- users ---- */

/* One audit row per kind of change: a role change, a (de)activation and a
 * password change are security events of their own; the rest is an update. */
static gboolean
audit_user_update(rc_store *store, gint64 by, gint64 id, json_t *before, json_t *fields, gboolean password,
                  GError **error)
{
  json_t *role = json_object_get(fields, "role");
  json_t *active = json_object_get(fields, "active");
  if (role) {
    g_autofree char *detail = g_strdup_printf("%s -> %s", json_string_value(json_object_get(before, "role")),
                                              json_string_value(role));
    if (!audit(store, by, "user.role", detail, "user", id, error))
      return FALSE;
  }
  if (active && !audit(store, by, json_is_true(active) ? "user.activate" : "user.deactivate", NULL, "user", id, error))
    return FALSE;
  if (password && !audit(store, by, "user.password", NULL, "user", id, error))
    return FALSE;
  g_autoptr(GString) rest = g_string_new(NULL);
  const char *key;
  json_t *v;
  json_object_foreach(fields, key, v)
    if (!g_str_equal(key, "role") && !g_str_equal(key, "active"))
      g_string_append_printf(rest, "%s%s", rest->len ? "," : "", key);
  if (rest->len || (!role && !active && !password))
    return audit(store, by, "user.update", rest->str, "user", id, error);
  return TRUE;
}

/* A new user's organisation and its reach, when given. */
static gboolean
owner(rc_store *store, gint64 id, json_t *f, GError **error)
{
  g_autoptr(json_t) set = json_object();
  const char *keys[] = {"organisation_id", "include_children"};
  for (guint i = 0; i < G_N_ELEMENTS(keys); i++)
    if (json_object_get(f, keys[i]))
      json_object_set(set, keys[i], json_object_get(f, keys[i]));
  return json_object_size(set) == 0 || rc_store_user_update(store, id, set, NULL, error);
}

/* The new user's id, or 0. */
static gint64
user_create(rc_store *store, json_t *f, const char *hash, gint64 by, GError **error)
{
  gint64 id = 0;
#define FIELD(name) json_string_value(json_object_get(f, name))
  gboolean ok = rc_store_begin(store, error) &&
                rc_store_end(store,
                             (id = rc_store_user_create(store, FIELD("username"), FIELD("full_name"), FIELD("role"),
                                                        hash, FIELD("title"), FIELD("unit"), error)) &&
                                 owner(store, id, f, error) && audit(store, by, "user.create", NULL, "user", id, error),
                             error);
#undef FIELD
  return ok ? id : 0;
}

static gboolean
user_update(rc_store *store, gint64 id, json_t *fields, const char *hash, gint64 by, GError **error)
{
  g_autoptr(json_t) before = rc_store_user_get(store, id, error);
  return before && rc_store_begin(store, error) &&
         rc_store_end(store,
                      rc_store_user_update(store, id, fields, hash, error) &&
                          audit_user_update(store, by, id, before, fields, hash != NULL, error),
                      error);
}

/* Writes the user with the password's @hash (NULL: none given) and tells @fn. */
static void
user_write(rc_accounts *a, gint64 id, json_t *fields, const char *hash, gint64 by, rc_accounts_user_fn fn,
           gpointer data)
{
  g_autoptr(GError) error = NULL;
  gboolean relogin = FALSE;
  if (!id)
    id = user_create(a->store, fields, hash, by, &error);
  else if (user_update(a->store, id, fields, hash, by, &error))
    relogin = hash || json_object_get(fields, "role") || json_object_get(fields, "active") ||
              json_object_get(fields, "organisation_id") || json_object_get(fields, "include_children");
  else
    id = 0;
  fn(id, relogin, error, data);
}

/* A user waiting for their password's hash. */
typedef struct {
  rc_accounts *accounts;
  gint64 id, by;
  json_t *fields; /* without the password */
  char *password;
  rc_accounts_user_fn fn;
  gpointer data;
} user_job;

static void
user_hashed(GHashTable *hashes, const GError *hash_error, gpointer data)
{
  user_job *job = data;
  const char *hash = hashes ? g_hash_table_lookup(hashes, job->password) : NULL;
  if (hash)
    user_write(job->accounts, job->id, job->fields, hash, job->by, job->fn, job->data);
  else
    job->fn(0, FALSE, hash_error, job->data);
  explicit_bzero(job->password, strlen(job->password));
  g_free(job->password);
  json_decref(job->fields);
  g_free(job);
}

/* Your own role and activation stay: an admin does not lock themself out. */
static gboolean
check_self(const rc_account_user *u, GError **error)
{
  if (u->id && u->id == u->by &&
      (json_object_get(u->fields, "role") || json_is_false(json_object_get(u->fields, "active")))) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "you cannot change your own role or deactivate yourself");
    return FALSE;
  }
  return TRUE;
}

gboolean
rc_accounts_user_save(rc_accounts *a, const rc_account_user *u, rc_accounts_user_fn fn, gpointer data,
                      GError **error)
{
  if (!check_self(u, error))
    return FALSE;
  /* A user that does not exist is refused before a password is hashed. */
  g_autoptr(json_t) before = u->id ? rc_store_user_get(a->store, u->id, error) : NULL;
  if (u->id && !before)
    return FALSE;
  if (!u->password) {
    user_write(a, u->id, u->fields, NULL, u->by, fn, data);
    return TRUE;
  }
  user_job *job = g_new0(user_job, 1);
  *job = (user_job){a, u->id, u->by, json_deep_copy(u->fields), g_strdup(u->password), fn, data};
  json_object_del(job->fields, "password");
  g_autoptr(GPtrArray) passwords = g_ptr_array_new();
  g_ptr_array_add(passwords, job->password);
  rc_auth_hash_passwords(a->auth, passwords, user_hashed, job);
  return TRUE;
}

gboolean
rc_accounts_user_delete(rc_accounts *a, gint64 id, gint64 by, GError **error)
{
  if (id == by) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "you cannot delete yourself");
    return FALSE;
  }
  return rc_store_begin(a->store, error) &&
         rc_store_end(a->store,
                      rc_store_user_delete(a->store, id, error) && audit(a->store, by, "user.delete", NULL, "user", id, error),
                      error);
}

/* ---- sites ---- */

gint64
rc_accounts_site_create(rc_accounts *a, json_t *fields, gint64 by, GError **error)
{
  gint64 id = 0;
  gboolean ok = rc_store_begin(a->store, error) &&
                rc_store_end(a->store,
                             (id = rc_store_site_create(a->store, fields, error)) &&
                                 audit(a->store, by, "site.create", NULL, "site", id, error),
                             error);
  return ok ? id : 0;
}

gboolean
rc_accounts_site_update(rc_accounts *a, gint64 id, json_t *fields, gint64 by, GError **error)
{
  if (!rc_store_begin(a->store, error) ||
      !rc_store_end(a->store,
                    rc_store_site_update(a->store, id, fields, error) &&
                        audit(a->store, by, "site.update", NULL, "site", id, error),
                    error))
    return FALSE;
  /* A live session's media takes a new payload type or cap at once. */
  gint64 holder = a->media ? rc_media_site_session(a->media, id, NULL) : 0;
  if (holder) {
    rc_domain_event e = {.kind = RC_DOMAIN_SITES_CHANGED, .session_id = holder, .by = by};
    rc_domain_publish(a->domain, &e);
  }
  return TRUE;
}

gboolean
rc_accounts_site_delete(rc_accounts *a, gint64 id, gint64 by, GError **error)
{
  return rc_store_begin(a->store, error) &&
         rc_store_end(a->store,
                      rc_store_site_delete(a->store, id, error) && audit(a->store, by, "site.delete", NULL, "site", id, error),
                      error);
}

/* ---- bulk import ---- */

typedef struct {
  rc_accounts *accounts;
  rc_import_kind kind;
  rc_import_owner owner; /* owns owner.scope */
  GBytes *text;
  gint64 by, started_us;
  rc_accounts_import_fn fn;
  gpointer data;
} import_job;

/* The rows and the audit row: one commit. */
static void
import_write(import_job *job, GHashTable *hashes)
{
  rc_store *store = job->accounts->store;
  gsize len = 0;
  const char *text = g_bytes_get_data(job->text, &len);
  const char *kind = rc_import_kind_name(job->kind);
  g_autoptr(GError) error = NULL;
  g_autoptr(json_t) plan = NULL;
  int n = -1;
  if (rc_store_begin(store, &error)) {
    n = rc_import_commit(store, job->kind, &job->owner, text ? text : "", len, hashes, &plan, &error);
    g_autofree char *target = g_strdup_printf("%s:%d", kind, n);
    if (!rc_store_end(store, n >= 0 && rc_store_audit(store, job->by, "import.commit", target, NULL, &error), &error))
      n = -1;
  }
  double seconds = (g_get_monotonic_time() - job->started_us) / 1e6;
  if (n >= 0)
    g_message("import: %d %s written by user %" G_GINT64_FORMAT " in %.2f s", n, kind, job->by, seconds);
  job->fn(n, seconds, plan, error, job->data);
}

static void
import_job_free(import_job *job)
{
  g_bytes_unref(job->text);
  json_decref(job->owner.scope);
  g_free(job);
}

static void
import_hashed(GHashTable *hashes, const GError *error, gpointer data)
{
  import_job *job = data;
  if (hashes)
    import_write(job, hashes);
  else
    job->fn(-1, 0, NULL, error, job->data);
  import_job_free(job);
}

void
rc_accounts_import(rc_accounts *a, rc_import_kind kind, const rc_import_owner *owner, GBytes *text, gint64 by,
                   rc_accounts_import_fn fn, gpointer data)
{
  import_job *job = g_new0(import_job, 1);
  rc_import_owner own = {owner ? owner->organisation_id : 0, owner && owner->scope ? json_incref(owner->scope) : NULL};
  *job = (import_job){a,  kind, own, text ? g_bytes_ref(text) : g_bytes_new(NULL, 0), by, g_get_monotonic_time(),
                      fn, data};
  if (kind != RC_IMPORT_USERS && kind != RC_IMPORT_DELEGATES) { /* no passwords to hash */
    import_write(job, NULL);
    import_job_free(job);
    return;
  }
  gsize len = 0;
  const char *csv = g_bytes_get_data(job->text, &len);
  g_autoptr(GPtrArray) passwords = rc_import_passwords(kind, csv, len);
  g_info("import: hashing %u distinct passwords for %s", passwords->len, rc_import_kind_name(kind));
  rc_auth_hash_passwords(a->auth, passwords, import_hashed, job);
}
