/* media-webrtc — WHIP publishers and WHEP viewers in the conference media:
 * the engine (devices/webrtc.h) made at the first offer, one binding per
 * peer (its resource, session, site or viewer, owner), a publisher's media
 * re-stamped into the shared ingest as its site's, the RTCP of peers that
 * receive for a site counted as that site's reports, and a viewer's
 * keyframe requests merged with everyone's. Main loop, except the engine's
 * rtp and rtcp callbacks (engine thread), which read only what a binding
 * fixed before its answer left. */
#define G_LOG_DOMAIN "roomctl-media"
#include "media/media-private.h"
#include "base/rc-error.h"
#include "devices/site-webrtc.h"

#include <string.h>

typedef struct {
  gboolean started, follow; /* follow: continue from @last_* of the one replaced */
  guint16 seq_offset, last_seq;
  guint32 ts_offset, last_ts;
  gint64 last_us;           /* when the last one came (monotonic) */
} numbering;

typedef struct {
  rc_media *m;
  rc_webrtc_peer *peer; /* a ref */
  gint64 session_id;
  gint64 site_id;       /* a publisher's site, or the site a WHEP peer receives for; 0 = a viewer */
  gint64 viewer_id;     /* a viewer's id in its session, 0 = none */
  gint64 owner_user_id, owner_site_id;
  gboolean publisher;
  guint32 site_ssrc[2]; /* [video, audio]: what a site's media are re-stamped to */
  /* A publisher's numbering, per medium, so that a replacement continues
   * the site's stream (engine thread; read by the main loop only once the
   * peer is closed). */
  numbering numbering[2];
} binding;

struct rc_media_rtc {
  rc_webrtc *engine;
  GHashTable *bindings; /* char* resource -> binding* */
  gint64 next_viewer;
};

static void
binding_free(gpointer data)
{
  binding *b = data;
  rc_webrtc_peer_unref(b->peer);
  g_free(b);
}

/* ---- the engine's callbacks ---- */

/* A replacing publisher's packets go on from the last sequence number and
 * timestamp of the one it replaced (one frame later): the site's stream
 * has no jump for its statistics, health and recording. */
static void
renumber(binding *b, gboolean audio, guint8 *rtp)
{
  numbering *n = &b->numbering[audio];
  guint16 seq = (guint16)(rtp[2] << 8 | rtp[3]);
  guint32 ts = (guint32)rtp[4] << 24 | (guint32)rtp[5] << 16 | (guint32)rtp[6] << 8 | rtp[7];
  if (!n->started) {
    n->started = TRUE;
    if (n->follow) { /* the clock runs on through the gap, so the transit time does not jump */
      gint64 gap_us = MAX(g_get_monotonic_time() - n->last_us, 20000);
      n->seq_offset = (guint16)(n->last_seq + 1 - seq);
      n->ts_offset = n->last_ts + (guint32)(gap_us * (audio ? 48000 : 90000) / G_USEC_PER_SEC) - ts;
      g_debug("webrtc %s: its %s goes on from the replaced publisher's: sequence %u becomes %u",
              rc_webrtc_peer_resource(b->peer), audio ? "audio" : "video", seq, (guint16)(n->last_seq + 1));
    }
  }
  n->last_us = g_get_monotonic_time();
  n->last_seq = (guint16)(seq + n->seq_offset);
  n->last_ts = ts + n->ts_offset;
  rc_rtp_restamp(rtp, b->site_ssrc[audio], n->last_seq, n->last_ts);
}

/* A publisher's packet, as its site's: the SSRCs of its code and the program's payload types. */
static void
on_rtp(gpointer data, rc_webrtc_peer *peer, gboolean audio, guint8 *rtp, gsize len)
{
  rc_media *m = data;
  binding *b = rc_webrtc_peer_get_data(peer);
  rc_ingest *in = rc_media_ingest(m, audio);
  if (!b || !b->publisher || !in)
    return;
  rc_rtp_restamp_source(rtp, b->site_ssrc[audio], audio ? RC_PT_OPUS : RC_PT_H264);
  renumber(b, audio, rtp);
  rc_ingest_feed(in, rtp, len, NULL);
}

static guint32
read32(const guint8 *p)
{
  return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

static void
write32(guint8 *p, guint32 v)
{
  p[0] = (guint8)(v >> 24), p[1] = (guint8)(v >> 16), p[2] = (guint8)(v >> 8), p[3] = (guint8)v;
}

/* Which of the program's media an RTCP packet is about (its first report
 * block or its feedback's media SSRC): 0 video, 1 audio, -1 neither. */
static int
program_medium(const guint8 *p, gsize len)
{
  guint8 type = p[1];
  guint32 about = 0;
  if (type == RC_RTCP_RR && len >= 12)
    about = read32(p + 8);
  else if (type == RC_RTCP_SR && len >= 32 && (p[0] & 0x1f))
    about = read32(p + 28);
  else if ((type == RC_RTCP_PSFB || type == RC_RTCP_RTPFB) && len >= 12)
    about = read32(p + 8);
  return about == RC_PROGRAM_VIDEO_SSRC ? 0 : about == RC_PROGRAM_AUDIO_SSRC ? 1 : -1;
}

static void
on_rtcp(gpointer data, rc_webrtc_peer *peer, guint8 *rtcp, gsize len)
{
  rc_media *m = data;
  binding *b = rc_webrtc_peer_get_data(peer);
  if (!b || len < 8)
    return;
  int medium = program_medium(rtcp, len);
  if (medium < 0)
    return;
  if (b->site_id && !b->publisher) { /* it receives for its site: the site's own reports */
    write32(rtcp + 4, b->site_ssrc[medium]);
    rc_ingest *in = rc_media_ingest(m, medium == 1);
    if (in)
      rc_ingest_feed_rtcp(in, rtcp, len);
  } else if (!b->site_id && medium == 0 && rtcp[1] == RC_RTCP_PSFB && ((rtcp[0] & 0x1f) == 1 || (rtcp[0] & 0x1f) == 4)) {
    rc_ingest *in = rc_media_ingest(m, FALSE); /* a viewer's PLI or FIR */
    if (in)
      rc_ingest_ask_keyframe(in, b->session_id);
  } else if (b->publisher && rc_webrtc_peer_receives(peer, medium == 1)) {
    write32(rtcp + 4, b->site_ssrc[medium]);
    rc_ingest *in = rc_media_ingest(m, medium == 1);
    if (in)
      rc_ingest_feed_rtcp(in, rtcp, len);
  }
}

static void
on_event(gpointer data, rc_webrtc_peer *peer, rc_webrtc_event event, const char *why)
{
  rc_media *m = data;
  rc_media_rtc *r = m ? *rc_media_rtc_slot(m) : NULL;
  binding *b = r ? g_hash_table_lookup(r->bindings, rc_webrtc_peer_resource(peer)) : NULL;
  if (!b || b->peer != peer)
    return;
  rc_site_transport *t = b->site_id ? rc_media_site_transport(m, b->session_id, b->site_id) : NULL;
  if (event == RC_WEBRTC_CONNECTED) {
    g_message("webrtc %s: connected (%s)", b->peer ? rc_webrtc_peer_resource(peer) : "",
              b->publisher ? "publisher" : b->site_id ? "site receiver" : "viewer");
    if (b->publisher && t && rc_site_webrtc_publisher(t) == peer) {
      rc_site_transport_set_link(t, TRUE, NULL);
      t->ops->request_keyframe(t);
    }
    if (b->viewer_id)
      rc_media_viewer_connected(m, b->session_id, b->viewer_id);
    else if (b->site_id && !b->publisher)
      rc_media_site_receiver_changed(m, b->session_id, b->site_id);
    return;
  }
  g_message("webrtc %s: closed: %s", rc_webrtc_peer_resource(peer), why ? why : "");
  if (t && rc_site_webrtc_publisher(t) == peer) {
    rc_site_webrtc_set_publisher(t, NULL);
    rc_site_transport_set_link(t, FALSE, why);
  }
  if (t && rc_site_webrtc_receiver(t) == peer)
    rc_site_webrtc_set_receiver(t, NULL);
  if (b->viewer_id)
    rc_media_viewer_remove(m, b->session_id, b->viewer_id);
  g_hash_table_remove(r->bindings, rc_webrtc_peer_resource(peer));
}

/* ---- the engine, made at the first offer ---- */

static char **
candidate_addresses(const rc_config *cf)
{
  if (cf->media_webrtc_address && *cf->media_webrtc_address) {
    char **list = g_strsplit(cf->media_webrtc_address, ",", -1);
    for (char **a = list; *a; a++)
      g_strstrip(*a);
    return list;
  }
  g_autoptr(GInetAddress) listen = cf->media_listen && *cf->media_listen ? g_inet_address_new_from_string(cf->media_listen) : NULL;
  char *one[] = {listen && !g_inet_address_get_is_any(listen) ? cf->media_listen : "127.0.0.1", NULL};
  return g_strdupv(one);
}

static rc_media_rtc *
rtc_of(rc_media *m, GError **error)
{
  rc_media_rtc **slot = rc_media_rtc_slot(m);
  const rc_config *cf = rc_media_config(m);
  if (*slot)
    return *slot;
  if (cf->media_webrtc_port <= 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_UNSUPPORTED, "WebRTC is off ([media] webrtc_port=0)");
    return NULL;
  }
  g_auto(GStrv) addresses = candidate_addresses(cf);
  rc_webrtc_setup setup = {cf->media_listen, cf->media_webrtc_port, (const char *const *)addresses, 30, 10, 30};
  rc_webrtc_host host = {m, on_rtp, on_rtcp, on_event};
  rc_webrtc *engine = rc_webrtc_new(&setup, &host, error);
  if (!engine)
    return NULL;
  rc_media_rtc *r = g_new0(rc_media_rtc, 1);
  r->engine = engine;
  r->bindings = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, binding_free);
  g_message("webrtc: WHIP/WHEP on UDP port %d, candidates %s", rc_webrtc_port(engine), addresses[0]);
  return *slot = r;
}

void
rc_media_rtc_free(rc_media *m)
{
  rc_media_rtc **slot = rc_media_rtc_slot(m);
  if (!*slot)
    return;
  rc_webrtc_free((*slot)->engine); /* no callback after this */
  g_hash_table_destroy((*slot)->bindings);
  g_clear_pointer(slot, g_free);
}

/* Closes the peers of @session_id (or of @site_id, when not 0) now: none of
 * their packets reaches the media after this returns (their CLOSED events
 * follow on the main loop). */
static void
close_where(rc_media *m, gint64 session_id, gint64 site_id, const char *why)
{
  rc_media_rtc *r = *rc_media_rtc_slot(m);
  if (!r)
    return;
  g_autoptr(GPtrArray) peers = g_ptr_array_new_with_free_func((GDestroyNotify)rc_webrtc_peer_unref);
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, r->bindings);
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    binding *b = value;
    if ((session_id && b->session_id == session_id) || (site_id && (b->site_id == site_id || b->owner_site_id == site_id)))
      g_ptr_array_add(peers, rc_webrtc_peer_ref(b->peer));
  }
  for (guint i = 0; i < peers->len; i++)
    rc_webrtc_close(r->engine, peers->pdata[i], why);
}

void
rc_media_rtc_session_ended(rc_media *m, gint64 session_id)
{
  close_where(m, session_id, 0, "the session's media ended");
}

void
rc_media_webrtc_drop_site(rc_media *m, gint64 site_id, const char *why)
{
  close_where(m, 0, site_id, why);
}

/* ---- offers ---- */

static gboolean
read_offer(const char *text, gsize len, gboolean publisher, rc_sdp_offer *offer, GError **error)
{
  g_autoptr(GError) e = NULL;
  if (rc_sdp_offer_parse(text, len, publisher, offer, &e))
    return TRUE;
  g_propagate_error(error, g_steal_pointer(&e));
  return FALSE;
}

static binding *
bind_peer(rc_media_rtc *r, rc_media *m, rc_webrtc_peer *peer, gint64 session_id)
{
  binding *b = g_new0(binding, 1);
  b->m = m;
  b->peer = peer; /* the caller's ref */
  b->session_id = session_id;
  rc_webrtc_peer_set_data(peer, b);
  g_hash_table_insert(r->bindings, (gpointer)rc_webrtc_peer_resource(peer), b);
  return b;
}

static void
result_of(rc_webrtc_peer *peer, char *answer, rc_media_webrtc_result *out)
{
  out->answer = answer;
  out->resource = g_strdup(rc_webrtc_peer_resource(peer));
}

gboolean
rc_media_webrtc_publish(rc_media *m, gint64 site_id, const char *text, gsize len, rc_media_webrtc_result *out,
                        GError **error)
{
  memset(out, 0, sizeof *out);
  gint64 session_id = rc_media_site_session(m, site_id, NULL);
  rc_site_transport *t = session_id ? rc_media_site_transport(m, session_id, site_id) : NULL;
  if (!t) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "the site is not in a live session (or its check) now");
    return FALSE;
  }
  if (!rc_site_is_webrtc(t)) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "the site's transport is %s, not webrtc", t->ops->kind);
    return FALSE;
  }
  rc_sdp_offer offer;
  rc_media_rtc *r;
  if (!read_offer(text, len, TRUE, &offer, error) || !(r = rtc_of(m, error)))
    return FALSE;
  rc_webrtc_peer *old = rc_site_webrtc_publisher(t);
  binding before = {0};
  if (old) {
    out->replaced = TRUE;
    /* No more packets of it; its binding stays until its CLOSED event, later. */
    rc_webrtc_close(r->engine, old, "replaced by a new publisher for the same site");
    binding *ob = g_hash_table_lookup(r->bindings, rc_webrtc_peer_resource(old));
    if (ob)
      before = *ob;
    rc_site_webrtc_set_publisher(t, NULL);
  }
  char *answer = NULL;
  rc_webrtc_peer *peer = rc_webrtc_add(r->engine, RC_WEBRTC_PUBLISHER, &offer, RC_PROGRAM_VIDEO_SSRC,
                                       RC_PROGRAM_AUDIO_SSRC, &answer);
  binding *b = bind_peer(r, m, peer, session_id);
  b->publisher = TRUE;
  b->site_id = b->owner_site_id = site_id;
  b->site_ssrc[0] = t->format.video.ssrc;
  b->site_ssrc[1] = t->format.audio.ssrc;
  for (int k = 0; k < 2; k++)
    if (before.numbering[k].started) {
      b->numbering[k].follow = TRUE;
      b->numbering[k].last_seq = before.numbering[k].last_seq;
      b->numbering[k].last_ts = before.numbering[k].last_ts;
      b->numbering[k].last_us = before.numbering[k].last_us;
    }
  rc_site_webrtc_set_publisher(t, peer);
  if (rc_webrtc_peer_receives(peer, FALSE) || rc_webrtc_peer_receives(peer, TRUE)) {
    rc_site_webrtc_set_receiver(t, peer); /* sendrecv: the program comes back on the same connection */
    rc_media_site_receiver_changed(m, session_id, site_id);
  }
  result_of(peer, answer, out);
  return TRUE;
}

gboolean
rc_media_webrtc_view(rc_media *m, const rc_media_webrtc_view_request *q, const char *text, gsize len,
                     rc_media_webrtc_result *out, GError **error)
{
  memset(out, 0, sizeof *out);
  if (!rc_media_has(m, q->session_id)) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "the session has no media now (it is not live)");
    return FALSE;
  }
  if (q->watch_site_id && rc_media_site_session(m, q->watch_site_id, NULL) != q->session_id) {
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "site: the site is not in this session's media");
    return FALSE;
  }
  rc_site_transport *own = q->owner_site_id ? rc_media_site_transport(m, q->session_id, q->owner_site_id) : NULL;
  rc_sdp_offer offer;
  rc_media_rtc *r;
  if (!read_offer(text, len, FALSE, &offer, error) || !(r = rtc_of(m, error)))
    return FALSE;
  char *answer = NULL;
  rc_webrtc_peer *peer = rc_webrtc_add(r->engine, RC_WEBRTC_VIEWER, &offer, RC_PROGRAM_VIDEO_SSRC,
                                       RC_PROGRAM_AUDIO_SSRC, &answer);
  binding *b = bind_peer(r, m, peer, q->session_id);
  b->owner_user_id = q->owner_user_id;
  b->owner_site_id = q->owner_site_id;
  if (own && rc_site_is_webrtc(own) && !q->watch_site_id) {
    /* A WebRTC site's own view: the program as the site takes it (its mix-minus). */
    b->site_id = q->owner_site_id;
    b->site_ssrc[0] = own->format.video.ssrc;
    b->site_ssrc[1] = own->format.audio.ssrc;
    rc_webrtc_peer *before = rc_site_webrtc_receiver(own);
    if (before && before != rc_site_webrtc_publisher(own))
      rc_webrtc_close(r->engine, before, "replaced by a new view for the same site");
    rc_site_webrtc_set_receiver(own, peer);
    rc_media_site_receiver_changed(m, q->session_id, q->owner_site_id);
  } else {
    b->viewer_id = ++r->next_viewer;
    rc_site_transport *v = rc_webrtc_viewer_new(peer, RC_PROGRAM_VIDEO_SSRC, RC_PROGRAM_AUDIO_SSRC);
    rc_media_viewer_add(m, q->session_id, b->viewer_id, v, q->watch_site_id, q->tier);
  }
  result_of(peer, answer, out);
  return TRUE;
}

gboolean
rc_media_webrtc_end(rc_media *m, const char *resource, gint64 owner_user_id, gint64 owner_site_id, GError **error)
{
  rc_media_rtc *r = *rc_media_rtc_slot(m);
  binding *b = r ? g_hash_table_lookup(r->bindings, resource) : NULL;
  if (!b || (owner_site_id && b->owner_site_id != owner_site_id) ||
      (!owner_site_id && (!owner_user_id || b->owner_user_id != owner_user_id))) {
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "no such WHIP/WHEP resource of yours");
    return FALSE;
  }
  rc_webrtc_close(r->engine, b->peer, "ended by its client (DELETE)");
  return TRUE;
}

void
rc_media_webrtc_result_clear(rc_media_webrtc_result *r)
{
  g_clear_pointer(&r->answer, g_free);
  g_clear_pointer(&r->resource, g_free);
}

gboolean
rc_media_webrtc_counters(rc_media *m, rc_media_webrtc_figures *out)
{
  rc_media_rtc *r = *rc_media_rtc_slot(m);
  memset(out, 0, sizeof *out);
  if (!r)
    return FALSE;
  rc_webrtc_counters c;
  rc_webrtc_counters_get(r->engine, &c);
  *out = (rc_media_webrtc_figures){c.peers, c.stun_ok, c.stun_refused, c.unknown_address, c.srtp_failed, c.rtp_in,
                                   c.rtp_out, c.peers_closed, c.retransmitted, c.send_errors};
  return TRUE;
}
