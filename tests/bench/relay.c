/* relay — the floor for the `sites` benchmark: the same packet work as
 * roomctl's switch mode done by the simplest C that can do it. One thread,
 * epoll + recvmmsg on the shared video and audio ports; every packet's SSRC
 * is looked up (sites learn their return address from their first packet);
 * the chosen source's video and audio packets are re-stamped and sent to
 * every site with sendmmsg. No statistics, mixing, recording or RTSP.
 *   relay VIDEO_PORT AUDIO_PORT SOURCE_VIDEO_SSRC SOURCE_AUDIO_SSRC SECONDS */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAX_SITES 4096
#define MTU 1500

typedef struct {
  uint32_t ssrc;
  struct sockaddr_in addr;
} peer;

static peer peers[2][MAX_SITES];
static int npeers[2];

static int
udp_socket(int port)
{
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  int size = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_ANY)};
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    perror("bind");
    exit(1);
  }
  return fd;
}

/* Remembers where each SSRC sends from: that is where the program goes. */
static void
learn(int medium, uint32_t ssrc, const struct sockaddr_in *from)
{
  for (int i = 0; i < npeers[medium]; i++)
    if (peers[medium][i].ssrc == ssrc)
      return;
  if (npeers[medium] < MAX_SITES)
    peers[medium][npeers[medium]++] = (peer){ssrc, *from};
}

static void
fan_out(int fd, int medium, unsigned char *pkt, size_t len)
{
  static struct mmsghdr msgs[MAX_SITES];
  static struct iovec iov;
  iov.iov_base = pkt;
  iov.iov_len = len;
  for (int i = 0; i < npeers[medium]; i++) {
    msgs[i].msg_hdr = (struct msghdr){.msg_name = &peers[medium][i].addr, .msg_namelen = sizeof(struct sockaddr_in),
                                      .msg_iov = &iov, .msg_iovlen = 1};
  }
  for (int sent = 0; sent < npeers[medium];) {
    int n = sendmmsg(fd, msgs + sent, (unsigned)(npeers[medium] - sent), 0);
    if (n <= 0)
      break;
    sent += n;
  }
}

int
main(int argc, char **argv)
{
  if (argc != 6) {
    fprintf(stderr, "usage: relay VIDEO_PORT AUDIO_PORT SOURCE_VIDEO_SSRC SOURCE_AUDIO_SSRC SECONDS\n");
    return 2;
  }
  int fds[2] = {udp_socket(atoi(argv[1])), udp_socket(atoi(argv[2]))};
  uint32_t source[2] = {(uint32_t)strtoul(argv[3], NULL, 10), (uint32_t)strtoul(argv[4], NULL, 10)};
  int seconds = atoi(argv[5]);
  int ep = epoll_create1(0);
  for (int m = 0; m < 2; m++) {
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)m};
    epoll_ctl(ep, EPOLL_CTL_ADD, fds[m], &ev);
  }
  static unsigned char bufs[BATCH][MTU];
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_in from[BATCH];
  uint16_t seq[2] = {0, 0};
  unsigned long packets = 0;
  time_t end = time(NULL) + seconds;
  printf("ready\n");
  fflush(stdout);
  while (time(NULL) < end) {
    struct epoll_event evs[2];
    int n = epoll_wait(ep, evs, 2, 200);
    for (int e = 0; e < n; e++) {
      int m = (int)evs[e].data.u32;
      for (int i = 0; i < BATCH; i++) {
        iov[i] = (struct iovec){bufs[i], MTU};
        msgs[i].msg_hdr = (struct msghdr){.msg_name = &from[i], .msg_namelen = sizeof from[i], .msg_iov = &iov[i],
                                          .msg_iovlen = 1};
      }
      int got = recvmmsg(fds[m], msgs, BATCH, MSG_DONTWAIT, NULL);
      for (int i = 0; i < got; i++) {
        unsigned char *p = bufs[i];
        size_t len = msgs[i].msg_len;
        if (len < 12 || (p[0] >> 6) != 2 || (p[1] >= 200 && p[1] <= 206))
          continue;
        uint32_t ssrc = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
        learn(m, ssrc, &from[i]);
        packets++;
        if (ssrc != source[m])
          continue;
        p[2] = (unsigned char)(seq[m] >> 8), p[3] = (unsigned char)seq[m];
        seq[m]++;
        uint32_t prog = m ? 0x50524F41u : 0x50524F47u;
        p[8] = (unsigned char)(prog >> 24), p[9] = (unsigned char)(prog >> 16), p[10] = (unsigned char)(prog >> 8),
        p[11] = (unsigned char)prog;
        fan_out(fds[m], m, p, len);
      }
    }
  }
  printf("packets=%lu sites=%d\n", packets, npeers[0]);
  return 0;
}
