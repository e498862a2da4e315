/* audio-codec — the audio codecs a site may send and take, and what the
 * media needs to know of each: its SDP encoding name and static payload
 * type (RFC 3551), its RTP clock, the payload type it carries inside the
 * controller, and the GStreamer elements that depayload, decode, encode and
 * payload it. A transport says which one a site sends (rc_site_stream_format:
 * RTP sites Opus; a pulled camera what its RTSP SDP says; an SRT stream the
 * AAC of its MPEG-TS; a SIP call what was negotiated); the mixer decodes a
 * talker by it and encodes the program once per codec its receivers take.
 * Pure tables and lookups: any thread. */
#pragma once
#include <glib.h>
#include <gst/gst.h>

typedef enum {
  RC_AUDIO_OPUS,
  RC_AUDIO_PCMU, /* G.711 µ-law */
  RC_AUDIO_PCMA, /* G.711 A-law */
  RC_AUDIO_G722,
  RC_AUDIO_AAC, /* MPEG-4 AAC (RFC 3640 mpeg4-generic, AAC-hbr): received only
                 */
  RC_AUDIO_CODECS
} rc_audio_codec;

typedef struct {
  const char *name; /* "opus", "pcmu", "pcma", "g722", "aac": the API's and the docs' */
  const char *encoding_name; /* in SDP (a=rtpmap) and RTP caps */
  int static_pt; /* RFC 3551, or -1 (dynamic) */
  int pt; /* its payload type inside the controller and in the program */
  int clock_rate; /* the RTP clock (G.722: 8000 by RFC 3551, though it samples
                   * at 16 kHz); AAC: the stream's sample rate, this is the
                   * usual one */
  int frame_samples; /* RTP timestamp units per 20 ms program packet; 0 = not
                        encoded here */
  const char *depay, *decoder, *encoder, *pay; /* element factories; encoder NULL: not sent */
} rc_audio_codec_info;

/* The codec's row. @codec must be valid. (transfer none, static) */
const rc_audio_codec_info *rc_audio_codec_get(rc_audio_codec codec);
/* "opus", …; "?" for an invalid value. */
const char *rc_audio_codec_name(rc_audio_codec codec);

/* The codec of an SDP rtpmap's @encoding_name (any case; "MPEG4-GENERIC"
 * is AAC), or, with no name (NULL or ""), of static payload type @pt
 * (0 PCMU, 8 PCMA, 9 G722). FALSE: none we take (G.729, L16, …). */
gboolean rc_audio_codec_from_sdp(const char *encoding_name, int pt, rc_audio_codec *out);

/* The RTP caps for a stream of @codec with payload type @pt, RTP clock
 * @clock_rate (0: the codec's) and SDP format parameters @fmtp ("k=v;k=v",
 * as a=fmtp gives them, or NULL), each a string field of the caps: those
 * the depayloaders read (AAC's config, mode, sizelength…; Opus's
 * sprop-stereo…), names lowered; any other is dropped. (transfer full) */
GstCaps *rc_audio_codec_rtp_caps(rc_audio_codec codec, int pt, int clock_rate, const char *fmtp);

/* The fmtp of RTP caps @s (the reverse: its format parameters that
 * rc_audio_codec_rtp_caps takes, "k=v;k=v" sorted by name), or NULL when
 * it has none. (transfer full) */
char *rc_audio_codec_fmtp_of_caps(const GstStructure *s);
