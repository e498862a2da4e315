/* Unit tests for the app's site-health: media figures (structs, as the
 * media hands them over) in, a real store and the meeting's event frames
 * out. */
#include "store-fixture.h"
#include "base/rc-error.h"
#include "app/site-health.h"

typedef struct {
  fixture f;
  rc_config *config;
  rc_meeting *meeting;
  rc_site_health *sh;
  GPtrArray *frames; /* the event texts sent, each topic */
  gint64 session_id, site_id;
} hfx;

static void
on_frame(gint64 topic, GBytes *frame, gpointer data)
{
  hfx *h = data;
  gsize n;
  const char *text = g_bytes_get_data(frame, &n);
  g_ptr_array_add(h->frames, g_strdup_printf("%" G_GINT64_FORMAT " %.*s", topic, (int)n, text));
}

static void
hsetup(hfx *h, gconstpointer data)
{
  setup(&h->f, data);
  h->config = rc_config_new_default();
  h->meeting = rc_meeting_new(64);
  h->frames = g_ptr_array_new_with_free_func(g_free);
  rc_meeting_set_sink(h->meeting, on_frame, h);
  h->sh = rc_site_health_new(h->config, h->f.store, h->meeting);
  g_autoptr(GError) error = NULL;
  g_autoptr(json_t) s = json_pack("{ss ss ss}", "title", "Kỳ họp", "starts_at", "2026-11-25T01:00:00Z", "ends_at",
                                  "2026-11-25T05:00:00Z");
  h->session_id = rc_store_session_create(h->f.store, s, &error);
  g_assert_no_error(error);
  g_autoptr(json_t) site = json_pack("{ss ss ss}", "code", "TINH", "name", "Tỉnh", "level", "province");
  h->site_id = rc_store_site_create(h->f.store, site, &error);
  g_assert_no_error(error);
}

static void
hteardown(hfx *h, gconstpointer data)
{
  rc_site_health_free(h->sh);
  rc_meeting_free(h->meeting);
  rc_config_free(h->config);
  g_ptr_array_unref(h->frames);
  teardown(&h->f, data);
}

static void
site_figures_clear(gpointer data)
{
  rc_media_site_figures *s = data;
  g_free(s->code);
  g_free(s->name);
}

/* One tick's figures: the site sending (@idle_s since its last packet). */
static rc_media_figures *
figures(hfx *h, guint64 packets, double idle_s)
{
  rc_media_figures *f = g_rc_box_new0(rc_media_figures);
  f->session_id = h->session_id;
  f->sites = g_array_new(FALSE, TRUE, sizeof(rc_media_site_figures));
  g_array_set_clear_func(f->sites, site_figures_clear);
  rc_media_stream_figures v = {.packets = packets, .expected = packets, .settled_expected = packets,
                               .bitrate_bps = 1500000, .delta_bitrate_bps = 1200000, .idle_s = idle_s,
                               .keyframe_age_s = 0.5, .payload_type = 96, .wrong_pt = -1, .wrong_pt_age_s = -1};
  rc_media_stream_figures a = {.packets = packets, .expected = packets, .settled_expected = packets,
                               .bitrate_bps = 64000, .idle_s = idle_s, .payload_type = 111, .wrong_pt = -1,
                               .wrong_pt_age_s = -1};
  rc_media_site_figures s = {.site_id = h->site_id, .code = g_strdup("TINH"), .name = g_strdup("Tỉnh"),
                             .have_video = TRUE, .have_audio = TRUE, .video = v, .audio = a, .transport = "rtp",
                             .link_up = TRUE, .receives_program = TRUE, .audio_codec = "opus"};
  g_array_append_val(f->sites, s);
  f->dropped[0][RC_DROP_UNKNOWN_SSRC] = 7;
  return f;
}

static void
tick(hfx *h, guint64 packets, double idle_s)
{
  g_autoptr(rc_media_figures) f = figures(h, packets, idle_s);
  rc_site_health_tick(h->sh, f);
}

static guint
frames_with(hfx *h, const char *needle)
{
  guint n = 0;
  for (guint i = 0; i < h->frames->len; i++)
    n += strstr(h->frames->pdata[i], needle) != NULL;
  return n;
}

/* Figures in, one commit per tick with changes, the dashboard's tick and
 * the alarm out on the technicians' topic only. */
static void
test_offline_one_commit(hfx *h, gconstpointer data)
{
  (void)data;
  tick(h, 100, 0.02);
  g_assert_cmpint(rc_site_health_state(h->sh, h->site_id), ==, RC_HEALTH_ONLINE);
  g_autoptr(GPtrArray) all = rc_site_health_figures(h->sh);
  g_assert_cmpuint(all->len, ==, 1);
  g_assert_cmpint(((rc_media_figures *)all->pdata[0])->session_id, ==, h->session_id);
  g_assert_cmpuint(frames_with(h, "\"type\":\"health.tick\""), ==, 1);
  g_assert_cmpuint(frames_with(h, "\"online\":1"), ==, 1);
  g_assert_cmpuint(frames_with(h, "\"unknown_ssrc\":7"), ==, 1);
  /* Every frame went to the technicians' topic, none to the tablets'. */
  g_autofree char *tech = g_strdup_printf("%" G_GINT64_FORMAT " ", rc_meeting_tech_topic(h->session_id));
  for (guint i = 0; i < h->frames->len; i++)
    g_assert_true(g_str_has_prefix(h->frames->pdata[i], tech));

  guint64 commits = rc_store_commits(h->f.store);
  tick(h, 100, h->config->health_offline_seconds + 1); /* nothing since: offline */
  g_assert_cmpint(rc_site_health_state(h->sh, h->site_id), ==, RC_HEALTH_OFFLINE);
  g_assert_cmpuint(rc_store_commits(h->f.store) - commits, ==, 1);
  g_assert_cmpuint(frames_with(h, "\"type\":\"alarm.raised\""), ==, 1);
  g_assert_cmpuint(frames_with(h, "\"kind\":\"offline\""), ==, 1);
  g_autoptr(json_t) alarms = rc_store_alarms_list(h->f.store, h->session_id, TRUE, 10, NULL);
  g_assert_cmpuint(json_array_size(alarms), ==, 1);

  /* The call opened when it came online and closed when it went offline. */
  g_autoptr(json_t) calls = rc_store_site_calls(h->f.store, h->session_id, NULL);
  g_assert_cmpuint(json_array_size(calls), ==, 1);
  g_assert_cmpstr(json_string_value(json_object_get(json_array_get(calls, 0), "left_reason")), ==,
                  "the site stopped sending");
}

/* The dashboard's rows and counts come from the last figures, for its session only. */
static void
test_rows(hfx *h, gconstpointer data)
{
  (void)data;
  g_autoptr(json_t) none = rc_site_health_rows_json(h->sh, h->session_id);
  g_assert_cmpuint(json_array_size(none), ==, 0);
  tick(h, 100, 0.02);
  g_autoptr(json_t) rows = rc_site_health_rows_json(h->sh, h->session_id);
  g_assert_cmpuint(json_array_size(rows), ==, 1);
  json_t *row = json_array_get(rows, 0);
  g_assert_cmpstr(json_string_value(json_object_get(row, "state")), ==, "online");
  g_assert_cmpfloat(json_real_value(json_object_get(row, "kbps")), ==, 1500.0);
  g_assert_true(json_is_null(json_object_get(row, "rr_loss_percent")));
  g_autoptr(json_t) other = rc_site_health_rows_json(h->sh, h->session_id + 1);
  g_assert_cmpuint(json_array_size(other), ==, 0);
  g_autoptr(json_t) counts = rc_site_health_counts_json(h->sh, h->session_id);
  g_assert_cmpint(json_integer_value(json_object_get(counts, "online")), ==, 1);
  g_autoptr(json_t) none_other = rc_site_health_counts_json(h->sh, h->session_id + 1);
  g_assert_cmpint(json_integer_value(json_object_get(none_other, "online")), ==, 0);
}

/* Two live sessions at once: each has its own watch (state, counts, rows,
 * alarms on its own topic), and the end of one leaves the other as it is. */
static void
test_two_sessions(hfx *h, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  g_autoptr(json_t) s = json_pack("{ss ss ss}", "title", "Họp sở", "starts_at", "2026-11-25T01:00:00Z", "ends_at",
                                  "2026-11-25T05:00:00Z");
  gint64 other = rc_store_session_create(h->f.store, s, &error);
  g_assert_no_error(error);
  g_autoptr(json_t) site = json_pack("{ss ss ss sI}", "code", "SOYTE", "name", "Sở Y tế", "level", "department",
                                     "parent_id", (json_int_t)h->site_id);
  gint64 other_site = rc_store_site_create(h->f.store, site, &error);
  g_assert_no_error(error);

  tick(h, 100, 0.02); /* session A: its site online */
  g_autoptr(rc_media_figures) f = figures(h, 100, h->config->health_offline_seconds + 1);
  f->session_id = other; /* session B: its own site, silent (offline) */
  g_array_index(f->sites, rc_media_site_figures, 0).site_id = other_site;
  rc_site_health_tick(h->sh, f);
  rc_site_health_tick(h->sh, f);

  g_assert_cmpint(rc_site_health_state(h->sh, h->site_id), ==, RC_HEALTH_ONLINE);
  g_assert_cmpint(rc_site_health_state(h->sh, other_site), ==, RC_HEALTH_OFFLINE);
  g_autoptr(json_t) a = rc_site_health_counts_json(h->sh, h->session_id);
  g_autoptr(json_t) b = rc_site_health_counts_json(h->sh, other);
  g_assert_cmpint(json_integer_value(json_object_get(a, "online")), ==, 1);
  g_assert_cmpint(json_integer_value(json_object_get(a, "offline")), ==, 0);
  g_assert_cmpint(json_integer_value(json_object_get(b, "offline")), ==, 1);
  g_autoptr(json_t) alarms_a = rc_store_alarms_list(h->f.store, h->session_id, TRUE, 10, NULL);
  g_autoptr(json_t) alarms_b = rc_store_alarms_list(h->f.store, other, TRUE, 10, NULL);
  g_assert_cmpuint(json_array_size(alarms_a), ==, 0);
  g_assert_cmpuint(json_array_size(alarms_b), ==, 1);
  /* B's alarm went to B's technicians only. */
  g_autofree char *topic_b = g_strdup_printf("%" G_GINT64_FORMAT " ", rc_meeting_tech_topic(other));
  for (guint i = 0; i < h->frames->len; i++)
    if (strstr(h->frames->pdata[i], "\"alarm.raised\""))
      g_assert_true(g_str_has_prefix(h->frames->pdata[i], topic_b));
  g_autoptr(GPtrArray) both = rc_site_health_figures(h->sh);
  g_assert_cmpuint(both->len, ==, 2);

  rc_site_health_session_ended(h->sh, h->session_id);
  g_autoptr(GPtrArray) left = rc_site_health_figures(h->sh);
  g_assert_cmpuint(left->len, ==, 1);
  g_assert_cmpint(((rc_media_figures *)left->pdata[0])->session_id, ==, other);
  g_autoptr(json_t) rows_b = rc_site_health_rows_json(h->sh, other);
  g_assert_cmpuint(json_array_size(rows_b), ==, 1);
  g_autoptr(json_t) calls_a = rc_store_site_calls(h->f.store, h->session_id, NULL);
  g_assert_cmpuint(json_array_size(calls_a), ==, 1);
  g_assert_cmpstr(json_string_value(json_object_get(json_array_get(calls_a, 0), "left_reason")), ==,
                  "the session ended");
}

/* A pre-session check needs the media: without it, a clear refusal. */
static void
test_check_needs_media(hfx *h, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  g_assert_cmpint(rc_site_health_check_start(h->sh, h->session_id, 0, &error), ==, 0);
  g_assert_error(error, RC_ERROR, RC_ERROR_INVALID_STATE);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, hfx, NULL, hsetup, fn, hteardown)
  ADD("/site-health/offline-one-commit", test_offline_one_commit);
  ADD("/site-health/rows", test_rows);
  ADD("/site-health/two-sessions", test_two_sessions);
  ADD("/site-health/check-needs-media", test_check_needs_media);
  return g_test_run();
}
