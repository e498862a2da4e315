/* api-errors — the wire error codes, one table for HTTP and WebSocket.
 * Codes are stable: clients and tests match on them. Append, never renumber. */
#pragma once
#include <glib.h>
#include "base/rc-json.h"

typedef enum {
  RC_WIRE_BAD_JSON = 1000,
  RC_WIRE_BAD_FIELD = 1001,
  RC_WIRE_UNKNOWN_TYPE = 1002,
  RC_WIRE_TOO_LARGE = 1003,
  RC_WIRE_UNSUPPORTED_MEDIA = 1004,
  RC_WIRE_BAD_PATH = 1005,
  RC_WIRE_LENGTH_REQUIRED = 1006,
  RC_WIRE_BAD_SDP = 1007,        /* a WHIP/WHEP offer that is not usable SDP (HTTP 400) */
  RC_WIRE_NOT_ACCEPTABLE = 1008, /* an offer with no codec we take (HTTP 406) */
  RC_WIRE_UNAUTHENTICATED = 1100,
  RC_WIRE_FORBIDDEN = 1101,
  RC_WIRE_TOKEN_EXPIRED = 1102,
  RC_WIRE_BAD_CREDENTIALS = 1103,
  RC_WIRE_NOT_FOUND = 1200,
  RC_WIRE_CONFLICT = 1201,
  RC_WIRE_INVALID_STATE = 1202,
  RC_WIRE_METHOD_NOT_ALLOWED = 1203,
  RC_WIRE_RATE_LIMITED = 1400,
  RC_WIRE_INTERNAL = 1500,
  RC_WIRE_UNAVAILABLE = 1503,  /* a service that is off or not running now (HTTP 503) */
  RC_WIRE_STORAGE_FULL = 1507, /* the server's disk is full: nothing was recorded (HTTP 507) */
} rc_wire_code;

#define RC_WIRE_STORAGE_FULL_REASON "the server's disk is full; nothing was recorded"

/* Errors raised by the api layer itself carry wire codes directly. */
#define RC_API_ERROR rc_api_error_quark()
GQuark rc_api_error_quark(void);

const char *rc_wire_name(rc_wire_code code);
int rc_wire_http_status(rc_wire_code code);

/* Maps an RC_ERROR or RC_API_ERROR to a wire code. */
rc_wire_code rc_wire_code_from_error(const GError *error);

/* {"code":..,"name":..,"reason":..[,"field":..]}. A reason of the form
 * "field: text" (RC_ERROR_INVALID) names the field. (transfer full) */
json_t *rc_wire_error_object(const GError *error);
