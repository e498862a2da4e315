/* net-ws — the /ws WebSocket (subprotocol roomctl.v1): reassembles text
 * messages up to the size limit, hands them to the api, and sends frames
 * from a per-connection queue, one lws_write per WRITEABLE. Keeps the topic
 * (meeting session) subscriptions and fans events out to them. */
#define G_LOG_DOMAIN "roomctl-net"
#include "net/net-private.h"

#include <string.h>

typedef struct {
  rc_api_ws_peer peer; /* first: peer.conn points back to this struct */
  struct lws *wsi;
  rc_net *net;
  GQueue queue;        /* GBytes frames waiting to be written */
  GByteArray *rx;      /* the message being reassembled */
  gboolean rx_dropping;
  gboolean closing;
  GArray *topics;      /* gint64 session ids subscribed */
  char peer_name[64];
  double tokens;       /* rate limit: a token bucket of messages */
  gint64 tokens_at;    /* µs, monotonic, of the last refill */
  guint64 refused;     /* messages refused for rate, since connect */
  gint64 refused_told; /* µs of the last rate error sent */
  guint64 oversized;   /* messages dropped for size or binary, since connect */
  gint64 heard;        /* µs, monotonic, of the last frame from the client */
  gboolean ping_due;   /* a ping waits for WRITEABLE */
  gboolean pinged;     /* a ping went out since the client was last heard */
} ws_conn;

size_t
rc_net_ws_session_size(void)
{
  return sizeof(ws_conn);
}

static void
conn_send(gpointer conn, GBytes *frame)
{
  ws_conn *c = conn;
  if (c->closing)
    return;
  if ((int)c->queue.length >= c->net->config->ws_max_queue) {
    /* A client this far behind is gone or hostile: drop it, say so once. */
    g_warning("ws %s: send queue full (%u frames), closing", c->peer_name, c->queue.length);
    c->closing = TRUE;
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
    return;
  }
  g_queue_push_tail(&c->queue, g_bytes_ref(frame));
  lws_callback_on_writable(c->wsi);
}

static void
topic_set(rc_net *net, ws_conn *c, gint64 session_id, gboolean on)
{
  GHashTable *members = g_hash_table_lookup(net->topics, &session_id);
  if (on && !members) {
    members = g_hash_table_new(g_direct_hash, g_direct_equal);
    g_hash_table_insert(net->topics, g_memdup2(&session_id, sizeof session_id), members);
  }
  if (!members)
    return;
  if (on && g_hash_table_add(members, c)) {
    g_array_append_val(c->topics, session_id);
  } else if (!on && g_hash_table_remove(members, c)) {
    for (guint i = 0; i < c->topics->len; i++)
      if (g_array_index(c->topics, gint64, i) == session_id)
        g_array_remove_index_fast(c->topics, i--);
    if (g_hash_table_size(members) == 0)
      g_hash_table_remove(net->topics, &session_id);
  }
}

static void
conn_subscribe(gpointer conn, gint64 session_id, gboolean on)
{
  ws_conn *c = conn;
  topic_set(c->net, c, session_id, on);
}

static void
conn_unsubscribe_all(gpointer conn)
{
  ws_conn *c = conn;
  while (c->topics->len)
    topic_set(c->net, c, g_array_index(c->topics, gint64, 0), FALSE);
}

static void
net_prune(gpointer owner, gint64 session_id, rc_api_ws_keep_fn keep, rc_api *api)
{
  rc_net *net = owner;
  GHashTable *members = g_hash_table_lookup(net->topics, &session_id);
  if (!members)
    return;
  g_autoptr(GPtrArray) gone = g_ptr_array_new();
  GHashTableIter it;
  gpointer c;
  g_hash_table_iter_init(&it, members);
  while (g_hash_table_iter_next(&it, &c, NULL))
    if (!keep(api, &((ws_conn *)c)->peer, session_id))
      g_ptr_array_add(gone, c);
  for (guint i = 0; i < gone->len; i++) {
    ws_conn *conn = gone->pdata[i];
    topic_set(net, conn, session_id, FALSE);
    g_debug("ws %s: no longer subscribed to session %" G_GINT64_FORMAT, conn->peer_name, session_id);
  }
}

/* Whether @c is an open connection logged in as @user_id. */
static gboolean
logged_in_as(const ws_conn *c, gint64 user_id)
{
  return c->peer.user && !c->closing && json_integer_value(json_object_get(c->peer.user, "id")) == user_id;
}

static void
net_drop(gpointer owner, gint64 user_id, const char *token)
{
  rc_net *net = owner;
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init(&it, net->conns);
  while (g_hash_table_iter_next(&it, &key, NULL)) {
    ws_conn *c = key;
    if (!logged_in_as(c, user_id))
      continue;
    if (token && g_strcmp0(token, c->peer.token) != 0)
      continue;
    g_message("ws %s: closing, user %" G_GINT64_FORMAT " lost this login", c->peer_name, user_id);
    conn_unsubscribe_all(c);
    c->closing = TRUE;
    lws_close_reason(c->wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, (unsigned char *)"login ended", 11);
    lws_callback_on_writable(c->wsi);
  }
}

static void
net_send_user(gpointer owner, gint64 user_id, GBytes *frame)
{
  rc_net *net = owner;
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init(&it, net->conns);
  while (g_hash_table_iter_next(&it, &key, NULL))
    if (logged_in_as(key, user_id))
      conn_send(key, frame);
}

static guint
net_clients(gpointer owner)
{
  return ((rc_net *)owner)->ws_clients;
}

const rc_api_ws_io *
rc_net_ws_io(rc_net *net)
{
  net->io = (rc_api_ws_io){net,       conn_send,   conn_subscribe, conn_unsubscribe_all, net_prune,
                          net_drop,  net_clients, net_send_user};
  return &net->io;
}

void
rc_net_ws_publish(gint64 session_id, GBytes *frame, gpointer data)
{
  rc_net *net = data;
  GHashTable *members = g_hash_table_lookup(net->topics, &session_id);
  if (!members)
    return;
  GHashTableIter it;
  gpointer c;
  g_hash_table_iter_init(&it, members);
  while (g_hash_table_iter_next(&it, &c, NULL))
    conn_send(c, frame);
}

static void
conn_open(struct lws *wsi, ws_conn *c)
{
  memset(c, 0, sizeof *c);
  c->wsi = wsi;
  c->net = rc_net_of(wsi);
  c->peer.conn = c;
  g_queue_init(&c->queue);
  c->topics = g_array_new(FALSE, FALSE, sizeof(gint64));
  lws_get_peer_simple(wsi, c->peer_name, sizeof c->peer_name);
  c->tokens = c->net->config->ws_rate_burst;
  c->tokens_at = g_get_monotonic_time();
  c->heard = c->tokens_at;
  c->net->ws_clients++;
  rc_net_limits_asked(c->net->limits, wsi);
  g_hash_table_add(c->net->conns, c);
  g_debug("ws %s: connected", c->peer_name);
}

static void
conn_close(ws_conn *c)
{
  if (!c->wsi)
    return;
  conn_unsubscribe_all(c);
  g_hash_table_remove(c->net->conns, c);
  g_array_free(c->topics, TRUE);
  g_queue_clear_full(&c->queue, (GDestroyNotify)g_bytes_unref);
  g_clear_pointer(&c->rx, g_byte_array_unref);
  rc_api_ws_peer_clear(&c->peer);
  c->net->ws_clients--;
  if (c->refused)
    g_message("ws %s: closed after %" G_GUINT64_FORMAT " messages refused for rate", c->peer_name, c->refused);
  if (c->oversized > 1)
    g_message("ws %s: closed after %" G_GUINT64_FORMAT " messages dropped for size", c->peer_name, c->oversized);
  g_debug("ws %s: closed", c->peer_name);
  c->wsi = NULL;
}

/* Takes one token; FALSE when the connection is over its rate. A flooding
 * client is told at most once a second and logged once; others are not
 * slowed by it. */
static gboolean
within_rate(ws_conn *c)
{
  rc_config *cfg = c->net->config;
  gint64 now = g_get_monotonic_time();
  c->tokens = MIN(cfg->ws_rate_burst, c->tokens + (now - c->tokens_at) * cfg->ws_rate_per_second / 1e6);
  c->tokens_at = now;
  if (c->tokens >= 1) {
    c->tokens -= 1;
    return TRUE;
  }
  if (c->refused++ == 0)
    g_message("ws %s: over %d messages/s, refusing until it slows down", c->peer_name, cfg->ws_rate_per_second);
  if (now - c->refused_told >= G_USEC_PER_SEC) {
    c->refused_told = now;
    rc_api_ws_rate_limited(c->net->api, &c->peer, cfg->ws_rate_per_second);
  }
  return FALSE;
}

static int
on_receive(struct lws *wsi, ws_conn *c, const void *in, size_t len)
{
  size_t limit = (size_t)c->net->config->ws_max_message_kb << 10;
  if (lws_frame_is_binary(wsi) && lws_is_first_fragment(wsi))
    c->rx_dropping = TRUE; /* roomctl.v1 is JSON text only */
  if (!c->rx_dropping) {
    if (!c->rx)
      c->rx = g_byte_array_new();
    if (c->rx->len + len > limit) {
      c->rx_dropping = TRUE;
      g_clear_pointer(&c->rx, g_byte_array_unref);
    } else {
      g_byte_array_append(c->rx, in, (guint)len);
    }
  }
  if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
    return 0;
  if (c->rx_dropping) {
    /* Logged once per connection; the count comes with the close. */
    if (c->oversized++ == 0)
      g_warning("ws %s: a message over %zu bytes ([ws] max_message_kb) or binary, dropped; more are counted",
                c->peer_name, limit);
    rc_api_ws_too_large(c->net->api, &c->peer, limit);
  } else if (!within_rate(c)) {
    g_clear_pointer(&c->rx, g_byte_array_unref);
  } else {
    g_autoptr(GByteArray) msg = g_steal_pointer(&c->rx);
    rc_api_ws_message(c->net->api, &c->peer, (const char *)msg->data, msg->len);
  }
  c->rx_dropping = FALSE;
  return 0;
}

/* ---- silent clients ---- */

/* Once a second: a connection silent for [ws] ping_seconds is pinged; one
 * still silent pong_timeout_seconds later is gone (a tablet that lost the
 * network, a client that stopped reading) and is closed. */
static gboolean
on_ping_tick(gpointer data)
{
  rc_net *net = data;
  rc_config *cfg = net->config;
  gint64 now = g_get_monotonic_time();
  g_autoptr(GPtrArray) gone = g_ptr_array_new();
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init(&it, net->conns);
  while (g_hash_table_iter_next(&it, &key, NULL)) {
    ws_conn *c = key;
    gint64 silent = now - c->heard;
    if (c->closing)
      continue;
    if (silent >= (gint64)(cfg->ws_ping_seconds + cfg->ws_pong_timeout_seconds) * G_USEC_PER_SEC) {
      g_message("ws %s: silent for %" G_GINT64_FORMAT " s, no answer to a ping, closing", c->peer_name,
                silent / G_USEC_PER_SEC);
      c->closing = TRUE;
      g_ptr_array_add(gone, c->wsi);
    } else if (silent >= (gint64)cfg->ws_ping_seconds * G_USEC_PER_SEC && !c->pinged) {
      c->pinged = TRUE;
      c->ping_due = TRUE;
      lws_callback_on_writable(c->wsi);
    }
  }
  /* Now, not after a close handshake: the peer is not listening. Outside
   * the walk, as closing removes the connection from net->conns. */
  for (guint i = 0; i < gone->len; i++)
    lws_set_timeout(gone->pdata[i], PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_SYNC);
  return G_SOURCE_CONTINUE;
}

void
rc_net_ws_start(rc_net *net)
{
  if (net->config->ws_ping_seconds > 0)
    net->ws_ping_source = g_timeout_add_seconds(1, on_ping_tick, net);
}

void
rc_net_ws_stop(rc_net *net)
{
  if (net->ws_ping_source)
    g_source_remove(net->ws_ping_source);
  net->ws_ping_source = 0;
}

static void
heard(ws_conn *c)
{
  c->heard = g_get_monotonic_time();
  c->pinged = FALSE;
}

static int
on_writeable(ws_conn *c)
{
  if (c->ping_due) {
    /* With a payload: lws 4.1 does not report an empty pong. */
    static const char payload[] = "roomctl";
    c->ping_due = FALSE;
    GByteArray *scratch = c->net->scratch;
    g_byte_array_set_size(scratch, LWS_PRE + sizeof payload);
    memcpy(scratch->data + LWS_PRE, payload, sizeof payload - 1);
    if (lws_write(c->wsi, scratch->data + LWS_PRE, sizeof payload - 1, LWS_WRITE_PING) < 0)
      return -1;
    if (c->queue.length)
      lws_callback_on_writable(c->wsi);
    return 0;
  }
  GBytes *frame = g_queue_pop_head(&c->queue);
  if (!frame)
    return 0;
  gsize len;
  const guint8 *data = g_bytes_get_data(frame, &len);
  GByteArray *scratch = c->net->scratch;
  g_byte_array_set_size(scratch, LWS_PRE + len);
  memcpy(scratch->data + LWS_PRE, data, len);
  g_bytes_unref(frame);
  if (lws_write(c->wsi, scratch->data + LWS_PRE, len, LWS_WRITE_TEXT) < (int)len)
    return -1;
  if (c->queue.length)
    lws_callback_on_writable(c->wsi);
  return 0;
}

int
rc_net_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
  ws_conn *c = user;
  switch (reason) {
  case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
    char uri[64];
    if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) < 0 || strcmp(uri, "/ws") != 0)
      return 1; /* the WebSocket lives at /ws only */
    if (*rc_net_of(wsi)->config->tls_cert && !lws_is_ssl(wsi))
      return 1; /* with TLS, never a plain ws:// (http_mode = redirect lets plain HTTP in) */
    return 0;
  }
  case LWS_CALLBACK_ESTABLISHED:
    conn_open(wsi, c);
    return 0;
  case LWS_CALLBACK_RECEIVE:
    heard(c);
    return on_receive(wsi, c, in, len);
  case LWS_CALLBACK_RECEIVE_PONG:
    heard(c);
    return 0;
  case LWS_CALLBACK_SERVER_WRITEABLE:
    return c->closing ? -1 : on_writeable(c);
  case LWS_CALLBACK_CLOSED:
    conn_close(c);
    return 0;
  default:
    return 0;
  }
}
