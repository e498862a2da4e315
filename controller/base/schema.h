/* schema — declarative field lists for request bodies (REST and
 * WebSocket share them) and the one validation path they all go through.
 * A body with an unknown field, a missing required field, a wrong type, a
 * string too long or a number out of range is refused before any handler
 * runs; the error names the field. */
#pragma once
#include <glib.h>
#include "base/rc-json.h"

typedef enum {
  RC_FIELD_STRING,   /* min..max characters (UTF-8 code points) */
  RC_FIELD_TEXT,     /* like STRING, newlines allowed */
  RC_FIELD_INT,      /* min..max */
  RC_FIELD_INT_OR_NULL, /* min..max, or null (= the default) */
  RC_FIELD_BOOL,
  RC_FIELD_ID,       /* positive integer */
  RC_FIELD_ID_OR_NULL,
  RC_FIELD_ID_LIST,  /* array of distinct positive integers, at most max */
  RC_FIELD_TIME,     /* ISO 8601 with zone; rewritten to UTC "…Z" */
  RC_FIELD_ENUM,     /* one of choices */
  RC_FIELD_USERNAME, /* 3..32 of [a-z0-9._-] */
  RC_FIELD_CODE,     /* 1..32 of [A-Z0-9_-] */
  RC_FIELD_STRING_LIST, /* min..max strings of 1..100 characters each */
  RC_FIELD_IPV4_NET, /* "" or an IPv4 address or CIDR subnet (ipv4-net.h) */
} rc_field_type;

typedef struct {
  const char *name;
  rc_field_type type;
  gboolean required;
  gint64 min, max;
  const char *const *choices; /* RC_FIELD_ENUM: NULL-terminated */
} rc_field;

/* Validates @body (must be an object) against @fields (terminated by an
 * entry with name NULL), normalizing TIME values in place.
 * On error, FALSE with RC_ERROR_INVALID "field: reason". */
gboolean rc_schema_validate(json_t *body, const rc_field *fields, GError **error);

/* Parses ISO 8601 with a zone into canonical UTC "YYYY-MM-DDTHH:MM:SSZ",
 * or NULL. (transfer full) */
char *rc_schema_normalize_time(const char *text);
