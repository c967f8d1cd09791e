/* Test plugin: calls a core function that does not exist, so loading with
 * immediate binding must fail (lazy binding would crash later instead). */
#include "config.h"

#include "sourceos/plugin.h"

void sourceos_function_that_does_not_exist(sourceos_ctx *ctx);

static sourceos_status check_ok(sourceos_ctx *ctx)
{
    sourceos_function_that_does_not_exist(ctx);
    return SOURCEOS_OK;
}

static const struct sourceos_check checks[] = {
    {"ok", "never loads", check_ok},
    {NULL, NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "unresolved",
    .version = "1",
    .checks = checks,
    .actions = NULL,
};
