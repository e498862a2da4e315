/* Unit tests for the iCalendar writer: escaping, folding at 75 octets
 * without splitting UTF-8, UTC times, a whole calendar's shape. */
#include "records/ical.h"

#include <string.h>

static void
test_escape(void)
{
  g_autofree char *a = rc_ical_escape("Họp; bàn, \"ngân sách\"\\2027\r\ndòng 2\ndòng 3\rdòng 4\x01");
  g_assert_cmpstr(a, ==, "Họp\\; bàn\\, \"ngân sách\"\\\\2027\\ndòng 2\\ndòng 3\\ndòng 4");
  g_autofree char *empty = rc_ical_escape(NULL);
  g_assert_cmpstr(empty, ==, "");
}

/* Unfolds RFC 5545 lines: CRLF followed by one space is removed. */
static char *
unfold(const char *text)
{
  GString *out = g_string_new(NULL);
  for (const char *p = text; *p; p++) {
    if (p[0] == '\r' && p[1] == '\n' && p[2] == ' ') {
      p += 2;
      continue;
    }
    g_string_append_c(out, *p);
  }
  return g_string_free(out, FALSE);
}

static void
check_folded(const char *text)
{
  g_auto(GStrv) lines = g_strsplit(text, "\r\n", -1);
  g_assert_cmpstr(lines[g_strv_length(lines) - 1], ==, ""); /* ends with CRLF */
  for (char **l = lines; *l; l++) {
    g_assert_cmpuint(strlen(*l), <=, 75);
    g_assert_true(g_utf8_validate(*l, -1, NULL)); /* no character cut in two */
    g_assert_null(strchr(*l, '\n'));
    g_assert_null(strchr(*l, '\r'));
  }
}

static void
test_fold_vietnamese(void)
{
  /* Every character of this title is 2 or 3 octets in UTF-8. */
  const char *title = "Kỳ họp thứ mười bảy Hội đồng nhân dân tỉnh khóa XVIII, nhiệm kỳ 2021–2026: "
                      "thảo luận dự toán ngân sách địa phương năm 2027 và phân bổ ngân sách cấp tỉnh";
  for (int pad = 0; pad < 4; pad++) { /* shift the cut points across character boundaries */
    g_autofree char *name = g_strnfill((gsize)pad + 1, 'X');
    g_autofree char *escaped = rc_ical_escape(title);
    g_autoptr(GString) out = g_string_new(NULL);
    rc_ical_append_line(out, name, escaped);
    check_folded(out->str);
    g_assert_nonnull(strstr(out->str, "\r\n "));
    g_autofree char *back = unfold(out->str);
    g_autofree char *want = g_strconcat(name, ":", escaped, "\r\n", NULL);
    g_assert_cmpstr(back, ==, want);
  }
  g_autoptr(GString) exact = g_string_new(NULL);
  g_autofree char *v73 = g_strnfill(73, 'a'); /* "S:" + 73 = 75 octets: no fold */
  rc_ical_append_line(exact, "S", v73);
  g_assert_cmpuint(exact->len, ==, 77);
  g_autoptr(GString) over = g_string_new(NULL);
  g_autofree char *v74 = g_strnfill(74, 'a');
  rc_ical_append_line(over, "S", v74);
  g_assert_cmpstr(over->str + 75, ==, "\r\n a\r\n");
}

static void
test_utc(void)
{
  g_autofree char *a = rc_ical_utc("2026-11-25T01:00:00Z");
  g_assert_cmpstr(a, ==, "20261125T010000Z");
  g_assert_null(rc_ical_utc("2026-11-25T01:00:00+07:00"));
  g_assert_null(rc_ical_utc("2026-13-25T01:00:00Z"));
  g_assert_null(rc_ical_utc("nonsense"));
  g_assert_null(rc_ical_utc(NULL));
}

static void
test_calendar(void)
{
  g_autoptr(GString) out = g_string_new(NULL);
  rc_ical_begin(out, "Lịch họp, HĐND");
  rc_ical_event e = {
    .uid = "session-7@roomctl", .dtstamp = "2026-11-01T00:00:00Z", .starts_at = "2026-11-25T01:00:00Z",
    .ends_at = "2026-11-25T04:30:00Z", .summary = "Kỳ họp; thứ 17", .location = "Hội trường A, tầng 2",
    .description = "Chương trình:\n1. Khai mạc", .status = "CONFIRMED",
  };
  g_assert_true(rc_ical_event_append(out, &e));
  rc_ical_event bad = e;
  bad.starts_at = "tomorrow";
  gsize before = out->len;
  g_assert_false(rc_ical_event_append(out, &bad));
  g_assert_cmpuint(out->len, ==, before);
  rc_ical_end(out);
  check_folded(out->str);
  g_assert_true(g_str_has_prefix(out->str, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
  g_assert_true(g_str_has_suffix(out->str, "END:VEVENT\r\nEND:VCALENDAR\r\n"));
  g_autofree char *flat = unfold(out->str);
  g_assert_nonnull(strstr(flat, "\r\nX-WR-CALNAME:Lịch họp\\, HĐND\r\n"));
  g_assert_nonnull(strstr(flat, "\r\nDTSTART:20261125T010000Z\r\nDTEND:20261125T043000Z\r\n"));
  g_assert_nonnull(strstr(flat, "\r\nSUMMARY:Kỳ họp\\; thứ 17\r\n"));
  g_assert_nonnull(strstr(flat, "\r\nLOCATION:Hội trường A\\, tầng 2\r\n"));
  g_assert_nonnull(strstr(flat, "\r\nDESCRIPTION:Chương trình:\\n1. Khai mạc\r\n"));
  g_assert_nonnull(strstr(flat, "\r\nUID:session-7@roomctl\r\n"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/ical/escape", test_escape);
  g_test_add_func("/ical/fold-vietnamese", test_fold_vietnamese);
  g_test_add_func("/ical/utc", test_utc);
  g_test_add_func("/ical/calendar", test_calendar);
  return g_test_run();
}
