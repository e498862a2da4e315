/* sim-sender — batched, allocation-free sending. */
#include "devices/sim/sim-sender.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#define BATCH 64

typedef struct {
  gint64 due_us;
  const gboolean *mute;
  int fd;
  socklen_t dest_len;
  const struct sockaddr *dest;
  const guint8 *payload;
  guint payload_len;
  guint8 header_len;
  guint8 header[SIM_SENDER_HEADER_MAX];
} held_packet;

struct sim_sender {
  int fd; /* socket of the queued batch, -1 if empty */
  guint count;
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH][2];
  guint8 headers[BATCH][SIM_SENDER_HEADER_MAX];
  guint8 whole[BATCH][SIM_SENDER_PACKET_MAX]; /* sim_sender_reserve's packets */
  GArray *held; /* held_packet, a binary min-heap on due_us */
  sim_sender_counters counters;
};

sim_sender *
sim_sender_new(void)
{
  sim_sender *s = g_new0(sim_sender, 1);
  s->fd = -1;
  s->held = g_array_sized_new(FALSE, FALSE, sizeof(held_packet), 1024);
  return s;
}

void
sim_sender_free(sim_sender *s)
{
  if (!s)
    return;
  g_array_unref(s->held);
  g_free(s);
}

void
sim_sender_flush(sim_sender *s)
{
  guint i = 0;
  while (i < s->count) {
    int r = sendmmsg(s->fd, s->msgs + i, s->count - i, 0);
    s->counters.syscalls++;
    if (r > 0) {
      i += r;
      s->counters.packets += r;
    } else if (r < 0 && errno == EINTR) {
      continue;
    } else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
      s->counters.failed += s->count - i; /* the socket is full: drop the rest */
      break;
    } else {
      s->counters.failed++; /* this packet is refused; try the next */
      i++;
    }
  }
  s->count = 0;
  s->fd = -1;
}

void
sim_sender_add(sim_sender *s, int fd, const struct sockaddr *dest, socklen_t dest_len, const guint8 *header,
               guint header_len, const guint8 *payload, guint payload_len)
{
  g_return_if_fail(header_len <= SIM_SENDER_HEADER_MAX);
  if (s->count == BATCH || (s->count > 0 && s->fd != fd))
    sim_sender_flush(s);
  guint i = s->count++;
  s->fd = fd;
  memcpy(s->headers[i], header, header_len);
  s->iov[i][0] = (struct iovec){s->headers[i], header_len};
  s->iov[i][1] = (struct iovec){(void *)payload, payload_len};
  s->msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_name = (void *)dest, .msg_namelen = dest_len,
                                            .msg_iov = s->iov[i], .msg_iovlen = payload_len ? 2 : 1}};
}

guint8 *
sim_sender_reserve(sim_sender *s, int fd, const struct sockaddr *dest, socklen_t dest_len)
{
  if (s->count == BATCH || (s->count > 0 && s->fd != fd))
    sim_sender_flush(s);
  guint i = s->count;
  s->fd = fd;
  s->iov[i][0] = (struct iovec){s->whole[i], 0};
  s->msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_name = (void *)dest, .msg_namelen = dest_len,
                                            .msg_iov = s->iov[i], .msg_iovlen = 1}};
  return s->whole[i];
}

void
sim_sender_commit(sim_sender *s, guint len)
{
  g_return_if_fail(len <= SIM_SENDER_PACKET_MAX && s->count < BATCH);
  if (!len)
    return;
  s->iov[s->count][0].iov_len = len;
  s->count++;
}

static gboolean
earlier(GArray *heap, guint a, guint b)
{
  return g_array_index(heap, held_packet, a).due_us < g_array_index(heap, held_packet, b).due_us;
}

static void
swap(GArray *heap, guint a, guint b)
{
  held_packet t = g_array_index(heap, held_packet, a);
  g_array_index(heap, held_packet, a) = g_array_index(heap, held_packet, b);
  g_array_index(heap, held_packet, b) = t;
}

void
sim_sender_delay(sim_sender *s, gint64 due_us, const gboolean *mute, int fd, const struct sockaddr *dest,
                 socklen_t dest_len, const guint8 *header, guint header_len, const guint8 *payload,
                 guint payload_len)
{
  g_return_if_fail(header_len <= SIM_SENDER_HEADER_MAX);
  held_packet p = {due_us, mute, fd, dest_len, dest, payload, payload_len, header_len, {0}};
  memcpy(p.header, header, header_len);
  g_array_append_val(s->held, p);
  for (guint i = s->held->len - 1; i > 0 && earlier(s->held, i, (i - 1) / 2); i = (i - 1) / 2)
    swap(s->held, i, (i - 1) / 2);
}

static void
pop_min(GArray *heap)
{
  guint n = heap->len - 1;
  swap(heap, 0, n);
  g_array_set_size(heap, n);
  for (guint i = 0;;) {
    guint l = 2 * i + 1, r = l + 1, m = i;
    if (l < n && earlier(heap, l, m))
      m = l;
    if (r < n && earlier(heap, r, m))
      m = r;
    if (m == i)
      break;
    swap(heap, i, m);
    i = m;
  }
}

void
sim_sender_run_due(sim_sender *s, gint64 now_us)
{
  /* Held packets' headers are copied into batch slots, so popping (which
   * moves heap entries) is safe before the flush. */
  while (s->held->len > 0 && g_array_index(s->held, held_packet, 0).due_us <= now_us) {
    held_packet p = g_array_index(s->held, held_packet, 0);
    pop_min(s->held);
    if (!*p.mute)
      sim_sender_add(s, p.fd, p.dest, p.dest_len, p.header, p.header_len, p.payload, p.payload_len);
  }
  sim_sender_flush(s);
}

gboolean
sim_sender_send_now(sim_sender *s, int fd, const struct sockaddr *dest, socklen_t dest_len, const guint8 *data,
                    gsize len)
{
  s->counters.syscalls++;
  if (sendto(fd, data, len, 0, dest, dest_len) < 0) {
    s->counters.failed++;
    return FALSE;
  }
  s->counters.packets++;
  return TRUE;
}

sim_sender_counters
sim_sender_get_counters(const sim_sender *s)
{
  sim_sender_counters c = s->counters;
  c.delayed = s->held->len;
  return c;
}
