/* podman-machine: the Podman runtime an agent depends on. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sourceos/plugin.h"

#define DEFAULT_TIMEOUT_MS 10000u

struct install_hint {
    const char *os;
    const char *text;
    const char *command;
};

static const struct install_hint install_hints[] = {
    {"macos", "Install Podman (Homebrew shown; or the installer from podman.io), "
              "then create its machine.",
     "brew install podman && podman machine init"},
    {"linux", "Install Podman from your distribution (Debian/Ubuntu shown; "
              "Fedora: sudo dnf install podman).",
     "sudo apt-get install podman"},
    {"wsl", "Install Podman inside this WSL distribution, or Podman for "
            "Windows on the host.",
     "sudo apt-get install podman"},
    {"windows", "Install Podman for Windows, then create its machine.",
     "winget install RedHat.Podman && podman machine init"},
    {NULL, NULL, NULL},
};

static const struct install_hint *hint_for(const char *os)
{
    for (const struct install_hint *h = install_hints; h->os; h++)
        if (os && strcmp(os, h->os) == 0)
            return h;
    return &install_hints[1];
}

static const char *podman_program(sourceos_ctx *ctx)
{
    const char *p = sourceos_param(ctx, "podman");
    return p && *p ? p : "podman";
}

static unsigned timeout_ms(sourceos_ctx *ctx)
{
    const char *t = sourceos_param(ctx, "timeout_ms");
    unsigned long v = 0;
    if (t && sscanf(t, "%lu", &v) == 1 && v > 0 && v < 3600000ul)
        return (unsigned)v;
    return DEFAULT_TIMEOUT_MS;
}

static sourceos_status report_missing(sourceos_ctx *ctx, const char *program,
                                      int errnum)
{
    const struct install_hint *h = hint_for(sourceos_fact_get(ctx, "host.os"));
    sourceos_finding *f = sourceos_finding_add(
        ctx, "podman.binary-missing", SOURCEOS_SEV_CRITICAL,
        "%s cannot be run: %s", program,
        errnum == ENOENT ? "not found on PATH" : strerror(errnum));
    sourceos_finding_remediation(f, h->text);
    sourceos_finding_command(f, h->command);
    sourceos_finding_evidence(f, "os", h->os);
    return SOURCEOS_FAILURE;
}

/* First line of stderr, for a message that fits on one line. */
static void first_line(const char *text, char *out, size_t size)
{
    size_t len = strcspn(text, "\n");
    snprintf(out, size, "%.*s", (int)(len < size ? len : size - 1), text);
}

static sourceos_status check_binary(sourceos_ctx *ctx)
{
    const char *program = podman_program(ctx);
    const char *argv[] = {program, "version", "--format", "json", NULL};
    const struct sourceos_cmd *r = sourceos_run(ctx, argv, NULL, timeout_ms(ctx));
    const char *client, *server;
    char why[256];
    sourceos_finding *f;

    if (r->not_started)
        return report_missing(ctx, program, r->start_errno);
    if (r->timed_out) {
        f = sourceos_finding_add(ctx, "podman.version-timeout",
                                 SOURCEOS_SEV_CRITICAL,
                                 "'%s version' did not answer within %u ms",
                                 program, timeout_ms(ctx));
        sourceos_finding_remediation(
            f, "Podman hangs before doing anything: check its configuration "
               "(containers.conf) and any CONTAINER_HOST it is pointed at.");
        return SOURCEOS_ERROR;
    }
    client = sourceos_json_get(ctx, r->out, r->out_len, "Client.Version");
    if (!client) {
        first_line(r->err, why, sizeof why);
        f = sourceos_finding_add(ctx, "podman.version-unreadable",
                                 SOURCEOS_SEV_CRITICAL,
                                 "'%s version --format json' gave no client "
                                 "version (exit %d): %s",
                                 program, r->exit_status, why);
        sourceos_finding_remediation(
            f, "Run the command by hand to see what Podman says.");
        sourceos_finding_command(f, "podman version");
        return SOURCEOS_ERROR;
    }
    sourceos_fact_set(ctx, "podman.version", client);
    sourceos_fact_set(ctx, "podman.program", program);
    server = sourceos_json_get(ctx, r->out, r->out_len, "Server.Version");
    if (server)
        sourceos_fact_set(ctx, "podman.server_version", server);
    f = sourceos_finding_add(ctx, "podman.version", SOURCEOS_SEV_INFO,
                             "podman %s%s%s", client,
                             server ? ", server " : "", server ? server : "");
    sourceos_finding_evidence(f, "client", client);
    if (server)
        sourceos_finding_evidence(f, "server", server);
    return SOURCEOS_OK;
}

static const struct sourceos_check checks[] = {
    {"binary", "Podman is installed and answers 'podman version'", check_binary},
    {NULL, NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "podman-machine",
    .version = PACKAGE_VERSION,
    .checks = checks,
    .actions = NULL,
};
