/* net-http — the HTTP side of the server: the published static files of
 * web/, and the /api routes, whose bodies are read (within their limits)
 * only after the caller is known to be allowed. One struct per connection,
 * reset for each request on a kept-alive connection. Every file body,
 * static or document, goes out through net-file.c. */
#define G_LOG_DOMAIN "roomctl-net"
#include "net/net-parse.h"
#include "net/net-private.h"
#include "base/disk.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

typedef enum { REQ_IDLE, REQ_BODY, REQ_WAITING, REQ_SENDING } req_state;

/* A body at most this much over its limit is read and dropped before the
 * 413; a larger one is refused at once and the connection closed. */
#define DRAIN_MAX ((gint64)64 << 20)

typedef struct pending pending;

typedef struct {
  req_state state;
  rc_api_match match;
  json_t *user;
  char *token;
  GHashTable *query;
  char *if_none_match;
  char *content_type;
  char *range;          /* the Range header, for file replies */
  char *if_range;       /* a Range only applies when this is the reply's ETag */
  gboolean head;        /* HEAD: the headers of the reply, no body */
  char peer[64];
  /* body */
  rc_api_body_kind body_kind;
  gint64 body_limit;
  GByteArray *body;
  int upload_fd;
  gboolean upload_open;
  char *upload_path;
  GChecksum *upload_sum;
  gint64 upload_size;
  gboolean body_too_large;
  gboolean body_no_space; /* the upload does not fit: read and dropped, then 507 */
  /* reply */
  rc_api_reply reply;
  gsize sent;
  gboolean headers_sent;
  gboolean close_after;
  pending *pending; /* a reply that will come later (login) */
  rc_net_file file; /* a file body, whole or one byte range */
} http_req;

/* A client that takes none of a file body for this long is dropped. */
#define BODY_STALL_SECONDS 30

/* Outlives the connection: a late reply finds req NULL and is dropped. */
struct pending {
  struct lws *wsi;
  http_req *req;
};

size_t
rc_net_http_session_size(void)
{
  return sizeof(http_req);
}

static void
req_reset(http_req *req)
{
  if (req->pending)
    req->pending->req = NULL; /* the late reply will be dropped */
  req->pending = NULL;
  g_clear_pointer(&req->user, json_decref);
  g_clear_pointer(&req->token, g_free);
  g_clear_pointer(&req->query, g_hash_table_unref);
  g_clear_pointer(&req->if_none_match, g_free);
  g_clear_pointer(&req->content_type, g_free);
  g_clear_pointer(&req->range, g_free);
  g_clear_pointer(&req->if_range, g_free);
  rc_net_file_close(&req->file);
  g_clear_pointer(&req->body, g_byte_array_unref);
  if (req->upload_open)
    close(req->upload_fd);
  if (req->upload_path)
    g_unlink(req->upload_path); /* kept uploads were renamed away already */
  g_clear_pointer(&req->upload_path, g_free);
  g_clear_pointer(&req->upload_sum, g_checksum_free);
  rc_api_reply_clear(&req->reply);
  memset(req, 0, sizeof *req);
}

/* ---- writing replies ---- */

static int
add_header(struct lws *wsi, const char *name, const char *value, unsigned char **p, unsigned char *end)
{
  if (!value)
    return 0;
  return lws_add_http_header_by_name(wsi, (const unsigned char *)name, (const unsigned char *)value,
                                     (int)strlen(value), p, end);
}

static int
write_headers(struct lws *wsi, http_req *req)
{
  unsigned char buf[LWS_PRE + 2048];
  unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
  rc_api_reply *r = &req->reply;
  gsize len = r->body ? g_bytes_get_size(r->body) : 0;
  if (lws_add_http_common_headers(wsi, (unsigned)r->status, r->content_type, len, &p, end) ||
      add_header(wsi, "cache-control:", "no-store", &p, end) ||
      add_header(wsi, "x-content-type-options:", "nosniff", &p, end) ||
      add_header(wsi, "etag:", r->etag, &p, end) || add_header(wsi, "set-cookie:", r->set_cookie, &p, end) ||
      add_header(wsi, "content-disposition:", r->content_disposition, &p, end) ||
      add_header(wsi, "location:", r->location, &p, end) ||
      (req->close_after && add_header(wsi, "connection:", "close", &p, end)) ||
      lws_finalize_write_http_header(wsi, start, &p, end))
    return -1;
  req->headers_sent = TRUE;
  return 0;
}

/* Returns what the callback should return once the transaction is over. */
static int
finish(struct lws *wsi, http_req *req)
{
  gboolean close_after = req->close_after;
  req_reset(req);
  if (close_after)
    return -1;
  return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int reply_wire(struct lws *wsi, http_req *req, rc_wire_code code, const char *reason);

static int
write_file_headers(struct lws *wsi, http_req *req)
{
  unsigned char buf[LWS_PRE + 2048];
  unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
  rc_api_reply *r = &req->reply;
  rc_net_file *f = &req->file;
  g_autofree char *crange = r->status == 206 ? g_strdup_printf("bytes %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT,
                                                               f->pos, f->end - 1, f->size)
                            : r->status == 416 ? g_strdup_printf("bytes */%" G_GINT64_FORMAT, f->size) : NULL;
  /* The API's files (documents, recordings) are one user's: no shared cache. */
  const char *cache = req->match.route ? "private, no-cache" : "no-cache";
  if (lws_add_http_common_headers(wsi, (unsigned)r->status, r->content_type, (lws_filepos_t)(f->end - f->pos), &p, end) ||
      add_header(wsi, "accept-ranges:", "bytes", &p, end) || add_header(wsi, "content-range:", crange, &p, end) ||
      add_header(wsi, "etag:", r->etag, &p, end) || add_header(wsi, "cache-control:", cache, &p, end) ||
      add_header(wsi, "x-content-type-options:", "nosniff", &p, end) ||
      add_header(wsi, "content-disposition:", r->content_disposition, &p, end) ||
      lws_finalize_write_http_header(wsi, start, &p, end))
    return -1;
  req->headers_sent = TRUE;
  return 0;
}

/* A Range applies unless an If-Range names another version than ours. */
static const char *
wanted_range(http_req *req)
{
  if (!req->range || !req->if_range)
    return req->range;
  return req->reply.etag && g_str_equal(req->if_range, req->reply.etag) ? req->range : NULL;
}

/* A file reply: 200 (whole), 206 (one range) or 416. */
static int
serve_file(struct lws *wsi, http_req *req)
{
  g_autoptr(GError) error = NULL;
  if (!rc_net_file_open(&req->file, req->reply.file_path, &error)) {
    g_warning("%s: %s", req->peer, error->message);
    return reply_wire(wsi, req, RC_WIRE_NOT_FOUND, "the file is gone from the server");
  }
  rc_net_file *f = &req->file;
  gboolean unsatisfiable = FALSE;
  if (rc_net_parse_range(wanted_range(req), f->size, &f->pos, &f->end, &unsatisfiable))
    req->reply.status = 206;
  else if (unsatisfiable)
    req->reply.status = 416, f->pos = f->end = 0;
  req->state = REQ_SENDING;
  lws_callback_on_writable(wsi);
  return 0;
}

/* Headers in one callback, then one piece of the body per callback. */
static int
write_file_piece(struct lws *wsi, http_req *req)
{
  if (!req->headers_sent) {
    if (write_file_headers(wsi, req))
      return -1;
    if (req->head || req->file.pos >= req->file.end)
      return finish(wsi, req);
    lws_callback_on_writable(wsi);
    return 0;
  }
  switch (rc_net_file_send(&req->file, wsi, rc_net_of(wsi)->scratch)) {
  case RC_NET_FILE_DONE:
    return finish(wsi, req);
  case RC_NET_FILE_MORE:
    lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, BODY_STALL_SECONDS);
    lws_callback_on_writable(wsi);
    return 0;
  case RC_NET_FILE_FAILED:
  default:
    return -1;
  }
}

/* The reply in req->reply is complete: send it. */
static int
start_reply(struct lws *wsi, http_req *req)
{
  if (req->reply.file_path && req->reply.status == 200)
    return serve_file(wsi, req);
  req->state = REQ_SENDING;
  lws_callback_on_writable(wsi);
  return 0;
}

static int
on_writeable(struct lws *wsi, http_req *req)
{
  if (req->state != REQ_SENDING)
    return 0;
  if (req->file.open)
    return write_file_piece(wsi, req);
  if (!req->headers_sent && write_headers(wsi, req))
    return -1;
  gsize total = req->reply.body ? g_bytes_get_size(req->reply.body) : 0;
  if (req->sent < total) {
    gsize chunk = MIN(total - req->sent, 16384);
    GByteArray *scratch = rc_net_of(wsi)->scratch;
    g_byte_array_set_size(scratch, LWS_PRE + chunk);
    memcpy(scratch->data + LWS_PRE, (const guint8 *)g_bytes_get_data(req->reply.body, NULL) + req->sent, chunk);
    gboolean last = req->sent + chunk == total;
    if (lws_write(wsi, scratch->data + LWS_PRE, chunk, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < (int)chunk)
      return -1;
    req->sent += chunk;
    if (!last) {
      lws_callback_on_writable(wsi);
      return 0;
    }
  }
  return finish(wsi, req);
}

static int
reply_wire(struct lws *wsi, http_req *req, rc_wire_code code, const char *reason)
{
  rc_api_reply_clear(&req->reply);
  rc_api_reply_wire(&req->reply, code, reason);
  return start_reply(wsi, req);
}

/* ---- reading requests ---- */

static char *
header(struct lws *wsi, enum lws_token_indexes h)
{
  int len = lws_hdr_total_length(wsi, h);
  if (len <= 0)
    return NULL;
  char *value = g_malloc((gsize)len + 1);
  if (lws_hdr_copy(wsi, value, len + 1, h) < 0) {
    g_free(value);
    return NULL;
  }
  return value;
}

/* Bearer token from Authorization, else the rc_token cookie. */
static char *
request_token(struct lws *wsi)
{
  g_autofree char *auth = header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
  g_autofree char *cookie = header(wsi, WSI_TOKEN_HTTP_COOKIE);
  return rc_net_request_token(auth, cookie);
}

/* The query arguments, decoded by lws, one "name=value" each. */
static GStrv
request_arguments(struct lws *wsi)
{
  g_autoptr(GStrvBuilder) args = g_strv_builder_new();
  char buf[1024];
  for (int n = 0; lws_hdr_copy_fragment(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_URI_ARGS, n) > 0; n++)
    g_strv_builder_add(args, buf);
  return g_strv_builder_end(args);
}

static GHashTable *
request_query(struct lws *wsi)
{
  GHashTable *q = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) args = request_arguments(wsi);
  for (char **a = args; *a; a++)
    rc_net_query_add(q, *a);
  return q;
}

static const char *
method_name(int m)
{
  switch (m) {
  case LWSHUMETH_GET: return "GET";
  case LWSHUMETH_POST: return "POST";
  case LWSHUMETH_PUT: return "PUT";
  case LWSHUMETH_PATCH: return "PATCH";
  case LWSHUMETH_DELETE: return "DELETE";
  case LWSHUMETH_HEAD: return "HEAD";
  case LWSHUMETH_OPTIONS: return "OPTIONS";
  default: return "?";
  }
}

/* A late (login) reply arrives on the main loop. */
static void
later_reply(rc_api_reply *reply, gpointer data)
{
  pending *p = data;
  http_req *req = p->req;
  if (req && req->pending == p) {
    rc_api_reply_clear(&req->reply);
    req->reply = *reply;
    memset(reply, 0, sizeof *reply);
    req->pending = NULL;
    req->state = REQ_SENDING;
    lws_callback_on_writable(p->wsi);
  }
  g_free(p);
}

static int
run_handler(struct lws *wsi, http_req *req)
{
  rc_net *net = rc_net_of(wsi);
  g_autoptr(GBytes) body = req->body ? g_bytes_new(req->body->data, req->body->len) : NULL;
  g_autofree char *sha = req->upload_sum ? g_strdup(g_checksum_get_string(req->upload_sum)) : NULL;
  rc_api_request request = {
    .token = req->token, .query = req->query, .body = body, .upload_path = req->upload_path,
    .upload_size = req->upload_size, .upload_sha256 = sha, .if_none_match = req->if_none_match,
    .peer = req->peer, .content_type = req->content_type,
  };
  pending *p = g_new0(pending, 1);
  p->wsi = wsi;
  p->req = req;
  req->pending = p;
  if (!rc_api_rest_handle(net->api, &req->match, req->user, &request, &req->reply, later_reply, p)) {
    req->state = REQ_WAITING;
    return 0;
  }
  req->pending = NULL; /* not handed out: the handler answered now */
  g_free(p);
  return start_reply(wsi, req);
}

static gboolean
open_upload(rc_net *net, http_req *req)
{
  g_autofree char *tmpl = g_build_filename(net->upload_dir, "upload-XXXXXX", NULL);
  req->upload_fd = g_mkstemp(tmpl);
  if (req->upload_fd < 0)
    return FALSE;
  req->upload_open = TRUE;
  req->upload_path = g_steal_pointer(&tmpl);
  req->upload_sum = g_checksum_new(G_CHECKSUM_SHA256);
  return TRUE;
}

/* An upload that would leave less than [storage] reserve_mb free is refused
 * before a byte is written: that room is the database's, for the ballots
 * and check-ins still to come. */
static gboolean
upload_fits(rc_net *net, http_req *req, gint64 length)
{
  gint64 free_bytes = rc_disk_free_bytes(net->upload_dir);
  gint64 reserve = (gint64)net->config->storage_reserve_mb << 20;
  if (free_bytes < 0 || length + reserve <= free_bytes)
    return TRUE;
  g_warning("an upload of %" G_GINT64_FORMAT " bytes from %s refused: %" G_GINT64_FORMAT
            " MiB free in %s, %d MiB kept for the database ([storage] reserve_mb)",
            length, req->peer, free_bytes >> 20, net->upload_dir, net->config->storage_reserve_mb);
  return FALSE;
}

/* The disk filled while the upload was written: the part written goes now
 * (it frees the space), the rest of the body is read and dropped. */
static void
drop_upload(http_req *req)
{
  g_warning("an upload from %s stopped at %" G_GINT64_FORMAT " bytes: the disk is full", req->peer,
            req->upload_size);
  if (req->upload_open)
    close(req->upload_fd);
  req->upload_open = FALSE;
  if (req->upload_path)
    g_unlink(req->upload_path);
  g_clear_pointer(&req->upload_path, g_free);
  req->body_no_space = TRUE;
}

static gboolean
write_all(int fd, const void *in, size_t len)
{
  const char *p = in;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    p += n;
    len -= (size_t)n;
  }
  return TRUE;
}

/* A body over its limit: logged once per address a minute, not per request. */
static void
note_too_large(struct lws *wsi, http_req *req, gint64 length)
{
  rc_net *net = rc_net_of(wsi);
  if (req->body_kind == RC_BODY_PDF)
    rc_net_limits_note(net->limits, "upload", req->peer, "uploads over the size limit",
                       "an upload of %" G_GINT64_FORMAT " bytes refused, over %d MiB ([http] max_upload_mb)", length,
                       net->config->max_upload_mb);
  else
    rc_net_limits_note(net->limits, "body", req->peer, "request bodies over the size limit",
                       "a request body of %" G_GINT64_FORMAT " bytes refused, over %d KiB ([http] max_body_kb)",
                       length, net->config->max_body_kb);
}

/* Decides whether to read a body, after the caller is authorized. */
static int
begin_body(struct lws *wsi, http_req *req)
{
  rc_net *net = rc_net_of(wsi);
  req->body_kind = rc_api_rest_body_kind(&req->match);
  g_autofree char *cl = header(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH);
  gint64 length = cl ? g_ascii_strtoll(cl, NULL, 10) : 0;
  req->body_limit = req->body_kind == RC_BODY_PDF   ? (gint64)net->config->max_upload_mb << 20
                    : req->body_kind == RC_BODY_CSV ? (gint64)net->config->max_import_kb << 10
                                                    : (gint64)net->config->max_body_kb << 10;
  if (req->body_kind != RC_BODY_NONE && !cl && lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0) {
    req->close_after = TRUE; /* a chunked body we do not read */
    return reply_wire(wsi, req, RC_WIRE_LENGTH_REQUIRED, "send the body with a Content-Length");
  }
  if (req->body_kind == RC_BODY_NONE || length <= 0)
    return run_handler(wsi, req);
  if (length > req->body_limit)
    note_too_large(wsi, req, length);
  if (length > req->body_limit + DRAIN_MAX) {
    req->close_after = TRUE; /* far too large: answer now, do not read it */
    return reply_wire(wsi, req, RC_WIRE_TOO_LARGE, "the body is over the size limit");
  }
  if (length > req->body_limit) {
    /* Read and drop it, then answer: closing on a client that is still
     * sending makes its kernel see a reset instead of our 413. */
    req->body_too_large = TRUE;
    req->state = REQ_BODY;
    return 0;
  }
  if (req->body_kind == RC_BODY_PDF && !upload_fits(net, req, length)) {
    req->body_no_space = TRUE; /* drained like one too large, then 507 */
    req->state = REQ_BODY;
    return 0;
  }
  if (req->body_kind == RC_BODY_PDF && !open_upload(net, req))
    return reply_wire(wsi, req, RC_WIRE_INTERNAL, "cannot store the upload");
  if (req->body_kind == RC_BODY_JSON || req->body_kind == RC_BODY_JSON_OPTIONAL || req->body_kind == RC_BODY_CSV ||
      req->body_kind == RC_BODY_SDP)
    req->body = g_byte_array_sized_new((guint)length);
  req->state = REQ_BODY;
  return 0;
}

static int
on_body(http_req *req, const void *in, size_t len)
{
  if (req->state != REQ_BODY || req->body_too_large || req->body_no_space)
    return 0;
  req->upload_size += (gint64)len;
  if (req->upload_size > req->body_limit) {
    req->body_too_large = TRUE;
    return 0;
  }
  if (req->body) {
    g_byte_array_append(req->body, in, (guint)len);
    return 0;
  }
  g_checksum_update(req->upload_sum, in, (gssize)len);
  if (write_all(req->upload_fd, in, len))
    return 0;
  if (!rc_disk_errno_is_full(errno))
    return -1;
  drop_upload(req);
  return 0;
}

static int
on_body_complete(struct lws *wsi, http_req *req)
{
  if (req->state != REQ_BODY)
    return 0;
  if (req->body_too_large)
    return reply_wire(wsi, req, RC_WIRE_TOO_LARGE, req->body_kind == RC_BODY_PDF ? "the upload is over the size limit"
                                                                                 : "the request body is over the size limit");
  if (req->body_no_space)
    return reply_wire(wsi, req, RC_WIRE_STORAGE_FULL, RC_WIRE_STORAGE_FULL_REASON);
  if (req->upload_open) {
    /* Some filesystems (NFS, quotas) tell of the missing space only here. */
    int closed = close(req->upload_fd);
    req->upload_open = FALSE;
    if (closed != 0 && rc_disk_errno_is_full(errno)) {
      drop_upload(req);
      return reply_wire(wsi, req, RC_WIRE_STORAGE_FULL, RC_WIRE_STORAGE_FULL_REASON);
    }
  }
  return run_handler(wsi, req);
}

static int
on_api_request(struct lws *wsi, http_req *req, const char *method, const char *path)
{
  rc_net *net = rc_net_of(wsi);
  if (!rc_api_rest_match(net->api, method, path, &req->match, &req->reply)) {
    req->close_after = g_str_equal(method, "POST") || g_str_equal(method, "PUT") || g_str_equal(method, "PATCH");
    return start_reply(wsi, req);
  }
  req->token = request_token(wsi);
  req->query = request_query(wsi);
  req->if_none_match = header(wsi, WSI_TOKEN_HTTP_IF_NONE_MATCH);
  req->content_type = header(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE);
  req->user = rc_api_rest_authorize(net->api, &req->match, req->token, &req->reply);
  if (!req->user) {
    req->close_after = rc_api_rest_body_kind(&req->match) != RC_BODY_NONE;
    return start_reply(wsi, req);
  }
  return begin_body(wsi, req);
}

/* ---- static files ---- */

static int
redirect(struct lws *wsi, http_req *req, int status, const char *to)
{
  rc_api_reply_json(&req->reply, status, NULL);
  req->reply.location = g_strdup(to);
  return start_reply(wsi, req);
}

static int
on_static(struct lws *wsi, http_req *req, const char *path, size_t len)
{
  rc_net *net = rc_net_of(wsi);
  if (g_str_equal(path, "/"))
    return redirect(wsi, req, 302, "/console/");
  g_autofree char *found = NULL;
  switch (rc_net_static_resolve(net->web_root, path, len, &found)) {
  case RC_STATIC_FILE:
    req->reply.status = 200;
    req->reply.content_type = rc_net_mime_of(found);
    req->reply.file_path = g_steal_pointer(&found);
    return start_reply(wsi, req);
  case RC_STATIC_DIR:
    return redirect(wsi, req, 302, found);
  case RC_STATIC_BAD_PATH:
    return reply_wire(wsi, req, RC_WIRE_BAD_PATH, "this path is not allowed");
  case RC_STATIC_NOT_FOUND:
  default:
    return reply_wire(wsi, req, RC_WIRE_NOT_FOUND, "no such page");
  }
}

/* Plain HTTP on the TLS port ([server] http_mode = redirect): the same
 * path and query over https, 308 so that a POST stays a POST. */
static int
to_https(struct lws *wsi, http_req *req, const char *path)
{
  g_autofree char *host = header(wsi, WSI_TOKEN_HOST);
  g_auto(GStrv) args = request_arguments(wsi);
  g_autofree char *to = rc_net_https_location(host, path, (const char *const *)args);
  req->close_after = TRUE; /* a body, if any, is not read */
  if (!to)
    return reply_wire(wsi, req, RC_WIRE_BAD_FIELD, "use https://; the Host header is missing or malformed");
  return redirect(wsi, req, 308, to);
}

static int
on_http(struct lws *wsi, http_req *req, const char *in, size_t len)
{
  req_reset(req);
  lws_get_peer_simple(wsi, req->peer, sizeof req->peer);
  char *uri = NULL;
  int uri_len = 0;
  int m = lws_http_get_uri_and_method(wsi, &uri, &uri_len);
  const char *method = method_name(m);
  g_autofree char *path = g_strndup(in, len);
  g_debug("%s %s %s", req->peer, method, path);
  req->head = m == LWSHUMETH_HEAD;
  req->range = header(wsi, WSI_TOKEN_HTTP_RANGE);
  req->if_range = header(wsi, WSI_TOKEN_HTTP_IF_RANGE);
  if (*rc_net_of(wsi)->config->tls_cert && !lws_is_ssl(wsi))
    return to_https(wsi, req, path);
  if (g_str_has_prefix(path, "/api/") || g_str_equal(path, "/healthz") || g_str_equal(path, "/metrics"))
    return on_api_request(wsi, req, method, path);
  if (m != LWSHUMETH_GET && m != LWSHUMETH_HEAD) {
    req->close_after = TRUE;
    return reply_wire(wsi, req, RC_WIRE_METHOD_NOT_ALLOWED, "static files are read-only");
  }
  return on_static(wsi, req, path, len);
}

int
rc_net_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
  http_req *req = user;
  switch (reason) {
  case LWS_CALLBACK_HTTP:
    return on_http(wsi, req, in, len);
  case LWS_CALLBACK_HTTP_BODY:
    return on_body(req, in, len);
  case LWS_CALLBACK_HTTP_BODY_COMPLETION:
    return on_body_complete(wsi, req);
  case LWS_CALLBACK_HTTP_WRITEABLE:
    return on_writeable(wsi, req);
  case LWS_CALLBACK_CLOSED_HTTP:
  case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    if (req)
      req_reset(req);
    return 0;
  default:
    return lws_callback_http_dummy(wsi, reason, user, in, len);
  }
}
