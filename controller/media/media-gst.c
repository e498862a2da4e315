/* media-gst — see media-gst.h. */
#define G_LOG_DOMAIN "roomctl-media"
#include "media/media-gst.h"

GSocket *
rc_media_local_socket(int *port, GError **error)
{
  g_autoptr(GSocket) socket = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
  if (!socket || !g_socket_bind(socket, any, FALSE, error))
    return NULL;
  g_autoptr(GSocketAddress) bound = g_socket_get_local_address(socket, error);
  if (!bound)
    return NULL;
  *port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  return g_steal_pointer(&socket);
}

GstElement *
rc_media_make(const char *factory, GstBin *bin)
{
  GstElement *e = gst_element_factory_make(factory, NULL);
  if (e)
    gst_bin_add(bin, e); /* the bin takes ownership */
  else
    g_warning("GStreamer element %s is missing", factory);
  return e;
}

void
rc_media_pipeline_free(GstElement *pipeline)
{
  if (!pipeline)
    return;
  gst_element_set_state(pipeline, GST_STATE_NULL);
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  gst_bus_remove_watch(bus);
  gst_object_unref(pipeline);
}

gboolean
rc_media_bus_watch(GstBus *bus, GstMessage *msg, gpointer name)
{
  (void)bus;
  g_autoptr(GError) error = NULL;
  g_autofree char *debug = NULL;
  switch (GST_MESSAGE_TYPE(msg)) {
  case GST_MESSAGE_ERROR:
    gst_message_parse_error(msg, &error, &debug);
    g_warning("%s: %s: %s (%s)", (const char *)name, GST_OBJECT_NAME(msg->src), error->message, debug ? debug : "");
    break;
  case GST_MESSAGE_WARNING:
    gst_message_parse_warning(msg, &error, &debug);
    g_message("%s: %s: %s", (const char *)name, GST_OBJECT_NAME(msg->src), error->message);
    break;
  default:
    break;
  }
  return G_SOURCE_CONTINUE;
}
