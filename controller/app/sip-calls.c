/* sip-calls — see sip-calls.h. The stack asks (rc_sip_host); this file
 * answers from the store and keeps the records; sip-dial.c makes the
 * controller's own calls, sip-calls-view.c shows them (sip-calls-private.h). */
#define G_LOG_DOMAIN "roomctl-sip"
#include "app/sip-calls-private.h"
#include "media/media.h"
#include "base/rc-error.h"
#include "devices/sip.h"

#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>

static char *
now_text(void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  return g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");
}

static void
record_free(gpointer p)
{
  call_record *r = p;
  char **strings[] = {&r->site_code, &r->state,     &r->caller,       &r->call_id,      &r->from,
                      &r->source,    &r->transport, &r->started_at,   &r->ringing_at,   &r->connected_at,
                      &r->ended_at,  &r->ended_by,  &r->cause_phrase, &r->local_address};
  for (gsize i = 0; i < G_N_ELEMENTS(strings); i++)
    g_free(*strings[i]);
  sodium_memzero(&r->offer, sizeof r->offer);
  sodium_memzero(&r->video_key, sizeof r->video_key);
  sodium_memzero(&r->audio_key, sizeof r->audio_key);
  if (r->local_sdp) /* it holds our keys */
    sodium_memzero(r->local_sdp, strlen(r->local_sdp));
  g_free(r->local_sdp);
  g_free(r);
}

void
sipc_set_text(char **slot, const char *value)
{
  g_free(*slot);
  *slot = g_strdup(value);
}

/* ---- who calls ---------------------------------------------------------- */

/* The host part of a site's address: "sip:user@host:port;x" or "host[:port]". (transfer full) */
static char *
address_host(const char *address)
{
  const char *s = address;
  if (g_str_has_prefix(s, "sips:"))
    s += 5;
  else if (g_str_has_prefix(s, "sip:"))
    s += 4;
  const char *at = strchr(s, '@');
  if (at)
    s = at + 1;
  if (*s == '[') {
    const char *end = strchr(s, ']');
    return end ? g_strndup(s + 1, (gsize)(end - s - 1)) : NULL;
  }
  return g_strndup(s, strcspn(s, ":;?>"));
}

/* A site without SIP credentials configured at @ip. (transfer full) */
static json_t *
site_at_address(rc_sip_calls *c, const char *ip)
{
  g_autoptr(json_t) sites = rc_store_sip_sites(c->store, NULL);
  size_t i;
  json_t *site;
  json_array_foreach(sites, i, site)
  {
    const char *password = json_string_value(json_object_get(site, "sip_password"));
    g_autofree char *host = address_host(json_string_value(json_object_get(site, "address")));
    if ((!password || !*password) && host && *host && g_strcmp0(host, ip) == 0)
      return json_incref(site);
  }
  return NULL;
}

static char *
host_password(gpointer data, const char *user)
{
  rc_sip_calls *c = data;
  g_autoptr(json_t) site = rc_store_site_sip_secret(c->store, user, NULL);
  const char *password = site ? json_string_value(json_object_get(site, "sip_password")) : NULL;
  return password && *password ? g_strdup(password) : NULL;
}

/* One audit row a minute per source address (any port) and claimed caller. */
static void
audit_refusal(rc_sip_calls *c, const char *action, const char *who, const char *source, const char *detail)
{
  const char *colon = strrchr(source, ':');
  g_autofree char *ip = colon && !strchr(colon, ']') ? g_strndup(source, (gsize)(colon - source)) : g_strdup(source);
  g_autofree char *key = g_strdup_printf("%s %s %s", action, ip, who ? who : "");
  gint64 now = g_get_monotonic_time();
  const gint64 *last = g_hash_table_lookup(c->audited, key);
  if (last && now - *last < AUDIT_QUIET_US)
    return;
  if (g_hash_table_size(c->audited) >= AUDIT_KEEP) {
    GHashTableIter it;
    gpointer stale;
    g_hash_table_iter_init(&it, c->audited);
    while (g_hash_table_iter_next(&it, NULL, &stale))
      if (now - *(gint64 *)stale >= AUDIT_QUIET_US)
        g_hash_table_iter_remove(&it);
  }
  gint64 *at = g_new(gint64, 1);
  *at = now;
  g_hash_table_replace(c->audited, g_steal_pointer(&key), at);
  gboolean uri = who && (g_str_has_prefix(who, "sip:") || g_str_has_prefix(who, "sips:"));
  g_autofree char *target = uri ? g_strdup(who) : g_strdup_printf("sip:%s", who && *who ? who : "?");
  g_autoptr(GError) error = NULL;
  if (!rc_store_begin(c->store, &error) ||
      !rc_store_end(c->store, rc_store_audit(c->store, 0, action, target, detail, &error), &error))
    g_warning("sip: audit of a refusal: %s", error->message);
}

static void
host_refused(gpointer data, const char *method, const char *user, const char *source, int status, const char *why)
{
  g_autofree char *detail = g_strdup_printf("%s from %s: %d %s", method, source, status, why);
  audit_refusal(data, "sip.refused", user, source, detail);
}

/* The site that calls, NULL (transfer full), with how it is known. */
static json_t *
caller_site(rc_sip_calls *c, const rc_sip_invite *inv, const char **how)
{
  if (inv->caller != RC_SIP_CALLER_UNKNOWN) {
    *how = inv->caller == RC_SIP_CALLER_DIGEST ? "digest" : "registered";
    return rc_store_site_sip_secret(c->store, inv->user, NULL);
  }
  *how = "address";
  return site_at_address(c, inv->source_ip);
}

/* "phien-12" or "12" → 12; 0 for anything else. */
static gint64
conference_session(const char *conference)
{
  const char *digits = g_str_has_prefix(conference, "phien-") ? conference + 6 : conference;
  gsize n = strlen(digits);
  if (n == 0 || n > 15 || strspn(digits, "0123456789") != n)
    return 0;
  return g_ascii_strtoll(digits, NULL, 10);
}

/* ---- the answer --------------------------------------------------------- */

static const char *
media_address(rc_sip_calls *c)
{
  rc_config *cfg = c->config;
  if (*cfg->sip_media_address)
    return cfg->sip_media_address;
  if (*cfg->media_listen && !g_str_equal(cfg->media_listen, "0.0.0.0") && !g_str_equal(cfg->media_listen, "::"))
    return cfg->media_listen;
  return "127.0.0.1";
}

/* Reads @sdp (an offer, or the answer to ours) into @out under @r's media security. */
gboolean
sipc_read_sdp(rc_sip_calls *c, const call_record *r, const char *sdp, gsize len, rc_sip_sdp_offer *out, GError **error)
{
  rc_sip_sdp_tier tiers[8];
  guint n = MIN(c->config->tiers->len, G_N_ELEMENTS(tiers));
  for (guint i = 0; i < n; i++)
    tiers[i] = (rc_sip_sdp_tier){g_array_index(c->config->tiers, rc_tier, i).width,
                                 g_array_index(c->config->tiers, rc_tier, i).height};
  return rc_sip_sdp_offer_parse(sdp, len, r->srtp, tiers, n, c->config->media_fps, out, error);
}

/* Our SDP for @r: the answer to @r->offer (@answer) or our offer, with
 * the next o= version; kept as @r->local_sdp. (transfer full) */
char *
sipc_local_sdp(call_record *r, gboolean answer)
{
  rc_sip_sdp_local local = {
      r->local_address, r->video_port, r->audio_port, &r->video_key, &r->audio_key, r->sdp_session, ++r->sdp_version};
  char *text = answer ? rc_sip_sdp_answer(&r->offer, &local) : rc_sip_sdp_offer_text(&local, r->srtp);
  if (r->local_sdp)
    sodium_memzero(r->local_sdp, strlen(r->local_sdp));
  g_free(r->local_sdp);
  r->local_sdp = g_strdup(text);
  return text;
}

/* Our keys, media address and ports for a new call. */
void
sipc_local_media(rc_sip_calls *c, call_record *r)
{
  randombytes_buf(r->video_key.key, sizeof r->video_key.key);
  randombytes_buf(r->audio_key.key, sizeof r->audio_key.key);
  r->local_address = g_strdup(media_address(c));
  r->video_port = c->config->media_video_port;
  r->audio_port = c->config->media_audio_port;
  r->sdp_session = (guint64)g_get_real_time();
}

/* Parses the offer for @r's site and makes the answer into @d. */
static void
negotiate(rc_sip_calls *c, call_record *r, const rc_sip_invite *inv, rc_sip_decision *d)
{
  g_autoptr(GError) error = NULL;
  if (!inv->sdp) {
    d->status = 488;
    d->phrase = g_strdup("Not Acceptable Here (the INVITE must carry an SDP offer)");
    return;
  }
  if (!sipc_read_sdp(c, r, inv->sdp, inv->sdp_len, &r->offer, &error)) {
    d->status = error->code == RC_SIP_SDP_ERROR_MALFORMED ? 400 : 488;
    d->phrase = g_strdup_printf("%s (%s)", d->status == 400 ? "Bad Request" : "Not Acceptable Here", error->message);
    return;
  }
  sipc_local_media(c, r);
  d->answer = sipc_local_sdp(r, TRUE);
  d->status = 200;
  r->negotiated = TRUE;
  r->on_hold = rc_sip_sdp_on_hold(&r->offer);
}

/* ---- records ------------------------------------------------------------ */


/* ---- the stored story (store-sip.c): each change written as it happens -- */

enum { STORED_ROW = 1, STORED_RINGING = 2, STORED_CONNECTED = 4, STORED_MEDIA = 8, STORED_ENDED = 16 };

/* Adds @r's row; @r takes its id (ids stay in order across restarts). */
static gboolean
store_call(rc_sip_calls *c, call_record *r, GError **error)
{
  rc_store_sip_call row = {.session_id = r->session_id,
                           .site_id = r->site_id,
                           .site_code = r->site_code,
                           .outgoing = r->outgoing,
                           .call_id = r->call_id,
                           .state = r->state,
                           .caller = r->caller,
                           .from = r->from,
                           .source = r->source,
                           .transport = r->transport,
                           .srtp_policy = rc_sip_srtp_name(r->srtp),
                           .started_at = r->started_at,
                           .id = r->id};
  gint64 id = rc_store_sip_call_add(c->store, &row, error);
  if (!id)
    return FALSE;
  r->id = id;
  c->next_id = MAX(c->next_id, id);
  return TRUE;
}

/* The codecs @r negotiated, and whether each stream it has is SRTP. */
static gboolean
store_media(rc_sip_calls *c, const call_record *r, GError **error)
{
  const rc_sip_sdp_stream *v = &r->offer.video, *a = &r->offer.audio;
  gboolean srtp = (v->index < 0 || v->secure) && (a->index < 0 || a->secure) && (v->index >= 0 || a->index >= 0);
  return rc_store_sip_call_media(c->store, r->id, v->index >= 0 ? v->encoding : NULL,
                                 a->index >= 0 ? a->encoding : NULL, srtp, error);
}

/* Writes what changed in @r since the last time, within the caller's
 * transaction: its row when new, then ringing, connected, the media and
 * the end. */
static gboolean
store_story(rc_sip_calls *c, call_record *r, GError **error)
{
  gboolean ok = TRUE;
  if (ok && !(r->stored & STORED_ROW) && (ok = store_call(c, r, error)))
    r->stored |= STORED_ROW;
  if (ok && r->ringing_at && !(r->stored & STORED_RINGING) &&
      (ok = rc_store_sip_call_ringing(c->store, r->id, r->state, r->ringing_at, error)))
    r->stored |= STORED_RINGING;
  if (ok && r->connected_at && !(r->stored & STORED_CONNECTED) &&
      (ok = rc_store_sip_call_connected(c->store, r->id, r->connected_at, error)))
    r->stored |= STORED_CONNECTED;
  if (ok && r->negotiated && (!(r->stored & STORED_MEDIA) || r->stored_reoffers != r->reoffers) &&
      (ok = store_media(c, r, error))) {
    r->stored |= STORED_MEDIA;
    r->stored_reoffers = r->reoffers;
  }
  if (ok && r->ended_at && !(r->stored & STORED_ENDED) &&
      (ok = rc_store_sip_call_ended(c->store, r->id, r->state, r->ended_at, r->ended_by, r->cause, r->cause_phrase,
                                    error)))
    r->stored |= STORED_ENDED;
  return ok;
}

/* Writes the changes of every record announced since the last time, in one
 * transaction (a burst of calls: one commit, not two a call). A failure is
 * logged and rolled back; those records are written again at their next
 * change. */
static gboolean
store_unstored(gpointer data)
{
  rc_sip_calls *c = data;
  c->store_timer = 0;
  if (!c->unstored->len)
    return G_SOURCE_REMOVE;
  g_autoptr(GError) error = NULL;
  g_autofree guint *was = g_new(guint, c->unstored->len);
  gboolean began = rc_store_begin(c->store, &error), ok = began;
  for (guint i = 0; i < c->unstored->len; i++) {
    call_record *r = c->unstored->pdata[i];
    was[i] = r->stored;
    if (ok && !store_story(c, r, &error))
      ok = FALSE;
  }
  if (ok)
    ok = rc_store_end(c->store, TRUE, &error);
  else if (began)
    rc_store_end(c->store, FALSE, NULL);
  for (guint i = 0; i < c->unstored->len; i++) {
    call_record *r = c->unstored->pdata[i];
    r->unstored = FALSE;
    if (!ok)
      r->stored = was[i];
  }
  if (!ok)
    g_warning("sip: %u call record(s) not stored: %s", c->unstored->len, error ? error->message : "?");
  g_ptr_array_set_size(c->unstored, 0);
  return G_SOURCE_REMOVE;
}

void
sipc_store_now(rc_sip_calls *c)
{
  g_clear_handle_id(&c->store_timer, g_source_remove);
  store_unstored(c);
}

/* At start: the calls an earlier run left open end ('restart'), and the
 * new records' ids follow the stored ones. */
static void
recover_records(rc_sip_calls *c)
{
  g_autoptr(GError) error = NULL;
  gint64 closed = rc_store_sip_calls_recover(c->store, &c->next_id, &error);
  if (closed < 0)
    g_warning("sip: the stored call records: %s", error->message);
  else if (closed > 0)
    g_message("sip: %" G_GINT64_FORMAT " call record(s) left open by the last run end as 'restart'", closed);
}

/* Appends to @out the stored records of @session_id older than those in
 * memory (@list): an earlier run's, and this run's past KEEP_RECORDS. */
void
sipc_append_stored(rc_sip_calls *c, gint64 session_id, GPtrArray *list, json_t *out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(json_t) stored = rc_store_sip_calls(c->store, session_id, KEEP_RECORDS, &error);
  if (!stored) {
    g_warning("sip: session %" G_GINT64_FORMAT ": the stored call records: %s", session_id, error->message);
    return;
  }
  gint64 first = list && list->len ? ((call_record *)list->pdata[0])->id : G_MAXINT64;
  size_t i;
  json_t *row;
  json_array_foreach(stored, i, row)
  {
    if (json_integer_value(json_object_get(row, "id")) < first)
      json_array_append(out, row);
  }
}

static void follow_media(rc_sip_calls *c, const call_record *r);

/* Writes @r's change to the store, and tells who follows that @r changed:
 * the media, the domain, and the session's technicians (a transient event:
 * GET …/sip/calls is the snapshot). */
void
sipc_announce(rc_sip_calls *c, call_record *r)
{
  if (!r->unstored) {
    r->unstored = TRUE;
    g_ptr_array_add(c->unstored, r);
  }
  if (!c->store_timer)
    c->store_timer = g_timeout_add(STORE_BATCH_MS, store_unstored, c);
  follow_media(c, r);
  if (c->domain) {
    rc_domain_event e = {
        .kind = RC_DOMAIN_SIP_CALL, .session_id = r->session_id, .site_id = r->site_id, .call_id = r->id};
    rc_domain_publish(c->domain, &e);
  }
  if (c->meeting)
    rc_meeting_send(c->meeting, r->session_id, RC_EVENT_SIP_CALL, json_pack("{so}", "call", sipc_record_json(r)));
}

static GPtrArray *
session_records(rc_sip_calls *c, gint64 session_id)
{
  GPtrArray *list = g_hash_table_lookup(c->sessions, &session_id);
  if (!list) {
    gint64 *key = g_new(gint64, 1);
    *key = session_id;
    list = g_ptr_array_new_with_free_func(record_free);
    g_hash_table_insert(c->sessions, key, list);
  }
  return list;
}

/* A new record in @session_id's list; the oldest ended ones go past KEEP_RECORDS. */
call_record *
sipc_record_new(rc_sip_calls *c, gint64 session_id, json_t *site, const char *how, const rc_sip_invite *inv)
{
  GPtrArray *list = session_records(c, session_id);
  if (list->len >= KEEP_RECORDS)
    sipc_store_now(c); /* the ended records that go below are written first */
  for (guint i = 0; list->len >= KEEP_RECORDS && i < list->len;)
    if (!((call_record *)list->pdata[i])->call)
      g_ptr_array_remove_index(list, i);
    else
      i++;
  call_record *r = g_new0(call_record, 1);
  r->id = ++c->next_id;
  r->session_id = session_id;
  r->site_id = json_integer_value(json_object_get(site, "id"));
  r->site_code = g_strdup(json_string_value(json_object_get(site, "code")));
  r->caller = g_strdup(how);
  r->call_id = g_strdup(inv->call_id);
  r->from = g_strdup(inv->from);
  r->source = g_strdup(inv->source);
  r->transport = g_strdup(inv->transport);
  r->started_at = now_text();
  r->state = g_strdup("ringing");
  const char *srtp = json_string_value(json_object_get(site, "srtp"));
  if (!rc_sip_srtp_parse(srtp, &r->srtp))
    rc_sip_srtp_parse(rc_config_sip_srtp(c->config), &r->srtp);
  g_autoptr(json_t) session = rc_store_session_get(c->store, session_id, NULL);
  if (json_is_true(json_object_get(session, "closed"))) /* phiên họp kín: nothing in clear, both ways */
    r->srtp = RC_SIP_SRTP_REQUIRED;
  g_ptr_array_add(list, r);
  return r;
}

static void
host_invite(gpointer data, rc_sip_call *call, const rc_sip_invite *inv, rc_sip_decision *d)
{
  rc_sip_calls *c = data;
  const char *how = NULL;
  g_autoptr(json_t) site = caller_site(c, inv, &how);
  if (!site) {
    g_message("sip: INVITE from %s (%s) to '%s': unknown caller, 403", inv->source, inv->from, inv->conference);
    g_autofree char *detail =
        g_strdup_printf("INVITE from %s (%s) to %s: 403 unknown caller", inv->source, inv->from, inv->conference);
    audit_refusal(c, "sip.refused", inv->from, inv->source, detail);
    d->status = 403;
    d->phrase = g_strdup("Forbidden (unknown caller)");
    return;
  }
  gint64 site_id = json_integer_value(json_object_get(site, "id"));
  const char *code = json_string_value(json_object_get(site, "code"));
  gint64 wanted = conference_session(inv->conference);
  g_autoptr(json_t) live = rc_store_site_live_session(c->store, site_id, NULL);
  gint64 live_id = live ? json_integer_value(json_object_get(live, "id")) : 0;
  if (!wanted || wanted != live_id) {
    g_message("sip: site %s calls '%s': not a live session it is in, 404", code, inv->conference);
    d->status = 404;
    d->phrase = g_strdup("Not Found (no such live session with this site)");
    return;
  }
  call_record *r = sipc_record_new(c, live_id, site, how, inv);
  negotiate(c, r, inv, d);
  if (d->status != 200) {
    g_message("sip: site %s in session %" G_GINT64_FORMAT ": %d %s", code, live_id, d->status, d->phrase);
    if (r->srtp == RC_SIP_SRTP_REQUIRED && d->status == 488) { /* audited: a closed session's refusal, say */
      g_autofree char *detail = g_strdup_printf("INVITE from %s (site %s, session %" G_GINT64_FORMAT "): %d %s",
                                                inv->source, code, live_id, d->status, d->phrase);
      audit_refusal(c, "sip.refused", inv->from, inv->source, detail);
    }
    sipc_set_text(&r->state, "refused");
    r->cause = d->status;
    r->cause_phrase = g_strdup(d->phrase);
    r->ended_at = now_text();
    sipc_announce(c, r);
    return;
  }
  r->call = call;
  d->call_data = r;
  sipc_announce(c, r);
  g_message("sip: site %s joins session %" G_GINT64_FORMAT " (%s, %s): video %s, audio %s, %s", code, live_id, how,
            inv->transport, r->offer.video.index >= 0 ? r->offer.video.encoding : "none",
            r->offer.audio.index >= 0 ? r->offer.audio.encoding : "none",
            (r->offer.video.index < 0 || r->offer.video.secure) && (r->offer.audio.index < 0 || r->offer.audio.secure)
                ? "SRTP"
                : "plain RTP");
}

/* A new offer within @r's call: answered under the site's media security
 * (our keys, ports and o= session stay; its version goes up), or refused
 * (488, 400) with the call unchanged. An offerless re-INVITE gets our last
 * SDP again as the offer. */
static void
host_reoffer(gpointer data, rc_sip_call *call, gpointer call_data, const char *sdp, gsize len, rc_sip_decision *d)
{
  rc_sip_calls *c = data;
  call_record *r = call_data;
  (void)call;
  if (!sdp) {
    d->status = 200;
    d->answer = g_strdup(r->local_sdp);
    return;
  }
  g_autoptr(GError) error = NULL;
  rc_sip_sdp_offer offer;
  if (!sipc_read_sdp(c, r, sdp, len, &offer, &error)) {
    d->status = error->code == RC_SIP_SDP_ERROR_MALFORMED ? 400 : 488;
    d->phrase = g_strdup_printf("%s (%s)", d->status == 400 ? "Bad Request" : "Not Acceptable Here", error->message);
    g_message("sip: site %s, session %" G_GINT64_FORMAT ": a new offer refused, the call goes on as it was: %d %s",
              r->site_code, r->session_id, d->status, d->phrase);
    return;
  }
  gboolean was_on_hold = r->on_hold;
  r->offer = offer;
  sodium_memzero(&offer, sizeof offer);
  r->negotiated = TRUE;
  r->on_hold = rc_sip_sdp_on_hold(&r->offer);
  r->reoffers++;
  d->answer = sipc_local_sdp(r, TRUE);
  d->status = 200;
  g_message("sip: site %s, session %" G_GINT64_FORMAT ": new offer taken: video %s, audio %s%s", r->site_code,
            r->session_id, r->offer.video.index >= 0 ? r->offer.video.encoding : "none",
            r->offer.audio.index >= 0 ? r->offer.audio.encoding : "none",
            r->on_hold != was_on_hold ? (r->on_hold ? ", on hold (not sending)" : ", resumed") : "");
  sipc_announce(c, r);
}


char *
sipc_attempts_key(gint64 session_id, gint64 site_id)
{
  return g_strdup_printf("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT, session_id, site_id);
}

static void
host_call_state(gpointer data, rc_sip_call *call, gpointer call_data, rc_sip_call_state state, int status,
                const char *phrase, rc_sip_end end)
{
  rc_sip_calls *c = data;
  call_record *r = call_data;
  (void)call;
  if (state == RC_SIP_CALL_RINGING) {
    r->ringing_at = now_text();
    if (r->outgoing)
      sipc_set_text(&r->state, "ringing");
  } else if (state == RC_SIP_CALL_CONNECTED) {
    sipc_set_text(&r->state, "connected");
    r->connected_at = now_text();
    g_autofree char *key = sipc_attempts_key(r->session_id, r->site_id);
    if (r->outgoing) /* a call that got through: the backoff starts again */
      g_hash_table_remove(c->attempts, key);
  } else {
    sipc_set_text(&r->state, "ended");
    r->ended_at = now_text();
    r->ended_by = g_strdup(end == RC_SIP_END_SITE ? "site" : end == RC_SIP_END_TIMER ? "timer" : "controller");
    r->cause = status;
    r->cause_phrase = g_strdup(phrase);
    r->call = NULL;
    if (end == RC_SIP_END_SITE)
      c->ended_by_site++;
    else if (end == RC_SIP_END_TIMER)
      c->ended_by_timer++;
    else
      c->ended_by_controller++;
    g_message("sip: site %s left session %" G_GINT64_FORMAT ": %d %s (by the %s)", r->site_code, r->session_id, status,
              phrase, r->ended_by);
    /* A call we made that failed or dropped (its session timer too) is
     * made again, later and later; one the controller ended is not. */
    if (r->outgoing && end != RC_SIP_END_CONTROLLER && !c->stopping)
      sipc_redial_later(c, r->session_id, r->site_id);
  }
  sipc_announce(c, r);
}

static void
host_registered(gpointer data, const char *user, const char *contact, const char *source, int expires)
{
  (void)data, (void)user, (void)contact, (void)source, (void)expires; /* rc_sip logs it; the API asks the stack */
}

/* ---- INFO within a call -------------------------------------------------- */

/* A digit @r's site keyed (@how: "INFO" or "RTP"): kept (the last
 * RC_SIP_CALLS_DTMF_KEEP), published like any change, and what the
 * sequence means (keypad.h) goes to the keypad callback. */
static void
keyed(rc_sip_calls *c, call_record *r, char digit, guint duration_ms, const char *how)
{
  gsize n = strlen(r->dtmf);
  if (n == RC_SIP_CALLS_DTMF_KEEP) /* the oldest goes */
    memmove(r->dtmf, r->dtmf + 1, --n);
  r->dtmf[n] = digit;
  r->dtmf[n + 1] = '\0';
  g_message("sip: site %s, session %" G_GINT64_FORMAT ": keyed %c (%s, %u ms), its last digits %s", r->site_code,
            r->session_id, digit, how, duration_ms, r->dtmf);
  sipc_announce(c, r);
  rc_keypad_action action = rc_keypad_feed(&r->keypad, digit, g_get_monotonic_time() / 1000);
  if (action != RC_KEYPAD_NONE && c->keypad)
    c->keypad(r->session_id, r->site_id, action, c->keypad_data);
}

/* A site's INFO asks for something: a keyframe of the program, or a digit. */
static void
host_info(gpointer data, rc_sip_call *call, gpointer call_data, const rc_sip_info *info)
{
  rc_sip_calls *c = data;
  call_record *r = call_data;
  (void)call;
  if (info->kind == RC_SIP_INFO_FAST_UPDATE) {
    g_debug("sip: site %s, session %" G_GINT64_FORMAT ": INFO picture_fast_update", r->site_code, r->session_id);
    if (c->keyframe)
      c->keyframe(r->session_id, r->site_id, c->keyframe_data);
  } else if (info->kind == RC_SIP_INFO_DTMF) {
    keyed(c, r, info->digit, info->duration_ms, "INFO");
  }
}

void
rc_sip_calls_on_keypad(rc_sip_calls *c, rc_sip_calls_keypad_fn fn, gpointer data)
{
  c->keypad = fn;
  c->keypad_data = data;
}

/* @site_id's connected call in @session_id, or NULL. */
static call_record *
connected_call(rc_sip_calls *c, gint64 session_id, gint64 site_id)
{
  GPtrArray *list = c ? g_hash_table_lookup(c->sessions, &session_id) : NULL;
  for (guint i = 0; list && i < list->len; i++) {
    call_record *r = list->pdata[i];
    if (r->site_id == site_id && r->call && g_strcmp0(r->state, "connected") == 0)
      return r;
  }
  return NULL;
}

gboolean
rc_sip_calls_send_keys(rc_sip_calls *c, gint64 session_id, gint64 site_id, const char *keys, GError **error)
{
  call_record *r = connected_call(c, session_id, site_id);
  if (!r) {
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND,
                "site %" G_GINT64_FORMAT " has no connected SIP call in session %" G_GINT64_FORMAT, site_id, session_id);
    return FALSE;
  }
  for (const char *k = keys; *k; k++) {
    g_autofree char *body = g_strdup_printf("Signal=%c\r\nDuration=160\r\n", *k);
    if (!rc_sip_call_info(r->call, "application/dtmf-relay", body)) {
      g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "site %s's call is ending", r->site_code);
      return FALSE;
    }
  }
  g_message("sip: site %s, session %" G_GINT64_FORMAT ": keyed %s to it (INFO dtmf-relay)", r->site_code, session_id,
            keys);
  return TRUE;
}

gboolean
rc_sip_calls_keyed(rc_sip_calls *c, gint64 session_id, gint64 site_id, char digit, guint duration_ms)
{
  call_record *r = connected_call(c, session_id, site_id);
  if (r)
    keyed(c, r, digit, duration_ms, "RTP");
  return r != NULL;
}

void
rc_sip_calls_on_keyframe(rc_sip_calls *c, rc_sip_calls_keyframe_fn fn, gpointer data)
{
  c->keyframe = fn;
  c->keyframe_data = data;
}

gboolean
rc_sip_calls_fast_update(rc_sip_calls *c, gint64 session_id, gint64 site_id, GError **error)
{
  GPtrArray *list = c ? g_hash_table_lookup(c->sessions, &session_id) : NULL;
  for (guint i = 0; list && i < list->len; i++) {
    call_record *r = list->pdata[i];
    if (r->site_id == site_id && r->call && g_strcmp0(r->state, "connected") == 0 &&
        rc_sip_call_info(r->call, RC_SIP_INFO_MEDIA_CONTROL, rc_sip_info_fast_update_body)) {
      g_message("sip: site %s, session %" G_GINT64_FORMAT ": INFO picture_fast_update sent", r->site_code, session_id);
      return TRUE;
    }
  }
  g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND,
              "site %" G_GINT64_FORMAT " has no connected SIP call in session %" G_GINT64_FORMAT, site_id, session_id);
  return FALSE;
}



/* ---- life --------------------------------------------------------------- */

/* Builds the stack's settings from [sip]; TLS with the HTTPS certificate
 * as sofia reads it: DATA/sip-tls/agent.pem, the key then the chain. */
static gboolean
settings_of(rc_config *cfg, rc_sip_settings *s, char **tls_dir, GError **error)
{
  g_auto(GStrv) names = g_strsplit(cfg->sip_transports, ",", -1);
  for (char **t = names; *t; t++) {
    g_strstrip(*t);
    s->udp |= g_str_equal(*t, "udp");
    s->tcp |= g_str_equal(*t, "tcp");
    s->tls |= g_str_equal(*t, "tls");
  }
  s->listen = *cfg->sip_listen ? cfg->sip_listen : cfg->listen;
  s->port = cfg->sip_port;
  s->tls_port = cfg->sip_tls_port;
  s->realm = cfg->sip_realm;
  s->register_min = cfg->sip_register_min_seconds;
  s->register_max = cfg->sip_register_max_seconds;
  s->requests_per_second = cfg->sip_requests_per_second;
  s->session_expires = cfg->sip_session_expires;
  s->min_se = cfg->sip_min_se;
  if (!s->tls)
    return TRUE;
  *tls_dir = g_build_filename(cfg->data_dir, "sip-tls", NULL);
  g_autofree char *key = NULL, *cert = NULL;
  if (!g_file_get_contents(cfg->tls_key, &key, NULL, error) || !g_file_get_contents(cfg->tls_cert, &cert, NULL, error))
    return FALSE;
  g_autofree char *agent = g_build_filename(*tls_dir, "agent.pem", NULL);
  g_autofree char *both = g_strconcat(key, "\n", cert, NULL);
  gboolean ok = g_mkdir_with_parents(*tls_dir, 0700) == 0 &&
                g_file_set_contents_full(agent, both, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
  sodium_memzero(key, strlen(key));
  sodium_memzero(both, strlen(both));
  s->tls_dir = *tls_dir;
  return ok;
}

rc_sip_calls *
rc_sip_calls_new(rc_config *config, rc_store *store, GError **error)
{
  if (config->sip_port == 0)
    return NULL;
  rc_sip_calls *c = g_new0(rc_sip_calls, 1);
  c->config = config;
  c->store = store;
  recover_records(c);
  c->sessions = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
  c->unstored = g_ptr_array_new();
  c->audited = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  c->dials = g_queue_new();
  c->attempts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  c->redials = g_hash_table_new(NULL, NULL);
  rc_sip_settings settings = {0};
  g_autofree char *tls_dir = NULL;
  rc_sip_host host = {c,           host_password,   host_invite, sipc_host_answered, host_reoffer, host_call_state,
                      host_registered, host_refused,    host_info};
  if (!settings_of(config, &settings, &tls_dir, error) || !(c->sip = rc_sip_new(&settings, &host, error))) {
    rc_sip_calls_free(c);
    return NULL;
  }
  return c;
}


void
rc_sip_calls_free(rc_sip_calls *c)
{
  if (!c)
    return;
  rc_sip_calls_follow(c, NULL, NULL);
  g_clear_handle_id(&c->dial_timer, g_source_remove);
  sipc_cancel_redials(c);
  c->stopping = TRUE;                    /* the calls that end below redial nothing */
  g_clear_pointer(&c->sip, rc_sip_free); /* its calls end first: the records are still here */
  sipc_store_now(c);                     /* and are written before they go */
  g_ptr_array_unref(c->unstored);
  g_hash_table_unref(c->sessions);
  g_hash_table_unref(c->audited);
  g_queue_free_full(c->dials, g_free);
  g_hash_table_unref(c->attempts);
  g_hash_table_unref(c->redials);
  g_free(c);
}

/* Hangs up the live calls of @session_id whose site is not in it (all
 * when it ended). */
static void
hang_up_outside(rc_sip_calls *c, gint64 session_id, gboolean ended)
{
  GPtrArray *list = g_hash_table_lookup(c->sessions, &session_id);
  for (guint i = 0; list && i < list->len; i++) {
    call_record *r = list->pdata[i];
    if (!r->call)
      continue;
    g_autoptr(json_t) live = ended ? NULL : rc_store_site_live_session(c->store, r->site_id, NULL);
    if (!live || json_integer_value(json_object_get(live, "id")) != session_id)
      rc_sip_call_hangup(r->call);
  }
}

static void
on_domain(const rc_domain_event *e, gpointer data)
{
  rc_sip_calls *c = data;
  if (e->kind == RC_DOMAIN_SESSION_LIVE && c->config->sip_dial_out)
    sipc_queue_dials(c, e->session_id, 0);
  else if (e->kind == RC_DOMAIN_SESSION_ENDED)
    hang_up_outside(data, e->session_id, TRUE);
  else if (e->kind == RC_DOMAIN_SITES_CHANGED)
    hang_up_outside(data, e->session_id, FALSE);
}

void
rc_sip_calls_follow(rc_sip_calls *c, rc_domain *domain, rc_meeting *meeting)
{
  if (c->domain)
    rc_domain_unsubscribe(c->domain, on_domain, c);
  c->domain = domain;
  c->meeting = meeting;
  if (domain)
    rc_domain_subscribe(domain, on_domain, c);
}


gboolean
rc_sip_calls_media(rc_sip_calls *c, gint64 session_id, gint64 site_id, rc_sip_sdp_offer *offer,
                   rc_sip_crypto *video_key, rc_sip_crypto *audio_key)
{
  GPtrArray *list = c ? g_hash_table_lookup(c->sessions, &session_id) : NULL;
  for (guint i = 0; list && i < list->len; i++) {
    call_record *r = list->pdata[i];
    if (r->site_id == site_id && r->call && r->negotiated) {
      *offer = r->offer;
      *video_key = r->video_key;
      *audio_key = r->audio_key;
      return TRUE;
    }
  }
  return FALSE;
}

/* ---- media --------------------------------------------------------------- */

void
rc_sip_calls_set_media(rc_sip_calls *c, struct rc_media *media)
{
  c->media = media;
}

/* The media ask a site without RTCP feedback for a keyframe: an INFO
 * picture_fast_update in its live call (main loop). */
static void
ask_keyframe_by_info(gpointer data, gint64 site_id)
{
  rc_sip_calls *c = data;
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init(&it, c->sessions);
  while (g_hash_table_iter_next(&it, &key, NULL))
    if (rc_sip_calls_fast_update(c, *(gint64 *)key, site_id, NULL))
      return;
}

/* The media read a key from a site's audio (RFC 4733): as an INFO's (main loop). */
static void
keyed_in_audio(gpointer data, gint64 site_id, char digit, guint duration_ms)
{
  rc_sip_calls *c = data;
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init(&it, c->sessions);
  while (g_hash_table_iter_next(&it, &key, NULL))
    if (rc_sip_calls_keyed(c, *(gint64 *)key, site_id, digit, duration_ms))
      return;
}

/* @r's site's media follow its live call: the negotiated streams of the
 * site's call that is up (a newer call may have replaced @r), else none. */
static void
follow_media(rc_sip_calls *c, const call_record *r)
{
  if (!c->media || !r->site_id)
    return;
  rc_sip_sdp_offer offer;
  rc_sip_crypto video_key, audio_key;
  g_autoptr(GError) error = NULL;
  if (rc_sip_calls_media(c, r->session_id, r->site_id, &offer, &video_key, &audio_key)) {
    if (!rc_media_sip_call(c->media, r->session_id, r->site_id, &offer, &video_key, &audio_key, ask_keyframe_by_info,
                           keyed_in_audio, c,
                           &error))
      g_message("sip: site %s, session %" G_GINT64_FORMAT ": no media: %s", r->site_code, r->session_id,
                error->message);
    sodium_memzero(&offer, sizeof offer);
    sodium_memzero(&video_key, sizeof video_key);
    sodium_memzero(&audio_key, sizeof audio_key);
  } else {
    g_autofree char *why = r->cause ? g_strdup_printf("the call ended: %d %s", r->cause, r->cause_phrase ? r->cause_phrase : "")
                                    : g_strdup("the call ended");
    rc_media_sip_hangup(c->media, r->session_id, r->site_id, why);
  }
}
