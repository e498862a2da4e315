/* site-webrtc — the "webrtc" site transport (site-transport.h): a site that
 * joins from a browser by WHIP. What it sends comes from its publishing
 * peer (webrtc.h), re-stamped with the SSRCs of its code so that the shared
 * ingest takes it like any site's; the program goes to the peer that
 * receives for it (a sendrecv WHIP peer, or its own WHEP peer), encrypted
 * by that peer. Its link is up while a publisher is connected.
 * Also the viewer's egress ("whep"): not a site, one WHEP viewer's program. */
#pragma once
#include "devices/site-transport.h"
#include "devices/webrtc.h"

/* The publishing peer of a "webrtc" site (NULL: none now). Main loop. */
void rc_site_webrtc_set_publisher(rc_site_transport *t, rc_webrtc_peer *peer);
/* The peer the program goes to (NULL: none). Its negotiated payload types
 * become the site's out_pt. Main loop. */
void rc_site_webrtc_set_receiver(rc_site_transport *t, rc_webrtc_peer *peer);
rc_webrtc_peer *rc_site_webrtc_publisher(rc_site_transport *t);
rc_webrtc_peer *rc_site_webrtc_receiver(rc_site_transport *t);
/* Whether @t is a "webrtc" site transport. */
gboolean rc_site_is_webrtc(const rc_site_transport *t);

/* A WHEP viewer's egress: the program (or one site's stream) to @peer with
 * the SSRCs its answer announced and its payload types. (transfer full) */
rc_site_transport *rc_webrtc_viewer_new(rc_webrtc_peer *peer, guint32 video_ssrc, guint32 audio_ssrc);
