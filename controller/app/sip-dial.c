/* sip-dial — the controller's own calls to a session's SIP sites: dialled
 * at [sip] dials_per_second when the session goes live, redialled with a
 * backoff, hung up on request (see sip-calls.h). Main loop only. */
#define G_LOG_DOMAIN "roomctl-sip"
#include "app/sip-calls-private.h"
#include "base/rc-error.h"

#include <sodium.h>
#include <string.h>

/* ---- dial-out ----------------------------------------------------------- */

/* Whether @site_id has a call up (or being made) in @session_id. */
static gboolean
has_call(rc_sip_calls *c, gint64 session_id, gint64 site_id)
{
  GPtrArray *list = g_hash_table_lookup(c->sessions, &session_id);
  for (guint i = 0; list && i < list->len; i++)
    if (((call_record *)list->pdata[i])->site_id == site_id && ((call_record *)list->pdata[i])->call)
      return TRUE;
  return FALSE;
}

/* "sip:roomctl@HOST[:PORT]", the From of our calls. (transfer full) */
static char *
our_uri(rc_sip_calls *c)
{
  g_autofree char *conference = rc_sip_calls_conference(c, 0);
  return g_strdup_printf("sip:roomctl@%s", strchr(conference, '@') + 1);
}

/* Who our call to @uri is from: with the site's credentials, that user at
 * the domain called (a registrar or another controller challenges the
 * users it knows: the From names the account the digest answers for, as a
 * phone's does), else our own URI. (transfer full) */
static char *
calling_as(rc_sip_calls *c, const char *uri, const char *user)
{
  if (!user || !*user)
    return our_uri(c);
  const char *at = strchr(uri, '@'), *colon = strchr(uri, ':');
  const char *domain = at ? at + 1 : colon ? colon + 1 : uri;
  gsize n = strcspn(domain, ";?>");
  return g_strdup_printf("%s:%s@%.*s", g_str_has_prefix(uri, "sips:") ? "sips" : "sip", user, (int)n, domain);
}

/* The answer to a call we made. */
void
sipc_host_answered(gpointer data, rc_sip_call *call, gpointer call_data, const char *sdp, gsize len)
{
  rc_sip_calls *c = data;
  call_record *r = call_data;
  g_autoptr(GError) error = NULL;
  rc_sip_sdp_offer answer;
  if (sdp && sipc_read_sdp(c, r, sdp, len, &answer, &error)) {
    r->offer = answer;
    sodium_memzero(&answer, sizeof answer);
    r->negotiated = TRUE;
    r->on_hold = rc_sip_sdp_on_hold(&r->offer);
    if (g_strcmp0(r->state, "connected") == 0) /* the ACK's answer to our offer in a call */
      sipc_announce(c, r);
    return;
  }
  g_autofree char *why = g_strdup_printf("the answer is not acceptable: %s", error ? error->message : "it has no SDP");
  g_message("sip: site %s, session %" G_GINT64_FORMAT ": %s", r->site_code, r->session_id, why);
  rc_sip_call_hangup(call);
}

/* Calls @site_id for @session_id when it is still in that live session
 * and has no call up. */
static void
dial(rc_sip_calls *c, gint64 session_id, gint64 site_id)
{
  g_autoptr(json_t) live = rc_store_site_live_session(c->store, site_id, NULL);
  g_autoptr(json_t) site = rc_store_sip_site(c->store, site_id, NULL);
  const char *address = site ? json_string_value(json_object_get(site, "address")) : NULL;
  if (!live || json_integer_value(json_object_get(live, "id")) != session_id || !address || !*address ||
      has_call(c, session_id, site_id))
    return;
  g_autofree char *uri = g_str_has_prefix(address, "sip:") || g_str_has_prefix(address, "sips:")
                             ? g_strdup(address)
                             : g_strdup_printf("sip:%s", address);
  const char *user = json_string_value(json_object_get(site, "sip_user"));
  const char *password = json_string_value(json_object_get(site, "sip_password"));
  g_autofree char *from = calling_as(c, uri, user);
  rc_sip_invite inv = {.call_id = "", .transport = "", .from = from, .source = uri};
  call_record *r = sipc_record_new(c, session_id, site, "controller", &inv);
  r->outgoing = TRUE;
  sipc_set_text(&r->state, "calling");
  sipc_local_media(c, r);
  g_autofree char *offer = sipc_local_sdp(r, FALSE);
  c->dialled++;
  g_message("sip: calling site %s (%s) for session %" G_GINT64_FORMAT, r->site_code, uri, session_id);
  r->call = rc_sip_call_invite(c->sip, uri, from, offer, user, password, r);
  sipc_announce(c, r);
}

static gboolean
dial_next(gpointer data)
{
  rc_sip_calls *c = data;
  dial_job *job = g_queue_pop_head(c->dials);
  if (job) {
    dial(c, job->session_id, job->site_id);
    g_free(job);
  }
  if (!g_queue_is_empty(c->dials))
    return G_SOURCE_CONTINUE;
  c->dial_timer = 0;
  return G_SOURCE_REMOVE;
}

/* Queues a call to @site_id (0: every SIP site of the session with an address). */
void
sipc_queue_dials(rc_sip_calls *c, gint64 session_id, gint64 site_id)
{
  g_autoptr(json_t) sites = rc_store_session_sites(c->store, session_id, NULL);
  size_t i;
  json_t *site;
  json_array_foreach(sites, i, site)
  {
    gint64 id = json_integer_value(json_object_get(site, "id"));
    const char *address = json_string_value(json_object_get(site, "address"));
    if ((site_id && id != site_id) || g_strcmp0(json_string_value(json_object_get(site, "transport")), "sip") ||
        !address || !*address)
      continue;
    dial_job *job = g_new0(dial_job, 1);
    job->session_id = session_id;
    job->site_id = id;
    g_queue_push_tail(c->dials, job);
  }
  if (!c->dial_timer && !g_queue_is_empty(c->dials))
    c->dial_timer = g_timeout_add(MAX(1, 1000 / c->config->sip_dials_per_second), dial_next, c);
}

static gboolean
redial_now(gpointer data)
{
  dial_job *job = data;
  rc_sip_calls *c = job->calls;
  g_hash_table_remove(c->redials, job);
  dial(c, job->session_id, job->site_id);
  g_free(job);
  return G_SOURCE_REMOVE;
}

/* The next try after 5, 10, 20, 40, then every 60 seconds. */
void
sipc_redial_later(rc_sip_calls *c, gint64 session_id, gint64 site_id)
{
  g_autofree char *key = sipc_attempts_key(session_id, site_id);
  guint failed = GPOINTER_TO_UINT(g_hash_table_lookup(c->attempts, key));
  g_hash_table_replace(c->attempts, g_strdup(key), GUINT_TO_POINTER(failed + 1));
  guint delay = MIN(60u, 5u << MIN(failed, 4u));
  dial_job *job = g_new0(dial_job, 1);
  job->calls = c;
  job->session_id = session_id;
  job->site_id = site_id;
  g_hash_table_insert(c->redials, job, GUINT_TO_POINTER(g_timeout_add_seconds(delay, redial_now, job)));
  g_message("sip: site %" G_GINT64_FORMAT " of session %" G_GINT64_FORMAT ": called again in %u s", site_id, session_id,
            delay);
}

gboolean
rc_sip_calls_dial(rc_sip_calls *c, gint64 session_id, gint64 site_id, GError **error)
{
  g_autoptr(json_t) session = rc_store_session_get(c->store, session_id, NULL);
  if (!session || g_strcmp0(json_string_value(json_object_get(session, "status")), "live")) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "session %" G_GINT64_FORMAT " is not live", session_id);
    return FALSE;
  }
  g_autofree char *key = sipc_attempts_key(session_id, site_id);
  if (site_id)
    g_hash_table_remove(c->attempts, key);
  sipc_queue_dials(c, session_id, site_id);
  return TRUE;
}


void
sipc_cancel_redials(rc_sip_calls *c)
{
  GHashTableIter it;
  gpointer job, timer;
  g_hash_table_iter_init(&it, c->redials);
  while (g_hash_table_iter_next(&it, &job, &timer)) {
    g_source_remove(GPOINTER_TO_UINT(timer));
    g_free(job);
    g_hash_table_iter_remove(&it);
  }
}

/* Drops the calls still to make to @site_id (0: any site) for
 * @session_id: queued ones and pending redials. How many went. */
static guint
drop_dials(rc_sip_calls *c, gint64 session_id, gint64 site_id)
{
  guint dropped = 0;
  for (GList *l = c->dials->head; l;) {
    GList *next = l->next;
    dial_job *job = l->data;
    if (job->session_id == session_id && (!site_id || job->site_id == site_id)) {
      g_free(job);
      g_queue_delete_link(c->dials, l);
      dropped++;
    }
    l = next;
  }
  GHashTableIter it;
  gpointer key, timer;
  g_hash_table_iter_init(&it, c->redials);
  while (g_hash_table_iter_next(&it, &key, &timer)) {
    dial_job *job = key;
    if (job->session_id != session_id || (site_id && job->site_id != site_id))
      continue;
    g_autofree char *attempts = sipc_attempts_key(job->session_id, job->site_id);
    g_hash_table_remove(c->attempts, attempts); /* a later dial starts the backoff again */
    g_source_remove(GPOINTER_TO_UINT(timer));
    g_free(job);
    g_hash_table_iter_remove(&it);
    dropped++;
  }
  return dropped;
}

gboolean
rc_sip_calls_hangup(rc_sip_calls *c, gint64 session_id, gint64 site_id, guint *ended, GError **error)
{
  guint n = 0, dropped = c ? drop_dials(c, session_id, site_id) : 0;
  GPtrArray *list = c ? g_hash_table_lookup(c->sessions, &session_id) : NULL;
  for (guint i = 0; list && i < list->len; i++) {
    call_record *r = list->pdata[i];
    if ((!site_id || r->site_id == site_id) && r->call) {
      rc_sip_call_hangup(r->call); /* the end comes later (call_state ENDED) */
      n++;
    }
  }
  if (ended)
    *ended = n;
  if (site_id && !n && !dropped) {
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND,
                "site %" G_GINT64_FORMAT " has no SIP call in session %" G_GINT64_FORMAT, site_id, session_id);
    return FALSE;
  }
  if (dropped)
    g_message("sip: session %" G_GINT64_FORMAT ": %u call(s) still to make dropped by a hang-up", session_id,
              dropped);
  return TRUE;
}
