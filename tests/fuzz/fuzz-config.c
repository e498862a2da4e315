/* libFuzzer target: the configuration file reader and its validation. */
#include "base/config.h"

#include <glib/gstdio.h>
#include <stdint.h>
#include <unistd.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static char *path;
  if (!path)
    path = g_strdup_printf("%s/roomctl-fuzz-config-%d.conf", g_get_tmp_dir(), (int)getpid());
  if (!g_file_set_contents(path, (const char *)data, (gssize)size, NULL))
    return 0;
  g_autoptr(GError) error = NULL;
  rc_config *c = rc_config_load(path, &error);
  g_assert((c == NULL) == (error != NULL));
  rc_config_free(c);
  return 0;
}
