/* schema — one validation path for every request body. */
#include "base/schema.h"
#include "base/ipv4-net.h"
#include "base/rc-error.h"

#include <string.h>

char *
rc_schema_normalize_time(const char *text)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_iso8601(text, NULL);
  if (!t || strlen(text) > 40)
    return NULL;
  g_autoptr(GDateTime) utc = g_date_time_to_utc(t);
  return g_date_time_format(utc, "%Y-%m-%dT%H:%M:%SZ");
}

static gboolean
fail(GError **error, const char *field, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static gboolean
fail(GError **error, const char *field, const char *fmt, ...)
{
  va_list args;
  va_start(args, fmt);
  g_autofree char *reason = g_strdup_vprintf(fmt, args);
  va_end(args);
  g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "%s: %s", field, reason);
  return FALSE;
}

static gboolean
chars_ok(const char *s, const char *allowed_extra, gboolean upper)
{
  for (; *s; s++) {
    char c = *s;
    gboolean ok = g_ascii_isdigit(c) || strchr(allowed_extra, c) ||
                  (upper ? g_ascii_isupper(c) : g_ascii_islower(c));
    if (!ok)
      return FALSE;
  }
  return TRUE;
}

static gboolean
check_string(json_t *v, const rc_field *f, GError **error)
{
  if (!json_is_string(v))
    return fail(error, f->name, "must be a string");
  const char *s = json_string_value(v);
  if (strlen(s) != json_string_length(v))
    return fail(error, f->name, "must not contain NUL characters");
  glong n = g_utf8_strlen(s, -1);
  gint64 min = f->min, max = f->max;
  if (f->type == RC_FIELD_USERNAME) min = 3, max = 32;
  if (f->type == RC_FIELD_CODE) min = 1, max = 32;
  if (n < min || (max > 0 && n > max))
    return fail(error, f->name, "must be %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT " characters long",
                min, max);
  if (f->type != RC_FIELD_TEXT)
    for (const char *p = s; *p; p++)
      if ((unsigned char)*p < 0x20)
        return fail(error, f->name, "must not contain control characters");
  if (f->type == RC_FIELD_USERNAME && !chars_ok(s, "._-", FALSE))
    return fail(error, f->name, "may only contain a-z, 0-9, '.', '_' and '-'");
  if (f->type == RC_FIELD_CODE && !chars_ok(s, "_-", TRUE))
    return fail(error, f->name, "may only contain A-Z, 0-9, '_' and '-'");
  return TRUE;
}

static gboolean
check_id_list(json_t *v, const rc_field *f, GError **error)
{
  if (!json_is_array(v))
    return fail(error, f->name, "must be an array of ids");
  if (f->max > 0 && json_array_size(v) > (size_t)f->max)
    return fail(error, f->name, "must have at most %" G_GINT64_FORMAT " ids", f->max);
  g_autoptr(GHashTable) seen = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
  size_t i;
  json_t *id;
  json_array_foreach(v, i, id) {
    gint64 n = json_integer_value(id);
    if (!json_is_integer(id) || n <= 0)
      return fail(error, f->name, "element %zu is not a positive integer", i);
    if (!g_hash_table_add(seen, g_memdup2(&n, sizeof n)))
      return fail(error, f->name, "id %" G_GINT64_FORMAT " appears twice", n);
  }
  return TRUE;
}

static gboolean
check_string_list(json_t *v, const rc_field *f, GError **error)
{
  if (!json_is_array(v) || json_array_size(v) < (size_t)f->min || json_array_size(v) > (size_t)f->max)
    return fail(error, f->name, "must be a list of %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT " texts", f->min,
                f->max);
  rc_field item = {f->name, RC_FIELD_STRING, TRUE, 1, 100, NULL};
  size_t i;
  json_t *s;
  json_array_foreach(v, i, s) if (!check_string(s, &item, error)) return FALSE;
  return TRUE;
}

static gboolean
check_value(json_t *v, const rc_field *f, GError **error)
{
  switch (f->type) {
  case RC_FIELD_STRING:
  case RC_FIELD_TEXT:
  case RC_FIELD_USERNAME:
  case RC_FIELD_CODE:
    return check_string(v, f, error);
  case RC_FIELD_INT_OR_NULL:
    if (json_is_null(v))
      return TRUE;
    /* fall through */
  case RC_FIELD_INT:
    if (!json_is_integer(v) || json_integer_value(v) < f->min || json_integer_value(v) > f->max)
      return fail(error, f->name, "must be a whole number from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
                  f->min, f->max);
    return TRUE;
  case RC_FIELD_BOOL:
    return json_is_boolean(v) ? TRUE : fail(error, f->name, "must be true or false");
  case RC_FIELD_ID_OR_NULL:
    if (json_is_null(v))
      return TRUE;
    /* fall through */
  case RC_FIELD_ID:
    if (!json_is_integer(v) || json_integer_value(v) <= 0)
      return fail(error, f->name, "must be a positive integer id");
    return TRUE;
  case RC_FIELD_ID_LIST:
    return check_id_list(v, f, error);
  case RC_FIELD_STRING_LIST:
    return check_string_list(v, f, error);
  case RC_FIELD_IPV4_NET: {
    rc_ipv4_net net;
    g_autoptr(GError) why = NULL;
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
      return fail(error, f->name, "must be a string");
    if (!*json_string_value(v) || rc_ipv4_net_parse(json_string_value(v), &net, &why))
      return TRUE;
    return fail(error, f->name, "%s", why->message);
  }
  case RC_FIELD_TIME: {
    g_autofree char *utc = json_is_string(v) ? rc_schema_normalize_time(json_string_value(v)) : NULL;
    return utc ? TRUE : fail(error, f->name, "must be an ISO 8601 time with a zone, e.g. 2026-11-25T08:00:00+07:00");
  }
  case RC_FIELD_ENUM:
    for (const char *const *c = f->choices; json_is_string(v) && *c; c++)
      if (g_str_equal(*c, json_string_value(v)))
        return TRUE;
    {
      g_autofree char *list = g_strjoinv(", ", (char **)f->choices);
      return fail(error, f->name, "must be one of %s", list);
    }
  }
  return FALSE;
}

static const rc_field *
find_field(const rc_field *fields, const char *name)
{
  for (; fields && fields->name; fields++)
    if (g_str_equal(fields->name, name))
      return fields;
  return NULL;
}

gboolean
rc_schema_validate(json_t *body, const rc_field *fields, GError **error)
{
  if (!json_is_object(body))
    return fail(error, "body", "must be a JSON object");
  const char *key;
  json_t *value;
  json_object_foreach(body, key, value) {
    const rc_field *f = find_field(fields, key);
    if (!f)
      return fail(error, key, "is not a known field here");
    if (!check_value(value, f, error))
      return FALSE;
  }
  for (const rc_field *f = fields; f && f->name; f++) {
    json_t *v = json_object_get(body, f->name);
    if (f->required && !v)
      return fail(error, f->name, "is required");
    if (v && f->type == RC_FIELD_TIME) {
      g_autofree char *utc = rc_schema_normalize_time(json_string_value(v));
      json_object_set_new(body, f->name, json_string(utc));
    }
  }
  return TRUE;
}
