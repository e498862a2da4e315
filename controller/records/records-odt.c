/* records-odt — writes a records document (records.h) as an OpenDocument
 * text file (.odt): a zip (libzip) holding the uncompressed "mimetype"
 * first, then styles.xml (A4, Times New Roman — the font of Vietnamese
 * administrative documents; LibreOffice substitutes a metric twin that has
 * the Vietnamese letters —, headings, table styles, a "Trang N/M" footer),
 * content.xml, meta.xml and the manifest. LibreOffice and Word open it for
 * the secretariat to finish the minutes. Safe in any thread. */
#define G_LOG_DOMAIN "roomctl-records"
#include "records/records.h"
#include "base/rc-error.h"

#include <string.h>
#include <zip.h>

#define TEXT_W_CM 16.5 /* A4 less 3 cm and 1.5 cm margins */

static const char MIMETYPE[] = "application/vnd.oasis.opendocument.text";

static const char MANIFEST[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.3\">"
    "<manifest:file-entry manifest:full-path=\"/\" manifest:version=\"1.3\""
    " manifest:media-type=\"application/vnd.oasis.opendocument.text\"/>"
    "<manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>"
    "<manifest:file-entry manifest:full-path=\"styles.xml\" manifest:media-type=\"text/xml\"/>"
    "<manifest:file-entry manifest:full-path=\"meta.xml\" manifest:media-type=\"text/xml\"/>"
    "</manifest:manifest>\n";

#define NS                                                                                                  \
  " xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\""                                      \
  " xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\""                                        \
  " xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\""                                          \
  " xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\""                                        \
  " xmlns:fo=\"urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0\""                               \
  " xmlns:svg=\"urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0\""                                 \
  " xmlns:meta=\"urn:oasis:names:tc:opendocument:xmlns:meta:1.0\""                                          \
  " xmlns:dc=\"http://purl.org/dc/elements/1.1/\" office:version=\"1.3\""

#define PARA_STYLE(name, display, props, text_props)                                                         \
  "<style:style style:name=\"" name "\" style:display-name=\"" display "\" style:family=\"paragraph\""      \
  " style:parent-style-name=\"Standard\"><style:paragraph-properties " props "/>"                           \
  "<style:text-properties " text_props "/></style:style>"

static const char STYLES[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<office:document-styles" NS ">"
    "<office:font-face-decls>"
    "<style:font-face style:name=\"Times New Roman\" svg:font-family=\"'Times New Roman'\" style:font-family-generic=\"roman\"/>"
    "<style:font-face style:name=\"Liberation Mono\" svg:font-family=\"'Liberation Mono'\" style:font-family-generic=\"modern\"/>"
    "</office:font-face-decls>"
    "<office:styles>"
    "<style:default-style style:family=\"paragraph\"><style:text-properties style:font-name=\"Times New Roman\""
    " fo:font-size=\"13pt\" fo:language=\"vi\" fo:country=\"VN\"/></style:default-style>"
    "<style:style style:name=\"Standard\" style:family=\"paragraph\">"
    "<style:paragraph-properties fo:margin-top=\"0.1cm\" fo:margin-bottom=\"0.1cm\" fo:text-align=\"justify\"/></style:style>"
    PARA_STYLE("Title", "Title", "fo:text-align=\"center\" fo:margin-bottom=\"0.1cm\"",
               "fo:font-size=\"15pt\" fo:font-weight=\"bold\"")
    PARA_STYLE("Subtitle", "Subtitle", "fo:text-align=\"center\" fo:margin-bottom=\"0.5cm\"",
               "fo:font-size=\"13pt\" fo:font-weight=\"bold\"")
    PARA_STYLE("Heading_20_1", "Heading 1", "fo:margin-top=\"0.4cm\" fo:keep-with-next=\"always\"",
               "fo:font-size=\"13pt\" fo:font-weight=\"bold\"")
    PARA_STYLE("Heading_20_2", "Heading 2", "fo:margin-top=\"0.25cm\" fo:keep-with-next=\"always\"",
               "fo:font-size=\"13pt\" fo:font-weight=\"bold\" fo:font-style=\"italic\"")
    PARA_STYLE("Heading_20_3", "Heading 3", "fo:margin-top=\"0.2cm\" fo:keep-with-next=\"always\"",
               "fo:font-size=\"13pt\" fo:font-weight=\"bold\"")
    PARA_STYLE("Note", "Note", "fo:text-align=\"start\"", "fo:font-size=\"11pt\" fo:font-style=\"italic\" fo:color=\"#555555\"")
    PARA_STYLE("Table_20_Contents", "Table Contents", "fo:text-align=\"start\" fo:margin-top=\"0cm\" fo:margin-bottom=\"0cm\"",
               "fo:font-size=\"11pt\"")
    PARA_STYLE("Table_20_Heading", "Table Heading", "fo:text-align=\"center\" fo:margin-top=\"0cm\" fo:margin-bottom=\"0cm\"",
               "fo:font-size=\"11pt\" fo:font-weight=\"bold\"")
    PARA_STYLE("Mono", "Table Mono", "fo:text-align=\"start\" fo:margin-top=\"0cm\" fo:margin-bottom=\"0cm\"",
               "style:font-name=\"Liberation Mono\" fo:font-size=\"7pt\"")
    PARA_STYLE("Footer", "Footer", "fo:text-align=\"end\"", "fo:font-size=\"9pt\" fo:color=\"#555555\"")
    "</office:styles>"
    "<office:automatic-styles><style:page-layout style:name=\"A4\"><style:page-layout-properties"
    " fo:page-width=\"21cm\" fo:page-height=\"29.7cm\" fo:margin-top=\"2cm\" fo:margin-bottom=\"1.5cm\""
    " fo:margin-left=\"3cm\" fo:margin-right=\"1.5cm\"/><style:footer-style><style:header-footer-properties"
    " fo:min-height=\"0.6cm\" fo:margin-top=\"0.3cm\"/></style:footer-style></style:page-layout>"
    "</office:automatic-styles>"
    "<office:master-styles><style:master-page style:name=\"Standard\" style:page-layout-name=\"A4\">"
    "<style:footer><text:p text:style-name=\"Footer\">Trang <text:page-number text:select-page=\"current\">1</text:page-number>/"
    "<text:page-count>1</text:page-count></text:p></style:footer></style:master-page></office:master-styles>"
    "</office:document-styles>\n";

static void
escaped(GString *out, const char *text)
{
  /* A newline inside a paragraph or cell is a line break. */
  g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    g_autofree char *e = g_markup_escape_text(lines[i], -1);
    g_string_append_printf(out, "%s%s", i ? "<text:line-break/>" : "", e);
  }
}

static void
paragraph(GString *out, const char *style, const char *text)
{
  g_string_append_printf(out, "<text:p text:style-name=\"%s\">", style);
  escaped(out, text);
  g_string_append(out, "</text:p>");
}

static void
table_styles(GString *auto_styles, const rc_doc_block *b, guint n)
{
  double total = 0;
  for (guint c = 0; c < b->columns; c++)
    total += b->widths[c];
  g_string_append_printf(auto_styles,
                         "<style:style style:name=\"T%u\" style:family=\"table\"><style:table-properties"
                         " style:width=\"%.2fcm\" table:align=\"margins\" fo:margin-top=\"0.15cm\""
                         " fo:margin-bottom=\"0.15cm\"/></style:style>",
                         n, TEXT_W_CM);
  for (guint c = 0; c < b->columns; c++) {
    char width[G_ASCII_DTOSTR_BUF_SIZE];
    g_ascii_formatd(width, sizeof width, "%.2f", TEXT_W_CM * b->widths[c] / total);
    g_string_append_printf(auto_styles,
                           "<style:style style:name=\"T%u.C%u\" style:family=\"table-column\">"
                           "<style:table-column-properties style:column-width=\"%scm\"/></style:style>",
                           n, c, width);
  }
}

static void
table(GString *out, GString *auto_styles, const rc_doc_block *b, guint n)
{
  table_styles(auto_styles, b, n);
  g_string_append_printf(out, "<table:table table:name=\"Bang%u\" table:style-name=\"T%u\">", n, n);
  for (guint c = 0; c < b->columns; c++)
    g_string_append_printf(out, "<table:table-column table:style-name=\"T%u.C%u\"/>", n, c);
  for (guint r = 0; r < b->rows->len; r++) {
    GStrv row = g_ptr_array_index(b->rows, r);
    g_string_append(out, r == 0 ? "<table:table-header-rows><table:table-row>" : "<table:table-row>");
    for (guint c = 0; c < b->columns; c++) {
      const char *style = r == 0 ? "Table_20_Heading" : (b->mono & (1u << c)) ? "Mono" : "Table_20_Contents";
      g_string_append_printf(out, "<table:table-cell table:style-name=\"%s\" office:value-type=\"string\">",
                             r == 0 ? "CellHead" : "Cell");
      paragraph(out, style, row[c]);
      g_string_append(out, "</table:table-cell>");
    }
    g_string_append(out, r == 0 ? "</table:table-row></table:table-header-rows>" : "</table:table-row>");
  }
  g_string_append(out, "</table:table>");
}

static GString *
content_xml(const rc_doc *doc, gint *progress)
{
  g_autoptr(GString) body = g_string_new(NULL);
  GString *auto_styles = g_string_new(
      "<style:style style:name=\"Cell\" style:family=\"table-cell\"><style:table-cell-properties"
      " fo:padding=\"0.08cm\" fo:border=\"0.5pt solid #777777\"/></style:style>"
      "<style:style style:name=\"CellHead\" style:family=\"table-cell\"><style:table-cell-properties"
      " fo:padding=\"0.08cm\" fo:border=\"0.5pt solid #777777\" fo:background-color=\"#e6ebf2\"/></style:style>");
  if (doc->organisation) { /* one line each: the province, then the unit */
    g_auto(GStrv) lines = g_strsplit(doc->organisation, "\n", -1);
    for (char **l = lines; *l; l++)
      paragraph(body, "Subtitle", *l);
  }
  paragraph(body, "Title", doc->title);
  if (doc->subtitle)
    paragraph(body, "Subtitle", doc->subtitle);
  guint tables = 0;
  for (guint i = 0; i < doc->blocks->len; i++) {
    const rc_doc_block *b = g_ptr_array_index(doc->blocks, i);
    if (b->kind == RC_DOC_HEADING) {
      g_string_append_printf(body, "<text:h text:style-name=\"Heading_20_%d\" text:outline-level=\"%d\">", b->level,
                             b->level);
      escaped(body, b->text);
      g_string_append(body, "</text:h>");
    } else if (b->kind == RC_DOC_TABLE) {
      table(body, auto_styles, b, ++tables);
    } else {
      paragraph(body, b->kind == RC_DOC_NOTE ? "Note" : "Standard", b->text);
    }
    if (progress)
      g_atomic_int_set(progress, (int)(80 * (gint64)(i + 1) / doc->blocks->len));
  }
  GString *out = g_string_new("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content" NS ">");
  g_string_append_printf(out, "<office:automatic-styles>%s</office:automatic-styles>", auto_styles->str);
  g_string_append_printf(out, "<office:body><office:text>%s</office:text></office:body></office:document-content>\n",
                         body->str);
  g_string_free(auto_styles, TRUE);
  return out;
}

static GString *
meta_xml(const rc_doc *doc)
{
  g_autofree char *title = g_markup_escape_text(doc->subtitle ? doc->subtitle : doc->title, -1);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  g_autofree char *when = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S");
  GString *out = g_string_new("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-meta" NS ">");
  g_string_append_printf(out,
                         "<office:meta><meta:generator>roomctl</meta:generator><dc:title>%s</dc:title>"
                         "<dc:language>vi-VN</dc:language><meta:creation-date>%s</meta:creation-date></office:meta>"
                         "</office:document-meta>\n",
                         title, when);
  return out;
}

/* Adds @len bytes at @data (borrowed until zip_close) as @name. */
static gboolean
add_entry(zip_t *za, const char *name, const void *data, gsize len, gboolean store, GError **error)
{
  zip_source_t *src = zip_source_buffer(za, data, len, 0);
  zip_int64_t idx = src ? zip_file_add(za, name, src, ZIP_FL_OVERWRITE) : -1;
  if (idx < 0) {
    if (src)
      zip_source_free(src);
    g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "ODT: cannot add %s: %s", name, zip_strerror(za));
    return FALSE;
  }
  zip_set_file_compression(za, (zip_uint64_t)idx, store ? ZIP_CM_STORE : ZIP_CM_DEFLATE, 0);
  return TRUE;
}

/* The bytes libzip wrote into its buffer source. */
static GBytes *
source_bytes(zip_source_t *src, GError **error)
{
  if (zip_source_open(src) < 0 || zip_source_seek(src, 0, SEEK_END) < 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "ODT: cannot read the archive back");
    return NULL;
  }
  zip_int64_t len = zip_source_tell(src);
  zip_source_seek(src, 0, SEEK_SET);
  char *data = g_malloc(len > 0 ? (gsize)len : 1);
  zip_int64_t got = len > 0 ? zip_source_read(src, data, (zip_uint64_t)len) : 0;
  zip_source_close(src);
  if (got != len) {
    g_free(data);
    g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "ODT: short read of the archive");
    return NULL;
  }
  return g_bytes_new_take(data, (gsize)len);
}

GBytes *
rc_records_render_odt(const rc_doc *doc, gint *progress, GError **error)
{
  g_autoptr(GString) content = content_xml(doc, progress);
  g_autoptr(GString) meta = meta_xml(doc);
  zip_error_t ze;
  zip_error_init(&ze);
  zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
  zip_t *za = src ? zip_open_from_source(src, ZIP_TRUNCATE, &ze) : NULL;
  if (!za) {
    g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "ODT: %s", zip_error_strerror(&ze));
    zip_error_fini(&ze);
    if (src)
      zip_source_free(src);
    return NULL;
  }
  zip_source_keep(src); /* zip_close must not free it: the archive is read from it */
  /* ODF: "mimetype" first and stored, so that its type is at a fixed offset. */
  gboolean ok = add_entry(za, "mimetype", MIMETYPE, strlen(MIMETYPE), TRUE, error) &&
                add_entry(za, "META-INF/manifest.xml", MANIFEST, strlen(MANIFEST), FALSE, error) &&
                add_entry(za, "styles.xml", STYLES, strlen(STYLES), FALSE, error) &&
                add_entry(za, "meta.xml", meta->str, meta->len, FALSE, error) &&
                add_entry(za, "content.xml", content->str, content->len, FALSE, error);
  if (!ok || zip_close(za) < 0) {
    if (ok)
      g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "ODT: %s", zip_strerror(za));
    zip_discard(za);
    zip_source_free(src);
    zip_error_fini(&ze);
    return NULL;
  }
  GBytes *bytes = source_bytes(src, error);
  zip_source_free(src);
  zip_error_fini(&ze);
  if (bytes && progress)
    g_atomic_int_set(progress, 100);
  return bytes;
}
