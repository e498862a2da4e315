/* media-fanout — sends one program stream (RTP) to many sites with a single
 * multiudpsink (sendmmsg to every client per packet). Packets are pushed
 * straight into the sink through a source pad of ours, in the thread that
 * has them (the ingest thread in switch mode, the encoder's in compose
 * mode): no queue and no thread hop between a site's packet and the
 * program's.
 * Clients are added and removed at run time from the main loop. The socket
 * may be the ingest's own, so sites get the program from the port they send
 * to.
 * A site whose transport takes the program its own way (its SSRC, payload
 * type, crypto: site-transport.h) is an egress member instead: a probe on
 * our pad gives it a re-stamped copy of each packet, in the same thread,
 * before the shared send. Without such members the probe costs one atomic
 * read per packet. */
#define G_LOG_DOMAIN "roomctl-media"
#include "media/media-private.h"
#include "devices/site-transport.h"


struct rc_fanout {
  GstElement *pipeline;
  GstPad *pad; /* ours, linked to the sink */
  GstElement *sink;
  char *name;
  gboolean audio;
  GHashTable *clients; /* "host:port" set */
  GMutex lock;         /* guards @egress against the pushing thread */
  GPtrArray *egress;   /* rc_site_transport* (borrowed) taking their own copy */
  gint n_egress;       /* atomic: @egress->len */
};

/* Each egress member gets its copy: the site's SSRC and payload type, then its transport's send. */
static GstPadProbeReturn
egress_probe(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  (void)pad;
  rc_fanout *f = data;
  if (!g_atomic_int_get(&f->n_egress))
    return GST_PAD_PROBE_OK;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
  GstMapInfo map;
  if (!buf || !gst_buffer_map(buf, &map, GST_MAP_READ))
    return GST_PAD_PROBE_OK;
  if (map.size >= 12) {
    guint8 *copy = g_malloc(map.size);
    g_mutex_lock(&f->lock);
    for (guint i = 0; i < f->egress->len; i++) {
      rc_site_transport *t = f->egress->pdata[i];
      const rc_site_stream_format *out = f->audio ? &t->format.audio : &t->format.video;
      memcpy(copy, map.data, map.size);
      rc_rtp_restamp_source(copy, out->out_ssrc, (guint8)out->out_pt);
      t->ops->send(t, f->audio, copy, map.size);
    }
    rc_site_transports_flush(f->egress);
    g_mutex_unlock(&f->lock);
    g_free(copy);
  }
  gst_buffer_unmap(buf, &map);
  return GST_PAD_PROBE_OK;
}

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
  f->audio = audio;
  f->clients = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_mutex_init(&f->lock);
  f->egress = g_ptr_array_new();
  f->pipeline = gst_pipeline_new(name);
  f->sink = gst_element_factory_make("multiudpsink", NULL);
  if (!f->sink) {
    g_set_error(error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN, "multiudpsink missing");
    rc_fanout_free(f);
    return NULL;
  }
  g_object_set(f->sink, "sync", FALSE, "async", FALSE, "send-duplicates", FALSE, NULL);
  if (socket)
    g_object_set(f->sink, "socket", socket, "close-socket", FALSE, NULL);
  gst_bin_add(GST_BIN(f->pipeline), f->sink);
  g_autoptr(GstBus) bus = gst_element_get_bus(f->pipeline);
  gst_bus_add_watch(bus, rc_media_bus_watch, f->name);
  gst_element_set_state(f->pipeline, GST_STATE_PLAYING); /* async=false: at once */
  /* Our pad: active, linked, and the sticky events a stream starts with. */
  f->pad = gst_pad_new("program", GST_PAD_SRC);
  gst_pad_set_active(f->pad, TRUE);
  gst_pad_add_probe(f->pad, GST_PAD_PROBE_TYPE_BUFFER, egress_probe, f, NULL);
  g_autoptr(GstPad) sinkpad = gst_element_get_static_pad(f->sink, "sink");
  g_autoptr(GstCaps) caps = rtp_caps(audio);
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  if (gst_pad_link(f->pad, sinkpad) != GST_PAD_LINK_OK || !gst_pad_push_event(f->pad, gst_event_new_stream_start(name)) ||
      !gst_pad_push_event(f->pad, gst_event_new_caps(caps)) || !gst_pad_push_event(f->pad, gst_event_new_segment(&segment))) {
    g_set_error(error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION, "%s: the fan-out sink refused the stream", name);
    rc_fanout_free(f);
    return NULL;
  }
  return f;
}

void
rc_fanout_free(rc_fanout *f)
{
  if (!f)
    return;
  if (f->pad) {
    gst_pad_set_active(f->pad, FALSE); /* a push still in flight returns FLUSHING */
    g_clear_object(&f->pad);
  }
  if (f->pipeline)
    rc_media_pipeline_free(f->pipeline);
  g_hash_table_destroy(f->clients);
  g_ptr_array_unref(f->egress);
  g_mutex_clear(&f->lock);
  g_free(f->name);
  g_free(f);
}

void
rc_fanout_add_egress(rc_fanout *f, struct rc_site_transport *t)
{
  g_mutex_lock(&f->lock);
  if (!g_ptr_array_find(f->egress, t, NULL))
    g_ptr_array_add(f->egress, t);
  g_atomic_int_set(&f->n_egress, (gint)f->egress->len);
  g_mutex_unlock(&f->lock);
}

void
rc_fanout_remove_egress(rc_fanout *f, struct rc_site_transport *t)
{
  g_mutex_lock(&f->lock); /* once it returns, @t gets no more packets from here */
  g_ptr_array_remove(f->egress, t);
  g_atomic_int_set(&f->n_egress, (gint)f->egress->len);
  g_mutex_unlock(&f->lock);
}

guint
rc_fanout_egress_count(rc_fanout *f)
{
  return (guint)g_atomic_int_get(&f->n_egress);
}

GstPad *
rc_fanout_input(rc_fanout *f)
{
  return f->pad;
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
