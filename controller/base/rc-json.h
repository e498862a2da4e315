/* rc-json — jansson with GLib's automatic cleanup (g_autoptr(json_t)). */
#pragma once
#include <glib.h>
#include <jansson.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_t, json_decref)

/* Whether @ids (an array of integers) holds @id; NULL holds every id. */
static inline gboolean
rc_json_ids_have(json_t *ids, gint64 id)
{
  if (!ids)
    return TRUE;
  size_t i;
  json_t *v;
  json_array_foreach(ids, i, v) {
    if (json_integer_value(v) == id)
      return TRUE;
  }
  return FALSE;
}
