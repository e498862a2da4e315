/* api-sip — the SIP calls and registrations as the technicians read them
 * (app/sip-calls.h), the dial and the hang-up of one site's call or of
 * all the session's (audited), and a keyframe asked of one site's call
 * (INFO picture_fast_update); a site's keypad asking for the floor goes
 * to app/site-floor.c. Without SIP
 * ([sip] port 0) the lists are empty and say so. */
#define G_LOG_DOMAIN "roomctl-api"
#include "api/api-private.h"
#include "app/metrics.h"
#include "app/sip-calls.h"
#include "app/site-floor.h"

#define PARAM(call, i) ((call)->match->params[i])

/* A site's keypad asked for the floor or withdrew (*1, *0). */
static void
on_keypad(gint64 session_id, gint64 site_id, rc_keypad_action action, gpointer data)
{
  rc_api *api = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(json_t) list =
      action == RC_KEYPAD_ASK
          ? rc_site_floor_ask(api->site_floor, session_id, site_id, RC_SITE_FLOOR_VIA_KEYPAD, 0, &error)
          : rc_site_floor_withdraw(api->site_floor, session_id, site_id, RC_SITE_FLOOR_VIA_KEYPAD, 0, &error);
  if (!list)
    g_message("session %" G_GINT64_FORMAT ": site %" G_GINT64_FORMAT "'s keypad (%s) changes nothing: %s", session_id,
              site_id, rc_keypad_action_name(action), error->message);
}

void
rc_api_set_sip(rc_api *api, rc_sip_calls *sip)
{
  if (api->sip)
    rc_sip_calls_follow(api->sip, NULL, NULL);
  api->sip = sip;
  if (sip) {
    rc_sip_calls_set_media(sip, api->media);
    rc_sip_calls_follow(sip, api->domain, api->meeting);
    rc_sip_calls_on_keypad(sip, on_keypad, api);
  }
  rc_metrics_set_sip(api->metrics, sip);
}

static gboolean
calls_list(rc_api_call *call, GError **error)
{
  (void)error;
  rc_sip_calls *sip = call->api->sip;
  g_autofree char *conference = sip ? rc_sip_calls_conference(sip, PARAM(call, 0)) : NULL;
  json_t *reply = json_pack("{sI sb so}", "session_id", (json_int_t)PARAM(call, 0), "enabled", sip != NULL, "calls",
                            rc_sip_calls_list(sip, PARAM(call, 0)));
  json_object_set_new(reply, "conference", conference ? json_string(conference) : json_null());
  json_object_set_new(reply, "conference_id", json_sprintf("%" G_GINT64_FORMAT, PARAM(call, 0)));
  rc_api_reply_json(call->reply, 200, reply);
  return TRUE;
}

static gboolean
registrations(rc_api_call *call, GError **error)
{
  rc_sip_calls *sip = call->api->sip;
  json_t *list = sip ? rc_sip_calls_registrations(sip, error) : json_array();
  if (!list)
    return FALSE;
  rc_access_filter_rows(call->api->store, call->user, list);
  rc_api_reply_json(call->reply, 200, json_pack("{sb so}", "enabled", sip != NULL, "registrations", list));
  return TRUE;
}

static const rc_field hangup_fields[] = {
    {"site_id", RC_FIELD_ID, FALSE, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, NULL},
};

/* Hangs up one site's call, or (no site_id) every call of the session. */
static gboolean
hangup(rc_api_call *call, GError **error)
{
  gint64 sid = PARAM(call, 0), site = json_integer_value(json_object_get(call->body, "site_id"));
  guint ended = 0;
  if (!rc_sip_calls_hangup(call->api->sip, sid, site, &ended, error))
    return FALSE;
  if (site)
    rc_api_audit(call->api, call->user_id, "sip.hangup", "site:%" G_GINT64_FORMAT, site);
  else
    rc_api_audit(call->api, call->user_id, "sip.hangup", "session:%" G_GINT64_FORMAT, sid);
  rc_api_reply_json(call->reply, 202,
                    json_pack("{sI so sb si}", "session_id", (json_int_t)sid, "site_id",
                              site ? json_integer(site) : json_null(), "hanging_up", TRUE, "calls", (int)ended));
  return TRUE;
}

static const rc_field dial_fields[] = {
    {"site_id", RC_FIELD_ID, FALSE, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, NULL},
};

/* Calls one site (its backoff starts again) or every SIP site of the session. */
static gboolean
dial(rc_api_call *call, GError **error)
{
  gint64 sid = PARAM(call, 0), site = json_integer_value(json_object_get(call->body, "site_id"));
  if (!call->api->sip) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "SIP is off ([sip] port=0)");
    return FALSE;
  }
  if (!rc_sip_calls_dial(call->api->sip, sid, site, error))
    return FALSE;
  if (site)
    rc_api_audit(call->api, call->user_id, "sip.dial", "site:%" G_GINT64_FORMAT, site);
  else
    rc_api_audit(call->api, call->user_id, "sip.dial", "session:%" G_GINT64_FORMAT, sid);
  rc_api_reply_json(call->reply, 202,
                    json_pack("{sI so sb}", "session_id", (json_int_t)sid, "site_id",
                              site ? json_integer(site) : json_null(), "dialling", TRUE));
  return TRUE;
}

static const rc_field fast_update_fields[] = {
    {"site_id", RC_FIELD_ID, TRUE, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, NULL},
};

/* Asks one site's connected call for a keyframe (INFO picture_fast_update,
 * RFC 5168), for gear that takes no RTCP feedback. Not audited: it changes
 * nothing but the site's next picture. */
static gboolean
fast_update(rc_api_call *call, GError **error)
{
  gint64 sid = PARAM(call, 0), site = json_integer_value(json_object_get(call->body, "site_id"));
  if (!call->api->sip) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID_STATE, "SIP is off ([sip] port=0)");
    return FALSE;
  }
  if (!rc_sip_calls_fast_update(call->api->sip, sid, site, error))
    return FALSE;
  rc_api_reply_json(call->reply, 202,
                    json_pack("{sI sI sb}", "session_id", (json_int_t)sid, "site_id", (json_int_t)site, "sent", TRUE));
  return TRUE;
}

const rc_api_route rc_api_routes_sip[] = {
    {"GET", "/api/v1/sessions/{id}/sip/calls", RC_ROLES_STAFF, RC_BODY_NONE, NULL, calls_list, RC_REACH_SCOPE},
    {"POST", "/api/v1/sessions/{id}/sip/hangup", RC_ROLES_EDITORS | RC_ROLE_TECHNICIAN, RC_BODY_JSON, hangup_fields,
     hangup, RC_REACH_SCOPE},
    {"POST", "/api/v1/sessions/{id}/sip/dial", RC_ROLES_EDITORS | RC_ROLE_TECHNICIAN, RC_BODY_JSON, dial_fields, dial,
     RC_REACH_SCOPE},
    {"POST", "/api/v1/sessions/{id}/sip/fast-update", RC_ROLES_EDITORS | RC_ROLE_TECHNICIAN, RC_BODY_JSON,
     fast_update_fields, fast_update, RC_REACH_SCOPE},
    {"GET", "/api/v1/sip/registrations", RC_ROLES_STAFF, RC_BODY_NONE, NULL, registrations, RC_REACH_SCOPE},
    {NULL, NULL, 0, 0, NULL, NULL, 0},
};
