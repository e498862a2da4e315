/* service — roomctl as a systemd service: readiness, the watchdog and a
 * status line through sd_notify(3), and where the logs go. Without
 * NOTIFY_SOCKET (not started by systemd with Type=notify) every notify call
 * does nothing; without WATCHDOG_USEC (or with a WATCHDOG_PID of another
 * process) no watchdog timer runs.
 *
 * The watchdog is pinged from a timer on the main loop at half the interval
 * systemd gives, so a main loop that is stuck (a blocking call, a deadlock,
 * a SIGSTOP) stops the pings and systemd restarts the service. Main loop
 * only. */
#pragma once
#include <glib.h>

typedef struct rc_service rc_service;

/* A status line for systemctl status (newly allocated), asked for at every
 * watchdog ping and once at READY. */
typedef char *(*rc_service_status_fn)(gpointer user_data);

/* Starts the watchdog timer on the default main context when systemd asked
 * for one. @status may be NULL. (transfer full) */
rc_service *rc_service_new(rc_service_status_fn status, gpointer user_data);
/* READY=1, with the status line: call once the port listens. */
void rc_service_ready(rc_service *service);
/* STOPPING=1: call as the main loop quits. The watchdog timer stops too. */
void rc_service_stopping(rc_service *service);
/* The watchdog interval systemd asked for, microseconds; 0 = none. */
guint64 rc_service_watchdog_usec(rc_service *service);
void rc_service_free(rc_service *service);

/* Chooses the log writer for the process: the journal's native protocol
 * (with every structured field of the log call, such as ROOMCTL_SESSION)
 * when stderr is a journal stream (JOURNAL_STREAM names it, as systemd sets
 * it for StandardError=journal), text on stderr otherwise. Call first in main. */
void rc_service_log_init(void);
/* Whether the log writer chosen for these stderr and JOURNAL_STREAM values
 * is the journal's (for the unit test). */
gboolean rc_service_log_to_journal(int stderr_fd, const char *journal_stream);

/* Logs like g_message() & co., with what the line is about as journal
 * fields: ROOMCTL_SESSION, ROOMCTL_SITE (a site code), ROOMCTL_USER (0 or
 * NULL = left out). On stderr only the text shows, so the text still names
 * them too. */
#define rc_log_about(level, session_id, site_code, user_id, ...)                                    \
  rc_service_log(G_LOG_DOMAIN, (level), (session_id), (site_code), (user_id), __FILE__,            \
                 G_STRINGIFY(__LINE__), G_STRFUNC, __VA_ARGS__)
void rc_service_log(const char *domain, GLogLevelFlags level, gint64 session_id, const char *site_code,
                    gint64 user_id, const char *file, const char *line, const char *func, const char *format,
                    ...) G_GNUC_PRINTF(9, 10);
