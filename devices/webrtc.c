/* webrtc — see webrtc.h. One UDP socket, one thread; per peer an ICE-lite
 * credential pair, an OpenSSL DTLS server and two libsrtp2 sessions.
 * Locks: @lock guards the tables (ufrag -> peer, address -> peer, all
 * peers), taken once per batch by the thread and briefly by the main loop;
 * each peer's @send_lock guards its outgoing SRTP session and address
 * against the threads that send the program. DTLS and the incoming SRTP
 * session are the engine thread's alone. */
#define G_LOG_DOMAIN "roomctl-media"
#include "devices/webrtc.h"
#include "base/rtp.h"
#include "base/srtp-openssl.h"

#include <gio/gio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <srtp2/srtp.h>
#include <stun/stunagent.h>
#include <stun/usages/ice.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#define BATCH 32
#define SLOT 2048
#define MTU 1200
#define TICK_MS 100
#define RTX_SLOTS 64    /* video packets kept for NACKs: ~0.5 s of a 1 Mbps program (a LAN's round trip is ms) */
#define RTX_MAX 1500    /* a packet longer than this is not kept */
#define NACK_MAX_GAP 64 /* a publisher's gap up to this is asked for again; larger is a restart */

/* What a peer's events need after the engine may be gone (the main loop
 * runs them later): the host, while the engine lives. */
typedef struct {
  gint ref;
  gint alive; /* atomic */
  rc_webrtc_host host;
} host_box;

typedef struct {
  guint16 seq;
  guint16 len; /* 0 = empty */
  guint8 data[RTX_MAX];
} rtx_slot;

/* What a publisher sends, per medium, as its receiver reports say it
 * (RFC 3550 A.3 and A.8): the browser learns its loss, jitter and round
 * trip, which its rate control and its getStats use. Engine thread. */
typedef struct {
  guint32 ssrc;
  gboolean started;
  guint16 max_seq;
  guint32 cycles, base_seq, received, expected_prior, received_prior;
  double jitter;                /* RTP units */
  gint64 last_transit;          /* RTP units */
  guint32 last_sr;              /* the middle 32 bits of its last SR's NTP time */
  gint64 last_sr_us;            /* when that SR came (monotonic), 0 = none */
} source_report;

typedef struct {
  struct sockaddr_storage sa;
  socklen_t len;
} address;

struct rc_webrtc_peer {
  gint ref;
  rc_webrtc *w;
  rc_webrtc_role role;
  rc_sdp_offer offer;
  char resource[33];
  char ufrag[9], pwd[33]; /* ours */
  guint32 video_ssrc, audio_ssrc; /* what we send with */
  gpointer data;          /* the owner's (main loop) */
  gint closed;            /* atomic */
  /* Engine thread. */
  address addr;           /* the address that completed a check */
  gboolean have_addr;
  gint64 created_us, checked_us, heard_us; /* heard: its last valid check or authenticated packet */
  gboolean nack_out;       /* it asks for lost program video (rtcp-fb nack) */
  guint16 expect_seq;      /* a publisher's next video sequence number */
  gboolean have_seq;
  source_report reports[2]; /* a publisher's [video, audio] */
  gint64 reported_us;       /* when the last receiver report went */
  SSL *ssl;
  BIO *rbio;
  gboolean dtls_done;
  srtp_t srtp_in;
  guint32 remote_video_ssrc; /* the publisher's, from its SDP or its first packet */
  /* Under send_lock. */
  GMutex send_lock;
  srtp_t srtp_out;
  address to;
  gboolean can_send;
  rtx_slot *rtx;          /* RTX_SLOTS of the video sent, for its NACKs (when it negotiated them) */
  rc_rtp_seq_map seq_out[2]; /* [video, audio]: what the program goes out numbered as (under send_lock) */
};

struct rc_webrtc {
  rc_webrtc_setup setup;
  char **addresses;
  rc_webrtc_host host;
  host_box *box;
  GSocket *socket;
  int fd, port;
  GThread *thread;
  gint stopping;
  SSL_CTX *ctx;
  char fingerprint[3 * EVP_MAX_MD_SIZE + 1];
  StunAgent agent;   /* engine thread */
  GMutex lock;
  GHashTable *by_ufrag;   /* char* our ufrag -> peer (borrowed from @peers) */
  GHashTable *by_address; /* address* -> peer */
  GHashTable *peers;      /* peer -> peer (a ref each) */
  rc_webrtc_counters counters; /* under @lock */
  gint send_errors, rtp_out, retransmitted; /* atomic: the sending threads' */
};

static BIO_METHOD *out_method;

/* ---- addresses ---- */

static guint
address_hash(gconstpointer p)
{
  const address *a = p;
  guint h = 2166136261u;
  for (socklen_t i = 0; i < a->len; i++)
    h = (h ^ ((const guint8 *)&a->sa)[i]) * 16777619u;
  return h;
}

static gboolean
address_equal(gconstpointer x, gconstpointer y)
{
  const address *a = x, *b = y;
  return a->len == b->len && memcmp(&a->sa, &b->sa, a->len) == 0;
}

/* Only family, port and IP: the rest of a sockaddr may differ. */
static void
address_set(address *a, const struct sockaddr *sa, socklen_t len)
{
  memset(a, 0, sizeof *a);
  if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
    const struct sockaddr_in *in = (const void *)sa;
    struct sockaddr_in *o = (void *)&a->sa;
    o->sin_family = AF_INET, o->sin_port = in->sin_port, o->sin_addr = in->sin_addr;
    a->len = sizeof *o;
  } else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
    const struct sockaddr_in6 *in = (const void *)sa;
    struct sockaddr_in6 *o = (void *)&a->sa;
    o->sin6_family = AF_INET6, o->sin6_port = in->sin6_port, o->sin6_addr = in->sin6_addr;
    a->len = sizeof *o;
  }
}

/* ---- the DTLS certificate: one per run, ECDSA P-256 ---- */

static gboolean
make_certificate(rc_webrtc *w, GError **error)
{
  EVP_PKEY *key = EVP_EC_gen("P-256");
  X509 *cert = X509_new();
  gboolean ok = key && cert;
  if (ok) {
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), (long)(g_random_int() & 0x7fffffff));
    X509_gmtime_adj(X509_getm_notBefore(cert), -86400);
    X509_gmtime_adj(X509_getm_notAfter(cert), 30L * 86400);
    X509_set_pubkey(cert, key);
    X509_NAME *name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"roomctl", -1, -1, 0);
    X509_set_issuer_name(cert, name);
    ok = X509_sign(cert, key, EVP_sha256()) > 0 && SSL_CTX_use_certificate(w->ctx, cert) == 1 &&
         SSL_CTX_use_PrivateKey(w->ctx, key) == 1;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (ok && X509_digest(cert, EVP_sha256(), md, &n)) {
    for (unsigned i = 0; i < n; i++)
      g_snprintf(w->fingerprint + 3 * i, 4, i + 1 < n ? "%02X:" : "%02X", md[i]);
  } else {
    ok = FALSE;
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  if (!ok)
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "webrtc: could not make the DTLS certificate");
  return ok;
}

static int
accept_any_certificate(int ok, X509_STORE_CTX *ctx)
{
  (void)ok, (void)ctx;
  return 1; /* self-signed by design: the fingerprint in the offer is checked after the handshake */
}

/* The outgoing datagram BIO: each write is one DTLS datagram to the peer. */
static int
out_write(BIO *b, const char *data, int len)
{
  rc_webrtc_peer *p = BIO_get_data(b);
  if (p->have_addr)
    (void)sendto(p->w->fd, data, (size_t)len, 0, (struct sockaddr *)&p->addr.sa, p->addr.len);
  return len;
}

static long
out_ctrl(BIO *b, int cmd, long num, void *ptr)
{
  (void)b, (void)num, (void)ptr;
  switch (cmd) {
  case BIO_CTRL_FLUSH:
    return 1;
  case BIO_CTRL_DGRAM_QUERY_MTU:
  case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
    return MTU;
  case BIO_CTRL_WPENDING:
  case BIO_CTRL_PENDING:
    return 0;
  default:
    return 0;
  }
}

static int
out_create(BIO *b)
{
  BIO_set_init(b, 1);
  return 1;
}

static gboolean
dtls_context(rc_webrtc *w, GError **error)
{
  static gsize once;
  if (g_once_init_enter(&once)) {
    gboolean openssl = FALSE;
    if (!rc_srtp_init(&openssl))
      g_warning("webrtc: libsrtp2 did not start");
    else if (!openssl)
      g_warning("webrtc: SRTP runs on libsrtp2's own (NSS) crypto: slower, and slower still from several threads");
    out_method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "roomctl dtls out");
    BIO_meth_set_write(out_method, out_write);
    BIO_meth_set_ctrl(out_method, out_ctrl);
    BIO_meth_set_create(out_method, out_create);
    g_once_init_leave(&once, 1);
  }
  w->ctx = SSL_CTX_new(DTLS_server_method());
  if (!w->ctx || SSL_CTX_set_tlsext_use_srtp(w->ctx, "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80") != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "webrtc: no DTLS-SRTP in this OpenSSL");
    return FALSE;
  }
  SSL_CTX_set_min_proto_version(w->ctx, DTLS1_2_VERSION);
  SSL_CTX_set_verify(w->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any_certificate);
  SSL_CTX_set_options(w->ctx, SSL_OP_NO_QUERY_MTU);
  return make_certificate(w, error);
}

/* ---- peers ---- */

static void
random_text(char *out, gsize n, const char *alphabet)
{
  gsize k = strlen(alphabet);
  guint8 bytes[64];
  RAND_bytes(bytes, (int)n);
  for (gsize i = 0; i < n; i++)
    out[i] = alphabet[bytes[i] % k];
  out[n] = '\0';
}

rc_webrtc_peer *
rc_webrtc_peer_ref(rc_webrtc_peer *p)
{
  g_atomic_int_inc(&p->ref);
  return p;
}

void
rc_webrtc_peer_unref(rc_webrtc_peer *p)
{
  if (!p || !g_atomic_int_dec_and_test(&p->ref))
    return;
  if (p->ssl)
    SSL_free(p->ssl); /* frees both BIOs */
  if (p->srtp_in)
    srtp_dealloc(p->srtp_in);
  if (p->srtp_out)
    srtp_dealloc(p->srtp_out);
  g_mutex_clear(&p->send_lock);
  g_free(p->rtx);
  g_free(p);
}

const char *
rc_webrtc_peer_resource(const rc_webrtc_peer *p)
{
  return p->resource;
}

rc_webrtc_role
rc_webrtc_peer_role(const rc_webrtc_peer *p)
{
  return p->role;
}

const rc_sdp_offer *
rc_webrtc_peer_offer(const rc_webrtc_peer *p)
{
  return &p->offer;
}

void
rc_webrtc_peer_set_data(rc_webrtc_peer *p, gpointer data)
{
  p->data = data;
}

gpointer
rc_webrtc_peer_get_data(const rc_webrtc_peer *p)
{
  return p->data;
}

gboolean
rc_webrtc_peer_receives(const rc_webrtc_peer *p, gboolean audio)
{
  int i = audio ? p->offer.audio : p->offer.video;
  if (i < 0)
    return FALSE;
  rc_sdp_direction d = p->offer.media[i].direction;
  return d == RC_SDP_RECVONLY || d == RC_SDP_SENDRECV;
}

int
rc_webrtc_peer_pt(const rc_webrtc_peer *p, gboolean audio)
{
  int i = audio ? p->offer.audio : p->offer.video;
  return i < 0 ? -1 : p->offer.media[i].pt;
}

void
rc_webrtc_peer_address(rc_webrtc_peer *p, char *out, gsize size)
{
  g_mutex_lock(&p->send_lock);
  address a = p->to;
  gboolean have = p->to.len > 0;
  g_mutex_unlock(&p->send_lock);
  if (!have) {
    g_strlcpy(out, "", size);
    return;
  }
  g_autoptr(GSocketAddress) s = g_socket_address_new_from_native(&a.sa, a.len);
  g_autofree char *ip =
      g_inet_address_to_string(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(s)));
  g_snprintf(out, size, "%s:%u", ip, g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(s)));
}

rc_webrtc_peer *
rc_webrtc_add(rc_webrtc *w, rc_webrtc_role role, const rc_sdp_offer *offer, guint32 video_ssrc, guint32 audio_ssrc,
              char **answer)
{
  rc_webrtc_peer *p = g_new0(rc_webrtc_peer, 1);
  p->ref = 2; /* the engine's and the caller's */
  p->w = w;
  p->role = role;
  p->offer = *offer;
  p->video_ssrc = video_ssrc;
  p->audio_ssrc = audio_ssrc;
  g_mutex_init(&p->send_lock);
  random_text(p->resource, 32, "0123456789abcdef");
  random_text(p->ufrag, 8, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
  random_text(p->pwd, 32, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
  p->created_us = g_get_monotonic_time();
  if (offer->video >= 0) {
    p->remote_video_ssrc = offer->media[offer->video].ssrc;
    p->nack_out = offer->media[offer->video].nack;
  }
  p->ssl = SSL_new(w->ctx);
  p->rbio = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(p->rbio, -1);
  BIO *out = BIO_new(out_method);
  BIO_set_data(out, p);
  SSL_set_bio(p->ssl, p->rbio, out);
  SSL_set_accept_state(p->ssl);
  DTLS_set_link_mtu(p->ssl, MTU);
  rc_sdp_local local = {.ice_ufrag = p->ufrag, .ice_pwd = p->pwd, .fingerprint_sha256 = w->fingerprint,
                        .addresses = (const char *const *)w->addresses, .port = w->port,
                        .video_ssrc = video_ssrc, .audio_ssrc = audio_ssrc, .cname = "roomctl"};
  *answer = rc_sdp_answer(offer, &local);
  g_mutex_lock(&w->lock);
  g_hash_table_insert(w->by_ufrag, p->ufrag, p);
  g_hash_table_add(w->peers, p);
  w->counters.peers = g_hash_table_size(w->peers);
  g_mutex_unlock(&w->lock);
  return p;
}

typedef struct {
  host_box *box;
  rc_webrtc_peer *peer;
  rc_webrtc_event event;
  char *why;
} event_call;

static void
box_unref(host_box *b)
{
  if (g_atomic_int_dec_and_test(&b->ref))
    g_free(b);
}

static gboolean
event_dispatch(gpointer data)
{
  event_call *e = data;
  if (g_atomic_int_get(&e->box->alive) && e->box->host.event)
    e->box->host.event(e->box->host.data, e->peer, e->event, e->why);
  box_unref(e->box);
  rc_webrtc_peer_unref(e->peer);
  g_free(e->why);
  g_free(e);
  return G_SOURCE_REMOVE;
}

/* Tells the main loop (from any thread); not once the engine is freed.
 * Always later, never from inside the call: g_main_context_invoke would run
 * it at once on the main loop's own thread, so a caller of rc_webrtc_close
 * would see its peer's CLOSED handled (its owner's data gone) before the
 * close returned. */
static void
post_event(rc_webrtc *w, rc_webrtc_peer *p, rc_webrtc_event event, const char *why)
{
  event_call *e = g_new0(event_call, 1);
  g_atomic_int_inc(&w->box->ref);
  *e = (event_call){w->box, rc_webrtc_peer_ref(p), event, g_strdup(why)};
  g_idle_add_full(G_PRIORITY_DEFAULT, event_dispatch, e, NULL);
}

/* Takes @p out of the tables; under w->lock. TRUE if it was in them. */
static gboolean
detach(rc_webrtc *w, rc_webrtc_peer *p)
{
  if (!g_hash_table_contains(w->peers, p))
    return FALSE;
  g_hash_table_remove(w->by_ufrag, p->ufrag);
  if (p->have_addr && g_hash_table_lookup(w->by_address, &p->addr) == p)
    g_hash_table_remove(w->by_address, &p->addr);
  g_atomic_int_set(&p->closed, 1);
  g_mutex_lock(&p->send_lock);
  p->can_send = FALSE;
  g_mutex_unlock(&p->send_lock);
  w->counters.peers_closed++;
  g_hash_table_steal(w->peers, p);
  w->counters.peers = g_hash_table_size(w->peers);
  return TRUE;
}

void
rc_webrtc_close(rc_webrtc *w, rc_webrtc_peer *p, const char *why)
{
  g_mutex_lock(&w->lock);
  gboolean was = detach(w, p);
  g_mutex_unlock(&w->lock);
  if (!was)
    return;
  post_event(w, p, RC_WEBRTC_CLOSED, why);
  rc_webrtc_peer_unref(p); /* the engine's */
}

/* ---- sending ---- */

/* Keeps a video packet for the peer's NACKs; under send_lock. */
static void
keep_for_rtx(rc_webrtc_peer *p, const guint8 *rtp, gsize len)
{
  if (!p->nack_out || len < 12 || len > RTX_MAX || rc_rtp_is_rtcp(rtp, len) || (rtp[1] & 0x7f) != (guint8)rc_webrtc_peer_pt(p, FALSE))
    return;
  if (!p->rtx)
    p->rtx = g_new0(rtx_slot, RTX_SLOTS);
  guint16 seq = (guint16)(rtp[2] << 8 | rtp[3]);
  rtx_slot *slot = &p->rtx[seq % RTX_SLOTS];
  slot->seq = seq;
  slot->len = (guint16)len;
  memcpy(slot->data, rtp, len);
}

/* The packets a sending thread protected and has not sent yet: one
 * sendmmsg for up to OUT_BATCH of them (a program packet to every viewer)
 * instead of a sendto each. Per thread; flushed by rc_webrtc_flush. */
#define OUT_BATCH 64
typedef struct {
  rc_webrtc *w;
  guint n;
  struct mmsghdr msgs[OUT_BATCH];
  struct iovec iov[OUT_BATCH];
  address to[OUT_BATCH];
  guint8 buf[OUT_BATCH][SLOT + SRTP_MAX_TRAILER_LEN];
} out_batch;

static void
batch_free(gpointer data)
{
  g_free(data);
}

static GPrivate out_batches = G_PRIVATE_INIT(batch_free);

void
rc_webrtc_flush(void)
{
  out_batch *b = g_private_get(&out_batches);
  if (!b || !b->n)
    return;
  for (guint i = 0; i < b->n; i++)
    b->msgs[i].msg_hdr = (struct msghdr){.msg_name = &b->to[i].sa, .msg_namelen = b->to[i].len, .msg_iov = &b->iov[i],
                                         .msg_iovlen = 1};
  guint sent = 0;
  while (sent < b->n) {
    int r = sendmmsg(b->w->fd, b->msgs + sent, b->n - sent, MSG_DONTWAIT);
    if (r <= 0) { /* the socket's buffer is full (or worse): the rest is lost, and counted */
      g_atomic_int_add(&b->w->send_errors, (gint)(b->n - sent));
      break;
    }
    sent += (guint)r;
  }
  g_atomic_int_add(&b->w->rtp_out, (gint)sent);
  b->n = 0;
}

/* @fresh: a packet of the program (renumbered, kept for NACKs), not one sent again. */
static void
send_rtp(rc_webrtc_peer *p, const guint8 *rtp, gsize len, gboolean fresh)
{
  if (len > SLOT)
    return;
  out_batch *b = g_private_get(&out_batches);
  if (!b) {
    b = g_new0(out_batch, 1);
    g_private_set(&out_batches, b);
  }
  if (b->n && b->w != p->w)
    rc_webrtc_flush();
  g_mutex_lock(&p->send_lock);
  if (p->can_send) {
    guint8 *buf = b->buf[b->n];
    memcpy(buf, rtp, len);
    if (fresh && len >= 12) {
      rc_rtp_seq_map_apply(&p->seq_out[rc_webrtc_peer_pt(p, FALSE) != (buf[1] & 0x7f)], buf);
      keep_for_rtx(p, buf, len);
    }
    int n = (int)len;
    if (srtp_protect(p->srtp_out, buf, &n) == srtp_err_status_ok) {
      b->w = p->w;
      b->iov[b->n] = (struct iovec){buf, (size_t)n};
      b->to[b->n++] = p->to;
    }
  }
  g_mutex_unlock(&p->send_lock);
  if (b->n == OUT_BATCH)
    rc_webrtc_flush();
}

void
rc_webrtc_peer_send(rc_webrtc_peer *p, const guint8 *rtp, gsize len)
{
  send_rtp(p, rtp, len, TRUE);
}

void
rc_webrtc_peer_send_rtcp(rc_webrtc_peer *p, const guint8 *rtcp, gsize len)
{
  guint8 buf[SLOT + SRTP_MAX_TRAILER_LEN + 4];
  if (len > SLOT)
    return;
  g_mutex_lock(&p->send_lock);
  if (p->can_send) {
    memcpy(buf, rtcp, len);
    int n = (int)len;
    if (srtp_protect_rtcp(p->srtp_out, buf, &n) == srtp_err_status_ok)
      (void)sendto(p->w->fd, buf, (size_t)n, MSG_DONTWAIT, (struct sockaddr *)&p->to.sa, p->to.len);
  }
  g_mutex_unlock(&p->send_lock);
}

void
rc_webrtc_peer_request_keyframe(rc_webrtc_peer *p)
{
  guint32 media = g_atomic_int_get((gint *)&p->remote_video_ssrc);
  if (!media)
    return;
  guint8 pli[12];
  gsize n = rc_rtcp_build_pli(pli, p->video_ssrc ? p->video_ssrc : 1, media);
  rc_webrtc_peer_send_rtcp(p, pli, n);
}

/* ---- STUN: ICE-lite checks ---- */

typedef struct {
  rc_webrtc *w;
  rc_webrtc_peer *peer;
} check;

/* USERNAME is "OURS:THEIRS": our ufrag names the peer, theirs must match its offer. */
static bool
stun_password(StunAgent *agent, StunMessage *msg, uint8_t *user, uint16_t user_len, uint8_t **pwd, size_t *pwd_len,
              void *data)
{
  (void)agent, (void)msg;
  check *c = data;
  const guint8 *colon = memchr(user, ':', user_len);
  if (!colon)
    return false;
  char ours[64];
  gsize n = (gsize)(colon - user);
  if (n >= sizeof ours)
    return false;
  memcpy(ours, user, n);
  ours[n] = '\0';
  rc_webrtc_peer *p = g_hash_table_lookup(c->w->by_ufrag, ours);
  gsize theirs_len = user_len - n - 1;
  if (!p || theirs_len != strlen(p->offer.ice_ufrag) || memcmp(colon + 1, p->offer.ice_ufrag, theirs_len) != 0)
    return false;
  c->peer = p;
  *pwd = (uint8_t *)p->pwd;
  *pwd_len = strlen(p->pwd);
  return true;
}

/* The check came from @from: that address is the peer's from now on. */
static void
select_address(rc_webrtc *w, rc_webrtc_peer *p, const address *from)
{
  if (p->have_addr && address_equal(&p->addr, from))
    return;
  if (p->have_addr && g_hash_table_lookup(w->by_address, &p->addr) == p)
    g_hash_table_remove(w->by_address, &p->addr);
  rc_webrtc_peer *other = g_hash_table_lookup(w->by_address, from);
  if (other && other != p)
    other->have_addr = FALSE; /* one address, one peer: the newest check wins */
  p->addr = *from;
  p->have_addr = TRUE;
  g_hash_table_insert(w->by_address, &p->addr, p);
  g_mutex_lock(&p->send_lock);
  p->to = *from;
  g_mutex_unlock(&p->send_lock);
  if (!p->checked_us)
    p->checked_us = g_get_monotonic_time();
}

static void
on_stun(rc_webrtc *w, guint8 *data, gsize len, const address *from)
{
  StunMessage req, reply;
  check c = {w, NULL};
  StunValidationStatus v = stun_agent_validate(&w->agent, &req, data, len, stun_password, &c);
  if (v != STUN_VALIDATION_SUCCESS || !c.peer || stun_message_get_class(&req) != STUN_REQUEST) {
    w->counters.stun_refused++; /* an unknown username, a bad integrity: no answer at all */
    return;
  }
  guint8 out[1024];
  size_t out_len = sizeof out;
  bool control = FALSE;
  StunUsageIceReturn r = stun_usage_ice_conncheck_create_reply(&w->agent, &req, &reply, out, &out_len, &from->sa,
                                                               from->len, &control, 0, STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
  if (r != STUN_USAGE_ICE_RETURN_SUCCESS) {
    w->counters.stun_refused++;
    if (out_len)
      (void)sendto(w->fd, out, out_len, 0, (const struct sockaddr *)&from->sa, from->len);
    return;
  }
  w->counters.stun_ok++;
  c.peer->heard_us = g_get_monotonic_time();
  if (!c.peer->have_addr || stun_message_has_attribute(&req, STUN_ATTRIBUTE_USE_CANDIDATE))
    select_address(w, c.peer, from);
  (void)sendto(w->fd, out, out_len, 0, (const struct sockaddr *)&from->sa, from->len);
}

/* ---- DTLS ---- */

/* The peer's certificate must be the one its offer named. */
static gboolean
fingerprint_matches(rc_webrtc_peer *p)
{
  X509 *cert = SSL_get1_peer_certificate(p->ssl);
  const EVP_MD *md = EVP_get_digestbyname(p->offer.fingerprint_alg);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  gboolean ok = cert && md && X509_digest(cert, md, digest, &n) && n == p->offer.fingerprint_len &&
                CRYPTO_memcmp(digest, p->offer.fingerprint, n) == 0;
  X509_free(cert);
  return ok;
}

/* RFC 5764 keys: client key, server key, client salt, server salt. We are
 * the server: what comes in uses the client's, what goes out ours. */
static gboolean
srtp_keys(rc_webrtc_peer *p)
{
  const SRTP_PROTECTION_PROFILE *profile = SSL_get_selected_srtp_profile(p->ssl);
  if (!profile)
    return FALSE;
  srtp_policy_t in = {0}, out = {0};
  gsize key_len = 16, salt_len;
  if (profile->id == SRTP_AEAD_AES_128_GCM) {
    salt_len = 12;
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&in.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&in.rtcp);
  } else if (profile->id == SRTP_AES128_CM_SHA1_80) {
    salt_len = 14;
    srtp_crypto_policy_set_rtp_default(&in.rtp);
    srtp_crypto_policy_set_rtcp_default(&in.rtcp);
  } else {
    return FALSE;
  }
  out.rtp = in.rtp, out.rtcp = in.rtcp;
  guint8 m[2 * (16 + 14)], kin[16 + 14], kout[16 + 14];
  if (SSL_export_keying_material(p->ssl, m, 2 * (key_len + salt_len), "EXTRACTOR-dtls_srtp", 19, NULL, 0, 0) != 1)
    return FALSE;
  memcpy(kin, m, key_len);
  memcpy(kin + key_len, m + 2 * key_len, salt_len);
  memcpy(kout, m + key_len, key_len);
  memcpy(kout + key_len, m + 2 * key_len + salt_len, salt_len);
  in.ssrc.type = ssrc_any_inbound, in.key = kin, in.window_size = 1024, in.allow_repeat_tx = 0;
  out.ssrc.type = ssrc_any_outbound, out.key = kout, out.window_size = 1024, out.allow_repeat_tx = 1;
  if (srtp_create(&p->srtp_in, &in) != srtp_err_status_ok)
    return FALSE;
  srtp_t o = NULL;
  if (srtp_create(&o, &out) != srtp_err_status_ok)
    return FALSE;
  g_mutex_lock(&p->send_lock);
  p->srtp_out = o;
  p->can_send = p->to.len > 0;
  g_mutex_unlock(&p->send_lock);
  OPENSSL_cleanse(m, sizeof m), OPENSSL_cleanse(kin, sizeof kin), OPENSSL_cleanse(kout, sizeof kout);
  return TRUE;
}

/* Under w->lock; may close @p (FALSE). */
static gboolean
on_dtls(rc_webrtc *w, rc_webrtc_peer *p, guint8 *data, gsize len)
{
  BIO_write(p->rbio, data, (int)len);
  if (!p->dtls_done) {
    int r = SSL_do_handshake(p->ssl);
    if (r != 1) {
      int e = SSL_get_error(p->ssl, r);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return TRUE;
      g_message("webrtc %s: the DTLS handshake failed (%s)", p->resource,
                ERR_reason_error_string(ERR_peek_last_error()) ?: "?");
      ERR_clear_error();
      return FALSE;
    }
    p->dtls_done = TRUE;
    if (!fingerprint_matches(p)) {
      g_message("webrtc %s: the DTLS certificate does not match the offer's fingerprint", p->resource);
      return FALSE;
    }
    if (!srtp_keys(p))
      return FALSE;
    post_event(w, p, RC_WEBRTC_CONNECTED, NULL);
    return TRUE;
  }
  guint8 sink[SLOT]; /* data channels are not offered: application data is read and dropped */
  while (SSL_read(p->ssl, sink, sizeof sink) > 0)
    ;
  return SSL_get_shutdown(p->ssl) & SSL_RECEIVED_SHUTDOWN ? FALSE : TRUE;
}

/* ---- SRTP in ---- */

static gboolean
is_rtcp(const guint8 *data, gsize len)
{
  return len >= 2 && data[1] >= 192 && data[1] <= 223; /* RFC 5761: PT 64..95 with the marker */
}

/* A generic NACK (RFC 4585): each lost packet still kept is sent again. */
static void
resend(rc_webrtc_peer *p, const guint8 *nack, gsize len)
{
  for (gsize at = 12; at + 4 <= len; at += 4) {
    guint16 pid = (guint16)(nack[at] << 8 | nack[at + 1]), blp = (guint16)(nack[at + 2] << 8 | nack[at + 3]);
    for (int bit = -1; bit < 16; bit++) {
      if (bit >= 0 && !(blp & (1u << bit)))
        continue;
      guint16 seq = (guint16)(pid + bit + 1);
      guint8 copy[SLOT];
      gsize n = 0;
      g_mutex_lock(&p->send_lock);
      rtx_slot *slot = p->rtx ? &p->rtx[seq % RTX_SLOTS] : NULL;
      if (slot && slot->len && slot->seq == seq)
        memcpy(copy, slot->data, n = slot->len);
      g_mutex_unlock(&p->send_lock);
      if (n) {
        g_atomic_int_inc(&p->w->retransmitted);
        send_rtp(p, copy, n, FALSE);
        rc_webrtc_flush();
      }
    }
  }
}

/* A publisher's packet into its receiver report's figures. */
static void
count_for_report(rc_webrtc_peer *p, gboolean audio, const guint8 *rtp)
{
  source_report *r = &p->reports[audio];
  guint16 seq = (guint16)(rtp[2] << 8 | rtp[3]);
  guint32 ts = (guint32)rtp[4] << 24 | (guint32)rtp[5] << 16 | (guint32)rtp[6] << 8 | rtp[7];
  guint32 ssrc = (guint32)rtp[8] << 24 | (guint32)rtp[9] << 16 | (guint32)rtp[10] << 8 | rtp[11];
  if (!r->started || ssrc != r->ssrc) {
    memset(r, 0, sizeof *r);
    r->started = TRUE, r->ssrc = ssrc, r->base_seq = seq, r->max_seq = (guint16)(seq - 1);
  }
  gint16 delta = (gint16)(guint16)(seq - r->max_seq);
  if (delta > 0) {
    if (seq < r->max_seq)
      r->cycles += 65536;
    r->max_seq = seq;
  }
  r->received++;
  gint64 arrival = g_get_monotonic_time() * (audio ? 48 : 90) / 1000; /* in the clock's units */
  gint64 transit = arrival - ts;
  if (r->received > 1) {
    gint64 d = transit - r->last_transit;
    r->jitter += ((double)(d < 0 ? -d : d) - r->jitter) / 16;
  }
  r->last_transit = transit;
}

/* A sender report of the publisher: kept for the LSR and DLSR of ours. */
static void
note_sender_report(rc_webrtc_peer *p, const guint8 *sr, gsize len)
{
  if (len < 28)
    return;
  guint32 ssrc = (guint32)sr[4] << 24 | (guint32)sr[5] << 16 | (guint32)sr[6] << 8 | sr[7];
  for (int k = 0; k < 2; k++)
    if (p->reports[k].started && p->reports[k].ssrc == ssrc) {
      p->reports[k].last_sr = (guint32)sr[10] << 24 | (guint32)sr[11] << 16 | (guint32)sr[12] << 8 | sr[13];
      p->reports[k].last_sr_us = g_get_monotonic_time();
    }
}

static void
put32(guint8 *at, guint32 v)
{
  at[0] = (guint8)(v >> 24), at[1] = (guint8)(v >> 16), at[2] = (guint8)(v >> 8), at[3] = (guint8)v;
}

/* Once a second: a receiver report of what the publisher sends, with our CNAME. */
static void
send_receiver_report(rc_webrtc_peer *p, gint64 now)
{
  guint8 out[8 + 2 * 24 + 20];
  gsize n = 8;
  int blocks = 0;
  for (int k = 0; k < 2; k++) {
    source_report *r = &p->reports[k];
    if (!r->started)
      continue;
    guint32 ext_max = r->cycles + r->max_seq, expected = ext_max - r->base_seq + 1;
    gint64 lost = (gint64)expected - r->received;
    guint32 expected_interval = expected - r->expected_prior, received_interval = r->received - r->received_prior;
    gint64 lost_interval = (gint64)expected_interval - received_interval;
    r->expected_prior = expected, r->received_prior = r->received;
    guint8 fraction = expected_interval && lost_interval > 0 ? (guint8)((lost_interval << 8) / expected_interval) : 0;
    lost = CLAMP(lost, -0x800000, 0x7fffff);
    put32(out + n, r->ssrc);
    put32(out + n + 4, (guint32)fraction << 24 | ((guint32)lost & 0xffffff));
    put32(out + n + 8, ext_max);
    put32(out + n + 12, (guint32)r->jitter);
    put32(out + n + 16, r->last_sr_us ? r->last_sr : 0);
    put32(out + n + 20, r->last_sr_us ? (guint32)((now - r->last_sr_us) * 65536 / G_USEC_PER_SEC) : 0);
    n += 24, blocks++;
  }
  if (!blocks)
    return;
  out[0] = (guint8)(0x80 | blocks), out[1] = RC_RTCP_RR, out[2] = 0, out[3] = (guint8)(n / 4 - 1);
  put32(out + 4, p->video_ssrc ? p->video_ssrc : 1);
  static const char cname[] = "roomctl"; /* SDES: one chunk, CNAME, padded to 32 bits */
  guint8 *sdes = out + n;
  gsize chunk = 4 + 2 + sizeof cname - 1 + 1, padded = (chunk + 3) & ~(gsize)3;
  memset(sdes, 0, 4 + padded);
  sdes[0] = 0x81, sdes[1] = 202, sdes[3] = (guint8)(padded / 4);
  put32(sdes + 4, p->video_ssrc ? p->video_ssrc : 1);
  sdes[8] = 1, sdes[9] = (guint8)(sizeof cname - 1);
  memcpy(sdes + 10, cname, sizeof cname - 1);
  rc_webrtc_peer_send_rtcp(p, out, n + 4 + padded);
}

/* A publisher's video skipped sequence numbers: one NACK for them, once. */
static void
ask_again(rc_webrtc_peer *p, const guint8 *rtp)
{
  guint16 seq = (guint16)(rtp[2] << 8 | rtp[3]);
  gint16 gap = (gint16)(guint16)(seq - p->expect_seq);
  if (p->have_seq && gap > 0 && gap <= NACK_MAX_GAP) {
    guint8 nack[12 + 4 * (NACK_MAX_GAP / 17 + 1)];
    gsize n = 12;
    guint32 media = g_atomic_int_get((gint *)&p->remote_video_ssrc);
    for (guint16 lost = p->expect_seq; lost != seq;) {
      guint16 pid = lost, blp = 0;
      lost++;
      for (int bit = 0; bit < 16 && lost != seq; bit++, lost++)
        blp |= (guint16)(1u << bit);
      nack[n++] = (guint8)(pid >> 8), nack[n++] = (guint8)pid, nack[n++] = (guint8)(blp >> 8), nack[n++] = (guint8)blp;
    }
    nack[0] = 0x80 | 1, nack[1] = RC_RTCP_RTPFB, nack[2] = 0, nack[3] = (guint8)(n / 4 - 1);
    guint32 me = p->video_ssrc ? p->video_ssrc : 1;
    for (int i = 0; i < 4; i++)
      nack[4 + i] = (guint8)(me >> (24 - 8 * i)), nack[8 + i] = (guint8)(media >> (24 - 8 * i));
    rc_webrtc_peer_send_rtcp(p, nack, n);
  }
  if (!p->have_seq || gap > 0 || gap < -NACK_MAX_GAP)
    p->expect_seq = (guint16)(seq + 1), p->have_seq = TRUE;
}

static void
on_srtp(rc_webrtc *w, rc_webrtc_peer *p, guint8 *data, gsize len)
{
  if (!p->srtp_in || len < 12)
    return;
  int n = (int)len;
  if (is_rtcp(data, len)) {
    if (srtp_unprotect_rtcp(p->srtp_in, data, &n) != srtp_err_status_ok) {
      w->counters.srtp_failed++;
      return;
    }
    w->counters.rtcp_in++;
    p->heard_us = g_get_monotonic_time();
    for (gsize at = 0; at + 4 <= (gsize)n;) { /* a compound packet: one at a time */
      gsize one = 4 * ((gsize)(data[at + 2] << 8 | data[at + 3]) + 1);
      if (at + one > (gsize)n)
        break;
      if (data[at + 1] == RC_RTCP_SR && p->role == RC_WEBRTC_PUBLISHER)
        note_sender_report(p, data + at, one);
      if (data[at + 1] == RC_RTCP_RTPFB && (data[at] & 0x1f) == 1)
        resend(p, data + at, one); /* a NACK: answered here, from what was kept */
      else if (w->host.rtcp)
        w->host.rtcp(w->host.data, p, data + at, one);
      at += one;
    }
    return;
  }
  if (srtp_unprotect(p->srtp_in, data, &n) != srtp_err_status_ok) {
    w->counters.srtp_failed++;
    return;
  }
  int pt = data[1] & 0x7f;
  gboolean audio = p->offer.audio >= 0 && pt == p->offer.media[p->offer.audio].pt;
  gboolean video = p->offer.video >= 0 && pt == p->offer.media[p->offer.video].pt;
  if (!audio && !video)
    return; /* a format we did not answer with */
  if (video && !p->remote_video_ssrc)
    g_atomic_int_set((gint *)&p->remote_video_ssrc, (gint)((guint32)data[8] << 24 | (guint32)data[9] << 16 | (guint32)data[10] << 8 | data[11]));
  if (video && p->role == RC_WEBRTC_PUBLISHER)
    ask_again(p, data);
  if (p->role == RC_WEBRTC_PUBLISHER)
    count_for_report(p, audio, data);
  w->counters.rtp_in++;
  p->heard_us = g_get_monotonic_time();
  if (p->role == RC_WEBRTC_PUBLISHER && w->host.rtp)
    w->host.rtp(w->host.data, p, audio, data, (gsize)n);
}

/* ---- the thread ---- */

static void
on_datagram(rc_webrtc *w, guint8 *data, gsize len, const address *from, GPtrArray *closing)
{
  if (len < 1)
    return;
  if (data[0] <= 3) {
    on_stun(w, data, len, from);
    return;
  }
  rc_webrtc_peer *p = g_hash_table_lookup(w->by_address, from);
  if (!p || !p->have_addr) {
    w->counters.unknown_address++; /* DTLS or media from where no check succeeded */
    return;
  }
  if (data[0] >= 20 && data[0] <= 63) {
    if (!on_dtls(w, p, data, len))
      g_ptr_array_add(closing, rc_webrtc_peer_ref(p));
  } else if (data[0] >= 128 && data[0] <= 191) {
    on_srtp(w, p, data, len);
  } else {
    w->counters.other_dropped++; /* neither STUN, DTLS nor RTP (RFC 7983) */
  }
}

/* Every tick: DTLS retransmissions, and peers that never finished or went quiet. */
static void
on_tick(rc_webrtc *w, GPtrArray *closing, GPtrArray *whys)
{
  gint64 now = g_get_monotonic_time();
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init(&it, w->peers);
  while (g_hash_table_iter_next(&it, &key, NULL)) {
    rc_webrtc_peer *p = key;
    const char *why = NULL;
    if (!p->checked_us && now - p->created_us > (gint64)w->setup.ice_timeout_s * G_USEC_PER_SEC)
      why = "no ICE connectivity check arrived";
    else if (p->checked_us && !p->dtls_done && now - p->checked_us > (gint64)w->setup.dtls_timeout_s * G_USEC_PER_SEC)
      why = "the DTLS handshake never finished";
    else if (p->heard_us && now - p->heard_us > (gint64)w->setup.consent_timeout_s * G_USEC_PER_SEC)
      why = "the peer stopped answering (no ICE consent check)";
    else if (p->have_addr && !p->dtls_done)
      DTLSv1_handle_timeout(p->ssl);
    else if (p->dtls_done && p->role == RC_WEBRTC_PUBLISHER && now - p->reported_us >= G_USEC_PER_SEC)
      send_receiver_report(p, p->reported_us = now);
    if (why) {
      g_ptr_array_add(closing, rc_webrtc_peer_ref(p));
      g_ptr_array_add(whys, (gpointer)why);
    }
  }
}

static void
close_all(rc_webrtc *w, GPtrArray *closing, GPtrArray *whys, const char *why)
{
  for (guint i = 0; i < closing->len; i++) {
    rc_webrtc_close(w, closing->pdata[i], i < whys->len ? whys->pdata[i] : why);
    rc_webrtc_peer_unref(closing->pdata[i]);
  }
  g_ptr_array_set_size(closing, 0);
  g_ptr_array_set_size(whys, 0);
}

static gpointer
engine_thread(gpointer data)
{
  rc_webrtc *w = data;
  guint8 *bufs = g_malloc((gsize)BATCH * SLOT);
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_storage from[BATCH];
  g_autoptr(GPtrArray) closing = g_ptr_array_new();
  g_autoptr(GPtrArray) whys = g_ptr_array_new();
  gint64 next_tick = 0;
  while (!g_atomic_int_get(&w->stopping)) {
    struct pollfd pfd = {w->fd, POLLIN, 0};
    int ready = poll(&pfd, 1, TICK_MS);
    int n = 0;
    if (ready > 0) {
      for (int i = 0; i < BATCH; i++) {
        iov[i] = (struct iovec){bufs + (gsize)i * SLOT, SLOT};
        msgs[i].msg_hdr = (struct msghdr){.msg_name = &from[i], .msg_namelen = sizeof from[i], .msg_iov = &iov[i],
                                          .msg_iovlen = 1};
      }
      n = recvmmsg(w->fd, msgs, BATCH, MSG_DONTWAIT, NULL);
    }
    gint64 now = g_get_monotonic_time();
    g_mutex_lock(&w->lock);
    for (int i = 0; i < n; i++) {
      if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
        continue;
      address a;
      address_set(&a, (struct sockaddr *)&from[i], msgs[i].msg_hdr.msg_namelen);
      if (a.len)
        on_datagram(w, bufs + (gsize)i * SLOT, msgs[i].msg_len, &a, closing);
    }
    g_ptr_array_set_size(whys, 0);
    for (guint i = 0; i < closing->len; i++)
      g_ptr_array_add(whys, "the DTLS handshake failed or the certificate did not match the offer");
    if (now >= next_tick) {
      on_tick(w, closing, whys);
      next_tick = now + TICK_MS * 1000;
    }
    g_mutex_unlock(&w->lock);
    close_all(w, closing, whys, NULL);
  }
  g_free(bufs);
  return NULL;
}

/* ---- the engine ---- */

static GSocket *
open_socket(const char *listen, int port, GError **error)
{
  g_autoptr(GInetAddress) any = g_inet_address_new_any(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GInetAddress) addr = listen && *listen ? g_inet_address_new_from_string(listen) : NULL;
  GInetAddress *a = addr ? addr : any;
  GSocket *s = g_socket_new(g_inet_address_get_family(a), G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
  if (!s)
    return NULL;
  g_autoptr(GSocketAddress) sa = g_inet_socket_address_new(a, (guint16)port);
  if (!g_socket_bind(s, sa, TRUE, error)) {
    g_prefix_error(error, "webrtc port %d: ", port);
    g_object_unref(s);
    return NULL;
  }
  int size = 4 << 20;
  setsockopt(g_socket_get_fd(s), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt(g_socket_get_fd(s), SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  return s;
}

rc_webrtc *
rc_webrtc_new(const rc_webrtc_setup *setup, const rc_webrtc_host *host, GError **error)
{
  rc_webrtc *w = g_new0(rc_webrtc, 1);
  w->setup = *setup;
  w->host = *host;
  w->box = g_new0(host_box, 1);
  w->box->ref = 1;
  w->box->alive = 1;
  w->box->host = *host;
  w->addresses = g_strdupv((char **)setup->addresses);
  g_mutex_init(&w->lock);
  w->by_ufrag = g_hash_table_new(g_str_hash, g_str_equal);
  w->by_address = g_hash_table_new(address_hash, address_equal);
  w->peers = g_hash_table_new(NULL, NULL);
  static const uint16_t attributes[] = {STUN_ATTRIBUTE_USERNAME, STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
                                        STUN_ATTRIBUTE_FINGERPRINT, STUN_ATTRIBUTE_PRIORITY,
                                        STUN_ATTRIBUTE_USE_CANDIDATE, STUN_ATTRIBUTE_ICE_CONTROLLED,
                                        STUN_ATTRIBUTE_ICE_CONTROLLING, 0};
  stun_agent_init(&w->agent, attributes, STUN_COMPATIBILITY_RFC5389,
                  STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
  if (!dtls_context(w, error) || !(w->socket = open_socket(setup->listen, setup->port, error))) {
    rc_webrtc_free(w);
    return NULL;
  }
  w->fd = g_socket_get_fd(w->socket);
  g_autoptr(GSocketAddress) bound = g_socket_get_local_address(w->socket, NULL);
  w->port = bound ? g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound)) : setup->port;
  w->thread = g_thread_new("webrtc", engine_thread, w);
  return w;
}

void
rc_webrtc_free(rc_webrtc *w)
{
  if (!w)
    return;
  if (w->thread) {
    g_atomic_int_set(&w->stopping, 1);
    g_thread_join(w->thread);
  }
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init(&it, w->peers);
  while (g_hash_table_iter_next(&it, &key, NULL)) {
    rc_webrtc_peer *p = key;
    g_atomic_int_set(&p->closed, 1);
    g_mutex_lock(&p->send_lock);
    p->can_send = FALSE;
    g_mutex_unlock(&p->send_lock);
    rc_webrtc_peer_unref(p);
  }
  g_hash_table_destroy(w->peers);
  g_hash_table_destroy(w->by_ufrag);
  g_hash_table_destroy(w->by_address);
  g_clear_object(&w->socket);
  if (w->ctx)
    SSL_CTX_free(w->ctx);
  g_strfreev(w->addresses);
  g_atomic_int_set(&w->box->alive, 0); /* events still queued for the main loop go nowhere */
  box_unref(w->box);
  g_mutex_clear(&w->lock);
  g_free(w);
}

int
rc_webrtc_port(rc_webrtc *w)
{
  return w->port;
}

void
rc_webrtc_counters_get(rc_webrtc *w, rc_webrtc_counters *out)
{
  g_mutex_lock(&w->lock);
  *out = w->counters;
  g_mutex_unlock(&w->lock);
  out->send_errors = (guint)g_atomic_int_get(&w->send_errors);
  out->rtp_out = (guint)g_atomic_int_get(&w->rtp_out);
  out->retransmitted = (guint)g_atomic_int_get(&w->retransmitted);
}
