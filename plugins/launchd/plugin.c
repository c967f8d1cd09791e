/* launchd: lints launchd service definitions (plists) and reads a job's
 * live state from launchctl. */
#include "config.h"

#include <string.h>

#include "launchd.h"

/* ---- helpers every check shares ------------------------------------------ */

static int is_plain_word(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789/._-+:@%,", *s))
            return 0;
    return 1;
}

void launchd_shell_word(char *out, size_t size, const char *path)
{
    size_t n = 0;
    if (size == 0)
        return;
    if (is_plain_word(path)) {
        plugin_textf(out, size, "%s", path);
        return;
    }
    /* 'it'\''s': a quote inside ends the quoting, escapes itself, resumes. */
    out[n++] = '\'';
    for (const char *p = path; *p && n + 5 < size; p++) {
        if (*p == '\'') {
            memcpy(out + n, "'\\''", 4);
            n += 4;
        } else {
            out[n++] = *p;
        }
    }
    if (n + 1 < size)
        out[n++] = '\'';
    out[n] = '\0';
}

/* ---- the plugin ------------------------------------------------------------ */

static const struct sourceos_check checks[] = {
    {"lint", "The agent's launchd plist is safe: bounded respawn, private "
             "logs, right owner and mode, governed podman run",
     launchd_check_lint},
    {"scan", "Every plist in the launch directories (each user's "
             "LaunchAgents, /Library/LaunchAgents, /Library/LaunchDaemons) "
             "is linted",
     launchd_check_scan},
    {"state", "The agent's launchd job is loaded, enabled and not failing "
              "or respawning in a loop (launchctl print, print-disabled)",
     launchd_check_state},
    {"overrides", "launchd's disable overrides on disk (disabled.plist, "
                  "disabled.UID.plist), and stale ones for services that no "
                  "longer exist",
     launchd_check_overrides},
    {NULL, NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "launchd",
    .version = PACKAGE_VERSION,
    .checks = checks,
    .actions = NULL,
};
