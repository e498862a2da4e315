/* site-link — what every site transport shares (site-transport.h): its
 * common fields, whether the program reaches it as it is, and its link's
 * state with the host told of each change. */
#define G_LOG_DOMAIN "roomctl-media"
#include "devices/site-adapters.h"

void
rc_site_transport_init(rc_site_transport *t, const rc_site_transport_ops *ops, const rc_site_transport_desc *d,
                       const rc_site_transport_host *host)
{
  t->ops = ops;
  t->site_id = d->id;
  t->code = g_strdup(d->code ? d->code : "");
  t->host = host;
  /* Unless the adapter negotiates otherwise, the site takes the program as it is made. */
  t->format.video.out_ssrc = d->program_video_ssrc;
  t->format.audio.out_ssrc = d->program_audio_ssrc;
  t->format.video.out_pt = d->program_video_pt;
  t->format.audio.out_pt = d->program_audio_pt;
  t->format.audio.codec = t->format.audio.out_codec = RC_AUDIO_OPUS;
  t->format.audio.sends = TRUE;
  t->format.video.tier = t->format.audio.tier = -1;
}

void
rc_site_transport_set_audio(rc_site_transport *t, rc_audio_codec codec, int pt, int clock_rate, const char *fmtp)
{
  rc_site_stream_format *f = &t->format.audio;
  f->codec = codec;
  f->pt = pt;
  f->clock_rate = clock_rate;
  g_free(f->fmtp);
  f->fmtp = g_strdup(fmtp);
  f->sends = TRUE;
  f->absent = FALSE;
  if (t->host && t->host->format)
    t->host->format(t->host->media, t->site_id);
}

void
rc_site_transport_set_audio_absent(rc_site_transport *t)
{
  if (t->format.audio.absent)
    return;
  t->format.audio.absent = TRUE;
  if (t->host && t->host->format)
    t->host->format(t->host->media, t->site_id);
}

void
rc_site_transport_clear(rc_site_transport *t)
{
  g_free(t->code);
  g_free(t->link.why);
  g_free(t->format.audio.fmtp);
}

gboolean
rc_site_transport_encrypted(rc_site_transport *t)
{
  return t && t->ops->encrypted && t->ops->encrypted(t);
}

gboolean
rc_site_transport_shared(const rc_site_transport *t, gboolean audio, guint32 program_ssrc, int program_pt)
{
  const rc_site_stream_format *f = audio ? &t->format.audio : &t->format.video;
  return !rc_site_transport_sends_itself((rc_site_transport *)t) && f->out_ssrc == program_ssrc &&
         f->out_pt == program_pt;
}

gboolean
rc_site_transport_sends_itself(rc_site_transport *t)
{
  return t->ops->send && (!t->ops->own_send || t->ops->own_send(t));
}

void
rc_site_transport_set_link(rc_site_transport *t, gboolean up, const char *why)
{
  if (up == t->link.up && (up || g_strcmp0(why, t->link.why) == 0))
    return;
  t->link.up = up;
  if (up) {
    t->link.ups++;
  } else {
    t->link.downs++;
    g_free(t->link.why);
    t->link.why = g_strdup(why);
  }
  if (t->host && t->host->link)
    t->host->link(t->host->media, t->site_id, up, why);
}

void
rc_site_transports_flush(GPtrArray *members)
{
  const rc_site_transport_ops *done[4] = {NULL};
  guint n = 0;
  for (guint i = 0; i < members->len; i++) {
    rc_site_transport *t = members->pdata[i];
    gboolean seen = FALSE;
    for (guint k = 0; k < n && !seen; k++)
      seen = done[k] == t->ops;
    if (seen || !t->ops->flush)
      continue;
    t->ops->flush(t);
    if (n < G_N_ELEMENTS(done))
      done[n++] = t->ops;
  }
}
