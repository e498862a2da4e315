/* media-sip — a SIP call's media handed to its site's transport
 * (devices/site-sip.h) in the session's media. Main loop. */
#define G_LOG_DOMAIN "roomctl-media"
#include "media/media-private.h"
#include "base/rc-error.h"
#include "devices/site-sip.h"

static rc_site_transport *
sip_transport(rc_media *m, gint64 session_id, gint64 site_id, GError **error)
{
  rc_site_transport *t = rc_media_site_transport(m, session_id, site_id);
  if (!t) {
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "site %" G_GINT64_FORMAT " is not in session %" G_GINT64_FORMAT
                "'s media", site_id, session_id);
    return NULL;
  }
  if (!rc_site_is_sip(t)) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "site %s's transport is %s, not sip", t->code, t->ops->kind);
    return NULL;
  }
  return t;
}

gboolean
rc_media_sip_call(rc_media *m, gint64 session_id, gint64 site_id, const rc_sip_sdp_offer *offer,
                  const rc_sip_crypto *video_key, const rc_sip_crypto *audio_key,
                  void (*keyframe)(gpointer data, gint64 site_id),
                  void (*keyed)(gpointer data, gint64 site_id, char digit, guint duration_ms), gpointer data,
                  GError **error)
{
  rc_site_transport *t = sip_transport(m, session_id, site_id, error);
  if (!t)
    return FALSE;
  rc_site_sip_set_signalling(t, keyframe, keyed, data);
  gboolean was_up = t->link.up;
  if (!rc_site_sip_start(t, offer, video_key, audio_key, error))
    return FALSE;
  if (was_up) /* a re-offer: what changed is set, or nothing did */
    return TRUE;
  g_message("session %" G_GINT64_FORMAT ": site %s: SIP media from %s:%d (video %s) and %s:%d (audio %s)", session_id,
            t->code, offer->video.address, offer->video.port, offer->video.secure ? "SRTP" : "RTP",
            offer->audio.address, offer->audio.port, offer->audio.secure ? "SRTP" : "RTP");
  t->ops->request_keyframe(t); /* its first picture */
  return TRUE;
}

void
rc_media_sip_hangup(rc_media *m, gint64 session_id, gint64 site_id, const char *why)
{
  rc_site_transport *t = rc_media_site_transport(m, session_id, site_id);
  if (t && rc_site_is_sip(t) && (t->link.up || t->link.why == NULL)) {
    rc_site_sip_set_signalling(t, NULL, NULL, NULL);
    rc_site_sip_stop(t, why);
  }
}
