/* Unit tests for devices/audio-codec.h: SDP names and static payload types
 * to codecs, the RTP caps a talker's decoder takes (with an AAC stream's
 * format parameters), and back from caps to fmtp; every element a codec
 * names is installed (the Debian packages of APT_PKGS). */
#include "devices/audio-codec.h"

static void
test_from_sdp(void)
{
  rc_audio_codec c;
  struct {
    const char *name;
    int pt;
    rc_audio_codec want;
  } ok[] = {{"PCMU", 0, RC_AUDIO_PCMU},
            {"pcma", 8, RC_AUDIO_PCMA},
            {"G722", 9, RC_AUDIO_G722},
            {"opus", 111, RC_AUDIO_OPUS},
            {"MPEG4-GENERIC", 97, RC_AUDIO_AAC},
            {"mpeg4-generic", 96, RC_AUDIO_AAC},
            {NULL, 0, RC_AUDIO_PCMU},
            {"", 8, RC_AUDIO_PCMA},
            {NULL, 9, RC_AUDIO_G722},
            {"PCMA", 0, RC_AUDIO_PCMA}}; /* the name wins over a static type */
  for (guint i = 0; i < G_N_ELEMENTS(ok); i++) {
    g_assert_true(rc_audio_codec_from_sdp(ok[i].name, ok[i].pt, &c));
    g_assert_cmpint(c, ==, ok[i].want);
  }
  /* Codecs we do not take, and dynamic types without a name. */
  const char *no_names[] = {"G729", "L16", "telephone-event", "MP4A-LATM", "OPUSX"};
  for (guint i = 0; i < G_N_ELEMENTS(no_names); i++)
    g_assert_false(rc_audio_codec_from_sdp(no_names[i], 18, &c));
  g_assert_false(rc_audio_codec_from_sdp(NULL, 18, &c)); /* G.729's static type */
  g_assert_false(rc_audio_codec_from_sdp(NULL, 111, &c)); /* dynamic: needs its rtpmap */
  g_assert_false(rc_audio_codec_from_sdp(NULL, -1, &c));
}

static void
test_table(void)
{
  g_assert_cmpstr(rc_audio_codec_name(RC_AUDIO_G722), ==, "g722");
  g_assert_cmpstr(rc_audio_codec_name(RC_AUDIO_CODECS), ==, "?");
  g_assert_cmpint(rc_audio_codec_get(RC_AUDIO_OPUS)->pt, ==, 111); /* the program's Opus (RC_PT_OPUS) */
  g_assert_cmpint(rc_audio_codec_get(RC_AUDIO_PCMU)->pt, ==, 0);
  g_assert_cmpint(rc_audio_codec_get(RC_AUDIO_G722)->clock_rate, ==, 8000); /* RFC 3551 4.5.2 */
  g_assert_cmpint(rc_audio_codec_get(RC_AUDIO_G722)->frame_samples, ==, 160);
  g_assert_null(rc_audio_codec_get(RC_AUDIO_AAC)->encoder); /* received, never sent */
  for (int c = 0; c < RC_AUDIO_CODECS; c++) {
    const rc_audio_codec_info *i = rc_audio_codec_get(c);
    const char *elements[] = {i->depay, i->decoder, i->encoder, i->pay};
    for (guint k = 0; k < G_N_ELEMENTS(elements); k++) {
      if (!elements[k])
        continue;
      g_autoptr(GstElementFactory) f = gst_element_factory_find(elements[k]);
      if (!f)
        g_error("%s: GStreamer element %s is not installed", i->name, elements[k]);
    }
  }
}

static void
test_caps(void)
{
  g_autoptr(GstCaps) pcmu = rc_audio_codec_rtp_caps(RC_AUDIO_PCMU, 0, 0, NULL);
  g_autoptr(GstCaps) want = gst_caps_from_string("application/"
                                                 "x-rtp,media=audio,payload=0,clock-rate=8000,encoding-name=PCMU");
  g_assert_true(gst_caps_is_equal(pcmu, want));

  /* An AAC stream's fmtp: keys lowered, values kept, RTP basics not overridden,
   * junk skipped. */
  g_autoptr(GstCaps) aac = rc_audio_codec_rtp_caps(RC_AUDIO_AAC, 97, 44100,
                                                   " streamtype=5; "
                                                   "profile-level-id=1;Mode=AAC-hbr;config=1210;"
                                                   "SizeLength=13;indexlength=3;indexdeltalength=3;"
                                                   "payload=0;clock-rate=1;noequals;=x;x-made-up-by-a-caller=1;");
  const GstStructure *s = gst_caps_get_structure(aac, 0);
  int pt = 0, rate = 0;
  g_assert_true(gst_structure_get_int(s, "payload", &pt) && gst_structure_get_int(s, "clock-rate", &rate));
  g_assert_cmpint(pt, ==, 97);
  g_assert_cmpint(rate, ==, 44100);
  g_assert_cmpstr(gst_structure_get_string(s, "encoding-name"), ==, "MPEG4-GENERIC");
  g_assert_cmpstr(gst_structure_get_string(s, "mode"), ==, "AAC-hbr");
  g_assert_cmpstr(gst_structure_get_string(s, "config"), ==, "1210");
  g_assert_cmpstr(gst_structure_get_string(s, "sizelength"), ==, "13");
  g_assert_false(gst_structure_has_field(s, "noequals"));
  g_assert_false(gst_structure_has_field(s, "x-made-up-by-a-caller")); /* never interned as a field name */

  /* And back: the fmtp a pull reads from its payloader's caps. */
  g_autofree char *fmtp = rc_audio_codec_fmtp_of_caps(s);
  g_assert_cmpstr(fmtp, ==,
                  "config=1210;indexdeltalength=3;indexlength=3;mode=AAC-hbr;"
                  "profile-level-id=1;sizelength=13;streamtype=5");
  g_assert_null(rc_audio_codec_fmtp_of_caps(gst_caps_get_structure(pcmu, 0)));
  /* What rtpmp4gpay makes (its caps as a pull sees them) goes round. */
  g_autoptr(GstCaps) pay =
      gst_caps_from_string("application/"
                           "x-rtp,media=audio,clock-rate=48000,encoding-name=MPEG4-GENERIC,encoding-"
                           "params=1,streamtype=5,"
                           "profile-level-id=2,mode=AAC-hbr,config=1188,sizelength=13,indexlength=3,"
                           "indexdeltalength=3,payload=97,"
                           "ssrc=(uint)1,timestamp-offset=(uint)2,seqnum-offset=(uint)3");
  g_autofree char *round = rc_audio_codec_fmtp_of_caps(gst_caps_get_structure(pay, 0));
  g_autoptr(GstCaps) again = rc_audio_codec_rtp_caps(RC_AUDIO_AAC, 97, 48000, round);
  g_assert_cmpstr(gst_structure_get_string(gst_caps_get_structure(again, 0), "config"), ==, "1188");
  g_assert_false(gst_structure_has_field(gst_caps_get_structure(again, 0), "ssrc"));
}

int
main(int argc, char **argv)
{
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/audio-codec/from-sdp", test_from_sdp);
  g_test_add_func("/audio-codec/table", test_table);
  g_test_add_func("/audio-codec/caps", test_caps);
  return g_test_run();
}
