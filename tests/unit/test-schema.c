/* Unit tests for message validation (schema) and wire error mapping. */
#include "api/api-errors.h"
#include "base/schema.h"
#include "base/rc-error.h"

#include <string.h>

static const char *const colours[] = {"red", "green", NULL};
static const rc_field fields[] = {
  {"title", RC_FIELD_STRING, TRUE, 1, 5, NULL},
  {"notes", RC_FIELD_TEXT, FALSE, 0, 20, NULL},
  {"count", RC_FIELD_INT, FALSE, 0, 10, NULL},
  {"flag", RC_FIELD_BOOL, FALSE, 0, 0, NULL},
  {"parent", RC_FIELD_ID_OR_NULL, FALSE, 0, 0, NULL},
  {"ids", RC_FIELD_ID_LIST, FALSE, 0, 3, NULL},
  {"at", RC_FIELD_TIME, FALSE, 0, 0, NULL},
  {"colour", RC_FIELD_ENUM, FALSE, 0, 0, colours},
  {"user", RC_FIELD_USERNAME, FALSE, 0, 0, NULL},
  {"code", RC_FIELD_CODE, FALSE, 0, 0, NULL},
  {"from", RC_FIELD_IPV4_NET, FALSE, 0, 0, NULL},
  {NULL, 0, 0, 0, 0, NULL},
};

/* Validates @text; returns the field named in the error, or "" if valid. */
static char *
field_error(const char *text)
{
  g_autoptr(json_t) body = json_loads(text, JSON_ALLOW_NUL, NULL);
  g_assert_nonnull(body);
  g_autoptr(GError) error = NULL;
  if (rc_schema_validate(body, fields, &error))
    return g_strdup("");
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID);
  g_autoptr(json_t) wire = rc_wire_error_object(error);
  g_assert_cmpint(json_integer_value(json_object_get(wire, "code")), ==, RC_WIRE_BAD_FIELD);
  json_t *field = json_object_get(wire, "field");
  return g_strdup(field ? json_string_value(field) : "?");
}

static void
check(const char *text, const char *want_field)
{
  g_autofree char *got = field_error(text);
  if (!g_str_equal(got, want_field))
    g_error("%s: expected error on '%s', got '%s'", text, want_field, got);
}

static void
test_lengths_count_characters(void)
{
  check("{\"title\":\"Kỳ hợ\"}", "");   /* 5 characters, more bytes */
  check("{\"title\":\"Kỳ họp\"}", "title"); /* 6 characters */
  check("{\"title\":\"\"}", "title");
  check("{\"title\":\"a\\u0000b\"}", "title");
  check("{\"title\":\"a\\nb\"}", "title");            /* control characters */
  check("{\"title\":\"ab\",\"notes\":\"x\\ny\"}", ""); /* TEXT allows newlines */
}

static void
test_types_and_ranges(void)
{
  check("{}", "title");
  check("{\"title\":5}", "title");
  check("{\"title\":\"a\",\"extra\":1}", "extra");
  check("{\"title\":\"a\",\"count\":11}", "count");
  check("{\"title\":\"a\",\"count\":\"3\"}", "count");
  check("{\"title\":\"a\",\"count\":1.5}", "count");
  check("{\"title\":\"a\",\"flag\":1}", "flag");
  check("{\"title\":\"a\",\"parent\":null}", "");
  check("{\"title\":\"a\",\"parent\":0}", "parent");
  check("{\"title\":\"a\",\"ids\":[1,2,3]}", "");
  check("{\"title\":\"a\",\"ids\":[1,2,3,4]}", "ids");
  check("{\"title\":\"a\",\"ids\":[1,1]}", "ids");
  check("{\"title\":\"a\",\"ids\":[1,-2]}", "ids");
  check("{\"title\":\"a\",\"colour\":\"red\"}", "");
  check("{\"title\":\"a\",\"colour\":\"blue\"}", "colour");
  check("{\"title\":\"a\",\"user\":\"db01\"}", "");
  check("{\"title\":\"a\",\"user\":\"DB01\"}", "user");
  check("{\"title\":\"a\",\"user\":\"x'; DROP\"}", "user");
  check("{\"title\":\"a\",\"code\":\"H01-X02\"}", "");
  check("{\"title\":\"a\",\"code\":\"h01\"}", "code");
  check("{\"title\":\"a\",\"at\":\"tomorrow\"}", "at");
  check("{\"title\":\"a\",\"at\":\"2026-11-25T08:00:00\"}", "at"); /* no zone */
  check("{\"title\":\"a\",\"from\":\"10.12.3.0/24\"}", "");
  check("{\"title\":\"a\",\"from\":\"\"}", ""); /* none: the site's address's host */
  check("{\"title\":\"a\",\"from\":\"10.12.3.0/33\"}", "from");
  check("{\"title\":\"a\",\"from\":\"127.0.0.1\\u0000x\"}", "from");
  check("{\"title\":\"a\",\"from\":24}", "from");
}

static void
test_time_normalized(void)
{
  g_autoptr(json_t) body = json_loads("{\"title\":\"a\",\"at\":\"2026-11-25T08:00:00+07:00\"}", 0, NULL);
  g_assert_true(rc_schema_validate(body, fields, NULL));
  g_assert_cmpstr(json_string_value(json_object_get(body, "at")), ==, "2026-11-25T01:00:00Z");
}

static void
test_wire_mapping(void)
{
  g_autoptr(GError) internal = g_error_new(RC_ERROR, RC_ERROR_INTERNAL, "SELECT secret FROM x");
  g_autoptr(json_t) w = rc_wire_error_object(internal);
  g_assert_cmpint(json_integer_value(json_object_get(w, "code")), ==, RC_WIRE_INTERNAL);
  g_assert_null(strstr(json_string_value(json_object_get(w, "reason")), "secret"));
  g_assert_cmpint(rc_wire_http_status(RC_WIRE_NOT_FOUND), ==, 404);
  g_assert_cmpint(rc_wire_http_status(RC_WIRE_TOKEN_EXPIRED), ==, 401);
  g_assert_cmpint(rc_wire_http_status(RC_WIRE_TOO_LARGE), ==, 413);
  g_autoptr(GError) conflict = g_error_new(RC_ERROR, RC_ERROR_CONFLICT, "taken");
  g_assert_cmpint(rc_wire_code_from_error(conflict), ==, RC_WIRE_CONFLICT);
  g_assert_cmpstr(rc_wire_name(RC_WIRE_UNKNOWN_TYPE), ==, "unknown_type");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/schema/lengths-count-characters", test_lengths_count_characters);
  g_test_add_func("/schema/types-and-ranges", test_types_and_ranges);
  g_test_add_func("/schema/time-normalized", test_time_normalized);
  g_test_add_func("/schema/wire-mapping", test_wire_mapping);
  return g_test_run();
}
