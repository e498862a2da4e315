/* media — the conference's media, run through GStreamer: ingest of every
 * site's RTP on a few shared ports (demultiplexed by SSRC, statistics inline),
 * the program (switch: the chosen site forwarded as is; compose: a grid,
 * encoded once per tier), the audio mix with mix-minus, the fan-out to all
 * sites, recording and the RTSP program output, and room audio.
 * One live session has media at a time. Main loop API; streaming threads
 * hand results back to the main loop. */
#pragma once
#include "config.h"
#include "rc-json.h"

typedef struct rc_media rc_media;

/* Called on the main loop twice a second with every site's figures
 * (transfer none): {"session_id","sites":[{site_id, code, video:{...}, audio:{...},
 * rtcp:{...}}], "program":{...}}. */
typedef void (*rc_media_stats_fn)(json_t *snapshot, gpointer user_data);
/* Called on the main loop when the program's source changed (a new floor
 * holder's keyframe went out): @site_id 0 = nobody. */
typedef void (*rc_media_switch_fn)(gint64 site_id, gint64 grant_to_switch_us, gpointer user_data);

/* (transfer full); @config borrowed. Nothing is opened until a session starts. */
rc_media *rc_media_new(rc_config *config);
void rc_media_free(rc_media *media);
void rc_media_set_callbacks(rc_media *media, rc_media_stats_fn stats, rc_media_switch_fn switched,
                            gpointer user_data);

struct rc_room_audio;
/* Gives the media the hall's microphone and speakers (borrowed; NULL = none). */
void rc_media_set_room_audio(rc_media *media, struct rc_room_audio *room);

/* Brings up media for live session @session_id with @sites (array of site
 * objects as the API shows them). RC_ERROR_INVALID_STATE if another session
 * has media. */
gboolean rc_media_start(rc_media *media, gint64 session_id, json_t *sites, GError **error);
/* Like rc_media_start, for a pre-session check: the sites' figures only,
 * no program, recording or RTSP. */
gboolean rc_media_start_check(rc_media *media, gint64 session_id, json_t *sites, GError **error);
/* Tears down the session's media (recording finished and closed). */
void rc_media_stop(rc_media *media);
gint64 rc_media_session(rc_media *media);
/* Replaces the session's site list: new sites join, dropped ones leave. */
void rc_media_set_sites(rc_media *media, json_t *sites);

/* The site that holds the floor (0 = none: the program shows the chair's
 * site). Asks the new source for a keyframe; the program switches when it
 * comes. */
gboolean rc_media_set_floor(rc_media *media, gint64 site_id, GError **error);
/* @tiles: gint64 site ids shown besides the chair and the floor (up to 8,
 * compose only); NULL keeps the ones set before. (transfer none) */
gboolean rc_media_set_layout(rc_media *media, rc_program_mode mode, const GArray *tiles, GError **error);
/* Notes an agenda item's start in the recording's index. */
void rc_media_mark_item(rc_media *media, gint64 item_id, const char *title);

/* {"session_id","mode","chair_site_id","floor_site_id","source_site_id",
 *  "tiles","sites":N,"recording":{...},"rtsp_url"} (transfer full) */
json_t *rc_media_status(rc_media *media);
/* The last per-site figures (as in the stats callback). (transfer full) */
json_t *rc_media_stats(rc_media *media);
/* The recent senders of an SSRC no site of the session has, video then
 * audio, each the most recent first: {"session_id","senders":[{"medium","address","ssrc","ssrc_hex",
 * "payload_type","packets","first_seen","last_seen"}]} (transfer full). */
json_t *rc_media_unknown_senders(rc_media *media);
/* The configured RTSP URL path, e.g. rtsp://HOST:8554/program. */
