/* sim-webrtc-link — one WebRTC peer of the simulator's WHIP/WHEP load, built
 * from the libraries directly and apart from the controller's engine
 * (devices/webrtc.c), so that the load side does not share its mistakes:
 * the offer text, the few answer lines it needs, ICE as a full controlling
 * agent would check (libnice's STUN usage, USE-CANDIDATE), a DTLS client
 * (OpenSSL; a memory BIO in, a datagram BIO out), DTLS-SRTP keys and the
 * libsrtp2 sessions. One connected UDP socket per link. A link is used by
 * one thread only (the caller's); nothing here blocks. */
#pragma once
#include <glib.h>

/* The process's DTLS identity: a self-signed ECDSA P-256 certificate and
 * the client context that presents it. */
typedef struct sim_webrtc_identity sim_webrtc_identity;

/* (transfer full) NULL with @error if OpenSSL or libsrtp2 failed. */
sim_webrtc_identity *sim_webrtc_identity_new(GError **error);
void sim_webrtc_identity_free(sim_webrtc_identity *id);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sim_webrtc_identity, sim_webrtc_identity_free)
/* "AB:CD:…", the certificate's SHA-256 as an a=fingerprint carries it. (transfer none) */
const char *sim_webrtc_identity_fingerprint(const sim_webrtc_identity *id);

/* What the simulator reads of an answer. */
typedef struct {
  char ice_ufrag[257], ice_pwd[257];
  guint8 fingerprint[32]; /* sha-256; fingerprint_len 0 = none given */
  gsize fingerprint_len;
  char address[64];       /* the first IPv4 UDP host candidate */
  int port;
  int video_pt, audio_pt; /* -1 = that m-line refused (port 0) or absent */
  guint32 video_ssrc, audio_ssrc; /* the answerer's a=ssrc per m-line, 0 = none */
} sim_sdp_answer;

/* Reads @text. FALSE with @error if ice-ufrag/pwd or a candidate is missing. */
gboolean sim_sdp_answer_read(const char *text, sim_sdp_answer *out, GError **error);

/* A BUNDLEd offer with a video (H.264 packetization-mode 1, constrained
 * baseline) and an audio (Opus) m-line, setup:active, rtcp-mux; recvonly
 * for a viewer, sendonly with a=ssrc @video_ssrc/@audio_ssrc for a
 * publisher. (transfer full) */
char *sim_sdp_offer_write(const char *ufrag, const char *pwd, const char *fingerprint, gboolean publisher,
                          guint32 video_ssrc, guint32 audio_ssrc);

typedef enum {
  SIM_LINK_NEW,        /* offer not yet answered */
  SIM_LINK_CHECKING,   /* sending STUN checks */
  SIM_LINK_DTLS,       /* a check answered: DTLS handshake */
  SIM_LINK_CONNECTED,  /* SRTP keys set */
  SIM_LINK_FAILED,     /* see sim_webrtc_link_why */
} sim_link_state;

typedef struct sim_webrtc_link sim_webrtc_link;

/* A link with its own socket (bound to 127.0.0.1, any port) and ICE
 * credentials. (transfer full) */
sim_webrtc_link *sim_webrtc_link_new(sim_webrtc_identity *id, GError **error);
void sim_webrtc_link_free(sim_webrtc_link *link);
int sim_webrtc_link_fd(const sim_webrtc_link *link);
const char *sim_webrtc_link_ufrag(const sim_webrtc_link *link);
const char *sim_webrtc_link_pwd(const sim_webrtc_link *link);
sim_link_state sim_webrtc_link_state(const sim_webrtc_link *link);
const char *sim_webrtc_link_why(const sim_webrtc_link *link);
/* The answer it was started with (valid once started). */
const sim_sdp_answer *sim_webrtc_link_answer(const sim_webrtc_link *link);

/* Connects the socket to @answer's candidate and starts checking. */
void sim_webrtc_link_start(sim_webrtc_link *link, const sim_sdp_answer *answer, gint64 now_us);

/* Sends what is due at @now_us (monotonic): a check every 50 ms while
 * checking (failed after 10 s), a consent check every 5 s once connected,
 * DTLS retransmissions. */
void sim_webrtc_link_tick(sim_webrtc_link *link, gint64 now_us);

/* Takes one datagram that arrived on the link's socket. STUN and DTLS are
 * handled here (0 returned); SRTP/SRTCP is decrypted in place and its
 * length returned (*@rtcp says which), 0 if it did not authenticate.
 * Unless @decrypt, SRTP (not SRTCP) is returned as it came: its RTP header
 * and extensions are readable (SRTP leaves them clear), its payload is not,
 * and it is not authenticated — a cheaper path for load, see
 * sim-webrtc.h. */
gsize sim_webrtc_link_receive(sim_webrtc_link *link, guint8 *data, gsize len, gboolean decrypt, gboolean *rtcp);
/* SRTP/SRTCP packets that did not authenticate so far. */
guint64 sim_webrtc_link_srtp_failed(const sim_webrtc_link *link);

/* Encrypts @len bytes of RTP (or RTCP if @rtcp) in place and sends them;
 * @data must have room for 148 more bytes (SRTP_MAX_TRAILER_LEN + 4).
 * FALSE if not connected or the kernel refused it. */
gboolean sim_webrtc_link_send(sim_webrtc_link *link, guint8 *data, gsize len, gboolean rtcp);
#define SIM_WEBRTC_TRAILER 148
