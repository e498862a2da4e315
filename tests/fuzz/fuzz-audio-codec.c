/* libFuzzer target: an audio stream's SDP as a SIP call or a pulled camera
 * gives it to the mixer (devices/audio-codec.h): an encoding name, a
 * payload type and format parameters (a=fmtp) into the RTP caps of a
 * talker's decoder, and the caps' fmtp back. The input is split at the
 * first two newlines: encoding name, payload type, fmtp. */
#include "devices/audio-codec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static gboolean ready;
  if (!ready) {
    gst_init(NULL, NULL);
    ready = TRUE;
  }
  g_autofree char *text = g_strndup((const char *)data, size);
  g_auto(GStrv) parts = g_strsplit(text, "\n", 3);
  const char *name = parts[0], *pt_text = parts[0] && parts[1] ? parts[1] : "",
             *fmtp = parts[0] && parts[1] ? parts[2] : NULL;
  int pt = (int)strtol(pt_text, NULL, 10);
  rc_audio_codec codec;
  if (!rc_audio_codec_from_sdp(name, pt, &codec))
    return 0;
  g_assert(codec < RC_AUDIO_CODECS);
  g_autoptr(GstCaps) caps = rc_audio_codec_rtp_caps(codec, pt & 0x7f, 0, fmtp);
  const GstStructure *s = gst_caps_get_structure(caps, 0);
  int got = -1;
  g_assert(gst_structure_get_int(s, "payload", &got) && got == (pt & 0x7f));
  g_assert(g_str_equal(gst_structure_get_string(s, "encoding-name"), rc_audio_codec_get(codec)->encoding_name));
  g_autofree char *back = rc_audio_codec_fmtp_of_caps(s);
  g_autoptr(GstCaps) again = rc_audio_codec_rtp_caps(codec, pt & 0x7f, 0, back);
  g_assert(gst_caps_is_equal(caps, again)); /* the fmtp a caps gives makes the same caps */
  return 0;
}
