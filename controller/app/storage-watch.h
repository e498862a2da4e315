/* storage-watch — a full disk and a stopped recording as alarms without a
 * site (disk_low, disk_full, recording); see storage-watch.c. Main loop only. */
#pragma once
#include "base/config.h"
#include "media/media.h"
#include "model/meeting.h"
#include "store/store.h"
#include "app/votes.h"

typedef struct rc_storage_watch rc_storage_watch;

/* Starts the [storage] check_seconds timer. All borrowed. (transfer full) */
rc_storage_watch *rc_storage_watch_new(rc_config *config, rc_store *store, rc_meeting *meeting, rc_votes *votes);
void rc_storage_watch_free(rc_storage_watch *watch);
void rc_storage_watch_set_media(rc_storage_watch *watch, rc_media *media);
/* With each media tick of @session_id: a stopped recording raises its alarm. */
void rc_storage_watch_on_media(rc_storage_watch *watch, gint64 session_id);
void rc_storage_watch_session_ended(rc_storage_watch *watch, gint64 session_id);
struct rc_domain;
/* Follows the meeting: a session that ends has its recording alarm cleared. */
void rc_storage_watch_follow(rc_storage_watch *watch, struct rc_domain *domain);
/* Appends to @alarms the raised alarms of @session_id not stored yet (as the wire shows alarms). */
void rc_storage_watch_pending(rc_storage_watch *watch, gint64 session_id, json_t *alarms);
/* The least free space where roomctl writes at the last check; -1 unknown. */
gint64 rc_storage_watch_free_bytes(rc_storage_watch *watch);
