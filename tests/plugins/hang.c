/* Test plugin: checks that never return, in the check or in a command. */
#include "config.h"

#include <unistd.h>

#include "sourceos/plugin.h"

static sourceos_status check_forever(sourceos_ctx *ctx)
{
    (void)ctx;
    for (;;)
        pause();
    return SOURCEOS_OK;
}

/* The probe itself never returns: `sleep` far beyond the check's deadline. */
static sourceos_status check_command(sourceos_ctx *ctx)
{
    const char *argv[] = {"sleep", "1000", NULL};
    sourceos_run(ctx, argv, NULL, 0);
    return SOURCEOS_OK;
}

static const struct sourceos_check checks[] = {
    {"forever", "never returns", check_forever},
    {"command", "runs a command that never returns", check_command},
    {NULL, NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "hang",
    .version = "1",
    .checks = checks,
    .actions = NULL,
};
