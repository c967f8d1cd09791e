/* host: what the core detected about the host, checked and shown. */
#include "config.h"

#include <string.h>

#include "host.h"

static const char *const shown[] = {
    "host.os",     "host.os_name",  "host.os_version", "host.arch",
    "host.kernel", "host.hostname", "host.wsl",        "host.wsl_version",
    "host.container", "host.root", NULL,
};

static int is_true(const char *v)
{
    return v && strcmp(v, "true") == 0;
}

static sourceos_status check_facts(sourceos_ctx *ctx)
{
    const char *os = sourceos_fact_get(ctx, "host.os");
    sourceos_finding *f;

    if (!os || strcmp(os, "unknown") == 0) {
        f = sourceos_finding_add(ctx, "host.os-unknown", SOURCEOS_SEV_WARNING,
                                 "cannot tell which operating system this is");
        sourceos_finding_remediation(
            f, "With --root, point at the top of a copied system tree (it "
               "must hold /etc/os-release, or macOS's "
               "/System/Library/CoreServices/SystemVersion.plist). Checks "
               "declared for a given OS will be skipped.");
        return SOURCEOS_WARNING;
    }
    f = sourceos_finding_add(ctx, "host.facts", SOURCEOS_SEV_INFO, "%s (%s), %s",
                             sourceos_fact_get(ctx, "host.os_name"), os,
                             sourceos_fact_get(ctx, "host.arch"));
    for (size_t i = 0; shown[i]; i++) {
        const char *v = sourceos_fact_get(ctx, shown[i]);
        if (v)
            sourceos_finding_evidence(f, shown[i] + 5, v);
    }
    if (is_true(sourceos_fact_get(ctx, "host.container")))
        sourceos_finding_add(ctx, "host.in-container", SOURCEOS_SEV_INFO,
                             "running inside a container: service managers "
                             "and the Podman machine seen here are the "
                             "container's, not the workstation's");
    return SOURCEOS_OK;
}

static const struct sourceos_check checks[] = {
    {"facts", "Host facts: OS, architecture, kernel, WSL, container, root",
     check_facts},
    {"management", "macOS management: MDM enrollment (profiles, or the tree's markers)",
     host_check_management},
    {NULL, NULL, NULL},
};

/* The params each check reads (ABI 1.4): a checks.d entry that gives its
 * check any other param is refused, with where it is written. */
static const char *const no_keys[] = {NULL};

static const struct sourceos_params params[] = {
    {"facts", no_keys},
    {"management", no_keys},
    {NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "host",
    .version = PACKAGE_VERSION,
    .checks = checks,
    .actions = NULL,
    .params = params,
};
