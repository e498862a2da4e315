/* Unit tests for config: the values other modules use typed (the program
 * mode, the tiers, the province's zone) are parsed once, at load, and a
 * wrong one is refused there. */
#include "base/config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

static rc_config *
load(const char *text, GError **error)
{
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp("roomctl-config-XXXXXX.conf", &path, NULL);
  g_assert_cmpint(fd, >=, 0);
  close(fd);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  rc_config *c = rc_config_load(path, error);
  g_unlink(path);
  return c;
}

static void
test_defaults(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(rc_config) c = load("", &error);
  g_assert_no_error(error);
  g_assert_cmpint(c->program_mode, ==, RC_PROGRAM_SWITCH);
  g_assert_cmpuint(c->tiers->len, ==, 2);
  rc_tier *t = &g_array_index(c->tiers, rc_tier, 1);
  g_assert_cmpint(t->width, ==, 640);
  g_assert_cmpint(t->height, ==, 360);
  g_assert_cmpint(t->kbps, ==, 600);
  /* 2026-12-06 01:00 UTC is 08:00 in Hanoi. */
  g_autoptr(GDateTime) utc = g_date_time_new_utc(2026, 12, 6, 1, 0, 0);
  g_autoptr(GDateTime) local = g_date_time_to_timezone(utc, c->zone);
  g_assert_cmpint(g_date_time_get_hour(local), ==, 8);
}

/* A config made without a file (the daemon without --config, the fuzz
 * targets) has its typed values too. */
static void
test_built_in(void)
{
  g_autoptr(rc_config) c = rc_config_new_default();
  g_assert_cmpint(c->program_mode, ==, RC_PROGRAM_SWITCH);
  g_assert_cmpuint(c->tiers->len, ==, 2);
  g_assert_cmpint(g_array_index(c->tiers, rc_tier, 0).width, ==, 1280);
  g_assert_nonnull(c->zone);
  g_assert_cmpstr(g_time_zone_get_identifier(c->zone), ==, "Asia/Ho_Chi_Minh");
}

static void
test_typed_values(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(rc_config) c = load("[media]\nmode=compose\ntiers=1920x1080@4000, 320x180@150\n"
                                "[meeting]\ntimezone=America/New_York\n", &error);
  g_assert_no_error(error);
  g_assert_cmpint(c->program_mode, ==, RC_PROGRAM_COMPOSE);
  g_assert_cmpstr(rc_program_mode_name(c->program_mode), ==, "compose");
  g_assert_cmpuint(c->tiers->len, ==, 2);
  g_assert_cmpint(g_array_index(c->tiers, rc_tier, 0).kbps, ==, 4000);
  g_assert_cmpint(g_array_index(c->tiers, rc_tier, 1).width, ==, 320);
  g_autoptr(GDateTime) utc = g_date_time_new_utc(2026, 12, 6, 13, 0, 0);
  g_autoptr(GDateTime) local = g_date_time_to_timezone(utc, c->zone);
  g_assert_cmpint(g_date_time_get_hour(local), ==, 8);
}

static void
test_refused(void)
{
  const char *bad[][2] = {
    {"[media]\nmode=mosaic\n", "mode"},
    {"[media]\ntiers=1280x720\n", "tiers"},
    {"[media]\ntiers=1280x720@2000,10x10@100\n", "tiers"},
    {"[meeting]\ntimezone=Mars/Olympus\n", "timezone"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(rc_config) c = load(bad[i][0], &error);
    g_assert_null(c);
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error->message, bad[i][1]));
  }
  rc_program_mode m = RC_PROGRAM_COMPOSE;
  g_assert_false(rc_program_mode_parse(NULL, &m));
  g_assert_true(rc_program_mode_parse("switch", &m));
  g_assert_cmpint(m, ==, RC_PROGRAM_SWITCH);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/config/defaults", test_defaults);
  g_test_add_func("/config/built-in", test_built_in);
  g_test_add_func("/config/typed-values", test_typed_values);
  g_test_add_func("/config/refused", test_refused);
  return g_test_run();
}
