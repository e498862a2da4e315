/* sim-engine — the send timer, the receive path and the summary line. */
#include "devices/sim/sim-engine.h"

#include "devices/sim/sim-roster.h"
#include "devices/sim/sim-sip.h"

#include <errno.h>
#include <glib-unix.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define SIM_ENGINE_ERROR g_quark_from_static_string("sim-engine")
#define TICK_MS 2
#define SUMMARY_SECONDS 5
#define AUDIO_PERIOD_US 20000
#define MAX_LATE_US 200000 /* further behind than this, frames are skipped */
#define RECV_BATCH 32
#define RECV_SIZE 2048
#define RECV_ROUNDS 4 /* recvmmsg calls per socket per wakeup, for fairness */

struct sim_engine {
  sim_engine_options options;
  GPtrArray *sites; /* sim_site */
  sim_sip *sip;     /* SIP mode's UAS, NULL otherwise */
  sim_site_env env;
  sim_latency_window all_latency;
  guint8 filler[SIM_FILLER_LEN];
  guint8 noise[SIM_NOISE_LEN];
  int epoll_fd;
  guint tick_id, epoll_id, summary_id;
  gint64 last_tick_us, video_period_us;
  /* how late the send timer ran: the longest gap, gaps over 100 ms */
  gint64 tick_gap_max_us;
  guint64 tick_gaps_long;
  /* receive buffers, reused for every recvmmsg */
  struct mmsghdr recv_msgs[RECV_BATCH];
  struct iovec recv_iov[RECV_BATCH];
  guint8 recv_buf[RECV_BATCH][RECV_SIZE];
  union { /* aligned for cmsghdr: the kernel's arrival time of each */
    struct cmsghdr align;
    guint8 buf[CMSG_SPACE(sizeof(struct timespec))];
  } recv_control[RECV_BATCH];
  /* for the summary's rates */
  gint64 summary_at_us;
  double summary_cpu;
  guint64 summary_sent, summary_bytes, summary_recv;
};

/* The controller's four destinations (RTP and RTCP per medium). */
static gboolean
resolve(sim_engine *e, GError **error)
{
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM}, *res = NULL;
  int rc = getaddrinfo(e->options.controller, NULL, &hints, &res);
  if (rc != 0 || !res) {
    g_set_error(error, SIM_ENGINE_ERROR, 0, "controller %s: %s", e->options.controller, gai_strerror(rc));
    return FALSE;
  }
  guint16 ports[4] = {e->options.video_port, e->options.audio_port, e->options.rtcp_video_port,
                      e->options.rtcp_audio_port};
  struct sockaddr_storage *dests[4] = {&e->env.rtp_dest[SIM_VIDEO], &e->env.rtp_dest[SIM_AUDIO],
                                       &e->env.rtcp_dest[SIM_VIDEO], &e->env.rtcp_dest[SIM_AUDIO]};
  for (int i = 0; i < 4; i++) {
    memcpy(dests[i], res->ai_addr, res->ai_addrlen);
    if (res->ai_family == AF_INET6)
      ((struct sockaddr_in6 *)dests[i])->sin6_port = htons(ports[i]);
    else
      ((struct sockaddr_in *)dests[i])->sin_port = htons(ports[i]);
  }
  e->env.dest_len = res->ai_addrlen;
  freeaddrinfo(res);
  return TRUE;
}

/* Sites bind to loopback when the controller is on this host's loopback,
 * otherwise to every address of the family. */
static socklen_t
bind_address(const sim_engine *e, struct sockaddr_storage *out)
{
  memset(out, 0, sizeof *out);
  const struct sockaddr_storage *c = &e->env.rtp_dest[SIM_VIDEO];
  out->ss_family = c->ss_family;
  if (c->ss_family == AF_INET6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)out;
    if (IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)c)->sin6_addr))
      a->sin6_addr = in6addr_loopback;
    return sizeof *a;
  }
  struct sockaddr_in *a = (struct sockaddr_in *)out;
  if ((ntohl(((const struct sockaddr_in *)c)->sin_addr.s_addr) >> 24) == 127)
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return sizeof *a;
}

static void
fill_buffers(sim_engine *e)
{
  /* filler data NAL: header 12, 0xFF bytes, rbsp trailing bits */
  e->filler[0] = 12;
  memset(e->filler + 1, 0xFF, SIM_FILLER_LEN - 2);
  e->filler[SIM_FILLER_LEN - 1] = 0x80;
  GRand *rand = g_rand_new();
  for (guint i = 0; i < SIM_NOISE_LEN; i += 4) {
    guint32 r = g_rand_int(rand);
    memcpy(e->noise + i, &r, 4);
  }
  g_rand_free(rand);
  for (int i = 0; i < RECV_BATCH; i++) {
    e->recv_iov[i] = (struct iovec){e->recv_buf[i], RECV_SIZE};
    e->recv_msgs[i].msg_hdr = (struct msghdr){.msg_iov = &e->recv_iov[i], .msg_iovlen = 1};
  }
}

static gboolean
open_sites(sim_engine *e, const sim_material *m, GPtrArray *roster, GError **error)
{
  struct sockaddr_storage bind_addr;
  socklen_t bind_len = bind_address(e, &bind_addr);
  for (guint i = 0; i < roster->len; i++) {
    sim_roster_site *r = roster->pdata[i];
    sim_site *s = sim_site_new(r->code, r->title, m->live->pdata[i], m->frozen->pdata[i],
                               (struct sockaddr *)&bind_addr, bind_len, error);
    if (!s)
      return FALSE;
    g_ptr_array_add(e->sites, s);
    if (e->options.sip_port && !sim_site_open_rtcp(s, (struct sockaddr *)&bind_addr, bind_len, error))
      return FALSE;
    for (int k = 0; k < 4; k++) { /* data: site index, RTCP socket, medium */
      int fd = k < 2 ? s->fd[k] : s->rtcp_fd[k - 2];
      struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (guint64)i << 2 | (guint64)k};
      if (fd >= 0 && epoll_ctl(e->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        g_set_error(error, SIM_ENGINE_ERROR, 0, "epoll_ctl: %s", g_strerror(errno));
        return FALSE;
      }
    }
  }
  return TRUE;
}

sim_engine *
sim_engine_new(const sim_engine_options *o, const sim_material *m, GPtrArray *roster, GError **error)
{
  g_return_val_if_fail(o->fps > 0 && roster->len == m->live->len, NULL);
  g_autoptr(sim_engine) e = g_new0(sim_engine, 1);
  e->options = *o; /* .controller is borrowed: used here only */
  e->sites = g_ptr_array_new_with_free_func((GDestroyNotify)sim_site_free);
  e->video_period_us = G_USEC_PER_SEC / o->fps;
  e->env = (sim_site_env){.sender = sim_sender_new(), .tone = m->tone, .silence = m->silence, .fps = o->fps,
                          .program_pli = o->program_pli, .filler = e->filler, .noise = e->noise,
                          .all_latency = &e->all_latency};
  fill_buffers(e);
  e->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (e->epoll_fd < 0) {
    g_set_error(error, SIM_ENGINE_ERROR, 0, "epoll_create1: %s", g_strerror(errno));
    return NULL;
  }
  if (o->sip_port) { /* the sites bind to loopback, where the controller calls them */
    struct sockaddr_in *lo = (struct sockaddr_in *)&e->env.rtp_dest[SIM_VIDEO];
    lo->sin_family = AF_INET;
    lo->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    e->env.g722 = o->g722;
  }
  if (o->sip_port && !(e->sip = sim_sip_new(o->sip_port, e->sites, error))) /* before the sites' sockets */
    return NULL;
  if ((!o->sip_port && !resolve(e, error)) || !open_sites(e, m, roster, error))
    return NULL;
  if (o->sip_port) {
    for (guint i = 0; i < e->sites->len; i++) {
      sim_site *s = e->sites->pdata[i];
      s->call = g_new0(sim_site_call, 1);
      s->call->g722 = i < o->sip_g722;
      s->ssrc[SIM_VIDEO] = g_random_int(); /* its own choice: the controller maps a call's media by address */
      s->ssrc[SIM_AUDIO] = g_random_int();
    }
  }
  for (guint i = 0; !o->sip_port && o->srtp_keys && i < e->sites->len; i++) {
    sim_site *s = e->sites->pdata[i];
    const rc_srtp_key *key = g_hash_table_lookup(o->srtp_keys, s->code);
    if (key && !sim_site_set_key(s, key, error))
      return NULL;
  }
  e->options.controller = NULL;
  e->options.srtp_keys = NULL; /* used up */
  return g_steal_pointer(&e);
}

void
sim_engine_free(sim_engine *e)
{
  if (!e)
    return;
  g_clear_handle_id(&e->tick_id, g_source_remove);
  g_clear_handle_id(&e->epoll_id, g_source_remove);
  g_clear_handle_id(&e->summary_id, g_source_remove);
  g_clear_pointer(&e->sip, sim_sip_free); /* before the sites it borrows */
  g_ptr_array_unref(e->sites);
  if (e->epoll_fd >= 0)
    close(e->epoll_fd);
  sim_sender_free(e->env.sender);
  g_free(e);
}

/* Sends every frame of medium @m that came due by @now_us. */
static void
send_due(sim_engine *e, sim_site *s, sim_medium m, gint64 now_us, gint64 now_real_us)
{
  gint64 period = m == SIM_VIDEO ? e->video_period_us : AUDIO_PERIOD_US;
  if (now_us - s->next_due[m] > MAX_LATE_US) /* stalled: skip, do not burst */
    s->next_due[m] = now_us - period;
  for (; s->next_due[m] <= now_us; s->next_due[m] += period) {
    if (m == SIM_VIDEO)
      sim_site_send_video(s, &e->env, now_us, now_real_us);
    else
      sim_site_send_audio(s, &e->env, now_us, now_real_us);
  }
}

static gboolean
on_tick(gpointer data)
{
  sim_engine *e = data;
  gint64 now = g_get_monotonic_time(), now_real = g_get_real_time();
  gint64 gap = now - e->last_tick_us, elapsed = MIN(gap, MAX_LATE_US);
  e->last_tick_us = now;
  e->tick_gap_max_us = MAX(e->tick_gap_max_us, gap);
  if (gap > 100000)
    e->tick_gaps_long++;
  for (guint i = 0; i < e->sites->len; i++) {
    sim_site *s = e->sites->pdata[i];
    send_due(e, s, SIM_VIDEO, now, now_real);
    send_due(e, s, SIM_AUDIO, now, now_real);
    sim_site_send_extra(s, &e->env, now, now_real, elapsed);
    if (s->next_rtcp <= now) {
      sim_site_send_rtcp(s, &e->env, now_real);
      s->next_rtcp = MAX(s->next_rtcp + G_USEC_PER_SEC, now);
    }
  }
  sim_sender_run_due(e->env.sender, now);
  return G_SOURCE_CONTINUE;
}

/* Reads what is queued on one socket, a few batches at most. */
static void
drain(sim_engine *e, sim_site *s, sim_medium m, int fd)
{
  for (int round = 0; round < RECV_ROUNDS; round++) {
    for (int i = 0; i < RECV_BATCH; i++) {
      e->recv_msgs[i].msg_hdr.msg_control = e->recv_control[i].buf;
      e->recv_msgs[i].msg_hdr.msg_controllen = sizeof e->recv_control[i].buf;
    }
    int n = recvmmsg(fd, e->recv_msgs, RECV_BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0)
      return; /* EAGAIN, or an error the next wakeup will see again */
    gint64 now_real = g_get_real_time();
    for (int i = 0; i < n; i++)
      sim_site_receive(s, &e->env, m, e->recv_buf[i], e->recv_msgs[i].msg_len,
                       sim_arrival_us(&e->recv_msgs[i].msg_hdr, now_real));
    if (n < RECV_BATCH)
      return;
  }
}

static gboolean
on_readable(gint fd G_GNUC_UNUSED, GIOCondition condition G_GNUC_UNUSED, gpointer data)
{
  sim_engine *e = data;
  struct epoll_event events[64];
  int n = epoll_wait(e->epoll_fd, events, G_N_ELEMENTS(events), 0);
  for (int i = 0; i < n; i++) {
    sim_site *s = e->sites->pdata[events[i].data.u64 >> 2];
    sim_medium m = (sim_medium)(events[i].data.u64 & 1);
    drain(e, s, m, events[i].data.u64 & 2 ? s->rtcp_fd[m] : s->fd[m]);
  }
  return G_SOURCE_CONTINUE;
}

double
sim_engine_cpu_seconds(void)
{
  g_autofree char *stat = NULL;
  if (!g_file_get_contents("/proc/self/stat", &stat, NULL, NULL))
    return 0;
  const char *p = strrchr(stat, ')'); /* the command name may hold spaces */
  unsigned long utime = 0, stime = 0;
  if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
    return 0;
  return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static void
sum_counters(const sim_engine *e, guint64 *sent, guint64 *sent_bytes, guint64 *recv, guint64 *lost)
{
  *sent = *sent_bytes = *recv = *lost = 0;
  for (guint i = 0; i < e->sites->len; i++) {
    const sim_site *s = e->sites->pdata[i];
    *sent += s->counters.sent_packets;
    *sent_bytes += s->counters.sent_bytes;
    *recv += s->counters.recv_packets;
    *lost += sim_seq_lost(&s->program[SIM_VIDEO]) + sim_seq_lost(&s->program[SIM_AUDIO]);
  }
}

static gboolean
on_summary(gpointer data)
{
  sim_engine *e = data;
  guint64 sent, bytes, recv, lost;
  sum_counters(e, &sent, &bytes, &recv, &lost);
  gint64 now = g_get_monotonic_time();
  double secs = MAX((now - e->summary_at_us) / 1e6, 1e-3), cpu = sim_engine_cpu_seconds();
  double p50, p99;
  g_autofree char *latency = sim_latency_quantile(&e->all_latency, 0.5, &p50) &&
                                     sim_latency_quantile(&e->all_latency, 0.99, &p99)
                                 ? g_strdup_printf("latency p50 %.1f p99 %.1f ms", p50, p99)
                                 : g_strdup("no program");
  sim_sender_counters c = sim_sender_get_counters(e->env.sender);
  g_printerr("roomctl-sim: %u sites, sent %.0f pkt/s (%.1f Mbit/s), recv %.0f pkt/s, lost %" G_GUINT64_FORMAT
             ", %s, send errors %" G_GUINT64_FORMAT ", cpu %.2f cores\n",
             e->sites->len, (sent - e->summary_sent) / secs, (bytes - e->summary_bytes) * 8.0 / 1e6 / secs,
             (recv - e->summary_recv) / secs, lost, latency, c.failed, (cpu - e->summary_cpu) / secs);
  e->summary_at_us = now;
  e->summary_cpu = cpu;
  e->summary_sent = sent;
  e->summary_bytes = bytes;
  e->summary_recv = recv;
  return G_SOURCE_CONTINUE;
}

void
sim_engine_start(sim_engine *e)
{
  g_return_if_fail(e->tick_id == 0);
  gint64 now = g_get_monotonic_time();
  guint n = e->sites->len;
  /* Spread the sites over a frame interval so their bursts do not line up. */
  for (guint i = 0; i < n; i++) {
    sim_site *s = e->sites->pdata[i];
    s->next_due[SIM_VIDEO] = now + e->video_period_us * i / n;
    s->next_due[SIM_AUDIO] = now + AUDIO_PERIOD_US * i / n;
    s->next_rtcp = now + G_USEC_PER_SEC / 2 + G_USEC_PER_SEC * i / n;
  }
  e->last_tick_us = e->summary_at_us = now;
  e->summary_cpu = sim_engine_cpu_seconds();
  /* Sending, receiving and the control port share one priority: GLib never
   * dispatches a lower one while a higher one is ready, and under load the
   * tick is always ready. */
  e->tick_id = g_timeout_add(TICK_MS, on_tick, e);
  e->epoll_id = g_unix_fd_add(e->epoll_fd, G_IO_IN, on_readable, e);
  if (!e->options.quiet)
    e->summary_id = g_timeout_add_seconds(SUMMARY_SECONDS, on_summary, e);
}

static sim_site *
find_site(sim_engine *e, const char *code, GError **error)
{
  for (guint i = 0; i < e->sites->len; i++) {
    sim_site *s = e->sites->pdata[i];
    if (g_str_equal(s->code, code))
      return s;
  }
  g_set_error(error, SIM_ENGINE_ERROR, 0, "no simulated site %s", code);
  return NULL;
}

static void
merge_faults(sim_site *s, const sim_faults *v, guint fields)
{
  sim_faults f = s->faults;
  if (fields & SIM_FAULT_LOSS)
    f.loss_percent = v->loss_percent;
  if (fields & SIM_FAULT_JITTER)
    f.jitter_ms = v->jitter_ms;
  if (fields & SIM_FAULT_FREEZE)
    f.freeze = v->freeze;
  if (fields & SIM_FAULT_SILENCE)
    f.silence = v->silence;
  if (fields & SIM_FAULT_DISCONNECT)
    f.disconnect = v->disconnect;
  if (fields & SIM_FAULT_FLOOD)
    f.flood_mbps = v->flood_mbps;
  if (fields & SIM_FAULT_GARBAGE)
    f.garbage = v->garbage;
  sim_site_set_faults(s, &f);
}

gboolean
sim_engine_set_faults(sim_engine *e, const char *code, const sim_faults *values, guint fields, GError **error)
{
  if (g_str_equal(code, "*")) {
    for (guint i = 0; i < e->sites->len; i++)
      merge_faults(e->sites->pdata[i], values, fields);
    return TRUE;
  }
  sim_site *s = find_site(e, code, error);
  if (!s)
    return FALSE;
  merge_faults(s, values, fields);
  return TRUE;
}

json_t *
sim_engine_stats(sim_engine *e, const char *code, GError **error)
{
  if (code) {
    sim_site *s = find_site(e, code, error);
    return s ? sim_site_stats(s) : NULL;
  }
  json_t *sites = json_array();
  for (guint i = 0; i < e->sites->len; i++)
    json_array_append_new(sites, sim_site_stats(e->sites->pdata[i]));
  sim_sender_counters c = sim_sender_get_counters(e->env.sender);
  return json_pack("{s:o, s:f, s:I, s:I, s:I, s:f, s:I}", "sites", sites, "cpu_seconds", sim_engine_cpu_seconds(),
                   "send_syscalls", (json_int_t)c.syscalls, "send_errors", (json_int_t)c.failed,
                   "held_packets", (json_int_t)c.delayed, "tick_gap_max_ms", e->tick_gap_max_us / 1000.0,
                   "tick_gaps_over_100ms", (json_int_t)e->tick_gaps_long);
}

json_t *
sim_engine_program_sources(sim_engine *e)
{
  typedef struct {
    guint32 ssrc;
    guint count;
    gint64 since_us; /* the latest a site began to show it, 0 if none */
  } shown;
  g_autoptr(GArray) by_source = g_array_new(FALSE, FALSE, sizeof(shown)); /* a few entries: a linear search */
  for (guint i = 0; i < e->sites->len; i++) {
    const sim_site_counters *c = &((const sim_site *)e->sites->pdata[i])->counters;
    guint k = 0;
    while (k < by_source->len && g_array_index(by_source, shown, k).ssrc != c->keyframe_source)
      k++;
    if (k == by_source->len)
      g_array_append_val(by_source, ((shown){c->keyframe_source, 0, 0}));
    shown *x = &g_array_index(by_source, shown, k);
    x->count++;
    x->since_us = MAX(x->since_us, c->keyframe_source_since_us);
  }
  json_t *sources = json_array();
  for (guint k = 0; k < by_source->len; k++) {
    const shown *x = &g_array_index(by_source, shown, k);
    json_array_append_new(sources, json_pack("{s:I, s:I, s:o}", "ssrc", (json_int_t)x->ssrc, "count", (json_int_t)x->count,
                                             "since_ms", x->since_us ? json_real((double)x->since_us / 1000.0) : json_null()));
  }
  return json_pack("{s:I, s:o}", "sites", (json_int_t)e->sites->len, "sources", sources);
}

guint
sim_engine_site_count(const sim_engine *e)
{
  return e->sites->len;
}
