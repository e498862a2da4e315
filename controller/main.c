/* main — roomctl's entry point: reads the arguments and the config, starts
 * the modules in order on one GLib main loop, and stops them in reverse on
 * SIGINT/SIGTERM. All state belongs to the modules; this file only wires
 * them together. */
#define G_LOG_DOMAIN "roomctl"
#include "api/api.h"
#include "app/auth.h"
#include "app/sip-calls.h"
#include "backup-cli.h"
#include "base/config.h"
#include "demo.h"
#include "media/media.h"
#include "base/rtp.h"
#include "model/meeting.h"
#include "net/net.h"
#include "devices/room-audio.h"
#include "base/service.h"
#include "store/store.h"

#include <glib-unix.h>
#include <errno.h>
#include <locale.h>
#include <gst/gst.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

typedef struct {
  char *config_path;
  char *check_path;
  char *data_dir;
  char *listen;
  int port;
  gboolean demo;
  gboolean version;
  gboolean list_audio;
  char *site_ssrc;
  gboolean verify_audit;
  char *backup_parent;
  char *restore_dir;
} options;

typedef struct {
  rc_config *config;
  rc_store *store;
  rc_auth *auth;
  rc_meeting *meeting;
  rc_api *api;
  rc_media *media;
  rc_sip_calls *sip;
  rc_room_audio *room;
  rc_net *net;
  rc_backup_schedule *backups;
  rc_service *service;
  GMainLoop *loop;
} roomctl;

static gboolean
parse_options(int *argc, char ***argv, options *o, GError **error)
{
  o->port = -1;
  GOptionEntry entries[] = {
    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &o->config_path, "Configuration file (GKeyFile)", "FILE"},
    {"check-config", 0, 0, G_OPTION_ARG_FILENAME, &o->check_path, "Validate FILE and exit", "FILE"},
    {"port", 'p', 0, G_OPTION_ARG_INT, &o->port, "HTTP/WebSocket port (overrides [server] port)", "N"},
    {"listen", 0, 0, G_OPTION_ARG_STRING, &o->listen, "Address to bind (overrides [server] listen)", "ADDR"},
    {"data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &o->data_dir, "Data directory (overrides [server] data_dir)", "DIR"},
    {"demo", 0, 0, G_OPTION_ARG_NONE, &o->demo, "Seed the demo province into an empty database", NULL},
    {"version", 0, 0, G_OPTION_ARG_NONE, &o->version, "Print the version and exit", NULL},
    {"list-audio-devices", 0, 0, G_OPTION_ARG_NONE, &o->list_audio, "List the audio devices PortAudio sees and exit",
     NULL},
    {"site-ssrc", 0, 0, G_OPTION_ARG_STRING, &o->site_ssrc, "Print the video and audio SSRC a site must send with",
     "CODE"},
    {"verify-audit", 0, 0, G_OPTION_ARG_NONE, &o->verify_audit,
     "Check the audit log's hash chain (of --config/--data-dir) and exit: 0 and the row count, or 1 and the first "
     "broken row", NULL},
    {"backup", 0, 0, G_OPTION_ARG_FILENAME, &o->backup_parent,
     "Make a consistent backup of the data directory (the daemon may be running) in a new directory under DIR and "
     "exit", "DIR"},
    {"restore", 0, 0, G_OPTION_ARG_FILENAME, &o->restore_dir,
     "Restore the backup DIR into the empty data directory, check it like --verify-audit, and exit", "DIR"},
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("- videoconference and paperless meeting controller");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_add_group(ctx, gst_init_get_option_group());
  return g_option_context_parse(ctx, argc, argv, error);
}

static rc_config *
load_config(options *o, GError **error)
{
  rc_config *c = o->config_path ? rc_config_load(o->config_path, error) : rc_config_new_default();
  if (!c)
    return NULL;
  if (o->port >= 0) {
    if (o->port > 65535) {
      g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--port %d is not a port", o->port);
      rc_config_free(c);
      return NULL;
    }
    c->port = o->port;
  }
  if (o->data_dir) {
    g_free(c->data_dir);
    c->data_dir = g_canonicalize_filename(o->data_dir, NULL);
  }
  if (o->listen) {
    g_free(c->listen);
    c->listen = g_strdup(o->listen);
  }
  if (o->demo)
    c->demo_seed = TRUE;
  return c;
}

/* An empty database gets an admin (and the demo, when asked for). */
static gboolean
first_start(roomctl *rc, GError **error)
{
  if (rc_store_user_count(rc->store) > 0)
    return TRUE;
  rc_config *c = rc->config;
  if (c->demo_seed) {
    return rc_demo_seed(rc->store, rc->auth, c->demo_dir, c->demo_pdf_dir, c->data_dir, c->zone, error);
  }
  g_autofree char *password = NULL;
  if (*c->initial_admin_password) {
    password = g_strdup(c->initial_admin_password);
  } else {
    unsigned char raw[9];
    randombytes_buf(raw, sizeof raw);
    password = g_base64_encode(raw, sizeof raw);
    g_message("first start: created user 'admin' with password '%s' (change it)", password);
  }
  g_autofree char *hash = rc_auth_hash_password(rc->auth, password, error);
  return hash && rc_store_user_create(rc->store, "admin", "Quản trị hệ thống", "admin", hash, "", "", error);
}

/* --verify-audit: walks the chain of an existing database. Exit status 0
 * when it holds, 1 when a row breaks it (or the database cannot be read). */
static int
verify_audit(rc_config *config)
{
  g_autofree char *db = g_build_filename(config->data_dir, "roomctl.db", NULL);
  if (!g_file_test(db, G_FILE_TEST_IS_REGULAR)) {
    fprintf(stderr, "roomctl: no database at %s\n", db);
    return EXIT_FAILURE;
  }
  g_autoptr(GError) error = NULL;
  rc_store *store = rc_store_open(config->data_dir, &error);
  gint64 rows = 0, broken = 0;
  gboolean ok = store && rc_store_audit_verify(store, &rows, &broken, &error);
  rc_store_close(store);
  if (!ok) {
    fprintf(stderr, "roomctl: %s: %s\n", db, error->message);
    return EXIT_FAILURE;
  }
  printf("audit log OK: %" G_GINT64_FORMAT " rows chained (%s)\n", rows, db);
  return EXIT_SUCCESS;
}

static gboolean
on_signal(gpointer data)
{
  roomctl *rc = data;
  g_message("stopping");
  /* A second signal can come while stop() runs: rc_auth_free iterates the
   * context after the service module is gone. */
  if (rc->service)
    rc_service_stopping(rc->service);
  g_main_loop_quit(rc->loop);
  return G_SOURCE_CONTINUE;
}

/* systemctl status: what the daemon serves right now. */
static char *
service_status(gpointer data)
{
  roomctl *rc = data;
  g_autoptr(json_t) live = rc_store_sessions_list(rc->store, "live", 0, NULL);
  size_t sessions = live ? json_array_size(live) : 0;
  guint clients = rc_net_ws_clients(rc->net);
  return g_strdup_printf("port %d, %zu live session%s, %u WebSocket client%s", rc_net_port(rc->net), sessions,
                         sessions == 1 ? "" : "s", clients, clients == 1 ? "" : "s");
}

static void
print_banner(roomctl *rc)
{
  g_autofree char *gst = gst_version_string();
  g_message("%s ready", gst);
  int port = rc_net_port(rc->net);
  const char *host = g_str_equal(rc->config->listen, "0.0.0.0") ? "localhost" : rc->config->listen;
  g_autofree char *base = *rc->config->public_url ? g_strdup(rc->config->public_url)
                                                  : g_strdup_printf("%s://%s:%d", *rc->config->tls_cert ? "https" : "http",
                                                                    host, port);
  printf("roomctl %s listening on port %d (data in %s)\n"
         "  Secretariat console: %s/console/\n"
         "  Delegate tablets:    %s/tablet/\n"
         "  Technicians:         %s/tech/\n"
         "  Metrics:             %s/metrics\n"
         "  Health:              %s/healthz\n"
         "  Documentation:       %s/docs/\n",
         RC_VERSION, port, rc->config->data_dir, base, base, base, base, base, base);
  if (rc->config->demo_seed)
    printf("  Demo logins: admin/admin123  thuky/thuky123 (secretariat)  chutoa/chutoa123 (chair)\n"
           "               kythuat/kythuat123 (technician)  db01..db90/123456 (delegates)\n"
           "               thuky.stnmt, thuky.sgtvt/thuky123 (the departments' secretariats)\n");
  g_autofree char *key_path = g_build_filename(rc->config->data_dir, RC_DEMO_SITE_KEY_FILE, NULL);
  g_autofree char *key = NULL;
  if (rc->config->demo_seed && g_file_get_contents(key_path, &key, NULL, NULL))
    printf("  Commune PC (WebRTC): %s/site/  access key of %s: %s\n", base, RC_DEMO_WEBRTC_SITE, g_strstrip(key));
  fflush(stdout);
}

/* Hundreds of tablets, each with a socket and an open document file: lift
 * the soft file limit to the hard one before libwebsockets sizes its tables. */
static void
raise_file_limit(void)
{
  struct rlimit r;
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &r) != 0)
      g_warning("cannot raise the open-file limit: %s", g_strerror(errno));
  }
}

/* The hall's microphone and speakers. A missing device is logged, not
 * fatal: a session can go on without the hall's audio. */
static void
open_room_audio(roomctl *rc)
{
  rc_config *c = rc->config;
  if (!*c->audio_input_device && !*c->audio_output_device)
    return;
  g_autoptr(GError) error = NULL;
  rc->room = rc_room_audio_new(c->audio_input_device, c->audio_output_device, &error);
  if (!rc->room) {
    g_warning("room audio: %s", error->message);
    return;
  }
  g_message("room audio: microphone '%s', speakers '%s'", rc_room_audio_input_device(rc->room),
            rc_room_audio_output_device(rc->room));
  rc_media_set_room_audio(rc->media, rc->room);
}

/* A SIP site's INFO picture_fast_update: the program's keyframe. */
static void
sip_wants_keyframe(gint64 session_id, gint64 site_id, gpointer data)
{
  (void)site_id;
  rc_media_program_keyframe(data, session_id);
}

/* SIP ([sip] port 0: off). A port that cannot be bound is logged, not
 * fatal: the meeting goes on without SIP, as without the hall's audio.
 * After the media (its keyframes), and stopped before them. */
static void
start_sip(roomctl *rc)
{
  g_autoptr(GError) error = NULL;
  rc->sip = rc_sip_calls_new(rc->config, rc->store, &error);
  if (error)
    g_warning("SIP is off: %s", error->message);
  if (!rc->sip)
    return;
  rc_sip_calls_on_keyframe(rc->sip, sip_wants_keyframe, rc->media);
  rc_api_set_sip(rc->api, rc->sip);
}

static gboolean
start(roomctl *rc, GError **error)
{
  raise_file_limit();
  rc->loop = g_main_loop_new(NULL, FALSE);
  if (!(rc->store = rc_store_open(rc->config->data_dir, error)))
    return FALSE;
  rc->auth = rc_auth_new(rc->store, rc->config->pwhash_cost, rc->config->token_ttl_hours);
  if (!first_start(rc, error))
    return FALSE;
  rc->meeting = rc_meeting_new(rc->config->ws_event_backlog);
  rc->api = rc_api_new(rc->config, rc->store, rc->auth, rc->meeting);
  rc->media = rc_media_new(rc->config);
  open_room_audio(rc);
  rc_media_set_callbacks(rc->media, rc_api_health_on_stats, rc_api_media_switched, rc->api);
  rc_api_set_media(rc->api, rc->media);
  rc_api_live_restore(rc->api);
  if (!(rc->net = rc_net_new(rc->config, rc->api, rc->meeting, rc->loop, error)))
    return FALSE;
  rc_api_set_ws_io(rc->api, rc_net_ws_io(rc->net));
  start_sip(rc);
  rc->backups = rc_backup_cli_schedule(rc->config);
  rc->service = rc_service_new(service_status, rc);
  g_unix_signal_add(SIGINT, on_signal, rc);
  g_unix_signal_add(SIGTERM, on_signal, rc);
  return TRUE;
}

static void
stop(roomctl *rc)
{
  g_clear_pointer(&rc->service, rc_service_free);
  g_clear_pointer(&rc->backups, rc_backup_schedule_free); /* waits for a backup under way */
  /* The SIP calls end (BYE) while the store that records them is open. */
  if (rc->api && rc->sip)
    rc_api_set_sip(rc->api, NULL);
  g_clear_pointer(&rc->sip, rc_sip_calls_free);
  /* The api's timers still run while auth drains its jobs below: they
   * must find no transport and no media rather than freed ones. */
  if (rc->api)
    rc_api_set_ws_io(rc->api, NULL);
  g_clear_pointer(&rc->net, rc_net_free);
  g_clear_pointer(&rc->media, rc_media_free); /* finishes the recording */
  if (rc->api)
    rc_api_set_media(rc->api, NULL);
  g_clear_pointer(&rc->room, rc_room_audio_free);
  /* Before the api: finishing password checks still answer through it. */
  g_clear_pointer(&rc->auth, rc_auth_free);
  g_clear_pointer(&rc->api, rc_api_free);
  g_clear_pointer(&rc->meeting, rc_meeting_free);
  g_clear_pointer(&rc->store, rc_store_close);
  g_clear_pointer(&rc->loop, g_main_loop_unref);
  g_clear_pointer(&rc->config, rc_config_free);
}

int
main(int argc, char **argv)
{
  options o = {0};
  roomctl rc = {0};
  g_autoptr(GError) error = NULL;
  int status = EXIT_FAILURE;
  /* Names are Vietnamese: keep log lines UTF-8 even under the C locale. */
  setlocale(LC_ALL, "");
  if (!g_get_charset(NULL))
    setlocale(LC_ALL, "C.UTF-8");
  rc_service_log_init();
  if (!parse_options(&argc, &argv, &o, &error))
    goto out;
  if (o.version) {
    printf("roomctl %s\n", RC_VERSION);
    status = EXIT_SUCCESS;
    goto out;
  }
  if (o.site_ssrc) {
    guint32 v = rc_rtp_site_ssrc(o.site_ssrc, FALSE), a = rc_rtp_site_ssrc(o.site_ssrc, TRUE);
    /* ffmpeg takes the SSRC as a signed 32-bit number. */
    printf("video_ssrc=%u audio_ssrc=%u ffmpeg_video_ssrc=%d ffmpeg_audio_ssrc=%d\n", v, a, (gint32)v, (gint32)a);
    status = EXIT_SUCCESS;
    goto out;
  }
  if (o.list_audio) {
    g_auto(GStrv) devices = rc_room_audio_list_devices();
    for (char **d = devices; d && *d; d++)
      printf("%s\n", *d);
    status = EXIT_SUCCESS;
    goto out;
  }
  if (o.check_path) {
    g_autoptr(rc_config) c = rc_config_load(o.check_path, &error);
    /* The certificate and key are read as the daemon would read them. */
    gboolean ok = c && (!*c->tls_cert || rc_net_tls_check(c->tls_cert, c->tls_key, &error));
    if (ok)
      printf("%s: OK%s\n", o.check_path, *c->tls_cert ? " (TLS certificate and key match)" : "");
    else if (c)
      g_prefix_error(&error, "%s: ", o.check_path);
    status = ok ? EXIT_SUCCESS : EXIT_FAILURE;
    goto out;
  }
  if (o.verify_audit) {
    if ((rc.config = load_config(&o, &error)))
      status = verify_audit(rc.config);
    goto out;
  }
  if (o.backup_parent || o.restore_dir) {
    if ((rc.config = load_config(&o, &error)))
      status = o.backup_parent ? rc_backup_cli_make(rc.config, o.backup_parent)
                               : rc_backup_cli_restore(rc.config, o.restore_dir);
    if (status == EXIT_SUCCESS && o.restore_dir)
      status = verify_audit(rc.config);
    goto out;
  }
  if (!(rc.config = load_config(&o, &error)) || !start(&rc, &error))
    goto out;
  print_banner(&rc);
  rc_service_ready(rc.service); /* the port listens: systemd may start what needs it */
  g_main_loop_run(rc.loop);
  status = EXIT_SUCCESS;
out:
  if (error)
    fprintf(stderr, "roomctl: %s\n", error->message);
  stop(&rc);
  g_free(o.config_path);
  g_free(o.check_path);
  g_free(o.data_dir);
  g_free(o.listen);
  g_free(o.site_ssrc);
  g_free(o.backup_parent);
  g_free(o.restore_dir);
  return status;
}
