/* sdp-attr — readers of SDP attribute values that GstSDPMessage leaves as
 * text (payload types, fmtp parameters, ssrc, direction), shared by the
 * WebRTC (webrtc-sdp.h) and SIP (sip-sdp.h) offer parsers. Each reads into
 * bounded buffers and checks every number it takes. Pure: any thread. */
#pragma once
#include <gst/sdp/sdp.h>
#include <glib.h>

typedef enum {
  RC_SDP_INACTIVE = 0,
  RC_SDP_SENDONLY,
  RC_SDP_RECVONLY,
  RC_SDP_SENDRECV,
} rc_sdp_direction;

/* A token (RFC 4566): visible ASCII, no space; 1..@max - 1 chars. */
gboolean rc_sdp_is_token(const char *s, gsize max);
/* A payload type at the start of @s ("96 …"): 0..127, followed by spaces
 * or the end; *@rest points after the spaces. -1 when not ("096" is not). */
int rc_sdp_read_pt(const char *s, const char **rest);
/* The value of @name in fmtp parameters "a=1;b=2" (names in any case,
 * spaces around ';' allowed) into @out; FALSE when absent or too long. */
gboolean rc_sdp_fmtp_param(const char *params, const char *name, char *out, gsize out_size);
/* The a=fmtp parameters of @pt in @m, NULL when none. (transfer none) */
const char *rc_sdp_fmtp_of(const GstSDPMedia *m, int pt);
/* Whether payload type @pt is one of the m= line's formats. */
gboolean rc_sdp_listed(const GstSDPMedia *m, int pt);
/* The first SSRC of a=ssrc-group:FID (the media, not its rtx), else of the
 * first a=ssrc; 0 = none. */
guint32 rc_sdp_read_ssrc(const GstSDPMedia *m);
/* The direction attribute of the m-line, else of the session, else sendrecv. */
rc_sdp_direction rc_sdp_read_direction(const GstSDPMessage *msg, const GstSDPMedia *m);
/* The m-line's formats as whole tokens, as many as fit in @out (@size
 * bytes), for a port-0 answer; at least one ("0" when none is a token). */
void rc_sdp_copy_formats(const GstSDPMedia *m, char *out, gsize size);
