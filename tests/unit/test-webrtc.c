/* Unit tests for the WebRTC engine (devices/webrtc.h) and the webrtc site
 * transport (devices/site-webrtc.h), on a real loopback UDP port, with the
 * ICE checks of a client built by libnice's STUN library (the client side,
 * not the engine's code): a check with the answer's credentials is answered
 * with a success that carries the client's address; a wrong password, an
 * unknown username or a check for another peer gets nothing; DTLS from an
 * address that made no check is dropped and counted; closing a peer tells
 * the host on the main loop, once, and only after the close returned (also
 * when closed from the main loop itself). The transport: the SSRCs of the
 * site's code, its link down until a publisher connects, the receiver's
 * payload types as the site's out payload types. */
#include "devices/site-adapters.h"
#include "devices/site-webrtc.h"
#include "devices/webrtc.h"
#include "base/rtp.h"

#include <gio/gio.h>
#include <stun/usages/ice.h>
#include <string.h>

typedef struct {
  GPtrArray *events; /* "connected" / "closed: why" */
} host_log;

static void
on_event(gpointer data, rc_webrtc_peer *peer, rc_webrtc_event event, const char *why)
{
  (void)peer;
  host_log *h = data;
  g_ptr_array_add(h->events, event == RC_WEBRTC_CONNECTED ? g_strdup("connected") : g_strdup_printf("closed: %s", why));
}

static char *
fixture(const char *name, gsize *len)
{
  g_autofree char *path = g_strconcat(RC_WEB_ROOT "/../tests/unit/fixtures/webrtc/", name, NULL);
  char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, len, NULL));
  return text;
}

/* The value of "a=NAME:" in @sdp (the first one). (transfer full) */
static char *
attribute(const char *sdp, const char *name)
{
  g_autofree char *key = g_strdup_printf("a=%s:", name);
  const char *at = strstr(sdp, key);
  g_assert_nonnull(at);
  at += strlen(key);
  return g_strndup(at, strcspn(at, "\r\n"));
}

typedef struct {
  host_log log;
  rc_webrtc *engine;
  GSocket *client;
  rc_sdp_offer offer;
  rc_webrtc_peer *peer;
  char *answer;
} fixture_t;

static void
setup(fixture_t *f, gconstpointer data)
{
  (void)data;
  f->log.events = g_ptr_array_new_with_free_func(g_free);
  const char *addresses[] = {"127.0.0.1", NULL};
  rc_webrtc_setup setup = {"127.0.0.1", 0, addresses, 30, 10, 30};
  rc_webrtc_host host = {&f->log, NULL, NULL, on_event};
  g_autoptr(GError) error = NULL;
  f->engine = rc_webrtc_new(&setup, &host, &error);
  g_assert_no_error(error);
  gsize len = 0;
  g_autofree char *text = fixture("chromium-publisher.sdp", &len);
  g_assert_true(rc_sdp_offer_parse(text, len, TRUE, &f->offer, &error));
  f->peer = rc_webrtc_add(f->engine, RC_WEBRTC_PUBLISHER, &f->offer, 0x1000, 0x1001, &f->answer);
  f->client = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
  g_assert_true(g_socket_bind(f->client, any, TRUE, &error));
  g_socket_set_timeout(f->client, 1);
}

static void
teardown(fixture_t *f, gconstpointer data)
{
  (void)data;
  rc_webrtc_peer_unref(f->peer);
  rc_webrtc_free(f->engine);
  g_object_unref(f->client);
  g_free(f->answer);
  g_ptr_array_unref(f->log.events);
}

/* Sends @data to the engine's port; returns what comes back within a second (0: nothing). */
static gsize
exchange(fixture_t *f, const guint8 *data, gsize len, guint8 *reply, gsize size)
{
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) to = g_inet_socket_address_new(lo, (guint16)rc_webrtc_port(f->engine));
  g_assert_cmpint(g_socket_send_to(f->client, to, (const char *)data, len, NULL, NULL), ==, (gssize)len);
  gssize n = g_socket_receive(f->client, (char *)reply, size, NULL, NULL);
  return n > 0 ? (gsize)n : 0;
}

/* An ICE check as a browser makes it: USERNAME "THEIRS:OURS", our password. */
static gsize
conncheck(guint8 *buf, gsize size, const char *username, const char *password)
{
  static const uint16_t attrs[] = {STUN_ATTRIBUTE_USERNAME, STUN_ATTRIBUTE_MESSAGE_INTEGRITY, STUN_ATTRIBUTE_FINGERPRINT, 0};
  StunAgent agent;
  StunMessage msg;
  stun_agent_init(&agent, attrs, STUN_COMPATIBILITY_RFC5389,
                  STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
  return stun_usage_ice_conncheck_create(&agent, &msg, buf, size, (const uint8_t *)username, strlen(username),
                                         (const uint8_t *)password, strlen(password), TRUE, TRUE, 0x6e7f00ff,
                                         0x1122334455667788ULL, NULL, STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
}

static void
test_answer(fixture_t *f, gconstpointer data)
{
  (void)data;
  g_assert_nonnull(strstr(f->answer, "a=ice-lite"));
  g_assert_nonnull(strstr(f->answer, "a=setup:passive"));
  g_autofree char *port = g_strdup_printf(" 127.0.0.1 %d typ host", rc_webrtc_port(f->engine));
  g_assert_nonnull(strstr(f->answer, port));
  g_assert_cmpuint(strlen(rc_webrtc_peer_resource(f->peer)), ==, 32);
  g_autofree char *fp = attribute(f->answer, "fingerprint");
  g_assert_true(g_str_has_prefix(fp, "sha-256 "));
  g_assert_cmpuint(strlen(fp), ==, strlen("sha-256 ") + 32 * 3 - 1);
}

static void
test_ice_check(fixture_t *f, gconstpointer data)
{
  (void)data;
  g_autofree char *ufrag = attribute(f->answer, "ice-ufrag"), *pwd = attribute(f->answer, "ice-pwd");
  g_autofree char *user = g_strdup_printf("%s:%s", ufrag, f->offer.ice_ufrag);
  guint8 req[512], reply[1024];
  char where[64];

  /* The wrong password, an unknown username, the right one for a stranger's ufrag: no answer. */
  gsize n = conncheck(req, sizeof req, user, "not-the-password-at-all!");
  g_assert_cmpuint(exchange(f, req, n, reply, sizeof reply), ==, 0);
  g_autofree char *unknown = g_strdup_printf("zzzzzzzz:%s", f->offer.ice_ufrag);
  n = conncheck(req, sizeof req, unknown, pwd);
  g_assert_cmpuint(exchange(f, req, n, reply, sizeof reply), ==, 0);
  g_autofree char *theirs_wrong = g_strdup_printf("%s:nope", ufrag);
  n = conncheck(req, sizeof req, theirs_wrong, pwd);
  g_assert_cmpuint(exchange(f, req, n, reply, sizeof reply), ==, 0);
  rc_webrtc_peer_address(f->peer, where, sizeof where);
  g_assert_cmpstr(where, ==, "");

  /* DTLS before any check: dropped, counted. */
  guint8 hello[13] = {22, 0xfe, 0xfd};
  g_assert_cmpuint(exchange(f, hello, sizeof hello, reply, sizeof reply), ==, 0);
  rc_webrtc_counters c;
  rc_webrtc_counters_get(f->engine, &c);
  g_assert_cmpuint(c.unknown_address, >=, 1);
  g_assert_cmpuint(c.stun_refused, >=, 3);

  /* The right one: a success response with the client's address, and the peer's address is it. */
  n = conncheck(req, sizeof req, user, pwd);
  gsize got = exchange(f, req, n, reply, sizeof reply);
  g_assert_cmpuint(got, >=, 20);
  g_assert_cmpuint(reply[0], ==, 0x01); /* binding success response: 0x0101 */
  g_assert_cmpuint(reply[1], ==, 0x01);
  g_assert_cmpmem(reply + 8, 12, req + 8, 12); /* the same transaction id */
  rc_webrtc_peer_address(f->peer, where, sizeof where);
  g_autoptr(GSocketAddress) mine = g_socket_get_local_address(f->client, NULL);
  g_autofree char *expect = g_strdup_printf("127.0.0.1:%u", g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(mine)));
  g_assert_cmpstr(where, ==, expect);
  rc_webrtc_counters_get(f->engine, &c);
  g_assert_cmpuint(c.stun_ok, ==, 1);
}

typedef struct {
  fixture_t *f;
  GMainLoop *loop;
  guint during; /* events the host had when the closes returned */
} closer;

/* Closes the peer from a main loop dispatch, as an API handler does. */
static gboolean
close_from_loop(gpointer data)
{
  closer *c = data;
  rc_webrtc_close(c->f->engine, c->f->peer, "ended by the test");
  rc_webrtc_close(c->f->engine, c->f->peer, "again");
  c->during = c->f->log.events->len;
  g_main_loop_quit(c->loop);
  return G_SOURCE_REMOVE;
}

static void
test_close_once(fixture_t *f, gconstpointer data)
{
  (void)data;
  closer closing = {f, g_main_loop_new(NULL, FALSE), G_MAXUINT};
  g_idle_add(close_from_loop, &closing);
  g_main_loop_run(closing.loop);
  g_main_loop_unref(closing.loop);
  /* Not from inside the close, even on the main loop's own thread: its
   * caller still reads its data of the peer (a replaced publisher's numbering). */
  g_assert_cmpuint(closing.during, ==, 0);
  for (int i = 0; i < 50 && f->log.events->len < 1; i++)
    g_main_context_iteration(NULL, FALSE);
  while (g_main_context_iteration(NULL, FALSE))
    ;
  g_assert_cmpuint(f->log.events->len, ==, 1);
  g_assert_cmpstr(f->log.events->pdata[0], ==, "closed: ended by the test");
  rc_webrtc_counters c;
  rc_webrtc_counters_get(f->engine, &c);
  g_assert_cmpuint(c.peers, ==, 0);
}

static void
test_site_transport(fixture_t *f, gconstpointer data)
{
  (void)data;
  rc_site_transport_desc d = {.id = 7, .code = "H03-X04", .transport = "webrtc", .program_video_ssrc = 0x2000,
                              .program_audio_ssrc = 0x2001, .program_video_pt = 96, .program_audio_pt = 111};
  rc_site_transport *t = rc_site_transport_new(&d, NULL);
  g_assert_true(rc_site_is_webrtc(t));
  g_assert_true(rc_site_transport_encrypted(t)); /* DTLS-SRTP: a closed session takes it */
  g_assert_cmpstr(t->ops->kind, ==, "webrtc");
  g_assert_cmpuint(t->format.video.ssrc, ==, rc_rtp_site_ssrc("H03-X04", FALSE));
  g_assert_cmpuint(t->format.audio.ssrc, ==, rc_rtp_site_ssrc("H03-X04", TRUE));
  g_assert_false(t->link.up);
  g_assert_false(rc_site_transport_shared(t, FALSE, 0x2000, 96)); /* it sends the program itself */
  g_assert_null(rc_site_webrtc_receiver(t));
  rc_site_webrtc_set_receiver(t, f->peer);
  g_assert_cmpint(t->format.video.out_pt, ==, f->offer.media[f->offer.video].pt);
  g_assert_cmpint(t->format.audio.out_pt, ==, f->offer.media[f->offer.audio].pt);
  g_assert_true(rc_site_webrtc_receiver(t) == f->peer);
  rc_site_transport_free(t); /* drops its ref of the peer */
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add("/webrtc/answer", fixture_t, NULL, setup, test_answer, teardown);
  g_test_add("/webrtc/ice-check", fixture_t, NULL, setup, test_ice_check, teardown);
  g_test_add("/webrtc/close-once", fixture_t, NULL, setup, test_close_once, teardown);
  g_test_add("/webrtc/site-transport", fixture_t, NULL, setup, test_site_transport, teardown);
  return g_test_run();
}
