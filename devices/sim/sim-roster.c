/* sim-roster — the sites CSV, read with the controller's own CSV reader. */
#include "devices/sim/sim-roster.h"

#include "base/csv.h"

#define SIM_ROSTER_ERROR g_quark_from_static_string("sim-roster")
#define MAX_ROWS 100000


static void
site_free(gpointer data)
{
  sim_roster_site *s = data;
  g_free(s->code);
  g_free(s->name);
  g_free(s->title);
  g_free(s);
}

static sim_roster_site *
site_new(const char *code, const char *name)
{
  sim_roster_site *s = g_new0(sim_roster_site, 1);
  s->code = g_strdup(code);
  s->name = g_strdup(name);
  s->title = *name ? g_strdup_printf("%s · %s", code, name) : g_strdup(code);
  return s;
}

/* Rows of @level as sim_roster_site, in file order. */
static GPtrArray *
read_sites(const char *path, const char *level, GError **error)
{
  g_autofree char *text = NULL;
  gsize len;
  if (!g_file_get_contents(path, &text, &len, error))
    return NULL;
  g_autoptr(GPtrArray) rows = rc_csv_parse(text, len, MAX_ROWS, error);
  if (!rows)
    return NULL;
  char **header = rows->len ? rows->pdata[0] : NULL;
  int code_col = rc_csv_column(header, "code"), name_col = rc_csv_column(header, "name"),
      level_col = rc_csv_column(header, "level");
  if (code_col < 0 || name_col < 0) {
    g_set_error(error, SIM_ROSTER_ERROR, 0, "%s: needs columns code and name", path);
    return NULL;
  }
  int need = MAX(MAX(code_col, name_col), level_col);
  GPtrArray *sites = g_ptr_array_new_with_free_func(site_free);
  for (guint i = 1; i < rows->len; i++) {
    char **row = rows->pdata[i];
    if ((int)g_strv_length(row) <= need || !*g_strstrip(row[code_col]))
      continue;
    if (level && (level_col < 0 || g_strcmp0(g_strstrip(row[level_col]), level) != 0))
      continue;
    g_ptr_array_add(sites, site_new(row[code_col], g_strstrip(row[name_col])));
  }
  return sites;
}

static sim_roster_site *
find(GPtrArray *sites, const char *code)
{
  for (guint i = 0; i < sites->len; i++)
    if (g_str_equal(((sim_roster_site *)sites->pdata[i])->code, code))
      return sites->pdata[i];
  return NULL;
}

GPtrArray *
sim_roster_load(const char *path, const char *level, guint count, char **codes, GError **error)
{
  g_autoptr(GPtrArray) all = read_sites(path, level, error);
  if (!all)
    return NULL;
  g_autoptr(GPtrArray) chosen = g_ptr_array_new_with_free_func(site_free);
  for (guint i = 0; codes && codes[i]; i++) {
    if (!*g_strstrip(codes[i]))
      continue;
    sim_roster_site *s = find(all, codes[i]);
    if (!s) {
      g_set_error(error, SIM_ROSTER_ERROR, 0, "site %s is not in %s%s%s", codes[i], path,
                  level ? " at level " : "", level ? level : "");
      return NULL;
    }
    if (!find(chosen, s->code))
      g_ptr_array_add(chosen, site_new(s->code, s->name));
  }
  for (guint i = 0; !codes && i < all->len && (count == 0 || i < count); i++) {
    sim_roster_site *s = all->pdata[i];
    g_ptr_array_add(chosen, site_new(s->code, s->name));
  }
  if (chosen->len == 0) {
    g_set_error(error, SIM_ROSTER_ERROR, 0, "no site of %s matches", path);
    return NULL;
  }
  if (count > 0 && chosen->len < count && !codes)
    g_warning("only %u sites match in %s (asked for %u)", chosen->len, path, count);
  return g_steal_pointer(&chosen);
}
