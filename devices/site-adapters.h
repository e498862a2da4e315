/* site-adapters — the constructors of the site transports (site-transport.h)
 * for its factory. Private to devices/. */
#pragma once
#include "devices/site-transport.h"

/* The part every adapter fills the same way. */
void rc_site_transport_init(rc_site_transport *t, const rc_site_transport_ops *ops,
                            const rc_site_transport_desc *desc, const rc_site_transport_host *host);
void rc_site_transport_clear(rc_site_transport *t);

/* "rtp": site-rtp.c. */
rc_site_transport *rc_site_rtp_new(const rc_site_transport_desc *desc, const rc_site_transport_host *host);
/* "rtsp", "srt": site-pull.c. Without a URL its link stays down, saying so. */
rc_site_transport *rc_site_pull_new(const rc_site_transport_desc *desc, const rc_site_transport_host *host);
/* "webrtc": site-webrtc.c. Its link is down until a WHIP publisher connects. */
rc_site_transport *rc_site_webrtc_new(const rc_site_transport_desc *desc, const rc_site_transport_host *host);
/* "sip": site-sip.c. Its link is down until a call's media are set (site-sip.h). */
rc_site_transport *rc_site_sip_new(const rc_site_transport_desc *desc, const rc_site_transport_host *host);
