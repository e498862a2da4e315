/* net-private — what net-http.c and net-ws.c share. */
#pragma once
#include "net.h"

#include <libwebsockets.h>

struct rc_net {
  rc_config *config;
  rc_api *api;
  rc_meeting *meeting;
  struct lws_context *context;
  struct lws_vhost *vhost;
  char *web_root;        /* real path */
  char *upload_dir;
  GHashTable *topics;    /* gint64* session id -> GHashTable set of rc_ws_conn* */
  guint ws_clients;
  GByteArray *scratch;   /* LWS_PRE + frame, for lws_write */
  GHashTable *conns;     /* set of every open WebSocket connection */
  rc_api_ws_io io;
};

int rc_net_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len);
int rc_net_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                       size_t len);
size_t rc_net_http_session_size(void);
size_t rc_net_ws_session_size(void);
/* The meeting's event sink: fans a frame out to a session's subscribers. */
void rc_net_ws_publish(gint64 session_id, GBytes *frame, gpointer net);

static inline rc_net *
rc_net_of(struct lws *wsi)
{
  return lws_context_user(lws_get_context(wsi));
}
