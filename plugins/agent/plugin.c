/* agent: checks of one agent's declaration against the host, run by
 * `sourceos-agent preflight NAME` before anything is installed. */
#include "config.h"

#include "agent.h"

/* One row per check, in the preflight's order. */
static const struct sourceos_check checks[] = {
    {"platform", "This host's platform can run the agent with its backend",
     agent_check_platform},
    {"backend", "The service manager the agent needs answers (a user manager for user scope)",
     agent_check_backend},
    {"runtime", "The agent's runtime is one this host can run; a native command exists",
     agent_check_runtime},
    {"authfile", "The agent's auth file exists, is private to its user and holds "
                 "exactly {\"auths\":{}}",
     agent_check_authfile},
    {"log-dir", "The directories of the agent's logs exist, are its user's and "
                "are not writable by others",
     agent_check_log_dir},
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
