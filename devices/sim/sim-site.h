/* sim-site — one simulated conference site: its two UDP sockets (video,
 * audio; symmetric RTP: it sends and receives on each), what it sends
 * (its own clip looped with fresh timestamps, the shared Opus tone, RTCP
 * reports), what it measures about the program it receives, and the
 * faults injected into it. No timers and no threads: the engine calls it
 * when a frame is due or a datagram arrived. */
#pragma once
#include "devices/sim/sim-clip.h"
#include "devices/sim/sim-sender.h"
#include "devices/sim/sim-stats.h"
#include "base/srtp-openssl.h"

#include <jansson.h>
#include <srtp2/srtp.h>
#include <sys/socket.h>

typedef enum { SIM_VIDEO = 0, SIM_AUDIO = 1 } sim_medium;

typedef struct {
  double loss_percent;  /* 0..100, random drop before send */
  guint jitter_ms;      /* each packet held back 0..jitter_ms */
  gboolean freeze;      /* send the frozen clip */
  gboolean silence;     /* send Opus silence */
  gboolean disconnect;  /* send nothing, ignore what arrives */
  double flood_mbps;    /* extra filler RTP on the video SSRC */
  gboolean garbage;     /* extra non-RTP datagrams to every port */
} sim_faults;

/* What every site shares: where to send, the sender, the shared clips. */
typedef struct {
  sim_sender *sender;
  struct sockaddr_storage rtp_dest[2], rtcp_dest[2]; /* by sim_medium */
  socklen_t dest_len;
  const sim_clip *tone, *silence;
  const sim_clip *g722;   /* the G.722 tone (SIP sites that answer G.722), NULL if none */
  guint fps;
  gboolean program_pli;   /* ask the controller for a program keyframe on loss */
  const guint8 *filler;   /* SIM_FILLER_LEN bytes: an H.264 filler NAL unit */
  const guint8 *noise;    /* SIM_NOISE_LEN random bytes */
  sim_latency_window *all_latency; /* every site's samples, for the summary */
} sim_site_env;

#define SIM_FILLER_LEN 1200
#define SIM_NOISE_LEN 65536

typedef struct {
  guint64 sent_packets, sent_bytes, dropped_packets;
  guint64 recv_packets, recv_bytes, recv_frames, keyframes_received;
  gint64 last_keyframe_real_us; /* wall clock when the last new program keyframe began to arrive */
  /* Whose video the program shows (the source SSRC carried in the
   * extension of the last keyframe), and since when (wall clock of the
   * first keyframe from it): the benchmark's floor-switch end point. */
  guint32 keyframe_source;
  gint64 keyframe_source_since_us;
  /* The first keyframe request since this site's last IDR, and when the
   * IDR answering it was sent (wall clock): the source's share of a switch. */
  gint64 pli_pending_since_us, pli_answered_at_us, pli_answered_request_us;
  guint64 plis_received, plis_sent, rtcp_received, recv_ignored;
} sim_site_counters;

/* A SIP site's call (roomctl-sim --sip, sim-sip.c): where its media go,
 * with which payload types and SRTP contexts. While @up is FALSE the site
 * sends nothing and ignores what arrives. Its RTCP has sockets of its own,
 * on the RTP port + 1 (sim_site_open_rtcp), as its answer implies. */
typedef struct {
  gboolean up;
  struct sockaddr_storage rtp_dest[2], rtcp_dest[2]; /* the controller's, from its offer */
  socklen_t dest_len;
  guint8 pt[2];
  gboolean g722;                  /* answers G.722 (RTP clock 8 kHz) instead of Opus */
  srtp_t srtp_in[2], srtp_out[2]; /* NULL: plain RTP on that medium */
  guint32 program_ssrc[2];        /* the controller's SSRCs towards this site, as they arrive */
  guint64 srtp_failed;            /* what arrived and did not authenticate */
  guint64 srtp_failed_rtcp;       /* of which RTCP */
  int srtp_last_error;            /* libsrtp2's srtp_err_status_t of the last failure */
  guint64 calls;                  /* calls answered */
} sim_site_call;

typedef struct sim_site {
  char *code, *title;
  guint32 ssrc[2]; /* by sim_medium */
  int fd[2];
  int rtcp_fd[2]; /* a SIP site's RTCP sockets (RTP port + 1), -1: RTCP on fd */
  guint16 local_port[2];
  const sim_clip *live, *frozen; /* borrowed from the material */
  sim_faults faults;
  sim_site_call *call; /* a SIP site's call (owned), NULL: a plain RTP site */
  /* A plain RTP site with an SRTP key (--srtp-keys, sim_site_set_key):
   * what it sends is protected, the program it takes decrypted. */
  srtp_t key_in[2], key_out[2];
  guint64 key_failed;  /* program packets that did not authenticate */
  /* sending */
  gboolean on_frozen, keyframe_wanted;
  guint video_frame, audio_frame;
  guint16 seq[2];
  guint32 timestamp[2];
  guint32 sr_packets[2], sr_octets[2];
  gint64 next_due[2], next_rtcp;
  double flood_credit, garbage_credit;
  guint64 rng;
  /* receiving */
  sim_seq_tracker program[2];
  sim_latency_window latency;
  guint32 last_keyframe_ts;
  gboolean seen_keyframe;
  guint64 lost_at_last_pli;
  gint64 last_pli_us;
  sim_site_counters counters;
} sim_site;

/* Opens the site's sockets on @bind (port 0: any free port). (transfer
 * full) NULL with an error if a socket cannot be opened. */
sim_site *sim_site_new(const char *code, const char *title, const sim_clip *live, const sim_clip *frozen,
                       const struct sockaddr *bind_addr, socklen_t bind_len, GError **error);
void sim_site_free(sim_site *site);
/* Opens RTCP sockets on the RTP ports + 1 (moving an RTP socket to another
 * port when the next one is taken). FALSE with an error if it cannot. */
gboolean sim_site_open_rtcp(sim_site *site, const struct sockaddr *bind_addr, socklen_t bind_len, GError **error);

/* Sends the next video frame (one loop frame, or the IDR if one was asked
 * for) stamped @now_real_us; when disconnected only time advances. */
void sim_site_send_video(sim_site *site, const sim_site_env *env, gint64 now_us, gint64 now_real_us);
/* Sends the next 20 ms Opus frame, likewise. */
void sim_site_send_audio(sim_site *site, const sim_site_env *env, gint64 now_us, gint64 now_real_us);
/* Flood and garbage owed for the last @elapsed_us. */
void sim_site_send_extra(sim_site *site, const sim_site_env *env, gint64 now_us, gint64 now_real_us,
                         gint64 elapsed_us);
/* One SR (or RR) per medium, with a report block about the program. */
void sim_site_send_rtcp(sim_site *site, const sim_site_env *env, gint64 now_real_us);

/* Handles one datagram that arrived on the @medium socket at @now_real_us. */
void sim_site_receive(sim_site *site, const sim_site_env *env, sim_medium medium, const guint8 *data,
                      gsize len, gint64 now_real_us);

/* Applies @faults; leaving disconnect or freeze starts at an IDR. */
void sim_site_set_faults(sim_site *site, const sim_faults *faults);

/* {"code", "sent_packets", …, "faults": {…}} (transfer full). */
json_t *sim_site_stats(const sim_site *site);

/* Gives plain RTP site @s its SRTP key (AES_CM_128_HMAC_SHA1_80 or
 * AEAD_AES_128_GCM, one key both ways, as the controller's POST
 * /api/v1/sites/{id}/srtp-key makes it). FALSE with @error when libsrtp2
 * refuses. */
gboolean sim_site_set_key(sim_site *s, const rc_srtp_key *key, GError **error);
