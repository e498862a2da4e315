/* libFuzzer target: the media_from parser (sites' API and CSV input). What
 * it accepts prints back as it was written, and holds its own network. */
#include "base/ipv4-net.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup((const char *)data, size);
  rc_ipv4_net n;
  g_autoptr(GError) error = NULL;
  if (!rc_ipv4_net_parse(text, &n, &error)) {
    g_assert(error != NULL && !n.set);
    return 0;
  }
  g_assert(n.set && (n.net & ~n.mask) == 0 && rc_ipv4_net_contains(&n, n.net));
  g_autofree char *back = rc_ipv4_net_to_string(&n);
  rc_ipv4_net again;
  g_assert(rc_ipv4_net_parse(back, &again, NULL) && again.net == n.net && again.mask == n.mask);
  rc_ipv4_net site;
  rc_ipv4_net_for_site("", text, &site); /* as an address "HOST:PORT": never reads past it */
  return 0;
}
