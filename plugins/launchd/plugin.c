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

/* The params each check reads (ABI 1.4): a checks.d entry that gives its
 * check any other param is refused, with where it is written. */
static const char *const lint_keys[] = {"plist", "log_tail_bytes", "log_tail_lines", "log_repeat_threshold", NULL};
static const char *const scan_keys[] = {"log_tail_bytes", "log_tail_lines", "log_repeat_threshold", NULL};
static const char *const state_keys[] = {"label", "domain", "uid", "launchctl", "timeout_ms", "runs_limit", NULL};
static const char *const overrides_keys[] = {"loaded", NULL};
static const char *const jobs_keys[] = {"uid", "launchctl", "timeout_ms", "runs_limit", "max_jobs", "log_tail_bytes", "log_tail_lines", "log_repeat_threshold", NULL};
static const char *const label_disabled_keys[] = {"label", "plist", "domain", "uid", "user", "scope", "account", "launchctl", "timeout_ms", NULL};
static const char *const label_conflict_keys[] = {"label", "plist", NULL};
static const char *const logs_keys[] = {"files", "lines", NULL};

/* The actions (actions.c): read_act() takes label, plist, user, uid and
 * launchctl for every one of them; the file actions also source and backup. */
static const char *const plist_file_keys[] = {"label", "plist", "user", "uid", "launchctl",
                                              "timeout_ms", "source", "backup", NULL};
static const char *const service_keys[] = {"label", "plist", "user", "uid", "launchctl",
                                           "timeout_ms", NULL};
/* The steps whose apply or undo reads the prior record (ABI 1.5: the facts
 * prior published, handed on by the core as params). */
static const char *const prior_keys[] = {"label", "plist", "user", "uid", "launchctl",
                                         "timeout_ms", "source", "prior.disabled",
                                         "prior.loaded", "prior.running", "prior.pid",
                                         "prior.plist", NULL};
static const char *const by_prior_keys[] = {"label", "plist", "user", "uid", "launchctl",
                                            "timeout_ms", "prior.disabled", "prior.loaded",
                                            "prior.running", "prior.pid", "prior.plist", NULL};

static const struct sourceos_params params[] = {
    {"lint", lint_keys},
    {"scan", scan_keys},
    {"state", state_keys},
    {"overrides", overrides_keys},
    {"jobs", jobs_keys},
    {"label-disabled", label_disabled_keys},
    {"label-conflict", label_conflict_keys},
    {"logs", logs_keys},
    {"install-plist", plist_file_keys},
    {"remove-plist", plist_file_keys},
    {"prior", prior_keys},
    {"enable", by_prior_keys},
    {"disable", by_prior_keys},
    {"bootstrap", prior_keys},
    {"bootout", by_prior_keys},
    {"kickstart", service_keys},
    {NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "launchd",
    .version = PACKAGE_VERSION,
    .checks = checks,
    .actions = launchd_actions,
    .params = params,
};
