/* Unit tests for the simulator's sender (whole packets reserved in its
 * slots, as the SIP mode's SRTP needs, queued among header + payload ones)
 * and a SIP site's RTCP sockets on its RTP ports + 1. Loopback UDP only.
 * Linked against the sim objects (devices/sim/sim.mk). */
#include "devices/sim/sim-sender.h"
#include "devices/sim/sim-site.h"

#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

static int
udp_on_loopback(struct sockaddr_in *addr)
{
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint(fd, >=, 0);
  *addr = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof *addr;
  g_assert_cmpint(bind(fd, (struct sockaddr *)addr, len), ==, 0);
  g_assert_cmpint(getsockname(fd, (struct sockaddr *)addr, &len), ==, 0);
  return fd;
}

static void
test_reserve_commit(void)
{
  struct sockaddr_in to, from;
  int rx = udp_on_loopback(&to), tx = udp_on_loopback(&from);
  g_autoptr(sim_sender) s = sim_sender_new();
  guint8 *p = sim_sender_reserve(s, tx, (struct sockaddr *)&to, sizeof to);
  memcpy(p, "whole-1", 7);
  sim_sender_commit(s, 7);
  sim_sender_add(s, tx, (struct sockaddr *)&to, sizeof to, (const guint8 *)"hd", 2, (const guint8 *)"+pay", 4);
  p = sim_sender_reserve(s, tx, (struct sockaddr *)&to, sizeof to);
  memcpy(p, "taken back", 10);
  sim_sender_commit(s, 0); /* not sent */
  p = sim_sender_reserve(s, tx, (struct sockaddr *)&to, sizeof to);
  memset(p, 'x', SIM_SENDER_PACKET_MAX);
  sim_sender_commit(s, SIM_SENDER_PACKET_MAX);
  sim_sender_flush(s);
  g_assert_cmpuint(sim_sender_get_counters(s).packets, ==, 3);
  guint8 buf[2048];
  g_assert_cmpint(recv(rx, buf, sizeof buf, 0), ==, 7);
  g_assert_cmpmem(buf, 7, "whole-1", 7);
  g_assert_cmpint(recv(rx, buf, sizeof buf, 0), ==, 6);
  g_assert_cmpmem(buf, 6, "hd+pay", 6);
  g_assert_cmpint(recv(rx, buf, sizeof buf, 0), ==, SIM_SENDER_PACKET_MAX);
  g_assert_cmpuint(buf[SIM_SENDER_PACKET_MAX - 1], ==, 'x');
  g_assert_cmpint(recv(rx, buf, sizeof buf, MSG_DONTWAIT), <, 0); /* nothing else */
  close(rx);
  close(tx);
}

static void
test_rtcp_on_next_port(void)
{
  struct sockaddr_in lo = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  g_autoptr(GError) error = NULL;
  sim_site *site = sim_site_new("H01", "H01", NULL, NULL, (struct sockaddr *)&lo, sizeof lo, &error);
  g_assert_no_error(error);
  /* take the port after the audio socket's: that socket must move */
  struct sockaddr_in next = lo;
  next.sin_port = htons(site->local_port[SIM_AUDIO] + 1);
  int squatter = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  gboolean squatting = bind(squatter, (struct sockaddr *)&next, sizeof next) == 0;
  guint16 was = site->local_port[SIM_AUDIO];
  g_assert_true(sim_site_open_rtcp(site, (struct sockaddr *)&lo, sizeof lo, &error));
  g_assert_no_error(error);
  for (int m = 0; m < 2; m++) {
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    g_assert_cmpint(getsockname(site->rtcp_fd[m], (struct sockaddr *)&a, &len), ==, 0);
    g_assert_cmpuint(ntohs(a.sin_port), ==, site->local_port[m] + 1);
    len = sizeof a;
    g_assert_cmpint(getsockname(site->fd[m], (struct sockaddr *)&a, &len), ==, 0);
    g_assert_cmpuint(ntohs(a.sin_port), ==, site->local_port[m]);
  }
  if (squatting)
    g_assert_cmpuint(site->local_port[SIM_AUDIO], !=, was);
  close(squatter);
  sim_site_free(site);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sim-sender/reserve-commit", test_reserve_commit);
  g_test_add_func("/sim-site/rtcp-on-next-port", test_rtcp_on_next_port);
  return g_test_run();
}
