/* Unit tests for the session records' pure parts: time, date, duration and
 * percent formatting, day parsing, the vote outcome wording, the minutes
 * laid out from hand-made facts (a secret vote names nobody, an open vote
 * names everyone), CSV rows, and the PDF and ODT renderers' output. */
#include "records/records.h"

#include <string.h>

static GTimeZone *
hanoi(void)
{
  return g_time_zone_new_identifier("+07:00");
}

static void
test_formatting(void)
{
  g_autoptr(GTimeZone) tz = hanoi();
  g_autofree char *t = rc_records_time("2026-11-25T01:05:09Z", tz);
  g_assert_cmpstr(t, ==, "08:05:09");
  g_autofree char *late = rc_records_time("2026-11-25T17:30:00Z", tz);
  g_assert_cmpstr(late, ==, "00:30:00");
  g_autofree char *d = rc_records_date("2026-11-25T17:30:00Z", tz);
  g_assert_cmpstr(d, ==, "26/11/2026"); /* the local day, not the UTC one */
  g_autofree char *dt = rc_records_datetime("2026-11-25T01:00:00Z", tz);
  g_assert_cmpstr(dt, ==, "08:00\xC2\xA0ngày\xC2\xA0" "25/11/2026");
  g_autofree char *none = rc_records_time(NULL, tz);
  g_assert_cmpstr(none, ==, "—");
  g_autofree char *junk = rc_records_time("yesterday", tz);
  g_assert_cmpstr(junk, ==, "—");

  const struct { gint64 s; const char *want; } durations[] = {
    {0, "0 giây"}, {45, "45 giây"}, {65, "1 phút 05 giây"}, {3729, "1 giờ 02 phút 09 giây"}, {-1, "—"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(durations); i++) {
    g_autofree char *got = rc_records_duration(durations[i].s);
    g_assert_cmpstr(got, ==, durations[i].want);
  }
  g_assert_cmpint(rc_records_seconds_between("2026-11-25T01:00:00Z", "2026-11-25T01:02:03Z"), ==, 123);
  g_assert_cmpint(rc_records_seconds_between("2026-11-25T01:00:00Z", NULL), ==, -1);

  g_autofree char *p1 = rc_records_percent(2, 3);
  g_assert_cmpstr(p1, ==, "66,7%");
  g_autofree char *p2 = rc_records_percent(1, 4);
  g_assert_cmpstr(p2, ==, "25,0%");
  g_autofree char *p3 = rc_records_percent(1, 0);
  g_assert_cmpstr(p3, ==, "—");
}

static void
test_days(void)
{
  GDate day;
  g_assert_true(rc_records_parse_day("2024-02-29", &day));
  g_assert_cmpint(g_date_get_day(&day), ==, 29);
  const char *bad[] = {"2025-02-29", "2026-13-01", "2026-1-01", "26-01-01", "2026-01-01x", "2026/01/01", "", "abcd-ef-gh",
                       " 2026-01-01"};
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++)
    g_assert_false(rc_records_parse_day(bad[i], &day));
  g_assert_false(rc_records_parse_day(NULL, &day));
}

static void
test_outcome(void)
{
  g_autoptr(json_t) passed = json_pack("{sb sb}", "quorum_met", 1, "passed", 1);
  g_autoptr(json_t) failed = json_pack("{sb sb}", "quorum_met", 1, "passed", 0);
  g_autoptr(json_t) no_quorum = json_pack("{sb sb}", "quorum_met", 0, "passed", 0);
  g_assert_cmpstr(rc_records_vote_outcome(passed), ==, "THÔNG QUA");
  g_assert_cmpstr(rc_records_vote_outcome(failed), ==, "KHÔNG THÔNG QUA");
  g_assert_cmpstr(rc_records_vote_outcome(no_quorum), ==, "KHÔNG ĐỦ TÚC SỐ, KHÔNG THÔNG QUA");
  g_assert_cmpstr(rc_records_vote_outcome(json_null()), ==, "CHƯA KẾT THÚC");
}

/* Two delegates (one absent), one item, an open and a secret vote. */
static json_t *
sample_facts(void)
{
  const char *text =
      "{\"session\": {\"id\": 7, \"title\": \"Phiên họp thử\", \"room\": \"Phòng 1\", \"description\": \"\","
      "  \"starts_at\": \"2026-11-25T01:00:00Z\", \"ends_at\": \"2026-11-25T03:00:00Z\","
      "  \"started_at\": \"2026-11-25T01:01:00Z\", \"ended_at\": \"2026-11-25T02:00:00Z\"},"
      " \"attendance\": {\"present\": 1, \"expected\": 2, \"delegates\": ["
      "  {\"user_id\": 1, \"username\": \"an\", \"full_name\": \"Nguyễn Văn An\", \"title\": \"\", \"unit\": \"Sở A\","
      "   \"status\": \"present\", \"first_in\": \"2026-11-25T01:02:03Z\", \"last_out\": null, \"method\": \"tablet\"},"
      "  {\"user_id\": 2, \"username\": \"binh\", \"full_name\": \"Trần Thị Bình\", \"title\": \"\", \"unit\": \"Sở B\","
      "   \"status\": \"absent\", \"first_in\": null, \"last_out\": null, \"method\": null}]},"
      " \"agenda\": [{\"id\": 10, \"number\": \"1\", \"title\": \"Nghị quyết\", \"presenter\": \"\", \"depth\": 0,"
      "  \"started_at\": \"2026-11-25T01:05:00Z\", \"ended_at\": \"2026-11-25T01:35:00Z\","
      "  \"documents\": [{\"title\": \"Tờ trình\", \"pages\": 3, \"sha256\": \"abc123\"}]}],"
      " \"speakers\": [{\"user_id\": 1, \"full_name\": \"Nguyễn Văn An\", \"agenda_item_id\": 10,"
      "  \"granted_at\": \"2026-11-25T01:10:00Z\", \"seconds\": 75}],"
      " \"votes\": ["
      "  {\"id\": 1, \"session_id\": 7, \"agenda_item_id\": 10, \"question\": \"Công khai?\", \"secret\": false,"
      "   \"status\": \"closed\", \"options\": [\"Đồng ý\", \"Không đồng ý\"], \"opened_at\": \"2026-11-25T01:20:00Z\","
      "   \"closed_at\": \"2026-11-25T01:21:00Z\", \"result\": {\"counts\": [1, 0], \"cast\": 1, \"present\": 1,"
      "   \"members\": 2, \"quorum_met\": true, \"passed\": false, \"needed\": 2, \"majority\": \"members\","
      "   \"majority_percent\": 50, \"quorum_percent\": 50}, \"named\": [{\"full_name\": \"Nguyễn Văn An\", \"option\": 0}]},"
      "  {\"id\": 2, \"session_id\": 7, \"agenda_item_id\": 10, \"question\": \"Kín?\", \"secret\": true,"
      "   \"status\": \"closed\", \"options\": [\"Đồng ý\", \"Không đồng ý\"], \"opened_at\": \"2026-11-25T01:22:00Z\","
      "   \"closed_at\": \"2026-11-25T01:23:00Z\", \"result\": {\"counts\": [0, 1], \"cast\": 1, \"present\": 1,"
      "   \"members\": 2, \"quorum_met\": true, \"passed\": false, \"needed\": 2, \"majority\": \"members\","
      "   \"majority_percent\": 50, \"quorum_percent\": 50}}],"
      " \"sites\": []}";
  json_error_t err;
  json_t *facts = json_loads(text, 0, &err);
  g_assert_nonnull(facts);
  return facts;
}

/* All the text of a document, blocks and cells, one per line. */
static char *
doc_text(const rc_doc *doc)
{
  GString *out = g_string_new(doc->title);
  for (guint i = 0; i < doc->blocks->len; i++) {
    const rc_doc_block *b = g_ptr_array_index(doc->blocks, i);
    if (b->text)
      g_string_append_printf(out, "\n%s", b->text);
    for (guint r = 0; b->rows && r < b->rows->len; r++) {
      GStrv row = g_ptr_array_index(b->rows, r);
      g_assert_cmpuint(g_strv_length(row), ==, b->columns);
      for (guint c = 0; c < b->columns; c++)
        g_string_append_printf(out, "\n%s", row[c]);
    }
  }
  return g_string_free(out, FALSE);
}

static void
test_minutes_doc(void)
{
  g_autoptr(GTimeZone) tz = hanoi();
  g_autoptr(json_t) facts = sample_facts();
  g_autoptr(rc_doc) doc = rc_records_minutes(facts, tz);
  g_autofree char *text = doc_text(doc);
  g_assert_nonnull(strstr(text, "BIÊN BẢN PHIÊN HỌP"));
  g_assert_nonnull(strstr(text, "08:02:03"));           /* check-in, local time */
  g_assert_nonnull(strstr(text, "08:05:00 – 08:35:00")); /* the item's stretch */
  g_assert_nonnull(strstr(text, "30 phút 00 giây"));
  g_assert_nonnull(strstr(text, "1 phút 15 giây"));     /* the speaker */
  g_assert_nonnull(strstr(text, "abc123"));
  const char *absent = strstr(text, "Đại biểu vắng mặt");
  g_assert_nonnull(absent);
  g_assert_nonnull(strstr(absent, "Trần Thị Bình"));
  /* The open vote names its voter; from the secret vote on, nobody is named. */
  const char *open = strstr(text, "Biểu quyết công khai: Công khai?");
  const char *secret = strstr(text, "Biểu quyết kín: Kín?");
  g_assert_nonnull(open);
  g_assert_nonnull(secret);
  g_assert_true(secret > open);
  g_autofree char *open_part = g_strndup(open, (gsize)(secret - open));
  g_assert_nonnull(strstr(open_part, "Nguyễn Văn An"));
  g_assert_null(strstr(secret, "Nguyễn Văn An"));
  g_assert_null(strstr(secret, "Trần Thị Bình"));
  g_assert_nonnull(strstr(text, "Kết quả: KHÔNG THÔNG QUA."));
}

static void
test_report_rows(void)
{
  g_autoptr(GTimeZone) tz = hanoi();
  g_autoptr(json_t) one = sample_facts();
  g_autoptr(json_t) facts = json_pack("{s[O]}", "sessions", one);
  const char *const *cols = NULL;
  g_autoptr(json_t) votes = rc_records_report_rows(RC_REPORT_VOTES, facts, tz, &cols);
  g_assert_cmpstr(cols[0], ==, "session_id");
  g_assert_cmpuint(json_array_size(votes), ==, 4); /* two options each */
  g_assert_cmpstr(json_string_value(json_object_get(json_array_get(votes, 0), "voters")), ==, "Nguyễn Văn An");
  g_assert_cmpstr(json_string_value(json_object_get(json_array_get(votes, 2), "voters")), ==, "");
  g_assert_cmpstr(json_string_value(json_object_get(json_array_get(votes, 3), "mode")), ==, "secret");
  g_autoptr(json_t) speaking = rc_records_report_rows(RC_REPORT_SPEAKING, facts, tz, &cols);
  g_assert_cmpuint(json_array_size(speaking), ==, 1);
  g_assert_cmpint(json_integer_value(json_object_get(json_array_get(speaking, 0), "seconds")), ==, 75);
  g_autoptr(json_t) att = rc_records_report_rows(RC_REPORT_ATTENDANCE, facts, tz, &cols);
  g_assert_cmpuint(json_array_size(att), ==, 2);
  g_assert_cmpstr(json_string_value(json_object_get(json_array_get(att, 0), "session_date")), ==, "2026-11-25");
}

static void
test_render(void)
{
  g_autoptr(GTimeZone) tz = hanoi();
  g_autoptr(json_t) facts = sample_facts();
  g_autoptr(rc_doc) doc = rc_records_minutes(facts, tz);
  gint progress = 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) pdf = rc_records_render_pdf(doc, &progress, &error);
  g_assert_no_error(error);
  gsize len = 0;
  const char *data = g_bytes_get_data(pdf, &len);
  g_assert_cmpuint(len, >, 1000);
  g_assert_true(memcmp(data, "%PDF-", 5) == 0);
  g_assert_cmpint(progress, ==, 100);
  progress = 0;
  g_autoptr(GBytes) odt = rc_records_render_odt(doc, &progress, &error);
  g_assert_no_error(error);
  data = g_bytes_get_data(odt, &len);
  g_assert_cmpuint(len, >, 38 + 39);
  g_assert_true(memcmp(data, "PK\x03\x04", 4) == 0);
  g_assert_true(memcmp(data + 30, "mimetypeapplication/vnd.oasis.opendocument.text", 47) == 0);
  g_assert_cmpint(progress, ==, 100);
}

/* Cells are NFC: a title typed with combining marks comes out composed. */
static void
test_nfc(void)
{
  g_autoptr(rc_doc) doc = rc_doc_new("Nghi\xCC\xA3 quyê\xCC\x81t", NULL, "");
  g_assert_cmpstr(doc->title, ==, "Nghị quyết");
  static const double w[] = {1, 1};
  rc_doc_table(doc, w, 0, "A", "B", NULL);
  rc_doc_row(doc, "\xC4\x90o\xCC\x82\xCC\x80ng y\xCC\x81", NULL);
  const rc_doc_block *b = g_ptr_array_index(doc->blocks, 0);
  g_assert_cmpuint(rc_doc_table_rows(b), ==, 1);
  GStrv row = g_ptr_array_index(b->rows, 1);
  g_assert_cmpstr(row[0], ==, "Đồng ý");
  g_assert_cmpstr(row[1], ==, "");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/records/formatting", test_formatting);
  g_test_add_func("/records/days", test_days);
  g_test_add_func("/records/outcome", test_outcome);
  g_test_add_func("/records/minutes-doc", test_minutes_doc);
  g_test_add_func("/records/report-rows", test_report_rows);
  g_test_add_func("/records/render", test_render);
  g_test_add_func("/records/nfc", test_nfc);
  return g_test_run();
}
