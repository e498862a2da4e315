/* access — see access.h. */
#define G_LOG_DOMAIN "roomctl-access"
#include "app/access.h"
#include "base/rc-error.h"

static void
audit_document(rc_store *store, gint64 user_id, const char *action, const char *detail, gint64 doc_id)
{
  g_autofree char *target = g_strdup_printf("document:%" G_GINT64_FORMAT, doc_id);
  g_autoptr(GError) error = NULL;
  if (!rc_store_audit(store, user_id, action, target, detail, &error))
    g_warning("audit %s %s: %s", action, target, error->message);
}

gboolean
rc_access_session(rc_store *store, json_t *user, gint64 session_id, GError **error)
{
  if (RC_USER_ROLE(user) & RC_ROLES_STAFF)
    return TRUE;
  if (rc_store_session_has_delegate(store, session_id, RC_USER_ID(user)))
    return TRUE;
  /* Do not tell a stranger whether the session exists. */
  g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "session not found");
  return FALSE;
}

/* The roles that run sessions read every confidential document. */
#define CONFIDENTIAL_STAFF (RC_ROLE_ADMIN | RC_ROLE_SECRETARIAT | RC_ROLE_CHAIR)

/* Whether @user, who may see the document's session, reads confidential
 * document @doc_id. Not audited: listings ask for every document. */
static gboolean
confidential_reader(rc_store *store, json_t *user, gint64 doc_id)
{
  return user && ((RC_USER_ROLE(user) & CONFIDENTIAL_STAFF) ||
                  rc_store_document_is_reader(store, doc_id, RC_USER_ID(user)));
}

/* What is withheld from a non-reader: everything but the title, the page
 * count and the mark. The exact size (with the page count), the file name
 * or the signers would confirm a guess of the content as the hash would.
 * The keys stay (null) so every client reads one shape. */
static const char *const withheld[] = {"sha256", "filename", "size", "signature", "uploaded_at", NULL};

static void
withhold(json_t *doc)
{
  for (const char *const *k = withheld; *k; k++)
    if (json_object_get(doc, *k))
      json_object_set_new(doc, *k, json_null());
  json_object_del(doc, "readers");
}

void
rc_access_agenda_for(rc_store *store, json_t *user, json_t *agenda)
{
  size_t i, j;
  json_t *item, *doc;
  json_array_foreach(agenda, i, item) {
    json_array_foreach(json_object_get(item, "documents"), j, doc) {
      if (json_is_true(json_object_get(doc, "confidential")) &&
          !confidential_reader(store, user, json_integer_value(json_object_get(doc, "id"))))
        withhold(doc);
    }
    rc_access_agenda_for(store, user, json_object_get(item, "children"));
  }
}

json_t *
rc_access_document(rc_store *store, json_t *user, gint64 doc_id, const char *what, GError **error)
{
  gint64 session_id = rc_store_document_session(store, doc_id);
  if (!session_id) {
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "document not found");
    return NULL;
  }
  g_autoptr(GError) no_session = NULL;
  gboolean in_session = rc_access_session(store, user, session_id, &no_session);
  g_autoptr(json_t) doc = rc_store_document_get(store, doc_id, error);
  if (!doc)
    return NULL;
  gint64 uid = RC_USER_ID(user);
  if (!json_is_true(json_object_get(doc, "confidential"))) {
    if (in_session)
      return g_steal_pointer(&doc);
    g_propagate_error(error, g_steal_pointer(&no_session));
    return NULL;
  }
  gboolean allowed = in_session && confidential_reader(store, user, doc_id);
  if (allowed) {
    if (!g_str_equal(what, "notes")) /* a reader's note-taking is not a new access */
      audit_document(store, uid, "document.read", what, doc_id);
    if (RC_USER_ROLE(user) & CONFIDENTIAL_STAFF)
      json_object_set_new(doc, "readers", rc_store_document_readers(store, doc_id, NULL));
    return g_steal_pointer(&doc);
  }
  g_autofree char *detail = g_strdup_printf("%s: %s", what, in_session ? "not a reader" : "not in the session");
  audit_document(store, uid, "document.refused", detail, doc_id);
  g_message("user %" G_GINT64_FORMAT " refused confidential document %" G_GINT64_FORMAT " (%s)", uid, doc_id, detail);
  if (!in_session) /* a stranger to the session learns nothing, as for any document */
    g_propagate_error(error, g_steal_pointer(&no_session));
  else
    g_set_error(error, RC_ERROR, RC_ERROR_FORBIDDEN,
                "this document is confidential: only the delegates it is for may read it");
  return NULL;
}

