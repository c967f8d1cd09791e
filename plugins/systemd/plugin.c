/* systemd: lints systemd unit files (the agent's own, and every service
 * installed in the standard locations) for the policy findings, and asks
 * the running manager about the agent's unit (live.c) and systemd's own
 * parser and security rating about its unit file (verify.c). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "../common/log_view.h"
#include "systemd.h"

sourceos_finding *systemd_note(sourceos_ctx *ctx, struct verdict *v,
                               const char *file, int line, const char *code,
                               sourceos_severity sev, const char *format, ...)
{
    char where[4200];
    sourceos_finding *f;
    va_list ap;
    /* FILE:LINE first, as compilers say it, so editors can jump there. */
    if (line > 0)
        plugin_textf(where, sizeof where, "%s:%d", file, line);
    else
        plugin_textf(where, sizeof where, "%s", file);
    va_start(ap, format);
    f = plugin_vnote(ctx, v, code, sev, where, format, ap);
    va_end(ap);
    sourceos_finding_path(f, file);
    return f;
}


static const struct sourceos_check checks[] = {
    {"lint", "The agent's systemd unit (and its drop-ins) is safe", systemd_check_lint},
    {"scan", "Every installed systemd service, whoever installed it, is safe",
     systemd_check_scan},
    {"state", "The agent's systemd unit is loaded, running and not in a respawn loop",
     systemd_check_state},
    {"units", "Every unit the scan finds, declared or not, as its manager runs it: not "
              "respawning in a loop, not failed, not loaded from a file that is gone",
     systemd_check_units},
    {"verify", "systemd's own parser accepts the agent's unit, and its exposure is bounded",
     systemd_check_verify},
    {"unit-masked", "The agent's unit (or its template) is not masked in its manager's unit "
                    "directories (systemctl is-enabled on this machine)",
     systemd_check_unit_masked},
    {"unit-conflict", "No other unit file, alias or drop-in in the unit directories claims "
                      "the agent's unit", systemd_check_unit_conflict},
    {"logs", "The tail of each of the agent's log files (param files), repeated failures "
             "collapsed", log_view_check},
    {NULL, NULL, NULL},
};

/* The params each check reads (ABI 1.4): a checks.d entry that gives its
 * check any other param is refused, with where it is written. */
static const char *const lint_keys[] = {"unit", "log_tail_bytes", "log_tail_lines", "log_repeat_threshold", NULL};
static const char *const scan_keys[] = {"log_tail_bytes", "log_tail_lines", "log_repeat_threshold", NULL};
static const char *const state_keys[] = {"unit", "user", "systemctl", "timeout_ms", "restart_limit", NULL};
static const char *const units_keys[] = {"systemctl", "timeout_ms", "restart_limit", "max_units", NULL};
static const char *const verify_keys[] = {"unit", "user", "systemd_analyze", "timeout_ms", "exposure_limit", NULL};
static const char *const unit_masked_keys[] = {"unit", "user", "systemctl", "timeout_ms", NULL};
static const char *const unit_conflict_keys[] = {"unit", "user", NULL};
static const char *const logs_keys[] = {"files", "lines", NULL};
/* The actions (actions.c). */
static const char *const unit_file_keys[] = {"unit", "source", "backup", NULL};
static const char *const remove_unit_keys[] = {"unit", "backup", NULL};
/* The steps whose apply or undo reads the prior record (ABI 1.5: the facts
 * prior published, handed on by the core as params). */
static const char *const prior_keys[] = {"unit", "source", "user", "systemctl",
                                         "prior.enabled", "prior.active", "prior.unit",
                                         "prior.invocation", NULL};
static const char *const by_prior_keys[] = {"unit", "user", "systemctl", "prior.enabled",
                                            "prior.active", "prior.unit", "prior.invocation",
                                            NULL};
static const char *const reload_by_prior_keys[] = {"user", "systemctl", "prior.enabled",
                                                   "prior.active", "prior.unit",
                                                   "prior.invocation", NULL};

static const struct sourceos_params params[] = {
    {"lint", lint_keys},
    {"scan", scan_keys},
    {"state", state_keys},
    {"units", units_keys},
    {"verify", verify_keys},
    {"unit-masked", unit_masked_keys},
    {"unit-conflict", unit_conflict_keys},
    {"logs", logs_keys},
    {"install-unit", unit_file_keys},
    {"remove-unit", remove_unit_keys},
    {"prior", prior_keys},
    {"daemon-reload", reload_by_prior_keys},
    {"enable", by_prior_keys},
    {"disable", by_prior_keys},
    {"start", prior_keys},
    {"stop", prior_keys},
    {NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "systemd",
    .version = PACKAGE_VERSION,
    .checks = checks,
    .actions = systemd_actions,
    .params = params,
};
