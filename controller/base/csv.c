/* csv — RFC 4180 reader. */
#include "base/csv.h"
#include "base/rc-error.h"

#include <string.h>

typedef struct {
  const char *p, *end;
  guint line;
} reader;

/* Reads one field; *@eol set when the row ends after it. */
static char *
read_field(reader *r, gboolean *eol, GError **error)
{
  GString *out = g_string_new(NULL);
  guint start_line = r->line;
  gboolean quoted = r->p < r->end && *r->p == '"';
  if (quoted)
    r->p++;
  for (;;) {
    if (r->p >= r->end) {
      if (quoted) {
        g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "line %u: a quoted field is not closed", start_line);
        return g_string_free(out, TRUE), NULL;
      }
      *eol = TRUE;
      break;
    }
    char c = *r->p++;
    if (quoted && c == '"') {
      if (r->p < r->end && *r->p == '"') {
        g_string_append_c(out, '"');
        r->p++;
        continue;
      }
      quoted = FALSE;
      if (r->p < r->end && *r->p != ',' && *r->p != '\r' && *r->p != '\n') {
        g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "line %u: text after a closing quote", r->line);
        return g_string_free(out, TRUE), NULL;
      }
      continue;
    }
    if (!quoted && c == ',')
      break;
    if (!quoted && (c == '\n' || c == '\r')) {
      if (c == '\r' && r->p < r->end && *r->p == '\n')
        r->p++;
      r->line++;
      *eol = TRUE;
      break;
    }
    if (!quoted && c == '"') {
      g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "line %u: a quote inside an unquoted field", r->line);
      return g_string_free(out, TRUE), NULL;
    }
    if (c == '\n')
      r->line++;
    g_string_append_c(out, c);
  }
  return g_string_free(out, FALSE);
}

GPtrArray *
rc_csv_parse(const char *text, gsize len, guint max_rows, GError **error)
{
  return rc_csv_parse_lines(text, len, max_rows, NULL, error);
}

GPtrArray *
rc_csv_parse_lines(const char *text, gsize len, guint max_rows, GArray **row_lines, GError **error)
{
  if (!g_utf8_validate_len(text, len, NULL)) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "the file is not UTF-8 text");
    return NULL;
  }
  reader r = {text, text + len, 1};
  if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
    r.p += 3;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
  g_autoptr(GArray) lines = g_array_new(FALSE, FALSE, sizeof(guint));
  while (r.p < r.end) {
    guint line = r.line;
    g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func(g_free);
    gboolean eol = FALSE;
    while (!eol) {
      char *f = read_field(&r, &eol, error);
      if (!f)
        return NULL;
      g_ptr_array_add(fields, f);
    }
    if (fields->len == 1 && *(char *)fields->pdata[0] == '\0')
      continue; /* blank line */
    if (rows->len >= max_rows) {
      g_set_error(error, RC_ERROR, RC_ERROR_TOO_LARGE, "more than %u rows", max_rows);
      return NULL;
    }
    g_array_append_val(lines, line);
    g_ptr_array_add(fields, NULL);
    g_ptr_array_set_free_func(fields, NULL);
    g_ptr_array_add(rows, g_ptr_array_free(g_steal_pointer(&fields), FALSE));
  }
  if (row_lines)
    *row_lines = g_steal_pointer(&lines);
  return g_steal_pointer(&rows);
}

int
rc_csv_column(char **header, const char *name)
{
  for (int i = 0; header && header[i]; i++)
    if (g_str_equal(g_strstrip(header[i]), name))
      return i;
  return -1;
}
