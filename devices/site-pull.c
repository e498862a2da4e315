/* site-pull — see site-pull.h. A camera's H.264 and its audio (G.711,
 * G.722, Opus or AAC, as its SDP says), an SRT stream's H.264 and AAC
 * (payloaded here as RFC 3640 AAC-hbr), go into the ingest with the SSRCs
 * of the site's code, as if the site had sent them to the shared ports.
 *
 * rtspsrc (1.22) binds its RTP/RTCP client ports on the wildcard address
 * (gst_rtspsrc_alloc_udp_ports makes them from "udp://0.0.0.0" and binds
 * them before any signal or property could change that). With a specific
 * [media] listen address a camera is therefore pulled with RTP interleaved
 * in its RTSP TCP connection (RFC 2326 10.12), which opens no UDP socket
 * (tcp_only); with the wildcard (the default) UDP is tried first. */
#define G_LOG_DOMAIN "roomctl-media"
#include "devices/site-adapters.h"
#include "base/rtp.h"

#include <gst/gst.h>

#include <gst/app/gstappsink.h>

/* The application messages a streaming thread posts: at the first packet
 * of a source, and at the first audio packet (with its RTP caps, for the
 * main loop to learn the codec). */
#define FLOWING "roomctl-pull-flowing"
#define AUDIO_CAPS "roomctl-pull-audio"
#define ALL_PADS "roomctl-pull-all-pads"

typedef struct pull_state pull_state;

/* One medium of the pull: what its packets are stamped with. */
typedef struct {
  pull_state *pull;
  gboolean audio;
  guint32 ssrc;
  gint pt;        /* atomic: the payload type stamped; -1 = audio whose codec the main loop has not learned yet */
  gint announced; /* atomic: its caps went to the main loop */
  gint linked;    /* atomic: a pad of the source feeds it (the first of its kind; others are not linked) */
} pull_medium;

struct pull_state {
  rc_site_transport base;
  char *transport, *url;
  gboolean tcp_only;
  pull_medium media[2];  /* [0] video, [1] audio */
  GstElement *pipeline; /* NULL while waiting to retry */
  gint flowing;         /* atomic: the current source sent its first packet */
  gint audio_pad;       /* atomic: the current source has an audio stream (of any codec) */
  guint retry_source;
  guint delay_s;
};

static void pull_build(pull_state *p);

static void
post(GstAppSink *sink, GstStructure *s)
{
  gst_element_post_message(GST_ELEMENT(sink), gst_message_new_application(GST_OBJECT(sink), s)); /* takes both */
}

/* Audio waits for the main loop to know its codec (a few packets are
 * dropped meanwhile): until then the ingest would take its payload type
 * for a wrong one. */
static gboolean
audio_ready(pull_medium *m, GstAppSink *sink, GstSample *sample)
{
  if (g_atomic_int_get(&m->pt) >= 0)
    return TRUE;
  GstCaps *caps = gst_sample_get_caps(sample);
  if (caps && gst_caps_get_size(caps) && g_atomic_int_compare_and_exchange(&m->announced, 0, 1))
    post(sink, gst_structure_new(AUDIO_CAPS, "caps", GST_TYPE_CAPS, caps, NULL));
  return FALSE;
}

static GstFlowReturn
on_rtp(GstAppSink *sink, gpointer data)
{
  pull_medium *m = data;
  pull_state *p = m->pull;
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample(sink);
  GstBuffer *buf = sample ? gst_sample_get_buffer(sample) : NULL;
  GstMapInfo map;
  if (!buf || (m->audio && !audio_ready(m, sink, sample)) || !gst_buffer_map(buf, &map, GST_MAP_READ))
    return GST_FLOW_OK;
  if (map.size >= 12) {
    g_autofree guint8 *copy = g_memdup2(map.data, map.size);
    rc_rtp_restamp_source(copy, m->ssrc, (guint8)g_atomic_int_get(&m->pt));
    p->base.host->feed(p->base.host->media, m->audio, copy, map.size);
    if (!g_atomic_int_get(&p->flowing) && g_atomic_int_compare_and_exchange(&p->flowing, 0, 1))
      post(sink, gst_structure_new_empty(FLOWING));
  }
  gst_buffer_unmap(buf, &map);
  return GST_FLOW_OK;
}

/* Whether @m takes this pad: the first one of its medium does. Streaming thread. */
static gboolean
claim(pull_medium *m)
{
  return g_atomic_int_compare_and_exchange(&m->linked, 0, 1);
}

static GstElement *
rtp_sink(pull_medium *m, GstBin *bin)
{
  GstElement *sink = gst_element_factory_make("appsink", NULL);
  g_object_set(sink, "sync", FALSE, "max-buffers", 500, "drop", TRUE, NULL);
  GstAppSinkCallbacks cb = {.new_sample = on_rtp};
  gst_app_sink_set_callbacks(GST_APP_SINK(sink), &cb, m, NULL);
  gst_bin_add(bin, sink);
  return sink;
}

/* rtspsrc: link its H.264 RTP pad and an audio pad of a codec the mixer
 * takes (audio-codec.h: G.711, G.722, Opus, AAC); other pads are dropped. */
static void
on_rtsp_pad(GstElement *src, GstPad *pad, gpointer data)
{
  pull_state *p = data;
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
  GstStructure *st = caps ? gst_caps_get_structure(caps, 0) : NULL;
  GstBin *bin = GST_BIN(gst_element_get_parent(src));
  GstElement *sink = NULL;
  rc_audio_codec codec;
  int pt = -1;
  if (st && g_strcmp0(gst_structure_get_string(st, "media"), "audio") == 0)
    g_atomic_int_set(&p->audio_pad, 1);
  if (st && g_strcmp0(gst_structure_get_string(st, "encoding-name"), "H264") == 0 && claim(&p->media[0]))
    sink = rtp_sink(&p->media[0], bin);
  else if (st && g_strcmp0(gst_structure_get_string(st, "media"), "audio") == 0 &&
           gst_structure_get_int(st, "payload", &pt) &&
           rc_audio_codec_from_sdp(gst_structure_get_string(st, "encoding-name"), pt, &codec) && claim(&p->media[1]))
    sink = rtp_sink(&p->media[1], bin);
  else if (st && g_strcmp0(gst_structure_get_string(st, "media"), "audio") == 0 && !g_atomic_int_get(&p->media[1].linked))
    g_warning("site %s (%s): its audio (%s) is of no codec the mix takes: not mixed", p->base.code, p->transport,
              gst_structure_get_string(st, "encoding-name"));
  if (!sink)
    gst_bin_add(bin, sink = gst_element_factory_make("fakesink", NULL));
  gst_element_sync_state_with_parent(sink);
  g_autoptr(GstPad) in = gst_element_get_static_pad(sink, "sink");
  gst_pad_link(pad, in);
  gst_object_unref(bin);
}

/* tsdemux: H.264 → h264parse → rtph264pay, AAC → aacparse → rtpmp4gpay
 * (RFC 3640, AAC-hbr), each → appsink; other streams are not linked. */
static void
on_ts_pad(GstElement *demux, GstPad *pad, gpointer data)
{
  pull_state *p = data;
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
  const GstStructure *st = caps ? gst_caps_get_structure(caps, 0) : NULL;
  int mpegversion = 0;
  gboolean video = st && g_str_equal(gst_structure_get_name(st), "video/x-h264");
  if (st && g_str_has_prefix(gst_structure_get_name(st), "audio/"))
    g_atomic_int_set(&p->audio_pad, 1);
  gboolean aac = st && g_str_equal(gst_structure_get_name(st), "audio/mpeg") &&
                 gst_structure_get_int(st, "mpegversion", &mpegversion) && (mpegversion == 2 || mpegversion == 4);
  if ((!video && !aac) || !claim(&p->media[video ? 0 : 1])) /* one stream of each: a second language is not linked */
    return;
  GstBin *bin = GST_BIN(gst_element_get_parent(demux));
  GstElement *parse = gst_element_factory_make(video ? "h264parse" : "aacparse", NULL);
  GstElement *pay = gst_element_factory_make(video ? "rtph264pay" : "rtpmp4gpay", NULL);
  if (video)
    g_object_set(pay, "pt", (guint)p->media[0].pt, "config-interval", -1, "mtu", 1200, NULL);
  else
    g_object_set(pay, "pt", (guint)rc_audio_codec_get(RC_AUDIO_AAC)->pt, "mtu", 1200, NULL);
  gst_bin_add_many(bin, parse, pay, NULL);
  GstElement *sink = rtp_sink(&p->media[video ? 0 : 1], bin);
  /* A TS muxer sends audio ahead of its time in bursts (ffmpeg up to 0.7 s):
   * sent on as it comes, the mixer's jitter buffer would take most of it
   * for late. Sent at its time, it comes as a live RTP sender's would. */
  if (!video)
    g_object_set(sink, "sync", TRUE, NULL);
  gst_element_link_many(parse, pay, sink, NULL);
  gst_element_sync_state_with_parent(sink);
  gst_element_sync_state_with_parent(pay);
  gst_element_sync_state_with_parent(parse);
  g_autoptr(GstPad) in = gst_element_get_static_pad(parse, "sink");
  gst_pad_link(pad, in);
  gst_object_unref(bin);
}

/* rtspsrc or tsdemux has made every pad of the source: a source without
 * an audio stream (a camera without a microphone) says so to the main loop.
 * One whose audio is of a codec the mix cannot take is not "absent": that
 * was logged, and its silence stays a fault to look at. */
static void
on_no_more_pads(GstElement *element, gpointer data)
{
  pull_state *p = data;
  if (!g_atomic_int_get(&p->audio_pad))
    gst_element_post_message(element, gst_message_new_application(GST_OBJECT(element), gst_structure_new_empty(ALL_PADS)));
}

/* Main loop: the stream's first audio packet told its RTP caps. */
static void
learn_audio(pull_state *p, const GstStructure *msg)
{
  g_autoptr(GstCaps) caps = NULL;
  gst_structure_get(msg, "caps", GST_TYPE_CAPS, &caps, NULL);
  const GstStructure *s = caps ? gst_caps_get_structure(caps, 0) : NULL;
  int pt = -1, clock_rate = 0;
  rc_audio_codec codec;
  if (!s || !gst_structure_get_int(s, "payload", &pt) ||
      !rc_audio_codec_from_sdp(gst_structure_get_string(s, "encoding-name"), pt, &codec)) {
    g_warning("site %s (%s): its audio is of no codec the mix takes", p->base.code, p->transport);
    return;
  }
  gst_structure_get_int(s, "clock-rate", &clock_rate);
  g_autofree char *fmtp = rc_audio_codec_fmtp_of_caps(s);
  int ours = rc_audio_codec_get(codec)->pt;
  g_message("site %s (%s): audio %s at %d Hz%s%s", p->base.code, p->transport, rc_audio_codec_name(codec), clock_rate,
            fmtp ? ", " : "", fmtp ? fmtp : "");
  rc_site_transport_set_audio(&p->base, codec, ours, clock_rate, fmtp);
  g_atomic_int_set(&p->media[1].pt, ours); /* its packets go to the ingest from now on */
}

static gboolean
on_retry(gpointer data)
{
  pull_state *p = data;
  p->retry_source = 0;
  pull_build(p);
  return G_SOURCE_REMOVE;
}

static void
stop_pipeline(pull_state *p)
{
  if (!p->pipeline)
    return;
  gst_element_set_state(p->pipeline, GST_STATE_NULL);
  g_autoptr(GstBus) bus = gst_element_get_bus(p->pipeline);
  gst_bus_remove_watch(bus);
  g_clear_pointer(&p->pipeline, gst_object_unref);
}

static void
schedule_retry(pull_state *p, const char *why)
{
  g_warning("site %s (%s): %s; retrying in %u s", p->base.code, p->transport, why, p->delay_s);
  rc_site_transport_set_link(&p->base, FALSE, why);
  stop_pipeline(p);
  p->retry_source = g_timeout_add_seconds(p->delay_s, on_retry, p);
  p->delay_s = MIN(p->delay_s * 2, 60);
}

static gboolean
on_bus(GstBus *bus, GstMessage *msg, gpointer data)
{
  (void)bus;
  pull_state *p = data;
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR || GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS) {
    g_autoptr(GError) error = NULL;
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR)
      gst_message_parse_error(msg, &error, NULL);
    schedule_retry(p, error ? error->message : "the stream ended");
    return G_SOURCE_REMOVE; /* the watch went with the pipeline */
  }
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_APPLICATION && gst_message_has_name(msg, AUDIO_CAPS))
    learn_audio(p, gst_message_get_structure(msg));
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_APPLICATION && gst_message_has_name(msg, ALL_PADS)) {
    g_message("site %s (%s): its source has no audio: no silence is alarmed", p->base.code, p->transport);
    rc_site_transport_set_audio_absent(&p->base);
  }
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_APPLICATION &&
      gst_message_has_name(msg, FLOWING)) { /* connected: packets come */
    g_message("site %s (%s): receiving %s", p->base.code, p->transport, p->url);
    p->delay_s = 5;
    rc_site_transport_set_link(&p->base, TRUE, NULL);
  }
  return G_SOURCE_CONTINUE;
}

static GstElement *
build_rtsp(pull_state *p, const char *url)
{
  GstElement *pipe = gst_pipeline_new("pull-rtsp");
  GstElement *src = gst_element_factory_make("rtspsrc", NULL);
  g_object_set(src, "location", url, "latency", 200, "timeout", (guint64)5000000, "tcp-timeout", (guint64)5000000,
               "retry", 2, NULL);
  if (p->tcp_only)
    gst_util_set_object_arg(G_OBJECT(src), "protocols", "tcp"); /* no UDP socket on 0.0.0.0 */
  g_signal_connect(src, "pad-added", G_CALLBACK(on_rtsp_pad), p);
  g_signal_connect(src, "no-more-pads", G_CALLBACK(on_no_more_pads), p);
  gst_bin_add(GST_BIN(pipe), src);
  return pipe;
}

static GstElement *
build_srt(pull_state *p, const char *uri)
{
  GstElement *pipe = gst_pipeline_new("pull-srt");
  GstElement *src = gst_element_factory_make("srtsrc", NULL), *demux = gst_element_factory_make("tsdemux", NULL);
  if (!src || !demux) {
    g_clear_object(&src);
    g_clear_object(&demux);
    gst_object_unref(pipe);
    return NULL;
  }
  g_object_set(src, "uri", uri, NULL);
  g_signal_connect(demux, "pad-added", G_CALLBACK(on_ts_pad), p);
  g_signal_connect(demux, "no-more-pads", G_CALLBACK(on_no_more_pads), p);
  gst_bin_add_many(GST_BIN(pipe), src, demux, NULL);
  gst_element_link(src, demux);
  return pipe;
}

static void
pull_build(pull_state *p)
{
  p->pipeline = g_str_equal(p->transport, "rtsp") ? build_rtsp(p, p->url) : build_srt(p, p->url);
  g_atomic_int_set(&p->flowing, 0);
  g_atomic_int_set(&p->audio_pad, 0);
  g_atomic_int_set(&p->media[1].pt, -1); /* the new source's audio may be another codec */
  g_atomic_int_set(&p->media[1].announced, 0);
  g_atomic_int_set(&p->media[0].linked, 0);
  g_atomic_int_set(&p->media[1].linked, 0);
  if (!p->pipeline) {
    g_warning("site %s: cannot build the %s source", p->base.code, p->transport);
    rc_site_transport_set_link(&p->base, FALSE, "the source cannot be built (a GStreamer plugin missing?)");
    return;
  }
  g_autoptr(GstBus) bus = gst_element_get_bus(p->pipeline);
  gst_bus_add_watch(bus, on_bus, p);
  if (gst_element_set_state(p->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    schedule_retry(p, "the source does not start");
}

static void
pull_free(rc_site_transport *t)
{
  pull_state *p = (pull_state *)t;
  stop_pipeline(p); /* the streaming threads are joined: nothing is fed after this */
  g_clear_handle_id(&p->retry_source, g_source_remove);
  g_free(p->transport);
  g_free(p->url);
  rc_site_transport_clear(t);
  g_free(p);
}

/* A camera or an SRT stream takes no program (an RTSP camera only serves;
 * the SRT stream is pulled, and sending the program back would take a
 * second SRT stream the controller pushes) and has no keyframe request
 * path: its own GOP brings the next keyframe. */
static const rc_site_transport_ops pull_ops = {.kind = "pull", .free = pull_free, .receives_program = FALSE};

rc_site_transport *
rc_site_pull_new(const rc_site_transport_desc *d, const rc_site_transport_host *host)
{
  pull_state *p = g_new0(pull_state, 1);
  rc_site_transport_init(&p->base, &pull_ops, d, host);
  /* Its packets are made by our payloader: the program's payload type, the SSRCs of its code. */
  rc_site_stream_format *v = &p->base.format.video, *a = &p->base.format.audio;
  v->ssrc = rc_rtp_site_ssrc(p->base.code, FALSE), v->pt = d->program_video_pt;
  a->ssrc = rc_rtp_site_ssrc(p->base.code, TRUE), a->pt = d->program_audio_pt;
  p->base.link.why = g_strdup("connecting");
  p->transport = g_strdup(d->transport);
  p->url = g_strdup(d->address ? d->address : "");
  p->base.format.audio.sends = FALSE; /* until its stream tells its codec */
  for (int i = 0; i < 2; i++) {
    const rc_site_stream_format *f = i ? &p->base.format.audio : &p->base.format.video;
    p->media[i] = (pull_medium){p, i == 1, f->ssrc, i ? -1 : f->pt, 0, 0};
  }
  p->tcp_only = d->tcp_only;
  p->delay_s = 5;
  if (!*p->url) { /* in the session, down, and the technicians see why */
    g_warning("site %s: transport %s needs an address (URL)", p->base.code, p->transport);
    g_free(p->base.link.why);
    p->base.link.why = g_strdup_printf("transport %s needs an address (URL)", p->transport);
    return &p->base;
  }
  g_message("site %s: pulling %s", p->base.code, p->url);
  pull_build(p);
  return &p->base;
}
