/* backup-files — file helpers shared by backup.c and backup-restore.c:
 * copies that hash what they copy and fsync it, directory removal, the
 * names a backup may hold. Not for other modules. */
#pragma once
#include <gio/gio.h>

#define RC_BACKUP_MANIFEST "manifest.json"
#define RC_BACKUP_FORMAT 1

/* Copies @from to the new file @to (it must not exist), fsyncs it, and
 * gives its SHA-256 (hex, transfer full) and size. With @expect_sha256 the
 * copy fails (and @to is removed) unless the bytes hash to it. */
gboolean rc_backup_copy_file(const char *from, const char *to, const char *expect_sha256, char **sha256,
                             gint64 *size, GCancellable *cancel, GError **error);
/* SHA-256 (hex) and size of a file. (transfer full) */
char *rc_backup_hash_file(const char *path, gint64 *size, GError **error);
gboolean rc_backup_fsync_dir(const char *path, GError **error);
/* Removes @path and everything under it; a missing path is no error. */
void rc_backup_remove_tree(const char *path);
/* Whether @name is a document file name: 64 lowercase hex digits + ".pdf". */
gboolean rc_backup_is_document_name(const char *name);
/* Whether @name is a recording index name: session-<digits>.json. */
gboolean rc_backup_is_index_name(const char *name);
/* DATA/recordings, or @recordings_dir when set. (transfer full) */
char *rc_backup_recordings_dir(const char *data_dir, const char *recordings_dir);
