/* media-pull — sites the controller fetches instead of receiving: an IP
 * camera or codec over RTSP (rtspsrc), or an SRT caller/listener carrying
 * MPEG-TS (srtsrc). Their H.264 is turned into RTP with the site's SSRC and
 * fed to the same ingest as every RTP site, so statistics, switching and
 * the program treat them alike. A source that fails is retried with a
 * growing delay (5 s up to 60 s), logged once per failure.
 *
 * rtspsrc (1.22) binds its RTP/RTCP client ports on the wildcard address
 * (gst_rtspsrc_alloc_udp_ports makes them from "udp://0.0.0.0" and binds
 * them before any signal or property could change that). With a specific
 * [media] listen address a camera is therefore pulled with RTP interleaved
 * in its RTSP TCP connection (RFC 2326 10.12), which opens no UDP socket;
 * with the wildcard (the default) UDP is tried first, as before. */
#define G_LOG_DOMAIN "roomctl-media"
#include "media-private.h"

#include <gst/app/gstappsink.h>


typedef struct {
  rc_media *media;
  gint64 site_id;
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
  rc_media_site *site = rc_media_site_get(p->media, p->site_id);
  GstMapInfo map;
  if (!buf || !site || !p->media->video || !gst_buffer_map(buf, &map, GST_MAP_READ))
    return GST_FLOW_OK;
  if (map.size >= 12) {
    g_autofree guint8 *copy = g_memdup2(map.data, map.size);
    copy[8] = (guint8)(site->ssrc_video >> 24), copy[9] = (guint8)(site->ssrc_video >> 16);
    copy[10] = (guint8)(site->ssrc_video >> 8), copy[11] = (guint8)site->ssrc_video;
    copy[1] = (guint8)((copy[1] & 0x80) | RC_PT_H264);
    rc_ingest_feed(p->media->video, copy, map.size, NULL);
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
  g_object_set(pay, "pt", RC_PT_H264, "config-interval", -1, "mtu", 1200, NULL);
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
schedule_retry(pull_state *p, rc_media_site *site, const char *why)
{
  g_warning("site %s (%s): %s; retrying in %u s", site->code, site->transport, why, p->delay_s);
  if (site->pull) {
    gst_element_set_state(site->pull, GST_STATE_NULL);
    g_clear_pointer(&site->pull, gst_object_unref);
  }
  p->retry_source = g_timeout_add_seconds(p->delay_s, on_retry, p);
  p->delay_s = MIN(p->delay_s * 2, 60);
}

static gboolean
on_bus(GstBus *bus, GstMessage *msg, gpointer data)
{
  (void)bus;
  pull_state *p = data;
  rc_media_site *site = rc_media_site_get(p->media, p->site_id);
  if (!site)
    return G_SOURCE_REMOVE;
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR || GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS) {
    g_autoptr(GError) error = NULL;
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR)
      gst_message_parse_error(msg, &error, NULL);
    schedule_retry(p, site, error ? error->message : "the stream ended");
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

/* Whether @listen is empty, 0.0.0.0 or :: (every address). */
static gboolean
listens_everywhere(const char *listen)
{
  g_autoptr(GInetAddress) a = listen && *listen ? g_inet_address_new_from_string(listen) : NULL;
  return !listen || !*listen || (a && g_inet_address_get_is_any(a));
}

static GstElement *
build_rtsp(pull_state *p, const char *url)
{
  GstElement *pipe = gst_pipeline_new("pull-rtsp");
  GstElement *src = gst_element_factory_make("rtspsrc", NULL);
  g_object_set(src, "location", url, "latency", 200, "timeout", (guint64)5000000, "tcp-timeout", (guint64)5000000,
               "retry", 2, NULL);
  if (!listens_everywhere(p->media->config->media_listen))
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
  rc_media_site *site = rc_media_site_get(p->media, p->site_id);
  if (!site)
    return;
  site->pull = g_str_equal(site->transport, "rtsp") ? build_rtsp(p, site->pull_url) : build_srt(p, site->pull_url);
  if (!site->pull) {
    g_warning("site %s: cannot build the %s source", site->code, site->transport);
    return;
  }
  g_autoptr(GstBus) bus = gst_element_get_bus(site->pull);
  gst_bus_add_watch(bus, on_bus, p);
  if (gst_element_set_state(site->pull, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    schedule_retry(p, site, "the source does not start");
}

void
rc_media_pull_start(rc_media *media, rc_media_site *site)
{
  if (g_strcmp0(site->transport, "rtp") == 0)
    return;
  if (!site->pull_url || !*site->pull_url) {
    g_warning("site %s: transport %s needs an address (URL)", site->code, site->transport);
    return;
  }
  pull_state *p = g_new0(pull_state, 1);
  p->media = media;
  p->site_id = site->id;
  p->delay_s = 5;
  site->pull_state = p;
  g_message("site %s: pulling %s", site->code, site->pull_url);
  pull_build(p);
}

void
rc_media_pull_stop(rc_media_site *site)
{
  pull_state *p = site->pull_state;
  if (site->pull) {
    gst_element_set_state(site->pull, GST_STATE_NULL);
    g_autoptr(GstBus) bus = gst_element_get_bus(site->pull);
    gst_bus_remove_watch(bus);
    g_clear_pointer(&site->pull, gst_object_unref);
  }
  if (p) {
    g_clear_handle_id(&p->retry_source, g_source_remove);
    g_free(p);
    site->pull_state = NULL;
  }
}
