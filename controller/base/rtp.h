/* rtp — reading and writing the RTP and RTCP that sites send: header
 * parsing with every length checked (this is outside input: see the fuzz
 * target), H.264 keyframe detection inside RTP payloads, RTCP report and
 * feedback parsing, PLI building, and re-stamping a packet for the program.
 * Pure functions, no allocation, safe on any thread. */
#pragma once
#include <glib.h>

#define RC_RTCP_SR 200
#define RC_RTCP_RR 201
#define RC_RTCP_RTPFB 205
#define RC_RTCP_PSFB 206

typedef struct {
  guint8 payload_type;
  gboolean marker;
  guint16 seq;
  guint32 timestamp;
  guint32 ssrc;
  gsize header_len; /* fixed header + CSRCs + extension */
  const guint8 *payload;
  gsize payload_len; /* without padding */
  gboolean has_send_time;
  guint64 send_time_us; /* the roomctl send-time extension (ID 1, 8 bytes) */
} rc_rtp_packet;

/* Parses an RTP packet. FALSE for anything that is not a well-formed RTP v2
 * packet (too short, wrong version, lengths past the end, RTCP). */
gboolean rc_rtp_parse(const guint8 *data, gsize len, rc_rtp_packet *out);

/* Whether the packet looks like RTCP (RFC 5761: second byte 200..206). */
gboolean rc_rtp_is_rtcp(const guint8 *data, gsize len);

/* Whether an H.264 RTP payload (RFC 6184) starts a keyframe: an IDR slice or
 * an SPS, alone, in a STAP-A, or at the start of an FU-A. */
gboolean rc_h264_starts_keyframe(const guint8 *payload, gsize len);

typedef struct {
  guint32 ssrc;           /* the source reported on */
  guint8 fraction_lost;   /* /256 */
  gint32 cumulative_lost; /* 24-bit signed */
  guint32 highest_seq;
  guint32 jitter;         /* timestamp units */
  guint32 lsr, dlsr;
} rc_rtcp_report;

typedef struct {
  guint32 sender_ssrc;
  gboolean is_sender_report;
  guint n_reports;
  rc_rtcp_report reports[4];   /* the first four report blocks */
  gboolean keyframe_request;   /* a PLI or FIR was in the compound packet */
  guint32 keyframe_media_ssrc; /* whose keyframe is asked for */
} rc_rtcp_info;

/* Walks a compound RTCP packet. FALSE if malformed (lengths past the end,
 * wrong version); @out is then partly filled and must not be used. */
gboolean rc_rtcp_parse(const guint8 *data, gsize len, rc_rtcp_info *out);

/* Writes a 12-byte RTCP PLI asking @media_ssrc for a keyframe. */
gsize rc_rtcp_build_pli(guint8 out[12], guint32 sender_ssrc, guint32 media_ssrc);

/* Rewrites SSRC, sequence number and timestamp in place (extensions and
 * payload untouched). @len must be at least 12. */
void rc_rtp_restamp(guint8 *data, guint32 ssrc, guint16 seq, guint32 timestamp);
/* Rewrites SSRC and payload type in place (the marker bit kept). @len >= 12. */
void rc_rtp_restamp_source(guint8 *data, guint32 ssrc, guint8 payload_type);

/* One SSRC's outgoing sequence numbers, kept by the transport that sends
 * it: what it is given may come from several sources in turn (the
 * program's tiers, mixes, codecs), each numbered on its own. A gap of a
 * source is kept; a repeated, older or far number (a new source) follows
 * the last one sent: no number goes out twice, which SRTP's replay check
 * at the receiver would drop. Zeroed: not started (the first number is
 * kept). */
typedef struct {
  gboolean started;
  guint16 last_in, last_out;
} rc_rtp_seq_map;

/* The number to send @in as, and it becomes the last one. */
guint16 rc_rtp_seq_map_next(rc_rtp_seq_map *m, guint16 in);
/* Renumbers the RTP packet @data (>= 12 bytes) in place. */
void rc_rtp_seq_map_apply(rc_rtp_seq_map *m, guint8 *data);

/* FNV-1a 32-bit: a site's SSRCs come from its code (video even, audio odd). */
guint32 rc_rtp_site_ssrc(const char *code, gboolean audio);
