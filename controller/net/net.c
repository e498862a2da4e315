/* net — creates the libwebsockets context on the GLib main loop and owns
 * the listening vhost. */
#define G_LOG_DOMAIN "roomctl-net"
#include "net-private.h"
#include "rc-error.h"

#include <glib/gstdio.h>
#include <stdlib.h>

static struct lws_protocols protocols[] = {
  {"http", rc_net_http_callback, 0, 0, 0, NULL, 0},
  {"roomctl.v1", rc_net_ws_callback, 0, 0, 0, NULL, 0},
  {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void
lws_log(int level, const char *line)
{
  g_autofree char *text = g_strchomp(g_strdup(line));
  if (level & LLL_ERR)
    g_warning("lws: %s", text);
  else
    g_debug("lws: %s", text);
}

rc_net *
rc_net_new(rc_config *config, rc_api *api, rc_meeting *meeting, GMainLoop *loop, GError **error)
{
  rc_net *net = g_new0(rc_net, 1);
  net->config = config;
  net->api = api;
  net->meeting = meeting;
  net->web_root = realpath(config->web_root, NULL);
  net->upload_dir = g_build_filename(config->data_dir, "tmp", NULL);
  net->topics = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, (GDestroyNotify)g_hash_table_unref);
  net->scratch = g_byte_array_new();
  net->conns = g_hash_table_new(g_direct_hash, g_direct_equal);
  if (!net->web_root || g_mkdir_with_parents(net->upload_dir, 0700) != 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "web root %s or %s is not usable", config->web_root,
                net->upload_dir);
    rc_net_free(net);
    return NULL;
  }
  lws_set_log_level(LLL_ERR | LLL_WARN, lws_log);
  protocols[0].per_session_data_size = rc_net_http_session_size();
  protocols[1].per_session_data_size = rc_net_ws_session_size();
  protocols[1].rx_buffer_size = 16384;
  void *foreign_loops[] = {loop};
  struct lws_context_creation_info info = {0};
  info.port = config->port;
  info.iface = g_str_equal(config->listen, "0.0.0.0") ? NULL : config->listen;
  info.protocols = protocols;
  info.options = LWS_SERVER_OPTION_GLIB | LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_DISABLE_IPV6;
  info.foreign_loops = foreign_loops;
  info.user = net;
  info.max_http_header_data = 8192;
  info.timeout_secs = 20;
  /* File bodies go out in chunks of this size: 4 KiB (the default) makes a
   * 10 MB document 2,500 writes. */
  info.pt_serv_buf_size = 256 * 1024;
  net->context = lws_create_context(&info);
  if (!net->context) {
    g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "cannot listen on %s:%d (port taken?)", config->listen,
                config->port);
    rc_net_free(net);
    return NULL;
  }
  net->vhost = lws_get_vhost_by_name(net->context, "default");
  rc_meeting_set_sink(meeting, rc_net_ws_publish, net);
  return net;
}

int
rc_net_port(rc_net *net)
{
  return net->vhost ? lws_get_vhost_port(net->vhost) : -1;
}

guint
rc_net_ws_clients(rc_net *net)
{
  return net->ws_clients;
}

void
rc_net_free(rc_net *net)
{
  if (!net)
    return;
  if (net->meeting)
    rc_meeting_set_sink(net->meeting, NULL, NULL);
  if (net->context)
    lws_context_destroy(net->context);
  g_hash_table_destroy(net->topics);
  g_hash_table_destroy(net->conns);
  g_byte_array_unref(net->scratch);
  free(net->web_root);
  g_free(net->upload_dir);
  g_free(net);
}
