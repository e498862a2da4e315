/* records-minutes — lays out one session's facts (records-facts.c) as the
 * draft of its minutes, in Vietnamese: who attended (delegates and sites,
 * with their times), each agenda item with its times, documents (title,
 * pages, SHA-256), speakers and votes, for a closed session the tablets
 * that gave its documents back, and the signature block. Open votes
 * list who chose what; secret votes never name anyone. Pure. */
#define G_LOG_DOMAIN "roomctl-records"
#include "records/records-private.h"

static const double W_PRESENT[] = {0.06, 0.28, 0.28, 0.13, 0.11, 0.14};
static const double W_ABSENT[] = {0.07, 0.40, 0.53};
static const double W_SITES[] = {0.07, 0.14, 0.35, 0.11, 0.11, 0.22};
static const double W_DOCS[] = {0.34, 0.08, 0.58};
static const double W_SPEAKERS[] = {0.07, 0.43, 0.20, 0.30};
static const double W_COUNTS[] = {0.60, 0.20, 0.20};
static const double W_NAMED[] = {0.07, 0.53, 0.40};
static const double W_SIGN[] = {0.5, 0.5};
static const double W_RECOVERED[] = {0.07, 0.33, 0.18, 0.24, 0.18};

const char *
rc_records_vote_outcome(json_t *result)
{
  if (!json_is_object(result))
    return "CHƯA KẾT THÚC";
  if (!REC_TRUE(result, "quorum_met"))
    return "KHÔNG ĐỦ TÚC SỐ, KHÔNG THÔNG QUA";
  return REC_TRUE(result, "passed") ? "THÔNG QUA" : "KHÔNG THÔNG QUA";
}

char *
rec_vote_counts_text(json_t *vote)
{
  json_t *counts = json_object_get(json_object_get(vote, "result"), "counts");
  if (!json_is_array(counts))
    return g_strdup("—");
  GString *out = g_string_new(NULL);
  size_t i;
  json_t *c;
  json_array_foreach(counts, i, c)
    g_string_append_printf(out, "%s%s: %" JSON_INTEGER_FORMAT, i ? "; " : "", rec_option(vote, (gint64)i),
                           json_integer_value(c));
  return g_string_free(out, FALSE);
}

char *
rec_vote_summary(json_t *vote)
{
  json_t *r = json_object_get(vote, "result");
  if (!json_is_object(r))
    return g_strdup("Biểu quyết chưa kết thúc.");
  gboolean of_members = g_strcmp0(REC_STR(r, "majority"), "members") == 0;
  return g_strdup_printf("Có mặt %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT " đại biểu; số phiếu đã bỏ: %" G_GINT64_FORMAT
                         ". Túc số (%" G_GINT64_FORMAT "%% số đại biểu): %s. Cần ít nhất %" G_GINT64_FORMAT
                         " phiếu “%s” (trên %" G_GINT64_FORMAT "%% %s). Kết quả: %s.",
                         REC_INT(r, "present"), REC_INT(r, "members"), REC_INT(r, "cast"), REC_INT(r, "quorum_percent"),
                         REC_TRUE(r, "quorum_met") ? "đạt" : "không đạt", REC_INT(r, "needed"), rec_option(vote, 0),
                         REC_INT(r, "majority_percent"), of_members ? "tổng số đại biểu" : "số đại biểu có mặt",
                         rc_records_vote_outcome(r));
}

static char *
person_unit(json_t *e)
{
  const char *title = REC_STR(e, "title"), *unit = REC_STR(e, "unit");
  if (title && *title && unit && *unit)
    return g_strdup_printf("%s, %s", title, unit);
  return g_strdup(title && *title ? title : unit ? unit : "");
}

static void
delegates_part(rc_doc *doc, json_t *attendance, GTimeZone *tz)
{
  json_t *list = json_object_get(attendance, "delegates");
  gint64 expected = REC_INT(attendance, "expected"), attended = 0;
  size_t i;
  json_t *e;
  json_array_foreach(list, i, e) attended += REC_STR(e, "first_in") != NULL;
  rc_doc_paragraph(doc, "Tổng số đại biểu được triệu tập: %" G_GINT64_FORMAT "; có mặt: %" G_GINT64_FORMAT
                        "; vắng mặt: %" G_GINT64_FORMAT ".", expected, attended, expected - attended);
  rc_doc_heading(doc, 2, "1. Đại biểu có mặt");
  rc_doc_table(doc, W_PRESENT, 0, "STT", "Họ và tên", "Chức vụ, đơn vị", "Giờ điểm danh", "Giờ rời", "Hình thức", NULL);
  gint64 n = 0;
  json_array_foreach(list, i, e) {
    if (!REC_STR(e, "first_in"))
      continue;
    g_autofree char *no = rec_num(++n), *unit = person_unit(e);
    g_autofree char *in = rc_records_time(REC_STR(e, "first_in"), tz), *out = rc_records_time(REC_STR(e, "last_out"), tz);
    rc_doc_row(doc, no, REC_STR(e, "full_name"), unit, in, out,
               g_strcmp0(REC_STR(e, "method"), "console") == 0 ? "Thư ký ghi nhận" : "Máy tính bảng");
  }
  rc_doc_heading(doc, 2, "2. Đại biểu vắng mặt");
  if (attended == expected) {
    rc_doc_paragraph(doc, "Không có.");
    return;
  }
  rc_doc_table(doc, W_ABSENT, 0, "STT", "Họ và tên", "Chức vụ, đơn vị", NULL);
  n = 0;
  json_array_foreach(list, i, e) {
    if (REC_STR(e, "first_in"))
      continue;
    g_autofree char *no = rec_num(++n), *unit = person_unit(e);
    rc_doc_row(doc, no, REC_STR(e, "full_name"), unit);
  }
}

static void
sites_part(rc_doc *doc, json_t *sites, GTimeZone *tz)
{
  rc_doc_heading(doc, 2, "3. Điểm cầu");
  gint64 heard = 0;
  size_t i;
  json_t *s;
  json_array_foreach(sites, i, s) heard += json_array_size(json_object_get(s, "calls")) > 0;
  if (json_array_size(sites) == 0) {
    rc_doc_paragraph(doc, "Phiên họp không có điểm cầu trực tuyến.");
    return;
  }
  rc_doc_paragraph(doc, "Điểm cầu tham gia: %" G_GINT64_FORMAT "/%zu.", heard, json_array_size(sites));
  rc_doc_table(doc, W_SITES, 0, "STT", "Mã", "Điểm cầu", "Tham gia", "Rời", "Thời lượng", NULL);
  gint64 n = 0;
  json_array_foreach(sites, i, s) {
    gboolean present = json_array_size(json_object_get(s, "calls")) > 0;
    g_autofree char *no = rec_num(++n), *in = rc_records_time(REC_STR(s, "joined_at"), tz);
    g_autofree char *out = rc_records_time(REC_STR(s, "left_at"), tz);
    g_autofree char *len = present ? rc_records_duration(REC_INT(s, "seconds")) : g_strdup("Vắng mặt");
    rc_doc_row(doc, no, REC_STR(s, "code"), REC_STR(s, "name"), in, out, len);
  }
}

static void
vote_part(rc_doc *doc, json_t *vote, GTimeZone *tz)
{
  gboolean secret = REC_TRUE(vote, "secret");
  g_autofree char *title = g_strdup_printf("Biểu quyết %s: %s", secret ? "kín" : "công khai", REC_STR(vote, "question"));
  rc_doc_heading(doc, 3, title);
  g_autofree char *opened = rc_records_time(REC_STR(vote, "opened_at"), tz);
  g_autofree char *closed = rc_records_time(REC_STR(vote, "closed_at"), tz);
  rc_doc_note(doc, "Mở lúc %s, đóng lúc %s.", opened, closed);
  json_t *r = json_object_get(vote, "result");
  json_t *counts = json_object_get(r, "counts");
  if (json_is_array(counts)) {
    gint64 members = REC_INT(r, "members");
    rc_doc_table(doc, W_COUNTS, 0, "Phương án", "Số phiếu", "Tỷ lệ", NULL);
    size_t i;
    json_t *c;
    json_array_foreach(counts, i, c) {
      g_autofree char *count = rec_num(json_integer_value(c));
      g_autofree char *pct = members ? rc_records_percent(json_integer_value(c), members) : g_strdup("—");
      rc_doc_row(doc, rec_option(vote, (gint64)i), count, pct);
    }
  }
  g_autofree char *summary = rec_vote_summary(vote);
  rc_doc_paragraph(doc, "%s", summary);
  if (secret) {
    rc_doc_note(doc, "Biểu quyết kín: biên bản không ghi tên người bỏ phiếu.");
    return;
  }
  json_t *named = json_object_get(vote, "named");
  if (json_array_size(named) == 0)
    return;
  rc_doc_table(doc, W_NAMED, 0, "STT", "Họ và tên", "Lựa chọn", NULL);
  size_t i;
  json_t *b;
  json_array_foreach(named, i, b) {
    g_autofree char *no = rec_num((gint64)i + 1);
    rc_doc_row(doc, no, REC_STR(b, "full_name"), rec_option(vote, REC_INT(b, "option")));
  }
}

static void
documents_part(rc_doc *doc, json_t *documents)
{
  if (json_array_size(documents) == 0)
    return;
  rc_doc_table(doc, W_DOCS, 1u << 2, "Tài liệu", "Số trang", "SHA-256", NULL);
  size_t i;
  json_t *d;
  json_array_foreach(documents, i, d) {
    g_autofree char *pages = rec_num(REC_INT(d, "pages"));
    rc_doc_row(doc, REC_STR(d, "title"), pages, REC_STR(d, "sha256"));
  }
}

/* Speakers and votes of @item_id (0: those of no item still on the agenda). */
static gboolean
belongs(json_t *row, const char *key, gint64 item_id, json_t *agenda)
{
  gint64 id = REC_INT(row, key);
  if (item_id)
    return id == item_id;
  size_t i;
  json_t *it;
  json_array_foreach(agenda, i, it) if (REC_INT(it, "id") == id) return FALSE;
  return TRUE;
}

static guint
speakers_part(rc_doc *doc, json_t *speakers, gint64 item_id, json_t *agenda, GTimeZone *tz)
{
  guint n = 0;
  size_t i;
  json_t *s;
  json_array_foreach(speakers, i, s) {
    if (!belongs(s, "agenda_item_id", item_id, agenda))
      continue;
    if (n++ == 0) {
      rc_doc_paragraph(doc, "Ý kiến phát biểu:");
      rc_doc_table(doc, W_SPEAKERS, 0, "STT", "Đại biểu", "Bắt đầu", "Thời lượng", NULL);
    }
    g_autofree char *no = rec_num(n), *at = rc_records_time(REC_STR(s, "granted_at"), tz);
    g_autofree char *len = rc_records_duration(REC_INT(s, "seconds"));
    rc_doc_row(doc, no, REC_STR(s, "full_name"), at, len);
  }
  return n;
}

static guint
votes_part(rc_doc *doc, json_t *votes, gint64 item_id, json_t *agenda, GTimeZone *tz)
{
  guint n = 0;
  size_t i;
  json_t *v;
  json_array_foreach(votes, i, v) {
    if (belongs(v, "agenda_item_id", item_id, agenda)) {
      vote_part(doc, v, tz);
      n++;
    }
  }
  return n;
}

static void
item_part(rc_doc *doc, json_t *facts, json_t *item, GTimeZone *tz)
{
  json_t *agenda = json_object_get(facts, "agenda");
  g_autofree char *heading = g_strdup_printf("%s. %s", REC_STR(item, "number"), REC_STR(item, "title"));
  rc_doc_heading(doc, 2, heading);
  const char *presenter = REC_STR(item, "presenter");
  if (presenter && *presenter)
    rc_doc_paragraph(doc, "Người trình bày: %s.", presenter);
  const char *start = REC_STR(item, "started_at"), *end = REC_STR(item, "ended_at");
  if (start) {
    g_autofree char *a = rc_records_time(start, tz), *b = rc_records_time(end, tz);
    g_autofree char *len = rc_records_duration(rc_records_seconds_between(start, end));
    rc_doc_paragraph(doc, "Thời gian: %s – %s (%s).", a, end ? b : "đang diễn ra", end ? len : "chưa kết thúc");
  } else {
    rc_doc_note(doc, "Nội dung này không được đưa ra tại phiên họp.");
  }
  documents_part(doc, json_object_get(item, "documents"));
  gint64 id = REC_INT(item, "id");
  speakers_part(doc, json_object_get(facts, "speakers"), id, agenda, tz);
  votes_part(doc, json_object_get(facts, "votes"), id, agenda, tz);
}

static void
header_part(rc_doc *doc, json_t *s, GTimeZone *tz)
{
  g_autofree char *started = rc_records_datetime(REC_STR(s, "started_at"), tz);
  g_autofree char *ended = rc_records_datetime(REC_STR(s, "ended_at"), tz);
  g_autofree char *plan_a = rc_records_datetime(REC_STR(s, "starts_at"), tz);
  g_autofree char *plan_b = rc_records_datetime(REC_STR(s, "ends_at"), tz);
  rc_doc_paragraph(doc, "Thời gian: bắt đầu lúc %s, kết thúc lúc %s (theo lịch: %s – %s).", started,
                   REC_STR(s, "ended_at") ? ended : "— (phiên họp chưa kết thúc)", plan_a, plan_b);
  const char *room = REC_STR(s, "room");
  rc_doc_paragraph(doc, "Địa điểm: %s.", room && *room ? room : "—");
  const char *desc = REC_STR(s, "description");
  if (desc && *desc)
    rc_doc_paragraph(doc, "%s", desc);
}

/* A closed session: each delegate's tablets, recovered or not. */
static void
recoveries_part(rc_doc *doc, json_t *recoveries, GTimeZone *tz)
{
  rc_doc_heading(doc, 1, "IV. THU HỒI TÀI LIỆU (PHIÊN HỌP KÍN)");
  rc_doc_paragraph(doc, "Tài liệu và ghi chú của phiên họp kín được xóa khỏi máy tính bảng khi phiên họp kết thúc; "
                        "mỗi máy gửi xác nhận đã thu hồi.");
  rc_doc_table(doc, W_RECOVERED, 0, "STT", "Đại biểu", "Máy tính bảng", "Thu hồi", "Tài liệu / ghi chú", NULL);
  gint64 n = 0;
  size_t i, j;
  json_t *d, *tab;
  json_array_foreach(recoveries, i, d) {
    g_autofree char *no = rec_num(++n);
    json_t *tablets = json_object_get(d, "tablets");
    if (json_array_size(tablets) == 0)
      rc_doc_row(doc, no, REC_STR(d, "full_name"), "—", "Không mở phiên họp trên máy tính bảng", "—");
    json_array_foreach(tablets, j, tab) {
      g_autofree char *device = g_strndup(REC_STR(tab, "device"), 8);
      g_autofree char *at = rc_records_datetime(REC_STR(tab, "recovered_at"), tz);
      g_autofree char *when = REC_TRUE(tab, "recovered") ? g_strdup_printf("Đã thu hồi, %s", at)
                                                          : g_strdup("CHƯA THU HỒI");
      g_autofree char *counts = REC_TRUE(tab, "recovered")
                                    ? g_strdup_printf("%" G_GINT64_FORMAT " / %" G_GINT64_FORMAT,
                                                      REC_INT(tab, "documents"), REC_INT(tab, "notes"))
                                    : g_strdup("—");
      rc_doc_row(doc, j ? "" : no, j ? "" : REC_STR(d, "full_name"), device, when, counts);
    }
  }
}

rc_doc *
rc_records_minutes(json_t *facts, GTimeZone *tz)
{
  json_t *s = json_object_get(facts, "session");
  g_autofree char *footer = g_strdup_printf("Dự thảo biên bản — phiên số %" G_GINT64_FORMAT, REC_INT(s, "id"));
  rc_doc *doc = rc_doc_new("BIÊN BẢN PHIÊN HỌP", REC_STR(s, "title"), footer);
  rc_doc_set_organisation(doc, REC_STR(facts, "organisation"));
  header_part(doc, s, tz);
  rc_doc_heading(doc, 1, "I. THÀNH PHẦN THAM DỰ");
  delegates_part(doc, json_object_get(facts, "attendance"), tz);
  sites_part(doc, json_object_get(facts, "sites"), tz);
  rc_doc_heading(doc, 1, "II. DIỄN BIẾN PHIÊN HỌP");
  json_t *agenda = json_object_get(facts, "agenda");
  size_t i;
  json_t *item;
  json_array_foreach(agenda, i, item) item_part(doc, facts, item, tz);
  if (json_array_size(agenda) == 0)
    rc_doc_paragraph(doc, "Phiên họp không có chương trình nghị sự.");
  rc_doc_heading(doc, 1, "III. NỘI DUNG NGOÀI CHƯƠNG TRÌNH");
  guint other = speakers_part(doc, json_object_get(facts, "speakers"), 0, agenda, tz);
  other += votes_part(doc, json_object_get(facts, "votes"), 0, agenda, tz);
  if (other == 0)
    rc_doc_paragraph(doc, "Không có.");
  if (json_object_get(facts, "recoveries"))
    recoveries_part(doc, json_object_get(facts, "recoveries"), tz);
  g_autoptr(GDateTime) now = g_date_time_new_now(tz);
  g_autofree char *made = g_date_time_format(now, "%H:%M %d/%m/%Y");
  rc_doc_note(doc, "Bản dự thảo do roomctl lập lúc %s từ dữ liệu ghi nhận trong phiên họp; thư ký kiểm tra, "
                   "hoàn chỉnh trước khi trình ký.", made);
  rc_doc_table(doc, W_SIGN, 0, "THƯ KÝ", "CHỦ TỌA", NULL);
  rc_doc_row(doc, "(Ký, ghi rõ họ tên)\n\n\n\n", "(Ký, ghi rõ họ tên)\n\n\n\n");
  return doc;
}
