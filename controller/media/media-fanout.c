/* media-fanout — sends one program stream (RTP) to many sites with a single
 * multiudpsink (sendmmsg to every client per packet): appsrc → multiudpsink.
 * Clients are added and removed at run time from the main loop. The socket
 * may be the ingest's own, so sites get the program from the port they send
 * to. */
#define G_LOG_DOMAIN "roomctl-media"
#include "media-private.h"


struct rc_fanout {
  GstElement *pipeline;
  GstAppSrc *src;
  GstElement *sink;
  char *name;
  GHashTable *clients; /* "host:port" set */
};

static GstCaps *
rtp_caps(gboolean audio)
{
  return audio ? gst_caps_new_simple("application/x-rtp", "media", G_TYPE_STRING, "audio", "encoding-name",
                                     G_TYPE_STRING, "OPUS", "payload", G_TYPE_INT, RC_PT_OPUS, "clock-rate",
                                     G_TYPE_INT, 48000, NULL)
               : gst_caps_new_simple("application/x-rtp", "media", G_TYPE_STRING, "video", "encoding-name",
                                     G_TYPE_STRING, "H264", "payload", G_TYPE_INT, RC_PT_H264, "clock-rate",
                                     G_TYPE_INT, 90000, NULL);
}

rc_fanout *
rc_fanout_new(const char *name, gboolean audio, GSocket *socket, GError **error)
{
  rc_fanout *f = g_new0(rc_fanout, 1);
  f->name = g_strdup(name);
  f->clients = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  f->pipeline = gst_pipeline_new(name);
  GstElement *src = gst_element_factory_make("appsrc", NULL);
  f->sink = gst_element_factory_make("multiudpsink", NULL);
  if (!src || !f->sink) {
    g_set_error(error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN, "appsrc or multiudpsink missing");
    g_clear_object(&src);
    g_clear_object(&f->sink);
    rc_fanout_free(f);
    return NULL;
  }
  g_autoptr(GstCaps) caps = rtp_caps(audio);
  /* Packets are sent as they come: the sources are live and already paced. */
  g_object_set(src, "caps", caps, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", TRUE,
               "max-bytes", (guint64)(4 << 20), "leaky-type", 2 /* downstream: drop old */, NULL);
  g_object_set(f->sink, "sync", FALSE, "async", FALSE, "send-duplicates", FALSE, NULL);
  if (socket)
    g_object_set(f->sink, "socket", socket, "close-socket", FALSE, NULL);
  gst_bin_add_many(GST_BIN(f->pipeline), src, f->sink, NULL);
  gst_element_link(src, f->sink);
  f->src = GST_APP_SRC(gst_object_ref(src));
  g_autoptr(GstBus) bus = gst_element_get_bus(f->pipeline);
  gst_bus_add_watch(bus, rc_media_bus_watch, f->name);
  gst_element_set_state(f->pipeline, GST_STATE_PLAYING);
  return f;
}

void
rc_fanout_free(rc_fanout *f)
{
  if (!f)
    return;
  rc_media_pipeline_free(f->pipeline);
  g_clear_object(&f->src);
  g_hash_table_destroy(f->clients);
  g_free(f->name);
  g_free(f);
}

GstAppSrc *
rc_fanout_input(rc_fanout *f)
{
  return f->src;
}

void
rc_fanout_add(rc_fanout *f, const char *host, int port)
{
  char *key = g_strdup_printf("%s:%d", host, port);
  if (!g_hash_table_add(f->clients, key))
    return;
  g_signal_emit_by_name(f->sink, "add", host, port);
  g_debug("%s: + %s:%d (%u clients)", f->name, host, port, g_hash_table_size(f->clients));
}

void
rc_fanout_remove(rc_fanout *f, const char *host, int port)
{
  g_autofree char *key = g_strdup_printf("%s:%d", host, port);
  if (!g_hash_table_remove(f->clients, key))
    return;
  g_signal_emit_by_name(f->sink, "remove", host, port);
}

guint64
rc_fanout_bytes(rc_fanout *f)
{
  guint64 bytes = 0;
  g_object_get(f->sink, "bytes-served", &bytes, NULL);
  return bytes;
}
