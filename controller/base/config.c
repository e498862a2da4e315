/* config — loads and validates configs/roomctl.conf (GKeyFile).
 * Unknown groups or keys are errors, so a typo never silently falls back to
 * a default. */
#include "base/config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

#define RC_CONFIG_ERROR rc_config_error_quark()
G_DEFINE_QUARK(rc-config-error, rc_config_error)

typedef enum { KEY_INT, KEY_STRING, KEY_PATH, KEY_BOOL, KEY_COST, KEY_MAJORITY, KEY_DOUBLE } key_kind;

typedef struct {
  const char *group;
  const char *key;
  key_kind kind;
  gsize offset;
  int min, max; /* KEY_INT only */
} key_spec;

#define F(member) G_STRUCT_OFFSET(rc_config, member)
static const key_spec keys[] = {
  {"server", "listen", KEY_STRING, F(listen), 0, 0},
  {"server", "port", KEY_INT, F(port), 0, 65535},
  {"server", "data_dir", KEY_PATH, F(data_dir), 0, 0},
  {"server", "web_root", KEY_PATH, F(web_root), 0, 0},
  {"server", "public_url", KEY_STRING, F(public_url), 0, 0},
  {"server", "tls_cert", KEY_PATH, F(tls_cert), 0, 0},
  {"server", "tls_key", KEY_PATH, F(tls_key), 0, 0},
  {"server", "http_mode", KEY_STRING, F(http_mode), 0, 0},
  {"http", "max_body_kb", KEY_INT, F(max_body_kb), 1, 16384},
  {"http", "max_upload_mb", KEY_INT, F(max_upload_mb), 1, 4096},
  {"http", "max_import_kb", KEY_INT, F(max_import_kb), 1, 65536},
  {"http", "max_header_kb", KEY_INT, F(max_header_kb), 1, 63},
  {"http", "header_timeout_seconds", KEY_INT, F(header_timeout_seconds), 1, 600},
  {"http", "idle_seconds", KEY_INT, F(idle_seconds), 1, 3600},
  {"http", "max_connections_per_address", KEY_INT, F(max_connections_per_address), 0, 1000000},
  {"ws", "max_message_kb", KEY_INT, F(ws_max_message_kb), 1, 16384},
  {"ws", "max_queue", KEY_INT, F(ws_max_queue), 16, 1000000},
  {"ws", "event_backlog", KEY_INT, F(ws_event_backlog), 0, 100000},
  {"ws", "rate_per_second", KEY_INT, F(ws_rate_per_second), 1, 100000},
  {"ws", "rate_burst", KEY_INT, F(ws_rate_burst), 1, 100000},
  {"ws", "ping_seconds", KEY_INT, F(ws_ping_seconds), 0, 3600},
  {"ws", "pong_timeout_seconds", KEY_INT, F(ws_pong_timeout_seconds), 1, 3600},
  {"meeting", "speaking_seconds", KEY_INT, F(speaking_seconds), 0, 7200},
  {"meeting", "organisation", KEY_STRING, F(organisation), 0, 0},
  {"meeting", "timezone", KEY_STRING, F(timezone), 0, 0},
  {"media", "enabled", KEY_BOOL, F(media_enabled), 0, 0},
  {"media", "listen", KEY_STRING, F(media_listen), 0, 0},
  {"media", "video_port", KEY_INT, F(media_video_port), 1, 65534},
  {"media", "audio_port", KEY_INT, F(media_audio_port), 1, 65534},
  {"media", "chair_site", KEY_STRING, F(media_chair_site), 0, 0},
  {"media", "mode", KEY_STRING, F(media_mode), 0, 0},
  {"media", "fps", KEY_INT, F(media_fps), 1, 60},
  {"media", "idr_seconds", KEY_INT, F(media_idr_seconds), 1, 10},
  {"media", "tiers", KEY_STRING, F(media_tiers), 0, 0},
  {"media", "record", KEY_BOOL, F(media_record), 0, 0},
  {"media", "record_dir", KEY_PATH, F(media_record_dir), 0, 0},
  {"media", "record_segment_minutes", KEY_INT, F(media_record_segment_minutes), 1, 240},
  {"media", "rtsp_port", KEY_INT, F(media_rtsp_port), 0, 65535},
  {"media", "rtsp_host", KEY_STRING, F(media_rtsp_host), 0, 0},
  {"media", "webrtc_port", KEY_INT, F(media_webrtc_port), 0, 65535},
  {"media", "webrtc_address", KEY_STRING, F(media_webrtc_address), 0, 0},
  {"media", "webrtc_offers_per_minute", KEY_INT, F(media_webrtc_offers_per_minute), 1, 100000},
  {"media", "h264_payload_type", KEY_INT, F(media_h264_payload_type), 96, 127},
  {"media", "opus_payload_type", KEY_INT, F(media_opus_payload_type), 96, 127},
  {"media", "video_cap_kbps", KEY_INT, F(media_video_cap_kbps), 0, 1000000},
  {"media", "audio_cap_kbps", KEY_INT, F(media_audio_cap_kbps), 0, 100000},
  {"sip", "port", KEY_INT, F(sip_port), 0, 65535},
  {"sip", "listen", KEY_STRING, F(sip_listen), 0, 0},
  {"sip", "transports", KEY_STRING, F(sip_transports), 0, 0},
  {"sip", "tls_port", KEY_INT, F(sip_tls_port), 1, 65535},
  {"sip", "domain", KEY_STRING, F(sip_domain), 0, 0},
  {"sip", "realm", KEY_STRING, F(sip_realm), 0, 0},
  {"sip", "srtp", KEY_STRING, F(sip_srtp), 0, 0},
  {"sip", "media_address", KEY_STRING, F(sip_media_address), 0, 0},
  {"sip", "register_min_seconds", KEY_INT, F(sip_register_min_seconds), 1, 86400},
  {"sip", "register_max_seconds", KEY_INT, F(sip_register_max_seconds), 1, 86400},
  {"sip", "requests_per_second", KEY_INT, F(sip_requests_per_second), 0, 1000000},
  {"sip", "dial_out", KEY_BOOL, F(sip_dial_out), 0, 0},
  {"sip", "dials_per_second", KEY_INT, F(sip_dials_per_second), 1, 1000},
  {"sip", "session_expires", KEY_INT, F(sip_session_expires), 0, 86400},
  {"sip", "min_se", KEY_INT, F(sip_min_se), 1, 86400},
  {"audio", "input_device", KEY_STRING, F(audio_input_device), 0, 0},
  {"audio", "output_device", KEY_STRING, F(audio_output_device), 0, 0},
  {"health", "loss_percent", KEY_DOUBLE, F(health_loss_percent), 0, 100},
  {"health", "jitter_ms", KEY_DOUBLE, F(health_jitter_ms), 0, 10000},
  {"health", "offline_seconds", KEY_DOUBLE, F(health_offline_seconds), 0, 3600},
  {"health", "freeze_seconds", KEY_DOUBLE, F(health_freeze_seconds), 0, 3600},
  {"health", "freeze_kbps", KEY_DOUBLE, F(health_freeze_kbps), 0, 100000},
  {"health", "keyframe_seconds", KEY_DOUBLE, F(health_keyframe_seconds), 0, 3600},
  {"health", "silence_seconds", KEY_DOUBLE, F(health_silence_seconds), 0, 3600},
  {"health", "silence_kbps", KEY_DOUBLE, F(health_silence_kbps), 0, 100000},
  {"health", "clear_seconds", KEY_DOUBLE, F(health_clear_seconds), 0, 3600},
  {"health", "check_seconds", KEY_INT, F(health_check_seconds), 1, 3600},
  {"storage", "low_mb", KEY_INT, F(storage_low_mb), 0, 100000000},
  {"storage", "reserve_mb", KEY_INT, F(storage_reserve_mb), 0, 1000000},
  {"storage", "check_seconds", KEY_INT, F(storage_check_seconds), 1, 3600},
  {"metrics", "allow", KEY_STRING, F(metrics_allow), 0, 0},
  {"votes", "allow_change", KEY_BOOL, F(vote_allow_change), 0, 0},
  {"votes", "majority", KEY_MAJORITY, F(vote_majority_of_members), 0, 0},
  {"votes", "majority_percent", KEY_INT, F(vote_majority_percent), 1, 99},
  {"votes", "quorum_percent", KEY_INT, F(vote_quorum_percent), 0, 100},
  {"votes", "secret_group", KEY_INT, F(vote_secret_group), 1, 100},
  {"auth", "token_ttl_hours", KEY_INT, F(token_ttl_hours), 1, 24 * 365},
  {"auth", "pwhash_cost", KEY_COST, F(pwhash_cost), 0, 0},
  {"auth", "initial_admin_password", KEY_STRING, F(initial_admin_password), 0, 0},
  {"backup", "dir", KEY_PATH, F(backup_dir), 0, 0},
  {"backup", "interval_minutes", KEY_INT, F(backup_interval_minutes), 1, 7 * 24 * 60},
  {"backup", "keep", KEY_INT, F(backup_keep), 0, 10000},
  {"demo", "seed", KEY_BOOL, F(demo_seed), 0, 0},
  {"demo", "dir", KEY_PATH, F(demo_dir), 0, 0},
  {"demo", "pdf_dir", KEY_PATH, F(demo_pdf_dir), 0, 0},
};
#undef F

static gboolean parse_typed(rc_config *c, GError **error);

rc_config *
rc_config_new_default(void)
{
  rc_config *c = g_new0(rc_config, 1);
  c->listen = g_strdup("0.0.0.0");
  c->port = 8080;
  c->data_dir = g_strdup("/var/lib/roomctl");
  c->web_root = g_strdup(RC_WEB_ROOT);
  c->public_url = g_strdup("");
  c->tls_cert = g_strdup("");
  c->tls_key = g_strdup("");
  c->http_mode = g_strdup("redirect");
  c->max_body_kb = 64;
  c->max_upload_mb = 100;
  c->max_import_kb = 4096;
  c->max_header_kb = 8;
  c->header_timeout_seconds = 10;
  c->idle_seconds = 5;
  c->max_connections_per_address = 1024;
  c->ws_max_message_kb = 64;
  c->ws_max_queue = 4096;
  c->ws_event_backlog = 512;
  c->ws_rate_per_second = 20;
  c->ws_rate_burst = 60;
  c->ws_ping_seconds = 30;
  c->ws_pong_timeout_seconds = 10;
  c->speaking_seconds = 180;
  c->media_enabled = TRUE;
  c->media_listen = g_strdup("0.0.0.0");
  c->media_video_port = 5004;
  c->media_audio_port = 5006;
  c->media_chair_site = g_strdup("");
  c->media_mode = g_strdup("switch");
  c->media_fps = 25;
  c->media_idr_seconds = 2;
  c->media_tiers = g_strdup("1280x720@2000,640x360@600");
  c->tiers = g_array_new(FALSE, FALSE, sizeof(rc_tier));
  c->media_record = TRUE;
  c->media_record_dir = g_strdup("");
  c->media_record_segment_minutes = 10;
  c->media_rtsp_port = 8554;
  c->media_rtsp_host = g_strdup("");
  c->media_webrtc_port = 5008;
  c->media_webrtc_address = g_strdup("");
  c->media_webrtc_offers_per_minute = 30;
  c->media_h264_payload_type = 96;
  c->media_opus_payload_type = 111;
  c->media_video_cap_kbps = 8000;
  c->media_audio_cap_kbps = 256;
  c->sip_port = 5060;
  c->sip_listen = g_strdup("");
  c->sip_transports = g_strdup("udp,tcp");
  c->sip_tls_port = 5061;
  c->sip_domain = g_strdup("");
  c->sip_realm = g_strdup("roomctl");
  c->sip_srtp = g_strdup("");
  c->sip_media_address = g_strdup("");
  c->sip_register_min_seconds = 60;
  c->sip_register_max_seconds = 3600;
  c->sip_requests_per_second = 200;
  c->sip_dial_out = TRUE;
  c->sip_dials_per_second = 40;
  c->sip_session_expires = 1800;
  c->sip_min_se = 90;
  c->audio_input_device = g_strdup("");
  c->audio_output_device = g_strdup("");
  c->health_loss_percent = 5;
  c->health_jitter_ms = 60;
  c->health_offline_seconds = 2;
  c->health_freeze_seconds = 0.5;
  c->health_freeze_kbps = 20;
  c->health_keyframe_seconds = 12;
  c->health_silence_seconds = 0.5;
  c->health_silence_kbps = 16;
  c->health_clear_seconds = 10;
  c->health_check_seconds = 30;
  c->storage_low_mb = 1024;
  c->storage_reserve_mb = 128;
  c->storage_check_seconds = 5;
  c->metrics_allow = g_strdup("127.0.0.0/8,::1/128");
  c->vote_allow_change = TRUE;
  c->vote_majority_of_members = TRUE;
  c->vote_majority_percent = 50;
  c->vote_quorum_percent = 50;
  c->vote_secret_group = RC_VOTE_SEAL_GROUP_DEFAULT;
  c->token_ttl_hours = 12;
  c->pwhash_cost = RC_PWHASH_INTERACTIVE;
  c->initial_admin_password = g_strdup("");
  c->organisation = g_strdup("HỘI ĐỒNG NHÂN DÂN TỈNH");
  c->timezone = g_strdup("Asia/Ho_Chi_Minh");
  c->backup_dir = g_strdup("");
  c->backup_interval_minutes = 24 * 60;
  c->backup_keep = 7;
  c->demo_seed = FALSE;
  c->demo_dir = g_strdup(RC_DEMO_DIR);
  c->demo_pdf_dir = g_strdup(RC_DEMO_PDF_DIR);
  /* The defaults' typed values (they parse: a test says so), so that a
   * config not loaded from a file is complete too. */
  if (!parse_typed(c, NULL))
    g_error("the built-in [media] or [meeting] defaults do not parse");
  return c;
}

void
rc_config_free(rc_config *c)
{
  if (!c)
    return;
  for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
    if (keys[i].kind == KEY_STRING || keys[i].kind == KEY_PATH)
      g_free(G_STRUCT_MEMBER(char *, c, keys[i].offset));
  g_clear_pointer(&c->zone, g_time_zone_unref);
  g_array_unref(c->tiers);
  g_free(c->path);
  g_free(c);
}

const char *
rc_program_mode_name(rc_program_mode mode)
{
  return mode == RC_PROGRAM_COMPOSE ? "compose" : "switch";
}

gboolean
rc_program_mode_parse(const char *text, rc_program_mode *out)
{
  if (g_strcmp0(text, "switch") == 0)
    *out = RC_PROGRAM_SWITCH;
  else if (g_strcmp0(text, "compose") == 0)
    *out = RC_PROGRAM_COMPOSE;
  else
    return FALSE;
  return TRUE;
}

static const key_spec *
find_key(const char *group, const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
    if (g_str_equal(keys[i].group, group) && g_str_equal(keys[i].key, key))
      return &keys[i];
  return NULL;
}

static gboolean
parse_cost(const char *s, rc_pwhash_cost *out)
{
  if (g_str_equal(s, "min"))
    *out = RC_PWHASH_MIN;
  else if (g_str_equal(s, "interactive"))
    *out = RC_PWHASH_INTERACTIVE;
  else if (g_str_equal(s, "moderate"))
    *out = RC_PWHASH_MODERATE;
  else
    return FALSE;
  return TRUE;
}

/* Reads one key into @c. On error, @c keeps the old value. */
static gboolean
read_key(GKeyFile *kf, const key_spec *k, const char *base_dir, rc_config *c, GError **error)
{
  g_autofree char *raw = g_key_file_get_value(kf, k->group, k->key, error);
  if (!raw)
    return FALSE;
  g_strstrip(raw);
  char **str = &G_STRUCT_MEMBER(char *, c, k->offset);
  switch (k->kind) {
  case KEY_INT: {
    char *end = NULL;
    errno = 0;
    gint64 v = g_ascii_strtoll(raw, &end, 10);
    if (errno || !*raw || *end || v < k->min || v > k->max) {
      g_set_error(error, RC_CONFIG_ERROR, 1, "[%s] %s: '%s' is not a whole number from %d to %d",
                  k->group, k->key, raw, k->min, k->max);
      return FALSE;
    }
    G_STRUCT_MEMBER(int, c, k->offset) = (int)v;
    return TRUE;
  }
  case KEY_DOUBLE: {
    char *end = NULL;
    double v = g_ascii_strtod(raw, &end);
    if (!*raw || *end || v < k->min || v > k->max) {
      g_set_error(error, RC_CONFIG_ERROR, 1, "[%s] %s: '%s' is not a number from %d to %d", k->group, k->key, raw,
                  k->min, k->max);
      return FALSE;
    }
    G_STRUCT_MEMBER(double, c, k->offset) = v;
    return TRUE;
  }
  case KEY_BOOL:
    if (g_str_equal(raw, "true") || g_str_equal(raw, "false")) {
      G_STRUCT_MEMBER(gboolean, c, k->offset) = g_str_equal(raw, "true");
      return TRUE;
    }
    g_set_error(error, RC_CONFIG_ERROR, 1, "[%s] %s: '%s' is not true or false", k->group, k->key, raw);
    return FALSE;
  case KEY_COST:
    if (parse_cost(raw, &G_STRUCT_MEMBER(rc_pwhash_cost, c, k->offset)))
      return TRUE;
    g_set_error(error, RC_CONFIG_ERROR, 1, "[%s] %s: '%s' is not min, interactive or moderate",
                k->group, k->key, raw);
    return FALSE;
  case KEY_MAJORITY:
    if (g_str_equal(raw, "members") || g_str_equal(raw, "present")) {
      G_STRUCT_MEMBER(gboolean, c, k->offset) = g_str_equal(raw, "members");
      return TRUE;
    }
    g_set_error(error, RC_CONFIG_ERROR, 1, "[%s] %s: '%s' is not members or present", k->group, k->key, raw);
    return FALSE;
  case KEY_PATH:
    g_free(*str);
    *str = (*raw && !g_path_is_absolute(raw)) ? g_canonicalize_filename(raw, base_dir) : g_strdup(raw);
    return TRUE;
  case KEY_STRING:
    g_free(*str);
    *str = g_strdup(raw);
    return TRUE;
  }
  return FALSE;
}

/* A file the daemon must read at start: say which key names it and why
 * it cannot be read, rather than failing later inside the TLS library. */
static gboolean
readable_file(const char *key, const char *path, GError **error)
{
  if (g_access(path, R_OK) != 0) {
    int err = errno;
    g_set_error(error, RC_CONFIG_ERROR, 1, "[server] %s: %s: %s", key, path, g_strerror(err));
    return FALSE;
  }
  if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
    g_set_error(error, RC_CONFIG_ERROR, 1, "[server] %s: %s is not a file", key, path);
    return FALSE;
  }
  return TRUE;
}

/* TLS: both files or neither, both readable; plain HTTP redirected or refused. */
static gboolean
validate_tls(rc_config *c, GError **error)
{
  if (!g_str_equal(c->http_mode, "redirect") && !g_str_equal(c->http_mode, "refuse")) {
    g_set_error(error, RC_CONFIG_ERROR, 1, "[server] http_mode: '%s' is not redirect or refuse", c->http_mode);
    return FALSE;
  }
  if (!*c->tls_cert && !*c->tls_key)
    return TRUE;
  if (!*c->tls_cert || !*c->tls_key) {
    g_set_error(error, RC_CONFIG_ERROR, 1, "[server] tls_cert and tls_key go together: set both or neither");
    return FALSE;
  }
  return readable_file("tls_cert", c->tls_cert, error) && readable_file("tls_key", c->tls_key, error);
}

/* A zone the browsers know as well as GLib: an IANA name with its file in
 * the zone database. GLib alone would also take "+07:00" or a POSIX rule
 * ("ICT-7"), which Intl.DateTimeFormat in the apps refuses. */
static gboolean
valid_zone_name(const char *name)
{
  if (!*name || strstr(name, "..") || !g_ascii_isalpha(name[0]))
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum(*p) && !strchr("/_+-", *p))
      return FALSE;
  const char *dir = g_getenv("TZDIR");
  g_autofree char *file = g_build_filename(dir && *dir ? dir : "/usr/share/zoneinfo", name, NULL);
  g_autoptr(GTimeZone) zone = g_file_test(file, G_FILE_TEST_IS_REGULAR) ? g_time_zone_new_identifier(name) : NULL;
  return zone != NULL;
}

/* [meeting] organisation and timezone: shown by every app and document. */
static gboolean
validate_meeting(rc_config *c, GError **error)
{
  glong chars = g_utf8_validate(c->organisation, -1, NULL) ? g_utf8_strlen(c->organisation, -1) : -1;
  gboolean control = FALSE;
  for (const char *p = c->organisation; *p; p++)
    control |= (unsigned char)*p < 0x20;
  if (chars < 1 || chars > 200 || control) {
    g_set_error(error, RC_CONFIG_ERROR, 1, "[meeting] organisation: 1 to 200 characters of UTF-8 text on one line");
    return FALSE;
  }
  return TRUE;
}

/* The typed values other modules use, from the keys as written: the
 * program mode, the tiers, the province's zone. */
static gboolean
parse_typed(rc_config *c, GError **error)
{
  if (!rc_program_mode_parse(c->media_mode, &c->program_mode)) {
    g_set_error(error, RC_CONFIG_ERROR, 1, "[media] mode: '%s' is not switch or compose", c->media_mode);
    return FALSE;
  }
  g_auto(GStrv) tiers = g_strsplit(c->media_tiers, ",", -1);
  g_array_set_size(c->tiers, 0);
  for (char **t = tiers; *t; t++) {
    rc_tier tier = {0};
    char end = 0;
    if (sscanf(g_strstrip(*t), "%dx%d@%d%c", &tier.width, &tier.height, &tier.kbps, &end) != 3 ||
        tier.width < 64 || tier.height < 64 || tier.width > 3840 || tier.height > 2160 || tier.kbps < 50 ||
        tier.kbps > 20000) {
      g_set_error(error, RC_CONFIG_ERROR, 1, "[media] tiers: '%s' is not WIDTHxHEIGHT@KBPS", *t);
      return FALSE;
    }
    g_array_append_val(c->tiers, tier);
  }
  if (!c->tiers->len) {
    g_set_error(error, RC_CONFIG_ERROR, 1, "[media] needs at least one tier");
    return FALSE;
  }
  if (!valid_zone_name(c->timezone)) {
    g_set_error(error, RC_CONFIG_ERROR, 1, "[meeting] timezone: '%s' is not a time zone name of the zone "
                "database (such as Asia/Ho_Chi_Minh)", c->timezone);
    return FALSE;
  }
  g_clear_pointer(&c->zone, g_time_zone_unref);
  c->zone = g_time_zone_new_identifier(c->timezone);
  return TRUE;
}

const char *
rc_config_sip_srtp(const rc_config *c)
{
  if (*c->sip_srtp)
    return c->sip_srtp;
  return *c->tls_cert ? "required" : "preferred";
}

/* A realm or domain goes into SIP headers as it is: a token of visible
 * ASCII without quotes, spaces or separators that would end the header. */
static gboolean
sip_token(const char *s)
{
  if (!*s || strlen(s) > 253)
    return FALSE;
  for (const char *p = s; *p; p++)
    if (!g_ascii_isalnum(*p) && !strchr(".-_:[]", *p))
      return FALSE;
  return TRUE;
}

/* [sip]: known transports (tls only with the HTTPS certificate), a
 * media security, the realm and domain as tokens, min <= max. */
static gboolean
validate_sip(rc_config *c, GError **error)
{
  g_auto(GStrv) names = g_strsplit(c->sip_transports, ",", -1);
  guint n = 0;
  for (char **t = names; *t; t++, n++) {
    g_strstrip(*t);
    if (!g_str_equal(*t, "udp") && !g_str_equal(*t, "tcp") && !g_str_equal(*t, "tls")) {
      g_set_error(error, RC_CONFIG_ERROR, 1, "[sip] transports: '%s' is not udp, tcp or tls", *t);
      return FALSE;
    }
    if (g_str_equal(*t, "tls") && !*c->tls_cert) {
      g_set_error(error, RC_CONFIG_ERROR, 1, "[sip] transports: tls needs [server] tls_cert and tls_key");
      return FALSE;
    }
  }
  if (n == 0) {
    g_set_error(error, RC_CONFIG_ERROR, 1, "[sip] transports: at least one of udp, tcp, tls");
    return FALSE;
  }
  if (*c->sip_srtp && !g_str_equal(c->sip_srtp, "required") && !g_str_equal(c->sip_srtp, "preferred") &&
      !g_str_equal(c->sip_srtp, "off")) {
    g_set_error(error, RC_CONFIG_ERROR, 1, "[sip] srtp: '%s' is not required, preferred or off (or empty)",
                c->sip_srtp);
    return FALSE;
  }
  const char *tokens[][2] = {{"realm", c->sip_realm}, {"domain", c->sip_domain}, {"media_address", c->sip_media_address}};
  for (gsize i = 0; i < G_N_ELEMENTS(tokens); i++)
    if ((i == 0 || *tokens[i][1]) && !sip_token(tokens[i][1])) {
      g_set_error(error, RC_CONFIG_ERROR, 1, "[sip] %s: '%s' is not a host name, address or token", tokens[i][0],
                  tokens[i][1]);
      return FALSE;
    }
  if (c->sip_session_expires && c->sip_min_se > c->sip_session_expires) {
    g_set_error(error, RC_CONFIG_ERROR, 1, "[sip] min_se is above session_expires");
    return FALSE;
  }
  if (c->sip_register_min_seconds > c->sip_register_max_seconds) {
    g_set_error(error, RC_CONFIG_ERROR, 1, "[sip] register_min_seconds is above register_max_seconds");
    return FALSE;
  }
  return TRUE;
}

/* Values that need more than one key's type check. */
static gboolean
validate(rc_config *c, GError **error)
{
  if (!validate_tls(c, error) || !parse_typed(c, error) || !validate_meeting(c, error) || !validate_sip(c, error))
    return FALSE;
  if (c->media_video_port == c->media_audio_port ||
      ABS(c->media_video_port - c->media_audio_port) < 2) {
    g_set_error(error, RC_CONFIG_ERROR, 1, "[media] video_port and audio_port must be two apart (RTCP uses port + 1)");
    return FALSE;
  }
  return TRUE;
}

rc_config *
rc_config_load(const char *path, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new();
  if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, error))
    return NULL;
  g_autoptr(rc_config) c = rc_config_new_default();
  g_autofree char *abs = g_canonicalize_filename(path, NULL);
  g_autofree char *base_dir = g_path_get_dirname(abs);
  g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
  for (char **g = groups; *g; g++) {
    g_auto(GStrv) names = g_key_file_get_keys(kf, *g, NULL, error);
    if (!names)
      return NULL;
    for (char **k = names; *k; k++) {
      const key_spec *spec = find_key(*g, *k);
      if (!spec && g_str_equal(*g, "records") && g_str_equal(*k, "timezone")) {
        /* One zone for the apps and the documents since issue 12. */
        g_set_error(error, RC_CONFIG_ERROR, 1, "%s: [records] timezone is now [meeting] timezone (a zone name "
                    "such as Asia/Ho_Chi_Minh), for every app as well as the minutes and reports", path);
        return NULL;
      }
      if (!spec) {
        g_set_error(error, RC_CONFIG_ERROR, 1, "%s: unknown key [%s] %s", path, *g, *k);
        return NULL;
      }
      if (!read_key(kf, spec, base_dir, c, error)) {
        g_prefix_error(error, "%s: ", path);
        return NULL;
      }
    }
  }
  if (!validate(c, error)) {
    g_prefix_error(error, "%s: ", path);
    return NULL;
  }
  c->path = g_steal_pointer(&abs);
  return g_steal_pointer(&c);
}
