/* podman.binary: Podman is installed, and which version it is. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "podman.h"

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

/* The version-dependent behaviour the other checks rely on, as evidence. */
static void note_behaviour(sourceos_finding *f, const char *version)
{
    sourceos_finding_evidence(
        f, "authfile",
        plugin_version_at_least(version, 4, 4)
            ? "--authfile stops the later auth files being read"
            : "before 4.4: --authfile does not stop the later auth files "
              "(XDG, Docker config) being read");
    sourceos_finding_evidence(f, "machine_config",
                              plugin_version_at_least(version, 5, 0)
                                  ? "ConfigDir (5.0+)"
                                  : "ConfigPath (before 5.0)");
    if (plugin_version_at_least(version, 5, 3))
        sourceos_finding_evidence(f, "remote_socket",
                                  "podman info's remoteSocket.exists is "
                                  "unreliable (5.3+); the socket is probed "
                                  "directly");
}

sourceos_status podman_check_binary(sourceos_ctx *ctx)
{
    const char *program = podman_program(ctx);
    const char *argv[] = {program, "--version", NULL};
    const struct sourceos_cmd *r =
        sourceos_run(ctx, argv, NULL, podman_timeout_ms(ctx));
    char version[64], why[256];
    sourceos_finding *f;

    if (r->not_started)
        return report_missing(ctx, program, r->start_errno);
    if (r->timed_out) {
        f = sourceos_finding_add(ctx, "podman.version-timeout",
                                 SOURCEOS_SEV_CRITICAL,
                                 "'%s --version' did not answer within %u ms",
                                 program, podman_timeout_ms(ctx));
        sourceos_finding_remediation(
            f, "Podman hangs before doing anything: check its configuration "
               "(containers.conf).");
        return SOURCEOS_ERROR;
    }
    if (r->exit_status != 0 || podman_parse_version(r->out, version, sizeof version) != 0) {
        podman_first_line(r->err_len ? r->err : r->out, why, sizeof why);
        f = sourceos_finding_add(ctx, "podman.version-unreadable",
                                 SOURCEOS_SEV_CRITICAL,
                                 "'%s --version' gave no version (exit %d): %s",
                                 program, r->exit_status, why);
        sourceos_finding_remediation(
            f, "Run the command by hand to see what Podman says.");
        sourceos_finding_command(f, "podman --version");
        return SOURCEOS_ERROR;
    }
    sourceos_fact_set(ctx, "podman.version", version);
    sourceos_fact_set(ctx, "podman.program", program);
    f = sourceos_finding_add(ctx, "podman.version", SOURCEOS_SEV_INFO,
                             "podman %s", version);
    sourceos_finding_evidence(f, "version", version);
    note_behaviour(f, version);
    return SOURCEOS_OK;
}
