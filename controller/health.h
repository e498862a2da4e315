/* health — the state of every site of the live session, judged once a
 * second from the media figures: unknown → online → degraded → offline, with
 * "video problem" (frozen picture, no keyframe) and "audio problem"
 * (silence) flags, and the alarms these raise and clear. Alarms are raised
 * quickly and cleared only after the site has been well for a while, so a
 * flapping site does not flood; while a site's offline alarm stands, its
 * other alarms wait (one alarm for the root cause). Pure state: the caller stores and announces
 * what it returns. Main loop only. */
#pragma once
#include "rc-json.h"

typedef enum { RC_HEALTH_UNKNOWN, RC_HEALTH_ONLINE, RC_HEALTH_DEGRADED, RC_HEALTH_OFFLINE } rc_health_state;

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
  gboolean have_rr;             /* the site's report about the program */
  double rr_fraction_lost, rr_jitter_ms;
} rc_health_input;

/* What changed in one tick; the caller stores and announces it. */
typedef struct {
  gint64 site_id;
  rc_health_state from, to;
  gboolean video_problem, audio_problem;
  const char *reason; /* static */
} rc_health_change;

typedef struct {
  gint64 site_id;
  const char *kind;   /* "offline", "degraded", "video", "audio" (static) */
  gboolean raised;    /* FALSE = cleared */
  const char *reason; /* static */
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
/* {"site_id","state","video_problem","audio_problem","loss_percent","jitter_ms",
 *  "since_s"} of one site (transfer full), NULL if unknown. */
json_t *rc_health_site_json(rc_health *health, gint64 site_id, double now_s);
/* Counts per state: {"unknown":n,"online":n,"degraded":n,"offline":n}. */
json_t *rc_health_counts(rc_health *health);
