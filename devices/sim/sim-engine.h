/* sim-engine — runs the simulated sites on the GLib main loop of the
 * calling thread: one timer sends every site's due frames (one sendmmsg per
 * site and frame), one epoll descriptor watched by the loop receives on all
 * sites' sockets (recvmmsg), and a summary line goes to stderr every 5 s.
 * Owns the sites; borrows the material, which must outlive it. */
#pragma once
#include "devices/sim/sim-material.h"
#include "devices/sim/sim-site.h"

#include <jansson.h>

typedef struct {
  const char *controller; /* host name or address */
  guint16 video_port, audio_port, rtcp_video_port, rtcp_audio_port;
  guint fps;
  gboolean program_pli;
  gboolean quiet; /* no summary lines */
  /* SIP mode (sim-sip.h) when @sip_port is set: the sites answer calls on
   * it instead of sending to @controller's ports, on random SSRCs; the
   * first @sip_g722 of them answer G.722 (@g722, borrowed) instead of Opus. */
  guint16 sip_port;
  guint sip_g722;
  const sim_clip *g722;
  /* Plain RTP sites with an SRTP key: code -> rc_srtp_key (borrowed), or NULL. */
  GHashTable *srtp_keys;
} sim_engine_options;

/* Which fields of a sim_faults change: a fault request names only some. */
typedef enum {
  SIM_FAULT_LOSS = 1 << 0,
  SIM_FAULT_JITTER = 1 << 1,
  SIM_FAULT_FREEZE = 1 << 2,
  SIM_FAULT_SILENCE = 1 << 3,
  SIM_FAULT_DISCONNECT = 1 << 4,
  SIM_FAULT_FLOOD = 1 << 5,
  SIM_FAULT_GARBAGE = 1 << 6,
} sim_fault_field;

typedef struct sim_engine sim_engine;

/* Resolves the controller, opens every site's sockets. @roster holds
 * sim_roster_site in the order of @material's clips. */
sim_engine *sim_engine_new(const sim_engine_options *options, const sim_material *material, GPtrArray *roster,
                           GError **error);
void sim_engine_free(sim_engine *engine);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sim_engine, sim_engine_free)

/* Starts sending and receiving on the thread-default main context. */
void sim_engine_start(sim_engine *engine);

/* Sets the @fields of @values on site @code, or on every site for "*".
 * FALSE with an error if there is no such site. */
gboolean sim_engine_set_faults(sim_engine *engine, const char *code, const sim_faults *values, guint fields,
                               GError **error);

/* {"sites": [...], "cpu_seconds", ...} for all sites, or one site's object
 * for @code; NULL with an error if there is no such site. (transfer full) */
json_t *sim_engine_stats(sim_engine *engine, const char *code, GError **error);

guint sim_engine_site_count(const sim_engine *engine);
/* Whose picture the sites see: {"sites": N, "sources": [{"ssrc", "count",
 * "since_ms"}]} by source SSRC (0: no keyframe yet), "since_ms" the latest
 * time one of them began to show it. Cheap enough to poll every few ms,
 * unlike the full stats (transfer full). */
json_t *sim_engine_program_sources(sim_engine *engine);

/* CPU time (user + system) this process used so far, in seconds. */
double sim_engine_cpu_seconds(void);
