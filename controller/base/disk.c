/* disk — free space of the directories roomctl writes. */
#include "base/disk.h"

#include <errno.h>
#include <sys/statvfs.h>

gint64
rc_disk_free_bytes(const char *path)
{
  struct statvfs st;
  if (statvfs(path, &st) != 0)
    return -1;
  return (gint64)st.f_bavail * (gint64)st.f_frsize;
}

gboolean
rc_disk_errno_is_full(int err)
{
  return err == ENOSPC || err == EDQUOT;
}
