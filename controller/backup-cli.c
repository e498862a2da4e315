/* backup-cli — the command-line face of backup.h (see backup-cli.h). */
#define G_LOG_DOMAIN "roomctl-backup"
#include "backup-cli.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>

static rc_backup_source
source_of(rc_config *config)
{
  return (rc_backup_source){config->data_dir, config->media_record_dir};
}

int
rc_backup_cli_make(rc_config *config, const char *parent)
{
  rc_backup_source src = source_of(config);
  g_autofree char *dir = g_canonicalize_filename(parent, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *made = rc_backup_make(&src, NULL, dir, NULL, NULL, &error);
  if (!made) {
    fprintf(stderr, "roomctl: backup of %s into %s failed (nothing was left there): %s\n", config->data_dir, dir,
            error->message);
    return EXIT_FAILURE;
  }
  int removed = rc_backup_rotate(dir, config->backup_keep, NULL);
  printf("backup made: %s\n", made);
  if (removed)
    printf("older backups removed: %d ([backup] keep=%d)\n", removed, config->backup_keep);
  return EXIT_SUCCESS;
}

int
rc_backup_cli_restore(rc_config *config, const char *backup_dir)
{
  rc_backup_source dest = source_of(config);
  g_autofree char *dir = g_canonicalize_filename(backup_dir, NULL);
  g_autoptr(GError) error = NULL;
  if (!rc_backup_restore(dir, &dest, rc_store_latest_schema(), &error)) {
    fprintf(stderr, "roomctl: restore of %s into %s failed: %s\n", dir, config->data_dir, error->message);
    return EXIT_FAILURE;
  }
  printf("restored %s into %s (documents checked against their hashes)\n", dir, config->data_dir);
  return EXIT_SUCCESS;
}

rc_backup_schedule *
rc_backup_cli_schedule(rc_config *config)
{
  if (!*config->backup_dir)
    return NULL;
  rc_backup_source src = source_of(config);
  return rc_backup_schedule_new(&src, config->backup_dir, config->backup_interval_minutes, config->backup_keep);
}
