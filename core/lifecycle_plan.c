#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "lifecycle_plan.h"

#define SD(step) {step, "systemd", step}
#define LD(step) {step, "launchd", step}

/* Every transaction begins with `prior`: it changes nothing and records
 * the service manager's state for the agent (enabled, running, the service
 * definition in place) in the journal, for the later steps (start restarts
 * a running agent whose definition this transaction replaced) and for the
 * undos, which put back that state rather than the inverse of each step;
 * its own undo, the last to run, re-establishes it once the files are
 * back. Killed before the record is written, nothing was changed yet. */
static const struct sos_lc_step sd_install[] = {SD("prior"), SD("install-unit"),
                                                SD("daemon-reload")};
static const struct sos_lc_step sd_enable[] = {SD("prior"), SD("enable")};
static const struct sos_lc_step sd_start[] = {SD("prior"), SD("start")};
static const struct sos_lc_step sd_stop[] = {SD("prior"), SD("stop")};
static const struct sos_lc_step sd_restart[] = {SD("prior"), SD("stop"), SD("start")};
static const struct sos_lc_step sd_uninstall[] = {SD("prior"), SD("stop"), SD("disable"),
                                                  SD("remove-unit"), SD("daemon-reload")};
static const struct sos_lc_step sd_activate[] = {SD("prior"), SD("install-unit"),
                                                 SD("daemon-reload"), SD("enable"), SD("start")};
/* repair: the service definition put back, and enabled / started again
 * when state.json says it was enabled */
static const struct sos_lc_step sd_repair_installed[] = {SD("prior"), SD("install-unit"),
                                                         SD("daemon-reload")};
static const struct sos_lc_step sd_repair_enabled[] = {SD("prior"), SD("install-unit"),
                                                       SD("daemon-reload"), SD("enable"),
                                                       SD("start")};
/* quarantine: stopped, disabled, the unit moved aside (UNIT.disabled, the
 * backup param) and, with --mask, masked; release composes its steps from
 * the record (sos_lc_step_named) */
static const struct sos_lc_step sd_quarantine[] = {SD("prior"), SD("stop"), SD("disable"),
                                                   SD("remove-unit"), SD("daemon-reload")};
static const struct sos_lc_step sd_quarantine_mask[] = {SD("prior"),       SD("stop"),
                                                        SD("disable"),     SD("remove-unit"),
                                                        SD("mask"),        SD("daemon-reload")};
static const struct sos_lc_step sd_all[] = {SD("prior"),         SD("install-unit"),
                                            SD("remove-unit"),   SD("daemon-reload"),
                                            SD("enable"),        SD("disable"),
                                            SD("start"),         SD("stop"),
                                            SD("restore-unit"),  SD("mask"),
                                            SD("unmask")};

static const struct sos_lc_step ld_install[] = {LD("prior"), LD("install-plist")};
static const struct sos_lc_step ld_enable[] = {LD("prior"), LD("enable"), LD("bootstrap")};
/* stop is a bootout (a KeepAlive job that is only killed is started again),
 * so start loads the job first; a bootstrap of a job loaded from our plist
 * counts as done. kickstart -k kills a running instance and starts it. */
static const struct sos_lc_step ld_start[] = {LD("prior"), LD("bootstrap"), LD("kickstart")};
static const struct sos_lc_step ld_stop[] = {LD("prior"), LD("bootout")};
static const struct sos_lc_step ld_restart[] = {LD("prior"), LD("bootstrap"), LD("kickstart")};
/* No disable: launchd keeps an override after the plist is gone, and a
 * disabled one would refuse the next activate's preflight. */
static const struct sos_lc_step ld_uninstall[] = {LD("prior"), LD("bootout"), LD("remove-plist")};
/* bootstrap loads the new plist (a job loaded from the plist this
 * transaction replaced is booted out first); kickstart -k then restarts it */
static const struct sos_lc_step ld_activate[] = {LD("prior"), LD("install-plist"), LD("enable"),
                                                 LD("bootstrap"), LD("kickstart")};
static const struct sos_lc_step ld_repair_installed[] = {LD("prior"), LD("install-plist")};
static const struct sos_lc_step ld_repair_enabled[] = {LD("prior"), LD("install-plist"),
                                                       LD("enable"), LD("bootstrap"),
                                                       LD("kickstart")};
/* quarantine: booted out, a disabled override, the plist moved aside
 * (LABEL.plist.disabled, the backup param) */
static const struct sos_lc_step ld_quarantine[] = {LD("prior"), LD("bootout"), LD("disable"),
                                                   LD("remove-plist")};
static const struct sos_lc_step ld_all[] = {LD("prior"),   LD("install-plist"), LD("remove-plist"),
                                            LD("enable"),  LD("disable"),       LD("bootstrap"),
                                            LD("bootout"), LD("kickstart"),     LD("restore-plist")};

#define N(a) (sizeof a / sizeof a[0])

struct plan {
    const char *transaction;
    const struct sos_lc_step *sd, *ld;
    size_t n_sd, n_ld;
};

static const struct plan plans[] = {
    {"install", sd_install, ld_install, N(sd_install), N(ld_install)},
    {"enable", sd_enable, ld_enable, N(sd_enable), N(ld_enable)},
    {"start", sd_start, ld_start, N(sd_start), N(ld_start)},
    {"stop", sd_stop, ld_stop, N(sd_stop), N(ld_stop)},
    {"restart", sd_restart, ld_restart, N(sd_restart), N(ld_restart)},
    {"uninstall", sd_uninstall, ld_uninstall, N(sd_uninstall), N(ld_uninstall)},
    {"activate", sd_activate, ld_activate, N(sd_activate), N(ld_activate)},
    {"repair-installed", sd_repair_installed, ld_repair_installed, N(sd_repair_installed),
     N(ld_repair_installed)},
    {"repair-enabled", sd_repair_enabled, ld_repair_enabled, N(sd_repair_enabled),
     N(ld_repair_enabled)},
    {"quarantine", sd_quarantine, ld_quarantine, N(sd_quarantine), N(ld_quarantine)},
    {"quarantine-mask", sd_quarantine_mask, ld_quarantine, N(sd_quarantine_mask),
     N(ld_quarantine)},
};

const struct sos_lc_step *sos_lc_plan(enum sos_agent_backend backend, const char *transaction,
                                      size_t *n)
{
    for (size_t i = 0; i < N(plans); i++)
        if (strcmp(plans[i].transaction, transaction) == 0) {
            int launchd = backend == SOS_BACKEND_LAUNCHD;
            *n = launchd ? plans[i].n_ld : plans[i].n_sd;
            return launchd ? plans[i].ld : plans[i].sd;
        }
    *n = 0;
    return NULL;
}

const struct sos_lc_step *sos_lc_all_steps(enum sos_agent_backend backend, size_t *n)
{
    int launchd = backend == SOS_BACKEND_LAUNCHD;
    *n = launchd ? N(ld_all) : N(sd_all);
    return launchd ? ld_all : sd_all;
}

const struct sos_lc_step *sos_lc_step_named(enum sos_agent_backend backend, const char *name)
{
    size_t n;
    const struct sos_lc_step *all = sos_lc_all_steps(backend, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(all[i].name, name) == 0)
            return &all[i];
    return NULL;
}

void sos_lc_params_free(struct sos_param *params, size_t n)
{
    for (size_t i = 0; params && i < n; i++) {
        free(params[i].key);
        free(params[i].values[0]);
        free(params[i].values);
    }
    free(params);
}

static int put(struct sos_param *p, size_t *n, const char *key, const char *value)
{
    struct sos_param *d = &p[*n];
    memset(d, 0, sizeof *d);
    d->key = strdup(key);
    d->values = calloc(1, sizeof *d->values);
    if (!d->key || !d->values || !(d->values[0] = strdup(value))) {
        free(d->key);
        free(d->values);
        return -1;
    }
    d->n_values = 1;
    (*n)++;
    return 0;
}

int sos_lc_params(const struct sos_agent_model *m, enum sos_agent_backend backend,
                  const char *gen_dir, struct sos_param **params, size_t *n, sos_error *err)
{
    int launchd = backend == SOS_BACKEND_LAUNCHD;
    char *file = launchd ? sos_gen_plist_name(m, err) : sos_gen_unit_name(m, err);
    char source[4096], backup[4096];
    struct sos_param *p = calloc(6, sizeof *p);
    int rc = 0;
    *params = NULL;
    *n = 0;
    if (!file || !p) {
        free(file);
        free(p);
        return file ? sos_fail(err, "out of memory") : -1;
    }
    snprintf(source, sizeof source, "%s/%s", gen_dir, file);
    snprintf(backup, sizeof backup, "%s/replaced-%s", gen_dir, file);
    free(file);
    rc |= put(p, n, launchd ? "plist" : "unit", launchd ? m->service.plist : m->service.unit);
    rc |= put(p, n, "source", source);
    rc |= put(p, n, "backup", backup);
    rc |= put(p, n, "user", m->scope == SOS_SCOPE_USER ? "true" : "false");
    if (launchd)
        rc |= put(p, n, "label", m->label);
    if (rc != 0) {
        sos_lc_params_free(p, *n);
        *n = 0;
        return sos_fail(err, "out of memory");
    }
    *params = p;
    return 0;
}
