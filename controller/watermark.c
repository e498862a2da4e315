/* watermark — stamped per-reader copies of confidential PDFs (see watermark.h). */
#define G_LOG_DOMAIN "roomctl-documents"
#include "watermark.h"
#include "rc-error.h"

#include <cairo-pdf.h>
#include <math.h>
#include <poppler.h>

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
  /* Across the page, corner to corner, as large as fits. */
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
  cairo_set_source_rgba(cr, 0.8, 0, 0, 0.13);
  cairo_show_text(cr, stamp);
  cairo_restore(cr);
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
  GByteArray *out = g_byte_array_new();
  cairo_surface_t *surface = cairo_pdf_surface_create_for_stream(append_bytes, out, 595, 842);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "roomctl (stamped copy)");
  cairo_t *cr = cairo_create(surface);
  int pages = poppler_document_get_n_pages(doc);
  for (int i = 0; i < pages; i++) {
    PopplerPage *page = poppler_document_get_page(doc, i);
    double w = 595, h = 842;
    if (page)
      poppler_page_get_size(page, &w, &h);
    cairo_pdf_surface_set_size(surface, w, h);
    if (page) {
      cairo_save(cr);
      poppler_page_render_for_printing(page, cr);
      cairo_restore(cr);
      g_object_unref(page);
    }
    draw_stamp(cr, stamp, w, h);
    cairo_show_page(cr);
  }
  g_object_unref(doc);
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  cairo_status_t status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS || pages < 1) {
    g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "cannot stamp the PDF: %s",
                pages < 1 ? "it has no pages" : cairo_status_to_string(status));
    g_byte_array_unref(out);
    return NULL;
  }
  return g_byte_array_free_to_bytes(out);
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
