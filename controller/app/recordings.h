/* recordings — the use case "watch a session's recording again": the
 * program recordings of a session, cut by agenda item, and their files.
 * The recorder's index (media-record.c) gives each file's start and each
 * agenda item's start as offsets from the recording's start; an item's part
 * of a file is the whole file plus a media fragment (#t=start,end): the
 * player fetches only what it needs with Range requests, and nothing is
 * re-muxed on this 2-core controller. Files are looked up only by the
 * names in an index, inside the recording directory. Main loop only. */
#pragma once
#include "base/config.h"
#include "store/store.h"

#include <jansson.h>

/* Session @session_id's recordings: {session_id, recorded, started_at,
 * ended_at, files: [...], items: [...]} ({session_id, recorded: false,
 * files: [], items: []} when it was never recorded), or NULL with @error
 * (RC_ERROR_NOT_FOUND) when there is no such session. (transfer full) */
json_t *rc_recordings_list(const rc_config *config, rc_store *store, gint64 session_id, GError **error);

/* The session of a recording file's name ("session-ID-NNN.mp4"); 0 for any
 * other name (no paths, no dots). */
gint64 rc_recordings_file_session(const char *name);

/* The path of recording file @name (a name rc_recordings_file_session
 * accepts), or NULL with RC_ERROR_NOT_FOUND when no index lists it or the
 * file was deleted. (transfer full) */
char *rc_recordings_file(const rc_config *config, const char *name, GError **error);
