/* net — creates the libwebsockets context on the GLib main loop and owns
 * the listening vhost. */
#define G_LOG_DOMAIN "roomctl-net"
#include "net/net-private.h"
#include "base/rc-error.h"

#include <glib/gstdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int connection_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                               size_t len);

static struct lws_protocols protocols[] = {
  {"http", connection_callback, 0, 0, 0, NULL, 0},
  {"roomctl.v1", rc_net_ws_callback, 0, 0, 0, NULL, 0},
  {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* libwebsockets logs through one process-wide hook without user data, so
 * the little it tells about a connection passes through file-static state:
 * a header overflow it reports just before it closes that connection (read
 * back when the connection is destroyed, to log it with its address), and
 * when each of its error lines was last shown, so a client that provokes
 * the same error a thousand times makes one line a minute, not a thousand. */
static gboolean header_overflow;
static GHashTable *lws_lines_shown; /* text -> gint64* µs */

static void
lws_log(int level, const char *line)
{
  g_autofree char *text = g_strchomp(g_strdup(line));
  if (strstr(text, "Ran out of header data space")) {
    header_overflow = TRUE;
    g_debug("lws: %s", text);
    return;
  }
  if (!(level & LLL_ERR)) {
    g_debug("lws: %s", text);
    return;
  }
  if (!lws_lines_shown)
    lws_lines_shown = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  gint64 now = g_get_monotonic_time(), *shown = g_hash_table_lookup(lws_lines_shown, text);
  if (shown && now - *shown < 60 * G_USEC_PER_SEC) {
    g_debug("lws: %s", text);
    return;
  }
  if (g_hash_table_size(lws_lines_shown) > 1000)
    g_hash_table_remove_all(lws_lines_shown);
  g_hash_table_insert(lws_lines_shown, g_strdup(text), g_memdup2(&now, sizeof now));
  g_warning("lws: %s (the same line again within a minute is not logged)", text);
}

/* Connection-level events go to protocol 0 whatever the connection
 * becomes; the limits see them before the HTTP side does. */
static int
connection_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
  switch (reason) {
  case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
    header_overflow = FALSE;
    return rc_net_limits_accept(rc_net_of(wsi)->limits, (int)(intptr_t)in) ? 0 : 1;
  case LWS_CALLBACK_WSI_CREATE:
    rc_net_limits_created(rc_net_of(wsi)->limits, wsi);
    return 0;
  case LWS_CALLBACK_WSI_DESTROY:
    rc_net_limits_destroyed(rc_net_of(wsi)->limits, wsi, header_overflow);
    header_overflow = FALSE;
    return 0;
  case LWS_CALLBACK_FILTER_HTTP_CONNECTION:
    rc_net_limits_asked(rc_net_of(wsi)->limits, wsi);
    return 0;
  default:
    return rc_net_http_callback(wsi, reason, user, in, len);
  }
}

/* TLS on the one port: what a plain-HTTP client gets there. With redirect
 * the first byte of a connection tells TLS from plain, and plain requests
 * get a 308 to the same URL over https (net-http.c; lws's own redirect
 * option drops the path) and plain WebSocket upgrades are refused; with
 * refuse the TLS handshake simply fails. */
static void
set_tls(struct lws_context_creation_info *info, rc_config *config)
{
  if (!*config->tls_cert)
    return;
  info->ssl_cert_filepath = config->tls_cert;
  info->ssl_private_key_filepath = config->tls_key;
  info->options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
  /* HTTP/1.1 only: the replies are written the HTTP/1 way (raw extra
   * headers for files, "connection: close"), which h2 would refuse. */
  info->alpn = "http/1.1";
  if (g_str_equal(config->http_mode, "redirect"))
    info->options |= LWS_SERVER_OPTION_ALLOW_NON_SSL_ON_SSL_PORT | LWS_SERVER_OPTION_ALLOW_HTTP_ON_HTTPS_LISTENER;
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
  net->limits = rc_net_limits_new(config);
  if (*config->tls_cert && !rc_net_tls_check(config->tls_cert, config->tls_key, error)) {
    rc_net_free(net);
    return NULL;
  }
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
  info.max_http_header_data = (unsigned short)(config->max_header_kb * 1024);
  /* A connection holds a header buffer (an "ah") until its request header
   * is whole: a client dribbling it in (slowloris) is dropped after this. */
  info.timeout_secs_ah_idle = (unsigned)config->header_timeout_seconds;
  info.keepalive_timeout = config->idle_seconds;
  info.timeout_secs = 20;
  set_tls(&info, config);
  /* lws reads into a buffer of this size, so an upload arrives in pieces
   * of it: 4 KiB (the default) makes a 10 MB document 2,500 reads. (File
   * bodies go out through net-file.c, not through this buffer.) */
  info.pt_serv_buf_size = 256 * 1024;
  net->context = lws_create_context(&info);
  if (!net->context) {
    g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "cannot listen on %s:%d (port taken?%s)", config->listen,
                config->port, *config->tls_cert ? " or TLS refused the certificate, see above" : "");
    rc_net_free(net);
    return NULL;
  }
  net->vhost = lws_get_vhost_by_name(net->context, "default");
  rc_meeting_set_sink(meeting, rc_net_ws_publish, net);
  rc_net_ws_start(net);
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
  rc_net_ws_stop(net);
  if (net->context)
    lws_context_destroy(net->context);
  rc_net_limits_free(net->limits);
  g_hash_table_destroy(net->topics);
  g_hash_table_destroy(net->conns);
  g_byte_array_unref(net->scratch);
  free(net->web_root);
  g_free(net->upload_dir);
  g_free(net);
}
