/* sim-control — the simulator's control port: TCP on a local address, one
 * JSON object per line in, one JSON object per line out.
 *   {"cmd":"fault","site":"CODE"|"*", "loss":0..100, "jitter_ms":0..10000,
 *    "freeze":b, "silence":b, "disconnect":b, "flood_mbps":0..10000,
 *    "garbage":b}                                  → {"ok":true}
 *   {"cmd":"stats"}                                → {"sites":[…],"cpu_seconds":…}
 *   {"cmd":"stats","site":"CODE"}                  → that site's object
 *   {"cmd":"quit"}                                 → {"ok":true}, then the loop quits
 * Anything else → {"ok":false,"error":"…"}; the connection stays open. */
#pragma once
#include "devices/sim/sim-engine.h"

#include <gio/gio.h>

typedef struct sim_control sim_control;

/* Listens on @address ("HOST:PORT"; port 0 picks a free one). @loop is
 * quit by the quit command. Both are borrowed. */
sim_control *sim_control_new(sim_engine *engine, GMainLoop *loop, const char *address, GError **error);
/* Closes the listener and every connection. */
void sim_control_free(sim_control *control);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sim_control, sim_control_free)

/* The address actually listened on, "HOST:PORT". (transfer none) */
const char *sim_control_address(const sim_control *control);

/* Answers one request line (transfer full, no newline); sets *@quit for the
 * quit command. Never fails: bad input gets an error object. */
char *sim_control_handle(sim_engine *engine, const char *line, gboolean *quit);
