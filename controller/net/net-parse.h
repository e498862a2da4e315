/* net-parse — the pieces of HTTP request handling that read what a client
 * sent, as pure functions without libwebsockets, so they can be unit-tested
 * and fuzzed (tests/fuzz/fuzz-http.c). libwebsockets has already split the
 * request and percent-decoded its path and query arguments. */
#pragma once
#include <glib.h>

typedef enum {
  RC_STATIC_FILE,     /* *out: the real path of a regular file below the root */
  RC_STATIC_DIR,      /* a directory named without its "/": *out is where to redirect */
  RC_STATIC_BAD_PATH, /* "..", dotfiles, node_modules, a NUL or a backslash */
  RC_STATIC_NOT_FOUND, /* also whatever is not published (rc_net_static_published) */
} rc_static_result;

/* TRUE when @path ("/..." below the web root) is part of the site: the app
 * directories tablet/ console/ tech/ docs/, common/, vendor/ and the start
 * page /index.html. Nothing else of web/ is served. */
gboolean rc_net_static_published(const char *path);

/* Only plain names below the web root: no "..", no dotfiles, no
 * node_modules, no backslash, no NUL among the @len bytes. */
gboolean rc_net_static_path_ok(const char *path, size_t len);

/* Resolves the request path @path (@len bytes) below @web_root (a real
 * path, no trailing "/"). A file is served only when its real path, after
 * symlinks, is still below @web_root. @out: (transfer full) for
 * RC_STATIC_FILE and RC_STATIC_DIR, else NULL. */
rc_static_result rc_net_static_resolve(const char *web_root, const char *path, size_t len, char **out);

/* A Range header @h ("bytes=A-B", "bytes=A-", "bytes=-N") against a file
 * of @size bytes: TRUE with [*from, *to) for one satisfiable range; FALSE
 * with *unsatisfiable set when it asks only for bytes past the end.
 * Anything else (several ranges, other units, bad syntax, NULL) is FALSE:
 * the whole file is sent. */
gboolean rc_net_parse_range(const char *h, gint64 size, gint64 *from, gint64 *to, gboolean *unsatisfiable);

/* The Content-Type served for a file name. */
const char *rc_net_mime_of(const char *path);

/* Adds one decoded query argument "name=value" to @query (char* -> char*);
 * an argument without "=" or with an empty name is ignored. */
void rc_net_query_add(GHashTable *query, const char *argument);

/* The token of a request: "Bearer T" from @authorization, else the
 * rc_token cookie from @cookie. Either may be NULL. (transfer full) or NULL */
char *rc_net_request_token(const char *authorization, const char *cookie);

/* Where a plain-HTTP request goes on the TLS port: https://@host@path?@query
 * with path and query percent-encoded again. NULL when @host is missing or
 * is not a host[:port] (letters, digits, "-._:" and [IPv6]).
 * @query: NULL-terminated "name=value" arguments, may be NULL. (transfer full) */
char *rc_net_https_location(const char *host, const char *path, const char *const *query);
