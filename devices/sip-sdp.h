/* sip-sdp — the SDP offer of a SIP endpoint (a room system, an MCU, a
 * softphone), read with GStreamer's SDP library (GstSDPMessage), and the
 * controller's answer: H.264 (packetization-mode 1 or 0, any profile the
 * endpoint decodes, its level and max-fs/max-mbps deciding the program tier
 * it gets), audio Opus > G.722 > PCMA > PCMU with RFC 4733 telephone-event
 * (the keypad) when offered, and SDES-SRTP (RFC 4568,
 * AES_CM_128_HMAC_SHA1_80 or _32) according to the site's media security:
 * with "preferred", best-effort SRTP too (a=crypto on RTP/AVP, answered
 * with our key).
 * What was negotiated (addresses, ports, payload types, keys) is kept in
 * the offer struct for the media to use. Pure functions: any thread. */
#pragma once
#include "devices/sdp-attr.h"
#include <glib.h>

#define RC_SIP_SDP_MAX_MEDIA 6 /* m-lines answered; more are refused */
#define RC_SIP_SRTP_KEY_LEN 30 /* master key (16) + salt (14) */

/* A site's media security. */
typedef enum {
  RC_SIP_SRTP_OFF,       /* plain RTP only */
  RC_SIP_SRTP_PREFERRED, /* SRTP when offered (RTP/SAVP, or RTP/AVP with a=crypto), plain RTP otherwise */
  RC_SIP_SRTP_REQUIRED,  /* SRTP or no call (488) */
} rc_sip_srtp;
/* "off", "preferred", "required" → @out; FALSE for anything else. */
gboolean rc_sip_srtp_parse(const char *text, rc_sip_srtp *out);
const char *rc_sip_srtp_name(rc_sip_srtp srtp);

/* An SDES key: the suite and the inline key (master key and salt). */
typedef struct {
  int tag;        /* the a=crypto tag (1..999999999) */
  char suite[32]; /* "AES_CM_128_HMAC_SHA1_80" or "AES_CM_128_HMAC_SHA1_32" */
  guint8 key[RC_SIP_SRTP_KEY_LEN];
} rc_sip_crypto;

/* One negotiated medium. */
typedef struct {
  int index;         /* its m-line, -1 = none usable */
  int pt;            /* the payload type chosen (both ways) */
  char encoding[16]; /* "H264", "opus", "G722", "PCMA", "PCMU" */
  int clock_rate;    /* of the rtpmap (G.722 says 8000) */
  int channels;
  char proto[16];   /* "RTP/AVP", "RTP/AVPF", "RTP/SAVP", "RTP/SAVPF" as offered */
  char address[48]; /* where the endpoint receives: c= (IPv4/IPv6 literal; 0.0.0.0 = hold) */
  int port;         /* its RTP port; RTCP on rtcp_port */
  int rtcp_port;    /* a=rtcp, else port + 1 (port with rtcp_mux) */
  gboolean rtcp_mux;
  rc_sdp_direction direction; /* the endpoint's */
  guint32 ssrc;               /* its a=ssrc, 0 = not said (it chooses when it sends) */
  gboolean pli, fir;          /* a=rtcp-fb of the chosen format */
  int event_pt, event_rate;   /* audio: telephone-event's type (RFC 4733 keypad digits), 96-127, 0 = none; its clock */
  gboolean secure;            /* SRTP with @remote_key */
  rc_sip_crypto remote_key;   /* what the endpoint sends with */
  /* video */
  char profile_level_id[7]; /* lower-case hex, as offered (420010 when not said) */
  int packetization_mode;   /* 0 or 1 */
  guint max_fs, max_mbps;   /* what it decodes: its level's, or more by max-fs/max-mbps */
  int tier;                 /* index of the program tier that fits, -1: none does (the last is sent) */
} rc_sip_sdp_stream;

/* The offer. */
typedef struct {
  guint n_media;
  struct {
    char kind[16], proto[32], formats[64];
  } media[RC_SIP_SDP_MAX_MEDIA]; /* as offered, for the port-0 answers */
  rc_sip_sdp_stream video, audio;
} rc_sip_sdp_offer;

/* A program tier the controller encodes. */
typedef struct {
  int width, height;
} rc_sip_sdp_tier;

/* Errors (RC_SIP_SDP_ERROR domain); the message is the reason for the
 * SIP response's Warning / the call record. */
#define RC_SIP_SDP_ERROR (rc_sip_sdp_error_quark())
GQuark rc_sip_sdp_error_quark(void);
typedef enum {
  RC_SIP_SDP_ERROR_MALFORMED, /* not SDP, no c= address, too many m-lines, a bad key (400 / 488) */
  RC_SIP_SDP_ERROR_NO_CODEC,  /* no H.264 and no Opus/G.722/PCMA/PCMU on an open m-line (488) */
  RC_SIP_SDP_ERROR_SECURITY,  /* codecs fit, but not the media security (required without a=crypto…) (488) */
} rc_sip_sdp_error;

/* Reads @text (@len bytes, need not be NUL-terminated) into @offer for a
 * site whose media security is @srtp; @tiers (@n_tiers, largest first) at
 * @fps decide each video stream's tier. Text over 64 KiB, more than
 * RC_SIP_SDP_MAX_MEDIA m-lines, an address that is not a literal IPv4/IPv6
 * one, an a=crypto key that is not 30 bytes in base64 are refused. On FALSE
 * @error says why and @offer is undefined. */
gboolean rc_sip_sdp_offer_parse(const char *text, gsize len, rc_sip_srtp srtp, const rc_sip_sdp_tier *tiers,
                                guint n_tiers, int fps, rc_sip_sdp_offer *offer, GError **error);

/* What the controller answers with. */
typedef struct {
  const char *address;                        /* its media address (IPv4/IPv6 literal) */
  int video_port, audio_port;                 /* where it receives; RTCP on port + 1 */
  const rc_sip_crypto *video_key, *audio_key; /* its keys (the suite and tag are the offer's) */
  guint64 session_id, version;                /* the o= line's */
} rc_sip_sdp_local;

/* The answer (transfer full): one m-line per offered one in order; the
 * usable ones with the chosen format (rtpmap, fmtp, rtcp-fb pli/fir the
 * offer has), the inverse direction, a=crypto with our key when secure;
 * the others port 0. */
char *rc_sip_sdp_answer(const rc_sip_sdp_offer *offer, const rc_sip_sdp_local *local);

/* The controller's own offer, when it calls a site: audio Opus (111),
 * G.722, PCMA, PCMU, telephone-event/8000 (101, events 0-16); video H.264 constrained baseline level 3.1 (42e01f)
 * in packetization-mode 1 (97) and 0 (96), rtcp-fb nack pli and ccm fir.
 * With @srtp off: RTP/AVP; required: RTP/SAVP with a=crypto
 * AES_CM_128_HMAC_SHA1_80 and our keys (tag 1); preferred: best-effort
 * SRTP, RTP/AVP with the same a=crypto, so that a site without SRTP
 * answers plain RTP/AVP and one with SRTP answers with its key (RTP/AVP
 * or RTP/SAVP with a=crypto). The answer is read with
 * rc_sip_sdp_offer_parse (it takes an answer as well). (transfer full) */
char *rc_sip_sdp_offer_text(const rc_sip_sdp_local *local, rc_sip_srtp srtp);

/* Whether the endpoint of @offer holds the call ("not sending"): every
 * usable stream is a=sendonly or a=inactive, or has the c= address
 * 0.0.0.0 (RFC 3264 §8.4's old form). FALSE when no stream is usable. */
gboolean rc_sip_sdp_on_hold(const rc_sip_sdp_offer *offer);
/* Whether the endpoint takes our RTP on @s: it receives there (not
 * a=sendonly or a=inactive, not c=0.0.0.0), and, for H.264, in
 * packetization-mode 1: the program is sent in FU-A fragments, which
 * mode 0 does not allow (its video is taken, the program's is not sent;
 * the answer says a=recvonly). */
gboolean rc_sip_sdp_takes_program(const rc_sip_sdp_stream *s);

/* Which tier of @tiers (@n, largest first) a decoder of @max_fs macroblocks
 * a frame and @max_mbps a second takes at @fps: the first that fits, -1
 * when none does. */
int rc_sip_sdp_tier_for(guint max_fs, guint max_mbps, const rc_sip_sdp_tier *tiers, guint n, int fps);
