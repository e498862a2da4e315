/* api-reply — what the handlers share, below the router: shaping replies
 * (JSON, errors as wire codes, CSV) and the audit rows of what the api
 * still does itself. */
#define G_LOG_DOMAIN "roomctl-api"
#include "api/api-private.h"

#include <string.h>

void
rc_api_reply_clear(rc_api_reply *r)
{
  g_clear_pointer(&r->body, g_bytes_unref);
  g_clear_pointer(&r->file_path, g_free);
  g_clear_pointer(&r->etag, g_free);
  g_clear_pointer(&r->set_cookie, g_free);
  g_clear_pointer(&r->content_disposition, g_free);
  g_clear_pointer(&r->location, g_free);
  r->status = 0;
  r->content_type = NULL;
}

void
rc_api_reply_json(rc_api_reply *r, int status, json_t *body)
{
  g_clear_pointer(&r->body, g_bytes_unref);
  r->status = status;
  r->content_type = "application/json; charset=utf-8";
  if (body) {
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!text) {
      g_warning("a reply could not be encoded as JSON");
      r->status = 500;
      text = g_strdup("{\"error\":{\"code\":1500,\"name\":\"internal\",\"reason\":\"internal error\"}}");
    }
    r->body = g_bytes_new_take(text, strlen(text));
  }
}

void
rc_api_reply_error(rc_api_reply *r, const GError *error)
{
  rc_wire_code code = rc_wire_code_from_error(error);
  if (code == RC_WIRE_INTERNAL)
    g_warning("internal error: %s", error->message);
  else if (code == RC_WIRE_STORAGE_FULL) /* the wire says only "disk full": what failed is here */
    g_warning("refused, the disk is full: %s", error->message);
  rc_api_reply_json(r, rc_wire_http_status(code), json_pack("{so}", "error", rc_wire_error_object(error)));
}

void
rc_api_reply_wire(rc_api_reply *r, rc_wire_code code, const char *reason)
{
  g_autoptr(GError) error = g_error_new_literal(RC_API_ERROR, code, reason);
  rc_api_reply_error(r, error);
}

/* A stored time ("2026-11-25T01:00:00Z") on the province's clock, still
 * one exact instant: "2026-11-25T08:00:00+07:00". NULL for anything else. */
static char *
csv_local_time(const char *s, GTimeZone *tz)
{
  if (!tz || strlen(s) != 20 || s[10] != 'T' || s[19] != 'Z')
    return NULL;
  g_autoptr(GDateTime) utc = g_date_time_new_from_iso8601(s, NULL);
  g_autoptr(GDateTime) local = utc ? g_date_time_to_timezone(utc, tz) : NULL;
  return local ? g_date_time_format(local, "%Y-%m-%dT%H:%M:%S%:z") : NULL;
}

static void
csv_field(GString *out, json_t *v, GTimeZone *tz)
{
  g_autofree char *num = json_is_integer(v) ? g_strdup_printf("%" JSON_INTEGER_FORMAT, json_integer_value(v))
                         : json_is_real(v)  ? g_strdup_printf("%g", json_real_value(v))
                         : json_is_string(v) ? csv_local_time(json_string_value(v), tz)
                                            : NULL;
  const char *s = num ? num : json_is_string(v) ? json_string_value(v) : "";
  /* A leading = + - @ is defused so spreadsheets do not run it. */
  gboolean formula = s[0] && strchr("=+-@", s[0]) && !num;
  g_string_append_c(out, '"');
  if (formula)
    g_string_append_c(out, '\'');
  for (; *s; s++) {
    if (*s == '"')
      g_string_append_c(out, '"');
    g_string_append_c(out, *s);
  }
  g_string_append_c(out, '"');
}

void
rc_api_reply_csv(rc_api_reply *r, json_t *rows, const char *const *cols, const char *filename, GTimeZone *tz)
{
  GString *out = g_string_new("\xEF\xBB\xBF"); /* BOM: spreadsheet apps then read UTF-8 */
  for (guint i = 0; cols[i]; i++)
    g_string_append_printf(out, "%s%s", i ? "," : "", cols[i]);
  g_string_append(out, "\r\n");
  size_t n;
  json_t *row;
  json_array_foreach(rows, n, row) {
    for (guint i = 0; cols[i]; i++) {
      if (i)
        g_string_append_c(out, ',');
      csv_field(out, json_object_get(row, cols[i]), tz);
    }
    g_string_append(out, "\r\n");
  }
  rc_api_reply_clear(r);
  r->status = 200;
  r->content_type = "text/csv; charset=utf-8";
  r->body = g_string_free_to_bytes(out);
  r->content_disposition = g_strdup_printf("attachment; filename=\"%s\"", filename);
}

/* ---- audit ---- */

/* Failures are logged, not fatal: what is audited here is done already. */
void
rc_api_audit(rc_api *api, gint64 user_id, const char *action, const char *target_fmt, ...)
{
  va_list args;
  va_start(args, target_fmt);
  g_autofree char *target = g_strdup_vprintf(target_fmt, args);
  va_end(args);
  g_autoptr(GError) error = NULL;
  if (!rc_store_audit(api->store, user_id, action, target, NULL, &error))
    g_warning("audit %s %s: %s", action, target, error->message);
}
