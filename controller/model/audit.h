/* audit — the hash chain of the audit log: each row's hash covers the
 * previous row's hash and the row's own fields in one canonical encoding, so
 * changing, inserting or removing a row breaks the chain from there on.
 * Pure: no store, no I/O (the store keeps the rows, see store-audit.c). */
#pragma once
#include <glib.h>

/* SHA-256 as 64 lower-case hex digits and a NUL. */
#define RC_AUDIT_HASH_LEN 65

/* One audit row as it is hashed. @user_id 0 = no user (NULL in the table). */
typedef struct {
  gint64 id;
  const char *at;
  gint64 user_id;
  const char *action;
  const char *target;
  const char *detail;
} rc_audit_row;

/* Writes into @out the hash of @row chained to @prev_hash (the previous
 * row's hash; NULL or "" for the first row). NULL strings hash as "". */
void rc_audit_hash(const char *prev_hash, const rc_audit_row *row, char out[RC_AUDIT_HASH_LEN]);

/* Walks rows in id order: feed each with rc_audit_chain_next(). */
typedef struct {
  char prev[RC_AUDIT_HASH_LEN];
  gint64 prev_id;
  gint64 rows;
  gint64 broken_id; /* first row that does not verify, 0 while all do */
  char *reason;     /* why it broke (transfer full, free with rc_audit_chain_clear) */
} rc_audit_chain;

void rc_audit_chain_init(rc_audit_chain *chain);
/* Checks @row against its stored @hash. Returns FALSE once the chain is
 * broken (chain->broken_id and ->reason say where and why); later calls
 * keep returning FALSE. */
gboolean rc_audit_chain_next(rc_audit_chain *chain, const rc_audit_row *row, const char *hash);
void rc_audit_chain_clear(rc_audit_chain *chain);
