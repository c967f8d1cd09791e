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

/* The params each check reads (ABI 1.4): a checks.d entry that gives its
 * check any other param is refused, with where it is written. */
static const char *const platform_keys[] = {"backend", NULL};
static const char *const backend_keys[] = {"backend", "user", NULL};
static const char *const runtime_keys[] = {"runtime", "image", "command", NULL};
static const char *const authfile_keys[] = {"authfile", "auth", "auth.mode", "user", "scope", "account", NULL};
static const char *const log_dir_keys[] = {"logs.app", "logs.stdout", "logs.stderr", "user", "scope", "account", NULL};
static const char *const generated_lint_keys[] = {"agent", "part", "lints", "source", "stage", "stage_env", NULL};

static const struct sourceos_params params[] = {
    {"platform", platform_keys},
    {"backend", backend_keys},
    {"runtime", runtime_keys},
    {"authfile", authfile_keys},
    {"log-dir", log_dir_keys},
    {"generated-lint", generated_lint_keys},
    {NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "agent",
    .version = PACKAGE_VERSION,
    .checks = checks,
    .actions = NULL,
    .params = params,
};
