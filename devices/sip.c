/* sip — see sip.h. The nua callback dispatches each event to a short
 * handler; digest and the registrar are in sip-registrar.c (the state both
 * share in sip-private.h). The registrar's bindings and the rate limit's
 * buckets are hash tables pruned by one timer. sofia-sip's own parser reads
 * every message before it reaches us: a malformed request is answered (400)
 * or dropped by the stack, never by this file. */
#define G_LOG_DOMAIN "roomctl-sip"
#include "devices/sip-private.h"

/* sofia-sip 1.12.11's su_uniqueid destructor deletes its thread key at
 * exit even when it never made one: then it deletes key 0, GLib's first
 * GPrivate, and a GLib thread still busy at exit (a GStreamer pool thread)
 * aborts in g_private_set ("pthread_setspecific: Invalid argument"). Seen
 * in half the runs of a unit test that never starts SIP, and once in the
 * daemon's stop. Asking sofia for a random number at load makes it create
 * its key, so its destructor deletes its own. */
__attribute__((constructor)) static void
sofia_makes_its_key(void)
{
  (void)su_random64();
}

/* ---- small helpers ------------------------------------------------------ */

static void
binding_free(gpointer p)
{
  binding *b = p;
  g_free(b->contact);
  g_free(b->source);
  g_free(b->source_ip);
  g_free(b);
}

void
sipd_read_origin(nua_t *nua, const sip_t *m, origin *out)
{
  memset(out, 0, sizeof *out);
  g_strlcpy(out->ip, "?", sizeof out->ip);
  g_strlcpy(out->address, "?", sizeof out->address);
  msg_t *msg = nua_current_request(nua);
  su_addrinfo_t *ai = msg ? msg_addrinfo(msg) : NULL;
  g_autoptr(GSocketAddress) sa =
      ai && ai->ai_addr ? g_socket_address_new_from_native(ai->ai_addr, ai->ai_addrlen) : NULL;
  if (sa && G_IS_INET_SOCKET_ADDRESS(sa)) {
    GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS(sa);
    g_autofree char *ip = g_inet_address_to_string(g_inet_socket_address_get_address(inet));
    g_strlcpy(out->ip, ip, sizeof out->ip);
    g_snprintf(out->address, sizeof out->address, strchr(ip, ':') ? "[%s]:%u" : "%s:%u", ip,
               g_inet_socket_address_get_port(inet));
  }
  const char *proto = m && m->sip_via ? m->sip_via->v_protocol : "";
  const char *slash = strrchr(proto ? proto : "", '/');
  const char *name = slash ? slash + 1 : "udp";
  g_strlcpy(out->transport,
            g_ascii_strcasecmp(name, "TLS") == 0   ? "tls"
            : g_ascii_strcasecmp(name, "TCP") == 0 ? "tcp"
                                                   : "udp",
            sizeof out->transport);
}

/* Whether @source may send one more INVITE/REGISTER now (a token bucket of
 * requests_per_second, burst twice that). A refusal is logged once a minute
 * per source. */
gboolean
sipd_rate_ok(rc_sip *sip, const origin *o)
{
  int rate = sip->settings.requests_per_second;
  if (rate <= 0)
    return TRUE;
  gint64 now = g_get_monotonic_time();
  bucket *b = g_hash_table_lookup(sip->buckets, o->ip);
  if (!b) {
    b = g_new0(bucket, 1);
    b->tokens = 2.0 * rate;
    b->last = now;
    g_hash_table_insert(sip->buckets, g_strdup(o->ip), b);
  }
  b->tokens = MIN(2.0 * rate, b->tokens + (double)(now - b->last) * rate / G_USEC_PER_SEC);
  b->last = now;
  if (b->tokens >= 1.0) {
    b->tokens -= 1.0;
    return TRUE;
  }
  sip->counters.rate_limited++;
  if (!b->logged || now - b->logged > 60 * G_USEC_PER_SEC) {
    g_warning("sip: %s sends more than %d requests a second: answered 503 (logged once a minute)", o->ip, rate);
    b->logged = now;
  }
  return FALSE;
}

/* The URI @url as text. (transfer full) */
char *
sipd_url_text(const url_t *url)
{
  su_home_t home[1] = {SU_HOME_INIT(home)};
  char *s = url ? url_as_string(home, url) : NULL;
  char *copy = g_strdup(s ? s : "");
  su_home_deinit(home);
  return copy;
}

/* ---- calls -------------------------------------------------------------- */

static void
call_set_cause(rc_sip_call *call, int status, const char *phrase, rc_sip_end end)
{
  if (call->phrase) /* the first cause stands */
    return;
  call->cause = status;
  call->phrase = g_strdup(phrase ? phrase : sip_status_phrase(status));
  call->end = end;
}

/* The call's dialog is over: tell the host, free. */
static void
call_finish(rc_sip_call *call, int status, const char *phrase)
{
  rc_sip *sip = call->sip;
  call_set_cause(call, status, phrase, RC_SIP_END_CONTROLLER);
  if (call->call_data && sip->host.call_state)
    sip->host.call_state(sip->host.data, call, call->call_data, RC_SIP_CALL_ENDED, call->cause, call->phrase,
                         call->end);
  nua_handle_bind(call->nh, NULL);
  nua_handle_destroy(call->nh);
  g_hash_table_remove(sip->calls, call);
  g_free(call->phrase);
  g_clear_pointer(&call->response_phrases, g_ptr_array_unref);
  g_free(call->auth_user);
  if (call->auth_password) {
    sodium_memzero(call->auth_password, strlen(call->auth_password));
    g_free(call->auth_password);
  }
  g_free(call);
}

/* Who calls: a digest user, a registered one, or nobody known. FALSE when
 * the stack answered already (a challenge, 403, 400). */
static gboolean
identify_caller(rc_sip *sip, rc_sip_call *call, const sip_t *m, const origin *o, rc_sip_invite *inv, char **user)
{
  su_home_t home[1] = {SU_HOME_INIT(home)};
  gboolean known = TRUE;
  const char *from_user = m->sip_from ? m->sip_from->a_url->url_user : NULL;
  if (m->sip_authorization) {
    auth_status_t *as = sipd_authenticate(sip, home, m);
    if (as->as_status == 0 && as->as_user) {
      inv->caller = RC_SIP_CALLER_DIGEST;
      *user = g_strdup(as->as_user);
    } else {
      sipd_respond_auth_failure(sip, call->nh, as, m, o);
      known = FALSE;
    }
  } else if (from_user && rc_sip_registered_from(sip, from_user, o->ip)) {
    inv->caller = RC_SIP_CALLER_REGISTERED;
    *user = g_strdup(from_user);
  } else if (from_user && sip->host.password) {
    char *password = sip->host.password(sip->host.data, from_user);
    if (password) { /* a user we know of, without credentials yet */
      sodium_memzero(password, strlen(password));
      g_free(password);
      sipd_respond_challenge(sip, call->nh, home, m);
      known = FALSE;
    }
  }
  su_home_deinit(home);
  inv->user = *user;
  return known;
}

/* @phrase copied for as long as the call lives (nua_respond keeps the pointer). */
static const char *
keep_phrase(rc_sip_call *call, const char *phrase)
{
  if (!call->response_phrases)
    call->response_phrases = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(call->response_phrases, g_strdup(phrase));
  return g_ptr_array_index(call->response_phrases, call->response_phrases->len - 1);
}

/* Session timers of a call the site made: none when it does not say
 * "Supported: timer" (it would never refresh); should we have to refresh
 * (it asks refresher=uas), by UPDATE without SDP when its Allow names
 * UPDATE, else by sofia's offerless re-INVITE, whose 200 carries the
 * site's offer: we ACK it ourselves with the answer (on_refresh_answered). */
static void
timer_params_in(rc_sip_call *call, const sip_t *m)
{
  if (!sip_has_feature(m->sip_supported, "timer")) {
    nua_set_hparams(call->nh, NUTAG_SESSION_TIMER(0), TAG_END());
  } else if (m->sip_allow && sip_is_allowed(m->sip_allow, sip_method_update, "UPDATE")) {
    nua_set_hparams(call->nh, NUTAG_UPDATE_REFRESH(1), TAG_END());
  } else {
    nua_set_hparams(call->nh, NUTAG_AUTOACK(0), TAG_END());
    call->own_ack = TRUE;
  }
}

/* Sends the host's decision. */
static void
answer_invite(rc_sip *sip, rc_sip_call *call, rc_sip_decision *d)
{
  if (d->status == 200 && d->answer) {
    call->call_data = d->call_data;
    nua_respond(call->nh, SIP_180_RINGING, TAG_END());
    if (sip->host.call_state)
      sip->host.call_state(sip->host.data, call, call->call_data, RC_SIP_CALL_RINGING, 180, "Ringing", FALSE);
    nua_respond(call->nh, SIP_200_OK, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(d->answer),
                TAG_END());
    sip->counters.calls_answered++;
    return;
  }
  int status = d->status >= 300 && d->status < 700 ? d->status : 500;
  sip->counters.calls_refused++;
  nua_respond(call->nh, status, keep_phrase(call, d->phrase ? d->phrase : sip_status_phrase(status)), TAG_END());
}

static void
on_invite(rc_sip *sip, nua_handle_t *nh, const sip_t *m)
{
  rc_sip_call *call = g_new0(rc_sip_call, 1);
  call->sip = sip;
  call->nh = nh;
  nua_handle_bind(nh, call);
  g_hash_table_add(sip->calls, call);
  sip->counters.invites++;
  origin o;
  sipd_read_origin(sip->nua, m, &o);
  if (!sipd_rate_ok(sip, &o)) {
    sip->counters.calls_refused++;
    nua_respond(nh, SIP_503_SERVICE_UNAVAILABLE, SIPTAG_RETRY_AFTER_STR("5"), TAG_END());
    return;
  }
  rc_sip_invite inv = {0};
  g_autofree char *user = NULL;
  if (!identify_caller(sip, call, m, &o, &inv, &user)) {
    sip->counters.calls_refused++;
    return;
  }
  g_autofree char *from = sipd_url_text(m->sip_from ? m->sip_from->a_url : NULL);
  const char *conference = m->sip_request->rq_url->url_user;
  inv.conference = conference ? conference : "";
  inv.from = from;
  inv.source = o.address;
  inv.source_ip = o.ip;
  inv.transport = o.transport;
  inv.call_id = m->sip_call_id ? m->sip_call_id->i_id : "";
  if (m->sip_payload) {
    inv.sdp = m->sip_payload->pl_data;
    inv.sdp_len = m->sip_payload->pl_len;
  }
  rc_sip_decision d = {.status = 500};
  if (sip->host.invite)
    sip->host.invite(sip->host.data, call, &inv, &d);
  if (d.status == 200)
    timer_params_in(call, m);
  answer_invite(sip, call, &d);
  g_free(d.phrase);
  g_free(d.answer);
}

/* A re-INVITE or UPDATE within a call the host took: the host answers the
 * offer (or refuses it, and the call goes on); an offerless re-INVITE gets
 * the host's offer, answered in the ACK. */
static void
on_reoffer(rc_sip *sip, rc_sip_call *call, gboolean update, const sip_t *m)
{
  const char *sdp = m && m->sip_payload && m->sip_payload->pl_len ? m->sip_payload->pl_data : NULL;
  gsize len = sdp ? m->sip_payload->pl_len : 0;
  if (update && !sdp) { /* a session refresh */
    nua_respond(call->nh, SIP_200_OK, NUTAG_WITH_THIS(sip->nua), TAG_END());
    return;
  }
  rc_sip_decision d = {.status = 500};
  if (sip->host.reoffer)
    sip->host.reoffer(sip->host.data, call, call->call_data, sdp, len, &d);
  if (d.status == 200 && d.answer) {
    call->awaiting_answer = !sdp;
    nua_respond(call->nh, SIP_200_OK, NUTAG_WITH_THIS(sip->nua), SIPTAG_CONTENT_TYPE_STR("application/sdp"),
                SIPTAG_PAYLOAD_STR(d.answer), TAG_END());
  } else {
    int status = d.status >= 300 && d.status < 700 ? d.status : 500;
    nua_respond(call->nh, status, keep_phrase(call, d.phrase ? d.phrase : sip_status_phrase(status)),
                NUTAG_WITH_THIS(sip->nua), TAG_END());
  }
  g_free(d.phrase);
  g_free(d.answer);
}

/* The 200 to sofia's own refresh re-INVITE (no SDP) on a call we ACK
 * ourselves: its offer is the site's new offer, answered in the ACK; one
 * we cannot take ends the call after the ACK (RFC 3264 leaves no other way). */
static void
on_refresh_answered(rc_sip *sip, rc_sip_call *call, const sip_t *m)
{
  const char *sdp = m && m->sip_payload && m->sip_payload->pl_len ? m->sip_payload->pl_data : NULL;
  rc_sip_decision d = {.status = 500};
  if (sdp && sip->host.reoffer)
    sip->host.reoffer(sip->host.data, call, call->call_data, sdp, m->sip_payload->pl_len, &d);
  if (sdp && d.status == 200 && d.answer)
    nua_ack(call->nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(d.answer), TAG_END());
  else
    nua_ack(call->nh, TAG_END());
  if (sdp && d.status != 200) {
    call_set_cause(call, d.status, "its offer in the 200 to our session refresh is not acceptable",
                   RC_SIP_END_CONTROLLER);
    rc_sip_call_hangup(call);
  }
  g_free(d.phrase);
  g_free(d.answer);
}

/* The ACK of our 200: the answer to the offer it carried, when it did. */
static void
on_ack(rc_sip *sip, rc_sip_call *call, const sip_t *m)
{
  if (!call->awaiting_answer)
    return;
  call->awaiting_answer = FALSE;
  if (sip->host.answered)
    sip->host.answered(sip->host.data, call, call->call_data, m && m->sip_payload ? m->sip_payload->pl_data : NULL,
                       m && m->sip_payload ? m->sip_payload->pl_len : 0);
}

static void
on_state(rc_sip *sip, rc_sip_call *call, int status, const char *phrase, tagi_t tags[])
{
  int state = nua_callstate_init;
  tl_gets(tags, NUTAG_CALLSTATE_REF(state), TAG_END());
  if (state == nua_callstate_ready && call->call_data && !call->connected) {
    call->connected = TRUE;
    if (sip->host.call_state)
      sip->host.call_state(sip->host.data, call, call->call_data, RC_SIP_CALL_CONNECTED, 200, "OK", FALSE);
  } else if (state == nua_callstate_terminated) {
    call_finish(call, status, phrase);
  }
}

/* Answers a challenge to our INVITE once with the site's credentials. */
static gboolean
authenticate_out(rc_sip_call *call, const sip_t *m)
{
  msg_auth_t *au =
      m->sip_www_authenticate ? (msg_auth_t *)m->sip_www_authenticate : (msg_auth_t *)m->sip_proxy_authenticate;
  const char *realm = au ? msg_params_find(au->au_params, "realm=") : NULL;
  if (!realm || !call->auth_user || !call->auth_password || call->auth_tries++ > 0)
    return FALSE;
  g_autofree char *auth = g_strdup_printf("%s:%s:%s:%s", au->au_scheme, realm, call->auth_user, call->auth_password);
  nua_authenticate(call->nh, NUTAG_AUTH(auth), TAG_END());
  sodium_memzero(auth, strlen(auth));
  return TRUE;
}

/* The site's responses to our INVITE. */
static void
on_invite_response(rc_sip *sip, rc_sip_call *call, int status, const char *phrase, const sip_t *m)
{
  if ((status == 401 || status == 407) && m && authenticate_out(call, m))
    return;
  if (status >= 180 && status < 200 && !call->ringing) {
    call->ringing = TRUE;
    if (sip->host.call_state)
      sip->host.call_state(sip->host.data, call, call->call_data, RC_SIP_CALL_RINGING, status, phrase, FALSE);
  } else if (status >= 200 && status < 300 && !call->answered) {
    call->answered = TRUE;
    if (sip->settings.session_expires > 0 && m && m->sip_allow &&
        sip_is_allowed(m->sip_allow, sip_method_update, "UPDATE")) /* our refreshes, should we make them */
      nua_set_hparams(call->nh, NUTAG_UPDATE_REFRESH(1), TAG_END());
    if (sip->host.answered)
      sip->host.answered(sip->host.data, call, call->call_data, m && m->sip_payload ? m->sip_payload->pl_data : NULL,
                         m && m->sip_payload ? m->sip_payload->pl_len : 0);
  } else if (status >= 300) {
    call_set_cause(call, status, phrase, RC_SIP_END_SITE);
  }
}

/* ---- INFO (sip-info.h) ---------------------------------------------------- */

static void
count_info(rc_sip *sip, rc_sip_info_kind kind)
{
  if (kind == RC_SIP_INFO_FAST_UPDATE)
    sip->counters.info_fast_update++;
  else if (kind == RC_SIP_INFO_DTMF)
    sip->counters.info_dtmf++;
  else
    sip->counters.info_other++;
}

/* An INFO within a call the host took: 200 and the host told what it asks,
 * 415 (with Accept) or 400 when we do not read it, 503 past the source's
 * rate. Outside one: 481 (unless the stack answered it already). */
static void
on_info(rc_sip *sip, nua_handle_t *nh, rc_sip_call *call, int status, const sip_t *m)
{
  if (status >= 200 || !call || !call->call_data) {
    count_info(sip, RC_SIP_INFO_NOTHING);
    if (status < 200)
      nua_respond(nh, SIP_481_NO_TRANSACTION, NUTAG_WITH_THIS(sip->nua), TAG_END());
    if (nh && !call) /* the handle the stack made for it is ours to free */
      nua_handle_destroy(nh);
    return;
  }
  origin o;
  sipd_read_origin(sip->nua, m, &o);
  rc_sip_info info;
  g_autoptr(GError) error = NULL;
  if (!sipd_rate_ok(sip, &o)) {
    count_info(sip, RC_SIP_INFO_NOTHING);
    nua_respond(nh, SIP_503_SERVICE_UNAVAILABLE, NUTAG_WITH_THIS(sip->nua), SIPTAG_RETRY_AFTER_STR("5"), TAG_END());
  } else if (!rc_sip_info_parse(m->sip_content_type ? m->sip_content_type->c_type : NULL,
                                m->sip_payload ? m->sip_payload->pl_data : NULL,
                                m->sip_payload ? m->sip_payload->pl_len : 0, &info, &error)) {
    count_info(sip, RC_SIP_INFO_NOTHING);
    g_debug("sip: INFO from %s: %s", o.address, error->message);
    if (error->code == RC_SIP_INFO_ERROR_UNSUPPORTED)
      nua_respond(nh, SIP_415_UNSUPPORTED_MEDIA, NUTAG_WITH_THIS(sip->nua), SIPTAG_ACCEPT_STR(RC_SIP_INFO_ACCEPT),
                  TAG_END());
    else
      nua_respond(nh, SIP_400_BAD_REQUEST, NUTAG_WITH_THIS(sip->nua), TAG_END());
  } else {
    count_info(sip, info.kind);
    nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(sip->nua), TAG_END());
    if (info.kind != RC_SIP_INFO_NOTHING && sip->host.info)
      sip->host.info(sip->host.data, call, call->call_data, &info);
  }
}

/* The site's answer to our INFO: a refusal is logged (it may not take
 * RFC 5168's body; nothing else to do). */
static void
on_info_response(int status, const char *phrase, const sip_t *m)
{
  if (status < 300)
    return;
  g_autofree char *to = sipd_url_text(m && m->sip_to ? m->sip_to->a_url : NULL);
  g_message("sip: our INFO to %s: %d %s", *to ? to : "a site", status, phrase);
}

static void
on_event(nua_event_t event, int status, char const *phrase, nua_t *nua, rc_sip *sip, nua_handle_t *nh,
         rc_sip_call *call, sip_t const *m, tagi_t tags[])
{
  (void)nua;
  if (m && m->sip_request && event != nua_i_state)
    sip->counters.requests++;
  switch (event) {
  case nua_i_register:
    sipd_on_register(sip, nh, m);
    break;
  case nua_i_invite:
  case nua_i_update:
    if (call && call->call_data && call->connected)
      on_reoffer(sip, call, event == nua_i_update, m);
    else if (call) /* before the call is up: one offer at a time */
      nua_respond(nh, SIP_491_REQUEST_PENDING, NUTAG_WITH_THIS(sip->nua), TAG_END());
    else if (event == nua_i_invite)
      on_invite(sip, nh, m);
    else
      nua_handle_destroy(nh); /* an UPDATE outside a call: the stack answered it */
    break;
  case nua_i_ack:
    if (call)
      on_ack(sip, call, m);
    break;
  case nua_r_invite:
  case nua_r_update:
    if (call && call->outgoing && !call->connected && event == nua_r_invite)
      on_invite_response(sip, call, status, phrase, m);
    else if (call && call->connected && (status == 408 || status == 481)) /* our refresh failed: the stack ends it */
      call_set_cause(call, status, "the session refresh failed", RC_SIP_END_TIMER);
    else if (call && call->own_ack && call->connected && event == nua_r_invite && status >= 200 && status < 300)
      on_refresh_answered(sip, call, m);
    break;
  case nua_r_bye:
    if (call && !call->ending) /* the stack's own BYE: the site's refresh never came (RFC 4028) */
      call_set_cause(call, 408, "Session timer expired (no refresh came)", RC_SIP_END_TIMER);
    break;
  case nua_i_bye:
    if (call)
      call_set_cause(call, 200, "BYE", RC_SIP_END_SITE);
    break;
  case nua_i_cancel:
    if (call)
      call_set_cause(call, 487, "CANCEL", RC_SIP_END_SITE);
    break;
  case nua_i_state:
    if (call)
      on_state(sip, call, status, phrase, tags);
    break;
  case nua_r_shutdown:
    if (status >= 200)
      sip->shut_down = TRUE;
    break;
  case nua_i_info:
    on_info(sip, nh, call, status, m);
    break;
  case nua_r_info:
    on_info_response(status, phrase, m);
    break;
  case nua_i_options:
  case nua_i_message:
  case nua_i_subscribe:
  case nua_i_notify:
  case nua_i_publish:
  case nua_i_refer:
  case nua_i_method:
    if (nh && !call) /* answered by the stack; the handle it made is ours to free */
      nua_handle_destroy(nh);
    break;
  default:
    break;
  }
}

/* ---- life --------------------------------------------------------------- */

static gboolean
prune(gpointer data)
{
  rc_sip *sip = data;
  gint64 now = g_get_monotonic_time();
  GHashTableIter it;
  gpointer key, value;
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func(g_free);
  g_hash_table_iter_init(&it, sip->bindings);
  while (g_hash_table_iter_next(&it, &key, &value))
    if (((binding *)value)->expires_at <= now)
      g_ptr_array_add(gone, g_strdup(key));
  for (guint i = 0; i < gone->len; i++)
    sipd_unbind(sip, gone->pdata[i]);
  g_hash_table_iter_init(&it, sip->buckets);
  while (g_hash_table_iter_next(&it, &key, &value))
    if (now - ((bucket *)value)->last > 60 * G_USEC_PER_SEC)
      g_hash_table_iter_remove(&it);
  return G_SOURCE_CONTINUE;
}

/* "sip:HOST:PORT[;transport=…]" for the UDP/TCP transports. */
static char *
sip_url(const rc_sip_settings *s, gboolean secure)
{
  gboolean any = !*s->listen || g_str_equal(s->listen, "0.0.0.0") || g_str_equal(s->listen, "::");
  g_autofree char *host = any                      ? g_strdup("*")
                          : strchr(s->listen, ':') ? g_strdup_printf("[%s]", s->listen)
                                                   : g_strdup(s->listen);
  if (secure)
    return g_strdup_printf("sips:%s:%d", host, s->tls_port);
  const char *only = s->udp && !s->tcp ? ";transport=udp" : !s->udp && s->tcp ? ";transport=tcp" : "";
  return g_strdup_printf("sip:%s:%d%s", host, s->port, only);
}

static gboolean
start_stack(rc_sip *sip, GError **error)
{
  g_autofree char *url = sip_url(&sip->settings, !sip->settings.udp && !sip->settings.tcp);
  g_autofree char *sips =
      sip->settings.tls && (sip->settings.udp || sip->settings.tcp) ? sip_url(&sip->settings, TRUE) : NULL;
  char key_hex[33];
  guint8 key[16];
  randombytes_buf(key, sizeof key);
  sodium_bin2hex(key_hex, sizeof key_hex, key, sizeof key);
  sip->auth = auth_mod_create(sip->root, AUTHTAG_METHOD("Digest"), AUTHTAG_REALM(sip->realm), AUTHTAG_FORBIDDEN(1),
                              AUTHTAG_QOP("auth"), AUTHTAG_MASTER_KEY(key_hex), TAG_END());
  sodium_memzero(key_hex, sizeof key_hex);
  if (!sip->auth) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "sip: cannot make the digest authentication module");
    return FALSE;
  }
  sip->nua =
      nua_create(sip->root, on_event, sip, NUTAG_URL(url), TAG_IF(sips, NUTAG_SIPS_URL(sips)),
                 TAG_IF(sip->settings.tls, NUTAG_CERTIFICATE_DIR(sip->tls_dir)), NUTAG_MEDIA_ENABLE(0),
                 NUTAG_AUTOANSWER(0), NUTAG_ENABLEINVITE(1),
                 NUTAG_ALLOW("INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, UPDATE, INFO"),
                 NUTAG_APPL_METHOD("REGISTER, UPDATE, INFO"), /* UPDATE: ours to answer (its SDP); INFO: its body */
                 /* session timers: the site refreshes; ours, when we must, by UPDATE where allowed (per call) */
                 NUTAG_SESSION_TIMER((unsigned)MAX(0, sip->settings.session_expires)),
                 NUTAG_MIN_SE((unsigned)MAX(1, sip->settings.min_se)), NUTAG_SESSION_REFRESHER(nua_remote_refresher),
                 NUTAG_UPDATE_REFRESH(0), SIPTAG_USER_AGENT_STR("roomctl"), TPTAG_UDP_RMEM(1 << 20), TAG_END());
  if (!sip->nua) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE, "sip: cannot bind %s%s%s", url, sips ? " and " : "",
                sips ? sips : "");
    return FALSE;
  }
  g_message("sip: listening on %s%s%s (realm %s)", url, sips ? " and " : "", sips ? sips : "", sip->realm);
  return TRUE;
}

/* sofia's own log lines (every module logs through the default log unless
 * told otherwise) go to GLib's debug level: G_MESSAGES_DEBUG=roomctl-sip. */
static void
sofia_log(void *stream, char const *format, va_list args)
{
  (void)stream;
  g_autofree char *line = g_strdup_vprintf(format, args);
  g_debug("sofia: %s", g_strchomp(line));
}

rc_sip *
rc_sip_new(const rc_sip_settings *settings, const rc_sip_host *host, GError **error)
{
  rc_sip *sip = g_new0(rc_sip, 1);
  su_init();
  su_log_redirect(NULL, sofia_log, NULL);
  su_home_init(sip->home);
  sip->settings = *settings;
  sip->realm = g_strdup(settings->realm);
  sip->listen = g_strdup(settings->listen ? settings->listen : "");
  sip->tls_dir = g_strdup(settings->tls_dir ? settings->tls_dir : "");
  sip->settings.realm = sip->realm;
  sip->settings.listen = sip->listen;
  sip->settings.tls_dir = sip->tls_dir;
  sip->host = *host;
  sip->bindings = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, binding_free);
  sip->buckets = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  sip->calls = g_hash_table_new(NULL, NULL);
  sip->root = su_glib_root_create(sip);
  if (sip->root) {
    sip->source = g_source_ref(su_glib_root_gsource(sip->root));
    g_source_attach(sip->source, NULL);
  }
  if (!sip->root || !start_stack(sip, error)) {
    if (!sip->root)
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "sip: cannot make the su_root on the GLib main loop");
    rc_sip_free(sip);
    return NULL;
  }
  sip->prune = g_timeout_add_seconds(PRUNE_SECONDS, prune, sip);
  return sip;
}

void
rc_sip_free(rc_sip *sip)
{
  if (!sip)
    return;
  g_clear_handle_id(&sip->prune, g_source_remove);
  if (sip->nua) {
    GHashTableIter it;
    gpointer call;
    g_hash_table_iter_init(&it, sip->calls);
    while (g_hash_table_iter_next(&it, &call, NULL))
      rc_sip_call_hangup(call);
    nua_shutdown(sip->nua);
    gint64 until = g_get_monotonic_time() + SHUTDOWN_US;
    while (!sip->shut_down && g_get_monotonic_time() < until)
      if (!g_main_context_iteration(NULL, FALSE))
        g_usleep(10000);
    g_autoptr(GList) left = g_hash_table_get_keys(sip->calls);
    for (GList *l = left; l; l = l->next)
      call_finish(l->data, 503, "the controller stopped");
    nua_destroy(sip->nua);
  }
  if (sip->auth)
    auth_mod_unref(sip->auth);
  if (sip->source) {
    g_source_destroy(sip->source); /* no dispatch from here on; the root's reference keeps it */
    g_source_unref(sip->source);
  }
  if (sip->root)
    su_root_destroy(sip->root);
  su_home_deinit(sip->home);
  su_deinit();
  g_hash_table_unref(sip->bindings);
  g_hash_table_unref(sip->buckets);
  g_hash_table_unref(sip->calls);
  g_free(sip->realm);
  g_free(sip->listen);
  g_free(sip->tls_dir);
  g_free(sip);
}

int
rc_sip_port(rc_sip *sip, const char *transport)
{
  if (g_strcmp0(transport, "tls") == 0)
    return sip->settings.tls ? sip->settings.tls_port : 0;
  if (g_strcmp0(transport, "udp") == 0)
    return sip->settings.udp ? sip->settings.port : 0;
  return sip->settings.tcp ? sip->settings.port : 0;
}

void
rc_sip_call_hangup(rc_sip_call *call)
{
  if (call->ending)
    return;
  call->ending = TRUE;
  call_set_cause(call, 200, "hung up by the controller", RC_SIP_END_CONTROLLER);
  if (call->outgoing && !call->answered)
    nua_cancel(call->nh, TAG_END());
  else
    nua_bye(call->nh, TAG_END());
}

gboolean
rc_sip_call_info(rc_sip_call *call, const char *content_type, const char *body)
{
  if (!call->connected || call->ending)
    return FALSE;
  nua_info(call->nh, SIPTAG_CONTENT_TYPE_STR(content_type), SIPTAG_PAYLOAD_STR(body), TAG_END());
  call->sip->counters.info_sent++;
  return TRUE;
}

rc_sip_call *
rc_sip_call_invite(rc_sip *sip, const char *uri, const char *from, const char *offer, const char *auth_user,
                   const char *auth_password, gpointer call_data)
{
  rc_sip_call *call = g_new0(rc_sip_call, 1);
  call->sip = sip;
  call->outgoing = TRUE;
  call->call_data = call_data;
  call->auth_user = g_strdup(auth_user);
  call->auth_password = g_strdup(auth_password);
  call->nh = nua_handle(sip->nua, call, SIPTAG_TO_STR(uri), SIPTAG_FROM_STR(from), TAG_END());
  g_hash_table_add(sip->calls, call);
  nua_invite(call->nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(offer), TAG_END());
  return call;
}

void
rc_sip_counters_get(rc_sip *sip, rc_sip_counters *out)
{
  *out = sip->counters;
  out->registered_now = g_hash_table_size(sip->bindings);
  out->calls_now = 0;
  GHashTableIter it;
  gpointer call;
  g_hash_table_iter_init(&it, sip->calls);
  while (g_hash_table_iter_next(&it, &call, NULL))
    out->calls_now += ((rc_sip_call *)call)->call_data != NULL;
}
