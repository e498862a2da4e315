/* documents — PDF checks and the content-addressed document files. */
#define G_LOG_DOMAIN "roomctl-documents"
#include "records/documents.h"
#include "base/rc-error.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <poppler.h>
#include <errno.h>
#include <string.h>

int
rc_documents_inspect(const char *path, GError **error)
{
  char magic[5] = {0};
  FILE *f = fopen(path, "rb");
  gboolean is_pdf = f && fread(magic, 1, 5, f) == 5 && memcmp(magic, "%PDF-", 5) == 0;
  if (f)
    fclose(f);
  if (!is_pdf) {
    g_set_error(error, RC_ERROR, RC_ERROR_UNSUPPORTED, "the file is not a PDF");
    return -1;
  }
  g_autofree char *uri = g_filename_to_uri(path, NULL, NULL);
  g_autoptr(GError) perr = NULL;
  PopplerDocument *doc = poppler_document_new_from_file(uri, NULL, &perr);
  if (!doc) {
    g_set_error(error, RC_ERROR, RC_ERROR_UNSUPPORTED, "the PDF cannot be read: %s", perr->message);
    return -1;
  }
  int pages = poppler_document_get_n_pages(doc);
  g_object_unref(doc);
  return pages;
}

char *
rc_documents_path(rc_store *store, const char *sha256)
{
  g_autofree char *name = g_strconcat(sha256, ".pdf", NULL);
  return g_build_filename(rc_store_documents_dir(store), name, NULL);
}

gboolean
rc_documents_keep(rc_store *store, const char *path, const char *sha256, gboolean move, GError **error)
{
  g_autofree char *dest = rc_documents_path(store, sha256);
  if (g_file_test(dest, G_FILE_TEST_EXISTS))
    return TRUE;
  if (move) {
    if (g_rename(path, dest) == 0)
      return TRUE;
    g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "cannot store %s: %s", dest, g_strerror(errno));
    return FALSE;
  }
  g_autoptr(GFile) from = g_file_new_for_path(path);
  g_autoptr(GFile) to = g_file_new_for_path(dest);
  g_autoptr(GError) ioerr = NULL;
  if (g_file_copy(from, to, G_FILE_COPY_NONE, NULL, NULL, NULL, &ioerr))
    return TRUE;
  g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "cannot store %s: %s", dest, ioerr->message);
  return FALSE;
}

void
rc_documents_release(rc_store *store, char **hashes)
{
  for (char **h = hashes; h && *h; h++) {
    if (rc_store_document_hash_used(store, *h))
      continue;
    g_autofree char *path = rc_documents_path(store, *h);
    if (g_unlink(path) != 0 && errno != ENOENT)
      g_warning("cannot remove %s: %s", path, g_strerror(errno));
  }
}

char *
rc_documents_hash_file(const char *path, gint64 *size, GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr(GError) ioerr = NULL;
  if (!g_file_get_contents(path, &data, &len, &ioerr)) {
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "%s", ioerr->message);
    return NULL;
  }
  *size = (gint64)len;
  return g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)data, len);
}
