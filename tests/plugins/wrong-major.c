/* Test plugin: built for a future ABI major. */
#include "config.h"

#include "sourceos/plugin.h"

static sourceos_status check_ok(sourceos_ctx *ctx)
{
    (void)ctx;
    return SOURCEOS_OK;
}

static const struct sourceos_check checks[] = {
    {"ok", "fine", check_ok},
    {NULL, NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_MKVERSION(2, 0),
    .name = "wrong-major",
    .version = "1",
    .checks = checks,
    .actions = NULL,
};
