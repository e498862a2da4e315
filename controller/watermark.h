/* watermark — a reader's own copy of a confidential PDF: every page
 * rendered by poppler onto a cairo PDF surface (vector content stays
 * vector) with a stamp naming the reader and the time, in the top and
 * bottom margins and once large and faint across the page. Each copy is
 * made for one request and kept by no one. The work runs in a worker
 * thread (GTask); the result comes back on the caller's main context. */
#pragma once
#include <gio/gio.h>

/* Renders the stamped copy of the PDF at @path now, in this thread.
 * Returns the new PDF's bytes (transfer full), or NULL with
 * RC_ERROR_UNSUPPORTED (unreadable PDF) or RC_ERROR_INTERNAL. */
GBytes *rc_watermark_stamp(const char *path, const char *stamp, GError **error);

/* The same in a worker thread; @callback runs on the thread-default main
 * context of the caller. */
void rc_watermark_stamp_async(const char *path, const char *stamp, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
GBytes *rc_watermark_stamp_finish(GAsyncResult *result, GError **error);
