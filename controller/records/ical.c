/* ical — RFC 5545 text: escaping, folding, UTC times, VEVENTs. */
#include "records/ical.h"

#include <stdio.h>
#include <string.h>

#define FOLD_OCTETS 75

char *
rc_ical_escape(const char *text)
{
  GString *out = g_string_sized_new(strlen(text ? text : "") + 16);
  for (const char *p = text ? text : ""; *p; p++) {
    switch (*p) {
    case '\\': g_string_append(out, "\\\\"); break;
    case ';': g_string_append(out, "\\;"); break;
    case ',': g_string_append(out, "\\,"); break;
    case '\r':
      if (p[1] == '\n')
        p++; /* CRLF and a lone CR are one line break */
      g_string_append(out, "\\n");
      break;
    case '\n': g_string_append(out, "\\n"); break;
    default:
      if ((unsigned char)*p >= 0x20 || *p == '\t')
        g_string_append_c(out, *p);
    }
  }
  return g_string_free(out, FALSE);
}

/* Length of the UTF-8 character starting at @p (1 for a stray byte). */
static gsize
char_len(const char *p)
{
  unsigned char c = (unsigned char)*p;
  gsize n = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  for (gsize i = 1; i < n; i++)
    if (((unsigned char)p[i] & 0xC0) != 0x80)
      return 1;
  return n;
}

void
rc_ical_append_line(GString *out, const char *name, const char *value)
{
  g_autofree char *line = g_strconcat(name, ":", value, NULL);
  gsize room = FOLD_OCTETS; /* octets left on the current physical line */
  for (const char *p = line; *p;) {
    gsize n = char_len(p);
    if (n > room) {
      g_string_append(out, "\r\n ");
      room = FOLD_OCTETS - 1; /* the leading space counts */
    }
    g_string_append_len(out, p, (gssize)n);
    room -= n;
    p += n;
  }
  g_string_append(out, "\r\n");
}

char *
rc_ical_utc(const char *iso)
{
  int y, mo, d, h, mi, s;
  char z = 0;
  if (!iso || strlen(iso) != 20 || sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &z) != 7 ||
      z != 'Z' || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60 ||
      y < 0)
    return NULL;
  return g_strdup_printf("%04d%02d%02dT%02d%02d%02dZ", y, mo, d, h, mi, s);
}

void
rc_ical_begin(GString *out, const char *name)
{
  g_string_append(out, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
  rc_ical_append_line(out, "PRODID", "-//roomctl//roomctl " RC_VERSION "//VI");
  g_string_append(out, "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n");
  if (name && *name) {
    g_autofree char *escaped = rc_ical_escape(name);
    rc_ical_append_line(out, "X-WR-CALNAME", escaped);
  }
}

static void
text_property(GString *out, const char *name, const char *value)
{
  if (!value || !*value)
    return;
  g_autofree char *escaped = rc_ical_escape(value);
  rc_ical_append_line(out, name, escaped);
}

gboolean
rc_ical_event_append(GString *out, const rc_ical_event *e)
{
  g_autofree char *stamp = rc_ical_utc(e->dtstamp), *start = rc_ical_utc(e->starts_at), *end = rc_ical_utc(e->ends_at);
  g_autofree char *modified = e->last_modified ? rc_ical_utc(e->last_modified) : NULL;
  if (!stamp || !start || !end)
    return FALSE;
  g_string_append(out, "BEGIN:VEVENT\r\n");
  text_property(out, "UID", e->uid);
  rc_ical_append_line(out, "DTSTAMP", stamp);
  rc_ical_append_line(out, "DTSTART", start);
  rc_ical_append_line(out, "DTEND", end);
  if (modified)
    rc_ical_append_line(out, "LAST-MODIFIED", modified);
  text_property(out, "SUMMARY", e->summary);
  text_property(out, "LOCATION", e->location);
  text_property(out, "DESCRIPTION", e->description);
  if (e->url && *e->url)
    rc_ical_append_line(out, "URL", e->url); /* a URI value: not TEXT-escaped */
  if (e->status)
    rc_ical_append_line(out, "STATUS", e->status);
  g_string_append(out, "END:VEVENT\r\n");
  return TRUE;
}

void
rc_ical_end(GString *out)
{
  g_string_append(out, "END:VCALENDAR\r\n");
}
