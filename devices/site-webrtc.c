/* site-webrtc — see site-webrtc.h. The peers are swapped on the main loop
 * and read by the threads that send the program, under @lock. */
#define G_LOG_DOMAIN "roomctl-media"
#include "devices/site-webrtc.h"
#include "devices/site-adapters.h"
#include "base/rtp.h"

typedef struct {
  rc_site_transport base;
  GMutex lock;
  rc_webrtc_peer *publisher, *receiver;
} site_webrtc;

static void
set_peer(site_webrtc *w, rc_webrtc_peer **slot, rc_webrtc_peer *peer)
{
  rc_webrtc_peer *old;
  g_mutex_lock(&w->lock);
  old = *slot;
  *slot = peer ? rc_webrtc_peer_ref(peer) : NULL;
  g_mutex_unlock(&w->lock);
  if (old)
    rc_webrtc_peer_unref(old);
}

static void
webrtc_send(rc_site_transport *t, gboolean audio, guint8 *rtp, gsize len)
{
  (void)audio;
  site_webrtc *w = (site_webrtc *)t;
  g_mutex_lock(&w->lock);
  if (w->receiver)
    rc_webrtc_peer_send(w->receiver, rtp, len);
  g_mutex_unlock(&w->lock);
}

static void
webrtc_request_keyframe(rc_site_transport *t)
{
  site_webrtc *w = (site_webrtc *)t;
  g_mutex_lock(&w->lock);
  if (w->publisher)
    rc_webrtc_peer_request_keyframe(w->publisher);
  g_mutex_unlock(&w->lock);
}

static void
webrtc_free(rc_site_transport *t)
{
  site_webrtc *w = (site_webrtc *)t;
  set_peer(w, &w->publisher, NULL);
  set_peer(w, &w->receiver, NULL);
  g_mutex_clear(&w->lock);
  rc_site_transport_clear(t);
  g_free(w);
}

static void
webrtc_flush(rc_site_transport *t)
{
  (void)t;
  rc_webrtc_flush();
}

/* DTLS-SRTP: nothing of a browser's is ever in clear. */
static gboolean
webrtc_encrypted(rc_site_transport *t)
{
  (void)t;
  return TRUE;
}

static const rc_site_transport_ops webrtc_ops = {.kind = "webrtc", .send = webrtc_send,
                                                 .request_keyframe = webrtc_request_keyframe, .free = webrtc_free,
                                                 .flush = webrtc_flush, .receives_program = TRUE,
                                                 .encrypted = webrtc_encrypted};
static const rc_site_transport_ops viewer_ops = {.kind = "whep", .send = webrtc_send, .free = webrtc_free,
                                                 .flush = webrtc_flush, .receives_program = TRUE,
                                                 .encrypted = webrtc_encrypted};

gboolean
rc_site_is_webrtc(const rc_site_transport *t)
{
  return t && t->ops == &webrtc_ops;
}

rc_site_transport *
rc_site_webrtc_new(const rc_site_transport_desc *d, const rc_site_transport_host *host)
{
  site_webrtc *w = g_new0(site_webrtc, 1);
  rc_site_transport *t = &w->base;
  g_mutex_init(&w->lock);
  rc_site_transport_init(t, &webrtc_ops, d, host);
  /* What it sends is re-stamped to its code's SSRCs and the program's payload types. */
  t->format.video.ssrc = rc_rtp_site_ssrc(t->code, FALSE);
  t->format.audio.ssrc = rc_rtp_site_ssrc(t->code, TRUE);
  t->format.video.pt = d->program_video_pt;
  t->format.audio.pt = d->program_audio_pt;
  t->link.up = FALSE;
  t->link.why = g_strdup("no WHIP publisher yet");
  return t;
}

void
rc_site_webrtc_set_publisher(rc_site_transport *t, rc_webrtc_peer *peer)
{
  if (peer && !t->link.downs)
    g_clear_pointer(&t->link.why, g_free); /* "no WHIP publisher yet" is over; a real drop's reason stays */
  set_peer((site_webrtc *)t, &((site_webrtc *)t)->publisher, peer);
}

void
rc_site_webrtc_set_receiver(rc_site_transport *t, rc_webrtc_peer *peer)
{
  if (peer) {
    if (rc_webrtc_peer_pt(peer, FALSE) >= 0)
      t->format.video.out_pt = rc_webrtc_peer_pt(peer, FALSE);
    if (rc_webrtc_peer_pt(peer, TRUE) >= 0)
      t->format.audio.out_pt = rc_webrtc_peer_pt(peer, TRUE);
  }
  set_peer((site_webrtc *)t, &((site_webrtc *)t)->receiver, peer);
}

rc_webrtc_peer *
rc_site_webrtc_publisher(rc_site_transport *t)
{
  return ((site_webrtc *)t)->publisher;
}

rc_webrtc_peer *
rc_site_webrtc_receiver(rc_site_transport *t)
{
  return ((site_webrtc *)t)->receiver;
}

rc_site_transport *
rc_webrtc_viewer_new(rc_webrtc_peer *peer, guint32 video_ssrc, guint32 audio_ssrc)
{
  site_webrtc *w = g_new0(site_webrtc, 1);
  rc_site_transport *t = &w->base;
  g_mutex_init(&w->lock);
  rc_site_transport_desc d = {.code = "", .program_video_ssrc = video_ssrc, .program_audio_ssrc = audio_ssrc,
                              .program_video_pt = 0, .program_audio_pt = 0}; /* the peer's, just below */
  rc_site_transport_init(t, &viewer_ops, &d, NULL);
  rc_site_webrtc_set_receiver(t, peer);
  t->link.up = TRUE;
  return t;
}
