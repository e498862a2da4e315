/* media — the conference's media, run through GStreamer: ingest of every
 * site's RTP on a few shared ports (demultiplexed by SSRC, statistics inline),
 * the program (switch: the chosen site forwarded as is; compose: a grid,
 * encoded once per tier), the audio mix with mix-minus, the fan-out to all
 * sites, recording and the RTSP program output, and room audio.
 * Several sessions have media at once, each its own program, mix, fan-out,
 * recording and RTSP path, on the same shared ports; a site is in one of
 * them at a time. Main loop API; streaming threads hand results back to
 * the main loop. */
#pragma once
#include "base/config.h"
#include "base/srtp-openssl.h"
#include "devices/sip-sdp.h"
#include <glib.h>

typedef struct rc_media rc_media;

/* ---- the figures, twice a second ---- */

/* Why the media ports dropped a packet (rc_media_figures.dropped). */
typedef enum {
  RC_DROP_UNKNOWN_SSRC,
  RC_DROP_MALFORMED,
  RC_DROP_WRONG_PAYLOAD_TYPE,
  RC_DROP_RTCP_MALFORMED,
  RC_DROP_OVER_CAP,
  RC_DROP_SRTP_FAILED,        /* from a site's signalled address, but it does not decrypt or authenticate */
  RC_DROP_SPOOFED,            /* a site's SSRC from elsewhere than where it is: its media_from (plain RTP),
                               * its call's signalled or authenticated address (SIP), fed only (WebRTC, pulls) */
  RC_DROP_REASONS
} rc_drop_reason;
/* "unknown_ssrc", "malformed", … as the API and /metrics name them. */
const char *rc_drop_reason_name(rc_drop_reason reason);

/* One stream a site sends (its video or its audio), at one tick. */
typedef struct {
  guint64 packets, bytes, expected;
  gint64 lost;                   /* expected - received (RFC 3550) */
  double loss_ratio;             /* lost / expected, 0..1 */
  guint64 settled_expected, settled_lost; /* the same, settled: steady under reordering */
  double jitter_ms;
  guint64 bitrate_bps;           /* everything, keyframes too */
  guint64 delta_bitrate_bps;     /* everything but keyframes */
  double idle_s;                 /* since its last packet; -1 = none yet */
  guint64 keyframes;
  double keyframe_interval_s;
  double keyframe_age_s;         /* since its last keyframe; -1 = none yet */
  int payload_type, cap_kbps;    /* what it should send, its cap (0 = none) */
  guint64 over_cap_packets, over_cap_bytes; /* dropped above the cap */
  guint64 wrong_pt_packets;      /* dropped: a payload type it should not send */
  int wrong_pt;                  /* the last of those; -1 = none yet */
  double wrong_pt_age_s;         /* -1 = none yet */
  guint64 spoofed_packets;       /* dropped: its SSRC from elsewhere than where the site is */
  char spoofed_from[24];         /* the last of those's "IP:PORT" ("" = none yet) */
  double spoofed_age_s;          /* -1 = none yet */
  /* The site's RTCP receiver report about the program it receives. */
  gboolean have_rr;
  double rr_fraction_lost;       /* 0..1 */
  gint32 rr_cumulative_lost;
  guint32 rr_jitter;             /* in RTP timestamp units */
  double rr_age_s;
} rc_media_stream_figures;

typedef struct {
  gint64 site_id;
  char *code, *name;
  gboolean have_video, have_audio; /* which of its streams the ingest has */
  rc_media_stream_figures video, audio;
  /* Its transport's link (devices/site-transport.h): "rtp" (connectionless,
   * always up) or "pull" (up while the camera or stream plays). */
  const char *transport;         /* static */
  gboolean link_up;
  char *link_why;                /* why it is (or last went) down, or NULL */
  guint link_downs;
  /* What its transport can: take the program back (an RTSP camera or a
   * pulled SRT stream cannot), and the codec of the audio it sends
   * ("opus", "pcmu", "pcma", "g722", "aac"; NULL: not known yet). */
  gboolean receives_program;
  const char *audio_codec;       /* static */
  gboolean audio_absent;         /* its source has no audio at all (a camera without a microphone) */
  int tier;                      /* the program tier it takes in compose mode (its level's, or its call's decoder's) */
  gboolean held;                 /* its call is on hold: it said it sends nothing */
  char *refused;                 /* why its closed session refuses it (media in clear), or NULL */
  const char *nowhere;           /* static: why all its media are refused (a plain site configured nowhere), or NULL */
  gboolean encrypted;            /* its media are encrypted both ways (rc_site_transport_encrypted) */
} rc_media_site_figures;

#define RC_MEDIA_DELAY_BUCKETS 19
typedef struct rc_media_figures {
  gint64 session_id;
  GArray *sites;                 /* rc_media_site_figures, each site that sent once */
  /* [0] video, [1] audio ports (every session's: they share them), since
   * the first of the sessions with media now started. */
  guint64 dropped[2][RC_DROP_REASONS];
  /* The switch program's forwarding delay: a cumulative histogram (ms;
   * the last bucket is +Inf) and its quantiles over the last 10 s (-1 =
   * nothing forwarded, G_MAXDOUBLE = in the +Inf bucket). */
  struct {
    const double *bounds_ms;     /* RC_MEDIA_DELAY_BUCKETS - 1 of them */
    guint64 counts[RC_MEDIA_DELAY_BUCKETS];
    guint64 count;
    double sum_ms, p50_ms_10s, p99_ms_10s;
  } forward_delay;
} rc_media_figures;

/* Figures are shared read-only on the main loop: whoever keeps them refs them. */
rc_media_figures *rc_media_figures_ref(rc_media_figures *figures);
void rc_media_figures_unref(rc_media_figures *figures);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(rc_media_figures, rc_media_figures_unref)

/* Called on the main loop twice a second for each session with media, with
 * every site's figures (transfer none). */
typedef void (*rc_media_stats_fn)(rc_media_figures *figures, gpointer user_data);
/* Called on the main loop when a session's program source changed (a new
 * floor holder's keyframe went out): @site_id 0 = nobody. */
typedef void (*rc_media_switch_fn)(gint64 session_id, gint64 site_id, gint64 grant_to_switch_us, gpointer user_data);

/* (transfer full); @config borrowed. Nothing is opened until a session starts. */
rc_media *rc_media_new(rc_config *config);
void rc_media_free(rc_media *media);
void rc_media_set_callbacks(rc_media *media, rc_media_stats_fn stats, rc_media_switch_fn switched,
                            gpointer user_data);

struct rc_room_audio;
/* Gives the media the hall's microphone and speakers (borrowed; NULL = none). */
void rc_media_set_room_audio(rc_media *media, struct rc_room_audio *room);

/* A site as the media takes it (strings borrowed for the call). */
typedef struct {
  gint64 id;
  const char *code, *name;
  const char *level;     /* "province", "district", "commune", … (communes get the smallest tier) */
  const char *transport; /* "rtp" (it sends to our ports), "rtsp" or "srt" (pulled); NULL = "rtp" */
  const char *address;   /* where it receives ("HOST:PORT", video; audio on PORT+2) or what is
                          * pulled (rtsp://, srt://); NULL = learned from what it sends */
  const char *media_from; /* rtp: where its media may come from (an IPv4 subnet); ""/NULL = its address's host */
  int h264_payload_type, opus_payload_type; /* what it sends; -1 = [media]'s */
  int video_cap_kbps, audio_cap_kbps;       /* its rate caps; -1 = [media]'s, 0 = none */
  const rc_srtp_key *srtp_key; /* a plain-RTP site's SRTP key, NULL = plain */
  gboolean srtp_refused;  /* it has a key that does not open: nothing of it is taken */
} rc_media_site_desc;

/* What a session's media may do. A closed session (phiên họp kín: state
 * secrets) takes media only from sites whose transport encrypts every
 * medium (rc_site_transport_encrypted): another site is refused, its media
 * neither shown, mixed nor recorded, and it gets no program (its figures
 * say why, its link shows down); and it is neither recorded nor served at
 * RTSP, whatever @record and @rtsp say. */
typedef struct {
  gboolean closed;
  int record; /* 1, 0, or -1: as [media] record */
  int rtsp;   /* 1, 0, or -1: while [media] rtsp_port is set */
} rc_media_policy;
#define RC_MEDIA_POLICY_DEFAULT ((rc_media_policy){.closed = FALSE, .record = -1, .rtsp = -1})

/* Brings up media for live session @session_id with @sites (@n of them),
 * beside the other sessions'. RC_ERROR_INVALID_STATE if it has them
 * already. A site in another session's media is left out (logged: the app
 * refuses that before), except from a pre-session check, which a live
 * session takes it from. The first session to start has the hall's room
 * audio if the hall's site is among its sites, and its program at RTSP
 * /program besides /session/ID. */
gboolean rc_media_start(rc_media *media, gint64 session_id, const rc_media_policy *policy,
                        const rc_media_site_desc *sites, guint n, GError **error);
/* Like rc_media_start, for a pre-session check: the sites' figures only,
 * no program, recording or RTSP; sites in another session's media are
 * left out. */
gboolean rc_media_start_check(rc_media *media, gint64 session_id, const rc_media_policy *policy,
                              const rc_media_site_desc *sites, guint n, GError **error);
/* The session's policy changed (closed while live, recording or RTSP
 * switched): applied at once: a recording stops (or starts), the RTSP
 * paths stop serving it (or start), sites in clear are refused from now on.
 * Nothing when it has no media. */
void rc_media_set_policy(rc_media *media, gint64 session_id, const rc_media_policy *policy);
/* Tears down the session's media (recording finished and closed). */
void rc_media_stop(rc_media *media, gint64 session_id);
/* Whether @session_id has media now. */
gboolean rc_media_has(rc_media *media, gint64 session_id);
/* The sessions with media, by id (array of gint64). (transfer full) */
GArray *rc_media_sessions(rc_media *media);
/* The session whose media has site @site_id (0 = none), and whether that
 * is a pre-session check. */
gint64 rc_media_site_session(rc_media *media, gint64 site_id, gboolean *check_only);
/* Replaces the session's site list: new sites join, dropped ones leave,
 * the others take their new payload types and caps. */
void rc_media_set_sites(rc_media *media, gint64 session_id, const rc_media_site_desc *sites, guint n);

/* The site that holds the floor (0 = none: the program shows the chair's
 * site). Asks the new source for a keyframe; the program switches when it
 * comes. */
gboolean rc_media_set_floor(rc_media *media, gint64 session_id, gint64 site_id, GError **error);
/* A receiver of @session_id's program asks for a keyframe (a SIP site's
 * INFO picture_fast_update): merged with every receiver's request, the
 * program's source (the floor holder, or the composed tiles) is asked at
 * most once a tick (half a second). FALSE when the session has no program
 * (no media, or a pre-session check). */
gboolean rc_media_program_keyframe(rc_media *media, gint64 session_id);
/* @tiles: gint64 site ids shown besides the chair and the floor (up to 8,
 * compose only); NULL keeps the ones set before. (transfer none) */
gboolean rc_media_set_layout(rc_media *media, gint64 session_id, rc_program_mode mode, const GArray *tiles,
                             GError **error);
/* Notes an agenda item's start in the session's recording's index. */
void rc_media_mark_item(rc_media *media, gint64 session_id, gint64 item_id, const char *title);

/* The recording of the live session. */
typedef struct {
  gboolean on;          /* FALSE: the session is not recorded ([media] record) */
  gboolean stopped;     /* it stopped on a fault (the disk): @reason, @stopped_s ago */
  char *dir, *index;    /* where its segments and index are */
  guint segments;
  char *reason;
  double stopped_s;
} rc_media_recording;

void rc_media_recording_get(rc_media *media, gint64 session_id, rc_media_recording *out);
void rc_media_recording_clear(rc_media_recording *recording);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(rc_media_recording, rc_media_recording_clear)

/* What a session's program is now. */
typedef struct {
  gint64 session_id;    /* 0 = no media */
  gboolean check_only;  /* a pre-session check: no program */
  gboolean has_room;    /* the hall's microphone and speakers are in it */
  gboolean rtsp_alias;  /* also at RTSP /program */
  rc_program_mode mode;
  gint64 chair_site_id, floor_site_id, source_site_id; /* source: what the program shows now */
  GArray *tiles;        /* gint64 site ids chosen for the compose grid */
  guint sites;
  rc_media_recording recording;
  char *rtsp_url;       /* its path, /session/ID; NULL = no RTSP output */
} rc_media_program;

void rc_media_program_get(rc_media *media, gint64 session_id, rc_media_program *out);
void rc_media_program_clear(rc_media_program *program);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(rc_media_program, rc_media_program_clear)

/* The session's last figures (as in the stats callback), or NULL before
 * the first tick. (transfer full) */
rc_media_figures *rc_media_figures_last(rc_media *media, gint64 session_id);
/* The hall's microphone and speakers given to the media, or NULL. (transfer none) */
struct rc_room_audio *rc_media_room_audio(rc_media *media);
/* A sender whose SSRC no site of the session has. */
typedef struct {
  gboolean audio;
  char *address;        /* "IP:PORT", "" when fed without one */
  guint32 ssrc;
  int payload_type;     /* of its last packet */
  guint64 packets;
  gint64 first_us, last_us; /* wall clock (g_get_real_time) */
} rc_media_sender;

/* The recent unknown senders, video then audio, each the most recent
 * first (array of rc_media_sender). (transfer full) */
GArray *rc_media_unknown_senders(rc_media *media);
/* The configured RTSP URL path, e.g. rtsp://HOST:8554/program. */

/* ---- WebRTC: WHIP publishers and WHEP viewers (media-webrtc.c) ---- */

typedef struct {
  char *answer;      /* the SDP answer */
  char *resource;    /* 32 hex chars: /api/v1/whip/<it> or /api/v1/whep/<it> */
  gboolean replaced; /* a publisher of the same site was there and is closed */
} rc_media_webrtc_result;
void rc_media_webrtc_result_clear(rc_media_webrtc_result *result);

/* A WHIP offer of site @site_id, which must be of transport webrtc and in a
 * session's media now (RC_ERROR_INVALID_STATE otherwise). A sendrecv offer
 * also takes the program back (the site's mix-minus). Errors of the offer
 * are RC_SDP_ERROR (devices/webrtc-sdp.h); WebRTC off or its port not
 * open: RC_ERROR_UNSUPPORTED. */
gboolean rc_media_webrtc_publish(rc_media *media, gint64 site_id, const char *offer, gsize len,
                                 rc_media_webrtc_result *out, GError **error);

typedef struct {
  gint64 session_id;
  gint64 owner_user_id;  /* a logged-in viewer, or 0 */
  gint64 owner_site_id;  /* a site's own view (by its credential): a webrtc site takes its mix-minus */
  gint64 watch_site_id;  /* one site's own stream instead of the program (a technician's check), 0 = program */
  int tier;              /* compose mode: the tier it takes (0 = the first, the largest; clamped) */
} rc_media_webrtc_view_request;
/* A WHEP offer: the program of the session (its video: the switched
 * stream, or in compose mode the tier asked for; the full mix) or one
 * site's stream. */
gboolean rc_media_webrtc_view(rc_media *media, const rc_media_webrtc_view_request *request, const char *offer,
                              gsize len, rc_media_webrtc_result *out, GError **error);
/* Ends @resource if the caller made it (RC_ERROR_NOT_FOUND otherwise). */
gboolean rc_media_webrtc_end(rc_media *media, const char *resource, gint64 owner_user_id, gint64 owner_site_id,
                             GError **error);
/* Ends every WebRTC peer of @site_id (its credential was revoked…). */
void rc_media_webrtc_drop_site(rc_media *media, gint64 site_id, const char *why);

typedef struct {
  guint peers;
  guint64 stun_ok, stun_refused, unknown_address, srtp_failed, rtp_in, rtp_out, peers_closed, retransmitted,
      send_errors;
} rc_media_webrtc_figures;
/* FALSE (zeros) when the engine was never started. */
gboolean rc_media_webrtc_counters(rc_media *media, rc_media_webrtc_figures *out);

/* ---- SIP calls' media (media-sip.c) ---- */

/* Site @site_id's call in session @session_id has (re)negotiated: @offer
 * (the endpoint's addresses, payload types and keys) with our keys @video_key and @audio_key. Its transport
 * (which must be "sip", in the session's media) binds the signalled
 * addresses and brings its link up. @keyframe (may be NULL) asks the
 * endpoint for a keyframe by its signalling when it has no RTCP feedback
 * (main loop, with @data and the site id); @keyed (may be NULL) hears the
 * keys pressed in its audio (RFC 4733), on the main loop. RC_ERROR_NOT_FOUND when the
 * site is not in the session's media, RC_ERROR_INVALID_STATE when it is
 * not a SIP site. */
gboolean rc_media_sip_call(rc_media *media, gint64 session_id, gint64 site_id, const rc_sip_sdp_offer *offer,
                           const rc_sip_crypto *video_key, const rc_sip_crypto *audio_key,
                           void (*keyframe)(gpointer data, gint64 site_id),
                           void (*keyed)(gpointer data, gint64 site_id, char digit, guint duration_ms), gpointer data,
                           GError **error);
/* The call ended (@why): its media stop, the link goes down. Nothing if
 * the site is not a SIP site of the session's media. */
void rc_media_sip_hangup(rc_media *media, gint64 session_id, gint64 site_id, const char *why);
