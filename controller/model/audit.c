/* audit — the audit log's hash chain (see audit.h). */
#define G_LOG_DOMAIN "roomctl-audit"
#include "model/audit.h"

#include <string.h>

/* Canonical encoding, versioned so a later change of fields can coexist:
 * "roomctl-audit-v1\n", the previous hash, then each field as
 * <decimal byte length> ":" <bytes> "\n" — no field can run into the next. */
static void
put_field(GChecksum *sum, const char *value)
{
  const char *v = value ? value : "";
  char len[24];
  int n = g_snprintf(len, sizeof len, "%zu:", strlen(v));
  g_checksum_update(sum, (const guchar *)len, n);
  g_checksum_update(sum, (const guchar *)v, (gssize)strlen(v));
  g_checksum_update(sum, (const guchar *)"\n", 1);
}

void
rc_audit_hash(const char *prev_hash, const rc_audit_row *row, char out[RC_AUDIT_HASH_LEN])
{
  g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
  char id[24], user[24] = "";
  g_snprintf(id, sizeof id, "%" G_GINT64_FORMAT, row->id);
  if (row->user_id > 0)
    g_snprintf(user, sizeof user, "%" G_GINT64_FORMAT, row->user_id);
  g_checksum_update(sum, (const guchar *)"roomctl-audit-v1\n", -1);
  put_field(sum, prev_hash);
  put_field(sum, id);
  put_field(sum, row->at);
  put_field(sum, user);
  put_field(sum, row->action);
  put_field(sum, row->target);
  put_field(sum, row->detail);
  g_strlcpy(out, g_checksum_get_string(sum), RC_AUDIT_HASH_LEN);
}

void
rc_audit_chain_init(rc_audit_chain *chain)
{
  memset(chain, 0, sizeof *chain);
}

static gboolean
broken(rc_audit_chain *chain, gint64 id, char *reason)
{
  chain->broken_id = id;
  chain->reason = reason;
  return FALSE;
}

gboolean
rc_audit_chain_next(rc_audit_chain *chain, const rc_audit_row *row, const char *hash)
{
  if (chain->broken_id)
    return FALSE;
  /* Ids are handed out one after another (store-audit.c): a gap is a
   * removed row, whatever the hashes say. */
  if (chain->rows > 0 && row->id != chain->prev_id + 1)
    return broken(chain, row->id,
                  g_strdup_printf("row %" G_GINT64_FORMAT " follows row %" G_GINT64_FORMAT
                                  ": the rows between were removed", row->id, chain->prev_id));
  char want[RC_AUDIT_HASH_LEN];
  rc_audit_hash(chain->prev, row, want);
  if (!hash || !*hash)
    return broken(chain, row->id, g_strdup_printf("row %" G_GINT64_FORMAT " has no hash", row->id));
  if (strcmp(want, hash) != 0)
    return broken(chain, row->id,
                  g_strdup_printf("row %" G_GINT64_FORMAT " does not match its hash: it was changed, or a row "
                                  "before it was changed or removed", row->id));
  g_strlcpy(chain->prev, hash, sizeof chain->prev);
  chain->prev_id = row->id;
  chain->rows++;
  return TRUE;
}

void
rc_audit_chain_clear(rc_audit_chain *chain)
{
  g_clear_pointer(&chain->reason, g_free);
}
