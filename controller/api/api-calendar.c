/* api-calendar — sessions as iCalendar (RFC 5545): one session's .ics, and
 * a feed of every session the user may see. Calendar apps subscribe
 * without a bearer header, so the feed also takes a per-user secret token
 * in its URL (?token=), made and revoked by the user (only its SHA-256 is
 * stored); a new token revokes the previous one. */
#define G_LOG_DOMAIN "roomctl-api"
#include "api/api-private.h"
#include "records/ical.h"

#include <sodium.h>
#include <string.h>

#define PARAM(call, i) ((call)->match->params[i])

/* The host part of UIDs: the public URL's host, so two controllers (a
 * province and a district) do not give their sessions the same UID. */
static char *
uid_host(rc_api *api)
{
  g_autoptr(GUri) uri = *api->config->public_url ? g_uri_parse(api->config->public_url, G_URI_FLAGS_NONE, NULL) : NULL;
  const char *host = uri ? g_uri_get_host(uri) : NULL;
  return g_strdup(host && *host ? host : "roomctl");
}

static void
agenda_lines(GString *out, json_t *items, const char *prefix)
{
  size_t i;
  json_t *it;
  json_array_foreach(items, i, it) {
    g_autofree char *number = g_strdup_printf("%s%zu.", prefix, i + 1);
    const char *presenter = json_string_value(json_object_get(it, "presenter"));
    g_string_append_printf(out, "\n%s %s", number, json_string_value(json_object_get(it, "title")));
    if (presenter && *presenter)
      g_string_append_printf(out, " (%s)", presenter);
    agenda_lines(out, json_object_get(it, "children"), number);
  }
}

static void
append_session(rc_api *api, GString *out, json_t *s, const char *host)
{
  gint64 id = json_integer_value(json_object_get(s, "id"));
  g_autoptr(json_t) agenda = rc_store_agenda_tree(api->store, id, NULL);
  g_autoptr(GString) desc = g_string_new(json_string_value(json_object_get(s, "description")));
  if (json_array_size(agenda)) {
    g_string_append(desc, desc->len ? "\n\nChương trình:" : "Chương trình:");
    agenda_lines(desc, agenda, "");
  }
  g_autofree char *uid = g_strdup_printf("roomctl-session-%" G_GINT64_FORMAT "@%s", id, host);
  g_autofree char *base = g_strdup(api->config->public_url);
  for (gsize n = strlen(base); n > 0 && base[n - 1] == '/'; n--)
    base[n - 1] = '\0';
  g_autofree char *url = *base ? g_strdup_printf("%s/console/#/sessions/%" G_GINT64_FORMAT, base, id) : NULL;
  rc_ical_event e = {
    .uid = uid, .dtstamp = json_string_value(json_object_get(s, "updated_at")),
    .starts_at = json_string_value(json_object_get(s, "starts_at")),
    .ends_at = json_string_value(json_object_get(s, "ends_at")),
    .summary = json_string_value(json_object_get(s, "title")),
    .location = json_string_value(json_object_get(s, "room")), .description = desc->str, .url = url,
    .status = "CONFIRMED", .last_modified = json_string_value(json_object_get(s, "updated_at")),
  };
  if (!rc_ical_event_append(out, &e))
    g_warning("session %" G_GINT64_FORMAT ": not in the calendar: a time is not valid", id);
}

static void
reply_calendar(rc_api_call *call, GString *out, const char *disposition)
{
  rc_api_reply *r = call->reply;
  rc_api_reply_clear(r);
  r->status = 200;
  r->content_type = "text/calendar; charset=utf-8";
  r->body = g_string_free_to_bytes(out);
  r->content_disposition = g_strdup(disposition);
}

static gboolean
session_ics(rc_api_call *call, GError **error)
{
  gint64 id = PARAM(call, 0);
  g_autoptr(json_t) s = rc_api_session_access(call->api, call->user, id, error)
                            ? rc_store_session_get(call->api->store, id, error) : NULL;
  if (!s)
    return FALSE;
  g_autofree char *host = uid_host(call->api);
  GString *out = g_string_new(NULL);
  rc_ical_begin(out, NULL);
  /* Times stay exact UTC instants; this names the province's zone for
   * the calendar apps that show a calendar in its own zone. */
  rc_ical_append_line(out, "X-WR-TIMEZONE", call->api->config->timezone);
  append_session(call->api, out, s, host);
  rc_ical_end(out);
  g_autofree char *disp = g_strdup_printf("attachment; filename=\"phien-hop-%" G_GINT64_FORMAT ".ics\"", id);
  reply_calendar(call, out, disp);
  return TRUE;
}

/* The feed's reader: the ?token= feed token, else the login (bearer or cookie). */
static json_t *
feed_user(rc_api_call *call, GError **error)
{
  const char *feed = call->request->query ? g_hash_table_lookup(call->request->query, "token") : NULL;
  if (feed && *feed) {
    g_autofree char *hash = rc_auth_token_hash(feed);
    json_t *user = rc_store_calendar_token_user(call->api->store, hash, NULL);
    if (!user)
      g_set_error(error, RC_API_ERROR, RC_WIRE_UNAUTHENTICATED, "unknown or revoked calendar token");
    return user;
  }
  json_t *user = call->request->token ? rc_auth_check_token(call->api->auth, call->request->token, NULL) : NULL;
  if (!user)
    g_set_error(error, RC_API_ERROR, RC_WIRE_UNAUTHENTICATED,
                "log in, or subscribe with the feed URL (?token=) from the console");
  return user;
}

static gboolean
feed_ics(rc_api_call *call, GError **error)
{
  g_autoptr(json_t) user = feed_user(call, error);
  if (!user)
    return FALSE;
  gint64 only_for = (RC_USER_ROLE(user) & RC_ROLES_STAFF) ? 0 : RC_USER_ID(user);
  g_autoptr(json_t) sessions = rc_store_sessions_list(call->api->store, NULL, only_for, error);
  if (!sessions)
    return FALSE;
  g_autofree char *host = uid_host(call->api);
  GString *out = g_string_new(NULL);
  g_autofree char *name = g_strdup_printf("Lịch họp — %s", json_string_value(json_object_get(user, "full_name")));
  rc_ical_begin(out, name);
  rc_ical_append_line(out, "X-WR-TIMEZONE", call->api->config->timezone);
  size_t i;
  json_t *s;
  json_array_foreach(sessions, i, s) append_session(call->api, out, s, host);
  rc_ical_end(out);
  reply_calendar(call, out, "inline; filename=\"lich-hop.ics\"");
  return TRUE;
}

static gboolean
feed_status(rc_api_call *call, GError **error)
{
  (void)error;
  g_autofree char *created = rc_store_calendar_token_created(call->api->store, call->user_id);
  json_t *status = json_pack("{sb}", "active", created != NULL);
  if (created)
    json_object_set_new(status, "created_at", json_string(created));
  rc_api_reply_json(call->reply, 200, status);
  return TRUE;
}

static gboolean
feed_token_new(rc_api_call *call, GError **error)
{
  unsigned char raw[32];
  char token[65];
  randombytes_buf(raw, sizeof raw);
  sodium_bin2hex(token, sizeof token, raw, sizeof raw);
  g_autofree char *hash = rc_auth_token_hash(token);
  if (!rc_store_calendar_token_set(call->api->store, call->user_id, hash, error))
    return FALSE;
  rc_api_audit(call->api, call->user_id, "calendar.token", "user:%" G_GINT64_FORMAT, call->user_id);
  g_autofree char *created = rc_store_calendar_token_created(call->api->store, call->user_id);
  g_autofree char *path = g_strdup_printf("/api/v1/calendar.ics?token=%s", token);
  rc_api_reply_json(call->reply, 201, json_pack("{ss ss ss}", "token", token, "path", path, "created_at", created));
  sodium_memzero(token, sizeof token);
  return TRUE;
}

static gboolean
feed_token_revoke(rc_api_call *call, GError **error)
{
  if (!rc_store_calendar_token_delete(call->api->store, call->user_id, error))
    return FALSE;
  rc_api_audit(call->api, call->user_id, "calendar.revoke", "user:%" G_GINT64_FORMAT, call->user_id);
  rc_api_reply_json(call->reply, 204, NULL);
  return TRUE;
}

const rc_api_route rc_api_routes_calendar[] = {
  {"GET", "/api/v1/sessions/{id}/calendar.ics", RC_ROLES_ANY, RC_BODY_NONE, NULL, session_ics},
  {"GET", "/api/v1/calendar.ics", 0, RC_BODY_NONE, NULL, feed_ics}, /* checks its own token */
  {"GET", "/api/v1/me/calendar", RC_ROLES_ANY, RC_BODY_NONE, NULL, feed_status},
  {"POST", "/api/v1/me/calendar", RC_ROLES_ANY, RC_BODY_NONE, NULL, feed_token_new},
  {"DELETE", "/api/v1/me/calendar", RC_ROLES_ANY, RC_BODY_NONE, NULL, feed_token_revoke},
  {NULL, NULL, 0, 0, NULL, NULL},
};
