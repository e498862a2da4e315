/* metrics — the technicians' views of the figures: the Prometheus text
 * (format 0.0.4) that /metrics serves, made from the live sessions, the
 * alarms, the process, the store, the free space and the media's figures
 * as the site health keeps them, at most once a second however often it
 * is read; and the health dashboard's snapshot of a session. Main loop
 * only. */
#pragma once
#include "app/site-health.h"
#include "app/storage-watch.h"
#include "media/media.h"
#include "store/store.h"

typedef struct rc_metrics rc_metrics;

/* All borrowed. (transfer full) */
rc_metrics *rc_metrics_new(rc_store *store, rc_site_health *health, rc_storage_watch *storage);
/* The media, for the WebRTC port's counters (NULL: none). */
void rc_metrics_set_media(rc_metrics *m, rc_media *media);
/* The SIP calls, for their counters (NULL: none). */
struct rc_sip_calls;
void rc_metrics_set_sip(rc_metrics *m, struct rc_sip_calls *sip);
void rc_metrics_free(rc_metrics *m);

/* The Prometheus text; @ws_clients, the open WebSockets, counts when the
 * text is made anew. (transfer full) */
GBytes *rc_metrics_text(rc_metrics *m, guint ws_clients);

/* Session @session_id's health as the dashboard starts from: {session_id,
 * counts, sites, alarms (active, with the storage alarm pending), media
 * (the program's status, null without @media or its session)}.
 * (transfer full) */
json_t *rc_metrics_health_snapshot(rc_metrics *m, rc_media *media, gint64 session_id);
