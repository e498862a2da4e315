/* floor — speaker queue and floor holder. */
#include "model/floor.h"
#include "base/rc-error.h"

typedef struct {
  gint64 user_id;
  gint64 requested_ms;
} request;

struct rc_floor {
  GArray *queue; /* request, in order of asking */
  request speaker; /* user_id 0 = nobody */
  gint64 granted_ms;
  int limit_s;
};

rc_floor *
rc_floor_new(void)
{
  rc_floor *f = g_new0(rc_floor, 1);
  f->queue = g_array_new(FALSE, FALSE, sizeof(request));
  return f;
}

rc_floor *
rc_floor_copy(const rc_floor *f)
{
  rc_floor *c = g_new0(rc_floor, 1);
  *c = *f;
  c->queue = g_array_copy(f->queue);
  return c;
}

void
rc_floor_free(rc_floor *f)
{
  if (!f)
    return;
  g_array_free(f->queue, TRUE);
  g_free(f);
}

static int
queue_index(rc_floor *f, gint64 user_id)
{
  for (guint i = 0; i < f->queue->len; i++)
    if (g_array_index(f->queue, request, i).user_id == user_id)
      return (int)i;
  return -1;
}

gboolean
rc_floor_request(rc_floor *f, gint64 user_id, gint64 now_ms, GError **error)
{
  if (f->speaker.user_id == user_id || queue_index(f, user_id) >= 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_CONFLICT, "already %s",
                f->speaker.user_id == user_id ? "speaking" : "in the queue");
    return FALSE;
  }
  request r = {user_id, now_ms};
  g_array_append_val(f->queue, r);
  return TRUE;
}

gboolean
rc_floor_withdraw(rc_floor *f, gint64 user_id, GError **error)
{
  int i = queue_index(f, user_id);
  if (i < 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "not in the queue");
    return FALSE;
  }
  g_array_remove_index(f->queue, (guint)i);
  return TRUE;
}

static void
end_turn(rc_floor *f, gint64 now_ms, rc_floor_turn *ended)
{
  rc_floor_turn t = {f->speaker.user_id, f->speaker.requested_ms, f->granted_ms, now_ms};
  if (ended)
    *ended = t;
  f->speaker = (request){0, 0};
  f->granted_ms = 0;
  f->limit_s = 0;
}

gboolean
rc_floor_grant(rc_floor *f, gint64 user_id, int limit_s, gint64 now_ms, rc_floor_turn *ended, GError **error)
{
  if (user_id <= 0 || limit_s < 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "user_id: not a delegate");
    return FALSE;
  }
  if (ended)
    *ended = (rc_floor_turn){0, 0, 0, 0};
  if (f->speaker.user_id)
    end_turn(f, now_ms, ended);
  request r = {user_id, 0};
  int i = queue_index(f, user_id);
  if (i >= 0) {
    r = g_array_index(f->queue, request, i);
    g_array_remove_index(f->queue, (guint)i);
  }
  f->speaker = r;
  f->granted_ms = now_ms;
  f->limit_s = limit_s;
  return TRUE;
}

gboolean
rc_floor_end(rc_floor *f, gint64 now_ms, rc_floor_turn *ended, GError **error)
{
  if (!f->speaker.user_id) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "nobody has the floor");
    return FALSE;
  }
  end_turn(f, now_ms, ended);
  return TRUE;
}

rc_floor_turn
rc_floor_current(rc_floor *f, gint64 now_ms)
{
  if (!f->speaker.user_id)
    return (rc_floor_turn){0, 0, 0, 0};
  return (rc_floor_turn){f->speaker.user_id, f->speaker.requested_ms, f->granted_ms, now_ms};
}

void
rc_floor_clear(rc_floor *f)
{
  end_turn(f, 0, NULL);
  g_array_set_size(f->queue, 0);
}

void
rc_floor_restore_speaker(rc_floor *f, gint64 user_id, gint64 requested_ms, gint64 granted_ms, int limit_s)
{
  f->speaker = (request){user_id, requested_ms};
  f->granted_ms = granted_ms;
  f->limit_s = limit_s;
}

gint64
rc_floor_speaker(rc_floor *f)
{
  return f->speaker.user_id;
}

guint
rc_floor_queue_length(rc_floor *f)
{
  return f->queue->len;
}

gboolean
rc_floor_overtime(rc_floor *f, gint64 now_ms)
{
  return f->speaker.user_id && f->limit_s > 0 && now_ms >= f->granted_ms + (gint64)f->limit_s * 1000;
}

static json_t *
iso_ms(gint64 ms)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(ms / 1000);
  g_autofree char *s = g_date_time_format(t, "%Y-%m-%dT%H:%M:%SZ");
  return json_string(s);
}

json_t *
rc_floor_to_json(rc_floor *f, gint64 now_ms)
{
  json_t *queue = json_array();
  for (guint i = 0; i < f->queue->len; i++) {
    request *r = &g_array_index(f->queue, request, i);
    json_array_append_new(queue, json_pack("{sI so}", "user_id", (json_int_t)r->user_id, "requested_at",
                                           iso_ms(r->requested_ms)));
  }
  json_t *speaker = json_null();
  if (f->speaker.user_id) {
    gint64 remaining = f->limit_s ? f->granted_ms + (gint64)f->limit_s * 1000 - now_ms : 0;
    speaker = json_pack("{sI so si sI}", "user_id", (json_int_t)f->speaker.user_id, "granted_at",
                        iso_ms(f->granted_ms), "limit_seconds", f->limit_s, "remaining_ms",
                        (json_int_t)MAX(remaining, 0));
  }
  /* The tablets count the speaker's time down from this instant. */
  return json_pack("{so so sI}", "queue", queue, "speaker", speaker, "server_time_ms", (json_int_t)now_ms);
}
