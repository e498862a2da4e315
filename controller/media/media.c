/* media — the main-loop side of the conference media: the session's sites
 * and where each one receives the program, the choice of program source
 * (chair, floor holder; switch or compose), keyframe requests, the
 * once-a-second figures, and the start and stop of every pipeline. */
#define G_LOG_DOMAIN "roomctl-media"
#include "media/media-private.h"
#include "base/rc-error.h"
#include "devices/room-audio.h"
#include "devices/site-transport.h"
#include "devices/site-webrtc.h"

/* A WHEP viewer: its egress, and what it watches (0 = the program). */
typedef struct {
  gint64 id;
  struct rc_site_transport *t;
  gint64 watch_site;
  guint32 watch_ssrc[2];
  int tier;      /* the compose tier it asked for (0 = the first) */
  int on_tier;   /* the fan-out it is on, -1 = none */
  gboolean placed;
} viewer;

/* One live session's media (or a pre-session check's): its sites, its
 * program (switch or compose) and fan-outs, its mix, recording and RTSP
 * path. Each gets what it needs at its start. */
typedef struct {
  rc_media *media;
  rc_config *config;
  gint64 session_id;
  GHashTable *sites;         /* gint64* id -> rc_media_site* */
  GArray *tiers;             /* rc_tier, the config's (borrowed) */
  gint64 chair_site_id, floor_site_id, source_site_id;
  gint64 grant_us;           /* when the floor was last asked to change */
  gboolean check_only;       /* a pre-session check: figures, no program */
  rc_media_policy policy;    /* closed, recording, RTSP */
  gboolean has_room;         /* the hall's microphone and speakers are this session's */
  rc_program_mode mode;
  GArray *tiles;             /* gint64 site ids (compose) */
  rc_ingest *video, *audio;  /* the shared ports (borrowed from the media) */
  rc_fanout **fanouts;       /* one per tier: program video out */
  rc_mixer *mixer;           /* program audio */
  rc_compose *compose;
  rc_recorder *recorder;
  rc_rtsp_out *rtsp, *rtsp_alias; /* at /session/ID, and at /program */
  guint tick_source, pending_source, pending_polls;
  rc_media_figures *last_figures; /* of the last tick, or NULL */
  rc_delay_histogram delay_ago[20]; /* the forwarding delay at the last 20 ticks (10 s) */
  guint delay_tick;
  GArray *local_audio_ports; /* int: recorder and RTSP inputs of the mix */
  GHashTable *viewers;       /* gint64* viewer id -> viewer* (WHEP, media-webrtc.c) */
  struct rc_room_audio *room; /* hall microphone and speakers, or NULL */
} conf;

/* Private to this file: the ports and RTSP server every live session
 * shares, and the sessions' media. */
struct rc_media {
  rc_config *config;
  GHashTable *confs;         /* gint64* session id -> conf* */
  rc_ingest *video, *audio;  /* while a session has media */
  rc_rtsp_server *rtsp;      /* while a session has media, if [media] rtsp_port */
  gint64 rtsp_alias;         /* the session shown at /program, 0 = none */
  gint64 room_holder;        /* the session the hall's audio is in, 0 = none */
  struct rc_room_audio *room; /* hall microphone and speakers, or NULL */
  rc_site_transport_host host; /* what the sites' transports get of the media */
  rc_media_rtc *rtc;           /* WHIP/WHEP (media-webrtc.c), NULL until the first offer */
  rc_media_stats_fn on_stats;
  rc_media_switch_fn on_switch;
  gpointer cb_data;
};

static rc_media_site *rc_media_site_get(conf *c, gint64 id);
/* Where the shared fan-out sends the program to @site ("host:port"), or
 * NULL: not known yet, or its transport sends it. (transfer full) */
static char *rc_media_site_destination(rc_media_site *site, gboolean audio);
/* Asks @site for a keyframe, the way its transport does. */
static void rc_media_ask_keyframe(conf *c, rc_media_site *site);
/* The sites that talk now (chair's site if remote, the floor holder's). */
static GArray *rc_media_talkers(conf *c);
static void conf_free(gpointer data);
static void unplace_site(conf *c, rc_media_site *s);

#define PENDING_POLL_MS 50 /* how soon a finished switch is noticed */
#define PLI_EVERY 6        /* polls between keyframe requests (300 ms) */

static void
viewer_free(gpointer data)
{
  viewer *v = data;
  rc_site_transport_free(v->t);
  g_free(v);
}

static void
site_free(gpointer data)
{
  rc_media_site *s = data;
  g_clear_pointer(&s->link, rc_site_transport_free);
  g_free(s->code);
  g_free(s->name);
  g_free(s->level);
  g_free(s->transport);
  g_free(s->video_client);
  g_free(s->audio_client);
  g_free(s->refused);
  g_free(s);
}

/* ---- what the sites' transports get ---- */

/* A site's packet that came another way (a pull) into the shared ingest. */
static void
host_feed(gpointer media, gboolean audio, const guint8 *rtp, gsize len)
{
  rc_media *m = media;
  rc_ingest *in = audio ? m->audio : m->video; /* the ports outlive every transport */
  if (in)
    rc_ingest_feed(in, rtp, len, NULL);
}

static void
host_send(gpointer media, gboolean audio, gboolean rtcp, const guint8 *data, gsize len, GSocketAddress *to)
{
  rc_media *m = media;
  rc_ingest *in = audio ? m->audio : m->video;
  if (in)
    rc_ingest_send(in, rtcp, data, len, to);
}

static void
host_queue(gpointer media, gboolean audio, const guint8 *data, gsize len, GSocketAddress *to)
{
  rc_media *m = media;
  rc_ingest *in = audio ? m->audio : m->video;
  if (in)
    rc_ingest_queue(in, data, len, to);
}

static void
host_flush(gpointer media)
{
  (void)media;
  rc_ingest_flush();
}

static void
host_bind(gpointer media, gboolean audio, rc_site_transport *t, GSocketAddress *rtp_from, GSocketAddress *rtcp_from,
          gboolean latch)
{
  rc_media *m = media;
  rc_ingest *in = audio ? m->audio : m->video;
  if (in)
    rc_ingest_bind(in, t, rtp_from, rtcp_from, latch);
}

static void
host_link(gpointer media, gint64 site_id, gboolean up, const char *why)
{
  (void)media;
  g_message("site %" G_GINT64_FORMAT ": link %s%s%s", site_id, up ? "up" : "down", why ? ": " : "", why ? why : "");
}

static void mixer_talkers(conf *c);
static conf *conf_of(rc_media *m, gint64 session_id);
static int site_tier(conf *c, rc_media_site *s);
static void place_site(conf *c, rc_media_site *s);
static int site_audio_clock(const rc_site_transport *t);

/* A site's audio format changed (a pull learned its codec): the ingest
 * takes its payload type and clock, and a talking site's mixer input is
 * swapped for its codec's. */
static void
host_format(gpointer media, gint64 site_id)
{
  rc_media *m = media;
  conf *c = conf_of(m, rc_media_site_session(m, site_id, NULL));
  rc_media_site *s = c ? rc_media_site_get(c, site_id) : NULL;
  if (!s || !s->link) /* its transport is being made: start_transport reads its format */
    return;
  s->audio_pt = s->link->format.audio.pt;
  s->audio_clock_rate = site_audio_clock(s->link);
  int tier = site_tier(c, s);
  if (tier != s->tier) { /* a call's decoder takes another tier than its level's */
    s->tier = tier;
    if (c->fanouts)
      place_site(c, s);
  }
  g_autoptr(GError) error = NULL;
  if (!rc_ingest_set_streams(c->audio, c->session_id, c->sites, &error))
    g_warning("session %" G_GINT64_FORMAT ": %s", c->session_id, error->message);
  mixer_talkers(c);
}

rc_media *
rc_media_new(rc_config *config)
{
  rc_media *m = g_new0(rc_media, 1);
  m->config = config;
  m->confs = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
  m->host = (rc_site_transport_host){.media = m, .feed = host_feed, .send = host_send, .link = host_link,
                                     .format = host_format, .bind = host_bind, .queue = host_queue,
                                     .flush = host_flush};
  return m;
}

void
rc_media_free(rc_media *m)
{
  if (!m)
    return;
  g_autoptr(GArray) ids = rc_media_sessions(m);
  for (guint i = 0; i < ids->len; i++)
    rc_media_stop(m, g_array_index(ids, gint64, i));
  rc_media_rtc_free(m);
  g_hash_table_destroy(m->confs);
  g_free(m);
}

void
rc_media_set_callbacks(rc_media *m, rc_media_stats_fn stats, rc_media_switch_fn switched, gpointer user_data)
{
  m->on_stats = stats;
  m->on_switch = switched;
  m->cb_data = user_data;
}

void
rc_media_set_room_audio(rc_media *m, struct rc_room_audio *room)
{
  m->room = room;
}

struct rc_room_audio *
rc_media_room_audio(rc_media *m)
{
  return m->room;
}

static conf *
conf_of(rc_media *m, gint64 session_id)
{
  return session_id ? g_hash_table_lookup(m->confs, &session_id) : NULL;
}

/* The RTP clock of what @t's site sends as audio. */
static int
site_audio_clock(const rc_site_transport *t)
{
  const rc_site_stream_format *f = &t->format.audio;
  return f->clock_rate > 0 ? f->clock_rate : rc_audio_codec_get(f->codec)->clock_rate;
}

gboolean
rc_media_has(rc_media *m, gint64 session_id)
{
  return conf_of(m, session_id) != NULL;
}

static gint
by_id(gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
  return x < y ? -1 : x > y;
}

GArray *
rc_media_sessions(rc_media *m)
{
  GArray *ids = g_array_new(FALSE, FALSE, sizeof(gint64));
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init(&it, m->confs);
  while (g_hash_table_iter_next(&it, &key, NULL))
    g_array_append_val(ids, *(gint64 *)key);
  g_array_sort(ids, by_id);
  return ids;
}

gint64
rc_media_site_session(rc_media *m, gint64 site_id, gboolean *check_only)
{
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, m->confs);
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    conf *c = value;
    if (g_hash_table_contains(c->sites, &site_id)) {
      if (check_only)
        *check_only = c->check_only;
      return c->session_id;
    }
  }
  return 0;
}

static rc_media_site *
rc_media_site_get(conf *c, gint64 id)
{
  return id ? g_hash_table_lookup(c->sites, &id) : NULL;
}

static char *
rc_media_site_destination(rc_media_site *s, gboolean audio)
{
  /* The program's audio in the codec the site takes carries that codec's payload type. */
  int program_pt = !audio ? RC_PT_H264 : s->link ? rc_audio_codec_get(s->link->format.audio.out_codec)->pt : RC_PT_OPUS;
  if (!s->link || !rc_site_transport_shared(s->link, audio, audio ? RC_PROGRAM_AUDIO_SSRC : RC_PROGRAM_VIDEO_SSRC,
                                            program_pt) || !s->link->ops->destination)
    return NULL;
  g_autoptr(GSocketAddress) a = s->link->ops->destination(s->link, audio);
  if (!G_IS_INET_SOCKET_ADDRESS(a))
    return NULL;
  g_autofree char *ip = g_inet_address_to_string(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(a)));
  return g_strdup_printf("%s:%u", ip, g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(a)));
}

static int
tier_for(conf *c, const char *level)
{
  /* Communes are on the weakest links: they get the last (smallest) tier. */
  return g_strcmp0(level, "commune") == 0 ? (int)c->tiers->len - 1 : 0;
}

/* The site's tier: what its transport negotiated (clamped), else its level's. */
static int
site_tier(conf *c, rc_media_site *s)
{
  int negotiated = s->link ? s->link->format.video.tier : -1;
  return negotiated >= 0 ? MIN(negotiated, (int)c->tiers->len - 1) : tier_for(c, s->level);
}

/* A site's own value, or @fallback when it has none (-1). */
static int
own_or(int value, int fallback)
{
  return value >= 0 ? value : fallback;
}

/* What may change while the site is in the session: its payload types and caps. */
static void
site_media_settings(conf *c, rc_media_site *s, const rc_media_site_desc *d)
{
  const rc_config *cf = c->config;
  /* A pulled site's packets are made by our own payloader, its audio of
   * the codec its stream has (its transport's). */
  gboolean pulled = g_strcmp0(s->transport, "rtp") != 0;
  s->video_pt = pulled ? RC_PT_H264 : own_or(d->h264_payload_type, cf->media_h264_payload_type);
  s->audio_pt = pulled ? (s->link ? s->link->format.audio.pt : RC_PT_OPUS)
                       : own_or(d->opus_payload_type, cf->media_opus_payload_type);
  s->video_cap_kbps = own_or(d->video_cap_kbps, cf->media_video_cap_kbps);
  s->audio_cap_kbps = own_or(d->audio_cap_kbps, cf->media_audio_cap_kbps);
  if (s->link) { /* what it sends changed: its transport says so too */
    s->link->format.video.pt = s->video_pt;
    s->link->format.audio.pt = s->audio_pt;
  }
  if (s->link && g_strcmp0(s->link->ops->kind, "rtp") == 0) /* where it may send from, too (rc_ingest_set_streams) */
    rc_ipv4_net_for_site(d->media_from, d->address, &s->link->heard_from);
}

static rc_media_site *
site_new(conf *c, const rc_media_site_desc *d)
{
  rc_media_site *s = g_new0(rc_media_site, 1);
  s->id = d->id;
  s->code = g_strdup(d->code ? d->code : "");
  s->name = g_strdup(d->name ? d->name : "");
  s->level = g_strdup(d->level);
  s->transport = g_strdup(d->transport ? d->transport : "rtp");
  s->tier = tier_for(c, s->level);
  s->egress_tier = -1;
  site_media_settings(c, s, d);
  return s;
}

/* Whether @listen is empty, 0.0.0.0 or :: (every address). */
static gboolean
listens_everywhere(const char *listen)
{
  g_autoptr(GInetAddress) a = listen && *listen ? g_inet_address_new_from_string(listen) : NULL;
  return !listen || !*listen || (a && g_inet_address_get_is_any(a));
}

/* The site's transport (site-transport.h): its SSRCs and payload types,
 * where the program reaches it, how it is asked for a keyframe. FALSE
 * (logged) when it cannot be made: the site is then left out. */
static gboolean
start_transport(conf *c, rc_media_site *s, const rc_media_site_desc *d)
{
  rc_site_transport_desc td = {.id = s->id, .code = s->code, .transport = s->transport, .address = d->address,
                               .media_from = d->media_from,
                               .video_pt = s->video_pt, .audio_pt = s->audio_pt,
                               .tcp_only = !listens_everywhere(c->config->media_listen),
                               .srtp_key = d->srtp_key, .srtp_refused = d->srtp_refused,
                               .program_video_ssrc = RC_PROGRAM_VIDEO_SSRC, .program_audio_ssrc = RC_PROGRAM_AUDIO_SSRC,
                               .program_video_pt = RC_PT_H264, .program_audio_pt = RC_PT_OPUS};
  if (!(s->link = rc_site_transport_new(&td, &c->media->host)))
    return FALSE;
  const rc_site_format *f = &s->link->format;
  s->ssrc_video = f->video.ssrc;
  s->ssrc_audio = f->audio.ssrc;
  s->video_pt = f->video.pt;
  s->audio_pt = f->audio.pt;
  s->audio_clock_rate = site_audio_clock(s->link);
  return TRUE;
}

/* ---- fan-out membership ---- */

static gboolean
split_client(const char *client, char **host, int *port)
{
  const char *colon = strrchr(client, ':');
  if (!colon)
    return FALSE;
  *host = g_strndup(client, (gsize)(colon - client));
  *port = atoi(colon + 1);
  return TRUE;
}

/* In switch mode everybody is on tier 0 (the source's own stream). */
static int
fanout_tier(conf *c, rc_media_site *s)
{
  return c->mode == RC_PROGRAM_COMPOSE ? s->tier : 0;
}

/* A site whose transport sends the program itself: an egress member of its tier's fan-out. */
static gboolean
place_egress(conf *c, rc_media_site *s, int tier)
{
  gboolean own = s->link && rc_site_transport_sends_itself(s->link) &&
                 !rc_site_transport_shared(s->link, FALSE, RC_PROGRAM_VIDEO_SSRC, RC_PT_H264);
  if (s->egress_tier >= 0 && (!own || s->egress_tier != tier)) {
    rc_fanout_remove_egress(c->fanouts[s->egress_tier], s->link);
    s->egress_tier = -1;
  }
  if (own && s->egress_tier < 0) {
    rc_fanout_add_egress(c->fanouts[tier], s->link);
    s->egress_tier = tier;
  }
  return own;
}

/* Puts @s on the fan-out and at the address it should have now. */
static void
place_site(conf *c, rc_media_site *s)
{
  if (s->refused) { /* a closed session's site in clear: no program */
    unplace_site(c, s);
    g_clear_pointer(&s->video_client, g_free);
    return;
  }
  if (place_egress(c, s, fanout_tier(c, s))) {
    g_autofree char *host = NULL;
    int port = 0;
    if (s->video_client && split_client(s->video_client, &host, &port)) /* no shared copy besides its own */
      rc_fanout_remove(c->fanouts[s->client_tier], host, port);
    g_clear_pointer(&s->video_client, g_free);
    return;
  }
  g_autofree char *dest = rc_media_site_destination(s, FALSE);
  int tier = fanout_tier(c, s);
  if (g_strcmp0(dest, s->video_client) == 0 && tier == s->client_tier)
    return;
  g_autofree char *host = NULL;
  int port = 0;
  if (s->video_client && split_client(s->video_client, &host, &port))
    rc_fanout_remove(c->fanouts[s->client_tier], host, port);
  g_clear_pointer(&host, g_free);
  g_free(s->video_client);
  s->video_client = g_steal_pointer(&dest);
  s->client_tier = tier;
  if (s->video_client && split_client(s->video_client, &host, &port))
    rc_fanout_add(c->fanouts[tier], host, port);
}

/* A viewer of the program on its tier's fan-out (everybody's is tier 0 in switch mode). */
static void
place_viewer(conf *c, viewer *v)
{
  int tier = c->mode == RC_PROGRAM_COMPOSE ? v->tier : 0;
  if (!v->placed || v->watch_site || !c->fanouts || tier == v->on_tier)
    return;
  if (v->on_tier >= 0)
    rc_fanout_remove_egress(c->fanouts[v->on_tier], v->t);
  rc_fanout_add_egress(c->fanouts[tier], v->t);
  v->on_tier = tier;
}

static void
place_all_sites(conf *c)
{
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, c->sites);
  while (g_hash_table_iter_next(&it, NULL, &value))
    place_site(c, value);
  g_hash_table_iter_init(&it, c->viewers);
  while (g_hash_table_iter_next(&it, NULL, &value))
    place_viewer(c, value);
}

/* ---- the program audio ---- */

/* Every site and where its audio goes, to the mixer. */
static void
mixer_listeners(conf *c)
{
  if (!c->mixer)
    return;
  guint n = g_hash_table_size(c->sites), i = 0;
  g_autofree rc_mixer_listener *l = g_new0(rc_mixer_listener, MAX(n, 1));
  g_autoptr(GPtrArray) dests = g_ptr_array_new_with_free_func(g_free);
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, c->sites);
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    rc_media_site *s = value;
    if (s->refused)
      continue;
    char *dest = rc_media_site_destination(s, TRUE);
    g_ptr_array_add(dests, dest);
    l[i++] = (rc_mixer_listener){s->id, dest, s->link && rc_site_transport_sends_itself(s->link) ? s->link : NULL,
                                 s->link ? s->link->format.audio.out_codec : RC_AUDIO_OPUS};
  }
  /* WHEP viewers of the program take the full mix (ids of their own, below zero). */
  l = g_renew(rc_mixer_listener, l, MAX(n + g_hash_table_size(c->viewers), 1));
  g_hash_table_iter_init(&it, c->viewers);
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    viewer *v = value;
    if (v->placed && !v->watch_site)
      l[i++] = (rc_mixer_listener){-v->id, NULL, v->t, RC_AUDIO_OPUS};
  }
  rc_mixer_refresh(c->mixer, l, i);
}

/* The talkers (rc_media_talkers) to the mixer, then where everyone listens. */
static void
mixer_talkers(conf *c)
{
  if (!c->mixer)
    return;
  g_autoptr(GArray) ids = rc_media_talkers(c);
  g_autofree rc_mixer_talker *t = g_new0(rc_mixer_talker, MAX(ids->len, 1));
  guint n = 0;
  for (guint i = 0; i < ids->len; i++) {
    rc_media_site *s = rc_media_site_get(c, g_array_index(ids, gint64, i));
    const rc_site_stream_format *f = s && s->link ? &s->link->format.audio : NULL;
    if (f)
      t[n++] = (rc_mixer_talker){s->id, s->ssrc_audio, s->code, s->name, f->codec, f->pt, f->clock_rate, f->fmtp};
  }
  rc_mixer_set_talkers(c->mixer, t, n);
  mixer_listeners(c);
}

/* ---- the program source ---- */

/* Whether the program may show or mix @id (a refused site's media are not taken). */
static gboolean
usable(conf *c, gint64 id)
{
  rc_media_site *s = rc_media_site_get(c, id);
  return s && !s->refused;
}

static gint64
wanted_source(conf *c)
{
  gint64 id = c->floor_site_id ? c->floor_site_id : c->chair_site_id;
  if (!usable(c, id))
    id = usable(c, c->chair_site_id) ? c->chair_site_id : 0;
  return id;
}

static void
rc_media_ask_keyframe(conf *c, rc_media_site *s)
{
  (void)c;
  if (s->link && s->link->ops->request_keyframe)
    s->link->ops->request_keyframe(s->link);
}

static gboolean
on_pending(gpointer data)
{
  conf *c = data;
  rc_media_site *s = rc_media_site_get(c, wanted_source(c));
  gint64 at = 0;
  guint32 now = rc_ingest_forwarded(c->video, c->session_id, &at);
  if (!s || now == s->ssrc_video) {
    c->pending_source = 0;
    if (s && c->source_site_id != s->id) {
      gint64 took = MAX(at - c->grant_us, 0);
      c->source_site_id = s->id;
      g_message("session %" G_GINT64_FORMAT ": program now shows %s (%s), %.0f ms after the grant", c->session_id,
                s->code, s->name, took / 1000.0);
      if (c->media->on_switch)
        c->media->on_switch(c->session_id, s->id, took, c->media->cb_data);
    }
    return G_SOURCE_REMOVE;
  }
  if (++c->pending_polls % PLI_EVERY == 0)
    rc_media_ask_keyframe(c, s); /* again: the first PLI may have been lost */
  return G_SOURCE_CONTINUE;
}

/* Points switch-mode forwarding at the wanted source. */
static void
apply_source(conf *c)
{
  if (!c->video || c->mode != RC_PROGRAM_SWITCH || c->check_only)
    return;
  rc_media_site *s = rc_media_site_get(c, wanted_source(c));
  c->grant_us = g_get_monotonic_time();
  rc_ingest_forward(c->video, c->session_id, s ? s->ssrc_video : 0, rc_fanout_input(c->fanouts[0]));
  if (!s) { /* nothing forwarded from now on (a closed session's chair site refused) */
    c->source_site_id = 0;
    return;
  }
  rc_media_ask_keyframe(c, s);
  c->pending_polls = 0;
  if (!c->pending_source)
    c->pending_source = g_timeout_add(PENDING_POLL_MS, on_pending, c);
}

/* ---- a closed session: only encrypted media ---- */

/* What a closed session says of @s, a site whose media are in clear, or
 * NULL: it takes it. (transfer full) */
static char *
refusal(conf *c, rc_media_site *s)
{
  if (!c->policy.closed || !s->link || rc_site_transport_encrypted(s->link))
    return NULL;
  static const char *const what[][2] = {{"rtp", "RTP without SRTP"}, {"sip", "SIP without SRTP"},
                                        {"rtsp", "RTSP pull, unencrypted"}, {"srt", "SRT pull, unencrypted"}};
  const char *how = s->transport;
  for (guint i = 0; i < G_N_ELEMENTS(what); i++)
    if (g_strcmp0(s->transport, what[i][0]) == 0)
      how = what[i][1];
  return g_strdup_printf("phiên họp kín: site %s gửi media không mã hóa (%s)", s->code, how);
}

/* Each site's refusal follows the policy and its transport (a call set up
 * without SRTP); a site that changed leaves (or rejoins) the program, the
 * mix, the grid and its fan-out at once. */
static void
refuse_in_clear(conf *c)
{
  gboolean changed = FALSE, tile = FALSE;
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, c->sites);
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    rc_media_site *s = value;
    g_autofree char *why = refusal(c, s);
    if (g_strcmp0(why, s->refused) == 0)
      continue;
    if (why)
      g_message("session %" G_GINT64_FORMAT ": site %s refused: %s", c->session_id, s->code, why);
    else
      g_message("session %" G_GINT64_FORMAT ": site %s taken again", c->session_id, s->code);
    g_free(s->refused);
    s->refused = g_steal_pointer(&why);
    changed = TRUE;
    for (guint i = 0; i < c->tiles->len; i++)
      tile |= g_array_index(c->tiles, gint64, i) == s->id;
    tile |= s->id == c->chair_site_id || s->id == c->floor_site_id;
  }
  if (!changed || c->check_only)
    return;
  place_all_sites(c);
  if (c->mode == RC_PROGRAM_COMPOSE && tile)
    rc_media_set_layout(c->media, c->session_id, RC_PROGRAM_COMPOSE, NULL, NULL);
  else
    apply_source(c);
  mixer_talkers(c);
}

/* ---- once a second ---- */

const char *
rc_drop_reason_name(rc_drop_reason reason)
{
  static const char *const names[RC_DROP_REASONS] = {"unknown_ssrc", "malformed", "wrong_payload_type",
                                                     "rtcp_malformed", "over_cap", "srtp_failed",
                                                     "spoofed"};
  return reason < RC_DROP_REASONS ? names[reason] : "?";
}

static void
site_figures_clear(gpointer data)
{
  rc_media_site_figures *f = data;
  g_free(f->code);
  g_free(f->name);
  g_free(f->link_why);
  g_free(f->refused);
}

static void
figures_clear(gpointer data)
{
  rc_media_figures *f = data;
  g_clear_pointer(&f->sites, g_array_unref);
}

static rc_media_figures *
figures_new(gint64 session_id)
{
  rc_media_figures *f = g_rc_box_new0(rc_media_figures);
  f->session_id = session_id;
  f->sites = g_array_new(FALSE, TRUE, sizeof(rc_media_site_figures));
  g_array_set_clear_func(f->sites, site_figures_clear);
  return f;
}

rc_media_figures *
rc_media_figures_ref(rc_media_figures *f)
{
  return g_rc_box_acquire(f);
}

void
rc_media_figures_unref(rc_media_figures *f)
{
  if (f)
    g_rc_box_release_full(f, figures_clear);
}

static double
age_s(gint64 now, gint64 then_us)
{
  return then_us ? (now - then_us) / 1e6 : -1.0;
}

/* One stream's snapshot as the figures show it. */
static void
stream_figures(rc_media_stream_figures *f, const rc_ingest_snapshot *snap, gint64 now)
{
  const rc_stream_report *r = &snap->report;
  *f = (rc_media_stream_figures){
    .packets = r->packets, .bytes = r->bytes, .expected = r->expected, .lost = r->lost,
    .loss_ratio = r->loss_ratio, .settled_expected = r->settled_expected, .settled_lost = r->settled_lost,
    .jitter_ms = r->jitter_ms, .bitrate_bps = r->bitrate_bps, .delta_bitrate_bps = r->delta_bitrate_bps,
    .idle_s = age_s(now, r->last_packet_us), .keyframes = r->keyframes,
    .keyframe_interval_s = r->keyframe_interval_s, .keyframe_age_s = age_s(now, r->last_keyframe_us),
    .payload_type = snap->payload_type, .cap_kbps = snap->cap_kbps, .over_cap_packets = snap->over_cap_packets,
    .over_cap_bytes = snap->over_cap_bytes, .wrong_pt_packets = snap->wrong_pt_packets,
    .wrong_pt = snap->wrong_pt_us ? snap->last_wrong_pt : -1, .wrong_pt_age_s = age_s(now, snap->wrong_pt_us),
    .have_rr = snap->have_rr, .spoofed_packets = snap->spoofed_packets,
    .spoofed_age_s = age_s(now, snap->spoofed_us),
  };
  if (snap->spoofed_key)
    g_snprintf(f->spoofed_from, sizeof f->spoofed_from, "%u.%u.%u.%u:%u", (guint)(snap->spoofed_key >> 40) & 255,
               (guint)(snap->spoofed_key >> 32) & 255, (guint)(snap->spoofed_key >> 24) & 255,
               (guint)(snap->spoofed_key >> 16) & 255, (guint)snap->spoofed_key & 0xffff);
  else if (snap->spoofed_us)
    g_strlcpy(f->spoofed_from, "fed", sizeof f->spoofed_from);
  if (snap->have_rr) {
    f->rr_fraction_lost = snap->rr.fraction_lost / 256.0;
    f->rr_cumulative_lost = snap->rr.cumulative_lost;
    f->rr_jitter = snap->rr.jitter;
    f->rr_age_s = age_s(now, snap->rr_at_us);
  }
}

/* Folds one ingest's snapshots into @f, a row per site (@rows: site id ->
 * its row's index + 1). */
static void
collect(conf *c, GArray *snaps, gboolean audio, rc_media_figures *f, GHashTable *rows)
{
  gint64 now = g_get_monotonic_time();
  for (guint i = 0; i < snaps->len; i++) {
    rc_ingest_snapshot *snap = &g_array_index(snaps, rc_ingest_snapshot, i);
    rc_media_site *s = rc_media_site_get(c, snap->site_id);
    if (!s)
      continue;
    if (snap->source && s->link->ops->learned)
      s->link->ops->learned(s->link, audio, snap->source);
    guint row = GPOINTER_TO_UINT(g_hash_table_lookup(rows, &s->id));
    if (!row) {
      rc_media_site_figures sf = {.site_id = s->id, .code = g_strdup(s->code), .name = g_strdup(s->name),
                                  .transport = s->link->ops->kind, .link_up = s->link->link.up,
                                  .link_why = g_strdup(s->link->link.why), .link_downs = s->link->link.downs,
                                  .receives_program = s->link->ops->receives_program,
                                  .audio_absent = s->link->format.audio.absent, .tier = s->tier,
                                  .held = s->link->link.up && s->link->link.held,
                                  .refused = g_strdup(s->refused),
                                  .encrypted = rc_site_transport_encrypted(s->link),
                                  .audio_codec = s->link->format.audio.sends
                                                     ? rc_audio_codec_name(s->link->format.audio.codec) : NULL};
      if (s->refused) { /* its link is down for the session: it is refused */
        sf.link_up = FALSE;
        g_free(sf.link_why);
        sf.link_why = g_strdup(s->refused);
      }
      if (g_strcmp0(s->link->ops->kind, "rtp") == 0 && !s->link->heard_from.set)
        sf.nowhere = "no media_from nor address configured: its media are refused";
      g_array_append_val(f->sites, sf);
      row = f->sites->len;
      g_hash_table_insert(rows, &s->id, GUINT_TO_POINTER(row));
    }
    rc_media_site_figures *sf = &g_array_index(f->sites, rc_media_site_figures, row - 1);
    stream_figures(audio ? &sf->audio : &sf->video, snap, now);
    *(audio ? &sf->have_audio : &sf->have_video) = TRUE;
  }
}

static void
merge_keyframe_requests(conf *c)
{
  if (!rc_ingest_take_keyframe_request(c->video, c->session_id))
    return;
  /* Requests from hundreds of receivers arrive here at most once a second. */
  if (c->mode == RC_PROGRAM_COMPOSE && c->compose)
    rc_compose_request_keyframe(c->compose);
  else if (rc_media_site_get(c, c->source_site_id))
    rc_media_ask_keyframe(c, rc_media_site_get(c, c->source_site_id));
}

/* The switch program's forwarding delay: the cumulative histogram (for
 * scrapers and benchmarks, which diff two of them) and its quantiles over
 * the last ten seconds. */
static void
forward_delay(conf *c, rc_media_figures *f)
{
  G_STATIC_ASSERT(RC_MEDIA_DELAY_BUCKETS == RC_DELAY_BUCKETS);
  rc_delay_histogram now;
  rc_ingest_forward_delay(c->video, c->session_id, &now);
  guint slot = c->delay_tick++ % G_N_ELEMENTS(c->delay_ago);
  const rc_delay_histogram *ago = &c->delay_ago[slot]; /* 20 ticks (10 s) back, or zeros */
  f->forward_delay.bounds_ms = rc_delay_bounds_ms;
  memcpy(f->forward_delay.counts, now.counts, sizeof now.counts);
  f->forward_delay.count = now.count;
  f->forward_delay.sum_ms = now.sum_ms;
  f->forward_delay.p50_ms_10s = rc_delay_quantile(&now, ago, 0.5);
  f->forward_delay.p99_ms_10s = rc_delay_quantile(&now, ago, 0.99);
  c->delay_ago[slot] = now;
}

/* A browser sends a keyframe only when asked: a WebRTC site whose last one
 * is half [health] keyframe_seconds old is asked, so that its recording
 * stays seekable and its health does not call a quiet encoder broken. */
static void
refresh_keyframes(conf *c, const rc_media_figures *f)
{
  gint64 now = g_get_monotonic_time(), every = (gint64)(c->config->health_keyframe_seconds / 2 * G_USEC_PER_SEC);
  for (guint i = 0; i < f->sites->len; i++) {
    const rc_media_site_figures *sf = &g_array_index(f->sites, rc_media_site_figures, i);
    rc_media_site *s = rc_media_site_get(c, sf->site_id);
    if (s && rc_site_is_webrtc(s->link) && sf->have_video && sf->video.keyframe_age_s * G_USEC_PER_SEC >= every &&
        now - s->keyframe_asked_us >= every) {
      s->keyframe_asked_us = now;
      rc_media_ask_keyframe(c, s);
    }
  }
}

static gboolean
on_tick(gpointer data)
{
  conf *c = data;
  refuse_in_clear(c); /* a call set up since the last tick: is it encrypted? */
  rc_media_figures *f = figures_new(c->session_id);
  G_STATIC_ASSERT(RC_INGEST_COUNTERS == RC_DROP_REASONS);
  GArray *v = rc_ingest_snapshot_all(c->video, c->session_id, f->dropped[0]);
  GArray *a = rc_ingest_snapshot_all(c->audio, c->session_id, f->dropped[1]);
  g_autoptr(GHashTable) rows = g_hash_table_new(g_int64_hash, g_int64_equal);
  collect(c, v, FALSE, f, rows);
  collect(c, a, TRUE, f, rows);
  rc_ingest_snapshots_free(v);
  rc_ingest_snapshots_free(a);
  place_all_sites(c);
  mixer_listeners(c);
  merge_keyframe_requests(c);
  refresh_keyframes(c, f);
  forward_delay(c, f);
  g_clear_pointer(&c->last_figures, rc_media_figures_unref);
  c->last_figures = f;
  if (c->media->on_stats)
    c->media->on_stats(f, c->media->cb_data);
  return G_SOURCE_CONTINUE;
}

/* ---- start and stop ---- */

/* The hall's site: [media] chair_site, or else the province's. */
static gboolean
is_hall(const rc_config *config, const char *code, const char *level)
{
  return *config->media_chair_site ? g_strcmp0(code, config->media_chair_site) == 0
                                   : g_strcmp0(level, "province") == 0;
}

/* The rank of a level as a chair: province, district, department, then the rest. */
static int
level_rank(const char *level)
{
  static const char *const order[] = {"province", "district", "department"};
  for (guint i = 0; i < G_N_ELEMENTS(order); i++)
    if (g_strcmp0(level, order[i]) == 0)
      return (int)i;
  return G_N_ELEMENTS(order);
}

/* The chair's site: the hall's when it is in the session; else (a
 * department with its district offices, say) the highest level's, the
 * first by code among equals. */
static gint64
find_chair_site(conf *c)
{
  rc_media_site *best = NULL;
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, c->sites);
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    rc_media_site *s = value;
    if (is_hall(c->config, s->code, s->level))
      return s->id;
    if (!best || level_rank(s->level) < level_rank(best->level) ||
        (level_rank(s->level) == level_rank(best->level) && g_strcmp0(s->code, best->code) < 0))
      best = s;
  }
  return best ? best->id : 0;
}

/* The recorder's and the RTSP output's inputs on the program:
 * 127.0.0.1:@port as a client of every program output of @audio kind. */
static void
tap(gpointer data, gboolean audio, int port, gboolean add)
{
  conf *c = data;
  if (audio) { /* kept for a mixer made after this call */
    for (guint i = 0; i < c->local_audio_ports->len; i++)
      if (g_array_index(c->local_audio_ports, int, i) == port)
        g_array_remove_index(c->local_audio_ports, i--);
    if (add)
      g_array_append_val(c->local_audio_ports, port);
    if (c->mixer)
      rc_mixer_local_client(c->mixer, port, add);
    return;
  }
  for (guint t = 0; c->fanouts && t < 1; t++) /* recorder and RTSP take the first tier */
    (add ? rc_fanout_add : rc_fanout_remove)(c->fanouts[t], "127.0.0.1", port);
}

/* The session's program at /session/ID, and at /program while no other
 * session is shown there (the first to go live). */
static gboolean
start_rtsp(conf *c, const rc_media_outlet *out, GError **error)
{
  rc_media *m = c->media;
  g_autofree char *path = g_strdup_printf("/session/%" G_GINT64_FORMAT, c->session_id);
  if (!(c->rtsp = rc_rtsp_out_new(out, m->rtsp, path, error)))
    return FALSE;
  if (m->rtsp_alias)
    return TRUE;
  if (!(c->rtsp_alias = rc_rtsp_out_new(out, m->rtsp, "/program", error)))
    return FALSE;
  m->rtsp_alias = c->session_id;
  return TRUE;
}

/* Whether the session is recorded and served at RTSP now (never while closed). */
static gboolean
records(conf *c)
{
  return !c->check_only && !c->policy.closed &&
         (c->policy.record < 0 ? c->config->media_record : c->policy.record > 0);
}

static gboolean
serves_rtsp(conf *c)
{
  return !c->check_only && !c->policy.closed && c->media->rtsp && c->policy.rtsp != 0;
}

static void alias_to_next(rc_media *m);

/* The session's RTSP paths go: their viewers are dropped; /program goes
 * on with another session's program, if any. */
static void
stop_rtsp(conf *c)
{
  g_clear_pointer(&c->rtsp_alias, rc_rtsp_out_free);
  g_clear_pointer(&c->rtsp, rc_rtsp_out_free);
  if (c->media->rtsp_alias == c->session_id) {
    c->media->rtsp_alias = 0;
    alias_to_next(c->media);
  }
}

/* The recorder and the RTSP output follow the policy. */
static gboolean
apply_outputs(conf *c, GError **error)
{
  rc_media_outlet out = {c->config, c->session_id, tap, c};
  if (!records(c) && c->recorder) {
    g_message("session %" G_GINT64_FORMAT ": recording stops (%s)", c->session_id,
              c->policy.closed ? "closed session" : "switched off");
    g_clear_pointer(&c->recorder, rc_recorder_free);
  }
  if (!serves_rtsp(c) && c->rtsp) {
    g_message("session %" G_GINT64_FORMAT ": RTSP output stops (%s)", c->session_id,
              c->policy.closed ? "closed session" : "switched off");
    stop_rtsp(c);
  }
  if (records(c) && !c->recorder && !(c->recorder = rc_recorder_new(&out, error)))
    return FALSE;
  if (serves_rtsp(c) && !c->rtsp && !start_rtsp(c, &out, error))
    return FALSE;
  return TRUE;
}

void
rc_media_set_policy(rc_media *m, gint64 session_id, const rc_media_policy *policy)
{
  conf *c = conf_of(m, session_id);
  if (!c)
    return;
  c->policy = *policy;
  g_autoptr(GError) error = NULL;
  if (!apply_outputs(c, &error))
    g_warning("session %" G_GINT64_FORMAT ": %s", session_id, error->message);
  refuse_in_clear(c);
}

static gboolean
start_outputs(conf *c, GError **error)
{
  c->fanouts = g_new0(rc_fanout *, c->tiers->len);
  GSocket *socket = rc_ingest_socket(c->video);
  for (guint t = 0; t < c->tiers->len; t++) {
    g_autofree char *name = g_strdup_printf("program-video-%" G_GINT64_FORMAT "-%u", c->session_id, t);
    if (!(c->fanouts[t] = rc_fanout_new(name, FALSE, socket, error)))
      return FALSE;
  }
  if (c->check_only)
    return TRUE;
  rc_mixer_setup mix = {c->session_id, c->audio, c->has_room ? c->room : NULL, c->local_audio_ports};
  if (!(c->mixer = rc_mixer_new(&mix, error)))
    return FALSE;
  mixer_talkers(c);
  return apply_outputs(c, error);
}

/* The ports and the RTSP server, for the first session with media. */
static gboolean
shared_up(rc_media *m, GError **error)
{
  if (m->video)
    return TRUE;
  if (!(m->video = rc_ingest_new(m->config, FALSE, error)) || !(m->audio = rc_ingest_new(m->config, TRUE, error)) ||
      (m->config->media_rtsp_port && !(m->rtsp = rc_rtsp_server_new(m->config, error)))) {
    g_clear_pointer(&m->video, rc_ingest_free);
    g_clear_pointer(&m->audio, rc_ingest_free);
    return FALSE;
  }
  return TRUE;
}

/* … and closed after the last one. */
static void
shared_down(rc_media *m)
{
  if (g_hash_table_size(m->confs))
    return;
  g_clear_pointer(&m->rtsp, rc_rtsp_server_free);
  g_clear_pointer(&m->video, rc_ingest_free);
  g_clear_pointer(&m->audio, rc_ingest_free);
}

/* Whether @sites take the hall: its site is among them and the hall is free. */
static gboolean
takes_room(rc_media *m, const rc_media_site_desc *sites, guint n)
{
  if (m->room_holder)
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (is_hall(m->config, sites[i].code, sites[i].level))
      return TRUE;
  return FALSE;
}

static gboolean
start(rc_media *m, gint64 session_id, gboolean check_only, const rc_media_policy *policy,
      const rc_media_site_desc *sites, guint n, GError **error)
{
  if (!m->config->media_enabled)
    return TRUE;
  if (conf_of(m, session_id)) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "session %" G_GINT64_FORMAT " already has its media",
                session_id);
    return FALSE;
  }
  if (!shared_up(m, error))
    return FALSE;
  conf *c = g_new0(conf, 1);
  *c = (conf){.media = m, .config = m->config, .session_id = session_id, .tiers = m->config->tiers,
              .check_only = check_only, .mode = m->config->program_mode, .video = m->video, .audio = m->audio,
              .room = m->room, .policy = policy ? *policy : RC_MEDIA_POLICY_DEFAULT};
  c->sites = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, site_free);
  c->viewers = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, viewer_free);
  c->tiles = g_array_new(FALSE, FALSE, sizeof(gint64));
  c->local_audio_ports = g_array_new(FALSE, FALSE, sizeof(int));
  g_hash_table_insert(m->confs, g_memdup2(&session_id, sizeof session_id), c);
  if (!check_only && takes_room(m, sites, n)) {
    c->has_room = TRUE;
    m->room_holder = session_id;
  }
  if (!start_outputs(c, error)) {
    rc_media_stop(m, session_id);
    return FALSE;
  }
  rc_media_set_sites(m, session_id, sites, n);
  c->tick_source = g_timeout_add(500, on_tick, c); /* figures twice a second */
  g_message("session %" G_GINT64_FORMAT ": media up for %u sites, %s (%u sessions with media)", session_id,
            g_hash_table_size(c->sites), check_only ? "pre-session check" : rc_program_mode_name(c->mode),
            g_hash_table_size(m->confs));
  return TRUE;
}

gboolean
rc_media_start(rc_media *m, gint64 session_id, const rc_media_policy *policy, const rc_media_site_desc *sites,
               guint n, GError **error)
{
  return start(m, session_id, FALSE, policy, sites, n, error);
}

gboolean
rc_media_start_check(rc_media *m, gint64 session_id, const rc_media_policy *policy,
                     const rc_media_site_desc *sites, guint n, GError **error)
{
  if (!start(m, session_id, TRUE, policy, sites, n, error))
    return FALSE;
  conf *c = conf_of(m, session_id);
  /* Wake every site up: a keyframe request to each that has an address. */
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, c ? c->sites : NULL);
  while (c && g_hash_table_iter_next(&it, NULL, &value))
    rc_media_ask_keyframe(c, value);
  return TRUE;
}

static void
conf_free(gpointer data)
{
  conf *c = data;
  g_clear_handle_id(&c->tick_source, g_source_remove);
  g_clear_handle_id(&c->pending_source, g_source_remove);
  g_clear_pointer(&c->rtsp_alias, rc_rtsp_out_free);
  g_clear_pointer(&c->rtsp, rc_rtsp_out_free);
  g_clear_pointer(&c->recorder, rc_recorder_free);
  g_clear_pointer(&c->compose, rc_compose_free);
  g_clear_pointer(&c->mixer, rc_mixer_free);
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, c->sites);
  while (g_hash_table_iter_next(&it, NULL, &value))
    unplace_site(c, value); /* no fan-out sends to a transport freed below */
  g_hash_table_destroy(c->sites); /* the pulls, which feed the ingest, stop first */
  rc_ingest_end_session(c->video, c->session_id); /* before the fan-outs it pushes into */
  rc_ingest_end_session(c->audio, c->session_id);
  for (guint t = 0; c->fanouts && t < c->tiers->len; t++)
    g_clear_pointer(&c->fanouts[t], rc_fanout_free);
  g_free(c->fanouts);
  g_array_free(c->tiles, TRUE);
  g_array_free(c->local_audio_ports, TRUE);
  g_hash_table_destroy(c->viewers); /* nothing sends to them now: the mix, fan-outs and streams are gone */
  g_clear_pointer(&c->last_figures, rc_media_figures_unref);
  g_free(c);
}

/* /program goes on with the live session that went live first of those left. */
static void
alias_to_next(rc_media *m)
{
  g_autoptr(GArray) ids = rc_media_sessions(m);
  for (guint i = 0; i < ids->len; i++) {
    conf *c = conf_of(m, g_array_index(ids, gint64, i));
    if (c->check_only || !c->rtsp)
      continue;
    rc_media_outlet out = {c->config, c->session_id, tap, c};
    g_autoptr(GError) error = NULL;
    if (!(c->rtsp_alias = rc_rtsp_out_new(&out, m->rtsp, "/program", &error)))
      g_warning("session %" G_GINT64_FORMAT ": RTSP /program: %s", c->session_id, error->message);
    else
      m->rtsp_alias = c->session_id;
    return;
  }
}

void
rc_media_stop(rc_media *m, gint64 session_id)
{
  conf *c = conf_of(m, session_id);
  if (!c)
    return;
  rc_media_rtc_session_ended(m, session_id);
  g_hash_table_remove(m->confs, &session_id);
  conf_free(c);
  if (m->room_holder == session_id)
    m->room_holder = 0;
  g_message("session %" G_GINT64_FORMAT ": media down", session_id);
  if (m->rtsp_alias == session_id) {
    m->rtsp_alias = 0;
    alias_to_next(m);
  }
  shared_down(m);
}

/* @s leaves the session: off its fan-out (the caller removes it from the table). */
static void
unplace_site(conf *c, rc_media_site *s)
{
  if (c->mixer && s->link)
    rc_mixer_forget_egress(c->mixer, s->id, s->link);
  if (s->egress_tier >= 0) {
    rc_fanout_remove_egress(c->fanouts[s->egress_tier], s->link);
    s->egress_tier = -1;
  }
  g_autofree char *host = NULL;
  int port = 0;
  if (s->video_client && split_client(s->video_client, &host, &port))
    rc_fanout_remove(c->fanouts[s->client_tier], host, port);
}

/* The ingest's streams, the chair and the program follow the session's sites. */
static void
sites_changed(conf *c)
{
  g_autoptr(GError) error = NULL;
  if (!rc_ingest_set_streams(c->video, c->session_id, c->sites, &error) ||
      !rc_ingest_set_streams(c->audio, c->session_id, c->sites, &error))
    g_warning("session %" G_GINT64_FORMAT ": %s", c->session_id, error->message);
  c->chair_site_id = find_chair_site(c);
  if (!rc_media_site_get(c, c->floor_site_id))
    c->floor_site_id = 0;
  place_all_sites(c);
  apply_source(c);
  if (c->mixer) /* the chair's site is known from here on: it talks from the first second */
    mixer_talkers(c);
}

/* Whether site @id may be in @c: a site is in one conference at a time. A
 * live session takes it from another's pre-session check. */
static gboolean
site_free_for(conf *c, gint64 id, const char *code)
{
  gboolean check = FALSE;
  gint64 holder = rc_media_site_session(c->media, id, &check);
  if (!holder || holder == c->session_id)
    return TRUE;
  conf *other = conf_of(c->media, holder);
  if (!check || c->check_only) {
    g_warning("session %" G_GINT64_FORMAT ": site %s is in session %" G_GINT64_FORMAT "'s media: left out",
              c->session_id, code, holder);
    return FALSE;
  }
  g_message("session %" G_GINT64_FORMAT ": site %s leaves session %" G_GINT64_FORMAT "'s pre-session check",
            c->session_id, code, holder);
  unplace_site(other, rc_media_site_get(other, id));
  g_hash_table_remove(other->sites, &id);
  sites_changed(other);
  return TRUE;
}

void
rc_media_set_sites(rc_media *m, gint64 session_id, const rc_media_site_desc *sites, guint n)
{
  conf *c = conf_of(m, session_id);
  if (!c)
    return;
  g_autoptr(GHashTable) wanted = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
  for (guint i = 0; i < n; i++) {
    gint64 id = sites[i].id;
    if (rc_media_site_get(c, id)) {
      g_hash_table_add(wanted, g_memdup2(&id, sizeof id));
      site_media_settings(c, rc_media_site_get(c, id), &sites[i]);
      if (rc_media_site_get(c, id)->link) /* a key made or revoked while it is in */
        rc_site_rtp_set_key(rc_media_site_get(c, id)->link, sites[i].srtp_key, sites[i].srtp_refused);
      continue;
    }
    if (!site_free_for(c, id, sites[i].code))
      continue;
    rc_media_site *s = site_new(c, &sites[i]);
    if (!start_transport(c, s, &sites[i])) {
      site_free(s);
      continue;
    }
    if ((s->refused = refusal(c, s)))
      g_message("session %" G_GINT64_FORMAT ": site %s refused: %s", c->session_id, s->code, s->refused);
    g_hash_table_add(wanted, g_memdup2(&id, sizeof id));
    g_hash_table_insert(c->sites, g_memdup2(&id, sizeof id), s);
    s->client_tier = 0;
  }
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init(&it, c->sites);
  while (g_hash_table_iter_next(&it, &key, &value))
    if (!g_hash_table_contains(wanted, key)) {
      unplace_site(c, value);
      g_hash_table_iter_remove(&it);
    }
  sites_changed(c);
}

/* ---- floor and layout ---- */

gboolean
rc_media_set_floor(rc_media *m, gint64 session_id, gint64 site_id, GError **error)
{
  conf *c = conf_of(m, session_id);
  if (!c)
    return TRUE; /* no media running: nothing to switch */
  if (site_id && !rc_media_site_get(c, site_id)) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "site_id: the site is not in this session");
    return FALSE;
  }
  c->floor_site_id = site_id;
  g_message("session %" G_GINT64_FORMAT ": floor -> site %" G_GINT64_FORMAT, c->session_id, site_id);
  apply_source(c);
  if (c->mixer) /* the talkers changed: swap the mixer's inputs */
    mixer_talkers(c);
  if (c->mode == RC_PROGRAM_COMPOSE)
    return rc_media_set_layout(m, session_id, RC_PROGRAM_COMPOSE, NULL, error);
  return TRUE;
}

/* The compose grid: chair, floor holder, then the chosen tiles (8 at most). */
static GArray *
grid_sites(conf *c)
{
  GArray *ids = g_array_new(FALSE, FALSE, sizeof(gint64));
  gint64 first[] = {c->chair_site_id, c->floor_site_id};
  for (guint i = 0; i < 2; i++)
    if (first[i] && (i == 0 || first[i] != first[0]) && usable(c, first[i]))
      g_array_append_val(ids, first[i]);
  for (guint i = 0; i < c->tiles->len && ids->len < 10; i++) {
    gint64 id = g_array_index(c->tiles, gint64, i);
    gboolean dup = FALSE;
    for (guint k = 0; k < ids->len; k++)
      dup |= g_array_index(ids, gint64, k) == id;
    if (!dup && usable(c, id))
      g_array_append_val(ids, id);
  }
  return ids;
}

gboolean
rc_media_set_layout(rc_media *m, gint64 session_id, rc_program_mode mode, const GArray *tiles, GError **error)
{
  conf *c = conf_of(m, session_id);
  if (!c)
    return TRUE; /* no media running: nothing to lay out */
  if (tiles) {
    g_array_set_size(c->tiles, 0);
    g_array_append_vals(c->tiles, tiles->data, tiles->len);
  }
  c->mode = mode;
  g_clear_pointer(&c->compose, rc_compose_free);
  if (mode == RC_PROGRAM_COMPOSE) {
    rc_ingest_forward(c->video, c->session_id, 0, NULL);
    g_autoptr(GArray) ids = grid_sites(c);
    g_autofree rc_compose_tile *tiles = g_new0(rc_compose_tile, MAX(ids->len, 1));
    g_autoptr(GPtrArray) shown = g_ptr_array_new();
    for (guint i = 0; i < ids->len; i++) {
      rc_media_site *s = rc_media_site_get(c, g_array_index(ids, gint64, i));
      if (s)
        tiles[shown->len] = (rc_compose_tile){s->ssrc_video, s->name}, g_ptr_array_add(shown, s);
    }
    rc_compose_setup setup = {c->config, c->video, c->tiers, c->fanouts, tiles, shown->len};
    if (!(c->compose = rc_compose_new(&setup, error)))
      return FALSE;
    for (guint i = 0; i < shown->len; i++) /* each tile's decoding starts at a keyframe */
      rc_media_ask_keyframe(c, shown->pdata[i]);
  }
  place_all_sites(c); /* sites move between tier fan-outs */
  apply_source(c);
  g_message("session %" G_GINT64_FORMAT ": program layout %s", c->session_id, rc_program_mode_name(mode));
  return TRUE;
}

void
rc_media_mark_item(rc_media *m, gint64 session_id, gint64 item_id, const char *title)
{
  conf *c = conf_of(m, session_id);
  if (c && c->recorder)
    rc_recorder_mark(c->recorder, item_id, title);
}

static GArray *
rc_media_talkers(conf *c)
{
  GArray *ids = g_array_new(FALSE, FALSE, sizeof(gint64));
  /* The chair speaks from the hall microphone (room audio) when the
   * session has the hall (its chair's site is then the hall's); a remote
   * chair site and the floor holder are talkers. */
  gboolean hall_mic = *c->config->audio_input_device != '\0' && c->has_room;
  if (c->chair_site_id && !hall_mic && usable(c, c->chair_site_id))
    g_array_append_val(ids, c->chair_site_id);
  if (c->floor_site_id && c->floor_site_id != c->chair_site_id && usable(c, c->floor_site_id))
    g_array_append_val(ids, c->floor_site_id);
  return ids;
}

void
rc_media_program_get(rc_media *m, gint64 session_id, rc_media_program *out)
{
  conf *c = conf_of(m, session_id);
  *out = (rc_media_program){.mode = m->config->program_mode};
  if (!c) {
    out->tiles = g_array_new(FALSE, FALSE, sizeof(gint64));
    return;
  }
  *out = (rc_media_program){.session_id = c->session_id, .mode = c->mode, .chair_site_id = c->chair_site_id,
                            .floor_site_id = c->floor_site_id, .source_site_id = c->source_site_id,
                            .sites = g_hash_table_size(c->sites), .check_only = c->check_only,
                            .has_room = c->has_room};
  out->tiles = g_array_copy(c->tiles);
  rc_media_recording_get(m, session_id, &out->recording);
  if (c->rtsp)
    out->rtsp_url = g_strdup_printf("rtsp://%s:%d/session/%" G_GINT64_FORMAT,
                                    *c->config->media_rtsp_host ? c->config->media_rtsp_host : "localhost",
                                    c->config->media_rtsp_port, c->session_id);
  out->rtsp_alias = c->rtsp_alias != NULL;
}

void
rc_media_program_clear(rc_media_program *p)
{
  g_clear_pointer(&p->tiles, g_array_unref);
  rc_media_recording_clear(&p->recording);
  g_clear_pointer(&p->rtsp_url, g_free);
}

void
rc_media_recording_get(rc_media *m, gint64 session_id, rc_media_recording *out)
{
  conf *c = conf_of(m, session_id);
  *out = (rc_media_recording){0};
  if (c && c->recorder)
    rc_recorder_status(c->recorder, out);
}

void
rc_media_recording_clear(rc_media_recording *r)
{
  g_clear_pointer(&r->dir, g_free);
  g_clear_pointer(&r->index, g_free);
  g_clear_pointer(&r->reason, g_free);
}

rc_media_figures *
rc_media_figures_last(rc_media *m, gint64 session_id)
{
  conf *c = conf_of(m, session_id);
  return c && c->last_figures ? rc_media_figures_ref(c->last_figures) : NULL;
}

static char *
address_text(const rc_unknown_sender *u)
{
  g_autoptr(GSocketAddress) a = u->from_len ? g_socket_address_new_from_native((gpointer)&u->from, u->from_len) : NULL;
  if (!G_IS_INET_SOCKET_ADDRESS(a))
    return g_strdup("");
  GInetSocketAddress *in = G_INET_SOCKET_ADDRESS(a);
  g_autofree char *ip = g_inet_address_to_string(g_inet_socket_address_get_address(in));
  return g_strdup_printf("%s:%u", ip, g_inet_socket_address_get_port(in));
}

static void
sender_clear(gpointer data)
{
  g_free(((rc_media_sender *)data)->address);
}

static void
unknown_senders(GArray *out, rc_ingest *in, gboolean audio)
{
  g_autoptr(GArray) list = in ? rc_ingest_unknown_senders(in) : NULL;
  gint64 to_wall = g_get_real_time() - g_get_monotonic_time();
  for (guint i = 0; list && i < list->len; i++) {
    const rc_unknown_sender *u = &g_array_index(list, rc_unknown_sender, i);
    rc_media_sender s = {audio, address_text(u), u->ssrc, u->payload_type, u->packets, u->first_us + to_wall,
                         u->last_us + to_wall};
    g_array_append_val(out, s);
  }
}

GArray *
rc_media_unknown_senders(rc_media *m)
{
  GArray *senders = g_array_new(FALSE, FALSE, sizeof(rc_media_sender));
  g_array_set_clear_func(senders, sender_clear);
  unknown_senders(senders, m->video, FALSE); /* each the most recent first */
  unknown_senders(senders, m->audio, TRUE);
  return senders;
}



/* ---- for media-webrtc.c ---- */

rc_media_rtc **
rc_media_rtc_slot(rc_media *m)
{
  return &m->rtc;
}

const rc_config *
rc_media_config(rc_media *m)
{
  return m->config;
}

rc_ingest *
rc_media_ingest(rc_media *m, gboolean audio)
{
  return audio ? m->audio : m->video;
}

struct rc_site_transport *
rc_media_site_transport(rc_media *m, gint64 session_id, gint64 site_id)
{
  conf *c = conf_of(m, session_id);
  rc_media_site *s = c ? rc_media_site_get(c, site_id) : NULL;
  return s ? s->link : NULL;
}

gboolean
rc_media_program_keyframe(rc_media *m, gint64 session_id)
{
  conf *c = conf_of(m, session_id);
  if (!c || c->check_only)
    return FALSE;
  rc_ingest_ask_keyframe(c->video, c->session_id);
  return TRUE;
}

void
rc_media_site_receiver_changed(rc_media *m, gint64 session_id, gint64 site_id)
{
  conf *c = conf_of(m, session_id);
  rc_media_site *s = c ? rc_media_site_get(c, site_id) : NULL;
  if (!s || c->check_only)
    return;
  place_site(c, s);
  mixer_listeners(c);
  rc_ingest_ask_keyframe(c->video, c->session_id); /* its first picture: merged with the others' */
}

void
rc_media_viewer_add(rc_media *m, gint64 session_id, gint64 viewer_id, struct rc_site_transport *t, gint64 watch_site,
                    int tier)
{
  conf *c = conf_of(m, session_id);
  if (!c) {
    rc_site_transport_free(t);
    return;
  }
  viewer *v = g_new0(viewer, 1);
  v->id = viewer_id;
  v->t = t;
  v->watch_site = watch_site;
  v->tier = CLAMP(tier, 0, (int)c->tiers->len - 1);
  v->on_tier = -1;
  g_hash_table_insert(c->viewers, g_memdup2(&viewer_id, sizeof viewer_id), v);
}

void
rc_media_viewer_connected(rc_media *m, gint64 session_id, gint64 viewer_id)
{
  conf *c = conf_of(m, session_id);
  viewer *v = c ? g_hash_table_lookup(c->viewers, &viewer_id) : NULL;
  if (!v || v->placed)
    return;
  v->placed = TRUE;
  if (v->watch_site) {
    rc_media_site *s = rc_media_site_get(c, v->watch_site);
    if (s && !s->refused) { /* a closed session's site in clear: its media go nowhere */
      v->watch_ssrc[0] = s->ssrc_video, v->watch_ssrc[1] = s->ssrc_audio;
      rc_ingest_watch(c->video, s->ssrc_video, v->t, TRUE);
      rc_ingest_watch(c->audio, s->ssrc_audio, v->t, TRUE);
      rc_media_ask_keyframe(c, s);
    }
    return;
  }
  if (c->check_only || !c->fanouts)
    return;
  place_viewer(c, v);
  mixer_listeners(c);
  rc_ingest_ask_keyframe(c->video, c->session_id); /* the first picture: merged with the others' requests */
}

void
rc_media_viewer_remove(rc_media *m, gint64 session_id, gint64 viewer_id)
{
  conf *c = conf_of(m, session_id);
  viewer *v = c ? g_hash_table_lookup(c->viewers, &viewer_id) : NULL;
  if (!v)
    return;
  if (v->placed && v->watch_site) {
    rc_ingest_watch(c->video, v->watch_ssrc[0], v->t, FALSE);
    rc_ingest_watch(c->audio, v->watch_ssrc[1], v->t, FALSE);
  } else if (v->placed) {
    if (c->fanouts && v->on_tier >= 0)
      rc_fanout_remove_egress(c->fanouts[v->on_tier], v->t);
    if (c->mixer)
      rc_mixer_forget_egress(c->mixer, -v->id, v->t);
  }
  g_hash_table_remove(c->viewers, &viewer_id); /* frees it */
}
