/* Unit tests for the site transports (devices/site-transport.h) and the
 * fan-out's per-site egress: the plain RTP adapter's SSRCs, payload types,
 * destinations and keyframe requests (the host's send, recorded); a pull
 * without a URL is in the session with its link down saying why; the
 * fan-out gives an egress member a copy re-stamped with its own SSRC and
 * payload type while the shared client gets the program as it is, on a
 * real UDP socket. */
#include "media/media-private.h"
#include "devices/site-transport.h"

#include <string.h>

typedef struct {
  GPtrArray *sent;   /* GBytes: what the host was asked to send */
  GPtrArray *to;     /* GSocketAddress */
  gboolean rtcp;
  GPtrArray *links;  /* "up" / "down: why" */
} host_log;

static void
on_send(gpointer media, gboolean audio, gboolean rtcp, const guint8 *data, gsize len, GSocketAddress *to)
{
  host_log *h = media;
  (void)audio;
  h->rtcp = rtcp;
  g_ptr_array_add(h->sent, g_bytes_new(data, len));
  g_ptr_array_add(h->to, g_object_ref(to));
}

static void
on_link(gpointer media, gint64 site_id, gboolean up, const char *why)
{
  host_log *h = media;
  (void)site_id;
  g_ptr_array_add(h->links, up ? g_strdup("up") : g_strdup_printf("down: %s", why));
}

static void
on_format(gpointer media, gint64 site_id)
{
  host_log *h = media;
  g_ptr_array_add(h->links, g_strdup_printf("format of %" G_GINT64_FORMAT, site_id));
}

static void
on_feed(gpointer media, gboolean audio, const guint8 *rtp, gsize len)
{
  (void)media, (void)audio, (void)rtp, (void)len;
}

static host_log *
host_log_new(void)
{
  host_log *h = g_new0(host_log, 1);
  h->sent = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  h->to = g_ptr_array_new_with_free_func(g_object_unref);
  h->links = g_ptr_array_new_with_free_func(g_free);
  return h;
}

static void
host_log_free(host_log *h)
{
  g_ptr_array_unref(h->sent);
  g_ptr_array_unref(h->to);
  g_ptr_array_unref(h->links);
  g_free(h);
}

static char *
address_text(GSocketAddress *a)
{
  g_autofree char *ip = g_inet_address_to_string(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(a)));
  return g_strdup_printf("%s:%u", ip, g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(a)));
}

static rc_site_transport_desc
desc(const char *code, const char *transport, const char *address)
{
  return (rc_site_transport_desc){.id = 7, .code = code, .transport = transport, .address = address, .video_pt = 97,
                                  .audio_pt = 111, .program_video_ssrc = RC_PROGRAM_VIDEO_SSRC,
                                  .program_audio_ssrc = RC_PROGRAM_AUDIO_SSRC, .program_video_pt = RC_PT_H264,
                                  .program_audio_pt = RC_PT_OPUS};
}

/* Plain RTP: the SSRCs of its code, its payload types, the program as it is made. */
static void
test_rtp_format(void)
{
  host_log *h = host_log_new();
  rc_site_transport_host host = {h, on_feed, on_send, on_link, on_format};
  rc_site_transport_desc d = desc("H01", NULL, "");
  rc_site_transport *t = rc_site_transport_new(&d, &host);
  g_assert_nonnull(t);
  g_assert_cmpstr(t->ops->kind, ==, "rtp");
  g_assert_cmpuint(t->format.video.ssrc, ==, rc_rtp_site_ssrc("H01", FALSE));
  g_assert_cmpuint(t->format.audio.ssrc, ==, rc_rtp_site_ssrc("H01", TRUE));
  g_assert_cmpint(t->format.video.pt, ==, 97);
  g_assert_cmpuint(t->format.video.out_ssrc, ==, RC_PROGRAM_VIDEO_SSRC);
  g_assert_cmpint(t->format.video.out_pt, ==, RC_PT_H264);
  g_assert_true(t->link.up);
  g_assert_true(t->ops->receives_program);
  g_assert_true(t->format.audio.sends);
  g_assert_cmpint(t->format.audio.codec, ==, RC_AUDIO_OPUS); /* a plain RTP site sends and takes Opus */
  g_assert_cmpint(t->format.audio.out_codec, ==, RC_AUDIO_OPUS);
  g_assert_true(rc_site_transport_shared(t, FALSE, RC_PROGRAM_VIDEO_SSRC, RC_PT_H264));
  g_assert_false(rc_site_transport_shared(t, FALSE, RC_PROGRAM_VIDEO_SSRC, 98));
  /* No address configured and nothing received: no destination, no keyframe request sent. */
  g_assert_null(t->ops->destination(t, FALSE));
  t->ops->request_keyframe(t);
  g_assert_cmpuint(h->sent->len, ==, 0);
  /* It sent from 10.1.2.3:5004: the program and the PLI go there. */
  g_autoptr(GSocketAddress) from = g_inet_socket_address_new_from_string("10.1.2.3", 5004);
  t->ops->learned(t, FALSE, from);
  g_autoptr(GSocketAddress) dest = t->ops->destination(t, FALSE);
  g_autofree char *text = address_text(dest);
  g_assert_cmpstr(text, ==, "10.1.2.3:5004");
  t->ops->request_keyframe(t);
  g_assert_cmpuint(h->sent->len, ==, 1);
  g_assert_true(h->rtcp);
  g_autofree char *to = address_text(h->to->pdata[0]);
  g_assert_cmpstr(to, ==, "10.1.2.3:5004");
  gsize n;
  const guint8 *pli = g_bytes_get_data(h->sent->pdata[0], &n);
  g_assert_cmpuint(n, ==, 12);
  g_assert_cmpuint(pli[1], ==, 206); /* payload-specific feedback */
  g_assert_cmpuint(pli[0] & 0x1f, ==, 1); /* FMT 1: PLI */
  g_assert_cmpuint(GUINT32_FROM_BE(*(guint32 *)(pli + 8)), ==, rc_rtp_site_ssrc("H01", FALSE));
  rc_site_transport_free(t);
  host_log_free(h);
}

/* A configured address wins over a learned one; audio is at PORT+2, RTCP at PORT+1. */
static void
test_rtp_configured(void)
{
  host_log *h = host_log_new();
  rc_site_transport_host host = {h, on_feed, on_send, on_link, on_format};
  rc_site_transport_desc d = desc("TINH", "rtp", "192.0.2.10:6000");
  rc_site_transport *t = rc_site_transport_new(&d, &host);
  g_autoptr(GSocketAddress) from = g_inet_socket_address_new_from_string("10.1.2.3", 5004);
  t->ops->learned(t, FALSE, from);
  g_autoptr(GSocketAddress) v = t->ops->destination(t, FALSE), a = t->ops->destination(t, TRUE);
  g_autofree char *vt = address_text(v), *at = address_text(a);
  g_assert_cmpstr(vt, ==, "192.0.2.10:6000");
  g_assert_cmpstr(at, ==, "192.0.2.10:6002");
  t->ops->request_keyframe(t);
  g_autofree char *to = address_text(h->to->pdata[0]);
  g_assert_cmpstr(to, ==, "192.0.2.10:6001");
  rc_site_transport_free(t);
  host_log_free(h);
}

/* A pull without a URL: made, down, and it says why; no program goes to a camera. */
static void
test_pull_without_url(void)
{
  host_log *h = host_log_new();
  rc_site_transport_host host = {h, on_feed, on_send, on_link, on_format};
  rc_site_transport_desc d = desc("CAM", "rtsp", "");
  rc_site_transport *t = rc_site_transport_new(&d, &host); /* logs a warning, and says it in its link */
  g_assert_nonnull(t);
  g_assert_cmpstr(t->ops->kind, ==, "pull");
  g_assert_false(t->link.up);
  g_assert_nonnull(strstr(t->link.why, "needs an address"));
  g_assert_null(t->ops->destination);
  g_assert_cmpint(t->format.video.pt, ==, RC_PT_H264); /* our payloader's */
  rc_site_transport_set_link(t, TRUE, NULL);
  rc_site_transport_set_link(t, FALSE, "connection refused");
  rc_site_transport_set_link(t, FALSE, "connection refused"); /* no change: no event */
  g_assert_cmpuint(h->links->len, ==, 2);
  g_assert_cmpstr(h->links->pdata[0], ==, "up");
  g_assert_cmpstr(h->links->pdata[1], ==, "down: connection refused");
  g_assert_cmpuint(t->link.ups, ==, 1);
  g_assert_cmpuint(t->link.downs, ==, 1);
  /* No way back for the program; its audio codec is unknown until its stream tells it. */
  g_assert_false(t->ops->receives_program);
  g_assert_false(t->format.audio.sends);
  rc_site_transport_set_audio(t, RC_AUDIO_AAC, 97, 44100, "config=1210;mode=AAC-hbr");
  g_assert_true(t->format.audio.sends);
  g_assert_cmpint(t->format.audio.codec, ==, RC_AUDIO_AAC);
  g_assert_cmpint(t->format.audio.pt, ==, 97);
  g_assert_cmpint(t->format.audio.clock_rate, ==, 44100);
  g_assert_cmpstr(t->format.audio.fmtp, ==, "config=1210;mode=AAC-hbr");
  g_assert_cmpint(t->format.audio.out_codec, ==, RC_AUDIO_OPUS); /* what it would take, had it a way back */
  g_assert_cmpuint(h->links->len, ==, 3);
  g_assert_cmpstr(h->links->pdata[2], ==, "format of 7");
  rc_site_transport_set_audio(t, RC_AUDIO_PCMU, 0, 0, NULL); /* another camera behind the URL */
  g_assert_null(t->format.audio.fmtp);
  rc_site_transport_free(t);
  host_log_free(h);
}

/* ---- the fan-out's egress members ---- */

typedef struct {
  rc_site_transport base;
  GPtrArray *got; /* GBytes */
} egress_site;

static void
egress_send(rc_site_transport *t, gboolean audio, guint8 *rtp, gsize len)
{
  (void)audio;
  g_ptr_array_add(((egress_site *)t)->got, g_bytes_new(rtp, len));
}

static const rc_site_transport_ops egress_ops = {"egress-test", NULL, NULL, egress_send, NULL, NULL, NULL, TRUE};

static void
egress_site_init(egress_site *e, guint32 ssrc, int pt)
{
  memset(e, 0, sizeof *e);
  e->base.ops = &egress_ops;
  e->base.format.video.out_ssrc = ssrc;
  e->base.format.video.out_pt = pt;
  e->got = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
}

static void
push_packet(rc_fanout *f, guint16 seq)
{
  guint8 rtp[20] = {0x80, 0x80 | RC_PT_H264, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0x65, 1, 2, 3, 4, 5, 6, 7};
  rc_rtp_restamp(rtp, RC_PROGRAM_VIDEO_SSRC, seq, 3000u * seq);
  g_assert_cmpint(gst_pad_push(rc_fanout_input(f), gst_buffer_new_memdup(rtp, sizeof rtp)), ==, GST_FLOW_OK);
}

static void
test_fanout_egress(void)
{
  g_autoptr(GError) error = NULL;
  rc_fanout *f = rc_fanout_new("test-egress", FALSE, NULL, &error);
  g_assert_no_error(error);
  /* The shared client: a real UDP socket. */
  g_autoptr(GSocket) rx = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string("127.0.0.1", 0);
  g_assert_true(g_socket_bind(rx, any, FALSE, &error));
  g_autoptr(GSocketAddress) bound = g_socket_get_local_address(rx, &error);
  rc_fanout_add(f, "127.0.0.1", g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound)));
  egress_site a, b;
  egress_site_init(&a, 0x11111111, 100);
  egress_site_init(&b, 0x22222222, 101);
  rc_fanout_add_egress(f, &a.base);
  rc_fanout_add_egress(f, &b.base);
  rc_fanout_add_egress(f, &a.base); /* once only */
  g_assert_cmpuint(rc_fanout_egress_count(f), ==, 2);
  push_packet(f, 1);
  rc_fanout_remove_egress(f, &b.base);
  push_packet(f, 2);

  g_assert_cmpuint(a.got->len, ==, 2);
  g_assert_cmpuint(b.got->len, ==, 1);
  gsize n;
  const guint8 *p = g_bytes_get_data(a.got->pdata[1], &n);
  g_assert_cmpuint(n, ==, 20);
  g_assert_cmpuint(p[1], ==, 0x80 | 100); /* its payload type, the marker kept */
  g_assert_cmpuint(GUINT32_FROM_BE(*(guint32 *)(p + 8)), ==, 0x11111111);
  g_assert_cmpuint(GUINT16_FROM_BE(*(guint16 *)(p + 2)), ==, 2); /* the program's sequence */
  p = g_bytes_get_data(b.got->pdata[0], &n);
  g_assert_cmpuint(GUINT32_FROM_BE(*(guint32 *)(p + 8)), ==, 0x22222222);
  g_assert_cmpuint(p[1] & 0x7f, ==, 101);
  /* The shared client got the program as it is, untouched by the members' copies. */
  g_socket_set_timeout(rx, 2);
  for (guint16 seq = 1; seq <= 2; seq++) {
    guint8 buf[64];
    gssize got = g_socket_receive(rx, (gchar *)buf, sizeof buf, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpint(got, ==, 20);
    g_assert_cmpuint(buf[1] & 0x7f, ==, RC_PT_H264);
    g_assert_cmpuint(GUINT32_FROM_BE(*(guint32 *)(buf + 8)), ==, RC_PROGRAM_VIDEO_SSRC);
    g_assert_cmpuint(GUINT16_FROM_BE(*(guint16 *)(buf + 2)), ==, seq);
  }
  rc_fanout_free(f);
  g_ptr_array_unref(a.got);
  g_ptr_array_unref(b.got);
}

int
main(int argc, char **argv)
{
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, NULL);
  g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL); /* a pull without a URL warns, as it should */
  g_test_add_func("/site-transport/rtp-format", test_rtp_format);
  g_test_add_func("/site-transport/rtp-configured", test_rtp_configured);
  g_test_add_func("/site-transport/pull-without-url", test_pull_without_url);
  g_test_add_func("/site-transport/fanout-egress", test_fanout_egress);
  return g_test_run();
}
