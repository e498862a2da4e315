/* site-sip — see site-sip.h. Threads: the ingest's thread calls receive
 * (under its lock, one medium per ingest: in[medium] is used by that
 * thread only), the video fan-out and the audio mix call send, the main
 * loop starts, stops and asks for keyframes. @lock guards the sending
 * side (addresses, out contexts) and the swap of the in contexts. */
#define G_LOG_DOMAIN "roomctl-media"
#include "devices/site-sip.h"
#include "devices/site-adapters.h"
#include "devices/rtp-event.h"
#include "base/rtp.h"
#include "base/srtp-openssl.h"

#include <srtp2/srtp.h>
#include <string.h>

#define SRTP_MAX_TRAILER 16 /* SRTP_MAX_TRAILER_LEN: an HMAC-SHA1-80 tag, and SRTCP's index */

typedef struct {
  rc_site_transport base;
  GMutex lock;
  gboolean live;
  GSocketAddress *to[2], *rtcp_to[2]; /* where the endpoint receives, [video, audio] */
  gboolean takes[2];                  /* it takes the program's RTP on that medium (RTCP goes regardless) */
  srtp_t in[2], out[2];               /* NULL: plain RTP on that medium */
  int video_pt;                       /* what the endpoint sends video with (re-stamped to the site's) */
  gboolean pli, fir;
  guint8 fir_seq;
  rc_sip_sdp_stream last[2];           /* what the media were last set from */
  rc_sip_crypto last_key[2];
  rc_site_sip_keyframe_fn signalled_keyframe;
  rc_site_sip_keyed_fn keyed;
  gpointer signalled_data;
  int event_pt, event_rate; /* the audio's telephone-event (RFC 4733), 0 = none */
  rc_rtp_events events;     /* the ingest's thread's (audio), reset while unbound */
  rc_rtp_seq_map seq[2];    /* what the program's RTP goes out numbered as */
  /* atomics */
  gsize srtp_failed, sent, keyframe_rtcp, keyframe_signalled, keys;
  guint32 remote_ssrc[2];
} site_sip;

static void
srtp_free(srtp_t *s)
{
  if (*s)
    srtp_dealloc(*s);
  *s = NULL;
}

static GSocketAddress *
address_of(const char *ip, int port)
{
  g_autoptr(GInetAddress) a = g_inet_address_new_from_string(ip);
  if (!a || g_inet_address_get_is_any(a) || port <= 0 || port > 65535)
    return NULL; /* 0.0.0.0: on hold, nowhere to send */
  return g_inet_socket_address_new(a, (guint16)port);
}

/* ---- the ingest's thread ---- */

typedef struct {
  rc_site_sip_keyed_fn fn;
  gpointer data;
  gint64 site_id;
  rc_rtp_key key;
} keyed_call;

static gboolean
tell_keyed(gpointer data)
{
  keyed_call *k = data;
  k->fn(k->data, k->site_id, k->key.digit, k->key.duration_ms);
  return G_SOURCE_REMOVE;
}

/* A telephone-event packet: the keys it ends go to the main loop. */
static void
read_events(site_sip *s, const guint8 *data, gsize len)
{
  rc_rtp_key keys[2];
  guint n = rc_rtp_events_read(&s->events, data, len, s->event_rate, keys);
  g_mutex_lock(&s->lock);
  for (guint i = 0; i < n; i++) {
    g_atomic_pointer_add(&s->keys, 1);
    if (!s->keyed)
      continue;
    keyed_call *k = g_new(keyed_call, 1);
    *k = (keyed_call){s->keyed, s->signalled_data, s->base.site_id, keys[i]};
    g_idle_add_full(G_PRIORITY_DEFAULT, tell_keyed, k, g_free); /* always later, on the main loop */
  }
  g_mutex_unlock(&s->lock);
}

static gboolean
sip_receive(rc_site_transport *t, gboolean audio, gboolean rtcp, guint8 *data, gsize *len)
{
  site_sip *s = (site_sip *)t;
  int n = (int)*len;
  if (s->in[audio]) {
    srtp_err_status_t e = rtcp ? srtp_unprotect_rtcp(s->in[audio], data, &n) : srtp_unprotect(s->in[audio], data, &n);
    if (e != srtp_err_status_ok) {
      g_atomic_pointer_add(&s->srtp_failed, 1);
      return FALSE;
    }
    *len = (gsize)n;
  }
  if (rtcp || n < 12)
    return n >= 8;
  g_atomic_int_set((gint *)&s->remote_ssrc[audio],
                   (gint)((guint32)data[8] << 24 | (guint32)data[9] << 16 | (guint32)data[10] << 8 | data[11]));
  if (!audio && (data[1] & 0x7f) == s->video_pt) /* the endpoint's H.264 payload type → the site's */
    data[1] = (guint8)((data[1] & 0x80) | (t->format.video.pt & 0x7f));
  if (audio && s->event_pt && (data[1] & 0x7f) == s->event_pt) { /* a key, not sound: taken here */
    read_events(s, data, (gsize)n);
    *len = 0;
  }
  return TRUE;
}

/* ---- the program's threads ---- */

/* Protects and sends @len bytes of @data (room for the tag after them) to
 * @audio's RTP or RTCP address; under @s->lock. */
static void
send_locked(site_sip *s, gboolean audio, gboolean rtcp, guint8 *data, gsize len)
{
  GSocketAddress *to = rtcp ? s->rtcp_to[audio] : s->to[audio];
  if (!s->live || !to || (!rtcp && !s->takes[audio]))
    return;
  if (!rtcp)
    rc_rtp_seq_map_apply(&s->seq[audio], data);
  int n = (int)len;
  if (s->out[audio] &&
      (rtcp ? srtp_protect_rtcp(s->out[audio], data, &n) : srtp_protect(s->out[audio], data, &n)) != srtp_err_status_ok)
    return;
  const rc_site_transport_host *host = s->base.host;
  if (!rtcp && host->queue) /* the program's RTP: sent with the other sites' by sip_flush */
    host->queue(host->media, audio, data, (gsize)n, to);
  else
    host->send(host->media, audio, rtcp, data, (gsize)n, to);
  g_atomic_pointer_add(&s->sent, 1);
}

static void
sip_send(rc_site_transport *t, gboolean audio, guint8 *rtp, gsize len)
{
  site_sip *s = (site_sip *)t;
  guint8 buf[2048];
  if (len + SRTP_MAX_TRAILER > sizeof buf)
    return;
  memcpy(buf, rtp, len);
  g_mutex_lock(&s->lock);
  send_locked(s, audio, FALSE, buf, len);
  g_mutex_unlock(&s->lock);
}

typedef struct {
  rc_site_sip_keyframe_fn fn;
  gpointer data;
  gint64 site_id;
} signalled;

static gboolean
ask_signalled(gpointer data)
{
  signalled *k = data;
  k->fn(k->data, k->site_id);
  return G_SOURCE_REMOVE;
}

static void
sip_request_keyframe(rc_site_transport *t)
{
  site_sip *s = (site_sip *)t;
  guint8 buf[20 + SRTP_MAX_TRAILER + 4];
  guint32 me = t->format.video.out_ssrc, them = g_atomic_int_get((gint *)&s->remote_ssrc[0]);
  signalled *k = NULL;
  g_mutex_lock(&s->lock);
  if (s->live && s->pli) {
    send_locked(s, FALSE, TRUE, buf, rc_rtcp_build_pli(buf, me, them));
    g_atomic_pointer_add(&s->keyframe_rtcp, 1);
  } else if (s->live && s->fir) { /* RFC 5104 FIR: media SSRC 0, the FCI names the sender */
    memset(buf, 0, 20);
    buf[0] = 0x84, buf[1] = RC_RTCP_PSFB, buf[3] = 4;
    for (int i = 0; i < 4; i++)
      buf[4 + i] = (guint8)(me >> (24 - 8 * i)), buf[12 + i] = (guint8)(them >> (24 - 8 * i));
    buf[16] = s->fir_seq++;
    send_locked(s, FALSE, TRUE, buf, 20);
    g_atomic_pointer_add(&s->keyframe_rtcp, 1);
  } else if (s->live && s->signalled_keyframe) {
    k = g_new(signalled, 1);
    *k = (signalled){s->signalled_keyframe, s->signalled_data, t->site_id};
    g_atomic_pointer_add(&s->keyframe_signalled, 1);
  }
  g_mutex_unlock(&s->lock);
  if (k) /* the signalling is the main loop's */
    g_main_context_invoke_full(NULL, G_PRIORITY_DEFAULT, ask_signalled, k, g_free);
}

/* ---- the main loop ---- */

static void
unset(site_sip *s)
{
  s->base.host->bind(s->base.host->media, FALSE, &s->base, NULL, NULL, FALSE);
  s->base.host->bind(s->base.host->media, TRUE, &s->base, NULL, NULL, FALSE);
  g_mutex_lock(&s->lock); /* no thread sends or receives with them any more */
  s->live = FALSE;
  for (int k = 0; k < 2; k++) {
    g_clear_object(&s->to[k]);
    g_clear_object(&s->rtcp_to[k]);
    srtp_free(&s->in[k]);
    srtp_free(&s->out[k]);
    g_atomic_int_set((gint *)&s->remote_ssrc[k], 0);
  }
  memset(s->last, 0, sizeof s->last); /* no keys kept longer than the call */
  memset(s->last_key, 0, sizeof s->last_key);
  g_mutex_unlock(&s->lock);
}

static void
sip_free(rc_site_transport *t)
{
  site_sip *s = (site_sip *)t;
  unset(s);
  g_mutex_clear(&s->lock);
  rc_site_transport_clear(t);
  g_free(s);
}

/* Where the ingest took its packets from: a binding that latched (its
 * SRTP authenticated from another address than signalled: a NAT) moved
 * there, and the program follows it; its RTCP port keeps its distance. */
static void
sip_learned(rc_site_transport *t, gboolean audio, GSocketAddress *from)
{
  site_sip *s = (site_sip *)t;
  if (!G_IS_INET_SOCKET_ADDRESS(from))
    return;
  GInetSocketAddress *f = G_INET_SOCKET_ADDRESS(from);
  g_mutex_lock(&s->lock);
  GInetSocketAddress *to = s->live && s->to[audio] ? G_INET_SOCKET_ADDRESS(s->to[audio]) : NULL;
  if (to && (g_inet_socket_address_get_port(to) != g_inet_socket_address_get_port(f) ||
             !g_inet_address_equal(g_inet_socket_address_get_address(to), g_inet_socket_address_get_address(f)))) {
    int gap = s->rtcp_to[audio] ? g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(s->rtcp_to[audio])) -
                                      g_inet_socket_address_get_port(to)
                                : 0;
    g_set_object(&s->to[audio], from);
    if (s->rtcp_to[audio]) {
      g_object_unref(s->rtcp_to[audio]);
      s->rtcp_to[audio] = g_inet_socket_address_new(g_inet_socket_address_get_address(f),
                                                     (guint16)(g_inet_socket_address_get_port(f) + gap));
    }
    g_autofree char *where = g_inet_address_to_string(g_inet_socket_address_get_address(f));
    g_message("site %s: its %s goes back to %s:%u, where it comes from", t->code, audio ? "audio" : "video", where,
              g_inet_socket_address_get_port(f));
  }
  g_mutex_unlock(&s->lock);
}

/* The program's RTP this thread queued for every SIP site goes out. */
static void
sip_flush(rc_site_transport *t)
{
  if (t->host->flush)
    t->host->flush(t->host->media);
}

/* SRTP on every medium the call has (a call not set up has none in clear). */
static gboolean
sip_encrypted(rc_site_transport *t)
{
  site_sip *s = (site_sip *)t;
  gboolean all = TRUE;
  g_mutex_lock(&s->lock);
  for (int k = 0; k < 2; k++)
    all &= !s->live || s->last[k].index < 0 || (s->in[k] != NULL && s->out[k] != NULL);
  g_mutex_unlock(&s->lock);
  return all;
}

static const rc_site_transport_ops sip_ops = {
    .kind = "sip", .learned = sip_learned, .send = sip_send, .request_keyframe = sip_request_keyframe, .free = sip_free,
    .flush = sip_flush, .receives_program = TRUE, .by_address = TRUE, .receive = sip_receive,
    .encrypted = sip_encrypted};

gboolean
rc_site_is_sip(const rc_site_transport *t)
{
  return t && t->ops == &sip_ops;
}

/* Whether a re-offer leaves @a's media as they are (a session timer's
 * refresh, a re-INVITE that changes nothing): then the SRTP contexts stay,
 * with their rollover counters (a new one would start at 0 and refuse
 * everything after the first 65,536 packets). */
static gboolean
same_stream(const rc_sip_sdp_stream *a, const rc_sip_sdp_stream *b, const rc_sip_crypto *ka, const rc_sip_crypto *kb)
{
  return a->index == b->index && a->pt == b->pt && a->event_pt == b->event_pt && g_str_equal(a->encoding, b->encoding) &&
         g_str_equal(a->address, b->address) && a->port == b->port && a->rtcp_port == b->rtcp_port &&
         a->rtcp_mux == b->rtcp_mux && a->secure == b->secure && a->pli == b->pli && a->fir == b->fir &&
         (!a->secure || (g_str_equal(a->remote_key.suite, b->remote_key.suite) &&
                         memcmp(a->remote_key.key, b->remote_key.key, sizeof a->remote_key.key) == 0 &&
                         memcmp(ka->key, kb->key, sizeof ka->key) == 0));
}

gboolean
rc_site_sip_start(rc_site_transport *t, const rc_sip_sdp_offer *offer, const rc_sip_crypto *video_key,
                  const rc_sip_crypto *audio_key, GError **error)
{
  site_sip *s = (site_sip *)t;
  g_return_val_if_fail(rc_site_is_sip(t), FALSE);
  const rc_sip_sdp_stream *m[2] = {&offer->video, &offer->audio};
  const rc_sip_crypto *ours[2] = {video_key, audio_key};
  t->link.held = rc_sip_sdp_on_hold(offer); /* a hold changes no stream: said before the no-change return */
  g_mutex_lock(&s->lock);
  for (int k = 0; k < 2; k++)
    s->takes[k] = rc_sip_sdp_takes_program(m[k]);
  g_mutex_unlock(&s->lock);
  if (s->live && same_stream(&s->last[0], m[0], &s->last_key[0], ours[0]) &&
      same_stream(&s->last[1], m[1], &s->last_key[1], ours[1]))
    return TRUE;
  unset(s);
  srtp_t in[2] = {NULL, NULL}, out[2] = {NULL, NULL};
  GSocketAddress *from[2] = {NULL, NULL}, *rtcp_from[2] = {NULL, NULL};
  gboolean any = FALSE, ok = FALSE;
  if (!rc_srtp_init(NULL)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "libsrtp2 does not start");
    goto fail;
  }
  for (int k = 0; k < 2; k++) {
    if (m[k]->index < 0)
      continue;
    any = TRUE;
    from[k] = address_of(m[k]->address, m[k]->port);
    rtcp_from[k] = m[k]->rtcp_mux ? NULL : address_of(m[k]->address, m[k]->rtcp_port);
    if (m[k]->secure && (!(in[k] = rc_srtp_sdes_new(m[k]->remote_key.suite, m[k]->remote_key.key, TRUE, error)) ||
                         !(out[k] = rc_srtp_sdes_new(m[k]->remote_key.suite, ours[k]->key, FALSE, error))))
      goto fail;
  }
  if (!any) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the call has no usable media stream");
    goto fail;
  }
  g_mutex_lock(&s->lock);
  for (int k = 0; k < 2; k++) {
    s->in[k] = in[k], s->out[k] = out[k];
    in[k] = out[k] = NULL;
    s->to[k] = from[k] ? g_object_ref(from[k]) : NULL;
    s->rtcp_to[k] = rtcp_from[k] ? g_object_ref(rtcp_from[k]) : NULL;
  }
  s->video_pt = offer->video.pt;
  s->event_pt = offer->audio.index >= 0 ? offer->audio.event_pt : 0;
  s->event_rate = offer->audio.event_rate;
  s->events = (rc_rtp_events){0}; /* unbound: the ingest's thread reads none now */
  for (int k = 0; k < 2; k++)
    s->last[k] = *m[k], s->last_key[k] = *ours[k];
  s->pli = offer->video.pli, s->fir = offer->video.fir;
  t->format.video.out_pt = offer->video.index >= 0 ? offer->video.pt : t->format.video.out_pt;
  s->live = TRUE;
  g_mutex_unlock(&s->lock);
  /* Symmetric RTP: the endpoint sends from where it receives. */
  for (int k = 0; k < 2; k++)
    if (from[k])
      t->host->bind(t->host->media, k == 1, t, from[k], rtcp_from[k], m[k]->secure);
  /* The program tier its decoder takes (none fits: the smallest); told with its audio. */
  t->format.video.tier = offer->video.index < 0 ? -1 : offer->video.tier >= 0 ? offer->video.tier : G_MAXINT;
  rc_audio_codec codec;
  if (offer->audio.index >= 0 && rc_audio_codec_from_sdp(offer->audio.encoding, offer->audio.pt, &codec)) {
    t->format.audio.out_codec = codec;
    t->format.audio.out_pt = offer->audio.pt;
    rc_site_transport_set_audio(t, codec, offer->audio.pt, offer->audio.clock_rate, NULL);
  } else {
    rc_site_transport_set_audio_absent(t);
  }
  rc_site_transport_set_link(t, TRUE, NULL);
  ok = TRUE;
fail:
  for (int k = 0; k < 2; k++) {
    srtp_free(&in[k]);
    srtp_free(&out[k]);
    g_clear_object(&from[k]);
    g_clear_object(&rtcp_from[k]);
  }
  if (!ok)
    rc_site_transport_set_link(t, FALSE, error && *error ? (*error)->message : "the call's media could not be set");
  return ok;
}

void
rc_site_sip_stop(rc_site_transport *t, const char *why)
{
  g_return_if_fail(rc_site_is_sip(t));
  unset((site_sip *)t);
  t->link.held = FALSE;
  t->format.video.tier = -1; /* its level's again */
  if (t->host->format)
    t->host->format(t->host->media, t->site_id);
  rc_site_transport_set_link(t, FALSE, why);
}

void
rc_site_sip_set_signalling(rc_site_transport *t, rc_site_sip_keyframe_fn keyframe, rc_site_sip_keyed_fn keyed,
                           gpointer data)
{
  g_return_if_fail(rc_site_is_sip(t));
  site_sip *s = (site_sip *)t;
  g_mutex_lock(&s->lock);
  s->signalled_keyframe = keyframe, s->keyed = keyed, s->signalled_data = data;
  g_mutex_unlock(&s->lock);
}

void
rc_site_sip_counters_get(rc_site_transport *t, rc_site_sip_counters *out)
{
  site_sip *s = (site_sip *)t;
  memset(out, 0, sizeof *out);
  if (!rc_site_is_sip(t))
    return;
  out->srtp_failed = (guint64)g_atomic_pointer_get(&s->srtp_failed);
  out->sent = (guint64)g_atomic_pointer_get(&s->sent);
  out->keyframe_rtcp = (guint64)g_atomic_pointer_get(&s->keyframe_rtcp);
  out->keyframe_signalled = (guint64)g_atomic_pointer_get(&s->keyframe_signalled);
  out->keys = (guint64)g_atomic_pointer_get(&s->keys);
  g_mutex_lock(&s->lock);
  for (int k = 0; k < 2; k++) {
    out->remote_ssrc[k] = g_atomic_int_get((gint *)&s->remote_ssrc[k]);
    out->secure[k] = s->in[k] != NULL;
  }
  g_mutex_unlock(&s->lock);
}

rc_site_transport *
rc_site_sip_new(const rc_site_transport_desc *d, const rc_site_transport_host *host)
{
  site_sip *s = g_new0(site_sip, 1);
  rc_site_transport *t = &s->base;
  g_mutex_init(&s->lock);
  rc_site_transport_init(t, &sip_ops, d, host);
  /* The ingest re-stamps the endpoint's packets with these (its own SSRCs are its choice). */
  t->format.video.ssrc = rc_rtp_site_ssrc(t->code, FALSE);
  t->format.audio.ssrc = rc_rtp_site_ssrc(t->code, TRUE);
  t->format.video.pt = d->program_video_pt;
  t->format.audio.pt = d->program_audio_pt;
  t->link.up = FALSE;
  t->link.why = g_strdup("no call: the site has not called in, or the controller has not reached it");
  return t;
}
