/* votes — the use case "a vote": open it, take ballots, close it (by the
 * chair, at its time limit, or because the session ends), and bring open
 * votes back after a restart. It owns a vote's timers; the vote's counts
 * are rc_vote (vote.h, in the meeting model) and its rows are the store's.
 * A secret ballot is received in memory and sealed on disk with its group
 * (ballot-box.h); every received ballot is sealed before a result is
 * stored. Each change is stored before it is announced (vote.opened,
 * vote.progress, vote.closed) and audited. Main loop only. */
#pragma once
#include "base/config.h"
#include "model/meeting.h"
#include "store/store.h"

typedef struct rc_votes rc_votes;

/* Tells each voter in @group (rc_secret_ballot *) that their ballot is on
 * disk: a message to a user, which only the transport can send. */
typedef void (*rc_votes_sealed_fn)(gint64 vote_id, gint64 session_id, GPtrArray *group, gpointer data);

/* All borrowed. (transfer full) */
rc_votes *rc_votes_new(rc_config *config, rc_store *store, rc_meeting *meeting);
void rc_votes_free(rc_votes *votes);
void rc_votes_set_sealed_fn(rc_votes *votes, rc_votes_sealed_fn fn, gpointer data);

typedef struct {
  gint64 session_id;   /* live; the caller checked the chair may act on it */
  gint64 item_id;      /* 0 = none */
  const char *question;
  json_t *options;     /* strings (transfer none); NULL or empty = the default three */
  gboolean secret;
  int allow_change;    /* -1 = [votes] allow_change; a secret vote never allows it */
  gint64 duration_s;   /* > 0: closes by itself after this long */
  gint64 by;           /* the user who opens it */
} rc_vote_request;

/* Opens a vote; the vote as tablets see it. RC_ERROR_INVALID_STATE if
 * another vote of the session is open. (transfer full) */
json_t *rc_votes_open(rc_votes *votes, const rc_vote_request *request, GError **error);

/* Takes @user_id's ballot for @option in vote @vote_id (the caller checked
 * they are a delegate of its session). @key: the tablet's ballot key, a
 * resend with the same key is acknowledged again and changes nothing.
 * The ack: {"vote_id","recorded","duplicate","state"[,"option"]}. *@sealing
 * is TRUE for a secret ballot: call rc_votes_seal_ready once the ack is
 * queued. (transfer full) */
json_t *rc_votes_cast(rc_votes *votes, gint64 vote_id, gint64 user_id, int option, const char *key,
                      gboolean *sealing, GError **error);
/* Seals a group of the session's open secret vote if one is ready. */
void rc_votes_seal_ready(rc_votes *votes, gint64 session_id);

/* Closes vote @vote_id (by @by, 0 = the controller): every received secret
 * ballot sealed, the result stored and announced. On error it stays open. */
gboolean rc_votes_close(rc_votes *votes, gint64 vote_id, gint64 by, GError **error);
/* Closes the session's open vote, if any (the session ends). */
gboolean rc_votes_close_open(rc_votes *votes, gint64 session_id, gint64 by, GError **error);

/* The session's votes as @user_id's tablet sees them: open ones with their
 * progress and the user's own ballot. (transfer full) */
json_t *rc_votes_list_for(rc_votes *votes, gint64 session_id, gint64 user_id);

/* After a restart: the open votes are rebuilt from the store and their
 * time limits armed again. */
void rc_votes_restore(rc_votes *votes);
