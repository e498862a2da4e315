/* backup-cli — `roomctl --backup DIR` and `roomctl --restore DIR`, and the
 * daemon's schedule from [backup]: what main.c calls, with the config. */
#pragma once
#include "store/backup.h"
#include "base/config.h"

/* Makes a backup of @config's data directory under @parent (rotated by
 * [backup] keep) and prints its path. Works whether or not the daemon runs.
 * Returns the exit status. */
int rc_backup_cli_make(rc_config *config, const char *parent);
/* Restores the backup @backup_dir into @config's (empty) data directory and
 * prints what it brought back. Returns the exit status. */
int rc_backup_cli_restore(rc_config *config, const char *backup_dir);
/* The scheduled backups of [backup] dir, or NULL when it is empty.
 * (transfer full) */
rc_backup_schedule *rc_backup_cli_schedule(rc_config *config);
