/* site-sip — the "sip" site transport (site-transport.h): a room system's
 * or an MCU's call (devices/sip.h, controller/app/sip-calls.h). Its media
 * come to the shared ports from the 5-tuple its SDP signalled, and only
 * from there (the transport is by_address: the ingest binds those
 * addresses to it, and the site's SSRC from anywhere else is dropped as a
 * spoof). The endpoint chooses its own SSRCs: the ingest re-stamps its
 * packets with the site's. With SDES (RFC 4568) each medium has an SRTP
 * context each way, the endpoint's key in and ours out; without, the call
 * is plain RTP (only where the site is configured for it).
 * The program goes back from the shared ports to the address the SDP
 * gave, with our SSRC (the program's), the negotiated payload types, and
 * the audio codec the call chose (the mixer encodes each codec once).
 * A keyframe is asked with RTCP PLI or FIR when the call negotiated them,
 * else with the signalling's SIP INFO picture_fast_update (RFC 5168), a
 * callback the owner sets. Keypad digits sent in the audio as RFC 4733
 * telephone-events (the call's event payload type) are read on the
 * ingest's thread (rtp-event.h), kept out of the audio, and handed to the
 * main loop, each key once, through another of the owner's callbacks.
 * The link is up while a call's media are set. */
#pragma once
#include "devices/sip-sdp.h"
#include "devices/site-transport.h"

/* Whether @t is a "sip" site transport. */
gboolean rc_site_is_sip(const rc_site_transport *t);

/* The call's media (re-)negotiated: @offer as read (sip-sdp.h: the
 * endpoint's addresses, payload types, keys), @video_key and @audio_key
 * ours (used where a stream is secure). Binds the addresses, sets the
 * SRTP contexts, the audio codec both ways and the program's payload
 * types, and brings the link up. FALSE (and the link down, saying why)
 * when the offer has no usable stream or an SRTP context cannot be made.
 * Main loop. */
gboolean rc_site_sip_start(rc_site_transport *t, const rc_sip_sdp_offer *offer, const rc_sip_crypto *video_key,
                           const rc_sip_crypto *audio_key, GError **error);
/* The call ended (@why): unbinds, drops the keys, the link goes down. */
void rc_site_sip_stop(rc_site_transport *t, const char *why);

/* How to ask the endpoint for a keyframe when it negotiated neither PLI
 * nor FIR: @keyframe(@data, site id) on the main loop (a SIP INFO); and
 * who hears a key pressed in the audio (RFC 4733): @keyed(@data, site id,
 * the digit 0-9 * # A-D, how long it was held) on the main loop. NULL:
 * nobody. */
typedef void (*rc_site_sip_keyframe_fn)(gpointer data, gint64 site_id);
typedef void (*rc_site_sip_keyed_fn)(gpointer data, gint64 site_id, char digit, guint duration_ms);
void rc_site_sip_set_signalling(rc_site_transport *t, rc_site_sip_keyframe_fn keyframe, rc_site_sip_keyed_fn keyed,
                                gpointer data);

/* The endpoint's figures since the call's media were set: packets in that
 * did not decrypt, packets out, keyframe requests by RTCP and by SIP,
 * keys pressed in the audio. */
typedef struct {
  guint64 srtp_failed, sent, keyframe_rtcp, keyframe_signalled;
  guint64 keys; /* keys read from its telephone-events */
  guint32 remote_ssrc[2]; /* the endpoint's SSRCs as seen, [video, audio]; 0 = none yet */
  gboolean secure[2];
} rc_site_sip_counters;
void rc_site_sip_counters_get(rc_site_transport *t, rc_site_sip_counters *out);
