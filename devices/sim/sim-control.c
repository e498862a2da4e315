/* sim-control — request table, validation, and the TCP line protocol. */
#include "devices/sim/sim-control.h"

#include <string.h>

#define SIM_CONTROL_ERROR g_quark_from_static_string("sim-control")
#define MAX_LINE 65536

G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_t, json_decref)

typedef enum { FIELD_NUMBER, FIELD_BOOL } field_type;

/* The fields a fault request may carry, with their limits. */
static const struct {
  const char *name;
  field_type type;
  double max;
  guint field;
} fault_fields[] = {
    {"loss", FIELD_NUMBER, 100, SIM_FAULT_LOSS},
    {"jitter_ms", FIELD_NUMBER, 10000, SIM_FAULT_JITTER},
    {"freeze", FIELD_BOOL, 0, SIM_FAULT_FREEZE},
    {"silence", FIELD_BOOL, 0, SIM_FAULT_SILENCE},
    {"disconnect", FIELD_BOOL, 0, SIM_FAULT_DISCONNECT},
    {"flood_mbps", FIELD_NUMBER, 10000, SIM_FAULT_FLOOD},
    {"garbage", FIELD_BOOL, 0, SIM_FAULT_GARBAGE},
};

static void
store_field(sim_faults *f, guint field, json_t *v)
{
  double x = json_number_value(v);
  gboolean b = json_is_true(v);
  switch (field) {
  case SIM_FAULT_LOSS: f->loss_percent = x; break;
  case SIM_FAULT_JITTER: f->jitter_ms = (guint)x; break;
  case SIM_FAULT_FREEZE: f->freeze = b; break;
  case SIM_FAULT_SILENCE: f->silence = b; break;
  case SIM_FAULT_DISCONNECT: f->disconnect = b; break;
  case SIM_FAULT_FLOOD: f->flood_mbps = x; break;
  case SIM_FAULT_GARBAGE: f->garbage = b; break;
  }
}

/* Reads the fault fields of @req into @f; returns the mask of those given. */
static gboolean
parse_faults(json_t *req, sim_faults *f, guint *fields, GError **error)
{
  const char *key;
  json_t *v;
  *fields = 0;
  json_object_foreach(req, key, v) {
    if (g_str_equal(key, "cmd") || g_str_equal(key, "site"))
      continue;
    guint i = 0;
    while (i < G_N_ELEMENTS(fault_fields) && !g_str_equal(fault_fields[i].name, key))
      i++;
    if (i == G_N_ELEMENTS(fault_fields)) {
      g_set_error(error, SIM_CONTROL_ERROR, 0, "unknown field %s", key);
      return FALSE;
    }
    gboolean ok = fault_fields[i].type == FIELD_BOOL
                      ? json_is_boolean(v)
                      : json_is_number(v) && json_number_value(v) >= 0 && json_number_value(v) <= fault_fields[i].max;
    if (!ok) {
      g_set_error(error, SIM_CONTROL_ERROR, 0, fault_fields[i].type == FIELD_BOOL ? "%s must be true or false"
                                                                                  : "%s must be a number 0..%g",
                  key, fault_fields[i].max);
      return FALSE;
    }
    store_field(f, fault_fields[i].field, v);
    *fields |= fault_fields[i].field;
  }
  return TRUE;
}

static json_t *
handle_fault(sim_engine *engine, json_t *req, const char *site, GError **error)
{
  sim_faults values = {0};
  guint fields;
  if (!site) {
    g_set_error(error, SIM_CONTROL_ERROR, 0, "fault needs a site (a code or \"*\")");
    return NULL;
  }
  if (!parse_faults(req, &values, &fields, error) || !sim_engine_set_faults(engine, site, &values, fields, error))
    return NULL;
  return json_pack("{s:b}", "ok", TRUE);
}

/* Checks the envelope, runs the command; NULL with an error otherwise. */
static json_t *
dispatch(sim_engine *engine, json_t *req, gboolean *quit, GError **error)
{
  json_t *cmd = json_object_get(req, "cmd"), *site = json_object_get(req, "site");
  if (!json_is_string(cmd)) {
    g_set_error(error, SIM_CONTROL_ERROR, 0, "cmd must be a string");
    return NULL;
  }
  if (site && !json_is_string(site)) {
    g_set_error(error, SIM_CONTROL_ERROR, 0, "site must be a string");
    return NULL;
  }
  const char *name = json_string_value(cmd), *code = site ? json_string_value(site) : NULL;
  if (g_str_equal(name, "fault"))
    return handle_fault(engine, req, code, error);
  if (json_object_size(req) > (site ? 2u : 1u)) {
    g_set_error(error, SIM_CONTROL_ERROR, 0, "%s takes no fields but cmd%s", name, g_str_equal(name, "stats") ? " and site" : "");
    return NULL;
  }
  if (g_str_equal(name, "stats"))
    return sim_engine_stats(engine, code, error);
  if (g_str_equal(name, "sources") || g_str_equal(name, "quit")) {
    if (site) {
      g_set_error(error, SIM_CONTROL_ERROR, 0, "%s takes no fields but cmd", name);
      return NULL;
    }
    if (g_str_equal(name, "sources"))
      return sim_engine_program_sources(engine);
  }
  if (g_str_equal(name, "quit")) {
    *quit = TRUE;
    return json_pack("{s:b}", "ok", TRUE);
  }
  g_set_error(error, SIM_CONTROL_ERROR, 0, "unknown cmd %s (fault, stats, sources, quit)", name);
  return NULL;
}

char *
sim_control_handle(sim_engine *engine, const char *line, gboolean *quit)
{
  *quit = FALSE;
  json_error_t parse_error;
  g_autoptr(json_t) req = json_loads(line, JSON_REJECT_DUPLICATES, &parse_error);
  g_autoptr(GError) error = NULL;
  g_autoptr(json_t) reply = NULL;
  if (!req)
    g_set_error(&error, SIM_CONTROL_ERROR, 0, "not JSON: %s", parse_error.text);
  else if (!json_is_object(req))
    g_set_error(&error, SIM_CONTROL_ERROR, 0, "a request is a JSON object");
  else
    reply = dispatch(engine, req, quit, &error);
  if (!reply)
    reply = json_pack("{s:b, s:s}", "ok", FALSE, "error", error->message);
  return json_dumps(reply, JSON_COMPACT);
}

/* ---- TCP: one outstanding read or write per connection ---------------- */

struct sim_control {
  sim_engine *engine;
  GMainLoop *loop;
  GSocketService *service;
  GCancellable *cancellable;
  GList *connections; /* connection */
  char *address;
};

typedef struct {
  sim_control *control;
  GSocketConnection *socket;
  GDataInputStream *in;
  char *reply;
  gboolean quit_after;
} connection;

static void read_next(connection *c);

static void
connection_close(connection *c)
{
  c->control->connections = g_list_remove(c->control->connections, c);
  g_io_stream_close(G_IO_STREAM(c->socket), NULL, NULL);
  g_object_unref(c->in);
  g_object_unref(c->socket);
  g_free(c->reply);
  g_free(c);
}

static void
on_written(GObject *source, GAsyncResult *result, gpointer data)
{
  connection *c = data;
  gboolean ok = g_output_stream_write_all_finish(G_OUTPUT_STREAM(source), result, NULL, NULL);
  g_clear_pointer(&c->reply, g_free);
  if (ok && c->quit_after)
    g_main_loop_quit(c->control->loop);
  if (ok && !g_cancellable_is_cancelled(c->control->cancellable))
    read_next(c);
  else
    connection_close(c);
}

static void
on_line(GObject *source, GAsyncResult *result, gpointer data)
{
  connection *c = data;
  gsize len;
  g_autofree char *line = g_data_input_stream_read_line_finish(G_DATA_INPUT_STREAM(source), result, &len, NULL);
  if (!line) { /* end of stream, an error, or cancelled */
    connection_close(c);
    return;
  }
  g_autofree char *answer = NULL;
  if (len > MAX_LINE) {
    answer = g_strdup("{\"ok\":false,\"error\":\"request line too long\"}");
  } else if (*g_strstrip(line) == '\0') {
    read_next(c); /* blank lines are ignored */
    return;
  } else {
    answer = sim_control_handle(c->control->engine, line, &c->quit_after);
  }
  c->reply = g_strconcat(answer, "\n", NULL);
  GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(c->socket));
  g_output_stream_write_all_async(out, c->reply, strlen(c->reply), G_PRIORITY_DEFAULT, c->control->cancellable,
                                  on_written, c);
}

static void
read_next(connection *c)
{
  g_data_input_stream_read_line_async(c->in, G_PRIORITY_DEFAULT, c->control->cancellable, on_line, c);
}

static gboolean
on_incoming(GSocketService *service G_GNUC_UNUSED, GSocketConnection *socket, GObject *source G_GNUC_UNUSED,
            gpointer data)
{
  sim_control *control = data;
  connection *c = g_new0(connection, 1);
  c->control = control;
  c->socket = g_object_ref(socket);
  c->in = g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(socket)));
  g_data_input_stream_set_newline_type(c->in, G_DATA_STREAM_NEWLINE_TYPE_ANY);
  control->connections = g_list_prepend(control->connections, c);
  read_next(c);
  return TRUE;
}

sim_control *
sim_control_new(sim_engine *engine, GMainLoop *loop, const char *address, GError **error)
{
  g_autoptr(GSocketConnectable) where = g_network_address_parse(address, 0, error);
  if (!where)
    return NULL;
  const char *host = g_network_address_get_hostname(G_NETWORK_ADDRESS(where));
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string(host);
  if (!inet || !g_inet_address_get_is_loopback(inet)) { /* the port has no authentication */
    g_set_error(error, SIM_CONTROL_ERROR, 0, "control address %s: give a numeric loopback address", address);
    return NULL;
  }
  g_autoptr(GSocketAddress) bind_to =
      g_inet_socket_address_new(inet, g_network_address_get_port(G_NETWORK_ADDRESS(where)));
  g_autoptr(GSocketAddress) effective = NULL;
  sim_control *control = g_new0(sim_control, 1);
  control->engine = engine;
  control->loop = loop;
  control->cancellable = g_cancellable_new();
  control->service = g_socket_service_new();
  if (!g_socket_listener_add_address(G_SOCKET_LISTENER(control->service), bind_to, G_SOCKET_TYPE_STREAM,
                                     G_SOCKET_PROTOCOL_TCP, NULL, &effective, error)) {
    g_prefix_error(error, "control port %s: ", address);
    sim_control_free(control);
    return NULL;
  }
  control->address = g_strdup_printf("%s:%u", host, g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(effective)));
  g_signal_connect(control->service, "incoming", G_CALLBACK(on_incoming), control);
  g_socket_service_start(control->service);
  return control;
}

const char *
sim_control_address(const sim_control *control)
{
  return control->address;
}

void
sim_control_free(sim_control *control)
{
  if (!control)
    return;
  g_socket_service_stop(control->service);
  g_socket_listener_close(G_SOCKET_LISTENER(control->service));
  g_cancellable_cancel(control->cancellable);
  /* Cancelled reads and writes finish on the next iterations and close
   * their connections. */
  while (control->connections)
    g_main_context_iteration(NULL, TRUE);
  g_object_unref(control->service);
  g_object_unref(control->cancellable);
  g_free(control->address);
  g_free(control);
}
