/* signature — digital signatures of uploaded PDFs (see signature.h). */
#define G_LOG_DOMAIN "roomctl-documents"
#include "records/signature.h"

#include <poppler.h>
#include <stdlib.h>
#include <string.h>

static const char *
status_name(PopplerSignatureStatus s)
{
  switch (s) {
  case POPPLER_SIGNATURE_VALID: return "valid";
  case POPPLER_SIGNATURE_INVALID: return "invalid";
  case POPPLER_SIGNATURE_DIGEST_MISMATCH: return "changed";
  case POPPLER_SIGNATURE_DECODING_ERROR: return "malformed";
  case POPPLER_SIGNATURE_NOT_FOUND: return "missing";
  case POPPLER_SIGNATURE_NOT_VERIFIED: return "not_verified";
  default: return "error";
  }
}

/* Whether anything but white space follows the furthest byte any
 * /ByteRange [a b c d] of the file covers (c + d): the last signature
 * covers the file up to there, so what follows was appended after the
 * last signing (an incremental update). */
static gboolean
appended_after_signing(const char *path)
{
  g_autoptr(GMappedFile) map = g_mapped_file_new(path, FALSE, NULL);
  if (!map)
    return FALSE;
  const char *data = g_mapped_file_get_contents(map);
  gsize len = g_mapped_file_get_length(map);
  gint64 end = -1;
  const char *p = data;
  static const char key[] = "/ByteRange";
  while (p && (p = memmem(p, len - (gsize)(p - data), key, sizeof key - 1))) {
    p += sizeof key - 1;
    char buf[128];
    gsize n = MIN(sizeof buf - 1, len - (gsize)(p - data));
    memcpy(buf, p, n);
    buf[n] = '\0';
    long long a, b, c, d;
    if (sscanf(buf, " [ %lld %lld %lld %lld", &a, &b, &c, &d) == 4 && c >= 0 && d >= 0)
      end = MAX(end, (gint64)(c + d));
  }
  if (end < 0)
    return FALSE;
  for (gsize i = (gsize)end; i < len; i++)
    if (!g_ascii_isspace(data[i]))
      return TRUE;
  return FALSE;
}

static json_t *
signer_json(PopplerFormField *field, gboolean *intact)
{
  g_autoptr(GError) error = NULL;
  /* No certificate validation: it would need a trust store and may go to
   * the network (OCSP). */
  PopplerSignatureInfo *info = poppler_form_field_signature_validate_sync(field, 0, NULL, &error);
  if (!info) {
    *intact = FALSE;
    return json_pack("{sn sn ss}", "name", "signed_at", "status", "error");
  }
  PopplerSignatureStatus status = poppler_signature_info_get_signature_status(info);
  if (status != POPPLER_SIGNATURE_VALID)
    *intact = FALSE;
  const char *name = poppler_signature_info_get_signer_name(info);
  GDateTime *when = poppler_signature_info_get_local_signing_time(info);
  g_autoptr(GDateTime) utc = when ? g_date_time_to_utc(when) : NULL;
  g_autofree char *at = utc ? g_date_time_format(utc, "%Y-%m-%dT%H:%M:%SZ") : NULL;
  json_t *out = json_pack("{so so ss}", "name", name && *name ? json_string(name) : json_null(), "signed_at",
                          at ? json_string(at) : json_null(), "status", status_name(status));
  poppler_signature_info_free(info);
  return out;
}

json_t *
rc_signature_inspect(const char *path)
{
  g_autofree char *abs = g_canonicalize_filename(path, NULL);
  g_autofree char *uri = g_filename_to_uri(abs, NULL, NULL);
  PopplerDocument *doc = uri ? poppler_document_new_from_file(uri, NULL, NULL) : NULL;
  if (!doc || poppler_document_get_n_signatures(doc) == 0) {
    g_clear_object(&doc);
    return json_pack("{sb}", "signed", FALSE);
  }
  GList *fields = poppler_document_get_signature_fields(doc);
  json_t *signers = json_array();
  gboolean intact = TRUE;
  for (GList *l = fields; l; l = l->next)
    json_array_append_new(signers, signer_json(l->data, &intact));
  g_list_free_full(fields, g_object_unref);
  g_object_unref(doc);
  gboolean appended = appended_after_signing(abs);
  return json_pack("{sb so sb sb}", "signed", TRUE, "signers", signers, "intact", intact, "changed_after_signing",
                   !intact || appended);
}
