/* systemd: lints systemd unit files (the agent's own, and every service
 * installed in the standard locations) for the policy findings, and asks
 * the running manager about the agent's unit (live.c) and systemd's own
 * parser and security rating about its unit file (verify.c). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "systemd.h"

sourceos_finding *systemd_note(sourceos_ctx *ctx, struct verdict *v,
                               const char *file, int line, const char *code,
                               sourceos_severity sev, const char *format, ...)
{
    char message[1024];
    sourceos_finding *f;
    va_list ap;
    va_start(ap, format);
    vsnprintf(message, sizeof message, format, ap);
    va_end(ap);
    verdict_see(v, sev);
    /* FILE:LINE first, as compilers say it, so editors can jump there. */
    if (line > 0)
        f = sourceos_finding_add(ctx, code, sev, "%s:%d: %s", file, line, message);
    else
        f = sourceos_finding_add(ctx, code, sev, "%s: %s", file, message);
    sourceos_finding_path(f, file);
    return f;
}


static const struct sourceos_check checks[] = {
    {"lint", "The agent's systemd unit (and its drop-ins) is safe", systemd_check_lint},
    {"scan", "Every installed systemd service, whoever installed it, is safe",
     systemd_check_scan},
    {"state", "The agent's systemd unit is loaded, running and not in a respawn loop",
     systemd_check_state},
    {"verify", "systemd's own parser accepts the agent's unit, and its exposure is bounded",
     systemd_check_verify},
    {NULL, NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "systemd",
    .version = PACKAGE_VERSION,
    .checks = checks,
    .actions = NULL,
};
