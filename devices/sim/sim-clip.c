/* sim-clip — RTP payloads of an encoded loop, built once. */
#include "devices/sim/sim-clip.h"

#include <string.h>

#define SIM_CLIP_ERROR g_quark_from_static_string("sim-clip")

typedef struct {
  GByteArray *data;
  GArray *packets; /* sim_clip_packet */
  GArray *frames;  /* sim_clip_frame */
} builder;

static void
add_packet(builder *b, const guint8 *head, gsize head_len, const guint8 *body, gsize body_len)
{
  sim_clip_packet p = {b->data->len, (guint16)(head_len + body_len), 0};
  if (head_len)
    g_byte_array_append(b->data, head, head_len);
  g_byte_array_append(b->data, body, body_len);
  g_array_append_val(b->packets, p);
}

/* Splits Annex B @au into NAL units; calls @fn for each (no start code). */
static guint
for_each_nal(const guint8 *au, gsize len, void (*fn)(const guint8 *, gsize, gpointer), gpointer data)
{
  guint count = 0;
  gsize i = 0, start = G_MAXSIZE;
  while (i + 3 <= len) {
    if (au[i] == 0 && au[i + 1] == 0 && au[i + 2] == 1) {
      if (start != G_MAXSIZE) {
        gsize end = i;
        while (end > start && au[end - 1] == 0) /* trailing zero of a 4-byte code */
          end--;
        if (end > start)
          fn(au + start, end - start, data), count++;
      }
      i += 3;
      start = i;
    } else {
      i++;
    }
  }
  if (start != G_MAXSIZE && start < len)
    fn(au + start, len - start, data), count++;
  return count;
}

typedef struct {
  builder *b;
  guint max_payload;
  GByteArray *params; /* STAP-A being built from SPS/PPS/SEI */
  guint8 params_nri;
  gboolean keyframe;
} au_state;

static void
flush_params(au_state *s)
{
  if (s->params->len == 0)
    return;
  guint8 stap = 24 | s->params_nri;
  add_packet(s->b, &stap, 1, s->params->data, s->params->len);
  g_byte_array_set_size(s->params, 0);
  s->params_nri = 0;
}

static void
add_fu_a(au_state *s, const guint8 *nal, gsize len)
{
  guint8 head[2] = {(nal[0] & 0xE0) | 28, nal[0] & 0x1F};
  gsize room = s->max_payload - 2;
  for (gsize off = 1; off < len; off += room) {
    gsize n = MIN(room, len - off);
    head[1] = (nal[0] & 0x1F) | (off == 1 ? 0x80 : 0) | (off + n == len ? 0x40 : 0);
    add_packet(s->b, head, 2, nal + off, n);
  }
}

static void
on_nal(const guint8 *nal, gsize len, gpointer data)
{
  au_state *s = data;
  guint type = nal[0] & 0x1F;
  if (type == 9 || type == 12) /* AUD, filler: not worth sending */
    return;
  if (type == 5)
    s->keyframe = TRUE;
  if ((type == 6 || type == 7 || type == 8) && len + 2 <= s->max_payload - 1) {
    if (s->params->len + 2 + len > s->max_payload - 1)
      flush_params(s);
    guint8 size[2] = {len >> 8, len};
    g_byte_array_append(s->params, size, 2);
    g_byte_array_append(s->params, nal, len);
    s->params_nri = MAX(s->params_nri, nal[0] & 0x60);
    return;
  }
  flush_params(s);
  if (len <= s->max_payload)
    add_packet(s->b, NULL, 0, nal, len);
  else
    add_fu_a(s, nal, len);
}

static sim_clip *
finish(builder *b)
{
  sim_clip *clip = g_new0(sim_clip, 1);
  clip->data_len = b->data->len;
  clip->data = g_byte_array_free(b->data, FALSE);
  clip->n_packets = b->packets->len;
  clip->packets = (sim_clip_packet *)g_array_free(b->packets, FALSE);
  clip->n_frames = b->frames->len;
  clip->frames = (sim_clip_frame *)g_array_free(b->frames, FALSE);
  return clip;
}

static builder
builder_init(void)
{
  return (builder){g_byte_array_new(), g_array_new(FALSE, FALSE, sizeof(sim_clip_packet)),
                   g_array_new(FALSE, FALSE, sizeof(sim_clip_frame))};
}

static void
builder_clear(builder *b)
{
  g_byte_array_unref(b->data);
  g_array_unref(b->packets);
  g_array_unref(b->frames);
}

/* Closes the frame whose packets start at @first; marks its last packet. */
static void
end_frame(builder *b, guint first, gboolean keyframe)
{
  sim_clip_frame f = {first, (guint16)(b->packets->len - first), keyframe, 0};
  for (guint i = first; i < b->packets->len; i++)
    f.bytes += g_array_index(b->packets, sim_clip_packet, i).len;
  g_array_index(b->packets, sim_clip_packet, b->packets->len - 1).marker = 1;
  g_array_append_val(b->frames, f);
}

sim_clip *
sim_clip_new_h264(GPtrArray *units, guint max_payload, GError **error)
{
  g_return_val_if_fail(max_payload >= 64 && max_payload <= G_MAXUINT16, NULL);
  if (!units || units->len == 0) {
    g_set_error(error, SIM_CLIP_ERROR, 0, "no access units");
    return NULL;
  }
  builder b = builder_init();
  g_autoptr(GByteArray) params = g_byte_array_new();
  for (guint i = 0; i < units->len; i++) {
    gsize len;
    const guint8 *au = g_bytes_get_data(units->pdata[i], &len);
    au_state s = {&b, max_payload, params, 0, FALSE};
    guint first = b.packets->len;
    for_each_nal(au, len, on_nal, &s);
    flush_params(&s);
    if (b.packets->len == first) {
      builder_clear(&b);
      g_set_error(error, SIM_CLIP_ERROR, 0, "access unit %u has no NAL unit", i);
      return NULL;
    }
    end_frame(&b, first, s.keyframe);
  }
  return finish(&b);
}

sim_clip *
sim_clip_new_opus(GPtrArray *packets, GError **error)
{
  if (!packets || packets->len == 0) {
    g_set_error(error, SIM_CLIP_ERROR, 0, "no Opus packets");
    return NULL;
  }
  builder b = builder_init();
  for (guint i = 0; i < packets->len; i++) {
    gsize len;
    const guint8 *p = g_bytes_get_data(packets->pdata[i], &len);
    if (len == 0 || len > 1275) {
      builder_clear(&b);
      g_set_error(error, SIM_CLIP_ERROR, 0, "Opus packet %u has %zu bytes", i, len);
      return NULL;
    }
    guint first = b.packets->len;
    add_packet(&b, NULL, 0, p, len);
    end_frame(&b, first, FALSE);
    g_array_index(b.packets, sim_clip_packet, first).marker = 0; /* audio: no marker */
  }
  return finish(&b);
}

void
sim_clip_free(sim_clip *clip)
{
  if (!clip)
    return;
  g_free(clip->data);
  g_free(clip->packets);
  g_free(clip->frames);
  g_free(clip);
}
