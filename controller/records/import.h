/* import — bulk import of users, delegates, sites, organisations and rooms from CSV files
 * (UTF-8, RFC 4180, Vietnamese text). Checking a file gives a plan: every
 * row with its values and its errors (row number as a spreadsheet shows it
 * and the column), checked against the store as it is now; committing a
 * plan writes all its rows in one transaction or nothing. Main loop only. */
#pragma once
#include "store/store.h"

typedef enum {
  RC_IMPORT_USERS,     /* any role; the role column is required */
  RC_IMPORT_DELEGATES, /* role delegate (default) or chair */
  RC_IMPORT_SITES,
  RC_IMPORT_ORGANISATIONS, /* the province's units; parent_code empty = the province */
  RC_IMPORT_ROOMS,         /* an organisation's rooms; name unique within the organisation */
} rc_import_kind;

/* Where the importer may put what a file owns (users, delegates, sites, rooms),
 * as plain data from the app's access policy (access.h): rows without an
 * organisation column go to @organisation_id (0 = the province); a row's
 * organisation must be in @scope, a JSON array of ids (transfer none), or
 * anywhere when @scope is NULL (a province admin). NULL for an owner is
 * the province admin's. */
typedef struct {
  gint64 organisation_id;
  json_t *scope;
} rc_import_owner;

/* "users", "delegates", "sites", "organisations", "rooms". FALSE for anything else. */
gboolean rc_import_kind_parse(const char *name, rc_import_kind *kind);
const char *rc_import_kind_name(rc_import_kind kind);

/* Checks @text (a whole CSV file) for an import of @kind. Returns the plan
 * (transfer full):
 *   {"kind", "columns": [..], "total": N, "error_count": E, "valid": E == 0,
 *    "rows": [{"row", "values": {...}, "errors": [{"row","column","reason"}]}],
 *    "errors": [every row error, in row order]}
 * Passwords are never in "values" (only "password_set": true).
 * A file that cannot be read as a whole — not UTF-8 (the error names the
 * line and byte), empty, no data rows, a missing or unknown column (the
 * error is "COLUMN: ...") — gives NULL with RC_ERROR_INVALID. */
json_t *rc_import_check(rc_store *store, rc_import_kind kind, const rc_import_owner *owner, const char *text, gsize len,
                        GError **error);

/* The distinct passwords of a valid users/delegates file, to be hashed
 * before the commit. (transfer full, char*) */
GPtrArray *rc_import_passwords(rc_import_kind kind, const char *text, gsize len);

/* Checks @text again and, when every row is clean, writes every row in one
 * transaction. @hashes maps each password to its argon2id hash (users and
 * delegates; NULL for sites, organisations and rooms). Returns the number of rows written, or -1:
 * with RC_ERROR_INVALID and *@plan_out set to the plan (transfer full) when
 * rows have errors; with the store's error when a write fails (nothing is
 * written either way). */
int rc_import_commit(rc_store *store, rc_import_kind kind, const rc_import_owner *owner, const char *text, gsize len,
                     GHashTable *hashes, json_t **plan_out, GError **error);
