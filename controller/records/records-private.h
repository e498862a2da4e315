/* records-private — what the records-*.c files share: reading the facts. */
#pragma once
#include "records/records.h"

#define REC_STR(o, k) json_string_value(json_object_get((o), (k)))
#define REC_INT(o, k) ((gint64)json_integer_value(json_object_get((o), (k))))
#define REC_TRUE(o, k) json_is_true(json_object_get((o), (k)))

/* "N" as a string for a table cell. (transfer full) */
static inline char *
rec_num(gint64 n)
{
  return g_strdup_printf("%" G_GINT64_FORMAT, n);
}

/* The label of option @i of @vote ("?" when out of range). (transfer none) */
static inline const char *
rec_option(json_t *vote, gint64 i)
{
  const char *s = json_string_value(json_array_get(json_object_get(vote, "options"), (size_t)i));
  return s ? s : "?";
}

/* "Đồng ý: 3; Không đồng ý: 1; …" from a closed vote's counts. (transfer full) */
char *rec_vote_counts_text(json_t *vote);
/* "Có mặt 5/6 đại biểu; … Kết quả: THÔNG QUA." (transfer full) */
char *rec_vote_summary(json_t *vote);
