/* sim-site — one site's sending, receiving and faults. */
#include "devices/sim/sim-site.h"

#include "devices/sim/sim-rtp.h"
#include "base/srtp-openssl.h"

#include <errno.h>
#include <gio/gio.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#define GARBAGE_PER_SECOND 50.0
#define PLI_INTERVAL_US G_USEC_PER_SEC

static guint64
next_random(sim_site *s)
{
  /* xorshift64*: cheap and good enough for drop decisions and noise */
  s->rng ^= s->rng >> 12;
  s->rng ^= s->rng << 25;
  s->rng ^= s->rng >> 27;
  return s->rng * 0x2545F4914F6CDD1DULL;
}

static double
random_unit(sim_site *s)
{
  return (next_random(s) >> 11) * (1.0 / 9007199254740992.0);
}

static int
open_socket(const struct sockaddr *bind_addr, socklen_t bind_len, guint16 *port, GError **error)
{
  int fd = socket(bind_addr->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    int e = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "socket: %s", g_strerror(e));
    return -1;
  }
  int size = 1 << 20; /* the kernel caps this at net.core.[rw]mem_max */
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  /* The kernel's arrival time of each datagram: what the site measures
   * (latency, keyframe arrival) is the network's and the controller's,
   * not the time this process took to get to its sockets. */
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  struct sockaddr_storage local;
  socklen_t local_len = sizeof local;
  if (bind(fd, bind_addr, bind_len) < 0 || getsockname(fd, (struct sockaddr *)&local, &local_len) < 0) {
    int e = errno;
    close(fd);
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "bind: %s", g_strerror(e));
    return -1;
  }
  *port = ntohs(local.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&local)->sin6_port
                                            : ((struct sockaddr_in *)&local)->sin_port);
  return fd;
}

sim_site *
sim_site_new(const char *code, const char *title, const sim_clip *live, const sim_clip *frozen,
             const struct sockaddr *bind_addr, socklen_t bind_len, GError **error)
{
  sim_site *s = g_new0(sim_site, 1);
  s->code = g_strdup(code);
  s->title = g_strdup(title);
  s->live = live;
  s->frozen = frozen;
  s->fd[0] = s->fd[1] = s->rtcp_fd[0] = s->rtcp_fd[1] = -1;
  s->ssrc[SIM_VIDEO] = rc_rtp_site_ssrc(code, FALSE);
  s->ssrc[SIM_AUDIO] = rc_rtp_site_ssrc(code, TRUE);
  s->rng = ((guint64)s->ssrc[SIM_VIDEO] << 32 | s->ssrc[SIM_AUDIO]) ^ (guint64)g_get_real_time();
  for (int m = 0; m < 2; m++) {
    s->seq[m] = (guint16)next_random(s);
    s->timestamp[m] = (guint32)next_random(s);
    s->fd[m] = open_socket(bind_addr, bind_len, &s->local_port[m], error);
    if (s->fd[m] < 0) {
      g_prefix_error(error, "site %s: ", code);
      sim_site_free(s);
      return NULL;
    }
  }
  s->keyframe_wanted = TRUE;
  return s;
}

void
sim_site_free(sim_site *s)
{
  if (!s)
    return;
  for (int m = 0; m < 2; m++) {
    if (s->fd[m] >= 0)
      close(s->fd[m]);
    if (s->rtcp_fd[m] >= 0)
      close(s->rtcp_fd[m]);
  }
  if (s->call)
    for (int m = 0; m < 2; m++) {
      if (s->call->srtp_in[m])
        srtp_dealloc(s->call->srtp_in[m]);
      if (s->call->srtp_out[m])
        srtp_dealloc(s->call->srtp_out[m]);
    }
  g_free(s->call);
  for (int m = 0; m < 2; m++) {
    if (s->key_in[m])
      srtp_dealloc(s->key_in[m]);
    if (s->key_out[m])
      srtp_dealloc(s->key_out[m]);
  }
  g_free(s->code);
  g_free(s->title);
  g_free(s);
}

gboolean
sim_site_open_rtcp(sim_site *s, const struct sockaddr *bind_addr, socklen_t bind_len, GError **error)
{
  for (int m = 0; m < 2; m++) {
    for (int tries = 0; s->rtcp_fd[m] < 0; tries++) {
      struct sockaddr_storage at;
      memcpy(&at, bind_addr, bind_len);
      guint16 port = s->local_port[m] + 1, got;
      if (at.ss_family == AF_INET6)
        ((struct sockaddr_in6 *)&at)->sin6_port = htons(port);
      else
        ((struct sockaddr_in *)&at)->sin_port = htons(port);
      g_autoptr(GError) taken = NULL;
      if (port != 0 && (s->rtcp_fd[m] = open_socket((struct sockaddr *)&at, bind_len, &got, &taken)) >= 0)
        break;
      if (tries == 50) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE, "site %s: no free RTP/RTCP port pair", s->code);
        return FALSE;
      }
      close(s->fd[m]); /* the next port is taken: another RTP port */
      if ((s->fd[m] = open_socket(bind_addr, bind_len, &s->local_port[m], error)) < 0)
        return FALSE;
    }
  }
  return TRUE;
}

/* Puts one packet on its way, through the loss and jitter faults. */
static void
emit(sim_site *s, const sim_site_env *env, int fd, const struct sockaddr_storage *dest, gint64 now_us,
     const guint8 *header, guint header_len, const guint8 *payload, guint payload_len)
{
  if (s->faults.loss_percent > 0 && random_unit(s) * 100.0 < s->faults.loss_percent) {
    s->counters.dropped_packets++;
    return;
  }
  s->counters.sent_packets++;
  s->counters.sent_bytes += header_len + payload_len;
  if (s->faults.jitter_ms > 0) {
    gint64 due = now_us + (gint64)(next_random(s) % (s->faults.jitter_ms * 1000ull + 1));
    sim_sender_delay(env->sender, due, &s->faults.disconnect, fd, (const struct sockaddr *)dest,
                     env->dest_len, header, header_len, payload, payload_len);
  } else {
    sim_sender_add(env->sender, fd, (const struct sockaddr *)dest, env->dest_len, header, header_len,
                   payload, payload_len);
  }
}

/* Whether the site sends nothing and ignores what arrives. */
static gboolean
silent(const sim_site *s)
{
  return s->faults.disconnect || (s->call && !s->call->up);
}

/* A SIP site's packet: whole in the sender's slot, SRTP-protected there
 * when the call is secure (the loss fault applies, the jitter fault not). */
static void
emit_call(sim_site *s, const sim_site_env *env, sim_medium m, const guint8 *header, guint header_len,
          const guint8 *payload, guint payload_len)
{
  sim_site_call *c = s->call;
  if (header_len + payload_len + SRTP_MAX_TRAILER_LEN > SIM_SENDER_PACKET_MAX)
    return;
  if (s->faults.loss_percent > 0 && random_unit(s) * 100.0 < s->faults.loss_percent) {
    s->counters.dropped_packets++;
    return;
  }
  guint8 *buf = sim_sender_reserve(env->sender, s->fd[m], (const struct sockaddr *)&c->rtp_dest[m], c->dest_len);
  memcpy(buf, header, header_len);
  memcpy(buf + header_len, payload, payload_len);
  int n = (int)(header_len + payload_len);
  if (c->srtp_out[m] && srtp_protect(c->srtp_out[m], buf, &n) != srtp_err_status_ok)
    n = 0;
  sim_sender_commit(env->sender, (guint)n);
  s->counters.sent_packets++;
  s->counters.sent_bytes += (guint)n;
}

gboolean
sim_site_set_key(sim_site *s, const rc_srtp_key *key, GError **error)
{
  if (!rc_srtp_init(NULL)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "libsrtp2 does not start");
    return FALSE;
  }
  for (int m = 0; m < 2; m++)
    if (!(s->key_in[m] = rc_srtp_sdes_new(key->suite, key->bytes, TRUE, error)) ||
        !(s->key_out[m] = rc_srtp_sdes_new(key->suite, key->bytes, FALSE, error)))
      return FALSE;
  return TRUE;
}

/* A keyed plain site's packet: whole in the sender's slot, protected there
 * (the loss fault applies, the jitter fault not: as a SIP site's). */
static void
emit_keyed(sim_site *s, const sim_site_env *env, sim_medium m, const guint8 *header, guint header_len,
           const guint8 *payload, guint payload_len)
{
  if (header_len + payload_len + SRTP_MAX_TRAILER_LEN > SIM_SENDER_PACKET_MAX)
    return;
  if (s->faults.loss_percent > 0 && random_unit(s) * 100.0 < s->faults.loss_percent) {
    s->counters.dropped_packets++;
    return;
  }
  guint8 *buf = sim_sender_reserve(env->sender, s->fd[m], (const struct sockaddr *)&env->rtp_dest[m], env->dest_len);
  memcpy(buf, header, header_len);
  memcpy(buf + header_len, payload, payload_len);
  int n = (int)(header_len + payload_len);
  if (srtp_protect(s->key_out[m], buf, &n) != srtp_err_status_ok)
    n = 0;
  sim_sender_commit(env->sender, (guint)n);
  s->counters.sent_packets++;
  s->counters.sent_bytes += (guint)n;
}

/* Sends one RTCP packet of @len bytes in @buf (room for the SRTCP trailer after it). */
static gboolean
send_rtcp_packet(sim_site *s, const sim_site_env *env, sim_medium m, guint8 *buf, gsize len)
{
  int keyed = (int)len;
  if (!s->call && s->key_out[m] && srtp_protect_rtcp(s->key_out[m], buf, &keyed) != srtp_err_status_ok)
    return FALSE;
  len = (gsize)keyed;
  if (!s->call || s->rtcp_fd[m] < 0)
    return sim_sender_send_now(env->sender, s->fd[m], (const struct sockaddr *)&env->rtcp_dest[m], env->dest_len,
                               buf, len);
  int n = (int)len;
  if (s->call->srtp_out[m] && srtp_protect_rtcp(s->call->srtp_out[m], buf, &n) != srtp_err_status_ok)
    return FALSE;
  return sim_sender_send_now(env->sender, s->rtcp_fd[m], (const struct sockaddr *)&s->call->rtcp_dest[m],
                             s->call->dest_len, buf, (gsize)n);
}

/* Sends frame @index of @clip as RTP on @medium with the current timestamp. */
static void
send_frame(sim_site *s, const sim_site_env *env, sim_medium m, const sim_clip *clip, guint index,
           gint64 now_us, gint64 now_real_us)
{
  const sim_clip_frame *f = &clip->frames[index];
  guint8 header[SIM_RTP_HEADER_LEN];
  for (guint i = 0; i < f->n_packets; i++) {
    const sim_clip_packet *p = &clip->packets[f->first_packet + i];
    guint8 pt = s->call ? s->call->pt[m] : m == SIM_VIDEO ? SIM_PT_H264 : SIM_PT_OPUS;
    sim_rtp_write_header(header, pt, p->marker, s->seq[m]++, s->timestamp[m], s->ssrc[m], (guint64)now_real_us);
    if (s->call)
      emit_call(s, env, m, header, sizeof header, clip->data + p->offset, p->len);
    else if (s->key_out[m])
      emit_keyed(s, env, m, header, sizeof header, clip->data + p->offset, p->len);
    else
      emit(s, env, s->fd[m], &env->rtp_dest[m], now_us, header, sizeof header, clip->data + p->offset, p->len);
    s->sr_packets[m]++;
    s->sr_octets[m] += p->len;
  }
}

void
sim_site_send_video(sim_site *s, const sim_site_env *env, gint64 now_us, gint64 now_real_us)
{
  const sim_clip *clip = s->faults.freeze ? s->frozen : s->live;
  if (s->on_frozen != s->faults.freeze) { /* the other clip starts at its IDR */
    s->on_frozen = s->faults.freeze;
    s->keyframe_wanted = TRUE;
  }
  if (!silent(s)) {
    if (s->keyframe_wanted) {
      s->video_frame = 0; /* every clip starts with SPS, PPS and an IDR */
      s->keyframe_wanted = FALSE;
      if (s->counters.pli_pending_since_us) {
        s->counters.pli_answered_request_us = s->counters.pli_pending_since_us;
        s->counters.pli_answered_at_us = now_real_us;
        s->counters.pli_pending_since_us = 0;
      }
    }
    send_frame(s, env, SIM_VIDEO, clip, s->video_frame % clip->n_frames, now_us, now_real_us);
  }
  s->video_frame = (s->video_frame + 1) % clip->n_frames;
  s->timestamp[SIM_VIDEO] += 90000 / env->fps;
}

void
sim_site_send_audio(sim_site *s, const sim_site_env *env, gint64 now_us, gint64 now_real_us)
{
  gboolean g722 = s->call && s->call->g722 && env->g722;
  const sim_clip *clip = g722 ? env->g722 : s->faults.silence ? env->silence : env->tone;
  guint index = s->audio_frame % clip->n_frames;
  if (!silent(s))
    send_frame(s, env, SIM_AUDIO, clip, index, now_us, now_real_us);
  s->audio_frame = index + 1;
  s->timestamp[SIM_AUDIO] += g722 ? 160 : 960; /* 20 ms at 8 kHz (G.722's RTP clock) or 48 kHz */
}

/* Flood: valid RTP in the site's own video sequence carrying H.264 filler
 * NAL units, which decoders skip; it tests bitrate policing, not parsing. */
static void
send_flood(sim_site *s, const sim_site_env *env, gint64 now_us, gint64 now_real_us, gint64 elapsed_us)
{
  const double size = SIM_RTP_HEADER_LEN + SIM_FILLER_LEN;
  s->flood_credit += s->faults.flood_mbps * 1e6 / 8.0 * (double)elapsed_us / 1e6;
  s->flood_credit = MIN(s->flood_credit, 256 * size); /* no bursts after a stall */
  guint8 header[SIM_RTP_HEADER_LEN];
  for (; s->flood_credit >= size; s->flood_credit -= size) {
    sim_rtp_write_header(header, SIM_PT_H264, FALSE, s->seq[SIM_VIDEO]++, s->timestamp[SIM_VIDEO],
                         s->ssrc[SIM_VIDEO], (guint64)now_real_us);
    emit(s, env, s->fd[SIM_VIDEO], &env->rtp_dest[SIM_VIDEO], now_us, header, sizeof header, env->filler,
         SIM_FILLER_LEN);
  }
}

/* Garbage: random bytes whose first byte is not RTP/RTCP version 2, sent in
 * turn to the four controller ports. */
static void
send_garbage(sim_site *s, const sim_site_env *env, gint64 now_us, gint64 elapsed_us)
{
  s->garbage_credit = MIN(s->garbage_credit + GARBAGE_PER_SECOND * (double)elapsed_us / 1e6, 16.0);
  for (; s->garbage_credit >= 1.0; s->garbage_credit -= 1.0) {
    guint64 r = next_random(s);
    guint8 first = (guint8)(r & 0x3F);
    guint len = (guint)((r >> 8) % 1400);
    guint off = (guint)((r >> 24) % (SIM_NOISE_LEN - 1400));
    sim_medium m = (r >> 50) & 1;
    const struct sockaddr_storage *dest = (r >> 51) & 1 ? &env->rtcp_dest[m] : &env->rtp_dest[m];
    emit(s, env, s->fd[m], dest, now_us, &first, 1, env->noise + off, len);
  }
}

void
sim_site_send_extra(sim_site *s, const sim_site_env *env, gint64 now_us, gint64 now_real_us, gint64 elapsed_us)
{
  if (silent(s) || s->call) /* flood and garbage: plain RTP sites only */
    return;
  if (s->faults.flood_mbps > 0)
    send_flood(s, env, now_us, now_real_us, elapsed_us);
  if (s->faults.garbage)
    send_garbage(s, env, now_us, elapsed_us);
}

void
sim_site_send_rtcp(sim_site *s, const sim_site_env *env, gint64 now_real_us)
{
  if (silent(s))
    return;
  for (int m = 0; m < 2; m++) {
    sim_rtcp_sender sender = {s->ssrc[m], (guint64)now_real_us, s->timestamp[m], s->sr_packets[m],
                              s->sr_octets[m]};
    sim_seq_tracker *t = &s->program[m];
    sim_rtcp_report_block block = {
        s->call ? s->call->program_ssrc[m] : m == SIM_VIDEO ? SIM_PROGRAM_VIDEO_SSRC : SIM_PROGRAM_AUDIO_SSRC,
        sim_seq_take_fraction_lost(t),
        (gint32)MIN(sim_seq_lost(t), (guint64)G_MAXINT32), sim_seq_extended_max(t), sim_seq_jitter(t)};
    guint8 buf[512 + SRTP_MAX_TRAILER_LEN];
    gsize len = sim_rtcp_write_report(buf, 512, &sender, t->started ? &block : NULL, s->code);
    if (len)
      send_rtcp_packet(s, env, m, buf, len);
  }
}

/* Asks for a program keyframe when none was seen yet or video was lost,
 * at most once per second. */
static void
maybe_request_keyframe(sim_site *s, const sim_site_env *env, gint64 now_real_us)
{
  guint64 lost = sim_seq_lost(&s->program[SIM_VIDEO]);
  if (!env->program_pli || (s->seen_keyframe && lost == s->lost_at_last_pli) ||
      now_real_us - s->last_pli_us < PLI_INTERVAL_US)
    return;
  guint8 pli[12 + SRTP_MAX_TRAILER_LEN];
  gsize len = rc_rtcp_build_pli(pli, s->ssrc[SIM_VIDEO], s->call ? s->call->program_ssrc[SIM_VIDEO] : SIM_PROGRAM_VIDEO_SSRC);
  if (send_rtcp_packet(s, env, SIM_VIDEO, pli, len))
    s->counters.plis_sent++;
  s->last_pli_us = now_real_us;
  s->lost_at_last_pli = lost;
}

static void
receive_video(sim_site *s, const sim_site_env *env, const sim_rtp_info *rtp, gint64 now_real_us)
{
  if (rtp->marker)
    s->counters.recv_frames++;
  if (rc_h264_starts_keyframe(rtp->payload, rtp->payload_len) &&
      (!s->seen_keyframe || rtp->timestamp != s->last_keyframe_ts)) {
    s->counters.keyframes_received++;
    s->counters.last_keyframe_real_us = now_real_us;
    s->seen_keyframe = TRUE;
    s->last_keyframe_ts = rtp->timestamp;
    if (rtp->has_source && rtp->source_ssrc != s->counters.keyframe_source) {
      s->counters.keyframe_source = rtp->source_ssrc;
      s->counters.keyframe_source_since_us = now_real_us;
    }
  }
  maybe_request_keyframe(s, env, now_real_us);
}

static void
receive_rtcp(sim_site *s, const guint8 *data, gsize len, gint64 now_real_us)
{
  s->counters.rtcp_received++;
  guint requests = sim_rtcp_count_keyframe_requests(data, len, s->ssrc[SIM_VIDEO]);
  if (requests) {
    s->counters.plis_received += requests;
    if (!s->counters.pli_pending_since_us)
      s->counters.pli_pending_since_us = now_real_us;
    s->keyframe_wanted = TRUE; /* the next video frame is the IDR */
  }
}

void
sim_site_receive(sim_site *s, const sim_site_env *env, sim_medium m, const guint8 *data, gsize len,
                 gint64 now_real_us)
{
  if (silent(s))
    return;
  guint8 clear[2048];
  gboolean rtcp = rc_rtp_is_rtcp(data, len);
  if (s->call && s->call->srtp_in[m]) { /* decrypted in a copy: @data is the engine's */
    int n = (int)MIN(len, sizeof clear);
    memcpy(clear, data, (gsize)n);
    srtp_err_status_t e =
        rtcp ? srtp_unprotect_rtcp(s->call->srtp_in[m], clear, &n) : srtp_unprotect(s->call->srtp_in[m], clear, &n);
    if (e != srtp_err_status_ok) {
      s->call->srtp_failed++;
      s->call->srtp_failed_rtcp += rtcp;
      s->call->srtp_last_error = e;
      return;
    }
    data = clear, len = (gsize)n;
  } else if (!s->call && s->key_in[m]) {
    int n = (int)MIN(len, sizeof clear);
    memcpy(clear, data, (gsize)n);
    if ((rtcp ? srtp_unprotect_rtcp(s->key_in[m], clear, &n) : srtp_unprotect(s->key_in[m], clear, &n)) !=
        srtp_err_status_ok) {
      s->key_failed++;
      return;
    }
    data = clear, len = (gsize)n;
  }
  if (rtcp) {
    receive_rtcp(s, data, len, now_real_us);
    return;
  }
  sim_rtp_info rtp;
  guint32 program = m == SIM_VIDEO ? SIM_PROGRAM_VIDEO_SSRC : SIM_PROGRAM_AUDIO_SSRC;
  if (s->call && sim_rtp_parse(data, len, &rtp))
    program = s->call->program_ssrc[m] = rtp.ssrc; /* the controller's SSRC for this site: its choice */
  if (!sim_rtp_parse(data, len, &rtp) || rtp.ssrc != program) {
    s->counters.recv_ignored++;
    return;
  }
  s->counters.recv_packets++;
  s->counters.recv_bytes += len;
  guint clock = m == SIM_VIDEO ? 90000 : s->call && s->call->g722 ? 8000 : 48000;
  sim_seq_update(&s->program[m], rtp.seq, rtp.timestamp, now_real_us, clock);
  if (rtp.has_send_time) {
    gint64 latency = now_real_us - (gint64)rtp.send_time_us;
    sim_latency_add(&s->latency, latency);
    if (env->all_latency)
      sim_latency_add(env->all_latency, latency);
  }
  if (m == SIM_VIDEO)
    receive_video(s, env, &rtp, now_real_us);
}

void
sim_site_set_faults(sim_site *s, const sim_faults *faults)
{
  if (s->faults.disconnect && !faults->disconnect)
    s->keyframe_wanted = TRUE; /* a site that comes back starts with an IDR */
  s->faults = *faults;
}

static json_t *
faults_json(const sim_faults *f)
{
  return json_pack("{s:f, s:I, s:b, s:b, s:b, s:f, s:b}", "loss", f->loss_percent, "jitter_ms",
                   (json_int_t)f->jitter_ms, "freeze", f->freeze, "silence", f->silence, "disconnect",
                   f->disconnect, "flood_mbps", f->flood_mbps, "garbage", f->garbage);
}

static json_t *
latency_json(const sim_latency_window *w, double q)
{
  double ms;
  return sim_latency_quantile(w, q, &ms) ? json_real(ms) : json_null();
}

/* Unix milliseconds of a wall-clock microsecond time, null when unset. */
static json_t *
ms_or_null(gint64 real_us)
{
  return real_us ? json_real((double)real_us / 1000.0) : json_null();
}

json_t *
sim_site_stats(const sim_site *s)
{
  const sim_site_counters *c = &s->counters;
  json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "code", s->code,
                        "sent_packets", (json_int_t)c->sent_packets, "sent_bytes", (json_int_t)c->sent_bytes,
                        "dropped_packets", (json_int_t)c->dropped_packets, "recv_packets",
                        (json_int_t)c->recv_packets, "recv_bytes", (json_int_t)c->recv_bytes, "recv_frames",
                        (json_int_t)c->recv_frames, "keyframes_received", (json_int_t)c->keyframes_received,
                        "plis_received", (json_int_t)c->plis_received, "plis_sent", (json_int_t)c->plis_sent,
                        "rtcp_received", (json_int_t)c->rtcp_received, "recv_ignored",
                        (json_int_t)c->recv_ignored);
  guint64 lost = sim_seq_lost(&s->program[SIM_VIDEO]) + sim_seq_lost(&s->program[SIM_AUDIO]);
  json_object_set_new(o, "recv_lost", json_integer((json_int_t)lost));
  /* When (Unix ms) the last program keyframe arrived: the benchmark's floor
   * switch time, without the delay of its own polling. */
  json_object_set_new(o, "last_keyframe_at_ms",
                      ms_or_null(c->last_keyframe_real_us));
  json_object_set_new(o, "keyframe_source_ssrc", json_integer(c->keyframe_source));
  json_object_set_new(o, "keyframe_source_since_ms", ms_or_null(c->keyframe_source_since_us));
  json_object_set_new(o, "pli_answered_request_ms", ms_or_null(c->pli_answered_request_us));
  json_object_set_new(o, "pli_answered_at_ms", ms_or_null(c->pli_answered_at_us));
  json_object_set_new(o, "latency_p50_ms", latency_json(&s->latency, 0.5));
  json_object_set_new(o, "latency_p99_ms", latency_json(&s->latency, 0.99));
  json_object_set_new(o, "video_ssrc", json_integer(s->ssrc[SIM_VIDEO]));
  json_object_set_new(o, "audio_ssrc", json_integer(s->ssrc[SIM_AUDIO]));
  json_object_set_new(o, "video_port", json_integer(s->local_port[SIM_VIDEO]));
  json_object_set_new(o, "audio_port", json_integer(s->local_port[SIM_AUDIO]));
  json_object_set_new(o, "faults", faults_json(&s->faults));
  if (s->call)
    json_object_set_new(o, "call", json_pack("{s:b, s:s, s:b, s:I, s:I, s:i, s:I}", "up", s->call->up, "audio_codec",
                                             s->call->g722 ? "G722" : "opus", "srtp", s->call->srtp_out[0] != NULL,
                                             "srtp_failed", (json_int_t)s->call->srtp_failed, "srtp_failed_rtcp",
                                             (json_int_t)s->call->srtp_failed_rtcp, "srtp_last_error",
                                             s->call->srtp_last_error, "calls", (json_int_t)s->call->calls));
  else if (s->key_out[0])
    json_object_set_new(o, "srtp", json_pack("{s:I}", "failed", (json_int_t)s->key_failed));
  return o;
}
