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

json_t *
rc_access_scope(rc_store *store, json_t *user)
{
  if (RC_USER_ROLE(user) & RC_ROLE_ADMIN)
    return NULL;
  gint64 org = json_integer_value(json_object_get(user, "organisation_id"));
  json_t *scope = NULL;
  if (json_is_true(json_object_get(user, "include_children")))
    scope = rc_store_organisation_subtree(store, org, NULL);
  return scope ? scope : json_pack("[I]", (json_int_t)org);
}

gboolean
rc_access_in_scope(json_t *scope, gint64 org_id)
{
  return rc_json_ids_have(scope, org_id);
}

/* The relation of @user to @session (a row of the sessions table). */
static rc_relation
relation_to(rc_store *store, json_t *user, json_t *scope, json_t *session)
{
  gint64 sid = json_integer_value(json_object_get(session, "id"));
  rc_role role = RC_USER_ROLE(user);
  if (role & RC_ROLES_STAFF) {
    if (rc_access_in_scope(scope, json_integer_value(json_object_get(session, "organisation_id"))))
      return RC_RELATION_SCOPE;
    g_autoptr(json_t) invited = rc_store_session_invited(store, sid, NULL);
    size_t i;
    json_t *o;
    json_array_foreach(invited, i, o) {
      if (rc_access_in_scope(scope, json_integer_value(json_object_get(o, "id"))))
        return RC_RELATION_INVITED;
    }
  }
  return rc_store_session_has_delegate(store, sid, RC_USER_ID(user)) ? RC_RELATION_MEMBER : RC_RELATION_NONE;
}

rc_relation
rc_access_relation(rc_store *store, json_t *user, gint64 session_id)
{
  g_autoptr(json_t) session = rc_store_session_get(store, session_id, NULL);
  if (!session)
    return RC_RELATION_NONE;
  g_autoptr(json_t) scope = rc_access_scope(store, user);
  return relation_to(store, user, scope, session);
}

static void
audit_refusal(rc_store *store, json_t *user, const char *target, const char *what)
{
  g_autoptr(GError) error = NULL;
  if (!rc_store_audit(store, RC_USER_ID(user), "access.refused", target, what ? what : "", &error))
    g_warning("audit access.refused %s: %s", target, error->message);
}

gboolean
rc_access_session_for(rc_store *store, json_t *user, gint64 session_id, rc_access_need need, const char *what,
                      GError **error)
{
  rc_relation rel = rc_access_relation(store, user, session_id);
  gboolean ok = rel == RC_RELATION_SCOPE || (need == RC_NEED_READ && rel != RC_RELATION_NONE) ||
                (need == RC_NEED_TAKE_PART && rel == RC_RELATION_MEMBER);
  if (ok)
    return TRUE;
  if (rel == RC_RELATION_NONE) {
    /* Do not tell a stranger whether the session exists. */
    if (RC_USER_ROLE(user) & RC_ROLES_STAFF) {
      g_autofree char *target = g_strdup_printf("session:%" G_GINT64_FORMAT, session_id);
      audit_refusal(store, user, target, what);
    }
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "session not found");
  } else {
    g_set_error(error, RC_ERROR, RC_ERROR_FORBIDDEN,
                rel == RC_RELATION_INVITED
                    ? "this session belongs to another organisation, which invites yours: you may read it, not run it"
                    : "only the staff of the session's organisation may do this");
  }
  return FALSE;
}

gboolean
rc_access_session(rc_store *store, json_t *user, gint64 session_id, GError **error)
{
  return rc_access_session_for(store, user, session_id, RC_NEED_READ, NULL, error);
}

/* The organisations @user may see the people and sites of (NULL = all). */
static json_t *
reached(rc_store *store, json_t *user)
{
  g_autoptr(json_t) scope = rc_access_scope(store, user);
  if (!scope)
    return NULL;
  json_t *seen = rc_store_organisations_reached(store, scope, NULL);
  return seen ? seen : g_steal_pointer(&scope);
}

gboolean
rc_access_organisation(rc_store *store, json_t *user, gint64 org_id, gboolean run, const char *what, GError **error)
{
  g_autoptr(json_t) orgs = run ? rc_access_scope(store, user) : reached(store, user);
  if (rc_access_in_scope(orgs, org_id))
    return TRUE;
  if (run && rc_access_organisation(store, user, org_id, FALSE, what, NULL))
    g_set_error(error, RC_ERROR, RC_ERROR_FORBIDDEN,
                "%s belongs to an organisation that yours invites: you may see it, not change it", what);
  else
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "%s not found", what);
  return FALSE;
}

void
rc_access_filter_rows(rc_store *store, json_t *user, json_t *rows)
{
  g_autoptr(json_t) orgs = reached(store, user);
  if (!orgs)
    return;
  for (size_t i = json_array_size(rows); i-- > 0;) {
    json_t *row = json_array_get(rows, i);
    if (!rc_access_in_scope(orgs, json_integer_value(json_object_get(row, "organisation_id"))))
      json_array_remove(rows, i);
  }
}

void
rc_access_filter_sessions(rc_store *store, json_t *user, json_t *rows)
{
  static const char *const names[] = {[RC_RELATION_MEMBER] = "member", [RC_RELATION_INVITED] = "invited",
                                      [RC_RELATION_SCOPE] = "scope"};
  g_autoptr(json_t) scope = rc_access_scope(store, user);
  for (size_t i = json_array_size(rows); i-- > 0;) {
    json_t *row = json_array_get(rows, i);
    rc_relation rel = relation_to(store, user, scope, row);
    if (rel == RC_RELATION_NONE)
      json_array_remove(rows, i);
    else
      json_object_set_new(row, "access", json_string(names[rel]));
  }
}

void
rc_access_filter_attendance(rc_store *store, json_t *user, gint64 session_id, json_t *delegates)
{
  if (rc_access_relation(store, user, session_id) != RC_RELATION_INVITED)
    return;
  g_autoptr(json_t) scope = rc_access_scope(store, user);
  for (size_t i = json_array_size(delegates); i-- > 0;) {
    json_t *row = json_array_get(delegates, i);
    if (!rc_access_in_scope(scope, json_integer_value(json_object_get(row, "organisation_id"))))
      json_array_remove(delegates, i);
  }
}

/* The roles that run sessions read every confidential document of their
 * organisations' sessions (not of a session that only invites them). */
#define CONFIDENTIAL_STAFF (RC_ROLE_ADMIN | RC_ROLE_SECRETARIAT | RC_ROLE_CHAIR)

/* Whether @user, who stands in @rel to the document's session, reads
 * confidential document @doc_id. Not audited: listings ask for every
 * document. */
static gboolean
confidential_reader(rc_store *store, json_t *user, rc_relation rel, gint64 doc_id)
{
  return user && (((RC_USER_ROLE(user) & CONFIDENTIAL_STAFF) && rel == RC_RELATION_SCOPE) ||
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

static void
agenda_for(rc_store *store, json_t *user, rc_relation rel, json_t *agenda)
{
  size_t i, j;
  json_t *item, *doc;
  json_array_foreach(agenda, i, item) {
    json_array_foreach(json_object_get(item, "documents"), j, doc) {
      if (json_is_true(json_object_get(doc, "confidential")) &&
          !confidential_reader(store, user, rel, json_integer_value(json_object_get(doc, "id"))))
        withhold(doc);
    }
    agenda_for(store, user, rel, json_object_get(item, "children"));
  }
}

void
rc_access_agenda_for(rc_store *store, json_t *user, json_t *agenda)
{
  json_t *first = json_array_get(agenda, 0);
  gint64 sid = json_integer_value(json_object_get(first, "session_id"));
  agenda_for(store, user, user && first ? rc_access_relation(store, user, sid) : RC_RELATION_NONE, agenda);
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
  rc_relation rel = in_session ? rc_access_relation(store, user, session_id) : RC_RELATION_NONE;
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
  gboolean allowed = in_session && confidential_reader(store, user, rel, doc_id);
  if (allowed) {
    if (!g_str_equal(what, "notes")) /* a reader's note-taking is not a new access */
      audit_document(store, uid, "document.read", what, doc_id);
    if ((RC_USER_ROLE(user) & CONFIDENTIAL_STAFF) && rel == RC_RELATION_SCOPE)
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


/* The organisation that owns @id of @kind, 0 if none. */
static gint64
owner_of(rc_store *store, rc_access_object_kind kind, gint64 id)
{
  g_autoptr(json_t) row = kind == RC_OBJECT_SITE   ? rc_store_site_get(store, id, NULL)
                          : kind == RC_OBJECT_USER ? rc_store_user_get(store, id, NULL)
                                                   : rc_store_room_get(store, id, NULL);
  return row ? json_integer_value(json_object_get(row, "organisation_id")) : 0;
}

gboolean
rc_access_object(rc_store *store, json_t *user, rc_access_object_kind kind, gint64 id, rc_access_need need,
                 const char *what, GError **error)
{
  static const char *const names[] = {[RC_OBJECT_SESSION] = "session", [RC_OBJECT_AGENDA_ITEM] = "agenda item",
                                      [RC_OBJECT_DOCUMENT] = "document", [RC_OBJECT_ALARM] = "alarm",
                                      [RC_OBJECT_SITE] = "site",          [RC_OBJECT_USER] = "user",
                                      [RC_OBJECT_ROOM] = "room"};
  gint64 session_id = 0;
  switch (kind) {
  case RC_OBJECT_SESSION:
    session_id = id;
    break;
  case RC_OBJECT_AGENDA_ITEM:
    session_id = rc_store_agenda_item_session(store, id);
    break;
  case RC_OBJECT_DOCUMENT:
    session_id = rc_store_document_session(store, id);
    break;
  case RC_OBJECT_ALARM: {
    g_autoptr(json_t) alarm = rc_store_alarm_get(store, id, NULL);
    session_id = alarm ? json_integer_value(json_object_get(alarm, "session_id")) : -1;
    if (session_id == 0) /* an alarm of the controller itself (a full disk): every technician's */
      return TRUE;
    break;
  }
  case RC_OBJECT_SITE:
  case RC_OBJECT_USER:
  case RC_OBJECT_ROOM: {
    gint64 org = owner_of(store, kind, id);
    if (org)
      return rc_access_organisation(store, user, org, need != RC_NEED_READ, names[kind], error);
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "%s %" G_GINT64_FORMAT " not found", names[kind], id);
    return FALSE;
  }
  }
  if (session_id <= 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "%s %" G_GINT64_FORMAT " not found", names[kind], id);
    return FALSE;
  }
  return rc_access_session_for(store, user, session_id, need, what, error);
}
