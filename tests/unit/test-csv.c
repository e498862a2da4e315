/* Unit tests for the RFC 4180 reader. */
#include "base/csv.h"
#include "base/rc-error.h"

#include <string.h>

static GPtrArray *
parse(const char *text, GError **error)
{
  return rc_csv_parse(text, strlen(text), 1000, error);
}

static void
test_plain_and_quoted(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows =
      parse("\xEF\xBB\xBF" "code,name\r\nS-1,\"Sở Văn hóa, Thể thao\"\r\n\nS-2,\"say \"\"hi\"\"\nthere\"\n", &error);
  g_assert_no_error(error);
  g_assert_cmpuint(rows->len, ==, 3);
  char **h = rows->pdata[0], **a = rows->pdata[1], **b = rows->pdata[2];
  g_assert_cmpstr(h[0], ==, "code"); /* the BOM is not part of the first name */
  g_assert_cmpstr(a[1], ==, "Sở Văn hóa, Thể thao");
  g_assert_cmpstr(b[1], ==, "say \"hi\"\nthere");
  g_assert_cmpint(rc_csv_column(h, "name"), ==, 1);
  g_assert_cmpint(rc_csv_column(h, "nope"), ==, -1);
}

static void
test_empty_fields(void)
{
  g_autoptr(GPtrArray) rows = parse("a,,c,\n", NULL);
  char **r = rows->pdata[0];
  g_assert_cmpuint(g_strv_length(r), ==, 4);
  g_assert_cmpstr(r[1], ==, "");
  g_assert_cmpstr(r[3], ==, "");
}

static void
test_errors(void)
{
  const char *bad[] = {"a,\"open\n", "a,\"x\"y\n", "a,b\"c\n"};
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    g_assert_null(parse(bad[i], &error));
    g_assert_error(error, RC_ERROR, RC_ERROR_INVALID);
    g_assert_nonnull(strstr(error->message, "line 1"));
  }
  g_autoptr(GError) error = NULL;
  g_assert_null(parse("ok\n\xC3\x28\n", &error)); /* not UTF-8 (Latin-1 style) */
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID);
  g_clear_error(&error);
  g_assert_null(rc_csv_parse("a\nb\nc\n", 6, 2, &error));
  g_assert_error(error, RC_ERROR, RC_ERROR_TOO_LARGE);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/csv/plain-and-quoted", test_plain_and_quoted);
  g_test_add_func("/csv/empty-fields", test_empty_fields);
  g_test_add_func("/csv/errors", test_errors);
  return g_test_run();
}
