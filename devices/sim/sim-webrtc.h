/* sim-webrtc — the simulator's WebRTC load: N WHEP viewers of a session's
 * program, or N WHIP publishers sending the simulator's H.264 + Opus
 * material, in one process (sim-webrtc-link.h for one peer). Offers are
 * POSTed by a few worker threads (sim-http.h, blocking); everything else —
 * ICE, DTLS, SRTP, sending and counting — runs on the calling thread in
 * one poll loop over every peer's socket. At the end (the duration, or
 * SIGINT/SIGTERM) a JSON report per peer: connected, offer → first
 * keyframe, packets, RTP sequence gaps, latency from the sites' send-time
 * header extension (web/docs/media.md). SIGUSR1 starts a measurement window:
 * the latency samples and the window_ counts of the report are from then on. */
#pragma once
#include "devices/sim/sim-material.h"

#include <glib.h>

typedef struct {
  const char *url;          /* the WHEP (session) or WHIP endpoint, http:// */
  gboolean publish;         /* WHIP publishers, else WHEP viewers */
  const char *token;        /* viewers: a login token */
  char **tokens;            /* publishers: one site secret each, at least @count */
  guint count;
  guint seconds;            /* run this long from the start; 0 = until a signal */
  double join_within_s;     /* offers spread evenly over this long; 0 = all at once */
  const char *report;       /* JSON report file; NULL = stdout */
  const sim_material *material; /* publishers: live[0] and tone are sent */
  guint fps;
  guint decrypt_every;      /* viewers: authenticate and decrypt every Nth packet (1 = all; 0 counts as 1).
                             * The others are counted from their clear RTP header (sequence, send time);
                             * every packet is decrypted until the first keyframe. */
  gboolean quiet;
} sim_webrtc_options;

/* Runs the load until done; writes the report. FALSE with @error only if
 * it could not start (sockets, DTLS identity) or write the report. */
gboolean sim_webrtc_run(const sim_webrtc_options *options, GError **error);
