/* agent: checks of one agent's declaration against the host, run by
 * `sourceos-agent preflight NAME` before anything is installed. */
#include "config.h"

#include "agent.h"

/* One row per check; the preflight's later steps add theirs here. */
static const struct sourceos_check checks[] = {
    {"authfile", "The agent's auth file exists, is private to its user and holds "
                 "exactly {\"auths\":{}}",
     agent_check_authfile},
    {"log-dir", "The directories of the agent's logs exist, are its user's and "
                "are not writable by others",
     agent_check_log_dir},
    {NULL, NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "agent",
    .version = PACKAGE_VERSION,
    .checks = checks,
    .actions = NULL,
};
