/* A plugin of ABI 1.4 that declares its checks' params: `echo` takes only
 * `message`, `quiet` takes none, `open` is not declared (anything goes). */
#include <sourceos/plugin.h>

static sourceos_status echo(sourceos_ctx *ctx)
{
    const char *m = sourceos_param(ctx, "message");
    sourceos_finding_add(ctx, "strict.echo", SOURCEOS_SEV_INFO, "%s", m ? m : "(none)");
    return SOURCEOS_OK;
}

static sourceos_status quiet(sourceos_ctx *ctx)
{
    (void)ctx;
    return SOURCEOS_OK;
}

static const struct sourceos_check checks[] = {
    {"echo", "says its message", echo},
    {"quiet", "takes no params", quiet},
    {"open", "takes any params", quiet},
    {NULL, NULL, NULL},
};

static const char *const echo_keys[] = {"message", NULL};
static const char *const no_keys[] = {NULL};

static const struct sourceos_params params[] = {
    {"echo", echo_keys},
    {"quiet", no_keys},
    {NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "strict",
    .version = "1.0",
    .checks = checks,
    .actions = NULL,
    .params = params,
};
