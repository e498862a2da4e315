/* mkpdf — renders the demo documents of configs/demo/docs/ to A4 PDFs.
 *
 * The input is UTF-8 text in a light markup (described in
 * configs/demo/README.md): "# Title" on the first line, "## " headings,
 * "- " bullets, blank lines between paragraphs, "---pagebreak---".
 * Paragraphs are justified; every page has the title in its header and
 * "Trang N/M" in its footer. The document is laid out twice with the same
 * code — once to count the pages, once to draw them — so that M is known
 * when the first footer is drawn. Nothing outlives one run.
 *
 * Usage: mkpdf INPUT.txt OUTPUT.pdf   (errors to stderr, exit code 1)
 * If SOURCE_DATE_EPOCH is set it is used as the PDF's dates, so that the
 * same input gives the same bytes (and the same sha256/ETag).
 */
#include <cairo-pdf.h>
#include <cairo.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <pango/pangocairo.h>
#include <stdio.h>

#define MM (72.0 / 25.4)
#define PAGE_W (210.0 * MM)
#define PAGE_H (297.0 * MM)
#define MARGIN_LEFT (30.0 * MM) /* Vietnamese administrative layout */
#define MARGIN_RIGHT (20.0 * MM)
#define TEXT_W (PAGE_W - MARGIN_LEFT - MARGIN_RIGHT)
#define HEADER_Y (12.0 * MM)
#define BODY_TOP (25.0 * MM)
#define BODY_BOTTOM (PAGE_H - 22.0 * MM)
#define FOOTER_Y (PAGE_H - 15.0 * MM)
#define BULLET_INDENT (7.0 * MM)
#define LEADING 1.1 /* line advance as a multiple of the line height */
#define FAMILIES "Noto Serif,DejaVu Serif"

typedef enum {
  BLOCK_HEADING,
  BLOCK_PARAGRAPH,
  BLOCK_BULLET,
  BLOCK_PAGEBREAK,
} block_kind;

typedef struct {
  block_kind kind;
  char *text; /* NULL for a page break */
} block;

typedef struct {
  char *title;
  GArray *blocks; /* of block */
} document;

typedef enum {
  FONT_BODY,
  FONT_TITLE,
  FONT_HEADING,
  FONT_HEADER,
  FONT_FOOTER,
  FONT_COUNT,
} font_role;

static const char *const font_specs[FONT_COUNT] = {
  [FONT_BODY] = FAMILIES " 12",
  [FONT_TITLE] = FAMILIES " Bold 15",
  [FONT_HEADING] = FAMILIES " Bold 12.5",
  [FONT_HEADER] = FAMILIES " Italic 9",
  [FONT_FOOTER] = FAMILIES " 9",
};

typedef struct {
  cairo_t *cr;
  PangoFontMap *font_map; /* our own, so that its caches are freed */
  PangoContext *pango;
  PangoFontDescription *fonts[FONT_COUNT];
  const char *title;
  gboolean draw;      /* FALSE in the counting pass */
  int page;           /* current page, 1-based */
  int page_count;     /* known in the drawing pass only */
  double y;           /* top of the free space on the current page */
  double body_line_h; /* advance of one line of body text */
} writer;

static void block_clear(gpointer data)
{
  block *b = data;

  g_free(b->text);
}

static void document_free(document *doc)
{
  g_free(doc->title);
  g_array_unref(doc->blocks);
  g_free(doc);
}

static void document_add(document *doc, block_kind kind, const char *text)
{
  block b = { kind, g_strdup(text) };

  g_array_append_val(doc->blocks, b);
}

/* Ends the paragraph being collected in para, if any. */
static void flush_paragraph(document *doc, GString *para)
{
  if (para->len == 0)
    return;
  document_add(doc, BLOCK_PARAGRAPH, para->str);
  g_string_truncate(para, 0);
}

/* Handles one body line (already stripped). On error, FALSE is returned. */
static gboolean parse_line(document *doc, GString *para, char *line,
                           guint lineno, GError **error)
{
  if (*line == '\0') {
    flush_paragraph(doc, para);
  } else if (g_str_equal(line, "---pagebreak---")) {
    flush_paragraph(doc, para);
    document_add(doc, BLOCK_PAGEBREAK, NULL);
  } else if (g_str_has_prefix(line, "## ")) {
    flush_paragraph(doc, para);
    document_add(doc, BLOCK_HEADING, g_strstrip(line + 3));
  } else if (g_str_has_prefix(line, "- ")) {
    flush_paragraph(doc, para);
    document_add(doc, BLOCK_BULLET, g_strstrip(line + 2));
  } else if (g_str_has_prefix(line, "# ")) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                "line %u: \"# \" is only allowed on the first line", lineno);
    return FALSE;
  } else {
    if (para->len > 0)
      g_string_append_c(para, ' ');
    g_string_append(para, line);
  }
  return TRUE;
}

/* Parses the markup in text.
 * On error, NULL is returned and error is set. */
static document *document_parse(const char *text, GError **error)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_autoptr(GString) para = g_string_new(NULL);
  document *doc;

  if (!g_str_has_prefix(lines[0], "# ")) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                "line 1: expected \"# Title\"");
    return NULL;
  }
  doc = g_new0(document, 1);
  doc->title = g_strstrip(g_strdup(lines[0] + 2));
  doc->blocks = g_array_new(FALSE, FALSE, sizeof(block));
  g_array_set_clear_func(doc->blocks, block_clear);
  for (guint i = 1; lines[i] != NULL; i++) {
    if (!parse_line(doc, para, g_strstrip(lines[i]), i + 1, error)) {
      document_free(doc);
      return NULL;
    }
  }
  flush_paragraph(doc, para);
  return doc;
}

/* Reads and parses path. On error, NULL is returned and error is set. */
static document *document_load(const char *path, GError **error)
{
  g_autofree char *text = NULL;
  document *doc;
  gsize len;

  if (!g_file_get_contents(path, &text, &len, error))
    return NULL;
  if (!g_utf8_validate_len(text, len, NULL)) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                "%s: not valid UTF-8 (or contains NUL bytes)", path);
    return NULL;
  }
  /* A byte order mark left by an editor is not part of "# Title". */
  doc = document_parse(g_str_has_prefix(text, "\xEF\xBB\xBF") ? text + 3 : text,
                       error);
  if (doc == NULL)
    g_prefix_error(error, "%s: ", path);
  return doc;
}

static PangoLayout *writer_layout(writer *w, font_role font,
                                  const char *text, double width)
{
  PangoLayout *layout = pango_layout_new(w->pango);

  pango_layout_set_font_description(layout, w->fonts[font]);
  pango_layout_set_width(layout, (int)(width * PANGO_SCALE));
  pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_text(layout, text, -1);
  return layout;
}

/* Draws one line of text centred in the text column at baseline y. */
static void writer_draw_centred(writer *w, font_role font, const char *text,
                                double y)
{
  PangoLayout *layout = writer_layout(w, font, text, TEXT_W);
  PangoRectangle logical;

  pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER);
  pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
  pango_layout_get_extents(layout, NULL, &logical);
  cairo_move_to(w->cr, MARGIN_LEFT + logical.x / (double)PANGO_SCALE, y);
  pango_cairo_show_layout_line(w->cr, pango_layout_get_line_readonly(layout, 0));
  g_object_unref(layout);
}

static void writer_start_page(writer *w)
{
  w->y = BODY_TOP;
  if (!w->draw)
    return;
  cairo_set_source_rgb(w->cr, 0.3, 0.3, 0.3);
  writer_draw_centred(w, FONT_HEADER, w->title, HEADER_Y);
  cairo_set_line_width(w->cr, 0.4);
  cairo_move_to(w->cr, MARGIN_LEFT, HEADER_Y + 3.0 * MM);
  cairo_line_to(w->cr, PAGE_W - MARGIN_RIGHT, HEADER_Y + 3.0 * MM);
  cairo_stroke(w->cr);
  cairo_set_source_rgb(w->cr, 0, 0, 0);
}

static void writer_end_page(writer *w)
{
  g_autofree char *footer = NULL;

  if (!w->draw)
    return;
  footer = g_strdup_printf("Trang %d/%d", w->page, w->page_count);
  cairo_set_source_rgb(w->cr, 0.3, 0.3, 0.3);
  writer_draw_centred(w, FONT_FOOTER, footer, FOOTER_Y);
  cairo_set_source_rgb(w->cr, 0, 0, 0);
  cairo_show_page(w->cr);
}

static void writer_break_page(writer *w)
{
  writer_end_page(w);
  w->page++;
  writer_start_page(w);
}

/* Leaves space above a block, unless the block starts a page. */
static void writer_space(writer *w, double space)
{
  if (w->y > BODY_TOP)
    w->y += space;
}

/* Places the lines of layout at x, breaking pages between lines. If marker
 * is not NULL it is drawn at marker_x on the baseline of the first line. */
static void writer_place(writer *w, PangoLayout *layout, double x,
                         PangoLayout *marker, double marker_x)
{
  PangoLayoutIter *iter = pango_layout_get_iter(layout);

  do {
    PangoRectangle logical;
    double line_h, baseline;

    pango_layout_iter_get_line_extents(iter, NULL, &logical);
    line_h = logical.height / (double)PANGO_SCALE;
    baseline = (pango_layout_iter_get_baseline(iter) - logical.y) /
               (double)PANGO_SCALE;
    if (w->y + line_h > BODY_BOTTOM && w->y > BODY_TOP)
      writer_break_page(w);
    if (w->draw) {
      cairo_move_to(w->cr, x + logical.x / (double)PANGO_SCALE,
                    w->y + baseline);
      pango_cairo_show_layout_line(w->cr,
                                   pango_layout_iter_get_line_readonly(iter));
      if (marker != NULL) {
        cairo_move_to(w->cr, marker_x, w->y + baseline);
        pango_cairo_show_layout_line(w->cr,
                                     pango_layout_get_line_readonly(marker, 0));
      }
    }
    marker = NULL;
    w->y += line_h * LEADING;
  } while (pango_layout_iter_next_line(iter));
  pango_layout_iter_free(iter);
}

static void writer_place_title(writer *w)
{
  PangoLayout *layout = writer_layout(w, FONT_TITLE, w->title, TEXT_W);

  pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER);
  writer_place(w, layout, MARGIN_LEFT, NULL, 0);
  w->y += 4.0 * MM;
  g_object_unref(layout);
}

/* A heading is kept on the page of the two body lines that follow it. */
static void writer_place_heading(writer *w, const char *text)
{
  PangoLayout *layout = writer_layout(w, FONT_HEADING, text, TEXT_W);
  PangoRectangle logical;
  double need;

  writer_space(w, 4.0 * MM);
  pango_layout_get_extents(layout, NULL, &logical);
  need = logical.height / (double)PANGO_SCALE * LEADING + 2 * w->body_line_h;
  if (w->y + need > BODY_BOTTOM && w->y > BODY_TOP)
    writer_break_page(w);
  writer_place(w, layout, MARGIN_LEFT, NULL, 0);
  w->y += 1.0 * MM;
  g_object_unref(layout);
}

static void writer_place_paragraph(writer *w, const char *text,
                                   gboolean bullet)
{
  double indent = bullet ? BULLET_INDENT : 0;
  PangoLayout *layout = writer_layout(w, FONT_BODY, text, TEXT_W - indent);
  PangoLayout *marker = NULL;

  pango_layout_set_justify(layout, TRUE);
  if (bullet)
    marker = writer_layout(w, FONT_BODY, "•", BULLET_INDENT);
  else
    pango_layout_set_indent(layout, (int)(8.0 * MM * PANGO_SCALE));
  writer_space(w, (bullet ? 1.0 : 2.0) * MM);
  writer_place(w, layout, MARGIN_LEFT + indent, marker,
               MARGIN_LEFT + 2.0 * MM);
  g_clear_object(&marker);
  g_object_unref(layout);
}

static void writer_place_block(writer *w, const block *b)
{
  switch (b->kind) {
  case BLOCK_HEADING:
    writer_place_heading(w, b->text);
    break;
  case BLOCK_PARAGRAPH:
  case BLOCK_BULLET:
    writer_place_paragraph(w, b->text, b->kind == BLOCK_BULLET);
    break;
  case BLOCK_PAGEBREAK:
    writer_break_page(w);
    break;
  }
}

/* Lays out the whole document; draws it when w->draw. Returns the number
 * of pages used. */
static int writer_run(writer *w, const document *doc)
{
  w->page = 1;
  writer_start_page(w);
  writer_place_title(w);
  for (guint i = 0; i < doc->blocks->len; i++)
    writer_place_block(w, &g_array_index(doc->blocks, block, i));
  writer_end_page(w);
  return w->page;
}

static void writer_init(writer *w, cairo_t *cr, const char *title)
{
  cairo_font_options_t *options = cairo_font_options_create();
  PangoLayout *probe;
  PangoRectangle logical;

  *w = (writer){ .cr = cr, .title = title };
  w->font_map = pango_cairo_font_map_new();
  w->pango = pango_font_map_create_context(w->font_map);
  pango_cairo_update_context(cr, w->pango);
  /* PDF user space is in points: a 12 pt font must be 12 units tall. */
  pango_cairo_context_set_resolution(w->pango, 72.0);
  /* Unhinted, unrounded metrics: the PDF is scaled by its reader. */
  cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options(w->pango, options);
  pango_context_set_round_glyph_positions(w->pango, FALSE);
  cairo_font_options_destroy(options);
  for (int i = 0; i < FONT_COUNT; i++)
    w->fonts[i] = pango_font_description_from_string(font_specs[i]);
  probe = writer_layout(w, FONT_BODY, "Ấy", TEXT_W);
  pango_layout_get_extents(probe, NULL, &logical);
  w->body_line_h = logical.height / (double)PANGO_SCALE * LEADING;
  g_object_unref(probe);
}

static void writer_clear(writer *w)
{
  for (int i = 0; i < FONT_COUNT; i++)
    pango_font_description_free(w->fonts[i]);
  g_object_unref(w->pango);
  g_object_unref(w->font_map);
}

/* Sets the PDF's title, creator and, from SOURCE_DATE_EPOCH, its dates. */
static void set_metadata(cairo_surface_t *surface, const char *title)
{
  const char *epoch = g_getenv("SOURCE_DATE_EPOCH");
  g_autoptr(GDateTime) when = NULL;
  g_autofree char *date = NULL;

  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR,
                                 "roomctl mkpdf");
  if (epoch == NULL)
    return;
  when = g_date_time_new_from_unix_utc(g_ascii_strtoll(epoch, NULL, 10));
  if (when == NULL)
    return;
  date = g_date_time_format(when, "%Y-%m-%dT%H:%M:%SZ");
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, date);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_MOD_DATE, date);
}

/* Renders doc to the PDF file at path.
 * On error, FALSE is returned and error is set; the file may be partial. */
static gboolean render(const document *doc, const char *path, GError **error)
{
  cairo_surface_t *surface = cairo_pdf_surface_create(path, PAGE_W, PAGE_H);
  cairo_t *cr = cairo_create(surface);
  cairo_status_t status;
  writer w;

  set_metadata(surface, doc->title);
  writer_init(&w, cr, doc->title);
  w.page_count = writer_run(&w, doc);
  w.draw = TRUE;
  writer_run(&w, doc);
  writer_clear(&w);
  status = cairo_status(cr);
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: %s", path,
                cairo_status_to_string(status));
    return FALSE;
  }
  return TRUE;
}

int main(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  document *doc;
  gboolean ok;

  if (argc != 3) {
    fprintf(stderr, "usage: %s INPUT.txt OUTPUT.pdf\n", argv[0]);
    return 1;
  }
  doc = document_load(argv[1], &error);
  if (doc == NULL) {
    fprintf(stderr, "mkpdf: %s\n", error->message);
    return 1;
  }
  ok = render(doc, argv[2], &error);
  document_free(doc);
  if (!ok) {
    fprintf(stderr, "mkpdf: %s\n", error->message);
    g_unlink(argv[2]);
    return 1;
  }
  return 0;
}
