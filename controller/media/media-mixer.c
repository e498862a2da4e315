/* media-mixer — the program audio. Only the talkers (the floor holder's
 * site, a remote chair site) are decoded; they are mixed with the hall
 * microphone, encoded to Opus and sent to every site. Each talker gets a mix
 * without its own voice (mix-minus), and the hall speakers get the remote
 * talkers without the hall microphone. Rebuilt when the talkers change. */
#define G_LOG_DOMAIN "roomctl-media"
#include "media-private.h"
#include "room-audio.h"

#include <gst/app/gstappsink.h>
#include <string.h>

#define RAW_CAPS "audio/x-raw,format=S16LE,rate=48000,channels=1,layout=interleaved"

typedef struct {
  gint64 site_id;  /* 0 = the full mix for everybody else */
  GstElement *sink; /* multiudpsink */
  GHashTable *clients; /* "host:port" */
} mix_output;

struct rc_mixer {
  rc_media *media;
  GstElement *pipeline;
  GArray *talkers;      /* gint64 */
  GPtrArray *outputs;   /* mix_output*, [0] = the full mix */
  GstElement *room_src; /* appsrc of the hall microphone, or NULL */
  guint room_timer;
};

static GstElement *
raw_caps_filter(GstBin *bin)
{
  GstElement *f = rc_media_make("capsfilter", bin);
  g_autoptr(GstCaps) caps = gst_caps_from_string(RAW_CAPS);
  g_object_set(f, "caps", caps, NULL);
  return f;
}

/* A decoded remote talker: its RTP (copied by the ingest) → raw audio → tee. */
static GstElement *
talker_branch(rc_mixer *x, rc_media_site *site)
{
  GstBin *bin = GST_BIN(x->pipeline);
  GstElement *src = rc_media_make("appsrc", bin), *jb = rc_media_make("rtpjitterbuffer", bin), *depay = rc_media_make("rtpopusdepay", bin),
             *dec = rc_media_make("opusdec", bin), *conv = rc_media_make("audioconvert", bin), *res = rc_media_make("audioresample", bin),
             *caps = raw_caps_filter(bin), *tee = rc_media_make("tee", bin);
  g_autoptr(GstCaps) rtp = gst_caps_from_string("application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000");
  g_object_set(src, "caps", rtp, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", TRUE, "max-bytes",
               (guint64)(1 << 20), "leaky-type", 2, NULL);
  g_object_set(jb, "latency", 80, "drop-on-latency", TRUE, NULL);
  g_object_set(dec, "plc", TRUE, NULL);
  gst_element_link_many(src, jb, depay, dec, conv, res, caps, tee, NULL);
  rc_ingest_copy_to(x->media->audio, site->ssrc_audio, GST_APP_SRC(src));
  return tee;
}

static GstFlowReturn
on_room_sample(GstAppSink *sink, gpointer data)
{
  rc_mixer *x = data;
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample(sink);
  GstBuffer *buf = sample ? gst_sample_get_buffer(sample) : NULL;
  GstMapInfo map;
  if (buf && gst_buffer_map(buf, &map, GST_MAP_READ)) {
    rc_room_audio_write(x->media->room, (const gint16 *)map.data, map.size / 2);
    gst_buffer_unmap(buf, &map);
  }
  return GST_FLOW_OK;
}

/* Drains the hall microphone into the mix every 10 ms. */
static gboolean
on_room_timer(gpointer data)
{
  rc_mixer *x = data;
  gint16 frames[4800];
  gsize n = rc_room_audio_read(x->media->room, frames, G_N_ELEMENTS(frames));
  if (n)
    gst_app_src_push_buffer(GST_APP_SRC(x->room_src), gst_buffer_new_memdup(frames, n * 2));
  return G_SOURCE_CONTINUE;
}

static GstElement *
room_branch(rc_mixer *x)
{
  GstBin *bin = GST_BIN(x->pipeline);
  GstElement *src = rc_media_make("appsrc", bin), *tee = rc_media_make("tee", bin);
  g_autoptr(GstCaps) caps = gst_caps_from_string(RAW_CAPS);
  g_object_set(src, "caps", caps, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", TRUE, NULL);
  gst_element_link(src, tee);
  x->room_src = src;
  x->room_timer = g_timeout_add(10, on_room_timer, x);
  return tee;
}

static GstElement *
silence(GstBin *bin)
{
  GstElement *src = rc_media_make("audiotestsrc", bin), *caps = raw_caps_filter(bin), *tee = rc_media_make("tee", bin);
  g_object_set(src, "wave", 4 /* silence */, "is-live", TRUE, "samplesperbuffer", 960, NULL);
  gst_element_link_many(src, caps, tee, NULL);
  return tee;
}

static void
feed(GstBin *bin, GstElement *tee, GstElement *mixer)
{
  GstElement *q = rc_media_make("queue", bin);
  g_object_set(q, "max-size-time", (guint64)200 * GST_MSECOND, "leaky", 2, NULL);
  gst_element_link(tee, q);
  gst_element_link(q, mixer);
}

/* audiomixer → opusenc → rtpopuspay → multiudpsink from the audio port. */
static mix_output *
encoded_output(rc_mixer *x, gint64 site_id, GstElement *mixer)
{
  GstBin *bin = GST_BIN(x->pipeline);
  GstElement *conv = rc_media_make("audioconvert", bin), *enc = rc_media_make("opusenc", bin), *pay = rc_media_make("rtpopuspay", bin),
             *sink = rc_media_make("multiudpsink", bin);
  g_object_set(enc, "bitrate", 64000, "frame-size", 20, NULL);
  g_object_set(pay, "pt", RC_PT_OPUS, "ssrc", RC_PROGRAM_AUDIO_SSRC, NULL);
  g_object_set(sink, "sync", FALSE, "async", FALSE, "socket", rc_ingest_socket(x->media->audio), "close-socket",
               FALSE, NULL);
  gst_element_link_many(mixer, conv, enc, pay, sink, NULL);
  mix_output *o = g_new0(mix_output, 1);
  o->site_id = site_id;
  o->sink = sink;
  o->clients = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  return o;
}

static void
speakers_output(rc_mixer *x, GstElement *mixer)
{
  GstBin *bin = GST_BIN(x->pipeline);
  GstElement *conv = rc_media_make("audioconvert", bin), *caps = raw_caps_filter(bin), *sink = rc_media_make("appsink", bin);
  g_object_set(sink, "sync", FALSE, "emit-signals", FALSE, "max-buffers", 10, "drop", TRUE, NULL);
  GstAppSinkCallbacks cb = {.new_sample = on_room_sample};
  gst_app_sink_set_callbacks(GST_APP_SINK(sink), &cb, x, NULL);
  gst_element_link_many(mixer, conv, caps, sink, NULL);
}

static void
output_free(gpointer data)
{
  mix_output *o = data;
  g_hash_table_destroy(o->clients);
  g_free(o);
}

/* One mixer per output: everything but the output's own voice. */
static void
build_outputs(rc_mixer *x, GstElement *quiet, GstElement *room, GPtrArray *tees)
{
  GstBin *bin = GST_BIN(x->pipeline);
  for (int out = -1; out < (int)x->talkers->len; out++) { /* -1: the full mix */
    GstElement *mixer = rc_media_make("audiomixer", bin);
    g_object_set(mixer, "latency", (guint64)40 * GST_MSECOND, NULL);
    feed(bin, quiet, mixer);
    if (room)
      feed(bin, room, mixer);
    for (guint t = 0; t < x->talkers->len; t++)
      if ((int)t != out)
        feed(bin, tees->pdata[t], mixer);
    g_ptr_array_add(x->outputs, encoded_output(x, out < 0 ? 0 : g_array_index(x->talkers, gint64, out), mixer));
  }
  if (x->media->room && *rc_room_audio_output_device(x->media->room) && x->talkers->len) {
    GstElement *mixer = rc_media_make("audiomixer", bin);
    feed(bin, quiet, mixer);
    for (guint t = 0; t < x->talkers->len; t++)
      feed(bin, tees->pdata[t], mixer);
    speakers_output(x, mixer);
  }
}

rc_mixer *
rc_mixer_new(rc_media *media, GError **error)
{
  rc_mixer *x = g_new0(rc_mixer, 1);
  x->media = media;
  x->pipeline = gst_pipeline_new("program-audio");
  x->outputs = g_ptr_array_new_with_free_func(output_free);
  x->talkers = rc_media_talkers(media);
  GstElement *quiet = silence(GST_BIN(x->pipeline));
  GstElement *room = media->room && *rc_room_audio_input_device(media->room) ? room_branch(x) : NULL;
  g_autoptr(GPtrArray) tees = g_ptr_array_new();
  for (guint t = 0; t < x->talkers->len; t++)
    g_ptr_array_add(tees, talker_branch(x, rc_media_site_get(media, g_array_index(x->talkers, gint64, t))));
  build_outputs(x, quiet, room, tees);
  g_autoptr(GstBus) bus = gst_element_get_bus(x->pipeline);
  gst_bus_add_watch(bus, rc_media_bus_watch, "program-audio");
  if (gst_element_set_state(x->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error(error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE, "the program audio pipeline does not start");
    rc_mixer_free(x);
    return NULL;
  }
  for (guint i = 0; media->local_audio_ports && i < media->local_audio_ports->len; i++)
    rc_mixer_local_client(x, g_array_index(media->local_audio_ports, int, i), TRUE);
  rc_mixer_refresh(x);
  return x;
}

void
rc_mixer_free(rc_mixer *x)
{
  if (!x)
    return;
  for (guint t = 0; t < x->talkers->len; t++) {
    rc_media_site *s = rc_media_site_get(x->media, g_array_index(x->talkers, gint64, t));
    if (s && x->media->audio)
      rc_ingest_copy_to(x->media->audio, s->ssrc_audio, NULL);
  }
  g_clear_handle_id(&x->room_timer, g_source_remove);
  rc_media_pipeline_free(x->pipeline);
  g_ptr_array_unref(x->outputs);
  g_array_free(x->talkers, TRUE);
  g_free(x);
}

static void
client(mix_output *o, const char *hostport, gboolean add)
{
  const char *colon = strrchr(hostport, ':');
  if (!colon)
    return;
  g_autofree char *host = g_strndup(hostport, (gsize)(colon - hostport));
  if (add ? !g_hash_table_add(o->clients, g_strdup(hostport)) : !g_hash_table_remove(o->clients, hostport))
    return;
  g_signal_emit_by_name(o->sink, add ? "add" : "remove", host, atoi(colon + 1));
}

void
rc_mixer_local_client(rc_mixer *x, int port, gboolean add)
{
  g_autofree char *hp = g_strdup_printf("127.0.0.1:%d", port);
  client(x->outputs->pdata[0], hp, add);
}

static mix_output *
output_for(rc_mixer *x, gint64 site_id)
{
  for (guint i = 1; i < x->outputs->len; i++)
    if (((mix_output *)x->outputs->pdata[i])->site_id == site_id)
      return x->outputs->pdata[i];
  return x->outputs->pdata[0];
}

void
rc_mixer_refresh(rc_mixer *x)
{
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, x->media->sites);
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    rc_media_site *s = value;
    g_autofree char *dest = rc_media_site_destination(s, TRUE);
    if (dest)
      client(output_for(x, s->id), dest, TRUE);
  }
}
