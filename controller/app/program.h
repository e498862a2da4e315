/* program — the use case "a live session's program": its media come up
 * when the session goes live and down when it ends, follow the session's
 * sites, give the program to the floor holder's site (stored in the floor
 * log, audited, announced as media.updated), take the chair's layout, mark
 * agenda items in the recording, and note when a switch finished.
 * Main loop only. */
#pragma once
#include "media/media.h"
#include "model/meeting.h"
#include "store/store.h"

typedef struct rc_program rc_program;

/* All borrowed. (transfer full) */
rc_program *rc_program_new(rc_store *store, rc_meeting *meeting);
void rc_program_free(rc_program *program);
/* The conference media, or NULL (none configured, or shutting down). */
void rc_program_set_media(rc_program *program, rc_media *media);

/* What session @session_id's media may do (closed, recorded, at RTSP), as
 * stored; the defaults when it cannot be read. */
rc_media_policy rc_program_policy(rc_store *store, gint64 session_id);
/* The session was closed or its outputs switched: its media follow at once. */
void rc_program_policy_changed(rc_program *program, gint64 session_id);

/* Whether @session_id has the media now. */
gboolean rc_program_running(rc_program *program, gint64 session_id);
/* The session went live (media up for its sites) or ended (down). */
void rc_program_session_live(rc_program *program, gint64 session_id, gboolean live);
/* The session's sites changed: the media follows. */
void rc_program_sites_changed(rc_program *program, gint64 session_id);

/* The program follows @site_id (0 = the chair's site), granted to
 * @user_id (0 = none) by @by. TRUE without doing anything when the session
 * has no media: the floor is then only the meeting's. */
gboolean rc_program_floor(rc_program *program, gint64 session_id, gint64 site_id, gint64 user_id, gint64 by,
                          GError **error);
/* The chair's layout: @tiles (gint64 site ids) or NULL to keep them. */
gboolean rc_program_layout(rc_program *program, gint64 session_id, rc_program_mode mode, const GArray *tiles,
                           gint64 by, GError **error);
/* Agenda item @item_id starts: marked in the recording. */
void rc_program_item(rc_program *program, gint64 session_id, gint64 item_id);
/* The media's switch callback (rc_media_switch_fn), with the program as data. */
void rc_program_switched(gint64 session_id, gint64 site_id, gint64 grant_to_switch_us, gpointer program);

struct rc_domain;
/* Follows the meeting: a session live or ended (media up or down), the
 * current item (marked), the floor granted to a delegate of a site or
 * ended (the program follows), the sites changed. */
void rc_program_follow(rc_program *program, struct rc_domain *domain);

/* Session @session_id's program as the wire shows it: {"session_id" (0 = no
 * media),"mode","chair_site_id","floor_site_id","source_site_id","tiles","sites":N,
 * "recording":{…}|null,"rtsp_url","rtsp_program" (also at /program),"room_audio"}
 * (transfer full) */
json_t *rc_program_status_json(rc_media *media, gint64 session_id);
