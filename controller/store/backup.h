/* backup — consistent copies of a data directory, and their restore.
 *
 * A backup is one directory PARENT/NAME (NAME: roomctl-<UTC time>, or
 * pre-migration-v<N>-<UTC time> before a schema migration) holding
 *   roomctl.db                the database as one snapshot, copied page by
 *                             page with SQLite's online backup API from a
 *                             connection of its own (WAL: the daemon goes on
 *                             writing meanwhile, nothing waits for the copy)
 *   documents/<sha256>.pdf    every document the snapshot lists, copied and
 *                             checked against its hash
 *   recordings/session-N.json the recordings' indexes (not the MP4 files)
 *   manifest.json             roomctl version, schema version, time, and
 *                             every file with its size and SHA-256
 * It is written as PARENT/.partial-NAME, each file fsynced, then renamed:
 * a backup is there whole or not at all.
 *
 * Secret ballots: the copy is the live file's pages as they stand, one
 * committed state and no WAL; freed pages are zeros (the store's
 * secure_delete) and the cells keep the shuffled order of their sealed
 * group, so the backup tells no more than the live database does
 * (tests/integration/backup.test.mjs runs the attack on it).
 *
 * No state: each function may run on any thread, with its own connection.
 * The daemon's scheduled backups run on a thread of their own
 * (rc_backup_schedule); the main loop only starts and joins it. */
#pragma once
#include <gio/gio.h>
#include <sqlite3.h>

typedef struct {
  const char *data_dir;       /* DATA: roomctl.db and documents/ */
  const char *recordings_dir; /* where the recording indexes are; NULL/"" = DATA/recordings */
} rc_backup_source;

/* Makes a backup of @src under @parent (created if needed) named @name
 * (NULL: roomctl-<UTC time>). @db: an open connection to copy from (the
 * store's, before a migration), or NULL to open DATA/roomctl.db read-only.
 * @cancel may be NULL. Returns the backup's path (transfer full), or NULL
 * with @error set and nothing left behind. */
char *rc_backup_make(const rc_backup_source *src, sqlite3 *db, const char *parent, const char *name,
                     GCancellable *cancel, GError **error);

/* Keeps the newest @keep complete backups named roomctl-* in @parent and
 * deletes the older ones (pre-migration-* are never deleted). @keep 0 keeps
 * all. Returns how many were deleted. */
int rc_backup_rotate(const char *parent, int keep, GError **error);

/* Restores the backup @backup_dir into the empty (or missing) data
 * directory of @dest, checking the manifest and every file's hash first; a
 * backup of a newer schema than @latest_schema is refused. On error nothing
 * is left in the data directory. */
gboolean rc_backup_restore(const char *backup_dir, const rc_backup_source *dest, int latest_schema, GError **error);

/* The daemon's scheduled backups ([backup] dir, interval_minutes, keep):
 * one at start when the newest backup in @parent is older than the
 * interval (or there is none), then one per interval, each on a thread of
 * its own, rotated after. Main loop only. (transfer full) */
typedef struct rc_backup_schedule rc_backup_schedule;
rc_backup_schedule *rc_backup_schedule_new(const rc_backup_source *src, const char *parent, int interval_minutes,
                                           int keep);
/* Cancels a backup under way and waits for its thread. */
void rc_backup_schedule_free(rc_backup_schedule *schedule);
