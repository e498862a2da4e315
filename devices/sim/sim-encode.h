/* sim-encode — the GStreamer pipelines that make a site's material once:
 * a short H.264 loop showing the site's name (moving test pattern), its
 * frozen variant (one still picture), and the Opus tone and silence that
 * all sites share. Each call runs one pipeline to the end on the calling
 * thread (safe from worker threads) and returns the encoded units. */
#pragma once
#include <glib.h>

typedef struct {
  guint width, height, fps, bitrate_kbps;
  guint frames; /* loop length; also the GOP, so one IDR per loop */
} sim_video_format;

/* H.264 byte-stream access units (GPtrArray of GBytes, transfer full) of
 * @format showing @title; @frozen makes every frame the same picture. */
GPtrArray *sim_encode_video(const sim_video_format *format, const char *title, gboolean frozen,
                            GError **error);

/* About @frames G.722 frames of 20 ms (160 bytes, 16 kHz mono): a 440 Hz
 * tone, for the SIP sites that answer G.722. (transfer full) */
GPtrArray *sim_encode_g722(guint frames, GError **error);
/* @frames Opus packets of 20 ms, 48 kHz mono: a 440 Hz tone, or digital
 * silence if @silence. (transfer full) */
GPtrArray *sim_encode_audio(gboolean silence, guint frames, GError **error);

/* A string naming everything that shapes sim_encode_video's output, for
 * sim-cache. (transfer full) */
char *sim_encode_video_key(const sim_video_format *format, const char *title, gboolean frozen);
char *sim_encode_audio_key(gboolean silence, guint frames);
