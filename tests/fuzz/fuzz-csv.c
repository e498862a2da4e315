/* libFuzzer target: the CSV reader (demo data and bulk imports). */
#include "base/csv.h"

#include <stdint.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *rows = rc_csv_parse((const char *)data, size, 1000, &error);
  if (rows) {
    for (guint i = 0; i < rows->len; i++)
      rc_csv_column(rows->pdata[i], "code");
    g_ptr_array_unref(rows);
  } else {
    g_assert(error != NULL);
  }
  return 0;
}
