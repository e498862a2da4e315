/* sim-clip — an encoded loop held in memory, already cut into RTP payloads
 * so that sending a frame is only writing headers: H.264 access units
 * packetized per RFC 6184 (SPS/PPS/SEI in one STAP-A, single NAL units,
 * FU-A fragments), or Opus packets one per frame. Payloads live in one
 * block; a clip is immutable once built and shared by reference. */
#pragma once
#include <glib.h>

typedef struct {
  guint32 offset; /* into sim_clip.data */
  guint16 len;
  guint8 marker;
} sim_clip_packet;

typedef struct {
  guint32 first_packet;
  guint16 n_packets;
  guint8 keyframe;
  guint32 bytes; /* payload bytes of the frame */
} sim_clip_frame;

typedef struct sim_clip {
  guint8 *data;
  gsize data_len;
  sim_clip_packet *packets;
  guint n_packets;
  sim_clip_frame *frames;
  guint n_frames;
} sim_clip;

/* Packetizes H.264 byte-stream access units (GBytes each, Annex B start
 * codes) into payloads of at most @max_payload bytes. Access unit
 * delimiters and filler data are dropped. NULL with an error if a unit has
 * no NAL unit or @units is empty. */
sim_clip *sim_clip_new_h264(GPtrArray *units, guint max_payload, GError **error);

/* One Opus packet per frame (GBytes each, each at most 1275 bytes). */
sim_clip *sim_clip_new_opus(GPtrArray *packets, GError **error);

void sim_clip_free(sim_clip *clip);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sim_clip, sim_clip_free)
