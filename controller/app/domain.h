/* domain — what happened in the meeting, told inside the process: a use
 * case stores its change (one commit), then publishes a domain event here;
 * the parts that follow the meeting subscribe (the program's media, the
 * site health, the storage alarms). Typed, synchronous, on the main loop,
 * in the order of subscription. Not the wire: the tablets and dashboards
 * hear of changes through the outbound event table (events.h). */
#pragma once
#include <glib.h>

typedef enum {
  RC_DOMAIN_SESSION_LIVE,   /* session_id went live (or is live again after a restart) */
  RC_DOMAIN_SESSION_ENDED,  /* session_id ended: its vote closed and its floor cleared first */
  RC_DOMAIN_ITEM_CHANGED,   /* item_id became the current agenda item of session_id */
  RC_DOMAIN_FLOOR_GRANTED,  /* user_id (of site_id, 0 = none) has the floor, by */
  RC_DOMAIN_FLOOR_ENDED,    /* the turn ended, by */
  RC_DOMAIN_SITES_CHANGED,  /* session_id's sites were changed (or one of them) */
  RC_DOMAIN_SIP_CALL,       /* call_id, site_id's SIP call in session_id, changed state (sip-calls.h) */
  RC_DOMAIN_SESSION_POLICY, /* session_id was closed, or its recording or RTSP output switched */
} rc_domain_kind;

typedef struct {
  rc_domain_kind kind;
  gint64 session_id;
  gint64 item_id, user_id, site_id;
  gint64 call_id; /* RC_DOMAIN_SIP_CALL: the call record's id */
  gint64 by; /* the user who acted, 0 = the controller */
} rc_domain_event;

typedef void (*rc_domain_fn)(const rc_domain_event *event, gpointer data);

typedef struct rc_domain rc_domain;

rc_domain *rc_domain_new(void);
void rc_domain_free(rc_domain *domain);
/* @fn(@data) hears every event published after this call. */
void rc_domain_subscribe(rc_domain *domain, rc_domain_fn fn, gpointer data);
/* @fn(@data) hears no more events. */
void rc_domain_unsubscribe(rc_domain *domain, rc_domain_fn fn, gpointer data);
void rc_domain_publish(rc_domain *domain, const rc_domain_event *event);
