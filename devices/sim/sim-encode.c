/* sim-encode — one-shot encoding pipelines, built element by element (no
 * launch strings: the title comes from a CSV file). */
#include "devices/sim/sim-encode.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#define SIM_ENCODE_ERROR g_quark_from_static_string("sim-encode")
/* Bump when the pipelines change, so old cache files are not reused. */
#define SIM_ENCODE_VERSION 2

static GstElement *
make(GstElement *bin, const char *factory, GError **error)
{
  GstElement *e = gst_element_factory_make(factory, NULL);
  if (!e) {
    g_set_error(error, SIM_ENCODE_ERROR, 0, "GStreamer element %s is missing (plugins not installed?)",
                factory);
    return NULL;
  }
  gst_bin_add(GST_BIN(bin), e); /* takes ownership */
  return e;
}

static GstElement *
make_caps(GstElement *bin, const char *caps_text, GError **error)
{
  GstElement *e = make(bin, "capsfilter", error);
  if (e) {
    g_autoptr(GstCaps) caps = gst_caps_from_string(caps_text);
    g_object_set(e, "caps", caps, NULL);
  }
  return e;
}

/* Runs @pipeline until EOS, collecting every buffer of @sink. */
static GPtrArray *
run_to_end(GstElement *pipeline, GstElement *sink, GError **error)
{
  g_autoptr(GPtrArray) units = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    gst_element_set_state(pipeline, GST_STATE_NULL);
    g_set_error(error, SIM_ENCODE_ERROR, 0, "the encoding pipeline does not start");
    return NULL;
  }
  GstSample *sample;
  while ((sample = gst_app_sink_pull_sample(GST_APP_SINK(sink)))) {
    GstBuffer *buf = gst_sample_get_buffer(sample);
    GstMapInfo map;
    if (buf && gst_buffer_map(buf, &map, GST_MAP_READ)) {
      g_ptr_array_add(units, g_bytes_new(map.data, map.size));
      gst_buffer_unmap(buf, &map);
    }
    gst_sample_unref(sample);
  }
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  g_autoptr(GstMessage) msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  if (msg) {
    g_autoptr(GError) gst_error = NULL;
    gst_message_parse_error(msg, &gst_error, NULL);
    g_set_error(error, SIM_ENCODE_ERROR, 0, "encoding failed: %s", gst_error->message);
    return NULL;
  }
  if (units->len == 0) {
    g_set_error(error, SIM_ENCODE_ERROR, 0, "the encoder produced nothing");
    return NULL;
  }
  return g_steal_pointer(&units);
}

static GstElement *
make_x264(GstElement *bin, const sim_video_format *f, gboolean frozen, GError **error)
{
  GstElement *enc = make(bin, "x264enc", error);
  if (!enc)
    return NULL;
  gst_util_set_object_arg(G_OBJECT(enc), "speed-preset", "ultrafast");
  gst_util_set_object_arg(G_OBJECT(enc), "tune", "zerolatency");
  /* A small VBV keeps a 2 s loop close to the asked bitrate. */
  g_object_set(enc, "bitrate", f->bitrate_kbps, "key-int-max", f->frames, "threads", 1,
               "aud", FALSE, "byte-stream", TRUE, "vbv-buf-capacity", 200, NULL);
  if (frozen) { /* a fixed quantizer: a still picture's P-frames become all-skip, a few bytes each */
    gst_util_set_object_arg(G_OBJECT(enc), "pass", "quant");
    g_object_set(enc, "quantizer", 26, NULL);
  }
  return enc;
}

static GstElement *
make_title(GstElement *bin, const char *title, GError **error)
{
  GstElement *text = make(bin, "textoverlay", error);
  if (text) {
    g_autofree char *markup = g_markup_escape_text(title, -1); /* textoverlay parses Pango markup */
    g_object_set(text, "text", markup, "font-desc", "DejaVu Sans Bold 22", "shaded-background", TRUE,
                 NULL);
    gst_util_set_object_arg(G_OBJECT(text), "valignment", "center");
    gst_util_set_object_arg(G_OBJECT(text), "halignment", "center");
  }
  return text;
}

GPtrArray *
sim_encode_video(const sim_video_format *f, const char *title, gboolean frozen, GError **error)
{
  g_autoptr(GstElement) pipeline = gst_pipeline_new(NULL);
  g_autofree char *raw = g_strdup_printf("video/x-raw,format=I420,width=%u,height=%u,framerate=%u/1",
                                         f->width, f->height, f->fps);
  g_autofree char *rate = g_strdup_printf("video/x-raw,framerate=%u/1", f->fps);
  GstElement *src = make(pipeline, "videotestsrc", error), *caps, *text, *freeze = NULL, *rate_caps = NULL,
             *enc, *out, *sink;
  if (!src || !(caps = make_caps(pipeline, raw, error)) || !(text = make_title(pipeline, title, error)) ||
      (frozen && (!(freeze = make(pipeline, "imagefreeze", error)) ||
                  !(rate_caps = make_caps(pipeline, rate, error)))) ||
      !(enc = make_x264(pipeline, f, frozen, error)) ||
      !(out = make_caps(pipeline, "video/x-h264,stream-format=byte-stream,alignment=au", error)) ||
      !(sink = make(pipeline, "appsink", error)))
    return NULL;
  gst_util_set_object_arg(G_OBJECT(src), "pattern", "smpte");
  /* a scrolling pattern gives the encoder real work at ~1 Mbps */
  g_object_set(src, "horizontal-speed", frozen ? 0 : 4, "num-buffers", frozen ? 1 : (int)f->frames, NULL);
  if (frozen)
    g_object_set(freeze, "num-buffers", (int)f->frames, NULL);
  g_object_set(sink, "sync", FALSE, NULL);
  gboolean linked = frozen ? gst_element_link_many(src, caps, text, freeze, rate_caps, enc, out, sink, NULL)
                           : gst_element_link_many(src, caps, text, enc, out, sink, NULL);
  if (!linked) {
    g_set_error(error, SIM_ENCODE_ERROR, 0, "cannot link the video encoding pipeline");
    return NULL;
  }
  return run_to_end(pipeline, sink, error);
}

GPtrArray *
sim_encode_audio(gboolean silence, guint frames, GError **error)
{
  g_autoptr(GstElement) pipeline = gst_pipeline_new(NULL);
  GstElement *src = make(pipeline, "audiotestsrc", error), *caps, *enc, *sink;
  if (!src || !(caps = make_caps(pipeline, "audio/x-raw,rate=48000,channels=1", error)) ||
      !(enc = make(pipeline, "opusenc", error)) || !(sink = make(pipeline, "appsink", error)))
    return NULL;
  gst_util_set_object_arg(G_OBJECT(src), "wave", silence ? "silence" : "sine");
  g_object_set(src, "freq", 440.0, "volume", 0.3, "samplesperbuffer", 960, "num-buffers", (int)frames, NULL);
  gst_util_set_object_arg(G_OBJECT(enc), "frame-size", "20");
  g_object_set(enc, "bitrate", 32000, NULL);
  g_object_set(sink, "sync", FALSE, NULL);
  if (!gst_element_link_many(src, caps, enc, sink, NULL)) {
    g_set_error(error, SIM_ENCODE_ERROR, 0, "cannot link the audio encoding pipeline");
    return NULL;
  }
  return run_to_end(pipeline, sink, error);
}

GPtrArray *
sim_encode_g722(guint frames, GError **error)
{
  g_autoptr(GstElement) pipeline = gst_pipeline_new(NULL);
  GstElement *src = make(pipeline, "audiotestsrc", error), *caps, *enc, *sink;
  if (!src || !(caps = make_caps(pipeline, "audio/x-raw,format=S16LE,rate=16000,channels=1", error)) ||
      !(enc = make(pipeline, "avenc_g722", error)) || !(sink = make(pipeline, "appsink", error)))
    return NULL;
  g_object_set(src, "freq", 440.0, "volume", 0.3, "samplesperbuffer", 320, "num-buffers", (int)frames, NULL);
  g_object_set(sink, "sync", FALSE, NULL);
  if (!gst_element_link_many(src, caps, enc, sink, NULL)) {
    g_set_error(error, SIM_ENCODE_ERROR, 0, "cannot link the G.722 encoding pipeline");
    return NULL;
  }
  g_autoptr(GPtrArray) out = run_to_end(pipeline, sink, error);
  if (!out)
    return NULL;
  /* G.722 is 8,000 bytes a second whatever the encoder's buffers: cut 20 ms frames of 160 bytes. */
  g_autoptr(GByteArray) all = g_byte_array_new();
  for (guint i = 0; i < out->len; i++) {
    gsize n;
    const guint8 *d = g_bytes_get_data(out->pdata[i], &n);
    g_byte_array_append(all, d, (guint)n);
  }
  GPtrArray *frames_out = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  for (guint off = 0; off + 160 <= all->len; off += 160)
    g_ptr_array_add(frames_out, g_bytes_new(all->data + off, 160));
  return frames_out;
}

char *
sim_encode_video_key(const sim_video_format *f, const char *title, gboolean frozen)
{
  return g_strdup_printf("video v%d %ux%u %ufps %ukbps %uframes %s|%s", SIM_ENCODE_VERSION, f->width,
                         f->height, f->fps, f->bitrate_kbps, f->frames, frozen ? "frozen" : "live", title);
}

char *
sim_encode_audio_key(gboolean silence, guint frames)
{
  return g_strdup_printf("audio v%d opus 48000 20ms 32kbps %uframes %s", SIM_ENCODE_VERSION, frames,
                         silence ? "silence" : "tone440");
}
