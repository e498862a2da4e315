/* libFuzzer target: a WebSocket message from a logged-in secretariat user,
 * through envelope parsing, the message table, body validation and the
 * handlers, against a real store in a temporary directory. Whatever comes
 * in, the reply is one well-formed ack or error. */
#include "api/api.h"
#include "app/auth.h"
#include "model/meeting.h"
#include "store/store.h"

#include <stdint.h>
#include <string.h>

typedef struct {
  rc_store *store;
  rc_auth *auth;
  rc_meeting *meeting;
  rc_api *api;
  rc_api_ws_peer peer;
  guint replies;
} world;

static void
on_send(gpointer conn, GBytes *frame)
{
  world *w = conn;
  gsize len;
  const char *text = g_bytes_get_data(frame, &len);
  json_t *msg = json_loadb(text, len, 0, NULL);
  g_assert(msg != NULL); /* the server only ever sends valid JSON */
  json_decref(msg);
  w->replies++;
}

static void
on_subscribe(gpointer conn, gint64 session_id, gboolean on)
{
  (void)conn, (void)session_id, (void)on;
}

static world *
setup(void)
{
  world *w = g_new0(world, 1);
  g_autofree char *dir = g_dir_make_tmp("roomctl-fuzz-ws-XXXXXX", NULL);
  w->store = rc_store_open(dir, NULL);
  rc_config *config = rc_config_new_default();
  w->auth = rc_auth_new(w->store, RC_PWHASH_MIN, 12);
  w->meeting = rc_meeting_new(64);
  w->api = rc_api_new(config, w->store, w->auth, w->meeting);
  static rc_api_ws_io io = {0};
  io.owner = w;
  io.send = on_send;
  io.subscribe = on_subscribe;
  rc_api_set_ws_io(w->api, &io);
  g_autofree char *hash = rc_auth_hash_password(w->auth, "secret", NULL);
  gint64 uid = rc_store_user_create(w->store, "thuky", "Thư ký", "secretariat", hash, "", "", NULL);
  const char *token = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  g_autofree char *th = rc_auth_token_hash(token);
  rc_store_token_add(w->store, th, uid, G_MAXINT64 / 2, NULL);
  g_autoptr(json_t) s = json_pack("{ss ss ss}", "title", "Phiên", "starts_at", "2026-11-25T01:00:00Z", "ends_at",
                                  "2026-11-25T02:00:00Z");
  rc_store_session_create(w->store, s, NULL);
  w->peer.conn = w;
  w->peer.user = rc_store_user_get(w->store, uid, NULL);
  w->peer.token = g_strdup(token);
  return w;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static world *w;
  if (!w)
    w = setup();
  guint before = w->replies;
  rc_api_ws_message(w->api, &w->peer, (const char *)data, size);
  g_assert(w->replies >= before + 1 || size == 0 || w->replies > before);
  return 0;
}
