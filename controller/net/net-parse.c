/* net-parse — reading what an HTTP client sent: static paths, query
 * arguments, the token, and the https:// location for plain requests.
 * No libwebsockets here, so tests/fuzz/fuzz-http.c can drive it. */
#include "net/net-parse.h"

#include <stdlib.h>
#include <string.h>

gboolean
rc_net_static_path_ok(const char *path, size_t len)
{
  if (!path || strlen(path) != len || path[0] != '/')
    return FALSE;
  g_auto(GStrv) segs = g_strsplit(path + 1, "/", -1);
  for (char **s = segs; *s; s++)
    if ((*s)[0] == '.' || g_str_equal(*s, "node_modules") || strchr(*s, '\\'))
      return FALSE;
  return TRUE;
}

/* TRUE when @real is @root itself or below it: a plain prefix test would
 * let "/srv/web-old/x" pass for the root "/srv/web". */
static gboolean
below(const char *real, const char *root)
{
  size_t n = strlen(root);
  return strncmp(real, root, n) == 0 && (real[n] == '/' || real[n] == '\0');
}

/* What the apps load: their own directories, what they share, the vendored
 * libraries and the start page. The rest of web/ (package.json,
 * package-lock.json, node_modules/, whatever a checkout leaves there) is
 * the build's, not the site's, so it is not served even when it exists. */
gboolean
rc_net_static_published(const char *path)
{
  static const char *const dirs[] = {"tablet", "console", "tech", "site", "docs", "common", "vendor"};
  if (!path || path[0] != '/')
    return FALSE;
  if (g_str_equal(path, "/index.html"))
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS(dirs); i++) {
    size_t n = strlen(dirs[i]);
    if (strncmp(path + 1, dirs[i], n) == 0 && (path[n + 1] == '/' || path[n + 1] == '\0'))
      return TRUE;
  }
  return FALSE;
}

rc_static_result
rc_net_static_resolve(const char *web_root, const char *path, size_t len, char **out)
{
  *out = NULL;
  if (!rc_net_static_path_ok(path, len))
    return RC_STATIC_BAD_PATH;
  if (!rc_net_static_published(path))
    return RC_STATIC_NOT_FOUND;
  g_autofree char *full = g_build_filename(web_root, path, NULL);
  if (g_file_test(full, G_FILE_TEST_IS_DIR)) {
    if (!g_str_has_suffix(path, "/")) {
      *out = g_strconcat(path, "/", NULL);
      return RC_STATIC_DIR;
    }
    g_free(full);
    full = g_build_filename(web_root, path, "index.html", NULL);
  }
  char *real = realpath(full, NULL);
  /* The real path is checked again: a symlink inside an app directory may
   * point at web/package.json. */
  if (!real || !below(real, web_root) || !rc_net_static_published(real + strlen(web_root)) ||
      !g_file_test(real, G_FILE_TEST_IS_REGULAR)) {
    free(real);
    return RC_STATIC_NOT_FOUND;
  }
  *out = g_strdup(real);
  free(real);
  return RC_STATIC_FILE;
}

gboolean
rc_net_parse_range(const char *h, gint64 size, gint64 *from, gint64 *to, gboolean *unsatisfiable)
{
  *unsatisfiable = FALSE;
  if (!h || !g_str_has_prefix(h, "bytes=") || strchr(h, ','))
    return FALSE;
  const char *p = h + 6, *dash = strchr(p, '-');
  if (!dash)
    return FALSE;
  char *end = NULL;
  if (dash == p) { /* suffix: the last N bytes */
    gint64 n = g_ascii_strtoll(dash + 1, &end, 10);
    if (end == dash + 1 || *end || n < 0)
      return FALSE;
    if (n == 0 || size == 0) {
      *unsatisfiable = TRUE;
      return FALSE;
    }
    *from = MAX(size - n, 0), *to = size;
    return TRUE;
  }
  gint64 a = g_ascii_strtoll(p, &end, 10);
  if (end != dash || a < 0 || !g_ascii_isdigit(*p))
    return FALSE;
  gint64 b = size - 1;
  if (dash[1]) {
    b = g_ascii_strtoll(dash + 1, &end, 10);
    if (*end || b < a)
      return FALSE;
  }
  if (a >= size) {
    *unsatisfiable = TRUE;
    return FALSE;
  }
  *from = a, *to = MIN(b, size - 1) + 1;
  return TRUE;
}

const char *
rc_net_mime_of(const char *path)
{
  static const char *const types[][2] = {
    {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"}, {".png", "image/png"}, {".ico", "image/x-icon"},
    {".json", "application/json"}, {".pdf", "application/pdf"}, {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"}, {".map", "application/json"},
    {".md", "text/markdown; charset=utf-8"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(types); i++)
    if (g_str_has_suffix(path, types[i][0]))
      return types[i][1];
  return "application/octet-stream";
}

void
rc_net_query_add(GHashTable *query, const char *argument)
{
  const char *eq = strchr(argument, '=');
  if (!eq || eq == argument)
    return;
  g_hash_table_replace(query, g_strndup(argument, (gsize)(eq - argument)), g_strdup(eq + 1));
}

char *
rc_net_request_token(const char *authorization, const char *cookie)
{
  if (authorization && g_ascii_strncasecmp(authorization, "Bearer ", 7) == 0)
    return g_strstrip(g_strdup(authorization + 7));
  if (!cookie)
    return NULL;
  g_auto(GStrv) parts = g_strsplit(cookie, ";", -1);
  for (char **c = parts; *c; c++) {
    char *kv = g_strstrip(*c);
    if (g_str_has_prefix(kv, "rc_token="))
      return g_strdup(kv + 9);
  }
  return NULL;
}

static gboolean
host_ok(const char *host)
{
  if (!host || !*host || strlen(host) > 255)
    return FALSE;
  for (const char *p = host; *p; p++)
    if (!g_ascii_isalnum(*p) && !strchr("-._:[]", *p))
      return FALSE;
  return TRUE;
}

char *
rc_net_https_location(const char *host, const char *path, const char *const *query)
{
  if (!host_ok(host))
    return NULL;
  GString *to = g_string_new("https://");
  g_string_append(to, host);
  if (!path || path[0] != '/')
    g_string_append_c(to, '/');
  if (path)
    g_string_append_uri_escaped(to, path, "/", FALSE);
  for (guint i = 0; query && query[i]; i++) {
    const char *eq = strchr(query[i], '=');
    g_autofree char *name = eq ? g_strndup(query[i], (gsize)(eq - query[i])) : g_strdup(query[i]);
    g_string_append_c(to, i ? '&' : '?');
    g_string_append_uri_escaped(to, name, NULL, FALSE);
    if (eq) {
      g_string_append_c(to, '=');
      g_string_append_uri_escaped(to, eq + 1, NULL, FALSE);
    }
  }
  return g_string_free(to, FALSE);
}
