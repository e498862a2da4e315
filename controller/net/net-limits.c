/* net-limits — what keeps one client from taking the server for itself:
 * the count of open connections per client address (refused past [http]
 * max_connections_per_address), the clock on clients that never finish a
 * request header, and the log of refusals — one line the first time per
 * address and kind, then a count summed up once a minute, never a line per
 * packet. Owns the per-address and per-connection tables. */
#define G_LOG_DOMAIN "roomctl-net"
#include "net/net-private.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>

#define SUMMARY_SECONDS 60

typedef struct {
  char *address;  /* borrowed from the address table's key */
  gint64 opened;  /* µs, monotonic */
  gboolean asked; /* a whole request header arrived (or a WebSocket opened) */
} tracked_conn;

typedef struct {
  gint64 first;   /* µs, monotonic, of the line logged */
  guint64 more;   /* refusals since, not logged */
  char *what;     /* what was refused, for the summary */
} told;

struct rc_net_limits {
  rc_config *config;
  GHashTable *open;      /* char* address -> GUINT_TO_POINTER(open connections) */
  GHashTable *conns;     /* struct lws* -> tracked_conn* */
  char *accepting;       /* address of the socket being accepted, until its wsi exists */
  GHashTable *told;      /* "kind address" -> told* */
  guint summary_source;
};

static void
told_free(gpointer data)
{
  told *t = data;
  g_free(t->what);
  g_free(t);
}

static void
summarize(gpointer key, gpointer value, gpointer data)
{
  told *t = value;
  (void)data;
  if (t->more)
    g_message("limit: %s: %" G_GUINT64_FORMAT " more %s in the last minute", strchr(key, ' ') + 1, t->more,
              t->what);
}

static gboolean
expired(gpointer key, gpointer value, gpointer now)
{
  (void)key;
  return *(gint64 *)now - ((told *)value)->first >= SUMMARY_SECONDS * G_USEC_PER_SEC;
}

/* Once a minute: one line per address and kind that kept going, and the
 * next refusal after a quiet minute is logged in full again. */
static gboolean
on_summary(gpointer data)
{
  rc_net_limits *l = data;
  gint64 now = g_get_monotonic_time();
  g_hash_table_foreach(l->told, summarize, NULL);
  g_hash_table_foreach_remove(l->told, expired, &now);
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, l->told);
  while (g_hash_table_iter_next(&it, NULL, &value))
    ((told *)value)->more = 0;
  return G_SOURCE_CONTINUE;
}

rc_net_limits *
rc_net_limits_new(rc_config *config)
{
  rc_net_limits *l = g_new0(rc_net_limits, 1);
  l->config = config;
  l->open = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  l->conns = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
  l->told = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, told_free);
  l->summary_source = g_timeout_add_seconds(SUMMARY_SECONDS, on_summary, l);
  return l;
}

void
rc_net_limits_free(rc_net_limits *l)
{
  if (!l)
    return;
  g_source_remove(l->summary_source);
  g_hash_table_foreach(l->told, summarize, NULL);
  g_hash_table_destroy(l->told);
  g_hash_table_destroy(l->conns);
  g_hash_table_destroy(l->open);
  g_free(l->accepting);
  g_free(l);
}

void
rc_net_limits_note(rc_net_limits *l, const char *kind, const char *address, const char *what,
                   const char *format, ...)
{
  g_autofree char *key = g_strdup_printf("%s %s", kind, address);
  told *t = g_hash_table_lookup(l->told, key);
  if (t) {
    t->more++;
    return;
  }
  t = g_new0(told, 1);
  t->first = g_get_monotonic_time();
  t->what = g_strdup(what);
  g_hash_table_insert(l->told, g_steal_pointer(&key), t);
  va_list ap;
  va_start(ap, format);
  g_autofree char *text = g_strdup_vprintf(format, ap);
  va_end(ap);
  g_warning("limit: %s: %s (more of these from this address are counted, not logged)", address, text);
}

/* The peer of @fd as text ("" when it cannot be read). */
static void
peer_of(int fd, char *out, size_t size)
{
  struct sockaddr_storage sa;
  socklen_t len = sizeof sa;
  out[0] = '\0';
  if (getpeername(fd, (struct sockaddr *)&sa, &len) != 0)
    return;
  if (sa.ss_family == AF_INET)
    inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, out, (socklen_t)size);
  else if (sa.ss_family == AF_INET6)
    inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr, out, (socklen_t)size);
}

static void
release(rc_net_limits *l, const char *address)
{
  gpointer key, value;
  if (!g_hash_table_lookup_extended(l->open, address, &key, &value))
    return;
  guint n = GPOINTER_TO_UINT(value);
  if (n <= 1)
    g_hash_table_remove(l->open, address);
  else
    g_hash_table_insert(l->open, g_strdup(address), GUINT_TO_POINTER(n - 1));
}

gboolean
rc_net_limits_accept(rc_net_limits *l, int fd)
{
  char address[INET6_ADDRSTRLEN];
  peer_of(fd, address, sizeof address);
  if (l->accepting) {
    /* The previous accept never made a connection: give its place back. */
    release(l, l->accepting);
    g_clear_pointer(&l->accepting, g_free);
  }
  guint n = GPOINTER_TO_UINT(g_hash_table_lookup(l->open, address));
  int max = l->config->max_connections_per_address;
  if (max > 0 && n >= (guint)max) {
    rc_net_limits_note(l, "connections", address, "connections refused",
                       "%u connections open, refusing more ([http] max_connections_per_address = %d)", n, max);
    return FALSE;
  }
  g_hash_table_insert(l->open, g_strdup(address), GUINT_TO_POINTER(n + 1));
  l->accepting = g_strdup(address);
  return TRUE;
}

void
rc_net_limits_created(rc_net_limits *l, struct lws *wsi)
{
  if (!l->accepting)
    return; /* not an accepted socket (the listener itself) */
  tracked_conn *c = g_new0(tracked_conn, 1);
  c->opened = g_get_monotonic_time();
  /* The address table's key lives as long as a connection counts on it. */
  gpointer key = NULL;
  g_hash_table_lookup_extended(l->open, l->accepting, &key, NULL);
  c->address = key;
  g_clear_pointer(&l->accepting, g_free);
  if (!c->address) {
    g_free(c);
    return;
  }
  g_hash_table_insert(l->conns, wsi, c);
}

void
rc_net_limits_asked(rc_net_limits *l, struct lws *wsi)
{
  tracked_conn *c = g_hash_table_lookup(l->conns, wsi);
  if (c)
    c->asked = TRUE;
}

void
rc_net_limits_destroyed(rc_net_limits *l, struct lws *wsi, gboolean header_overflow)
{
  tracked_conn *c = g_hash_table_lookup(l->conns, wsi);
  if (!c)
    return;
  if (!c->asked) {
    gint64 lived = g_get_monotonic_time() - c->opened;
    int timeout = l->config->header_timeout_seconds;
    if (header_overflow)
      rc_net_limits_note(l, "header-size", c->address, "request headers over the size limit",
                         "a request header over %d KiB, connection closed ([http] max_header_kb)",
                         l->config->max_header_kb);
    else if (lived >= (timeout * G_USEC_PER_SEC) * 9 / 10)
      rc_net_limits_note(l, "header-time", c->address, "connections without a whole request header in time",
                         "no whole request header within %d s, connection closed ([http] header_timeout_seconds)",
                         timeout);
  }
  g_autofree char *address = g_strdup(c->address);
  g_hash_table_remove(l->conns, wsi); /* before release frees the key */
  release(l, address);
}

guint
rc_net_limits_open(rc_net_limits *l, const char *address)
{
  return GPOINTER_TO_UINT(g_hash_table_lookup(l->open, address));
}
