/* sofia-sip's su_uniqueid destructor deletes its thread key at exit; left
 * uncreated, that is key 0, GLib's first GPrivate. A thread still using a
 * GPrivate while the process exits then aborts in g_private_set. This test
 * links the SIP module (as every binary with the devices layer does), makes
 * GLib's keys, and exits while a thread keeps setting a GPrivate: the
 * process must exit with 0 (devices/sip.c has sofia make its key at load). */
#include "devices/sip.h"

#include <glib.h>

static GPrivate busy_key;

static gpointer
keep_setting(gpointer data)
{
  (void)data;
  for (;;) /* until the process is gone */
    for (int i = 0; i < 1000; i++) { /* GLib's own GPrivates too (GSlice's magazines, the thread's self) */
      g_private_set(&busy_key, GINT_TO_POINTER(i + 1));
      g_slice_free1(48, g_slice_alloc(48));
      (void)g_thread_self();
    }
  return NULL;
}

static void
test_exit_with_a_busy_thread(void)
{
  /* A child does the exit, so that an abort is seen as its status. */
  if (g_test_subprocess()) {
    g_private_set(&busy_key, GINT_TO_POINTER(1));
    g_thread_unref(g_thread_new("busy", keep_setting, NULL));
    g_usleep(20000);
    exit(0);
  }
  for (int run = 0; run < 5; run++) {
    g_test_trap_subprocess(NULL, 10 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sip-exit/busy-thread", test_exit_with_a_busy_thread);
  return g_test_run();
}
