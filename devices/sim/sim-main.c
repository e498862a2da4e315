/* roomctl-sim — many simulated conference sites in one process, for demos,
 * tests and benchmarks of the roomctl controller: each site sends H.264 +
 * Opus RTP with its own SSRCs (web/docs/media.md, "Ports and identity"), answers keyframe requests,
 * receives and measures the program, and takes faults at run time through
 * a local JSON control port; with --sip the sites are SIP endpoints that
 * answer the controller's calls (sim-sip.h). main parses the command line, prepares the
 * clips, starts the engine and the control port, and runs the loop. */
#include "devices/sim/sim-control.h"
#include "devices/sim/sim-engine.h"
#include "devices/sim/sim-material.h"
#include "devices/sim/sim-roster.h"
#include "devices/sim/sim-webrtc.h"

#include <glib-unix.h>
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

typedef struct {
  char *controller, *sites_path, *codes, *level, *size, *control, *cache;
  char *whep, *whip, *token, *tokens, *report, *srtp_keys;
  int video_port, audio_port, rtcp_video_port, rtcp_audio_port;
  int count, bitrate_kbps, fps, duration, clip_seconds;
  int viewers, publishers, seconds, decrypt_every;
  int sip_port, sip_g722;
  double join_within;
  gboolean no_cache, no_program_pli, quiet;
} options;

static void
options_clear(options *o)
{
  g_free(o->controller);
  g_free(o->sites_path);
  g_free(o->codes);
  g_free(o->level);
  g_free(o->size);
  g_free(o->control);
  g_free(o->cache);
  g_free(o->whep);
  g_free(o->whip);
  g_free(o->token);
  g_free(o->tokens);
  g_free(o->report);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(options, options_clear)

static gboolean
parse_options(int *argc, char ***argv, options *o, GError **error)
{
  *o = (options){.video_port = 5004, .audio_port = 5006, .rtcp_video_port = 5005, .rtcp_audio_port = 5007,
                 .bitrate_kbps = 1000, .fps = 25, .clip_seconds = 2};
  GOptionEntry entries[] = {
      {"controller", 0, 0, G_OPTION_ARG_STRING, &o->controller, "Controller host (required)", "HOST"},
      {"video-port", 0, 0, G_OPTION_ARG_INT, &o->video_port, "Controller video RTP port (5004)", "PORT"},
      {"audio-port", 0, 0, G_OPTION_ARG_INT, &o->audio_port, "Controller audio RTP port (5006)", "PORT"},
      {"rtcp-video-port", 0, 0, G_OPTION_ARG_INT, &o->rtcp_video_port, "Controller video RTCP port (5005)", "PORT"},
      {"rtcp-audio-port", 0, 0, G_OPTION_ARG_INT, &o->rtcp_audio_port, "Controller audio RTCP port (5007)", "PORT"},
      {"sites", 0, 0, G_OPTION_ARG_FILENAME, &o->sites_path, "Sites CSV (configs/demo/sites.csv)", "FILE"},
      {"count", 0, 0, G_OPTION_ARG_INT, &o->count, "Simulate the first N sites (default: all)", "N"},
      {"codes", 0, 0, G_OPTION_ARG_STRING, &o->codes, "Simulate these sites", "A,B,C"},
      {"level", 0, 0, G_OPTION_ARG_STRING, &o->level, "Only sites of this level (e.g. commune)", "LEVEL"},
      {"bitrate-kbps", 0, 0, G_OPTION_ARG_INT, &o->bitrate_kbps, "Video bitrate (1000)", "KBPS"},
      {"fps", 0, 0, G_OPTION_ARG_INT, &o->fps, "Video frame rate (25)", "FPS"},
      {"size", 0, 0, G_OPTION_ARG_STRING, &o->size, "Picture size (640x360)", "WxH"},
      {"clip-seconds", 0, 0, G_OPTION_ARG_INT, &o->clip_seconds, "Loop length = IDR interval (2)", "S"},
      {"control", 0, 0, G_OPTION_ARG_STRING, &o->control, "Control port (127.0.0.1:0 = any free port)",
       "HOST:PORT"},
      {"cache", 0, 0, G_OPTION_ARG_FILENAME, &o->cache, "Clip cache directory (build/sim-cache)", "DIR"},
      {"no-cache", 0, 0, G_OPTION_ARG_NONE, &o->no_cache, "Encode every clip, store nothing", NULL},
      {"duration", 0, 0, G_OPTION_ARG_INT, &o->duration, "Stop after this many seconds", "S"},
      {"no-program-pli", 0, 0, G_OPTION_ARG_NONE, &o->no_program_pli, "Never ask for a program keyframe", NULL},
      {"quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, "No progress or summary lines", NULL},
      {"sip", 0, 0, G_OPTION_ARG_INT, &o->sip_port,
       "SIP load: the sites answer the controller's calls (sip:CODE@127.0.0.1:PORT) on this UDP port", "PORT"},
      {"sip-g722", 0, 0, G_OPTION_ARG_INT, &o->sip_g722, "SIP load: the first N sites answer G.722, not Opus", "N"},
      {"srtp-keys", 0, 0, G_OPTION_ARG_FILENAME, &o->srtp_keys,
       "Plain RTP sites with SRTP: lines \"CODE KEY [SUITE]\" (KEY: the API's base64 key; SUITE: its suite, "
       "AES_CM_128_HMAC_SHA1_80 when left out)",
       "FILE"},
      {"whep", 0, 0, G_OPTION_ARG_STRING, &o->whep, "WebRTC load: WHEP viewers of this session endpoint", "URL"},
      {"token", 0, 0, G_OPTION_ARG_STRING, &o->token, "The viewers' login token", "T"},
      {"viewers", 0, 0, G_OPTION_ARG_INT, &o->viewers, "How many WHEP viewers", "N"},
      {"whip", 0, 0, G_OPTION_ARG_STRING, &o->whip, "WebRTC load: WHIP publishers to this endpoint", "URL"},
      {"tokens", 0, 0, G_OPTION_ARG_FILENAME, &o->tokens, "The publishers' site secrets, one a line", "FILE"},
      {"publishers", 0, 0, G_OPTION_ARG_INT, &o->publishers, "How many WHIP publishers", "N"},
      {"seconds", 0, 0, G_OPTION_ARG_INT, &o->seconds, "WebRTC load: stop after S s (default: at a signal)", "S"},
      {"join-within", 0, 0, G_OPTION_ARG_DOUBLE, &o->join_within, "Spread the offers over S s (0)", "S"},
      {"decrypt-every", 0, 0, G_OPTION_ARG_INT, &o->decrypt_every,
       "WHEP: decrypt every Nth packet, count the rest from their clear header (1)", "N"},
      {"report", 0, 0, G_OPTION_ARG_FILENAME, &o->report, "WebRTC load: the JSON report here (stdout)", "FILE"},
      {NULL}};
  g_autoptr(GOptionContext) context = g_option_context_new("- simulated roomctl sites");
  g_option_context_add_main_entries(context, entries, NULL);
  if (!g_option_context_parse(context, argc, argv, error))
    return FALSE;
  if (o->whep && o->whip) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "--whep or --whip, not both");
    return FALSE;
  }
  if ((o->whep && (!o->token || o->viewers < 1)) || (o->whip && (!o->tokens || o->publishers < 1)) ||
      o->seconds < 0 || o->join_within < 0) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                "--whep needs --token and --viewers N >= 1, --whip --tokens and --publishers N >= 1");
    return FALSE;
  }
  if (o->sip_port < 0 || o->sip_port > 65535 || o->sip_g722 < 0 || (o->sip_g722 && !o->sip_port) ||
      (o->sip_port && (o->whep || o->whip))) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "--sip PORT (1..65535) alone; --sip-g722 N with it");
    return FALSE;
  }
  if (!o->controller && !o->whep && !o->whip && !o->sip_port) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "--controller HOST is required");
    return FALSE;
  }
  return TRUE;
}

/* Checks ranges and fills the video format. */
static gboolean
check_options(const options *o, sim_video_format *format, GError **error)
{
  const int ports[] = {o->video_port, o->audio_port, o->rtcp_video_port, o->rtcp_audio_port};
  for (guint i = 0; i < G_N_ELEMENTS(ports); i++)
    if (ports[i] < 1 || ports[i] > 65535) {
      g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "a port must be 1..65535");
      return FALSE;
    }
  unsigned w = 640, h = 360;
  char rest;
  if (o->size && (sscanf(o->size, "%ux%u%c", &w, &h, &rest) != 2 || w < 64 || h < 64 || w > 1920 || h > 1080 ||
                  w % 2 || h % 2)) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--size is WxH, even, 64x64..1920x1080");
    return FALSE;
  }
  if (o->fps < 1 || o->fps > 60 || o->bitrate_kbps < 50 || o->bitrate_kbps > 20000 || o->count < 0 ||
      o->clip_seconds < 1 || o->clip_seconds > 10 || o->duration < 0) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--fps 1..60, --bitrate-kbps 50..20000, --clip-seconds 1..10, --count and --duration >= 0");
    return FALSE;
  }
  *format = (sim_video_format){w, h, (guint)o->fps, (guint)o->bitrate_kbps, (guint)(o->fps * o->clip_seconds)};
  return TRUE;
}

/* 600 sites need 1,200 sockets: lift the soft limit to the hard one. */
static void
raise_fd_limit(void)
{
  struct rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

static gboolean
on_signal(gpointer loop)
{
  g_main_loop_quit(loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_duration(gpointer loop)
{
  g_main_loop_quit(loop);
  return G_SOURCE_CONTINUE; /* removed by run() */
}

static GPtrArray *
titles_of(GPtrArray *roster)
{
  GPtrArray *titles = g_ptr_array_new();
  for (guint i = 0; i < roster->len; i++)
    g_ptr_array_add(titles, ((sim_roster_site *)roster->pdata[i])->title);
  return titles;
}

/* Runs the loop until quit, a signal or the duration; returns when stopped. */
static void
run(sim_engine *engine, sim_control *control, GMainLoop *loop, const options *o, guint n_sites)
{
  guint sigint = g_unix_signal_add(SIGINT, on_signal, loop), sigterm = g_unix_signal_add(SIGTERM, on_signal, loop);
  guint timer = o->duration > 0 ? g_timeout_add((guint)o->duration * 1000, on_duration, loop) : 0;
  sim_engine_start(engine);
  /* The test harness and scripts wait for this line on stdout. */
  printf("ready control=%s sites=%u\n", sim_control_address(control), n_sites);
  fflush(stdout);
  double cpu0 = sim_engine_cpu_seconds();
  gint64 t0 = g_get_monotonic_time();
  g_main_loop_run(loop);
  double secs = (g_get_monotonic_time() - t0) / 1e6;
  if (!o->quiet)
    g_printerr("roomctl-sim: stopped after %.1f s, %.2f cores on average\n", secs,
               (sim_engine_cpu_seconds() - cpu0) / MAX(secs, 1e-3));
  g_source_remove(sigint);
  g_source_remove(sigterm);
  if (timer)
    g_source_remove(timer);
}

/* The WebRTC load modes (sim-webrtc.h) instead of RTP sites. */

/* --srtp-keys: "CODE KEY [SUITE]" a line (KEY in base64; SUITE
 * AES_CM_128_HMAC_SHA1_80, the default, or AEAD_AES_128_GCM, as the
 * controller's key reply says) -> code -> rc_srtp_key. */
static GHashTable *
load_keys(const char *path, GError **error)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, error))
    return NULL;
  g_autoptr(GHashTable) keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    g_auto(GStrv) f = g_strsplit(g_strstrip(lines[i]), " ", 3);
    if (!f[0] || !*f[0])
      continue;
    const char *suite = f[1] && f[2] ? f[2] : RC_SRTP_AES_CM_80;
    static const char *const suites[] = {RC_SRTP_AES_CM_80, RC_SRTP_AEAD_GCM};
    rc_srtp_key *key = g_new0(rc_srtp_key, 1);
    for (guint k = 0; k < G_N_ELEMENTS(suites); k++)
      if (g_str_equal(suite, suites[k]))
        key->suite = suites[k];
    gsize len = 0;
    g_autofree guchar *raw = f[1] ? g_base64_decode(f[1], &len) : NULL;
    if (!key->suite || len != rc_srtp_key_len(key->suite)) {
      g_free(key);
      g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                  "%s:%u: not CODE, a base64 key and its suite (%s: 30 bytes, %s: 28 bytes)", path, i + 1,
                  RC_SRTP_AES_CM_80, RC_SRTP_AEAD_GCM);
      return NULL;
    }
    memcpy(key->bytes, raw, len);
    g_hash_table_replace(keys, g_strdup(f[0]), key);
  }
  return g_steal_pointer(&keys);
}
static int
run_webrtc(const options *o, const sim_video_format *format)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) tokens = NULL;
  g_autoptr(sim_material) material = NULL;
  if (o->whip) {
    g_autofree char *text = NULL;
    if (!g_file_get_contents(o->tokens, &text, NULL, &error)) {
      g_printerr("roomctl-sim: %s\n", error->message);
      return 1;
    }
    tokens = g_strsplit(g_strstrip(text), "\n", -1);
    if (g_strv_length(tokens) < (guint)o->publishers) {
      g_printerr("roomctl-sim: %s has %u secrets for %d publishers\n", o->tokens, g_strv_length(tokens), o->publishers);
      return 2;
    }
    char *titles[] = {"WHIP publisher"};
    sim_material_options mo = {o->no_cache ? NULL : o->cache ? o->cache : "build/sim-cache", *format, 1200, o->quiet};
    if (!(material = sim_material_prepare(&mo, titles, 1, &error))) {
      g_printerr("roomctl-sim: %s\n", error->message);
      return 1;
    }
  }
  sim_webrtc_options wo = {o->whip ? o->whip : o->whep, o->whip != NULL, o->token, tokens,
                           (guint)(o->whip ? o->publishers : o->viewers), (guint)o->seconds, o->join_within,
                           o->report, material, (guint)o->fps, (guint)MAX(o->decrypt_every, 1), o->quiet};
  if (!sim_webrtc_run(&wo, &error)) {
    g_printerr("roomctl-sim: %s\n", error->message);
    return 1;
  }
  return 0;
}

int
main(int argc, char **argv)
{
  g_auto(options) o = {0};
  sim_video_format format;
  g_autoptr(GError) error = NULL;
  if (!parse_options(&argc, &argv, &o, &error) || !check_options(&o, &format, &error)) {
    g_printerr("roomctl-sim: %s (see --help)\n", error->message);
    return 2;
  }
  raise_fd_limit();
  gst_init(NULL, NULL);
  if (o.whep || o.whip)
    return run_webrtc(&o, &format);
  g_auto(GStrv) codes = o.codes ? g_strsplit(o.codes, ",", -1) : NULL;
  g_autoptr(GPtrArray) roster =
      sim_roster_load(o.sites_path ? o.sites_path : "configs/demo/sites.csv", o.level, (guint)o.count, codes, &error);
  g_autoptr(GPtrArray) titles = roster ? titles_of(roster) : NULL;
  sim_material_options mo = {o.no_cache ? NULL : o.cache ? o.cache : "build/sim-cache", format, 1200, o.quiet};
  g_autoptr(sim_material) material =
      roster ? sim_material_prepare(&mo, (char **)titles->pdata, titles->len, &error) : NULL;
  g_autoptr(GPtrArray) g722_frames = NULL;
  g_autoptr(sim_clip) g722 = NULL;
  if (material && o.sip_g722 > 0 &&
      (!(g722_frames = sim_encode_g722(50, &error)) || !(g722 = sim_clip_new_opus(g722_frames, &error))))
    g_clear_pointer(&material, sim_material_free); /* the error says why */
  g_autoptr(GHashTable) srtp_keys = o.srtp_keys ? load_keys(o.srtp_keys, &error) : NULL;
  if (o.srtp_keys && !srtp_keys) {
    g_printerr("roomctl-sim: %s\n", error->message);
    return 1;
  }
  sim_engine_options eo = {.controller = o.controller, .video_port = (guint16)o.video_port,
                           .audio_port = (guint16)o.audio_port, .rtcp_video_port = (guint16)o.rtcp_video_port,
                           .rtcp_audio_port = (guint16)o.rtcp_audio_port, .fps = (guint)o.fps,
                           .program_pli = !o.no_program_pli, .quiet = o.quiet, .sip_port = (guint16)o.sip_port,
                           .sip_g722 = (guint)o.sip_g722, .g722 = g722, .srtp_keys = srtp_keys};
  g_autoptr(sim_engine) engine = material ? sim_engine_new(&eo, material, roster, &error) : NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
  g_autoptr(sim_control) control =
      engine ? sim_control_new(engine, loop, o.control ? o.control : "127.0.0.1:0", &error) : NULL;
  if (!control) {
    g_printerr("roomctl-sim: %s\n", error->message);
    return 1;
  }
  run(engine, control, loop, &o, roster->len);
  g_clear_pointer(&control, sim_control_free); /* before the engine it uses */
  return 0;
}
