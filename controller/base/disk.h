/* disk — how much room is left where roomctl writes (the data directory,
 * the recording directory), for the checks that keep a full disk from
 * losing an acknowledged fact. No state; any thread. */
#pragma once
#include <glib.h>

/* Bytes free for an unprivileged writer in the filesystem holding @path
 * (statvfs f_bavail), or -1 (errno set) when it cannot be asked. */
gint64 rc_disk_free_bytes(const char *path);

/* TRUE for the errno of a write that failed for want of space. */
gboolean rc_disk_errno_is_full(int err);
