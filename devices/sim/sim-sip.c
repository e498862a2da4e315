/* sim-sip — see sim-sip.h. */
#define NUA_MAGIC_T struct sim_sip
#define NUA_HMAGIC_T struct sip_leg
#define SU_ROOT_MAGIC_T struct sim_sip
#include "devices/sim/sim-sip.h"

#include "base/srtp-openssl.h"
#include "devices/sip-sdp.h"

#include <arpa/inet.h>
#include <gio/gio.h>
#include <openssl/rand.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_glib.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/tport_tag.h>
#include <string.h>

#define SHUTDOWN_US (2 * G_USEC_PER_SEC)

/* One site's side of the SIP calls. */
typedef struct sip_leg {
  sim_site *site;    /* borrowed */
  nua_handle_t *nh;  /* the call's, NULL: none */
  char *answer;      /* what we answered the call with (re-offers get it again) */
} sip_leg;

struct sim_sip {
  su_home_t home[1];
  su_root_t *root;
  GSource *source;
  nua_t *nua;
  GPtrArray *sites;  /* sim_site, borrowed (the engine fills it after the port is bound) */
  GHashTable *legs;  /* lower-case site code → sip_leg, made at a site's first call */
  guint16 port;
  gboolean shut_down;
};

static void
leg_free(sip_leg *leg)
{
  g_free(leg->answer);
  g_free(leg);
}

static void
call_clear(sim_site_call *c)
{
  c->up = FALSE;
  for (int m = 0; m < 2; m++) {
    g_clear_pointer(&c->srtp_in[m], srtp_dealloc);
    g_clear_pointer(&c->srtp_out[m], srtp_dealloc);
    c->program_ssrc[m] = 0;
  }
}

static gboolean
set_dest(sim_site_call *c, int m, const rc_sip_sdp_stream *s)
{
  struct sockaddr_in *rtp = (struct sockaddr_in *)&c->rtp_dest[m], *rtcp = (struct sockaddr_in *)&c->rtcp_dest[m];
  memset(rtp, 0, sizeof c->rtp_dest[m]);
  memset(rtcp, 0, sizeof c->rtcp_dest[m]);
  rtp->sin_family = rtcp->sin_family = AF_INET;
  if (inet_pton(AF_INET, s->address, &rtp->sin_addr) != 1) /* the controller is on IPv4 loopback here */
    return FALSE;
  rtcp->sin_addr = rtp->sin_addr;
  rtp->sin_port = htons((guint16)s->port);
  rtcp->sin_port = htons((guint16)s->rtcp_port);
  c->dest_len = sizeof *rtp;
  return TRUE;
}

/* Reads the controller's offer and makes @leg's answer and media. On FALSE
 * the status to refuse with. */
static int
answer_offer(sip_leg *leg, const char *sdp, gsize len)
{
  static const rc_sip_sdp_tier tiers[] = {{1280, 720}, {640, 360}};
  rc_sip_sdp_offer offer;
  g_autoptr(GError) error = NULL;
  if (!rc_sip_sdp_offer_parse(sdp, len, RC_SIP_SRTP_PREFERRED, tiers, G_N_ELEMENTS(tiers), 25, &offer, &error)) {
    g_warning("site %s: the controller's offer: %s", leg->site->code, error->message);
    return 488;
  }
  sim_site_call *c = leg->site->call;
  if (c->g722 && offer.audio.index >= 0) { /* as a G.722-only room system would answer (static type 9) */
    offer.audio.pt = 9;
    g_strlcpy(offer.audio.encoding, "G722", sizeof offer.audio.encoding);
    offer.audio.clock_rate = 8000;
    offer.audio.channels = 1;
  }
  rc_sip_crypto keys[2];
  const rc_sip_sdp_stream *s[2] = {&offer.video, &offer.audio};
  call_clear(c);
  for (int m = 0; m < 2; m++) {
    keys[m] = s[m]->remote_key;
    RAND_bytes(keys[m].key, sizeof keys[m].key);
    if (s[m]->index < 0 || !set_dest(c, m, s[m]))
      return 488;
    c->pt[m] = (guint8)s[m]->pt;
    if (s[m]->secure && (!(c->srtp_in[m] = rc_srtp_sdes_new(s[m]->remote_key.suite, s[m]->remote_key.key, TRUE, NULL)) ||
                         !(c->srtp_out[m] = rc_srtp_sdes_new(s[m]->remote_key.suite, keys[m].key, FALSE, NULL)))) {
      call_clear(c);
      return 500;
    }
  }
  guint64 id;
  RAND_bytes((guint8 *)&id, sizeof id);
  rc_sip_sdp_local local = {.address = "127.0.0.1", .video_port = leg->site->local_port[SIM_VIDEO],
                            .audio_port = leg->site->local_port[SIM_AUDIO], .video_key = &keys[0],
                            .audio_key = &keys[1], .session_id = id, .version = 1};
  g_free(leg->answer);
  leg->answer = rc_sip_sdp_answer(&offer, &local); /* RTCP on port + 1: the site's RTCP sockets */
  memset(keys, 0, sizeof keys);
  return 200;
}

/* @code's leg (lower case), made at its first call; NULL: no such site. */
static sip_leg *
leg_of(sim_sip *sip, const char *code)
{
  sip_leg *leg = g_hash_table_lookup(sip->legs, code);
  for (guint i = 0; !leg && i < sip->sites->len; i++) {
    sim_site *site = sip->sites->pdata[i];
    if (site->call && g_ascii_strcasecmp(site->code, code) == 0) {
      leg = g_new0(sip_leg, 1);
      leg->site = site;
      g_hash_table_replace(sip->legs, g_strdup(code), leg);
    }
  }
  return leg;
}

static void
on_invite(sim_sip *sip, nua_handle_t *nh, sip_leg *known, const sip_t *msg)
{
  if (known) { /* a re-offer (a session refresh): the same media, the same answer */
    nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(sip->nua), SIPTAG_CONTENT_TYPE_STR("application/sdp"),
                SIPTAG_PAYLOAD_STR(known->answer), TAG_END());
    return;
  }
  const char *user = msg && msg->sip_request ? msg->sip_request->rq_url->url_user : NULL;
  g_autofree char *code = user ? g_ascii_strdown(user, -1) : NULL;
  sip_leg *leg = code ? leg_of(sip, code) : NULL;
  int status = !leg ? 404 : leg->nh ? 486 : !msg->sip_payload ? 488 : 0;
  if (!status)
    status = answer_offer(leg, msg->sip_payload->pl_data, msg->sip_payload->pl_len);
  if (status != 200) {
    nua_respond(nh, status, sip_status_phrase(status), NUTAG_WITH_THIS(sip->nua), TAG_END());
    nua_handle_destroy(nh);
    return;
  }
  leg->nh = nh;
  leg->site->call->calls++;
  nua_handle_bind(nh, leg);
  nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(sip->nua), SIPTAG_CONTENT_TYPE_STR("application/sdp"),
              SIPTAG_PAYLOAD_STR(leg->answer), TAG_END());
}

static void
on_state(sip_leg *leg, tagi_t tags[])
{
  int state = nua_callstate_init;
  tl_gets(tags, NUTAG_CALLSTATE_REF(state), TAG_END());
  if (state == nua_callstate_ready) {
    if (!leg->site->call->up)
      leg->site->keyframe_wanted = TRUE; /* a call's video starts at an IDR */
    leg->site->call->up = TRUE;
  } else if (state == nua_callstate_terminated) {
    call_clear(leg->site->call);
    nua_handle_bind(leg->nh, NULL);
    nua_handle_destroy(leg->nh);
    leg->nh = NULL;
  }
}

static void
on_event(nua_event_t event, int status, char const *phrase, nua_t *nua, sim_sip *sip, nua_handle_t *nh,
         sip_leg *leg, sip_t const *msg, tagi_t tags[])
{
  (void)phrase, (void)nua;
  switch (event) {
  case nua_i_invite:
  case nua_i_update:
    if (event == nua_i_invite || leg)
      on_invite(sip, nh, leg, msg);
    else
      nua_handle_destroy(nh);
    break;
  case nua_i_state:
    if (leg)
      on_state(leg, tags);
    break;
  case nua_r_shutdown:
    if (status >= 200)
      sip->shut_down = TRUE;
    break;
  case nua_i_options:
  case nua_i_info:
  case nua_i_message:
  case nua_i_method:
    if (nh && !leg)
      nua_handle_destroy(nh);
    break;
  default:
    break;
  }
}

static void
sofia_log(void *stream, char const *format, va_list args)
{
  (void)stream;
  g_autofree char *line = g_strdup_vprintf(format, args);
  g_debug("sofia: %s", g_strchomp(line));
}

sim_sip *
sim_sip_new(guint16 port, GPtrArray *sites, GError **error)
{
  if (!rc_srtp_init(NULL)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "libsrtp2 does not start");
    return NULL;
  }
  g_autoptr(sim_sip) sip = g_new0(sim_sip, 1);
  su_init();
  su_log_redirect(NULL, sofia_log, NULL);
  su_home_init(sip->home);
  sip->sites = g_ptr_array_ref(sites);
  sip->legs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)leg_free);
  if (!(sip->root = su_glib_root_create(sip))) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "sip: cannot make the su_root on the GLib main loop");
    return NULL;
  }
  sip->source = g_source_ref(su_glib_root_gsource(sip->root));
  g_source_attach(sip->source, NULL);
  g_autofree char *url = g_strdup_printf("sip:127.0.0.1:%u;transport=udp", port);
  sip->nua = nua_create(sip->root, on_event, sip, NUTAG_URL(url), NUTAG_MEDIA_ENABLE(0), NUTAG_AUTOANSWER(0),
                        NUTAG_ENABLEINVITE(1), NUTAG_SESSION_TIMER(0), NUTAG_ALLOW("INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE"),
                        NUTAG_APPL_METHOD("UPDATE"), SIPTAG_USER_AGENT_STR("roomctl-sim"), TPTAG_UDP_RMEM(1 << 20),
                        TAG_END());
  if (!sip->nua) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE, "sip: cannot bind %s", url);
    return NULL;
  }
  sip->port = port;
  return g_steal_pointer(&sip);
}

guint16
sim_sip_port(const sim_sip *sip)
{
  return sip->port;
}

void
sim_sip_free(sim_sip *sip)
{
  if (!sip)
    return;
  if (sip->nua) {
    GHashTableIter it;
    gpointer leg;
    g_hash_table_iter_init(&it, sip->legs);
    while (g_hash_table_iter_next(&it, NULL, &leg))
      if (((sip_leg *)leg)->nh)
        nua_bye(((sip_leg *)leg)->nh, TAG_END());
    nua_shutdown(sip->nua);
    gint64 until = g_get_monotonic_time() + SHUTDOWN_US;
    while (!sip->shut_down && g_get_monotonic_time() < until)
      if (!g_main_context_iteration(NULL, FALSE))
        g_usleep(10000);
    nua_destroy(sip->nua);
  }
  if (sip->source) {
    g_source_destroy(sip->source);
    g_source_unref(sip->source);
  }
  if (sip->root)
    su_root_destroy(sip->root);
  su_home_deinit(sip->home);
  su_deinit();
  if (sip->legs)
    g_hash_table_unref(sip->legs);
  if (sip->sites)
    g_ptr_array_unref(sip->sites);
  g_free(sip);
}
