/* net-file — one file body going out on one HTTP connection, a bounded
 * piece per WRITEABLE callback. Every tablet's ballots and page turns wait
 * on the one main loop, so a 10 MB document must not be pushed through it
 * in one go (lws_serve_http_file writes until the socket is full, copying
 * each byte through user space).
 *
 * On plain HTTP the kernel moves the bytes: sendfile(2) from the file to
 * the connection's socket, which lws keeps non-blocking, once lws itself
 * has nothing left to flush. On TLS the bytes are read here and written
 * through lws, which encrypts them: kTLS would let the kernel do that too,
 * but this kernel has no "tls" upper-layer protocol (web/docs/benchmarks.md). */
#define G_LOG_DOMAIN "roomctl-net"
#include "net/net-private.h"
#include "base/rc-error.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

/* At most this much per callback. sendfile only hands pages to the socket;
 * a copied piece is encrypted on the main loop, and with 600 readers one
 * turn of the loop encrypts 600 pieces: 16 KiB gave a WebSocket ping
 * p50 31-38 ms during a TLS download storm, 64 KiB 68-138 ms at twice the
 * throughput (web/docs/benchmarks.md). Zero-copy pieces of 4 MiB and of
 * 256 KiB did no better than 512 KiB in one run each. */
#define ZERO_COPY_PIECE ((gint64)512 << 10)
#define COPIED_PIECE ((gint64)16 << 10)

gboolean
rc_net_file_open(rc_net_file *file, const char *path, GError **error)
{
  memset(file, 0, sizeof *file);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    int e = errno;
    if (fd >= 0)
      close(fd);
    g_set_error(error, RC_ERROR, RC_ERROR_NOT_FOUND, "cannot open %s: %s", path, g_strerror(e));
    return FALSE;
  }
  file->fd = fd;
  file->open = TRUE;
  file->size = st.st_size;
  file->pos = 0;
  file->end = st.st_size;
  return TRUE;
}

void
rc_net_file_close(rc_net_file *file)
{
  if (file->open)
    close(file->fd);
  memset(file, 0, sizeof *file);
}

static rc_net_file_step
send_zero_copy(rc_net_file *file, struct lws *wsi)
{
  /* What lws still holds for this connection (a header it could not send
   * whole) must reach the socket before the body does. */
  if (lws_send_pipe_choked(wsi))
    return RC_NET_FILE_MORE;
  off_t offset = (off_t)file->pos;
  size_t want = (size_t)MIN(file->end - file->pos, ZERO_COPY_PIECE);
  ssize_t n = sendfile(lws_get_socket_fd(wsi), file->fd, &offset, want);
  if (n < 0)
    return errno == EAGAIN || errno == EINTR ? RC_NET_FILE_MORE : RC_NET_FILE_FAILED;
  if (n == 0)
    return RC_NET_FILE_FAILED; /* the file shrank under us: the length sent is wrong */
  file->pos += n;
  return file->pos >= file->end ? RC_NET_FILE_DONE : RC_NET_FILE_MORE;
}

static rc_net_file_step
send_copied(rc_net_file *file, struct lws *wsi, GByteArray *scratch)
{
  gsize want = (gsize)MIN(file->end - file->pos, COPIED_PIECE);
  g_byte_array_set_size(scratch, LWS_PRE + want);
  ssize_t n = pread(file->fd, scratch->data + LWS_PRE, want, (off_t)file->pos);
  if (n <= 0)
    return RC_NET_FILE_FAILED;
  gboolean last = file->pos + n >= file->end;
  if (lws_write(wsi, scratch->data + LWS_PRE, (size_t)n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < (int)n)
    return RC_NET_FILE_FAILED;
  file->pos += n;
  return last ? RC_NET_FILE_DONE : RC_NET_FILE_MORE;
}

rc_net_file_step
rc_net_file_send(rc_net_file *file, struct lws *wsi, GByteArray *scratch)
{
  if (file->pos >= file->end)
    return RC_NET_FILE_DONE;
  return lws_is_ssl(wsi) ? send_copied(file, wsi, scratch) : send_zero_copy(file, wsi);
}
