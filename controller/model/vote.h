/* vote — one ballot question: who may cast, changing a choice, the counts,
 * and the outcome under the configured quorum and majority rule. Pure state,
 * main loop only.
 * A secret vote keeps who voted and the counts per option; which voter chose
 * what is held only in its ballot box (ballot-box.h), in memory, until the
 * ballot is sealed in a group of at least k; the database never has it. */
#pragma once
#include "model/ballot-box.h"
#include "base/rc-json.h"

typedef enum { RC_MAJORITY_OF_PRESENT, RC_MAJORITY_OF_MEMBERS } rc_majority_base;

typedef struct {
  rc_majority_base base;
  int majority_percent; /* option 0 passes with more than this % of the base */
  int quorum_percent;   /* % of members present for the vote to count */
} rc_vote_rule;

typedef struct rc_vote rc_vote;

/* (transfer full) */
rc_vote *rc_vote_new(gint64 id, guint n_options, gboolean secret, gboolean allow_change);
void rc_vote_free(rc_vote *vote);

gint64 rc_vote_id(rc_vote *vote);
gboolean rc_vote_secret(rc_vote *vote);
gboolean rc_vote_is_open(rc_vote *vote);
void rc_vote_close(rc_vote *vote);

/* Checks a ballot without changing anything. *@previous gets the voter's
 * earlier choice in an open vote (-1 if none). Errors: RC_ERROR_INVALID_STATE
 * (closed), RC_ERROR_INVALID (no such option), RC_ERROR_FORBIDDEN (not
 * checked in), RC_ERROR_CONFLICT (already voted and no change allowed; a
 * secret ballot can never change). Casting the same choice again in an open
 * vote is allowed and changes nothing. */
gboolean rc_vote_check_cast(rc_vote *vote, gint64 user_id, int option, gboolean checked_in, int *previous,
                            GError **error);
/* Records a ballot that passed rc_vote_check_cast(). A secret ballot goes
 * into the vote's ballot box with @ballot_key, to be sealed later. */
void rc_vote_apply_cast(rc_vote *vote, gint64 user_id, int option, const char *ballot_key);
/* Secret votes: the ballots received and not yet sealed. (transfer none;
 * NULL for an open vote) */
rc_ballot_box *rc_vote_box(rc_vote *vote);
/* Secret votes: seal in groups of at least @k (before any ballot is cast). */
void rc_vote_set_seal_group(rc_vote *vote, guint k);
gboolean rc_vote_has_voted(rc_vote *vote, gint64 user_id);
/* An open vote's choice of @user_id, -1 if none (always -1 for secret votes). */
int rc_vote_choice(rc_vote *vote, gint64 user_id);
guint rc_vote_cast_count(rc_vote *vote);

/* Rebuilding after a restart: an open-vote ballot, or (secret) a voter and
 * the stored count of an option. */
void rc_vote_restore_ballot(rc_vote *vote, gint64 user_id, int option);
void rc_vote_restore_voter(rc_vote *vote, gint64 user_id);
void rc_vote_restore_count(rc_vote *vote, int option, guint count);

/* {"counts":[..],"cast","present","members","quorum_met","passed",
 *  "majority":"present"|"members","majority_percent","quorum_percent",
 *  "needed"} and, for open votes, "ballots":[{"user_id","option"}].
 * (transfer full) */
json_t *rc_vote_result(rc_vote *vote, const rc_vote_rule *rule, guint present, guint members);
