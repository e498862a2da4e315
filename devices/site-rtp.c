/* site-rtp — the plain RTP site: it sends its H.264 and Opus to the shared
 * ports with the SSRCs of its code (base/rtp.h: the hash) and the payload
 * types configured for it, and takes the program as it is made, at the
 * address configured for it ("HOST:PORT", audio at PORT+2) or else where
 * its packets come from. Its packets are taken only from where it is
 * (heard_from: its media_from subnet, else its address's host; neither:
 * from nowhere), so "where they come from" is an address inside that
 * place: a packet from elsewhere never reaches learned. Without SRTP a
 * packet authenticates nothing more than its source address, so the
 * configured address, when there is one, is where the program goes,
 * whatever sends. Its keyframe requests are RTCP PLIs from the
 * shared RTCP port to its RTCP port (PORT+1) or its RTP source. The link
 * is connectionless: always up (the health service judges what it sends).
 * With an SRTP key (app/site-srtp-keys.h: AES_CM_128_HMAC_SHA1_80 or
 * AEAD_AES_128_GCM, one key both ways) it sends and takes SRTP: the ingest's thread decrypts each of
 * its packets found by SSRC in receive (one that does not authenticate,
 * plain RTP too, is dropped and counted: srtp_failed), so its return
 * address is learned from authenticated packets only; and the program
 * reaches it through send (protected, renumbered, queued with the other
 * sites' for one sendmmsg), not the shared fan-out. Threads: receive on
 * the ingest's (in[medium] is that medium's), send on the program's,
 * keyframe requests and keys on the main loop; @lock guards the contexts,
 * the addresses send uses and the sequence maps. */
#define G_LOG_DOMAIN "roomctl-media"
#include "devices/site-adapters.h"
#include "base/rtp.h"
#include "base/srtp-openssl.h"

#include <openssl/crypto.h>
#include <srtp2/srtp.h>
#include <string.h>

#define SRTP_MAX_TRAILER 16 /* an HMAC-SHA1-80 or a GCM tag; SRTCP adds its index */

typedef struct {
  rc_site_transport base;
  GSocketAddress *configured[2]; /* [0] video, [1] audio: from the site's address, or NULL */
  GSocketAddress *learned[2];    /* where its RTP comes from */
  GMutex lock;
  gboolean keyed;                /* only SRTP is taken, the program goes out protected */
  rc_srtp_key key;               /* the key the contexts were made with */
  srtp_t in[2], out[2];          /* NULL while keyed: the key did not open, all is refused */
  srtp_t spare[2];               /* a fresh inbound context for a sender that restarted, or NULL */
  gint64 last_in_us[2];          /* when in[medium] last took a packet (monotonic) */
  rc_rtp_seq_map seq[2];         /* what the program's RTP goes out numbered as */
} site_rtp;

/* "HOST:PORT" for video (PORT) or audio (PORT + 2); NULL for anything else. */
static GSocketAddress *
configured_address(const char *address, gboolean audio)
{
  if (!address || !*address)
    return NULL;
  g_autoptr(GSocketConnectable) c = g_network_address_parse(address, 0, NULL);
  if (!c || !g_network_address_get_port(G_NETWORK_ADDRESS(c)))
    return NULL;
  g_autoptr(GInetAddress) ip = g_inet_address_new_from_string(g_network_address_get_hostname(G_NETWORK_ADDRESS(c)));
  if (!ip)
    return NULL; /* names are not resolved on the main loop */
  return g_inet_socket_address_new(ip, (guint16)(g_network_address_get_port(G_NETWORK_ADDRESS(c)) + (audio ? 2 : 0)));
}

static GSocketAddress *
destination(rc_site_transport *t, gboolean audio)
{
  site_rtp *r = (site_rtp *)t;
  GSocketAddress *a = r->configured[audio] ? r->configured[audio] : r->learned[audio];
  return a ? g_object_ref(a) : NULL;
}

static gboolean
same_address(GSocketAddress *a, GSocketAddress *b)
{
  GInetSocketAddress *x = G_INET_SOCKET_ADDRESS(a), *y = G_INET_SOCKET_ADDRESS(b);
  return g_inet_socket_address_get_port(x) == g_inet_socket_address_get_port(y) &&
         g_inet_address_equal(g_inet_socket_address_get_address(x), g_inet_socket_address_get_address(y));
}

/* @from is inside heard_from (the ingest drops the rest first). */
static void
learned(rc_site_transport *t, gboolean audio, GSocketAddress *from)
{
  site_rtp *r = (site_rtp *)t;
  if (G_IS_INET_SOCKET_ADDRESS(from) && !(r->learned[audio] && same_address(r->learned[audio], from))) {
    g_mutex_lock(&r->lock); /* send reads it */
    g_set_object(&r->learned[audio], from);
    g_mutex_unlock(&r->lock);
  }
}

/* ---- SRTP ---- */

static void
srtp_free(srtp_t *s)
{
  if (*s)
    srtp_dealloc(*s);
  *s = NULL;
}

/* A stock tool that is started again sends with the same key and SSRC
 * from a new random sequence number, which the context that took the old
 * run may see as a replay (libsrtp checks that before it authenticates).
 * Once the old run has been silent for RESTART_QUIET_US, such a packet is
 * tried with a fresh context; if it authenticates, the fresh context takes
 * the medium over. While the old run goes on, a replay stays a replay.
 * libsrtp keeps a stream in a context only for a packet that
 * authenticated, so a spare that refused stays fresh: a flood costs one
 * HMAC a packet. Lock held. */
#define RESTART_QUIET_US (G_USEC_PER_SEC)
static gboolean
restarted(site_rtp *r, gboolean audio, guint8 *data, gsize *len, gint64 now)
{
  guint8 copy[2048];
  if (now - r->last_in_us[audio] < RESTART_QUIET_US || *len > sizeof copy)
    return FALSE;
  if (!r->spare[audio] && !(r->spare[audio] = rc_srtp_sdes_new(r->key.suite, r->key.bytes, TRUE, NULL)))
    return FALSE;
  int n = (int)*len;
  memcpy(copy, data, *len);
  if (srtp_unprotect(r->spare[audio], copy, &n) != srtp_err_status_ok)
    return FALSE;
  srtp_free(&r->in[audio]);
  r->in[audio] = r->spare[audio];
  r->spare[audio] = NULL;
  memcpy(data, copy, (gsize)n);
  *len = (gsize)n;
  g_message("site %s: its %s SRTP starts anew (a sender started again): taken", r->base.code,
            audio ? "audio" : "video");
  return TRUE;
}

/* The ingest's thread, under its lock: a keyed site's packet decrypted in
 * place, or FALSE (counted by the ingest as srtp_failed). */
static gboolean
rtp_receive(rc_site_transport *t, gboolean audio, gboolean rtcp, guint8 *data, gsize *len)
{
  site_rtp *r = (site_rtp *)t;
  g_mutex_lock(&r->lock);
  gboolean ok = !r->keyed;
  if (r->keyed && r->in[audio]) {
    int n = (int)*len;
    srtp_err_status_t e = rtcp ? srtp_unprotect_rtcp(r->in[audio], data, &n) : srtp_unprotect(r->in[audio], data, &n);
    gint64 now = rtcp ? 0 : g_get_monotonic_time();
    if ((ok = e == srtp_err_status_ok))
      *len = (gsize)n;
    else if (!rtcp && (e == srtp_err_status_replay_old || e == srtp_err_status_replay_fail))
      ok = restarted(r, audio, data, len, now);
    if (ok && !rtcp)
      r->last_in_us[audio] = now;
  }
  g_mutex_unlock(&r->lock);
  return ok;
}

/* Protects @len bytes of @data (room for the tag after them) and sends
 * them to @to; under @r->lock. */
static void
send_locked(site_rtp *r, gboolean audio, gboolean rtcp, guint8 *data, gsize len, GSocketAddress *to)
{
  if (!r->keyed || !r->out[audio] || !to)
    return;
  if (!rtcp)
    rc_rtp_seq_map_apply(&r->seq[audio], data);
  int n = (int)len;
  if ((rtcp ? srtp_protect_rtcp(r->out[audio], data, &n) : srtp_protect(r->out[audio], data, &n)) !=
      srtp_err_status_ok)
    return;
  const rc_site_transport_host *host = r->base.host;
  if (!rtcp && host->queue) /* sent with the other sites' by rtp_flush */
    host->queue(host->media, audio, data, (gsize)n, to);
  else
    host->send(host->media, audio, rtcp, data, (gsize)n, to);
}

static void
rtp_send(rc_site_transport *t, gboolean audio, guint8 *rtp, gsize len)
{
  site_rtp *r = (site_rtp *)t;
  guint8 buf[2048];
  if (len + SRTP_MAX_TRAILER > sizeof buf)
    return;
  memcpy(buf, rtp, len);
  g_mutex_lock(&r->lock);
  send_locked(r, audio, FALSE, buf, len, r->configured[audio] ? r->configured[audio] : r->learned[audio]);
  g_mutex_unlock(&r->lock);
}

static void
rtp_flush(rc_site_transport *t)
{
  if (t->host->flush)
    t->host->flush(t->host->media);
}

static gboolean
own_send(rc_site_transport *t)
{
  return ((site_rtp *)t)->keyed;
}

static gboolean
encrypted(rc_site_transport *t)
{
  return ((site_rtp *)t)->keyed;
}

static void
request_keyframe(rc_site_transport *t)
{
  site_rtp *r = (site_rtp *)t;
  g_autoptr(GSocketAddress) to = NULL;
  if (r->configured[0]) { /* its RTCP port, next to the one it receives on */
    GInetSocketAddress *v = G_INET_SOCKET_ADDRESS(r->configured[0]);
    to = g_inet_socket_address_new(g_inet_socket_address_get_address(v), g_inet_socket_address_get_port(v) + 1);
  } else if (r->learned[0]) { /* symmetric RTP/RTCP: where its video comes from */
    to = g_object_ref(r->learned[0]);
  }
  if (!to)
    return;
  guint8 pli[12 + SRTP_MAX_TRAILER + 4];
  gsize n = rc_rtcp_build_pli(pli, t->format.video.out_ssrc, t->format.video.ssrc);
  g_mutex_lock(&r->lock);
  if (r->keyed)
    send_locked(r, FALSE, TRUE, pli, n, to);
  g_mutex_unlock(&r->lock);
  if (!own_send(t))
    t->host->send(t->host->media, FALSE, TRUE, pli, n, to);
}

static void
site_rtp_free(rc_site_transport *t)
{
  site_rtp *r = (site_rtp *)t;
  if (t->host && t->host->bind) { /* the ingest's thread calls its receive no more */
    t->host->bind(t->host->media, FALSE, t, NULL, NULL, FALSE);
    t->host->bind(t->host->media, TRUE, t, NULL, NULL, FALSE);
  }
  for (int i = 0; i < 2; i++) {
    g_clear_object(&r->configured[i]);
    g_clear_object(&r->learned[i]);
    srtp_free(&r->in[i]);
    srtp_free(&r->out[i]);
    srtp_free(&r->spare[i]);
  }
  OPENSSL_cleanse(&r->key, sizeof r->key);
  g_mutex_clear(&r->lock);
  rc_site_transport_clear(t);
  g_free(r);
}

static const rc_site_transport_ops rtp_ops = {
    .kind = "rtp", .destination = destination, .learned = learned, .send = rtp_send,
    .request_keyframe = request_keyframe, .free = site_rtp_free, .flush = rtp_flush, .receives_program = TRUE,
    .receive = rtp_receive, .own_send = own_send, .encrypted = encrypted};

void
rc_site_rtp_set_key(rc_site_transport *t, const rc_srtp_key *key, gboolean refused)
{
  if (!t || t->ops != &rtp_ops)
    return;
  site_rtp *r = (site_rtp *)t;
  gboolean keyed = key || refused;
  if (keyed == r->keyed &&
      (!key ? !r->in[0]
            : r->in[0] && g_strcmp0(key->suite, r->key.suite) == 0 && memcmp(key->bytes, r->key.bytes, sizeof key->bytes) == 0))
    return; /* unchanged: the contexts keep their rollover counters */
  srtp_t in[2] = {NULL, NULL}, out[2] = {NULL, NULL};
  g_autoptr(GError) error = NULL;
  for (int k = 0; k < 2 && key; k++)
    if (!rc_srtp_init(NULL) || !(in[k] = rc_srtp_sdes_new(key->suite, key->bytes, TRUE, &error)) ||
        !(out[k] = rc_srtp_sdes_new(key->suite, key->bytes, FALSE, &error))) {
      g_warning("site %s: no SRTP context: %s; nothing of it is taken", t->code, error ? error->message : "?");
      break;
    }
  g_mutex_lock(&r->lock);
  for (int k = 0; k < 2; k++) {
    srtp_free(&r->in[k]);
    srtp_free(&r->out[k]);
    srtp_free(&r->spare[k]);
    r->in[k] = in[k], r->out[k] = out[k];
    r->last_in_us[k] = 0;
    r->seq[k] = (rc_rtp_seq_map){0};
  }
  r->keyed = keyed;
  if (key)
    r->key = *key;
  else
    OPENSSL_cleanse(&r->key, sizeof r->key);
  /* Where the program went is not where it goes: learned again from authenticated packets only. */
  g_clear_object(&r->learned[0]);
  g_clear_object(&r->learned[1]);
  g_mutex_unlock(&r->lock);
  if (refused)
    g_warning("site %s: it has an SRTP key that does not open (the sealing key file lost or replaced?): nothing it "
              "sends is taken until it is keyed anew", t->code);
  else
    g_message("site %s: %s%s", t->code, key ? "SRTP both ways, its key: " : "plain RTP (no key)", key ? key->suite : "");
}

rc_site_transport *
rc_site_rtp_new(const rc_site_transport_desc *d, const rc_site_transport_host *host)
{
  site_rtp *r = g_new0(site_rtp, 1);
  rc_site_transport *t = &r->base;
  g_mutex_init(&r->lock);
  rc_site_transport_init(t, &rtp_ops, d, host);
  t->format.video.ssrc = rc_rtp_site_ssrc(t->code, FALSE);
  t->format.audio.ssrc = rc_rtp_site_ssrc(t->code, TRUE);
  t->format.video.pt = d->video_pt;
  t->format.audio.pt = d->audio_pt;
  r->configured[0] = configured_address(d->address, FALSE);
  r->configured[1] = configured_address(d->address, TRUE);
  if (!rc_ipv4_net_for_site(d->media_from, d->address, &t->heard_from))
    g_warning("site %s: no media_from nor address configured: its media are refused", t->code);
  t->link.up = TRUE;
  if (d->srtp_key || d->srtp_refused)
    rc_site_rtp_set_key(t, d->srtp_key, d->srtp_refused);
  return t;
}
