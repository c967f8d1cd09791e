/* wsl2: Windows Subsystem for Linux, from both sides. Inside a distro:
 * which WSL it is, whether Windows programs are reachable and whether
 * systemd runs (inside.c), and Windows credential helpers that podman or
 * docker would reach through interop (interop.c). From Windows or WSL:
 * the Podman machine's own distro as `wsl.exe -l -v` lists it (distro.c). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "wsl2.h"

int wsl_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > WSL_NAME_MAX - 8)
        return 0;
    if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') ||
          (name[0] >= '0' && name[0] <= '9')))
        return 0;
    return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789_.-") == n;
}

void wsl_command_no_windows_path(sourceos_finding *f)
{
    sourceos_finding_command(
        f, "sudo sh -c 'printf \"\\n[interop]\\nappendWindowsPath=false\\n\" >> /etc/wsl.conf'");
    sourceos_finding_command(f, "wsl.exe --shutdown");
}

static const struct sourceos_check checks[] = {
    {"inside", "Inside WSL: WSL 2, interop, systemd and the Windows PATH as wsl.conf sets them",
     wsl_check_inside},
    {"interop", "No Windows credential helper is reachable through WSL interop",
     wsl_check_interop},
    {"distro", "The Podman machine's WSL distro exists, runs and is WSL 2",
     wsl_check_distro},
    {NULL, NULL, NULL},
};

/* The params each check reads (ABI 1.4): a checks.d entry that gives its
 * check any other param is refused, with where it is written. */
static const char *const no_keys[] = {NULL};
static const char *const distro_keys[] = {"machine", "wsl", "timeout_ms", NULL};

static const struct sourceos_params params[] = {
    {"inside", no_keys},
    {"interop", no_keys},
    {"distro", distro_keys},
    {NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "wsl2",
    .version = PACKAGE_VERSION,
    .checks = checks,
    .actions = NULL,
    .params = params,
};
