/* ical — writes iCalendar (RFC 5545) text: CRLF line ends, lines folded at
 * 75 octets without splitting a UTF-8 character, TEXT values escaped
 * (\\ \; \, \n), times in UTC. Pure: no store, no I/O. */
#pragma once
#include <glib.h>

typedef struct {
  const char *uid;         /* stable across exports */
  const char *dtstamp;     /* ISO 8601 UTC "YYYY-MM-DDTHH:MM:SSZ" */
  const char *starts_at;   /* ISO 8601 UTC */
  const char *ends_at;     /* ISO 8601 UTC */
  const char *summary;
  const char *location;    /* may be NULL or "" (left out) */
  const char *description; /* may be NULL or "" (left out); newlines kept */
  const char *url;         /* may be NULL */
  const char *status;      /* "CONFIRMED", "CANCELLED", ... or NULL */
  const char *last_modified; /* ISO 8601 UTC or NULL */
} rc_ical_event;

/* Escapes a TEXT value: backslash, semicolon, comma, newlines (CRLF, CR or
 * LF become \n); other control characters are dropped. (transfer full) */
char *rc_ical_escape(const char *text);

/* Appends "NAME:VALUE" (value already escaped) folded to lines of at most
 * 75 octets, each ended by CRLF. */
void rc_ical_append_line(GString *out, const char *name, const char *value);

/* "2026-11-25T01:00:00Z" → "20261125T010000Z", or NULL when @iso is not
 * such a UTC time. (transfer full) */
char *rc_ical_utc(const char *iso);

/* BEGIN:VCALENDAR with VERSION, PRODID, CALSCALE, and X-WR-CALNAME when
 * @name is given. */
void rc_ical_begin(GString *out, const char *name);
/* One VEVENT; FALSE (nothing appended) when a time is not valid. */
gboolean rc_ical_event_append(GString *out, const rc_ical_event *event);
void rc_ical_end(GString *out);
