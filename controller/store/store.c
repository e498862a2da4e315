/* store — opens the database, migrates the schema, and holds the statement
 * cache and row helpers the store-*.c files use. Owns sqlite3 *. */
#define G_LOG_DOMAIN "roomctl-store"
#include "store/store-private.h"
#include "store/backup.h"

#include <errno.h>
#include <glib/gstdio.h>

/* Each entry migrates the schema from version i to i + 1. Never edit a
 * released entry: append a new one. */
static const char *const migrations[] = {
  /* 1: the foundation */
  "CREATE TABLE users ("
  "  id INTEGER PRIMARY KEY,"
  "  username TEXT NOT NULL UNIQUE COLLATE NOCASE,"
  "  full_name TEXT NOT NULL,"
  "  role TEXT NOT NULL CHECK (role IN ('admin','secretariat','chair','delegate','technician')),"
  "  password_hash TEXT NOT NULL,"
  "  title TEXT NOT NULL DEFAULT '',"
  "  unit TEXT NOT NULL DEFAULT '',"
  "  active BOOLEAN NOT NULL DEFAULT 1,"
  "  created_at TEXT NOT NULL);"
  "CREATE TABLE tokens ("
  "  token_hash TEXT PRIMARY KEY,"
  "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
  "  created_at TEXT NOT NULL,"
  "  expires_unix INTEGER NOT NULL);"
  "CREATE TABLE sites ("
  "  id INTEGER PRIMARY KEY,"
  "  code TEXT NOT NULL UNIQUE,"
  "  name TEXT NOT NULL,"
  "  level TEXT NOT NULL CHECK (level IN ('province','district','commune','department')),"
  "  parent_id INTEGER REFERENCES sites(id) ON DELETE RESTRICT,"
  "  transport TEXT NOT NULL DEFAULT 'rtp' CHECK (transport IN ('rtp','rtsp','srt')),"
  "  address TEXT NOT NULL DEFAULT '');"
  "CREATE INDEX sites_parent ON sites(parent_id);"
  "CREATE TABLE sessions ("
  "  id INTEGER PRIMARY KEY,"
  "  title TEXT NOT NULL,"
  "  room TEXT NOT NULL DEFAULT '',"
  "  description TEXT NOT NULL DEFAULT '',"
  "  starts_at TEXT NOT NULL,"
  "  ends_at TEXT NOT NULL,"
  "  status TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled','live','ended')),"
  "  started_at TEXT,"
  "  ended_at TEXT,"
  "  created_at TEXT NOT NULL,"
  "  updated_at TEXT NOT NULL);"
  "CREATE TABLE agenda_items ("
  "  id INTEGER PRIMARY KEY,"
  "  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
  "  parent_id INTEGER REFERENCES agenda_items(id) ON DELETE CASCADE,"
  "  position INTEGER NOT NULL,"
  "  title TEXT NOT NULL,"
  "  presenter TEXT NOT NULL DEFAULT '',"
  "  planned_minutes INTEGER NOT NULL DEFAULT 0);"
  "CREATE INDEX agenda_items_session ON agenda_items(session_id, parent_id, position);"
  "CREATE TABLE documents ("
  "  id INTEGER PRIMARY KEY,"
  "  agenda_item_id INTEGER NOT NULL REFERENCES agenda_items(id) ON DELETE CASCADE,"
  "  title TEXT NOT NULL,"
  "  filename TEXT NOT NULL,"
  "  sha256 TEXT NOT NULL,"
  "  size INTEGER NOT NULL,"
  "  pages INTEGER NOT NULL,"
  "  confidential BOOLEAN NOT NULL DEFAULT 0,"
  "  uploaded_by INTEGER REFERENCES users(id) ON DELETE SET NULL,"
  "  uploaded_at TEXT NOT NULL);"
  "CREATE INDEX documents_item ON documents(agenda_item_id);"
  "CREATE INDEX documents_sha ON documents(sha256);"
  "CREATE TABLE session_delegates ("
  "  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
  "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
  "  PRIMARY KEY (session_id, user_id)) WITHOUT ROWID;"
  "CREATE TABLE session_sites ("
  "  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
  "  site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,"
  "  PRIMARY KEY (session_id, site_id)) WITHOUT ROWID;"
  "CREATE TABLE attendance ("
  "  id INTEGER PRIMARY KEY,"
  "  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
  "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
  "  event TEXT NOT NULL CHECK (event IN ('in','out')),"
  "  method TEXT NOT NULL,"
  "  at TEXT NOT NULL);"
  "CREATE INDEX attendance_by_user ON attendance(session_id, user_id, id);"
  "CREATE TABLE audit_log ("
  "  id INTEGER PRIMARY KEY,"
  "  at TEXT NOT NULL,"
  "  user_id INTEGER,"
  "  action TEXT NOT NULL,"
  "  target TEXT NOT NULL DEFAULT '',"
  "  detail TEXT NOT NULL DEFAULT '');"
  "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
  "  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"
  "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
  "  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;",
  /* 2: the live meeting: presentation, speakers, votes, notes */
  "ALTER TABLE agenda_items ADD COLUMN speaking_seconds INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE sessions ADD COLUMN current_item_id INTEGER REFERENCES agenda_items(id) ON DELETE SET NULL;"
  "ALTER TABLE sessions ADD COLUMN presented_document_id INTEGER REFERENCES documents(id) ON DELETE SET NULL;"
  "ALTER TABLE sessions ADD COLUMN presented_page INTEGER NOT NULL DEFAULT 1;"
  "CREATE TABLE speakers ("
  "  id INTEGER PRIMARY KEY,"
  "  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
  "  agenda_item_id INTEGER REFERENCES agenda_items(id) ON DELETE SET NULL,"
  "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
  "  status TEXT NOT NULL CHECK (status IN ('queued','withdrawn','speaking','done')),"
  "  requested_at TEXT,"
  "  granted_at TEXT,"
  "  ended_at TEXT,"
  "  seconds INTEGER,"
  "  limit_seconds INTEGER NOT NULL DEFAULT 0);"
  "CREATE INDEX speakers_session ON speakers(session_id, status);"
  "CREATE TABLE votes ("
  "  id INTEGER PRIMARY KEY,"
  "  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
  "  agenda_item_id INTEGER REFERENCES agenda_items(id) ON DELETE SET NULL,"
  "  question TEXT NOT NULL,"
  "  options TEXT NOT NULL,"
  "  secret BOOLEAN NOT NULL,"
  "  allow_change BOOLEAN NOT NULL,"
  "  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','closed')),"
  "  opened_by INTEGER REFERENCES users(id) ON DELETE SET NULL,"
  "  opened_at TEXT NOT NULL,"
  "  closes_at TEXT,"
  "  closed_at TEXT,"
  "  result TEXT);"
  "CREATE INDEX votes_session ON votes(session_id, status);"
  /* Open votes: who chose what. */
  "CREATE TABLE ballots ("
  "  vote_id INTEGER NOT NULL REFERENCES votes(id) ON DELETE CASCADE,"
  "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
  "  option INTEGER NOT NULL,"
  "  cast_at TEXT NOT NULL,"
  "  PRIMARY KEY (vote_id, user_id)) WITHOUT ROWID;"
  /* Secret votes: who voted (no time) and, apart, the counts per option;
   * written only in groups of >= k ballots, voters in shuffled order
   * (ballot-box.h), so no row, column, commit or cell order links the two. */
  "CREATE TABLE voted ("
  "  vote_id INTEGER NOT NULL REFERENCES votes(id) ON DELETE CASCADE,"
  "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
  "  ballot_key TEXT NOT NULL,"
  "  PRIMARY KEY (vote_id, user_id)) WITHOUT ROWID;"
  "CREATE TABLE secret_tally ("
  "  vote_id INTEGER NOT NULL REFERENCES votes(id) ON DELETE CASCADE,"
  "  option INTEGER NOT NULL,"
  "  count INTEGER NOT NULL,"
  "  PRIMARY KEY (vote_id, option)) WITHOUT ROWID;"
  "CREATE TABLE notes ("
  "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
  "  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,"
  "  page INTEGER NOT NULL,"
  "  text TEXT NOT NULL,"
  "  updated_at TEXT NOT NULL,"
  "  PRIMARY KEY (user_id, document_id, page)) WITHOUT ROWID;",
  /* 3: the media: a delegate's home site, and who held the floor */
  "ALTER TABLE users ADD COLUMN site_id INTEGER REFERENCES sites(id) ON DELETE SET NULL;"
  "CREATE TABLE floor_log ("
  "  id INTEGER PRIMARY KEY,"
  "  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
  "  site_id INTEGER REFERENCES sites(id) ON DELETE SET NULL,"
  "  user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,"
  "  granted_by INTEGER REFERENCES users(id) ON DELETE SET NULL,"
  "  granted_at TEXT NOT NULL,"
  "  switched_ms INTEGER);"
  "CREATE INDEX floor_log_session ON floor_log(session_id, id);",
  /* 4: technicians: alarms, health changes, site call records, pre-session checks */
  "CREATE TABLE alarms ("
  "  id INTEGER PRIMARY KEY,"
  "  session_id INTEGER REFERENCES sessions(id) ON DELETE CASCADE,"
  "  site_id INTEGER REFERENCES sites(id) ON DELETE CASCADE,"
  "  kind TEXT NOT NULL,"
  "  reason TEXT NOT NULL DEFAULT '',"
  "  raised_at TEXT NOT NULL,"
  "  cleared_at TEXT,"
  "  acked_by INTEGER REFERENCES users(id) ON DELETE SET NULL,"
  "  acked_at TEXT);"
  "CREATE INDEX alarms_open ON alarms(session_id, site_id, kind, cleared_at);"
  "CREATE TABLE site_health_events ("
  "  id INTEGER PRIMARY KEY,"
  "  session_id INTEGER REFERENCES sessions(id) ON DELETE CASCADE,"
  "  site_id INTEGER REFERENCES sites(id) ON DELETE CASCADE,"
  "  at TEXT NOT NULL,"
  "  from_state TEXT NOT NULL,"
  "  to_state TEXT NOT NULL,"
  "  reason TEXT NOT NULL DEFAULT '');"
  "CREATE INDEX site_health_events_session ON site_health_events(session_id, site_id, id);"
  "CREATE TABLE site_calls ("
  "  id INTEGER PRIMARY KEY,"
  "  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
  "  site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,"
  "  joined_at TEXT NOT NULL,"
  "  left_at TEXT,"
  "  left_reason TEXT,"
  "  packets INTEGER NOT NULL DEFAULT 0,"
  "  lost INTEGER NOT NULL DEFAULT 0,"
  "  jitter_ms REAL NOT NULL DEFAULT 0,"
  "  kbps REAL NOT NULL DEFAULT 0,"
  "  freezes INTEGER NOT NULL DEFAULT 0);"
  "CREATE INDEX site_calls_session ON site_calls(session_id, site_id, id);"
  "ALTER TABLE ballots ADD COLUMN ballot_key TEXT NOT NULL DEFAULT '';"
  /* Every key an open-vote voter used: a late resend of an old ballot is known. */
  "CREATE TABLE ballot_keys ("
  "  vote_id INTEGER NOT NULL REFERENCES votes(id) ON DELETE CASCADE,"
  "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
  "  ballot_key TEXT NOT NULL,"
  "  PRIMARY KEY (vote_id, user_id, ballot_key)) WITHOUT ROWID;"
  "CREATE TABLE site_checks ("
  "  id INTEGER PRIMARY KEY,"
  "  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
  "  started_at TEXT NOT NULL,"
  "  finished_at TEXT,"
  "  run_by INTEGER REFERENCES users(id) ON DELETE SET NULL,"
  "  result TEXT);",
  /* 5: the audit log's hash chain (rows before it are chained here, in id
   * order, by the rc_audit_hash SQL function of store-audit.c); confidential
   * documents' readers; what a document's digital signatures say. */
  "ALTER TABLE audit_log ADD COLUMN hash TEXT;"
  "DROP TRIGGER audit_log_no_update;"
  "CREATE TEMP TABLE audit_chain AS"
  "  WITH RECURSIVE chain(id, hash) AS ("
  "    SELECT id, rc_audit_hash(NULL, id, at, user_id, action, target, detail) FROM audit_log"
  "      WHERE id = (SELECT min(id) FROM audit_log)"
  "    UNION ALL"
  "    SELECT a.id, rc_audit_hash(c.hash, a.id, a.at, a.user_id, a.action, a.target, a.detail)"
  "      FROM chain c JOIN audit_log a ON a.id = (SELECT min(id) FROM audit_log WHERE id > c.id))"
  "  SELECT id, hash FROM chain;"
  "UPDATE audit_log SET hash = (SELECT hash FROM temp.audit_chain t WHERE t.id = audit_log.id);"
  "DROP TABLE temp.audit_chain;"
  "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
  "  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"
  "CREATE TRIGGER audit_log_chained BEFORE INSERT ON audit_log WHEN NEW.hash IS NULL"
  "  BEGIN SELECT RAISE(ABORT, 'audit_log rows must be chained (rc_store_audit)'); END;"
  "CREATE TABLE document_readers ("
  "  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,"
  "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
  "  PRIMARY KEY (document_id, user_id)) WITHOUT ROWID;"
  "ALTER TABLE documents ADD COLUMN signatures TEXT;",
  /* 6: records: when each agenda item became the current one (NULL = none),
   * so that the minutes can say when an item started and ended. */
  "CREATE TABLE agenda_log ("
  "  id INTEGER PRIMARY KEY,"
  "  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
  "  agenda_item_id INTEGER REFERENCES agenda_items(id) ON DELETE SET NULL,"
  "  at TEXT NOT NULL);"
  "CREATE INDEX agenda_log_session ON agenda_log(session_id, id);",
  /* 7: calendar feeds: one secret token per user (only its SHA-256),
   * for calendar apps that cannot send a bearer header */
  "CREATE TABLE calendar_tokens ("
  "  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
  "  token_hash TEXT NOT NULL UNIQUE,"
  "  created_at TEXT NOT NULL);",
  /* 8: a site's own media settings; NULL = the [media] default */
  "ALTER TABLE sites ADD COLUMN h264_payload_type INTEGER CHECK (h264_payload_type BETWEEN 96 AND 127);"
  "ALTER TABLE sites ADD COLUMN opus_payload_type INTEGER CHECK (opus_payload_type BETWEEN 96 AND 127);"
  "ALTER TABLE sites ADD COLUMN video_cap_kbps INTEGER CHECK (video_cap_kbps BETWEEN 0 AND 1000000);"
  "ALTER TABLE sites ADD COLUMN audio_cap_kbps INTEGER CHECK (audio_cap_kbps BETWEEN 0 AND 100000);",
  /* 9: organisations: the province's units, each owning its rooms, staff,
   * delegates, sites and sessions. What existed goes into the province
   * (id 1; its empty name shows as [meeting] organisation), and the staff
   * who saw everything keep seeing everything (include_children). The
   * owner columns have no REFERENCES: SQLite adds a column with a foreign
   * key only with a NULL default; store-organisations.c checks them. */
  "CREATE TABLE organisations ("
  "  id INTEGER PRIMARY KEY,"
  "  code TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(code) BETWEEN 1 AND 32),"
  "  name TEXT NOT NULL,"
  "  kind TEXT NOT NULL CHECK (kind IN ('province','council','committee','department','district','commune','board')),"
  "  parent_id INTEGER REFERENCES organisations(id) ON DELETE RESTRICT,"
  "  CHECK ((parent_id IS NULL) = (kind = 'province')));"
  "CREATE INDEX organisations_parent ON organisations(parent_id);"
  "INSERT INTO organisations (id, code, name, kind) VALUES (1, 'TINH', '', 'province');"
  "CREATE TABLE rooms ("
  "  id INTEGER PRIMARY KEY,"
  "  organisation_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE RESTRICT,"
  "  name TEXT NOT NULL,"
  "  site_id INTEGER REFERENCES sites(id) ON DELETE SET NULL,"
  "  UNIQUE (organisation_id, name));"
  "CREATE TABLE session_organisations ("
  "  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
  "  organisation_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,"
  "  PRIMARY KEY (session_id, organisation_id)) WITHOUT ROWID;"
  "ALTER TABLE users ADD COLUMN organisation_id INTEGER NOT NULL DEFAULT 1;"
  "ALTER TABLE users ADD COLUMN include_children BOOLEAN NOT NULL DEFAULT 0;"
  "UPDATE users SET include_children = 1 WHERE role IN ('secretariat', 'chair', 'technician');"
  "ALTER TABLE sites ADD COLUMN organisation_id INTEGER NOT NULL DEFAULT 1;"
  "ALTER TABLE sessions ADD COLUMN organisation_id INTEGER NOT NULL DEFAULT 1;"
  "ALTER TABLE sessions ADD COLUMN room_id INTEGER;"
  "CREATE INDEX users_organisation ON users(organisation_id);"
  "CREATE INDEX sites_organisation ON sites(organisation_id);"
  "CREATE INDEX sessions_organisation ON sessions(organisation_id);"
  "CREATE TRIGGER rooms_gone AFTER DELETE ON rooms"
  "  BEGIN UPDATE sessions SET room_id = NULL WHERE room_id = OLD.id; END;",
  /* 10: WebRTC sites: the transport 'webrtc' (SQLite changes a CHECK only
   * by rebuilding the table: migrate() runs this with foreign keys off and
   * checks them before the commit), and a site's one credential, only its
   * SHA-256 kept (the secret is shown once). Same columns, same order. */
  "CREATE TABLE sites_v10 ("
  "  id INTEGER PRIMARY KEY,"
  "  code TEXT NOT NULL UNIQUE,"
  "  name TEXT NOT NULL,"
  "  level TEXT NOT NULL CHECK (level IN ('province','district','commune','department')),"
  "  parent_id INTEGER REFERENCES sites(id) ON DELETE RESTRICT,"
  "  transport TEXT NOT NULL DEFAULT 'rtp' CHECK (transport IN ('rtp','rtsp','srt','webrtc')),"
  "  address TEXT NOT NULL DEFAULT '',"
  "  h264_payload_type INTEGER CHECK (h264_payload_type BETWEEN 96 AND 127),"
  "  opus_payload_type INTEGER CHECK (opus_payload_type BETWEEN 96 AND 127),"
  "  video_cap_kbps INTEGER CHECK (video_cap_kbps BETWEEN 0 AND 1000000),"
  "  audio_cap_kbps INTEGER CHECK (audio_cap_kbps BETWEEN 0 AND 100000),"
  "  organisation_id INTEGER NOT NULL DEFAULT 1);"
  "INSERT INTO sites_v10 (id, code, name, level, parent_id, transport, address, h264_payload_type,"
  "  opus_payload_type, video_cap_kbps, audio_cap_kbps, organisation_id)"
  "  SELECT id, code, name, level, parent_id, transport, address, h264_payload_type, opus_payload_type,"
  "  video_cap_kbps, audio_cap_kbps, organisation_id FROM sites;"
  "DROP TABLE sites;"
  "ALTER TABLE sites_v10 RENAME TO sites;"
  "CREATE INDEX sites_parent ON sites(parent_id);"
  "CREATE INDEX sites_organisation ON sites(organisation_id);"
  "CREATE TABLE site_credentials ("
  "  site_id INTEGER PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,"
  "  hash TEXT NOT NULL UNIQUE,"
  "  created_at TEXT NOT NULL,"
  "  created_by INTEGER REFERENCES users(id) ON DELETE SET NULL);",
  /* 11: SIP sites: the transport 'sip' (a rebuild again, as 10), the
   * digest credentials a site registers and calls with and that the
   * controller calls it with (the password in clear: digest needs it, both
   * ways; the API never returns it), and its media security (NULL = the
   * [sip] default). */
  "CREATE TABLE sites_v11 ("
  "  id INTEGER PRIMARY KEY,"
  "  code TEXT NOT NULL UNIQUE,"
  "  name TEXT NOT NULL,"
  "  level TEXT NOT NULL CHECK (level IN ('province','district','commune','department')),"
  "  parent_id INTEGER REFERENCES sites(id) ON DELETE RESTRICT,"
  "  transport TEXT NOT NULL DEFAULT 'rtp' CHECK (transport IN ('rtp','rtsp','srt','webrtc','sip')),"
  "  address TEXT NOT NULL DEFAULT '',"
  "  h264_payload_type INTEGER CHECK (h264_payload_type BETWEEN 96 AND 127),"
  "  opus_payload_type INTEGER CHECK (opus_payload_type BETWEEN 96 AND 127),"
  "  video_cap_kbps INTEGER CHECK (video_cap_kbps BETWEEN 0 AND 1000000),"
  "  audio_cap_kbps INTEGER CHECK (audio_cap_kbps BETWEEN 0 AND 100000),"
  "  organisation_id INTEGER NOT NULL DEFAULT 1,"
  "  sip_user TEXT UNIQUE CHECK (sip_user IS NULL OR length(sip_user) BETWEEN 1 AND 64),"
  "  sip_password TEXT,"
  "  srtp TEXT CHECK (srtp IN ('required','preferred','off')));"
  "INSERT INTO sites_v11 (id, code, name, level, parent_id, transport, address, h264_payload_type,"
  "  opus_payload_type, video_cap_kbps, audio_cap_kbps, organisation_id)"
  "  SELECT id, code, name, level, parent_id, transport, address, h264_payload_type, opus_payload_type,"
  "  video_cap_kbps, audio_cap_kbps, organisation_id FROM sites;"
  "DROP TABLE sites;"
  "ALTER TABLE sites_v11 RENAME TO sites;"
  "CREATE INDEX sites_parent ON sites(parent_id);"
  "CREATE INDEX sites_organisation ON sites(organisation_id);",
  /* 12: SIP call records (app/sip-calls.c writes one at each change of a
   * call's state), kept with their session. A table of their own, not
   * columns of site_calls: a SIP call is signalling (ringing, refused,
   * redialled every minute) and site_calls is media heard; one site has
   * many of each and they need not pair. site_id goes NULL with a deleted
   * site (site_code keeps who it was); an unknown caller has no row (it is
   * audited, sip.refused). Never a key or a password. */
  "CREATE TABLE sip_calls ("
  "  id INTEGER PRIMARY KEY,"
  "  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
  "  site_id INTEGER REFERENCES sites(id) ON DELETE SET NULL,"
  "  site_code TEXT NOT NULL,"
  "  direction TEXT NOT NULL CHECK (direction IN ('in','out')),"
  "  call_id TEXT NOT NULL DEFAULT '',"
  "  state TEXT NOT NULL CHECK (state IN ('calling','ringing','connected','ended','refused')),"
  "  caller TEXT NOT NULL CHECK (caller IN ('digest','registered','address','controller')),"
  "  from_uri TEXT NOT NULL DEFAULT '',"
  "  source TEXT NOT NULL DEFAULT '',"
  "  transport TEXT NOT NULL DEFAULT '',"
  "  srtp_policy TEXT NOT NULL CHECK (srtp_policy IN ('required','preferred','off')),"
  "  started_at TEXT NOT NULL,"
  "  ringing_at TEXT,"
  "  connected_at TEXT,"
  "  ended_at TEXT,"
  "  ended_by TEXT CHECK (ended_by IN ('site','controller','timer','restart')),"
  "  cause_status INTEGER CHECK (cause_status BETWEEN 100 AND 699),"
  "  cause_phrase TEXT,"
  "  video_codec TEXT,"
  "  audio_codec TEXT,"
  "  srtp BOOLEAN);"
  "CREATE INDEX sip_calls_session ON sip_calls(session_id, site_id, id);",
  /* 13: a site asks for the floor (app/site-floor.c): one row a request,
   * open while ended_at is NULL (at most one open a site and session),
   * ended withdrawn (the site or staff), granted (the program went to the
   * site) or dropped (the session ended, the site left it). via: who
   * asked: the site's own app (/site/), its keypad (SIP DTMF), or staff
   * for it. A deleted site's requests go with it. */
  "CREATE TABLE site_floor_requests ("
  "  id INTEGER PRIMARY KEY,"
  "  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
  "  site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,"
  "  via TEXT NOT NULL CHECK (via IN ('site','keypad','staff')),"
  "  requested_at TEXT NOT NULL,"
  "  ended_at TEXT,"
  "  outcome TEXT CHECK (outcome IN ('withdrawn','granted','dropped')),"
  "  CHECK ((ended_at IS NULL) = (outcome IS NULL)));"
  "CREATE UNIQUE INDEX site_floor_open ON site_floor_requests(session_id, site_id) WHERE ended_at IS NULL;",
  /* 14: a closed session (phiên họp kín: state secrets): only encrypted
   * media, no recording nor RTSP output, its documents recovered from the
   * tablets at its end (sessions.h). */
  "ALTER TABLE sessions ADD COLUMN closed BOOLEAN NOT NULL DEFAULT 0;",
  /* 15: where a plain-RTP site's media may come from, and its SRTP master
   * key; the tablets that held a closed session's documents, and when each
   * confirmed it purged them (thu hồi tài liệu).
   * - sites.media_from: an IPv4 address or CIDR subnet ('' = the host of
   *   its address).
   * - site_srtp_keys.sealed: the master key and salt sealed with the
   *   daemon's own key (never the key in clear).
   * - document_recoveries: one row a delegate's tablet (its own random id)
   *   that opened the session; recovered_at NULL = not recovered yet. */
  "ALTER TABLE sites ADD COLUMN media_from TEXT NOT NULL DEFAULT '';"
  "CREATE TABLE site_srtp_keys ("
  "  site_id INTEGER PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,"
  "  sealed TEXT NOT NULL,"
  "  created_at TEXT NOT NULL,"
  "  created_by INTEGER REFERENCES users(id) ON DELETE SET NULL);"
  "CREATE TABLE document_recoveries ("
  "  id INTEGER PRIMARY KEY,"
  "  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
  "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
  "  device TEXT NOT NULL,"
  "  first_seen_at TEXT NOT NULL,"
  "  recovered_at TEXT,"
  "  documents INTEGER,"
  "  notes INTEGER,"
  "  UNIQUE (session_id, user_id, device));"
  /* - sessions.record, sessions.rtsp_out: whether the session is recorded
   *   and its program served at RTSP; NULL = as [media] says. A closed
   *   session has both off (session-plan.c). */
  "ALTER TABLE sessions ADD COLUMN record BOOLEAN;"
  "ALTER TABLE sessions ADD COLUMN rtsp_out BOOLEAN;",
  /* 16: a plain-RTP site's SRTP suite: AES_CM_128_HMAC_SHA1_80 (stock
   * ffmpeg's and GStreamer's) or AEAD_AES_128_GCM (GStreamer's srtpenc,
   * no HMAC: cheaper; app/site-srtp-keys.h). The sealed key's associated
   * data names a GCM key's suite, so the column cannot be changed alone. */
  "ALTER TABLE site_srtp_keys ADD COLUMN suite TEXT NOT NULL DEFAULT 'AES_CM_128_HMAC_SHA1_80' CHECK (suite IN ('AES_CM_128_HMAC_SHA1_80', 'AEAD_AES_128_GCM'));",
};

/* SQLITE_FULL is SQLite's word for ENOSPC on the database or the WAL; an
 * I/O error whose errno is ENOSPC or EDQUOT (a failed sync, the shared
 * memory file) is the same for whoever asked. */
static gboolean
disk_full(rc_store *store, int code)
{
  if ((code & 0xff) == SQLITE_FULL)
    return TRUE;
  int sys = sqlite3_system_errno(store->db);
  return (code & 0xff) == SQLITE_IOERR && (sys == ENOSPC || sys == EDQUOT);
}

void
rc_store_set_error(rc_store *store, GError **error, const char *what)
{
  int code = sqlite3_extended_errcode(store->db);
  rc_error_code rc = RC_ERROR_INTERNAL;
  if (disk_full(store, code))
    rc = RC_ERROR_STORAGE_FULL;
  else if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY ||
      code == SQLITE_CONSTRAINT_FOREIGNKEY || code == SQLITE_CONSTRAINT_TRIGGER)
    rc = RC_ERROR_CONFLICT;
  else if (code == SQLITE_CONSTRAINT_CHECK || code == SQLITE_CONSTRAINT_NOTNULL)
    rc = RC_ERROR_INVALID;
  g_set_error(error, RC_ERROR, rc, "%s: %s", what, sqlite3_errmsg(store->db));
}

json_t *
rc_store_ids(rc_store *store, sqlite3_stmt *stmt, const char *what, GError **error)
{
  json_t *ids = json_array();
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
    json_array_append_new(ids, json_integer(sqlite3_column_int64(stmt, 0)));
  sqlite3_reset(stmt);
  if (rc != SQLITE_DONE) {
    rc_store_set_error(store, error, what);
    g_clear_pointer(&ids, json_decref);
  }
  return ids;
}

gboolean
rc_store_delete_id(rc_store *store, const char *sql, gint64 id, const char *what, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, sql, error);
  if (!stmt)
    return FALSE;
  sqlite3_bind_int64(stmt, 1, id);
  if (!rc_store_exec_stmt(store, stmt, error))
    return FALSE;
  if (sqlite3_changes(store->db) == 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "%s %" G_GINT64_FORMAT " not found", what, id);
    return FALSE;
  }
  return TRUE;
}

sqlite3_stmt *
rc_store_stmt(rc_store *store, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup(store->stmts, sql);
  if (stmt) {
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return stmt;
  }
  if (sqlite3_prepare_v3(store->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK) {
    rc_store_set_error(store, error, "prepare");
    g_critical("cannot prepare: %s", sql);
    return NULL;
  }
  g_hash_table_insert(store->stmts, (gpointer)sql, stmt);
  return stmt;
}

gboolean
rc_store_exec_stmt(rc_store *store, sqlite3_stmt *stmt, GError **error)
{
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
    ;
  if (rc != SQLITE_DONE) {
    rc_store_set_error(store, error, "write");
    sqlite3_reset(stmt);
    return FALSE;
  }
  sqlite3_reset(stmt);
  return TRUE;
}

static json_t *
column_value(sqlite3_stmt *stmt, int i)
{
  switch (sqlite3_column_type(stmt, i)) {
  case SQLITE_INTEGER: {
    const char *decl = sqlite3_column_decltype(stmt, i);
    sqlite3_int64 v = sqlite3_column_int64(stmt, i);
    if (decl && g_ascii_strcasecmp(decl, "BOOLEAN") == 0)
      return json_boolean(v != 0);
    return json_integer(v);
  }
  case SQLITE_FLOAT:
    return json_real(sqlite3_column_double(stmt, i));
  case SQLITE_TEXT:
    return json_stringn((const char *)sqlite3_column_text(stmt, i),
                        (size_t)sqlite3_column_bytes(stmt, i));
  default:
    return json_null();
  }
}

static json_t *
row_object(sqlite3_stmt *stmt)
{
  json_t *obj = json_object();
  int n = sqlite3_column_count(stmt);
  for (int i = 0; i < n; i++)
    json_object_set_new(obj, sqlite3_column_name(stmt, i), column_value(stmt, i));
  return obj;
}

json_t *
rc_store_rows(rc_store *store, sqlite3_stmt *stmt, GError **error)
{
  json_t *rows = json_array();
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
    json_array_append_new(rows, row_object(stmt));
  if (rc != SQLITE_DONE) {
    rc_store_set_error(store, error, "read");
    json_decref(rows);
    rows = NULL;
  }
  sqlite3_reset(stmt);
  return rows;
}

json_t *
rc_store_row(rc_store *store, sqlite3_stmt *stmt, const char *what, GError **error)
{
  json_t *row = NULL;
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW)
    row = row_object(stmt);
  else if (rc == SQLITE_DONE)
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "%s not found", what);
  else
    rc_store_set_error(store, error, "read");
  sqlite3_reset(stmt);
  return row;
}

gint64
rc_store_scalar(rc_store *store, sqlite3_stmt *stmt, gint64 fallback)
{
  (void)store;
  gint64 v = fallback;
  if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL)
    v = sqlite3_column_int64(stmt, 0);
  sqlite3_reset(stmt);
  return v;
}

int
rc_store_bind_json(sqlite3_stmt *stmt, int index, json_t *value)
{
  if (!value)
    return sqlite3_bind_null(stmt, index);
  switch (json_typeof(value)) {
  case JSON_STRING:
    return sqlite3_bind_text(stmt, index, json_string_value(value), (int)json_string_length(value),
                             SQLITE_TRANSIENT);
  case JSON_INTEGER:
    return sqlite3_bind_int64(stmt, index, json_integer_value(value));
  case JSON_TRUE:
  case JSON_FALSE:
    return sqlite3_bind_int(stmt, index, json_is_true(value));
  case JSON_REAL:
    return sqlite3_bind_double(stmt, index, json_real_value(value));
  default:
    return sqlite3_bind_null(stmt, index);
  }
}

static gboolean
is_allowed(const char *key, const char *const *allowed)
{
  for (; *allowed; allowed++)
    if (g_str_equal(key, *allowed))
      return TRUE;
  return FALSE;
}

gboolean
rc_store_update_fields(rc_store *store, const char *table, gint64 id, json_t *fields,
                       const char *const *allowed, GError **error)
{
  if (json_object_size(fields) == 0)
    return TRUE;
  g_autoptr(GString) sql = g_string_new(NULL);
  g_string_printf(sql, "UPDATE %s SET ", table);
  const char *key;
  json_t *value;
  int n = 0;
  json_object_foreach(fields, key, value) {
    g_return_val_if_fail(is_allowed(key, allowed), FALSE);
    g_string_append_printf(sql, "%s%s = ?", n++ ? ", " : "", key);
  }
  g_string_append(sql, " WHERE id = ?");
  sqlite3_stmt *stmt = NULL;
  if (sqlite3_prepare_v2(store->db, sql->str, -1, &stmt, NULL) != SQLITE_OK) {
    rc_store_set_error(store, error, "prepare update");
    return FALSE;
  }
  n = 1;
  json_object_foreach(fields, key, value) rc_store_bind_json(stmt, n++, value);
  sqlite3_bind_int64(stmt, n, id);
  gboolean ok = rc_store_exec_stmt(store, stmt, error);
  gboolean found = ok && sqlite3_changes(store->db) > 0;
  sqlite3_finalize(stmt);
  if (ok && !found)
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "%s %" G_GINT64_FORMAT " not found", table, id);
  return found;
}

char *
rc_store_now(void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  return g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");
}

static gboolean
exec_sql(rc_store *store, const char *sql, GError **error)
{
  char *msg = NULL;
  if (sqlite3_exec(store->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    g_set_error(error, RC_ERROR, disk_full(store, sqlite3_extended_errcode(store->db)) ? RC_ERROR_STORAGE_FULL
                                                                                         : RC_ERROR_INTERNAL,
                "%s", msg ? msg : "sqlite error");
    sqlite3_free(msg);
    return FALSE;
  }
  return TRUE;
}

int
rc_store_schema_version(rc_store *store)
{
  sqlite3_stmt *stmt = NULL;
  int v = -1;
  if (sqlite3_prepare_v2(store->db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW)
    v = sqlite3_column_int(stmt, 0);
  sqlite3_finalize(stmt);
  return v;
}

int
rc_store_latest_schema(void)
{
  return (int)G_N_ELEMENTS(migrations);
}

/* Before an existing database is migrated: a backup of it as it stands,
 * DATA/backups/pre-migration-v<N>-<time>/, restorable with --restore by
 * this roomctl's predecessor. No backup, no migration. */
static gboolean
backup_before_migration(rc_store *store, int version, int latest, GError **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  g_autofree char *stamp = g_date_time_format(now, "%Y%m%dT%H%M%SZ");
  g_autofree char *name = g_strdup_printf("pre-migration-v%d-%s", version, stamp);
  g_autofree char *parent = g_build_filename(store->dir, "backups", NULL);
  rc_backup_source src = {store->dir, NULL};
  g_autofree char *made = rc_backup_make(&src, store->db, parent, name, NULL, error);
  if (!made) {
    g_prefix_error(error, "no migration from schema %d to %d without a backup first (the database is unchanged): ",
                   version, latest);
    return FALSE;
  }
  g_message("backup before migrating schema %d to %d: %s", version, latest, made);
  return TRUE;
}

/* After the migrations, before their commit: no row points nowhere. */
static gboolean
foreign_keys_hold(rc_store *store, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  if (sqlite3_prepare_v2(store->db, "PRAGMA foreign_key_check", -1, &stmt, NULL) != SQLITE_OK) {
    rc_store_set_error(store, error, "foreign key check");
    return FALSE;
  }
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW)
    g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "a row of %s points to no row of %s",
                (const char *)sqlite3_column_text(stmt, 0), (const char *)sqlite3_column_text(stmt, 2));
  else if (rc != SQLITE_DONE)
    rc_store_set_error(store, error, "foreign key check");
  gboolean ok = rc == SQLITE_DONE;
  sqlite3_finalize(stmt);
  return ok;
}

/* Applies every pending migration in ONE transaction: a migration that
 * fails leaves the database as it was, at its old version. A database of a
 * newer schema is refused before anything is written to it. */
static gboolean
migrate(rc_store *store, GError **error)
{
  int version = rc_store_schema_version(store);
  int latest = (int)G_N_ELEMENTS(migrations);
  if (version > latest) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE,
                "database schema version %d is newer than this roomctl %s (%d); use a newer roomctl or restore a "
                "backup made by this version", version, RC_VERSION, latest);
    return FALSE;
  }
  if (version == latest)
    return TRUE;
  if (version > 0 && !backup_before_migration(store, version, latest, error))
    return FALSE;
  g_autofree char *bump = g_strdup_printf("PRAGMA user_version = %d", latest);
  /* A migration that rebuilds a table (10, 11) must not fire the foreign keys'
   * ON DELETE actions when it drops the old one; the pragma only takes
   * effect outside a transaction, and the keys are checked before COMMIT. */
  if (!exec_sql(store, "PRAGMA foreign_keys=OFF", error))
    return FALSE;
  gboolean ok = exec_sql(store, "BEGIN IMMEDIATE", error);
  for (int v = version; ok && v < latest; v++) {
    if (!exec_sql(store, migrations[v], error)) {
      exec_sql(store, "ROLLBACK", NULL);
      g_prefix_error(error, "migration to schema %d failed, the database is unchanged at schema %d: ", v + 1, version);
      ok = FALSE; /* rolled back already */
    }
  }
  if (ok && (!foreign_keys_hold(store, error) || !exec_sql(store, bump, error) || !exec_sql(store, "COMMIT", error))) {
    exec_sql(store, "ROLLBACK", NULL);
    ok = FALSE;
  }
  if (!exec_sql(store, "PRAGMA foreign_keys=ON", ok ? error : NULL) || !ok)
    return FALSE;
  if (version > 0)
    g_message("database migrated from schema %d to %d", version, latest);
  return TRUE;
}

static void
finalize_stmt(gpointer stmt)
{
  sqlite3_finalize(stmt);
}

/* Every commit of a write transaction syncs the WAL (synchronous=FULL):
 * counted for /metrics, where a storm of commits shows. */
static int
count_commit(void *data)
{
  ((rc_store *)data)->commits++;
  return 0; /* 0: let it commit */
}

guint64
rc_store_commits(rc_store *store)
{
  return store->commits;
}

rc_store *
rc_store_open(const char *dir, GError **error)
{
  g_autofree char *docs = g_build_filename(dir, "documents", NULL);
  if (g_mkdir_with_parents(docs, 0750) != 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "cannot create %s: %s", docs, g_strerror(errno));
    return NULL;
  }
  rc_store *store = g_new0(rc_store, 1);
  store->dir = g_strdup(dir);
  store->documents_dir = g_steal_pointer(&docs);
  store->stmts = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, finalize_stmt);
  g_autofree char *path = g_build_filename(dir, "roomctl.db", NULL);
  if (sqlite3_open_v2(path, &store->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
    g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "cannot open %s: %s", path,
                store->db ? sqlite3_errmsg(store->db) : "out of memory");
    rc_store_close(store);
    return NULL;
  }
  sqlite3_busy_timeout(store->db, 5000);
  sqlite3_commit_hook(store->db, count_commit, store);
  /* synchronous=FULL in WAL: a commit is on disk before we acknowledge it.
   * secure_delete: a freed page or cell is zeroed, so neither the file nor
   * a backup of its pages keeps what was deleted (Debian's build defaults
   * to it; a secret ballot's secrecy must not hang on a build option). */
  if (!exec_sql(store, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
                       "PRAGMA secure_delete=ON;",
                error) ||
      !rc_store_audit_register(store, error) || !migrate(store, error)) {
    g_prefix_error(error, "%s: ", path);
    rc_store_close(store);
    return NULL;
  }
  return store;
}

void
rc_store_close(rc_store *store)
{
  if (!store)
    return;
  g_hash_table_destroy(store->stmts); /* finalizes statements before close */
  if (store->db && sqlite3_close(store->db) != SQLITE_OK)
    g_warning("database close: %s", sqlite3_errmsg(store->db));
  g_free(store->dir);
  g_free(store->documents_dir);
  g_free(store);
}

const char *
rc_store_documents_dir(rc_store *store)
{
  return store->documents_dir;
}

/* Savepoints, so that a store function that groups its own writes can run
 * inside a caller's group. */
gboolean
rc_store_begin(rc_store *store, GError **error)
{
  return exec_sql(store, "SAVEPOINT rc", error);
}

/* A commit that fails (the disk is full) is rolled back here: the
 * transaction must not stay open, or the next action would be folded into
 * it. A nested RELEASE writes nothing and does not fail this way. */
gboolean
rc_store_commit(rc_store *store, GError **error)
{
  if (exec_sql(store, "RELEASE rc", error))
    return TRUE;
  if (!sqlite3_get_autocommit(store->db))
    exec_sql(store, "ROLLBACK", NULL);
  return FALSE;
}

void
rc_store_rollback(rc_store *store)
{
  exec_sql(store, "ROLLBACK TO rc; RELEASE rc", NULL);
}

gboolean
rc_store_end(rc_store *store, gboolean ok, GError **error)
{
  if (ok)
    return rc_store_commit(store, error);
  rc_store_rollback(store);
  return FALSE;
}
