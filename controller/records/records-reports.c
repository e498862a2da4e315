/* records-reports — the reports over one session or a range of days:
 * attendance (delegates and sites), vote results, speaking time per
 * delegate; each as a document (for PDF) and as CSV rows. Times in CSV stay
 * ISO 8601 UTC like the JSON API, so a spreadsheet and a program read the
 * same values; documents show local times. Pure. */
#define G_LOG_DOMAIN "roomctl-records"
#include "records/records-private.h"

static const char *const ATTENDANCE_COLUMNS[] = {
  "session_id", "session_title", "session_date", "kind", "ref", "name", "unit", "status", "first_in", "last_out",
  "seconds", "sip_cause", NULL};
static const char *const VOTES_COLUMNS[] = {
  "session_id", "vote_id", "question", "mode", "status", "opened_at", "closed_at", "option_index", "option", "count",
  "cast", "present", "members", "quorum_met", "passed", "voters", NULL};
static const char *const SPEAKING_COLUMNS[] = {"user_id", "full_name", "unit", "sessions", "turns", "seconds", NULL};

static const double W_ATT[] = {0.06, 0.32, 0.26, 0.12, 0.12, 0.12};
static const double W_SITE[] = {0.06, 0.14, 0.38, 0.12, 0.12, 0.18};
static const double W_VOTES[] = {0.06, 0.34, 0.10, 0.30, 0.20};
static const double W_SPEAK[] = {0.07, 0.33, 0.30, 0.10, 0.20};
static const double W_SUMMARY[] = {0.07, 0.43, 0.30, 0.20};

static const char *
status_label(const char *status)
{
  if (g_strcmp0(status, "present") == 0)
    return "Có mặt";
  return g_strcmp0(status, "left") == 0 ? "Đã rời" : "Vắng mặt";
}

static char *
session_heading(json_t *facts, GTimeZone *tz)
{
  json_t *s = json_object_get(facts, "session");
  g_autofree char *day = rc_records_date(REC_STR(s, "started_at"), tz);
  return g_strdup_printf("Phiên số %" G_GINT64_FORMAT ": %s (%s)", REC_INT(s, "id"), REC_STR(s, "title"), day);
}

/* ---- attendance ---- */

static void
attendance_session(rc_doc *doc, json_t *facts, GTimeZone *tz)
{
  json_t *att = json_object_get(facts, "attendance");
  g_autofree char *heading = session_heading(facts, tz);
  rc_doc_heading(doc, 2, heading);
  rc_doc_paragraph(doc, "Đại biểu có mặt khi kết thúc: %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT ".",
                   REC_INT(att, "present"), REC_INT(att, "expected"));
  rc_doc_table(doc, W_ATT, 0, "STT", "Họ và tên", "Đơn vị", "Trạng thái", "Giờ vào", "Giờ ra", NULL);
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(att, "delegates"), i, e) {
    g_autofree char *no = rec_num((gint64)i + 1);
    g_autofree char *in = rc_records_time(REC_STR(e, "first_in"), tz), *out = rc_records_time(REC_STR(e, "last_out"), tz);
    rc_doc_row(doc, no, REC_STR(e, "full_name"), REC_STR(e, "unit"), status_label(REC_STR(e, "status")), in, out);
  }
  json_t *sites = json_object_get(facts, "sites");
  if (json_array_size(sites) == 0)
    return;
  rc_doc_table(doc, W_SITE, 0, "STT", "Mã", "Điểm cầu", "Tham gia", "Rời", "Thời lượng", NULL);
  json_array_foreach(sites, i, e) {
    gboolean heard = json_array_size(json_object_get(e, "calls")) > 0;
    g_autofree char *no = rec_num((gint64)i + 1);
    g_autofree char *in = rc_records_time(REC_STR(e, "joined_at"), tz), *out = rc_records_time(REC_STR(e, "left_at"), tz);
    g_autofree char *len = heard ? rc_records_duration(REC_INT(e, "seconds")) : g_strdup("Vắng mặt");
    rc_doc_row(doc, no, REC_STR(e, "code"), REC_STR(e, "name"), in, out, len);
  }
}

/* Per delegate over every session: sessions attended of those invited. */
static void
attendance_summary(rc_doc *doc, json_t *sessions)
{
  g_autoptr(json_t) people = json_object(); /* user_id -> {full_name, unit, invited, attended} */
  size_t i, j;
  json_t *f, *e;
  json_array_foreach(sessions, i, f) {
    json_array_foreach(json_object_get(json_object_get(f, "attendance"), "delegates"), j, e) {
      g_autofree char *key = rec_num(REC_INT(e, "user_id"));
      json_t *p = json_object_get(people, key);
      if (!p) {
        p = json_pack("{sO sO si si}", "full_name", json_object_get(e, "full_name"), "unit",
                      json_object_get(e, "unit"), "invited", 0, "attended", 0);
        json_object_set_new(people, key, p);
      }
      json_object_set_new(p, "invited", json_integer(REC_INT(p, "invited") + 1));
      json_object_set_new(p, "attended", json_integer(REC_INT(p, "attended") + (REC_STR(e, "first_in") != NULL)));
    }
  }
  rc_doc_heading(doc, 1, "Tổng hợp theo đại biểu");
  rc_doc_table(doc, W_SUMMARY, 0, "STT", "Họ và tên", "Đơn vị", "Có mặt / được mời", NULL);
  const char *key;
  json_t *p;
  gint64 n = 0;
  json_object_foreach(people, key, p) {
    g_autofree char *no = rec_num(++n);
    g_autofree char *ratio = g_strdup_printf("%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT, REC_INT(p, "attended"),
                                             REC_INT(p, "invited"));
    rc_doc_row(doc, no, REC_STR(p, "full_name"), REC_STR(p, "unit"), ratio);
  }
}

static json_t *
attendance_rows(json_t *sessions, GTimeZone *tz)
{
  json_t *rows = json_array();
  size_t i, j;
  json_t *f, *e;
  json_array_foreach(sessions, i, f) {
    json_t *s = json_object_get(f, "session");
    g_autofree char *day = rc_records_day(REC_STR(s, "started_at"), tz);
    json_array_foreach(json_object_get(json_object_get(f, "attendance"), "delegates"), j, e)
      json_array_append_new(rows, json_pack("{sO sO ss ss sO sO sO sO sO? sO?}", "session_id", json_object_get(s, "id"),
                                            "session_title", json_object_get(s, "title"), "session_date", day, "kind",
                                            "delegate", "ref", json_object_get(e, "username"), "name",
                                            json_object_get(e, "full_name"), "unit", json_object_get(e, "unit"),
                                            "status", json_object_get(e, "status"), "first_in",
                                            json_object_get(e, "first_in"), "last_out", json_object_get(e, "last_out")));
    json_array_foreach(json_object_get(f, "sites"), j, e) {
      json_t *calls = json_object_get(e, "calls");
      gboolean heard = json_array_size(calls) > 0;
      /* A SIP site's last call's SIP cause (rc_store_site_calls' sip_cause) */
      json_t *last = heard ? json_array_get(calls, json_array_size(calls) - 1) : NULL;
      json_t *cause = last ? json_object_get(last, "sip_cause") : NULL;
      json_array_append_new(rows, json_pack("{sO sO ss ss sO sO sO ss sO? sO? sO sO?}", "session_id", json_object_get(s, "id"),
                                            "session_title", json_object_get(s, "title"), "session_date", day, "kind",
                                            "site", "ref", json_object_get(e, "code"), "name",
                                            json_object_get(e, "name"), "unit", json_object_get(e, "level"), "status",
                                            heard ? "present" : "absent", "first_in", json_object_get(e, "joined_at"),
                                            "last_out", json_object_get(e, "left_at"), "seconds",
                                            json_object_get(e, "seconds"), "sip_cause", cause));
    }
  }
  return rows;
}

/* ---- votes ---- */

static void
votes_session(rc_doc *doc, json_t *facts, GTimeZone *tz)
{
  g_autofree char *heading = session_heading(facts, tz);
  rc_doc_heading(doc, 2, heading);
  json_t *votes = json_object_get(facts, "votes");
  if (json_array_size(votes) == 0) {
    rc_doc_paragraph(doc, "Không có biểu quyết.");
    return;
  }
  rc_doc_table(doc, W_VOTES, 0, "STT", "Nội dung biểu quyết", "Hình thức", "Kết quả kiểm phiếu", "Kết luận", NULL);
  size_t i;
  json_t *v;
  json_array_foreach(votes, i, v) {
    g_autofree char *no = rec_num((gint64)i + 1), *counts = rec_vote_counts_text(v);
    rc_doc_row(doc, no, REC_STR(v, "question"), REC_TRUE(v, "secret") ? "Kín" : "Công khai", counts,
               rc_records_vote_outcome(json_object_get(v, "result")));
  }
}

/* Names of the open-vote voters who chose @option, "; "-separated. */
static char *
voters_of(json_t *vote, gint64 option)
{
  GString *out = g_string_new(NULL);
  size_t i;
  json_t *b;
  json_array_foreach(json_object_get(vote, "named"), i, b)
    if (REC_INT(b, "option") == option)
      g_string_append_printf(out, "%s%s", out->len ? "; " : "", REC_STR(b, "full_name"));
  return g_string_free(out, FALSE);
}

static json_t *
votes_rows(json_t *sessions)
{
  json_t *rows = json_array();
  size_t i, j, k;
  json_t *f, *v, *opt;
  json_array_foreach(sessions, i, f) json_array_foreach(json_object_get(f, "votes"), j, v) {
    json_t *r = json_object_get(v, "result");
    gboolean secret = REC_TRUE(v, "secret");
    json_array_foreach(json_object_get(v, "options"), k, opt) {
      g_autofree char *voters = secret ? g_strdup("") : voters_of(v, (gint64)k);
      json_t *row = json_pack("{sO sO sO ss sO sO sO sI sO ss}", "session_id", json_object_get(v, "session_id"),
                              "vote_id", json_object_get(v, "id"), "question", json_object_get(v, "question"), "mode",
                              secret ? "secret" : "open", "status", json_object_get(v, "status"), "opened_at",
                              json_object_get(v, "opened_at"), "closed_at", json_object_get(v, "closed_at"),
                              "option_index", (json_int_t)k, "option", opt, "voters", voters);
      if (json_is_object(r)) {
        json_object_set(row, "count", json_array_get(json_object_get(r, "counts"), k));
        json_object_set(row, "cast", json_object_get(r, "cast"));
        json_object_set(row, "present", json_object_get(r, "present"));
        json_object_set(row, "members", json_object_get(r, "members"));
        json_object_set_new(row, "quorum_met", json_string(REC_TRUE(r, "quorum_met") ? "true" : "false"));
        json_object_set_new(row, "passed", json_string(REC_TRUE(r, "passed") ? "true" : "false"));
      }
      json_array_append_new(rows, row);
    }
  }
  return rows;
}

/* ---- speaking time ---- */

/* One row per delegate who spoke: sessions, turns, seconds; by most time. */
static json_t *
speaking_rows(json_t *sessions)
{
  g_autoptr(json_t) by_user = json_object();
  size_t i, j;
  json_t *f, *s;
  json_array_foreach(sessions, i, f) {
    g_autoptr(json_t) seen = json_object();
    json_array_foreach(json_object_get(f, "speakers"), j, s) {
      g_autofree char *key = rec_num(REC_INT(s, "user_id"));
      json_t *row = json_object_get(by_user, key);
      if (!row) {
        json_t *who = NULL;
        size_t k;
        json_t *e;
        json_array_foreach(json_object_get(json_object_get(f, "attendance"), "delegates"), k, e)
          if (REC_INT(e, "user_id") == REC_INT(s, "user_id"))
            who = e;
        row = json_pack("{sO sO ss si si si}", "user_id", json_object_get(s, "user_id"), "full_name",
                        json_object_get(s, "full_name"), "unit", who ? REC_STR(who, "unit") : "", "sessions", 0,
                        "turns", 0, "seconds", 0);
        json_object_set_new(by_user, key, row);
      }
      if (!json_object_get(seen, key)) {
        json_object_set_new(seen, key, json_true());
        json_object_set_new(row, "sessions", json_integer(REC_INT(row, "sessions") + 1));
      }
      json_object_set_new(row, "turns", json_integer(REC_INT(row, "turns") + 1));
      json_object_set_new(row, "seconds", json_integer(REC_INT(row, "seconds") + REC_INT(s, "seconds")));
    }
  }
  /* Most time first; equal times keep the order of first speech (stable
   * insertion; jansson objects keep insertion order). */
  json_t *rows = json_array();
  const char *key;
  json_t *r;
  json_object_foreach(by_user, key, r) {
    size_t at = json_array_size(rows);
    while (at > 0 && REC_INT(json_array_get(rows, at - 1), "seconds") < REC_INT(r, "seconds"))
      at--;
    json_array_insert(rows, at, r);
  }
  return rows;
}

static void
speaking_doc(rc_doc *doc, json_t *sessions)
{
  g_autoptr(json_t) rows = speaking_rows(sessions);
  if (json_array_size(rows) == 0) {
    rc_doc_paragraph(doc, "Không có đại biểu nào phát biểu.");
    return;
  }
  gint64 total = 0;
  rc_doc_table(doc, W_SPEAK, 0, "STT", "Đại biểu", "Đơn vị", "Số lượt", "Tổng thời gian", NULL);
  size_t i;
  json_t *r;
  json_array_foreach(rows, i, r) {
    g_autofree char *no = rec_num((gint64)i + 1), *turns = rec_num(REC_INT(r, "turns"));
    g_autofree char *len = rc_records_duration(REC_INT(r, "seconds"));
    total += REC_INT(r, "seconds");
    rc_doc_row(doc, no, REC_STR(r, "full_name"), REC_STR(r, "unit"), turns, len);
  }
  g_autofree char *sum = rc_records_duration(total);
  rc_doc_paragraph(doc, "Tổng thời gian phát biểu: %s.", sum);
}

/* ---- entry points ---- */

static char *
range_subtitle(json_t *facts, GTimeZone *tz)
{
  json_t *sessions = json_object_get(facts, "sessions");
  if (!REC_STR(facts, "from")) {
    json_t *s = json_object_get(json_array_get(sessions, 0), "session");
    return g_strdup_printf("Phiên số %" G_GINT64_FORMAT ": %s", REC_INT(s, "id"), REC_STR(s, "title"));
  }
  (void)tz;
  GDate a, b;
  rc_records_parse_day(REC_STR(facts, "from"), &a);
  rc_records_parse_day(REC_STR(facts, "to"), &b);
  char fa[16], fb[16];
  g_date_strftime(fa, sizeof fa, "%d/%m/%Y", &a);
  g_date_strftime(fb, sizeof fb, "%d/%m/%Y", &b);
  return g_strdup_printf("Từ ngày %s đến ngày %s — %zu phiên họp", fa, fb, json_array_size(sessions));
}

rc_doc *
rc_records_report(rc_report_kind kind, json_t *facts, GTimeZone *tz)
{
  static const char *const titles[] = {"BÁO CÁO ĐIỂM DANH", "BÁO CÁO KẾT QUẢ BIỂU QUYẾT",
                                       "BÁO CÁO THỜI GIAN PHÁT BIỂU"};
  json_t *sessions = json_object_get(facts, "sessions");
  g_autofree char *subtitle = range_subtitle(facts, tz);
  rc_doc *doc = rc_doc_new(titles[kind], subtitle, "Báo cáo — roomctl");
  rc_doc_set_organisation(doc, REC_STR(facts, "organisation"));
  if (json_array_size(sessions) == 0)
    rc_doc_paragraph(doc, "Không có phiên họp nào trong khoảng thời gian này.");
  size_t i;
  json_t *f;
  if (kind == RC_REPORT_SPEAKING) {
    speaking_doc(doc, sessions);
  } else {
    json_array_foreach(sessions, i, f) {
      if (kind == RC_REPORT_ATTENDANCE)
        attendance_session(doc, f, tz);
      else
        votes_session(doc, f, tz);
    }
    if (kind == RC_REPORT_ATTENDANCE && json_array_size(sessions) > 1)
      attendance_summary(doc, sessions);
  }
  g_autoptr(GDateTime) now = g_date_time_new_now(tz);
  g_autofree char *made = g_date_time_format(now, "%H:%M %d/%m/%Y");
  rc_doc_note(doc, "Lập lúc %s.", made);
  return doc;
}

json_t *
rc_records_report_rows(rc_report_kind kind, json_t *facts, GTimeZone *tz, const char *const **columns)
{
  json_t *sessions = json_object_get(facts, "sessions");
  switch (kind) {
  case RC_REPORT_ATTENDANCE:
    *columns = ATTENDANCE_COLUMNS;
    return attendance_rows(sessions, tz);
  case RC_REPORT_VOTES:
    *columns = VOTES_COLUMNS;
    return votes_rows(sessions);
  case RC_REPORT_SPEAKING:
  default:
    *columns = SPEAKING_COLUMNS;
    return speaking_rows(sessions);
  }
}
