/* Unit tests for the media_from subnets: parsing (bad input refused with a
 * reason), matching, a site's default from its address. */
#include "base/ipv4-net.h"
#include "base/rc-error.h"

#include <arpa/inet.h>
#include <string.h>

static guint32
ip(const char *text)
{
  struct in_addr a;
  g_assert_cmpint(inet_pton(AF_INET, text, &a), ==, 1);
  return ntohl(a.s_addr);
}

static void
test_parse_and_match(void)
{
  rc_ipv4_net n;
  g_autoptr(GError) error = NULL;
  g_assert_true(rc_ipv4_net_parse("10.12.3.0/24", &n, &error));
  g_assert_no_error(error);
  g_assert_true(rc_ipv4_net_contains(&n, ip("10.12.3.0")));
  g_assert_true(rc_ipv4_net_contains(&n, ip("10.12.3.255")));
  g_assert_false(rc_ipv4_net_contains(&n, ip("10.12.4.1")));
  g_assert_false(rc_ipv4_net_contains(&n, ip("10.12.2.255")));
  g_autofree char *text = rc_ipv4_net_to_string(&n);
  g_assert_cmpstr(text, ==, "10.12.3.0/24");

  g_assert_true(rc_ipv4_net_parse("127.0.0.1", &n, NULL)); /* a host: /32 */
  g_assert_true(rc_ipv4_net_contains(&n, ip("127.0.0.1")));
  g_assert_false(rc_ipv4_net_contains(&n, ip("127.0.0.2")));
  g_autofree char *host = rc_ipv4_net_to_string(&n);
  g_assert_cmpstr(host, ==, "127.0.0.1");

  g_assert_true(rc_ipv4_net_parse("127.0.0.0/8", &n, NULL));
  g_assert_true(rc_ipv4_net_contains(&n, ip("127.255.0.9")));
  g_assert_false(rc_ipv4_net_contains(&n, ip("128.0.0.1")));

  g_assert_true(rc_ipv4_net_parse("0.0.0.0/0", &n, NULL)); /* anywhere: said explicitly */
  g_assert_true(rc_ipv4_net_contains(&n, ip("203.0.113.7")));
  g_assert_true(rc_ipv4_net_parse("192.0.2.1/32", &n, NULL));
  g_assert_true(rc_ipv4_net_contains(&n, ip("192.0.2.1")));
  g_assert_false(rc_ipv4_net_contains(&n, ip("192.0.2.0")));

  rc_ipv4_net none = {0};
  g_assert_false(rc_ipv4_net_contains(&none, 0)); /* unset holds nothing, not even 0.0.0.0 */
  g_autofree char *empty = rc_ipv4_net_to_string(&none);
  g_assert_cmpstr(empty, ==, "");
}

static void
test_bad_input(void)
{
  static const char *const bad[] = {"", "10.12.3.0/", "10.12.3.0/33", "10.12.3.0/-1", "10.12.3.0/+8", "10.12.3.0/024",
                                    "10.12.3.0/8x", "10.12.3", "10.12.3.256", "10.12.3.0 ", " 10.12.3.0",
                                    "10.12.3.0/24/1", "host.example", "::1", "fe80::/64", "1.2.3.4:5004",
                                    "10.12.3.0/2 4", "10.12.3.0\n", "0x7f.0.0.1", "10.12.3.7/24", "255.255.255.255/1",
                                    "/24"};
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    rc_ipv4_net n = {.set = TRUE};
    g_autoptr(GError) error = NULL;
    g_assert_false(rc_ipv4_net_parse(bad[i], &n, &error));
    g_assert_error(error, RC_ERROR, RC_ERROR_INVALID);
    g_assert_false(n.set);
  }
  g_autoptr(GError) error = NULL;
  rc_ipv4_net n;
  g_assert_false(rc_ipv4_net_parse("10.12.3.7/24", &n, &error)); /* host bits: the reason says both readings */
  g_assert_nonnull(strstr(error->message, "10.12.3.0/24"));
  g_assert_nonnull(strstr(error->message, "10.12.3.7"));
  g_assert_false(rc_ipv4_net_parse(NULL, &n, NULL));
}

static void
test_site_default(void)
{
  rc_ipv4_net n;
  g_assert_true(rc_ipv4_net_for_site("10.0.0.0/8", "127.0.0.1:5004", &n)); /* media_from wins */
  g_assert_true(rc_ipv4_net_contains(&n, ip("10.1.2.3")));
  g_assert_false(rc_ipv4_net_contains(&n, ip("127.0.0.1")));
  g_assert_true(rc_ipv4_net_for_site("", "192.0.2.10:5004", &n)); /* else its address's host, a /32 */
  g_assert_true(rc_ipv4_net_contains(&n, ip("192.0.2.10")));
  g_assert_false(rc_ipv4_net_contains(&n, ip("192.0.2.11")));
  g_assert_true(rc_ipv4_net_for_site(NULL, "127.0.0.1:5004", &n));
  g_assert_false(rc_ipv4_net_for_site("", "", &n)); /* neither: nowhere */
  g_assert_false(n.set);
  g_assert_false(rc_ipv4_net_for_site(NULL, NULL, &n));
  g_assert_false(rc_ipv4_net_for_site("", "site.example:5004", &n)); /* names are not resolved */
  g_assert_false(rc_ipv4_net_for_site("", "5004", &n));
  g_assert_false(rc_ipv4_net_for_site("bad", "127.0.0.1:5004", &n)); /* a bad media_from is not the address */
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/ipv4-net/parse-and-match", test_parse_and_match);
  g_test_add_func("/ipv4-net/bad-input", test_bad_input);
  g_test_add_func("/ipv4-net/site-default", test_site_default);
  return g_test_run();
}
