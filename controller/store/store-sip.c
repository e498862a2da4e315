/* store-sip — the SIP call records (table sip_calls, schema 12): each
 * call's story as app/sip-calls.c lives it, one small write per change of
 * state, so that it outlives a restart of the controller. */
#define G_LOG_DOMAIN "roomctl-store"
#include "store/store-private.h"

static void
bind_text(sqlite3_stmt *stmt, int index, const char *text)
{
  if (text)
    sqlite3_bind_text(stmt, index, text, -1, SQLITE_TRANSIENT);
}

gint64
rc_store_sip_call_add(rc_store *store, const rc_store_sip_call *c, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store,
                                     "INSERT INTO sip_calls (session_id, site_id, site_code, direction, call_id, state,"
                                     " caller, from_uri, source, transport, srtp_policy, started_at, id)"
                                     " VALUES (?1, nullif(?2, 0), ?3, ?4, coalesce(?5, ''), ?6, ?7, coalesce(?8, ''),"
                                     " coalesce(?9, ''), coalesce(?10, ''), ?11, ?12, nullif(?13, 0))",
                                     error);
  if (!stmt)
    return 0;
  sqlite3_bind_int64(stmt, 1, c->session_id);
  sqlite3_bind_int64(stmt, 2, c->site_id);
  const char *texts[] = {c->site_code,   c->outgoing ? "out" : "in",
                         c->call_id,     c->state,
                         c->caller,      c->from,
                         c->source,      c->transport,
                         c->srtp_policy, c->started_at};
  for (int i = 0; i < (int)G_N_ELEMENTS(texts); i++)
    bind_text(stmt, i + 3, texts[i]);
  sqlite3_bind_int64(stmt, 13, c->id);
  return rc_store_exec_stmt(store, stmt, error) ? sqlite3_last_insert_rowid(store->db) : 0;
}

gboolean
rc_store_sip_call_ringing(rc_store *store, gint64 id, const char *state, const char *at, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store, "UPDATE sip_calls SET state = ?1, ringing_at = ?2 WHERE id = ?3", error);
  if (!stmt)
    return FALSE;
  bind_text(stmt, 1, state);
  bind_text(stmt, 2, at);
  sqlite3_bind_int64(stmt, 3, id);
  return rc_store_exec_stmt(store, stmt, error);
}

gboolean
rc_store_sip_call_connected(rc_store *store, gint64 id, const char *at, GError **error)
{
  sqlite3_stmt *stmt =
    rc_store_stmt(store, "UPDATE sip_calls SET state = 'connected', connected_at = ?1 WHERE id = ?2", error);
  if (!stmt)
    return FALSE;
  bind_text(stmt, 1, at);
  sqlite3_bind_int64(stmt, 2, id);
  return rc_store_exec_stmt(store, stmt, error);
}

gboolean
rc_store_sip_call_media(rc_store *store, gint64 id, const char *video_codec, const char *audio_codec, gboolean srtp,
                        GError **error)
{
  sqlite3_stmt *stmt =
    rc_store_stmt(store, "UPDATE sip_calls SET video_codec = ?1, audio_codec = ?2, srtp = ?3 WHERE id = ?4", error);
  if (!stmt)
    return FALSE;
  bind_text(stmt, 1, video_codec);
  bind_text(stmt, 2, audio_codec);
  sqlite3_bind_int(stmt, 3, srtp ? 1 : 0);
  sqlite3_bind_int64(stmt, 4, id);
  return rc_store_exec_stmt(store, stmt, error);
}

gboolean
rc_store_sip_call_ended(rc_store *store, gint64 id, const char *state, const char *at, const char *ended_by, int status,
                        const char *phrase, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(store,
                                     "UPDATE sip_calls SET state = ?1, ended_at = ?2, ended_by = ?3,"
                                     " cause_status = nullif(?4, 0), cause_phrase = CASE WHEN ?4 = 0 THEN NULL"
                                     " ELSE coalesce(?5, '') END WHERE id = ?6",
                                     error);
  if (!stmt)
    return FALSE;
  bind_text(stmt, 1, state);
  bind_text(stmt, 2, at);
  bind_text(stmt, 3, ended_by);
  sqlite3_bind_int(stmt, 4, status);
  bind_text(stmt, 5, phrase);
  sqlite3_bind_int64(stmt, 6, id);
  return rc_store_exec_stmt(store, stmt, error);
}

gint64
rc_store_sip_calls_recover(rc_store *store, gint64 *last_id, GError **error)
{
  sqlite3_stmt *close = rc_store_stmt(store,
                                      "UPDATE sip_calls SET state = 'ended', ended_by = 'restart'"
                                      " WHERE ended_at IS NULL AND ended_by IS NULL",
                                      error);
  if (!close || !rc_store_exec_stmt(store, close, error))
    return -1;
  gint64 closed = sqlite3_changes(store->db);
  sqlite3_stmt *last = rc_store_stmt(store, "SELECT coalesce(max(id), 0) FROM sip_calls", error);
  if (!last)
    return -1;
  *last_id = rc_store_scalar(store, last, 0);
  return closed;
}

/* {status, phrase} from the row's @status_key and @phrase_key, or null;
 * both keys go from @row. (transfer full) */
static json_t *
take_cause(json_t *row, const char *status_key, const char *phrase_key)
{
  json_t *status = json_object_get(row, status_key);
  const char *phrase = json_string_value(json_object_get(row, phrase_key));
  json_t *cause =
    json_is_integer(status) ? json_pack("{sO ss}", "status", status, "phrase", phrase ? phrase : "") : json_null();
  json_object_del(row, status_key);
  json_object_del(row, phrase_key);
  return cause;
}

/* {codec, srtp} or null. (transfer full) */
static json_t *
stream(json_t *row, const char *key)
{
  json_t *codec = json_object_get(row, key);
  json_t *srtp = json_object_get(row, "srtp_negotiated");
  return json_is_string(codec) ? json_pack("{sO sb}", "codec", codec, "srtp", json_is_true(srtp)) : json_null();
}

json_t *
rc_store_sip_calls(rc_store *store, gint64 session_id, int limit, GError **error)
{
  sqlite3_stmt *stmt = rc_store_stmt(
    store,
    "SELECT * FROM (SELECT id, session_id, site_id, site_code, direction, state, caller, call_id, from_uri,"
    " source, transport, started_at, ringing_at, connected_at, ended_at, ended_by, cause_status, cause_phrase,"
    " srtp_policy, video_codec, audio_codec, srtp AS srtp_negotiated FROM sip_calls WHERE session_id = ?1"
    " ORDER BY id DESC LIMIT ?2) ORDER BY id",
    error);
  if (!stmt)
    return NULL;
  sqlite3_bind_int64(stmt, 1, session_id);
  sqlite3_bind_int(stmt, 2, limit);
  json_t *rows = rc_store_rows(store, stmt, error);
  size_t i;
  json_t *row;
  json_array_foreach(rows, i, row)
  {
    json_object_set(row, "from", json_object_get(row, "from_uri"));
    json_object_set(row, "srtp", json_object_get(row, "srtp_policy"));
    json_object_set_new(row, "cause", take_cause(row, "cause_status", "cause_phrase"));
    json_object_set_new(row, "media",
                        json_pack("{so so}", "video", stream(row, "video_codec"), "audio", stream(row, "audio_codec")));
    const char *gone[] = {"from_uri", "srtp_policy", "video_codec", "audio_codec", "srtp_negotiated"};
    for (gsize k = 0; k < G_N_ELEMENTS(gone); k++)
      json_object_del(row, gone[k]);
    json_object_set_new(row, "stored", json_true());
  }
  return rows;
}

void
rc_store_sip_story_nest(json_t *rows)
{
  size_t i;
  json_t *row;
  json_array_foreach(rows, i, row)
  {
    json_t *id = json_object_get(row, "sip_id");
    json_t *sip = json_null();
    if (json_is_integer(id)) {
      sip = json_pack("{sO sO sO sO sO}", "id", id, "direction", json_object_get(row, "sip_direction"), "connected_at",
                      json_object_get(row, "sip_connected_at"), "ended_at", json_object_get(row, "sip_ended_at"),
                      "ended_by", json_object_get(row, "sip_ended_by"));
      json_object_set_new(sip, "cause", take_cause(row, "sip_cause_status", "sip_cause_phrase"));
    }
    const char *gone[] = {"sip_id",       "sip_direction",    "sip_connected_at", "sip_ended_at",
                          "sip_ended_by", "sip_cause_status", "sip_cause_phrase"};
    for (gsize k = 0; k < G_N_ELEMENTS(gone); k++)
      json_object_del(row, gone[k]);
    json_object_set_new(row, "sip", sip);
  }
}
