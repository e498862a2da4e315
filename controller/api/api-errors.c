/* api-errors — wire error codes and their mapping from GErrors. */
#include "api/api-errors.h"
#include "base/rc-error.h"

#include <string.h>

G_DEFINE_QUARK(rc-api-error, rc_api_error)

static const struct {
  rc_wire_code code;
  const char *name;
  int http;
} wire_codes[] = {
  {RC_WIRE_BAD_JSON, "bad_json", 400},
  {RC_WIRE_BAD_FIELD, "bad_field", 400},
  {RC_WIRE_UNKNOWN_TYPE, "unknown_type", 400},
  {RC_WIRE_TOO_LARGE, "too_large", 413},
  {RC_WIRE_UNSUPPORTED_MEDIA, "unsupported_media", 415},
  {RC_WIRE_BAD_PATH, "bad_path", 400},
  {RC_WIRE_LENGTH_REQUIRED, "length_required", 411},
  {RC_WIRE_BAD_SDP, "bad_sdp", 400},
  {RC_WIRE_NOT_ACCEPTABLE, "not_acceptable", 406},
  {RC_WIRE_UNAUTHENTICATED, "unauthenticated", 401},
  {RC_WIRE_FORBIDDEN, "forbidden", 403},
  {RC_WIRE_TOKEN_EXPIRED, "token_expired", 401},
  {RC_WIRE_BAD_CREDENTIALS, "bad_credentials", 401},
  {RC_WIRE_NOT_FOUND, "not_found", 404},
  {RC_WIRE_CONFLICT, "conflict", 409},
  {RC_WIRE_INVALID_STATE, "invalid_state", 409},
  {RC_WIRE_METHOD_NOT_ALLOWED, "method_not_allowed", 405},
  {RC_WIRE_RATE_LIMITED, "rate_limited", 429},
  {RC_WIRE_INTERNAL, "internal", 500},
  {RC_WIRE_UNAVAILABLE, "unavailable", 503},
  {RC_WIRE_STORAGE_FULL, "storage_full", 507},
};

const char *
rc_wire_name(rc_wire_code code)
{
  for (guint i = 0; i < G_N_ELEMENTS(wire_codes); i++)
    if (wire_codes[i].code == code)
      return wire_codes[i].name;
  return "internal";
}

int
rc_wire_http_status(rc_wire_code code)
{
  for (guint i = 0; i < G_N_ELEMENTS(wire_codes); i++)
    if (wire_codes[i].code == code)
      return wire_codes[i].http;
  return 500;
}

rc_wire_code
rc_wire_code_from_error(const GError *error)
{
  if (error->domain == RC_API_ERROR)
    return (rc_wire_code)error->code;
  if (error->domain != RC_ERROR)
    return RC_WIRE_INTERNAL;
  switch ((rc_error_code)error->code) {
  case RC_ERROR_INVALID: return RC_WIRE_BAD_FIELD;
  case RC_ERROR_NOT_FOUND: return RC_WIRE_NOT_FOUND;
  case RC_ERROR_CONFLICT: return RC_WIRE_CONFLICT;
  case RC_ERROR_INVALID_STATE: return RC_WIRE_INVALID_STATE;
  case RC_ERROR_FORBIDDEN: return RC_WIRE_FORBIDDEN;
  case RC_ERROR_UNSUPPORTED: return RC_WIRE_UNSUPPORTED_MEDIA;
  case RC_ERROR_TOO_LARGE: return RC_WIRE_TOO_LARGE;
  case RC_ERROR_STORAGE_FULL: return RC_WIRE_STORAGE_FULL;
  default: return RC_WIRE_INTERNAL;
  }
}

/* "title: must be ..." → field "title" when the prefix is an identifier. */
static char *
field_of(const char *reason)
{
  const char *colon = strchr(reason, ':');
  if (!colon || colon == reason || colon - reason > 40)
    return NULL;
  for (const char *p = reason; p < colon; p++)
    if (!g_ascii_isalnum(*p) && *p != '_' && *p != '.')
      return NULL;
  return g_strndup(reason, (gsize)(colon - reason));
}

json_t *
rc_wire_error_object(const GError *error)
{
  rc_wire_code code = rc_wire_code_from_error(error);
  /* Internal details (SQL text, paths) stay in the log, not on the wire. */
  /* Reasons may quote outside input (a parser's error text): only valid
   * UTF-8 goes on the wire, or jansson would refuse the string. */
  /* A full disk has one reason whatever failed: the client must know that
   * what it sent was not kept, and may send it again once space is back. */
  const char *text = code == RC_WIRE_INTERNAL       ? "internal error"
                     : code == RC_WIRE_STORAGE_FULL ? RC_WIRE_STORAGE_FULL_REASON
                                                    : error->message;
  g_autofree char *reason = g_utf8_make_valid(text, -1);
  json_t *obj = json_pack("{si ss ss}", "code", (int)code, "name", rc_wire_name(code), "reason", reason);
  g_autofree char *field = code == RC_WIRE_BAD_FIELD ? field_of(error->message) : NULL;
  if (field && g_utf8_validate(field, -1, NULL))
    json_object_set_new(obj, "field", json_string(field));
  return obj;
}
