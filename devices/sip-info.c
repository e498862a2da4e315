/* sip-info — see sip-info.h. The XML is read by GMarkup (GLib's parser of
 * the XML subset that RFC 5168's documents are written in); the keypad
 * bodies are lines of "Key=Value", read line by line. */
#include "devices/sip-info.h"

#include <string.h>

G_DEFINE_QUARK(rc-sip-info-error-quark, rc_sip_info_error)

/* RFC 5168 §3: the body of a picture_fast_update. */
const char rc_sip_info_fast_update_body[] = "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\r\n"
                                            "<media_control>\r\n"
                                            "  <vc_primitive>\r\n"
                                            "    <to_encoder>\r\n"
                                            "      <picture_fast_update/>\r\n"
                                            "    </to_encoder>\r\n"
                                            "  </vc_primitive>\r\n"
                                            "</media_control>\r\n";

#define MAX_DEPTH 8           /* RFC 5168's documents are 4 deep */
#define MAX_DURATION_MS 60000 /* a key held a minute */

/* ---- application/media_control+xml ----------------------------------------- */

static const char *const fast_update_path[] = {"media_control", "vc_primitive", "to_encoder", "picture_fast_update"};

typedef struct {
  guint depth; /* elements open */
  guint path;  /* how many of the open ones are fast_update_path's first ones */
  guint roots;
  gboolean fast_update;
} markup_state;

static void
on_start(GMarkupParseContext *context, const char *name, const char **names, const char **values, gpointer data,
         GError **error)
{
  (void)context, (void)names, (void)values;
  markup_state *s = data;
  if (s->depth == 0 && (s->roots++ > 0 || strcmp(name, "media_control") != 0)) {
    g_set_error(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, "the document is not one <media_control>");
    return;
  }
  if (s->depth >= MAX_DEPTH) {
    g_set_error(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, "elements nested deeper than %d", MAX_DEPTH);
    return;
  }
  if (s->path == s->depth && s->depth < G_N_ELEMENTS(fast_update_path) &&
      strcmp(name, fast_update_path[s->depth]) == 0 && ++s->path == G_N_ELEMENTS(fast_update_path))
    s->fast_update = TRUE;
  s->depth++;
}

static void
on_end(GMarkupParseContext *context, const char *name, gpointer data, GError **error)
{
  (void)context, (void)name, (void)error;
  markup_state *s = data;
  if (s->path == s->depth)
    s->path--;
  s->depth--;
}

/* Unknown elements (stream_id, general_error, later additions) and text are
 * allowed and ignored: only the path to picture_fast_update counts. */
static gboolean
read_media_control(const char *body, gsize len, rc_sip_info *out, GError **error)
{
  static const GMarkupParser parser = {on_start, on_end, NULL, NULL, NULL};
  markup_state s = {0};
  GMarkupParseContext *context = g_markup_parse_context_new(&parser, G_MARKUP_PREFIX_ERROR_POSITION, &s, NULL);
  g_autoptr(GError) why = NULL;
  gboolean ok = g_markup_parse_context_parse(context, body, (gssize)len, &why) &&
                g_markup_parse_context_end_parse(context, &why);
  g_markup_parse_context_free(context);
  if (ok && s.roots == 0)
    g_set_error_literal(&why, G_MARKUP_ERROR, G_MARKUP_ERROR_EMPTY, "no element");
  if (why) {
    g_set_error(error, RC_SIP_INFO_ERROR, RC_SIP_INFO_ERROR_MALFORMED, "media_control: %s", why->message);
    return FALSE;
  }
  out->kind = s.fast_update ? RC_SIP_INFO_FAST_UPDATE : RC_SIP_INFO_NOTHING;
  return TRUE;
}

/* ---- application/dtmf-relay, application/dtmf ------------------------------ */

/* "5", "*", "a", or an RFC 4733 event number 10-15 ("*", "#", A-D). */
static gboolean
read_digit(const char *value, char *digit)
{
  guint64 event;
  if (strlen(value) == 1 && strchr("0123456789*#ABCD", g_ascii_toupper(value[0]))) {
    *digit = g_ascii_toupper(value[0]);
    return TRUE;
  }
  if (g_ascii_string_to_unsigned(value, 10, 10, 15, &event, NULL)) {
    *digit = "*#ABCD"[event - 10];
    return TRUE;
  }
  return FALSE;
}

static gboolean
malformed(GError **error, const char *what, const char *text)
{
  g_autofree char *shown = g_strndup(text, 40);
  g_set_error(error, RC_SIP_INFO_ERROR, RC_SIP_INFO_ERROR_MALFORMED, "dtmf: %s: '%s'", what, shown);
  return FALSE;
}

/* "Signal=5\r\nDuration=160\r\n": Signal is needed, other keys are ignored. */
static gboolean
read_relay(const char *text, rc_sip_info *out, GError **error)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", 16);
  gboolean signal = FALSE;
  for (char **l = lines; *l; l++) {
    char *line = g_strstrip(*l);
    if (!*line)
      continue;
    char *eq = strchr(line, '=');
    if (!eq)
      return malformed(error, "a line without '='", line);
    *eq = '\0';
    const char *key = g_strstrip(line), *value = g_strstrip(eq + 1);
    guint64 ms;
    if (g_ascii_strcasecmp(key, "Signal") == 0) {
      if (!read_digit(value, &out->digit))
        return malformed(error, "not a keypad digit", value);
      signal = TRUE;
    } else if (g_ascii_strcasecmp(key, "Duration") == 0) {
      if (!g_ascii_string_to_unsigned(value, 10, 0, MAX_DURATION_MS, &ms, NULL))
        return malformed(error, "not a duration in ms", value);
      out->duration_ms = (guint)ms;
    }
  }
  if (!signal)
    return malformed(error, "no Signal", text);
  out->kind = RC_SIP_INFO_DTMF;
  return TRUE;
}

static gboolean
read_dtmf(const char *body, gsize len, gboolean relay, rc_sip_info *out, GError **error)
{
  if (memchr(body, '\0', len))
    return malformed(error, "a NUL in the body", "");
  g_autofree char *text = g_strndup(body, len);
  g_strstrip(text);
  if (!relay && read_digit(text, &out->digit)) { /* application/dtmf: the bare digit */
    out->kind = RC_SIP_INFO_DTMF;
    return TRUE;
  }
  return read_relay(text, out, error); /* some gear sends dtmf-relay's lines as application/dtmf */
}

/* ---- the entry ------------------------------------------------------------- */

/* Whether @content_type (parameters ignored) is @type. */
static gboolean
is_type(const char *content_type, const char *type)
{
  g_autofree char *bare = g_strndup(content_type, strcspn(content_type, ";"));
  return g_ascii_strcasecmp(g_strstrip(bare), type) == 0;
}

gboolean
rc_sip_info_parse(const char *content_type, const char *body, gsize len, rc_sip_info *out, GError **error)
{
  memset(out, 0, sizeof *out);
  if (!body || len == 0) { /* RFC 6086 lets an INFO carry nothing: a keep-alive */
    out->kind = RC_SIP_INFO_NOTHING;
    return TRUE;
  }
  gboolean xml = content_type && is_type(content_type, RC_SIP_INFO_MEDIA_CONTROL);
  gboolean relay = content_type && is_type(content_type, "application/dtmf-relay");
  gboolean dtmf = content_type && is_type(content_type, "application/dtmf");
  if (!xml && !relay && !dtmf) {
    g_set_error(error, RC_SIP_INFO_ERROR, RC_SIP_INFO_ERROR_UNSUPPORTED, "a body of type %s",
                content_type ? content_type : "(none)");
    return FALSE;
  }
  if (len > RC_SIP_INFO_MAX_BODY) {
    g_set_error(error, RC_SIP_INFO_ERROR, RC_SIP_INFO_ERROR_MALFORMED, "a body of %" G_GSIZE_FORMAT " bytes", len);
    return FALSE;
  }
  return xml ? read_media_control(body, len, out, error) : read_dtmf(body, len, relay, out, error);
}
