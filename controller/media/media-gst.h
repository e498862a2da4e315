/* media-gst — the GStreamer and socket helpers every media part shares: a
 * leaf (GStreamer and GIO only), so that the parts need not reach into
 * media.c for them. */
#pragma once
#include <gio/gio.h>
#include <gst/gst.h>

/* A UDP socket bound to 127.0.0.1 on a free port, for an internal input. (transfer full) */
GSocket *rc_media_local_socket(int *port, GError **error);
/* Makes a @factory element inside @bin (which owns it); NULL, logged, if the
 * plugin is missing. (transfer none) */
GstElement *rc_media_make(const char *factory, GstBin *bin);
/* Stops @pipeline, removes its bus watch and drops it (NULL is fine). */
void rc_media_pipeline_free(GstElement *pipeline);
/* Posts @error from a pipeline's bus to the log; shared bus watch. */
gboolean rc_media_bus_watch(GstBus *bus, GstMessage *message, gpointer name);
