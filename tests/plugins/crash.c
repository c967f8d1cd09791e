/* Test plugin: a check that dies of SIGSEGV. */
#include "config.h"

#include <signal.h>

#include "sourceos/plugin.h"

static sourceos_status check_segv(sourceos_ctx *ctx)
{
    (void)ctx;
    raise(SIGSEGV);
    return SOURCEOS_OK;
}

static const struct sourceos_check checks[] = {
    {"segv", "dies of SIGSEGV", check_segv},
    {NULL, NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "crash",
    .version = "1",
    .checks = checks,
    .actions = NULL,
};
