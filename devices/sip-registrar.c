/* sip-registrar — the digest that authenticates a site (sofia's
 * auth_module, passwords asked of the host per request) and the registrar's
 * bindings (see sip.h). Main loop only. */
#define G_LOG_DOMAIN "roomctl-sip"
#include "devices/sip-private.h"

static auth_challenger_t const challenger[] = {
    {SIP_401_UNAUTHORIZED, sip_www_authenticate_class, sip_authentication_info_class},
};

/* ---- digest ------------------------------------------------------------- */

/* The auth module's entry for @user takes the host's password of now, so
 * that a changed or removed password counts at once. */
static void
refresh_password(rc_sip *sip, const char *user)
{
  char *password = sip->host.password ? sip->host.password(sip->host.data, user) : NULL;
  auth_passwd_t *apw = auth_mod_getpass(sip->auth, user, sip->realm);
  if (password && !apw)
    apw = auth_mod_addpass(sip->auth, user, sip->realm);
  if (apw && g_strcmp0(apw->apw_pass, password))
    apw->apw_pass = password ? su_strdup(sip->auth->am_home, password) : NULL;
  if (password) {
    sodium_memzero(password, strlen(password));
    g_free(password);
  }
}

/* Checks the request's Authorization against our realm: as->as_status 0
 * (as->as_user set), or 401 with as->as_response the challenge, 403, 400. */
auth_status_t *
sipd_authenticate(rc_sip *sip, su_home_t *home, const sip_t *m)
{
  auth_status_t *as = auth_status_new(home);
  as->as_method = m->sip_request->rq_method_name;
  as->as_realm = sip->realm;
  msg_auth_t *au = m->sip_authorization ? auth_digest_credentials(m->sip_authorization, sip->realm, NULL) : NULL;
  if (au) {
    auth_response_t ar[1] = {{.ar_size = sizeof ar}};
    if (auth_digest_response_get(home, ar, au->au_params) >= 0 && ar->ar_username && *ar->ar_username)
      refresh_password(sip, ar->ar_username);
  }
  auth_mod_verify(sip->auth, as, m->sip_authorization, challenger);
  return as;
}

/* A 401 with a fresh challenge. */
void
sipd_respond_challenge(rc_sip *sip, nua_handle_t *nh, su_home_t *home, const sip_t *m)
{
  auth_status_t *as = auth_status_new(home);
  as->as_method = m->sip_request->rq_method_name;
  as->as_realm = sip->realm;
  auth_mod_challenge(sip->auth, as, challenger);
  sip->counters.challenges++;
  nua_respond(nh, SIP_401_UNAUTHORIZED, NUTAG_WITH_THIS(sip->nua), SIPTAG_HEADER((sip_header_t *)as->as_response),
              TAG_END());
}

/* Answers a failed authentication (challenge, 403, 400…). */
void
sipd_respond_auth_failure(rc_sip *sip, nua_handle_t *nh, auth_status_t *as, const sip_t *m, const origin *o)
{
  const char *method = m->sip_request->rq_method_name;
  if (as->as_status == 401) {
    sip->counters.challenges++;
    nua_respond(nh, SIP_401_UNAUTHORIZED, NUTAG_WITH_THIS(sip->nua), SIPTAG_HEADER((sip_header_t *)as->as_response),
                TAG_END());
    return;
  }
  if (as->as_status == 403) {
    sip->counters.auth_failures++;
    auth_response_t ar[1] = {{.ar_size = sizeof ar}};
    su_home_t home[1] = {SU_HOME_INIT(home)};
    msg_auth_t *au = auth_digest_credentials(m->sip_authorization, sip->realm, NULL);
    if (au)
      auth_digest_response_get(home, ar, au->au_params);
    g_message("sip: %s from %s: wrong digest for user '%s': 403", method, o->address,
              ar->ar_username ? ar->ar_username : "");
    if (sip->host.refused)
      sip->host.refused(sip->host.data, method, ar->ar_username, o->address, 403, "wrong digest credentials");
    su_home_deinit(home);
  }
  nua_respond(nh, as->as_status, as->as_phrase ? as->as_phrase : sip_status_phrase(as->as_status),
              NUTAG_WITH_THIS(sip->nua), TAG_END());
}

/* ---- registrar ---------------------------------------------------------- */

/* The expiry a REGISTER asks for: the Contact's, else Expires, else 3600. */
static gint64
asked_expires(const sip_t *m)
{
  if (m->sip_contact && m->sip_contact->m_expires)
    return g_ascii_strtoll(m->sip_contact->m_expires, NULL, 10);
  if (m->sip_expires)
    return m->sip_expires->ex_delta;
  return 3600;
}

void
sipd_unbind(rc_sip *sip, const char *user)
{
  if (g_hash_table_remove(sip->bindings, user)) {
    g_message("sip: %s unregistered", user);
    if (sip->host.registered)
      sip->host.registered(sip->host.data, user, NULL, NULL, 0);
  }
}

/* A REGISTER that authenticated as @user: binds, refreshes or removes. */
static void
register_user(rc_sip *sip, nua_handle_t *nh, const sip_t *m, const char *user, const origin *o)
{
  const char *to_user = m->sip_to ? m->sip_to->a_url->url_user : NULL;
  if (g_strcmp0(to_user, user)) {
    nua_respond(nh, 403, "Forbidden (the To user is not the authenticated one)", NUTAG_WITH_THIS(sip->nua), TAG_END());
    return;
  }
  gint64 expires = asked_expires(m);
  gboolean wildcard = m->sip_contact && m->sip_contact->m_url->url_type == url_any;
  if (m->sip_contact && (expires == 0 || wildcard)) {
    sipd_unbind(sip, user);
    nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(sip->nua), TAG_END());
    return;
  }
  if (m->sip_contact && expires < sip->settings.register_min) {
    g_autofree char *min = g_strdup_printf("%d", sip->settings.register_min);
    nua_respond(nh, SIP_423_INTERVAL_TOO_BRIEF, NUTAG_WITH_THIS(sip->nua), SIPTAG_MIN_EXPIRES_STR(min), TAG_END());
    return;
  }
  expires = MIN(expires, sip->settings.register_max);
  if (m->sip_contact) {
    binding *b = g_new0(binding, 1);
    b->contact = sipd_url_text(m->sip_contact->m_url);
    b->source = g_strdup(o->address);
    b->source_ip = g_strdup(o->ip);
    b->expires_at = g_get_monotonic_time() + expires * G_USEC_PER_SEC;
    gboolean fresh = !g_hash_table_contains(sip->bindings, user);
    g_hash_table_replace(sip->bindings, g_strdup(user), b);
    sip->counters.registrations++;
    if (fresh)
      g_message("sip: %s registered at %s from %s for %" G_GINT64_FORMAT " s", user, b->contact, o->address, expires);
    if (sip->host.registered)
      sip->host.registered(sip->host.data, user, b->contact, b->source, (int)expires);
  }
  binding *b = g_hash_table_lookup(sip->bindings, user);
  if (!b) {
    nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(sip->nua), TAG_END());
    return;
  }
  gint64 left = MAX(0, (b->expires_at - g_get_monotonic_time()) / G_USEC_PER_SEC);
  g_autofree char *contact = g_strdup_printf("<%s>;expires=%" G_GINT64_FORMAT, b->contact, left);
  nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(sip->nua), SIPTAG_CONTACT_STR(contact), TAG_END());
}

void
sipd_on_register(rc_sip *sip, nua_handle_t *nh, const sip_t *m)
{
  origin o;
  sipd_read_origin(sip->nua, m, &o);
  if (!sipd_rate_ok(sip, &o)) {
    nua_respond(nh, SIP_503_SERVICE_UNAVAILABLE, NUTAG_WITH_THIS(sip->nua), SIPTAG_RETRY_AFTER_STR("5"), TAG_END());
  } else {
    su_home_t home[1] = {SU_HOME_INIT(home)};
    auth_status_t *as = sipd_authenticate(sip, home, m);
    if (as->as_status == 0 && as->as_user)
      register_user(sip, nh, m, as->as_user, &o);
    else
      sipd_respond_auth_failure(sip, nh, as, m, &o);
    su_home_deinit(home);
  }
  nua_handle_destroy(nh);
}

gboolean
rc_sip_registration(rc_sip *sip, const char *user, char **contact, char **source, int *expires_in)
{
  binding *b = g_hash_table_lookup(sip->bindings, user);
  gint64 now = g_get_monotonic_time();
  if (!b || b->expires_at <= now)
    return FALSE;
  if (contact)
    *contact = g_strdup(b->contact);
  if (source)
    *source = g_strdup(b->source);
  if (expires_in)
    *expires_in = (int)((b->expires_at - now) / G_USEC_PER_SEC);
  return TRUE;
}

gboolean
rc_sip_registered_from(rc_sip *sip, const char *user, const char *source_ip)
{
  binding *b = g_hash_table_lookup(sip->bindings, user);
  return b && b->expires_at > g_get_monotonic_time() && g_strcmp0(b->source_ip, source_ip) == 0;
}
