/* records — the session records the secretariat hands out after a session:
 * the minutes draft and the reports (attendance, vote results, speaking
 * time), as PDF, ODT and CSV.
 *
 * Three steps, so that nothing slow runs on the main loop:
 *   1. facts   (records-facts.c, main loop): everything the store knows about
 *      the sessions concerned, gathered into one plain JSON object;
 *   2. doc     (records-minutes.c, records-reports.c, pure): the facts laid
 *      out as a document — headings, paragraphs, tables — in Vietnamese;
 *   3. render  (records-pdf.c, records-odt.c, any thread): the document as
 *      PDF (cairo + pango) or ODT (libzip), reporting progress.
 * A document and the facts are plain data owned by whoever holds them; steps
 * 2 and 3 touch no shared state and may run in a worker thread. */
#pragma once
#include <glib.h>
#include "base/rc-json.h"
#include "store/store.h"

/* ---- the document model (records-doc.c) ---- */

typedef enum {
  RC_DOC_HEADING,   /* level 1 (part), 2 (item), 3 (a vote) */
  RC_DOC_PARAGRAPH,
  RC_DOC_NOTE,      /* a smaller, grey paragraph */
  RC_DOC_TABLE,
} rc_doc_kind;

typedef struct {
  rc_doc_kind kind;
  int level;        /* headings */
  char *text;       /* headings and paragraphs */
  guint columns;    /* tables: number of columns */
  double *widths;   /* tables: relative widths, @columns of them */
  guint mono;       /* tables: bit i set = column i in a monospace font */
  GPtrArray *rows;  /* tables: of GStrv, @columns cells each; row 0 is the header */
} rc_doc_block;

typedef struct {
  char *organisation; /* who issues it, above the title ([meeting] organisation); may be NULL */
  char *title;      /* e.g. "BIÊN BẢN PHIÊN HỌP" */
  char *subtitle;   /* e.g. the session title; may be NULL */
  char *footer;     /* left part of every page footer, e.g. "Dự thảo — roomctl" */
  GPtrArray *blocks; /* of rc_doc_block* */
} rc_doc;

/* Texts are copied and normalized to NFC. (transfer full) */
rc_doc *rc_doc_new(const char *title, const char *subtitle, const char *footer);
void rc_doc_free(rc_doc *doc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(rc_doc, rc_doc_free)
/* Sets the issuing organisation (copied, NFC); NULL or "" = none. */
void rc_doc_set_organisation(rc_doc *doc, const char *name);
void rc_doc_heading(rc_doc *doc, int level, const char *text);
void rc_doc_paragraph(rc_doc *doc, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void rc_doc_note(rc_doc *doc, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Starts a table with @columns header cells (a NULL-terminated list after
 * @widths: relative widths, one per column). Rows follow with rc_doc_row. */
void rc_doc_table(rc_doc *doc, const double *widths, guint mono, const char *first_header, ...) G_GNUC_NULL_TERMINATED;
/* Adds a row to the last table: exactly its number of cells (NULL = ""). */
void rc_doc_row(rc_doc *doc, const char *first_cell, ...);
/* Number of body rows of a table block. */
guint rc_doc_table_rows(const rc_doc_block *block);

/* ---- formatting (records-doc.c, pure) ---- */

/* "HH:MM:SS" in @tz of an ISO 8601 UTC time; "—" for NULL or unreadable. (transfer full) */
char *rc_records_time(const char *iso, GTimeZone *tz);
/* "HH:MM ngày DD/MM/YYYY" in @tz (non-breaking spaces); "—" for NULL or unreadable. (transfer full) */
char *rc_records_datetime(const char *iso, GTimeZone *tz);
/* "DD/MM/YYYY" in @tz. (transfer full) */
char *rc_records_date(const char *iso, GTimeZone *tz);
/* "YYYY-MM-DD", the local day in @tz (for CSV). (transfer full) */
char *rc_records_day(const char *iso, GTimeZone *tz);
/* "45 giây", "3 phút 05 giây", "1 giờ 02 phút 09 giây"; negative = "—". (transfer full) */
char *rc_records_duration(gint64 seconds);
/* "66,7%": @part of @whole with one decimal and a decimal comma. (transfer full) */
char *rc_records_percent(gint64 part, gint64 whole);
/* Whole seconds from @from to @to (ISO 8601), or -1 when either is missing. */
gint64 rc_records_seconds_between(const char *from, const char *to);
/* Parses "YYYY-MM-DD" (a real calendar day). */
gboolean rc_records_parse_day(const char *text, GDate *day);

/* ---- facts (records-facts.c, main loop) ---- */

/* The facts of one session for its minutes and reports; RC_ERROR_NOT_FOUND
 * for an unknown session, RC_ERROR_INVALID_STATE for one that never went
 * live. (transfer full) */
json_t *rc_records_session_facts(rc_store *store, gint64 session_id, GError **error);
/* {"from","to","sessions":[facts...]} for every session of @organisations
 * (an array of ids; NULL = all) that went live
 * with a start on a day from @from to @to (days in @tz). (transfer full) */
json_t *rc_records_range_facts(rc_store *store, const GDate *from, const GDate *to, GTimeZone *tz, json_t *organisations,
                               GError **error);

/* ---- documents from facts (records-minutes.c, records-reports.c, pure) ---- */

typedef enum { RC_REPORT_ATTENDANCE, RC_REPORT_VOTES, RC_REPORT_SPEAKING } rc_report_kind;

/* @facts: one session's facts; an "organisation" string in @facts (or in
 * the report's) heads the document. (transfer full) */
rc_doc *rc_records_minutes(json_t *facts, GTimeZone *tz);
/* @facts: {"sessions": [...], "from"?, "to"?}. (transfer full) */
rc_doc *rc_records_report(rc_report_kind kind, json_t *facts, GTimeZone *tz);
/* The report as CSV rows (objects) and their columns (static, NULL-ended). (transfer full) */
json_t *rc_records_report_rows(rc_report_kind kind, json_t *facts, GTimeZone *tz, const char *const **columns);
/* Vietnamese label of a vote outcome from its stored result. (transfer none) */
const char *rc_records_vote_outcome(json_t *result);

/* ---- rendering (records-pdf.c, records-odt.c, any thread) ---- */

/* @progress (may be NULL) is set, with g_atomic_int_set, from 0 to 100 as the
 * work goes. (transfer full) */
GBytes *rc_records_render_pdf(const rc_doc *doc, gint *progress, GError **error);
GBytes *rc_records_render_odt(const rc_doc *doc, gint *progress, GError **error);
