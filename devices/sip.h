/* sip — the controller's SIP signalling: a sofia-sip user agent (nua) run
 * on the GLib main loop (su_glib's su_root source on the default main
 * context: no thread of its own), its registrar, digest authentication of
 * callers (sofia's iptsec auth_module, passwords asked of the host per
 * request), the server side of incoming calls (INVITE, ACK, BYE,
 * CANCEL), offers and answers within a call (re-INVITE, UPDATE),
 * session timers (RFC 4028, sofia's own) and INFO within a call both ways
 * (RFC 5168 picture_fast_update, keypad digits: sip-info.h). It knows SIP, not sites: who a digest user is, whether a
 * conference exists and what the answer says are the host's (the app's)
 * decisions, asked through rc_sip_host.
 *
 * Owns: the nua stack and its transports (UDP, TCP, TLS on the HTTPS
 * certificate), the registrations (user → contact, source, expiry), one
 * rc_sip_call per INVITE dialog, a per-source request rate limit.
 * Everything runs on the main loop; no callback is called from another
 * thread. */
#pragma once
#include "devices/sip-info.h"

#include <glib.h>

typedef struct rc_sip rc_sip;
typedef struct rc_sip_call rc_sip_call;

typedef struct {
  const char *listen; /* address to bind ("0.0.0.0" = all) */
  int port;           /* UDP and TCP */
  gboolean udp, tcp, tls;
  int tls_port;
  const char *tls_dir;            /* a directory holding agent.pem (key + certificate) for TLS */
  const char *realm;              /* of the digest challenges */
  int register_min, register_max; /* seconds */
  int requests_per_second;        /* INVITE + REGISTER + INFO from one source address, sustained (burst: twice) */
  int session_expires;            /* RFC 4028 Session-Expires we ask for, seconds; 0 = no session timer */
  int min_se;                     /* the shortest session interval we take (shorter: 422) */
} rc_sip_settings;

/* How the caller of an INVITE is known. */
typedef enum {
  RC_SIP_CALLER_UNKNOWN,    /* no credentials, not registered from where it calls */
  RC_SIP_CALLER_DIGEST,     /* @user answered the digest challenge */
  RC_SIP_CALLER_REGISTERED, /* the From user is registered from the address it calls from */
} rc_sip_caller;

/* An INVITE, as the host sees it (strings borrowed for the call). */
typedef struct {
  const char *conference; /* the Request-URI's user ("phien-12", "12"), "" when none */
  rc_sip_caller caller;
  const char *user;   /* the digest user (DIGEST, REGISTERED), else NULL */
  const char *from;   /* the From URI */
  const char *source; /* "ADDRESS:PORT" it came from */
  const char *source_ip;
  const char *transport; /* "udp", "tcp", "tls" */
  const char *call_id;
  const char *sdp; /* the offer (not NUL-terminated), NULL when none */
  gsize sdp_len;
} rc_sip_invite;

/* The host's decision on an INVITE. */
typedef struct {
  int status;         /* 200, or the final refusal (403, 404, 488…) */
  char *phrase;       /* (transfer full) the reason phrase; NULL = the standard one */
  char *answer;       /* (transfer full) the SDP answer with 200 */
  gpointer call_data; /* with 200: the host's record of the call, given back in call_state */
} rc_sip_decision;

/* Who ended a call. */
typedef enum {
  RC_SIP_END_CONTROLLER, /* rc_sip_call_hangup, or the stack stopping */
  RC_SIP_END_SITE,       /* its BYE, CANCEL or refusal */
  RC_SIP_END_TIMER,      /* the session timer: its refresh never came, or ours failed (408, 481) */
} rc_sip_end;

typedef enum {
  RC_SIP_CALL_RINGING,
  RC_SIP_CALL_CONNECTED, /* the ACK of our 200 came */
  RC_SIP_CALL_ENDED,
} rc_sip_call_state;

typedef struct {
  gpointer data;
  /* The digest password of @user (transfer full), NULL: no such user. */
  char *(*password)(gpointer data, const char *user);
  /* An INVITE that passed authentication (or carries none): fill @out. The
   * stack sends 180 Ringing first when @out->status is 200. */
  void (*invite)(gpointer data, rc_sip_call *call, const rc_sip_invite *invite, rc_sip_decision *out);
  /* The answer (SDP, not NUL-terminated; NULL when none) of a call the
   * controller made (rc_sip_call_invite), or the answer an ACK carries to
   * the offer of our 200 to an offerless re-INVITE. The host reads it and
   * hangs up (rc_sip_call_hangup) when it cannot take it. */
  void (*answered)(gpointer data, rc_sip_call *call, gpointer call_data, const char *sdp, gsize len);
  /* A new offer within a connected call (re-INVITE or UPDATE; @sdp NULL:
   * an offerless re-INVITE, or an UPDATE that only refreshes the session).
   * Fill @out: 200 with the answer (for an offerless re-INVITE: our offer,
   * whose answer comes to answered), or a refusal (488…), after which the
   * call goes on as it was. An UPDATE without SDP is answered 200 without
   * asking. call_data is not changed. */
  void (*reoffer)(gpointer data, rc_sip_call *call, gpointer call_data, const char *sdp, gsize len,
                  rc_sip_decision *out);
  /* A call the host accepted changed state. ENDED comes once, last: @status
   * and @phrase are the cause (the BYE, CANCEL, the error, 408 of the
   * session timer), @end who ended it. @call is freed after it returns. */
  void (*call_state)(gpointer data, rc_sip_call *call, gpointer call_data, rc_sip_call_state state, int status,
                     const char *phrase, rc_sip_end end);
  /* @user registered (@expires > 0) at @contact from @source, or is gone
   * (@expires 0: unregistered or expired). */
  void (*registered)(gpointer data, const char *user, const char *contact, const char *source, int expires);
  /* A request refused before the host was asked (a wrong digest: 403), for
   * the audit: @method, the claimed @user (may be NULL), @source, @why. */
  void (*refused)(gpointer data, const char *method, const char *user, const char *source, int status, const char *why);
  /* An INFO within a call the host accepted asks for something
   * (RC_SIP_INFO_FAST_UPDATE, RC_SIP_INFO_DTMF); the stack answered it 200
   * already. An INFO we do not read got 415 (with Accept) or 400 and is not
   * told; one outside a call gets 481 (the stack's, or ours when sofia
   * passes it on). INFOs count against the source's requests_per_second
   * (503 past it), like INVITE and REGISTER. */
  void (*info)(gpointer data, rc_sip_call *call, gpointer call_data, const rc_sip_info *info);
} rc_sip_host;

/* Starts the stack on the default main context. NULL with @error when no
 * transport could be bound. @host is copied; its data outlives the stack. */
rc_sip *rc_sip_new(const rc_sip_settings *settings, const rc_sip_host *host, GError **error);
/* Ends every call (BYE), stops the transports (iterating the default main
 * context for at most 2 s) and frees. */
void rc_sip_free(rc_sip *sip);

/* The port of @transport ("udp", "tcp", "tls") as bound, 0 when none. */
int rc_sip_port(rc_sip *sip, const char *transport);

/* Sends BYE (or CANCEL while the site's phone rings). call_state ENDED follows. */
void rc_sip_call_hangup(rc_sip_call *call);

/* Sends an INFO with @body of @content_type (both copied) in @call's
 * dialog: RC_SIP_INFO_MEDIA_CONTROL and rc_sip_info_fast_update_body ask
 * the site for a keyframe (gear without RTCP feedback). Its answer is
 * only logged (a site that does not take it says 415 or 501). FALSE when
 * the call is not connected (or is ending): nothing sent. */
gboolean rc_sip_call_info(rc_sip_call *call, const char *content_type, const char *body);

/* Calls @uri ("sip:…") from @from ("sip:roomctl@…") with the SDP @offer;
 * @auth_user and @auth_password (NULL: none) answer a digest challenge
 * once. @call_data is the host's record: call_state RINGING, answered,
 * CONNECTED (once the ACK is sent), ENDED (the site's refusal, its BYE, a
 * timeout) follow. (transfer none) valid until ENDED. */
rc_sip_call *rc_sip_call_invite(rc_sip *sip, const char *uri, const char *from, const char *offer,
                                const char *auth_user, const char *auth_password, gpointer call_data);

/* The registration of @user: its contact and source (transfer full, may be
 * NULL), seconds left; FALSE when not registered. */
gboolean rc_sip_registration(rc_sip *sip, const char *user, char **contact, char **source, int *expires_in);
/* Whether @user is registered from @source_ip (any port: a TCP
 * connection's differs from the REGISTER's). */
gboolean rc_sip_registered_from(rc_sip *sip, const char *user, const char *source_ip);

/* Counters for /metrics. */
typedef struct {
  guint64 requests;       /* every request received */
  guint64 rate_limited;   /* answered 503 by the per-source limit */
  guint64 challenges;     /* 401 sent */
  guint64 auth_failures;  /* wrong digest (403) */
  guint64 registrations;  /* successful REGISTERs */
  guint64 invites;        /* INVITEs received */
  guint64 calls_answered; /* 200 OK sent */
  guint64 calls_refused;  /* final error responses to INVITE */
  guint64 info_fast_update, info_dtmf, info_other; /* INFOs received: 200 with a keyframe asked, a digit; the rest */
  guint64 info_sent;                               /* INFOs sent (rc_sip_call_info) */
  guint registered_now;
  guint calls_now;
} rc_sip_counters;
void rc_sip_counters_get(rc_sip *sip, rc_sip_counters *out);
