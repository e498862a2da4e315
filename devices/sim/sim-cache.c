/* sim-cache — clip files: "RCSIMCL1", u32 key length, key, u32 count, then
 * count × (u32 length, bytes); integers little-endian. The key is stored so
 * a hash collision reads as a miss, not as someone else's picture. */
#include "devices/sim/sim-cache.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>

#define MAGIC "RCSIMCL1"
#define SIM_CACHE_ERROR g_quark_from_static_string("sim-cache")

char *
sim_cache_path(const char *dir, const char *key)
{
  g_autofree char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, key, -1);
  g_autofree char *name = g_strdup_printf("%.24s.clip", sum);
  return g_build_filename(dir, name, NULL);
}

static gboolean
take_u32(const guint8 **p, const guint8 *end, guint32 *v)
{
  if (end - *p < 4)
    return FALSE;
  guint32 le;
  memcpy(&le, *p, 4);
  *v = GUINT32_FROM_LE(le);
  *p += 4;
  return TRUE;
}

static GPtrArray *
parse(GBytes *file, const char *key)
{
  gsize len;
  const guint8 *p = g_bytes_get_data(file, &len), *end = p + len;
  guint32 key_len, count;
  if (len < 8 || memcmp(p, MAGIC, 8) != 0)
    return NULL;
  p += 8;
  if (!take_u32(&p, end, &key_len) || (gsize)(end - p) < key_len || key_len != strlen(key) ||
      memcmp(p, key, key_len) != 0)
    return NULL;
  p += key_len;
  if (!take_u32(&p, end, &count) || count == 0 || count > 100000)
    return NULL;
  g_autoptr(GPtrArray) units = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  for (guint32 i = 0; i < count; i++) {
    guint32 n;
    if (!take_u32(&p, end, &n) || (gsize)(end - p) < n)
      return NULL;
    g_ptr_array_add(units, g_bytes_new_from_bytes(file, p - (const guint8 *)g_bytes_get_data(file, NULL), n));
    p += n;
  }
  return p == end ? g_steal_pointer(&units) : NULL;
}

GPtrArray *
sim_cache_load(const char *dir, const char *key, GError **error)
{
  g_autofree char *path = sim_cache_path(dir, key);
  char *contents;
  gsize len;
  if (!g_file_get_contents(path, &contents, &len, error))
    return NULL;
  g_autoptr(GBytes) file = g_bytes_new_take(contents, len); /* takes ownership */
  GPtrArray *units = parse(file, key);
  if (!units)
    g_set_error(error, SIM_CACHE_ERROR, 0, "%s is not a clip for this key", path);
  return units;
}

static void
append_u32(GByteArray *out, guint32 v)
{
  guint32 le = GUINT32_TO_LE(v);
  g_byte_array_append(out, (const guint8 *)&le, 4);
}

gboolean
sim_cache_save(const char *dir, const char *key, GPtrArray *units, GError **error)
{
  if (g_mkdir_with_parents(dir, 0755) != 0) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "cannot create %s: %s", dir,
                g_strerror(errno));
    return FALSE;
  }
  g_autoptr(GByteArray) out = g_byte_array_new();
  g_byte_array_append(out, (const guint8 *)MAGIC, 8);
  append_u32(out, strlen(key));
  g_byte_array_append(out, (const guint8 *)key, strlen(key));
  append_u32(out, units->len);
  for (guint i = 0; i < units->len; i++) {
    gsize n;
    const guint8 *p = g_bytes_get_data(units->pdata[i], &n);
    append_u32(out, n);
    g_byte_array_append(out, p, n);
  }
  g_autofree char *path = sim_cache_path(dir, key);
  /* g_file_set_contents writes a temporary file and renames it */
  return g_file_set_contents(path, (const char *)out->data, out->len, error);
}
