/* site-floor — see site-floor.h. */
#define G_LOG_DOMAIN "roomctl-site-floor"
#include "app/site-floor.h"
#include "base/rc-error.h"

struct rc_site_floor {
  rc_store *store;
  rc_meeting *meeting;
};

static const char *const via_names[] = {"site", "keypad", "staff"};

rc_site_floor *
rc_site_floor_new(rc_store *store, rc_meeting *meeting)
{
  rc_site_floor *sf = g_new0(rc_site_floor, 1);
  *sf = (rc_site_floor){.store = store, .meeting = meeting};
  return sf;
}

void
rc_site_floor_free(rc_site_floor *sf)
{
  g_free(sf);
}

json_t *
rc_site_floor_json(rc_store *store, gint64 session_id)
{
  json_t *sites = rc_store_site_floor_list(store, session_id, NULL);
  return json_pack("{sI so}", "session_id", (json_int_t)session_id, "sites", sites ? sites : json_array());
}

void
rc_site_floor_announce(rc_store *store, rc_meeting *meeting, gint64 session_id)
{
  rc_meeting_send(meeting, session_id, RC_EVENT_SITE_FLOOR_UPDATED, rc_site_floor_json(store, session_id));
}

/* Whether @site_id may ask in @session_id now; its code in *@code. */
static gboolean
may_ask(rc_site_floor *sf, gint64 sid, gint64 site_id, char **code, GError **error)
{
  g_autoptr(json_t) st = rc_store_site_floor_standing(sf->store, sid, site_id, error);
  if (!st)
    return FALSE;
  if (g_strcmp0(json_string_value(json_object_get(st, "status")), "live") != 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "the session is not live");
    return FALSE;
  }
  if (!json_integer_value(json_object_get(st, "member"))) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "site_id: not a site of this session");
    return FALSE;
  }
  *code = g_strdup(json_string_value(json_object_get(st, "code")));
  return TRUE;
}

/* The change and its audit row: one commit. */
static gboolean
commit_change(rc_site_floor *sf, gint64 sid, gint64 site_id, gboolean ask, rc_site_floor_via via, gint64 by,
              GError **error)
{
  g_autofree char *target = g_strdup_printf("session:%" G_GINT64_FORMAT " site:%" G_GINT64_FORMAT, sid, site_id);
  g_autofree char *detail = g_strdup_printf("via %s", via_names[via]);
  gboolean done = ask ? rc_store_site_floor_ask(sf->store, sid, site_id, via_names[via], error)
                      : rc_store_site_floor_end(sf->store, sid, site_id, "withdrawn", error) >= 0;
  return done && rc_store_audit(sf->store, by, ask ? "floor.site.request" : "floor.site.withdraw", target, detail,
                                error);
}

static json_t *
change(rc_site_floor *sf, gint64 sid, gint64 site_id, gboolean ask, rc_site_floor_via via, gint64 by, GError **error)
{
  g_autofree char *code = NULL;
  if (!may_ask(sf, sid, site_id, &code, error))
    return NULL;
  if (ask && rc_store_site_floor_asking(sf->store, sid, site_id))
    return rc_site_floor_json(sf->store, sid); /* asked already: its place is kept */
  if (!ask && !rc_store_site_floor_asking(sf->store, sid, site_id)) {
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "site %s is not asking for the floor", code);
    return NULL;
  }
  if (!rc_store_begin(sf->store, error) ||
      !rc_store_end(sf->store, commit_change(sf, sid, site_id, ask, via, by, error), error))
    return NULL;
  g_message("session %" G_GINT64_FORMAT ": site %s %s the floor (%s)", sid, code,
            ask ? "asks for" : "no longer asks for", via_names[via]);
  rc_site_floor_announce(sf->store, sf->meeting, sid);
  return rc_site_floor_json(sf->store, sid);
}

json_t *
rc_site_floor_ask(rc_site_floor *sf, gint64 sid, gint64 site_id, rc_site_floor_via via, gint64 by, GError **error)
{
  return change(sf, sid, site_id, TRUE, via, by, error);
}

json_t *
rc_site_floor_withdraw(rc_site_floor *sf, gint64 sid, gint64 site_id, rc_site_floor_via via, gint64 by,
                       GError **error)
{
  return change(sf, sid, site_id, FALSE, via, by, error);
}

static void
on_domain(const rc_domain_event *e, gpointer data)
{
  rc_site_floor *sf = data;
  g_autoptr(GError) error = NULL;
  int dropped = 0;
  if ((e->kind == RC_DOMAIN_SESSION_ENDED || e->kind == RC_DOMAIN_SITES_CHANGED) &&
      !rc_store_site_floor_any(sf->store, e->session_id))
    return; /* nobody asks: nothing to write (a write that changes nothing is still a commit) */
  if (e->kind == RC_DOMAIN_SESSION_ENDED)
    dropped = rc_store_site_floor_end(sf->store, e->session_id, 0, "dropped", &error);
  else if (e->kind == RC_DOMAIN_SITES_CHANGED)
    dropped = rc_store_site_floor_drop_absent(sf->store, e->session_id, &error);
  if (dropped < 0)
    g_warning("session %" G_GINT64_FORMAT ": the sites' requests for the floor cannot be dropped: %s", e->session_id,
              error->message);
  if (dropped > 0) {
    g_message("session %" G_GINT64_FORMAT ": %d site(s) no longer ask for the floor (%s)", e->session_id, dropped,
              e->kind == RC_DOMAIN_SESSION_ENDED ? "the session ended" : "they left the session");
    rc_site_floor_announce(sf->store, sf->meeting, e->session_id);
  }
}

void
rc_site_floor_follow(rc_site_floor *sf, rc_domain *domain)
{
  rc_domain_subscribe(domain, on_domain, sf);
}
