/* site-pull — see site-pull.h.
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

/* The application message a streaming thread posts at the first packet of a source. */
#define FLOWING "roomctl-pull-flowing"

typedef struct {
  rc_site_transport base;
  char *transport, *url;
  guint32 ssrc;
  guint8 payload_type;
  gboolean tcp_only;
  GstElement *pipeline; /* NULL while waiting to retry */
  gint flowing;         /* atomic: the current source sent its first packet */
  guint retry_source;
  guint delay_s;
} pull_state;

static void pull_build(pull_state *p);

static GstFlowReturn
on_rtp(GstAppSink *sink, gpointer data)
{
  pull_state *p = data;
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample(sink);
  GstBuffer *buf = sample ? gst_sample_get_buffer(sample) : NULL;
  GstMapInfo map;
  if (!buf || !gst_buffer_map(buf, &map, GST_MAP_READ))
    return GST_FLOW_OK;
  if (map.size >= 12) {
    g_autofree guint8 *copy = g_memdup2(map.data, map.size);
    copy[8] = (guint8)(p->ssrc >> 24), copy[9] = (guint8)(p->ssrc >> 16);
    copy[10] = (guint8)(p->ssrc >> 8), copy[11] = (guint8)p->ssrc;
    copy[1] = (guint8)((copy[1] & 0x80) | (p->payload_type & 0x7f));
    p->base.host->feed(p->base.host->media, FALSE, copy, map.size);
    if (!g_atomic_int_get(&p->flowing) && g_atomic_int_compare_and_exchange(&p->flowing, 0, 1))
      gst_element_post_message(GST_ELEMENT(sink), gst_message_new_application(GST_OBJECT(sink),
                                                                                gst_structure_new_empty(FLOWING)));
  }
  gst_buffer_unmap(buf, &map);
  return GST_FLOW_OK;
}

static GstElement *
rtp_sink(pull_state *p, GstBin *bin)
{
  GstElement *sink = gst_element_factory_make("appsink", NULL);
  g_object_set(sink, "sync", FALSE, "max-buffers", 500, "drop", TRUE, NULL);
  GstAppSinkCallbacks cb = {.new_sample = on_rtp};
  gst_app_sink_set_callbacks(GST_APP_SINK(sink), &cb, p, NULL);
  gst_bin_add(bin, sink);
  return sink;
}

/* rtspsrc: link its H.264 RTP pad; other pads are dropped. */
static void
on_rtsp_pad(GstElement *src, GstPad *pad, gpointer data)
{
  pull_state *p = data;
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
  GstStructure *st = caps ? gst_caps_get_structure(caps, 0) : NULL;
  GstBin *bin = GST_BIN(gst_element_get_parent(src));
  GstElement *sink = NULL;
  if (st && g_strcmp0(gst_structure_get_string(st, "encoding-name"), "H264") == 0)
    sink = rtp_sink(p, bin);
  else
    gst_bin_add(bin, sink = gst_element_factory_make("fakesink", NULL));
  gst_element_sync_state_with_parent(sink);
  g_autoptr(GstPad) in = gst_element_get_static_pad(sink, "sink");
  gst_pad_link(pad, in);
  gst_object_unref(bin);
}

/* tsdemux: H.264 → h264parse → rtph264pay → appsink. */
static void
on_ts_pad(GstElement *demux, GstPad *pad, gpointer data)
{
  pull_state *p = data;
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
  if (!caps || !g_str_equal(gst_structure_get_name(gst_caps_get_structure(caps, 0)), "video/x-h264"))
    return;
  GstBin *bin = GST_BIN(gst_element_get_parent(demux));
  GstElement *parse = gst_element_factory_make("h264parse", NULL), *pay = gst_element_factory_make("rtph264pay", NULL);
  g_object_set(pay, "pt", (guint)p->payload_type, "config-interval", -1, "mtu", 1200, NULL);
  gst_bin_add_many(bin, parse, pay, NULL);
  GstElement *sink = rtp_sink(p, bin);
  gst_element_link_many(parse, pay, sink, NULL);
  gst_element_sync_state_with_parent(sink);
  gst_element_sync_state_with_parent(pay);
  gst_element_sync_state_with_parent(parse);
  g_autoptr(GstPad) in = gst_element_get_static_pad(parse, "sink");
  gst_pad_link(pad, in);
  gst_object_unref(bin);
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
  gst_bin_add_many(GST_BIN(pipe), src, demux, NULL);
  gst_element_link(src, demux);
  return pipe;
}

static void
pull_build(pull_state *p)
{
  p->pipeline = g_str_equal(p->transport, "rtsp") ? build_rtsp(p, p->url) : build_srt(p, p->url);
  g_atomic_int_set(&p->flowing, 0);
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

/* A camera or an SRT stream takes no program and has no keyframe request
 * path: its own GOP brings the next keyframe. */
static const rc_site_transport_ops pull_ops = {"pull", NULL, NULL, NULL, NULL, pull_free, NULL};

rc_site_transport *
rc_site_pull_new(const rc_site_transport_desc *d, const rc_site_transport_host *host)
{
  pull_state *p = g_new0(pull_state, 1);
  rc_site_transport_init(&p->base, &pull_ops, d, host);
  /* Its packets are made by our payloader: the program's payload type, the SSRCs of its code. */
  p->base.format.video = (rc_site_stream_format){rc_rtp_site_ssrc(p->base.code, FALSE), d->program_video_pt,
                                                 d->program_video_ssrc, d->program_video_pt};
  p->base.format.audio = (rc_site_stream_format){rc_rtp_site_ssrc(p->base.code, TRUE), d->program_audio_pt,
                                                 d->program_audio_ssrc, d->program_audio_pt};
  p->base.link.why = g_strdup("connecting");
  p->transport = g_strdup(d->transport);
  p->url = g_strdup(d->address ? d->address : "");
  p->ssrc = p->base.format.video.ssrc;
  p->payload_type = (guint8)d->program_video_pt;
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
