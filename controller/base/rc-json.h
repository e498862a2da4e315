/* rc-json — jansson with GLib's automatic cleanup (g_autoptr(json_t)). */
#pragma once
#include <glib.h>
#include <jansson.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_t, json_decref)
