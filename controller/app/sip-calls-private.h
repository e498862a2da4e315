/* sip-calls-private — what the three files of the use case "a SIP site
 * joins its session" share: the call records and the state
 * (sip-calls.c: who calls, the answer, the records and their stored story,
 * the stack's callbacks, life, the media; sip-dial.c: the controller's own
 * calls, redials and hang-ups; sip-calls-view.c: the records as JSON, the
 * registrations, the metrics). Main loop only. */
#pragma once
#include "app/sip-calls.h"
#include "devices/sip.h"
#include "model/keypad.h"

#define KEEP_RECORDS 200
#define STORE_BATCH_MS 50 /* a record's changes are written within this, several records in one commit */
#define AUDIT_QUIET_US (60 * G_USEC_PER_SEC) /* one audit row a minute per refused source and caller */
#define AUDIT_KEEP 4096                      /* remembered refusals before the stale ones go */

typedef struct {
  gint64 id, session_id, site_id;
  char *site_code, *state, *caller, *call_id, *from, *source, *transport;
  gboolean outgoing; /* the controller called */
  char *started_at, *ringing_at, *connected_at, *ended_at, *ended_by;
  int cause;
  char *cause_phrase;
  rc_sip_srtp srtp;
  rc_sip_call *call; /* the live dialog; NULL once ended */
  gboolean negotiated;
  rc_sip_sdp_offer offer;
  rc_sip_crypto video_key, audio_key; /* ours */
  char *local_address;
  int video_port, audio_port;
  guint64 sdp_session, sdp_version; /* our o= line's */
  char *local_sdp;                  /* our last offer or answer: the offer to an offerless re-INVITE */
  gboolean on_hold;                 /* the site's last offer holds the call: it is not sending */
  guint reoffers;                   /* offers taken within the call (re-INVITE, UPDATE) */
  guint stored;                     /* what of it the store has (STORED_*): store_story() */
  guint stored_reoffers;            /* the offer whose media the store has */
  gboolean unstored;                /* in calls->unstored: changed since written */
  char dtmf[RC_SIP_CALLS_DTMF_KEEP + 1]; /* the last digits it keyed (INFO, RFC 4733) */
  rc_keypad keypad;                      /* what they mean (*1, *0) */
} call_record;

struct rc_sip_calls {
  rc_config *config;
  rc_store *store;
  rc_domain *domain;
  rc_meeting *meeting; /* the technicians hear of each call's changes (sip.call) */
  struct rc_media *media; /* where a call's media go (its site's transport), or NULL */
  rc_sip *sip;
  GHashTable *sessions; /* session id → GPtrArray of call_record */
  GHashTable *audited;  /* "action address caller" → last audit (µs); the stale go past AUDIT_KEEP */
  gint64 next_id; /* the last record id: the store's, above every earlier run's */
  GPtrArray *unstored; /* call_record*: announced, not yet written (store_unstored) */
  guint store_timer;
  guint64 ended_by_site, ended_by_controller, ended_by_timer;
  /* dial-out */
  GQueue *dials; /* dial_job: the sites to call, at [sip] dials_per_second */
  guint dial_timer;
  GHashTable *attempts; /* "session:site" → failed calls in a row (for the backoff) */
  GHashTable *redials;  /* dial_job* → its timer id */
  guint64 dialled;
  gboolean stopping;
  /* INFO */
  rc_sip_calls_keyframe_fn keyframe;
  gpointer keyframe_data;
  rc_sip_calls_keypad_fn keypad;
  gpointer keypad_data;
};

typedef struct {
  rc_sip_calls *calls;
  gint64 session_id, site_id;
} dial_job;

/* Shared between the files (sipc_: not part of sip-calls.h). */
/* Appends to @out the stored records of @session_id older than those in
 * memory (@list): an earlier run's, and this run's past KEEP_RECORDS. */
void sipc_append_stored(rc_sip_calls *c, gint64 session_id, GPtrArray *list, json_t *out);
/* Reads @sdp (an offer, or the answer to ours) into @out under @r's media security. */
gboolean sipc_read_sdp(rc_sip_calls *c, const call_record *r, const char *sdp, gsize len, rc_sip_sdp_offer *out,
                       GError **error);
/* Writes @r's change to the store, and tells who follows that @r changed:
 * the media, the domain, and the session's technicians (a transient event:
 * GET …/sip/calls is the snapshot). */
void sipc_announce(rc_sip_calls *c, call_record *r);
/* A new record in @session_id's list; the oldest ended ones go past KEEP_RECORDS. */
call_record *sipc_record_new(rc_sip_calls *c, gint64 session_id, json_t *site, const char *how,
                             const rc_sip_invite *inv);
void sipc_set_text(char **slot, const char *value);
/* Our keys, media address and ports for a new call. */
void sipc_local_media(rc_sip_calls *c, call_record *r);
/* Our SDP for @r: the answer to @r->offer (@answer) or our offer, with
 * the next o= version; kept as @r->local_sdp. (transfer full) */
char *sipc_local_sdp(call_record *r, gboolean answer);
char *sipc_attempts_key(gint64 session_id, gint64 site_id);
json_t *sipc_record_json(const call_record *r);
/* The answer to a call we made. */
void sipc_host_answered(gpointer data, rc_sip_call *call, gpointer call_data, const char *sdp, gsize len);
void sipc_cancel_redials(rc_sip_calls *c);
/* Queues a call to @site_id (0: every SIP site of the session with an address). */
void sipc_queue_dials(rc_sip_calls *c, gint64 session_id, gint64 site_id);
/* The next try after 5, 10, 20, 40, then every 60 seconds. */
void sipc_redial_later(rc_sip_calls *c, gint64 session_id, gint64 site_id);
/* Writes the records announced since the last write now (before a record
 * is freed, and at the end). */
void sipc_store_now(rc_sip_calls *c);
