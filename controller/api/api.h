/* api — the message catalogue of roomctl: REST routes and WebSocket message
 * types, each declared once with its body fields, limits and the roles
 * allowed, validated before any handler runs. Handlers talk to the store and
 * the meeting model; only this layer turns errors into wire codes.
 * The net layer (net/) feeds requests in and carries replies out. */
#pragma once
#include "api/api-errors.h"
#include "base/schema.h"
#include "app/auth.h"
#include "base/config.h"
#include "model/meeting.h"
#include "store/store.h"

typedef struct rc_api rc_api;
typedef struct rc_api_ws_peer rc_api_ws_peer;

/* Decides, for each subscriber, whether it keeps its subscription. */
typedef gboolean (*rc_api_ws_keep_fn)(rc_api *api, rc_api_ws_peer *peer, gint64 session_id);

/* What the api needs from the WebSocket transport. @conn is the net
 * layer's connection, @owner the transport itself; frames are JSON texts
 * (transfer none). */
typedef struct {
  gpointer owner;
  void (*send)(gpointer conn, GBytes *frame);
  void (*subscribe)(gpointer conn, gint64 session_id, gboolean subscribe);
  void (*unsubscribe_all)(gpointer conn);
  /* Asks @keep about every subscriber of @session_id; drops the others. */
  void (*prune)(gpointer owner, gint64 session_id, rc_api_ws_keep_fn keep, rc_api *api);
  /* Closes the connections of @user_id (only those logged in with @token,
   * when given). */
  void (*drop)(gpointer owner, gint64 user_id, const char *token);
  /* Open WebSocket connections. */
  guint (*clients)(gpointer owner);
  /* Sends @frame to every connection logged in as @user_id. */
  void (*send_user)(gpointer owner, gint64 user_id, GBytes *frame);
} rc_api_ws_io;

/* All borrowed; they must outlive the api. (transfer full) */
rc_api *rc_api_new(rc_config *config, rc_store *store, rc_auth *auth, rc_meeting *meeting);
/* Connects the WebSocket transport (once it exists); NULL disconnects it. */
void rc_api_set_ws_io(rc_api *api, const rc_api_ws_io *io);
void rc_api_free(rc_api *api);
/* Rebuilds open votes and speaker queues from the store after a restart. */
void rc_api_live_restore(rc_api *api);
struct rc_media;
struct rc_sip_calls;
/* Connects the conference media (optional); NULL disconnects it. */
void rc_api_set_media(rc_api *api, struct rc_media *media);
/* The SIP calls (app/sip-calls.h; NULL: none, as before stopping them):
 * their routes, /metrics, and the session events that hang them up. */
void rc_api_set_sip(rc_api *api, struct rc_sip_calls *sip);
/* The media's switch callback (rc_media_switch_fn), with the api as data. */
void rc_api_media_switched(gint64 session_id, gint64 site_id, gint64 grant_to_switch_us, gpointer api);
/* The media's stats callback (rc_media_stats_fn), with the api as data. */
struct rc_media_figures;
void rc_api_health_on_stats(struct rc_media_figures *figures, gpointer api);

/* ---- REST ---- */

/* RC_BODY_CSV: raw bytes in memory (request->body), up to [http] max_import_kb.
 * RC_BODY_SDP: raw bytes in memory, up to [http] max_body_kb (a WHIP/WHEP offer).
 * RC_BODY_JSON_OPTIONAL: as RC_BODY_JSON, and no body at all is {} (every
 * field optional: a request that had no body before it had fields). */
typedef enum {
  RC_BODY_NONE,
  RC_BODY_JSON,
  RC_BODY_PDF,
  RC_BODY_CSV,
  RC_BODY_SDP,
  RC_BODY_JSON_OPTIONAL
} rc_api_body_kind;

typedef struct rc_api_route rc_api_route;

typedef struct {
  const rc_api_route *route;
  gint64 params[2]; /* the {id} segments of the path, in order */
  char name[256];   /* the {name} segment (any one non-empty segment; the handler checks it) */
} rc_api_match;

typedef struct {
  int status;
  const char *content_type; /* static string */
  GBytes *body;
  char *file_path;          /* serve this file as the body instead (Range: 206/416, Accept-Ranges) */
  char *etag;               /* quoted */
  char *set_cookie;
  char *content_disposition;
  char *location;
} rc_api_reply;

typedef struct {
  const char *token;         /* bearer token or cookie, may be NULL */
  GHashTable *query;         /* char* -> char*, decoded; may be NULL */
  GBytes *body;              /* RC_BODY_JSON, RC_BODY_CSV: the raw body, may be NULL */
  const char *upload_path;   /* RC_BODY_PDF: the body, stored in a temp file */
  gint64 upload_size;
  const char *upload_sha256; /* hex */
  const char *if_none_match;
  const char *peer;          /* client address, for the log */
  const char *content_type;  /* as sent, may be NULL */
} rc_api_request;

/* Later replies (login) come through this, on the main loop. */
typedef void (*rc_api_reply_fn)(rc_api_reply *reply, gpointer data);

void rc_api_reply_clear(rc_api_reply *reply);
/* Sets a JSON reply. @body: (transfer full), NULL for an empty body. */
void rc_api_reply_json(rc_api_reply *reply, int status, json_t *body);
void rc_api_reply_error(rc_api_reply *reply, const GError *error);
void rc_api_reply_wire(rc_api_reply *reply, rc_wire_code code, const char *reason);

/* Step 1: which route. FALSE with @reply set (not_found, method_not_allowed). */
gboolean rc_api_rest_match(rc_api *api, const char *method, const char *path, rc_api_match *match,
                           rc_api_reply *reply);
rc_api_body_kind rc_api_rest_body_kind(const rc_api_match *match);
/* Step 2, before the body is read: who is calling and may they. Returns the
 * user (transfer full), or NULL with @reply set (401/403). For anonymous
 * routes returns an empty object. */
json_t *rc_api_rest_authorize(rc_api *api, const rc_api_match *match, const char *token,
                              rc_api_reply *reply);
/* Step 3: run the handler. TRUE when @reply is complete now; FALSE when it
 * will be handed to @later (at most once, on the main loop). */
gboolean rc_api_rest_handle(rc_api *api, const rc_api_match *match, json_t *user,
                            const rc_api_request *request, rc_api_reply *reply,
                            rc_api_reply_fn later, gpointer later_data);

/* ---- WebSocket ---- */

/* Per-connection state the api keeps; embedded in the net layer's
 * per-connection data, zeroed at connect. */
struct rc_api_ws_peer {
  gpointer conn;
  json_t *user; /* NULL until authenticated; refreshed from the token on every message */
  char *token;
};

/* Handles one complete text message. Replies (ack/error) and snapshots go
 * out through io->send; the connection always stays usable. */
void rc_api_ws_message(rc_api *api, rc_api_ws_peer *peer, const char *data, size_t len);
/* The message could not be read whole (over the size limit). */
void rc_api_ws_too_large(rc_api *api, rc_api_ws_peer *peer, size_t limit);
/* The connection sends faster than @per_second messages; its message was dropped. */
void rc_api_ws_rate_limited(rc_api *api, rc_api_ws_peer *peer, int per_second);
void rc_api_ws_peer_clear(rc_api_ws_peer *peer);
