/* Unit tests for the service module's decisions: whether systemd asked for a
 * watchdog (NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID), which log writer
 * stderr gets (JOURNAL_STREAM naming our stderr or not), and the journal
 * fields rc_log_about() gives. The sd_notify datagrams themselves are
 * checked against the real daemon in tests/integration/service.test.mjs. */
#define G_LOG_DOMAIN "roomctl-test"
#include "base/service.h"

#include <sys/stat.h>
#include <unistd.h>

static void
set_env(const char *notify, const char *usec, const char *pid)
{
  notify ? g_setenv("NOTIFY_SOCKET", notify, TRUE) : g_unsetenv("NOTIFY_SOCKET");
  usec ? g_setenv("WATCHDOG_USEC", usec, TRUE) : g_unsetenv("WATCHDOG_USEC");
  pid ? g_setenv("WATCHDOG_PID", pid, TRUE) : g_unsetenv("WATCHDOG_PID");
}

static guint64
watchdog_usec(const char *notify, const char *usec, const char *pid)
{
  set_env(notify, usec, pid);
  rc_service *s = rc_service_new(NULL, NULL);
  guint64 v = rc_service_watchdog_usec(s);
  /* Without systemd (no NOTIFY_SOCKET) these do nothing; with a socket
   * path nobody listens on, sd_notify fails and is logged, not fatal. */
  rc_service_free(s);
  return v;
}

static void
test_watchdog_asked_for(void)
{
  g_autofree char *me = g_strdup_printf("%d", (int)getpid());
  g_assert_cmpuint(watchdog_usec(NULL, NULL, NULL), ==, 0);
  /* A watchdog without a notify socket could never be pinged. */
  g_assert_cmpuint(watchdog_usec(NULL, "2000000", me), ==, 0);
  g_assert_cmpuint(watchdog_usec("/nonexistent/notify", NULL, NULL), ==, 0);
  g_assert_cmpuint(watchdog_usec("/nonexistent/notify", "2000000", me), ==, 2000000);
  g_assert_cmpuint(watchdog_usec("/nonexistent/notify", "2000000", NULL), ==, 2000000);
  /* Meant for another process (a parent that exec'd a shell, say). */
  g_assert_cmpuint(watchdog_usec("/nonexistent/notify", "2000000", "1"), ==, 0);
  g_assert_cmpuint(watchdog_usec("/nonexistent/notify", "soon", me), ==, 0);
  set_env(NULL, NULL, NULL);
}

static void
test_journal_stream_names_our_stderr(void)
{
  int fds[2];
  g_assert_no_errno(pipe(fds));
  struct stat st;
  g_assert_no_errno(fstat(fds[1], &st));
  g_autofree char *ours = g_strdup_printf("%lu:%lu", (unsigned long)st.st_dev, (unsigned long)st.st_ino);
  g_autofree char *other = g_strdup_printf("%lu:%lu", (unsigned long)st.st_dev, (unsigned long)st.st_ino + 1);
  g_assert_true(rc_service_log_to_journal(fds[1], ours));
  /* Inherited from systemd by a child whose stderr was redirected. */
  g_assert_false(rc_service_log_to_journal(fds[1], other));
  g_assert_false(rc_service_log_to_journal(fds[1], ""));
  g_assert_false(rc_service_log_to_journal(fds[1], NULL));
  g_assert_false(rc_service_log_to_journal(fds[1], "garbage"));
  close(fds[0]);
  close(fds[1]);
}

typedef struct {
  GHashTable *fields;
  GLogLevelFlags level;
} captured;

static GLogWriterOutput
capture(GLogLevelFlags level, const GLogField *fields, gsize n, gpointer data)
{
  captured *c = data;
  if (!c->fields)
    return g_log_writer_default(level, fields, n, NULL);
  c->level = level;
  for (gsize i = 0; i < n; i++)
    g_hash_table_insert(c->fields, g_strdup(fields[i].key),
                        fields[i].length < 0 ? g_strdup(fields[i].value) : g_strndup(fields[i].value, fields[i].length));
  return G_LOG_WRITER_HANDLED;
}

static captured cap;

static void
test_log_about_fields(void)
{
  cap.fields = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  rc_log_about(G_LOG_LEVEL_MESSAGE, 12, "H01", 7, "session %d: site %s: alarm", 12, "H01");
  g_assert_cmpstr(g_hash_table_lookup(cap.fields, "MESSAGE"), ==, "session 12: site H01: alarm");
  g_assert_cmpstr(g_hash_table_lookup(cap.fields, "ROOMCTL_SESSION"), ==, "12");
  g_assert_cmpstr(g_hash_table_lookup(cap.fields, "ROOMCTL_SITE"), ==, "H01");
  g_assert_cmpstr(g_hash_table_lookup(cap.fields, "ROOMCTL_USER"), ==, "7");
  g_assert_cmpstr(g_hash_table_lookup(cap.fields, "GLIB_DOMAIN"), ==, "roomctl-test");
  g_assert_cmpstr(g_hash_table_lookup(cap.fields, "PRIORITY"), ==, "5");
  g_assert_cmpstr(g_hash_table_lookup(cap.fields, "CODE_FILE"), ==, __FILE__);
  g_assert_nonnull(g_hash_table_lookup(cap.fields, "CODE_LINE"));
  g_assert_cmpstr(g_hash_table_lookup(cap.fields, "CODE_FUNC"), ==, "test_log_about_fields");
  g_assert_cmpint(cap.level & G_LOG_LEVEL_MASK, ==, G_LOG_LEVEL_MESSAGE);

  /* Left out when not known. */
  g_hash_table_remove_all(cap.fields);
  rc_log_about(G_LOG_LEVEL_INFO, 0, NULL, 0, "nothing about anyone");
  g_assert_cmpstr(g_hash_table_lookup(cap.fields, "MESSAGE"), ==, "nothing about anyone");
  g_assert_cmpstr(g_hash_table_lookup(cap.fields, "PRIORITY"), ==, "6");
  g_assert_false(g_hash_table_contains(cap.fields, "ROOMCTL_SESSION"));
  g_assert_false(g_hash_table_contains(cap.fields, "ROOMCTL_SITE"));
  g_assert_false(g_hash_table_contains(cap.fields, "ROOMCTL_USER"));
  g_clear_pointer(&cap.fields, g_hash_table_unref);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_log_set_writer_func(capture, &cap, NULL);
  g_test_add_func("/service/watchdog-asked-for", test_watchdog_asked_for);
  g_test_add_func("/service/journal-stream-names-our-stderr", test_journal_stream_names_our_stderr);
  g_test_add_func("/service/log-about-fields", test_log_about_fields);
  return g_test_run();
}
