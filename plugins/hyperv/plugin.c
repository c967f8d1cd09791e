/* hyperv: the Hyper-V side of a Podman machine of the hyperv provider
 * (Windows, or WSL through interop): whether its VM exists, runs, and may
 * be managed by this account (vm.c). */
#include "config.h"

#include "hyperv.h"

static const struct sourceos_check checks[] = {
    {"vm", "The Hyper-V VM of the Podman machine exists, runs, and this account may manage it",
     hyperv_check_vm},
    {NULL, NULL, NULL},
};

/* The params each check reads (ABI 1.4): a checks.d entry that gives its
 * check any other param is refused, with where it is written. */
static const char *const vm_keys[] = {"machine", "provider", "powershell", "timeout_ms", NULL};

static const struct sourceos_params params[] = {
    {"vm", vm_keys},
    {NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "hyperv",
    .version = PACKAGE_VERSION,
    .checks = checks,
    .actions = NULL,
    .params = params,
};
