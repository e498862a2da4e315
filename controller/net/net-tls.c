/* net-tls — reads the configured certificate and key before libwebsockets
 * does, so that a wrong file gets an error naming the key and the file
 * (libwebsockets only says the context could not be made). Used at start
 * and by --check-config. */
#define G_LOG_DOMAIN "roomctl-net"
#include "net/net.h"
#include "base/rc-error.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>

/* The first OpenSSL error queued, as text ("" if none); clears the queue. */
static char *
ssl_reason(void)
{
  unsigned long e = ERR_get_error();
  char buf[256] = "";
  if (e)
    ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return g_strdup(buf);
}

static X509 *
read_cert(const char *path, GError **error)
{
  FILE *f = fopen(path, "r");
  if (!f) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "[server] tls_cert: %s: %s", path, g_strerror(errno));
    return NULL;
  }
  X509 *cert = PEM_read_X509(f, NULL, NULL, NULL);
  fclose(f);
  if (!cert) {
    g_autofree char *why = ssl_reason();
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "[server] tls_cert: %s holds no PEM certificate (%s)", path, why);
  }
  return cert;
}

static EVP_PKEY *
read_key(const char *path, GError **error)
{
  FILE *f = fopen(path, "r");
  if (!f) {
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "[server] tls_key: %s: %s", path, g_strerror(errno));
    return NULL;
  }
  EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
  fclose(f);
  if (!key) {
    g_autofree char *why = ssl_reason();
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID,
                "[server] tls_key: %s holds no unencrypted PEM private key (%s)", path, why);
  }
  return key;
}

gboolean
rc_net_tls_check(const char *cert_path, const char *key_path, GError **error)
{
  X509 *cert = read_cert(cert_path, error);
  if (!cert)
    return FALSE;
  EVP_PKEY *key = read_key(key_path, error);
  gboolean ok = key != NULL;
  if (ok && X509_check_private_key(cert, key) != 1) {
    ERR_clear_error();
    g_set_error(error, RC_ERROR, RC_ERROR_INVALID, "[server] tls_key %s is not the key of the certificate in tls_cert %s",
                key_path, cert_path);
    ok = FALSE;
  }
  EVP_PKEY_free(key);
  X509_free(cert);
  return ok;
}
