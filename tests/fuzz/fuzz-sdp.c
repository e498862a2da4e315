/* libFuzzer target: the WebRTC offer of a WHIP publisher or a WHEP viewer
 * (webrtc-sdp), read as both, and the answer to what parses, which must
 * read back as SDP with one m-line per offered one. */
#include "devices/webrtc-sdp.h"

#include <gst/sdp/sdp.h>
#include <stdint.h>
#include <string.h>

static const char *const addresses[] = { "127.0.0.1", "::1", NULL };
static const rc_sdp_local local = {
  .ice_ufrag = "fuzz",
  .ice_pwd = "fuzzfuzzfuzzfuzzfuzzfu",
  .fingerprint_sha256 = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF",
  .addresses = addresses,
  .port = 5008,
  .video_ssrc = 1,
  .audio_ssrc = 2,
  .cname = "fuzz",
};

/* What a parsed offer promises the WHIP/WHEP code. */
static void
check_offer(const rc_sdp_offer *offer)
{
  g_assert(offer->n_media >= 1 && offer->n_media <= RC_SDP_MAX_MEDIA);
  g_assert(offer->video >= 0 || offer->audio >= 0);
  g_assert(offer->video < (int)offer->n_media && offer->audio < (int)offer->n_media);
  g_assert(strlen(offer->ice_ufrag) >= 4 && strlen(offer->ice_pwd) >= 22);
  g_assert(offer->fingerprint_len >= 20 && offer->fingerprint_len <= sizeof offer->fingerprint);
  for (guint i = 0; i < offer->n_media; i++) {
    const rc_sdp_media *m = &offer->media[i];
    g_assert(m->pt >= -1 && m->pt <= 127);
    g_assert(m->mid[0] && memchr(m->mid, '\0', sizeof m->mid));
    g_assert(m->pt < 0 || m->audio || strlen(m->profile_level_id) == 6);
  }
}

/* The answer reads back with the offer's m-lines in order. */
static void
check_answer(const rc_sdp_offer *offer)
{
  g_autofree char *answer = rc_sdp_answer(offer, &local);
  g_assert(answer);
  g_autoptr(GstSDPMessage) msg = NULL;
  g_assert(gst_sdp_message_new_from_text(answer, &msg) == GST_SDP_OK);
  g_assert(gst_sdp_message_medias_len(msg) == offer->n_media);
  for (guint i = 0; i < offer->n_media; i++) {
    const GstSDPMedia *m = gst_sdp_message_get_media(msg, i);
    g_assert(g_strcmp0(gst_sdp_media_get_attribute_val(m, "mid"), offer->media[i].mid) == 0);
    g_assert((gst_sdp_media_get_port(m) == 0) == (offer->media[i].pt < 0));
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  for (int publisher = 0; publisher < 2; publisher++) {
    rc_sdp_offer offer;
    g_autoptr(GError) error = NULL;
    gboolean ok = rc_sdp_offer_parse((const char *)data, size, publisher, &offer, &error);
    g_assert(ok == (error == NULL));
    g_assert(ok || (error->domain == RC_SDP_ERROR && error->message[0]));
    if (!ok)
      continue;
    check_offer(&offer);
    check_answer(&offer);
  }
  return 0;
}
