/* records-pdf — renders a records document (records.h) to an A4 PDF with
 * cairo and pango: title block, headings kept with what follows, wrapped
 * paragraphs, ruled tables whose header row repeats on every page, and a
 * footer "Trang N/M". Fonts are Noto Serif (DejaVu Serif as the fallback),
 * which Debian ships with full Vietnamese coverage; text is shaped by pango,
 * so stacked diacritics (ệ, ộ, ữ) come out right and the PDF carries the
 * text (pdftotext reads it back).
 *
 * The document is laid out twice with the same code, once to count the
 * pages and once to draw them, so that M is known for the first footer.
 * Safe in any thread: every call has its own font map, context and surface. */
#define G_LOG_DOMAIN "roomctl-records"
#include "records/records.h"
#include "base/rc-error.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#define MM (72.0 / 25.4)
#define PAGE_W (210.0 * MM)
#define PAGE_H (297.0 * MM)
#define LEFT (30.0 * MM) /* Vietnamese administrative layout: wide binding margin */
#define RIGHT (15.0 * MM)
#define TEXT_W (PAGE_W - LEFT - RIGHT)
#define TOP (20.0 * MM)
#define BOTTOM (PAGE_H - 20.0 * MM)
#define FOOTER_Y (PAGE_H - 12.0 * MM)
#define CELL_PAD (1.6 * MM)
#define SERIF "Noto Serif,DejaVu Serif"

typedef enum { F_BODY, F_TITLE, F_SUBTITLE, F_H1, F_H2, F_H3, F_NOTE, F_CELL, F_CELL_HEAD, F_MONO, F_FOOT, F_COUNT } font_id;

static const char *const font_specs[F_COUNT] = {
  [F_BODY] = SERIF " 11",       [F_TITLE] = SERIF " Bold 15",     [F_SUBTITLE] = SERIF " Bold 12.5",
  [F_H1] = SERIF " Bold 12",    [F_H2] = SERIF " Bold 11",         [F_H3] = SERIF " Bold Italic 10.5",
  [F_NOTE] = SERIF " Italic 9.5",
  [F_CELL] = SERIF " 9.5",      [F_CELL_HEAD] = SERIF " Bold 9.5", [F_MONO] = "DejaVu Sans Mono 6.8",
  [F_FOOT] = SERIF " 8.5",
};

typedef struct {
  cairo_t *cr;
  PangoFontMap *font_map; /* our own: font maps are not shared between threads */
  PangoContext *pango;
  PangoFontDescription *fonts[F_COUNT];
  const rc_doc *doc;
  gboolean draw; /* FALSE while counting pages */
  int page, pages;
  double y;
  gint *progress;
} writer;

static PangoLayout *
layout_new(writer *w, font_id font, const char *text, double width)
{
  PangoLayout *l = pango_layout_new(w->pango);
  pango_layout_set_font_description(l, w->fonts[font]);
  pango_layout_set_width(l, (int)(width * PANGO_SCALE));
  pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_text(l, text, -1);
  return l;
}

static double
layout_height(PangoLayout *l)
{
  int h = 0;
  pango_layout_get_size(l, NULL, &h);
  return h / (double)PANGO_SCALE;
}

static void
show(writer *w, PangoLayout *l, double x, double y, double grey)
{
  if (!w->draw)
    return;
  cairo_set_source_rgb(w->cr, grey, grey, grey);
  cairo_move_to(w->cr, x, y);
  pango_cairo_show_layout(w->cr, l);
  cairo_set_source_rgb(w->cr, 0, 0, 0);
}

static void
end_page(writer *w)
{
  if (!w->draw)
    return;
  g_autofree char *right = g_strdup_printf("Trang %d/%d", w->page, w->pages);
  g_autoptr(PangoLayout) left = layout_new(w, F_FOOT, w->doc->footer, TEXT_W * 0.7);
  g_autoptr(PangoLayout) r = layout_new(w, F_FOOT, right, TEXT_W);
  pango_layout_set_alignment(r, PANGO_ALIGN_RIGHT);
  cairo_set_source_rgb(w->cr, 0.6, 0.6, 0.6);
  cairo_set_line_width(w->cr, 0.4);
  cairo_move_to(w->cr, LEFT, FOOTER_Y - 1.5 * MM);
  cairo_line_to(w->cr, PAGE_W - RIGHT, FOOTER_Y - 1.5 * MM);
  cairo_stroke(w->cr);
  show(w, left, LEFT, FOOTER_Y, 0.35);
  show(w, r, LEFT, FOOTER_Y, 0.35);
  cairo_show_page(w->cr);
}

static void
new_page(writer *w)
{
  end_page(w);
  w->page++;
  w->y = TOP;
}

/* Breaks the page unless @need more points fit (or the page is empty). */
static void
room_for(writer *w, double need)
{
  if (w->y + need > BOTTOM && w->y > TOP)
    new_page(w);
}

/* Places @l line by line, breaking pages between lines. */
static void
place_lines(writer *w, PangoLayout *l, double x, double grey)
{
  PangoLayoutIter *it = pango_layout_get_iter(l);
  do {
    PangoRectangle logical;
    pango_layout_iter_get_line_extents(it, NULL, &logical);
    double h = logical.height / (double)PANGO_SCALE;
    double baseline = (pango_layout_iter_get_baseline(it) - logical.y) / (double)PANGO_SCALE;
    room_for(w, h);
    if (w->draw) {
      cairo_set_source_rgb(w->cr, grey, grey, grey);
      cairo_move_to(w->cr, x + logical.x / (double)PANGO_SCALE, w->y + baseline);
      pango_cairo_show_layout_line(w->cr, pango_layout_iter_get_line_readonly(it));
      cairo_set_source_rgb(w->cr, 0, 0, 0);
    }
    w->y += h;
  } while (pango_layout_iter_next_line(it));
  pango_layout_iter_free(it);
}

static void
place_title(writer *w)
{
  if (w->doc->organisation) {
    g_autoptr(PangoLayout) o = layout_new(w, F_SUBTITLE, w->doc->organisation, TEXT_W);
    pango_layout_set_alignment(o, PANGO_ALIGN_CENTER);
    place_lines(w, o, LEFT, 0);
    w->y += 4.0 * MM;
  }
  g_autoptr(PangoLayout) t = layout_new(w, F_TITLE, w->doc->title, TEXT_W);
  pango_layout_set_alignment(t, PANGO_ALIGN_CENTER);
  place_lines(w, t, LEFT, 0);
  if (w->doc->subtitle) {
    g_autoptr(PangoLayout) s = layout_new(w, F_SUBTITLE, w->doc->subtitle, TEXT_W);
    pango_layout_set_alignment(s, PANGO_ALIGN_CENTER);
    w->y += 1.5 * MM;
    place_lines(w, s, LEFT, 0);
  }
  w->y += 6.0 * MM;
}

static void
place_text(writer *w, const rc_doc_block *b)
{
  font_id font = b->kind == RC_DOC_NOTE        ? F_NOTE
                 : b->kind == RC_DOC_PARAGRAPH ? F_BODY
                 : b->level == 1               ? F_H1
                 : b->level == 2               ? F_H2
                                               : F_H3;
  g_autoptr(PangoLayout) l = layout_new(w, font, b->text, TEXT_W);
  if (b->kind == RC_DOC_HEADING) {
    w->y += (b->level == 1 ? 5.0 : b->level == 2 ? 3.0 : 2.0) * MM;
    /* Kept with what follows: the heading and about three lines. */
    room_for(w, layout_height(l) + 16.0 * MM);
  } else {
    w->y += 1.4 * MM;
    pango_layout_set_justify(l, b->kind == RC_DOC_PARAGRAPH);
  }
  place_lines(w, l, LEFT, b->kind == RC_DOC_NOTE ? 0.35 : 0);
  if (b->kind == RC_DOC_HEADING)
    w->y += 1.0 * MM;
}

/* Lays out one row's cells; returns the row height. @cells: (out) layouts. */
static double
row_layouts(writer *w, const rc_doc_block *b, GStrv row, gboolean head, PangoLayout **cells)
{
  double total = 0, h = 0;
  for (guint c = 0; c < b->columns; c++)
    total += b->widths[c];
  for (guint c = 0; c < b->columns; c++) {
    double cw = TEXT_W * b->widths[c] / total - 2 * CELL_PAD;
    font_id f = head ? F_CELL_HEAD : (b->mono & (1u << c)) ? F_MONO : F_CELL;
    cells[c] = layout_new(w, f, row[c], cw);
    h = MAX(h, layout_height(cells[c]));
  }
  return h + 2 * CELL_PAD;
}

static void
draw_row(writer *w, const rc_doc_block *b, PangoLayout **cells, double h, gboolean head)
{
  double total = 0, x = LEFT;
  for (guint c = 0; c < b->columns; c++)
    total += b->widths[c];
  for (guint c = 0; c < b->columns; c++) {
    double cw = TEXT_W * b->widths[c] / total;
    if (w->draw) {
      if (head) {
        cairo_set_source_rgb(w->cr, 0.9, 0.92, 0.95);
        cairo_rectangle(w->cr, x, w->y, cw, h);
        cairo_fill(w->cr);
      }
      cairo_set_source_rgb(w->cr, 0.45, 0.45, 0.45);
      cairo_set_line_width(w->cr, 0.5);
      cairo_rectangle(w->cr, x, w->y, cw, h);
      cairo_stroke(w->cr);
    }
    show(w, cells[c], x + CELL_PAD, w->y + CELL_PAD, 0);
    x += cw;
  }
  w->y += h;
}

/* Rows never split; a row that does not fit goes to the next page, under
 * a repeated header. */
static void
place_table(writer *w, const rc_doc_block *b)
{
  g_autofree PangoLayout **head = g_new0(PangoLayout *, b->columns);
  g_autofree PangoLayout **cells = g_new0(PangoLayout *, b->columns);
  double head_h = row_layouts(w, b, g_ptr_array_index(b->rows, 0), TRUE, head);
  w->y += 1.6 * MM;
  for (guint r = 1; r < MAX(b->rows->len, 2); r++) {
    double h = r < b->rows->len ? row_layouts(w, b, g_ptr_array_index(b->rows, r), FALSE, cells) : 0;
    if (r == 1 || w->y + h > BOTTOM) {
      room_for(w, head_h + h);
      draw_row(w, b, head, head_h, TRUE);
    }
    if (r < b->rows->len)
      draw_row(w, b, cells, h, FALSE);
    for (guint c = 0; c < b->columns && r < b->rows->len; c++)
      g_clear_object(&cells[c]);
  }
  for (guint c = 0; c < b->columns; c++)
    g_clear_object(&head[c]);
}

/* One pass over the document; progress runs over [@from, @from + @span]. */
static void
run(writer *w, int from, int span)
{
  w->page = 1;
  w->y = TOP;
  place_title(w);
  guint n = w->doc->blocks->len;
  for (guint i = 0; i < n; i++) {
    const rc_doc_block *b = g_ptr_array_index(w->doc->blocks, i);
    if (b->kind == RC_DOC_TABLE)
      place_table(w, b);
    else
      place_text(w, b);
    if (w->progress)
      g_atomic_int_set(w->progress, from + (int)((gint64)span * (i + 1) / MAX(n, 1)));
  }
  end_page(w);
}

static void
writer_init(writer *w, cairo_t *cr, const rc_doc *doc, gint *progress)
{
  *w = (writer){.cr = cr, .doc = doc, .progress = progress};
  w->font_map = pango_cairo_font_map_new();
  w->pango = pango_font_map_create_context(w->font_map);
  pango_cairo_update_context(cr, w->pango);
  pango_cairo_context_set_resolution(w->pango, 72.0); /* PDF units are points */
  cairo_font_options_t *opts = cairo_font_options_create();
  cairo_font_options_set_hint_metrics(opts, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style(opts, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options(w->pango, opts);
  cairo_font_options_destroy(opts);
  pango_context_set_round_glyph_positions(w->pango, FALSE);
  for (int i = 0; i < F_COUNT; i++)
    w->fonts[i] = pango_font_description_from_string(font_specs[i]);
}

static void
writer_clear(writer *w)
{
  for (int i = 0; i < F_COUNT; i++)
    pango_font_description_free(w->fonts[i]);
  g_object_unref(w->pango);
  g_object_unref(w->font_map);
}

static cairo_status_t
append_bytes(void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append(closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

GBytes *
rc_records_render_pdf(const rc_doc *doc, gint *progress, GError **error)
{
  GByteArray *out = g_byte_array_new();
  cairo_surface_t *surface = cairo_pdf_surface_create_for_stream(append_bytes, out, PAGE_W, PAGE_H);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, doc->subtitle ? doc->subtitle : doc->title);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "roomctl");
  cairo_t *cr = cairo_create(surface);
  writer w;
  writer_init(&w, cr, doc, progress);
  run(&w, 0, 30); /* counting is cheaper than drawing */
  w.pages = w.page;
  w.draw = TRUE;
  run(&w, 30, 69);
  writer_clear(&w);
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  cairo_status_t status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) {
    g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "PDF: %s", cairo_status_to_string(status));
    g_byte_array_unref(out);
    return NULL;
  }
  if (progress)
    g_atomic_int_set(progress, 100);
  return g_byte_array_free_to_bytes(out);
}
