/* net-private — what net-http.c and net-ws.c share. */
#pragma once
#include "net/net.h"

#include <libwebsockets.h>

typedef struct rc_net_limits rc_net_limits;

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
  rc_net_limits *limits;
  guint ws_ping_source;  /* 1 s tick that pings silent WebSockets */
  rc_api_ws_io io;
};

int rc_net_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len);
int rc_net_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                       size_t len);
size_t rc_net_http_session_size(void);
size_t rc_net_ws_session_size(void);
/* net-limits.c: connections per address, and refusals logged once. */
rc_net_limits *rc_net_limits_new(rc_config *config);
void rc_net_limits_free(rc_net_limits *limits);
/* A socket from a client was accepted: FALSE when its address already has
 * [http] max_connections_per_address open (the socket is then closed). */
gboolean rc_net_limits_accept(rc_net_limits *limits, int fd);
/* The connection of the socket just accepted exists now. */
void rc_net_limits_created(rc_net_limits *limits, struct lws *wsi);
/* A whole request header arrived on @wsi. */
void rc_net_limits_asked(rc_net_limits *limits, struct lws *wsi);
/* @wsi is gone; @header_overflow: lws closed it for a header over the limit. */
void rc_net_limits_destroyed(rc_net_limits *limits, struct lws *wsi, gboolean header_overflow);
guint rc_net_limits_open(rc_net_limits *limits, const char *address);
/* Logs a refusal of @kind from @address the first time in a minute; later
 * ones are counted and summed up ("N more @what") once a minute. */
void rc_net_limits_note(rc_net_limits *limits, const char *kind, const char *address, const char *what,
                        const char *format, ...) G_GNUC_PRINTF(5, 6);
/* net-file.c: one file body on one connection, [pos, end) still to send. */
typedef struct {
  int fd;
  gboolean open;
  gint64 pos, end, size;
} rc_net_file;
typedef enum { RC_NET_FILE_MORE, RC_NET_FILE_DONE, RC_NET_FILE_FAILED } rc_net_file_step;
/* Opens @path (a regular file) to send all of it; NOT_FOUND otherwise. */
gboolean rc_net_file_open(rc_net_file *file, const char *path, GError **error);
void rc_net_file_close(rc_net_file *file);
/* Sends the next bounded piece of @file on @wsi (its headers already went
 * out): MORE when some is left (ask for WRITEABLE again), DONE, or FAILED
 * (close the connection: the peer is gone or the file shrank). */
rc_net_file_step rc_net_file_send(rc_net_file *file, struct lws *wsi, GByteArray *scratch);
/* net-ws.c: starts/stops the ping tick ([ws] ping_seconds). */
void rc_net_ws_start(rc_net *net);
void rc_net_ws_stop(rc_net *net);

/* The meeting's event sink: fans a frame out to a session's subscribers. */
void rc_net_ws_publish(gint64 session_id, GBytes *frame, gpointer net);

static inline rc_net *
rc_net_of(struct lws *wsi)
{
  return lws_context_user(lws_get_context(wsi));
}
