/* Unit tests for the simulator's WebRTC text: its offer has what the
 * controller requires (web/docs/api.md, WHIP/WHEP), and its answer reader
 * finds ICE credentials, the fingerprint, the candidate and the SSRCs.
 * Linked against the sim objects (devices/sim/sim.mk). */
#include "devices/sim/sim-webrtc-link.h"

#include <string.h>

static void
test_offer(void)
{
  g_autofree char *viewer = sim_sdp_offer_write("abcd", "0123456789abcdef012345", "AB:CD", FALSE, 0, 0);
  const char *needed[] = {"a=group:BUNDLE 0 1\r\n", "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n", "a=ice-ufrag:abcd\r\n",
                          "a=ice-pwd:0123456789abcdef012345\r\n", "a=fingerprint:sha-256 AB:CD\r\n",
                          "a=setup:active\r\n", "a=mid:0\r\n", "a=mid:1\r\n", "a=recvonly\r\n", "a=rtcp-mux\r\n",
                          "packetization-mode=1;profile-level-id=42e01f", "a=rtpmap:111 opus/48000/2\r\n"};
  for (guint i = 0; i < G_N_ELEMENTS(needed); i++)
    g_assert_nonnull(strstr(viewer, needed[i]));
  g_assert_null(strstr(viewer, "a=sendonly"));
  g_autofree char *publisher = sim_sdp_offer_write("abcd", "0123456789abcdef012345", "AB:CD", TRUE, 10, 11);
  g_assert_nonnull(strstr(publisher, "a=sendonly\r\n"));
  g_assert_nonnull(strstr(publisher, "a=ssrc:10 cname:roomctl-sim\r\n"));
  g_assert_nonnull(strstr(publisher, "a=ssrc:11 cname:roomctl-sim\r\n"));
}

static void
test_answer(void)
{
  const char *text = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=ice-lite\r\na=group:BUNDLE 0 1\r\n"
                     "m=video 5008 UDP/TLS/RTP/SAVPF 96\r\na=ice-ufrag:srvU\r\na=ice-pwd:serverpasswordserverpw\r\n"
                     "a=fingerprint:sha-256 0A:FF:10\r\na=setup:passive\r\na=mid:0\r\na=sendonly\r\n"
                     "a=candidate:1 1 udp 2130706431 ::1 5008 typ host\r\n"
                     "a=candidate:2 1 UDP 2130706430 127.0.0.1 5008 typ host\r\na=ssrc:1347571527 cname:roomctl\r\n"
                     "m=audio 5008 UDP/TLS/RTP/SAVPF 111\r\na=mid:1\r\na=ssrc:1347571521 cname:roomctl\r\n";
  sim_sdp_answer a;
  g_autoptr(GError) error = NULL;
  g_assert_true(sim_sdp_answer_read(text, &a, &error));
  g_assert_cmpstr(a.ice_ufrag, ==, "srvU");
  g_assert_cmpstr(a.ice_pwd, ==, "serverpasswordserverpw");
  g_assert_cmpuint(a.fingerprint_len, ==, 3);
  g_assert_cmphex(a.fingerprint[1], ==, 0xFF);
  g_assert_cmpstr(a.address, ==, "127.0.0.1"); /* the first IPv4 one */
  g_assert_cmpint(a.port, ==, 5008);
  g_assert_cmpint(a.video_pt, ==, 96);
  g_assert_cmpint(a.audio_pt, ==, 111);
  g_assert_cmpuint(a.video_ssrc, ==, 1347571527u);
  g_assert_cmpuint(a.audio_ssrc, ==, 1347571521u);
  /* A refused m-line; no candidate at all is an error. */
  g_assert_true(sim_sdp_answer_read("a=ice-ufrag:u\na=ice-pwd:p\nm=audio 0 UDP/TLS/RTP/SAVPF 111\n"
                                    "a=candidate:1 1 udp 1 10.0.0.1 9 typ host\n", &a, NULL));
  g_assert_cmpint(a.audio_pt, ==, -1);
  g_assert_false(sim_sdp_answer_read("a=ice-ufrag:u\na=ice-pwd:p\n", &a, &error));
  g_assert_nonnull(error);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sim-webrtc/offer", test_offer);
  g_test_add_func("/sim-webrtc/answer", test_answer);
  return g_test_run();
}
