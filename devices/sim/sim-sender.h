/* sim-sender — the only place datagrams leave the simulator. Packets are
 * gathered per socket and sent with one sendmmsg per batch (a site's frame
 * is one batch); headers are copied into preallocated slots and payloads
 * are sent from where they live (clip memory), so a packet costs no
 * allocation. Packets held back by the jitter fault wait in a heap. */
#pragma once
#include <glib.h>
#include <sys/socket.h>

#define SIM_SENDER_HEADER_MAX 32

typedef struct sim_sender sim_sender;

typedef struct {
  guint64 packets;   /* handed to the kernel */
  guint64 failed;    /* refused by the kernel (buffer full, unreachable) */
  guint64 syscalls;
  guint64 delayed;   /* currently held by the jitter fault */
} sim_sender_counters;

sim_sender *sim_sender_new(void);
void sim_sender_free(sim_sender *sender);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sim_sender, sim_sender_free)

/* Queues @header (copied, at most SIM_SENDER_HEADER_MAX bytes) followed by
 * @payload (not copied: must stay valid until the next flush) for @fd to
 * @dest (not copied: must outlive the sender). Sends what was queued for
 * another socket first. */
void sim_sender_add(sim_sender *sender, int fd, const struct sockaddr *dest, socklen_t dest_len,
                    const guint8 *header, guint header_len, const guint8 *payload, guint payload_len);

#define SIM_SENDER_PACKET_MAX 1600
/* Queues a packet the caller writes into the returned buffer (room for
 * SIM_SENDER_PACKET_MAX bytes, valid until the next call into the sender)
 * and then sizes with sim_sender_commit: for packets that must be whole in
 * memory (SRTP protects header and payload in place). Not for the jitter
 * fault. */
guint8 *sim_sender_reserve(sim_sender *sender, int fd, const struct sockaddr *dest, socklen_t dest_len);
/* The reserved packet's length; 0 takes it back. */
void sim_sender_commit(sim_sender *sender, guint len);
/* Sends everything queued. */
void sim_sender_flush(sim_sender *sender);

/* Like sim_sender_add, but holds the packet until @due_us (monotonic
 * clock). It is dropped instead of sent if *@mute is TRUE by then.
 * @payload must stay valid for the life of the sender. */
void sim_sender_delay(sim_sender *sender, gint64 due_us, const gboolean *mute, int fd,
                      const struct sockaddr *dest, socklen_t dest_len, const guint8 *header,
                      guint header_len, const guint8 *payload, guint payload_len);

/* Queues every held packet that is due by @now_us, in due order, then
 * flushes. */
void sim_sender_run_due(sim_sender *sender, gint64 now_us);

/* Sends one datagram at once (RTCP). FALSE if the kernel refused it. */
gboolean sim_sender_send_now(sim_sender *sender, int fd, const struct sockaddr *dest, socklen_t dest_len,
                             const guint8 *data, gsize len);

sim_sender_counters sim_sender_get_counters(const sim_sender *sender);
