/* sip-calls-view — the call records as the API and the technicians see
 * them, the registrations, and /metrics' SIP families (see sip-calls.h).
 * Main loop only. */
#define G_LOG_DOMAIN "roomctl-sip"
#include "app/sip-calls-private.h"
#include "base/rc-error.h"

#include <string.h>

/* ---- views -------------------------------------------------------------- */

static json_t *
text_or_null(const char *s)
{
  return s ? json_string(s) : json_null();
}

static json_t *
stream_json(const call_record *r, const rc_sip_sdp_stream *s, gboolean video)
{
  if (!r->negotiated || s->index < 0)
    return json_null();
  static const char *const directions[] = {"inactive", "sendonly", "recvonly", "sendrecv"};
  json_t *o =
      json_pack("{ss si si s{ss si si} s{ss si} sI sb so ss}", "codec", s->encoding, "payload_type", s->pt,
                "clock_rate", s->clock_rate, "remote", "address", s->address, "rtp_port", s->port, "rtcp_port",
                s->rtcp_port, "local", "address", r->local_address, "rtp_port", video ? r->video_port : r->audio_port,
                "ssrc", (json_int_t)s->ssrc, "srtp", s->secure, "suite",
                s->secure ? json_string(s->remote_key.suite) : json_null(), "direction", directions[s->direction]);
  if (video)
    json_object_update_new(o, json_pack("{ss si sI sI si sb sb}", "profile_level_id", s->profile_level_id,
                                        "packetization_mode", s->packetization_mode, "max_fs", (json_int_t)s->max_fs,
                                        "max_mbps", (json_int_t)s->max_mbps, "tier", s->tier, "pli", s->pli, "fir",
                                        s->fir));
  else /* RFC 4733 keypad digits in the audio */
    json_object_set_new(o, "telephone_event", s->event_pt ? json_integer(s->event_pt) : json_null());
  return o;
}

json_t *
sipc_record_json(const call_record *r)
{
  json_t *o =
      json_pack("{sI sI sI ss ss ss ss ss ss ss ss ss}", "id", (json_int_t)r->id, "session_id",
                (json_int_t)r->session_id, "site_id", (json_int_t)r->site_id, "site_code", r->site_code, "direction",
                r->outgoing ? "out" : "in", "state", r->state, "caller", r->caller, "call_id", r->call_id, "from",
                r->from, "source", r->source, "transport", r->transport, "started_at", r->started_at);
  json_object_set_new(o, "ringing_at", text_or_null(r->ringing_at));
  json_object_set_new(o, "connected_at", text_or_null(r->connected_at));
  json_object_set_new(o, "ended_at", text_or_null(r->ended_at));
  json_object_set_new(o, "ended_by", text_or_null(r->ended_by));
  json_object_set_new(o, "cause",
                      r->cause
                          ? json_pack("{si ss}", "status", r->cause, "phrase", r->cause_phrase ? r->cause_phrase : "")
                          : json_null());
  json_object_set_new(o, "srtp", json_string(rc_sip_srtp_name(r->srtp)));
  json_object_set_new(o, "on_hold", json_boolean(r->on_hold));
  json_object_set_new(o, "reoffers", json_integer(r->reoffers));
  json_object_set_new(o, "dtmf", json_string(r->dtmf));
  json_object_set_new(o, "media",
                      json_pack("{so so}", "video", stream_json(r, &r->offer.video, TRUE), "audio",
                                stream_json(r, &r->offer.audio, FALSE)));
  return o;
}

char *
rc_sip_calls_conference(rc_sip_calls *c, gint64 session_id)
{
  rc_config *cfg = c->config;
  const char *listen = *cfg->sip_listen ? cfg->sip_listen : cfg->listen;
  gboolean any = g_str_equal(listen, "0.0.0.0") || g_str_equal(listen, "::") || !*listen;
  const char *host = *cfg->sip_domain ? cfg->sip_domain : any ? g_get_host_name() : listen;
  g_autofree char *port = cfg->sip_port == 5060 ? g_strdup("") : g_strdup_printf(":%d", cfg->sip_port);
  gboolean v6 = strchr(host, ':') && host[0] != '[';
  return g_strdup_printf("sip:phien-%" G_GINT64_FORMAT "@%s%s%s%s", session_id, v6 ? "[" : "", host, v6 ? "]" : "",
                         port);
}

json_t *
rc_sip_calls_list(rc_sip_calls *c, gint64 session_id)
{
  json_t *out = json_array();
  GPtrArray *list = c ? g_hash_table_lookup(c->sessions, &session_id) : NULL;
  if (c)
    sipc_append_stored(c, session_id, list, out);
  for (guint i = 0; list && i < list->len; i++)
    json_array_append_new(out, sipc_record_json(list->pdata[i]));
  return out;
}

json_t *
rc_sip_calls_registrations(rc_sip_calls *c, GError **error)
{
  g_autoptr(json_t) sites = rc_store_sip_sites(c->store, error);
  if (!sites)
    return NULL;
  json_t *out = json_array();
  size_t i;
  json_t *site;
  json_array_foreach(sites, i, site)
  {
    const char *user = json_string_value(json_object_get(site, "sip_user"));
    if (!user)
      continue;
    g_autofree char *contact = NULL, *source = NULL;
    int left = 0;
    gboolean registered = rc_sip_registration(c->sip, user, &contact, &source, &left);
    json_t *row = json_pack("{sO sO sO ss sb}", "site_id", json_object_get(site, "id"), "code",
                            json_object_get(site, "code"), "organisation_id", json_object_get(site, "organisation_id"),
                            "sip_user", user, "registered", registered);
    json_object_set_new(row, "contact", text_or_null(contact));
    json_object_set_new(row, "source", text_or_null(source));
    json_object_set_new(row, "expires_in", registered ? json_integer(left) : json_null());
    json_array_append_new(out, row);
  }
  return out;
}

static void
family(GString *out, const char *name, const char *type, const char *help)
{
  g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
info_metrics(const rc_sip_counters *n, GString *out)
{
  family(out, "roomctl_sip_info_received_total", "counter",
         "INFOs received: picture_fast_update (a program keyframe asked), a keypad digit, "
         "anything else (415, 400, 481, 503, empty).");
  g_string_append_printf(out, "roomctl_sip_info_received_total{kind=\"fast_update\"} %" G_GUINT64_FORMAT "\n",
                         n->info_fast_update);
  g_string_append_printf(out, "roomctl_sip_info_received_total{kind=\"dtmf\"} %" G_GUINT64_FORMAT "\n", n->info_dtmf);
  g_string_append_printf(out, "roomctl_sip_info_received_total{kind=\"other\"} %" G_GUINT64_FORMAT "\n",
                         n->info_other);
  family(out, "roomctl_sip_info_sent_total", "counter", "INFO picture_fast_update sent to sites.");
  g_string_append_printf(out, "roomctl_sip_info_sent_total %" G_GUINT64_FORMAT "\n", n->info_sent);
}


void
rc_sip_calls_metrics(rc_sip_calls *c, GString *out)
{
  rc_sip_counters n;
  rc_sip_counters_get(c->sip, &n);
  family(out, "roomctl_sip_requests_total", "counter", "SIP requests received.");
  g_string_append_printf(out, "roomctl_sip_requests_total %" G_GUINT64_FORMAT "\n", n.requests);
  family(out, "roomctl_sip_rate_limited_total", "counter",
         "INVITEs and REGISTERs answered 503 by the per-source limit.");
  g_string_append_printf(out, "roomctl_sip_rate_limited_total %" G_GUINT64_FORMAT "\n", n.rate_limited);
  family(out, "roomctl_sip_auth_total", "counter", "Digest challenges sent and wrong digests refused (403).");
  g_string_append_printf(out, "roomctl_sip_auth_total{result=\"challenge\"} %" G_GUINT64_FORMAT "\n", n.challenges);
  g_string_append_printf(out, "roomctl_sip_auth_total{result=\"refused\"} %" G_GUINT64_FORMAT "\n", n.auth_failures);
  family(out, "roomctl_sip_registrations_total", "counter", "Successful REGISTERs (new and refreshed).");
  g_string_append_printf(out, "roomctl_sip_registrations_total %" G_GUINT64_FORMAT "\n", n.registrations);
  family(out, "roomctl_sip_registered", "gauge", "SIP users registered now.");
  g_string_append_printf(out, "roomctl_sip_registered %u\n", n.registered_now);
  family(out, "roomctl_sip_invites_total", "counter", "INVITEs received, by outcome.");
  g_string_append_printf(out, "roomctl_sip_invites_total{result=\"answered\"} %" G_GUINT64_FORMAT "\n",
                         n.calls_answered);
  g_string_append_printf(out, "roomctl_sip_invites_total{result=\"refused\"} %" G_GUINT64_FORMAT "\n", n.calls_refused);
  family(out, "roomctl_sip_dials_total", "counter", "Calls the controller made to SIP sites (dial-out, redials).");
  g_string_append_printf(out, "roomctl_sip_dials_total %" G_GUINT64_FORMAT "\n", c->dialled);
  family(out, "roomctl_sip_calls", "gauge", "SIP calls up now (answered, not yet ended).");
  g_string_append_printf(out, "roomctl_sip_calls %u\n", n.calls_now);
  family(out, "roomctl_sip_calls_ended_total", "counter", "SIP calls that ended, by who hung up.");
  g_string_append_printf(out, "roomctl_sip_calls_ended_total{by=\"site\"} %" G_GUINT64_FORMAT "\n", c->ended_by_site);
  g_string_append_printf(out, "roomctl_sip_calls_ended_total{by=\"controller\"} %" G_GUINT64_FORMAT "\n",
                         c->ended_by_controller);
  g_string_append_printf(out, "roomctl_sip_calls_ended_total{by=\"timer\"} %" G_GUINT64_FORMAT "\n", c->ended_by_timer);
  info_metrics(&n, out);
}


