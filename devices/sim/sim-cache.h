/* sim-cache — encoded units (H.264 access units, Opus packets) kept on disk
 * between runs, so that a second start does not encode again. One file per
 * clip, named after a hash of everything that shaped the encoding; written
 * to a temporary name and renamed, so a crash never leaves half a clip. */
#pragma once
#include <glib.h>

/* The file name for @key (any string naming the encoding and its
 * parameters) under @dir. (transfer full) */
char *sim_cache_path(const char *dir, const char *key);

/* Units stored under @key (GPtrArray of GBytes, transfer full), or NULL
 * with an error if absent, unreadable or not a clip file for @key. */
GPtrArray *sim_cache_load(const char *dir, const char *key, GError **error);

/* Stores @units under @key, creating @dir if needed. */
gboolean sim_cache_save(const char *dir, const char *key, GPtrArray *units, GError **error);
