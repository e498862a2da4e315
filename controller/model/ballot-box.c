/* ballot-box — secret ballots received and not yet sealed (see ballot-box.h). */
#include "model/ballot-box.h"

#include <sodium.h>

struct rc_ballot_box {
  guint k;
  GPtrArray *ballots;  /* rc_secret_ballot *, owned */
  GHashTable *by_user; /* user id -> rc_secret_ballot * (borrowed from ballots) */
};

static void
ballot_free(gpointer data)
{
  rc_secret_ballot *b = data;
  g_free(b->ballot_key);
  g_free(b);
}

rc_ballot_box *
rc_ballot_box_new(guint k)
{
  rc_ballot_box *box = g_new0(rc_ballot_box, 1);
  box->k = MAX(k, 1);
  box->ballots = g_ptr_array_new_with_free_func(ballot_free);
  box->by_user = g_hash_table_new(g_int64_hash, g_int64_equal);
  return box;
}

void
rc_ballot_box_free(rc_ballot_box *box)
{
  if (!box)
    return;
  g_hash_table_destroy(box->by_user);
  g_ptr_array_unref(box->ballots);
  g_free(box);
}

static void
add(rc_ballot_box *box, rc_secret_ballot *b)
{
  g_ptr_array_add(box->ballots, b);
  g_hash_table_insert(box->by_user, &b->user_id, b);
}

void
rc_ballot_box_put(rc_ballot_box *box, gint64 user_id, int option, const char *ballot_key)
{
  g_return_if_fail(!g_hash_table_contains(box->by_user, &user_id));
  rc_secret_ballot *b = g_new0(rc_secret_ballot, 1);
  b->user_id = user_id;
  b->option = option;
  b->ballot_key = g_strdup(ballot_key ? ballot_key : "");
  add(box, b);
}

const char *
rc_ballot_box_key(rc_ballot_box *box, gint64 user_id)
{
  rc_secret_ballot *b = g_hash_table_lookup(box->by_user, &user_id);
  return b ? b->ballot_key : NULL;
}

guint
rc_ballot_box_size(rc_ballot_box *box)
{
  return box->ballots->len;
}

GPtrArray *
rc_ballot_box_take(rc_ballot_box *box, gboolean closing)
{
  guint n = box->ballots->len;
  if (n == 0 || (!closing && n < 2 * box->k))
    return NULL;
  /* Fisher-Yates with the kernel's randomness (libsodium): the order of the
   * group is the order its voters are written in, so it must not be the
   * order they voted in. */
  for (guint i = n - 1; i > 0; i--) {
    guint j = randombytes_uniform(i + 1);
    gpointer t = box->ballots->pdata[i];
    box->ballots->pdata[i] = box->ballots->pdata[j];
    box->ballots->pdata[j] = t;
  }
  guint keep = closing ? 0 : box->k;
  GPtrArray *group = g_ptr_array_new_with_free_func(ballot_free);
  for (guint i = keep; i < n; i++) {
    rc_secret_ballot *b = box->ballots->pdata[i];
    g_hash_table_remove(box->by_user, &b->user_id);
    g_ptr_array_add(group, b);
  }
  /* The array gave up the group's ballots; no free func may run on them. */
  g_ptr_array_set_free_func(box->ballots, NULL);
  g_ptr_array_set_size(box->ballots, keep);
  g_ptr_array_set_free_func(box->ballots, ballot_free);
  return group;
}

void
rc_ballot_box_put_back(rc_ballot_box *box, GPtrArray *group)
{
  g_ptr_array_set_free_func(group, NULL);
  for (guint i = 0; i < group->len; i++)
    add(box, group->pdata[i]);
  g_ptr_array_unref(group);
}
