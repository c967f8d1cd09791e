/* Test plugin: a check without a run() callback. */
#include "config.h"

#include "sourceos/plugin.h"

static const struct sourceos_check checks[] = {
    {"empty", "has no run()", NULL},
    {NULL, NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "null-callback",
    .version = "1",
    .checks = checks,
    .actions = NULL,
};
