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
 * is connectionless: always up (the health service judges what it sends). */
#define G_LOG_DOMAIN "roomctl-media"
#include "devices/site-adapters.h"
#include "base/rtp.h"

typedef struct {
  rc_site_transport base;
  GSocketAddress *configured[2]; /* [0] video, [1] audio: from the site's address, or NULL */
  GSocketAddress *learned[2];    /* where its RTP comes from */
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
  if (G_IS_INET_SOCKET_ADDRESS(from) && !(r->learned[audio] && same_address(r->learned[audio], from)))
    g_set_object(&r->learned[audio], from);
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
  guint8 pli[12];
  gsize n = rc_rtcp_build_pli(pli, t->format.video.out_ssrc, t->format.video.ssrc);
  t->host->send(t->host->media, FALSE, TRUE, pli, n, to);
}

static void
site_rtp_free(rc_site_transport *t)
{
  site_rtp *r = (site_rtp *)t;
  for (int i = 0; i < 2; i++) {
    g_clear_object(&r->configured[i]);
    g_clear_object(&r->learned[i]);
  }
  rc_site_transport_clear(t);
  g_free(r);
}

static const rc_site_transport_ops rtp_ops = {.kind = "rtp", .destination = destination, .learned = learned,
                                              .request_keyframe = request_keyframe, .free = site_rtp_free,
                                              .receives_program = TRUE};

rc_site_transport *
rc_site_rtp_new(const rc_site_transport_desc *d, const rc_site_transport_host *host)
{
  site_rtp *r = g_new0(site_rtp, 1);
  rc_site_transport *t = &r->base;
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
  return t;
}
