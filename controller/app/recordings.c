/* recordings — see recordings.h. */
#define G_LOG_DOMAIN "roomctl-recordings"
#include "app/recordings.h"
#include "base/rc-error.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

static char *
recording_dir(const rc_config *config)
{
  const char *dir = config->media_record_dir;
  return *dir ? g_strdup(dir) : g_build_filename(config->data_dir, "recordings", NULL);
}

/* The session's index, or NULL when it was never recorded. (transfer full) */
static json_t *
read_index(const rc_config *config, gint64 session_id)
{
  g_autofree char *dir = recording_dir(config);
  g_autofree char *name = g_strdup_printf("session-%" G_GINT64_FORMAT ".json", session_id);
  g_autofree char *path = g_build_filename(dir, name, NULL);
  json_error_t jerr;
  json_t *index = g_file_test(path, G_FILE_TEST_EXISTS) ? json_load_file(path, 0, &jerr) : NULL;
  if (!index && g_file_test(path, G_FILE_TEST_EXISTS))
    g_warning("session %" G_GINT64_FORMAT ": recording index %s unreadable: %s", session_id, path, jerr.text);
  return json_is_object(index) ? index : (json_decref(index), NULL);
}

static double
seconds_between(const char *a, const char *b)
{
  g_autoptr(GDateTime) x = a ? g_date_time_new_from_iso8601(a, NULL) : NULL;
  g_autoptr(GDateTime) y = b ? g_date_time_new_from_iso8601(b, NULL) : NULL;
  return x && y ? g_date_time_difference(y, x) / 1e6 : -1;
}

/* Where the recording ends, in seconds from its start; -1 while it runs. */
static double
recording_end(json_t *index)
{
  json_t *off = json_object_get(index, "ended_offset_seconds");
  if (json_is_number(off))
    return json_number_value(off);
  const char *ended = json_string_value(json_object_get(index, "ended_at"));
  return ended ? seconds_between(json_string_value(json_object_get(index, "started_at")), ended) : -1;
}

static double
offset_of(json_t *entry)
{
  return json_number_value(json_object_get(entry, "offset_seconds"));
}

/* The files: where each starts and ends in the recording, size, missing. */
static json_t *
list_files(const rc_config *config, json_t *index, double end)
{
  g_autofree char *dir = recording_dir(config);
  json_t *segs = json_object_get(index, "segments"), *files = json_array();
  for (size_t i = 0; i < json_array_size(segs); i++) {
    json_t *s = json_array_get(segs, i), *next = json_array_get(segs, i + 1);
    const char *file = json_string_value(json_object_get(s, "file"));
    if (!file)
      continue;
    double from = offset_of(s), to = next ? offset_of(next) : end;
    g_autofree char *path = g_build_filename(dir, file, NULL);
    GStatBuf st;
    gboolean missing = g_stat(path, &st) != 0 || !S_ISREG(st.st_mode);
    g_autofree char *url = g_strdup_printf("/api/v1/recordings/%s", file);
    json_t *f = json_pack("{ss ss* sf so sb sI ss}", "file", file, "started_at",
                          json_string_value(json_object_get(s, "started_at")), "offset_s", from, "duration_s",
                          to >= 0 ? json_real(MAX(to - from, 0)) : json_null(), "missing", missing, "size",
                          (json_int_t)(missing ? 0 : st.st_size), "url", url);
    json_array_append_new(files, f);
  }
  return files;
}

/* The parts of the files that [@from, @to) of the recording covers. */
static void
add_segments(json_t *segments, json_t *files, double from, double to)
{
  for (size_t i = 0; i < json_array_size(files); i++) {
    json_t *f = json_array_get(files, i);
    double f0 = json_number_value(json_object_get(f, "offset_s"));
    json_t *dur = json_object_get(f, "duration_s");
    double f1 = json_is_number(dur) ? f0 + json_number_value(dur) : -1;
    double a = MAX(from, f0), b = to < 0 ? f1 : f1 < 0 ? to : MIN(to, f1);
    if (b >= 0 && b <= a)
      continue;
    if (f1 >= 0 && a >= f1)
      continue;
    const char *file = json_string_value(json_object_get(f, "file"));
    double start = a - f0, end = b < 0 ? -1 : b - f0;
    g_autofree char *url = end < 0 ? g_strdup_printf("/api/v1/recordings/%s#t=%.2f", file, start)
                                   : g_strdup_printf("/api/v1/recordings/%s#t=%.2f,%.2f", file, start, end);
    json_array_append_new(segments, json_pack("{ss sf so ss sO}", "file", file, "start_s", start, "end_s",
                                              end < 0 ? json_null() : json_real(end), "url", url, "missing",
                                              json_object_get(f, "missing")));
  }
}

/* Items in the order they were first opened; an item opened twice has the
 * segments of both spans. */
static json_t *
list_items(json_t *index, json_t *files, double end)
{
  json_t *marks = json_object_get(index, "items"), *items = json_array();
  g_autoptr(GHashTable) by_id = g_hash_table_new(g_direct_hash, g_direct_equal); /* item id -> item */
  for (size_t i = 0; i < json_array_size(marks); i++) {
    json_t *m = json_array_get(marks, i), *next = json_array_get(marks, i + 1);
    gint64 id = json_integer_value(json_object_get(m, "item_id"));
    double from = offset_of(m), to = next ? offset_of(next) : end;
    gpointer key = GSIZE_TO_POINTER((gsize)id);
    json_t *item = g_hash_table_lookup(by_id, key);
    if (!item) {
      item = json_pack("{sI ss* sf s[]}", "item_id", (json_int_t)id, "title",
                       json_string_value(json_object_get(m, "title")), "start_s", from, "segments");
      json_array_append_new(items, item);
      g_hash_table_insert(by_id, key, item);
    }
    add_segments(json_object_get(item, "segments"), files, from, to);
  }
  return items;
}

json_t *
rc_recordings_list(const rc_config *config, rc_store *store, gint64 session_id, GError **error)
{
  g_autoptr(json_t) session = rc_store_session_get(store, session_id, error);
  if (!session)
    return NULL;
  g_autoptr(json_t) index = read_index(config, session_id);
  if (!index)
    return json_pack("{sI sb s[] s[]}", "session_id", (json_int_t)session_id, "recorded", 0, "files", "items");
  double end = recording_end(index);
  json_t *files = list_files(config, index, end);
  json_t *items = list_items(index, files, end);
  return json_pack("{sI sb sO sO so so}", "session_id", (json_int_t)session_id, "recorded", 1, "started_at",
                   json_object_get(index, "started_at"), "ended_at",
                   json_object_get(index, "ended_at") ? json_object_get(index, "ended_at") : json_null(), "files",
                   files, "items", items);
}

/* "session-ID-NNN.mp4" → ID; 0 for any other name (no paths, no dots). */
gint64
rc_recordings_file_session(const char *name)
{
  gint64 sid = 0;
  unsigned n = 0;
  int used = 0;
  if (!g_str_has_prefix(name, "session-") || strlen(name) > 64 ||
      sscanf(name, "session-%" G_GINT64_FORMAT "-%3u.mp4%n", &sid, &n, &used) != 2 || name[used] != '\0')
    return 0;
  for (const char *p = name + 8; *p != '.'; p++)
    if (!g_ascii_isdigit(*p) && *p != '-')
      return 0;
  return sid > 0 ? sid : 0;
}

static gboolean
index_lists(json_t *index, const char *file)
{
  json_t *segs = json_object_get(index, "segments");
  for (size_t i = 0; i < json_array_size(segs); i++)
    if (g_strcmp0(json_string_value(json_object_get(json_array_get(segs, i), "file")), file) == 0)
      return TRUE;
  return FALSE;
}

char *
rc_recordings_file(const rc_config *config, const char *name, GError **error)
{
  gint64 sid = rc_recordings_file_session(name);
  g_autoptr(json_t) index = sid ? read_index(config, sid) : NULL;
  if (!index || !index_lists(index, name)) {
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "no recording file %s", name);
    return NULL;
  }
  g_autofree char *dir = recording_dir(config);
  g_autofree char *path = g_build_filename(dir, name, NULL);
  if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
    g_warning("session %" G_GINT64_FORMAT ": recording file %s is missing", sid, path);
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND,
                "the recording file %s was deleted from the server; the index still lists it", name);
    return NULL;
  }
  return g_steal_pointer(&path);
}
