/* Test plugin: dup-one and dup-two both call themselves "dup-one". */
#include "config.h"

#include "sourceos/plugin.h"

static sourceos_status check_ok(sourceos_ctx *ctx)
{
    (void)ctx;
    return SOURCEOS_OK;
}

static const struct sourceos_check checks[] = {
    {"ok", "from dup-one", check_ok},
    {NULL, NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "dup-one",
    .version = "1",
    .checks = checks,
    .actions = NULL,
};
