/* signature — what the digital signatures of an uploaded PDF say: who
 * signed, when, whether the signed bytes are intact, and whether anything
 * was appended to the file after the signing (an incremental update that
 * changes the document while leaving the signed bytes alone). Checked once
 * at upload with poppler-glib; the signer's certificate is not checked
 * against a trust list (no network, no NSS trust store). */
#pragma once
#include "base/rc-json.h"
#include <glib.h>

/* {"signed": false}, or {"signed": true, "signers": [{"name", "signed_at",
 * "status"}], "intact": bool, "changed_after_signing": bool}. Never NULL:
 * an unreadable file is {"signed": false}. (transfer full) */
json_t *rc_signature_inspect(const char *path);
