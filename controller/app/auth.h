/* auth — roles, password hashes (argon2id through libsodium) and bearer
 * tokens. Password checks run on a small worker pool (argon2id costs tens
 * of milliseconds and 64 MiB each), never on the main loop; their results
 * come back to the main loop. Tokens are random, given to the client once,
 * and stored only as their SHA-256. */
#pragma once
#include "base/config.h"
#include "store/store.h"

typedef enum {
  RC_ROLE_ADMIN = 1 << 0,
  RC_ROLE_SECRETARIAT = 1 << 1,
  RC_ROLE_CHAIR = 1 << 2,
  RC_ROLE_DELEGATE = 1 << 3,
  RC_ROLE_TECHNICIAN = 1 << 4,
} rc_role;
#define RC_ROLES_ANY 0x1f
#define RC_ROLES_STAFF (RC_ROLE_ADMIN | RC_ROLE_SECRETARIAT | RC_ROLE_CHAIR | RC_ROLE_TECHNICIAN)
#define RC_ROLES_EDITORS (RC_ROLE_ADMIN | RC_ROLE_SECRETARIAT)

/* 0 for an unknown name. */
rc_role rc_auth_role_parse(const char *name);
const char *rc_auth_role_name(rc_role role);

typedef struct rc_auth rc_auth;

/* (transfer full); @store is borrowed and must outlive the auth. */
rc_auth *rc_auth_new(rc_store *store, rc_pwhash_cost cost, int token_ttl_hours);
/* Waits for running password checks, then frees. */
void rc_auth_free(rc_auth *auth);

/* Hashes @password for storage (blocking: for creating users). (transfer full) */
char *rc_auth_hash_password(rc_auth *auth, const char *password, GError **error);

/* Called on the main loop with @hashes (password → hash, transfer none),
 * or NULL and @error. */
typedef void (*rc_auth_hashes_cb)(GHashTable *hashes, const GError *error, gpointer user_data);
/* Hashes @passwords (char*, transfer none; copied) on the worker pool, two
 * at a time, off the main loop (a bulk import of hundreds of users would
 * otherwise stall it for many seconds). @cb is always called, later, on
 * the main loop. */
void rc_auth_hash_passwords(rc_auth *auth, GPtrArray *passwords, rc_auth_hashes_cb cb, gpointer user_data);

/* Called on the main loop. On success @user is the user (transfer none),
 * @token the new bearer token, @expires_unix its expiry; on failure @user is
 * NULL and @error says why (RC_ERROR_FORBIDDEN for wrong credentials). */
typedef void (*rc_auth_login_cb)(json_t *user, const char *token, gint64 expires_unix,
                                 const GError *error, gpointer user_data);
/* Checks the credentials off the main loop. An unknown user costs the same
 * time as a wrong password. @cb is always called, later, on the main loop. */
void rc_auth_login(rc_auth *auth, const char *username, const char *password, rc_auth_login_cb cb,
                   gpointer user_data);

/* The user a token belongs to (transfer full), or NULL: RC_ERROR_NOT_FOUND
 * (unknown) or RC_ERROR_INVALID_STATE (expired). */
json_t *rc_auth_check_token(rc_auth *auth, const char *token, GError **error);
gboolean rc_auth_logout(rc_auth *auth, const char *token, GError **error);
/* SHA-256 hex of @token, as stored. (transfer full) */
char *rc_auth_token_hash(const char *token);

/* The id and role of an authenticated user object (as rc_auth gives it). */
#define RC_USER_ID(user) ((gint64)json_integer_value(json_object_get((user), "id")))
#define RC_USER_ROLE(user) rc_auth_role_parse(json_string_value(json_object_get((user), "role")))
