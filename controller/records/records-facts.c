/* records-facts — gathers, on the main loop, everything the minutes and the
 * reports say about a session into one plain JSON object, so that laying it
 * out and rendering it can happen in a worker thread without the store.
 *
 * A session's facts:
 *   {"session": session, "attendance": attendance (store.h),
 *    "agenda": [item in reading order + "number", "depth", "started_at",
 *               "ended_at", "documents"],
 *    "speakers": speakers log, "votes": [vote oldest first + "named":
 *               [{"full_name","option"}] for open votes only],
 *    "sites": [{"site_id","code","name","level","assigned","calls":[...],
 *               "joined_at","left_at","seconds"}]}
 * and, for a closed session, "recoveries": the tablets' receipts
 * (rc_store_recoveries). */
#define G_LOG_DOMAIN "roomctl-records"
#include "records/records.h"
#include "base/rc-error.h"
#include "store/store-records.h"

#define RANGE_MAX_SESSIONS 1000

static void
flatten_agenda(json_t *items, const char *prefix, int depth, json_t *out)
{
  size_t i;
  json_t *item;
  json_array_foreach(items, i, item) {
    g_autofree char *number = g_strdup_printf("%s%zu", prefix, i + 1);
    json_t *flat = json_deep_copy(item);
    json_object_del(flat, "children");
    json_object_set_new(flat, "number", json_string(number));
    json_object_set_new(flat, "depth", json_integer(depth));
    json_array_append_new(out, flat);
    g_autofree char *child_prefix = g_strdup_printf("%s.", number);
    flatten_agenda(json_object_get(item, "children"), child_prefix, depth + 1, out);
  }
}

static json_t *
find_by_id(json_t *list, const char *key, gint64 id)
{
  size_t i;
  json_t *row;
  json_array_foreach(list, i, row) if (json_integer_value(json_object_get(row, key)) == id) return row;
  return NULL;
}

/* Each agenda mark opens a stretch of its item that lasts until the next
 * mark or the end of the session; marks before the start count from it. */
static void
agenda_times(json_t *agenda, json_t *log, json_t *session)
{
  const char *started = json_string_value(json_object_get(session, "started_at"));
  const char *ended = json_string_value(json_object_get(session, "ended_at"));
  size_t i;
  json_t *mark;
  json_array_foreach(log, i, mark) {
    json_t *item = find_by_id(agenda, "id", json_integer_value(json_object_get(mark, "agenda_item_id")));
    if (!item)
      continue;
    const char *at = json_string_value(json_object_get(mark, "at"));
    json_t *next = json_array_get(log, i + 1);
    const char *until = next ? json_string_value(json_object_get(next, "at")) : ended;
    if (started && g_strcmp0(at, started) < 0)
      at = started;
    if (ended && g_strcmp0(at, ended) > 0)
      continue;
    if (!json_object_get(item, "started_at"))
      json_object_set_new(item, "started_at", json_string(at));
    json_object_set_new(item, "ended_at", until ? json_string(until) : json_null());
  }
}

static json_t *
agenda_facts(rc_store *store, gint64 sid, json_t *session, GError **error)
{
  g_autoptr(json_t) tree = rc_store_agenda_tree(store, sid, error);
  g_autoptr(json_t) log = tree ? rc_store_agenda_log(store, sid, error) : NULL;
  if (!log)
    return NULL;
  json_t *flat = json_array();
  flatten_agenda(tree, "", 0, flat);
  agenda_times(flat, log, session);
  return flat;
}

static const char *
voter_name(rc_store *store, json_t *attendance, gint64 user_id, json_t **owned)
{
  json_t *d = find_by_id(json_object_get(attendance, "delegates"), "user_id", user_id);
  if (d)
    return json_string_value(json_object_get(d, "full_name"));
  *owned = rc_store_user_get(store, user_id, NULL);
  return *owned ? json_string_value(json_object_get(*owned, "full_name")) : "?";
}

/* Open votes name who chose what; secret votes never get a "named" list. */
static gboolean
add_named(rc_store *store, json_t *vote, json_t *attendance, GError **error)
{
  if (json_is_true(json_object_get(vote, "secret")))
    return TRUE;
  g_autoptr(json_t) ballots = rc_store_vote_ballots(store, json_integer_value(json_object_get(vote, "id")), error);
  if (!ballots)
    return FALSE;
  json_t *named = json_array();
  size_t i;
  json_t *b;
  json_array_foreach(ballots, i, b) {
    g_autoptr(json_t) user = NULL;
    const char *name = voter_name(store, attendance, json_integer_value(json_object_get(b, "user_id")), &user);
    json_array_append_new(named, json_pack("{ss sO}", "full_name", name ? name : "?", "option",
                                           json_object_get(b, "option")));
  }
  json_object_set_new(vote, "named", named);
  return TRUE;
}

static json_t *
votes_facts(rc_store *store, gint64 sid, json_t *attendance, GError **error)
{
  g_autoptr(json_t) newest_first = rc_store_votes_list(store, sid, error);
  if (!newest_first)
    return NULL;
  g_autoptr(json_t) votes = json_array();
  for (size_t i = json_array_size(newest_first); i-- > 0;) {
    json_t *v = json_array_get(newest_first, i);
    if (!add_named(store, v, attendance, error))
      return NULL;
    json_array_append(votes, v);
  }
  return g_steal_pointer(&votes);
}

/* A site is present when it was heard (a call); assigned sites never heard
 * are absent. */
static json_t *
sites_facts(rc_store *store, gint64 sid, GError **error)
{
  g_autoptr(json_t) assigned = rc_store_session_sites(store, sid, error);
  g_autoptr(json_t) calls = assigned ? rc_store_site_calls(store, sid, error) : NULL;
  if (!calls)
    return NULL;
  json_t *sites = json_array();
  size_t i;
  json_t *row;
  json_array_foreach(assigned, i, row)
    json_array_append_new(sites, json_pack("{sO sO sO sO sb so si}", "site_id", json_object_get(row, "id"), "code",
                                           json_object_get(row, "code"), "name", json_object_get(row, "name"),
                                           "level", json_object_get(row, "level"), "assigned", TRUE, "calls",
                                           json_array(), "seconds", 0));
  json_array_foreach(calls, i, row) {
    gint64 site_id = json_integer_value(json_object_get(row, "site_id"));
    json_t *site = find_by_id(sites, "site_id", site_id);
    if (!site) {
      site = json_pack("{sO sO sO sb so si}", "code", json_object_get(row, "code"), "name",
                       json_object_get(row, "name"), "level", json_object_get(row, "level"), "assigned", FALSE,
                       "calls", json_array(), "seconds", 0);
      json_object_set_new(site, "site_id", json_integer(site_id));
      json_array_append_new(sites, site);
    }
    json_array_append(json_object_get(site, "calls"), row);
    if (!json_object_get(site, "joined_at"))
      json_object_set(site, "joined_at", json_object_get(row, "joined_at"));
    json_object_set(site, "left_at", json_object_get(row, "left_at"));
    json_object_set_new(site, "seconds", json_integer(json_integer_value(json_object_get(site, "seconds")) +
                                                      json_integer_value(json_object_get(row, "seconds"))));
  }
  return sites;
}

json_t *
rc_records_session_facts(rc_store *store, gint64 session_id, GError **error)
{
  g_autoptr(json_t) session = rc_store_session_get(store, session_id, error);
  if (!session)
    return NULL;
  if (g_strcmp0(json_string_value(json_object_get(session, "status")), "scheduled") == 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE,
                "session %" G_GINT64_FORMAT " has not gone live yet: there is nothing to record", session_id);
    return NULL;
  }
  g_autoptr(json_t) attendance = rc_store_attendance(store, session_id, error);
  g_autoptr(json_t) agenda = attendance ? agenda_facts(store, session_id, session, error) : NULL;
  g_autoptr(json_t) speakers = agenda ? rc_store_speakers_log(store, session_id, error) : NULL;
  g_autoptr(json_t) votes = speakers ? votes_facts(store, session_id, attendance, error) : NULL;
  g_autoptr(json_t) sites = votes ? sites_facts(store, session_id, error) : NULL;
  if (!sites)
    return NULL;
  json_t *facts = json_pack("{sO sO sO sO sO sO}", "session", session, "attendance", attendance, "agenda", agenda,
                            "speakers", speakers, "votes", votes, "sites", sites);
  if (json_is_true(json_object_get(session, "closed"))) {
    json_t *recoveries = rc_store_recoveries(store, session_id, error);
    if (!recoveries) {
      json_decref(facts);
      return NULL;
    }
    json_object_set_new(facts, "recoveries", recoveries);
  }
  return facts;
}

static gboolean
day_in_range(const char *iso, const GDate *from, const GDate *to, GTimeZone *tz)
{
  g_autoptr(GDateTime) utc = iso ? g_date_time_new_from_iso8601(iso, NULL) : NULL;
  g_autoptr(GDateTime) local = utc ? g_date_time_to_timezone(utc, tz) : NULL;
  if (!local)
    return FALSE;
  GDate day;
  g_date_clear(&day, 1);
  g_date_set_dmy(&day, (GDateDay)g_date_time_get_day_of_month(local), (GDateMonth)g_date_time_get_month(local),
                 (GDateYear)g_date_time_get_year(local));
  return g_date_compare(&day, from) >= 0 && g_date_compare(&day, to) <= 0;
}

static char *
iso_day(const GDate *d)
{
  char buf[16];
  g_date_strftime(buf, sizeof buf, "%Y-%m-%d", d);
  return g_strdup(buf);
}

json_t *
rc_records_range_facts(rc_store *store, const GDate *from, const GDate *to, GTimeZone *tz, json_t *organisations,
                       GError **error)
{
  g_autoptr(json_t) all = rc_store_sessions_list(store, NULL, 0, error);
  if (!all)
    return NULL;
  g_autoptr(json_t) sessions = json_array();
  /* The list is newest first; a report reads oldest first. */
  for (size_t i = json_array_size(all); i-- > 0;) {
    json_t *s = json_array_get(all, i);
    if (!day_in_range(json_string_value(json_object_get(s, "started_at")), from, to, tz) ||
        !rc_json_ids_have(organisations, json_integer_value(json_object_get(s, "organisation_id"))))
      continue;
    if (json_array_size(sessions) >= RANGE_MAX_SESSIONS) {
      g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "to: more than %d sessions in the range; ask for fewer days",
                  RANGE_MAX_SESSIONS);
      return NULL;
    }
    json_t *facts = rc_records_session_facts(store, json_integer_value(json_object_get(s, "id")), error);
    if (!facts)
      return NULL;
    json_array_append_new(sessions, facts);
  }
  g_autofree char *f = iso_day(from);
  g_autofree char *t = iso_day(to);
  return json_pack("{ss ss sO}", "from", f, "to", t, "sessions", sessions);
}
