/* site-health — the use case "watch the sites of the live sessions": each
 * session with media has its own watch; twice a second its figures go
 * through the health state machine (health.h);
 * the tick's state changes, alarms and site-call rows are stored in one
 * commit, then the alarms and the dashboard's rows are published
 * (technicians' topic, so 600 sites a second never reach a delegate's
 * tablet). Each site's calls become the session's site attendance. Also the
 * pre-session check: the media up for a scheduled session's sites, figures
 * only, and a verdict per site after [health] check_seconds.
 * Main loop only. */
#pragma once
#include "base/config.h"
#include "model/health.h"
#include "media/media.h"
#include "model/meeting.h"
#include "store/store.h"

typedef struct rc_site_health rc_site_health;

/* All borrowed. (transfer full) */
rc_site_health *rc_site_health_new(rc_config *config, rc_store *store, rc_meeting *meeting);
void rc_site_health_free(rc_site_health *sh);
/* The media (or NULL), for the pre-session check. */
void rc_site_health_set_media(rc_site_health *sh, rc_media *media);

/* One media tick (rc_media_stats_fn's figures). */
void rc_site_health_tick(rc_site_health *sh, rc_media_figures *figures);
/* The session ended: its open site calls are closed. */
void rc_site_health_session_ended(rc_site_health *sh, gint64 session_id);

struct rc_domain;
/* Follows the meeting: a session that ends has its site calls closed. */
void rc_site_health_follow(rc_site_health *sh, struct rc_domain *domain);

/* The last figures of every watched session (array of rc_media_figures*,
 * borrowed; transfer container). */
GPtrArray *rc_site_health_figures(rc_site_health *sh);
/* A site's state in the session whose media has it (UNKNOWN when none). */
rc_health_state rc_site_health_state(rc_site_health *sh, gint64 site_id);
/* The wire's shapes (api, events): {"unknown":n,"online":n,"degraded":n,"offline":n}
 * and the dashboard's row per site of @session_id's last figures. (transfer full) */
json_t *rc_site_health_counts_json(rc_site_health *sh, gint64 session_id);
json_t *rc_site_health_rows_json(rc_site_health *sh, gint64 session_id);
/* One media port's dropped packets by reason: {"unknown_ssrc":n,…}. (transfer full) */
json_t *rc_site_health_dropped_json(const guint64 counts[RC_DROP_REASONS]);

/* Starts the pre-session check of scheduled session @session_id by
 * @user_id; its id. RC_ERROR_INVALID_STATE unless the session is scheduled
 * and has no check running. Sites in another session's media are not
 * checked: the result names that session (verdict "busy"). Progress and
 * the result are published as check.progress and check.finished. The
 * check's row and its audit row (check.start) are one commit. */
gint64 rc_site_health_check_start(rc_site_health *sh, gint64 session_id, gint64 user_id, GError **error);

/* Alarm @alarm_id acknowledged by @user_id, with its audit row (alarm.ack)
 * in the same commit, then alarm.acked to the session's technicians: the
 * alarm, or NULL with @error (RC_ERROR_NOT_FOUND; RC_ERROR_INVALID_STATE when
 * acknowledged already). (transfer full) */
json_t *rc_site_health_alarm_ack(rc_site_health *sh, gint64 alarm_id, gint64 user_id, GError **error);
