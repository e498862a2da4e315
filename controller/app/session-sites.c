/* session-sites — see session-sites.h. */
#include "app/session-sites.h"
#include "app/site-srtp-keys.h"

#include <openssl/crypto.h>

/* A site's own setting, -1 when it has none (null: the config's). */
static int
own(json_t *row, const char *key)
{
  json_t *v = json_object_get(row, key);
  return json_is_integer(v) ? (int)json_integer_value(v) : -1;
}

gboolean
rc_session_sites_load(rc_store *store, gint64 session_id, rc_session_sites *out, GError **error)
{
  *out = (rc_session_sites){0};
  out->rows = rc_store_session_sites(store, session_id, error);
  if (!out->rows)
    return FALSE;
  out->n = (guint)json_array_size(out->rows);
  out->sites = g_new0(rc_media_site_desc, MAX(out->n, 1));
  size_t i;
  json_t *row;
  json_array_foreach(out->rows, i, row) {
    out->sites[i] = (rc_media_site_desc){
      .id = json_integer_value(json_object_get(row, "id")),
      .code = json_string_value(json_object_get(row, "code")),
      .name = json_string_value(json_object_get(row, "name")),
      .level = json_string_value(json_object_get(row, "level")),
      .transport = json_string_value(json_object_get(row, "transport")),
      .address = json_string_value(json_object_get(row, "address")),
      .media_from = json_string_value(json_object_get(row, "media_from")),
      .h264_payload_type = own(row, "h264_payload_type"),
      .opus_payload_type = own(row, "opus_payload_type"),
      .video_cap_kbps = own(row, "video_cap_kbps"),
      .audio_cap_kbps = own(row, "audio_cap_kbps"),
    };
    const char *transport = out->sites[i].transport;
    if (transport && *transport && !g_str_equal(transport, "rtp"))
      continue;
    if (!out->keys)
      out->keys = g_new0(rc_srtp_key, MAX(out->n, 1));
    g_autoptr(GError) unusable = NULL;
    rc_srtp_key *key = &out->keys[i];
    if (rc_site_srtp_key_get(store, out->sites[i].id, key, &unusable))
      out->sites[i].srtp_key = key;
    else if ((out->sites[i].srtp_refused = unusable != NULL))
      g_warning("%s", unusable->message);
  }
  return TRUE;
}

void
rc_session_sites_clear(rc_session_sites *s)
{
  if (s->keys)
    OPENSSL_cleanse(s->keys, (gsize)MAX(s->n, 1) * sizeof *s->keys);
  g_clear_pointer(&s->keys, g_free);
  g_clear_pointer(&s->sites, g_free);
  g_clear_pointer(&s->rows, json_decref);
  s->n = 0;
}
