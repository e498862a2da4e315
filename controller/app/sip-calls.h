/* sip-calls — the use case "a SIP site joins its session by calling in":
 * the controller's SIP stack (devices/sip.h) with the decisions that need
 * the store. A caller is matched to its site by digest (the site's
 * sip_user and sip_password), by its registration, or, for a site without
 * credentials, by the address it is configured at; an unknown caller gets
 * 403 and an audit row (sip.refused). It calls a conference: "phien-<id>"
 * or the digits of the session id; a site not in that live session gets
 * 404. The offer is answered (sip-sdp.h) under the site's media security,
 * else the [sip] default: 488 when nothing fits.
 *
 * Owns the call records of each session (in memory: the ringing,
 * connected and ended times, who hung up and the SIP cause, what was
 * negotiated, the SRTP keys both ways for the media), kept after the call
 * ends (the last 200 a session). Each record is also written to the store
 * (store-sip.c, table sip_calls) when it is made and at each change of its
 * state, without its keys, within STORE_BATCH_MS (50 ms: a burst of calls
 * is one commit, not two a call): the story outlives a restart, kept until the
 * session is deleted; a call a stopped run left open is ended 'restart'
 * at the next start. Hangs up a session's calls when it ends
 * and a site's call when it leaves the session (domain events). Each
 * change of a call's state (calling, ringing, connected, ended, refused) is
 * published as RC_DOMAIN_SIP_CALL and, to the session's technicians, as the
 * transient event sip.call {call: <record>}. Main loop only.
 *
 * INFO within a call (devices/sip-info.h): a site's picture_fast_update
 * (RFC 5168) asks the session's program for a keyframe through the
 * callback of rc_sip_calls_on_keyframe (the media merge every receiver's
 * requests into at most one per tick, so a flood of them costs the encoder
 * nothing more; INFOs also count against [sip] requests_per_second); a
 * keypad digit (application/dtmf-relay or application/dtmf, or an RFC 4733
 * telephone-event the media hand over: rc_sip_calls_keyed) is kept in the
 * call record ("dtmf": its last RC_SIP_CALLS_DTMF_KEEP digits) and
 * published like any change of the call; the digits are read as a
 * sequence per call (model/keypad.h: "*1" asks for the floor, "*0" or "#"
 * withdraws) and what they mean goes to rc_sip_calls_on_keypad's callback.
 * rc_sip_calls_fast_update sends the site our own picture_fast_update, for
 * gear without RTCP feedback. */
#pragma once
#include "app/domain.h"
#include "base/config.h"
#include "devices/sip-sdp.h"
#include "model/keypad.h"
#include "model/meeting.h"
#include "store/store.h"

#include <jansson.h>

typedef struct rc_sip_calls rc_sip_calls;

/* Starts SIP as [sip] says ([sip] port 0: NULL, no error). NULL with
 * @error when the stack cannot start (a port in use). All borrowed; they
 * outlive it. (transfer full) */
rc_sip_calls *rc_sip_calls_new(rc_config *config, rc_store *store, GError **error);
/* Ends every call (BYE) and stops the stack. */
void rc_sip_calls_free(rc_sip_calls *calls);

/* Follows @domain's session events, and tells each call's changes to
 * @domain and to @meeting's technicians (NULL, NULL: stops both). Both
 * borrowed. */
void rc_sip_calls_follow(rc_sip_calls *calls, rc_domain *domain, rc_meeting *meeting);

/* The address sites dial for @session_id: "sip:phien-<id>@DOMAIN[:PORT]"
 * ([sip] domain, else the listen address, else the host name). (transfer full) */
char *rc_sip_calls_conference(rc_sip_calls *calls, gint64 session_id);
/* What a call record keeps of the digits its site sent (the last ones). */
#define RC_SIP_CALLS_DTMF_KEEP 16

/* The program of @session_id should send a keyframe: @site_id's call asked
 * (INFO picture_fast_update). Main loop. */
typedef void (*rc_sip_calls_keyframe_fn)(gint64 session_id, gint64 site_id, gpointer data);
/* Sets who is asked for a program keyframe (NULL: nobody); @data borrowed. */
void rc_sip_calls_on_keyframe(rc_sip_calls *calls, rc_sip_calls_keyframe_fn fn, gpointer data);
/* What @site_id's keypad in @session_id asked (keypad.h). Main loop. */
typedef void (*rc_sip_calls_keypad_fn)(gint64 session_id, gint64 site_id, rc_keypad_action action, gpointer data);
/* Sets who hears the keypads' requests (NULL: nobody); @data borrowed. */
void rc_sip_calls_on_keypad(rc_sip_calls *calls, rc_sip_calls_keypad_fn fn, gpointer data);
/* A digit @site_id keyed in its connected call in @session_id that the
 * media read from its audio (an RFC 4733 telephone-event, once a key):
 * as an INFO's. FALSE when it has no connected call. */
gboolean rc_sip_calls_keyed(rc_sip_calls *calls, gint64 session_id, gint64 site_id, char digit, guint duration_ms);

/* Keys @keys (each 0-9 * # A-D) on @site_id's connected call in
 * @session_id, one INFO application/dtmf-relay each, in order: the
 * cascade's uplink asks its province for the floor ("*1") so.
 * RC_ERROR_NOT_FOUND when it has no connected call. */
gboolean rc_sip_calls_send_keys(rc_sip_calls *calls, gint64 session_id, gint64 site_id, const char *keys,
                                GError **error);

/* Sends @site_id's connected call in @session_id an INFO
 * picture_fast_update (RFC 5168): the site should send a keyframe.
 * RC_ERROR_NOT_FOUND when it has no connected call. */
gboolean rc_sip_calls_fast_update(rc_sip_calls *calls, gint64 session_id, gint64 site_id, GError **error);

/* Session @session_id's call records, oldest first: first the stored ones
 * older than those in memory (an earlier run's, or past the 200; the last
 * 200 of them, each with stored: true and media {video, audio}: null or
 * {codec, srtp} only), then those in memory: {id (the stored record's, so
 * ids rise across restarts), session_id, site_id, site_code, direction,
 * state (calling | ringing | connected | ended | refused), caller (digest |
 * registered | address | controller), call_id, from, source, transport,
 * started_at, ringing_at, connected_at, ended_at, ended_by (site |
 * controller | timer | restart | null), cause {status, phrase}, srtp (the
 * policy), media {video, audio}: null or {codec, payload_type, clock_rate,
 * remote {address, rtp_port, rtcp_port}, local {address, rtp_port}, ssrc,
 * srtp, suite, direction, for audio telephone_event (its payload type, null: none), and for video profile_level_id,
 * packetization_mode, max_fs, max_mbps, tier, pli, fir}}, dtmf (the last
 * digits the site keyed, "" when none). Never a key. (transfer full) */
json_t *rc_sip_calls_list(rc_sip_calls *calls, gint64 session_id);
/* Every site of transport sip with a sip_user: {site_id, code,
 * organisation_id, sip_user, registered, contact, source, expires_in}.
 * (transfer full) */
json_t *rc_sip_calls_registrations(rc_sip_calls *calls, GError **error);
/* Hangs up @site_id's live call in @session_id (BYE, or CANCEL while it
 * rings) and drops its queued call and pending redial; @site_id 0: every
 * call of the session, and every call it was still to make. *@ended (may be
 * NULL): the calls being hung up. RC_ERROR_NOT_FOUND when @site_id had
 * neither a call nor one to come (never for 0). */
gboolean rc_sip_calls_hangup(rc_sip_calls *calls, gint64 session_id, gint64 site_id, guint *ended, GError **error);

/* Calls @site_id (0: every SIP site of the session with an address) now,
 * staggered at [sip] dials_per_second; its backoff starts again.
 * RC_ERROR_INVALID_STATE when the session is not live. */
gboolean rc_sip_calls_dial(rc_sip_calls *calls, gint64 session_id, gint64 site_id, GError **error);

/* What the next step's media needs of @site_id's connected call in
 * @session_id: the negotiated offer and our keys; FALSE when none. */
gboolean rc_sip_calls_media(rc_sip_calls *calls, gint64 session_id, gint64 site_id, rc_sip_sdp_offer *offer,
                            rc_sip_crypto *video_key, rc_sip_crypto *audio_key);

/* The session's media (NULL: none): each call's negotiated media go to
 * its site's transport (media.h rc_media_sip_call) when the call is up or
 * re-negotiates, and stop when it ends. Borrowed; outlives @calls or is
 * set to NULL first. */
struct rc_media;
void rc_sip_calls_set_media(rc_sip_calls *calls, struct rc_media *media);

/* The SIP families of /metrics, appended to @out. */
void rc_sip_calls_metrics(rc_sip_calls *calls, GString *out);
