/* ipv4-net — see ipv4-net.h. */
#include "base/ipv4-net.h"
#include "base/rc-error.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static guint32
mask_of(guint prefix)
{
  return prefix ? 0xffffffffu << (32 - prefix) : 0;
}

gboolean
rc_ipv4_net_parse(const char *text, rc_ipv4_net *out, GError **error)
{
  *out = (rc_ipv4_net){0};
  if (!text || !*text || strlen(text) > 18) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "'%s' is not an IPv4 address or subnet (e.g. 10.12.3.0/24)",
                text ? text : "");
    return FALSE;
  }
  char host[16];
  const char *slash = strchr(text, '/');
  gsize n = slash ? (gsize)(slash - text) : strlen(text);
  struct in_addr a;
  if (n >= sizeof host || (memcpy(host, text, n), host[n] = 0, inet_pton(AF_INET, host, &a) != 1)) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "'%s' is not an IPv4 address or subnet (e.g. 10.12.3.0/24)", text);
    return FALSE;
  }
  guint prefix = 32;
  if (slash) {
    const char *p = slash + 1;
    gsize digits = strspn(p, "0123456789");
    prefix = digits >= 1 && digits <= 2 && !p[digits] ? (guint)atoi(p) : 33;
    if (prefix > 32) {
      g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "'%s': the prefix length after '/' must be 0 to 32", text);
      return FALSE;
    }
  }
  guint32 addr = ntohl(a.s_addr), mask = mask_of(prefix);
  if (addr & ~mask) {
    struct in_addr net = {htonl(addr & mask)};
    char shown[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &net, shown, sizeof shown);
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "'%s' has host bits under its /%u: the subnet is %s/%u, the host %s",
                text, prefix, shown, prefix, host);
    return FALSE;
  }
  *out = (rc_ipv4_net){.net = addr, .mask = mask, .set = TRUE};
  return TRUE;
}

gboolean
rc_ipv4_net_for_site(const char *media_from, const char *address, rc_ipv4_net *out)
{
  *out = (rc_ipv4_net){0};
  if (media_from && *media_from)
    return rc_ipv4_net_parse(media_from, out, NULL);
  const char *colon = address ? strrchr(address, ':') : NULL;
  if (!colon || colon == address || (gsize)(colon - address) >= 16)
    return FALSE;
  char host[16];
  memcpy(host, address, (gsize)(colon - address));
  host[colon - address] = 0;
  return rc_ipv4_net_parse(host, out, NULL);
}

char *
rc_ipv4_net_to_string(const rc_ipv4_net *n)
{
  if (!n->set)
    return g_strdup("");
  struct in_addr a = {htonl(n->net)};
  char text[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a, text, sizeof text);
  guint prefix = 0;
  for (guint32 m = n->mask; m; m <<= 1)
    prefix++;
  return prefix == 32 ? g_strdup(text) : g_strdup_printf("%s/%u", text, prefix);
}
