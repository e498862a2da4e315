/* site-transport — see site-transport.h: the factory, which picks the adapter. */
#define G_LOG_DOMAIN "roomctl-media"
#include "devices/site-adapters.h"

rc_site_transport *
rc_site_transport_new(const rc_site_transport_desc *d, const rc_site_transport_host *host)
{
  const char *kind = d->transport && *d->transport ? d->transport : "rtp";
  if (g_str_equal(kind, "rtp"))
    return rc_site_rtp_new(d, host);
  if (g_str_equal(kind, "rtsp") || g_str_equal(kind, "srt"))
    return rc_site_pull_new(d, host);
  if (g_str_equal(kind, "webrtc"))
    return rc_site_webrtc_new(d, host);
  if (g_str_equal(kind, "sip"))
    return rc_site_sip_new(d, host);
  g_warning("site %s: no transport %s", d->code, kind);
  return NULL;
}

void
rc_site_transport_free(rc_site_transport *t)
{
  if (t)
    t->ops->free(t);
}
