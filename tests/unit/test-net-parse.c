/* Unit tests for what net-parse.c reads from a request: which static paths
 * are published, and one byte range. (The static resolution against a real
 * web root, symlinks included, is tests/integration/static-files.test.mjs
 * and the http fuzz target.) */
#include "net/net-parse.h"

static void
test_published(void)
{
  const char *yes[] = {"/index.html", "/console", "/console/", "/console/index.html", "/tablet/viewer.js",
                       "/tech/", "/docs/api.md", "/common/style.css", "/vendor/pdfjs/pdf.worker.min.mjs"};
  const char *no[] = {"/", "/package.json", "/package-lock.json", "/node_modules/x/package.json", "/README.md",
                      "/Makefile", "/consoles/x", "/console.bak", "/vendorx/a.js", "/index.htm", "/index.html/x",
                      "console/index.html", "", "/src/app.ts"};
  for (guint i = 0; i < G_N_ELEMENTS(yes); i++)
    g_assert_true(rc_net_static_published(yes[i]));
  for (guint i = 0; i < G_N_ELEMENTS(no); i++)
    g_assert_false(rc_net_static_published(no[i]));
  g_assert_false(rc_net_static_published(NULL));
}

typedef struct {
  const char *header;
  gboolean ok;
  gint64 from, to;
  gboolean unsatisfiable;
} range_case;

static void
test_range(void)
{
  const range_case cases[] = {
    {"bytes=0-99", TRUE, 0, 100, FALSE},
    {"bytes=100-", TRUE, 100, 1000, FALSE},
    {"bytes=990-5000", TRUE, 990, 1000, FALSE}, /* cut to the end */
    {"bytes=-10", TRUE, 990, 1000, FALSE},
    {"bytes=-5000", TRUE, 0, 1000, FALSE},      /* the whole file */
    {"bytes=999-999", TRUE, 999, 1000, FALSE},
    {"bytes=1000-", FALSE, 0, 0, TRUE},
    {"bytes=-0", FALSE, 0, 0, TRUE},
    {"bytes=0-1,5-9", FALSE, 0, 0, FALSE}, /* several ranges: the whole file */
    {"bytes=9-5", FALSE, 0, 0, FALSE},
    {"items=0-9", FALSE, 0, 0, FALSE},
    {"bytes=a-9", FALSE, 0, 0, FALSE},
    {"bytes=+1-9", FALSE, 0, 0, FALSE},
    {"bytes=1-9x", FALSE, 0, 0, FALSE},
    {"bytes=", FALSE, 0, 0, FALSE},
    {NULL, FALSE, 0, 0, FALSE},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    gint64 from = -1, to = -1;
    gboolean unsatisfiable = TRUE;
    gboolean ok = rc_net_parse_range(cases[i].header, 1000, &from, &to, &unsatisfiable);
    g_assert_cmpint(ok, ==, cases[i].ok);
    g_assert_cmpint(unsatisfiable, ==, cases[i].unsatisfiable);
    if (ok) {
      g_assert_cmpint(from, ==, cases[i].from);
      g_assert_cmpint(to, ==, cases[i].to);
    }
  }
  gint64 from, to;
  gboolean unsatisfiable;
  g_assert_false(rc_net_parse_range("bytes=-5", 0, &from, &to, &unsatisfiable)); /* an empty file */
  g_assert_true(unsatisfiable);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/net-parse/published", test_published);
  g_test_add_func("/net-parse/range", test_range);
  return g_test_run();
}
