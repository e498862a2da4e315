/* service — sd_notify(3) readiness, watchdog and status for systemd's
 * Type=notify, and the journal log writer. Owns the watchdog timer. */
#define G_LOG_DOMAIN "roomctl"
#include "base/service.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

struct rc_service {
  gboolean notify;      /* NOTIFY_SOCKET was set */
  guint64 watchdog_usec;
  guint watchdog_timer;
  rc_service_status_fn status;
  gpointer user_data;
};

/* sd_notify with the status line appended when there is one. */
static void
notify(rc_service *s, const char *state)
{
  if (!s->notify)
    return;
  g_autofree char *status = s->status ? s->status(s->user_data) : NULL;
  g_autofree char *msg = status ? g_strdup_printf("%s\nSTATUS=%s", state, status) : g_strdup(state);
  int r = sd_notify(0, msg);
  if (r < 0)
    g_warning("sd_notify %s: %s", state, g_strerror(-r));
}

static gboolean
on_watchdog(gpointer data)
{
  notify(data, "WATCHDOG=1");
  return G_SOURCE_CONTINUE;
}

rc_service *
rc_service_new(rc_service_status_fn status, gpointer user_data)
{
  rc_service *s = g_new0(rc_service, 1);
  s->status = status;
  s->user_data = user_data;
  const char *socket = g_getenv("NOTIFY_SOCKET");
  s->notify = socket && *socket;
  uint64_t usec = 0;
  /* > 0 only when WATCHDOG_USEC is set and WATCHDOG_PID (if set) is us. */
  if (s->notify && sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    s->watchdog_usec = usec;
    /* Half the interval, as sd_watchdog_enabled(3) advises: one late tick
     * is not yet a restart. */
    s->watchdog_timer = g_timeout_add(MAX(1, usec / 2000), on_watchdog, s);
    g_message("systemd watchdog: a ping every %.1f s (restarted after %.1f s without)", usec / 2e6, usec / 1e6);
  }
  return s;
}

void
rc_service_ready(rc_service *s)
{
  notify(s, "READY=1");
  if (s->watchdog_timer)
    notify(s, "WATCHDOG=1");
}

void
rc_service_stopping(rc_service *s)
{
  g_clear_handle_id(&s->watchdog_timer, g_source_remove);
  s->status = NULL;
  notify(s, "STOPPING=1\nSTATUS=stopping");
}

guint64
rc_service_watchdog_usec(rc_service *s)
{
  return s->watchdog_usec;
}

void
rc_service_free(rc_service *s)
{
  if (!s)
    return;
  g_clear_handle_id(&s->watchdog_timer, g_source_remove);
  g_free(s);
}

/* ---- logs ----------------------------------------------------------------- */

gboolean
rc_service_log_to_journal(int fd, const char *journal_stream)
{
  /* systemd sets JOURNAL_STREAM=DEV:INODE of the stream it connected to
   * stdout/stderr (systemd.exec(5)); it is inherited by children whose
   * stderr is something else, so the inode must match ours. */
  struct stat st;
  if (journal_stream && *journal_stream && fstat(fd, &st) == 0) {
    g_autofree char *ours = g_strdup_printf("%lu:%lu", (unsigned long)st.st_dev, (unsigned long)st.st_ino);
    if (g_str_equal(ours, journal_stream))
      return TRUE;
  }
  /* GLib's own test: a socket whose peer is /run/systemd/journal/… */
  return g_log_writer_is_journald(fd);
}

static GLogWriterOutput
journal_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  /* Fatal lines and what the journal refuses take GLib's usual way
   * (stderr, abort for fatal ones). */
  const char *domain = NULL;
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal(fields[i].key, "GLIB_DOMAIN"))
      domain = fields[i].value;
  if (g_log_writer_default_would_drop(level, domain))
    return G_LOG_WRITER_HANDLED;
  if (!(level & G_LOG_FLAG_FATAL) && g_log_writer_journald(level, fields, n_fields, user_data) == G_LOG_WRITER_HANDLED)
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default(level, fields, n_fields, user_data);
}

void
rc_service_log_init(void)
{
  if (rc_service_log_to_journal(fileno(stderr), g_getenv("JOURNAL_STREAM")))
    g_log_set_writer_func(journal_writer, NULL, NULL);
}

/* syslog priorities of GLib's levels, as GLib gives them to the journal. */
static const char *
priority(GLogLevelFlags level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return "3";
  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    return "4";
  if (level & G_LOG_LEVEL_MESSAGE)
    return "5";
  if (level & G_LOG_LEVEL_INFO)
    return "6";
  return "7";
}

void
rc_service_log(const char *domain, GLogLevelFlags level, gint64 session_id, const char *site_code, gint64 user_id,
               const char *file, const char *line, const char *func, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  g_autofree char *message = g_strdup_vprintf(format, args);
  va_end(args);
  g_autofree char *session = session_id > 0 ? g_strdup_printf("%" G_GINT64_FORMAT, session_id) : NULL;
  g_autofree char *user = user_id > 0 ? g_strdup_printf("%" G_GINT64_FORMAT, user_id) : NULL;
  GLogField fields[9] = {
    {"GLIB_DOMAIN", domain, -1}, {"PRIORITY", priority(level), -1}, {"CODE_FILE", file, -1},
    {"CODE_LINE", line, -1},     {"CODE_FUNC", func, -1},           {"MESSAGE", message, -1},
  };
  gsize n = 6;
  if (session)
    fields[n++] = (GLogField){"ROOMCTL_SESSION", session, -1};
  if (site_code && *site_code)
    fields[n++] = (GLogField){"ROOMCTL_SITE", site_code, -1};
  if (user)
    fields[n++] = (GLogField){"ROOMCTL_USER", user, -1};
  g_log_structured_array(level, fields, n);
}
