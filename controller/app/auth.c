/* auth — roles, argon2id password hashes, bearer tokens. */
#define G_LOG_DOMAIN "roomctl-auth"
#include "app/auth.h"
#include "base/rc-error.h"

#include <sodium.h>
#include <string.h>

static const char *const role_names[] = {"admin", "secretariat", "chair", "delegate", "technician"};

rc_role
rc_auth_role_parse(const char *name)
{
  for (guint i = 0; name && i < G_N_ELEMENTS(role_names); i++)
    if (g_str_equal(name, role_names[i]))
      return (rc_role)(1u << i);
  return 0;
}

const char *
rc_auth_role_name(rc_role role)
{
  for (guint i = 0; i < G_N_ELEMENTS(role_names); i++)
    if (role == (rc_role)(1u << i))
      return role_names[i];
  return "none";
}

struct rc_auth {
  rc_store *store;
  unsigned long long opslimit;
  size_t memlimit;
  int token_ttl_hours;
  GThreadPool *pool;
  char *dummy_hash; /* verified against when the user does not exist */
  /* Finished jobs wait here for the main loop: a (GSourceFunc, data) pair
   * each. The source is owned by auth, so that rc_auth_free can finish
   * them without running anything else of the main loop. */
  GAsyncQueue *done;
  GSource *wake;
};

typedef struct {
  GSourceFunc finish;
  gpointer data;
} finished_job;

/* Any thread: hands @data to @finish on the main loop. */
static void
hand_back(rc_auth *auth, GSourceFunc finish, gpointer data)
{
  finished_job *f = g_new(finished_job, 1);
  f->finish = finish;
  f->data = data;
  g_async_queue_push(auth->done, f);
  g_source_set_ready_time(auth->wake, 0); /* thread-safe */
}

static void
finish_jobs(rc_auth *auth)
{
  finished_job *f;
  while ((f = g_async_queue_try_pop(auth->done))) {
    f->finish(f->data);
    g_free(f);
  }
}

typedef struct {
  GSource base;
  rc_auth *auth;
} wake_source;

static gboolean
on_wake(GSource *source, GSourceFunc callback, gpointer data)
{
  (void)callback, (void)data;
  g_source_set_ready_time(source, -1);
  finish_jobs(((wake_source *)source)->auth);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs wake_funcs = {.dispatch = on_wake};

typedef struct {
  gboolean is_hash; /* FALSE: a login_job; TRUE: a hash_job (both go through the pool) */
  rc_auth *auth;
  gint64 user_id; /* 0 = no such user */
  char *hash;
  char *password;
  gboolean ok;
  rc_auth_login_cb cb;
  gpointer user_data;
} login_job;

static void
login_job_free(login_job *job)
{
  if (job->password)
    sodium_memzero(job->password, strlen(job->password));
  g_free(job->password);
  g_free(job->hash);
  g_free(job);
}

static char *
random_token(void)
{
  unsigned char raw[32];
  char hex[65];
  randombytes_buf(raw, sizeof raw);
  sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
  return g_strdup(hex);
}

char *
rc_auth_token_hash(const char *token)
{
  return g_compute_checksum_for_string(G_CHECKSUM_SHA256, token, -1);
}

/* Back on the main loop: make the token, store it, answer. */
static gboolean
login_done(gpointer data)
{
  login_job *job = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(json_t) user = NULL;
  g_autofree char *token = NULL;
  gint64 expires = 0;
  if (!job->ok || job->user_id == 0) {
    g_set_error(&error, RC_ERROR, RC_ERROR_FORBIDDEN, "wrong username or password");
  } else {
    token = random_token();
    g_autofree char *hash = rc_auth_token_hash(token);
    expires = g_get_real_time() / G_USEC_PER_SEC + (gint64)job->auth->token_ttl_hours * 3600;
    if (rc_store_token_add(job->auth->store, hash, job->user_id, expires, &error))
      user = rc_store_user_get(job->auth->store, job->user_id, &error);
  }
  job->cb(user, user ? token : NULL, expires, user ? NULL : error, job->user_data);
  login_job_free(job);
  return G_SOURCE_REMOVE;
}

/* A batch of passwords to hash (a bulk import): one pool job per
 * password, so both workers share the batch; the last one to finish hands
 * the results to the main loop. */
typedef struct {
  rc_auth *auth;
  GPtrArray *passwords; /* char* */
  char **hashes;        /* same order; NULL where hashing failed */
  gint left;            /* atomic */
  rc_auth_hashes_cb cb;
  gpointer user_data;
} hash_batch;

typedef struct {
  gboolean is_hash; /* TRUE */
  hash_batch *batch;
  guint index;
} hash_job;

static gboolean
hashes_done(gpointer data)
{
  hash_batch *b = data;
  g_autoptr(GHashTable) out = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GError) error = NULL;
  for (guint i = 0; i < b->passwords->len; i++) {
    if (!b->hashes[i] && !error)
      g_set_error(&error, RC_ERROR, RC_ERROR_INTERNAL, "out of memory hashing a password");
    if (b->hashes[i])
      g_hash_table_insert(out, g_strdup(b->passwords->pdata[i]), g_steal_pointer(&b->hashes[i]));
  }
  b->cb(error ? NULL : out, error, b->user_data);
  for (guint i = 0; i < b->passwords->len; i++)
    sodium_memzero(b->passwords->pdata[i], strlen(b->passwords->pdata[i]));
  g_ptr_array_unref(b->passwords);
  g_free(b->hashes);
  g_free(b);
  return G_SOURCE_REMOVE;
}

static void
hash_in_thread(hash_job *job)
{
  hash_batch *b = job->batch;
  b->hashes[job->index] = rc_auth_hash_password(b->auth, b->passwords->pdata[job->index], NULL);
  if (g_atomic_int_dec_and_test(&b->left))
    hand_back(b->auth, hashes_done, b);
  g_free(job);
}

void
rc_auth_hash_passwords(rc_auth *auth, GPtrArray *passwords, rc_auth_hashes_cb cb, gpointer user_data)
{
  hash_batch *b = g_new0(hash_batch, 1);
  b->auth = auth;
  b->passwords = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < passwords->len; i++)
    g_ptr_array_add(b->passwords, g_strdup(passwords->pdata[i]));
  b->hashes = g_new0(char *, passwords->len + 1);
  b->cb = cb;
  b->user_data = user_data;
  if (passwords->len == 0) {
    hand_back(auth, hashes_done, b);
    return;
  }
  g_atomic_int_set(&b->left, (gint)passwords->len);
  for (guint i = 0; i < passwords->len; i++) {
    hash_job *job = g_new0(hash_job, 1);
    job->is_hash = TRUE;
    job->batch = b;
    job->index = i;
    g_thread_pool_push(auth->pool, job, NULL);
  }
}

/* Worker thread: only the hash check (or a hash, for a batch) happens here. */
static void
verify_in_thread(gpointer data, gpointer pool_data)
{
  if (*(gboolean *)data) {
    hash_in_thread(data);
    return;
  }
  login_job *job = data;
  rc_auth *auth = pool_data;
  job->ok = crypto_pwhash_str_verify(job->hash, job->password, strlen(job->password)) == 0;
  hand_back(auth, login_done, job);
}

rc_auth *
rc_auth_new(rc_store *store, rc_pwhash_cost cost, int token_ttl_hours)
{
  if (sodium_init() < 0)
    g_error("libsodium cannot initialise");
  rc_auth *auth = g_new0(rc_auth, 1);
  auth->store = store;
  auth->token_ttl_hours = token_ttl_hours;
  switch (cost) {
  case RC_PWHASH_MIN:
    auth->opslimit = crypto_pwhash_OPSLIMIT_MIN;
    auth->memlimit = 64 * 1024; /* tests only: argon2id's real minimum is too weak to matter */
    break;
  case RC_PWHASH_MODERATE:
    auth->opslimit = crypto_pwhash_OPSLIMIT_MODERATE;
    auth->memlimit = crypto_pwhash_MEMLIMIT_MODERATE;
    break;
  default:
    auth->opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    auth->memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
  }
  /* Two workers: each check takes memlimit bytes, so the pool bounds memory. */
  auth->pool = g_thread_pool_new(verify_in_thread, auth, 2, FALSE, NULL);
  auth->done = g_async_queue_new();
  auth->wake = g_source_new(&wake_funcs, sizeof(wake_source));
  ((wake_source *)auth->wake)->auth = auth;
  g_source_set_ready_time(auth->wake, -1);
  g_source_attach(auth->wake, g_main_context_get_thread_default());
  auth->dummy_hash = rc_auth_hash_password(auth, "no such user", NULL);
  return auth;
}

void
rc_auth_free(rc_auth *auth)
{
  if (!auth)
    return;
  g_thread_pool_free(auth->pool, FALSE, TRUE);
  /* Only auth's own finished jobs run here, not the rest of the loop. */
  finish_jobs(auth);
  g_source_destroy(auth->wake);
  g_source_unref(auth->wake);
  g_async_queue_unref(auth->done);
  g_free(auth->dummy_hash);
  g_free(auth);
}

char *
rc_auth_hash_password(rc_auth *auth, const char *password, GError **error)
{
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password, strlen(password), auth->opslimit, auth->memlimit) != 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "out of memory hashing a password");
    return NULL;
  }
  return g_strdup(out);
}

void
rc_auth_login(rc_auth *auth, const char *username, const char *password, rc_auth_login_cb cb,
              gpointer user_data)
{
  login_job *job = g_new0(login_job, 1);
  job->auth = auth;
  job->cb = cb;
  job->user_data = user_data;
  job->password = g_strdup(password);
  if (!rc_store_user_credentials(auth->store, username, &job->user_id, &job->hash, NULL)) {
    job->user_id = 0;
    job->hash = g_strdup(auth->dummy_hash);
  }
  g_thread_pool_push(auth->pool, job, NULL);
}

json_t *
rc_auth_check_token(rc_auth *auth, const char *token, GError **error)
{
  if (!token || strlen(token) != 64) {
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "not a roomctl token");
    return NULL;
  }
  g_autofree char *hash = rc_auth_token_hash(token);
  return rc_store_token_user(auth->store, hash, g_get_real_time() / G_USEC_PER_SEC, error);
}

gboolean
rc_auth_logout(rc_auth *auth, const char *token, GError **error)
{
  g_autofree char *hash = rc_auth_token_hash(token);
  return rc_store_token_delete(auth->store, hash, error);
}
