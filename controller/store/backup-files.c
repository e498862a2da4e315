/* backup-files — hashed, fsynced copies and the names a backup holds (see
 * backup-files.h). */
#include "store/backup-files.h"
#include "base/rc-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (1024 * 1024)

static gboolean
write_all(int fd, const guint8 *buf, gssize n)
{
  while (n > 0) {
    gssize w = write(fd, buf, (size_t)n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return FALSE;
    buf += w;
    n -= w;
  }
  return TRUE;
}

static void
set_io_error(GError **error, const char *what, const char *path, int err)
{
  g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "cannot %s %s: %s", what, path, g_strerror(err));
}

/* Reads @in to its end, hashing it and writing it to @out (-1: nowhere). */
static gboolean
pump(int in, int out, GChecksum *sum, gint64 *size, const char *from, const char *to, GCancellable *cancel,
     GError **error)
{
  g_autofree guint8 *buf = g_malloc(CHUNK);
  *size = 0;
  for (;;) {
    if (g_cancellable_set_error_if_cancelled(cancel, error))
      return FALSE;
    gssize n = read(in, buf, CHUNK);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      set_io_error(error, "read", from, errno);
      return FALSE;
    }
    if (n == 0)
      return TRUE;
    g_checksum_update(sum, buf, n);
    *size += n;
    if (out >= 0 && !write_all(out, buf, n)) {
      set_io_error(error, "write", to, errno);
      return FALSE;
    }
  }
}

gboolean
rc_backup_copy_file(const char *from, const char *to, const char *expect_sha256, char **sha256, gint64 *size,
                    GCancellable *cancel, GError **error)
{
  int in = open(from, O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    set_io_error(error, "open", from, errno);
    return FALSE;
  }
  int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (out < 0) {
    set_io_error(error, "create", to, errno);
    close(in);
    return FALSE;
  }
  g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
  gint64 n = 0;
  gboolean ok = pump(in, out, sum, &n, from, to, cancel, error);
  if (ok && fsync(out) != 0) {
    set_io_error(error, "sync", to, errno);
    ok = FALSE;
  }
  close(in);
  if (close(out) != 0 && ok) {
    set_io_error(error, "write", to, errno);
    ok = FALSE;
  }
  const char *hex = g_checksum_get_string(sum);
  if (ok && expect_sha256 && !g_str_equal(hex, expect_sha256)) {
    g_set_error(error, RC_ERROR, RC_ERROR_CONFLICT, "%s: its bytes hash to %s, not %s", from, hex, expect_sha256);
    ok = FALSE;
  }
  if (!ok) {
    g_unlink(to);
    return FALSE;
  }
  if (sha256)
    *sha256 = g_strdup(hex);
  if (size)
    *size = n;
  return TRUE;
}

char *
rc_backup_hash_file(const char *path, gint64 *size, GError **error)
{
  int in = open(path, O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    set_io_error(error, "open", path, errno);
    return NULL;
  }
  g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
  gint64 n = 0;
  gboolean ok = pump(in, -1, sum, &n, path, NULL, NULL, error);
  close(in);
  if (!ok)
    return NULL;
  if (size)
    *size = n;
  return g_strdup(g_checksum_get_string(sum));
}

gboolean
rc_backup_fsync_dir(const char *path, GError **error)
{
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || fsync(fd) != 0) {
    set_io_error(error, "sync", path, errno);
    if (fd >= 0)
      close(fd);
    return FALSE;
  }
  close(fd);
  return TRUE;
}

void
rc_backup_remove_tree(const char *path)
{
  GDir *dir = g_dir_open(path, 0, NULL);
  if (dir) {
    const char *name;
    while ((name = g_dir_read_name(dir))) {
      g_autofree char *child = g_build_filename(path, name, NULL);
      if (g_file_test(child, G_FILE_TEST_IS_DIR) && !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
        rc_backup_remove_tree(child);
      else
        g_unlink(child);
    }
    g_dir_close(dir);
  }
  g_remove(path);
}

gboolean
rc_backup_is_document_name(const char *name)
{
  if (strlen(name) != 64 + 4 || !g_str_has_suffix(name, ".pdf"))
    return FALSE;
  for (int i = 0; i < 64; i++)
    if (!g_ascii_isxdigit(name[i]) || g_ascii_isupper(name[i]))
      return FALSE;
  return TRUE;
}

gboolean
rc_backup_is_index_name(const char *name)
{
  if (!g_str_has_prefix(name, "session-") || !g_str_has_suffix(name, ".json"))
    return FALSE;
  const char *p = name + strlen("session-");
  const char *end = name + strlen(name) - strlen(".json");
  if (p == end)
    return FALSE;
  for (; p < end; p++)
    if (!g_ascii_isdigit(*p))
      return FALSE;
  return TRUE;
}

char *
rc_backup_recordings_dir(const char *data_dir, const char *recordings_dir)
{
  if (recordings_dir && *recordings_dir)
    return g_strdup(recordings_dir);
  return g_build_filename(data_dir, "recordings", NULL);
}
