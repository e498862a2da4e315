/* webrtc — the controller's WebRTC media engine: every WHIP publisher and
 * WHEP viewer on ONE UDP port, read by one thread (recvmmsg), with no
 * socket or thread per peer. Datagrams are told apart as RFC 7983 says:
 * first byte 0..3 STUN (ICE-lite connectivity checks, answered with
 * libnice's STUN library), 20..63 DTLS (OpenSSL, a memory BIO in and a
 * datagram BIO out per peer, DTLS-SRTP), 128..191 SRTP/SRTCP (libsrtp2).
 * A peer is found by its ICE username until a check succeeds, then by the
 * address that did it: DTLS and media from any other address are dropped,
 * and no address is learned from anything but a valid check.
 *
 * A peer is made on the main loop (rc_webrtc_add) for an offer already
 * read (webrtc-sdp.h); its decrypted media go to the host's callbacks on
 * the engine thread, its state changes on the main loop. Program packets
 * are sent to it from any thread (rc_webrtc_peer_send). */
#pragma once
#include "devices/webrtc-sdp.h"
#include <glib.h>

typedef struct rc_webrtc rc_webrtc;
typedef struct rc_webrtc_peer rc_webrtc_peer;

typedef enum { RC_WEBRTC_PUBLISHER, RC_WEBRTC_VIEWER } rc_webrtc_role;

/* What the engine reports of a peer. */
typedef enum {
  RC_WEBRTC_CONNECTED, /* DTLS done, SRTP keys set: media flow (main loop) */
  RC_WEBRTC_CLOSED,    /* gone, with why (main loop); the engine holds it no more */
} rc_webrtc_event;

typedef struct {
  gpointer data;
  /* A publisher's RTP, decrypted, its SSRC and payload type still its own
   * (@audio from the negotiated payload type). Engine thread. */
  void (*rtp)(gpointer data, rc_webrtc_peer *peer, gboolean audio, guint8 *rtp, gsize len);
  /* One RTCP packet (not compound) a peer sent, decrypted. Engine thread. */
  void (*rtcp)(gpointer data, rc_webrtc_peer *peer, guint8 *rtcp, gsize len);
  /* Main loop. */
  void (*event)(gpointer data, rc_webrtc_peer *peer, rc_webrtc_event event, const char *why);
} rc_webrtc_host;

typedef struct {
  const char *listen;            /* address the port binds ("" / 0.0.0.0 = every one) */
  int port;
  const char *const *addresses;  /* the host candidates, NULL-terminated */
  int ice_timeout_s;             /* no valid check this long after the answer: closed */
  int dtls_timeout_s;            /* DTLS unfinished this long after the check: closed */
  int consent_timeout_s;         /* no check from a connected peer this long: closed (it vanished) */
} rc_webrtc_setup;

/* Opens the port and starts the thread. (transfer full) */
rc_webrtc *rc_webrtc_new(const rc_webrtc_setup *setup, const rc_webrtc_host *host, GError **error);
/* Closes every peer (without events) and the port. */
void rc_webrtc_free(rc_webrtc *w);
int rc_webrtc_port(rc_webrtc *w);

/* A new peer for @offer; @answer (transfer full) is what to send back.
 * The peer is not yet connected. (transfer full: the caller's ref) */
rc_webrtc_peer *rc_webrtc_add(rc_webrtc *w, rc_webrtc_role role, const rc_sdp_offer *offer, guint32 video_ssrc,
                              guint32 audio_ssrc, char **answer);
/* Ends @peer: a CLOSED event follows on the main loop, never before this
 * returns (unless already closed). */
void rc_webrtc_close(rc_webrtc *w, rc_webrtc_peer *peer, const char *why);

rc_webrtc_peer *rc_webrtc_peer_ref(rc_webrtc_peer *peer);
void rc_webrtc_peer_unref(rc_webrtc_peer *peer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(rc_webrtc_peer, rc_webrtc_peer_unref)
const char *rc_webrtc_peer_resource(const rc_webrtc_peer *peer); /* 32 hex chars */
rc_webrtc_role rc_webrtc_peer_role(const rc_webrtc_peer *peer);
const rc_sdp_offer *rc_webrtc_peer_offer(const rc_webrtc_peer *peer);
/* What the owner keeps with the peer (main loop). */
void rc_webrtc_peer_set_data(rc_webrtc_peer *peer, gpointer data);
gpointer rc_webrtc_peer_get_data(const rc_webrtc_peer *peer);
/* The address that completed ICE, "IP:PORT", or "" (any thread). */
void rc_webrtc_peer_address(rc_webrtc_peer *peer, char *out, gsize size);
/* Whether the peer receives @audio (its offer's direction, a usable m-line). */
gboolean rc_webrtc_peer_receives(const rc_webrtc_peer *peer, gboolean audio);
/* The payload type the peer takes for @audio (the negotiated one). */
int rc_webrtc_peer_pt(const rc_webrtc_peer *peer, gboolean audio);

/* Encrypts an RTP packet (already carrying the SSRC and payload type the
 * answer gave) for @peer and queues it on this thread's batch, sent by
 * rc_webrtc_flush (or when the batch is full); dropped until it is
 * connected. Any thread: call rc_webrtc_flush once the packet went to
 * every peer it is for. */
void rc_webrtc_peer_send(rc_webrtc_peer *peer, const guint8 *rtp, gsize len);
/* Sends this thread's queued packets, one sendmmsg for them all. */
void rc_webrtc_flush(void);
/* The same for one RTCP packet. */
void rc_webrtc_peer_send_rtcp(rc_webrtc_peer *peer, const guint8 *rtcp, gsize len);
/* Asks a publisher for a video keyframe (an RTCP PLI). Any thread. */
void rc_webrtc_peer_request_keyframe(rc_webrtc_peer *peer);

/* Counters since the start, for /metrics and the benchmark. */
typedef struct {
  guint64 stun_ok, stun_refused, other_dropped, srtp_failed, unknown_address, rtp_in, rtcp_in, rtp_out,
      send_errors, peers_closed, retransmitted;
  guint peers;
} rc_webrtc_counters;
void rc_webrtc_counters_get(rc_webrtc *w, rc_webrtc_counters *out);
