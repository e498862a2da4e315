/* Unit tests for reading RFC 4733 telephone-events (devices/rtp-event.c):
 * a key is told once, at its first end packet (not at its retransmitted
 * ends), with how long it was held; a key whose ends were all lost is told
 * when the next key begins; what is not a key, or not RTP, tells nothing. */
#include "devices/rtp-event.h"

#include <gst/gst.h>
#include <string.h>

/* An RTP packet (PT 101, @seq, @ts) with the event payload; in @out (16 bytes). */
static const guint8 *
packet(guint8 out[16], guint16 seq, guint32 ts, guint8 event, gboolean end, guint16 duration)
{
  guint8 p[16] = {0x80, 101, (guint8)(seq >> 8), (guint8)seq, (guint8)(ts >> 24), (guint8)(ts >> 16),
                  (guint8)(ts >> 8), (guint8)ts, 0x12, 0x34, 0x56, 0x78, event, (guint8)((end ? 0x80 : 0) | 10),
                  (guint8)(duration >> 8), (guint8)duration};
  memcpy(out, p, sizeof p);
  return out;
}

/* One key as gear sends it: packets every 20 ms (160 units at 8 kHz),
 * then three end packets; the keys told, as digits. */
static GString *
press(rc_rtp_events *st, GString *told, guint16 *seq, guint32 ts, guint8 event, int packets, int ends)
{
  guint8 buf[16];
  rc_rtp_key keys[2];
  for (int i = 1; i <= packets + ends; i++) {
    guint16 duration = (guint16)(MIN(i, packets) * 160);
    guint n = rc_rtp_events_read(st, packet(buf, (*seq)++, ts, event, i > packets, duration), 16, 8000, keys);
    for (guint k = 0; k < n; k++)
      g_string_append_printf(told, "%c%u ", keys[k].digit, keys[k].duration_ms);
  }
  return told;
}

static void
test_keys(void)
{
  rc_rtp_events st = {0};
  g_autoptr(GString) told = g_string_new(NULL);
  guint16 seq = 1000;
  press(&st, told, &seq, 8000, 10, 5, 3);  /* "*", 5 packets + 3 ends: 800 units = 100 ms */
  press(&st, told, &seq, 16000, 1, 8, 3);  /* "1": 160 ms */
  press(&st, told, &seq, 24000, 11, 1, 1); /* "#": a short one, one end */
  press(&st, told, &seq, 32000, 15, 2, 3); /* "D" */
  g_assert_cmpstr(told->str, ==, "*100 1160 #20 D40 ");
  /* The same key again (a new timestamp) is a new press. */
  g_string_truncate(told, 0);
  press(&st, told, &seq, 40000, 1, 2, 3);
  press(&st, told, &seq, 48000, 1, 2, 3);
  g_assert_cmpstr(told->str, ==, "140 140 ");
}

static void
test_lost_ends(void)
{
  rc_rtp_events st = {0};
  g_autoptr(GString) told = g_string_new(NULL);
  guint16 seq = 1;
  press(&st, told, &seq, 8000, 10, 4, 0); /* "*" whose end never came */
  g_assert_cmpstr(told->str, ==, "");
  press(&st, told, &seq, 16000, 1, 3, 3); /* "1": both told, in order */
  g_assert_cmpstr(told->str, ==, "*80 160 "); /* "1" held 60 ms */
}

static void
test_not_keys(void)
{
  rc_rtp_events st = {0};
  g_autoptr(GString) told = g_string_new(NULL);
  guint16 seq = 1;
  press(&st, told, &seq, 8000, 16, 2, 3);  /* flash */
  press(&st, told, &seq, 9000, 200, 2, 3); /* a tone */
  g_assert_cmpstr(told->str, ==, "");
  guint8 buf[16];
  rc_rtp_key keys[2];
  packet(buf, 1, 100, 1, TRUE, 160);
  g_assert_cmpuint(rc_rtp_events_read(&st, buf, 14, 8000, keys), ==, 0); /* a short payload */
  g_assert_cmpuint(rc_rtp_events_read(&st, buf, 8, 8000, keys), ==, 0);  /* not RTP */
  buf[0] = 0x40;                                                         /* version 1 */
  g_assert_cmpuint(rc_rtp_events_read(&st, buf, 16, 8000, keys), ==, 0);
  buf[0] = 0x80;
  g_assert_cmpuint(rc_rtp_events_read(&st, buf, 16, 8000, keys), ==, 1);
  g_assert_cmpint(keys[0].digit, ==, '1');
}

int
main(int argc, char **argv)
{
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rtp-event/keys", test_keys);
  g_test_add_func("/rtp-event/lost-ends", test_lost_ends);
  g_test_add_func("/rtp-event/not-keys", test_not_keys);
  return g_test_run();
}
