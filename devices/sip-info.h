/* sip-info — the bodies of SIP INFO requests within a call (RFC 6086's
 * "legacy" INFO usage, as room systems and MCUs send them): RFC 5168's
 * XML picture_fast_update (application/media_control+xml, read with
 * GLib's GMarkup), and a keypad digit as Cisco/Polycom send it
 * (application/dtmf-relay: "Signal=5\r\nDuration=160") or as the bare
 * digit (application/dtmf). Pure functions of the text: no I/O, no
 * state; devices/sip.c answers the INFO from what they say. Any thread. */
#pragma once
#include <glib.h>

/* The body types rc_sip_info_parse reads, as a 415's Accept header lists them. */
#define RC_SIP_INFO_ACCEPT "application/media_control+xml, application/dtmf-relay, application/dtmf"
/* The Content-Type and body of the INFO that asks an endpoint for a keyframe (RFC 5168 §3). */
#define RC_SIP_INFO_MEDIA_CONTROL "application/media_control+xml"
extern const char rc_sip_info_fast_update_body[];

/* Bodies longer than this are refused as malformed (ours are a few hundred bytes). */
#define RC_SIP_INFO_MAX_BODY 4096

typedef enum {
  RC_SIP_INFO_NOTHING,     /* no body (a keep-alive), or a media_control that asks nothing we do */
  RC_SIP_INFO_FAST_UPDATE, /* <picture_fast_update/>: send a keyframe */
  RC_SIP_INFO_DTMF,        /* a keypad digit */
} rc_sip_info_kind;

typedef struct {
  rc_sip_info_kind kind;
  char digit;        /* RC_SIP_INFO_DTMF: one of 0-9 * # A-D */
  guint duration_ms; /* RC_SIP_INFO_DTMF: as sent (0 when not said) */
} rc_sip_info;

#define RC_SIP_INFO_ERROR (rc_sip_info_error_quark())
GQuark rc_sip_info_error_quark(void);
typedef enum {
  RC_SIP_INFO_ERROR_UNSUPPORTED, /* a body of another type (answer 415 with RC_SIP_INFO_ACCEPT) */
  RC_SIP_INFO_ERROR_MALFORMED,   /* one of ours that does not read (answer 400) */
} rc_sip_info_error;

/* Reads an INFO's body of @content_type (the type/subtype, parameters
 * ignored; NULL when the request has none) and @len bytes at @body
 * (not NUL-terminated; NULL with 0 when none) into @out. FALSE with
 * @error (RC_SIP_INFO_ERROR) when it is not one we read. */
gboolean rc_sip_info_parse(const char *content_type, const char *body, gsize len, rc_sip_info *out, GError **error);
