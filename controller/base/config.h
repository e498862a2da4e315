/* config — roomctl's settings, read from a GKeyFile.
 * Owns the rc_config struct; every key and its default is documented in
 * configs/roomctl.conf. Relative paths in the file are taken relative to the
 * directory that holds the file. */
#pragma once

/* The smallest group of secret ballots sealed together ([vote] secret_group's default). */
#define RC_VOTE_SEAL_GROUP_DEFAULT 5
#include <glib.h>

typedef enum { RC_PWHASH_MIN, RC_PWHASH_INTERACTIVE, RC_PWHASH_MODERATE } rc_pwhash_cost;

/* How the program is made: the floor's own stream forwarded, or the sites
 * composed into tiles and encoded per tier. */
typedef enum { RC_PROGRAM_SWITCH, RC_PROGRAM_COMPOSE } rc_program_mode;
/* "switch" or "compose". (transfer none) */
const char *rc_program_mode_name(rc_program_mode mode);
/* FALSE for any other text. */
gboolean rc_program_mode_parse(const char *text, rc_program_mode *out);

/* One encoding of the composed program. */
typedef struct {
  int width, height, kbps;
} rc_tier;

typedef struct rc_config {
  char *path;             /* the file read, or NULL for built-in defaults */
  /* [server] */
  char *listen;           /* address to bind, "0.0.0.0" = all */
  int port;
  char *data_dir;
  char *web_root;
  char *public_url;       /* printed in the start-up banner; "" = derived */
  char *tls_cert;         /* PEM certificate (chain); "" = plain HTTP */
  char *tls_key;          /* PEM private key of tls_cert */
  char *http_mode;        /* with TLS, plain HTTP on the port: redirect | refuse */
  /* [http] */
  int max_body_kb;        /* JSON request bodies */
  int max_upload_mb;      /* PDF uploads */
  int max_import_kb;      /* CSV bulk imports */
  int max_header_kb;      /* request line + headers */
  int header_timeout_seconds; /* to send a whole request header */
  int idle_seconds;       /* a kept-alive connection between requests */
  int max_connections_per_address; /* 0 = no limit */
  /* [ws] */
  int ws_max_message_kb;
  int ws_max_queue;       /* queued frames per connection before it is dropped */
  int ws_event_backlog;   /* events kept per session for resync */
  int ws_rate_per_second; /* messages a connection may send, sustained */
  int ws_rate_burst;      /* ... and in a burst */
  int ws_ping_seconds;    /* ping a connection silent this long; 0 = never */
  int ws_pong_timeout_seconds; /* ... and close it when still silent after this */
  /* [meeting] */
  int speaking_seconds;   /* default speaking-time limit, 0 = none */
  char *organisation;     /* who holds the sessions: every app's header and the minutes */
  char *timezone;         /* the province's zone (IANA name): every time shown, written or entered */
  GTimeZone *zone;        /* timezone, parsed once */
  /* [media] */
  gboolean media_enabled;
  char *media_listen;
  int media_video_port;   /* RTCP on +1 */
  int media_audio_port;   /* RTCP on +1 */
  char *media_chair_site; /* site code; "" = the session's province-level site */
  char *media_mode;       /* switch | compose, as written */
  rc_program_mode program_mode; /* media_mode, parsed once */
  int media_fps;
  int media_idr_seconds;
  char *media_tiers;      /* "1280x720@2000,640x360@600", as written */
  GArray *tiers;          /* rc_tier: media_tiers, parsed once */
  gboolean media_record;
  char *media_record_dir; /* "" = DATA_DIR/recordings */
  int media_record_segment_minutes;
  int media_rtsp_port;    /* 0 = no RTSP output */
  char *media_rtsp_host;  /* shown in the RTSP URL */
  int media_webrtc_port;  /* the one UDP port of every WHIP/WHEP peer; 0 = WebRTC off */
  char *media_webrtc_address; /* host candidates, comma-separated; "" = listen (127.0.0.1 if any) */
  int media_webrtc_offers_per_minute; /* WHIP/WHEP offers one address may make */
  int media_h264_payload_type; /* what sites send, unless the site says otherwise */
  int media_opus_payload_type;
  int media_video_cap_kbps; /* a site's rate cap per medium, 0 = none (site may override) */
  int media_audio_cap_kbps;
  /* [sip] */
  int sip_port;           /* UDP and TCP; 0 = SIP off */
  char *sip_listen;       /* "" = [server] listen */
  char *sip_transports;   /* "udp,tcp" (and "tls" with [server] tls_cert), as written */
  int sip_tls_port;       /* sips: (TLS) */
  char *sip_domain;       /* the conference host in phien-<id>@DOMAIN; "" = listen or 127.0.0.1 */
  char *sip_realm;        /* the digest realm */
  char *sip_srtp;         /* a site's default media security: required | preferred | off; "" = required
                           * with TLS, else preferred */
  char *sip_media_address; /* the c= address of answers; "" = domain when a literal address, else listen */
  int sip_register_min_seconds; /* shorter registrations get 423 */
  int sip_register_max_seconds; /* longer ones are cut to this */
  int sip_requests_per_second;  /* INVITE + REGISTER from one address; 0 = no limit */
  gboolean sip_dial_out;        /* call every SIP site with an address when its session goes live */
  int sip_dials_per_second;     /* calls made a second, at most */
  int sip_session_expires;      /* RFC 4028 session interval we ask for, seconds; 0 = none asked */
  int sip_min_se;               /* the shortest session interval we take (RFC 4028 says 90 at least; less: tests) */
  /* [audio] */
  char *audio_input_device;  /* PortAudio device name (substring); "" = none */
  char *audio_output_device;
  /* [health] */
  double health_loss_percent;
  double health_jitter_ms;
  double health_offline_seconds;
  double health_freeze_seconds;
  double health_freeze_kbps;
  double health_keyframe_seconds;
  double health_silence_seconds;
  double health_silence_kbps;
  double health_clear_seconds;
  int health_check_seconds; /* pre-session check length */
  /* [storage] */
  int storage_low_mb;        /* free space below this: a "disk_low" alarm */
  int storage_reserve_mb;    /* kept for the database: no recording or upload eats it */
  int storage_check_seconds; /* how often free space is looked at */
  /* [metrics] */
  char *metrics_allow;      /* CIDR list that may read /metrics; "" = anyone */
  /* [votes] */
  gboolean vote_allow_change;
  gboolean vote_majority_of_members; /* else of those present */
  int vote_majority_percent;
  int vote_quorum_percent;
  int vote_secret_group; /* secret ballots are sealed in groups of at least this many */
  /* [auth] */
  int token_ttl_hours;
  rc_pwhash_cost pwhash_cost;
  char *initial_admin_password; /* "" = generate and log once */
  /* [backup] */
  char *backup_dir;            /* scheduled backups go here; "" = none (roomctl --backup DIR still works) */
  int backup_interval_minutes; /* one backup per interval (and at start when the newest is older) */
  int backup_keep;             /* complete roomctl-* backups kept; 0 = all */
  /* [demo] */
  gboolean demo_seed;
  char *demo_dir;
  char *demo_pdf_dir;
} rc_config;

/* The [sip] srtp default in force: as written, or required with TLS and
 * preferred without. (transfer none) */
const char *rc_config_sip_srtp(const rc_config *config);

/* Returns the built-in defaults. (transfer full) */
rc_config *rc_config_new_default(void);

/* Reads @path over the defaults and validates every value.
 * On error, NULL is returned with @error set naming the key. (transfer full) */
rc_config *rc_config_load(const char *path, GError **error);

void rc_config_free(rc_config *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(rc_config, rc_config_free)
