/* store-live — what happens during a live session: the presented page, the
 * speakers log, votes and ballots (open and secret), private notes. */
#define G_LOG_DOMAIN "roomctl-store"
#include "store/store-private.h"

/* Binds @n int64 values and runs @sql. */
static gboolean
exec_ints(rc_store *store, const char *sql, GError **error, int n, ...)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, sql, error);
  if (!stmt)
    return FALSE;
  va_list args;
  va_start(args, n);
  for (int i = 1; i <= n; i++)
    sqlite3_bind_int64(stmt, i, va_arg(args, gint64));
  va_end(args);
  return rc_store_exec_stmt(store, stmt, error);
}

static json_t *
rows_ints(rc_store *store, const char *sql, GError **error, int n, ...)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, sql, error);
  if (!stmt)
    return NULL;
  va_list args;
  va_start(args, n);
  for (int i = 1; i <= n; i++)
    sqlite3_bind_int64(stmt, i, va_arg(args, gint64));
  va_end(args);
  return rc_store_rows(store, stmt, error);
}

gboolean
rc_store_presentation_set(rc_store *store, gint64 session_id, gint64 item_id, gint64 document_id, int page,
                          GError **error)
{
  return exec_ints(store,
                   "UPDATE sessions SET current_item_id = nullif(?1, 0), presented_document_id = nullif(?2, 0),"
                   " presented_page = ?3 WHERE id = ?4",
                   error, 4, item_id, document_id, (gint64)page, session_id);
}

/* ---- speakers ---- */

static gboolean
exec_with_now(rc_store *store, const char *sql, GError **error, gint64 a, gint64 b, gint64 c, gint64 d)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, sql, error);
  if (!stmt)
    return FALSE;
  g_autofree char *now = rc_store_now();
  sqlite3_bind_text(stmt, 1, now, -1, SQLITE_TRANSIENT);
  gint64 v[] = {a, b, c, d};
  for (int i = 0; i < 4 && i + 2 <= sqlite3_bind_parameter_count(stmt); i++)
    sqlite3_bind_int64(stmt, i + 2, v[i]);
  return rc_store_exec_stmt(store, stmt, error);
}

gboolean
rc_store_speaker_request(rc_store *store, gint64 session_id, gint64 item_id, gint64 user_id, GError **error)
{
  return exec_with_now(store,
                       "INSERT INTO speakers (session_id, agenda_item_id, user_id, status, requested_at)"
                       " VALUES (?2, nullif(?3, 0), ?4, 'queued', ?1)",
                       error, session_id, item_id, user_id, 0);
}

gboolean
rc_store_speaker_withdraw(rc_store *store, gint64 session_id, gint64 user_id, GError **error)
{
  return exec_with_now(store,
                       "UPDATE speakers SET status = 'withdrawn', ended_at = ?1"
                       " WHERE session_id = ?2 AND user_id = ?3 AND status = 'queued'",
                       error, session_id, user_id, 0, 0);
}

gboolean
rc_store_speaker_grant(rc_store *store, gint64 session_id, gint64 item_id, gint64 user_id, int limit_seconds,
                       GError **error)
{
  if (!exec_with_now(store,
                     "UPDATE speakers SET status = 'speaking', granted_at = ?1, agenda_item_id = nullif(?3, 0),"
                     " limit_seconds = ?5 WHERE session_id = ?2 AND user_id = ?4 AND status = 'queued'",
                     error, session_id, item_id, user_id, limit_seconds))
    return FALSE;
  if (sqlite3_changes(store->db) > 0)
    return TRUE;
  /* Given the floor without having asked. */
  return exec_with_now(store,
                       "INSERT INTO speakers (session_id, agenda_item_id, user_id, status, granted_at,"
                       " limit_seconds) VALUES (?2, nullif(?3, 0), ?4, 'speaking', ?1, ?5)",
                       error, session_id, item_id, user_id, limit_seconds);
}

gboolean
rc_store_speaker_end(rc_store *store, gint64 session_id, gint64 user_id, gint64 seconds, GError **error)
{
  return exec_with_now(store,
                       "UPDATE speakers SET status = 'done', ended_at = ?1, seconds = ?4"
                       " WHERE session_id = ?2 AND user_id = ?3 AND status = 'speaking'",
                       error, session_id, user_id, seconds, 0);
}

gboolean
rc_store_speakers_drop_queue(rc_store *store, gint64 session_id, GError **error)
{
  return exec_with_now(store,
                       "UPDATE speakers SET status = 'withdrawn', ended_at = ?1"
                       " WHERE session_id = ?2 AND status = 'queued'",
                       error, session_id, 0, 0, 0);
}

json_t *
rc_store_speakers_active(rc_store *store, gint64 session_id, GError **error)
{
  return rows_ints(store,
                   "SELECT user_id, status, requested_at, granted_at, limit_seconds FROM speakers"
                   " WHERE session_id = ? AND status IN ('queued', 'speaking') ORDER BY id",
                   error, 1, session_id);
}

json_t *
rc_store_speakers_log(rc_store *store, gint64 session_id, GError **error)
{
  return rows_ints(store,
                   "SELECT s.user_id, u.full_name, s.agenda_item_id, a.title AS agenda_title, s.requested_at,"
                   " s.granted_at, s.ended_at, s.seconds, s.limit_seconds FROM speakers s"
                   " JOIN users u ON u.id = s.user_id LEFT JOIN agenda_items a ON a.id = s.agenda_item_id"
                   " WHERE s.session_id = ? AND s.status = 'done' ORDER BY s.granted_at, s.id",
                   error, 1, session_id);
}

/* ---- votes ---- */

gint64
rc_store_vote_create(rc_store *store, gint64 session_id, gint64 item_id, const char *question, json_t *options,
                     gboolean secret, gboolean allow_change, const char *closes_at, gint64 opened_by,
                     GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(
      store,
      "INSERT INTO votes (session_id, agenda_item_id, question, options, secret, allow_change, opened_by,"
      " opened_at, closes_at) VALUES (?, nullif(?, 0), ?, ?, ?, ?, nullif(?, 0), ?, ?)",
      error);
  if (!stmt)
    return 0;
  g_autofree char *opts = json_dumps(options, JSON_COMPACT);
  g_autofree char *now = rc_store_now();
  sqlite3_bind_int64(stmt, 1, session_id);
  sqlite3_bind_int64(stmt, 2, item_id);
  sqlite3_bind_text(stmt, 3, question, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt, 4, opts, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(stmt, 5, secret);
  sqlite3_bind_int(stmt, 6, allow_change);
  sqlite3_bind_int64(stmt, 7, opened_by);
  sqlite3_bind_text(stmt, 8, now, -1, SQLITE_TRANSIENT);
  if (closes_at)
    sqlite3_bind_text(stmt, 9, closes_at, -1, SQLITE_TRANSIENT);
  if (!rc_store_exec_stmt(store, stmt, error))
    return 0;
  return sqlite3_last_insert_rowid(store->db);
}

gboolean
rc_store_ballot_put(rc_store *store, gint64 vote_id, gint64 user_id, int option, const char *ballot_key,
                    GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store,
                                     "INSERT INTO ballots (vote_id, user_id, option, cast_at, ballot_key)"
                                     " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (vote_id, user_id) DO UPDATE SET"
                                     " option = excluded.option, cast_at = excluded.cast_at,"
                                     " ballot_key = excluded.ballot_key",
                                     error);
  if (!stmt)
    return FALSE;
  g_autofree char *now = rc_store_now();
  sqlite3_bind_int64(stmt, 1, vote_id);
  sqlite3_bind_int64(stmt, 2, user_id);
  sqlite3_bind_int(stmt, 3, option);
  sqlite3_bind_text(stmt, 4, now, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt, 5, ballot_key ? ballot_key : "", -1, SQLITE_TRANSIENT);
  if (!rc_store_begin(store, error))
    return FALSE;
  gboolean ok = rc_store_exec_stmt(store, stmt, error);
  if (ok && ballot_key && *ballot_key) {
    sqlite3_stmt *k = rc_store_stmt(store, "INSERT OR IGNORE INTO ballot_keys VALUES (?, ?, ?)", error);
    ok = k != NULL;
    if (ok) {
      sqlite3_bind_int64(k, 1, vote_id);
      sqlite3_bind_int64(k, 2, user_id);
      sqlite3_bind_text(k, 3, ballot_key, -1, SQLITE_TRANSIENT);
      ok = rc_store_exec_stmt(store, k, error);
    }
  }
  if (!ok || !rc_store_commit(store, error)) {
    rc_store_rollback(store);
    return FALSE;
  }
  return TRUE;
}

gboolean
rc_store_ballot_key_used(rc_store *store, gint64 vote_id, gint64 user_id, const char *ballot_key)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, "SELECT count(*) FROM ballot_keys WHERE vote_id = ? AND user_id = ?"
                                            " AND ballot_key = ?", NULL);
  if (!stmt)
    return FALSE;
  sqlite3_bind_int64(stmt, 1, vote_id);
  sqlite3_bind_int64(stmt, 2, user_id);
  sqlite3_bind_text(stmt, 3, ballot_key, -1, SQLITE_TRANSIENT);
  return rc_store_scalar(store, stmt, 0) > 0;
}

gboolean
rc_store_secret_ballots_seal(rc_store *store, gint64 vote_id, GPtrArray *group, GError **error)
{
  g_autoptr(GArray) totals = g_array_new(FALSE, TRUE, sizeof(gint64));
  for (guint i = 0; i < group->len; i++) {
    rc_secret_ballot *b = group->pdata[i];
    if ((guint)b->option >= totals->len)
      g_array_set_size(totals, (guint)b->option + 1);
    g_array_index(totals, gint64, b->option)++;
  }
  if (!rc_store_begin(store, error))
    return FALSE;
  gboolean ok = TRUE;
  for (guint i = 0; ok && i < group->len; i++) {
    rc_secret_ballot *b = group->pdata[i];
    sqlite3_stmt *stmt = rc_store_stmt(store, "INSERT INTO voted (vote_id, user_id, ballot_key) VALUES (?, ?, ?)", error);
    ok = stmt != NULL;
    if (ok) {
      sqlite3_bind_int64(stmt, 1, vote_id);
      sqlite3_bind_int64(stmt, 2, b->user_id);
      sqlite3_bind_text(stmt, 3, b->ballot_key, -1, SQLITE_TRANSIENT);
      ok = rc_store_exec_stmt(store, stmt, error);
    }
  }
  for (guint option = 0; ok && option < totals->len; option++)
    if (g_array_index(totals, gint64, option) > 0)
      ok = exec_ints(store,
                     "INSERT INTO secret_tally (vote_id, option, count) VALUES (?1, ?2, ?3)"
                     " ON CONFLICT (vote_id, option) DO UPDATE SET count = count + excluded.count",
                     error, 3, vote_id, (gint64)option, g_array_index(totals, gint64, option));
  if (!ok || !rc_store_commit(store, error)) {
    rc_store_rollback(store);
    return FALSE;
  }
  return TRUE;
}

char *
rc_store_secret_ballot_key(rc_store *store, gint64 vote_id, gint64 user_id)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, "SELECT ballot_key FROM voted WHERE vote_id = ? AND user_id = ?", NULL);
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, vote_id);
  sqlite3_bind_int64(stmt, 2, user_id);
  char *key = sqlite3_step(stmt) == SQLITE_ROW ? g_strdup((const char *)sqlite3_column_text(stmt, 0)) : NULL;
  sqlite3_reset(stmt);
  return key;
}

gboolean
rc_store_vote_close(rc_store *store, gint64 vote_id, json_t *result, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(
      store, "UPDATE votes SET status = 'closed', closed_at = ?, result = ? WHERE id = ? AND status = 'open'", error);
  if (!stmt)
    return FALSE;
  g_autofree char *now = rc_store_now();
  g_autofree char *text = json_dumps(result, JSON_COMPACT);
  sqlite3_bind_text(stmt, 1, now, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt, 2, text, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(stmt, 3, vote_id);
  return rc_store_exec_stmt(store, stmt, error);
}

/* "options" and "result" are stored as JSON text: parse them in place. */
static void
parse_vote_json(json_t *vote)
{
  const char *keys[] = {"options", "result"};
  for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
    const char *text = json_string_value(json_object_get(vote, keys[i]));
    json_t *parsed = text ? json_loads(text, 0, NULL) : NULL;
    json_object_set_new(vote, keys[i], parsed ? parsed : json_null());
  }
}

#define VOTE_COLUMNS \
  "id, session_id, agenda_item_id, question, options, secret, allow_change, status, opened_at, closes_at," \
  " closed_at, result"

json_t *
rc_store_votes_list(rc_store *store, gint64 session_id, GError **error)
{
  json_t *rows = rows_ints(store, "SELECT " VOTE_COLUMNS " FROM votes WHERE session_id = ? ORDER BY id DESC",
                           error, 1, session_id);
  size_t i;
  json_t *v;
  json_array_foreach(rows, i, v) parse_vote_json(v);
  return rows;
}

json_t *
rc_store_vote_get(rc_store *store, gint64 vote_id, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, "SELECT " VOTE_COLUMNS " FROM votes WHERE id = ?", error);
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, vote_id);
  json_t *vote = rc_store_row(store, stmt, "vote", error);
  if (vote)
    parse_vote_json(vote);
  return vote;
}

json_t *
rc_store_votes_open(rc_store *store, GError **error)
{
  return rows_ints(store, "SELECT id, session_id FROM votes WHERE status = 'open' ORDER BY id", error, 0);
}

json_t *
rc_store_vote_ballots(rc_store *store, gint64 vote_id, GError **error)
{
  return rows_ints(store, "SELECT user_id, option FROM ballots WHERE vote_id = ?", error, 1, vote_id);
}

json_t *
rc_store_vote_voters(rc_store *store, gint64 vote_id, GError **error)
{
  return rows_ints(store, "SELECT user_id FROM voted WHERE vote_id = ?", error, 1, vote_id);
}

json_t *
rc_store_vote_tally(rc_store *store, gint64 vote_id, GError **error)
{
  return rows_ints(store, "SELECT option, count FROM secret_tally WHERE vote_id = ?", error, 1, vote_id);
}

/* ---- floor ---- */

gboolean
rc_store_floor_log(rc_store *store, gint64 session_id, gint64 site_id, gint64 user_id, gint64 granted_by,
                   GError **error)
{
  return exec_with_now(store,
                       "INSERT INTO floor_log (session_id, site_id, user_id, granted_by, granted_at)"
                       " VALUES (?2, nullif(?3, 0), nullif(?4, 0), nullif(?5, 0), ?1)",
                       error, session_id, site_id, user_id, granted_by);
}

gboolean
rc_store_floor_switched(rc_store *store, gint64 session_id, gint64 switched_ms, GError **error)
{
  return exec_ints(store,
                   "UPDATE floor_log SET switched_ms = ?1 WHERE id = (SELECT max(id) FROM floor_log"
                   " WHERE session_id = ?2) AND switched_ms IS NULL",
                   error, 2, switched_ms, session_id);
}

json_t *
rc_store_floor_list(rc_store *store, gint64 session_id, GError **error)
{
  return rows_ints(store,
                   "SELECT f.site_id, s.code AS site_code, s.name AS site_name, f.user_id, f.granted_by,"
                   " f.granted_at, f.switched_ms FROM floor_log f LEFT JOIN sites s ON s.id = f.site_id"
                   " WHERE f.session_id = ? ORDER BY f.id",
                   error, 1, session_id);
}

/* ---- notes ---- */

gboolean
rc_store_note_put(rc_store *store, gint64 user_id, gint64 document_id, int page, const char *text, GError **error)
{
  if (!*text)
    return exec_ints(store, "DELETE FROM notes WHERE user_id = ? AND document_id = ? AND page = ?", error, 3, user_id,
                     document_id, (gint64)page);
  sqlite3_stmt *stmt = rc_store_stmt(
      store,
      "INSERT INTO notes (user_id, document_id, page, text, updated_at) VALUES (?, ?, ?, ?, ?)"
      " ON CONFLICT (user_id, document_id, page) DO UPDATE SET text = excluded.text,"
      " updated_at = excluded.updated_at",
      error);
  if (!stmt)
    return FALSE;
  g_autofree char *now = rc_store_now();
  sqlite3_bind_int64(stmt, 1, user_id);
  sqlite3_bind_int64(stmt, 2, document_id);
  sqlite3_bind_int(stmt, 3, page);
  sqlite3_bind_text(stmt, 4, text, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt, 5, now, -1, SQLITE_TRANSIENT);
  return rc_store_exec_stmt(store, stmt, error);
}

json_t *
rc_store_notes_list(rc_store *store, gint64 user_id, gint64 document_id, GError **error)
{
  return rows_ints(store,
                   "SELECT n.document_id, d.title AS document_title, s.title AS session_title, n.page, n.text,"
                   " n.updated_at FROM notes n JOIN documents d ON d.id = n.document_id"
                   " JOIN agenda_items a ON a.id = d.agenda_item_id JOIN sessions s ON s.id = a.session_id"
                   " WHERE n.user_id = ?1 AND (?2 = 0 OR n.document_id = ?2)"
                   " ORDER BY s.starts_at, d.id, n.page",
                   error, 2, user_id, document_id);
}
