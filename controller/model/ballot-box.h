/* ballot-box — secret ballots received and not yet sealed. Pure state, main
 * loop only.
 *
 * It is the one place where a secret ballot's voter and choice are together,
 * and it is memory, never a file: a ballot is acknowledged as *received* when
 * it is put in the box, and as *sealed* once the store has committed it as
 * part of a group. A group is written in one transaction, voters in shuffled
 * order and the tally by the group's totals, so that no file (the database,
 * its WAL, freed pages, the order of cells) tells more than which >= k voters
 * produced which counts. The box keeps k ballots back until the close, so
 * the last group is never smaller than k either; a vote with fewer than k
 * ballots in all is sealed as one group at the close.
 *
 * A crash empties the box: those ballots were only *received*, and the
 * tablet keeps sending them (same ballot_key) until it hears *sealed*. */
#pragma once
#include <glib.h>

typedef struct {
  gint64 user_id;
  int option;
  char *ballot_key;
} rc_secret_ballot;

typedef struct rc_ballot_box rc_ballot_box;

/* @k: the smallest group sealed together (>= 1). (transfer full) */
rc_ballot_box *rc_ballot_box_new(guint k);
void rc_ballot_box_free(rc_ballot_box *box);

/* Puts a ballot in; @user_id must not be in the box already. */
void rc_ballot_box_put(rc_ballot_box *box, gint64 user_id, int option, const char *ballot_key);
/* The key of @user_id's ballot in the box, or NULL. (transfer none) */
const char *rc_ballot_box_key(rc_ballot_box *box, gint64 user_id);
guint rc_ballot_box_size(rc_ballot_box *box);

/* Takes out the ballots to seal now, in a random order: all but k of them
 * once the box holds 2k or more, every one when @closing, else none (NULL).
 * The caller commits them as one group, then frees the array; if the commit
 * fails it gives them back with rc_ballot_box_put_back().
 * (transfer full: a GPtrArray of rc_secret_ballot *, each freed with it) */
GPtrArray *rc_ballot_box_take(rc_ballot_box *box, gboolean closing);
/* Returns a group that could not be sealed (transfer full of @group). */
void rc_ballot_box_put_back(rc_ballot_box *box, GPtrArray *group);
