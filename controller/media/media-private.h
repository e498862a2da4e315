/* media-private — what the media-*.c files share. Ownership: everything
 * here belongs to the main loop except what an rc_ingest guards with its
 * lock, which its streaming thread also touches. */
#pragma once
#include "media/media.h"
#include "media/media-gst.h"
#include "base/rtp.h"
#include "media/media-stats.h"
#include "devices/audio-codec.h"

#include <gio/gio.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <sys/socket.h>

#define RC_PROGRAM_VIDEO_SSRC 0x50524F47u
#define RC_PROGRAM_AUDIO_SSRC 0x50524F41u
/* The payload types inside the controller and of the program it sends;
 * what a site sends ([media] h264_payload_type, opus_payload_type, or the
 * site's own) is rewritten to these where its packets go further. */
#define RC_PT_H264 96
#define RC_PT_OPUS 111

typedef struct rc_ingest rc_ingest;
typedef struct rc_fanout rc_fanout;
typedef struct rc_mixer rc_mixer;
typedef struct rc_compose rc_compose;
typedef struct rc_recorder rc_recorder;
typedef struct rc_rtsp_out rc_rtsp_out;


/* One site of a live session, as the main loop knows it. */
typedef struct {
  gint64 id;
  char *code;
  char *name;
  char *level;
  char *transport;
  guint32 ssrc_video, ssrc_audio;   /* what it sends with (its transport's) */
  int video_pt, audio_pt;           /* the payload types it sends */
  int audio_clock_rate;             /* the RTP clock of its audio (its codec's) */
  int video_cap_kbps, audio_cap_kbps; /* its rate caps, 0 = none */
  int tier;                         /* its tier in compose mode */
  int client_tier;                  /* the fan-out video_client is on */
  int egress_tier;                  /* the fan-out it is an egress member of, -1 = none */
  gint64 keyframe_asked_us;         /* when its transport was last asked for a keyframe to refresh it */
  char *video_client, *audio_client; /* "host:port" as added */
  struct rc_site_transport *link;   /* its transport (devices/site-transport.h) */
  char *refused;                    /* why its closed session refuses it (media in clear), or NULL */
} rc_media_site;


/* ---- media-ingest.c: a few shared UDP ports for all sites ---- */
typedef struct {
  gint64 site_id;
  rc_stream_report report;
  GSocketAddress *source;    /* (transfer full) */
  GSocketAddress *rtcp_from; /* (transfer full) */
  gboolean have_rr;          /* the site's receiver report about the program */
  rc_rtcp_report rr;
  gint64 rr_at_us;
  int payload_type, cap_kbps;  /* what the stream expects */
  guint64 over_cap_packets, over_cap_bytes; /* dropped above the cap */
  guint64 wrong_pt_packets;
  int last_wrong_pt;           /* the last unexpected payload type */
  gint64 wrong_pt_us;          /* when it came (monotonic), 0 = never */
  guint64 spoofed_packets;     /* its SSRC from elsewhere than where it is (dropped) */
  guint64 spoofed_key;         /* the last of those's IPv4 address << 16 | port, 0 = fed */
  gint64 spoofed_us;           /* when (monotonic), 0 = never */
} rc_ingest_snapshot;

/* A sender whose SSRC no site of the session has (the most recent ones,
 * by source address and SSRC). */
typedef struct {
  struct sockaddr_storage from; /* from_len 0: fed without an address */
  socklen_t from_len;
  guint32 ssrc;
  guint8 payload_type;          /* of its last packet */
  guint64 packets;
  gint64 first_us, last_us;     /* monotonic */
  guint64 order;                /* of its last packet among all unknown ones: the LRU's clock */
} rc_unknown_sender;

/* The ports of [media] (@config borrowed, outlives it). */
rc_ingest *rc_ingest_new(const rc_config *config, gboolean audio, GError **error);
void rc_ingest_free(rc_ingest *ingest);
/* Session @session_id's sites (gint64* id -> rc_media_site*) are these:
 * new ones get a stream, dropped ones lose theirs. RC_ERROR_CONFLICT (and
 * nothing changes) if one of them is another session's. */
gboolean rc_ingest_set_streams(rc_ingest *ingest, gint64 session_id, GHashTable *sites, GError **error);
/* The session's streams and forwarding are gone. */
void rc_ingest_end_session(rc_ingest *ingest, gint64 session_id);
/* Copies every RTP packet of @ssrc into @to (NULL stops). @to: (transfer none, kept with a ref). */
void rc_ingest_copy_to(rc_ingest *ingest, guint32 ssrc, GstAppSrc *to);
/* Switch-mode forwarding (video) of session @session_id: its program
 * follows @ssrc from its next keyframe on (0 = forward nothing).
 * @program: where re-stamped packets go. Each session has its own source
 * and timeline. */
void rc_ingest_forward(rc_ingest *ingest, gint64 session_id, guint32 ssrc, GstPad *program);
/* The SSRC the session forwards now (after the keyframe came) and when it started. */
guint32 rc_ingest_forwarded(rc_ingest *ingest, gint64 session_id, gint64 *switched_at_us);
/* The session's switch program's forwarding delay so far (kernel arrival
 * of a source packet to its hand-over for the last site), cumulative. */
void rc_ingest_forward_delay(rc_ingest *ingest, gint64 session_id, rc_delay_histogram *out);
/* The figures of every stream of @session_id (array of rc_ingest_snapshot,
 * free with rc_ingest_snapshots_free); @counters, the port's (all
 * sessions'): unknown SSRC, malformed, wrong payload type, RTCP malformed,
 * over the cap, SRTP failed, spoofed (a site's SSRC from elsewhere than where it is). */
#define RC_INGEST_COUNTERS 7
GArray *rc_ingest_snapshot_all(rc_ingest *ingest, gint64 session_id, guint64 counters[RC_INGEST_COUNTERS]);
/* The recent unknown senders, the most recent first (array of rc_unknown_sender). (transfer full) */
GArray *rc_ingest_unknown_senders(rc_ingest *ingest);
void rc_ingest_snapshots_free(GArray *snaps);
/* Sends @len bytes to @to from the RTP port, or the RTCP port (@rtcp). Any thread. */
void rc_ingest_send(rc_ingest *ingest, gboolean rtcp, const guint8 *data, gsize len, GSocketAddress *to);
/* Like rc_ingest_send (RTP), but queued on the calling thread's batch, sent
 * by rc_ingest_flush on that thread (one sendmmsg for a packet to many
 * sites); a full batch, or one for another socket, is sent first. */
void rc_ingest_queue(rc_ingest *ingest, const guint8 *data, gsize len, GSocketAddress *to);
void rc_ingest_flush(void);
/* Whether a site of @session_id asked for a program keyframe since the last call. */
gboolean rc_ingest_take_keyframe_request(rc_ingest *ingest, gint64 session_id);
/* The RTP socket (for sending the program from the same port). (transfer none) */
GSocket *rc_ingest_socket(rc_ingest *ingest);
/* Packets from @rtp_from (the RTP port) and @rtcp_from (the RTCP port,
 * NULL: none) are @t's, whatever SSRC they carry: @t's receive checks
 * (decrypts) each, and they are re-stamped with @t's SSRC of this medium
 * before the demux. A site whose transport is by_address is heard only
 * through its bindings. With @latch (its packets authenticate: SRTP),
 * until a packet came through a binding, the first packet from elsewhere
 * that authenticates (an unknown sender's) moves the binding there: a NAT,
 * or a host that signalled another of its addresses. @t's earlier bindings
 * of this medium end; both NULL: it has none. Its transport calls it
 * (rc_site_transport_host.bind) and unbinds before it is freed. */
void rc_ingest_bind(rc_ingest *ingest, struct rc_site_transport *t, GSocketAddress *rtp_from,
                    GSocketAddress *rtcp_from, gboolean latch);
/* Feeds a packet that came another way (RTSP or SRT pull) as if received. */
void rc_ingest_feed(rc_ingest *ingest, const guint8 *data, gsize len, GSocketAddress *from);
/* One RTCP packet a site sent another way (WebRTC), its sender SSRC the
 * site's: its reports and keyframe requests count as if received here. */
void rc_ingest_feed_rtcp(rc_ingest *ingest, const guint8 *data, gsize len);
/* A receiver of session @session_id's program asks for a keyframe (merged
 * with the others' at the next tick). */
void rc_ingest_ask_keyframe(rc_ingest *ingest, gint64 session_id);
/* Adds or removes @t as a watcher of stream @ssrc: it gets each packet,
 * re-stamped with its out SSRC and payload type, through its send. FALSE:
 * no such stream. Removal is synchronous. */
gboolean rc_ingest_watch(rc_ingest *ingest, guint32 ssrc, struct rc_site_transport *t, gboolean add);

/* ---- media-fanout.c: one program stream to many sites ---- */
rc_fanout *rc_fanout_new(const char *name, gboolean audio, GSocket *socket, GError **error);
void rc_fanout_free(rc_fanout *fanout);
/* The pad to push program packets into (gst_pad_push, any one thread at a time). */
GstPad *rc_fanout_input(rc_fanout *fanout);
void rc_fanout_add(rc_fanout *fanout, const char *host, int port);
void rc_fanout_remove(rc_fanout *fanout, const char *host, int port);
/* A site whose transport sends the program itself (borrowed; remove it
 * before it is freed): each packet, re-stamped with its out_ssrc and
 * out_pt, goes to its send. */
struct rc_site_transport;
void rc_fanout_add_egress(rc_fanout *fanout, struct rc_site_transport *t);
void rc_fanout_remove_egress(rc_fanout *fanout, struct rc_site_transport *t);
guint rc_fanout_egress_count(rc_fanout *fanout);
guint64 rc_fanout_bytes(rc_fanout *fanout);

/* ---- media-mixer.c: program audio with mix-minus ---- */
/* What the mixer is given at its start (borrowed; @audio outlives it). */
typedef struct {
  gint64 session_id;
  rc_ingest *audio;
  struct rc_room_audio *room; /* or NULL */
  const GArray *local_ports;  /* int: the recorder's and RTSP's inputs of the full mix */
} rc_mixer_setup;
/* A site that talks (its audio is mixed) and one that listens (at @dest,
 * "host:port", NULL = not known yet). */
typedef struct {
  gint64 site_id;
  guint32 ssrc;
  const char *code, *name;
  rc_audio_codec codec; /* what it sends (devices/audio-codec.h), with: */
  int pt, clock_rate;   /* its payload type and RTP clock (0: the codec's) */
  const char *fmtp;     /* its format parameters, or NULL */
} rc_mixer_talker;
typedef struct {
  gint64 site_id;     /* a WHEP viewer: a negative id of its own (it takes the full mix) */
  const char *dest;
  struct rc_site_transport *egress; /* or this: it sends the program itself (borrowed; NULL = dest) */
  rc_audio_codec codec; /* what it takes: the program is encoded once per codec taken, not per site */
} rc_mixer_listener;
rc_mixer *rc_mixer_new(const rc_mixer_setup *setup, GError **error);
void rc_mixer_free(rc_mixer *mixer);
/* Adds or removes 127.0.0.1:@port as a receiver of the full program mix. */
void rc_mixer_local_client(rc_mixer *mixer, int port, gboolean add);
/* Follows the talkers (the chair's site, the floor holder's): swaps the
 * decoders of the slots that change. Nothing else stops. Then call
 * rc_mixer_refresh: it moves the sites between the full mix and their
 * mix-minus. */
void rc_mixer_set_talkers(rc_mixer *mixer, const rc_mixer_talker *talkers, guint n);
/* Every site of the session and where it receives (called every second
 * and after the talkers change); sites not listed stop receiving. */
void rc_mixer_refresh(rc_mixer *mixer, const rc_mixer_listener *listeners, guint n);
/* Stops sending to @t (placed for @site_id) at once: nothing reaches it after this returns. */
void rc_mixer_forget_egress(rc_mixer *mixer, gint64 site_id, struct rc_site_transport *t);

/* ---- media-compose.c ---- */
/* A tile of the grid: a site's video stream and the name shown on it. */
typedef struct {
  guint32 ssrc;
  const char *name;
} rc_compose_tile;
/* What the compose program is made of (all borrowed for the call; @video
 * and @fanouts outlive it). Ask the tiles for a keyframe once it is made:
 * their decoders start at one. */
typedef struct {
  const rc_config *config;
  rc_ingest *video;
  const GArray *tiers;    /* rc_tier */
  rc_fanout **fanouts;    /* one per tier */
  const rc_compose_tile *tiles;
  guint n_tiles;
} rc_compose_setup;
rc_compose *rc_compose_new(const rc_compose_setup *setup, GError **error);
void rc_compose_free(rc_compose *compose);
void rc_compose_request_keyframe(rc_compose *compose);

/* ---- media-record.c: recording and RTSP output ---- */
/* What the recorder and the RTSP output get of the media at their start:
 * they know nothing else of it. */
typedef struct {
  const rc_config *config;
  gint64 session_id;
  /* Adds or removes 127.0.0.1:@port as a receiver of the program's @audio or video. */
  void (*tap)(gpointer media, gboolean audio, int port, gboolean add);
  gpointer media;
} rc_media_outlet;
rc_recorder *rc_recorder_new(const rc_media_outlet *out, GError **error);
void rc_recorder_free(rc_recorder *recorder); /* finishes the file */
void rc_recorder_mark(rc_recorder *recorder, gint64 item_id, const char *title);
void rc_recorder_status(rc_recorder *recorder, rc_media_recording *out);
/* One RTSP server for every live session's program. */
typedef struct rc_rtsp_server rc_rtsp_server;
rc_rtsp_server *rc_rtsp_server_new(const rc_config *config, GError **error);
void rc_rtsp_server_free(rc_rtsp_server *server); /* its viewers are dropped */
/* The session's program at @path on @server (borrowed, outlives it). */
rc_rtsp_out *rc_rtsp_out_new(const rc_media_outlet *out, rc_rtsp_server *server, const char *path, GError **error);
void rc_rtsp_out_free(rc_rtsp_out *rtsp);




/* ---- media.c, for media-webrtc.c ---- */
typedef struct rc_media_rtc rc_media_rtc;
/* Where the media keeps its WebRTC state (NULL until the first offer). */
rc_media_rtc **rc_media_rtc_slot(rc_media *media);
const rc_config *rc_media_config(rc_media *media);
/* The shared ingest of @audio's medium, NULL while no session has media.
 * Read from the WebRTC thread too: it lives until the last session ends,
 * and every peer of a session is closed before its session ends. */
rc_ingest *rc_media_ingest(rc_media *media, gboolean audio);
/* Site @site_id's transport in @session_id's media, or NULL. */
struct rc_site_transport *rc_media_site_transport(rc_media *media, gint64 session_id, gint64 site_id);
/* The site's program egress changed (a receiving peer came or went): placed again. */
void rc_media_site_receiver_changed(rc_media *media, gint64 session_id, gint64 site_id);
/* A WHEP viewer's egress @t (taken): kept by the session's media, placed
 * once connected: on @tier's fan-out in compose mode (tier 0's in switch
 * mode) and the full mix, or on one site's streams (@watch_site_id). */
void rc_media_viewer_add(rc_media *media, gint64 session_id, gint64 viewer_id, struct rc_site_transport *t,
                         gint64 watch_site_id, int tier);
void rc_media_viewer_connected(rc_media *media, gint64 session_id, gint64 viewer_id);
/* Synchronous: nothing is sent to it after this returns; then freed. */
void rc_media_viewer_remove(rc_media *media, gint64 session_id, gint64 viewer_id);
/* media-webrtc.c: closes the session's peers (before its media go). */
void rc_media_rtc_session_ended(rc_media *media, gint64 session_id);
/* media-webrtc.c: the engine, after every session's media went. */
void rc_media_rtc_free(rc_media *media);
