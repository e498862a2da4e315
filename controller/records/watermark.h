/* watermark — a reader's own copy of a confidential PDF. The original's
 * pages are kept as they are (content streams, fonts, text layer: qpdf
 * copies them untouched), and a stamp naming the reader and the time is laid
 * over each page: searchable text in the top and bottom margins, and once
 * large and faint across the page as outlines, so that the diagonal adds no
 * letters to the page's text. The stamp pages are drawn by cairo and laid on
 * by qpdf's overlay (which follows each page's boxes and /Rotate). Each copy
 * is made for one request, in memory, and kept by no one: nothing of it is
 * written to disk. The work runs in a worker thread (GTask); the result
 * comes back on the caller's main context. */
#pragma once
#include <gio/gio.h>

/* Makes the stamped copy of the PDF at @path now, in this thread.
 * Returns the new PDF's bytes (transfer full), or NULL with
 * RC_ERROR_UNSUPPORTED (unreadable PDF) or RC_ERROR_INTERNAL. */
GBytes *rc_watermark_stamp(const char *path, const char *stamp, GError **error);

/* The same in a worker thread; @callback runs on the thread-default main
 * context of the caller. */
void rc_watermark_stamp_async(const char *path, const char *stamp, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
GBytes *rc_watermark_stamp_finish(GAsyncResult *result, GError **error);
