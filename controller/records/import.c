/* import — CSV bulk import of users, delegates, sites, organisations and rooms: check (a plan with
 * per-row errors) and commit (one transaction, all rows or none). Each cell
 * is validated with the same field rules as the REST API (schema), one
 * field at a time, so a row lists all its errors at once. */
#define G_LOG_DOMAIN "roomctl-import"
#include "records/import.h"
#include "base/schema.h"
#include "base/csv.h"
#include "base/rc-error.h"

#include <string.h>

#define MAX_ROWS 20000

static const char *const role_choices[] = {"admin", "secretariat", "chair", "delegate", "technician", NULL};
static const char *const delegate_roles[] = {"delegate", "chair", NULL};
static const char *const level_choices[] = {"province", "district", "commune", "department", NULL};
static const char *const transport_choices[] = {"rtp", "rtsp", "srt", "webrtc", "sip", NULL};
static const char *const srtp_choices[] = {"required", "preferred", "off", NULL};
/* The province is organisation 1, already there: a file holds its units. */
static const char *const org_kind_choices[] = {"council", "committee", "department", "district", "commune", "board",
                                               NULL};

/* A column: its API field rule (site_code, parent_code and organisation
 * are checked against the store instead) and whether the header must have
 * it. A boolean cell is 0/1, true/false or có/không. */
typedef struct {
  rc_field field;
  gboolean header_required;
} column;

#define COL(name, type, req, min, max, choices, hdr) {{name, type, req, min, max, choices}, hdr}
static const column user_columns[] = {
  COL("username", RC_FIELD_USERNAME, TRUE, 0, 0, NULL, TRUE),
  COL("full_name", RC_FIELD_STRING, TRUE, 1, 100, NULL, TRUE),
  COL("role", RC_FIELD_ENUM, TRUE, 0, 0, role_choices, TRUE),
  COL("password", RC_FIELD_STRING, TRUE, 6, 128, NULL, TRUE),
  COL("title", RC_FIELD_STRING, FALSE, 0, 100, NULL, FALSE),
  COL("unit", RC_FIELD_STRING, FALSE, 0, 100, NULL, FALSE),
  COL("site_code", RC_FIELD_CODE, FALSE, 0, 0, NULL, FALSE),
  COL("organisation", RC_FIELD_CODE, FALSE, 0, 0, NULL, FALSE),
  COL("include_children", RC_FIELD_BOOL, FALSE, 0, 0, NULL, FALSE),
  {{NULL, 0, 0, 0, 0, NULL}, FALSE},
};
static const column delegate_columns[] = {
  COL("username", RC_FIELD_USERNAME, TRUE, 0, 0, NULL, TRUE),
  COL("full_name", RC_FIELD_STRING, TRUE, 1, 100, NULL, TRUE),
  COL("role", RC_FIELD_ENUM, FALSE, 0, 0, delegate_roles, FALSE),
  COL("password", RC_FIELD_STRING, TRUE, 6, 128, NULL, TRUE),
  COL("title", RC_FIELD_STRING, FALSE, 0, 100, NULL, FALSE),
  COL("unit", RC_FIELD_STRING, FALSE, 0, 100, NULL, FALSE),
  COL("site_code", RC_FIELD_CODE, FALSE, 0, 0, NULL, FALSE),
  COL("organisation", RC_FIELD_CODE, FALSE, 0, 0, NULL, FALSE),
  {{NULL, 0, 0, 0, 0, NULL}, FALSE},
};
static const column site_columns[] = {
  COL("code", RC_FIELD_CODE, TRUE, 0, 0, NULL, TRUE),
  COL("name", RC_FIELD_STRING, TRUE, 1, 200, NULL, TRUE),
  COL("level", RC_FIELD_ENUM, TRUE, 0, 0, level_choices, TRUE),
  COL("parent_code", RC_FIELD_CODE, FALSE, 0, 0, NULL, FALSE),
  COL("transport", RC_FIELD_ENUM, FALSE, 0, 0, transport_choices, FALSE),
  COL("address", RC_FIELD_STRING, FALSE, 0, 500, NULL, FALSE),
  /* empty = the [media] default */
  COL("h264_payload_type", RC_FIELD_INT_OR_NULL, FALSE, 96, 127, NULL, FALSE),
  COL("opus_payload_type", RC_FIELD_INT_OR_NULL, FALSE, 96, 127, NULL, FALSE),
  COL("video_cap_kbps", RC_FIELD_INT_OR_NULL, FALSE, 0, 1000000, NULL, FALSE),
  COL("audio_cap_kbps", RC_FIELD_INT_OR_NULL, FALSE, 0, 100000, NULL, FALSE),
  COL("organisation", RC_FIELD_CODE, FALSE, 0, 0, NULL, FALSE),
  /* transport sip: its digest user and password, its media security */
  COL("sip_user", RC_FIELD_STRING, FALSE, 0, 64, NULL, FALSE),
  COL("sip_password", RC_FIELD_STRING, FALSE, 0, 128, NULL, FALSE),
  COL("srtp", RC_FIELD_ENUM, FALSE, 0, 0, srtp_choices, FALSE),
  /* transport rtp: where its media may come from (empty: its address's host) */
  COL("media_from", RC_FIELD_IPV4_NET, FALSE, 0, 0, NULL, FALSE),
  {{NULL, 0, 0, 0, 0, NULL}, FALSE},
};
static const column organisation_columns[] = {
  COL("code", RC_FIELD_CODE, TRUE, 0, 0, NULL, TRUE),
  COL("name", RC_FIELD_STRING, TRUE, 1, 200, NULL, TRUE),
  COL("kind", RC_FIELD_ENUM, TRUE, 0, 0, org_kind_choices, TRUE),
  COL("parent_code", RC_FIELD_CODE, FALSE, 0, 0, NULL, FALSE),
  {{NULL, 0, 0, 0, 0, NULL}, FALSE},
};
/* A room's organisation: its code, or empty for the importer's own. */
static const column room_columns[] = {
  COL("organisation", RC_FIELD_CODE, FALSE, 0, 0, NULL, FALSE),
  COL("name", RC_FIELD_STRING, TRUE, 1, 100, NULL, TRUE),
  COL("site_code", RC_FIELD_CODE, FALSE, 0, 0, NULL, FALSE),
  {{NULL, 0, 0, 0, 0, NULL}, FALSE},
};
#define MAX_COLUMNS 16 /* the most columns of a kind (sites: 14) */
#define PASSWORD_COLUMN 3      /* in user_columns and delegate_columns */
#define SIP_PASSWORD_COLUMN 12 /* in site_columns */

static const char *const kind_names[] = {"users", "delegates", "sites", "organisations", "rooms"};

static gboolean
has_people(rc_import_kind kind)
{
  return kind == RC_IMPORT_USERS || kind == RC_IMPORT_DELEGATES;
}

gboolean
rc_import_kind_parse(const char *name, rc_import_kind *kind)
{
  for (guint i = 0; name && i < G_N_ELEMENTS(kind_names); i++)
    if (g_str_equal(name, kind_names[i])) {
      *kind = (rc_import_kind)i;
      return TRUE;
    }
  return FALSE;
}

const char *
rc_import_kind_name(rc_import_kind kind)
{
  return kind_names[kind];
}

static const column *
columns_of(rc_import_kind kind)
{
  static const column *const of_kind[] = {user_columns, delegate_columns, site_columns, organisation_columns,
                                          room_columns};
  return of_kind[kind];
}

/* The whole file, parsed, with the column of each field. */
typedef struct {
  rc_import_kind kind;
  const column *cols;
  GPtrArray *rows;   /* GStrv; rows[0] is the header */
  GArray *lines;     /* guint: the line each row starts on */
  int at[MAX_COLUMNS]; /* cols[i] is cell at[i] of a row, or -1 */
  guint width;       /* cells in the header */
} table;

static void
table_clear(table *t)
{
  g_clear_pointer(&t->rows, g_ptr_array_unref);
  g_clear_pointer(&t->lines, g_array_unref);
}

/* Not UTF-8: name the line and the byte, and the likely cause. */
static gboolean
check_utf8(const char *text, gsize len, GError **error)
{
  const char *bad = NULL;
  if (g_utf8_validate_len(text, len, &bad))
    return TRUE;
  guint line = 1;
  for (const char *p = text; p < bad; p++)
    line += *p == '\n';
  const char *line_start = bad;
  while (line_start > text && line_start[-1] != '\n')
    line_start--;
  g_set_error(error, RC_ERROR, RC_ERROR_INVALID,
              "line %u, byte %" G_GSIZE_FORMAT " (column %" G_GSIZE_FORMAT " of the line, value 0x%02X): the file is not"
              " UTF-8 text; it looks like Windows-1258 or Latin-1. Save it as \"CSV UTF-8\" and upload it again",
              line, (gsize)(bad - text), (gsize)(bad - line_start) + 1, (unsigned char)*bad);
  return FALSE;
}

static gboolean
read_header(table *t, GError **error)
{
  char **header = t->rows->pdata[0];
  t->width = g_strv_length(header);
  for (guint i = 0; t->cols[i].field.name; i++)
    t->at[i] = -1;
  for (guint c = 0; c < t->width; c++) {
    g_autofree char *name = g_ascii_strdown(g_strstrip(header[c]), -1);
    guint i = 0;
    while (t->cols[i].field.name && !g_str_equal(t->cols[i].field.name, name))
      i++;
    if (!t->cols[i].field.name) {
      g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "%s: not a column of a %s import (line 1, column %u)",
                  *name ? name : "(empty)", kind_names[t->kind], c + 1);
      return FALSE;
    }
    if (t->at[i] >= 0) {
      g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "%s: the column appears twice in the header", name);
      return FALSE;
    }
    t->at[i] = (int)c;
  }
  for (guint i = 0; t->cols[i].field.name; i++)
    if (t->cols[i].header_required && t->at[i] < 0) {
      g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "%s: the column is missing from the header (line 1)",
                  t->cols[i].field.name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
table_read(table *t, rc_import_kind kind, const char *text, gsize len, GError **error)
{
  memset(t, 0, sizeof *t);
  t->kind = kind;
  t->cols = columns_of(kind);
  if (!check_utf8(text, len, error))
    return FALSE;
  if (!(t->rows = rc_csv_parse_lines(text, len, MAX_ROWS + 1, &t->lines, error)))
    return FALSE;
  if (t->rows->len == 0) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "the file is empty");
    return FALSE;
  }
  if (!read_header(t, error))
    return FALSE;
  if (t->rows->len == 1) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "the file has a header but no rows");
    return FALSE;
  }
  return TRUE;
}

/* Cell @i (a column index of t->cols) of @row, stripped; "" when absent. */
static const char *
cell(const table *t, char **row, guint i)
{
  int c = t->at[i];
  if (c < 0 || (guint)c >= g_strv_length(row))
    return "";
  return g_strstrip(row[c]);
}

static void
add_error(json_t *errors, guint line, const char *column, const char *reason)
{
  json_array_append_new(errors, json_pack("{si ss ss}", "row", (int)line, "column", column, "reason", reason));
}

/* What the store holds already, and what earlier rows of the file hold. */
typedef struct {
  GHashTable *taken;      /* username, site or organisation code, room key in the store -> level (sites) or "" */
  GHashTable *in_file;    /* username, code or room key -> GUINT line */
  GHashTable *file_level; /* site code -> level, for parents later in the file; organisation code -> parent code */
  GHashTable *orgs;       /* organisation code in the store -> its id */
  const rc_import_owner *owner;
} seen;

/* A room is unique by organisation and name. (transfer full) */
static char *
room_key(gint64 organisation_id, const char *name)
{
  return g_strdup_printf("%" G_GINT64_FORMAT "\n%s", organisation_id, name);
}

static void
seen_load(seen *s, rc_store *store, rc_import_kind kind, const rc_import_owner *owner)
{
  s->taken = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  s->in_file = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  s->file_level = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  s->orgs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  s->owner = owner;
  g_autoptr(json_t) users = has_people(kind) ? rc_store_users_list(store, NULL, NULL) : NULL;
  g_autoptr(json_t) sites = kind != RC_IMPORT_ORGANISATIONS ? rc_store_sites_list(store, NULL, 0, NULL) : NULL;
  g_autoptr(json_t) orgs = rc_store_organisations_list(store, NULL);
  g_autoptr(json_t) rooms = kind == RC_IMPORT_ROOMS ? rc_store_rooms_list(store, NULL) : NULL;
  size_t i;
  json_t *v;
  json_array_foreach(rooms, i, v)
    g_hash_table_insert(s->taken, room_key(json_integer_value(json_object_get(v, "organisation_id")),
                                           json_string_value(json_object_get(v, "name"))), g_strdup(""));
  json_array_foreach(users, i, v)
    g_hash_table_insert(s->taken, g_strdup(json_string_value(json_object_get(v, "username"))), g_strdup(""));
  /* Sites are needed for both: site_code of users, codes and parents of sites. */
  json_array_foreach(sites, i, v)
    g_hash_table_insert(kind == RC_IMPORT_SITES ? s->taken : s->file_level,
                        g_strdup(json_string_value(json_object_get(v, "code"))),
                        g_strdup(json_string_value(json_object_get(v, "level"))));
  json_array_foreach(orgs, i, v) {
    const char *code = json_string_value(json_object_get(v, "code"));
    g_hash_table_insert(s->orgs, g_strdup(code), GSIZE_TO_POINTER(json_integer_value(json_object_get(v, "id"))));
    if (kind == RC_IMPORT_ORGANISATIONS)
      g_hash_table_insert(s->taken, g_strdup(code), g_strdup(""));
  }
}

static void
seen_clear(seen *s)
{
  g_hash_table_unref(s->taken);
  g_hash_table_unref(s->in_file);
  g_hash_table_unref(s->file_level);
  g_hash_table_unref(s->orgs);
}

/* A boolean cell: 0/1, true/false, yes/no, có/không (any case); -1 otherwise. */
static int
parse_bool(const char *v)
{
  static const char *const yes[] = {"1", "true", "yes", "có", NULL};
  static const char *const no[] = {"0", "false", "no", "không", NULL};
  g_autofree char *folded = g_utf8_strdown(v, -1);
  if (g_strv_contains(yes, folded))
    return 1;
  return g_strv_contains(no, folded) ? 0 : -1;
}

/* A cell as the API would have it: numbers for number columns (text that
 * is not a number stays text, and fails the check with the column's rule). */
static json_t *
cell_json(const rc_field *f, const char *v)
{
  gint64 n;
  if (f->type == RC_FIELD_BOOL && parse_bool(v) >= 0)
    return json_pack("{sb}", f->name, parse_bool(v));
  if ((f->type == RC_FIELD_INT || f->type == RC_FIELD_INT_OR_NULL) &&
      g_ascii_string_to_signed(v, 10, G_MININT64, G_MAXINT64, &n, NULL))
    return json_pack("{sI}", f->name, (json_int_t)n);
  return json_pack("{ss}", f->name, v);
}

/* Validates each cell on its own, so a row reports all its errors. */
static void
check_cells(const table *t, char **row, guint line, json_t *values, json_t *bad, json_t *errors)
{
  for (guint i = 0; t->cols[i].field.name; i++) {
    const rc_field *f = &t->cols[i].field;
    const char *v = cell(t, row, i);
    if (!*v) {
      if (f->required)
        add_error(errors, line, f->name, "must be given");
      continue;
    }
    rc_field one[2] = {*f, {NULL, 0, 0, 0, 0, NULL}};
    g_autoptr(json_t) obj = cell_json(f, v);
    g_autoptr(GError) err = NULL;
    if (!obj) {
      add_error(errors, line, f->name, "not valid text");
    } else if (!rc_schema_validate(obj, one, &err)) {
      const char *reason = f->type == RC_FIELD_BOOL ? NULL : strstr(err->message, ": ");
      add_error(errors, line, f->name,
                f->type == RC_FIELD_BOOL ? "must be 0 or 1 (true or false, có or không)"
                : reason                 ? reason + 2
                                         : err->message);
      if (!g_str_equal(f->name, "password")) /* shown in the preview as it was */
        json_object_set(values, f->name, json_object_get(obj, f->name));
      json_object_set_new(bad, f->name, json_true());
    } else {
      json_object_set(values, f->name, json_object_get(obj, f->name));
    }
  }
  guint n = g_strv_length(row);
  for (guint c = t->width; c < n; c++)
    if (*g_strstrip(row[c])) {
      g_autofree char *why = g_strdup_printf("the row has %u cells, the header %u", n, t->width);
      add_error(errors, line, "", why);
      break;
    }
}

/* A @key must be new to the store and to the file; errors name it as @shown. */
static void
check_unique_key(seen *s, const char *column, const char *key, const char *shown, guint line, json_t *errors)
{
  gpointer first = g_hash_table_lookup(s->in_file, key);
  if (g_hash_table_contains(s->taken, key)) {
    g_autofree char *why = g_strdup_printf("%s already exists on the server", shown);
    add_error(errors, line, column, why);
  } else if (first) {
    g_autofree char *why = g_strdup_printf("%s is also on row %u of the file", shown, GPOINTER_TO_UINT(first));
    add_error(errors, line, column, why);
  } else {
    g_hash_table_insert(s->in_file, g_strdup(key), GUINT_TO_POINTER(line));
  }
}

/* A name (username, site code) must be new to the store and to the file. */
static void
check_unique(seen *s, const char *column, const char *name, guint line, json_t *errors)
{
  if (!name)
    return;
  g_autofree char *shown = g_strdup_printf("'%s'", name);
  check_unique_key(s, column, name, shown, line, errors);
}

static const char *
str(json_t *values, const char *key)
{
  return json_string_value(json_object_get(values, key));
}

/* A value that passed its cell check, or NULL. */
static const char *
valid(json_t *values, json_t *bad, const char *key)
{
  return json_object_get(bad, key) ? NULL : str(values, key);
}

/* The level a site's parent must have, or NULL for the province (none). */
static const char *
parent_level_for(const char *level)
{
  if (!level || g_str_equal(level, "province"))
    return NULL;
  return g_str_equal(level, "commune") ? "district" : "province";
}

static void
check_site_parent(seen *s, json_t *values, json_t *bad, guint line, json_t *errors)
{
  const char *level = valid(values, bad, "level"), *parent = valid(values, bad, "parent_code");
  if (!level || json_object_get(bad, "parent_code"))
    return;
  const char *want = parent_level_for(level);
  if (!want) {
    if (parent)
      add_error(errors, line, "parent_code", "a province site has no parent");
    return;
  }
  if (!parent) {
    g_autofree char *why = g_strdup_printf("a %s needs a parent site (a %s)", level, want);
    add_error(errors, line, "parent_code", why);
    return;
  }
  const char *plevel = g_hash_table_lookup(s->file_level, parent);
  if (!plevel)
    plevel = g_hash_table_lookup(s->taken, parent);
  g_autofree char *why = !plevel ? g_strdup_printf("no site '%s' in the file or on the server", parent)
                         : !g_str_equal(plevel, want)
                             ? g_strdup_printf("the parent of a %s must be a %s; '%s' is a %s", level, want, parent, plevel)
                             : NULL;
  if (why)
    add_error(errors, line, "parent_code", why);
}

/* An organisation's parent: in the file (before or after) or on the
 * server; empty is the province. A chain of parents in the file must not
 * come back to the row. */
static void
check_org_parent(seen *s, json_t *values, json_t *bad, guint line, json_t *errors)
{
  const char *code = valid(values, bad, "code"), *parent = valid(values, bad, "parent_code");
  if (!parent)
    return;
  if (!g_hash_table_contains(s->file_level, parent) && !g_hash_table_contains(s->orgs, parent)) {
    g_autofree char *why = g_strdup_printf("no organisation '%s' in the file or on the server", parent);
    add_error(errors, line, "parent_code", why);
    return;
  }
  /* Each step goes one row up the file's tree; more steps than rows is a cycle elsewhere. */
  guint steps = g_hash_table_size(s->file_level);
  for (const char *up = parent; code && up && *up && steps-- > 0; up = g_hash_table_lookup(s->file_level, up)) {
    if (g_str_equal(up, code)) {
      g_autofree char *why = g_strdup_printf("'%s' would sit under itself (a loop of parent codes in the file)", code);
      add_error(errors, line, "parent_code", why);
      return;
    }
    if (g_hash_table_contains(s->orgs, up))
      return; /* the chain reaches the server's tree */
  }
}

/* The organisation a user or site goes to must exist and be the importer's. */
static void
check_owner(seen *s, json_t *values, json_t *bad, guint line, json_t *errors)
{
  const char *code = valid(values, bad, "organisation");
  if (!code)
    return;
  gpointer id;
  g_autofree char *why = NULL;
  if (!g_hash_table_lookup_extended(s->orgs, code, NULL, &id))
    why = g_strdup_printf("no organisation '%s' on the server", code);
  else if (s->owner && !rc_json_ids_have(s->owner->scope, GPOINTER_TO_SIZE(id)))
    why = g_strdup_printf("'%s' is not an organisation you act for", code);
  if (why)
    add_error(errors, line, "organisation", why);
}

static void
check_site_code(seen *s, json_t *values, json_t *bad, guint line, json_t *errors)
{
  const char *site = valid(values, bad, "site_code");
  if (site && !g_hash_table_contains(s->file_level, site)) {
    g_autofree char *why = g_strdup_printf("no site '%s' on the server", site);
    add_error(errors, line, "site_code", why);
  }
}

/* A room's name is unique within its organisation (the importer's own
 * when the row names none), in the file and on the server. */
static void
check_room_name(seen *s, json_t *values, json_t *bad, guint line, json_t *errors)
{
  const char *name = valid(values, bad, "name"), *code = str(values, "organisation");
  gpointer id = GSIZE_TO_POINTER(s->owner && s->owner->organisation_id ? s->owner->organisation_id : 1);
  if (!name || json_object_get(bad, "organisation") || (code && !g_hash_table_lookup_extended(s->orgs, code, NULL, &id)))
    return; /* no organisation to be unique in: its own error says why */
  g_autofree char *key = room_key(GPOINTER_TO_SIZE(id), name);
  g_autofree char *shown = code ? g_strdup_printf("a room '%s' of '%s'", name, code)
                                : g_strdup_printf("a room '%s' of your organisation", name);
  check_unique_key(s, "name", key, shown, line, errors);
}

static void
check_row(const table *t, seen *s, guint r, json_t *rows, json_t *all_errors)
{
  char **row = t->rows->pdata[r];
  guint line = g_array_index(t->lines, guint, r);
  json_t *values = json_object(), *errors = json_array();
  g_autoptr(json_t) bad = json_object(); /* columns whose cell failed its check */
  check_cells(t, row, line, values, bad, errors);
  if (t->kind == RC_IMPORT_ORGANISATIONS) {
    check_unique(s, "code", valid(values, bad, "code"), line, errors);
    check_org_parent(s, values, bad, line, errors);
  } else if (t->kind == RC_IMPORT_SITES) {
    check_unique(s, "code", valid(values, bad, "code"), line, errors);
    if (json_object_get(values, "sip_password")) { /* read from the file again when written, never shown */
      json_object_del(values, "sip_password");
      json_object_set_new(values, "sip_password_set", json_true());
    }
    check_site_parent(s, values, bad, line, errors);
    check_owner(s, values, bad, line, errors);
  } else if (t->kind == RC_IMPORT_ROOMS) {
    check_owner(s, values, bad, line, errors);
    check_room_name(s, values, bad, line, errors);
    check_site_code(s, values, bad, line, errors);
  } else {
    check_unique(s, "username", valid(values, bad, "username"), line, errors);
    check_site_code(s, values, bad, line, errors);
    check_owner(s, values, bad, line, errors);
    if (t->kind == RC_IMPORT_DELEGATES && !json_object_get(values, "role"))
      json_object_set_new(values, "role", json_string("delegate"));
    if (json_object_get(values, "password")) {
      json_object_del(values, "password");
      json_object_set_new(values, "password_set", json_true());
    }
  }
  json_array_extend(all_errors, errors);
  json_array_append_new(rows, json_pack("{si so so}", "row", (int)line, "values", values, "errors", errors));
}

/* Site levels (organisations' parent codes) of the file, known before the
 * rows are checked, so a parent may come after its children. */
static void
note_file_rows(const table *t, seen *s)
{
  guint other = t->kind == RC_IMPORT_SITES ? 2 : 3; /* level, or parent_code */
  for (guint r = 1; r < t->rows->len; r++) {
    const char *code = cell(t, t->rows->pdata[r], 0), *v = cell(t, t->rows->pdata[r], other);
    if (*code && (*v || t->kind == RC_IMPORT_ORGANISATIONS) && !g_hash_table_contains(s->file_level, code))
      g_hash_table_insert(s->file_level, g_strdup(code), g_strdup(v));
  }
}

static json_t *
plan_of(rc_store *store, const table *t, const rc_import_owner *owner)
{
  seen s;
  seen_load(&s, store, t->kind, owner);
  if (t->kind == RC_IMPORT_SITES || t->kind == RC_IMPORT_ORGANISATIONS)
    note_file_rows(t, &s);
  json_t *rows = json_array(), *errors = json_array(), *columns = json_array();
  for (guint i = 0; t->cols[i].field.name; i++)
    if (t->at[i] >= 0)
      json_array_append_new(columns, json_string(t->cols[i].field.name));
  for (guint r = 1; r < t->rows->len; r++)
    check_row(t, &s, r, rows, errors);
  seen_clear(&s);
  size_t n = json_array_size(errors);
  return json_pack("{ss so si si sb so so}", "kind", kind_names[t->kind], "columns", columns, "total",
                   (int)(t->rows->len - 1), "error_count", (int)n, "valid", n == 0, "rows", rows, "errors", errors);
}

json_t *
rc_import_check(rc_store *store, rc_import_kind kind, const rc_import_owner *owner, const char *text, gsize len,
                GError **error)
{
  table t;
  json_t *plan = table_read(&t, kind, text, len, error) ? plan_of(store, &t, owner) : NULL;
  table_clear(&t);
  return plan;
}

GPtrArray *
rc_import_passwords(rc_import_kind kind, const char *text, gsize len)
{
  GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
  table t = {0};
  if (has_people(kind) && table_read(&t, kind, text, len, NULL)) {
    g_autoptr(GHashTable) distinct = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint r = 1; r < t.rows->len; r++) {
      const char *pw = cell(&t, t.rows->pdata[r], PASSWORD_COLUMN);
      if (*pw && g_hash_table_add(distinct, (gpointer)pw))
        g_ptr_array_add(out, g_strdup(pw));
    }
  }
  table_clear(&t);
  return out;
}

/* The organisation a row goes to: its column, or the importer's; 0 = the
 * store's default (the province). */
static gint64
owner_of(rc_store *store, json_t *values, const rc_import_owner *owner)
{
  const char *code = str(values, "organisation");
  if (code)
    return rc_store_organisation_id_by_code(store, code);
  return owner ? owner->organisation_id : 0;
}

static gboolean
write_user(rc_store *store, json_t *values, const char *hash, const rc_import_owner *owner, GError **error)
{
  gint64 id = rc_store_user_create(store, str(values, "username"), str(values, "full_name"), str(values, "role"), hash,
                                   str(values, "title"), str(values, "unit"), error);
  if (!id)
    return FALSE;
  g_autoptr(json_t) f = json_object();
  const char *site = str(values, "site_code");
  gint64 org = owner_of(store, values, owner);
  if (site)
    json_object_set_new(f, "site_id", json_integer(rc_store_site_id_by_code(store, site)));
  if (org)
    json_object_set_new(f, "organisation_id", json_integer(org));
  if (json_object_get(values, "include_children"))
    json_object_set(f, "include_children", json_object_get(values, "include_children"));
  return json_object_size(f) == 0 || rc_store_user_update(store, id, f, NULL, error);
}

static int
level_rank(json_t *row)
{
  const char *level = str(json_object_get(row, "values"), "level");
  return g_strcmp0(level, "province") == 0 ? 0 : g_strcmp0(level, "commune") == 0 ? 2 : 1;
}

static gboolean
write_site(rc_store *store, json_t *values, const char *sip_password, const rc_import_owner *owner, GError **error)
{
  const char *parent = str(values, "parent_code");
  g_autoptr(json_t) f = json_pack("{ss ss ss so ss ss}", "code", str(values, "code"), "name", str(values, "name"),
                                  "level", str(values, "level"), "parent_id",
                                  parent ? json_integer(rc_store_site_id_by_code(store, parent)) : json_null(),
                                  "transport", str(values, "transport") ? str(values, "transport") : "rtp",
                                  "address", str(values, "address") ? str(values, "address") : "");
  static const char *const media[] = {"h264_payload_type", "opus_payload_type", "video_cap_kbps", "audio_cap_kbps",
                                      "sip_user",          "srtp",              "media_from"};
  for (guint i = 0; i < G_N_ELEMENTS(media); i++)
    if (json_object_get(values, media[i]))
      json_object_set(f, media[i], json_object_get(values, media[i]));
  if (*sip_password)
    json_object_set_new(f, "sip_password", json_string(sip_password));
  gint64 org = owner_of(store, values, owner);
  if (org)
    json_object_set_new(f, "organisation_id", json_integer(org));
  return rc_store_site_create(store, f, error) != 0;
}

static gboolean
write_room(rc_store *store, json_t *values, const rc_import_owner *owner, GError **error)
{
  const char *site = str(values, "site_code");
  g_autoptr(json_t) f = json_pack("{sI ss so}", "organisation_id", (json_int_t)(owner_of(store, values, owner) ?: 1),
                                  "name", str(values, "name"), "site_id",
                                  site ? json_integer(rc_store_site_id_by_code(store, site)) : json_null());
  return rc_store_room_create(store, f, error) != 0;
}

static int
row_number(json_t *row)
{
  return (int)json_integer_value(json_object_get(row, "row"));
}

/* Organisations go parents first, whatever the file's order: each pass
 * writes the rows whose parent is now in the store. The check has ruled
 * out loops and unknown parents, so every pass writes one row at least. */
static gboolean
write_organisations(rc_store *store, json_t *rows, GError **error)
{
  g_autoptr(GPtrArray) pending = g_ptr_array_new();
  for (size_t i = 0; i < json_array_size(rows); i++)
    g_ptr_array_add(pending, json_array_get(rows, i));
  while (pending->len > 0) {
    guint before = pending->len;
    for (guint i = 0; i < pending->len;) {
      json_t *row = pending->pdata[i], *values = json_object_get(row, "values");
      const char *parent = str(values, "parent_code");
      gint64 parent_id = parent ? rc_store_organisation_id_by_code(store, parent) : 1;
      if (!parent_id) {
        i++;
        continue;
      }
      g_autoptr(json_t) f = json_pack("{ss ss ss sI}", "code", str(values, "code"), "name", str(values, "name"),
                                      "kind", str(values, "kind"), "parent_id", (json_int_t)parent_id);
      if (!rc_store_organisation_create(store, f, error)) {
        g_prefix_error(error, "row %d: ", row_number(row));
        return FALSE;
      }
      g_ptr_array_remove_index(pending, i);
    }
    if (pending->len == before) {
      g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "row %d: its parent was never written",
                  row_number(pending->pdata[0]));
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
write_rows(rc_store *store, const table *t, const rc_import_owner *owner, json_t *plan, GHashTable *hashes,
           GError **error)
{
  json_t *rows = json_object_get(plan, "rows");
  if (t->kind == RC_IMPORT_ORGANISATIONS)
    return write_organisations(store, rows, error);
  /* Sites go in level order, parents first, whatever the file's order. */
  for (int rank = 0; rank < (t->kind == RC_IMPORT_SITES ? 3 : 1); rank++) {
    for (size_t i = 0; i < json_array_size(rows); i++) {
      json_t *row = json_array_get(rows, i);
      json_t *values = json_object_get(row, "values");
      gboolean ok;
      if (t->kind == RC_IMPORT_SITES) {
        if (level_rank(row) != rank)
          continue;
        ok = write_site(store, values, cell(t, t->rows->pdata[i + 1], SIP_PASSWORD_COLUMN), owner, error);
      } else if (t->kind == RC_IMPORT_ROOMS) {
        ok = write_room(store, values, owner, error);
      } else {
        const char *pw = cell(t, t->rows->pdata[i + 1], PASSWORD_COLUMN);
        const char *hash = hashes ? g_hash_table_lookup(hashes, pw) : NULL;
        if (!hash) {
          g_set_error(error, RC_ERROR, RC_ERROR_INTERNAL, "row %d: the password was not hashed",
                      (int)json_integer_value(json_object_get(row, "row")));
          return FALSE;
        }
        ok = write_user(store, values, hash, owner, error);
      }
      if (!ok) {
        g_prefix_error(error, "row %d: ", (int)json_integer_value(json_object_get(row, "row")));
        return FALSE;
      }
    }
  }
  return TRUE;
}

int
rc_import_commit(rc_store *store, rc_import_kind kind, const rc_import_owner *owner, const char *text, gsize len,
                 GHashTable *hashes, json_t **plan_out, GError **error)
{
  table t;
  g_autoptr(json_t) plan = table_read(&t, kind, text, len, error) ? plan_of(store, &t, owner) : NULL;
  int written = -1;
  if (!plan)
    goto out;
  if (!json_is_true(json_object_get(plan, "valid"))) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "%d errors in the file: nothing was imported",
                (int)json_integer_value(json_object_get(plan, "error_count")));
    if (plan_out)
      *plan_out = g_steal_pointer(&plan);
    goto out;
  }
  if (!rc_store_begin(store, error))
    goto out;
  if (!write_rows(store, &t, owner, plan, hashes, error) || !rc_store_commit(store, error)) {
    rc_store_rollback(store);
    goto out;
  }
  written = (int)json_integer_value(json_object_get(plan, "total"));
out:
  table_clear(&t);
  return written;
}
