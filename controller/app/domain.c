/* domain — see domain.h. */
#include "app/domain.h"

typedef struct {
  rc_domain_fn fn;
  gpointer data;
} subscriber;

struct rc_domain {
  GArray *subscribers; /* subscriber */
};

rc_domain *
rc_domain_new(void)
{
  rc_domain *d = g_new0(rc_domain, 1);
  d->subscribers = g_array_new(FALSE, FALSE, sizeof(subscriber));
  return d;
}

void
rc_domain_free(rc_domain *d)
{
  if (!d)
    return;
  g_array_free(d->subscribers, TRUE);
  g_free(d);
}

void
rc_domain_subscribe(rc_domain *d, rc_domain_fn fn, gpointer data)
{
  subscriber s = {fn, data};
  g_array_append_val(d->subscribers, s);
}

void
rc_domain_unsubscribe(rc_domain *d, rc_domain_fn fn, gpointer data)
{
  for (guint i = d->subscribers->len; i-- > 0;) {
    subscriber *s = &g_array_index(d->subscribers, subscriber, i);
    if (s->fn == fn && s->data == data)
      g_array_remove_index(d->subscribers, i);
  }
}

void
rc_domain_publish(rc_domain *d, const rc_domain_event *e)
{
  for (guint i = 0; i < d->subscribers->len; i++) {
    subscriber *s = &g_array_index(d->subscribers, subscriber, i);
    s->fn(e, s->data);
  }
}
