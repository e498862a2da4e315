/* sim-http — see sim-http.h. */
#include "devices/sim/sim-http.h"

#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>

void
sim_http_response_clear(sim_http_response *r)
{
  g_clear_pointer(&r->location, g_free);
  g_clear_pointer(&r->body, g_free);
}

/* The value of header @name in @head (lines after the status line), or NULL. (transfer full) */
static char *
header_value(char **lines, const char *name)
{
  gsize n = strlen(name);
  for (char **l = lines + 1; *l; l++)
    if (g_ascii_strncasecmp(*l, name, n) == 0 && (*l)[n] == ':')
      return g_strstrip(g_strdup(*l + n + 1));
  return NULL;
}

/* Reads until EOF or the end of the body its Content-Length announces. */
static GByteArray *
read_response(GInputStream *in, gsize *head_len, GError **error)
{
  GByteArray *buf = g_byte_array_new();
  gssize want = -1;
  guint8 chunk[8192];
  for (;;) {
    gssize n = g_input_stream_read(in, chunk, sizeof chunk, NULL, error);
    if (n < 0) {
      g_byte_array_unref(buf);
      return NULL;
    }
    g_byte_array_append(buf, chunk, (guint)n);
    if (want < 0 && buf->len >= 4) {
      const char *end = g_strstr_len((const char *)buf->data, buf->len, "\r\n\r\n");
      if (end) {
        *head_len = (gsize)(end - (const char *)buf->data);
        g_autofree char *head = g_strndup((const char *)buf->data, *head_len);
        g_auto(GStrv) lines = g_strsplit(head, "\r\n", 0);
        g_autofree char *cl = header_value(lines, "content-length");
        want = cl ? (gssize)(*head_len + 4 + strtoul(cl, NULL, 10)) : G_MAXSSIZE;
      }
    }
    if (n == 0 || (want >= 0 && (gssize)buf->len >= want))
      return buf;
  }
}

gboolean
sim_http_request(const char *method, const char *url, const char *bearer, const char *content_type,
                 const char *body, sim_http_response *out, GError **error)
{
  memset(out, 0, sizeof *out);
  g_autoptr(GUri) uri = g_uri_parse(url, G_URI_FLAGS_NONE, error);
  if (!uri)
    return FALSE;
  if (g_strcmp0(g_uri_get_scheme(uri), "http") != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "only http:// URLs: %s", url);
    return FALSE;
  }
  int port = g_uri_get_port(uri) > 0 ? g_uri_get_port(uri) : 80;
  const char *query = g_uri_get_query(uri);
  g_autoptr(GString) req = g_string_new(NULL);
  g_string_append_printf(req, "%s %s%s%s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n", method,
                         *g_uri_get_path(uri) ? g_uri_get_path(uri) : "/", query ? "?" : "", query ? query : "",
                         g_uri_get_host(uri), port);
  if (bearer)
    g_string_append_printf(req, "Authorization: Bearer %s\r\n", bearer);
  if (content_type)
    g_string_append_printf(req, "Content-Type: %s\r\n", content_type);
  g_string_append_printf(req, "Content-Length: %zu\r\n\r\n%s", body ? strlen(body) : 0, body ? body : "");
  g_autoptr(GSocketClient) client = g_socket_client_new();
  g_socket_client_set_timeout(client, 15);
  g_autoptr(GSocketConnection) conn = g_socket_client_connect_to_host(client, g_uri_get_host(uri), (guint16)port,
                                                                      NULL, error);
  if (!conn || !g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn)), req->str, req->len,
                                          NULL, NULL, error))
    return FALSE;
  gsize head_len = 0;
  g_autoptr(GByteArray) resp = read_response(g_io_stream_get_input_stream(G_IO_STREAM(conn)), &head_len, error);
  if (!resp)
    return FALSE;
  if (!head_len)
    return TRUE; /* closed without a response: status 0 */
  g_autofree char *head = g_strndup((const char *)resp->data, head_len);
  g_auto(GStrv) lines = g_strsplit(head, "\r\n", 0);
  if (lines[0] && g_str_has_prefix(lines[0], "HTTP/1."))
    out->status = atoi(lines[0] + 9);
  out->location = header_value(lines, "location");
  out->body = g_strndup((const char *)resp->data + head_len + 4, resp->len - head_len - 4);
  return TRUE;
}
