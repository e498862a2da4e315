/* Unit tests for the program audio's encodings (media-mixer.c) on real
 * sockets: a site that takes G.711 µ-law or G.722 gets the program in it,
 * encoded once per codec whoever takes it, 20 ms a packet; a G.711 site
 * that talks (its µ-law fed to the shared audio port by a GStreamer sender)
 * is heard by another G.711 site and not by itself, and its own stream stays
 * one stream (every sequence number, one packet's samples between
 * timestamps) when it moves to its mix-minus and back. Also reports the CPU
 * an extra codec's encoders cost (not judged: the host is shared). */
#include "devices/site-transport.h"
#include "media/media-private.h"

#include <math.h>
#include <string.h>
#include <sys/resource.h>

typedef struct {
  GSocket *socket;
  char *dest; /* "127.0.0.1:PORT" */
  GByteArray *raw; /* the packets' payloads, in order */
  GArray *seq, *ts, *pt, *len;
} listener;

static listener *
listener_new(void)
{
  listener *l = g_new0(listener, 1);
  l->socket = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
  g_assert_true(g_socket_bind(l->socket, any, FALSE, NULL));
  g_socket_set_blocking(l->socket, FALSE);
  g_autoptr(GSocketAddress) at = g_socket_get_local_address(l->socket, NULL);
  l->dest = g_strdup_printf("127.0.0.1:%u", g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(at)));
  l->raw = g_byte_array_new();
  l->seq = g_array_new(FALSE, FALSE, sizeof(guint16));
  l->ts = g_array_new(FALSE, FALSE, sizeof(guint32));
  l->pt = g_array_new(FALSE, FALSE, sizeof(int));
  l->len = g_array_new(FALSE, FALSE, sizeof(gsize));
  return l;
}

static void
listener_free(listener *l)
{
  g_object_unref(l->socket);
  g_free(l->dest);
  g_byte_array_unref(l->raw);
  g_array_unref(l->seq);
  g_array_unref(l->ts);
  g_array_unref(l->pt);
  g_array_unref(l->len);
  g_free(l);
}

/* Reads what came. */
static void
drain(listener *l)
{
  guint8 b[2048];
  gssize n;
  while ((n = g_socket_receive(l->socket, (gchar *)b, sizeof b, NULL, NULL)) >= 12) {
    guint16 seq = (guint16)(b[2] << 8 | b[3]);
    guint32 ts = (guint32)b[4] << 24 | (guint32)b[5] << 16 | (guint32)b[6] << 8 | b[7];
    int pt = b[1] & 0x7f;
    gsize len = (gsize)n;
    g_array_append_val(l->seq, seq);
    g_array_append_val(l->ts, ts);
    g_array_append_val(l->pt, pt);
    g_array_append_val(l->len, len);
    g_byte_array_append(l->raw, b + 12, (guint)(n - 12));
  }
}

/* Runs for @ms, reading the listeners now and then. */
static void
run_for(listener **ls, guint n, guint ms)
{
  gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;
  while (g_get_monotonic_time() < end) {
    g_usleep(10 * 1000);
    for (guint i = 0; i < n; i++)
      drain(ls[i]);
  }
}

static gint16
ulaw(guint8 u)
{
  u = (guint8)~u;
  int t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return (gint16)((u & 0x80) ? 0x84 - t : t - 0x84);
}

/* The level of @hz (a full-scale sine ≈ 1) in µ-law at 8 kHz, from byte @from
 * on. */
static double
ulaw_tone(const GByteArray *raw, guint from, double hz)
{
  double k = 2 * G_PI * hz / 8000, coeff = 2 * cos(k), s1 = 0, s2 = 0;
  guint n = raw->len - from;
  for (guint i = from; i < raw->len; i++) {
    double s0 = ulaw(raw->data[i]) / 32768.0 + coeff * s1 - s2;
    s2 = s1, s1 = s0;
  }
  return n ? 2 * sqrt(s1 * s1 + s2 * s2 - coeff * s1 * s2) / n : 0;
}

/* Under ASan the mixes do not keep real time: a mix that falls behind
 * skips an interval (its timestamps jump). The numbering must still follow
 * the timestamps there; the steps themselves are judged in real time only. */
#if defined(__SANITIZE_ADDRESS__)
#define REAL_TIME FALSE
#else
#define REAL_TIME TRUE
#endif

/* Packets [from, len) are one stream: each numbered by its timestamp (no
 * packet missing, none twice, a move between mixes not seen), and in real
 * time each the next sequence number, @step timestamps after the one before. */
static void
assert_one_stream(const listener *l, guint from, guint32 step, const char *what)
{
  g_assert_cmpuint(l->seq->len, >, from + 10);
  guint skipped = 0;
  for (guint i = from + 1; i < l->seq->len; i++) {
    guint16 ds = (guint16)(g_array_index(l->seq, guint16, i) - g_array_index(l->seq, guint16, i - 1));
    guint32 dt = g_array_index(l->ts, guint32, i) - g_array_index(l->ts, guint32, i - 1);
    if (dt != ds * step || (REAL_TIME && ds != 1))
      g_error("%s: packet %u of %u: sequence step %u, timestamp step %u (want 1, %u)", what, i, l->seq->len, ds, dt,
              step);
    skipped += ds - 1;
  }
  if (skipped)
    g_test_message("%s: the mix skipped %u intervals (not in real time)", what, skipped);
}

static double
cpu_s(void)
{
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static rc_ingest *
ingest_on_free_port(rc_config *config)
{
  for (int tries = 0; tries < 50; tries++) {
    config->media_audio_port = 20000 + 2 * g_random_int_range(0, 15000);
    g_autoptr(GError) error = NULL;
    rc_ingest *in = rc_ingest_new(config, TRUE, &error);
    if (in)
      return in;
  }
  g_error("no free UDP port pair for the audio ingest");
}

static void
test_codecs(void)
{
  rc_config *config = rc_config_new_default();
  g_free(config->media_listen);
  config->media_listen = g_strdup("127.0.0.1");
  rc_ingest *in = ingest_on_free_port(config);
  /* PHONE talks G.711 µ-law (its SSRC and payload type 0). */
  /* A plain site heard from loopback (its media_from): the ingest takes its packets from there only. */
  static const rc_site_transport_ops plain = {.kind = "rtp"};
  rc_site_transport link = {.ops = &plain};
  g_assert_true(rc_ipv4_net_parse("127.0.0.1", &link.heard_from, NULL));
  rc_media_site phone = {.id = 2, .code = "PHONE", .ssrc_audio = rc_rtp_site_ssrc("PHONE", TRUE), .audio_pt = 0,
                         .audio_clock_rate = 8000, .link = &link};
  g_autoptr(GHashTable) sites = g_hash_table_new(g_int64_hash, g_int64_equal);
  g_hash_table_insert(sites, &phone.id, &phone);
  g_assert_true(rc_ingest_set_streams(in, 1, sites, NULL));
  g_autofree char *sender_text = g_strdup_printf("audiotestsrc is-live=true freq=1000 volume=0.5 ! audioconvert ! "
                                                 "audioresample ! audio/x-raw,rate=8000,channels=1 "
                                                 "! mulawenc ! rtppcmupay pt=0 ssrc=%u min-ptime=20000000 "
                                                 "max-ptime=20000000 ! udpsink host=127.0.0.1 port=%d",
                                                 phone.ssrc_audio, config->media_audio_port);
  GstElement *sender = gst_parse_launch(sender_text, NULL);
  g_assert_nonnull(sender);
  gst_element_set_state(sender, GST_STATE_PLAYING);

  rc_mixer_setup setup = {1, in, NULL, NULL};
  rc_mixer *x = rc_mixer_new(&setup, NULL);
  g_assert_nonnull(x);
  /* OPUS takes Opus, PHONE and DESK µ-law, ROOM G.722. */
  listener *opus = listener_new(), *phone_l = listener_new(), *desk = listener_new(), *room = listener_new();
  listener *all[] = {opus, phone_l, desk, room};
  rc_mixer_listener only_opus[] = {{1, opus->dest, NULL, RC_AUDIO_OPUS}};
  rc_mixer_listener everyone[] = {{1, opus->dest, NULL, RC_AUDIO_OPUS},
                                  {2, phone_l->dest, NULL, RC_AUDIO_PCMU},
                                  {3, desk->dest, NULL, RC_AUDIO_PCMU},
                                  {4, room->dest, NULL, RC_AUDIO_G722}};
  rc_mixer_refresh(x, only_opus, 1);
  run_for(all, 4, 1000); /* everything running */
  double t0 = cpu_s();
  run_for(all, 4, 3000);
  double opus_only = cpu_s() - t0;
  g_assert_cmpuint(opus->seq->len, >, 100);
  g_assert_cmpuint(phone_l->seq->len, ==, 0);

  rc_mixer_refresh(x, everyone, G_N_ELEMENTS(everyone));
  run_for(all, 4, 1000);
  t0 = cpu_s();
  run_for(all, 4, 3000);
  double three = cpu_s() - t0;
  g_test_message("CPU over 3 s: the program audio in Opus %.3f s; in Opus, G.711 mu-law "
                 "and G.722 %.3f s "
                 "(each extra codec: about %.1f %% of a core for its %d encoders)",
                 opus_only, three, (three - opus_only) / 2 / 3 * 100, 3);
  /* µ-law and G.722: their own payload types, 20 ms (160 timestamps at 8
   * kHz) a packet after the first (shorter by the resampler's delay). */
  for (guint i = 0; i < phone_l->pt->len; i++) {
    g_assert_cmpint(g_array_index(phone_l->pt, int, i), ==, 0);
    if (i)
      g_assert_cmpuint(g_array_index(phone_l->len, gsize, i), ==, 12 + 160);
  }
  for (guint i = 0; i < room->pt->len; i++) {
    g_assert_cmpint(g_array_index(room->pt, int, i), ==, 9);
    if (i)
      g_assert_cmpuint(g_array_index(room->len, gsize, i), ==, 12 + 160); /* 64 kbit/s */
  }
  assert_one_stream(phone_l, 1, 160, "PHONE (mu-law) before it talks");
  assert_one_stream(room, 1, 160, "ROOM (G.722)");
  /* The first packet: the number before the second's. */
  g_assert_cmpuint((guint16)(g_array_index(phone_l->seq, guint16, 1) - g_array_index(phone_l->seq, guint16, 0)), ==, 1);
  /* DESK and PHONE take the same encoding of the full mix: the same packets. */
  g_assert_cmpuint(desk->seq->len, >, 100);
  guint16 last_desk = g_array_index(desk->seq, guint16, desk->seq->len - 1);
  gboolean found = FALSE;
  for (guint i = 0; i < phone_l->seq->len && !found; i++)
    found = g_array_index(phone_l->seq, guint16, i) == last_desk;
  g_assert_true(found);

  /* PHONE talks: it moves to its mix-minus; DESK hears it. */
  guint phone_from = phone_l->raw->len, desk_from = desk->raw->len, phone_packets = phone_l->seq->len;
  rc_mixer_talker talker = {2, phone.ssrc_audio, "PHONE", "Phone", RC_AUDIO_PCMU, 0, 8000, NULL};
  rc_mixer_set_talkers(x, &talker, 1);
  rc_mixer_refresh(x, everyone, G_N_ELEMENTS(everyone));
  run_for(all, 4, 3000);
  /* The last 1.5 s: the talker's jitter buffer and the mix's delay are past. */
  guint tail = 8000 * 3 / 2;
  double desk_hears = ulaw_tone(desk->raw, MAX(desk_from, desk->raw->len - tail), 1000);
  double phone_hears = ulaw_tone(phone_l->raw, MAX(phone_from, phone_l->raw->len - tail), 1000);
  g_test_message("1 kHz from PHONE: DESK hears %.3f, PHONE itself %.3f", desk_hears, phone_hears);
  g_assert_cmpfloat(desk_hears, >, 0.1);
  g_assert_cmpfloat(phone_hears, <, 0.01);
  assert_one_stream(phone_l, phone_packets > 5 ? phone_packets - 5 : 0, 160, "PHONE moving to its mix-minus");

  /* And back to the full mix when it stops talking. */
  rc_mixer_set_talkers(x, NULL, 0);
  rc_mixer_refresh(x, everyone, G_N_ELEMENTS(everyone));
  run_for(all, 4, 1500);
  assert_one_stream(phone_l, 1, 160, "PHONE from its second packet, there and back");
  assert_one_stream(desk, 1, 160, "DESK");

  gst_element_set_state(sender, GST_STATE_NULL);
  gst_object_unref(sender);
  rc_mixer_free(x);
  rc_ingest_free(in);
  for (guint i = 0; i < G_N_ELEMENTS(all); i++)
    listener_free(all[i]);
  rc_config_free(config);
}

int
main(int argc, char **argv)
{
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/mixer/codecs", test_codecs);
  return g_test_run();
}
