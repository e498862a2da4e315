/* calendar — see calendar.h. */
#define G_LOG_DOMAIN "roomctl-calendar"
#include "app/calendar.h"
#include "app/access.h"
#include "records/ical.h"

#include <sodium.h>
#include <string.h>

/* The host part of UIDs: the public URL's host, so two controllers (a
 * province and a district) do not give their sessions the same UID. */
static char *
uid_host(const rc_config *config)
{
  g_autoptr(GUri) uri = *config->public_url ? g_uri_parse(config->public_url, G_URI_FLAGS_NONE, NULL) : NULL;
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
append_session(const rc_config *config, rc_store *store, GString *out, json_t *s, const char *host)
{
  gint64 id = json_integer_value(json_object_get(s, "id"));
  g_autoptr(json_t) agenda = rc_store_agenda_tree(store, id, NULL);
  g_autoptr(GString) desc = g_string_new(json_string_value(json_object_get(s, "description")));
  if (json_array_size(agenda)) {
    g_string_append(desc, desc->len ? "\n\nChương trình:" : "Chương trình:");
    agenda_lines(desc, agenda, "");
  }
  g_autofree char *uid = g_strdup_printf("roomctl-session-%" G_GINT64_FORMAT "@%s", id, host);
  g_autofree char *base = g_strdup(config->public_url);
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

/* Calendar @name (NULL: none) with @sessions, as bytes. */
static GBytes *
calendar(const rc_config *config, rc_store *store, const char *name, json_t *sessions)
{
  g_autofree char *host = uid_host(config);
  GString *out = g_string_new(NULL);
  rc_ical_begin(out, name);
  /* Times stay exact UTC instants; this names the province's zone for
   * the calendar apps that show a calendar in its own zone. */
  rc_ical_append_line(out, "X-WR-TIMEZONE", config->timezone);
  size_t i;
  json_t *s;
  json_array_foreach(sessions, i, s) append_session(config, store, out, s, host);
  rc_ical_end(out);
  return g_string_free_to_bytes(out);
}

GBytes *
rc_calendar_session(const rc_config *config, rc_store *store, json_t *user, gint64 session_id, GError **error)
{
  g_autoptr(json_t) s = rc_access_session(store, user, session_id, error)
                            ? rc_store_session_get(store, session_id, error) : NULL;
  if (!s)
    return NULL;
  g_autoptr(json_t) one = json_pack("[O]", s);
  return calendar(config, store, NULL, one);
}

GBytes *
rc_calendar_feed(const rc_config *config, rc_store *store, json_t *user, GError **error)
{
  gint64 only_for = (RC_USER_ROLE(user) & RC_ROLES_STAFF) ? 0 : RC_USER_ID(user);
  g_autoptr(json_t) sessions = rc_store_sessions_list(store, NULL, only_for, error);
  if (!sessions)
    return NULL;
  if (!only_for) /* staff: their organisations' sessions and those that invite them */
    rc_access_filter_sessions(store, user, sessions);
  g_autofree char *name = g_strdup_printf("Lịch họp — %s", json_string_value(json_object_get(user, "full_name")));
  return calendar(config, store, name, sessions);
}

json_t *
rc_calendar_token_user(rc_store *store, const char *token)
{
  g_autofree char *hash = rc_auth_token_hash(token);
  return rc_store_calendar_token_user(store, hash, NULL);
}

static gboolean
audit_user(rc_store *store, gint64 user_id, const char *action, GError **error)
{
  g_autofree char *target = g_strdup_printf("user:%" G_GINT64_FORMAT, user_id);
  return rc_store_audit(store, user_id, action, target, NULL, error);
}

char *
rc_calendar_token_new(rc_store *store, gint64 user_id, char **created_at, GError **error)
{
  unsigned char raw[32];
  char *token = g_malloc(65);
  randombytes_buf(raw, sizeof raw);
  sodium_bin2hex(token, 65, raw, sizeof raw);
  sodium_memzero(raw, sizeof raw);
  g_autofree char *hash = rc_auth_token_hash(token);
  if (!(rc_store_begin(store, error) &&
        rc_store_end(store,
                     rc_store_calendar_token_set(store, user_id, hash, error) &&
                         audit_user(store, user_id, "calendar.token", error),
                     error))) {
    sodium_memzero(token, 65);
    g_free(token);
    return NULL;
  }
  *created_at = rc_store_calendar_token_created(store, user_id);
  return token;
}

gboolean
rc_calendar_token_revoke(rc_store *store, gint64 user_id, GError **error)
{
  return rc_store_begin(store, error) &&
         rc_store_end(store,
                      rc_store_calendar_token_delete(store, user_id, error) &&
                          audit_user(store, user_id, "calendar.revoke", error),
                      error);
}
