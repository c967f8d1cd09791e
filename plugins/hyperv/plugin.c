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

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "hyperv",
    .version = PACKAGE_VERSION,
    .checks = checks,
    .actions = NULL,
};
