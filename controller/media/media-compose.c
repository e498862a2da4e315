/* media-compose — the compose program: the chair's site, the floor holder
 * and up to eight chosen sites decoded and laid out in a grid with their
 * names, encoded once per tier (x264, zero-latency, fixed IDR interval) and
 * handed to each tier's fan-out. Only the shown sites are decoded. */
#define G_LOG_DOMAIN "roomctl-media"
#include "media/media-private.h"

#include <gst/app/gstappsink.h>
#include <gst/video/video.h>
#include <math.h>


struct rc_compose {
  const rc_config *config;
  rc_ingest *video;
  GstElement *pipeline;
  GArray *ssrcs;      /* guint32, the tiles' streams */
  GPtrArray *payers;  /* rtph264pay of each tier, for keyframe requests */
};

static void
caps_video(GstElement *filter, int w, int h, int fps)
{
  /* I420 all the way: what the decoders give and x264 takes, so nothing
   * is blended or converted in a 4-byte format. */
  g_autoptr(GstCaps) caps = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "I420", "width", G_TYPE_INT, w,
                                                "height", G_TYPE_INT, h, "framerate", GST_TYPE_FRACTION, fps, 1, NULL);
  g_object_set(filter, "caps", caps, NULL);
}

/* A tiny black live source drives the compositor at the program frame
 * rate even when no tile sends anything (a full-size one would cost a
 * frame's generation and blending every frame); the output size is fixed by
 * the caps after the compositor. */
static GstElement *
background(rc_compose *c, const rc_tier *t, GstElement **out)
{
  GstBin *bin = GST_BIN(c->pipeline);
  GstElement *src = rc_media_make("videotestsrc", bin), *caps = rc_media_make("capsfilter", bin), *mix = rc_media_make("compositor", bin),
             *size = rc_media_make("capsfilter", bin);
  g_object_set(src, "pattern", 2 /* black */, "is-live", TRUE, NULL);
  caps_video(caps, 16, 16, c->config->media_fps);
  caps_video(size, t->width, t->height, c->config->media_fps);
  g_object_set(mix, "background", 1 /* black */, "latency", (guint64)80 * GST_MSECOND, NULL);
  gst_element_link_many(src, caps, mix, size, NULL);
  *out = size;
  return mix;
}

static void
tile(rc_compose *c, GstElement *mix, const rc_compose_tile *site, int x, int y, int w, int h)
{
  GstBin *bin = GST_BIN(c->pipeline);
  GstElement *src = rc_media_make("appsrc", bin), *jb = rc_media_make("rtpjitterbuffer", bin), *depay = rc_media_make("rtph264depay", bin),
             *parse = rc_media_make("h264parse", bin), *dec = rc_media_make("avdec_h264", bin), *conv = rc_media_make("videoconvert", bin),
             *scale = rc_media_make("videoscale", bin), *caps = rc_media_make("capsfilter", bin), *text = rc_media_make("textoverlay", bin),
             *q = rc_media_make("queue", bin);
  g_autoptr(GstCaps) rtp = gst_caps_from_string("application/x-rtp,media=video,encoding-name=H264,payload=96,clock-rate=90000");
  g_object_set(src, "caps", rtp, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", TRUE, "max-bytes",
               (guint64)(4 << 20), "leaky-type", 2, NULL);
  g_object_set(jb, "latency", 100, "drop-on-latency", TRUE, NULL);
  caps_video(caps, w, h, c->config->media_fps);
  g_object_set(text, "text", site->name, "valignment", 2 /* bottom */, "halignment", 0 /* left */, "font-desc",
               "DejaVu Sans 14", "shaded-background", TRUE, NULL);
  g_object_set(q, "leaky", 2, "max-size-time", (guint64)200 * GST_MSECOND, NULL);
  g_object_set(dec, "max-threads", 1, NULL); /* small pictures: one thread each, no frame-threading delay */
  gst_element_link_many(src, jb, depay, parse, dec, conv, scale, caps, text, q, NULL);
  GstPad *pad = gst_element_request_pad_simple(mix, "sink_%u");
  g_object_set(pad, "xpos", x, "ypos", y, NULL);
  g_autoptr(GstPad) qsrc = gst_element_get_static_pad(q, "src");
  gst_pad_link(qsrc, pad);
  gst_object_unref(pad);
  rc_ingest_copy_to(c->video, site->ssrc, GST_APP_SRC(src));
  g_array_append_val(c->ssrcs, site->ssrc);
}

static GstFlowReturn
on_encoded(GstAppSink *sink, gpointer fanout)
{
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample(sink);
  GstBuffer *buf = sample ? gst_sample_get_buffer(sample) : NULL;
  if (buf)
    gst_pad_push(rc_fanout_input(fanout), gst_buffer_ref(buf)); /* takes the ref */
  return GST_FLOW_OK;
}

static void
tier_encoder(rc_compose *c, GstElement *tee, const rc_tier *t, rc_fanout *fanout)
{
  GstBin *bin = GST_BIN(c->pipeline);
  const rc_config *cfg = c->config;
  GstElement *q = rc_media_make("queue", bin), *scale = rc_media_make("videoscale", bin), *conv = rc_media_make("videoconvert", bin),
             *caps = rc_media_make("capsfilter", bin), *enc = rc_media_make("x264enc", bin), *pay = rc_media_make("rtph264pay", bin),
             *sink = rc_media_make("appsink", bin);
  g_object_set(q, "leaky", 2, "max-size-time", (guint64)200 * GST_MSECOND, NULL);
  g_object_set(scale, "method", 0 /* nearest: the program is already composed */, NULL);
  caps_video(caps, t->width, t->height, cfg->media_fps);
  g_object_set(enc, "tune", 0x4 /* zerolatency */, "speed-preset", 1 /* ultrafast */, "bitrate", t->kbps,
               "key-int-max", cfg->media_fps * cfg->media_idr_seconds, "threads", 1, NULL);
  g_object_set(pay, "pt", RC_PT_H264, "ssrc", RC_PROGRAM_VIDEO_SSRC, "config-interval", -1, "mtu", 1200, NULL);
  g_object_set(sink, "sync", FALSE, "max-buffers", 200, "drop", TRUE, NULL);
  GstAppSinkCallbacks cb = {.new_sample = on_encoded};
  gst_app_sink_set_callbacks(GST_APP_SINK(sink), &cb, fanout, NULL);
  gst_element_link_many(tee, q, scale, conv, caps, enc, pay, sink, NULL);
  g_ptr_array_add(c->payers, gst_object_ref(pay));
}

rc_compose *
rc_compose_new(const rc_compose_setup *setup, GError **error)
{
  rc_compose *c = g_new0(rc_compose, 1);
  c->config = setup->config;
  c->video = setup->video;
  c->pipeline = gst_pipeline_new("program-compose");
  c->ssrcs = g_array_new(FALSE, FALSE, sizeof(guint32));
  c->payers = g_ptr_array_new_with_free_func(gst_object_unref);
  const rc_tier *big = &g_array_index(setup->tiers, rc_tier, 0);
  GstElement *out = NULL;
  GstElement *mix = background(c, big, &out);
  guint n = MAX(setup->n_tiles, 1);
  int cols = (int)ceil(sqrt(n)), rows = (int)((n + (guint)cols - 1) / (guint)cols);
  int w = big->width / cols / 2 * 2, h = big->height / rows / 2 * 2;
  for (guint i = 0; i < setup->n_tiles; i++)
    tile(c, mix, &setup->tiles[i], (int)(i % (guint)cols) * w, (int)(i / (guint)cols) * h, w, h);
  GstElement *tee = rc_media_make("tee", GST_BIN(c->pipeline));
  gst_element_link(out, tee);
  for (guint t = 0; t < setup->tiers->len; t++)
    tier_encoder(c, tee, &g_array_index(setup->tiers, rc_tier, t), setup->fanouts[t]);
  g_autoptr(GstBus) bus = gst_element_get_bus(c->pipeline);
  gst_bus_add_watch(bus, rc_media_bus_watch, "program-compose");
  if (gst_element_set_state(c->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error(error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE, "the compose pipeline does not start");
    rc_compose_free(c);
    return NULL;
  }
  return c;
}

void
rc_compose_free(rc_compose *c)
{
  if (!c)
    return;
  for (guint i = 0; i < c->ssrcs->len; i++)
    rc_ingest_copy_to(c->video, g_array_index(c->ssrcs, guint32, i), NULL);
  rc_media_pipeline_free(c->pipeline);
  g_ptr_array_unref(c->payers);
  g_array_free(c->ssrcs, TRUE);
  g_free(c);
}

void
rc_compose_request_keyframe(rc_compose *c)
{
  for (guint i = 0; i < c->payers->len; i++)
    gst_element_send_event(c->payers->pdata[i],
                           gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
}
