/* health — the state of every site of the live session, judged once a
 * second from the media figures: unknown → online → degraded → offline, with
 * "video problem" (frozen picture, no keyframe) and "audio problem"
 * (silence) flags, and the alarms these raise and clear. Two faults of the
 * site's configuration have their own alarms and make it degraded: a rate
 * above its cap ("bitrate") and packets of a payload type it should not
 * send ("payload"; the silence or missing picture that follows is not
 * alarmed again). Packets with the site's SSRC from elsewhere than where
 * it is ("spoofed": dropped before anything saw them) raise their own
 * alarm, whatever the site's state, and change nothing else. Alarms are raised
 * quickly and cleared only after the site has been well for a while, so a
 * flapping site does not flood; while a site's offline alarm stands, its
 * other alarms wait (one alarm for the root cause). Pure state: the caller stores and announces
 * what it returns. Main loop only. */
#pragma once
#include <glib.h>

/* HELD: a site that said it sends nothing (a SIP call on hold); no alarm
 * stands or is raised for it until it resumes. */
typedef enum { RC_HEALTH_UNKNOWN, RC_HEALTH_ONLINE, RC_HEALTH_DEGRADED, RC_HEALTH_OFFLINE, RC_HEALTH_HELD } rc_health_state;
#define RC_HEALTH_STATES 5

typedef struct {
  double loss_percent;     /* over the last 2 s, above → degraded */
  double jitter_ms;        /* above → degraded */
  double offline_seconds;  /* no packets for this long → offline */
  double freeze_seconds;   /* video arriving but (almost) no picture change for this long */
  double freeze_kbps;      /* video below this while packets arrive = frozen */
  double keyframe_seconds; /* no keyframe for this long → video problem */
  double silence_seconds;  /* audio below silence_kbps this long → audio problem */
  double silence_kbps;
  double clear_seconds;    /* well for this long before an alarm clears */
} rc_health_thresholds;

typedef struct rc_health rc_health;

/* One site's figures for one tick (from the media statistics). */
typedef struct {
  gint64 site_id;
  gboolean have_video, have_audio;
  guint64 video_expected, video_lost_total; /* cumulative (RFC 3550) */
  double video_jitter_ms, video_idle_s, video_kbps, keyframe_age_s;
  double audio_idle_s, audio_kbps;
  double video_rate_kbps;       /* everything the site sends, keyframes too */
  double video_cap_kbps, audio_cap_kbps; /* 0 = no cap */
  int video_pt, audio_pt;       /* the payload types the site should send */
  gboolean have_video_bad_pt, have_audio_bad_pt; /* it sent another type, */
  int video_bad_pt, audio_bad_pt;                 /* this one last, */
  double video_bad_pt_age_s, audio_bad_pt_age_s;  /* this long ago */
  gboolean audio_absent;        /* its source has no audio at all: no silence */
  gboolean held;                /* it said it sends nothing (a SIP call on hold): not judged, no alarm */
  gboolean have_rr;             /* the site's report about the program */
  double rr_fraction_lost, rr_jitter_ms;
  guint64 spoofed_packets;      /* its SSRC from elsewhere, so far (cumulative) */
  const char *spoofed_text;     /* the alarm's reason for the last of them ("media from an unexpected
                                 * address for site X: IP:PORT"), or NULL; copied */
} rc_health_input;

/* What changed in one tick; the caller stores and announces it. */
typedef struct {
  gint64 site_id;
  rc_health_state from, to;
  gboolean video_problem, audio_problem;
  const char *reason; /* static, or the site's text: valid until the next tick */
} rc_health_change;

typedef struct {
  gint64 site_id;
  const char *kind;   /* "offline", "degraded", "video", "audio", "bitrate", "payload", "spoofed" (static) */
  gboolean raised;    /* FALSE = cleared */
  const char *reason; /* static, or the site's text ("video 21.3 Mbit/s over the cap of 8.0 Mbit/s",
                       * "payload type 97 not expected (audio Opus is 111)"): valid until the next tick */
} rc_health_alarm;

rc_health *rc_health_new(const rc_health_thresholds *thresholds);
void rc_health_free(rc_health *health);
void rc_health_reset(rc_health *health);

/* Judges one tick at @now_s (monotonic seconds). Sites that were known but
 * are missing from @inputs are left as they are. Appends to @changes
 * (rc_health_change) and @alarms (rc_health_alarm). */
void rc_health_tick(rc_health *health, const rc_health_input *inputs, guint n, double now_s, GArray *changes,
                    GArray *alarms);

rc_health_state rc_health_state_of(rc_health *health, gint64 site_id);
const char *rc_health_state_name(rc_health_state state);
/* What is known of one site now. */
typedef struct {
  rc_health_state state;
  gboolean video_problem, audio_problem;
  double loss_percent, jitter_ms;
  double since_s; /* in this state for */
} rc_health_view;

/* FALSE when @site_id is unknown. */
gboolean rc_health_site(rc_health *health, gint64 site_id, double now_s, rc_health_view *out);
/* Sites per state, indexed by rc_health_state. */
void rc_health_counts(rc_health *health, guint counts[RC_HEALTH_STATES]);
