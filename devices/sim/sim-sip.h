/* sim-sip — roomctl-sim's SIP mode: one sofia-sip UAS on one UDP port
 * answers the controller's calls to its simulated sites
 * (sip:<code>@host:port, the request-URI's user picks the site, any case).
 * Each answer (devices/sip-sdp.c builds it from the controller's offer, as
 * the controller builds its own: one SDP leaf for both ends) carries the
 * site's own SDES key per medium, H.264 and Opus — or G.722 for the sites
 * told so — its RTP ports (RTCP on port + 1), and from then on
 * the site sends on random SSRCs of its own (sim_site_call). A BYE ends
 * the call's media; the site can be called again.
 * Runs on the GLib main loop of the thread that made it (su_glib);
 * borrows the sites, which must outlive it. */
#pragma once
#include "devices/sim/sim-site.h"

typedef struct sim_sip sim_sip;

/* Listens on udp 127.0.0.1:@port for calls to @sites (sim_site with a
 * call struct each; the array may be filled later, before the first call:
 * bind the SIP port before the sites' thousands of RTP sockets can take
 * it). NULL with an error if sofia-sip cannot bind. (transfer full) */
sim_sip *sim_sip_new(guint16 port, GPtrArray *sites, GError **error);
/* Hangs up what is up and stops the stack (runs the loop for at most 2 s). */
void sim_sip_free(sim_sip *sip);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sim_sip, sim_sip_free)
/* The UDP port it listens on. */
guint16 sim_sip_port(const sim_sip *sip);
