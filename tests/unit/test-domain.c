/* Unit tests for the domain event hub: every subscriber hears every event
 * published after it subscribed, in the order of subscription. */
#include "app/domain.h"

typedef struct {
  GString *heard;
  const char *name;
} listener;

static void
on_event(const rc_domain_event *e, gpointer data)
{
  listener *l = data;
  g_string_append_printf(l->heard, "%s:%d:%" G_GINT64_FORMAT ";", l->name, e->kind, e->session_id);
}

static void
test_order(void)
{
  g_autoptr(GString) heard = g_string_new(NULL);
  listener a = {heard, "a"}, b = {heard, "b"};
  rc_domain *d = rc_domain_new();
  rc_domain_event early = {.kind = RC_DOMAIN_SESSION_LIVE, .session_id = 1};
  rc_domain_publish(d, &early); /* nobody yet */
  rc_domain_subscribe(d, on_event, &a);
  rc_domain_subscribe(d, on_event, &b);
  rc_domain_event ended = {.kind = RC_DOMAIN_SESSION_ENDED, .session_id = 7};
  rc_domain_publish(d, &ended);
  rc_domain_event item = {.kind = RC_DOMAIN_ITEM_CHANGED, .session_id = 7, .item_id = 3};
  rc_domain_publish(d, &item);
  g_assert_cmpstr(heard->str, ==, "a:1:7;b:1:7;a:2:7;b:2:7;");
  rc_domain_free(d);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/domain/order", test_order);
  return g_test_run();
}
