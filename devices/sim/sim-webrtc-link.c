/* sim-webrtc-link — a WHIP/WHEP peer from OpenSSL, libsrtp2 and libnice's
 * STUN library; see sim-webrtc-link.h. */
#include "devices/sim/sim-webrtc-link.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gio/gio.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <srtp2/srtp.h>
#include "base/srtp-openssl.h"
#include <string.h>
#include <stun/stunagent.h>
#include <stun/usages/ice.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHECK_EVERY_US (50 * 1000)
#define CHECK_FOR_US (10 * G_USEC_PER_SEC)
#define CONSENT_EVERY_US (5 * G_USEC_PER_SEC)
#define KEY_LEN 16
#define SALT_LEN 14

struct sim_webrtc_identity {
  SSL_CTX *ctx;
  char fingerprint[32 * 3];
};

struct sim_webrtc_link {
  sim_webrtc_identity *id;
  int fd;
  char ufrag[9], pwd[33];
  sim_sdp_answer answer;
  sim_link_state state;
  StunAgent agent;
  guint64 tie;
  gint64 started_us, next_check_us;
  SSL *ssl;
  BIO *in; /* owned by ssl */
  srtp_t srtp_in, srtp_out;
  guint64 srtp_failed;
  char why[160];
};

static void
set_failed(sim_webrtc_link *l, const char *why)
{
  if (l->state == SIM_LINK_FAILED)
    return;
  l->state = SIM_LINK_FAILED;
  g_strlcpy(l->why, why, sizeof l->why);
}

/* ---- identity ---- */

static X509 *
self_signed(EVP_PKEY *key)
{
  X509 *x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), (long)g_random_int_range(1, G_MAXINT32));
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400);
  X509_set_pubkey(x, key);
  X509_NAME *name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"roomctl-sim", -1, -1, 0);
  X509_set_issuer_name(x, name);
  if (!X509_sign(x, key, EVP_sha256())) {
    X509_free(x);
    return NULL;
  }
  return x;
}

/* The controller's certificate is self-signed too: its fingerprint in the
 * answer is what authenticates it, checked after the handshake. */
static int
accept_any(int ok, X509_STORE_CTX *store)
{
  (void)ok, (void)store;
  return 1;
}

sim_webrtc_identity *
sim_webrtc_identity_new(GError **error)
{
  static gsize srtp_ready = 0;
  if (g_once_init_enter(&srtp_ready))
    g_once_init_leave(&srtp_ready, rc_srtp_init(NULL) ? 1 : 2);
  EVP_PKEY *key = EVP_EC_gen("P-256");
  X509 *cert = key ? self_signed(key) : NULL;
  SSL_CTX *ctx = cert ? SSL_CTX_new(DTLS_client_method()) : NULL;
  gboolean ok = ctx && srtp_ready == 1 && SSL_CTX_use_certificate(ctx, cert) == 1 &&
                SSL_CTX_use_PrivateKey(ctx, key) == 1 && SSL_CTX_set_tlsext_use_srtp(ctx, "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80") == 0 &&
                SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) == 1;
  sim_webrtc_identity *id = NULL;
  if (ok) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_any);
    id = g_new0(sim_webrtc_identity, 1);
    id->ctx = ctx;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    X509_digest(cert, EVP_sha256(), md, &n);
    for (unsigned i = 0; i < n; i++)
      g_snprintf(id->fingerprint + 3 * i, 4, i + 1 < n ? "%02X:" : "%02X", md[i]);
  } else {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "DTLS identity: OpenSSL or libsrtp2 failed (%lu)",
                ERR_get_error());
    SSL_CTX_free(ctx);
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  return id;
}

void
sim_webrtc_identity_free(sim_webrtc_identity *id)
{
  if (!id)
    return;
  SSL_CTX_free(id->ctx);
  g_free(id);
}

const char *
sim_webrtc_identity_fingerprint(const sim_webrtc_identity *id)
{
  return id->fingerprint;
}

/* ---- SDP ---- */

static gboolean
parse_hex_fingerprint(const char *hex, guint8 *out, gsize *out_len, gsize max)
{
  gsize n = 0;
  while (*hex && n < max) {
    if (!g_ascii_isxdigit(hex[0]) || !g_ascii_isxdigit(hex[1]))
      return FALSE;
    out[n++] = (guint8)(g_ascii_xdigit_value(hex[0]) << 4 | g_ascii_xdigit_value(hex[1]));
    hex += 2;
    if (*hex == ':')
      hex++;
    else
      break;
  }
  *out_len = n;
  return n > 0;
}

/* One a=candidate line: keeps the first IPv4 UDP one. */
static void
read_candidate(const char *value, sim_sdp_answer *out)
{
  g_auto(GStrv) f = g_strsplit(value, " ", 0);
  if (out->address[0] || g_strv_length(f) < 8 || g_ascii_strcasecmp(f[2], "udp") != 0 || !strchr(f[4], '.'))
    return;
  g_strlcpy(out->address, f[4], sizeof out->address);
  out->port = atoi(f[5]);
}

gboolean
sim_sdp_answer_read(const char *text, sim_sdp_answer *out, GError **error)
{
  memset(out, 0, sizeof *out);
  out->video_pt = out->audio_pt = -1;
  g_auto(GStrv) lines = g_strsplit(text, "\n", 0);
  int kind = 0; /* 1 video, 2 audio */
  for (char **p = lines; *p; p++) {
    char *line = g_strchomp(*p);
    if (g_str_has_prefix(line, "m=")) {
      int port = 0, pt = -1;
      char media[16] = "";
      sscanf(line + 2, "%15s %d %*s %d", media, &port, &pt);
      kind = g_str_equal(media, "video") ? 1 : g_str_equal(media, "audio") ? 2 : 0;
      if (kind == 1)
        out->video_pt = port ? pt : -1;
      else if (kind == 2)
        out->audio_pt = port ? pt : -1;
    } else if (g_str_has_prefix(line, "a=ice-ufrag:") && !out->ice_ufrag[0]) {
      g_strlcpy(out->ice_ufrag, line + 12, sizeof out->ice_ufrag);
    } else if (g_str_has_prefix(line, "a=ice-pwd:") && !out->ice_pwd[0]) {
      g_strlcpy(out->ice_pwd, line + 10, sizeof out->ice_pwd);
    } else if (g_str_has_prefix(line, "a=fingerprint:sha-256 ") && !out->fingerprint_len) {
      parse_hex_fingerprint(line + 22, out->fingerprint, &out->fingerprint_len, sizeof out->fingerprint);
    } else if (g_str_has_prefix(line, "a=candidate:")) {
      read_candidate(line + 12, out);
    } else if (g_str_has_prefix(line, "a=ssrc:") && kind) {
      guint32 *slot = kind == 1 ? &out->video_ssrc : &out->audio_ssrc;
      if (!*slot)
        *slot = (guint32)g_ascii_strtoull(line + 7, NULL, 10);
    }
  }
  if (!out->ice_ufrag[0] || !out->ice_pwd[0] || !out->address[0] || out->port <= 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the answer lacks ice-ufrag, ice-pwd or an IPv4 UDP candidate");
    return FALSE;
  }
  return TRUE;
}

static void
write_media(GString *s, gboolean video, const char *ufrag, const char *pwd, const char *fingerprint,
            gboolean publisher, guint32 ssrc)
{
  g_string_append_printf(s,
                         "m=%s 9 UDP/TLS/RTP/SAVPF %d\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
                         "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=fingerprint:sha-256 %s\r\na=setup:active\r\n"
                         "a=mid:%d\r\na=%s\r\na=rtcp-mux\r\n",
                         video ? "video" : "audio", video ? 96 : 111, ufrag, pwd, fingerprint, video ? 0 : 1,
                         publisher ? "sendonly" : "recvonly");
  if (video)
    g_string_append(s, "a=rtpmap:96 H264/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n"
                       "a=fmtp:96 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n");
  else
    g_string_append(s, "a=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n");
  if (publisher)
    g_string_append_printf(s, "a=msid:sim %s\r\na=ssrc:%u cname:roomctl-sim\r\n", video ? "v" : "a", ssrc);
}

char *
sim_sdp_offer_write(const char *ufrag, const char *pwd, const char *fingerprint, gboolean publisher,
                    guint32 video_ssrc, guint32 audio_ssrc)
{
  GString *s = g_string_new(NULL);
  g_string_append_printf(s, "v=0\r\no=- %u 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
                            "a=msid-semantic: WMS sim\r\n", g_random_int());
  write_media(s, TRUE, ufrag, pwd, fingerprint, publisher, video_ssrc);
  write_media(s, FALSE, ufrag, pwd, fingerprint, publisher, audio_ssrc);
  return g_string_free(s, FALSE);
}

/* ---- the link ---- */

static void
random_text(char *out, gsize n)
{
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  for (gsize i = 0; i < n; i++)
    out[i] = alphabet[g_random_int_range(0, sizeof alphabet - 1)];
  out[n] = '\0';
}

sim_webrtc_link *
sim_webrtc_link_new(sim_webrtc_identity *id, GError **error)
{
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  struct sockaddr_in any = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (fd < 0 || bind(fd, (struct sockaddr *)&any, sizeof any) < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "UDP socket: %s", g_strerror(errno));
    if (fd >= 0)
      close(fd);
    return NULL;
  }
  int size = 1 << 20, on = 1;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on); /* latency to kernel arrival, as the RTP sites measure */
  sim_webrtc_link *l = g_new0(sim_webrtc_link, 1);
  l->id = id;
  l->fd = fd;
  random_text(l->ufrag, 8);
  random_text(l->pwd, 32);
  l->tie = (guint64)g_random_int() << 32 | g_random_int();
  stun_agent_init(&l->agent, STUN_ALL_KNOWN_ATTRIBUTES, STUN_COMPATIBILITY_RFC5389,
                  STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
  return l;
}

void
sim_webrtc_link_free(sim_webrtc_link *l)
{
  if (!l)
    return;
  if (l->srtp_in)
    srtp_dealloc(l->srtp_in);
  if (l->srtp_out)
    srtp_dealloc(l->srtp_out);
  SSL_free(l->ssl);
  close(l->fd);
  g_free(l);
}

int sim_webrtc_link_fd(const sim_webrtc_link *l) { return l->fd; }
const char *sim_webrtc_link_ufrag(const sim_webrtc_link *l) { return l->ufrag; }
const char *sim_webrtc_link_pwd(const sim_webrtc_link *l) { return l->pwd; }
sim_link_state sim_webrtc_link_state(const sim_webrtc_link *l) { return l->state; }
const char *sim_webrtc_link_why(const sim_webrtc_link *l) { return l->why; }
const sim_sdp_answer *sim_webrtc_link_answer(const sim_webrtc_link *l) { return &l->answer; }

void
sim_webrtc_link_start(sim_webrtc_link *l, const sim_sdp_answer *answer, gint64 now_us)
{
  l->answer = *answer;
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((guint16)answer->port)};
  if (inet_pton(AF_INET, answer->address, &to.sin_addr) != 1 || connect(l->fd, (struct sockaddr *)&to, sizeof to) < 0) {
    set_failed(l, "cannot reach the answer's candidate");
    return;
  }
  l->state = SIM_LINK_CHECKING;
  l->started_us = now_us;
  l->next_check_us = now_us;
}

static void
send_check(sim_webrtc_link *l)
{
  char username[600];
  int n = g_snprintf(username, sizeof username, "%s:%s", l->answer.ice_ufrag, l->ufrag);
  guint8 buf[800];
  StunMessage msg;
  size_t len = stun_usage_ice_conncheck_create(&l->agent, &msg, buf, sizeof buf, (const uint8_t *)username, (size_t)n,
                                               (const uint8_t *)l->answer.ice_pwd, strlen(l->answer.ice_pwd), TRUE,
                                               TRUE, 0x6E0001FF, l->tie, NULL, STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
  if (len)
    (void)send(l->fd, buf, len, 0);
}

void
sim_webrtc_link_tick(sim_webrtc_link *l, gint64 now_us)
{
  if (l->state == SIM_LINK_CHECKING && now_us - l->started_us > CHECK_FOR_US) {
    set_failed(l, "no STUN check answered in 10 s");
    return;
  }
  if ((l->state == SIM_LINK_CHECKING || l->state >= SIM_LINK_DTLS) && l->state != SIM_LINK_FAILED &&
      now_us >= l->next_check_us) {
    send_check(l);
    l->next_check_us = now_us + (l->state == SIM_LINK_CHECKING ? CHECK_EVERY_US : CONSENT_EVERY_US);
  }
  if (l->state == SIM_LINK_DTLS && DTLSv1_handle_timeout(l->ssl) < 0)
    set_failed(l, "DTLS retransmission failed");
}

static gboolean
fingerprint_matches(sim_webrtc_link *l)
{
  if (!l->answer.fingerprint_len)
    return TRUE;
  X509 *cert = SSL_get1_peer_certificate(l->ssl);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  gboolean ok = cert && X509_digest(cert, EVP_sha256(), md, &n) && n == l->answer.fingerprint_len &&
                memcmp(md, l->answer.fingerprint, n) == 0;
  X509_free(cert);
  return ok;
}

/* @salt_len 14: AES_CM_128_HMAC_SHA1_80; 12: AEAD_AES_128_GCM (what browsers prefer). */
static srtp_t
srtp_session(const guint8 *key, const guint8 *salt, gsize salt_len, gboolean inbound)
{
  guint8 master[KEY_LEN + SALT_LEN];
  memcpy(master, key, KEY_LEN);
  memcpy(master + KEY_LEN, salt, salt_len);
  srtp_policy_t p;
  memset(&p, 0, sizeof p);
  if (salt_len == 12) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
  } else {
    srtp_crypto_policy_set_rtp_default(&p.rtp);
    srtp_crypto_policy_set_rtcp_default(&p.rtcp);
  }
  p.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
  p.key = master;
  p.window_size = 1024;
  srtp_t s = NULL;
  return srtp_create(&s, &p) == srtp_err_status_ok ? s : NULL;
}

/* RFC 5764 4.2: client key, server key, client salt, server salt. */
static void
set_keys(sim_webrtc_link *l)
{
  guint8 km[2 * (KEY_LEN + SALT_LEN)];
  const SRTP_PROTECTION_PROFILE *profile = SSL_get_selected_srtp_profile(l->ssl);
  gsize salt = profile && profile->id == SRTP_AEAD_AES_128_GCM ? 12 : SALT_LEN;
  if (!profile || (profile->id != SRTP_AES128_CM_SHA1_80 && profile->id != SRTP_AEAD_AES_128_GCM) ||
      SSL_export_keying_material(l->ssl, km, 2 * (KEY_LEN + salt), "EXTRACTOR-dtls_srtp", 19, NULL, 0, 0) != 1) {
    set_failed(l, "no DTLS-SRTP profile or keys");
    return;
  }
  l->srtp_out = srtp_session(km, km + 2 * KEY_LEN, salt, FALSE);
  l->srtp_in = srtp_session(km + KEY_LEN, km + 2 * KEY_LEN + salt, salt, TRUE);
  if (!l->srtp_in || !l->srtp_out)
    set_failed(l, "libsrtp2 refused the keys");
  else
    l->state = SIM_LINK_CONNECTED;
}

static void
start_dtls(sim_webrtc_link *l)
{
  l->ssl = SSL_new(l->id->ctx);
  l->in = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(l->in, -1);
  BIO *out = BIO_new_dgram(l->fd, BIO_NOCLOSE);
  struct sockaddr_storage peer;
  socklen_t peer_len = sizeof peer;
  getpeername(l->fd, (struct sockaddr *)&peer, &peer_len);
  BIO_ctrl(out, BIO_CTRL_DGRAM_SET_CONNECTED, 0, &peer);
  SSL_set_bio(l->ssl, l->in, out); /* takes both */
  SSL_set_options(l->ssl, SSL_OP_NO_QUERY_MTU);
  DTLS_set_link_mtu(l->ssl, 1200);
  SSL_set_connect_state(l->ssl);
  l->state = SIM_LINK_DTLS;
  (void)SSL_do_handshake(l->ssl);
}

static void
on_dtls(sim_webrtc_link *l, const guint8 *data, gsize len)
{
  if (!l->ssl)
    return;
  BIO_write(l->in, data, (int)len);
  if (l->state == SIM_LINK_DTLS) {
    int r = SSL_do_handshake(l->ssl);
    if (r == 1) {
      if (!fingerprint_matches(l))
        set_failed(l, "the controller's certificate is not the answer's fingerprint");
      else
        set_keys(l);
    } else if (SSL_get_error(l->ssl, r) != SSL_ERROR_WANT_READ) {
      set_failed(l, "DTLS handshake failed");
    }
    return;
  }
  guint8 sink[2048];
  int r = SSL_read(l->ssl, sink, sizeof sink); /* alerts: close_notify ends the call */
  if (r <= 0 && SSL_get_error(l->ssl, r) == SSL_ERROR_ZERO_RETURN)
    set_failed(l, "the controller closed DTLS");
}

guint64 sim_webrtc_link_srtp_failed(const sim_webrtc_link *l) { return l->srtp_failed; }

gsize
sim_webrtc_link_receive(sim_webrtc_link *l, guint8 *data, gsize len, gboolean decrypt, gboolean *rtcp)
{
  if (len < 2 || l->state == SIM_LINK_FAILED)
    return 0;
  if (data[0] <= 3) {
    /* A binding success response (0x0101) to one of our checks. */
    if (len >= 20 && data[0] == 0x01 && data[1] == 0x01 && l->state == SIM_LINK_CHECKING)
      start_dtls(l);
    return 0;
  }
  if (data[0] >= 20 && data[0] <= 63) {
    on_dtls(l, data, len);
    return 0;
  }
  if (data[0] < 128 || data[0] > 191 || l->state != SIM_LINK_CONNECTED)
    return 0;
  *rtcp = data[1] >= 192 && data[1] <= 223;
  if (!*rtcp && !decrypt)
    return len;
  int n = (int)len;
  srtp_err_status_t e = *rtcp ? srtp_unprotect_rtcp(l->srtp_in, data, &n) : srtp_unprotect(l->srtp_in, data, &n);
  if (e != srtp_err_status_ok) {
    l->srtp_failed++;
    return 0;
  }
  return (gsize)n;
}

gboolean
sim_webrtc_link_send(sim_webrtc_link *l, guint8 *data, gsize len, gboolean rtcp)
{
  if (l->state != SIM_LINK_CONNECTED)
    return FALSE;
  int n = (int)len;
  srtp_err_status_t e = rtcp ? srtp_protect_rtcp(l->srtp_out, data, &n) : srtp_protect(l->srtp_out, data, &n);
  return e == srtp_err_status_ok && send(l->fd, data, (size_t)n, 0) == n;
}
