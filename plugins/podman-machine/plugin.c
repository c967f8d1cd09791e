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

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "podman-machine",
    .version = PACKAGE_VERSION,
    .checks = checks,
    .actions = NULL,
};
