/* net — roomctl's HTTP and WebSocket server: libwebsockets running on the
 * GLib main loop. Serves static files from web/, hands /api and /healthz to
 * the api layer (reading bodies within their limits first), and runs the
 * /ws WebSocket (subprotocol roomctl.v1) with a send queue per connection
 * and one topic per meeting session. */
#pragma once
#include "api/api.h"
#include "base/config.h"
#include "model/meeting.h"

typedef struct rc_net rc_net;

/* What the api needs to send on WebSockets; pass it to rc_api_set_ws_io().
 * (transfer none) */
const rc_api_ws_io *rc_net_ws_io(rc_net *net);

/* Starts listening on config->listen:config->port (0 = any free port),
 * with TLS when config->tls_cert is set.
 * Borrowed: @config, @api, @meeting (its sink is set to the topics).
 * (transfer full) */
rc_net *rc_net_new(rc_config *config, rc_api *api, rc_meeting *meeting, GMainLoop *loop,
                   GError **error);
/* The port actually bound. */
int rc_net_port(rc_net *net);
guint rc_net_ws_clients(rc_net *net);
/* Closes every connection and the listening socket. */
void rc_net_free(rc_net *net);
/* Reads the PEM certificate and key and checks that they belong together.
 * On error, FALSE is returned with @error naming the config key and file. */
gboolean rc_net_tls_check(const char *cert_path, const char *key_path, GError **error);
