/* media-mixer — the program audio. Only the talkers (the floor holder's
 * site, a remote chair site) are decoded, each by its codec (Opus, G.711,
 * G.722, AAC: devices/audio-codec.h); they are mixed with the hall
 * microphone, and each mix is encoded once per codec its receivers take
 * (Opus from the start, G.711 or G.722 from the first site that takes it),
 * not once per site. Each talker gets a mix without its own voice
 * (mix-minus), in its codec, and the hall speakers get the remote talkers
 * without the hall microphone.
 *
 * The pipeline is built once per session with a fixed number of talker
 * slots, each a tee that feeds the mixers; what changes with the chair and
 * the floor is only the decoder in front of a slot's tee (swapped, the rest
 * keeps running) and which output each site is a client of.
 *
 * A site moved between the full mix and its mix-minus must see one RTP
 * stream. The outputs run in lockstep: every audiomixer starts at running
 * time 0 and outputs every interval (live, on its timeout if an input has
 * nothing), the encoders are alike, and every payloader has the same
 * sequence and timestamp bases, so packet N of each output is the same
 * instant under the same numbers (a codec added later numbers its packets
 * from their timestamps, which come out alike in each of its mixes). A
 * move is then made at a packet number, not at a moment: the site leaves
 * one output and joins the other from the same sequence number on, each output applying it in its own streaming
 * thread just before it sends that packet (route_lock guards the queued
 * moves). The sinks send each packet at its running time plus the
 * pipeline's latency, so the program's delay does not change with who
 * talks (a mixer outputs as soon as all its inputs have data, which
 * happens only while every slot has a talker). */
#define G_LOG_DOMAIN "roomctl-media"
#include "media/media-private.h"
#include "devices/room-audio.h"
#include "devices/site-transport.h"

#include <gst/app/gstappsink.h>
#include <string.h>

#define RAW_CAPS "audio/x-raw,format=S16LE,rate=48000,channels=1,layout=interleaved"
#define SLOTS 2 /* the chair's site (when remote) and the floor holder's */
#define TALKER_JITTER_MS 80 /* a talker's jitter buffer */
#define MIX_WAIT_MS 40      /* how long a mixer waits for an input that is late */
/* From a talker's packet reaching the controller (its timestamp) to the
 * program packet with it leaving: the latency query adds up to 170 ms with
 * a talker (jitter buffer, an Opus frame decoded, the mixer's wait, an Opus
 * frame encoded); 30 ms to spare for a busy machine.
 * Fixed, not queried: the query fails while a decoder has no input yet, and
 * its answer grows once a talker's decoder has caps, which would shift
 * every packet after it. */
#define PROGRAM_DELAY_MS 200

typedef struct {
  rc_mixer *mixer;
  rc_audio_codec codec; /* its encoding */
  GstElement *sink;    /* multiudpsink */
  GHashTable *clients; /* "host:port", as the main loop placed them */
  /* Under the mixer's route_lock (this output's streaming thread and the main loop): */
  GQueue changes;      /* route_change*, in the order they were made */
  guint16 last_seq;    /* of the last packet that went to the sink */
  gboolean sent;       /* a packet went to the sink */
  GPtrArray *egress;   /* rc_site_transport* that send the packets themselves (WebRTC) */
} mix_output;

/* A client added to or removed from an output's sink from packet @at_seq
 * on (@at_first: from the output's next packet: its codec has sent none, or
 * a receiver leaves the codec, whose numbers another codec's do not follow). */
typedef struct {
  char *host;
  int port;
  rc_site_transport *egress; /* instead of host:port: a transport with its own send */
  gboolean add, at_first;
  guint16 at_seq;
} route_change;

/* One talker's place in the mix: its tee stays, its decoder is swapped. */
typedef struct {
  gint64 site_id;      /* 0 = nobody */
  guint32 ssrc;
  rc_audio_codec codec; /* what its decoder takes, with: */
  int pt, clock_rate;
  char *fmtp;
  GstElement *decoder; /* bin: appsrc … raw audio, ghost pad "src" */
  GstElement *tee;
} talker_slot;

/* Where a site receives the program audio now: a mix (0 full, 1 + slot
 * without that slot) in a codec. */
typedef struct {
  rc_audio_codec codec;
  guint output;
  char *dest;
  rc_site_transport *egress;
} placed_site;

struct rc_mixer {
  gint64 session_id;
  rc_ingest *audio;     /* the sites' audio (borrowed; outlives the mixer) */
  struct rc_room_audio *room; /* the hall, or NULL */
  GstElement *pipeline;
  talker_slot slots[SLOTS];
  GstElement *mixes[1 + SLOTS]; /* each mix's tee: [0] the full mix, [1 + slot] without that slot */
  /* Each mix encoded in a codec, made once a receiver takes that codec
   * (Opus from the start): [codec][0] the full mix, [codec][1 + slot]. */
  mix_output *by_codec[RC_AUDIO_CODECS][1 + SLOTS];
  gboolean cannot_encode[RC_AUDIO_CODECS]; /* tried and failed: not again */
  GPtrArray *outputs;   /* mix_output*, all of by_codec (owns them) */
  guint16 seq_base;     /* every output's first sequence number */
  guint32 ts_base;      /* and RTP timestamp at running time 0 */
  GMutex route_lock;    /* the outputs' changes and last_seq */
  GHashTable *placed;   /* gint64* site id -> placed_site* */
  GstElement *room_src; /* appsrc of the hall microphone, or NULL */
  GThread *room_feed;   /* moves the microphone's ring into room_src */
  gint room_stop;       /* atomic: the feed thread ends */
};

static GstElement *
raw_caps_filter(GstBin *bin)
{
  GstElement *f = rc_media_make("capsfilter", bin);
  g_autoptr(GstCaps) caps = gst_caps_from_string(RAW_CAPS);
  g_object_set(f, "caps", caps, NULL);
  return f;
}

/* A talker's decoder: its RTP (copied by the ingest into the appsrc, or
 * nothing while the slot is empty) → depayloaded and decoded by its codec
 * (devices/audio-codec.h) → raw audio at the mix's rate. An empty slot
 * keeps an idle Opus decoder so that the mixers' latency stays the same
 * whoever talks. */
static GstElement *
talker_decoder(const char *name, const talker_slot *slot, GstAppSrc **input)
{
  const rc_audio_codec_info *codec = rc_audio_codec_get(slot->codec);
  GstElement *bin = gst_bin_new(name);
  GstBin *b = GST_BIN(bin);
  GstElement *src = rc_media_make("appsrc", b), *jb = rc_media_make("rtpjitterbuffer", b),
             *depay = rc_media_make(codec->depay, b), *dec = rc_media_make(codec->decoder, b),
             *conv = rc_media_make("audioconvert", b), *res = rc_media_make("audioresample", b),
             *caps = raw_caps_filter(b);
  g_autoptr(GstCaps) rtp = rc_audio_codec_rtp_caps(slot->codec, slot->pt, slot->clock_rate, slot->fmtp);
  g_object_set(src, "caps", rtp, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", TRUE,
               "max-bytes", (guint64)(1 << 20), "leaky-type", 2, NULL);
  g_object_set(jb, "latency", TALKER_JITTER_MS, "drop-on-latency", TRUE, NULL);
  if (slot->codec == RC_AUDIO_OPUS)
    g_object_set(dec, "plc", TRUE, NULL);
  gst_element_link_many(src, jb, depay, dec, conv, res, caps, NULL);
  g_autoptr(GstPad) out = gst_element_get_static_pad(caps, "src");
  gst_element_add_pad(bin, gst_ghost_pad_new("src", out));
  *input = GST_APP_SRC(src); /* the bin keeps it alive */
  return bin;
}

/* Puts a fresh decoder in front of @slot's tee, fed by @k's audio (NULL =
 * idle): the old one is stopped first, so nothing of the previous talker
 * (its jitter buffer, its decoder's state) reaches the new one. */
static void
slot_swap(rc_mixer *x, talker_slot *slot, const rc_mixer_talker *k)
{
  gint64 site_id = k ? k->site_id : 0;
  guint32 ssrc = k ? k->ssrc : 0;
  if (slot->ssrc && x->audio)
    rc_ingest_copy_to(x->audio, slot->ssrc, NULL); /* no push into the old one after this */
  if (slot->decoder) {
    gst_element_set_state(slot->decoder, GST_STATE_NULL);
    gst_bin_remove(GST_BIN(x->pipeline), slot->decoder); /* unlinks it and drops it */
  }
  g_autofree char *name = g_strdup_printf("talker-%u", (guint)(slot - x->slots));
  GstAppSrc *input = NULL;
  slot->site_id = site_id;
  slot->ssrc = ssrc;
  slot->codec = k ? k->codec : RC_AUDIO_OPUS;
  slot->pt = k ? k->pt : RC_PT_OPUS;
  slot->clock_rate = k ? k->clock_rate : 0;
  g_free(slot->fmtp);
  slot->fmtp = k ? g_strdup(k->fmtp) : NULL;
  slot->decoder = talker_decoder(name, slot, &input);
  gst_bin_add(GST_BIN(x->pipeline), slot->decoder); /* the pipeline owns it */
  gst_element_link(slot->decoder, slot->tee);
  gst_element_sync_state_with_parent(slot->decoder);
  if (ssrc && x->audio)
    rc_ingest_copy_to(x->audio, ssrc, input);
}

static GstFlowReturn
on_room_sample(GstAppSink *sink, gpointer data)
{
  rc_mixer *x = data;
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample(sink);
  GstBuffer *buf = sample ? gst_sample_get_buffer(sample) : NULL;
  GstMapInfo map;
  if (buf && gst_buffer_map(buf, &map, GST_MAP_READ)) {
    rc_room_audio_write(x->room, (const gint16 *)map.data, map.size / 2);
    gst_buffer_unmap(buf, &map);
  }
  return GST_FLOW_OK;
}

/* A thread of its own drains the hall microphone into the mix every 10
 * ms: real-time audio never waits for the main loop (a stall there, a
 * big commit or a page of JSON, would be a gap heard at every site). It
 * touches only the ring (rc_room_audio_read) and the appsrc, which is
 * thread-safe.
 *
 * Each block is stamped with the running time at which its last frame
 * was read: it spans the @n frames before now. Until the pipeline plays
 * there is no clock and nothing to stamp with, and what the microphone
 * gave is dropped. (appsrc's do-timestamp stamped such early blocks with
 * the clock's absolute time, far ahead of the mix: each mixer
 * then held that block, waiting for its time, and with it the hall's
 * voice, for good.) */
static gpointer
room_feed(gpointer data)
{
  rc_mixer *x = data;
  gint16 frames[4800];
  while (!g_atomic_int_get(&x->room_stop)) {
    g_usleep(10 * 1000);
    gsize n = rc_room_audio_read(x->room, frames, G_N_ELEMENTS(frames));
    if (!n)
      continue;
    g_autoptr(GstClock) clock = gst_element_get_clock(x->room_src);
    if (!clock || GST_STATE(x->room_src) != GST_STATE_PLAYING)
      continue;
    GstClockTime now = gst_clock_get_time(clock), base = gst_element_get_base_time(x->room_src);
    GstClockTime span = gst_util_uint64_scale_int(n, GST_SECOND, RC_ROOM_AUDIO_RATE);
    if (now < base + span)
      continue;
    GstBuffer *buf = gst_buffer_new_memdup(frames, n * 2);
    GST_BUFFER_PTS(buf) = now - base - span;
    GST_BUFFER_DURATION(buf) = span;
    gst_app_src_push_buffer(GST_APP_SRC(x->room_src), buf);
  }
  return NULL;
}

static GstElement *
room_branch(rc_mixer *x)
{
  GstBin *bin = GST_BIN(x->pipeline);
  GstElement *src = rc_media_make("appsrc", bin), *tee = rc_media_make("tee", bin);
  g_autoptr(GstCaps) caps = gst_caps_from_string(RAW_CAPS);
  g_object_set(src, "caps", caps, "is-live", TRUE, "format", GST_FORMAT_TIME, NULL);
  gst_element_link(src, tee);
  x->room_src = src;
  x->room_feed = g_thread_new("room-mic", room_feed, x);
  return tee;
}

static GstElement *
silence(GstBin *bin)
{
  GstElement *src = rc_media_make("audiotestsrc", bin), *caps = raw_caps_filter(bin), *tee = rc_media_make("tee", bin);
  g_object_set(src, "wave", 4 /* silence */, "is-live", TRUE, "samplesperbuffer", 960, NULL);
  gst_element_link_many(src, caps, tee, NULL);
  return tee;
}

static void
feed(GstBin *bin, GstElement *tee, GstElement *mixer)
{
  GstElement *q = rc_media_make("queue", bin);
  g_object_set(q, "max-size-time", (guint64)200 * GST_MSECOND, "leaky", 2, NULL);
  gst_element_link(tee, q);
  gst_element_link(q, mixer);
}

/* Each egress member gets its copy, re-stamped as it takes the program. */
static void
send_egress(mix_output *o, GstBuffer *buf)
{
  GstMapInfo map;
  if (!gst_buffer_map(buf, &map, GST_MAP_READ))
    return;
  if (map.size >= 12 && map.size <= 2048) {
    guint8 copy[2048];
    for (guint i = 0; i < o->egress->len; i++) {
      rc_site_transport *t = o->egress->pdata[i];
      memcpy(copy, map.data, map.size);
      rc_rtp_restamp_source(copy, t->format.audio.out_ssrc, (guint8)t->format.audio.out_pt);
      t->ops->send(t, TRUE, copy, map.size);
    }
    rc_site_transports_flush(o->egress);
  }
  gst_buffer_unmap(buf, &map);
}

/* Applies the changes due at this packet, in the output's streaming
 * thread, before the sink sends it. */
static GstPadProbeReturn
on_output_packet(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  (void)pad;
  mix_output *o = data;
  guint8 head[8];
  if (gst_buffer_extract(GST_PAD_PROBE_INFO_BUFFER(info), 0, head, 8) < 8)
    return GST_PAD_PROBE_OK;
  if (o->codec != RC_AUDIO_OPUS) { /* numbered from its timestamp: alike in every mix of the codec */
    guint32 ts = (guint32)head[4] << 24 | (guint32)head[5] << 16 | (guint32)head[6] << 8 | head[7];
    guint32 frame = (guint32)rc_audio_codec_get(o->codec)->frame_samples;
    /* The resampler's first buffer is short (its filter's delay): the
     * branch's first packet is too, the next ones frame after frame. */
    guint16 number = (guint16)(o->mixer->seq_base + (ts - o->mixer->ts_base + frame - 1) / frame);
    GstBuffer *buf = gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(info));
    GST_PAD_PROBE_INFO_DATA(info) = buf;
    head[2] = (guint8)(number >> 8), head[3] = (guint8)number;
    gst_buffer_fill(buf, 2, head + 2, 2);
  }
  guint16 seq = (guint16)(head[2] << 8 | head[3]);
  g_mutex_lock(&o->mixer->route_lock);
  o->last_seq = seq;
  o->sent = TRUE;
  route_change *c;
  while ((c = g_queue_peek_head(&o->changes)) && (c->at_first || (gint16)(guint16)(seq - c->at_seq) >= 0)) {
    if (c->egress && c->add)
      g_ptr_array_add(o->egress, c->egress);
    else if (c->egress)
      g_ptr_array_remove(o->egress, c->egress);
    else
      g_signal_emit_by_name(o->sink, c->add ? "add" : "remove", c->host, c->port);
    g_free(c->host);
    g_free(g_queue_pop_head(&o->changes));
  }
  if (o->egress->len)
    send_egress(o, GST_PAD_PROBE_INFO_BUFFER(info));
  g_mutex_unlock(&o->mixer->route_lock);
  return GST_PAD_PROBE_OK;
}

/* A codec other than Opus starts at a 20 ms boundary of the mix's running
 * time: its resampler and payloader then make the same packets at the same
 * timestamps in every mix (a short one first, the resampler's delay, then
 * 20 ms each), whenever each branch was added. */
static GstPadProbeReturn
on_first_aligned(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  (void)pad, (void)data;
  GstClockTime pts = GST_BUFFER_PTS(GST_PAD_PROBE_INFO_BUFFER(info));
  if (!GST_CLOCK_TIME_IS_VALID(pts) || pts % (20 * GST_MSECOND) != 0)
    return GST_PAD_PROBE_DROP;
  return GST_PAD_PROBE_REMOVE;
}

/* The encoder and payloader of @codec in @bin, linked after @conv; the payloader is returned. */
static GstElement *
encoder_chain(rc_mixer *x, rc_audio_codec codec, GstBin *bin, GstElement *conv)
{
  const rc_audio_codec_info *info = rc_audio_codec_get(codec);
  GstElement *enc = rc_media_make(info->encoder, bin), *pay = rc_media_make(info->pay, bin);
  if (!enc || !pay)
    return NULL;
  g_object_set(pay, "pt", info->pt, "ssrc", RC_PROGRAM_AUDIO_SSRC, "seqnum-offset", (gint)x->seq_base,
               "timestamp-offset", x->ts_base, NULL);
  if (codec == RC_AUDIO_OPUS) {
    g_object_set(enc, "bitrate", 64000, "frame-size", 20, NULL);
    return gst_element_link_many(conv, enc, pay, NULL) ? pay : NULL;
  }
  /* G.711 and G.722: resampled to their rate, 20 ms a packet. */
  GstElement *res = rc_media_make("audioresample", bin), *caps = rc_media_make("capsfilter", bin);
  g_autoptr(GstCaps) raw = gst_caps_new_simple("audio/x-raw", "rate", G_TYPE_INT, codec == RC_AUDIO_G722 ? 16000 : 8000,
                                               "channels", G_TYPE_INT, 1, NULL);
  g_object_set(caps, "caps", raw, NULL);
  g_object_set(pay, "min-ptime", (gint64)20 * GST_MSECOND, "max-ptime", (gint64)20 * GST_MSECOND, NULL);
  g_autoptr(GstPad) in = gst_element_get_static_pad(conv, "sink");
  gst_pad_add_probe(in, GST_PAD_PROBE_TYPE_BUFFER, on_first_aligned, NULL, NULL);
  return gst_element_link_many(conv, res, caps, enc, pay, NULL) ? pay : NULL;
}

/* Mix @mix (its tee) → @codec's encoder and payloader → queue →
 * multiudpsink from the audio port, sending each packet on time (sync): the
 * queue lets the mixer go on meanwhile. Every output's encoder and
 * payloader of a codec are set alike. NULL (logged): an element missing. */
static mix_output *
encoded_output(rc_mixer *x, guint mix, rc_audio_codec codec)
{
  g_autofree char *name = g_strdup_printf("out-%s-%u", rc_audio_codec_name(codec), mix);
  GstElement *branch = gst_bin_new(name);
  GstBin *bin = GST_BIN(branch);
  GstElement *conv = rc_media_make("audioconvert", bin), *pay = encoder_chain(x, codec, bin, conv),
             *q = rc_media_make("queue", bin), *sink = rc_media_make("multiudpsink", bin);
  if (!pay || !q || !sink) {
    gst_object_unref(branch);
    return NULL;
  }
  g_object_set(sink, "sync", TRUE, "async", FALSE, "socket", rc_ingest_socket(x->audio), "close-socket",
               FALSE, NULL);
  gst_element_link_many(pay, q, sink, NULL);
  g_autoptr(GstPad) conv_in = gst_element_get_static_pad(conv, "sink");
  gst_element_add_pad(branch, gst_ghost_pad_new("sink", conv_in));
  gst_bin_add(GST_BIN(x->pipeline), branch); /* the pipeline owns it */
  gst_element_sync_state_with_parent(branch);
  g_autoptr(GstPad) tee_src = gst_element_request_pad_simple(x->mixes[mix], "src_%u");
  g_autoptr(GstPad) branch_in = gst_element_get_static_pad(branch, "sink");
  gst_pad_link(tee_src, branch_in);
  mix_output *o = g_new0(mix_output, 1);
  o->mixer = x;
  o->codec = codec;
  o->sink = sink;
  o->clients = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  o->egress = g_ptr_array_new();
  g_queue_init(&o->changes);
  o->last_seq = (guint16)(x->seq_base - 1);
  g_autoptr(GstPad) in = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(in, GST_PAD_PROBE_TYPE_BUFFER, on_output_packet, o, NULL);
  return o;
}

/* Every mix in @codec, made at the first receiver that takes it. FALSE
 * (logged once): it cannot be encoded (AAC, an element missing). */
static gboolean
codec_outputs(rc_mixer *x, rc_audio_codec codec)
{
  if (x->by_codec[codec][0])
    return TRUE;
  if (x->cannot_encode[codec])
    return FALSE;
  x->cannot_encode[codec] = TRUE; /* until it is made */
  mix_output *made[1 + SLOTS];
  for (guint mix = 0; mix < 1 + SLOTS; mix++)
    if (!rc_audio_codec_get(codec)->encoder || !(made[mix] = encoded_output(x, mix, codec))) {
      g_warning("session %" G_GINT64_FORMAT ": the program audio cannot be encoded in %s", x->session_id,
                rc_audio_codec_name(codec));
      return FALSE; /* the branches made stay, unused */
    }
  for (guint mix = 0; mix < 1 + SLOTS; mix++) {
    x->by_codec[codec][mix] = made[mix];
    g_ptr_array_add(x->outputs, made[mix]);
  }
  x->cannot_encode[codec] = FALSE;
  g_message("session %" G_GINT64_FORMAT ": the program audio is encoded in %s", x->session_id,
            rc_audio_codec_name(codec));
  return TRUE;
}

static void
speakers_output(rc_mixer *x, GstElement *mixer)
{
  GstBin *bin = GST_BIN(x->pipeline);
  GstElement *conv = rc_media_make("audioconvert", bin), *caps = raw_caps_filter(bin), *sink = rc_media_make("appsink", bin);
  g_object_set(sink, "sync", FALSE, "emit-signals", FALSE, "max-buffers", 10, "drop", TRUE, NULL);
  GstAppSinkCallbacks cb = {.new_sample = on_room_sample};
  gst_app_sink_set_callbacks(GST_APP_SINK(sink), &cb, x, NULL);
  gst_element_link_many(mixer, conv, caps, sink, NULL);
}

static void
output_free(gpointer data)
{
  mix_output *o = data;
  g_hash_table_destroy(o->clients);
  g_ptr_array_unref(o->egress);
  route_change *c;
  while ((c = g_queue_pop_head(&o->changes))) {
    g_free(c->host);
    g_free(c);
  }
  g_free(o);
}

static void
placed_free(gpointer data)
{
  placed_site *p = data;
  g_free(p->dest);
  g_free(p);
}

static GstElement *
new_mixer(GstBin *bin)
{
  GstElement *mixer = rc_media_make("audiomixer", bin);
  /* Every mixer's output starts at running time 0 (the lockstep). */
  g_object_set(mixer, "latency", (guint64)MIX_WAIT_MS * GST_MSECOND, NULL);
  gst_util_set_object_arg(G_OBJECT(mixer), "start-time-selection", "zero");
  return mixer;
}

/* One mixer per mix: everything but the mix's own voice. Mix 0 is the
 * full mix, mix 1 + s everything but slot s. Each ends in a tee its
 * encodings hang from (codec_outputs). */
static void
build_mixes(rc_mixer *x, GstElement *quiet, GstElement *room)
{
  GstBin *bin = GST_BIN(x->pipeline);
  for (int out = -1; out < SLOTS; out++) { /* -1: the full mix */
    GstElement *mixer = new_mixer(bin);
    feed(bin, quiet, mixer);
    if (room)
      feed(bin, room, mixer);
    for (int t = 0; t < SLOTS; t++)
      if (t != out)
        feed(bin, x->slots[t].tee, mixer);
    /* The mix is 48 kHz whatever its encodings take: a G.711 branch must
     * not make the mixer negotiate 8 kHz for the Opus one. */
    x->mixes[out + 1] = rc_media_make("tee", bin);
    gst_element_link_many(mixer, raw_caps_filter(bin), x->mixes[out + 1], NULL);
  }
  if (x->room && *rc_room_audio_output_device(x->room)) {
    GstElement *mixer = new_mixer(bin);
    feed(bin, quiet, mixer);
    for (int t = 0; t < SLOTS; t++)
      feed(bin, x->slots[t].tee, mixer);
    speakers_output(x, mixer);
  }
}

rc_mixer *
rc_mixer_new(const rc_mixer_setup *setup, GError **error)
{
  rc_mixer *x = g_new0(rc_mixer, 1);
  x->session_id = setup->session_id;
  x->audio = setup->audio;
  x->room = setup->room;
  x->pipeline = gst_pipeline_new("program-audio");
  x->outputs = g_ptr_array_new_with_free_func(output_free);
  x->placed = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, placed_free);
  x->seq_base = (guint16)g_random_int_range(0, 0x10000);
  x->ts_base = g_random_int() % G_MAXUINT32; /* G_MAXUINT32: each payloader would pick its own */
  g_mutex_init(&x->route_lock);
  GstElement *quiet = silence(GST_BIN(x->pipeline));
  GstElement *room = x->room && *rc_room_audio_input_device(x->room) ? room_branch(x) : NULL;
  for (int t = 0; t < SLOTS; t++) {
    x->slots[t].tee = rc_media_make("tee", GST_BIN(x->pipeline));
    slot_swap(x, &x->slots[t], NULL);
  }
  build_mixes(x, quiet, room);
  gst_pipeline_set_latency(GST_PIPELINE(x->pipeline), (GstClockTime)PROGRAM_DELAY_MS * GST_MSECOND);
  if (!codec_outputs(x, RC_AUDIO_OPUS)) {
    g_set_error(error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN, "the program audio cannot be encoded in Opus");
    rc_mixer_free(x);
    return NULL;
  }
  g_autoptr(GstBus) bus = gst_element_get_bus(x->pipeline);
  gst_bus_add_watch(bus, rc_media_bus_watch, "program-audio");
  if (gst_element_set_state(x->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error(error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE, "the program audio pipeline does not start");
    rc_mixer_free(x);
    return NULL;
  }
  for (guint i = 0; setup->local_ports && i < setup->local_ports->len; i++)
    rc_mixer_local_client(x, g_array_index(setup->local_ports, int, i), TRUE);
  return x;
}

void
rc_mixer_free(rc_mixer *x)
{
  if (!x)
    return;
  for (int t = 0; t < SLOTS; t++) {
    if (x->slots[t].ssrc && x->audio)
      rc_ingest_copy_to(x->audio, x->slots[t].ssrc, NULL);
    g_free(x->slots[t].fmtp);
  }
  if (x->room_feed) {
    g_atomic_int_set(&x->room_stop, 1);
    g_thread_join(g_steal_pointer(&x->room_feed));
  }
  rc_media_pipeline_free(x->pipeline);
  g_ptr_array_unref(x->outputs);
  g_hash_table_destroy(x->placed);
  g_mutex_clear(&x->route_lock);
  g_free(x);
}

/* The first packet none of @o's codec's outputs has sent yet; FALSE: none
 * of them has sent one (a codec just added). Under route_lock. */
static gboolean
next_packet(rc_mixer *x, const mix_output *o, guint16 *at)
{
  mix_output *const *outs = x->by_codec[o->codec];
  gboolean any = FALSE;
  guint16 last = 0;
  for (guint i = 0; i < 1 + SLOTS; i++) {
    guint16 s = outs[i]->last_seq;
    if (outs[i]->sent && (!any || (gint16)(guint16)(s - last) > 0))
      last = s, any = TRUE;
  }
  *at = (guint16)(last + 1);
  return any;
}

/* Under route_lock. @now: at @o's next packet, whatever its number. */
static void
queue_change(rc_mixer *x, mix_output *o, const char *hostport, rc_site_transport *egress, gboolean add, gboolean now)
{
  route_change *c = g_new0(route_change, 1);
  guint16 at_seq = 0;
  c->at_first = !next_packet(x, o, &at_seq) || now;
  if (egress) {
    c->egress = egress;
  } else {
    const char *colon = strrchr(hostport, ':');
    c->host = g_strndup(hostport, (gsize)(colon - hostport));
    c->port = atoi(colon + 1);
  }
  c->add = add;
  c->at_seq = at_seq;
  g_queue_push_tail(&o->changes, c);
}

/* Moves a receiver: @from_dest leaves output @from and @to_dest joins
 * output @to (either NULL: none), both from the same packet on (of the
 * same codec: a move to another codec is a new stream). A receiver with its
 * own send (@from_egress, @to_egress) is moved the same way. */
static void
route(rc_mixer *x, mix_output *from, const char *from_dest, rc_site_transport *from_egress, mix_output *to,
      const char *to_dest, rc_site_transport *to_egress)
{
  mix_output *a = from && (from_egress || (from_dest && strrchr(from_dest, ':'))) ? from : NULL;
  mix_output *b = to && (to_egress || (to_dest && strrchr(to_dest, ':'))) ? to : NULL;
  if (a && !from_egress && !g_hash_table_remove(a->clients, from_dest))
    a = NULL;
  if (b && !to_egress && !g_hash_table_add(b->clients, g_strdup(to_dest)))
    b = NULL;
  if (!a && !b)
    return;
  /* Between codecs no packet number is shared: the old one stops at once
   * (a transport renumbers what it sends, rc_rtp_seq_map, so its stream
   * goes on without a repeated number). */
  gboolean new_stream = a && b && a->codec != b->codec;
  g_mutex_lock(&x->route_lock);
  if (a)
    queue_change(x, a, from_dest, from_egress, FALSE, new_stream);
  if (b)
    queue_change(x, b, to_dest, to_egress, TRUE, FALSE);
  g_mutex_unlock(&x->route_lock);
}

void
rc_mixer_local_client(rc_mixer *x, int port, gboolean add)
{
  g_autofree char *hp = g_strdup_printf("127.0.0.1:%d", port);
  mix_output *full = x->by_codec[RC_AUDIO_OPUS][0];
  route(x, full, add ? NULL : hp, NULL, full, add ? hp : NULL, NULL);
}

/* A talker gets the mix without its own slot; everybody else the full mix. */
static guint
output_for(rc_mixer *x, gint64 site_id)
{
  for (guint t = 0; t < SLOTS; t++)
    if (x->slots[t].site_id == site_id)
      return 1 + t;
  return 0;
}

/* The slot for a new talker: one whose talker leaves (its decoder is
 * swapped once, not emptied and filled), else an empty one; -1: none. */
static int
free_slot(rc_mixer *x, const gboolean leaving[SLOTS])
{
  for (int t = 0; t < SLOTS; t++)
    if (leaving[t])
      return t;
  for (int t = 0; t < SLOTS; t++)
    if (!x->slots[t].site_id)
      return t;
  return -1;
}

static gboolean
is_talker(const rc_mixer_talker *talkers, guint n, gint64 site_id)
{
  for (guint i = 0; i < n; i++)
    if (talkers[i].site_id == site_id)
      return TRUE;
  return FALSE;
}

/* Whether @slot's decoder takes what @k sends (its SSRC, codec, payload type, clock and parameters). */
static gboolean
decodes(const talker_slot *slot, const rc_mixer_talker *k)
{
  return slot->ssrc == k->ssrc && slot->codec == k->codec && slot->pt == k->pt && slot->clock_rate == k->clock_rate &&
         g_strcmp0(slot->fmtp, k->fmtp) == 0;
}

void
rc_mixer_set_talkers(rc_mixer *x, const rc_mixer_talker *talkers, guint n)
{
  /* A talker that stays keeps its slot (and its decoder, without a gap). */
  gboolean leaving[SLOTS];
  for (guint t = 0; t < SLOTS; t++)
    leaving[t] = x->slots[t].site_id && !is_talker(talkers, n, x->slots[t].site_id);
  for (guint i = 0; i < n; i++) {
    const rc_mixer_talker *k = &talkers[i];
    guint out = output_for(x, k->site_id);
    int t = !out ? free_slot(x, leaving) : decodes(&x->slots[out - 1], k) ? -1 : (int)out - 1;
    if (t < 0)
      continue;
    leaving[t] = FALSE;
    slot_swap(x, &x->slots[t], k); /* a new talker, or one whose codec changed (a pull learned it) */
    g_message("session %" G_GINT64_FORMAT ": %s (%s) talks in the program audio (%s)", x->session_id, k->code, k->name,
              rc_audio_codec_name(k->codec));
  }
  for (guint t = 0; t < SLOTS; t++)
    if (leaving[t])
      slot_swap(x, &x->slots[t], NULL);
}

/* Moves @site to mix @out in @codec at @dest or @egress (both NULL:
 * nowhere; a codec the program cannot be encoded in: nowhere either). */
static void
place(rc_mixer *x, gint64 site_id, rc_audio_codec codec, guint out, const char *dest, rc_site_transport *egress)
{
  placed_site *p = g_hash_table_lookup(x->placed, &site_id);
  if (egress)
    dest = NULL;
  if ((dest || egress) && !codec_outputs(x, codec))
    dest = NULL, egress = NULL;
  if (p && p->codec == codec && p->output == out && g_strcmp0(p->dest, dest) == 0 && p->egress == egress)
    return;
  route(x, p ? x->by_codec[p->codec][p->output] : NULL, p ? p->dest : NULL, p ? p->egress : NULL,
        dest || egress ? x->by_codec[codec][out] : NULL, dest, egress);
  if (p)
    g_hash_table_remove(x->placed, &site_id);
  if (!dest && !egress)
    return;
  p = g_new0(placed_site, 1);
  p->codec = codec;
  p->output = out;
  p->dest = g_strdup(dest);
  p->egress = egress;
  g_hash_table_insert(x->placed, g_memdup2(&site_id, sizeof site_id), p);
}

void
rc_mixer_forget_egress(rc_mixer *x, gint64 site_id, rc_site_transport *t)
{
  placed_site *p = g_hash_table_lookup(x->placed, &site_id);
  if (p && p->egress == t)
    g_hash_table_remove(x->placed, &site_id);
  g_mutex_lock(&x->route_lock); /* a packet being sent holds it: none after this */
  for (guint i = 0; i < x->outputs->len; i++) {
    mix_output *o = x->outputs->pdata[i];
    g_ptr_array_remove(o->egress, t);
    for (GList *l = o->changes.head; l;) {
      GList *next = l->next;
      route_change *c = l->data;
      if (c->egress == t) {
        g_free(c);
        g_queue_delete_link(&o->changes, l);
      }
      l = next;
    }
  }
  g_mutex_unlock(&x->route_lock);
}

void
rc_mixer_refresh(rc_mixer *x, const rc_mixer_listener *listeners, guint n)
{
  g_autoptr(GHashTable) present = g_hash_table_new(g_int64_hash, g_int64_equal);
  for (guint i = 0; i < n; i++) {
    const rc_mixer_listener *l = &listeners[i];
    place(x, l->site_id, l->codec, output_for(x, l->site_id), l->dest, l->egress);
    g_hash_table_add(present, (gpointer)&listeners[i].site_id);
  }
  /* Sites that left the session stop receiving. */
  g_autoptr(GArray) gone = g_array_new(FALSE, FALSE, sizeof(gint64));
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init(&it, x->placed);
  while (g_hash_table_iter_next(&it, &key, NULL))
    if (!g_hash_table_contains(present, key))
      g_array_append_val(gone, *(gint64 *)key);
  for (guint i = 0; i < gone->len; i++)
    place(x, g_array_index(gone, gint64, i), RC_AUDIO_OPUS, 0, NULL, NULL);
}
