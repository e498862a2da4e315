/* site-sip — the "sip" site transport (site-transport.h), as far as this
 * step goes: the site calls in (devices/sip.h, app/sip-calls.h) and what
 * the call negotiated is recorded there, but its RTP is not taken into the
 * ingest yet (the endpoint chooses its own SSRCs, which the shared ports'
 * demux by the code's hash does not map). So its link is down, saying so,
 * and it sends and receives nothing; its SSRCs are its code's, so that no
 * other sender's packets are taken for it. */
#define G_LOG_DOMAIN "roomctl-media"
#include "devices/site-adapters.h"
#include "base/rtp.h"

static void
sip_free(rc_site_transport *t)
{
  rc_site_transport_clear(t);
  g_free(t);
}

/* A SIP site takes the program back once its media are wired (the kind can;
 * this step's link is down). */
static const rc_site_transport_ops sip_ops = {.kind = "sip", .free = sip_free, .receives_program = TRUE};

rc_site_transport *
rc_site_sip_new(const rc_site_transport_desc *d, const rc_site_transport_host *host)
{
  rc_site_transport *t = g_new0(rc_site_transport, 1);
  rc_site_transport_init(t, &sip_ops, d, host);
  t->format.video.ssrc = rc_rtp_site_ssrc(t->code, FALSE);
  t->format.audio.ssrc = rc_rtp_site_ssrc(t->code, TRUE);
  t->format.video.pt = d->program_video_pt;
  t->format.audio.pt = d->program_audio_pt;
  t->link.up = FALSE;
  t->link.why = g_strdup("SIP media is not taken in yet: the call's state is in /api/v1/sessions/{id}/sip/calls");
  return t;
}
