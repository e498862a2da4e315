/* store — the only owner of the SQLite database (sqlite3 *).
 * Schema migrations by PRAGMA user_version, WAL, foreign keys, cached
 * prepared statements. Read functions return jansson objects shaped as the
 * API shows them (spec in web/docs/api.md "Objects"); every write is committed
 * before the function returns, so a caller may tell a client "saved".
 * Errors: RC_ERROR domain (rc-error.h). Main loop only. */
#pragma once
#include "model/ballot-box.h"
#include <glib.h>
#include "base/rc-json.h"

typedef struct rc_store rc_store;

/* Opens (creating if needed) DIR/roomctl.db and DIR/documents/, migrates the
 * schema. (transfer full) */
rc_store *rc_store_open(const char *dir, GError **error);
void rc_store_close(rc_store *store);
/* Write transactions committed since the store was opened; each one is a
 * sync of the WAL to disk. */
guint64 rc_store_commits(rc_store *store);
const char *rc_store_documents_dir(rc_store *store);
int rc_store_schema_version(rc_store *store);
/* The schema version this roomctl migrates every database to. */
int rc_store_latest_schema(void);

/* Groups of writes (savepoints): they nest; the outermost commit is durable. */
gboolean rc_store_begin(rc_store *store, GError **error);
gboolean rc_store_commit(rc_store *store, GError **error);
void rc_store_rollback(rc_store *store);
/* Ends what rc_store_begin began: committed when @ok, else rolled back
 * (FALSE). One action and its audit row: begin, write both, end. */
gboolean rc_store_end(rc_store *store, gboolean ok, GError **error);

/* Current time as ISO 8601 UTC "YYYY-MM-DDTHH:MM:SSZ". (transfer full) */
char *rc_store_now(void);

/* Appends to the append-only audit log; @user_id 0 = anonymous/system. The
 * row is chained to the one before it by a hash in the same transaction
 * (store-audit.c). */
gboolean rc_store_audit(rc_store *store, gint64 user_id, const char *action,
                        const char *target, const char *detail, GError **error);
/* Audit rows, newest first, at most @limit. (transfer full) */
json_t *rc_store_audit_list(rc_store *store, int limit, GError **error);
/* Walks the whole chain. TRUE with *@rows counted when every row verifies;
 * FALSE with *@broken_id the first row that does not and @error saying why
 * (RC_ERROR_CONFLICT), or a read error (*@broken_id 0). */
gboolean rc_store_audit_verify(rc_store *store, gint64 *rows, gint64 *broken_id, GError **error);

/* ---- users and tokens (store-people.c) ---- */
json_t *rc_store_user_get(rc_store *store, gint64 id, GError **error);
json_t *rc_store_users_list(rc_store *store, const char *role_or_null, GError **error);
gint64 rc_store_user_count(rc_store *store);
/* Returns the new id, or 0 on error (RC_ERROR_CONFLICT for a taken name). */
gint64 rc_store_user_create(rc_store *store, const char *username, const char *full_name,
                            const char *role, const char *password_hash, const char *title,
                            const char *unit, GError **error);
/* @fields: validated subset of full_name, role, title, unit, active;
 * @password_hash may be NULL (unchanged). */
gboolean rc_store_user_update(rc_store *store, gint64 id, json_t *fields,
                              const char *password_hash, GError **error);
gboolean rc_store_user_delete(rc_store *store, gint64 id, GError **error);
/* Looks up a login. Returns FALSE with RC_ERROR_NOT_FOUND if no such active user. */
gboolean rc_store_user_credentials(rc_store *store, const char *username, gint64 *id,
                                   char **password_hash, GError **error);

gboolean rc_store_token_add(rc_store *store, const char *token_hash, gint64 user_id,
                            gint64 expires_unix, GError **error);
/* Returns the token's user (transfer full), or NULL: RC_ERROR_NOT_FOUND for an
 * unknown token, RC_ERROR_INVALID_STATE for an expired one. */
json_t *rc_store_token_user(rc_store *store, const char *token_hash, gint64 now_unix,
                            GError **error);
gboolean rc_store_token_delete(rc_store *store, const char *token_hash, GError **error);

/* ---- sites (store-people.c) ---- */
/* A site row, with "credential": {"created_at"} or null (its WebRTC
 * credential, store-site-credentials.c). */
json_t *rc_store_site_get(rc_store *store, gint64 id, GError **error);
json_t *rc_store_sites_list(rc_store *store, const char *level_or_null, gint64 parent_id,
                            GError **error); /* parent_id 0 = any */
gint64 rc_store_site_create(rc_store *store, json_t *fields, GError **error);
gboolean rc_store_site_update(rc_store *store, gint64 id, json_t *fields, GError **error);
gboolean rc_store_site_delete(rc_store *store, gint64 id, GError **error);
/* Id of the site with @code, 0 if none. */
gint64 rc_store_site_id_by_code(rc_store *store, const char *code);
/* The SIP site whose digest user is @sip_user: {id, code, transport,
 * address, sip_user, sip_password, srtp}; RC_ERROR_NOT_FOUND when none.
 * The password is the daemon's only (the API never returns it). (transfer full) */
json_t *rc_store_site_sip_secret(rc_store *store, const char *sip_user, GError **error);
/* Site @id when it is of transport 'sip', as rc_store_site_sip_secret's. (transfer full) */
json_t *rc_store_sip_site(rc_store *store, gint64 id, GError **error);
/* Every site of transport 'sip', each as rc_store_site_sip_secret's. (transfer full) */
json_t *rc_store_sip_sites(rc_store *store, GError **error);

/* ---- site credentials (store-site-credentials.c) ---- */
/* A site's secret: 32 random bytes as base64url without padding. */
#define RC_SITE_SECRET_LEN 43
/* A new credential for @site_id (made by @created_by, 0 = nobody), which
 * replaces the one it had: only the secret's SHA-256 is stored. Returns the
 * secret, to be freed with rc_store_secret_free; NULL with @error
 * (RC_ERROR_NOT_FOUND: no such site). The caller audits, in its own
 * transaction. (transfer full) */
char *rc_store_site_credential_make(rc_store *store, gint64 site_id, gint64 created_by, GError **error);
/* RC_ERROR_NOT_FOUND when @site_id has no credential. */
gboolean rc_store_site_credential_revoke(rc_store *store, gint64 site_id, GError **error);
/* The site whose credential @secret is (looked up by its hash), 0 for none:
 * unknown, revoked, replaced, or not a secret's shape. @error only when the
 * store fails. */
gint64 rc_store_site_by_credential(rc_store *store, const char *secret, GError **error);
/* When @site_id's credential was made, NULL when it has none. (transfer full) */
char *rc_store_site_credential_created(rc_store *store, gint64 site_id);
/* Zeroes @secret and frees it; NULL is fine. */
void rc_store_secret_free(char *secret);
/* ---- plain-RTP sites' SRTP keys (store-site-srtp.c) ---- */
/* Stores @sealed (the key sealed by app/site-srtp-keys.h, never the key)
 * of @suite as @site_id's, replacing the one it had; RC_ERROR_NOT_FOUND:
 * no such site. The caller audits, in its own transaction. */
gboolean rc_store_site_srtp_key_set(rc_store *store, gint64 site_id, const char *suite, const char *sealed,
                                    gint64 created_by, GError **error);
/* RC_ERROR_NOT_FOUND when @site_id has no key. */
gboolean rc_store_site_srtp_key_delete(rc_store *store, gint64 site_id, GError **error);
/* @site_id's sealed key, (@suite, may be NULL) its suite and (@created_at,
 * may be NULL) when it was made; NULL when it has none. (transfer full) */
char *rc_store_site_srtp_key_get(rc_store *store, gint64 site_id, char **suite, char **created_at);
/* The directory of the database (the daemon's data_dir). (transfer none) */
const char *rc_store_dir(rc_store *store);

/* The live session @site_id is in: {id, title, status}; NULL with
 * RC_ERROR_NOT_FOUND when it is in none. (transfer full) */
json_t *rc_store_site_live_session(rc_store *store, gint64 site_id, GError **error);

/* ---- organisations, rooms, invitations (store-organisations.c) ---- */
/* An organisation: {id, code, name, kind, parent_id}. The province is id 1,
 * the only one without a parent; its name '' means [meeting] organisation. */
json_t *rc_store_organisation_get(rc_store *store, gint64 id, GError **error);
/* Every organisation, parents before children, each with its depth. */
json_t *rc_store_organisations_list(rc_store *store, GError **error);
gint64 rc_store_organisation_id_by_code(rc_store *store, const char *code);
/* @id and every organisation below it: a JSON array of ids. */
json_t *rc_store_organisation_subtree(rc_store *store, gint64 id, GError **error);
/* The organisations of @scope (an array of ids), those that the sessions
 * of @scope invite, and everything below them. */
json_t *rc_store_organisations_reached(rc_store *store, json_t *scope, GError **error);
gint64 rc_store_organisation_create(rc_store *store, json_t *fields, GError **error);
gboolean rc_store_organisation_update(rc_store *store, gint64 id, json_t *fields, GError **error);
/* Refused (CONFLICT) while it has units, users, sites, sessions or rooms. */
gboolean rc_store_organisation_delete(rc_store *store, gint64 id, GError **error);
/* A room: {id, organisation_id, name, site_id, site_code, site_name}. */
json_t *rc_store_room_get(rc_store *store, gint64 id, GError **error);
json_t *rc_store_rooms_list(rc_store *store, GError **error);
gint64 rc_store_room_create(rc_store *store, json_t *fields, GError **error);
gboolean rc_store_room_update(rc_store *store, gint64 id, json_t *fields, GError **error);
gboolean rc_store_room_delete(rc_store *store, gint64 id, GError **error);
/* The organisations @session_id invites: [{id, code, name, kind}]. Setting
 * them is the caller's transaction. */
json_t *rc_store_session_invited(rc_store *store, gint64 session_id, GError **error);
gboolean rc_store_session_set_invited(rc_store *store, gint64 session_id, json_t *organisation_ids,
                                      GError **error);

/* ---- sessions, agenda, documents, attendance (store-sessions.c) ---- */
json_t *rc_store_session_get(rc_store *store, gint64 id, GError **error);
/* @status_or_null filters; @delegate_id > 0 keeps sessions that user is assigned to. */
json_t *rc_store_sessions_list(rc_store *store, const char *status_or_null, gint64 delegate_id,
                               GError **error);
/* Session + agenda tree + delegates + sites. */
json_t *rc_store_session_detail(rc_store *store, gint64 id, GError **error);
gint64 rc_store_session_create(rc_store *store, json_t *fields, GError **error);
gboolean rc_store_session_update(rc_store *store, gint64 id, json_t *fields, GError **error);
gboolean rc_store_session_set_status(rc_store *store, gint64 id, const char *status, GError **error);
gboolean rc_store_session_delete(rc_store *store, gint64 id, GError **error);
gboolean rc_store_session_has_delegate(rc_store *store, gint64 session_id, gint64 user_id);

json_t *rc_store_agenda_tree(rc_store *store, gint64 session_id, GError **error);
json_t *rc_store_agenda_item_get(rc_store *store, gint64 id, GError **error);
/* 0 = not found. */
gint64 rc_store_agenda_item_session(rc_store *store, gint64 item_id);
/* @parent_id 0 = top level; @position < 0 = last. */
gint64 rc_store_agenda_item_create(rc_store *store, gint64 session_id, gint64 parent_id,
                                   int position, json_t *fields, GError **error);
gboolean rc_store_agenda_item_update(rc_store *store, gint64 id, json_t *fields, GError **error);
gboolean rc_store_agenda_item_move(rc_store *store, gint64 id, gint64 parent_id, int position,
                                   GError **error);
gboolean rc_store_agenda_item_delete(rc_store *store, gint64 id, GError **error);

gint64 rc_store_document_create(rc_store *store, gint64 item_id, const char *title,
                                const char *filename, const char *sha256, gint64 size, int pages,
                                gboolean confidential, gint64 uploaded_by, GError **error);
json_t *rc_store_document_get(rc_store *store, gint64 id, GError **error);
/* Deletes the row; *@orphan_sha256 gets the hash when no other row uses the
 * blob any more (caller removes the file), else NULL. */
gboolean rc_store_document_delete(rc_store *store, gint64 id, char **orphan_sha256, GError **error);
gint64 rc_store_document_session(rc_store *store, gint64 document_id);
/* Content hashes of the documents of a session (@item_id 0) or of an agenda
 * item and everything below it. (transfer full) */
GStrv rc_store_document_hashes(rc_store *store, gint64 session_id, gint64 item_id);
gboolean rc_store_document_hash_used(rc_store *store, const char *sha256);

/* ---- closed sessions: tablets that purged them (store-recoveries.c) ---- */
/* Notes that @device (a tablet's own random id) of @user_id opened closed
 * @session_id (first_seen_at; kept when already there). Over 8 tablets of
 * one delegate in one session: RC_ERROR_INVALID naming "device". */
gboolean rc_store_recovery_seen(rc_store *store, gint64 session_id, gint64 user_id, const char *device,
                                GError **error);
/* Records that @device purged @documents documents and @notes notes of
 * @session_id now (the row made if the tablet was never seen). A tablet
 * already recorded as recovered keeps its first receipt: *@already TRUE.
 * Inside the caller's transaction. The row. (transfer full) */
json_t *rc_store_recovery_record(rc_store *store, gint64 session_id, gint64 user_id, const char *device,
                                 gint64 documents, gint64 notes, gboolean *already, GError **error);
/* The session's delegates (and anyone else whose tablet opened it), each
 * {user_id, username, full_name, tablets: [{device, first_seen_at,
 * recovered_at, documents, notes, recovered}]}, by name. (transfer full) */
json_t *rc_store_recoveries(rc_store *store, gint64 session_id, GError **error);

/* ---- confidential documents and signatures (store-confidential.c) ---- */
/* The user ids listed as readers of a confidential document. (transfer full) */
json_t *rc_store_document_readers(rc_store *store, gint64 document_id, GError **error);
gboolean rc_store_document_is_reader(rc_store *store, gint64 document_id, gint64 user_id);
/* Sets the confidential mark (@confidential < 0: unchanged) and replaces the
 * readers with @reader_ids (a JSON array of ids; NULL: unchanged), all or
 * nothing; an unknown user is RC_ERROR_INVALID naming "readers". */
gboolean rc_store_document_set_access(rc_store *store, gint64 document_id, int confidential, json_t *reader_ids,
                                      GError **error);
/* Stores what the upload's signature check found (transfer none; shown as
 * the document's "signature"). */
gboolean rc_store_document_set_signatures(rc_store *store, gint64 document_id, json_t *signatures, GError **error);

json_t *rc_store_session_delegates(rc_store *store, gint64 session_id, GError **error);
json_t *rc_store_session_sites(rc_store *store, gint64 session_id, GError **error);
/* FALSE with RC_ERROR_CONFLICT when one of @session_id's sites is another
 * live session's too, naming the first by code and that session: "site H01
 * (…) is in the live session 2 (…); a site is in one live conference at a
 * time". A site is in one live conference at a time: so
 * rc_store_session_set_sites refuses such a site for a live session. */
gboolean rc_store_session_sites_free(rc_store *store, gint64 session_id, GError **error);
/* Replace the assignment lists (ids must exist; delegates must be role
 * delegate or chair). All or nothing. */
gboolean rc_store_session_set_delegates(rc_store *store, gint64 session_id, json_t *user_ids,
                                        GError **error);
gboolean rc_store_session_set_sites(rc_store *store, gint64 session_id, json_t *site_ids,
                                    GError **error);

/* Records a check-in ("in") or check-out ("out"); returns the delegate's
 * attendance entry after the change. (transfer full) */
json_t *rc_store_attendance_record(rc_store *store, gint64 session_id, gint64 user_id,
                                   const char *event, const char *method, GError **error);
json_t *rc_store_attendance_entry(rc_store *store, gint64 session_id, gint64 user_id,
                                  GError **error);
/* {"session_id","present","expected","delegates":[entry...]} (transfer full) */
json_t *rc_store_attendance(rc_store *store, gint64 session_id, GError **error);

/* ---- the live meeting (store-live.c) ---- */

/* Sets the current agenda item and the presented document and page
 * (0 = none). */
gboolean rc_store_presentation_set(rc_store *store, gint64 session_id, gint64 item_id, gint64 document_id,
                                   int page, GError **error);

/* Speakers log: a request, a withdrawal, a turn granted, a turn ended. */
gboolean rc_store_speaker_request(rc_store *store, gint64 session_id, gint64 item_id, gint64 user_id,
                                  GError **error);
gboolean rc_store_speaker_withdraw(rc_store *store, gint64 session_id, gint64 user_id, GError **error);
gboolean rc_store_speaker_grant(rc_store *store, gint64 session_id, gint64 item_id, gint64 user_id,
                                int limit_seconds, GError **error);
gboolean rc_store_speaker_end(rc_store *store, gint64 session_id, gint64 user_id, gint64 seconds,
                              GError **error);
/* The session ended: every request still queued is dropped (as withdrawn). */
gboolean rc_store_speakers_drop_queue(rc_store *store, gint64 session_id, GError **error);
/* Queued and speaking rows of a session, oldest first (for a restart). */
json_t *rc_store_speakers_active(rc_store *store, gint64 session_id, GError **error);
/* Every finished turn: who spoke on which item, when and how long. */
json_t *rc_store_speakers_log(rc_store *store, gint64 session_id, GError **error);

/* @options: JSON array of strings (transfer none). Returns the vote id. */
gint64 rc_store_vote_create(rc_store *store, gint64 session_id, gint64 item_id, const char *question,
                            json_t *options, gboolean secret, gboolean allow_change, const char *closes_at,
                            gint64 opened_by, GError **error);
/* An open-vote ballot (replaces an earlier choice). */
gboolean rc_store_ballot_put(rc_store *store, gint64 vote_id, gint64 user_id, int option, const char *ballot_key,
                             GError **error);
/* Whether @ballot_key was ever used by this voter in this open vote. */
gboolean rc_store_ballot_key_used(rc_store *store, gint64 vote_id, gint64 user_id, const char *ballot_key);
/* Seals a group of secret ballots (rc_secret_ballot *, ballot-box.h) in one
 * transaction: the voters in the group's order, and each option's count
 * raised by the group's total for it. Nothing of one ballot alone is
 * written: the database, its WAL and the cells' order show the group only.
 * On error nothing is changed. */
gboolean rc_store_secret_ballots_seal(rc_store *store, gint64 vote_id, GPtrArray *group, GError **error);
/* The ballot key a secret voter used, or NULL. (transfer full) */
char *rc_store_secret_ballot_key(rc_store *store, gint64 vote_id, gint64 user_id);
gboolean rc_store_vote_close(rc_store *store, gint64 vote_id, json_t *result, GError **error);
/* Votes of a session, newest first, with "options" and "result" parsed. */
json_t *rc_store_votes_list(rc_store *store, gint64 session_id, GError **error);
json_t *rc_store_vote_get(rc_store *store, gint64 vote_id, GError **error);
/* Ids of every open vote (for a restart). */
json_t *rc_store_votes_open(rc_store *store, GError **error);
/* Open vote: [{"user_id","option"}]; secret vote: voters [{"user_id"}] and
 * counts [{"option","count"}]. */
json_t *rc_store_vote_ballots(rc_store *store, gint64 vote_id, GError **error);
json_t *rc_store_vote_voters(rc_store *store, gint64 vote_id, GError **error);
json_t *rc_store_vote_tally(rc_store *store, gint64 vote_id, GError **error);

/* Who held the floor (a site, and the delegate when one was granted). */
gboolean rc_store_floor_log(rc_store *store, gint64 session_id, gint64 site_id, gint64 user_id, gint64 granted_by,
                            GError **error);
/* Records how long the program took to show the last grant. */
gboolean rc_store_floor_switched(rc_store *store, gint64 session_id, gint64 switched_ms, GError **error);
json_t *rc_store_floor_list(rc_store *store, gint64 session_id, GError **error);

/* ---- sites asking for the floor (store-site-floor.c) ---- */
/* Opens @site_id's request in @session_id; @via "site", "keypad" or
 * "staff". RC_ERROR_CONFLICT when it has one open. */
gboolean rc_store_site_floor_ask(rc_store *store, gint64 session_id, gint64 site_id, const char *via, GError **error);
/* Ends @site_id's open request (0: every site's) as @outcome ("withdrawn",
 * "granted", "dropped"); the number ended, -1 with @error. */
int rc_store_site_floor_end(rc_store *store, gint64 session_id, gint64 site_id, const char *outcome, GError **error);
/* Drops the open requests of sites no longer in the session; the number, -1 with @error. */
int rc_store_site_floor_drop_absent(rc_store *store, gint64 session_id, GError **error);
/* Whether a site of @session_id asks for the floor now (a read: no write, no commit). */
gboolean rc_store_site_floor_any(rc_store *store, gint64 session_id);
gboolean rc_store_site_floor_asking(rc_store *store, gint64 session_id, gint64 site_id);
/* {status (the session's), member (0/1: @site_id is one of its sites),
 * code (the site's, null: no such site)}; RC_ERROR_NOT_FOUND: no session. (transfer full) */
json_t *rc_store_site_floor_standing(rc_store *store, gint64 session_id, gint64 site_id, GError **error);
/* The open requests, first asked first: [{site_id, code, name, transport,
 * via, requested_at}]. (transfer full) */
json_t *rc_store_site_floor_list(rc_store *store, gint64 session_id, GError **error);

/* ---- technicians (store-health.c) ---- */
gint64 rc_store_alarm_raise(rc_store *store, gint64 session_id, gint64 site_id, const char *kind, const char *reason,
                            GError **error);
/* Clears the open alarm of @kind for the site; returns its id, 0 if none was open. */
gint64 rc_store_alarm_clear(rc_store *store, gint64 session_id, gint64 site_id, const char *kind, GError **error);
/* RC_ERROR_NOT_FOUND, or RC_ERROR_INVALID_STATE when already acknowledged. */
json_t *rc_store_alarm_ack(rc_store *store, gint64 alarm_id, gint64 user_id, GError **error);
json_t *rc_store_alarm_get(rc_store *store, gint64 alarm_id, GError **error);
/* @session_id 0 = all; @active_only: not cleared or not acknowledged. Newest first. */
json_t *rc_store_alarms_list(rc_store *store, gint64 session_id, gboolean active_only, int limit, GError **error);
gboolean rc_store_health_event(rc_store *store, gint64 session_id, gint64 site_id, const char *from, const char *to,
                               const char *reason, GError **error);
/* A site's call: opened when it is first heard, closed when it goes silent or the session ends. */
gboolean rc_store_site_call_open(rc_store *store, gint64 session_id, gint64 site_id, GError **error);
gboolean rc_store_site_call_close(rc_store *store, gint64 session_id, gint64 site_id, const char *reason,
                                  gint64 packets, gint64 lost, double jitter_ms, double kbps, gint64 freezes,
                                  GError **error);
/* Session @session_id's site calls by site code: {site_id, code, name,
 * level, joined_at, left_at, left_reason, seconds, packets, lost,
 * jitter_ms, kbps, freezes, sip}; sip: null, or the SIP call of the site
 * that was up during it (the last one connected before it left, not ended
 * before it was joined): {id (its record, as in …/sip/calls), direction,
 * connected_at, ended_at, ended_by, cause {status, phrase} | null};
 * sip_cause: that cause as one text ("486 Busy Here"), or null (for CSV). */
json_t *rc_store_site_calls(rc_store *store, gint64 session_id, GError **error);
gint64 rc_store_site_check_start(rc_store *store, gint64 session_id, gint64 user_id, GError **error);
gboolean rc_store_site_check_finish(rc_store *store, gint64 check_id, json_t *result, GError **error);
json_t *rc_store_site_checks(rc_store *store, gint64 session_id, GError **error);

/* ---- SIP call records (store-sip.c) ----
 * One row per SIP call of a site (app/sip-calls.c), written when the call
 * is made or comes in and at each change of its state; kept with the
 * session (deleted with it). Times are "YYYY-MM-DDTHH:MM:SSZ" (UTC). */
typedef struct {
  gint64 session_id, site_id;
  const char *site_code;
  gboolean outgoing;          /* the controller called (direction 'out') */
  const char *call_id;        /* the SIP Call-ID; "" when not known */
  const char *state;          /* calling | ringing | connected | ended | refused */
  const char *caller;         /* digest | registered | address | controller */
  const char *from, *source, *transport;
  const char *srtp_policy;    /* required | preferred | off */
  const char *started_at;
  gint64 id;                  /* the record's id when the caller chose it (above every stored one), else 0 */
} rc_store_sip_call;
/* Adds a call's record: its id, 0 with @error. */
gint64 rc_store_sip_call_add(rc_store *store, const rc_store_sip_call *call, GError **error);
/* Call @id rang at @at; its state becomes @state (an incoming call stays as it was). */
gboolean rc_store_sip_call_ringing(rc_store *store, gint64 id, const char *state, const char *at, GError **error);
/* Call @id was answered at @at (state connected). */
gboolean rc_store_sip_call_connected(rc_store *store, gint64 id, const char *at, GError **error);
/* What call @id negotiated: the codec names (NULL: no such stream) and
 * whether every stream it has is SRTP. */
gboolean rc_store_sip_call_media(rc_store *store, gint64 id, const char *video_codec, const char *audio_codec,
                                 gboolean srtp, GError **error);
/* Call @id ended (state ended, or refused before it began) at @at, by
 * @ended_by (site | controller | timer; NULL for a refusal), with the SIP
 * cause @status (0: none) and @phrase. */
gboolean rc_store_sip_call_ended(rc_store *store, gint64 id, const char *state, const char *at,
                                 const char *ended_by, int status, const char *phrase, GError **error);
/* At start: the calls a previous run left open (it stopped without ending
 * them) are ended by 'restart', their end time unknown (NULL). Sets
 * *@last_id to the highest record id (0: none). How many were closed, -1
 * with @error. */
gint64 rc_store_sip_calls_recover(rc_store *store, gint64 *last_id, GError **error);
/* Session @session_id's last @limit call records, oldest first, shaped as
 * rc_sip_calls_list()'s with what is stored: {id, session_id, site_id,
 * site_code, direction, state, caller, call_id, from, source, transport,
 * started_at, ringing_at, connected_at, ended_at, ended_by, cause {status,
 * phrase} | null, srtp (the policy), media {video, audio}: null or {codec,
 * srtp}, stored: true}. (transfer full) */
json_t *rc_store_sip_calls(rc_store *store, gint64 session_id, int limit, GError **error);

/* Private notes. An empty @text deletes the note. */
gboolean rc_store_note_put(rc_store *store, gint64 user_id, gint64 document_id, int page, const char *text,
                           GError **error);
/* @document_id 0 = every note of the user; rows carry document and session titles. */
json_t *rc_store_notes_list(rc_store *store, gint64 user_id, gint64 document_id, GError **error);

/* ---- calendar feed tokens (store-calendar.c) ---- */
/* Sets (replacing any earlier one) the user's feed token, by its hash. */
gboolean rc_store_calendar_token_set(rc_store *store, gint64 user_id, const char *token_hash, GError **error);
/* Revokes it; RC_ERROR_NOT_FOUND when there was none. */
gboolean rc_store_calendar_token_delete(rc_store *store, gint64 user_id, GError **error);
/* The active user a feed token belongs to, or NULL (RC_ERROR_NOT_FOUND). (transfer full) */
json_t *rc_store_calendar_token_user(rc_store *store, const char *token_hash, GError **error);
/* When the user's token was made, or NULL if none. (transfer full) */
char *rc_store_calendar_token_created(rc_store *store, gint64 user_id);
