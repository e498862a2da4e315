/* ipv4-net — an IPv4 address or CIDR subnet ("10.12.3.0/24", "127.0.0.1"):
 * where a plain-RTP site's media may come from (sites.media_from). Parsed
 * once, from configuration or the API, into a network and a mask, so that
 * the ingest's check of a packet's source is two integer operations.
 * Pure functions, no allocation but the text they return; any thread. */
#pragma once
#include <glib.h>

typedef struct {
  guint32 net, mask; /* host byte order; net has no host bits */
  gboolean set;      /* FALSE: nowhere (nothing matches) */
} rc_ipv4_net;

/* Parses "A.B.C.D" (a /32) or "A.B.C.D/N" (N 0..32), nothing else: no
 * names, no spaces, no IPv6. Host bits under the prefix are refused (they
 * usually mean a mistyped subnet or host). On error, FALSE with
 * RC_ERROR_INVALID naming the fault; @out is then unset. */
gboolean rc_ipv4_net_parse(const char *text, rc_ipv4_net *out, GError **error);

/* Where a plain-RTP site may send from: @media_from if not empty, else the
 * host of its @address ("HOST:PORT", a literal IPv4 address) as a /32.
 * FALSE (and @out unset) when neither gives one. */
gboolean rc_ipv4_net_for_site(const char *media_from, const char *address, rc_ipv4_net *out);

/* Whether @addr (host byte order) is inside @n; an unset @n holds nothing. */
static inline gboolean
rc_ipv4_net_contains(const rc_ipv4_net *n, guint32 addr)
{
  return n->set && (addr & n->mask) == n->net;
}

/* "A.B.C.D/N" ("A.B.C.D" for a /32), or "" when unset. (transfer full) */
char *rc_ipv4_net_to_string(const rc_ipv4_net *n);
