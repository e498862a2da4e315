/* sim-http — one blocking HTTP/1.1 request over plain TCP (the WHIP/WHEP
 * offers of the simulator's WebRTC load; http:// only, loopback). Blocks
 * the calling thread up to 15 s: run it on a worker thread. */
#pragma once
#include <glib.h>

typedef struct {
  int status;     /* 0 if no response came */
  char *location; /* the Location header, NULL if none */
  char *body;     /* NUL-terminated */
} sim_http_response;

void sim_http_response_clear(sim_http_response *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(sim_http_response, sim_http_response_clear)

/* Sends @method @url with "Authorization: Bearer @bearer" (if not NULL) and
 * @body of @content_type (if not NULL), reads the whole response into @out.
 * FALSE with @error if the URL is not http:// or the connection failed. */
gboolean sim_http_request(const char *method, const char *url, const char *bearer, const char *content_type,
                          const char *body, sim_http_response *out, GError **error);
