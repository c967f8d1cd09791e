/* Test plugin: a check without a run() callback. */
#include "config.h"

#include "sourceos/plugin.h"

static const struct sourceos_check checks[] = {
    {"empty", "has no run()", NULL},
    {NULL, NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    SOURCEOS_ABI_VERSION, "null-callback", "1", checks, NULL,
};
