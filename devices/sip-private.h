/* sip-private — what devices/sip.c (the stack on the main loop, calls,
 * INFO, life) and devices/sip-registrar.c (digest and the registrar)
 * share: the stack's and a call's state. Main loop only. */
#pragma once
#define NUA_MAGIC_T struct rc_sip
#define NUA_HMAGIC_T struct rc_sip_call
#define SU_ROOT_MAGIC_T struct rc_sip
#include "devices/sip.h"

#include <gio/gio.h>
#include <sofia-sip/auth_digest.h>
#include <sofia-sip/auth_module.h>
#include <sofia-sip/auth_plugin.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_util.h>
#include <sofia-sip/su_glib.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/su_uniqueid.h>
#include <sofia-sip/tport_tag.h>
#include <sodium.h>
#include <string.h>

#define PRUNE_SECONDS 5
#define SHUTDOWN_US (2 * G_USEC_PER_SEC)

typedef struct {
  char *contact, *source, *source_ip;
  gint64 expires_at; /* monotonic µs */
} binding;

typedef struct {
  double tokens;
  gint64 last, logged; /* monotonic µs */
} bucket;

struct rc_sip {
  rc_sip_settings settings;
  char *realm, *listen, *tls_dir;
  rc_sip_host host;
  su_home_t home[1];
  su_root_t *root;
  GSource *source;
  nua_t *nua;
  auth_mod_t *auth;
  GHashTable *bindings; /* user → binding */
  GHashTable *buckets;  /* source address → bucket */
  GHashTable *calls;    /* rc_sip_call set */
  guint prune;
  gboolean shut_down;
  rc_sip_counters counters;
};

struct rc_sip_call {
  rc_sip *sip;
  nua_handle_t *nh;
  gpointer call_data; /* the host's, once it accepted */
  gboolean connected, ending;
  rc_sip_end end;
  gboolean awaiting_answer; /* our 200 to an offerless re-INVITE carried an offer: the ACK answers */
  gboolean own_ack;         /* we ACK the 200s of sofia's refresh re-INVITEs (their offer is ours to answer) */
  int cause;
  char *phrase;
  GPtrArray *response_phrases; /* nua_respond keeps the pointer until it sends: ours until the call is freed */
  /* a call the controller makes */
  gboolean outgoing, ringing, answered;
  char *auth_user, *auth_password;
  int auth_tries;
};

/* Where a request came from. */
typedef struct {
  char ip[64];
  char address[80]; /* "ip:port" */
  char transport[4];
} origin;

/* Shared between the two files (sipd_: not part of sip.h). */
/* The URI @url as text. (transfer full) */
char *sipd_url_text(const url_t *url);
void sipd_read_origin(nua_t *nua, const sip_t *m, origin *out);
/* Whether @source may send one more INVITE/REGISTER now (a token bucket of
 * requests_per_second, burst twice that). A refusal is logged once a minute
 * per source. */
gboolean sipd_rate_ok(rc_sip *sip, const origin *o);
/* Checks the request's Authorization against our realm: as->as_status 0
 * (as->as_user set), or 401 with as->as_response the challenge, 403, 400. */
auth_status_t *sipd_authenticate(rc_sip *sip, su_home_t *home, const sip_t *m);
/* Answers a failed authentication (challenge, 403, 400…). */
void sipd_respond_auth_failure(rc_sip *sip, nua_handle_t *nh, auth_status_t *as, const sip_t *m, const origin *o);
/* A 401 with a fresh challenge. */
void sipd_respond_challenge(rc_sip *sip, nua_handle_t *nh, su_home_t *home, const sip_t *m);
void sipd_on_register(rc_sip *sip, nua_handle_t *nh, const sip_t *m);
void sipd_unbind(rc_sip *sip, const char *user);
