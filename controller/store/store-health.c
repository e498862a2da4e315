/* store-health — what technicians need kept: alarms (raised, cleared,
 * acknowledged by whom), every change of a site's health, each site's calls
 * in a session (the site attendance, with a media summary and, for a SIP
 * site, its SIP call's story from store-sip.c), and pre-session check
 * results. */
#define G_LOG_DOMAIN "roomctl-store"
#include "store/store-private.h"

static sqlite3_stmt *
prepared(rc_store *store, const char *sql, GError **error, const char *fmt, ...)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, sql, error);
  if (!stmt)
    return NULL;
  va_list args;
  va_start(args, fmt);
  for (int i = 0; fmt[i]; i++) {
    if (fmt[i] == 'i')
      sqlite3_bind_int64(stmt, i + 1, va_arg(args, gint64));
    else if (fmt[i] == 'd')
      sqlite3_bind_double(stmt, i + 1, va_arg(args, double));
    else {
      const char *s = va_arg(args, const char *);
      if (s)
        sqlite3_bind_text(stmt, i + 1, s, -1, SQLITE_TRANSIENT);
    }
  }
  va_end(args);
  return stmt;
}

gint64
rc_store_alarm_raise(rc_store *store, gint64 session_id, gint64 site_id, const char *kind, const char *reason,
                     GError **error)
{
  g_autofree char *now = rc_store_now();
  sqlite3_stmt *stmt = prepared(store,
                                "INSERT INTO alarms (session_id, site_id, kind, reason, raised_at)"
                                " VALUES (nullif(?1, 0), nullif(?2, 0), ?3, ?4, ?5)",
                                error, "iisss", session_id, site_id, kind, reason, now);
  return stmt && rc_store_exec_stmt(store, stmt, error) ? sqlite3_last_insert_rowid(store->db) : 0;
}

gint64
rc_store_alarm_clear(rc_store *store, gint64 session_id, gint64 site_id, const char *kind, GError **error)
{
  sqlite3_stmt *find = prepared(store,
                                "SELECT max(id) FROM alarms WHERE coalesce(session_id, 0) = ?1 AND"
                                " coalesce(site_id, 0) = ?2 AND kind = ?3 AND cleared_at IS NULL",
                                error, "iis", session_id, site_id, kind);
  gint64 id = find ? rc_store_scalar(store, find, 0) : 0;
  if (!id)
    return 0;
  g_autofree char *now = rc_store_now();
  sqlite3_stmt *stmt = prepared(store, "UPDATE alarms SET cleared_at = ?1 WHERE id = ?2", error, "si", now, id);
  return stmt && rc_store_exec_stmt(store, stmt, error) ? id : 0;
}

#define ALARM_COLUMNS \
  "a.id, a.session_id, a.site_id, s.code AS site_code, s.name AS site_name, a.kind, a.reason, a.raised_at," \
  " a.cleared_at, a.acked_by, u.full_name AS acked_by_name, a.acked_at"
#define ALARM_FROM " FROM alarms a LEFT JOIN sites s ON s.id = a.site_id LEFT JOIN users u ON u.id = a.acked_by"

json_t *
rc_store_alarm_get(rc_store *store, gint64 alarm_id, GError **error)
{
  sqlite3_stmt *stmt = prepared(store, "SELECT " ALARM_COLUMNS ALARM_FROM " WHERE a.id = ?1", error, "i", alarm_id);
  return stmt ? rc_store_row(store, stmt, "alarm", error) : NULL;
}

json_t *
rc_store_alarm_ack(rc_store *store, gint64 alarm_id, gint64 user_id, GError **error)
{
  g_autoptr(json_t) alarm = rc_store_alarm_get(store, alarm_id, error);
  if (!alarm)
    return NULL;
  if (!json_is_null(json_object_get(alarm, "acked_at"))) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "already acknowledged by %s at %s",
                json_string_value(json_object_get(alarm, "acked_by_name")),
                json_string_value(json_object_get(alarm, "acked_at")));
    return NULL;
  }
  g_autofree char *now = rc_store_now();
  sqlite3_stmt *stmt = prepared(store, "UPDATE alarms SET acked_by = ?1, acked_at = ?2 WHERE id = ?3 AND acked_at IS NULL",
                                error, "isi", user_id, now, alarm_id);
  if (!stmt || !rc_store_exec_stmt(store, stmt, error))
    return NULL;
  return rc_store_alarm_get(store, alarm_id, error);
}

json_t *
rc_store_alarms_list(rc_store *store, gint64 session_id, gboolean active_only, int limit, GError **error)
{
  sqlite3_stmt *stmt = prepared(store,
                                "SELECT " ALARM_COLUMNS ALARM_FROM " WHERE (?1 = 0 OR a.session_id = ?1)"
                                " AND (?2 = 0 OR a.cleared_at IS NULL OR a.acked_at IS NULL) ORDER BY a.id DESC LIMIT ?3",
                                error, "iii", session_id, (gint64)active_only, (gint64)limit);
  return stmt ? rc_store_rows(store, stmt, error) : NULL;
}

gboolean
rc_store_health_event(rc_store *store, gint64 session_id, gint64 site_id, const char *from, const char *to,
                      const char *reason, GError **error)
{
  g_autofree char *now = rc_store_now();
  sqlite3_stmt *stmt = prepared(store,
                                "INSERT INTO site_health_events (session_id, site_id, at, from_state, to_state, reason)"
                                " VALUES (nullif(?1, 0), ?2, ?3, ?4, ?5, ?6)",
                                error, "iissss", session_id, site_id, now, from, to, reason);
  return stmt && rc_store_exec_stmt(store, stmt, error);
}

gboolean
rc_store_site_call_open(rc_store *store, gint64 session_id, gint64 site_id, GError **error)
{
  sqlite3_stmt *open = prepared(store,
                                "SELECT count(*) FROM site_calls WHERE session_id = ?1 AND site_id = ?2 AND left_at IS NULL",
                                error, "ii", session_id, site_id);
  if (!open)
    return FALSE;
  if (rc_store_scalar(store, open, 0) > 0)
    return TRUE;
  g_autofree char *now = rc_store_now();
  sqlite3_stmt *stmt = prepared(store, "INSERT INTO site_calls (session_id, site_id, joined_at) VALUES (?1, ?2, ?3)",
                                error, "iis", session_id, site_id, now);
  return stmt && rc_store_exec_stmt(store, stmt, error);
}

gboolean
rc_store_site_call_close(rc_store *store, gint64 session_id, gint64 site_id, const char *reason, gint64 packets,
                         gint64 lost, double jitter_ms, double kbps, gint64 freezes, GError **error)
{
  g_autofree char *now = rc_store_now();
  sqlite3_stmt *stmt = prepared(store,
                                "UPDATE site_calls SET left_at = ?1, left_reason = ?2, packets = ?3, lost = ?4,"
                                " jitter_ms = ?5, kbps = ?6, freezes = ?7 WHERE session_id = ?8 AND site_id = ?9"
                                " AND left_at IS NULL",
                                error, "ssiiddiii", now, reason, packets, lost, jitter_ms, kbps, freezes, session_id,
                                site_id);
  return stmt && rc_store_exec_stmt(store, stmt, error);
}

json_t *
rc_store_site_calls(rc_store *store, gint64 session_id, GError **error)
{
  sqlite3_stmt *stmt = prepared(
      store,
      "SELECT c.site_id, s.code, s.name, s.level, c.joined_at, c.left_at, c.left_reason,"
      " CAST(round((julianday(coalesce(c.left_at, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))) - julianday(c.joined_at))"
      " * 86400) AS INTEGER) AS seconds, c.packets, c.lost, round(c.jitter_ms, 2) AS jitter_ms,"
      " round(c.kbps, 1) AS kbps, c.freezes, p.id AS sip_id, p.direction AS sip_direction,"
      " p.connected_at AS sip_connected_at, p.ended_at AS sip_ended_at, p.ended_by AS sip_ended_by,"
      " p.cause_status AS sip_cause_status, p.cause_phrase AS sip_cause_phrase,"
      " CASE WHEN p.cause_status IS NULL THEN NULL ELSE trim(p.cause_status || ' ' || coalesce(p.cause_phrase, ''))"
      " END AS sip_cause"
      " FROM site_calls c JOIN sites s ON s.id = c.site_id"
      " LEFT JOIN sip_calls p ON p.id = (SELECT q.id FROM sip_calls q WHERE q.session_id = c.session_id"
      "   AND q.site_id = c.site_id AND q.connected_at IS NOT NULL AND q.connected_at <= coalesce(c.left_at, '9')"
      "   AND (q.ended_at IS NULL OR q.ended_at >= c.joined_at) ORDER BY q.connected_at DESC, q.id DESC LIMIT 1)"
      " WHERE c.session_id = ?1 ORDER BY s.code, c.id",
      error, "i", session_id);
  json_t *rows = stmt ? rc_store_rows(store, stmt, error) : NULL;
  if (rows)
    rc_store_sip_story_nest(rows);
  return rows;
}

gint64
rc_store_site_check_start(rc_store *store, gint64 session_id, gint64 user_id, GError **error)
{
  g_autofree char *now = rc_store_now();
  sqlite3_stmt *stmt = prepared(store, "INSERT INTO site_checks (session_id, started_at, run_by) VALUES (?1, ?2, nullif(?3, 0))",
                                error, "isi", session_id, now, user_id);
  return stmt && rc_store_exec_stmt(store, stmt, error) ? sqlite3_last_insert_rowid(store->db) : 0;
}

gboolean
rc_store_site_check_finish(rc_store *store, gint64 check_id, json_t *result, GError **error)
{
  g_autofree char *now = rc_store_now();
  g_autofree char *text = json_dumps(result, JSON_COMPACT);
  sqlite3_stmt *stmt = prepared(store, "UPDATE site_checks SET finished_at = ?1, result = ?2 WHERE id = ?3", error,
                                "ssi", now, text, check_id);
  return stmt && rc_store_exec_stmt(store, stmt, error);
}

json_t *
rc_store_site_checks(rc_store *store, gint64 session_id, GError **error)
{
  sqlite3_stmt *stmt = prepared(store,
                                "SELECT id, session_id, started_at, finished_at, run_by, result FROM site_checks"
                                " WHERE session_id = ?1 ORDER BY id DESC",
                                error, "i", session_id);
  json_t *rows = stmt ? rc_store_rows(store, stmt, error) : NULL;
  size_t i;
  json_t *r;
  json_array_foreach(rows, i, r) {
    const char *text = json_string_value(json_object_get(r, "result"));
    json_t *parsed = text ? json_loads(text, 0, NULL) : NULL;
    json_object_set_new(r, "result", parsed ? parsed : json_null());
  }
  return rows;
}
