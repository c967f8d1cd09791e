/* platform: the host is one an agent can be installed on, with the backend
 * it declares. Windows itself has neither launchd nor systemd: agents there
 * live in the WSL distro. */
#include "config.h"

#include <string.h>

#include "agent.h"

const char *agent_backend(sourceos_ctx *ctx)
{
    const char *b = sourceos_param(ctx, "backend");
    const char *os = sourceos_fact_get(ctx, "host.os");
    if (b && strcmp(b, "auto") != 0)
        return b;
    return os && strcmp(os, "macos") == 0 ? "launchd" : "systemd";
}

/* The backend OS runs agents with, or NULL when it has none. */
static const char *native_backend(const char *os)
{
    if (strcmp(os, "macos") == 0)
        return "launchd";
    if (strcmp(os, "linux") == 0 || strcmp(os, "wsl") == 0)
        return "systemd";
    return NULL;
}

sourceos_status agent_check_platform(sourceos_ctx *ctx)
{
    const char *os = sourceos_fact_get(ctx, "host.os");
    const char *name = sourceos_fact_get(ctx, "host.os_name");
    const char *version = sourceos_fact_get(ctx, "host.os_version");
    const char *arch = sourceos_fact_get(ctx, "host.arch");
    const char *backend = agent_backend(ctx), *native;
    sourceos_finding *f;

    if (!os)
        os = "unknown";
    native = native_backend(os);
    if (!native) {
        f = sourceos_finding_add(ctx, "agent.platform-unsupported", SOURCEOS_SEV_CRITICAL,
                                 "%s has no service manager an agent can use (launchd on "
                                 "macOS, systemd on Linux and in WSL)",
                                 os);
        sourceos_finding_remediation(
            f, "On Windows, install the agent inside the WSL distro (with systemd enabled "
               "in /etc/wsl.conf) and run sourceos-agent there.");
        sourceos_finding_evidence(f, "os", os);
        return SOURCEOS_FAILURE;
    }
    if (strcmp(backend, native) != 0) {
        f = sourceos_finding_add(ctx, "agent.backend-mismatch", SOURCEOS_SEV_CRITICAL,
                                 "the declaration asks for backend %s, which %s does not "
                                 "have (it runs agents with %s)",
                                 backend, os, native);
        sourceos_finding_remediation(
            f, "Set `backend: auto` (or the host's own backend) in the declaration.");
        sourceos_finding_evidence(f, "backend", backend);
        sourceos_finding_evidence(f, "os", os);
        return SOURCEOS_FAILURE;
    }
    if (name && name[0])
        f = sourceos_finding_add(ctx, "agent.platform-supported", SOURCEOS_SEV_INFO,
                                 "%s, %s, backend %s", name, arch && arch[0] ? arch : "?",
                                 backend);
    else
        f = sourceos_finding_add(ctx, "agent.platform-supported", SOURCEOS_SEV_INFO,
                                 "%s %s, %s, backend %s", os, version ? version : "",
                                 arch && arch[0] ? arch : "?", backend);
    sourceos_finding_evidence(f, "os", os);
    sourceos_finding_evidence(f, "backend", backend);
    return SOURCEOS_OK;
}
