/* sim-webrtc — WHEP viewers and WHIP publishers for load; see sim-webrtc.h.
 * Each peer's HTTP fields are written by one worker and read by the loop
 * only after the peer came back through the @answered queue. */
#include "devices/sim/sim-webrtc.h"
#include "devices/sim/sim-http.h"
#include "devices/sim/sim-rtp.h"
#include "devices/sim/sim-stats.h"
#include "devices/sim/sim-webrtc-link.h"

#include <errno.h>
#include <gio/gio.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define HTTP_WORKERS 16
#define BEHIND_MAX_US (200 * 1000) /* a publisher this late skips frames instead of bursting */
#define BATCH 32
#define SLOT 2048
#define PLI_EVERY_US (500 * 1000)
#define AUDIO_FRAME_US (20 * 1000)
#define LATENCY_SAMPLES_MAX 50000

typedef struct {
  guint index;
  const char *token;
  sim_webrtc_link *link;
  char *offer;
  /* written by a worker, read after the queue */
  int http_status;
  char *http_body, *location, *http_error;
  /* monotonic µs */
  gint64 due_us, offer_us, answer_us, connected_us, keyframe_us, next_pli_us;
  gboolean finished; /* connected or failed: counted once */
  /* viewer */
  guint64 video_packets, audio_packets, plis_sent;
  sim_seq_tracker video_seq, audio_seq;
  GArray *latency_ms; /* float, since the window began */
  guint64 window_packets, window_lost; /* the counts when the window began */
  /* publisher */
  guint32 ssrc[2];
  guint16 seq[2];
  guint32 ts[2];
  guint frame, tone_frame;
  gint64 next_video_us, next_audio_us;
  gboolean want_keyframe;
  guint64 sent, send_failed, keyframe_requests, late_skips;
} peer;

typedef struct {
  const sim_webrtc_options *o;
  sim_webrtc_identity *id;
  peer *peers;
  struct pollfd *fds;
  GThreadPool *pool;
  GAsyncQueue *answered;
  guint finished, connected;
  gint64 t0_us;
} load;

static volatile sig_atomic_t stop_requested, window_requested;

static void
on_stop_signal(int sig)
{
  (void)sig;
  stop_requested = 1;
}

/* SIGUSR1: a measurement window begins (latency samples kept from now on). */
static void
on_window_signal(int sig)
{
  (void)sig;
  window_requested = 1;
}

/* ---- offers (worker threads) ---- */

static void
post_offer(gpointer data, gpointer user_data)
{
  peer *p = data;
  load *l = user_data;
  g_auto(sim_http_response) r = {0};
  g_autoptr(GError) error = NULL;
  p->offer_us = g_get_monotonic_time(); /* the POST leaves now, not when it was queued */
  if (sim_http_request("POST", l->o->url, p->token, "application/sdp", p->offer, &r, &error)) {
    p->http_status = r.status;
    p->http_body = g_steal_pointer(&r.body);
    p->location = g_steal_pointer(&r.location);
  } else {
    p->http_error = g_strdup(error->message);
  }
  p->answer_us = g_get_monotonic_time();
  g_async_queue_push(l->answered, p);
}

static void
finish(load *l, peer *p)
{
  if (p->finished)
    return;
  p->finished = TRUE;
  l->finished++;
  if (sim_webrtc_link_state(p->link) == SIM_LINK_CONNECTED)
    l->connected++;
  if (l->finished == l->o->count) {
    /* The benchmark waits for this line. */
    printf("joined connected=%u failed=%u after_ms=%" G_GINT64_FORMAT "\n", l->connected, l->finished - l->connected,
           (g_get_monotonic_time() - l->t0_us) / 1000);
    fflush(stdout);
  }
}

static void
on_answered(load *l, peer *p, gint64 now)
{
  sim_sdp_answer answer;
  g_autoptr(GError) error = NULL;
  if (p->http_status == 201 && p->http_body && sim_sdp_answer_read(p->http_body, &answer, &error)) {
    sim_webrtc_link_start(p->link, &answer, now);
    if (sim_webrtc_link_state(p->link) == SIM_LINK_FAILED)
      finish(l, p);
    return;
  }
  if (!p->http_error)
    p->http_error = g_strdup_printf("HTTP %d: %.200s", p->http_status,
                                    error ? error->message : p->http_body ? p->http_body : "");
  if (!l->o->quiet)
    g_printerr("roomctl-sim: peer %u: %s\n", p->index, p->http_error);
  finish(l, p);
}

/* ---- media ---- */

static void
begin_window(load *l)
{
  for (guint i = 0; i < l->o->count; i++) {
    peer *p = &l->peers[i];
    g_array_set_size(p->latency_ms, 0);
    p->window_packets = p->video_packets + p->audio_packets;
    p->window_lost = sim_seq_lost(&p->video_seq) + sim_seq_lost(&p->audio_seq);
  }
}

static void
send_pli(peer *p)
{
  guint8 buf[12 + SIM_WEBRTC_TRAILER];
  gsize n = rc_rtcp_build_pli(buf, 0x5EE00000u + p->index, sim_webrtc_link_answer(p->link)->video_ssrc);
  if (sim_webrtc_link_send(p->link, buf, n, TRUE))
    p->plis_sent++;
}

static void
on_viewer_rtp(peer *p, const guint8 *data, gsize len, gboolean decrypted, gint64 now, gint64 real_now)
{
  sim_rtp_info info;
  const sim_sdp_answer *a = sim_webrtc_link_answer(p->link);
  if (!sim_rtp_parse(data, len, &info))
    return;
  if (info.pt == a->audio_pt) {
    p->audio_packets++;
    sim_seq_update(&p->audio_seq, info.seq, info.timestamp, real_now, 48000);
    return;
  }
  if (info.pt != a->video_pt)
    return;
  p->video_packets++;
  sim_seq_update(&p->video_seq, info.seq, info.timestamp, real_now, 90000);
  if (decrypted && !p->keyframe_us && rc_h264_starts_keyframe(info.payload, info.payload_len))
    p->keyframe_us = now;
  if (info.has_send_time && p->latency_ms->len < LATENCY_SAMPLES_MAX) {
    float ms = (float)(real_now - (gint64)info.send_time_us) / 1000.0f;
    g_array_append_val(p->latency_ms, ms);
  }
}

/* A publisher answers the controller's PLI and FIR with its next frame a keyframe. */
static void
on_publisher_rtcp(peer *p, const guint8 *data, gsize len)
{
  gsize off = 0;
  while (off + 4 <= len) {
    gsize size = 4u * ((gsize)(data[off + 2] << 8 | data[off + 3]) + 1u);
    guint fmt = data[off] & 0x1F;
    if (data[off + 1] == 206 && (fmt == 1 || fmt == 4)) {
      p->want_keyframe = TRUE;
      p->keyframe_requests++;
    }
    off += size;
  }
}

static void
on_datagram(load *l, peer *p, guint8 *data, gsize len, gint64 now, gint64 real_now)
{
  sim_link_state before = sim_webrtc_link_state(p->link);
  gboolean rtcp = FALSE;
  guint every = MAX(l->o->decrypt_every, 1);
  gboolean decrypt = l->o->publish || !p->keyframe_us || (p->video_packets + p->audio_packets) % every == 0;
  gsize n = sim_webrtc_link_receive(p->link, data, len, decrypt, &rtcp);
  sim_link_state after = sim_webrtc_link_state(p->link);
  if (after != before && after == SIM_LINK_CONNECTED) {
    p->connected_us = now;
    p->next_video_us = p->next_audio_us = now;
    finish(l, p);
  } else if (after == SIM_LINK_FAILED) {
    finish(l, p);
  }
  if (!n)
    return;
  if (l->o->publish && rtcp)
    on_publisher_rtcp(p, data, n);
  else if (!l->o->publish && !rtcp)
    on_viewer_rtp(p, data, n, decrypt, now, real_now);
}

static void
read_socket(load *l, peer *p)
{
  static guint8 bufs[BATCH][SLOT];
  static guint8 controls[BATCH][CMSG_SPACE(sizeof(struct timespec))];
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  for (;;) {
    for (guint i = 0; i < BATCH; i++) {
      iov[i] = (struct iovec){bufs[i], SLOT};
      msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1, .msg_control = controls[i],
                                             .msg_controllen = sizeof controls[i]}};
    }
    int r = recvmmsg(sim_webrtc_link_fd(p->link), msgs, BATCH, MSG_DONTWAIT, NULL);
    if (r <= 0)
      return;
    gint64 now = g_get_monotonic_time(), real_now = g_get_real_time();
    for (int i = 0; i < r; i++)
      on_datagram(l, p, bufs[i], msgs[i].msg_len, now, sim_arrival_us(&msgs[i].msg_hdr, real_now));
    if (r < BATCH)
      return;
  }
}

static void
send_rtp(peer *p, gboolean audio, gboolean marker, const guint8 *payload, guint len, gint64 real_now)
{
  guint8 buf[SIM_RTP_HEADER_LEN + 1500 + SIM_WEBRTC_TRAILER];
  const sim_sdp_answer *a = sim_webrtc_link_answer(p->link);
  if (len > 1500)
    return;
  sim_rtp_write_header(buf, (guint8)(audio ? a->audio_pt : a->video_pt), marker, p->seq[audio]++, p->ts[audio],
                       p->ssrc[audio], (guint64)real_now);
  memcpy(buf + SIM_RTP_HEADER_LEN, payload, len);
  if (sim_webrtc_link_send(p->link, buf, SIM_RTP_HEADER_LEN + len, FALSE))
    p->sent++;
  else
    p->send_failed++;
}

/* Sends the frames and audio packets due by @now. */
static void
publish_due(const sim_webrtc_options *o, peer *p, gint64 now, gint64 real_now)
{
  const sim_clip *video = o->material->live->pdata[0], *tone = o->material->tone;
  const sim_sdp_answer *a = sim_webrtc_link_answer(p->link);
  if (now - p->next_video_us > BEHIND_MAX_US) {
    p->next_video_us = now; /* starved of CPU: late frames are skipped, as an encoder would */
    p->next_audio_us = now;
    p->late_skips++;
  }
  while (a->video_pt >= 0 && now >= p->next_video_us) {
    if (p->want_keyframe) {
      p->frame = 0; /* the loop's first frame is its IDR */
      p->want_keyframe = FALSE;
    }
    const sim_clip_frame *f = &video->frames[p->frame];
    for (guint k = 0; k < f->n_packets; k++) {
      const sim_clip_packet *pk = &video->packets[f->first_packet + k];
      send_rtp(p, FALSE, pk->marker, video->data + pk->offset, pk->len, real_now);
    }
    p->ts[0] += 90000 / o->fps;
    p->frame = (p->frame + 1) % video->n_frames;
    p->next_video_us += G_USEC_PER_SEC / o->fps;
  }
  while (a->audio_pt >= 0 && now >= p->next_audio_us) {
    const sim_clip_packet *pk = &tone->packets[tone->frames[p->tone_frame].first_packet];
    send_rtp(p, TRUE, FALSE, tone->data + pk->offset, pk->len, real_now);
    p->ts[1] += 960;
    p->tone_frame = (p->tone_frame + 1) % tone->n_frames;
    p->next_audio_us += AUDIO_FRAME_US;
  }
}

/* ---- the loop ---- */

static void
tick(load *l, gint64 now)
{
  const sim_webrtc_options *o = l->o;
  gint64 real_now = g_get_real_time();
  for (guint i = 0; i < o->count; i++) {
    peer *p = &l->peers[i];
    sim_link_state s = sim_webrtc_link_state(p->link);
    if (s == SIM_LINK_NEW || s == SIM_LINK_FAILED)
      continue;
    sim_webrtc_link_tick(p->link, now);
    if (sim_webrtc_link_state(p->link) == SIM_LINK_FAILED) {
      finish(l, p);
      continue;
    }
    if (s != SIM_LINK_CONNECTED)
      continue;
    if (o->publish)
      publish_due(o, p, now, real_now);
    else if (!p->keyframe_us && now >= p->next_pli_us) { /* asked at once, again until one comes */
      send_pli(p);
      p->next_pli_us = now + PLI_EVERY_US;
    }
  }
}

static void
run_loop(load *l)
{
  const sim_webrtc_options *o = l->o;
  guint next_offer = 0;
  gint64 end_us = o->seconds ? l->t0_us + (gint64)o->seconds * G_USEC_PER_SEC : G_MAXINT64;
  while (!stop_requested) {
    if (window_requested) {
      window_requested = 0;
      begin_window(l);
    }
    gint64 now = g_get_monotonic_time();
    if (now >= end_us)
      break;
    for (; next_offer < o->count && l->peers[next_offer].due_us <= now; next_offer++)
      g_thread_pool_push(l->pool, &l->peers[next_offer], NULL);
    peer *p;
    while ((p = g_async_queue_try_pop(l->answered)))
      on_answered(l, p, g_get_monotonic_time());
    tick(l, now);
    if (poll(l->fds, o->count, 5) < 0 && errno != EINTR)
      break;
    for (guint i = 0; i < o->count; i++)
      if (l->fds[i].revents & POLLIN)
        read_socket(l, &l->peers[i]);
  }
}

/* ---- report ---- */

static int
cmp_float(const void *a, const void *b)
{
  float x = *(const float *)a, y = *(const float *)b;
  return x < y ? -1 : x > y;
}

static json_t *
quantile(GArray *sorted, double q)
{
  if (!sorted->len)
    return json_null();
  guint i = MIN(sorted->len - 1, (guint)(q * sorted->len));
  return json_real(g_array_index(sorted, float, i));
}

static json_t *
ms_since(gint64 from, gint64 to)
{
  return from && to ? json_real((double)(to - from) / 1000.0) : json_null();
}

static json_t *
peer_json(const load *l, peer *p)
{
  sim_link_state s = sim_webrtc_link_state(p->link);
  json_t *j = json_pack("{s:i, s:i, s:b, s:s?, s:s?, s:o, s:o}", "index", p->index, "http_status", p->http_status,
                        "connected", p->connected_us != 0, "why",
                        s == SIM_LINK_FAILED ? sim_webrtc_link_why(p->link) : NULL, "error", p->http_error,
                        "offer_to_answer_ms", ms_since(p->offer_us, p->answer_us), "offer_to_connected_ms",
                        ms_since(p->offer_us, p->connected_us));
  json_object_set_new(j, "location", p->location ? json_string(p->location) : json_null());
  json_object_set_new(j, "srtp_failed", json_integer((json_int_t)sim_webrtc_link_srtp_failed(p->link)));
  if (l->o->publish) {
    json_object_set_new(j, "sent_packets", json_integer((json_int_t)p->sent));
    json_object_set_new(j, "send_failed", json_integer((json_int_t)p->send_failed));
    json_object_set_new(j, "keyframe_requests", json_integer((json_int_t)p->keyframe_requests));
    json_object_set_new(j, "late_skips", json_integer((json_int_t)p->late_skips));
    return j;
  }
  g_array_sort(p->latency_ms, cmp_float);
  guint64 lost = sim_seq_lost(&p->video_seq) + sim_seq_lost(&p->audio_seq);
  json_object_set_new(j, "offer_to_keyframe_ms", ms_since(p->offer_us, p->keyframe_us));
  json_object_set_new(j, "video_packets", json_integer((json_int_t)p->video_packets));
  json_object_set_new(j, "audio_packets", json_integer((json_int_t)p->audio_packets));
  json_object_set_new(j, "packets", json_integer((json_int_t)(p->video_packets + p->audio_packets)));
  json_object_set_new(j, "lost", json_integer((json_int_t)lost));
  json_object_set_new(j, "window_packets", json_integer((json_int_t)(p->video_packets + p->audio_packets - p->window_packets)));
  json_object_set_new(j, "window_lost", json_integer((json_int_t)(lost - MIN(lost, p->window_lost))));
  json_object_set_new(j, "plis_sent", json_integer((json_int_t)p->plis_sent));
  json_object_set_new(j, "video_jitter_ms", json_real(sim_seq_jitter(&p->video_seq) / 90.0));
  json_object_set_new(j, "latency_samples", json_integer(p->latency_ms->len));
  json_object_set_new(j, "latency_p50_ms", quantile(p->latency_ms, 0.50));
  json_object_set_new(j, "latency_p99_ms", quantile(p->latency_ms, 0.99));
  return j;
}

static gboolean
write_report(load *l, GError **error)
{
  const sim_webrtc_options *o = l->o;
  json_t *peers = json_array();
  for (guint i = 0; i < o->count; i++)
    json_array_append_new(peers, peer_json(l, &l->peers[i]));
  json_t *root = json_pack("{s:s, s:i, s:i, s:f, s:o}", "mode", o->publish ? "whip" : "whep", "count", o->count,
                           "connected", l->connected, "seconds",
                           (double)(g_get_monotonic_time() - l->t0_us) / G_USEC_PER_SEC, "peers", peers);
  int r = o->report ? json_dump_file(root, o->report, JSON_COMPACT) : json_dumpf(root, stdout, JSON_COMPACT);
  if (!o->report)
    puts("");
  json_decref(root);
  if (r != 0)
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write the report to %s", o->report);
  return r == 0;
}

/* ---- setup ---- */

static gboolean
load_init(load *l, const sim_webrtc_options *o, GError **error)
{
  l->o = o;
  if (!(l->id = sim_webrtc_identity_new(error)))
    return FALSE;
  l->peers = g_new0(peer, o->count);
  l->fds = g_new0(struct pollfd, o->count);
  l->t0_us = g_get_monotonic_time();
  for (guint i = 0; i < o->count; i++) {
    peer *p = &l->peers[i];
    p->index = i;
    p->token = o->publish ? o->tokens[i] : o->token;
    if (!(p->link = sim_webrtc_link_new(l->id, error)))
      return FALSE;
    p->ssrc[0] = g_random_int() & ~1u;
    p->ssrc[1] = p->ssrc[0] | 1u;
    p->seq[0] = (guint16)g_random_int();
    p->seq[1] = (guint16)g_random_int();
    p->latency_ms = g_array_new(FALSE, FALSE, sizeof(float));
    p->offer = sim_sdp_offer_write(sim_webrtc_link_ufrag(p->link), sim_webrtc_link_pwd(p->link),
                                   sim_webrtc_identity_fingerprint(l->id), o->publish, p->ssrc[0], p->ssrc[1]);
    p->due_us = l->t0_us + (gint64)(o->join_within_s * G_USEC_PER_SEC * i / MAX(o->count, 1));
    l->fds[i] = (struct pollfd){.fd = sim_webrtc_link_fd(p->link), .events = POLLIN};
  }
  l->answered = g_async_queue_new();
  l->pool = g_thread_pool_new(post_offer, l, HTTP_WORKERS, FALSE, error);
  return l->pool != NULL;
}

static void
load_clear(load *l)
{
  if (l->pool)
    g_thread_pool_free(l->pool, TRUE, TRUE); /* waits for offers under way */
  if (l->answered)
    g_async_queue_unref(l->answered);
  for (guint i = 0; l->peers && i < l->o->count; i++) {
    peer *p = &l->peers[i];
    g_clear_pointer(&p->link, sim_webrtc_link_free);
    g_free(p->offer);
    g_free(p->http_body);
    g_free(p->location);
    g_free(p->http_error);
    if (p->latency_ms)
      g_array_unref(p->latency_ms);
  }
  g_free(l->peers);
  g_free(l->fds);
  sim_webrtc_identity_free(l->id);
}

gboolean
sim_webrtc_run(const sim_webrtc_options *o, GError **error)
{
  g_return_val_if_fail(!o->publish || (o->material && o->tokens), FALSE);
  load l = {0};
  struct sigaction sa = {.sa_handler = on_stop_signal};
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  struct sigaction window = {.sa_handler = on_window_signal};
  sigaction(SIGUSR1, &window, NULL);
  gboolean ok = load_init(&l, o, error);
  if (ok) {
    printf("ready %s=%u\n", o->publish ? "publishers" : "viewers", o->count);
    fflush(stdout);
    run_loop(&l);
    g_thread_pool_free(l.pool, TRUE, TRUE);
    l.pool = NULL;
    ok = write_report(&l, error);
  }
  load_clear(&l);
  return ok;
}
