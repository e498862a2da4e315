/* libFuzzer target: a SIP endpoint's SDP offer (sip-sdp), read under each
 * media security, and the answer to what parses, which must read back as
 * SDP with one m-line per offered one, the chosen ones open and the others
 * at port 0. */
#include "devices/sip-sdp.h"

#include <gst/sdp/sdp.h>
#include <stdint.h>
#include <string.h>

static const rc_sip_sdp_tier tiers[] = {{1280, 720}, {640, 360}};
static const rc_sip_crypto key = {1, "AES_CM_128_HMAC_SHA1_80", {0}};

/* What a parsed offer promises the call records and the media. */
static void
check_stream(const rc_sip_sdp_offer *offer, const rc_sip_sdp_stream *s, rc_sip_srtp srtp)
{
  if (s->index < 0)
    return;
  g_assert((guint)s->index < offer->n_media);
  g_assert(s->pt >= 0 && s->pt <= 127);
  g_assert(s->port > 0 && s->port <= 65535);
  g_assert(s->address[0] && memchr(s->address, '\0', sizeof s->address));
  g_assert(s->encoding[0]);
  g_assert(!s->secure || srtp != RC_SIP_SRTP_OFF);
  g_assert(s->secure || srtp != RC_SIP_SRTP_REQUIRED);
  /* best-effort SRTP (a=crypto on RTP/AVP) only when preferred */
  g_assert(!s->secure || g_str_has_prefix(s->proto, "RTP/SAVP") || srtp == RC_SIP_SRTP_PREFERRED);
  g_assert(s->tier >= -1 && s->tier < (int)G_N_ELEMENTS(tiers));
}

static void
check_answer(const rc_sip_sdp_offer *offer)
{
  rc_sip_sdp_local local = {"127.0.0.1", 5004, 5006, &key, &key, 1, 1};
  g_autofree char *answer = rc_sip_sdp_answer(offer, &local);
  g_assert(answer);
  g_autoptr(GstSDPMessage) msg = NULL;
  g_assert(gst_sdp_message_new_from_text(answer, &msg) == GST_SDP_OK);
  g_assert(gst_sdp_message_medias_len(msg) == offer->n_media);
  for (guint i = 0; i < offer->n_media; i++) {
    gboolean chosen = offer->video.index == (int)i || offer->audio.index == (int)i;
    g_assert((gst_sdp_media_get_port(gst_sdp_message_get_media(msg, i)) != 0) == chosen);
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  for (int srtp = RC_SIP_SRTP_OFF; srtp <= RC_SIP_SRTP_REQUIRED; srtp++) {
    rc_sip_sdp_offer offer;
    g_autoptr(GError) error = NULL;
    gboolean ok = rc_sip_sdp_offer_parse((const char *)data, size, (rc_sip_srtp)srtp, tiers, G_N_ELEMENTS(tiers), 25,
                                         &offer, &error);
    g_assert(ok == (error == NULL));
    g_assert(ok || (error->domain == RC_SIP_SDP_ERROR && error->message[0]));
    if (!ok)
      continue;
    g_assert(offer.video.index >= 0 || offer.audio.index >= 0);
    check_stream(&offer, &offer.video, (rc_sip_srtp)srtp);
    check_stream(&offer, &offer.audio, (rc_sip_srtp)srtp);
    check_answer(&offer);
    (void)rc_sip_sdp_on_hold(&offer);
  }
  return 0;
}
