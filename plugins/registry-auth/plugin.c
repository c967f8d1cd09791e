/* registry-auth: the registry credentials a container runtime would use. */
#include "config.h"

#include "registry.h"

static const struct sourceos_check checks[] = {
    {"auth-files",
     "Registry auth files in podman's lookup order: present, private, valid",
     registry_check_auth_files},
    {"cred-helpers",
     "Credential helpers podman would run: on PATH, safe, not a remote risk",
     registry_check_cred_helpers},
    {"agent-auth",
     "An agent's podman sees no registry credentials (empty --authfile)",
     registry_check_agent_auth},
    {NULL, NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "registry-auth",
    .version = PACKAGE_VERSION,
    .checks = checks,
    .actions = NULL,
};
