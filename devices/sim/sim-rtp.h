/* sim-rtp — the simulator's view of the wire (see web/docs/media.md, "Ports
 * and identity"): RTP headers with the send-time extension, and the RTCP
 * reports a site sends (SR/RR/SDES) or must understand (PLI, FIR). What the
 * controller and a site share — a site's SSRCs from its code, the H.264
 * keyframe test, a PLI — is the controller's wire leaf, base/rtp.h, linked
 * into the simulator too: one definition for both ends.
 * Pure functions on caller-owned buffers: no allocation, no I/O. */
#pragma once
#include "base/rtp.h"

#include <glib.h>

#define SIM_PT_H264 96
#define SIM_PT_OPUS 111
#define SIM_PROGRAM_VIDEO_SSRC 0x50524F47u
#define SIM_PROGRAM_AUDIO_SSRC 0x50524F41u
#define SIM_SEND_TIME_EXT_ID 1
#define SIM_SOURCE_EXT_ID 2
/* 12 fixed bytes + 4 bytes of 0xBEDE header + (1 + 8) send time
 * + (1 + 4) source SSRC + 2 padding. */
#define SIM_RTP_HEADER_LEN 32

/* Writes SIM_RTP_HEADER_LEN bytes: version 2, the extension bit, the
 * send-time element (ID 1, 8 bytes, @send_time_us big-endian) and the
 * source element (ID 2, 4 bytes, @ssrc again): a relay that rewrites the
 * SSRC (the controller's program) forwards extensions untouched, so a
 * receiver still knows whose packet it got. */
void sim_rtp_write_header(guint8 *out, guint8 pt, gboolean marker, guint16 seq,
                          guint32 timestamp, guint32 ssrc, guint64 send_time_us);

typedef struct {
  guint8 pt;
  gboolean marker;
  guint16 seq;
  guint32 timestamp;
  guint32 ssrc;
  gboolean has_send_time, has_source;
  guint64 send_time_us;
  guint32 source_ssrc;
  const guint8 *payload; /* points into the parsed buffer */
  gsize payload_len;
} sim_rtp_info;

/* Parses an RTP packet (CSRCs, RFC 8285 one- and two-byte extensions,
 * padding). FALSE if @data is not a well-formed RTP packet. */
gboolean sim_rtp_parse(const guint8 *data, gsize len, sim_rtp_info *out);


/* Number of keyframe requests (PLI, FIR entries) in the compound RTCP
 * packet @data whose media SSRC is @ssrc. Stops at the first malformed
 * sub-packet. */
guint sim_rtcp_count_keyframe_requests(const guint8 *data, gsize len, guint32 ssrc);


/* One reception report block's worth of receiver state. */
typedef struct {
  guint32 ssrc;
  guint8 fraction_lost;
  gint32 cumulative_lost;
  guint32 extended_max_seq;
  guint32 jitter;
} sim_rtcp_report_block;

/* Sender state for an SR; @packets == 0 means "send an RR instead". */
typedef struct {
  guint32 ssrc;
  guint64 now_us;    /* CLOCK_REALTIME, becomes the NTP timestamp */
  guint32 rtp_timestamp;
  guint32 packets;
  guint32 octets;
} sim_rtcp_sender;

/* Writes a compound SR (or RR) with at most one report block (@block may
 * be NULL) followed by SDES CNAME @cname (truncated to 255 bytes). Returns
 * the length written, 0 if @cap is too small. */
gsize sim_rtcp_write_report(guint8 *out, gsize cap, const sim_rtcp_sender *sender,
                            const sim_rtcp_report_block *block, const char *cname);

