/* Unit tests for the site transports (devices/site-transport.h) and the
 * fan-out's per-site egress: the plain RTP adapter's SSRCs, payload types,
 * destinations and keyframe requests (the host's send, recorded); a pull
 * without a URL is in the session with its link down saying why; the
 * fan-out gives an egress member a copy re-stamped with its own SSRC and
 * payload type while the shared client gets the program as it is, on a
 * real UDP socket. The SIP adapter: what a call's SDP gives it is bound
 * in the ingest (recorded), its SRTP is Debian's libsrtp2 both ways (the
 * endpoint's key in, ours out, checked with contexts of the test's own), a
 * re-offer that changes nothing keeps its contexts, a hang-up unbinds. */
#include "media/media-private.h"
#include "devices/site-sip.h"
#include "devices/site-transport.h"

#include <srtp2/srtp.h>
#include <string.h>

typedef struct {
  GPtrArray *sent;   /* GBytes: what the host was asked to send */
  GPtrArray *to;     /* GSocketAddress */
  gboolean rtcp;
  GPtrArray *links;  /* "up" / "down: why" */
  GPtrArray *binds;  /* "video|audio RTP RTCP latch" */
} host_log;

static void
on_bind(gpointer media, gboolean audio, rc_site_transport *t, GSocketAddress *rtp_from, GSocketAddress *rtcp_from,
        gboolean latch)
{
  host_log *h = media;
  (void)t;
  g_autofree char *a = rtp_from ? g_inet_address_to_string(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(rtp_from))) : NULL;
  g_ptr_array_add(h->binds, g_strdup_printf("%s %s:%u %u%s", audio ? "audio" : "video", a ? a : "-",
                                            rtp_from ? g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(rtp_from)) : 0,
                                            rtcp_from ? g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(rtcp_from)) : 0,
                                            latch ? " latch" : ""));
}

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
  h->binds = g_ptr_array_new_with_free_func(g_free);
  return h;
}

static void
host_log_free(host_log *h)
{
  g_ptr_array_unref(h->sent);
  g_ptr_array_unref(h->to);
  g_ptr_array_unref(h->links);
  g_ptr_array_unref(h->binds);
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
  rc_site_transport_host host = {.media = h, .feed = on_feed, .send = on_send, .link = on_link, .format = on_format, .bind = on_bind};
  rc_site_transport_desc d = desc("H01", NULL, "");
  rc_site_transport *t = rc_site_transport_new(&d, &host);
  g_assert_nonnull(t);
  g_assert_cmpstr(t->ops->kind, ==, "rtp");
  g_assert_false(rc_site_transport_encrypted(t)); /* plain RTP: a closed session refuses it */
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
  rc_site_transport_host host = {.media = h, .feed = on_feed, .send = on_send, .link = on_link, .format = on_format, .bind = on_bind};
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
  rc_site_transport_host host = {.media = h, .feed = on_feed, .send = on_send, .link = on_link, .format = on_format, .bind = on_bind};
  rc_site_transport_desc d = desc("CAM", "rtsp", "");
  rc_site_transport *t = rc_site_transport_new(&d, &host); /* logs a warning, and says it in its link */
  g_assert_nonnull(t);
  g_assert_cmpstr(t->ops->kind, ==, "pull");
  g_assert_false(t->link.up);
  g_assert_nonnull(strstr(t->link.why, "needs an address"));
  g_assert_null(t->ops->destination);
  g_assert_false(rc_site_transport_encrypted(t)); /* a pull is in clear */
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

static const rc_site_transport_ops egress_ops = {.kind = "egress-test", .send = egress_send, .receives_program = TRUE};

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

/* ---- sip ---- */

/* A context made here with libsrtp2's own policies (not the transports'
 * rc_srtp_sdes_new): AES_CM_128_HMAC_SHA1_80, or with @gcm AEAD_AES_128_GCM. */
static srtp_t
test_srtp_suite(const guint8 *key, gboolean inbound, gboolean gcm)
{
  srtp_policy_t p = {0};
  if (gcm) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
  } else {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
  }
  p.key = (guint8 *)key;
  p.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
  p.window_size = 1024;
  srtp_t s = NULL;
  g_assert_cmpint(srtp_create(&s, &p), ==, srtp_err_status_ok);
  return s;
}

static srtp_t
test_srtp(const guint8 *key, gboolean inbound)
{
  return test_srtp_suite(key, inbound, FALSE);
}

static void
sip_stream(rc_sip_sdp_stream *m, int index, int pt, const char *encoding, int clock_rate, int port, guint8 key_byte)
{
  memset(m, 0, sizeof *m);
  m->index = index, m->pt = pt, m->clock_rate = clock_rate, m->channels = 1;
  g_strlcpy(m->encoding, encoding, sizeof m->encoding);
  g_strlcpy(m->address, "192.0.2.20", sizeof m->address);
  m->port = port, m->rtcp_port = port + 1;
  m->secure = TRUE, m->pli = TRUE, m->tier = 1;
  m->direction = RC_SDP_SENDRECV, m->packetization_mode = 1;
  g_strlcpy(m->remote_key.suite, "AES_CM_128_HMAC_SHA1_80", sizeof m->remote_key.suite);
  memset(m->remote_key.key, key_byte, sizeof m->remote_key.key);
}

/* A SIP call's media: bound where its SDP says, SRTP both ways, the program in its payload types. */
static void
test_sip_media(void)
{
  host_log *h = host_log_new();
  rc_site_transport_host host = {.media = h, .feed = on_feed, .send = on_send, .link = on_link, .format = on_format, .bind = on_bind};
  rc_site_transport_desc d = desc("H15", "sip", "");
  rc_site_transport *t = rc_site_transport_new(&d, &host);
  g_assert_true(rc_site_is_sip(t));
  g_assert_true(t->ops->by_address);
  g_assert_false(t->link.up);
  g_assert_true(rc_site_transport_encrypted(t)); /* no call: nothing in clear */
  rc_sip_sdp_offer offer = {0};
  sip_stream(&offer.video, 0, 97, "H264", 90000, 40000, 0x11);
  sip_stream(&offer.audio, 1, 9, "G722", 8000, 40002, 0x22);
  rc_sip_crypto ours[2];
  memset(&ours[0], 0x33, sizeof ours[0]), memset(&ours[1], 0x44, sizeof ours[1]);
  g_autoptr(GError) error = NULL;
  g_assert_true(rc_site_sip_start(t, &offer, &ours[0], &ours[1], &error));
  g_assert_true(rc_site_transport_encrypted(t)); /* SRTP on every medium */
  g_assert_no_error(error);
  g_assert_true(t->link.up);
  g_assert_true(rc_site_transport_encrypted(t)); /* SRTP on both media */
  g_assert_cmpuint(h->binds->len, ==, 4); /* the unbinding of both media first, then both bound */
  g_assert_cmpstr(h->binds->pdata[2], ==, "video 192.0.2.20:40000 40001 latch");
  g_assert_cmpstr(h->binds->pdata[3], ==, "audio 192.0.2.20:40002 40003 latch");
  g_assert_cmpint(t->format.video.out_pt, ==, 97);
  g_assert_cmpint(t->format.audio.codec, ==, RC_AUDIO_G722);
  g_assert_cmpint(t->format.audio.out_codec, ==, RC_AUDIO_G722);
  g_assert_cmpint(t->format.audio.pt, ==, 9);
  g_assert_cmpint(t->format.audio.out_pt, ==, 9);
  g_assert_cmpint(t->format.video.tier, ==, 1);

  /* What the endpoint sends, protected with its key: decrypted, its payload type the site's. */
  guint8 key[RC_SIP_SRTP_KEY_LEN];
  memset(key, 0x11, sizeof key);
  srtp_t endpoint_out = test_srtp(key, FALSE);
  guint8 pkt[64] = {0x80, 97, 0x12, 0x34, 0, 0, 0x10, 0, 0xCA, 0xFE, 0xBA, 0xBE};
  for (int i = 12; i < 40; i++)
    pkt[i] = (guint8)i;
  guint8 wire[64];
  memcpy(wire, pkt, 40);
  int n = 40;
  g_assert_cmpint(srtp_protect(endpoint_out, wire, &n), ==, srtp_err_status_ok);
  g_assert_cmpint(n, ==, 50);
  guint8 tampered[64];
  memcpy(tampered, wire, (gsize)n);
  tampered[20] ^= 1;
  gsize len = (gsize)n;
  g_assert_false(t->ops->receive(t, FALSE, FALSE, tampered, &len));
  len = (gsize)n;
  g_assert_true(t->ops->receive(t, FALSE, FALSE, wire, &len));
  g_assert_cmpuint(len, ==, 40);
  g_assert_cmpint(wire[1] & 0x7f, ==, t->format.video.pt);
  g_assert_cmpmem(wire + 2, 38, pkt + 2, 38);

  /* The program to it, protected with our key, to where its SDP said. */
  guint8 program[64] = {0x80, 97, 0, 1, 0, 0, 0, 1, 0x50, 0x52, 0x4F, 0x47};
  for (int i = 12; i < 40; i++)
    program[i] = (guint8)(100 + i);
  t->ops->send(t, FALSE, program, 40);
  g_assert_cmpuint(h->sent->len, ==, 1);
  g_autofree char *to = address_text(h->to->pdata[0]);
  g_assert_cmpstr(to, ==, "192.0.2.20:40000");
  memset(key, 0x33, sizeof key);
  srtp_t us_in = test_srtp(key, TRUE);
  gsize sent_len;
  const guint8 *sent = g_bytes_get_data(h->sent->pdata[0], &sent_len);
  guint8 back[64];
  memcpy(back, sent, sent_len);
  n = (int)sent_len;
  g_assert_cmpint(srtp_unprotect(us_in, back, &n), ==, srtp_err_status_ok);
  g_assert_cmpmem(back, n, program, 40);

  /* A keyframe: an RTCP PLI over SRTCP about the endpoint's SSRC, to its RTCP port. */
  t->ops->request_keyframe(t);
  g_assert_cmpuint(h->sent->len, ==, 2);
  g_assert_true(h->rtcp);
  g_autofree char *rtcp_to = address_text(h->to->pdata[1]);
  g_assert_cmpstr(rtcp_to, ==, "192.0.2.20:40001");
  sent = g_bytes_get_data(h->sent->pdata[1], &sent_len);
  memcpy(back, sent, sent_len);
  n = (int)sent_len;
  g_assert_cmpint(srtp_unprotect_rtcp(us_in, back, &n), ==, srtp_err_status_ok);
  g_assert_cmpint(n, ==, 12);
  g_assert_cmpint(back[0], ==, 0x81);
  g_assert_cmpint(back[1], ==, 206);
  g_assert_cmphex((guint32)back[8] << 24 | (guint32)back[9] << 16 | (guint32)back[10] << 8 | back[11], ==, 0xCAFEBABE);

  /* A re-offer that changes nothing (a session timer's refresh) keeps everything, ... */
  g_assert_true(rc_site_sip_start(t, &offer, &ours[0], &ours[1], &error));
  g_assert_cmpuint(h->binds->len, ==, 4);
  memcpy(wire, pkt, 40);
  wire[3] = 0x35; /* the next packet, same context */
  n = 40;
  g_assert_cmpint(srtp_protect(endpoint_out, wire, &n), ==, srtp_err_status_ok);
  len = (gsize)n;
  g_assert_true(t->ops->receive(t, FALSE, FALSE, wire, &len));
  /* ... one that moves the port binds anew. */
  offer.video.port = 41000, offer.video.rtcp_port = 41001;
  g_assert_true(rc_site_sip_start(t, &offer, &ours[0], &ours[1], &error));
  g_assert_cmpuint(h->binds->len, ==, 8);
  g_assert_cmpstr(h->binds->pdata[6], ==, "video 192.0.2.20:41000 41001 latch");
  /* On hold (a=sendonly), or in H.264 packetization-mode 0: no program
   * video goes to it (RTCP still does); the link stays up, held. */
  offer.video.direction = RC_SDP_SENDONLY, offer.audio.direction = RC_SDP_SENDONLY;
  g_assert_true(rc_site_sip_start(t, &offer, &ours[0], &ours[1], &error));
  g_assert_true(t->link.up && t->link.held);
  t->ops->send(t, FALSE, program, 40);
  g_assert_cmpuint(h->sent->len, ==, 2);
  offer.video.direction = RC_SDP_SENDRECV, offer.audio.direction = RC_SDP_SENDRECV;
  offer.video.packetization_mode = 0;
  g_assert_true(rc_site_sip_start(t, &offer, &ours[0], &ours[1], &error));
  g_assert_false(t->link.held);
  t->ops->send(t, FALSE, program, 40);
  g_assert_cmpuint(h->sent->len, ==, 2);
  t->ops->request_keyframe(t);
  g_assert_cmpuint(h->sent->len, ==, 3);
  offer.video.packetization_mode = 1;
  g_assert_true(rc_site_sip_start(t, &offer, &ours[0], &ours[1], &error));
  program[3] = 2;
  t->ops->send(t, FALSE, program, 40);
  g_assert_cmpuint(h->sent->len, ==, 4);

  /* The call ends: unbound, the link down with its cause, nothing more sent. */
  rc_site_sip_stop(t, "the call ended: 200 OK");
  g_assert_true(rc_site_transport_encrypted(t)); /* no call: nothing of it goes in clear (a closed session keeps it) */
  g_assert_cmpuint(h->binds->len, ==, 10);
  g_assert_cmpstr(h->binds->pdata[8], ==, "video -:0 0");
  g_assert_false(t->link.up);
  g_assert_cmpstr(t->link.why, ==, "the call ended: 200 OK");
  t->ops->send(t, FALSE, program, 40);
  g_assert_cmpuint(h->sent->len, ==, 4);
  srtp_dealloc(endpoint_out);
  srtp_dealloc(us_in);
  rc_site_transport_free(t);
  host_log_free(h);
}

/* A plain-RTP call: bound, never latched, nothing decrypted. */
static void
test_sip_plain(void)
{
  host_log *h = host_log_new();
  rc_site_transport_host host = {.media = h, .feed = on_feed, .send = on_send, .link = on_link, .format = on_format, .bind = on_bind};
  rc_site_transport_desc d = desc("H16", "sip", "");
  rc_site_transport *t = rc_site_transport_new(&d, &host);
  rc_sip_sdp_offer offer = {0};
  sip_stream(&offer.video, 0, 96, "H264", 90000, 42000, 0);
  sip_stream(&offer.audio, -1, 0, "", 0, 0, 0);
  offer.video.secure = FALSE;
  rc_sip_crypto ours = {0};
  g_autoptr(GError) error = NULL;
  g_assert_true(rc_site_sip_start(t, &offer, &ours, &ours, &error));
  g_assert_false(rc_site_transport_encrypted(t)); /* its video in clear */
  g_assert_cmpuint(h->binds->len, ==, 3);
  g_assert_cmpstr(h->binds->pdata[2], ==, "video 192.0.2.20:42000 42001");
  g_assert_true(t->format.audio.absent);
  guint8 pkt[20] = {0x80, 96, 0, 1, 0, 0, 0, 1, 1, 2, 3, 4, 0x65, 1, 2, 3};
  gsize len = 16;
  g_assert_true(t->ops->receive(t, FALSE, FALSE, pkt, &len));
  g_assert_cmpuint(len, ==, 16);
  rc_site_transport_free(t);
  g_assert_cmpuint(h->binds->len, ==, 5); /* freed: unbound */
  host_log_free(h);
}

static void
on_keyed(gpointer data, gint64 site_id, char digit, guint duration_ms)
{
  g_string_append_printf(data, "%" G_GINT64_FORMAT ":%c:%u ", site_id, digit, duration_ms);
}

/* Keys in a call's audio (RFC 4733, its telephone-event type): taken out
 * of the audio (length 0: not media), each key told once on the main loop
 * with how long it was held; the sound itself goes on. */
static void
test_sip_keys(void)
{
  host_log *h = host_log_new();
  rc_site_transport_host host = {.media = h, .feed = on_feed, .send = on_send, .link = on_link, .format = on_format, .bind = on_bind};
  rc_site_transport_desc d = desc("H17", "sip", "");
  rc_site_transport *t = rc_site_transport_new(&d, &host);
  rc_sip_sdp_offer offer = {0};
  sip_stream(&offer.video, -1, 0, "", 0, 0, 0);
  sip_stream(&offer.audio, 0, 8, "PCMA", 8000, 42002, 0);
  offer.audio.secure = FALSE;
  offer.audio.event_pt = 101, offer.audio.event_rate = 8000;
  g_autoptr(GString) told = g_string_new(NULL);
  rc_site_sip_set_signalling(t, NULL, on_keyed, told);
  rc_sip_crypto ours = {0};
  g_autoptr(GError) error = NULL;
  g_assert_true(rc_site_sip_start(t, &offer, &ours, &ours, &error));
  guint8 sound[16] = {0x80, 8, 0, 1, 0, 0, 0, 1, 1, 2, 3, 4, 0xd5, 0xd5, 0xd5, 0xd5};
  gsize len = 16;
  g_assert_true(t->ops->receive(t, TRUE, FALSE, sound, &len));
  g_assert_cmpuint(len, ==, 16);
  for (int i = 1; i <= 6; i++) { /* "*": three packets, three ends */
    guint16 duration = (guint16)(MIN(i, 3) * 160);
    guint8 key[16] = {0x80, 101, 0, (guint8)(1 + i), 0, 0, 0x1f, 0x40, 1, 2, 3, 4, 10,
                      (guint8)(i > 3 ? 0x8a : 0x0a), (guint8)(duration >> 8), (guint8)duration};
    len = 16;
    g_assert_true(t->ops->receive(t, TRUE, FALSE, key, &len));
    g_assert_cmpuint(len, ==, 0);
  }
  g_assert_cmpstr(told->str, ==, ""); /* not yet: on the main loop */
  while (g_main_context_iteration(NULL, FALSE))
    ;
  g_autofree char *want = g_strdup_printf("%" G_GINT64_FORMAT ":*:60 ", t->site_id);
  g_assert_cmpstr(told->str, ==, want);
  /* A call without telephone-event: that type is the audio's concern (a wrong payload type). */
  offer.audio.event_pt = 0;
  g_assert_true(rc_site_sip_start(t, &offer, &ours, &ours, &error));
  guint8 key[16] = {0x80, 101, 0, 9, 0, 0, 0x2f, 0x40, 1, 2, 3, 4, 1, 0x8a, 0, 160};
  len = 16;
  g_assert_true(t->ops->receive(t, TRUE, FALSE, key, &len));
  g_assert_cmpuint(len, ==, 16);
  rc_site_transport_free(t);
  host_log_free(h);
}

/* ---- plain RTP with an SRTP key ---- */

/* A keyed plain site: only SRTP with its key is taken (plain RTP and
 * another key are refused), the program and its PLI go out protected
 * through its own send, not the shared fan-out; revoked, it is plain again;
 * a key that does not open refuses everything. */
static void
test_rtp_srtp(gconstpointer data)
{
  gboolean gcm = GPOINTER_TO_INT(data);
  host_log *h = host_log_new();
  rc_site_transport_host host = {.media = h, .feed = on_feed, .send = on_send, .link = on_link, .format = on_format, .bind = on_bind};
  rc_srtp_key site_key = {.suite = gcm ? RC_SRTP_AEAD_GCM : RC_SRTP_AES_CM_80};
  guint8 *key = site_key.bytes, other[30];
  memset(key, 0x5a, sizeof site_key.bytes);
  memset(other, 0x33, sizeof other);
  rc_site_transport_desc d = desc("H05", "rtp", "192.0.2.10:6000");
  d.srtp_key = &site_key;
  rc_site_transport *t = rc_site_transport_new(&d, &host);
  g_assert_true(rc_site_transport_encrypted(t));
  g_assert_true(rc_site_transport_sends_itself(t));
  g_assert_false(rc_site_transport_shared(t, FALSE, RC_PROGRAM_VIDEO_SSRC, RC_PT_H264));
  guint32 ssrc = rc_rtp_site_ssrc("H05", FALSE);
  guint8 plain[40] = {0x80, 97, 0, 7, 0, 0, 0, 9, (guint8)(ssrc >> 24), (guint8)(ssrc >> 16), (guint8)(ssrc >> 8),
                      (guint8)ssrc};
  memset(plain + 12, 0x65, 28);
  guint8 pkt[64];
  gsize len = 40;
  memcpy(pkt, plain, 40);
  g_assert_false(t->ops->receive(t, FALSE, FALSE, pkt, &len)); /* plain RTP: refused */
  int n = 40;
  srtp_t site_out = test_srtp_suite(key, FALSE, gcm), wrong = test_srtp_suite(other, FALSE, gcm),
         site_in = test_srtp_suite(key, TRUE, gcm);
  memcpy(pkt, plain, 40);
  g_assert_cmpint(srtp_protect(wrong, pkt, &n), ==, srtp_err_status_ok);
  len = (gsize)n;
  g_assert_false(t->ops->receive(t, FALSE, FALSE, pkt, &len)); /* another key: refused */
  n = 40;
  memcpy(pkt, plain, 40);
  g_assert_cmpint(srtp_protect(site_out, pkt, &n), ==, srtp_err_status_ok);
  len = (gsize)n;
  g_assert_true(t->ops->receive(t, FALSE, FALSE, pkt, &len));
  g_assert_cmpmem(pkt, len, plain, 40);
  /* The program to it: protected with its key, to its address. */
  guint8 program[40];
  memcpy(program, plain, 40);
  rc_rtp_restamp_source(program, RC_PROGRAM_VIDEO_SSRC, RC_PT_H264);
  t->ops->send(t, FALSE, program, 40);
  g_assert_cmpuint(h->sent->len, ==, 1);
  g_assert_false(h->rtcp);
  g_autofree char *to = address_text(h->to->pdata[0]);
  g_assert_cmpstr(to, ==, "192.0.2.10:6000");
  gsize got;
  const guint8 *bytes = g_bytes_get_data(h->sent->pdata[0], &got);
  memcpy(pkt, bytes, got);
  g_assert_cmpuint(got, ==, gcm ? 56 : 50); /* its tag: GCM's 16 bytes, HMAC-SHA1-80's 10 */
  n = (int)got;
  g_assert_cmpint(srtp_unprotect(site_in, pkt, &n), ==, srtp_err_status_ok);
  g_assert_cmpmem(pkt + 12, 28, plain + 12, 28);
  /* Its PLI is SRTCP. */
  t->ops->request_keyframe(t);
  g_assert_cmpuint(h->sent->len, ==, 2);
  g_assert_true(h->rtcp);
  bytes = g_bytes_get_data(h->sent->pdata[1], &got);
  memcpy(pkt, bytes, got);
  n = (int)got;
  g_assert_cmpint(srtp_unprotect_rtcp(site_in, pkt, &n), ==, srtp_err_status_ok);
  g_assert_cmpint(n, ==, 12);
  /* Revoked: plain again, through the shared fan-out. */
  rc_site_rtp_set_key(t, NULL, FALSE);
  g_assert_false(rc_site_transport_encrypted(t));
  g_assert_true(rc_site_transport_shared(t, FALSE, RC_PROGRAM_VIDEO_SSRC, RC_PT_H264));
  memcpy(pkt, plain, 40);
  len = 40;
  g_assert_true(t->ops->receive(t, FALSE, FALSE, pkt, &len));
  /* A key that does not open: nothing taken, nothing sent. */
  rc_site_rtp_set_key(t, NULL, TRUE);
  memcpy(pkt, plain, 40);
  len = 40;
  g_assert_false(t->ops->receive(t, FALSE, FALSE, pkt, &len));
  t->ops->send(t, FALSE, program, 40);
  g_assert_cmpuint(h->sent->len, ==, 2);
  srtp_dealloc(site_out);
  srtp_dealloc(wrong);
  srtp_dealloc(site_in);
  rc_site_transport_free(t);
  host_log_free(h);
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
  g_test_add_func("/site-transport/sip-media", test_sip_media);
  g_test_add_func("/site-transport/sip-plain", test_sip_plain);
  g_test_add_func("/site-transport/sip-keys", test_sip_keys);
  g_test_add_data_func("/site-transport/rtp-srtp", GINT_TO_POINTER(FALSE), test_rtp_srtp);
  g_test_add_data_func("/site-transport/rtp-srtp-gcm", GINT_TO_POINTER(TRUE), test_rtp_srtp);
  return g_test_run();
}
