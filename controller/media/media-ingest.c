/* media-ingest — receives every site's RTP for one medium on one shared UDP
 * port, and its RTCP on the next port. RTP, the bulk (600 sites × ~175
 * packets a second), is read by one thread with recvmmsg in batches of 64:
 * udpsrc's poll, wake-up and buffer per packet cost twice as much at that
 * rate. Each packet is parsed, its site found by SSRC, its statistics
 * updated; packets of streams that are shown are copied into decoding
 * pipelines, and in switch mode the program source's packets are re-stamped
 * into the program fan-out, switching sources at a keyframe. RTCP (a few
 * packets a second per site) comes through a GStreamer udpsrc and a pad
 * probe. No thread or element per site. The tables are guarded by @lock,
 * taken once per batch; the main loop takes it briefly to change routes or
 * copy figures.
 * Per packet, besides the figures: the site's own payload type is checked
 * (and rewritten to the program's), the site's rate cap is applied (a token
 * bucket: what is above it is counted and goes nowhere), and a packet of an
 * unknown SSRC is remembered in a small table of recent unknown senders (an
 * LRU of UNKNOWN_SENDERS by address and SSRC) for the technicians.
 * A site whose transport is by_address (a SIP call) is heard only from the
 * addresses it bound (its signalled 5-tuple): such a packet goes to its
 * transport's receive first (SRTP), then gets the site's SSRC; its SSRC
 * from anywhere else is dropped as a spoof. Any other site's SSRC is taken
 * on the shared ports only from inside its transport's heard_from (a plain
 * RTP site's media_from: a network and mask compared per packet, copied
 * here by rc_ingest_set_streams); from anywhere else (and for a WebRTC
 * or pulled site, whose media are fed, from anywhere at all) it is dropped
 * as a spoof before the figures, the program, the mix, the recording or
 * the address learned see it, counted, and the last spoof's address kept
 * for the site's alarm. A site whose
 * transport is not by_address but has a receive (a plain-RTP site with an
 * SRTP key) has each packet found by its SSRC, once admitted, decrypted
 * there; what does not authenticate is dropped (srtp_failed) before its
 * figures or address. */
#define G_LOG_DOMAIN "roomctl-media"
#include "media/media-private.h"
#include "base/rc-error.h"
#include "devices/site-transport.h"

#include <gst/net/gstnetaddressmeta.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#define BATCH 64
#define SLOT 2048 /* a datagram longer than this is not RTP we take */
#define UNKNOWN_SENDERS 64
#define CAP_BURST_US 500000 /* a cap's burst: half a second at the cap (a keyframe) */


/* One live session's switch-mode forwarding and keyframe requests: each
 * conference has its own program source and timeline on the shared port. */
typedef struct {
  gint64 session_id;
  GstPad *program; /* the program fan-out's pad, pushed to from this thread */
  guint32 source, pending;
  gboolean have_out;
  guint16 out_seq;
  guint32 ts_offset, last_out_ts;
  gint64 switched_at_us; /* when the last switch happened (monotonic) */
  rc_delay_histogram forward_delay; /* kernel arrival -> sent to every site */
  gboolean keyframe_requested;
} route;

typedef struct {
  gint64 site_id;
  route *route;           /* its session's (the route outlives its streams) */
  rc_stream_stats stats;
  GSocketAddress *source;
  GSocketAddress *rtcp_from;
  GstAppSrc *copy_to;
  gboolean have_rr;
  rc_rtcp_report rr;
  gint64 rr_at_us;
  guint8 pt;              /* the payload type the site sends */
  int cap_kbps;           /* 0 = no cap */
  double tokens;          /* bytes the cap lets through now */
  gint64 refill_us;
  guint64 over_cap_packets, over_cap_bytes;
  guint64 wrong_pt_packets;
  guint8 last_wrong_pt;
  gint64 wrong_pt_us;
  GPtrArray *watchers;    /* rc_site_transport* taking this stream as it comes (a technician's check), or NULL */
  gboolean by_address;    /* heard only through a binding (its transport's by_address) */
  rc_ipv4_net heard_from; /* else: from where on the shared ports (unset: nowhere; fed only) */
  guint64 spoofed_packets; /* its SSRC from elsewhere, dropped */
  guint64 spoofed_key;    /* the last of those's address (address_key), 0 = fed */
  gint64 spoofed_us;
  rc_site_transport *decrypts; /* found by SSRC, then through its receive (not by_address), or NULL */
  gboolean encrypted;     /* its transport's, when the streams were set: a change forgets its addresses */
} stream;

/* Where a by_address site's packets come from (rc_ingest_bind). */
typedef struct {
  rc_site_transport *t;
  guint32 ssrc;     /* the site's SSRC of this medium: what its packets are re-stamped with */
  gboolean rtcp;    /* on the RTCP port */
  gboolean latch;   /* its packets authenticate (SRTP): the first that does from elsewhere moves it there */
  gboolean settled; /* a packet came through it: it moves no more */
} binding;

/* A binding still waiting for its first packet may move to where its first
 * authenticated packet comes from (a NAT, a host that signalled another of
 * its addresses): at most this many are tried on one packet of an unknown
 * sender, each an HMAC, so a flood costs a bounded amount. */
#define LATCH_TRIES 8

struct rc_ingest {
  const rc_config *config;
  gboolean audio;
  GstElement *pipeline;  /* RTCP */
  GstElement *rtcp_src;
  GSocket *rtp_socket;
  GThread *rtp_thread;
  gint stopping;         /* atomic */
  GMutex lock;
  GHashTable *streams; /* guint32 ssrc -> stream*, every live session's sites */
  GHashTable *routes;  /* gint64* session id -> route* */
  GHashTable *bindings; /* guint64* address key (address_key) -> binding* */
  guint latching;       /* bindings with latch and not settled */
  guint latch_turn;     /* where the next latch's tries begin among them (each gets its turn) */
  guint64 unknown_ssrc, malformed, wrong_pt, rtcp_malformed, over_cap, srtp_failed, spoofed;
  rc_unknown_sender unknown[UNKNOWN_SENDERS];
  guint n_unknown;
  guint64 unknown_order;
};

static void
stream_free(gpointer data)
{
  stream *s = data;
  g_clear_object(&s->source);
  g_clear_object(&s->rtcp_from);
  g_clear_object(&s->copy_to);
  if (s->watchers)
    g_ptr_array_unref(s->watchers);
  g_free(s);
}

static void
route_free(gpointer data)
{
  route *r = data;
  g_clear_object(&r->program);
  g_free(r);
}

/* The session's route, made on first use. Lock held. */
static route *
route_of(rc_ingest *in, gint64 session_id)
{
  route *r = g_hash_table_lookup(in->routes, &session_id);
  if (!r) {
    r = g_new0(route, 1);
    r->session_id = session_id;
    g_hash_table_insert(in->routes, g_memdup2(&session_id, sizeof session_id), r);
  }
  return r;
}

/* ---- the streaming thread ---- */

static GSocketAddress *
sender_of(GstBuffer *buf)
{
  GstNetAddressMeta *meta = gst_buffer_get_net_address_meta(buf);
  return meta ? meta->addr : NULL;
}

static void
learn_address(GSocketAddress **slot, GSocketAddress *from)
{
  if (!from)
    return;
  if (*slot && g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(*slot)) ==
                   g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(from)) &&
      g_inet_address_equal(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(*slot)),
                           g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(from))))
    return;
  g_set_object(slot, from);
}

/* An IPv4 address and port as one key (the ports are IPv4), 0 for anything else. */
static guint64
address_key(const struct sockaddr *from, socklen_t len)
{
  if (!from || from->sa_family != AF_INET || len < (socklen_t)sizeof(struct sockaddr_in))
    return 0;
  const struct sockaddr_in *a = (const struct sockaddr_in *)from;
  return (guint64)ntohl(a->sin_addr.s_addr) << 16 | ntohs(a->sin_port);
}

static guint64
socket_address_key(GSocketAddress *a)
{
  struct sockaddr_storage native;
  if (!a || !g_socket_address_to_native(a, &native, sizeof native, NULL))
    return 0;
  return address_key((struct sockaddr *)&native, (socklen_t)g_socket_address_get_native_size(a));
}

static binding *
binding_of(rc_ingest *in, guint64 key)
{
  return key && g_hash_table_size(in->bindings) ? g_hash_table_lookup(in->bindings, &key) : NULL;
}

static guint32
read_ssrc(const guint8 *p)
{
  return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

/* A packet came through @b: it stays where it is. */
static void
settle(rc_ingest *in, binding *b)
{
  if (b->settled)
    return;
  b->settled = TRUE;
  if (b->latch)
    in->latching--;
}

/* A packet from @key, where nothing is bound, with an SSRC no site has:
 * whether it authenticates as the first packet of a call still waiting for
 * its first (LATCH_TRIES at most, each on a copy, beginning where the last
 * packet's tries left off: with 600 calls dialled at once, each waiting one
 * gets its turn). If one does, its binding moves to @key, settled, and
 * @data holds the packet decrypted. */
static binding *
latch(rc_ingest *in, guint64 key, gboolean rtcp, guint8 *data, gsize *len)
{
  guint8 copy[SLOT];
  guint tries = 0;
  GHashTableIter it;
  gpointer k, value;
  if (!key || *len > sizeof copy)
    return NULL;
  guint skip = in->latching > LATCH_TRIES ? in->latch_turn % in->latching : 0;
  in->latch_turn += LATCH_TRIES;
  g_hash_table_iter_init(&it, in->bindings);
  while (tries < LATCH_TRIES && g_hash_table_iter_next(&it, &k, &value)) {
    binding *b = value;
    if (!b->latch || b->settled || b->rtcp != rtcp)
      continue;
    if (skip) {
      skip--;
      continue;
    }
    tries++;
    gsize n = *len;
    memcpy(copy, data, n);
    if (!b->t->ops->receive(b->t, in->audio, rtcp, copy, &n))
      continue;
    binding *moved = g_new(binding, 1);
    *moved = *b;
    moved->settled = TRUE;
    in->latching--;
    guint64 was = *(guint64 *)k;
    g_hash_table_iter_remove(&it);
    g_hash_table_replace(in->bindings, g_memdup2(&key, sizeof key), moved);
    g_message("site %s: its %s %s comes from %u.%u.%u.%u:%u, not from %u.%u.%u.%u:%u as signalled; it "
              "authenticates: taken from there", moved->t->code, in->audio ? "audio" : "video", rtcp ? "RTCP" : "RTP",
              (guint)(key >> 40) & 255, (guint)(key >> 32) & 255, (guint)(key >> 24) & 255, (guint)(key >> 16) & 255,
              (guint)key & 0xffff, (guint)(was >> 40) & 255, (guint)(was >> 32) & 255, (guint)(was >> 24) & 255,
              (guint)(was >> 16) & 255, (guint)was & 0xffff);
    memcpy(data, copy, n);
    *len = n;
    return moved;
  }
  return NULL;
}

/* The SSRC of every packet of a compound RTCP packet (its sender's), re-stamped. */
static void
restamp_rtcp(guint8 *data, gsize len, guint32 ssrc)
{
  for (gsize at = 0; at + 8 <= len;) {
    data[at + 4] = (guint8)(ssrc >> 24), data[at + 5] = (guint8)(ssrc >> 16);
    data[at + 6] = (guint8)(ssrc >> 8), data[at + 7] = (guint8)ssrc;
    at += 4 * ((gsize)(data[at + 2] << 8 | data[at + 3]) + 1);
  }
}

/* The kernel's wall-clock arrival time of @msg (SO_TIMESTAMPNS), 0 if none. */
static gint64
arrival_us(struct msghdr *msg)
{
  for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      struct timespec ts;
      memcpy(&ts, CMSG_DATA(c), sizeof ts);
      return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
    }
  return 0;
}

/* A program packet made under the lock, sent after it is released. */
typedef struct {
  GstBuffer *buf;
  GstPad *pad;       /* its session's program (a ref) */
  gint64 session_id;
  gint64 arrived_us; /* kernel arrival (real time), 0 unknown */
} outgoing;

/* The program's timeline goes on across source switches: the new source's
 * timestamps are shifted to follow the last packet sent, one frame later.
 * The packet goes into @out: it is sent to every site once the lock is
 * released (send_out), so that the RTCP thread and the main loop's
 * figures never wait for 600 sends. */
static void
forward(rc_ingest *in, route *r, const guint8 *data, gsize len, const rc_rtp_packet *p, struct msghdr *msg,
        GArray *out)
{
  if (p->ssrc == r->pending && rc_h264_starts_keyframe(p->payload, p->payload_len)) {
    guint32 step = 90000 / (guint32)in->config->media_fps;
    r->ts_offset = r->have_out ? r->last_out_ts + step - p->timestamp : 0;
    r->source = r->pending;
    r->pending = 0;
    r->switched_at_us = g_get_monotonic_time();
  }
  if (p->ssrc != r->source || !r->program)
    return;
  outgoing o = {gst_buffer_new_allocate(NULL, len, NULL), gst_object_ref(r->program), r->session_id,
                msg ? arrival_us(msg) : 0};
  GstMapInfo map;
  gst_buffer_map(o.buf, &map, GST_MAP_WRITE);
  memcpy(map.data, data, len);
  r->last_out_ts = p->timestamp + r->ts_offset;
  r->have_out = TRUE;
  rc_rtp_restamp(map.data, RC_PROGRAM_VIDEO_SSRC, r->out_seq++, r->last_out_ts);
  map.data[1] = (guint8)((map.data[1] & 0x80) | RC_PT_H264); /* whatever the source's own type */
  gst_buffer_unmap(o.buf, &map);
  g_array_append_val(out, o);
}

/* Without the lock: sends @out's packets to every site of their session
 * (each push returns once the fan-out has sent it to all), then notes their
 * forwarding delays. Empties @out. */
static void
send_out(rc_ingest *in, GArray *out)
{
  if (!out->len)
    return;
  struct {
    gint64 session_id, us;
  } delays[BATCH];
  guint n_delays = 0;
  for (guint i = 0; i < out->len; i++) {
    outgoing *o = &g_array_index(out, outgoing, i);
    gst_pad_push(o->pad, o->buf); /* takes ownership */
    gst_object_unref(o->pad);
    if (o->arrived_us && n_delays < BATCH)
      delays[n_delays].session_id = o->session_id, delays[n_delays++].us = g_get_real_time() - o->arrived_us;
  }
  g_array_set_size(out, 0);
  if (!n_delays)
    return;
  g_mutex_lock(&in->lock);
  for (guint i = 0; i < n_delays; i++) {
    route *r = g_hash_table_lookup(in->routes, &delays[i].session_id); /* gone: its session ended */
    if (r)
      rc_delay_add(&r->forward_delay, delays[i].us);
  }
  g_mutex_unlock(&in->lock);
}

static void
copy_packet(rc_ingest *in, stream *s, const guint8 *data, gsize len)
{
  guint8 *copy = g_memdup2(data, len);
  if (!in->audio) /* the decoders' caps; a talker's decoder takes the site's own (its codec's) */
    copy[1] = (guint8)((copy[1] & 0x80) | RC_PT_H264);
  gst_app_src_push_buffer(s->copy_to, gst_buffer_new_wrapped(copy, len)); /* both take ownership */
}

/* A technician watching one site's own stream: a re-stamped copy each. */
static void
send_watchers(rc_ingest *in, stream *s, const guint8 *data, gsize len)
{
  guint8 copy[SLOT];
  for (guint i = 0; i < s->watchers->len && len <= SLOT; i++) {
    rc_site_transport *t = s->watchers->pdata[i];
    const rc_site_stream_format *f = in->audio ? &t->format.audio : &t->format.video;
    memcpy(copy, data, len);
    rc_rtp_restamp_source(copy, f->out_ssrc, (guint8)f->out_pt);
    t->ops->send(t, in->audio, copy, len);
  }
  rc_site_transports_flush(s->watchers);
}

/* The site's cap as a token bucket: FALSE for a packet above it. */
static gboolean
within_cap(stream *s, gsize len, gint64 now)
{
  if (s->cap_kbps <= 0)
    return TRUE;
  double per_us = s->cap_kbps * 1000.0 / 8 / G_USEC_PER_SEC, burst = per_us * CAP_BURST_US;
  s->tokens = MIN(burst, s->tokens + (double)(now - s->refill_us) * per_us);
  s->refill_us = now;
  if (s->tokens < (double)len) {
    s->over_cap_packets++;
    s->over_cap_bytes += len;
    return FALSE;
  }
  s->tokens -= (double)len;
  return TRUE;
}

static gboolean
same_sender(const rc_unknown_sender *u, guint32 ssrc, const struct sockaddr *from, socklen_t from_len)
{
  return u->ssrc == ssrc && u->from_len == from_len && (!from_len || memcmp(&u->from, from, from_len) == 0);
}

/* Remembers a packet of an unknown SSRC: its sender's entry, a new one, or
 * the least recently seen one replaced. At most 2 × UNKNOWN_SENDERS compares. */
static void
note_unknown(rc_ingest *in, const rc_rtp_packet *p, const struct sockaddr *from, socklen_t from_len, gint64 now)
{
  if (!from || from_len > sizeof(struct sockaddr_storage))
    from_len = 0;
  rc_unknown_sender *u = NULL, *oldest = &in->unknown[0];
  for (guint i = 0; i < in->n_unknown && !u; i++) {
    if (same_sender(&in->unknown[i], p->ssrc, from, from_len))
      u = &in->unknown[i];
    else if (in->unknown[i].order < oldest->order)
      oldest = &in->unknown[i];
  }
  if (!u) {
    u = in->n_unknown < UNKNOWN_SENDERS ? &in->unknown[in->n_unknown++] : oldest;
    memset(u, 0, sizeof *u);
    u->ssrc = p->ssrc;
    u->from_len = from_len;
    if (from_len)
      memcpy(&u->from, from, from_len);
    u->first_us = now;
  }
  u->payload_type = p->payload_type;
  u->packets++;
  u->last_us = now;
  u->order = ++in->unknown_order; /* a batch shares one @now */
}

/* Whether a packet with @s's SSRC from @where (address_key; 0 with @fed:
 * its transport fed it), @bound: through a binding, may be the site's. */
static gboolean
admitted(const stream *s, guint64 where, gboolean fed, gboolean bound)
{
  if (s->by_address)
    return bound;
  return fed || (where && rc_ipv4_net_contains(&s->heard_from, (guint32)(where >> 16)));
}

/* A spoof of @s's SSRC from @where: counted, and the site's alarm told where from. */
static void
spoofed(rc_ingest *in, stream *s, guint64 where, gint64 now)
{
  in->spoofed++;
  s->spoofed_packets++;
  s->spoofed_key = where;
  s->spoofed_us = now;
}

/* A packet (@rtcp: RTCP) of @s (found by its SSRC, or NULL), when its
 * transport decrypts what its SSRC brings (stream.decrypts): through its
 * receive, or FALSE (counted). TRUE for anybody else's. Lock held. */
static gboolean
decrypts(rc_ingest *in, stream *s, guint8 *data, gsize *len, gboolean rtcp)
{
  if (!s || !s->decrypts || s->decrypts->ops->receive(s->decrypts, in->audio, rtcp, data, len))
    return TRUE;
  in->srtp_failed++;
  return FALSE;
}

/* One RTP packet; @in->lock is held. @from: where it came from, or NULL;
 * it is looked at only now and then (a site's address rarely changes),
 * and for a bound site's every packet (which is then decrypted in place).
 * @msg: the datagram's header with its arrival time, or NULL. */
static void
process_rtp(rc_ingest *in, GArray *out, guint8 *data, gsize len, const struct sockaddr *from, socklen_t from_len,
            gint64 now, struct msghdr *msg)
{
  rc_rtp_packet p;
  stream *s = NULL;
  guint64 where = address_key(from, from_len);
  binding *b = binding_of(in, where);
  gboolean decrypted = FALSE;
  if (!b && in->latching && len >= 12 && !g_hash_table_contains(in->streams, GUINT_TO_POINTER(read_ssrc(data + 8))))
    decrypted = (b = latch(in, where, FALSE, data, &len)) != NULL;
  if (b && !b->rtcp) {
    if (!decrypted && (len < 12 || !b->t->ops->receive(b->t, in->audio, FALSE, data, &len))) {
      in->srtp_failed++;
      return;
    }
    settle(in, b);
    if (len == 0) /* the transport took it: not media (a SIP site's keypad, RFC 4733) */
      return;
    data[8] = (guint8)(b->ssrc >> 24), data[9] = (guint8)(b->ssrc >> 16);
    data[10] = (guint8)(b->ssrc >> 8), data[11] = (guint8)b->ssrc;
  } else {
    b = NULL;
    stream *claimed = len >= 12 ? g_hash_table_lookup(in->streams, GUINT_TO_POINTER(read_ssrc(data + 8))) : NULL;
    if (claimed && !admitted(claimed, where, from == NULL, FALSE)) { /* a spoof is not worth decrypting */
      spoofed(in, claimed, where, now);
      if (rc_rtp_parse(data, len, &p))
        note_unknown(in, &p, from, from_len, now);
      return;
    }
    if (!decrypts(in, claimed, data, &len, FALSE))
      return;
  }
  if (!rc_rtp_parse(data, len, &p)) {
    in->malformed++;
  } else if (!(s = g_hash_table_lookup(in->streams, GUINT_TO_POINTER(p.ssrc)))) {
    in->unknown_ssrc++;
    note_unknown(in, &p, from, from_len, now);
  } else if (!admitted(s, where, from == NULL, b != NULL)) {
    spoofed(in, s, where, now);
    note_unknown(in, &p, from, from_len, now);
    s = NULL;
  } else if (p.payload_type != s->pt) {
    in->wrong_pt++;
    s->wrong_pt_packets++;
    s->last_wrong_pt = p.payload_type;
    s->wrong_pt_us = now;
    s = NULL;
  }
  if (!s)
    return;
  gboolean key = !in->audio && rc_h264_starts_keyframe(p.payload, p.payload_len);
  rc_stream_stats_update(&s->stats, &p, len, now, key);
  if (from && (!s->source || (s->stats.packets & 127) == 1)) {
    g_autoptr(GSocketAddress) a = g_socket_address_new_from_native((gpointer)from, from_len);
    learn_address(&s->source, a);
  }
  /* The figures above are what the site sends; what goes further is capped. */
  if (!within_cap(s, len, now)) {
    in->over_cap++;
    return;
  }
  if (!in->audio)
    forward(in, s->route, data, len, &p, msg, out);
  if (s->copy_to)
    copy_packet(in, s, data, len);
  if (s->watchers)
    send_watchers(in, s, data, len);
}

/* The RTP thread: batches of datagrams, one lock per batch. */
static gpointer
rtp_thread(gpointer data)
{
  rc_ingest *in = data;
  int fd = g_socket_get_fd(in->rtp_socket);
  guint8 *bufs = g_malloc((gsize)BATCH * SLOT);
  g_autoptr(GArray) out = g_array_sized_new(FALSE, FALSE, sizeof(outgoing), BATCH);
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_storage from[BATCH];
  union { /* aligned for cmsghdr */
    struct cmsghdr align;
    guint8 buf[CMSG_SPACE(sizeof(struct timespec))];
  } control[BATCH];
  while (!g_atomic_int_get(&in->stopping)) {
    struct pollfd pfd = {fd, POLLIN, 0};
    if (poll(&pfd, 1, 200) <= 0)
      continue;
    for (int i = 0; i < BATCH; i++) {
      iov[i] = (struct iovec){bufs + (gsize)i * SLOT, SLOT};
      msgs[i].msg_hdr = (struct msghdr){.msg_name = &from[i], .msg_namelen = sizeof from[i], .msg_iov = &iov[i],
                                        .msg_iovlen = 1, .msg_control = control[i].buf,
                                        .msg_controllen = sizeof control[i].buf};
    }
    int n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0)
      continue;
    gint64 now = g_get_monotonic_time();
    g_mutex_lock(&in->lock);
    for (int i = 0; i < n; i++) {
      if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) { /* over SLOT bytes: not a site's RTP */
        in->malformed++;
        continue;
      }
      process_rtp(in, out, bufs + (gsize)i * SLOT, msgs[i].msg_len, (struct sockaddr *)&from[i],
                  msgs[i].msg_hdr.msg_namelen, now, &msgs[i].msg_hdr);
    }
    g_mutex_unlock(&in->lock);
    send_out(in, out);
  }
  g_free(bufs);
  return NULL;
}

static stream *
stream_of_sender(rc_ingest *in, guint32 ssrc)
{
  return g_hash_table_lookup(in->streams, GUINT_TO_POINTER(ssrc));
}

/* One RTCP packet from @from (@where: its address_key), or @fed (not
 * through our port), @bound: through its site's binding; @in->lock held. */
static void
rtcp_bytes(rc_ingest *in, const guint8 *data, gsize len, GSocketAddress *from, guint64 where, gboolean fed,
           gboolean bound)
{
  rc_rtcp_info info;
  stream *s = NULL;
  if (!rc_rtcp_parse(data, len, &info))
    in->rtcp_malformed++;
  else if ((s = stream_of_sender(in, info.sender_ssrc)) && !admitted(s, where, fed, bound))
    spoofed(in, s, where, g_get_monotonic_time());
  else if (s) {
    if (from)
      learn_address(&s->rtcp_from, from);
    for (guint i = 0; i < info.n_reports; i++)
      if (info.reports[i].ssrc == (in->audio ? RC_PROGRAM_AUDIO_SSRC : RC_PROGRAM_VIDEO_SSRC)) {
        s->rr = info.reports[i];
        s->have_rr = TRUE;
        s->rr_at_us = g_get_monotonic_time();
      }
    if (info.keyframe_request)
      s->route->keyframe_requested = TRUE;
  } else {
    in->unknown_ssrc++;
  }
}

static void
on_rtcp(rc_ingest *in, GstBuffer *buf)
{
  GstMapInfo map;
  if (!gst_buffer_map(buf, &map, GST_MAP_READ))
    return;
  GSocketAddress *from = sender_of(buf);
  guint8 copy[SLOT];
  gsize n = MIN(map.size, sizeof copy);
  memcpy(copy, map.data, n);
  g_mutex_lock(&in->lock);
  guint64 key = socket_address_key(from);
  binding *b = binding_of(in, key);
  gboolean decrypted = FALSE;
  if (!b && in->latching && n >= 8 && !g_hash_table_contains(in->streams, GUINT_TO_POINTER(read_ssrc(copy + 4))))
    decrypted = (b = latch(in, key, TRUE, copy, &n)) != NULL;
  if (b && b->rtcp) { /* a bound site's: decrypted, with its SSRC */
    if (decrypted || (n >= 8 && b->t->ops->receive(b->t, in->audio, TRUE, copy, &n))) {
      settle(in, b);
      restamp_rtcp(copy, n, b->ssrc);
      rtcp_bytes(in, copy, n, from, key, FALSE, TRUE);
    } else {
      in->srtp_failed++;
    }
  } else {
    stream *s = n >= 8 ? stream_of_sender(in, read_ssrc(copy + 4)) : NULL;
    if (s && !admitted(s, key, FALSE, FALSE)) /* a spoof is not worth decrypting */
      spoofed(in, s, key, g_get_monotonic_time());
    else if (decrypts(in, s, copy, &n, TRUE))
      rtcp_bytes(in, copy, n, from, key, FALSE, FALSE);
  }
  g_mutex_unlock(&in->lock);
  gst_buffer_unmap(buf, &map);
}

static GstPadProbeReturn
rtcp_probe(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  (void)pad;
  on_rtcp(data, GST_PAD_PROBE_INFO_BUFFER(info));
  return GST_PAD_PROBE_DROP;
}

/* ---- the main loop ---- */

static GstElement *
make_receiver(rc_ingest *in, GstBin *bin, int port, GstPadProbeCallback probe, GError **error)
{
  GstElement *src = gst_element_factory_make("udpsrc", NULL);
  GstElement *sink = gst_element_factory_make("fakesink", NULL);
  if (!src || !sink) {
    g_set_error(error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN, "udpsrc or fakesink missing");
    return NULL;
  }
  g_object_set(src, "port", port, "address", in->config->media_listen, "buffer-size", 8 << 20,
               "retrieve-sender-address", TRUE, NULL);
  g_object_set(sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add_many(bin, src, sink, NULL); /* the bin takes ownership */
  gst_element_link(src, sink);
  g_autoptr(GstPad) pad = gst_element_get_static_pad(src, "src");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, probe, in, NULL);
  return src;
}

static GSocket *
rtp_socket_open(const char *listen, int port, GError **error)
{
  g_autoptr(GSocket) socket = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
  g_autoptr(GInetAddress) ip = g_inet_address_new_from_string(listen);
  if (!socket || !ip) {
    if (error && !*error)
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "[media] listen: '%s' is not an IPv4 address", listen);
    return NULL;
  }
  int size = 8 << 20, on = 1;
  setsockopt(g_socket_get_fd(socket), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  /* arrival times for the forwarding delay of the program */
  setsockopt(g_socket_get_fd(socket), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  g_autoptr(GSocketAddress) at = g_inet_socket_address_new(ip, (guint16)port);
  if (!g_socket_bind(socket, at, TRUE, error)) {
    g_prefix_error(error, "UDP port %d: ", port);
    return NULL;
  }
  return g_steal_pointer(&socket);
}

rc_ingest *
rc_ingest_new(const rc_config *config, gboolean audio, GError **error)
{
  rc_ingest *in = g_new0(rc_ingest, 1);
  in->config = config;
  in->audio = audio;
  g_mutex_init(&in->lock);
  in->streams = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, stream_free);
  in->routes = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, route_free);
  in->bindings = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
  in->pipeline = gst_pipeline_new(audio ? "ingest-audio" : "ingest-video");
  int port = audio ? config->media_audio_port : config->media_video_port;
  in->rtp_socket = rtp_socket_open(config->media_listen, port, error);
  in->rtcp_src = in->rtp_socket ? make_receiver(in, GST_BIN(in->pipeline), port + 1, rtcp_probe, error) : NULL;
  g_autoptr(GstBus) bus = gst_element_get_bus(in->pipeline);
  gst_bus_add_watch(bus, rc_media_bus_watch, audio ? "ingest-audio" : "ingest-video");
  if (!in->rtcp_src || gst_element_set_state(in->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    if (error && !*error)
      g_set_error(error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
                  "cannot receive on UDP port %d or %d (in use?)", port, port + 1);
    rc_ingest_free(in);
    return NULL;
  }
  in->rtp_thread = g_thread_new(audio ? "ingest-audio" : "ingest-video", rtp_thread, in);
  g_message("receiving site %s on UDP %s:%d (RTCP %d)", audio ? "audio" : "video", config->media_listen,
            port, port + 1);
  return in;
}

void
rc_ingest_free(rc_ingest *in)
{
  if (!in)
    return;
  if (in->rtp_thread) {
    g_atomic_int_set(&in->stopping, 1);
    g_thread_join(in->rtp_thread); /* wakes within its 200 ms poll */
  }
  g_clear_object(&in->rtp_socket);
  rc_media_pipeline_free(in->pipeline);
  g_hash_table_destroy(in->streams);
  g_hash_table_destroy(in->routes);
  g_hash_table_destroy(in->bindings);
  g_mutex_clear(&in->lock);
  g_free(in);
}

gboolean
rc_ingest_set_streams(rc_ingest *in, gint64 session_id, GHashTable *sites, GError **error)
{
  g_mutex_lock(&in->lock);
  /* A site is in one conference at a time: its SSRC cannot be another session's. */
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init(&it, sites);
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    rc_media_site *site = value;
    stream *s = g_hash_table_lookup(in->streams, GUINT_TO_POINTER(in->audio ? site->ssrc_audio : site->ssrc_video));
    if (s && s->route->session_id != session_id) {
      g_set_error(error, RC_ERROR, RC_ERROR_CONFLICT, "site %s sends with an SSRC of session %" G_GINT64_FORMAT,
                  site->code, s->route->session_id);
      g_mutex_unlock(&in->lock);
      return FALSE;
    }
  }
  route *r = route_of(in, session_id);
  /* Keep the figures of sites that stay; drop the session's others. */
  g_autoptr(GHashTable) keep = g_hash_table_new(g_direct_hash, g_direct_equal);
  g_hash_table_iter_init(&it, sites);
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    rc_media_site *site = value;
    guint32 ssrc = in->audio ? site->ssrc_audio : site->ssrc_video;
    g_hash_table_add(keep, GUINT_TO_POINTER(ssrc));
    stream *s = g_hash_table_lookup(in->streams, GUINT_TO_POINTER(ssrc));
    if (!s) {
      s = g_new0(stream, 1);
      s->site_id = site->id;
      s->route = r;
      rc_stream_stats_init(&s->stats, in->audio ? 48000 : 90000);
      g_hash_table_insert(in->streams, GUINT_TO_POINTER(ssrc), s);
    }
    /* A site's payload type and cap may change while it sends; a pulled
     * stream's audio clock is known before its first packet is taken. */
    s->pt = (guint8)(in->audio ? site->audio_pt : site->video_pt);
    if (in->audio && !s->stats.packets && site->audio_clock_rate > 0)
      s->stats.clock_rate = (guint)site->audio_clock_rate;
    s->cap_kbps = in->audio ? site->audio_cap_kbps : site->video_cap_kbps;
    s->by_address = site->link && site->link->ops->by_address;
    s->heard_from = site->link ? site->link->heard_from : (rc_ipv4_net){0};
    s->decrypts = site->link && !site->link->ops->by_address && site->link->ops->receive ? site->link : NULL;
    gboolean encrypted = site->link && rc_site_transport_encrypted(site->link);
    if (encrypted != s->encrypted) { /* keyed or not: where it is is learned again, from what it sends now */
      g_clear_object(&s->source);
      g_clear_object(&s->rtcp_from);
      s->encrypted = encrypted;
    }
  }
  g_hash_table_iter_init(&it, in->streams);
  while (g_hash_table_iter_next(&it, &key, &value))
    if (((stream *)value)->route == r && !g_hash_table_contains(keep, key))
      g_hash_table_iter_remove(&it);
  g_mutex_unlock(&in->lock);
  return TRUE;
}

void
rc_ingest_end_session(rc_ingest *in, gint64 session_id)
{
  g_mutex_lock(&in->lock);
  route *r = g_hash_table_lookup(in->routes, &session_id);
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, in->streams);
  while (r && g_hash_table_iter_next(&it, NULL, &value))
    if (((stream *)value)->route == r)
      g_hash_table_iter_remove(&it);
  g_hash_table_remove(in->routes, &session_id);
  g_mutex_unlock(&in->lock);
}

void
rc_ingest_copy_to(rc_ingest *in, guint32 ssrc, GstAppSrc *to)
{
  g_mutex_lock(&in->lock);
  stream *s = g_hash_table_lookup(in->streams, GUINT_TO_POINTER(ssrc));
  if (s)
    g_set_object(&s->copy_to, to);
  g_mutex_unlock(&in->lock);
}

void
rc_ingest_forward(rc_ingest *in, gint64 session_id, guint32 ssrc, GstPad *program)
{
  g_mutex_lock(&in->lock);
  route *r = route_of(in, session_id);
  g_set_object(&r->program, program);
  if (ssrc == 0)
    r->source = r->pending = 0;
  else if (ssrc != r->source)
    r->pending = ssrc;
  else
    r->pending = 0;
  g_mutex_unlock(&in->lock);
}

void
rc_ingest_forward_delay(rc_ingest *in, gint64 session_id, rc_delay_histogram *out)
{
  g_mutex_lock(&in->lock);
  route *r = g_hash_table_lookup(in->routes, &session_id);
  *out = r ? r->forward_delay : (rc_delay_histogram){0};
  g_mutex_unlock(&in->lock);
}

guint32
rc_ingest_forwarded(rc_ingest *in, gint64 session_id, gint64 *switched_at_us)
{
  g_mutex_lock(&in->lock);
  route *r = g_hash_table_lookup(in->routes, &session_id);
  guint32 s = r && !r->pending ? r->source : 0;
  if (switched_at_us)
    *switched_at_us = r ? r->switched_at_us : 0;
  g_mutex_unlock(&in->lock);
  return s;
}

GArray *
rc_ingest_snapshot_all(rc_ingest *in, gint64 session_id, guint64 counters[RC_INGEST_COUNTERS])
{
  GArray *out = g_array_new(FALSE, TRUE, sizeof(rc_ingest_snapshot));
  g_mutex_lock(&in->lock);
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, in->streams);
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    stream *s = value;
    if (s->route->session_id != session_id)
      continue;
    rc_ingest_snapshot snap = {.site_id = s->site_id, .have_rr = s->have_rr, .rr = s->rr, .rr_at_us = s->rr_at_us,
                               .payload_type = s->pt, .cap_kbps = s->cap_kbps,
                               .over_cap_packets = s->over_cap_packets, .over_cap_bytes = s->over_cap_bytes,
                               .wrong_pt_packets = s->wrong_pt_packets, .last_wrong_pt = s->last_wrong_pt,
                               .wrong_pt_us = s->wrong_pt_us, .spoofed_packets = s->spoofed_packets,
                               .spoofed_key = s->spoofed_key, .spoofed_us = s->spoofed_us};
    rc_stream_stats_report(&s->stats, &snap.report);
    snap.source = s->source ? g_object_ref(s->source) : NULL;
    snap.rtcp_from = s->rtcp_from ? g_object_ref(s->rtcp_from) : NULL;
    g_array_append_val(out, snap);
  }
  counters[0] = in->unknown_ssrc, counters[1] = in->malformed, counters[2] = in->wrong_pt;
  counters[3] = in->rtcp_malformed, counters[4] = in->over_cap;
  counters[5] = in->srtp_failed, counters[6] = in->spoofed;
  g_mutex_unlock(&in->lock);
  return out;
}

static gint
by_last_seen(gconstpointer a, gconstpointer b)
{
  guint64 x = ((const rc_unknown_sender *)a)->order, y = ((const rc_unknown_sender *)b)->order;
  return x < y ? 1 : x > y ? -1 : 0;
}

GArray *
rc_ingest_unknown_senders(rc_ingest *in)
{
  GArray *out = g_array_new(FALSE, TRUE, sizeof(rc_unknown_sender));
  g_mutex_lock(&in->lock);
  g_array_append_vals(out, in->unknown, in->n_unknown);
  g_mutex_unlock(&in->lock);
  g_array_sort(out, by_last_seen);
  return out;
}

void
rc_ingest_snapshots_free(GArray *snaps)
{
  for (guint i = 0; snaps && i < snaps->len; i++) {
    rc_ingest_snapshot *s = &g_array_index(snaps, rc_ingest_snapshot, i);
    g_clear_object(&s->source);
    g_clear_object(&s->rtcp_from);
  }
  if (snaps)
    g_array_free(snaps, TRUE);
}

gboolean
rc_ingest_take_keyframe_request(rc_ingest *in, gint64 session_id)
{
  g_mutex_lock(&in->lock);
  route *r = g_hash_table_lookup(in->routes, &session_id);
  gboolean asked = r && r->keyframe_requested;
  if (r)
    r->keyframe_requested = FALSE;
  g_mutex_unlock(&in->lock);
  return asked;
}

static GSocket *
socket_of(GstElement *src)
{
  GSocket *socket = NULL;
  g_object_get(src, "used-socket", &socket, NULL);
  return socket; /* (transfer full) */
}

GSocket *
rc_ingest_socket(rc_ingest *in)
{
  return in->rtp_socket;
}

void
rc_ingest_send(rc_ingest *in, gboolean rtcp, const guint8 *data, gsize len, GSocketAddress *to)
{
  g_autoptr(GSocket) socket = rtcp ? socket_of(in->rtcp_src) : g_object_ref(in->rtp_socket);
  if (!socket || !to)
    return;
  g_autoptr(GError) error = NULL;
  if (g_socket_send_to(socket, to, (const gchar *)data, len, NULL, &error) < 0)
    g_debug("%s to a site: %s", rtcp ? "RTCP" : "RTP", error->message);
}

/* The RTP a program thread queued for sites that protect their packets
 * themselves (SIP), not yet sent: one sendmmsg for up to QUEUE_BATCH of
 * them instead of a sendto each (the socket's send path was a third of
 * the controller's CPU at 600 SIP sites). Per thread. */
#define QUEUE_BATCH 64
#define QUEUE_SLOT 1600 /* an MTU's packet and its SRTP tag */
typedef struct {
  int fd; /* of the packets queued, -1 = none */
  guint n;
  struct mmsghdr msgs[QUEUE_BATCH];
  struct iovec iov[QUEUE_BATCH];
  struct sockaddr_storage to[QUEUE_BATCH];
  socklen_t to_len[QUEUE_BATCH];
  guint8 buf[QUEUE_BATCH][QUEUE_SLOT];
} send_queue;

static GPrivate send_queues = G_PRIVATE_INIT(g_free);

void
rc_ingest_flush(void)
{
  send_queue *q = g_private_get(&send_queues);
  if (!q || !q->n)
    return;
  for (guint i = 0; i < q->n; i++)
    q->msgs[i].msg_hdr = (struct msghdr){.msg_name = &q->to[i], .msg_namelen = q->to_len[i], .msg_iov = &q->iov[i],
                                         .msg_iovlen = 1};
  guint sent = 0;
  while (sent < q->n) {
    int r = sendmmsg(q->fd, q->msgs + sent, q->n - sent, MSG_DONTWAIT);
    if (r <= 0) { /* the socket's buffer is full: the rest is lost, as a sendto's would be */
      g_debug("RTP to sites: %u of %u packets not sent", q->n - sent, q->n);
      break;
    }
    sent += (guint)r;
  }
  q->n = 0;
}

void
rc_ingest_queue(rc_ingest *in, const guint8 *data, gsize len, GSocketAddress *to)
{
  send_queue *q = g_private_get(&send_queues);
  if (!q) {
    q = g_new0(send_queue, 1);
    q->fd = -1;
    g_private_set(&send_queues, q);
  }
  int fd = in->rtp_socket ? g_socket_get_fd(in->rtp_socket) : -1;
  gssize to_len = to ? g_socket_address_get_native_size(to) : -1;
  if (fd < 0 || len > QUEUE_SLOT || to_len <= 0 || (gsize)to_len > sizeof q->to[0])
    return;
  if (q->n && (q->fd != fd || q->n == QUEUE_BATCH))
    rc_ingest_flush();
  if (!g_socket_address_to_native(to, &q->to[q->n], (gsize)to_len, NULL))
    return;
  memcpy(q->buf[q->n], data, len);
  q->iov[q->n] = (struct iovec){q->buf[q->n], len};
  q->to_len[q->n] = (socklen_t)to_len;
  q->fd = fd;
  q->n++;
}

static void
bind_one(rc_ingest *in, rc_site_transport *t, GSocketAddress *from, gboolean rtcp, gboolean latch)
{
  guint64 key = socket_address_key(from);
  if (!key) {
    if (from)
      g_warning("site %s: %s: not an IPv4 address and port (the media ports are IPv4)", t->code, rtcp ? "RTCP" : "RTP");
    return;
  }
  binding *b = g_new(binding, 1);
  *b = (binding){t, in->audio ? t->format.audio.ssrc : t->format.video.ssrc, rtcp, latch, FALSE};
  binding *before = g_hash_table_lookup(in->bindings, &key);
  if (before && before->latch && !before->settled)
    in->latching--;
  if (latch)
    in->latching++;
  g_hash_table_replace(in->bindings, g_memdup2(&key, sizeof key), b);
}

void
rc_ingest_bind(rc_ingest *in, rc_site_transport *t, GSocketAddress *rtp_from, GSocketAddress *rtcp_from,
               gboolean latch)
{
  g_mutex_lock(&in->lock);
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, in->bindings);
  while (g_hash_table_iter_next(&it, NULL, &value))
    if (((binding *)value)->t == t) {
      if (((binding *)value)->latch && !((binding *)value)->settled)
        in->latching--;
      g_hash_table_iter_remove(&it);
    }
  g_hash_table_iter_init(&it, in->streams); /* a transport going away: nothing reaches it after this */
  while (g_hash_table_iter_next(&it, NULL, &value))
    if (((stream *)value)->decrypts == t && !rtp_from && !rtcp_from)
      ((stream *)value)->decrypts = NULL;
  bind_one(in, t, rtp_from, FALSE, latch);
  bind_one(in, t, rtcp_from, TRUE, latch);
  g_mutex_unlock(&in->lock);
}

void
rc_ingest_feed(rc_ingest *in, const guint8 *data, gsize len, GSocketAddress *from)
{
  struct sockaddr_storage native;
  gboolean have = from && g_socket_address_to_native(from, &native, sizeof native, NULL);
  g_autoptr(GArray) out = g_array_sized_new(FALSE, FALSE, sizeof(outgoing), 1);
  g_mutex_lock(&in->lock);
  /* Not written: a fed packet has no binding (nothing fed comes from a bound address). */
  process_rtp(in, out, (guint8 *)data, len, have ? (struct sockaddr *)&native : NULL,
              have ? (socklen_t)g_socket_address_get_native_size(from) : 0, g_get_monotonic_time(), NULL);
  g_mutex_unlock(&in->lock);
  send_out(in, out);
}

void
rc_ingest_feed_rtcp(rc_ingest *in, const guint8 *data, gsize len)
{
  g_mutex_lock(&in->lock);
  rtcp_bytes(in, data, len, NULL, 0, TRUE, FALSE);
  g_mutex_unlock(&in->lock);
}

void
rc_ingest_ask_keyframe(rc_ingest *in, gint64 session_id)
{
  g_mutex_lock(&in->lock);
  route *r = g_hash_table_lookup(in->routes, &session_id);
  if (r)
    r->keyframe_requested = TRUE;
  g_mutex_unlock(&in->lock);
}

gboolean
rc_ingest_watch(rc_ingest *in, guint32 ssrc, struct rc_site_transport *t, gboolean add)
{
  g_mutex_lock(&in->lock); /* the RTP thread holds it while it sends: nothing reaches @t after a removal */
  stream *s = g_hash_table_lookup(in->streams, GUINT_TO_POINTER(ssrc));
  if (s && add) {
    if (!s->watchers)
      s->watchers = g_ptr_array_new();
    g_ptr_array_add(s->watchers, t);
  } else if (s && s->watchers) {
    g_ptr_array_remove(s->watchers, t);
    if (!s->watchers->len)
      g_clear_pointer(&s->watchers, g_ptr_array_unref);
  }
  g_mutex_unlock(&in->lock);
  return s != NULL;
}
