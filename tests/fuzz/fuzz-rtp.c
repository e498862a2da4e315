/* libFuzzer target: everything roomctl reads from a media port — RTP
 * headers and extensions, H.264 payload headers, compound RTCP — and the
 * statistics fed with what parses. */
#include "base/rtp.h"
#include "media/media-stats.h"

#include <stdint.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static rc_stream_stats stats;
  static gboolean init;
  if (!init) {
    rc_stream_stats_init(&stats, 90000);
    init = TRUE;
  }
  rc_rtp_packet p;
  if (rc_rtp_parse(data, size, &p)) {
    gboolean key = rc_h264_starts_keyframe(p.payload, p.payload_len);
    g_assert(p.header_len + p.payload_len <= size);
    rc_stream_stats_update(&stats, &p, size, (gint64)size * 1000, key);
    rc_stream_report r;
    rc_stream_stats_report(&stats, &r);
  }
  rc_rtcp_info info;
  rc_rtcp_parse(data, size, &info);
  g_assert(info.n_reports <= 4);
  return 0;
}
