/* podman-machine: the Podman runtime an agent depends on. */
#include "config.h"

#include "podman.h"

static const struct sourceos_check checks[] = {
    {"binary", "Podman is installed; its version", podman_check_binary},
    {"version", "Podman is at least the version the agent needs (param min)",
     podman_check_version},
    {"machine", "The Podman machine exists and is running (where one is expected)",
     podman_check_machine},
    {"connection", "The endpoint Podman will use answers GET /_ping",
     podman_check_connection},
    {"info", "The Podman service reports its version, storage and runtime",
     podman_check_info},
    {"image", "The agent's image is local and pinned by digest", podman_check_image},
    {"tag", "The agent's image is named under an allowed prefix (localhost/)",
     podman_check_tag},
    {"container", "The agent's container state, exit code and restarts",
     podman_check_container},
    {"container-name", "The agent's container name is free, or held by its own container",
     podman_check_container_name},
    {NULL, NULL, NULL},
};

/* The params each check reads (ABI 1.4): a checks.d entry that gives its
 * check any other param is refused, with where it is written. */
static const char *const binary_keys[] = {"podman", "timeout_ms", NULL};
static const char *const version_keys[] = {"min", "podman", "timeout_ms", NULL};
static const char *const machine_keys[] = {"machine", "require", "required", "expected", "podman", "timeout_ms", NULL};
static const char *const connection_keys[] = {"connection", "url", "remote", "ping_timeout_ms", "podman", "timeout_ms", NULL};
static const char *const info_keys[] = {"podman", "timeout_ms", NULL};
static const char *const image_keys[] = {"image", "pull", "require_local", "podman", "timeout_ms", NULL};
static const char *const tag_keys[] = {"image", "allowed", NULL};
static const char *const container_keys[] = {"container", "restart_limit", "stopping_threshold_ms", "podman", "timeout_ms", NULL};
static const char *const container_name_keys[] = {"container", "agent", "podman", "timeout_ms", NULL};

static const struct sourceos_params params[] = {
    {"binary", binary_keys},
    {"version", version_keys},
    {"machine", machine_keys},
    {"connection", connection_keys},
    {"info", info_keys},
    {"image", image_keys},
    {"tag", tag_keys},
    {"container", container_keys},
    {"container-name", container_name_keys},
    {NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "podman-machine",
    .version = PACKAGE_VERSION,
    .checks = checks,
    .actions = NULL,
    .params = params,
};
