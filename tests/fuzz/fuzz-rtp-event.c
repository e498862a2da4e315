/* libFuzzer target: RFC 4733 telephone-event packets from a SIP site's
 * audio (devices/rtp-event.c), read one after another with the state a
 * stream keeps (the input is packets, each after its length byte). What
 * is told is at most two keys, each a keypad digit. */
#include "devices/rtp-event.h"

#include <gst/gst.h>
#include <stdint.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static gboolean init;
  if (!init) {
    gst_init(NULL, NULL);
    init = TRUE;
  }
  rc_rtp_events st = {0};
  /* Each packet: one length byte, then that many bytes (or what is left). */
  while (size > 0) {
    size_t n = MIN((size_t)data[0], size - 1);
    rc_rtp_key keys[2];
    guint told = rc_rtp_events_read(&st, data + 1, n, data[0] & 1 ? 8000 : 48000, keys);
    g_assert(told <= 2);
    for (guint i = 0; i < told; i++)
      g_assert(keys[i].digit && strchr("0123456789*#ABCD", keys[i].digit));
    data += n + 1;
    size -= n + 1;
  }
  return 0;
}
