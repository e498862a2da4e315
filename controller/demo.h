/* demo — seeds an empty database with the demo province: its units,
 * sites, users, rooms and scheduled sessions with their agendas and PDFs
 * (configs/demo/). */
#pragma once
#include "app/auth.h"
#include "store/store.h"

/* Seeds from @demo_dir (organisations.csv, sites.csv, users.csv, rooms.csv,
 * session.ini — session 1 — and session-*.ini) and @pdf_dir
 * (the PDFs the build made from configs/demo/docs). The session's start time
 * of day is on @zone's clock (the province's, [meeting] timezone). All or
 * nothing. */
gboolean rc_demo_seed(rc_store *store, rc_auth *auth, const char *demo_dir, const char *pdf_dir, const char *data_dir,
                      GTimeZone *zone, GError **error);

/* The demo's commune that joins from a browser (transport webrtc), and the
 * file in the data directory that keeps its access key for the banner. */
#define RC_DEMO_WEBRTC_SITE "H03-X04"
#define RC_DEMO_SITE_KEY_FILE "demo-site-key"
