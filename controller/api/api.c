/* api — the composition root of the api: it makes the app's use cases and
 * the api's own parts, and ties them to the transport and the media. */
#define G_LOG_DOMAIN "roomctl-api"
#include "api/api-private.h"
#include "app/accounts.h"
#include "app/agenda.h"
#include "app/agenda-documents.h"
#include "app/domain.h"
#include "app/metrics.h"
#include "app/presentation.h"
#include "app/program.h"
#include "app/record-jobs.h"
#include "app/session-plan.h"
#include "app/sessions.h"
#include "app/site-floor.h"
#include "app/site-health.h"
#include "app/speakers.h"
#include "app/storage-watch.h"
#include "app/votes.h"

void
rc_api_set_ws_io(rc_api *api, const rc_api_ws_io *io)
{
  api->io = io ? *io : (rc_api_ws_io){0};
}

rc_api *
rc_api_new(rc_config *config, rc_store *store, rc_auth *auth, rc_meeting *meeting)
{
  rc_api *api = g_new0(rc_api, 1);
  api->config = config;
  api->store = store;
  api->auth = auth;
  api->meeting = meeting;
  api->votes = rc_votes_new(config, store, meeting);
  api->program = rc_program_new(store, meeting);
  rc_votes_set_sealed_fn(api->votes, rc_api_live_ballots_sealed, api);
  api->health = rc_site_health_new(config, store, meeting);
  api->records = rc_record_jobs_new(config);
  api->storage = rc_storage_watch_new(config, store, meeting, api->votes);
  api->metrics = rc_metrics_new(store, api->health, api->storage);
  /* The meeting's domain events: the sites' calls and the recording alarm
   * close before the program comes down, as a session ends. */
  api->domain = rc_domain_new();
  rc_site_health_follow(api->health, api->domain);
  rc_storage_watch_follow(api->storage, api->domain);
  rc_program_follow(api->program, api->domain);
  api->site_floor = rc_site_floor_new(store, meeting);
  rc_site_floor_follow(api->site_floor, api->domain);
  api->speakers = rc_speakers_new(config, store, meeting, api->domain);
  api->presentation = rc_presentation_new(store, meeting, api->domain);
  api->sessions = rc_sessions_new(store, meeting, api->votes, api->speakers, api->domain);
  api->accounts = rc_accounts_new(store, auth, api->domain);
  api->agenda = rc_agenda_new(store, meeting);
  api->documents = rc_agenda_documents_new(store, meeting);
  api->plan = rc_session_plan_new(store, meeting, api->domain);
  return api;
}

void
rc_api_free(rc_api *api)
{
  if (!api)
    return;
  rc_session_plan_free(api->plan);
  rc_agenda_documents_free(api->documents);
  rc_agenda_free(api->agenda);
  rc_accounts_free(api->accounts);
  rc_sessions_free(api->sessions);
  rc_presentation_free(api->presentation);
  rc_speakers_free(api->speakers);
  rc_domain_free(api->domain);
  rc_site_floor_free(api->site_floor);
  rc_metrics_free(api->metrics);
  rc_storage_watch_free(api->storage);
  rc_votes_free(api->votes);
  rc_program_free(api->program);
  rc_site_health_free(api->health);
  rc_record_jobs_free(api->records);
  if (api->offers)
    g_hash_table_destroy(api->offers);
  g_free(api);
}

