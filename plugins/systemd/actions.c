/* systemd's actions (ABI 1.5): install or remove the agent's unit file and
 * drive its manager, each with its undo, for the lifecycle commands. Every
 * change goes through the core's change functions, so --dry-run and the
 * report see exactly what is done. Params: unit (the unit file's absolute
 * install path), user ("false" for the system manager), and for the file
 * actions source (the generated unit) and backup (where a replaced file is
 * kept, so undo can put it back); systemctl and timeout_ms optionally.
 *
 * The undos restore the state from before the transaction, not the inverse
 * of their step: the transaction's first step, prior, publishes the unit's
 * state (prior.enabled, prior.active, prior.invocation, prior.unit), which
 * the core keeps in the journal and hands every later phase as params
 * (ABI 1.5). What an undo takes down (disable, stop) it takes down only when
 * it was not up before, and before the files change back; what was up is
 * brought back once, by prior's undo, the last to run, after the files are
 * back and a daemon-reload. Without the record (a journal an older release
 * left) an undo is the inverse of its step, as in that release. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "systemd.h"

#define UNIT_MAX (256 * 1024)
#define ACTION_TIMEOUT_MS 60000

static int user_manager(sourceos_ctx *ctx)
{
    const char *u = sourceos_param(ctx, "user");
    return !u || strcmp(u, "false") != 0;
}

static const char *unit_name(const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    return slash ? slash + 1 : path;
}

static int fail(sourceos_ctx *ctx, const char *code, sourceos_severity sev, const char *format,
                ...) __attribute__((format(printf, 4, 5)));

static int fail(sourceos_ctx *ctx, const char *code, sourceos_severity sev, const char *format,
                ...)
{
    char message[1024];
    sourceos_finding *f;
    va_list ap;
    va_start(ap, format);
    vsnprintf(message, sizeof message, format, ap);
    va_end(ap);
    f = sourceos_finding_add(ctx, code, sev, "%s", message);
    sourceos_finding_remediation(f, "Nothing further was changed; what this step did is undone "
                                    "by the lifecycle command (see its report).");
    return -1;
}

/* Why the command C did not succeed, in words, into WHY. */
static void why_failed(const struct sourceos_cmd *c, char *why, size_t size)
{
    if (c->not_started)
        snprintf(why, size, "it could not be run: %s", strerror(c->start_errno));
    else if (c->timed_out)
        snprintf(why, size, "it did not finish within %d s", ACTION_TIMEOUT_MS / 1000);
    else
        snprintf(why, size, "exit %d: %.*s", c->exit_status,
                 (int)strcspn(c->err_len ? c->err : c->out, "\n"), c->err_len ? c->err : c->out);
}

/* systemctl [--user] VERB UNIT (UNIT NULL: none); a failure is a finding
 * unless QUIET. */
static int systemctl_run(sourceos_ctx *ctx, const char *verb, const char *unit, int quiet)
{
    const char *prog = sourceos_param(ctx, "systemctl");
    const char *argv[6];
    const struct sourceos_cmd *c;
    char shown[512], why[256];
    size_t n = 0;
    argv[n++] = prog ? prog : "systemctl";
    if (user_manager(ctx))
        argv[n++] = "--user";
    argv[n++] = verb;
    if (unit)
        argv[n++] = unit;
    argv[n] = NULL;
    c = sourceos_run_change(ctx, argv, NULL, ACTION_TIMEOUT_MS);
    if (c->planned || (!c->not_started && !c->timed_out && c->exit_status == 0))
        return 0;
    /* Stopping or disabling what is not there is done: uninstall twice is
     * fine, and an undo after a partial install finds less than it undoes. */
    if (!c->not_started && !c->timed_out && unit &&
        (strcmp(verb, "stop") == 0 || strcmp(verb, "disable") == 0) &&
        (strstr(c->err, "not loaded") || strstr(c->err, "does not exist") ||
         strstr(c->err, "No such file")))
        return 0;
    if (quiet)
        return -1;
    snprintf(shown, sizeof shown, "systemctl%s %s%s%s", user_manager(ctx) ? " --user" : "", verb,
             unit ? " " : "", unit ? unit : "");
    why_failed(c, why, sizeof why);
    return fail(ctx, "systemd.action-failed", SOURCEOS_SEV_CRITICAL, "`%s` failed: %s", shown, why);
}

static int systemctl(sourceos_ctx *ctx, const char *verb, const char *unit)
{
    return systemctl_run(ctx, verb, unit, 0);
}

/* The directories of PATH that do not exist yet are made (0755; a user's
 * ~/.config 0700), parent first. */
static int make_parents(sourceos_ctx *ctx, const char *path)
{
    char dir[4096];
    const char *home = sourceos_getenv(ctx, "HOME");
    size_t len = strrchr(path, '/') ? (size_t)(strrchr(path, '/') - path) : 0;
    if (len == 0 || len >= sizeof dir)
        return 0;
    memcpy(dir, path, len);
    dir[len] = '\0';
    if (sourceos_host_path(ctx, dir))
        return 0;
    if (make_parents(ctx, dir) != 0)
        return -1;
    {
        char config[4096];
        snprintf(config, sizeof config, "%s/.config", home ? home : "");
        if (sourceos_make_dir(ctx, dir, home && strcmp(dir, config) == 0 ? 0700 : 0755) != 0)
            return fail(ctx, "systemd.action-failed", SOURCEOS_SEV_CRITICAL, "cannot make the directory %s", dir);
    }
    return 0;
}

/* The file at PATH now, to keep before it is replaced; NULL when none. */
static const char *current_file(sourceos_ctx *ctx, const char *path, size_t *len)
{
    const char *data;
    return sourceos_read_file(ctx, path, UNIT_MAX, &data, len) == 0 ? data : NULL;
}

/* ---- the state before the transaction ------------------------------------- */

/* What prior recorded, from the params the core hands on (none: known 0). */
struct prior {
    int known;
    int enabled;           /* UnitFileState was enabled */
    int active;            /* ActiveState was active, activating, reloading or refreshing */
    const char *unit;      /* the unit file in place: absent, same (the generated one), other */
    const char *invocation; /* the running invocation's id, or "none" */
};

static void read_prior(sourceos_ctx *ctx, struct prior *p)
{
    const char *enabled = sourceos_param(ctx, "prior.enabled");
    const char *active = sourceos_param(ctx, "prior.active");
    memset(p, 0, sizeof *p);
    p->unit = sourceos_param(ctx, "prior.unit");
    p->invocation = sourceos_param(ctx, "prior.invocation");
    p->known = enabled && active && p->unit && p->invocation;
    p->enabled = enabled && strcmp(enabled, "true") == 0;
    p->active = active && strcmp(active, "true") == 0;
}

/* The unit's state as the manager says it now. */
struct unit_state {
    int enabled, active;
    char invocation[64];
};

/* The value of KEY=VALUE in `systemctl show` output OUT, into V. */
static void show_value(const char *out, const char *key, char *v, size_t size)
{
    size_t klen = strlen(key);
    v[0] = '\0';
    for (const char *line = out; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (strncmp(line, key, klen) == 0 && line[klen] == '=') {
            snprintf(v, size, "%.*s", (int)strcspn(line + klen + 1, "\n"), line + klen + 1);
            return;
        }
}

/* One `systemctl [--user] show` of the unit: its enablement, activity and
 * invocation (an absent unit reads as disabled and inactive). -1 with a
 * finding when the manager cannot be asked. */
static int unit_state(sourceos_ctx *ctx, const char *unit, struct unit_state *s)
{
    const char *prog = sourceos_param(ctx, "systemctl");
    const char *argv[12];
    const struct sourceos_cmd *c;
    char v[64];
    size_t n = 0;
    argv[n++] = prog ? prog : "systemctl";
    if (user_manager(ctx))
        argv[n++] = "--user";
    argv[n++] = "show";
    argv[n++] = "-p";
    argv[n++] = "UnitFileState";
    argv[n++] = "-p";
    argv[n++] = "ActiveState";
    argv[n++] = "-p";
    argv[n++] = "InvocationID";
    argv[n++] = unit_name(unit);
    argv[n] = NULL;
    c = sourceos_run(ctx, argv, NULL, ACTION_TIMEOUT_MS);
    if (c->not_started || c->timed_out || c->exit_status != 0) {
        char why[256];
        why_failed(c, why, sizeof why);
        return fail(ctx, "systemd.action-failed", SOURCEOS_SEV_CRITICAL,
                    "cannot ask the manager about %s: `systemctl%s show` failed: %s",
                    unit_name(unit), user_manager(ctx) ? " --user" : "", why);
    }
    show_value(c->out, "UnitFileState", v, sizeof v);
    s->enabled = strcmp(v, "enabled") == 0;
    show_value(c->out, "ActiveState", v, sizeof v);
    s->active = strcmp(v, "active") == 0 || strcmp(v, "activating") == 0 ||
                strcmp(v, "reloading") == 0 || strcmp(v, "refreshing") == 0;
    show_value(c->out, "InvocationID", s->invocation, sizeof s->invocation);
    if (!s->invocation[0])
        snprintf(s->invocation, sizeof s->invocation, "none");
    return 0;
}

/* Whether the unit file in place is the generated one: "absent", "same",
 * "other". */
static const char *unit_vs_source(sourceos_ctx *ctx, const char *unit)
{
    const char *source = sourceos_param(ctx, "source"), *a, *b;
    size_t la, lb;
    if (!(a = current_file(ctx, unit, &la)))
        return "absent";
    if (!source || !(b = current_file(ctx, source, &lb)))
        return "other";
    return la == lb && memcmp(a, b, la) == 0 ? "same" : "other";
}

/* prior: changes nothing; publishes the unit's state for the core to keep. */
static int prior(sourceos_ctx *ctx)
{
    const char *unit = sourceos_param(ctx, "unit");
    struct unit_state s;
    if (!unit)
        return fail(ctx, "systemd.action-params", SOURCEOS_SEV_CRITICAL, "prior needs the param unit");
    if (unit_state(ctx, unit, &s) != 0)
        return -1;
    if (sourceos_fact_set(ctx, "prior.enabled", s.enabled ? "true" : "false") != 0 ||
        sourceos_fact_set(ctx, "prior.active", s.active ? "true" : "false") != 0 ||
        sourceos_fact_set(ctx, "prior.invocation", s.invocation) != 0 ||
        sourceos_fact_set(ctx, "prior.unit", unit_vs_source(ctx, unit)) != 0)
        return fail(ctx, "systemd.action-failed", SOURCEOS_SEV_CRITICAL,
                    "cannot record the state of %s", unit_name(unit));
    return 0;
}

/* prior's undo, the last of a rollback: the files are back; the manager
 * reloads them and the unit is enabled and running as it was. A unit that
 * runs, but not the invocation that ran before while its unit file was
 * replaced in this transaction, is restarted: it may run the replaced
 * definition. No record (killed before it was written): nothing changed. */
static int undo_prior(sourceos_ctx *ctx)
{
    const char *unit = sourceos_param(ctx, "unit");
    struct prior p;
    struct unit_state now;
    read_prior(ctx, &p);
    if (!p.known)
        return 0;
    if (!unit)
        return fail(ctx, "systemd.action-params", SOURCEOS_SEV_CRITICAL, "prior needs the param unit");
    if (systemctl(ctx, "daemon-reload", NULL) != 0 || unit_state(ctx, unit, &now) != 0)
        return -1;
    if (p.enabled != now.enabled &&
        systemctl(ctx, p.enabled ? "enable" : "disable", unit_name(unit)) != 0)
        return -1;
    if (!p.active)
        return now.active ? systemctl(ctx, "stop", unit_name(unit)) : 0;
    if (!now.active) {
        systemctl_run(ctx, "reset-failed", unit_name(unit), 1);
        return systemctl(ctx, "start", unit_name(unit));
    }
    if (strcmp(p.unit, "other") == 0 && strcmp(now.invocation, p.invocation) != 0)
        return systemctl(ctx, "restart", unit_name(unit));
    return 0;
}

static int install_unit(sourceos_ctx *ctx)
{
    const char *unit = sourceos_param(ctx, "unit"), *source = sourceos_param(ctx, "source");
    const char *backup = sourceos_param(ctx, "backup"), *text, *old;
    size_t len, old_len;
    int rc;
    if (!unit || !source)
        return fail(ctx, "systemd.action-params", SOURCEOS_SEV_CRITICAL, "install-unit needs the params unit and source");
    rc = sourceos_read_file(ctx, source, UNIT_MAX, &text, &len);
    if (rc != 0)
        return fail(ctx, "systemd.action-failed", SOURCEOS_SEV_CRITICAL, "cannot read the generated unit %s: %s",
                    source, strerror(rc < 0 ? -rc : EFBIG));
    old = current_file(ctx, unit, &old_len);
    if (old && old_len == len && memcmp(old, text, len) == 0) {
        /* Already in place: the undo must put back these same bytes, not
         * remove the file (nor restore an older backup). */
        if (backup && sourceos_write_file(ctx, backup, old, old_len, 0600) != 0)
            return fail(ctx, "systemd.action-failed", SOURCEOS_SEV_CRITICAL,
                        "cannot keep the unit in place as %s", backup);
        return 0;
    }
    /* Nothing replaced: a backup an earlier run left must not be "put
     * back" by this one's undo. */
    if (!old && backup && current_file(ctx, backup, &old_len) &&
        sourceos_remove_file(ctx, backup) != 0)
        return fail(ctx, "systemd.action-failed", SOURCEOS_SEV_CRITICAL,
                    "cannot remove the stale %s", backup);
    if (old && backup && sourceos_write_file(ctx, backup, old, old_len, 0600) != 0)
        return fail(ctx, "systemd.action-failed", SOURCEOS_SEV_CRITICAL, "cannot keep the unit it replaces as %s", backup);
    if (make_parents(ctx, unit) != 0)
        return -1;
    rc = sourceos_write_file(ctx, unit, text, len, 0644);
    return rc == 0 ? 0
                   : fail(ctx, "systemd.action-failed", SOURCEOS_SEV_CRITICAL, "cannot write %s: %s", unit,
                          strerror(-rc));
}

/* Whether the unit file in place is the generated one (or absent): what
 * undo may remove when nothing was kept. A file someone else wrote there is
 * never removed by an undo. */
static int is_ours(sourceos_ctx *ctx, const char *unit)
{
    const char *source = sourceos_param(ctx, "source"), *a, *b;
    size_t la, lb;
    if (!current_file(ctx, unit, &la))
        return 1;
    a = current_file(ctx, unit, &la);
    if (!source || sourceos_read_file(ctx, source, UNIT_MAX, &b, &lb) != 0)
        return 0;
    return la == lb && memcmp(a, b, la) == 0;
}

/* Undoes install-unit (and does remove-unit): the replaced file back when
 * one was kept, else no file. */
static int restore_unit(sourceos_ctx *ctx, int keep_backup)
{
    const char *unit = sourceos_param(ctx, "unit"), *backup = sourceos_param(ctx, "backup");
    const char *old = NULL;
    size_t len = 0;
    int rc;
    if (!unit)
        return fail(ctx, "systemd.action-params", SOURCEOS_SEV_CRITICAL, "the action needs the param unit");
    if (backup && !keep_backup)
        old = current_file(ctx, backup, &len);
    if (!old && !is_ours(ctx, unit))
        return 0; /* not the file install wrote (it died before writing): left alone */
    rc = old ? sourceos_write_file(ctx, unit, old, len, 0644) : sourceos_remove_file(ctx, unit);
    if (rc == 0 && old)
        rc = sourceos_remove_file(ctx, backup);
    return rc == 0 ? 0
                   : fail(ctx, "systemd.action-failed", SOURCEOS_SEV_CRITICAL, "cannot restore %s: %s", unit,
                          strerror(-rc));
}

static int undo_install(sourceos_ctx *ctx)
{
    return restore_unit(ctx, 0);
}

/* remove-unit: the unit file goes, kept as backup for its undo. */
static int remove_unit(sourceos_ctx *ctx)
{
    const char *unit = sourceos_param(ctx, "unit"), *backup = sourceos_param(ctx, "backup");
    const char *old;
    size_t len;
    int rc;
    if (!unit)
        return fail(ctx, "systemd.action-params", SOURCEOS_SEV_CRITICAL, "remove-unit needs the param unit");
    old = current_file(ctx, unit, &len);
    if (old && backup && sourceos_write_file(ctx, backup, old, len, 0600) != 0)
        return fail(ctx, "systemd.action-failed", SOURCEOS_SEV_CRITICAL, "cannot keep %s before removing it", unit);
    /* Nothing to remove: a backup an earlier run left must not come back. */
    if (!old && backup && current_file(ctx, backup, &len) &&
        sourceos_remove_file(ctx, backup) != 0)
        return fail(ctx, "systemd.action-failed", SOURCEOS_SEV_CRITICAL,
                    "cannot remove the stale %s", backup);
    rc = sourceos_remove_file(ctx, unit);
    return rc == 0 ? 0
                   : fail(ctx, "systemd.action-failed", SOURCEOS_SEV_CRITICAL, "cannot remove %s: %s", unit,
                          strerror(-rc));
}

static int undo_remove(sourceos_ctx *ctx)
{
    const char *unit = sourceos_param(ctx, "unit"), *backup = sourceos_param(ctx, "backup");
    const char *old;
    size_t len;
    if (!unit || !backup || !(old = current_file(ctx, backup, &len)))
        return 0; /* nothing was kept: there was no file */
    if (sourceos_write_file(ctx, unit, old, len, 0644) != 0)
        return fail(ctx, "systemd.action-failed", SOURCEOS_SEV_CRITICAL, "cannot put %s back", unit);
    return sourceos_remove_file(ctx, backup) == 0 ? 0 : -1;
}

/* restore-unit (release): the unit file a quarantine moved aside (backup)
 * put back, 0644; its undo moves it aside again. Nothing to restore is a
 * failure, and a file someone put there since is never overwritten. */
static int put_back_unit(sourceos_ctx *ctx)
{
    const char *unit = sourceos_param(ctx, "unit"), *backup = sourceos_param(ctx, "backup");
    const char *old;
    size_t len, here;
    if (!unit || !backup)
        return fail(ctx, "systemd.action-params", SOURCEOS_SEV_CRITICAL,
                    "restore-unit needs the params unit and backup");
    if (!(old = current_file(ctx, backup, &len)))
        return fail(ctx, "systemd.action-failed", SOURCEOS_SEV_CRITICAL,
                    "nothing to restore: %s is not there", backup);
    if (current_file(ctx, unit, &here))
        return fail(ctx, "systemd.action-failed", SOURCEOS_SEV_CRITICAL,
                    "%s exists again: it is left as it is, and %s is kept", unit, backup);
    if (sourceos_write_file(ctx, unit, old, len, 0644) != 0)
        return fail(ctx, "systemd.action-failed", SOURCEOS_SEV_CRITICAL, "cannot put %s back", unit);
    return sourceos_remove_file(ctx, backup) == 0 ? 0 : -1;
}

static int manager_verb(sourceos_ctx *ctx, const char *verb)
{
    const char *unit = sourceos_param(ctx, "unit");
    if (!unit)
        return fail(ctx, "systemd.action-params", SOURCEOS_SEV_CRITICAL, "the action needs the param unit");
    return systemctl(ctx, verb, unit_name(unit));
}

static int daemon_reload(sourceos_ctx *ctx) { return systemctl(ctx, "daemon-reload", NULL); }
static int enable(sourceos_ctx *ctx) { return manager_verb(ctx, "enable"); }
static int disable(sourceos_ctx *ctx) { return manager_verb(ctx, "disable"); }
static int stop(sourceos_ctx *ctx) { return manager_verb(ctx, "stop"); }
static int mask(sourceos_ctx *ctx) { return manager_verb(ctx, "mask"); }
static int unmask(sourceos_ctx *ctx) { return manager_verb(ctx, "unmask"); }

/* A start limit hit by an earlier run would refuse the start: cleared
 * first (a unit that is not failed has nothing to clear: not an error). A
 * unit that was running when this transaction replaced its file (it is the
 * generated one now) is restarted: `start` of a running unit does nothing,
 * and the new generation would not be in service. */
static int start(sourceos_ctx *ctx)
{
    const char *unit = sourceos_param(ctx, "unit");
    struct prior p;
    read_prior(ctx, &p);
    if (unit)
        systemctl_run(ctx, "reset-failed", unit_name(unit), 1);
    if (unit && p.known && p.active && strcmp(p.unit, "other") == 0 &&
        strcmp(unit_vs_source(ctx, unit), "same") == 0)
        return manager_verb(ctx, "restart");
    return manager_verb(ctx, "start");
}

/* The undos of the manager's verbs, by the prior record: what the step
 * brought up is taken down only when it was not up before (and now,
 * before an undo removes the unit file: never an enabled or running unit
 * without its file); what it took down is left to prior's undo, which
 * brings it back after the files and a daemon-reload. */
static int undo_enable(sourceos_ctx *ctx)
{
    struct prior p;
    read_prior(ctx, &p);
    return p.known && p.enabled ? 0 : disable(ctx);
}

static int undo_disable(sourceos_ctx *ctx)
{
    struct prior p;
    read_prior(ctx, &p);
    return p.known ? 0 : enable(ctx);
}

static int undo_start(sourceos_ctx *ctx)
{
    struct prior p;
    read_prior(ctx, &p);
    return p.known && p.active ? 0 : stop(ctx);
}

static int undo_stop(sourceos_ctx *ctx)
{
    struct prior p;
    read_prior(ctx, &p);
    return p.known ? 0 : start(ctx);
}

static int undo_daemon_reload(sourceos_ctx *ctx)
{
    struct prior p;
    read_prior(ctx, &p);
    return p.known ? 0 : daemon_reload(ctx);
}

const struct sourceos_action systemd_actions[] = {
    {"prior",
     "Records the unit's state (enabled, running, its file) for the later steps and the "
     "undos; its undo brings that state back",
     prior, prior, undo_prior},
    {"install-unit", "Writes the agent's generated unit file in place (keeping one it replaces)",
     install_unit, install_unit, undo_install},
    {"remove-unit", "Removes the agent's unit file (kept for the undo)", remove_unit, remove_unit,
     undo_remove},
    {"daemon-reload", "systemctl [--user] daemon-reload", daemon_reload, daemon_reload,
     undo_daemon_reload},
    {"enable", "systemctl [--user] enable UNIT", enable, enable, undo_enable},
    {"disable", "systemctl [--user] disable UNIT", disable, disable, undo_disable},
    {"start",
     "systemctl [--user] reset-failed and start UNIT (restart when it runs and this "
     "transaction replaced its file)",
     start, start, undo_start},
    {"stop", "systemctl [--user] stop UNIT", stop, stop, undo_stop},
    {"restore-unit", "Puts back the unit file a quarantine moved aside (its undo: aside again)",
     put_back_unit, put_back_unit, remove_unit},
    {"mask", "systemctl [--user] mask UNIT (its undo: unmask)", mask, mask, unmask},
    {"unmask", "systemctl [--user] unmask UNIT (its undo: mask)", unmask, unmask, mask},
    {NULL, NULL, NULL, NULL, NULL},
};
