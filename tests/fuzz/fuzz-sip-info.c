/* libFuzzer target: the body of a SIP INFO within a call (sip-info), read
 * as each type the controller takes (RFC 5168 media_control XML,
 * dtmf-relay, dtmf) and as one it does not. What parses must be one of the
 * kinds with a keypad digit where it says DTMF; what does not must say why
 * (malformed, or of another type: 415), never both. */
#include "devices/sip-info.h"

#include <stdint.h>
#include <string.h>

static const char *const types[] = {RC_SIP_INFO_MEDIA_CONTROL, "application/dtmf-relay", "application/dtmf",
                                    "Application/DTMF-Relay; charset=us-ascii", "text/plain", NULL};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  for (gsize i = 0; i < G_N_ELEMENTS(types); i++) {
    rc_sip_info info;
    g_autoptr(GError) error = NULL;
    gboolean ok = rc_sip_info_parse(types[i], (const char *)data, size, &info, &error);
    g_assert(ok == (error == NULL));
    if (!ok) {
      g_assert(error->domain == RC_SIP_INFO_ERROR && error->message[0]);
      g_assert(error->code == RC_SIP_INFO_ERROR_MALFORMED || error->code == RC_SIP_INFO_ERROR_UNSUPPORTED);
      g_assert((error->code == RC_SIP_INFO_ERROR_UNSUPPORTED) == (i >= 4)); /* only another type is 415 */
      continue;
    }
    g_assert(i < 4 || size == 0); /* another type reads only when empty */
    g_assert(size <= RC_SIP_INFO_MAX_BODY);
    switch (info.kind) {
    case RC_SIP_INFO_NOTHING:
      g_assert(info.digit == 0);
      break;
    case RC_SIP_INFO_FAST_UPDATE:
      g_assert(i == 0 && size > 0);
      break;
    case RC_SIP_INFO_DTMF:
      g_assert(i >= 1 && i <= 3 && info.digit && strchr("0123456789*#ABCD", info.digit));
      g_assert(info.duration_ms <= 60000);
      break;
    default:
      g_assert_not_reached();
    }
  }
  return 0;
}
