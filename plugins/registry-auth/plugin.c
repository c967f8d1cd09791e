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

/* The params each check reads (ABI 1.4): a checks.d entry that gives its
 * check any other param is refused, with where it is written. */
static const char *const auth_files_keys[] = {"authfile", NULL};
static const char *const cred_helpers_keys[] = {"authfile", NULL};
static const char *const agent_auth_keys[] = {"auth", "authfile", "env", NULL};

static const struct sourceos_params params[] = {
    {"auth-files", auth_files_keys},
    {"cred-helpers", cred_helpers_keys},
    {"agent-auth", agent_auth_keys},
    {NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "registry-auth",
    .version = PACKAGE_VERSION,
    .checks = checks,
    .actions = NULL,
    .params = params,
};
