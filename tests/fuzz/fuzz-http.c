/* libFuzzer target: roomctl's own reading of an HTTP request, as lws hands
 * it over (path and arguments already split and percent-decoded): the REST
 * router (path matching, {id} parameters), static-file resolution against
 * a real web root with a symlink out of it and a sibling directory whose
 * name extends the root's, query arguments, the token from Authorization or
 * Cookie, and the https:// location for plain requests.
 *
 * Input: up to four fields separated by '\n': path, authorization, cookie,
 * host; the bytes of the first field are also split on '&' as query
 * arguments. Invariants: the router matches only known routes with positive
 * ids; a static file is served only from below the web root; a location is
 * one line starting https:// with no space. */
#include "api/api-private.h" /* the route table, to check a match against its pattern */
#include "net/net-parse.h"

#include <glib/gstdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char *web_root;

static void
write_file(const char *dir, const char *name, const char *text)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname(path);
  g_mkdir_with_parents(parent, 0700);
  g_file_set_contents(path, text, -1, NULL);
}

/* base/web (the root), base/web-old/secret.txt (a sibling), base/outside.txt,
 * web/link -> ../outside.txt, web/.hidden, web/node_modules/x.js. */
static void
setup(void)
{
  g_autofree char *base = g_dir_make_tmp("roomctl-fuzz-http-XXXXXX", NULL);
  g_autofree char *web = g_build_filename(base, "web", NULL);
  write_file(web, "console/index.html", "<html>");
  write_file(web, "tablet/app.js", "x");
  write_file(web, ".hidden", "secret");
  write_file(web, "node_modules/x.js", "secret");
  write_file(web, "package.json", "secret"); /* there, but not published */
  g_autofree char *pkg = g_build_filename(web, "console", "package.json", NULL);
  if (symlink("../package.json", pkg) != 0)
    abort();
  write_file(base, "web-old/secret.txt", "secret");
  write_file(base, "outside.txt", "secret");
  g_autofree char *link = g_build_filename(web, "link", NULL);
  if (symlink("../outside.txt", link) != 0)
    abort();
  web_root = realpath(web, NULL);
}

static void
check_route(const char *method, const char *path)
{
  rc_api_match match;
  rc_api_reply reply = {0};
  if (rc_api_rest_match(NULL, method, path, &match, &reply)) {
    g_assert(match.route != NULL);
    g_assert(match.params[0] >= 0 && match.params[1] >= 0);
    g_assert(strstr(match.route->pattern, "{id}") == NULL || match.params[0] > 0);
  } else {
    g_assert(reply.status == 404 || reply.status == 405);
  }
  rc_api_reply_clear(&reply);
}

static void
check_static(const char *path, size_t len)
{
  g_autofree char *out = NULL;
  rc_static_result r = rc_net_static_resolve(web_root, path, len, &out);
  if (r == RC_STATIC_FILE) {
    size_t n = strlen(web_root);
    g_assert(strncmp(out, web_root, n) == 0 && out[n] == '/');
    g_assert(strstr(out, "/.") == NULL && strstr(out, "node_modules") == NULL);
    g_assert(rc_net_static_published(out + n)); /* never web/package.json and the like */
    (void)rc_net_mime_of(out);
  } else if (r == RC_STATIC_DIR) {
    g_assert(out && g_str_has_suffix(out, "/") && out[0] == '/');
  } else {
    g_assert(out == NULL);
  }
}

static void
check_query(const char *text)
{
  g_autoptr(GHashTable) q = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) args = g_strsplit(text, "&", -1);
  for (char **a = args; *a; a++)
    rc_net_query_add(q, *a);
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init(&it, q);
  while (g_hash_table_iter_next(&it, &key, NULL))
    g_assert(*(char *)key && !strchr(key, '='));
  g_autofree char *to = rc_net_https_location("example.org:8443", text, (const char *const *)args);
  g_assert(to && g_str_has_prefix(to, "https://example.org:8443/"));
  g_assert(!strpbrk(to, " \r\n\t"));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (!web_root)
    setup();
  /* The NUL-terminated fields, as lws would give them; the first field
   * keeps its real length so a NUL inside it is seen. */
  g_autofree char *text = g_strndup((const char *)data, size);
  g_auto(GStrv) f = g_strsplit(text, "\n", 4);
  const char *path = f[0] ? f[0] : "";
  const char *nl = memchr(data, '\n', size);
  size_t path_len = nl ? (size_t)(nl - (const char *)data) : size;
  check_route(size % 2 ? "POST" : "GET", path);
  check_static(path, path_len);
  check_query(path);
  const char *auth = f[0] && f[1] ? f[1] : NULL;
  const char *cookie = auth && f[2] ? f[2] : NULL;
  g_autofree char *token = rc_net_request_token(auth, cookie);
  g_assert(!token || !strchr(token, ';') || (auth && g_ascii_strncasecmp(auth, "Bearer ", 7) == 0));
  const char *host = cookie && f[3] ? f[3] : NULL;
  g_autofree char *to = rc_net_https_location(host, path, NULL);
  g_assert(!to || (g_str_has_prefix(to, "https://") && !strpbrk(to, " \r\n\t")));
  return 0;
}
