/* accounts — the use case "who and where": users (created, changed,
 * deleted) and sites (the same). A password is hashed (argon2id, tens of
 * milliseconds and MiBs) on the auth workers, never on the main loop; the
 * write follows on the main loop. Each change and its audit rows are one
 * commit: when an audit row cannot be written the change is not made. A
 * changed site of the live session is published (domain.h) so its media
 * follows. Closing the sockets of a changed user is the transport's: the
 * caller is told when to. A bulk import (import.h) is written the same
 * way: hashed, then its rows and its audit row in one commit. Main loop
 * only. */
#pragma once
#include "app/auth.h"
#include "app/domain.h"
#include "records/import.h"
#include "media/media.h"
#include "store/store.h"

typedef struct rc_accounts rc_accounts;

/* All borrowed. (transfer full) */
rc_accounts *rc_accounts_new(rc_store *store, rc_auth *auth, rc_domain *domain);
void rc_accounts_free(rc_accounts *accounts);
/* The conference media, or NULL: a changed site of its session is published. */
void rc_accounts_set_media(rc_accounts *accounts, rc_media *media);

/* A user to create (@id 0) or to change. */
typedef struct {
  gint64 id;
  /* New: username, full_name, role, title, unit. Changed: the validated
   * subset of full_name, role, title, unit, active, site_id, as the store
   * takes them. Without "password". (transfer none) */
  json_t *fields;
  const char *password; /* NULL = unchanged (a new user needs one) */
  gint64 by;            /* the admin who acts */
} rc_account_user;

/* The outcome of a user's write: its id, and @relogin when the user's open
 * connections must be closed (their role, activation or password changed);
 * or 0 and @error. */
typedef void (*rc_accounts_user_fn)(gint64 user_id, gboolean relogin, const GError *error, gpointer data);

/* Writes @user, audited (user.create; or user.role, user.activate or
 * user.deactivate, user.password and user.update, one row per kind). FALSE
 * with @error when refused at once (an unknown user, your own role or
 * deactivation): @fn is not called. Otherwise TRUE, and @fn(@data) is
 * called once: before this returns when there is no password to hash,
 * else later, on the main loop. */
gboolean rc_accounts_user_save(rc_accounts *accounts, const rc_account_user *user, rc_accounts_user_fn fn,
                               gpointer data, GError **error);
/* Deletes user @id (not oneself: RC_ERROR_INVALID_STATE), audited. */
gboolean rc_accounts_user_delete(rc_accounts *accounts, gint64 id, gint64 by, GError **error);

/* Sites. @fields: the validated site fields as the store takes them
 * (transfer none). Each audited (site.create, site.update, site.delete). */
gint64 rc_accounts_site_create(rc_accounts *accounts, json_t *fields, gint64 by, GError **error);
gboolean rc_accounts_site_update(rc_accounts *accounts, gint64 id, json_t *fields, gint64 by, GError **error);
gboolean rc_accounts_site_delete(rc_accounts *accounts, gint64 id, gint64 by, GError **error);

/* The outcome of an import: @n rows written in @seconds (from the call);
 * or -1 with @error, and @plan (transfer none) when rows were refused. */
typedef void (*rc_accounts_import_fn)(int n, double seconds, json_t *plan, const GError *error, gpointer data);
/* Writes the CSV @text (transfer none, kept) of @kind, checked again
 * (rc_import_commit) with @owner (copied; NULL = the province admin's),
 * audited (import.commit) in the same commit. Users' passwords are hashed
 * first: @fn(@data) is called later, on the main loop; sites and
 * organisations are written at once: @fn is called before this returns. */
void rc_accounts_import(rc_accounts *accounts, rc_import_kind kind, const rc_import_owner *owner, GBytes *text,
                        gint64 by, rc_accounts_import_fn fn, gpointer data);
