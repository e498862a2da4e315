/* srtp-openssl: libsrtp2 with OpenSSL's ciphers must speak SRTP with
 * stock libsrtp2 (Debian's, NSS inside) both ways, for every profile a
 * peer may negotiate. Two children are forked before the replacement, so
 * they run libsrtp2 as shipped: one protects a known sequence of RTP and
 * RTCP packets for the parent to unprotect; the other unprotects what the
 * parent protected and exits with the number of packets it got wrong. */
#include "base/srtp-openssl.h"

#include <glib.h>
#include <srtp2/srtp.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PACKETS 60
#define RTCPS 10
#define SSRC 0x11223344u

static const srtp_profile_t profiles[] = {
    srtp_profile_aes128_cm_sha1_80, srtp_profile_aes128_cm_sha1_32,
    srtp_profile_aead_aes_128_gcm, srtp_profile_aead_aes_256_gcm};

static int stock_out = -1,
           stock_in = -1; /* the children's pipes: from the protecting one, to
                             the checking one */
static pid_t protector, checker;

static void key_for(srtp_profile_t profile, guint8 *key) {
  for (int i = 0; i < 64; i++)
    key[i] = (guint8)(profile * 31 + i * 7 + 1);
}

static srtp_t session(srtp_profile_t profile, gboolean outbound) {
  guint8 key[64];
  key_for(profile, key);
  srtp_policy_t p;
  memset(&p, 0, sizeof p);
  g_assert_cmpint(srtp_crypto_policy_set_from_profile_for_rtp(&p.rtp, profile),
                  ==, srtp_err_status_ok);
  g_assert_cmpint(
      srtp_crypto_policy_set_from_profile_for_rtcp(&p.rtcp, profile), ==,
      srtp_err_status_ok);
  p.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
  p.key = key;
  p.window_size = 1024;
  srtp_t s = NULL;
  g_assert_cmpint(srtp_create(&s, &p), ==, srtp_err_status_ok);
  return s;
}

/* Packet @i of the known sequence (RTP, or RTCP when @rtcp): its length. */
static int plain_packet(int i, gboolean rtcp, guint8 *buf) {
  int payload = rtcp ? 20 : 20 + (i * 37) % 1100;
  int header = rtcp ? 8 : 12;
  if (rtcp) {
    int words = (header + payload) / 4 - 1;
    buf[0] = 0x80, buf[1] = 200, buf[2] = (guint8)(words >> 8),
    buf[3] = (guint8)words;
  } else {
    guint16 seq = (guint16)(65500 + i); /* crosses the 16-bit roll-over */
    guint32 ts = (guint32)i * 3000;
    buf[0] = 0x80, buf[1] = 96, buf[2] = (guint8)(seq >> 8),
    buf[3] = (guint8)seq;
    buf[4] = (guint8)(ts >> 24), buf[5] = (guint8)(ts >> 16),
    buf[6] = (guint8)(ts >> 8), buf[7] = (guint8)ts;
  }
  guint8 *ssrc = buf + (rtcp ? 4 : 8);
  ssrc[0] = SSRC >> 24, ssrc[1] = (SSRC >> 16) & 0xff,
  ssrc[2] = (SSRC >> 8) & 0xff, ssrc[3] = SSRC & 0xff;
  for (int j = 0; j < payload; j++)
    buf[header + j] = (guint8)(i * 13 + j);
  return header + payload;
}

static void write_packet(int fd, const guint8 *buf, int len) {
  guint16 n = (guint16)len;
  g_assert_true(write(fd, &n, 2) == 2 && write(fd, buf, (size_t)len) == len);
}

static int read_packet(int fd, guint8 *buf) {
  guint16 n = 0;
  if (read(fd, &n, 2) != 2)
    return -1;
  gsize got = 0;
  while (got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r <= 0)
      return -1;
    got += (gsize)r;
  }
  return n;
}

/* Protects the known sequence for every profile: what @protect_side's
 * crypto makes, written to @fd. */
static void protect_all(int fd) {
  guint8 buf[2048];
  for (guint p = 0; p < G_N_ELEMENTS(profiles); p++) {
    srtp_t s = session(profiles[p], TRUE);
    for (int i = 0; i < PACKETS + RTCPS; i++) {
      gboolean rtcp = i >= PACKETS;
      int len = plain_packet(i, rtcp, buf);
      g_assert_cmpint(rtcp ? srtp_protect_rtcp(s, buf, &len)
                           : srtp_protect(s, buf, &len),
                      ==, srtp_err_status_ok);
      write_packet(fd, buf, len);
    }
    srtp_dealloc(s);
  }
}

/* Reads the sequence from @fd and unprotects it: the packets that failed
 * or came out different. */
static int check_all(int fd) {
  guint8 buf[2048], want[2048];
  int wrong = 0;
  for (guint p = 0; p < G_N_ELEMENTS(profiles); p++) {
    srtp_t s = session(profiles[p], FALSE);
    for (int i = 0; i < PACKETS + RTCPS; i++) {
      gboolean rtcp = i >= PACKETS;
      int len = read_packet(fd, buf);
      int want_len = plain_packet(i, rtcp, want);
      if (len < 0)
        return wrong + 1000;
      srtp_err_status_t e = rtcp ? srtp_unprotect_rtcp(s, buf, &len)
                                 : srtp_unprotect(s, buf, &len);
      if (e != srtp_err_status_ok || len != want_len ||
          memcmp(buf, want, (size_t)len) != 0)
        wrong++,
            g_printerr(
                "# profile %d packet %d: %s (error %d, %d bytes, want %d)\n",
                profiles[p], i, rtcp ? "rtcp" : "rtp", e, len, want_len);
    }
    srtp_dealloc(s);
  }
  return wrong;
}

static void test_replaced(void) {
  gboolean openssl = FALSE;
  g_assert_true(rc_srtp_init(&openssl));
  g_assert_true(openssl);
  g_assert_true(rc_srtp_init(&openssl)); /* again: no harm */
  g_assert_true(openssl);
}

static void test_stock_to_openssl(void) {
  int wrong = check_all(stock_out);
  g_assert_cmpint(wrong, ==, 0);
  int status = 0;
  g_assert_cmpint(waitpid(protector, &status, 0), ==, protector);
  g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_openssl_to_stock(void) {
  protect_all(stock_in);
  close(stock_in);
  int status = 0;
  g_assert_cmpint(waitpid(checker, &status, 0), ==, checker);
  g_assert_true(WIFEXITED(status));
  g_assert_cmpint(WEXITSTATUS(status), ==,
                  0); /* packets the stock side found wrong */
}

/* A changed byte anywhere after the header fails authentication, in every
 * profile. */
static void test_tampered(void) {
  guint8 buf[2048];
  for (guint p = 0; p < G_N_ELEMENTS(profiles); p++) {
    srtp_t tx = session(profiles[p], TRUE), rx = session(profiles[p], FALSE);
    for (int i = 0; i < 20; i++) {
      int len = plain_packet(i, FALSE, buf);
      g_assert_cmpint(srtp_protect(tx, buf, &len), ==, srtp_err_status_ok);
      buf[12 + (i * 7) % (len - 12)] ^= 0x40;
      g_assert_cmpint(srtp_unprotect(rx, buf, &len), ==,
                      srtp_err_status_auth_fail);
    }
    srtp_dealloc(tx);
    srtp_dealloc(rx);
  }
}

int main(int argc, char **argv) {
  /* The children first: they must run libsrtp2 as shipped. */
  int a[2], b[2];
  g_assert_cmpint(pipe(a), ==, 0);
  g_assert_cmpint(pipe(b), ==, 0);
  protector = fork();
  if (protector == 0) {
    close(a[0]), close(b[0]), close(b[1]);
    srtp_init();
    protect_all(a[1]);
    _exit(0);
  }
  checker = fork();
  if (checker == 0) {
    close(a[0]), close(a[1]), close(b[1]);
    srtp_init();
    int wrong = check_all(b[0]);
    _exit(MIN(wrong, 255));
  }
  close(a[1]), close(b[0]);
  stock_out = a[0], stock_in = b[1];
  rc_srtp_init(NULL); /* what the tests below run on; /replaced checks it */

  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/srtp-openssl/replaced", test_replaced);
  g_test_add_func("/srtp-openssl/stock-to-openssl", test_stock_to_openssl);
  g_test_add_func("/srtp-openssl/openssl-to-stock", test_openssl_to_stock);
  g_test_add_func("/srtp-openssl/tampered", test_tampered);
  return g_test_run();
}
