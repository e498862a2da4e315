/* site-floor — the use case "a site asks for the floor": a site of a live
 * session asks (from /site/, by its keypad in a SIP call, or staff for
 * it) and withdraws; the session keeps the sites asking, first asked
 * first, each with the time it asked. A request ends when the site
 * withdraws, when the program goes to the site (program.c ends it in the
 * floor log's commit: floor.site, or the floor given to one of its
 * delegates), and is dropped when the site leaves the session or the
 * session ends. A site that goes offline keeps its request: the chair
 * sees it asking and its health beside it, and a site that redials finds
 * its place kept.
 *
 * Everything is in the store (site_floor_requests): each change is
 * committed with its audit row (floor.site.request, floor.site.withdraw)
 * and then announced to the session as floor.sites.updated (the chair's
 * console, the secretariat, the technicians); a restarted controller reads
 * the same list. Main loop only. */
#pragma once
#include "app/domain.h"
#include "model/meeting.h"
#include "store/store.h"

#include <jansson.h>

typedef enum {
  RC_SITE_FLOOR_VIA_SITE,   /* the site's own app (/site/) */
  RC_SITE_FLOOR_VIA_KEYPAD, /* its keypad, in a SIP call */
  RC_SITE_FLOOR_VIA_STAFF,  /* a chair, secretariat or technician for it */
} rc_site_floor_via;

typedef struct rc_site_floor rc_site_floor;

/* Both borrowed. (transfer full) */
rc_site_floor *rc_site_floor_new(rc_store *store, rc_meeting *meeting);
void rc_site_floor_free(rc_site_floor *floor);
/* Drops requests as sessions end and sites leave them. @domain borrowed. */
void rc_site_floor_follow(rc_site_floor *floor, rc_domain *domain);

/* @site_id asks for the floor in @session_id (@by: the user, 0 for the
 * site itself). Asking again keeps the first request and its place.
 * RC_ERROR_INVALID_STATE: the session is not live; RC_ERROR_NOT_FOUND: no
 * such session; RC_ERROR_INVALID: the site is not one of the session's.
 * The list after (transfer full). */
json_t *rc_site_floor_ask(rc_site_floor *floor, gint64 session_id, gint64 site_id, rc_site_floor_via via, gint64 by,
                          GError **error);
/* @site_id withdraws its request; RC_ERROR_NOT_FOUND when it has none.
 * The list after (transfer full). */
json_t *rc_site_floor_withdraw(rc_site_floor *floor, gint64 session_id, gint64 site_id, rc_site_floor_via via,
                               gint64 by, GError **error);

/* {"session_id","sites":[{site_id, code, name, transport, via, requested_at}]},
 * first asked first. (transfer full) */
json_t *rc_site_floor_json(rc_store *store, gint64 session_id);
/* Tells the session the list now (floor.sites.updated). */
void rc_site_floor_announce(rc_store *store, rc_meeting *meeting, gint64 session_id);
