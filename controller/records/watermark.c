/* watermark — stamped per-reader copies of confidential PDFs (see watermark.h). */
#define G_LOG_DOMAIN "roomctl-documents"
#include "records/watermark.h"
#include "base/rc-error.h"

#include <cairo-pdf.h>
#include <errno.h>
#include <math.h>
#include <poppler.h>
#include <qpdf/Constants.h>
#include <qpdf/qpdfjob-c.h>
#include <qpdf/qpdflogger-c.h>
#include <sys/mman.h>
#include <unistd.h>

static cairo_status_t
append_bytes(void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append(closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

/* The stamp in a margin: small, dark red, with a white halo so it reads
 * on any page. */
static void
margin_line(cairo_t *cr, const char *stamp, double x, double y)
{
  cairo_move_to(cr, x, y);
  cairo_text_path(cr, stamp);
  cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
  cairo_set_line_width(cr, 2);
  cairo_stroke(cr);
  cairo_move_to(cr, x, y);
  cairo_set_source_rgb(cr, 0.65, 0, 0);
  cairo_show_text(cr, stamp);
}

static void
draw_stamp(cairo_t *cr, const char *stamp, double w, double h)
{
  cairo_save(cr);
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size(cr, 7.5);
  margin_line(cr, stamp, 14, 12);
  margin_line(cr, stamp, 14, h - 6);
  /* Across the page, corner to corner, as large as fits: outlines, not
   * text, so a text extractor never reads its letters into the page's. */
  cairo_text_extents_t ext;
  cairo_set_font_size(cr, 40);
  cairo_text_extents(cr, stamp, &ext);
  double diagonal = sqrt(w * w + h * h);
  double size = ext.x_advance > 0 ? MIN(72, 40 * 0.85 * diagonal / ext.x_advance) : 40;
  cairo_set_font_size(cr, size);
  cairo_text_extents(cr, stamp, &ext);
  cairo_translate(cr, w / 2, h / 2);
  cairo_rotate(cr, -atan2(h, w));
  cairo_move_to(cr, -ext.x_advance / 2, ext.height / 2);
  cairo_text_path(cr, stamp);
  cairo_set_source_rgba(cr, 0.8, 0, 0, 0.13);
  cairo_fill(cr);
  cairo_restore(cr);
}

/* The stamp alone: one page for each distinct page size of @doc, so that
 * qpdf lays the same form on every page of that size and a 300-page copy
 * holds the stamp's outlines a few times, not 300. @from gets, for each page
 * of @doc in order, the number of its stamp page ("1,1,2,1"). */
static GBytes *
stamp_pages(PopplerDocument *doc, const char *stamp, GString *from, GError **error)
{
  int pages = poppler_document_get_n_pages(doc);
  if (pages < 1) {
    g_set_error(error, RC_ERROR, RC_ERROR_UNSUPPORTED, "the PDF cannot be stamped: it has no pages");
    return NULL;
  }
  GByteArray *out = g_byte_array_new();
  cairo_surface_t *surface = cairo_pdf_surface_create_for_stream(append_bytes, out, 595, 842);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "roomctl (stamp)");
  cairo_t *cr = cairo_create(surface);
  typedef struct {
    double w, h;
  } page_size;
  g_autoptr(GArray) sizes = g_array_new(FALSE, FALSE, sizeof(page_size));
  for (int i = 0; i < pages; i++) {
    PopplerPage *page = poppler_document_get_page(doc, i);
    page_size size = {595, 842};
    if (page) {
      poppler_page_get_size(page, &size.w, &size.h);
      g_object_unref(page);
    }
    guint k = 0;
    while (k < sizes->len && (fabs(g_array_index(sizes, page_size, k).w - size.w) > 0.01 ||
                              fabs(g_array_index(sizes, page_size, k).h - size.h) > 0.01))
      k++;
    if (k == sizes->len) {
      g_array_append_val(sizes, size);
      cairo_pdf_surface_set_size(surface, size.w, size.h);
      draw_stamp(cr, stamp, size.w, size.h);
      cairo_show_page(cr);
    }
    g_string_append_printf(from, "%s%u", i ? "," : "", k + 1);
  }
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  cairo_status_t status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) {
    g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "cannot stamp the PDF: %s", cairo_status_to_string(status));
    g_byte_array_unref(out);
    return NULL;
  }
  return g_byte_array_free_to_bytes(out);
}

static int
log_to_array(const char *data, size_t len, void *udata)
{
  g_byte_array_append(udata, (const guint8 *)data, (guint)len);
  return 0;
}

/* qpdf lays stamp page from[i] over page i of the PDF at @path. The stamp is
 * handed over in a memfd (qpdf reads overlays by name), and the result comes
 * back through the logger's "save" stream (output file "-"), so neither
 * touches the disk. */
static GBytes *
overlay(const char *path, GBytes *stamp, const char *from, GError **error)
{
  int fd = memfd_create("roomctl-stamp", MFD_CLOEXEC);
  gsize len = 0;
  const guint8 *data = g_bytes_get_data(stamp, &len);
  if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
    g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "cannot stamp the PDF: %s", g_strerror(errno));
    if (fd >= 0)
      close(fd);
    return NULL;
  }
  g_autofree char *stamp_name = g_strdup_printf("/proc/self/fd/%d", fd);
  g_autofree char *from_arg = g_strconcat("--from=", from, NULL);
  const char *argv[] = {"qpdf", "--warning-exit-0", path, "--overlay", stamp_name, "--to=1-z", from_arg, "--", "-", NULL};
  g_autoptr(GByteArray) out = g_byte_array_new();
  g_autoptr(GByteArray) errors = g_byte_array_new();
  qpdfjob_handle job = qpdfjob_init();
  qpdflogger_handle logger = qpdflogger_create();
  qpdflogger_set_info(logger, qpdf_log_dest_discard, NULL, NULL);
  qpdflogger_set_warn(logger, qpdf_log_dest_discard, NULL, NULL);
  qpdflogger_set_error(logger, qpdf_log_dest_custom, log_to_array, errors);
  qpdflogger_set_save(logger, qpdf_log_dest_custom, log_to_array, out, 0);
  qpdfjob_set_logger(job, logger);
  int rc = qpdfjob_initialize_from_argv(job, argv);
  if (rc == 0)
    rc = qpdfjob_run(job);
  qpdfjob_cleanup(&job);
  qpdflogger_cleanup(&logger);
  close(fd);
  if (rc != 0 && rc != qpdf_exit_warning) {
    g_byte_array_append(errors, (const guint8 *)"", 1);
    g_set_error(error, RC_ERROR, RC_ERROR_UNSUPPORTED, "the PDF cannot be stamped: %s",
                g_strstrip((char *)errors->data));
    return NULL;
  }
  return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

GBytes *
rc_watermark_stamp(const char *path, const char *stamp, GError **error)
{
  g_autofree char *abs = g_canonicalize_filename(path, NULL);
  g_autofree char *uri = g_filename_to_uri(abs, NULL, NULL);
  g_autoptr(GError) perr = NULL;
  PopplerDocument *doc = uri ? poppler_document_new_from_file(uri, NULL, &perr) : NULL;
  if (!doc) {
    g_set_error(error, RC_ERROR, RC_ERROR_UNSUPPORTED, "the PDF cannot be read: %s",
                perr ? perr->message : "bad path");
    return NULL;
  }
  g_autoptr(GString) from = g_string_new(NULL);
  g_autoptr(GBytes) pages = stamp_pages(doc, stamp, from, error);
  g_object_unref(doc);
  return pages ? overlay(abs, pages, from->str, error) : NULL;
}

typedef struct {
  char *path;
  char *stamp;
} stamp_job;

static void
stamp_job_free(gpointer data)
{
  stamp_job *job = data;
  g_free(job->path);
  g_free(job->stamp);
  g_free(job);
}

static void
stamp_in_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  (void)source;
  (void)cancellable;
  stamp_job *job = data;
  GError *error = NULL;
  GBytes *bytes = rc_watermark_stamp(job->path, job->stamp, &error);
  if (bytes)
    g_task_return_pointer(task, bytes, (GDestroyNotify)g_bytes_unref);
  else
    g_task_return_error(task, error);
}

void
rc_watermark_stamp_async(const char *path, const char *stamp, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  stamp_job *job = g_new0(stamp_job, 1);
  job->path = g_strdup(path);
  job->stamp = g_strdup(stamp);
  g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
  g_task_set_source_tag(task, rc_watermark_stamp_async);
  g_task_set_task_data(task, job, stamp_job_free);
  g_task_run_in_thread(task, stamp_in_thread);
}

GBytes *
rc_watermark_stamp_finish(GAsyncResult *result, GError **error)
{
  g_return_val_if_fail(g_task_is_valid(result, NULL), NULL);
  return g_task_propagate_pointer(G_TASK(result), error);
}
