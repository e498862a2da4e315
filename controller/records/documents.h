/* documents — the PDF files behind agenda documents: checking that a file
 * is a PDF poppler can read, counting its pages, and keeping it in the data
 * directory as documents/<sha256>.pdf (content-addressed: one copy per
 * content, however many documents use it). */
#pragma once
#include "store/store.h"

/* Page count of the PDF at @path, or -1 with RC_ERROR_UNSUPPORTED. */
int rc_documents_inspect(const char *path, GError **error);

/* Where the content with @sha256 is kept. (transfer full) */
char *rc_documents_path(rc_store *store, const char *sha256);

/* Moves (@move TRUE) or copies @path to its kept place; an existing copy
 * wins. */
gboolean rc_documents_keep(rc_store *store, const char *path, const char *sha256, gboolean move,
                           GError **error);

/* Removes the kept files of @hashes that no document uses any more. */
void rc_documents_release(rc_store *store, char **hashes);

/* SHA-256 hex of the file at @path. (transfer full) */
char *rc_documents_hash_file(const char *path, gint64 *size, GError **error);
