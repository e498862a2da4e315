/* media-record — the program's recording and its RTSP output. Both take the
 * program as two more clients of the fan-outs (on loopback sockets they own),
 * so they see exactly what the sites see. The recording is MP4 (fragmented,
 * so a file cut by a crash still plays) split into files of bounded length,
 * with a JSON index beside it: the files and the start of each agenda item.
 * A full disk stops the recording, not the session: on a write error, or
 * when less than [storage] reserve_mb is left (that room is the database's),
 * the current file is left as it is (whole fragments play) and the recorder
 * waits; with twice the reserve free again, a new file starts. The status
 * says "stopped" with the reason meanwhile (the technicians' alarm).
 * The RTSP server (gst-rtsp-server, one for all live sessions) serves each
 * session's program at rtsp://HOST:PORT/session/ID, and one of them also at
 * /program. */
#define G_LOG_DOMAIN "roomctl-media"
#include "media/media-private.h"
#include "base/rc-json.h"
#include "base/disk.h"

#include <gst/rtsp-server/rtsp-server.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define VIDEO_RTP "application/x-rtp,media=video,encoding-name=H264,payload=96,clock-rate=90000"
#define AUDIO_RTP "application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000"

struct rc_recorder {
  rc_media_outlet out; /* what the recorder needs of the media */
  GstElement *pipeline; /* the current part: a new one after a resolution change */
  int video_port, audio_port;
  char *dir;
  char *index_path;
  json_t *index;    /* {"session_id","started_at","segments":[],"items":[]} */
  gint64 started_us;
  gint next_file;   /* atomic: file numbers go on across parts */
  GstCaps *caps;    /* streaming thread: the video caps of the current part */
  gint rotating;    /* atomic: a new part is being made; drop video meanwhile */
  guint rotate_source; /* atomic */
  guint check_source;  /* free space, every [storage] check_seconds */
  guint stop_source;   /* a bus error: stop from an idle, not in the bus watch */
  char *stopped;       /* why the recording waits; NULL = recording */
  char *stop_reason;   /* for stop_source */
  gint64 stopped_us;
};

/* What the main loop needs to note a new file; it does not point at the
 * recorder, which may be gone when the note runs. */
typedef struct {
  json_t *index;
  char *index_path;
  gint64 started_us;
  char *file;
} segment_note;

static void
write_index_to(json_t *index, const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = json_dumps(index, JSON_INDENT(2));
  if (!g_file_set_contents(path, text, -1, &error))
    g_warning("recording index: %s", error->message);
}

static void
write_index(rc_recorder *r)
{
  write_index_to(r->index, r->index_path);
}

static char *
now_iso(void)
{
  g_autoptr(GDateTime) t = g_date_time_new_now_utc();
  return g_date_time_format(t, "%Y-%m-%dT%H:%M:%SZ");
}

static gboolean
note_segment(gpointer data)
{
  segment_note *n = data;
  g_autofree char *at = now_iso();
  g_autofree char *base = g_path_get_basename(n->file);
  json_array_append_new(json_object_get(n->index, "segments"),
                        json_pack("{ss ss sf}", "file", base, "started_at", at, "offset_seconds",
                                  (g_get_monotonic_time() - n->started_us) / 1e6));
  write_index_to(n->index, n->index_path);
  json_decref(n->index);
  g_free(n->index_path);
  g_free(n->file);
  g_free(n);
  return G_SOURCE_REMOVE;
}

/* Streaming thread: name the next file and tell the main loop. */
static gchar *
on_format_location(GstElement *splitmux, guint fragment_id, gpointer data)
{
  (void)splitmux;
  rc_recorder *r = data;
  (void)fragment_id; /* restarts with each part: number files ourselves */
  guint number = (guint)g_atomic_int_add(&r->next_file, 1);
  char *file = g_strdup_printf("%s/session-%" G_GINT64_FORMAT "-%03u.mp4", r->dir, r->out.session_id, number);
  segment_note *n = g_new0(segment_note, 1);
  n->index = json_incref(r->index);
  n->index_path = g_strdup(r->index_path);
  n->started_us = r->started_us;
  n->file = g_strdup(file);
  g_main_context_invoke(NULL, note_segment, n);
  return file;
}

static GstElement *
input(rc_recorder *r, const char *caps_text, const char *depay, const char *parse, int *port, GError **error)
{
  GstBin *bin = GST_BIN(r->pipeline);
  g_autoptr(GSocket) socket = rc_media_local_socket(port, error);
  if (!socket)
    return NULL;
  GstElement *src = rc_media_make("udpsrc", bin), *jb = rc_media_make("rtpjitterbuffer", bin), *dep = rc_media_make(depay, bin),
             *par = rc_media_make(parse, bin);
  g_autoptr(GstCaps) caps = gst_caps_from_string(caps_text);
  g_object_set(src, "socket", socket, "close-socket", TRUE, "caps", caps, NULL);
  g_object_set(jb, "latency", 200, NULL);
  gst_element_link_many(src, jb, dep, par, NULL);
  return par;
}

static gboolean open_part(rc_recorder *r, GError **error);
static void close_part(rc_recorder *r);
static void drop_part(rc_recorder *r);

/* Cuts the fragmented MP4 @path after its last whole fragment: a write
 * the disk refused leaves a box cut short (a moof, or the mdat its samples
 * point into), and players (ffprobe among them) then refuse the whole
 * file. The top-level boxes are walked by their sizes; what follows the
 * last complete box that is not a moof waiting for its mdat is cut. */
static void
trim_to_fragments(const char *path)
{
  int fd = g_open(path, O_RDWR | O_CLOEXEC, 0);
  if (fd < 0)
    return;
  struct stat st;
  guint64 at = 0, good = 0;
  if (fstat(fd, &st) == 0) {
    guint64 size = (guint64)st.st_size;
    guint8 head[16];
    while (at + 8 <= size && pread(fd, head, sizeof head, (off_t)at) >= 8) {
      guint64 n = (guint64)head[0] << 24 | (guint64)head[1] << 16 | (guint64)head[2] << 8 | head[3];
      if (n == 1 && at + 16 <= size) /* a 64-bit size follows the type */
        for (int i = 8; i < 16; i++)
          n = (i == 8 ? 0 : n << 8) | head[i];
      if (n < 8 || at + n > size) /* 0 (to the end), broken, or cut short */
        break;
      at += n;
      if (memcmp(head + 4, "moof", 4) != 0)
        good = at;
    }
    if (good && good < size) {
      g_message("recording %s: cut after its last whole fragment (%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes)",
                path, good, size);
      if (ftruncate(fd, (off_t)good) != 0)
        g_warning("recording %s: cannot cut it after its last whole fragment: %s", path, g_strerror(errno));
    }
  }
  close(fd);
}

/* The file the current part writes into (the index's last segment), or NULL. (transfer full) */
static char *
current_file(rc_recorder *r)
{
  json_t *segments = json_object_get(r->index, "segments");
  const char *base = json_string_value(json_object_get(json_array_get(segments, json_array_size(segments) - 1), "file"));
  return base ? g_build_filename(r->dir, base, NULL) : NULL;
}

static void
stop_recording(rc_recorder *r, const char *why, gboolean finish)
{
  if (finish)
    close_part(r);
  else
    drop_part(r);
  g_autofree char *file = current_file(r); /* the disk refused a write: whole fragments only */
  if (file)
    trim_to_fragments(file);
  g_free(r->stopped);
  r->stopped = g_strdup(why);
  r->stopped_us = g_get_monotonic_time();
  g_warning("session %" G_GINT64_FORMAT ": recording stopped: %s; it starts again (a new file) when %d MiB are "
            "free", r->out.session_id, why, 2 * r->out.config->storage_reserve_mb);
}

static gboolean
on_stop(gpointer data)
{
  rc_recorder *r = data;
  r->stop_source = 0;
  g_autofree char *why = g_steal_pointer(&r->stop_reason);
  if (!r->stopped)
    stop_recording(r, why, FALSE);
  return G_SOURCE_REMOVE;
}

/* The recorder's errors stop the recording only (from an idle: the
 * pipeline is not taken down inside its own bus watch); other messages as
 * usual. A write that failed for want of space says so. */
static gboolean
recorder_bus_watch(GstBus *bus, GstMessage *msg, gpointer data)
{
  rc_recorder *r = data;
  if (GST_MESSAGE_TYPE(msg) != GST_MESSAGE_ERROR || r->stopped || r->stop_source)
    return rc_media_bus_watch(bus, msg, "recorder");
  g_autoptr(GError) error = NULL;
  gst_message_parse_error(msg, &error, NULL);
  g_warning("session %" G_GINT64_FORMAT ": recorder: %s: %s", r->out.session_id, GST_OBJECT_NAME(msg->src),
            error->message);
  r->stop_reason = g_error_matches(error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT)
                       ? g_strdup_printf("cannot write the recording in %s: the disk is full", r->dir)
                       : g_strdup_printf("the recording failed: %s", error->message);
  r->stop_source = g_idle_add(on_stop, r);
  return G_SOURCE_CONTINUE;
}

/* Every check: too little room stops the recording cleanly (the file is
 * finished while there is still space for it); twice that starts it again. */
static gboolean
on_check(gpointer data)
{
  rc_recorder *r = data;
  gint64 free_bytes = rc_disk_free_bytes(r->dir);
  gint64 reserve = (gint64)r->out.config->storage_reserve_mb << 20;
  if (free_bytes < 0)
    return G_SOURCE_CONTINUE;
  if (!r->stopped && free_bytes < reserve) {
    g_autofree char *why = g_strdup_printf("%" G_GINT64_FORMAT " MiB free in %s, less than the %d MiB kept for the "
                                           "database ([storage] reserve_mb)", free_bytes >> 20, r->dir,
                                           r->out.config->storage_reserve_mb);
    stop_recording(r, why, TRUE);
  } else if (r->stopped && free_bytes >= MAX(2 * reserve, 1 << 20)) {
    g_autoptr(GError) error = NULL;
    if (!open_part(r, &error)) {
      drop_part(r);
      g_warning("session %" G_GINT64_FORMAT ": the recording cannot start again yet: %s", r->out.session_id,
                error->message);
      return G_SOURCE_CONTINUE;
    }
    g_message("session %" G_GINT64_FORMAT ": recording again (%" G_GINT64_FORMAT " MiB free), into a new file",
              r->out.session_id, free_bytes >> 20);
    g_clear_pointer(&r->stopped, g_free);
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_rotate(gpointer data)
{
  rc_recorder *r = data;
  g_atomic_int_set(&r->rotate_source, 0);
  g_message("session %" G_GINT64_FORMAT ": the program's picture size changed: new recording file",
            r->out.session_id);
  close_part(r);
  g_autoptr(GError) error = NULL;
  if (!open_part(r, &error)) {
    g_autofree char *why = g_strdup_printf("a new file cannot start: %s", error->message);
    stop_recording(r, why, FALSE);
  }
  return G_SOURCE_REMOVE;
}

/* MP4 cannot change picture size mid-file: when the program's source
 * changes size, the caps event is held back, the file is finished with the
 * old size, and a new part starts (packets in between are dropped). */
static GstPadProbeReturn
video_probe(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  (void)pad;
  rc_recorder *r = data;
  gboolean rotating = g_atomic_int_get(&r->rotating);
  if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER)
    return rotating ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
  GstEvent *ev = GST_PAD_PROBE_INFO_EVENT(info);
  if (GST_EVENT_TYPE(ev) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;
  if (rotating)
    return GST_PAD_PROBE_DROP;
  GstCaps *caps;
  gst_event_parse_caps(ev, &caps);
  GstStructure *now = gst_caps_get_structure(caps, 0);
  GstStructure *was = r->caps ? gst_caps_get_structure(r->caps, 0) : NULL;
  int w0 = 0, h0 = 0, w1 = 0, h1 = 0;
  gst_structure_get_int(now, "width", &w1);
  gst_structure_get_int(now, "height", &h1);
  if (was && gst_structure_get_int(was, "width", &w0) && gst_structure_get_int(was, "height", &h0) &&
      (w0 != w1 || h0 != h1)) {
    g_atomic_int_set(&r->rotating, 1);
    g_atomic_int_set(&r->rotate_source, g_idle_add(on_rotate, r));
    return GST_PAD_PROBE_DROP;
  }
  gst_caps_replace(&r->caps, caps);
  return GST_PAD_PROBE_OK;
}

rc_recorder *
rc_recorder_new(const rc_media_outlet *out, GError **error)
{
  rc_recorder *r = g_new0(rc_recorder, 1);
  r->out = *out;
  const rc_config *config = out->config;
  r->dir = *config->media_record_dir ? g_strdup(config->media_record_dir)
                                     : g_build_filename(config->data_dir, "recordings", NULL);
  g_mkdir_with_parents(r->dir, 0750);
  r->index_path = g_strdup_printf("%s/session-%" G_GINT64_FORMAT ".json", r->dir, out->session_id);
  g_autofree char *at = now_iso();
  r->index = json_pack("{sI ss s[] s[]}", "session_id", (json_int_t)out->session_id, "started_at", at, "segments",
                       "items");
  r->started_us = g_get_monotonic_time();
  if (!open_part(r, error)) {
    rc_recorder_free(r);
    return NULL;
  }
  write_index(r);
  r->check_source = g_timeout_add_seconds((guint)config->storage_check_seconds, on_check, r);
  g_message("session %" G_GINT64_FORMAT ": recording into %s", out->session_id, r->dir);
  return r;
}

static gboolean
open_part(rc_recorder *r, GError **error)
{
  r->pipeline = gst_pipeline_new("recorder");
  gst_caps_replace(&r->caps, NULL);
  GstElement *v = input(r, VIDEO_RTP, "rtph264depay", "h264parse", &r->video_port, error);
  GstElement *a = v ? input(r, AUDIO_RTP, "rtpopusdepay", "opusparse", &r->audio_port, error) : NULL;
  if (!a)
    return FALSE;
  g_autoptr(GstPad) vpad = gst_element_get_static_pad(v, "src");
  gst_pad_add_probe(vpad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, video_probe, r, NULL);
  GstElement *mux = gst_element_factory_make("mp4mux", NULL);
  g_object_set(mux, "fragment-duration", 1000, NULL);
  GstElement *split = rc_media_make("splitmuxsink", GST_BIN(r->pipeline));
  g_object_set(split, "muxer", mux, "max-size-time",
               (guint64)r->out.config->media_record_segment_minutes * 60 * GST_SECOND, NULL);
  g_signal_connect(split, "format-location", G_CALLBACK(on_format_location), r);
  gst_element_link_pads(v, "src", split, "video");
  gst_element_link_pads(a, "src", split, "audio_%u");
  g_autoptr(GstBus) bus = gst_element_get_bus(r->pipeline);
  gst_bus_add_watch(bus, recorder_bus_watch, r);
  gst_element_set_state(r->pipeline, GST_STATE_PLAYING);
  g_atomic_int_set(&r->rotating, 0);
  r->out.tap(r->out.media, FALSE, r->video_port, TRUE);
  r->out.tap(r->out.media, TRUE, r->audio_port, TRUE);
  return TRUE;
}

/* Finishes the current part's file: EOS through the muxer, then stop. */
static void
close_part(rc_recorder *r)
{
  if (!r->pipeline)
    return;
  r->out.tap(r->out.media, FALSE, r->video_port, FALSE);
  r->out.tap(r->out.media, TRUE, r->audio_port, FALSE);
  gst_element_send_event(r->pipeline, gst_event_new_eos());
  g_autoptr(GstBus) bus = gst_element_get_bus(r->pipeline);
  g_autoptr(GstMessage) done = gst_bus_timed_pop_filtered(bus, 5 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (!done)
    g_warning("session %" G_GINT64_FORMAT ": the recording did not finish within 5 s; its last file may be cut",
              r->out.session_id);
  gst_element_set_state(r->pipeline, GST_STATE_NULL);
  gst_bus_remove_watch(bus);
  g_clear_pointer(&r->pipeline, gst_object_unref);
}

/* Ends the current part without waiting for its file to be finished: the
 * disk that refused a write would refuse the end too. The fragments written
 * so far play. */
static void
drop_part(rc_recorder *r)
{
  if (!r->pipeline)
    return;
  r->out.tap(r->out.media, FALSE, r->video_port, FALSE);
  r->out.tap(r->out.media, TRUE, r->audio_port, FALSE);
  g_autoptr(GstBus) bus = gst_element_get_bus(r->pipeline);
  gst_bus_remove_watch(bus);
  gst_element_set_state(r->pipeline, GST_STATE_NULL);
  g_clear_pointer(&r->pipeline, gst_object_unref);
}

void
rc_recorder_free(rc_recorder *r)
{
  if (!r)
    return;
  g_clear_handle_id(&r->check_source, g_source_remove);
  g_clear_handle_id(&r->stop_source, g_source_remove);
  if (r->stopped)
    drop_part(r); /* a part that failed to open may be half made */
  close_part(r); /* joins the streaming threads: no new rotation after this */
  guint rotate = (guint)g_atomic_int_exchange((gint *)&r->rotate_source, 0);
  if (rotate)
    g_source_remove(rotate);
  gst_caps_replace(&r->caps, NULL);
  if (r->index) {
    g_autofree char *at = now_iso();
    json_object_set_new(r->index, "ended_at", json_string(at));
    json_object_set_new(r->index, "ended_offset_seconds", json_real((g_get_monotonic_time() - r->started_us) / 1e6));
    write_index(r);
    json_decref(r->index);
  }
  g_free(r->stopped);
  g_free(r->stop_reason);
  g_free(r->dir);
  g_free(r->index_path);
  g_free(r);
}

void
rc_recorder_mark(rc_recorder *r, gint64 item_id, const char *title)
{
  g_autofree char *at = now_iso();
  json_array_append_new(json_object_get(r->index, "items"),
                        json_pack("{sI ss ss sf}", "item_id", (json_int_t)item_id, "title", title ? title : "", "at",
                                  at, "offset_seconds", (g_get_monotonic_time() - r->started_us) / 1e6));
  write_index(r);
}

void
rc_recorder_status(rc_recorder *r, rc_media_recording *out)
{
  *out = (rc_media_recording){.on = TRUE, .stopped = r->stopped != NULL, .dir = g_strdup(r->dir),
                              .index = g_strdup(r->index_path),
                              .segments = (guint)json_array_size(json_object_get(r->index, "segments")),
                              .reason = g_strdup(r->stopped)};
  if (r->stopped)
    out->stopped_s = (g_get_monotonic_time() - r->stopped_us) / 1e6;
}

/* ---- RTSP ---- */

struct rc_rtsp_server {
  GstRTSPServer *server;
  guint source;
};

rc_rtsp_server *
rc_rtsp_server_new(const rc_config *config, GError **error)
{
  rc_rtsp_server *rs = g_new0(rc_rtsp_server, 1);
  rs->server = gst_rtsp_server_new();
  g_autofree char *service = g_strdup_printf("%d", config->media_rtsp_port);
  g_object_set(rs->server, "service", service, "address", config->media_listen, NULL);
  rs->source = gst_rtsp_server_attach(rs->server, NULL);
  if (!rs->source) {
    g_set_error(error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ, "cannot serve RTSP on port %d (in use?)",
                config->media_rtsp_port);
    rc_rtsp_server_free(rs);
    return NULL;
  }
  g_message("RTSP programs on rtsp://%s:%d/", config->media_listen, config->media_rtsp_port);
  return rs;
}

static GstRTSPFilterResult
drop_client(GstRTSPServer *server, GstRTSPClient *client, gpointer data)
{
  (void)server, (void)client, (void)data;
  return GST_RTSP_FILTER_REMOVE;
}

void
rc_rtsp_server_free(rc_rtsp_server *rs)
{
  if (!rs)
    return;
  gst_rtsp_server_client_filter(rs->server, drop_client, NULL);
  if (rs->source)
    g_source_remove(rs->source);
  g_object_unref(rs->server);
  g_free(rs);
}

struct rc_rtsp_out {
  rc_media_outlet out;
  rc_rtsp_server *rs;
  char *path;
  gboolean mounted;
  GList *medias;      /* GstRTSPMedia* made for this path (refs) */
  gboolean hit;       /* the client filter's answer */
  int video_port, audio_port;
  GSocket *video_socket, *audio_socket;
};

/* The media's udpsrc elements read from sockets we bound: the fan-outs send
 * there from the start, so the payloaders have data for the SDP. */
static void
on_media_configure(GstRTSPMediaFactory *factory, GstRTSPMedia *media, gpointer data)
{
  (void)factory;
  rc_rtsp_out *o = data;
  g_autoptr(GstElement) bin = gst_rtsp_media_get_element(media);
  g_autoptr(GstElement) v = gst_bin_get_by_name(GST_BIN(bin), "vsrc");
  g_autoptr(GstElement) a = gst_bin_get_by_name(GST_BIN(bin), "asrc");
  if (v)
    g_object_set(v, "socket", o->video_socket, "close-socket", FALSE, NULL);
  if (a)
    g_object_set(a, "socket", o->audio_socket, "close-socket", FALSE, NULL);
  for (GList *l = o->medias, *next; l; l = next) { /* forget the ones that ended */
    next = l->next;
    if (gst_rtsp_media_get_status(l->data) == GST_RTSP_MEDIA_STATUS_UNPREPARED) {
      g_object_unref(l->data);
      o->medias = g_list_delete_link(o->medias, l);
    }
  }
  o->medias = g_list_prepend(o->medias, g_object_ref(media));
}

rc_rtsp_out *
rc_rtsp_out_new(const rc_media_outlet *out, rc_rtsp_server *rs, const char *path, GError **error)
{
  rc_rtsp_out *o = g_new0(rc_rtsp_out, 1);
  o->out = *out;
  o->rs = rs;
  o->path = g_strdup(path);
  if (!(o->video_socket = rc_media_local_socket(&o->video_port, error)) ||
      !(o->audio_socket = rc_media_local_socket(&o->audio_port, error))) {
    rc_rtsp_out_free(o);
    return NULL;
  }
  GstRTSPMediaFactory *factory = gst_rtsp_media_factory_new();
  /* A fixed description: nothing from the config or from users goes in. */
  gst_rtsp_media_factory_set_launch(factory,
      "( udpsrc name=vsrc caps=\"" VIDEO_RTP "\" ! rtpjitterbuffer latency=100 ! rtph264depay ! h264parse"
      " ! rtph264pay name=pay0 pt=96 config-interval=-1"
      "  udpsrc name=asrc caps=\"" AUDIO_RTP "\" ! rtpjitterbuffer latency=100 ! rtpopusdepay"
      " ! rtpopuspay name=pay1 pt=111 )");
  gst_rtsp_media_factory_set_shared(factory, TRUE);
  g_signal_connect(factory, "media-configure", G_CALLBACK(on_media_configure), o);
  g_autoptr(GstRTSPMountPoints) mounts = gst_rtsp_server_get_mount_points(rs->server);
  gst_rtsp_mount_points_add_factory(mounts, path, factory); /* takes the factory */
  o->mounted = TRUE;
  out->tap(out->media, FALSE, o->video_port, TRUE);
  out->tap(out->media, TRUE, o->audio_port, TRUE);
  g_message("session %" G_GINT64_FORMAT ": RTSP program at %s", out->session_id, path);
  return o;
}

/* Whether a client plays one of @o's medias. */
static GstRTSPFilterResult
media_of_ours(GstRTSPSession *session, GstRTSPSessionMedia *sm, gpointer data)
{
  (void)session;
  rc_rtsp_out *o = data;
  o->hit |= g_list_find(o->medias, gst_rtsp_session_media_get_media(sm)) != NULL;
  return GST_RTSP_FILTER_KEEP;
}

static GstRTSPFilterResult
session_of_ours(GstRTSPClient *client, GstRTSPSession *session, gpointer data)
{
  (void)client;
  g_list_free(gst_rtsp_session_filter(session, media_of_ours, data));
  return GST_RTSP_FILTER_KEEP;
}

static GstRTSPFilterResult
client_of_ours(GstRTSPServer *server, GstRTSPClient *client, gpointer data)
{
  (void)server;
  rc_rtsp_out *o = data;
  o->hit = FALSE;
  g_list_free(gst_rtsp_client_session_filter(client, session_of_ours, o));
  return o->hit ? GST_RTSP_FILTER_REMOVE : GST_RTSP_FILTER_KEEP;
}

void
rc_rtsp_out_free(rc_rtsp_out *o)
{
  if (!o)
    return;
  if (o->mounted) {
    o->out.tap(o->out.media, FALSE, o->video_port, FALSE);
    o->out.tap(o->out.media, TRUE, o->audio_port, FALSE);
    g_autoptr(GstRTSPMountPoints) mounts = gst_rtsp_server_get_mount_points(o->rs->server);
    gst_rtsp_mount_points_remove_factory(mounts, o->path);
    /* Its viewers go (the others stay), and its pipelines stop before the sockets close. */
    gst_rtsp_server_client_filter(o->rs->server, client_of_ours, o);
    for (GList *l = o->medias; l; l = l->next)
      gst_rtsp_media_unprepare(l->data);
  }
  g_list_free_full(o->medias, g_object_unref);
  g_clear_object(&o->video_socket);
  g_clear_object(&o->audio_socket);
  g_free(o->path);
  g_free(o);
}
