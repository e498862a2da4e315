/* Unit tests for the secret ballot box: groups of at least k, the k kept back
 * for the close, a random order, give-back after a failed commit. */
#include "model/ballot-box.h"

#include <sodium.h>

static void
fill(rc_ballot_box *box, gint64 from, gint64 to)
{
  for (gint64 u = from; u < to; u++) {
    g_autofree char *key = g_strdup_printf("key-%" G_GINT64_FORMAT, u);
    rc_ballot_box_put(box, u, (int)(u % 3), key);
  }
}

static void
test_nothing_sealed_below_2k(void)
{
  rc_ballot_box *box = rc_ballot_box_new(5);
  g_assert_null(rc_ballot_box_take(box, FALSE));
  fill(box, 1, 10); /* 9 = 2k - 1 */
  g_assert_null(rc_ballot_box_take(box, FALSE));
  g_assert_cmpuint(rc_ballot_box_size(box), ==, 9);
  g_assert_cmpstr(rc_ballot_box_key(box, 4), ==, "key-4");
  g_assert_null(rc_ballot_box_key(box, 99));
  rc_ballot_box_free(box);
}

static void
test_groups_of_at_least_k_and_k_kept(void)
{
  rc_ballot_box *box = rc_ballot_box_new(5);
  g_autoptr(GHashTable) seen = g_hash_table_new(g_int64_hash, g_int64_equal);
  g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
  gint64 ids[23];
  for (gint64 u = 1; u <= 23; u++) {
    ids[u - 1] = u;
    fill(box, u, u + 1);
    GPtrArray *g = rc_ballot_box_take(box, FALSE);
    if (g) {
      g_assert_cmpuint(g->len, >=, 5);
      g_assert_cmpuint(rc_ballot_box_size(box), ==, 5); /* k kept back for the close */
      g_ptr_array_add(groups, g);
    }
  }
  GPtrArray *last = rc_ballot_box_take(box, TRUE);
  g_assert_nonnull(last);
  g_assert_cmpuint(last->len, >=, 5);
  g_ptr_array_add(groups, last);
  g_assert_cmpuint(rc_ballot_box_size(box), ==, 0);
  g_assert_null(rc_ballot_box_take(box, TRUE));
  /* Every ballot sealed exactly once, with its own choice and key. */
  for (guint i = 0; i < groups->len; i++) {
    GPtrArray *g = groups->pdata[i];
    for (guint j = 0; j < g->len; j++) {
      rc_secret_ballot *b = g->pdata[j];
      g_assert_false(g_hash_table_contains(seen, &b->user_id));
      g_hash_table_add(seen, &ids[b->user_id - 1]);
      g_assert_cmpint(b->option, ==, (int)(b->user_id % 3));
      g_autofree char *key = g_strdup_printf("key-%" G_GINT64_FORMAT, b->user_id);
      g_assert_cmpstr(b->ballot_key, ==, key);
    }
  }
  g_assert_cmpuint(g_hash_table_size(seen), ==, 23);
  g_assert_cmpuint(groups->len, >=, 3);
  rc_ballot_box_free(box);
}

static void
test_fewer_than_k_in_all_is_one_group_at_close(void)
{
  rc_ballot_box *box = rc_ballot_box_new(5);
  fill(box, 1, 4);
  g_assert_null(rc_ballot_box_take(box, FALSE));
  g_autoptr(GPtrArray) g = rc_ballot_box_take(box, TRUE);
  g_assert_cmpuint(g->len, ==, 3);
  rc_ballot_box_free(box);
}

/* The order a group is written in is not the order of casting: over 200
 * groups of 10, the cast order comes back far less often than it would if
 * the box kept it (always), and every position is taken by many voters. */
static void
test_order_is_shuffled(void)
{
  guint in_cast_order = 0, first_is_first = 0;
  for (int round = 0; round < 200; round++) {
    rc_ballot_box *box = rc_ballot_box_new(5);
    fill(box, 1, 11);
    g_autoptr(GPtrArray) g = rc_ballot_box_take(box, TRUE);
    g_assert_cmpuint(g->len, ==, 10);
    gboolean sorted = TRUE;
    for (guint i = 1; i < g->len; i++)
      sorted = sorted && ((rc_secret_ballot *)g->pdata[i - 1])->user_id < ((rc_secret_ballot *)g->pdata[i])->user_id;
    in_cast_order += sorted;
    first_is_first += ((rc_secret_ballot *)g->pdata[0])->user_id == 1;
    rc_ballot_box_free(box);
  }
  g_assert_cmpuint(in_cast_order, <=, 1);
  /* Expected 20 of 200 (1 in 10); the bound fails a box that keeps voter 1 first. */
  g_assert_cmpuint(first_is_first, <, 60);
}

static void
test_put_back_after_a_failed_commit(void)
{
  rc_ballot_box *box = rc_ballot_box_new(2);
  fill(box, 1, 6);
  GPtrArray *g = rc_ballot_box_take(box, FALSE);
  g_assert_cmpuint(g->len, ==, 3);
  g_assert_cmpuint(rc_ballot_box_size(box), ==, 2);
  rc_ballot_box_put_back(box, g);
  g_assert_cmpuint(rc_ballot_box_size(box), ==, 5);
  for (gint64 u = 1; u < 6; u++)
    g_assert_nonnull(rc_ballot_box_key(box, u));
  g_autoptr(GPtrArray) all = rc_ballot_box_take(box, TRUE);
  g_assert_cmpuint(all->len, ==, 5);
  rc_ballot_box_free(box);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_assert_cmpint(sodium_init(), >=, 0);
  g_test_add_func("/ballot-box/nothing-sealed-below-2k", test_nothing_sealed_below_2k);
  g_test_add_func("/ballot-box/groups-of-at-least-k", test_groups_of_at_least_k_and_k_kept);
  g_test_add_func("/ballot-box/fewer-than-k-in-all", test_fewer_than_k_in_all_is_one_group_at_close);
  g_test_add_func("/ballot-box/order-is-shuffled", test_order_is_shuffled);
  g_test_add_func("/ballot-box/put-back", test_put_back_after_a_failed_commit);
  return g_test_run();
}
