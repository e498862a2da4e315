/* api-private — what the api-*.c files share. */
#pragma once
#include "api/api.h"
#include "base/rc-error.h"
#include "app/access.h"
#include "app/attendance.h"

struct rc_api {
  rc_config *config;
  rc_store *store;
  rc_auth *auth;
  rc_meeting *meeting;
  rc_api_ws_io io;
  struct rc_votes *votes;  /* app/votes.c */
  struct rc_program *program; /* app/program.c */
  struct rc_speakers *speakers; /* app/speakers.c */
  struct rc_site_floor *site_floor; /* app/site-floor.c */
  struct rc_sessions *sessions; /* app/sessions.c */
  struct rc_presentation *presentation; /* app/presentation.c */
  struct rc_domain *domain; /* app/domain.c: the meeting's domain events */
  struct rc_media *media;  /* or NULL */
  struct rc_site_health *health; /* app/site-health.c */
  struct rc_metrics *metrics; /* app/metrics.c */
  struct rc_record_jobs *records; /* app/record-jobs.c */
  struct rc_storage_watch *storage; /* app/storage-watch.c */
  struct rc_accounts *accounts; /* app/accounts.c */
  struct rc_agenda *agenda; /* app/agenda.c */
  struct rc_agenda_documents *documents; /* app/agenda-documents.c */
  struct rc_session_plan *plan; /* app/session-plan.c */
  struct rc_sip_calls *sip; /* app/sip-calls.c, or NULL: SIP off */
  GHashTable *offers; /* peer address -> WebRTC offers this minute (api-webrtc.c), made at the first */
};

/* One WebSocket message being handled. */
typedef struct rc_api_ws_call_s {
  rc_api *api;
  rc_api_ws_peer *peer;
  json_t *body;
  json_t *ack; /* filled by the handler; sent as the ack body */
  /* Runs once the ack is queued (what must reach the client after it). */
  void (*after)(struct rc_api_ws_call_s *call);
  gint64 after_id;
} rc_api_ws_call;

typedef gboolean (*rc_api_ws_fn)(rc_api_ws_call *call, GError **error);

typedef struct {
  const char *type;
  guint roles; /* 0 = before authentication (auth itself) */
  const rc_field *fields;
  rc_api_ws_fn handler;
} rc_api_ws_type;

extern const rc_api_ws_type rc_api_ws_live_messages[]; /* api-live.c, {NULL}-terminated */
extern const rc_api_ws_type rc_api_ws_media_messages[]; /* api-media.c */
extern const rc_api_ws_type rc_api_ws_health_messages[]; /* api-health.c */

/* api-media.c: the meeting's side of the media */


static inline gint64
rc_api_ws_int(rc_api_ws_call *call, const char *key)
{
  return json_integer_value(json_object_get(call->body, key));
}
gboolean rc_api_ws_refresh_user(rc_api *api, rc_api_ws_peer *peer, GError **error);
/* Drops the subscribers of @session_id who may no longer see it (all of
 * them when @everyone), telling each with a session.revoked message. */
void rc_api_revoke_subscribers(rc_api *api, gint64 session_id, gboolean everyone);
/* Closes the WebSockets of @user_id (of one login when @token is given). */
void rc_api_drop_user(rc_api *api, gint64 user_id, const char *token);
/* Sends @msg (transfer full) to one connection. */
void rc_api_ws_send_json(rc_api *api, rc_api_ws_peer *peer, json_t *msg);
/* The live part of a snapshot for @user: presentation, speakers, votes. */
json_t *rc_api_live_snapshot(rc_api *api, gint64 session_id, json_t *user);
/* The votes' rc_votes_sealed_fn: "ballot.sealed" to each voter of the group. */
void rc_api_live_ballots_sealed(gint64 vote_id, gint64 session_id, GPtrArray *group, gpointer api);

/* One REST call being handled. */
typedef struct {
  rc_api *api;
  const rc_api_match *match;
  json_t *user;     /* the caller; {} for anonymous routes */
  gint64 user_id;   /* 0 for anonymous */
  rc_role role;     /* 0 for anonymous */
  const rc_api_request *request;
  json_t *body;     /* validated JSON body or NULL */
  rc_api_reply *reply;
  rc_api_reply_fn later;
  gpointer later_data;
} rc_api_call;

/* Returns FALSE with @error set; TRUE with the reply filled; or, for a
 * deferred reply, TRUE with call->reply->status left 0. */
typedef gboolean (*rc_api_rest_fn)(rc_api_call *call, GError **error);

/* Who, beyond the staff of the session's own organisations, a route about
 * one session (its {id}, or its item's, document's or alarm's) serves. The
 * router checks it (app/access.h) before the handler runs. */
typedef enum {
  RC_REACH_SCOPE = 0, /* its organisations' staff only: RC_NEED_RUN */
  RC_REACH_MEMBERS,   /* and its delegates: RC_NEED_TAKE_PART */
  RC_REACH_INVITED,   /* and the staff of the organisations it invites: RC_NEED_READ */
} rc_api_reach;

struct rc_api_route {
  const char *method;
  const char *pattern;  /* "/api/v1/sessions/{id}/agenda" */
  guint roles;          /* allowed roles; 0 = anyone, even anonymous */
  rc_api_body_kind body;
  const rc_field *fields; /* RC_BODY_JSON */
  rc_api_rest_fn handler;
  rc_api_reach reach;   /* routes with an {id}; 0 when left out */
};

extern const rc_api_route rc_api_routes_people[];   /* api-people.c */
extern const rc_api_route rc_api_routes_sessions[]; /* api-sessions.c */
extern const rc_api_route rc_api_routes_live[];     /* api-records.c */
extern const rc_api_route rc_api_routes_media[];    /* api-media.c */
extern const rc_api_route rc_api_routes_health[];   /* api-health.c */
extern const rc_api_route rc_api_routes_import[];   /* api-import.c */
extern const rc_api_route rc_api_routes_calendar[]; /* api-calendar.c */
extern const rc_api_route rc_api_routes_recordings[]; /* api-recordings.c */
extern const rc_api_route rc_api_routes_records[];  /* api-reports.c */
extern const rc_api_route rc_api_routes_organisations[]; /* api-organisations.c */
extern const rc_api_route rc_api_routes_webrtc[];   /* api-webrtc.c */
extern const rc_api_route rc_api_routes_sites[];    /* api-sites.c */
extern const rc_api_route rc_api_routes_sip[];      /* api-sip.c */


/* The app's access policy (access.h), with the api's store. */
static inline gboolean
rc_api_session_access(rc_api *api, json_t *user, gint64 session_id, GError **error)
{
  return rc_access_session(api->store, user, session_id, error);
}
static inline json_t *
rc_api_document_access(rc_api *api, json_t *user, gint64 doc_id, const char *what, GError **error)
{
  return rc_access_document(api->store, user, doc_id, what, error);
}
static inline void
rc_api_agenda_for(rc_api *api, json_t *user, json_t *agenda)
{
  rc_access_agenda_for(api->store, user, agenda);
}
/* A CSV reply (UTF-8 with a byte order mark, RFC 4180 quoting, cells that a
 * spreadsheet would run as formulas defused) of @rows' @cols (NULL-ended).
 * Stored UTC times ("…T01:00:00Z") are written on @tz's clock with their
 * offset ("…T08:00:00+07:00"); @tz NULL = as stored. */
void rc_api_reply_csv(rc_api_reply *reply, json_t *rows, const char *const *cols, const char *filename,
                      GTimeZone *tz);
/* The province's zone ([meeting] timezone) for documents made here. (transfer none) */
static inline GTimeZone *
rc_api_zone(rc_api *api)
{
  return api->config->zone;
}
/* An audit row for what the api still does itself (login, logout), after
 * the action:
 * failures are logged, not fatal. The app's use cases write theirs in the
 * action's own commit. */
void rc_api_audit(rc_api *api, gint64 user_id, const char *action, const char *target_fmt, ...)
    G_GNUC_PRINTF(4, 5);
/* Check in / out shared by REST and WebSocket (the app's attendance.h). */
static inline json_t *
rc_api_attendance_change(rc_api *api, json_t *caller, gint64 session_id, gint64 user_id, const char *event,
                         const char *method, GError **error)
{
  return rc_attendance_change(api->store, api->meeting, caller, session_id, user_id, event, method, error);
}

