/* agent: checks of an agent's own declaration against this host, for the
 * preflight (checks.d/50-preflight.yaml). */
#include "config.h"

#include "agent.h"

static const struct sourceos_check checks[] = {
    {"platform", "This host's platform can run the agent with its backend",
     agent_check_platform},
    {"backend", "The service manager the agent needs answers (a user manager for user scope)",
     agent_check_backend},
    {"runtime", "The agent's runtime is one this host can run; a native command exists",
     agent_check_runtime},
    {"generated-lint", "The generated service definition or wrapper passed its lints",
     agent_check_generated_lint},
    {NULL, NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "agent",
    .version = PACKAGE_VERSION,
    .checks = checks,
    .actions = NULL,
};
