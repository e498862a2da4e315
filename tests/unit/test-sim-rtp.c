/* Unit tests for the simulator's pure parts: SSRCs from site codes, RTP and
 * RTCP writing and parsing, H.264 packetization, loss and latency
 * measurement. Linked against the sim objects (devices/sim/sim.mk). */
#include "devices/sim/sim-clip.h"
#include "devices/sim/sim-rtp.h"
#include "devices/sim/sim-stats.h"

#include <string.h>

static void
test_ssrc(void)
{
  /* FNV-1a 32 of the UTF-8 bytes (the shared wire leaf, as the simulator
   * links it); values computed independently */
  g_assert_cmphex(rc_rtp_site_ssrc("TINH", FALSE), ==, 0x35b6ca48);
  g_assert_cmphex(rc_rtp_site_ssrc("TINH", TRUE), ==, 0x35b6ca49);
  g_assert_cmphex(rc_rtp_site_ssrc("Xã", FALSE), ==, 0xe9785c5c);
  g_assert_cmphex(rc_rtp_site_ssrc("Xã", TRUE), ==, 0xe9785c5d);
}

static void
test_header_round_trip(void)
{
  guint8 buf[SIM_RTP_HEADER_LEN + 3] = {0};
  sim_rtp_write_header(buf, SIM_PT_H264, TRUE, 65535, 0xDEADBEEF, 0x12345678, 1700000000123456ull);
  memcpy(buf + SIM_RTP_HEADER_LEN, "abc", 3);
  sim_rtp_info info;
  g_assert_true(sim_rtp_parse(buf, sizeof buf, &info));
  g_assert_cmpuint(info.pt, ==, 96);
  g_assert_true(info.marker);
  g_assert_cmpuint(info.seq, ==, 65535);
  g_assert_cmphex(info.timestamp, ==, 0xDEADBEEF);
  g_assert_cmphex(info.ssrc, ==, 0x12345678);
  g_assert_true(info.has_send_time);
  g_assert_cmpuint(info.send_time_us, ==, 1700000000123456ull);
  g_assert_cmpuint(info.payload_len, ==, 3);
  g_assert_cmpmem(info.payload, 3, "abc", 3);
  g_assert_true(info.has_source);
  g_assert_cmphex(info.source_ssrc, ==, 0x12345678);
  /* a relay rewrites the SSRC (the program's) and leaves the extension */
  guint8 relayed[sizeof buf];
  memcpy(relayed, buf, sizeof buf);
  relayed[8] = 0x50, relayed[9] = 0x52, relayed[10] = 0x4F, relayed[11] = 0x47;
  g_assert_true(sim_rtp_parse(relayed, sizeof relayed, &info));
  g_assert_cmphex(info.ssrc, ==, SIM_PROGRAM_VIDEO_SSRC);
  g_assert_cmphex(info.source_ssrc, ==, 0x12345678);
  g_assert_cmpuint(info.send_time_us, ==, 1700000000123456ull);
  g_assert_false(rc_rtp_is_rtcp(buf, sizeof buf));
  /* truncated extension, wrong version, short packet */
  g_assert_false(sim_rtp_parse(buf, 20, &info));
  buf[0] = 0x50;
  g_assert_false(sim_rtp_parse(buf, sizeof buf, &info));
  g_assert_false(sim_rtp_parse(buf, 5, &info));
}

static void
test_rtcp(void)
{
  guint8 buf[256];
  sim_rtcp_sender sender = {0xAAAA0000, 1700000000000000ull, 1234, 10, 10000};
  sim_rtcp_report_block block = {SIM_PROGRAM_VIDEO_SSRC, 25, 7, 70000, 12};
  gsize len = sim_rtcp_write_report(buf, sizeof buf, &sender, &block, "H01-X01");
  g_assert_cmpuint(len % 4, ==, 0);
  g_assert_cmpuint(buf[1], ==, 200);
  g_assert_cmpuint(buf[0] & 0x1F, ==, 1);
  g_assert_cmpuint(buf[28 + 24 + 1], ==, 202); /* SDES after SR + block */
  g_assert_true(rc_rtp_is_rtcp(buf, len));
  /* a compound RR + PLI + FIR with two entries: three requests for 0x42 */
  gsize n = sim_rtcp_write_report(buf, sizeof buf, &(sim_rtcp_sender){0x99, 0, 0, 0, 0}, NULL, "x");
  g_assert_cmpuint(buf[1], ==, 201);
  n += rc_rtcp_build_pli(buf + n, 0x99, 0x42);
  n += rc_rtcp_build_pli(buf + n, 0x99, 0x43);
  guint8 fir[28] = {0x84, 206, 0, 6, 0, 0, 0, 0x99, 0, 0, 0, 0, 0, 0, 0, 0x42, 1, 0, 0, 0, 0, 0, 0, 0x42, 2};
  memcpy(buf + n, fir, sizeof fir);
  n += sizeof fir;
  g_assert_cmpuint(sim_rtcp_count_keyframe_requests(buf, n, 0x42), ==, 3);
  g_assert_cmpuint(sim_rtcp_count_keyframe_requests(buf, n, 0x43), ==, 1);
  g_assert_cmpuint(sim_rtcp_count_keyframe_requests(buf, n - 3, 0x42), ==, 1); /* a cut FIR is not read */
}

/* An access unit: 4-byte start code + SPS, 3-byte + PPS, 4-byte + IDR of @idr_len. */
static GBytes *
make_unit(gsize idr_len, guint8 slice_type)
{
  GByteArray *au = g_byte_array_new();
  const guint8 sps[] = {0, 0, 0, 1, 0x67, 0x42, 0xC0, 0x1E}, pps[] = {0, 0, 1, 0x68, 0xCE, 0x3C, 0x80},
               aud[] = {0, 0, 0, 1, 0x09, 0xF0}, start[] = {0, 0, 0, 1};
  g_byte_array_append(au, aud, sizeof aud);
  if (slice_type == 5) {
    g_byte_array_append(au, sps, sizeof sps);
    g_byte_array_append(au, pps, sizeof pps);
  }
  g_byte_array_append(au, start, sizeof start);
  guint8 header = slice_type == 5 ? 0x65 : 0x41;
  g_byte_array_append(au, &header, 1);
  for (gsize i = 1; i < idr_len; i++) {
    guint8 b = (guint8)(i % 251 + 1); /* no start code inside */
    g_byte_array_append(au, &b, 1);
  }
  return g_byte_array_free_to_bytes(au);
}

static void
test_packetize_h264(void)
{
  g_autoptr(GPtrArray) units = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  g_ptr_array_add(units, make_unit(3000, 5));
  g_ptr_array_add(units, make_unit(500, 1));
  g_autoptr(GError) error = NULL;
  g_autoptr(sim_clip) clip = sim_clip_new_h264(units, 1200, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(clip->n_frames, ==, 2);
  const sim_clip_frame *key = &clip->frames[0], *p = &clip->frames[1];
  g_assert_true(key->keyframe);
  g_assert_false(p->keyframe);
  /* STAP-A(SPS, PPS) then 3 FU-A fragments of the 3000-byte IDR; AUD dropped */
  g_assert_cmpuint(key->n_packets, ==, 4);
  const sim_clip_packet *pk = &clip->packets[key->first_packet];
  const guint8 *stap = clip->data + pk[0].offset;
  g_assert_cmpuint(stap[0] & 0x1F, ==, 24);
  g_assert_true(rc_h264_starts_keyframe(stap, pk[0].len));
  gsize idr_bytes = 1; /* the NAL header, carried in the FU headers */
  for (guint i = 1; i < 4; i++) {
    const guint8 *fu = clip->data + pk[i].offset;
    g_assert_cmpuint(pk[i].len, <=, 1200);
    g_assert_cmpuint(fu[0], ==, (0x65 & 0xE0) | 28);
    g_assert_cmpuint(fu[1] & 0x1F, ==, 5);
    g_assert_cmpuint(!!(fu[1] & 0x80), ==, i == 1);
    g_assert_cmpuint(!!(fu[1] & 0x40), ==, i == 3);
    g_assert_cmpuint(pk[i].marker, ==, i == 3);
    idr_bytes += pk[i].len - 2u;
  }
  g_assert_cmpuint(idr_bytes, ==, 3000);
  g_assert_true(rc_h264_starts_keyframe(clip->data + pk[1].offset, pk[1].len));
  g_assert_false(rc_h264_starts_keyframe(clip->data + pk[2].offset, pk[2].len));
  /* the P frame: one single-NAL packet with the marker */
  g_assert_cmpuint(p->n_packets, ==, 1);
  g_assert_cmpuint(clip->packets[p->first_packet].len, ==, 500);
  g_assert_true(clip->packets[p->first_packet].marker);
  g_assert_false(rc_h264_starts_keyframe(clip->data + clip->packets[p->first_packet].offset, 500));
  /* no access units / an empty one */
  g_autoptr(GPtrArray) none = g_ptr_array_new();
  g_assert_null(sim_clip_new_h264(none, 1200, NULL));
}

static void
test_loss_and_wrap(void)
{
  sim_seq_tracker t = {0};
  const guint16 seqs[] = {65530, 65531, 65533, 65532, 65534, 65535, 2, 3, 1, 5};
  for (guint i = 0; i < G_N_ELEMENTS(seqs); i++)
    sim_seq_update(&t, seqs[i], 1000 + i * 3000, 1000000 + (gint64)i * 33333, 90000);
  /* 65530..5 is 12 packets; 10 arrived (0 and 4 missing), reordering is not loss */
  g_assert_cmpuint(sim_seq_lost(&t), ==, 2);
  g_assert_cmpuint(sim_seq_extended_max(&t), ==, 65536 + 5);
  g_assert_cmpuint(sim_seq_take_fraction_lost(&t), ==, 2 * 256 / 12);
  g_assert_cmpuint(sim_seq_take_fraction_lost(&t), ==, 0);
  /* a duplicate does not hide a loss forever, and loss never goes negative */
  sim_seq_update(&t, 5, 0, 0, 90000);
  sim_seq_update(&t, 5, 0, 0, 90000);
  sim_seq_update(&t, 5, 0, 0, 90000);
  g_assert_cmpuint(sim_seq_lost(&t), ==, 0);
}

static void
test_jitter(void)
{
  sim_seq_tracker t = {0};
  /* perfectly paced: no jitter */
  for (guint i = 0; i < 100; i++)
    sim_seq_update(&t, (guint16)i, i * 3600, 5000000 + (gint64)i * 40000, 90000);
  g_assert_cmpuint(sim_seq_jitter(&t), <=, 1);
  /* every other packet 10 ms late: jitter converges near 900 units */
  for (guint i = 100; i < 400; i++)
    sim_seq_update(&t, (guint16)i, i * 3600, 5000000 + (gint64)i * 40000 + (i % 2) * 10000, 90000);
  g_assert_cmpuint(sim_seq_jitter(&t), >, 800);
  g_assert_cmpuint(sim_seq_jitter(&t), <, 1000);
}

static void
test_latency_window(void)
{
  static sim_latency_window w;
  double ms;
  g_assert_false(sim_latency_quantile(&w, 0.5, &ms));
  for (int i = 1; i <= 100; i++)
    sim_latency_add(&w, i * 1000);
  g_assert_true(sim_latency_quantile(&w, 0.5, &ms));
  g_assert_cmpfloat_with_epsilon(ms, 51.0, 1.01);
  g_assert_true(sim_latency_quantile(&w, 0.99, &ms));
  g_assert_cmpfloat_with_epsilon(ms, 99.0, 1.01);
  /* the window slides: old samples fall out */
  for (int i = 0; i < SIM_LATENCY_WINDOW; i++)
    sim_latency_add(&w, 2000);
  g_assert_true(sim_latency_quantile(&w, 0.99, &ms));
  g_assert_cmpfloat(ms, ==, 2.0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sim/ssrc", test_ssrc);
  g_test_add_func("/sim/rtp-header", test_header_round_trip);
  g_test_add_func("/sim/rtcp", test_rtcp);
  g_test_add_func("/sim/packetize-h264", test_packetize_h264);
  g_test_add_func("/sim/loss-and-wrap", test_loss_and_wrap);
  g_test_add_func("/sim/jitter", test_jitter);
  g_test_add_func("/sim/latency-window", test_latency_window);
  return g_test_run();
}
