/* sim-material — prepare all clips: cache or encode, in a thread pool. The
 * workers only encode and write files; results come back to the calling
 * thread through a queue, which also drives the progress lines. */
#include "devices/sim/sim-material.h"

#include "devices/sim/sim-cache.h"

#define SIM_AUDIO_FRAMES 50 /* 1 s: 440 whole cycles, so the loop is seamless */

typedef enum { JOB_LIVE, JOB_FROZEN, JOB_TONE, JOB_SILENCE } job_kind;

typedef struct {
  const sim_material_options *options;
  job_kind kind;
  guint index;       /* title index for video jobs */
  const char *title;
  gint *cancelled;   /* set after the first failure: skip the rest */
  GAsyncQueue *done; /* this job, when finished */
  /* results */
  sim_clip *clip;
  gboolean from_cache;
  GError *error;
} job;

static GPtrArray *
encode(job *j, const char *key)
{
  const char *dir = j->options->cache_dir;
  if (dir) {
    GPtrArray *units = sim_cache_load(dir, key, NULL);
    if (units) {
      j->from_cache = TRUE;
      return units;
    }
  }
  GPtrArray *units = j->kind == JOB_LIVE || j->kind == JOB_FROZEN
                         ? sim_encode_video(&j->options->format, j->title, j->kind == JOB_FROZEN, &j->error)
                         : sim_encode_audio(j->kind == JOB_SILENCE, SIM_AUDIO_FRAMES, &j->error);
  g_autoptr(GError) save_error = NULL;
  if (units && dir && !sim_cache_save(dir, key, units, &save_error))
    g_warning("clip cache not written: %s", save_error->message);
  return units;
}

static void
run_job(gpointer data, gpointer user_data G_GNUC_UNUSED)
{
  job *j = data;
  if (!g_atomic_int_get(j->cancelled)) {
    gboolean video = j->kind == JOB_LIVE || j->kind == JOB_FROZEN;
    g_autofree char *key = video ? sim_encode_video_key(&j->options->format, j->title, j->kind == JOB_FROZEN)
                                 : sim_encode_audio_key(j->kind == JOB_SILENCE, SIM_AUDIO_FRAMES);
    g_autoptr(GPtrArray) units = encode(j, key);
    if (units)
      j->clip = video ? sim_clip_new_h264(units, j->options->max_payload, &j->error)
                      : sim_clip_new_opus(units, &j->error);
    if (!j->clip) {
      g_prefix_error(&j->error, "%s clip%s%s: ", j->kind == JOB_FROZEN ? "frozen" : video ? "video" : "audio",
                     video ? " of " : "", video ? j->title : "");
      g_atomic_int_set(j->cancelled, 1);
    }
  }
  g_async_queue_push(j->done, j);
}

static void
store(sim_material *m, job *j)
{
  switch (j->kind) {
  case JOB_LIVE: g_ptr_array_index(m->live, j->index) = g_steal_pointer(&j->clip); break;
  case JOB_FROZEN: g_ptr_array_index(m->frozen, j->index) = g_steal_pointer(&j->clip); break;
  case JOB_TONE: m->tone = g_steal_pointer(&j->clip); break;
  case JOB_SILENCE: m->silence = g_steal_pointer(&j->clip); break;
  }
  if (j->from_cache)
    m->from_cache++;
  else
    m->encoded++;
}

static sim_material *
material_new(guint n)
{
  sim_material *m = g_new0(sim_material, 1);
  m->live = g_ptr_array_new_full(n, (GDestroyNotify)sim_clip_free);
  m->frozen = g_ptr_array_new_full(n, (GDestroyNotify)sim_clip_free);
  g_ptr_array_set_size(m->live, n);
  g_ptr_array_set_size(m->frozen, n);
  return m;
}

/* Waits for @total jobs, printing progress; returns the first error. */
static GError *
collect(sim_material *m, GAsyncQueue *done, guint total, const sim_material_options *o, gint64 start)
{
  GError *first = NULL;
  gint64 last_print = start;
  for (guint finished = 0; finished < total; finished++) {
    job *j = g_async_queue_pop(done);
    if (j->error && !first)
      first = g_steal_pointer(&j->error);
    if (j->clip)
      store(m, j);
    g_clear_error(&j->error);
    sim_clip_free(j->clip);
    gint64 now = g_get_monotonic_time();
    if (!o->quiet && (now - last_print > G_USEC_PER_SEC || finished + 1 == total)) {
      g_printerr("roomctl-sim: clips %u/%u (%u from cache), %.1f s\n", finished + 1, total, m->from_cache,
                 (now - start) / 1e6);
      last_print = now;
    }
  }
  return first;
}

sim_material *
sim_material_prepare(const sim_material_options *o, char **titles, guint n, GError **error)
{
  gint64 start = g_get_monotonic_time();
  g_autoptr(sim_material) m = material_new(n);
  guint total = 2 * n + 2;
  gint cancelled = 0;
  g_autoptr(GAsyncQueue) done = g_async_queue_new();
  g_autofree job *jobs = g_new0(job, total);
  GThreadPool *pool = g_thread_pool_new(run_job, NULL, (gint)MAX(1u, g_get_num_processors()), TRUE, NULL);
  for (guint i = 0; i < total; i++) {
    job_kind kind = i == 0 ? JOB_TONE : i == 1 ? JOB_SILENCE : (i % 2 ? JOB_FROZEN : JOB_LIVE);
    guint index = i < 2 ? 0 : (i - 2) / 2;
    jobs[i] = (job){o, kind, index, i < 2 ? NULL : titles[index], &cancelled, done, NULL, FALSE, NULL};
    g_thread_pool_push(pool, &jobs[i], NULL);
  }
  GError *first = collect(m, done, total, o, start);
  g_thread_pool_free(pool, FALSE, TRUE);
  if (first) {
    g_propagate_error(error, first);
    return NULL;
  }
  m->seconds = (g_get_monotonic_time() - start) / 1e6;
  return g_steal_pointer(&m);
}

void
sim_material_free(sim_material *m)
{
  if (!m)
    return;
  g_ptr_array_unref(m->live);
  g_ptr_array_unref(m->frozen);
  sim_clip_free(m->tone);
  sim_clip_free(m->silence);
  g_free(m);
}
