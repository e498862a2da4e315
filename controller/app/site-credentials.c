/* site-credentials — see site-credentials.h. */
#define G_LOG_DOMAIN "roomctl-sites"
#include "app/site-credentials.h"
#include "app/organisations.h"
#include "base/rc-error.h"

static gboolean
audit_site(rc_store *store, gint64 by, gint64 site_id, const char *action, GError **error)
{
  g_autofree char *target = g_strdup_printf("site:%" G_GINT64_FORMAT, site_id);
  return rc_store_audit(store, by, action, target, NULL, error);
}

char *
rc_site_credential_new(rc_store *store, gint64 site_id, gint64 by, char **created_at, GError **error)
{
  char *secret = NULL;
  if (!rc_store_begin(store, error))
    return NULL;
  gboolean ok = (secret = rc_store_site_credential_make(store, site_id, by, error)) &&
                audit_site(store, by, site_id, "site.credential", error);
  if (!rc_store_end(store, ok, error)) {
    rc_store_secret_free(secret);
    return NULL;
  }
  *created_at = rc_store_site_credential_created(store, site_id);
  g_message("site %" G_GINT64_FORMAT ": a new credential (by user %" G_GINT64_FORMAT ")", site_id, by);
  return secret;
}

gboolean
rc_site_credential_revoke(rc_store *store, gint64 site_id, gint64 by, GError **error)
{
  if (!rc_store_begin(store, error) ||
      !rc_store_end(store,
                    rc_store_site_credential_revoke(store, site_id, error) &&
                        audit_site(store, by, site_id, "site.credential.revoke", error),
                    error))
    return FALSE;
  g_message("site %" G_GINT64_FORMAT ": credential revoked (by user %" G_GINT64_FORMAT ")", site_id, by);
  return TRUE;
}

gint64
rc_site_credential_site(rc_store *store, const char *secret)
{
  g_autoptr(GError) error = NULL;
  gint64 id = rc_store_site_by_credential(store, secret, &error);
  if (error)
    g_warning("site credential lookup: %s", error->message);
  return id;
}

/* Whether @site_id holds the floor of live session @session_id: the
 * program follows it, or (no media) the speaker is one of its delegates. */
static gboolean
holds_floor(rc_store *store, rc_media *media, rc_meeting *meeting, gint64 session_id, gint64 site_id)
{
  if (media && rc_media_has(media, session_id)) {
    g_auto(rc_media_program) program = {0};
    rc_media_program_get(media, session_id, &program);
    return program.floor_site_id == site_id;
  }
  gint64 speaker = rc_floor_speaker(rc_meeting_floor(meeting, session_id));
  g_autoptr(json_t) user = speaker ? rc_store_user_get(store, speaker, NULL) : NULL;
  return user && json_integer_value(json_object_get(user, "site_id")) == site_id;
}

json_t *
rc_site_credential_view(rc_store *store, rc_config *config, rc_media *media, rc_meeting *meeting, gint64 site_id,
                        GError **error)
{
  g_autoptr(json_t) site = rc_store_site_get(store, site_id, error);
  if (!site)
    return NULL;
  g_autoptr(GError) none = NULL;
  json_t *session = rc_store_site_live_session(store, site_id, &none);
  if (!session && !g_error_matches(none, RC_ERROR, RC_ERROR_NOT_FOUND)) {
    g_propagate_error(error, g_steal_pointer(&none));
    return NULL;
  }
  gint64 sid = session ? json_integer_value(json_object_get(session, "id")) : 0;
  /* The site's organisation and the province, as /me gives a user's. */
  json_t *view = rc_organisations_of_user(store, config, site);
  json_object_set_new(view, "site",
                      json_pack("{sO sO sO sO sO}", "id", json_object_get(site, "id"), "code",
                                json_object_get(site, "code"), "name", json_object_get(site, "name"), "transport",
                                json_object_get(site, "transport"), "level", json_object_get(site, "level")));
  /* Its live session is closed (phiên họp kín): the site's page says so. */
  json_object_set_new(view, "closed", json_boolean(session && json_is_true(json_object_get(session, "closed"))));
  json_object_set_new(view, "session", session ? session : json_null());
  json_object_set_new(view, "floor", json_boolean(sid && holds_floor(store, media, meeting, sid, site_id)));
  json_object_set_new(view, "asking", json_boolean(sid && rc_store_site_floor_asking(store, sid, site_id)));
  return view;
}
