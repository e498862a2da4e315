/* Unit tests for RTP/RTCP parsing and writing (media-rtp). */
#include "base/rtp.h"

#include <string.h>

/* A 12-byte header plus @extra bytes. */
static gsize
header(guint8 *b, guint8 first, guint8 pt_marker, guint16 seq, guint32 ts, guint32 ssrc)
{
  b[0] = first;
  b[1] = pt_marker;
  b[2] = (guint8)(seq >> 8), b[3] = (guint8)seq;
  b[4] = (guint8)(ts >> 24), b[5] = (guint8)(ts >> 16), b[6] = (guint8)(ts >> 8), b[7] = (guint8)ts;
  b[8] = (guint8)(ssrc >> 24), b[9] = (guint8)(ssrc >> 16), b[10] = (guint8)(ssrc >> 8), b[11] = (guint8)ssrc;
  return 12;
}

static void
test_parse_plain(void)
{
  guint8 b[64];
  gsize n = header(b, 0x80, 0x80 | 96, 65535, 0xdeadbeef, 0x01020304);
  b[n++] = 0x65; /* IDR NAL */
  b[n++] = 0x88;
  rc_rtp_packet p;
  g_assert_true(rc_rtp_parse(b, n, &p));
  g_assert_true(p.marker);
  g_assert_cmpuint(p.payload_type, ==, 96);
  g_assert_cmpuint(p.seq, ==, 65535);
  g_assert_cmpuint(p.timestamp, ==, 0xdeadbeef);
  g_assert_cmpuint(p.ssrc, ==, 0x01020304);
  g_assert_cmpuint(p.payload_len, ==, 2);
  g_assert_true(rc_h264_starts_keyframe(p.payload, p.payload_len));
  g_assert_false(p.has_send_time);
}

static void
test_parse_extension_and_csrc(void)
{
  guint8 b[64] = {0};
  gsize n = header(b, 0x80 | 0x10 | 0x01, 96, 1, 2, 3); /* X bit, one CSRC */
  n += 4;                                           /* the CSRC */
  b[n++] = 0xBE, b[n++] = 0xDE, b[n++] = 0, b[n++] = 3; /* 3 words of elements */
  b[n++] = 0x17;                                    /* ID 1, length 8 */
  guint64 t = 1790000000123456ull;
  for (int i = 7; i >= 0; i--)
    b[n++] = (guint8)(t >> (8 * i));
  b[n++] = 0, b[n++] = 0, b[n++] = 0;               /* padding to 12 bytes */
  b[n++] = 0x41;                                    /* a P slice */
  rc_rtp_packet p;
  g_assert_true(rc_rtp_parse(b, n, &p));
  g_assert_true(p.has_send_time);
  g_assert_cmpuint(p.send_time_us, ==, t);
  g_assert_cmpuint(p.header_len, ==, 12 + 4 + 4 + 12);
  g_assert_cmpuint(p.payload_len, ==, 1);
  g_assert_false(rc_h264_starts_keyframe(p.payload, p.payload_len));
  /* Cut anywhere inside the header: refused, never read past the end. */
  for (gsize cut = 0; cut < p.header_len; cut++)
    g_assert_false(rc_rtp_parse(b, cut, &p));
}

static void
test_parse_refusals(void)
{
  guint8 b[32] = {0};
  rc_rtp_packet p;
  header(b, 0x40, 96, 1, 1, 1); /* version 1 */
  g_assert_false(rc_rtp_parse(b, 20, &p));
  header(b, 0x80, 200, 1, 1, 1); /* RTCP SR */
  g_assert_false(rc_rtp_parse(b, 20, &p));
  g_assert_true(rc_rtp_is_rtcp(b, 20));
  header(b, 0x80 | 0x20, 96, 1, 1, 1); /* padding longer than the packet */
  b[19] = 200;
  g_assert_false(rc_rtp_parse(b, 20, &p));
  b[19] = 0; /* padding count 0 is invalid */
  g_assert_false(rc_rtp_parse(b, 20, &p));
  b[19] = 4;
  g_assert_true(rc_rtp_parse(b, 20, &p));
  g_assert_cmpuint(p.payload_len, ==, 4);
  g_assert_false(rc_rtp_parse(b, 11, &p));
}

static void
test_h264_keyframes(void)
{
  const guint8 idr[] = {0x65, 0};
  const guint8 p_slice[] = {0x41, 0};
  const guint8 stap_sps[] = {24, 0, 2, 0x67, 0x42, 0, 2, 0x68, 0xce};
  const guint8 stap_bad[] = {24, 0, 9, 0x67};
  const guint8 fu_start_idr[] = {28, 0x80 | 5, 0};
  const guint8 fu_mid_idr[] = {28, 5, 0};
  const guint8 fu_start_p[] = {28, 0x80 | 1, 0};
  g_assert_true(rc_h264_starts_keyframe(idr, sizeof idr));
  g_assert_false(rc_h264_starts_keyframe(p_slice, sizeof p_slice));
  g_assert_true(rc_h264_starts_keyframe(stap_sps, sizeof stap_sps));
  g_assert_false(rc_h264_starts_keyframe(stap_bad, sizeof stap_bad));
  g_assert_true(rc_h264_starts_keyframe(fu_start_idr, sizeof fu_start_idr));
  g_assert_false(rc_h264_starts_keyframe(fu_mid_idr, sizeof fu_mid_idr));
  g_assert_false(rc_h264_starts_keyframe(fu_start_p, sizeof fu_start_p));
  g_assert_false(rc_h264_starts_keyframe(idr, 0));
}

static void
test_rtcp(void)
{
  guint8 b[128] = {0};
  /* RR with one report block, then a PLI: one compound packet. */
  b[0] = 0x81, b[1] = 201, b[2] = 0, b[3] = 7;
  b[4] = 0, b[5] = 0, b[6] = 0, b[7] = 9;           /* sender ssrc 9 */
  b[8] = 0x50, b[9] = 0x52, b[10] = 0x4f, b[11] = 0x47; /* about the program */
  b[12] = 64;                                        /* 25 % lost */
  b[13] = 0xff, b[14] = 0xff, b[15] = 0xfe;          /* cumulative -2 */
  b[23] = 90;                                        /* jitter 90 */
  gsize n = 32;
  n += rc_rtcp_build_pli(b + n, 9, 0x50524F47);
  rc_rtcp_info info;
  g_assert_true(rc_rtcp_parse(b, n, &info));
  g_assert_cmpuint(info.sender_ssrc, ==, 9);
  g_assert_cmpuint(info.n_reports, ==, 1);
  g_assert_cmpuint(info.reports[0].ssrc, ==, 0x50524F47);
  g_assert_cmpuint(info.reports[0].fraction_lost, ==, 64);
  g_assert_cmpint(info.reports[0].cumulative_lost, ==, -2);
  g_assert_cmpuint(info.reports[0].jitter, ==, 90);
  g_assert_true(info.keyframe_request);
  g_assert_cmpuint(info.keyframe_media_ssrc, ==, 0x50524F47);
  /* A length word pointing past the end, and garbage, are refused. */
  b[3] = 50;
  g_assert_false(rc_rtcp_parse(b, n, &info));
  g_assert_false(rc_rtcp_parse((const guint8 *)"garbage!", 8, &info));
  g_assert_false(rc_rtcp_parse(b, 3, &info));
}

static void
test_restamp_and_ssrc(void)
{
  guint8 b[16] = {0};
  header(b, 0x80, 96, 1, 2, 3);
  b[12] = 0x65;
  rc_rtp_restamp(b, 0x50524F47, 777, 123456);
  rc_rtp_packet p;
  g_assert_true(rc_rtp_parse(b, 13, &p));
  g_assert_cmpuint(p.ssrc, ==, 0x50524F47);
  g_assert_cmpuint(p.seq, ==, 777);
  g_assert_cmpuint(p.timestamp, ==, 123456);
  g_assert_cmpuint(p.payload[0], ==, 0x65);
  /* FNV-1a of "TINH", video even and audio odd (values from an independent implementation). */
  g_assert_cmphex(rc_rtp_site_ssrc("TINH", FALSE), ==, 0x35b6ca48u);
  g_assert_cmphex(rc_rtp_site_ssrc("TINH", TRUE), ==, 0x35b6ca49u);
}

/* Two sources numbered alike (two codecs' mixes from one base) reach one
 * SSRC in turn, overlapping: nothing goes out twice, a source's own gap
 * stays a gap, and a steady source is not renumbered. */
static void
test_seq_map(void)
{
  rc_rtp_seq_map m = {0};
  g_assert_cmpuint(rc_rtp_seq_map_next(&m, 65534), ==, 65534); /* the first is kept */
  g_assert_cmpuint(rc_rtp_seq_map_next(&m, 65535), ==, 65535);
  g_assert_cmpuint(rc_rtp_seq_map_next(&m, 0), ==, 0);         /* wraps like its source */
  g_assert_cmpuint(rc_rtp_seq_map_next(&m, 3), ==, 3);         /* two lost: a gap of 2 */
  /* Source B takes over at its own numbers, then A sends once more. */
  guint16 in[] = {2, 3, 4, 5, 4, 6, 7, 40000, 40001};
  GHashTable *sent = g_hash_table_new(NULL, NULL);
  g_hash_table_add(sent, GUINT_TO_POINTER(3));
  guint16 last = 3;
  for (guint i = 0; i < G_N_ELEMENTS(in); i++) {
    guint16 out = rc_rtp_seq_map_next(&m, in[i]);
    g_assert_false(g_hash_table_contains(sent, GUINT_TO_POINTER(out)));
    g_assert_cmpint((gint16)(guint16)(out - last), >=, 1);
    g_hash_table_add(sent, GUINT_TO_POINTER(out));
    last = out;
  }
  /* 4, 5, 6, 7, 8 (repeats: one on), 10 (6 after 4: a gap of one), 11, 12 (a jump: one on), 13 */
  g_assert_cmpuint(last, ==, 13);
  g_hash_table_destroy(sent);
  guint8 pkt[12] = {0x80, 96, 0x12, 0x34};
  rc_rtp_seq_map n = {0};
  rc_rtp_seq_map_apply(&n, pkt);
  pkt[2] = 0x12, pkt[3] = 0x34; /* the same number again */
  rc_rtp_seq_map_apply(&n, pkt);
  g_assert_cmpuint(pkt[2] << 8 | pkt[3], ==, 0x1235);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/media-rtp/parse-plain", test_parse_plain);
  g_test_add_func("/media-rtp/parse-extension-and-csrc", test_parse_extension_and_csrc);
  g_test_add_func("/media-rtp/parse-refusals", test_parse_refusals);
  g_test_add_func("/media-rtp/h264-keyframes", test_h264_keyframes);
  g_test_add_func("/media-rtp/rtcp", test_rtcp);
  g_test_add_func("/media-rtp/restamp-and-ssrc", test_restamp_and_ssrc);
  g_test_add_func("/media-rtp/seq-map", test_seq_map);
  return g_test_run();
}
