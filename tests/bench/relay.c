/* relay — the floor for the `sites` benchmark: the same packet work as
 * roomctl's switch mode done by the simplest C that can do it. One thread,
 * epoll + recvmmsg on the shared video and audio ports; every packet's SSRC
 * is looked up (sites learn their return address from their first packet);
 * the chosen source's video and audio packets are re-stamped and sent to
 * every site with sendmmsg. No statistics, mixing, recording or RTSP.
 * Like roomctl it measures each forwarded video packet's delay, kernel
 * arrival (SO_TIMESTAMPNS) to the return of the sendmmsg calls for every
 * site, into a histogram with the bounds given (ms, comma-separated: the
 * ones roomctl reports), printed cumulatively once a second as
 * "delay C0 C1 … CN" (N = number of bounds: the last is +Inf).
 *   relay VIDEO_PORT AUDIO_PORT SOURCE_VIDEO_SSRC SOURCE_AUDIO_SSRC SECONDS [BOUNDS_MS] */
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

#define MAX_BOUNDS 64

static peer peers[2][MAX_SITES];
static double bounds_ms[MAX_BOUNDS];
static int nbounds;
static unsigned long delay_counts[MAX_BOUNDS + 1];
static int npeers[2];

static int
udp_socket(int port)
{
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  int size = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
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

static int64_t
real_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The kernel's arrival time of @msg in wall-clock µs, 0 if none. */
static int64_t
arrival_us(struct msghdr *msg)
{
  for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      struct timespec ts;
      memcpy(&ts, CMSG_DATA(c), sizeof ts);
      return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    }
  return 0;
}

static void
count_delay(int64_t us)
{
  double ms = us < 0 ? 0 : us / 1000.0;
  int i = 0;
  while (i < nbounds && ms > bounds_ms[i])
    i++;
  delay_counts[i]++;
}

static void
print_delays(void)
{
  unsigned long cumulative = 0;
  printf("delay");
  for (int i = 0; i <= nbounds; i++) {
    cumulative += delay_counts[i];
    printf(" %lu", cumulative);
  }
  printf("\n");
  fflush(stdout);
}

int
main(int argc, char **argv)
{
  if (argc != 6 && argc != 7) {
    fprintf(stderr, "usage: relay VIDEO_PORT AUDIO_PORT SOURCE_VIDEO_SSRC SOURCE_AUDIO_SSRC SECONDS [BOUNDS_MS]\n");
    return 2;
  }
  for (const char *b = argc == 7 ? argv[6] : ""; *b;) {
    char *end;
    double v = strtod(b, &end);
    if (end == b || nbounds == MAX_BOUNDS || (*end && *end != ',')) {
      fprintf(stderr, "relay: BOUNDS_MS is up to %d numbers separated by commas\n", MAX_BOUNDS);
      return 2;
    }
    bounds_ms[nbounds++] = v;
    b = *end ? end + 1 : end;
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
  static union {
    struct cmsghdr align;
    unsigned char buf[CMSG_SPACE(sizeof(struct timespec))];
  } control[BATCH];
  uint16_t seq[2] = {0, 0};
  unsigned long packets = 0;
  time_t end = time(NULL) + seconds;
  printf("ready\n");
  fflush(stdout);
  time_t printed = time(NULL);
  while (time(NULL) < end) {
    if (time(NULL) != printed) {
      print_delays();
      printed = time(NULL);
    }
    struct epoll_event evs[2];
    int n = epoll_wait(ep, evs, 2, 200);
    for (int e = 0; e < n; e++) {
      int m = (int)evs[e].data.u32;
      for (int i = 0; i < BATCH; i++) {
        iov[i] = (struct iovec){bufs[i], MTU};
        msgs[i].msg_hdr = (struct msghdr){.msg_name = &from[i], .msg_namelen = sizeof from[i], .msg_iov = &iov[i],
                                          .msg_iovlen = 1, .msg_control = control[i].buf,
                                          .msg_controllen = sizeof control[i].buf};
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
        int64_t arrived = arrival_us(&msgs[i].msg_hdr);
        if (m == 0 && arrived)
          count_delay(real_us() - arrived);
      }
    }
  }
  printf("packets=%lu sites=%d\n", packets, npeers[0]);
  return 0;
}
