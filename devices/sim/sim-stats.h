/* sim-stats — what a simulated site measures about the program it
 * receives: loss from sequence numbers (RFC 3550 A.1 style: expected minus
 * received, so reordering is not loss), interarrival jitter, and latency
 * percentiles over a sliding window. Pure, fixed-size, no allocation. */
#pragma once
#include <glib.h>
#include <sys/socket.h>

typedef struct {
  gboolean started;
  guint16 max_seq;
  guint32 cycles;   /* count of wraps, times 65536 */
  guint32 base_seq;
  guint64 received;
  guint64 expected_prior; /* at the last report, for the fraction lost */
  guint64 received_prior;
  /* RFC 3550 interarrival jitter, in clock units times 16 */
  gboolean has_transit;
  gint64 transit;
  guint64 jitter16;
} sim_seq_tracker;

/* When the kernel received message @msg (its SO_TIMESTAMPNS control
 * message), wall-clock µs; @fallback if it carries no timestamp. */
gint64 sim_arrival_us(struct msghdr *msg, gint64 fallback);

/* Counts one packet with sequence number @seq that arrived at @arrival_us
 * carrying RTP timestamp @timestamp of a @clock_rate Hz clock. */
void sim_seq_update(sim_seq_tracker *t, guint16 seq, guint32 timestamp,
                    gint64 arrival_us, guint clock_rate);

/* Highest sequence number seen, extended by the wrap count. */
guint32 sim_seq_extended_max(const sim_seq_tracker *t);
/* Packets expected minus packets received, never below 0. */
guint64 sim_seq_lost(const sim_seq_tracker *t);
/* Interarrival jitter in clock units. */
guint32 sim_seq_jitter(const sim_seq_tracker *t);
/* Fraction lost since the previous call, in 1/256 (RTCP RR field). */
guint8 sim_seq_take_fraction_lost(sim_seq_tracker *t);

#define SIM_LATENCY_WINDOW 512

typedef struct {
  gint32 samples_us[SIM_LATENCY_WINDOW];
  guint count; /* valid samples, at most SIM_LATENCY_WINDOW */
  guint next;
} sim_latency_window;

/* Adds one latency sample; the oldest falls out of a full window. */
void sim_latency_add(sim_latency_window *w, gint64 latency_us);
/* The @q quantile (0..1) in milliseconds; FALSE if the window is empty. */
gboolean sim_latency_quantile(const sim_latency_window *w, double q, double *ms);
