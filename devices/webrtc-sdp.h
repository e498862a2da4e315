/* webrtc-sdp — the WebRTC offer a WHIP publisher or a WHEP viewer sends,
 * read with GStreamer's SDP library (GstSDPMessage), and the answer the
 * controller gives: ICE-lite, DTLS-SRTP (setup:passive), BUNDLE, rtcp-mux,
 * H.264 (packetization-mode 1, constrained baseline or main) and Opus.
 * Pure functions, no state: any thread. */
#pragma once
#include "devices/sdp-attr.h"
#include <glib.h>

#define RC_SDP_MAX_MEDIA 4 /* m-lines we answer; more are refused */


/* One m-line of the offer, as read. An m-line is usable when it is audio or
 * video over UDP/TLS/RTP/SAVPF, not disabled (port 0 without
 * a=bundle-only), goes the way the role needs (a publisher's sends, a
 * viewer's receives) and offers H.264 or Opus as below. */
typedef struct {
  gboolean audio;        /* m=audio (else m=video or another kind) */
  char kind[16];         /* the media as offered ("video", "audio", "application"…), for the answer's m= */
  char proto[32];        /* the offered transport, for a port-0 answer */
  char formats[64];      /* the offered formats (whole tokens, at least the first), for a port-0 answer */
  char mid[32];          /* a=mid (required: BUNDLE) */
  rc_sdp_direction direction; /* the offerer's (a=sendonly…; default sendrecv) */
  int pt;                /* the payload type chosen: H.264 or Opus; -1 = none usable (answered port 0) */
  char profile_level_id[7]; /* video: the chosen H.264 format's profile-level-id, lower case hex ("42e01f") */
  guint32 ssrc;          /* the offerer's first a=ssrc (or of a=ssrc-group:FID's first), 0 = none */
  gboolean nack, pli, fir; /* the chosen format's a=rtcp-fb: nack, nack pli, ccm fir */
  int twcc_ext;          /* unused: 0 */
} rc_sdp_media;

/* The offer. */
typedef struct {
  char ice_ufrag[257], ice_pwd[257]; /* session or first m-line level; ufrag 4..256, pwd 22..256 chars */
  char fingerprint_alg[16];          /* "sha-256" (lower case); also sha-1/sha-384/sha-512 */
  guint8 fingerprint[64];            /* the digest's bytes */
  gsize fingerprint_len;
  char setup[16];                    /* "actpass", "active", "passive" */
  guint n_media;
  rc_sdp_media media[RC_SDP_MAX_MEDIA];
  int video, audio;                  /* index in @media of the usable video / audio m-line, -1 = none */
  gboolean publisher;                /* parsed as a WHIP offer (the answer receives) or a WHEP one (it sends) */
} rc_sdp_offer;

/* Errors (RC_SDP_ERROR domain); the message is the reason, for the 400/406 body. */
#define RC_SDP_ERROR (rc_sdp_error_quark())
GQuark rc_sdp_error_quark(void);
typedef enum {
  RC_SDP_ERROR_MALFORMED,   /* not SDP, or missing ice-ufrag/pwd, fingerprint, mid, rtcp-mux, BUNDLE… (400) */
  RC_SDP_ERROR_NO_CODEC,    /* no H.264 packetization-mode 1 (CB or main) and no Opus 48000/2 (406) */
  RC_SDP_ERROR_DIRECTION,   /* a publisher's offer that sends nothing, a viewer's that receives nothing (400) */
} rc_sdp_error;

/* Reads @text (@len bytes, need not be NUL-terminated) into @offer.
 * @publisher: a WHIP offer (must send at least one usable medium); else a
 * WHEP offer (must receive). Text over 64 KiB, more than RC_SDP_MAX_MEDIA
 * m-lines, a second video or audio m-line that is usable, SDES crypto
 * without DTLS, no a=group:BUNDLE (or a usable mid outside it), no a=setup
 * or a=setup:passive are refused. On FALSE @error says why (the reason is
 * meant for the HTTP body) and @offer is undefined. */
gboolean rc_sdp_offer_parse(const char *text, gsize len, gboolean publisher, rc_sdp_offer *offer, GError **error);

/* What the controller answers with. */
typedef struct {
  const char *ice_ufrag, *ice_pwd;      /* ours */
  const char *fingerprint_sha256;       /* ours, "AB:CD:…" upper-case hex */
  const char *const *addresses;         /* host candidates (IPv4/IPv6 literals), NULL-terminated, at least one */
  int port;                             /* the shared WebRTC UDP port */
  /* What we send on each medium when the offerer receives (WHEP; 0 = we send nothing). */
  guint32 video_ssrc, audio_ssrc;
  const char *cname;                    /* a=ssrc cname (NULL: "roomctl"); the msid is "roomctl <kind>" */
} rc_sdp_local;

/* The answer (transfer full): one m-line per offered one, same order and
 * mids; a usable one gets the chosen format (rtpmap, fmtp, rtcp-fb the
 * offer has of nack / nack pli / ccm fir), the inverse direction
 * (recvonly for a publisher, sendonly for a viewer), a=rtcp-mux,
 * ICE-lite credentials, a=fingerprint sha-256, a=setup:passive, the host
 * candidates and a=end-of-candidates; an unusable one port 0. Session
 * level: a=ice-lite, a=group:BUNDLE of the usable mids, a=msid-semantic. */
char *rc_sdp_answer(const rc_sdp_offer *offer, const rc_sdp_local *local);

/* The digest of an a=fingerprint, "AB:CD:…" (either case) as it appears
 * after the algorithm, → bytes in @out (at most @max); FALSE when
 * malformed or longer than @max. */
gboolean rc_sdp_fingerprint_parse(const char *hex, guint8 *out, gsize *out_len, gsize max);
