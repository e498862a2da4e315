/* rc-error — the one GError domain of roomctl's model and store.
 * Modules report what went wrong in domain terms; only the api layer turns
 * these codes into wire codes (api-errors.h). */
#pragma once
#include <glib.h>

#define RC_ERROR rc_error_quark()
GQuark rc_error_quark(void);

typedef enum {
  RC_ERROR_INVALID,       /* a value is not acceptable (names the field) */
  RC_ERROR_NOT_FOUND,
  RC_ERROR_CONFLICT,      /* unique name taken, still referenced */
  RC_ERROR_INVALID_STATE, /* not allowed in the object's current state */
  RC_ERROR_FORBIDDEN,
  RC_ERROR_UNSUPPORTED,   /* e.g. not a PDF */
  RC_ERROR_TOO_LARGE,
  RC_ERROR_INTERNAL,      /* database or I/O failure */
  RC_ERROR_STORAGE_FULL,  /* the disk is full: nothing was written */
} rc_error_code;
