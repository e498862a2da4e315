/* sim-material — everything the simulated sites send, prepared before the
 * first packet: per site a live and a frozen H.264 loop showing its title,
 * and the Opus tone and silence shared by all. Clips come from the cache
 * when they can, otherwise they are encoded on all cores in parallel and
 * cached. Read-only once prepared. */
#pragma once
#include "devices/sim/sim-clip.h"
#include "devices/sim/sim-encode.h"

typedef struct {
  const char *cache_dir; /* NULL: neither read nor write a cache */
  sim_video_format format;
  guint max_payload;
  gboolean quiet; /* no progress lines on stderr */
} sim_material_options;

typedef struct {
  GPtrArray *live;   /* sim_clip per title, same order */
  GPtrArray *frozen; /* sim_clip per title */
  sim_clip *tone;
  sim_clip *silence;
  guint from_cache, encoded;
  double seconds;
} sim_material;

/* Prepares the clips for @titles (@n of them). On error NULL, naming the
 * first clip that failed. (transfer full) */
sim_material *sim_material_prepare(const sim_material_options *options, char **titles, guint n,
                                   GError **error);
void sim_material_free(sim_material *material);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sim_material, sim_material_free)
