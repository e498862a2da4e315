/* demo — seeds an empty database with the demo province: sites, users and
 * one scheduled session with its agenda and PDFs (configs/demo/). */
#pragma once
#include "app/auth.h"
#include "store/store.h"

/* Seeds from @demo_dir (users.csv, sites.csv, session.ini) and @pdf_dir
 * (the PDFs the build made from configs/demo/docs). The session's start time
 * of day is on @zone's clock (the province's, [meeting] timezone). All or
 * nothing. */
gboolean rc_demo_seed(rc_store *store, rc_auth *auth, const char *demo_dir, const char *pdf_dir, GTimeZone *zone,
                      GError **error);
