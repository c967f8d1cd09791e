/* launchd's actions (ABI 1.5): install or remove the agent's plist and drive
 * launchd with launchctl, each with its undo, for the lifecycle commands.
 * Every change goes through the core's change functions, so --dry-run and
 * the report see exactly what is done. Params: plist (the install path,
 * absolute), source (the generated plist), backup (where a replaced plist
 * is kept for the undo), label, user ("false": a daemon in the system
 * domain, else an agent in gui/UID), uid (default: this process's), and
 * launchctl and timeout_ms optionally.
 *
 * The undos restore the state from before the transaction, not the inverse
 * of their step: the transaction's first step, prior, publishes the job's
 * state (prior.disabled, prior.loaded, prior.running, prior.pid,
 * prior.plist), which the core keeps in the journal and hands every later
 * phase as params (ABI 1.5). What an undo takes down (bootout, disable) it
 * takes down only when it was not so before, and before the plist changes
 * back; what was up is brought back once, by prior's undo, the last to
 * run, after the plist is back. Without the record (a journal an older
 * release left) an undo is the inverse of its step, as in that release. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "launchd.h"

#define ACTION_TIMEOUT_MS 60000u
/* launchctl's "No such process" (bootout of a label that is not loaded,
 * service target) and "Could not find specified service" (older macOS). */
#define ERR_NO_SUCH_PROCESS 3
#define ERR_IO 5
#define ERR_IN_PROGRESS 37
/* A bootstrap while a bootout of the same label drains (launchd waits up to
 * the job's ExitTimeOut for it to exit) is answered 37 with nothing loaded:
 * tried again, this many times, this far apart (2 s in all). */
#define DRAIN_TRIES 10
#define DRAIN_WAIT_NS 200000000L

static int fail(sourceos_ctx *ctx, const char *code, sourceos_severity sev, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(sourceos_ctx *ctx, const char *code, sourceos_severity sev, const char *format, ...)
{
    char message[1024];
    sourceos_finding *f;
    va_list ap;
    va_start(ap, format);
    vsnprintf(message, sizeof message, format, ap);
    va_end(ap);
    f = sourceos_finding_add(ctx, code, sev, "%s", message);
    sourceos_finding_remediation(f, strcmp(code, "launchd.action-params") == 0
                                        ? "A bug in the caller of the action: report it."
                                        : "Nothing further was changed; what this step did is "
                                          "undone by the lifecycle command (see its report).");
    return -1;
}

/* ---- params ------------------------------------------------------------------ */

/* A from the params; NEED_LABEL and NEED_PLIST say which the action cannot
 * do without. A label goes into a service target (DOMAIN/LABEL), so it is
 * a reverse-DNS name without '/'; a uid is a number. */
static int read_act(sourceos_ctx *ctx, const char *action, int need_label, int need_plist,
                    struct launchd_act *a)
{
    const char *user = sourceos_param(ctx, "user"), *uid = sourceos_param(ctx, "uid");
    const char *prog = sourceos_param(ctx, "launchctl");
    memset(a, 0, sizeof *a);
    a->label = sourceos_param(ctx, "label");
    a->plist = sourceos_param(ctx, "plist");
    a->launchctl = prog && *prog ? prog : "launchctl";
    a->system = user && strcmp(user, "false") == 0;
    if (uid && (!*uid || strspn(uid, "0123456789") != strlen(uid) || strlen(uid) > 10))
        return fail(ctx, "launchd.action-params", SOURCEOS_SEV_CRITICAL,
                    "%s: the uid '%s' is not a number", action, uid);
    plugin_textf(a->uid, sizeof a->uid, "%s", a->system ? "0" : uid ? uid : "");
    if (!a->uid[0])
        plugin_textf(a->uid, sizeof a->uid, "%u", (unsigned)getuid());
    plugin_textf(a->domain, sizeof a->domain, a->system ? "system" : "gui/%s", a->uid);
    if ((need_label && !a->label) ||
        (a->label && (!launchd_target_word(a->label) || strchr(a->label, '/'))))
        return fail(ctx, "launchd.action-params", SOURCEOS_SEV_CRITICAL,
                    "%s needs the param label, a reverse-DNS name of [A-Za-z0-9._@:-] "
                    "(given: %s)",
                    action, a->label ? a->label : "none");
    if ((need_plist && !a->plist) || (a->plist && a->plist[0] != '/'))
        return fail(ctx, "launchd.action-params", SOURCEOS_SEV_CRITICAL,
                    "%s needs the param plist, the plist's absolute install path (given: %s)",
                    action, a->plist ? a->plist : "none");
    if (a->label)
        plugin_textf(a->service, sizeof a->service, "%s/%s", a->domain, a->label);
    return 0;
}

/* ---- running launchctl ----------------------------------------------------- */

/* Runs launchctl with WORDS as a change. 0 when it succeeded (or is only
 * planned); else launchd's error number (> 0) with *OUT the outcome and
 * SHOWN the command, or -1 after recording that it did not run to an exit. */
static int launchctl(sourceos_ctx *ctx, const struct launchd_act *a, const char *const words[],
                     const struct sourceos_cmd **out, char *shown, size_t size)
{
    const char *argv[8];
    const struct sourceos_cmd *c;
    size_t n = 0, used;
    argv[n++] = a->launchctl;
    for (size_t i = 0; words[i] && n < 7; i++)
        argv[n++] = words[i];
    argv[n] = NULL;
    used = (size_t)snprintf(shown, size, "launchctl");
    for (size_t i = 1; i < n && used < size; i++)
        used += (size_t)snprintf(shown + used, size - used, " %s", argv[i]);
    c = sourceos_run_change(ctx, argv, NULL,
                            plugin_param_uint(ctx, "timeout_ms", 1, 3600000, ACTION_TIMEOUT_MS));
    *out = c;
    if (c->planned || (!c->not_started && !c->timed_out && c->exit_status == 0))
        return 0;
    if (c->not_started)
        return fail(ctx, "launchd.action-failed", SOURCEOS_SEV_CRITICAL,
                    "`%s` could not be run: %s", shown, strerror(c->start_errno));
    if (c->timed_out || c->exit_status < 0)
        return fail(ctx, "launchd.action-failed", SOURCEOS_SEV_CRITICAL,
                    "`%s` %s after %.1f s: launchd is not answering", shown,
                    c->timed_out ? "did not finish" : "was killed", c->duration);
    return launchd_act_error(c) > 0 ? launchd_act_error(c) : ERR_IO;
}

/* launchctl WORDS; a refusal recorded as what it means. */
static int verb(sourceos_ctx *ctx, const struct launchd_act *a, const char *const words[])
{
    const struct sourceos_cmd *c;
    char shown[PATH_MAX + 256];
    int rc = launchctl(ctx, a, words, &c, shown, sizeof shown);
    return rc > 0 ? launchd_act_refused(ctx, a, shown, c) : rc;
}

/* The plist launchd loaded A's label from (`launchctl print`'s `path`),
 * into PATH; 0 when it is not loaded or launchctl does not say. */
static int loaded_from(sourceos_ctx *ctx, const struct launchd_act *a, char *path, size_t size)
{
    const char *argv[] = {a->launchctl, "print", a->service, NULL};
    const struct sourceos_cmd *c = sourceos_run(ctx, argv, NULL, ACTION_TIMEOUT_MS);
    struct launchd_job job;
    if (c->not_started || c->timed_out || c->exit_status != 0)
        return 0;
    memset(&job, 0, sizeof job);
    launchd_parse_print(c->out, c->out_len, &job);
    plugin_textf(path, size, "%s", job.path);
    return job.path[0] != '\0';
}

/* launchctl bootstrap DOMAIN PLIST. launchd refuses a label it has loaded
 * already (error 5, or 37 on newer macOS). When the job loaded is exactly
 * this plist, the bootstrap is treated as done: what is loaded is what this
 * step would load, and its undo (bootout) must still unload it, or a
 * rollback that removes the plist would leave a loaded job whose plist is
 * gone. (launchd keeps the definition it read at load: a plist changed
 * since takes effect after a bootout and bootstrap, which restart does.) */
static int bootstrap_job(sourceos_ctx *ctx, const struct launchd_act *a)
{
    const char *words[] = {"bootstrap", a->domain, a->plist, NULL};
    const struct timespec wait = {0, DRAIN_WAIT_NS};
    const struct sourceos_cmd *c;
    char shown[PATH_MAX + 256], from[PATH_MAX];
    sourceos_finding *f;
    int rc, loaded = 0;
    for (int tries = 1;; tries++) {
        if ((rc = launchctl(ctx, a, words, &c, shown, sizeof shown)) <= 0)
            return rc;
        loaded = (rc == ERR_IO || rc == ERR_IN_PROGRESS) && loaded_from(ctx, a, from, sizeof from);
        if (rc != ERR_IN_PROGRESS || loaded || tries == DRAIN_TRIES)
            break;
        nanosleep(&wait, NULL); /* draining: not loaded, not loadable yet */
    }
    if (!loaded)
        return launchd_act_refused(ctx, a, shown, c);
    if (strcmp(from, a->plist) == 0) {
        f = sourceos_finding_add(ctx, "launchd.action-already-loaded", SOURCEOS_SEV_INFO,
                                 "%s is loaded already from %s: nothing to bootstrap", a->service,
                                 a->plist);
        sourceos_finding_remediation(f, "Nothing; launchd runs the definition it read when it "
                                        "loaded the plist (a restart reloads it).");
        sourceos_finding_path(f, a->plist);
        return 0;
    }
    f = sourceos_finding_add(ctx, "launchd.action-failed", SOURCEOS_SEV_CRITICAL,
                             "`%s` failed (error %d): %s is loaded already, from %s, not from "
                             "%s",
                             shown, rc, a->service, from, a->plist);
    sourceos_finding_remediation(f, "Another plist took the label (an older install?): unload "
                                    "it, move that plist aside, then run the lifecycle command "
                                    "again.");
    sourceos_finding_command_argv(f,
                                  (const char *const[]){"launchctl", "bootout", a->service, NULL});
    sourceos_finding_evidence(f, "loaded_from", from);
    sourceos_finding_path(f, a->plist);
    return -1;
}

/* launchctl bootout DOMAIN/LABEL; a job that is not loaded (3, or 113 on
 * older macOS) is unloaded already: done. */
static int bootout_job(sourceos_ctx *ctx, const struct launchd_act *a)
{
    const char *words[] = {"bootout", a->service, NULL};
    const struct sourceos_cmd *c;
    char shown[PATH_MAX + 256];
    int rc = launchctl(ctx, a, words, &c, shown, sizeof shown);
    if (rc == ERR_NO_SUCH_PROCESS || rc == LAUNCHD_ERROR_NOT_LOADED)
        return 0;
    return rc > 0 ? launchd_act_refused(ctx, a, shown, c) : rc;
}

/* ---- the state before the transaction --------------------------------------- */

/* What prior recorded, from the params the core hands on (none: known 0). */
struct prior {
    int known;
    int disabled;      /* an override disabled the label */
    int loaded;        /* launchd had the label loaded */
    int running;       /* and its job was running */
    const char *pid;   /* its pid, or "none" */
    const char *plist; /* the plist in place: absent, same (the generated one), other */
};

static void read_prior(sourceos_ctx *ctx, struct prior *p)
{
    const char *disabled = sourceos_param(ctx, "prior.disabled");
    const char *loaded = sourceos_param(ctx, "prior.loaded");
    const char *running = sourceos_param(ctx, "prior.running");
    memset(p, 0, sizeof *p);
    p->pid = sourceos_param(ctx, "prior.pid");
    p->plist = sourceos_param(ctx, "prior.plist");
    p->known = disabled && loaded && running && p->pid && p->plist;
    p->disabled = disabled && strcmp(disabled, "true") == 0;
    p->loaded = loaded && strcmp(loaded, "true") == 0;
    p->running = running && strcmp(running, "true") == 0;
}

/* The label's state as launchd says it now. */
struct job_state {
    int disabled, loaded, running;
    char pid[32];
    char path[PATH_MAX]; /* the plist it was loaded from */
};

/* launchctl print-disabled DOMAIN and print DOMAIN/LABEL. A domain that
 * does not exist (no GUI login: 112, 125) has nothing loaded or disabled;
 * -1 with a finding when launchd cannot be asked. */
static int job_state(sourceos_ctx *ctx, const struct launchd_act *a, struct job_state *s)
{
    const char *overrides[] = {a->launchctl, "print-disabled", a->domain, NULL};
    const char *print[] = {a->launchctl, "print", a->service, NULL};
    unsigned timeout = plugin_param_uint(ctx, "timeout_ms", 1, 3600000, ACTION_TIMEOUT_MS);
    const struct sourceos_cmd *c = sourceos_run(ctx, overrides, NULL, timeout);
    struct launchd_job job;
    int error;
    memset(s, 0, sizeof *s);
    if (c->not_started || c->timed_out)
        return fail(ctx, "launchd.action-failed", SOURCEOS_SEV_CRITICAL,
                    "cannot ask launchd about %s: `launchctl print-disabled %s` %s", a->service,
                    a->domain, c->not_started ? "could not be run" : "did not finish");
    s->disabled = c->exit_status == 0 && launchd_parse_overrides(c->out, c->out_len, a->label) == 1;
    c = sourceos_run(ctx, print, NULL, timeout);
    if (c->not_started || c->timed_out)
        return fail(ctx, "launchd.action-failed", SOURCEOS_SEV_CRITICAL,
                    "cannot ask launchd about %s: `launchctl print %s` %s", a->service,
                    a->service, c->not_started ? "could not be run" : "did not finish");
    if (c->exit_status != 0) {
        error = launchd_act_error(c);
        if (error == LAUNCHD_ERROR_NOT_LOADED || error == ERR_NO_SUCH_PROCESS || error == 112 ||
            error == 125)
            return 0;
        return fail(ctx, "launchd.action-failed", SOURCEOS_SEV_CRITICAL,
                    "cannot tell whether launchd has %s loaded: `launchctl print %s` failed "
                    "(error %d)",
                    a->service, a->service, error);
    }
    memset(&job, 0, sizeof job);
    launchd_parse_print(c->out, c->out_len, &job);
    s->loaded = 1;
    s->running = strcmp(job.state, "running") == 0;
    plugin_textf(s->pid, sizeof s->pid, "%s", job.pid[0] && s->running ? job.pid : "none");
    plugin_textf(s->path, sizeof s->path, "%s", job.path);
    return 0;
}

static const char *current_file(sourceos_ctx *ctx, const char *path, size_t *len);

/* Whether the plist in place is the generated one: "absent", "same",
 * "other". */
static const char *plist_vs_source(sourceos_ctx *ctx, const char *plist)
{
    const char *source = sourceos_param(ctx, "source"), *a, *b;
    size_t la, lb;
    if (!(a = current_file(ctx, plist, &la)))
        return "absent";
    if (!source || !(b = current_file(ctx, source, &lb)))
        return "other";
    return la == lb && memcmp(a, b, la) == 0 ? "same" : "other";
}

/* prior: changes nothing; publishes the job's state for the core to keep. */
static int prior(sourceos_ctx *ctx)
{
    struct launchd_act a;
    struct job_state s;
    if (read_act(ctx, "prior", 1, 1, &a) != 0 || job_state(ctx, &a, &s) != 0)
        return -1;
    if (sourceos_fact_set(ctx, "prior.disabled", s.disabled ? "true" : "false") != 0 ||
        sourceos_fact_set(ctx, "prior.loaded", s.loaded ? "true" : "false") != 0 ||
        sourceos_fact_set(ctx, "prior.running", s.running ? "true" : "false") != 0 ||
        sourceos_fact_set(ctx, "prior.pid", s.pid[0] ? s.pid : "none") != 0 ||
        sourceos_fact_set(ctx, "prior.plist", plist_vs_source(ctx, a.plist)) != 0)
        return fail(ctx, "launchd.action-failed", SOURCEOS_SEV_CRITICAL,
                    "cannot record the state of %s", a.service);
    return 0;
}

static int kickstart_job(sourceos_ctx *ctx, const struct launchd_act *a, int kill)
{
    const char *k[] = {"kickstart", "-k", a->service, NULL};
    const char *plain[] = {"kickstart", a->service, NULL};
    return verb(ctx, a, kill ? k : plain);
}

/* prior's undo, the last of a rollback: the plist is back; the override,
 * the loaded job and its running are as they were. A job loaded now that
 * is not the process that ran before while this transaction replaced its
 * plist may run the replaced definition (launchd keeps the one it read at
 * load): it is booted out and bootstrapped again. No record (killed
 * before it was written): nothing changed. A job that was loaded but not
 * running may be started by its own RunAtLoad or KeepAlive on that load. */
static int undo_prior(sourceos_ctx *ctx)
{
    struct launchd_act a;
    struct prior p;
    struct job_state now;
    int loaded;
    read_prior(ctx, &p);
    if (!p.known)
        return 0;
    if (read_act(ctx, "prior", 1, 1, &a) != 0 || job_state(ctx, &a, &now) != 0)
        return -1;
    if (p.disabled != now.disabled &&
        verb(ctx, &a, (const char *const[]){p.disabled ? "disable" : "enable", a.service, NULL}) != 0)
        return -1;
    if (!p.loaded)
        return now.loaded && strcmp(now.path, a.plist) == 0 ? bootout_job(ctx, &a) : 0;
    loaded = now.loaded;
    if (loaded && strcmp(p.plist, "other") == 0 && strcmp(now.path, a.plist) == 0 &&
        !(p.running && now.running && strcmp(p.pid, now.pid) == 0)) {
        if (bootout_job(ctx, &a) != 0)
            return -1;
        loaded = 0;
    }
    if (!loaded && bootstrap_job(ctx, &a) != 0)
        return -1;
    /* kickstart without -k: a job its load started already is left running */
    return p.running && (!loaded || !now.running) ? kickstart_job(ctx, &a, 0) : 0;
}

/* bootstrap: a job loaded from the plist this transaction replaced (it is
 * the generated one now) runs the replaced definition, which launchd keeps
 * until the job is unloaded: booted out first, so the new plist is what is
 * loaded (and what kickstart -k then restarts). */
static int bootstrap(sourceos_ctx *ctx)
{
    struct launchd_act a;
    struct prior p;
    char from[PATH_MAX];
    if (read_act(ctx, "bootstrap", 1, 1, &a) != 0)
        return -1;
    read_prior(ctx, &p);
    if (p.known && p.loaded && strcmp(p.plist, "other") == 0 &&
        strcmp(plist_vs_source(ctx, a.plist), "same") == 0 &&
        loaded_from(ctx, &a, from, sizeof from) && strcmp(from, a.plist) == 0 &&
        bootout_job(ctx, &a) != 0)
        return -1;
    return bootstrap_job(ctx, &a);
}

static int bootout(sourceos_ctx *ctx)
{
    struct launchd_act a;
    return read_act(ctx, "bootout", 1, 0, &a) != 0 ? -1 : bootout_job(ctx, &a);
}

static int service_verb(sourceos_ctx *ctx, const char *name)
{
    struct launchd_act a;
    if (read_act(ctx, name, 1, 0, &a) != 0)
        return -1;
    return verb(ctx, &a, (const char *const[]){name, a.service, NULL});
}

static int enable(sourceos_ctx *ctx) { return service_verb(ctx, "enable"); }
static int disable(sourceos_ctx *ctx) { return service_verb(ctx, "disable"); }

/* kickstart -k: started now, and restarted when it runs already (a
 * new generation's wrapper takes over). */
static int kickstart(sourceos_ctx *ctx)
{
    struct launchd_act a;
    if (read_act(ctx, "kickstart", 1, 0, &a) != 0)
        return -1;
    return kickstart_job(ctx, &a, 1);
}

/* Nothing to undo: a start is not a state launchd keeps. The job keeps
 * running until it is booted out, which the undo of bootstrap (the step
 * before kickstart in activate) does when it was not loaded before, and
 * prior's undo otherwise; stopping it here with `launchctl kill` would
 * only have KeepAlive start it again. */
static int undo_kickstart(sourceos_ctx *ctx)
{
    (void)ctx;
    return 0;
}

/* The undos of the launchctl verbs, by the prior record: what the step
 * brought up is taken down only when it was not up before (and now,
 * before an undo removes the plist: never a loaded job whose plist is
 * missing); what it took down is left to prior's undo, which brings it
 * back after the plist. */
static int undo_enable(sourceos_ctx *ctx)
{
    struct prior p;
    read_prior(ctx, &p);
    return p.known && !p.disabled ? 0 : disable(ctx);
}

static int undo_disable(sourceos_ctx *ctx)
{
    struct prior p;
    read_prior(ctx, &p);
    return p.known ? 0 : enable(ctx);
}

static int undo_bootstrap(sourceos_ctx *ctx)
{
    struct prior p;
    read_prior(ctx, &p);
    return p.known && p.loaded ? 0 : bootout(ctx);
}

static int undo_bootout(sourceos_ctx *ctx)
{
    struct launchd_act a;
    struct prior p;
    read_prior(ctx, &p);
    if (p.known)
        return 0;
    return read_act(ctx, "bootstrap", 1, 1, &a) != 0 ? -1 : bootstrap_job(ctx, &a);
}

/* ---- the plist file ----------------------------------------------------------- */

/* Why PATH is no place for the agent's plist, or NULL: a daemon's goes in
 * /Library/LaunchDaemons, a user agent's in a home's Library/LaunchAgents.
 * Never /Library/LaunchAgents: launchd loads what is there into every
 * user's login session, which is what made agents look like hostile
 * persistence; nor Apple's /System. */
static const char *misplaced(const struct launchd_act *a)
{
    const char *p = a->plist, *name = strrchr(p, '/') + 1;
    size_t dir_len = (size_t)(name - p) - 1, n = strlen(name);
    static const char agents[] = "/Library/LaunchAgents";
    if (strstr(p, "//") || strstr(p, "/./") || strstr(p, "/../"))
        return "the path is not in its plain form (no //, /./ or /../)";
    if (n <= 6 || strcmp(name + n - 6, ".plist") != 0)
        return "the file name does not end in .plist (launchd reads only those)";
    if (dir_len == strlen(agents) && strncmp(p, agents, dir_len) == 0)
        return "/Library/LaunchAgents loads a plist into every user's login session: a user "
               "agent goes in its user's ~/Library/LaunchAgents, a system agent (a daemon) in "
               "/Library/LaunchDaemons";
    if (strncmp(p, "/System/", 8) == 0)
        return "/System belongs to macOS";
    if (a->system)
        return dir_len == 22 && strncmp(p, "/Library/LaunchDaemons", 22) == 0
                   ? NULL
                   : "a system agent's plist goes in /Library/LaunchDaemons";
    if (dir_len <= strlen(agents) ||
        strncmp(name - 1 - strlen(agents), agents, strlen(agents)) != 0)
        return "a user agent's plist goes in its user's ~/Library/LaunchAgents";
    return NULL;
}

/* The directory of PATH (DIR_LEN bytes) made when missing, and a home's
 * Library above it (0700, as macOS makes it); LaunchAgents and
 * LaunchDaemons 0755. */
static int make_plist_dir(sourceos_ctx *ctx, const struct launchd_act *a)
{
    char dir[PATH_MAX], library[PATH_MAX];
    size_t len = (size_t)(strrchr(a->plist, '/') - a->plist);
    int rc;
    plugin_textf(dir, sizeof dir, "%.*s", (int)len, a->plist);
    if (sourceos_host_path(ctx, dir))
        return 0;
    plugin_textf(library, sizeof library, "%.*s", (int)(strrchr(dir, '/') - dir), dir);
    if (!a->system && !sourceos_host_path(ctx, library) &&
        (rc = sourceos_make_dir(ctx, library, 0700)) != 0)
        return fail(ctx, "launchd.action-failed", SOURCEOS_SEV_CRITICAL,
                    "cannot make the directory %s: %s", library, strerror(-rc));
    rc = sourceos_make_dir(ctx, dir, 0755);
    return rc == 0 ? 0
                   : fail(ctx, "launchd.action-failed", SOURCEOS_SEV_CRITICAL,
                          "cannot make the directory %s: %s", dir, strerror(-rc));
}

/* The file at PATH now; NULL when there is none. */
static const char *current_file(sourceos_ctx *ctx, const char *path, size_t *len)
{
    const char *data;
    return sourceos_read_file(ctx, path, LAUNCHD_PLIST_MAX_BYTES, &data, len) == 0 ? data : NULL;
}

/* A backup left by an earlier install or remove-plist, when this install
 * replaces nothing: the undo would put that old plist back. */
static int drop_stale_backup(sourceos_ctx *ctx, const char *backup)
{
    size_t len;
    int rc;
    if (!backup || !current_file(ctx, backup, &len))
        return 0;
    rc = sourceos_remove_file(ctx, backup);
    return rc == 0 ? 0
                   : fail(ctx, "launchd.action-failed", SOURCEOS_SEV_CRITICAL,
                          "cannot remove the stale backup %s: %s", backup, strerror(-rc));
}

static int install_plist(sourceos_ctx *ctx)
{
    const char *source = sourceos_param(ctx, "source"), *backup = sourceos_param(ctx, "backup");
    const char *text, *old, *why;
    struct launchd_act a;
    size_t len, old_len;
    int rc;
    if (read_act(ctx, "install-plist", 0, 1, &a) != 0)
        return -1;
    if (!source)
        return fail(ctx, "launchd.action-params", SOURCEOS_SEV_CRITICAL,
                    "install-plist needs the param source");
    if ((why = misplaced(&a)) != NULL) {
        sourceos_finding *f =
            sourceos_finding_add(ctx, "launchd.action-refused", SOURCEOS_SEV_CRITICAL,
                                 "will not install a plist as %s: %s", a.plist, why);
        sourceos_finding_remediation(f, "Fix the agent's install path (scope user: "
                                        "~/Library/LaunchAgents/LABEL.plist; scope system: "
                                        "/Library/LaunchDaemons/LABEL.plist).");
        sourceos_finding_path(f, a.plist);
        return -1;
    }
    rc = sourceos_read_file(ctx, source, LAUNCHD_PLIST_MAX_BYTES, &text, &len);
    if (rc != 0)
        return fail(ctx, "launchd.action-failed", SOURCEOS_SEV_CRITICAL,
                    "cannot read the generated plist %s: %s", source,
                    strerror(rc < 0 ? -rc : EFBIG));
    old = current_file(ctx, a.plist, &old_len);
    if (!old && drop_stale_backup(ctx, backup) != 0)
        return -1;
    if (old && old_len == len && memcmp(old, text, len) == 0) {
        /* In place already: the undo must put back these same bytes, not
         * remove a plist that was there before this run. */
        if (backup && sourceos_write_file(ctx, backup, old, old_len, 0600) != 0)
            return fail(ctx, "launchd.action-failed", SOURCEOS_SEV_CRITICAL,
                        "cannot keep the plist in place as %s", backup);
        return 0;
    }
    if (old && backup && sourceos_write_file(ctx, backup, old, old_len, 0600) != 0)
        return fail(ctx, "launchd.action-failed", SOURCEOS_SEV_CRITICAL,
                    "cannot keep the plist it replaces as %s", backup);
    if (make_plist_dir(ctx, &a) != 0)
        return -1;
    rc = sourceos_write_file(ctx, a.plist, text, len, 0644);
    return rc == 0 ? 0
                   : fail(ctx, "launchd.action-failed", SOURCEOS_SEV_CRITICAL,
                          "cannot write %s: %s", a.plist, strerror(-rc));
}

/* Whether the plist in place is the generated one (or there is none): what
 * an undo may remove when nothing was kept. A file someone else wrote
 * there is never removed by an undo. */
static int is_ours(sourceos_ctx *ctx, const char *plist)
{
    const char *source = sourceos_param(ctx, "source"), *here, *ours;
    size_t here_len, ours_len;
    if (!(here = current_file(ctx, plist, &here_len)))
        return 1;
    if (!source || !(ours = current_file(ctx, source, &ours_len)))
        return 0;
    return here_len == ours_len && memcmp(here, ours, here_len) == 0;
}

/* Undoes install-plist: the replaced plist back when one was kept, else no
 * plist (only when it is the generated one). */
static int undo_install(sourceos_ctx *ctx)
{
    const char *backup = sourceos_param(ctx, "backup"), *old = NULL;
    struct launchd_act a;
    size_t len = 0;
    int rc;
    if (read_act(ctx, "install-plist", 0, 1, &a) != 0)
        return -1;
    if (backup)
        old = current_file(ctx, backup, &len);
    if (!old && !is_ours(ctx, a.plist))
        return 0; /* not the file install wrote (it died before writing): left alone */
    rc = old ? sourceos_write_file(ctx, a.plist, old, len, 0644)
             : sourceos_remove_file(ctx, a.plist);
    if (rc == 0 && old)
        rc = sourceos_remove_file(ctx, backup);
    return rc == 0 ? 0
                   : fail(ctx, "launchd.action-failed", SOURCEOS_SEV_CRITICAL,
                          "cannot restore %s: %s", a.plist, strerror(-rc));
}

/* remove-plist: the plist goes, kept as backup for the undo. */
static int remove_plist(sourceos_ctx *ctx)
{
    const char *backup = sourceos_param(ctx, "backup"), *old;
    struct launchd_act a;
    size_t len;
    int rc;
    if (read_act(ctx, "remove-plist", 0, 1, &a) != 0)
        return -1;
    old = current_file(ctx, a.plist, &len);
    if (old && backup && sourceos_write_file(ctx, backup, old, len, 0600) != 0)
        return fail(ctx, "launchd.action-failed", SOURCEOS_SEV_CRITICAL,
                    "cannot keep %s before removing it", a.plist);
    /* Nothing to remove: a backup an earlier run left must not come back. */
    if (!old && drop_stale_backup(ctx, backup) != 0)
        return -1;
    rc = sourceos_remove_file(ctx, a.plist);
    return rc == 0 ? 0
                   : fail(ctx, "launchd.action-failed", SOURCEOS_SEV_CRITICAL,
                          "cannot remove %s: %s", a.plist, strerror(-rc));
}

static int undo_remove(sourceos_ctx *ctx)
{
    const char *backup = sourceos_param(ctx, "backup"), *old;
    struct launchd_act a;
    size_t len;
    if (read_act(ctx, "remove-plist", 0, 1, &a) != 0)
        return -1;
    if (!backup || !(old = current_file(ctx, backup, &len)))
        return 0; /* nothing was kept: there was no plist */
    if (sourceos_write_file(ctx, a.plist, old, len, 0644) != 0)
        return fail(ctx, "launchd.action-failed", SOURCEOS_SEV_CRITICAL, "cannot put %s back",
                    a.plist);
    return sourceos_remove_file(ctx, backup) == 0 ? 0 : -1;
}

/* restore-plist (release): the plist a quarantine moved aside (backup) put
 * back in place, 0644; its undo moves it aside again. Nothing to restore
 * is a failure, and a plist someone put there since is never overwritten. */
static int restore_plist(sourceos_ctx *ctx)
{
    const char *backup = sourceos_param(ctx, "backup"), *old;
    struct launchd_act a;
    size_t len, here;
    if (read_act(ctx, "restore-plist", 0, 1, &a) != 0)
        return -1;
    if (!backup || !(old = current_file(ctx, backup, &len)))
        return fail(ctx, "launchd.action-failed", SOURCEOS_SEV_CRITICAL,
                    "nothing to restore: %s is not there", backup ? backup : "the backup");
    if (current_file(ctx, a.plist, &here))
        return fail(ctx, "launchd.action-failed", SOURCEOS_SEV_CRITICAL,
                    "%s exists again: it is left as it is, and %s is kept", a.plist, backup);
    if (sourceos_write_file(ctx, a.plist, old, len, 0644) != 0)
        return fail(ctx, "launchd.action-failed", SOURCEOS_SEV_CRITICAL, "cannot put %s back",
                    a.plist);
    return sourceos_remove_file(ctx, backup) == 0 ? 0 : -1;
}

const struct sourceos_action launchd_actions[] = {
    {"prior",
     "Records the job's state (disabled, loaded, running, its plist) for the later steps and "
     "the undos; its undo brings that state back",
     prior, prior, undo_prior},
    {"install-plist",
     "Writes the agent's generated plist in place, mode 0644 (keeping one it "
     "replaces; never in /Library/LaunchAgents)",
     install_plist, install_plist, undo_install},
    {"remove-plist", "Removes the agent's plist (kept for the undo)", remove_plist, remove_plist,
     undo_remove},
    {"restore-plist", "Puts back the plist a quarantine moved aside (its undo: aside again)",
     restore_plist, restore_plist, remove_plist},
    {"enable", "launchctl enable DOMAIN/LABEL", enable, enable, undo_enable},
    {"disable", "launchctl disable DOMAIN/LABEL", disable, disable, undo_disable},
    {"bootstrap",
     "launchctl bootstrap DOMAIN PLIST (done when that plist is loaded already; booted out "
     "first when this transaction replaced it)",
     bootstrap, bootstrap, undo_bootstrap},
    {"bootout", "launchctl bootout DOMAIN/LABEL (done when it is not loaded)", bootout, bootout,
     undo_bootout},
    {"kickstart",
     "launchctl kickstart -k DOMAIN/LABEL (its undo: nothing; bootstrap's or prior's undo "
     "stops it)",
     kickstart, kickstart, undo_kickstart},
    {NULL, NULL, NULL, NULL, NULL},
};
