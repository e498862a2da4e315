/* csv — an RFC 4180 reader for files from outside (demo data, bulk
 * imports): quoted fields with "" escapes and line breaks, CRLF or LF, an
 * optional UTF-8 byte order mark. Input must be UTF-8. */
#pragma once
#include <glib.h>

/* Parses @text into rows (GPtrArray of GStrv, transfer full). A blank line
 * ends nothing and is skipped. On error (not UTF-8, an unterminated quote,
 * a stray quote, over @max_rows rows), NULL with RC_ERROR_INVALID naming the
 * line. */
GPtrArray *rc_csv_parse(const char *text, gsize len, guint max_rows, GError **error);

/* The same, and *@row_lines (transfer full, may be NULL) gets the line
 * each row starts on (guint), so errors can name the line a spreadsheet
 * user sees. */
GPtrArray *rc_csv_parse_lines(const char *text, gsize len, guint max_rows, GArray **row_lines, GError **error);

/* Index of @name in a header row, or -1. */
int rc_csv_column(char **header, const char *name);
