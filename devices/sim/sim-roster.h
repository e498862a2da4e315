/* sim-roster — which sites to simulate: rows of the sites CSV (code, name,
 * level; see configs/demo/sites.csv) picked by level, by count or by a list
 * of codes. */
#pragma once
#include <glib.h>

typedef struct {
  char *code;
  char *name;
  char *title; /* what the picture shows: "CODE · Name" */
} sim_roster_site;

/* Reads @path and keeps the sites of @level (NULL: any), then either those
 * named in @codes (NULL-terminated, in that order; an unknown code is an
 * error) or the first @count (0: all). GPtrArray of sim_roster_site,
 * transfer full; NULL with an error if nothing is left. */
GPtrArray *sim_roster_load(const char *path, const char *level, guint count, char **codes, GError **error);
