/* sdp-attr — see sdp-attr.h. */
#include "devices/sdp-attr.h"

#include <string.h>

gboolean
rc_sdp_is_token(const char *s, gsize max)
{
  gsize n = 0;
  for (; s[n]; n++)
    if (n + 1 >= max || s[n] <= ' ' || s[n] > '~')
      return FALSE;
  return n > 0;
}

int
rc_sdp_read_pt(const char *s, const char **rest)
{
  int pt = 0, digits = 0;
  for (; g_ascii_isdigit(*s) && digits < 3; s++, digits++)
    pt = pt * 10 + (*s - '0');
  if (digits == 0 || pt > 127 || (*s && *s != ' ') || (digits > 1 && s[-digits] == '0'))
    return -1; /* "096" would not match the answer's "96" */
  while (*s == ' ')
    s++;
  *rest = s;
  return pt;
}

gboolean
rc_sdp_fmtp_param(const char *params, const char *name, char *out, gsize out_size)
{
  gsize name_len = strlen(name);
  for (const char *p = params; *p;) {
    while (*p == ' ' || *p == ';')
      p++;
    const char *end = strchr(p, ';');
    gsize len = end ? (gsize)(end - p) : strlen(p);
    if (len > name_len && p[name_len] == '=' && g_ascii_strncasecmp(p, name, name_len) == 0) {
      gsize value_len = len - name_len - 1;
      while (value_len > 0 && p[name_len + value_len] == ' ')
        value_len--;
      if (value_len >= out_size)
        return FALSE;
      memcpy(out, p + name_len + 1, value_len);
      out[value_len] = '\0';
      return TRUE;
    }
    p += len;
  }
  return FALSE;
}

const char *
rc_sdp_fmtp_of(const GstSDPMedia *m, int pt)
{
  const char *value, *rest;
  for (guint i = 0; (value = gst_sdp_media_get_attribute_val_n(m, "fmtp", i)); i++)
    if (rc_sdp_read_pt(value, &rest) == pt)
      return rest;
  return NULL;
}

gboolean
rc_sdp_listed(const GstSDPMedia *m, int pt)
{
  const char *rest;
  for (guint i = 0; i < gst_sdp_media_formats_len(m); i++)
    if (rc_sdp_read_pt(gst_sdp_media_get_format(m, i), &rest) == pt && *rest == '\0')
      return TRUE;
  return FALSE;
}

/* A decimal SSRC at the start of @s, ended by a space or the end; 0 = none. */
static guint32
read_ssrc_number(const char *s)
{
  guint64 n = 0;
  int digits = 0;
  for (; g_ascii_isdigit(*s); s++)
    if (++digits > 10 || (n = n * 10 + (guint64)(*s - '0')) > G_MAXUINT32)
      return 0;
  return (*s == '\0' || *s == ' ') ? (guint32)n : 0;
}

guint32
rc_sdp_read_ssrc(const GstSDPMedia *m)
{
  const char *value;
  for (guint i = 0; (value = gst_sdp_media_get_attribute_val_n(m, "ssrc-group", i)); i++)
    if (g_str_has_prefix(value, "FID "))
      return read_ssrc_number(value + 4);
  value = gst_sdp_media_get_attribute_val(m, "ssrc");
  return value ? read_ssrc_number(value) : 0;
}

rc_sdp_direction
rc_sdp_read_direction(const GstSDPMessage *msg, const GstSDPMedia *m)
{
  static const char *const names[] = {"inactive", "sendonly", "recvonly", "sendrecv"};
  for (int level = 0; level < 2; level++)
    for (int d = 0; d < 4; d++) {
      gboolean set = level == 0 ? gst_sdp_media_get_attribute_val(m, names[d]) != NULL
                                : gst_sdp_message_get_attribute_val(msg, names[d]) != NULL;
      if (set)
        return (rc_sdp_direction)d;
    }
  return RC_SDP_SENDRECV;
}

void
rc_sdp_copy_formats(const GstSDPMedia *m, char *out, gsize size)
{
  gsize len = 0;
  out[0] = '\0';
  for (guint i = 0; i < gst_sdp_media_formats_len(m); i++) {
    const char *format = gst_sdp_media_get_format(m, i);
    gsize n = strlen(format);
    if (!rc_sdp_is_token(format, size) || len + n + 2 > size)
      continue;
    if (len)
      out[len++] = ' ';
    memcpy(out + len, format, n + 1);
    len += n;
  }
  if (len == 0)
    g_strlcpy(out, "0", size);
}
