/* records-doc — the document model the records are written in (headings,
 * paragraphs, notes, tables) and the formatting of times, dates and
 * durations the Vietnamese way. Pure: no I/O, no shared state. */
#define G_LOG_DOMAIN "roomctl-records"
#include "records/records.h"

#include <stdarg.h>
#include <string.h>

static char *
nfc(const char *text)
{
  char *n = text ? g_utf8_normalize(text, -1, G_NORMALIZE_NFC) : NULL;
  return n ? n : g_strdup(text ? "\xEF\xBF\xBD" : ""); /* invalid UTF-8 shows as U+FFFD */
}

static void
block_free(gpointer data)
{
  rc_doc_block *b = data;
  g_free(b->text);
  g_free(b->widths);
  if (b->rows)
    g_ptr_array_unref(b->rows);
  g_free(b);
}

rc_doc *
rc_doc_new(const char *title, const char *subtitle, const char *footer)
{
  rc_doc *doc = g_new0(rc_doc, 1);
  doc->title = nfc(title);
  doc->subtitle = subtitle ? nfc(subtitle) : NULL;
  doc->footer = nfc(footer);
  doc->blocks = g_ptr_array_new_with_free_func(block_free);
  return doc;
}

void
rc_doc_set_organisation(rc_doc *doc, const char *name)
{
  g_free(doc->organisation);
  doc->organisation = name && *name ? nfc(name) : NULL;
}

void
rc_doc_free(rc_doc *doc)
{
  if (!doc)
    return;
  g_free(doc->organisation);
  g_free(doc->title);
  g_free(doc->subtitle);
  g_free(doc->footer);
  g_ptr_array_unref(doc->blocks);
  g_free(doc);
}

static rc_doc_block *
add_block(rc_doc *doc, rc_doc_kind kind, char *text /* takes ownership */)
{
  rc_doc_block *b = g_new0(rc_doc_block, 1);
  b->kind = kind;
  b->text = text;
  g_ptr_array_add(doc->blocks, b);
  return b;
}

void
rc_doc_heading(rc_doc *doc, int level, const char *text)
{
  add_block(doc, RC_DOC_HEADING, nfc(text))->level = CLAMP(level, 1, 3);
}

static char *
vformat(const char *fmt, va_list args)
{
  g_autofree char *raw = g_strdup_vprintf(fmt, args);
  return nfc(raw);
}

void
rc_doc_paragraph(rc_doc *doc, const char *fmt, ...)
{
  va_list args;
  va_start(args, fmt);
  add_block(doc, RC_DOC_PARAGRAPH, vformat(fmt, args));
  va_end(args);
}

void
rc_doc_note(rc_doc *doc, const char *fmt, ...)
{
  va_list args;
  va_start(args, fmt);
  add_block(doc, RC_DOC_NOTE, vformat(fmt, args));
  va_end(args);
}

/* Collects the NULL-terminated strings after @first into a GStrv of at
 * most @max cells, padding with "" up to @max when @max > 0. */
static GStrv
collect(const char *first, va_list args, guint max)
{
  GPtrArray *cells = g_ptr_array_new();
  for (const char *c = first; c && (max == 0 || cells->len < max); c = va_arg(args, const char *))
    g_ptr_array_add(cells, nfc(c));
  while (cells->len < max)
    g_ptr_array_add(cells, g_strdup(""));
  g_ptr_array_add(cells, NULL);
  return (GStrv)g_ptr_array_free(cells, FALSE);
}

void
rc_doc_table(rc_doc *doc, const double *widths, guint mono, const char *first_header, ...)
{
  va_list args;
  va_start(args, first_header);
  GStrv header = collect(first_header, args, 0);
  va_end(args);
  rc_doc_block *b = add_block(doc, RC_DOC_TABLE, NULL);
  b->columns = g_strv_length(header);
  b->widths = g_memdup2(widths, sizeof(double) * b->columns);
  b->mono = mono;
  b->rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
  g_ptr_array_add(b->rows, header);
}

/* Cells are given as a list of exactly the table's column count; a NULL
 * cell stands for an empty one, so the list is not NULL-terminated. */
void
rc_doc_row(rc_doc *doc, const char *first_cell, ...)
{
  g_return_if_fail(doc->blocks->len > 0);
  rc_doc_block *b = g_ptr_array_index(doc->blocks, doc->blocks->len - 1);
  g_return_if_fail(b->kind == RC_DOC_TABLE);
  GStrv row = g_new0(char *, b->columns + 1);
  va_list args;
  va_start(args, first_cell);
  for (guint i = 0; i < b->columns; i++) {
    const char *c = i == 0 ? first_cell : va_arg(args, const char *);
    row[i] = nfc(c ? c : "");
  }
  va_end(args);
  g_ptr_array_add(b->rows, row);
}

guint
rc_doc_table_rows(const rc_doc_block *block)
{
  return block->kind == RC_DOC_TABLE && block->rows->len > 0 ? block->rows->len - 1 : 0;
}

/* ---- formatting ---- */

static GDateTime *
parse_local(const char *iso, GTimeZone *tz)
{
  if (!iso || !*iso)
    return NULL;
  g_autoptr(GDateTime) utc = g_date_time_new_from_iso8601(iso, NULL);
  return utc ? g_date_time_to_timezone(utc, tz) : NULL;
}

static char *
format_local(const char *iso, GTimeZone *tz, const char *format)
{
  g_autoptr(GDateTime) t = parse_local(iso, tz);
  return t ? g_date_time_format(t, format) : g_strdup("—");
}

char *
rc_records_time(const char *iso, GTimeZone *tz)
{
  return format_local(iso, tz, "%H:%M:%S");
}

char *
rc_records_datetime(const char *iso, GTimeZone *tz)
{
  return format_local(iso, tz, "%H:%M\xC2\xA0ngày\xC2\xA0%d/%m/%Y"); /* no line break inside */
}

char *
rc_records_date(const char *iso, GTimeZone *tz)
{
  return format_local(iso, tz, "%d/%m/%Y");
}

char *
rc_records_day(const char *iso, GTimeZone *tz)
{
  return format_local(iso, tz, "%Y-%m-%d");
}

char *
rc_records_duration(gint64 seconds)
{
  if (seconds < 0)
    return g_strdup("—");
  gint64 h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60;
  if (h > 0)
    return g_strdup_printf("%" G_GINT64_FORMAT " giờ %02" G_GINT64_FORMAT " phút %02" G_GINT64_FORMAT " giây", h, m, s);
  if (m > 0)
    return g_strdup_printf("%" G_GINT64_FORMAT " phút %02" G_GINT64_FORMAT " giây", m, s);
  return g_strdup_printf("%" G_GINT64_FORMAT " giây", s);
}

char *
rc_records_percent(gint64 part, gint64 whole)
{
  if (whole <= 0)
    return g_strdup("—");
  gint64 tenths = (part * 1000 + whole / 2) / whole; /* rounded, in tenths of a percent */
  return g_strdup_printf("%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT "%%", tenths / 10, tenths % 10);
}

gint64
rc_records_seconds_between(const char *from, const char *to)
{
  if (!from || !to)
    return -1;
  g_autoptr(GDateTime) a = g_date_time_new_from_iso8601(from, NULL);
  g_autoptr(GDateTime) b = g_date_time_new_from_iso8601(to, NULL);
  if (!a || !b)
    return -1;
  return g_date_time_difference(b, a) / G_TIME_SPAN_SECOND;
}

gboolean
rc_records_parse_day(const char *text, GDate *day)
{
  unsigned y, m, d;
  char end;
  if (!text || strlen(text) != 10 || text[4] != '-' || text[7] != '-' ||
      sscanf(text, "%4u-%2u-%2u%c", &y, &m, &d, &end) != 3)
    return FALSE;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !g_ascii_isdigit(text[i]))
      return FALSE;
  if (y < 1 || y > 9999 || !g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y))
    return FALSE;
  g_date_clear(day, 1);
  g_date_set_dmy(day, (GDateDay)d, (GDateMonth)m, (GDateYear)y);
  return TRUE;
}
