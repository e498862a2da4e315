/* rc-error — the RC_ERROR domain (see rc-error.h). */
#include "base/rc-error.h"

G_DEFINE_QUARK(rc-error, rc_error)
