/* site-pull — the adapter of a site the controller fetches instead of
 * receiving: an IP camera or codec over RTSP (rtspsrc), or an SRT caller or
 * listener carrying MPEG-TS (srtsrc). Its H.264 leaves as RTP stamped with
 * the site's SSRC and payload type, handed to a function the media gives
 * (the ingest's feed), so statistics, switching and the program treat it
 * like any RTP site. A source that fails is retried with a growing delay
 * (5 s up to 60 s), logged once per failure. Made and freed on the main
 * loop; it knows nothing of the media but what it is given. */
#pragma once
#include <glib.h>

typedef struct rc_site_pull rc_site_pull;

/* One RTP packet of the site, on a streaming thread. (transfer none) */
typedef void (*rc_site_pull_fn)(const guint8 *rtp, gsize len, gpointer data);

typedef struct {
  const char *code;      /* the site, for the log */
  const char *transport; /* "rtsp" or "srt" */
  const char *url;       /* rtsp://… or srt://… */
  guint32 ssrc;          /* stamped on every packet */
  guint8 payload_type;   /* likewise */
  gboolean tcp_only;     /* RTSP: RTP interleaved in the TCP connection, no UDP socket */
} rc_site_pull_desc;

/* Starts pulling; @fn(@data) is called on streaming threads until
 * rc_site_pull_free returns. NULL (logged) without a URL. (transfer full) */
rc_site_pull *rc_site_pull_new(const rc_site_pull_desc *desc, rc_site_pull_fn fn, gpointer data);
void rc_site_pull_free(rc_site_pull *pull);
