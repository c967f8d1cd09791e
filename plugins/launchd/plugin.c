/* launchd: lints launchd service definitions (plists) and reads a job's
 * live state from launchctl. */
#include "config.h"

#include "launchd.h"
#include "../common/log_view.h"

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
    {"jobs", "Every job the scan finds, declared or not, as launchd runs it: "
             "not respawning in a loop or failing, not loaded from a plist "
             "that is gone, not loaded while disabled, one plist per label",
     launchd_check_jobs},
    {"label-disabled", "The agent's label is not disabled in its domain (the override "
                       "files; launchctl print-disabled on this machine)",
     launchd_check_label_disabled},
    {"label-conflict", "No other plist in the launch directories takes the agent's label",
     launchd_check_label_conflict},
    {"logs", "The tail of each of the agent's log files (param files), repeated "
             "failures collapsed",
     log_view_check},
    {NULL, NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "launchd",
    .version = PACKAGE_VERSION,
    .checks = checks,
    .actions = launchd_actions,
};
