/* launchd: the live state of every job the scan finds, declared or not.
 * The incident's job looked like hostile persistence because launchd had
 * run it thousands of times; only launchd knows that, so this check asks
 * it about each label found in the launch directories: one `launchctl
 * print DOMAIN/LABEL` per job and one `launchctl print-disabled DOMAIN` per
 * domain, at most `max_jobs` jobs. Read-only, as launchd.state: the
 * commands it suggests are for the user to run. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launchd.h"
#include "../common/log_tail.h"

/* Jobs asked about per run; more are counted and said, not asked. */
#define JOBS_DEFAULT_MAX 500u
/* A job that has run this often and last failed is being respawned: a
 * job that starts at login and ends now and then stays far below it. */
#define JOBS_DEFAULT_RUNS_LIMIT 100u
#define JOBS_DEFAULT_TIMEOUT_MS 10000u
/* Domains are system and one gui/UID per user with agents. */
#define JOBS_MAX_DOMAINS 64
/* Labels named one by one in the summary's evidence. */
#define JOBS_NAMED_MAX 20

/* A plist the scan lints, and what launchd said about its label. */
struct found {
    char label[256];
    char plist[PATH_MAX];      /* host view */
    char domain[64];           /* "system" or "gui/UID" */
    size_t asked_as;           /* the job whose print answers for this one */
    int loaded;                /* 1 loaded, 0 not, -1 not known */
    char loaded_path[PATH_MAX]; /* `path = ` of the answer, or "" */
};

struct domain {
    char name[64];
    const struct sourceos_cmd *disabled; /* print-disabled's answer, or NULL */
};

struct jobs {
    struct found *job;
    size_t n, max;
    size_t cut;        /* plists beyond max */
    size_t unlabelled; /* plists without a usable Label */
    struct domain domain[JOBS_MAX_DOMAINS];
    size_t n_domains;
    char gui[64];      /* the invoking user's gui/UID */
    const char *launchctl;
    unsigned timeout_ms;
    long runs_limit;
    struct verdict v;
    size_t asked, loaded, running, not_loaded, unknown;
    char not_loaded_names[1024];
    struct plugin_lines runs; /* each loaded job's label and runs */
};

/* ---- what the scan found ---------------------------------------------------- */

/* Where launchd loads a plist of this place: daemons in system, a user's
 * agents in that user's gui domain, /Library/LaunchAgents in the invoking
 * user's (it is loaded in every logged-in user's; this user's is asked). */
static void domain_of(sourceos_ctx *ctx, const struct jobs *j, const char *path,
                      char *out, size_t size)
{
    struct launchd_place place;
    launchd_place_of(ctx, path, &place);
    if (place.kind == LAUNCHD_SYSTEM_DAEMONS)
        plugin_textf(out, size, "system");
    else if (place.kind == LAUNCHD_USER_AGENTS && place.owner_known)
        plugin_textf(out, size, "gui/%u", (unsigned)place.owner_uid);
    else
        plugin_textf(out, size, "%s", j->gui);
}

/* launchd_walk's visitor: keeps the plist's Label. A plist without one
 * (or a malformed one) is launchd.scan's finding, not asked about here. */
static void collect(sourceos_ctx *ctx, void *arg, const char *path, const char *user)
{
    struct jobs *j = arg;
    struct launchd_plist p;
    struct found *f;
    char label[256];
    (void)user;
    if (j->n >= j->max) {
        j->cut++;
        return;
    }
    launchd_plist_load(ctx, path, &p);
    if (!p.root || !launchd_plist_string(p.root, "Label", label, sizeof label) ||
        !launchd_target_word(label) || strchr(label, '/')) {
        j->unlabelled++;
        launchd_plist_release(&p);
        return;
    }
    launchd_plist_release(&p);
    f = &j->job[j->n];
    plugin_textf(f->label, sizeof f->label, "%s", label);
    plugin_textf(f->plist, sizeof f->plist, "%s", path);
    domain_of(ctx, j, path, f->domain, sizeof f->domain);
    f->asked_as = j->n;
    f->loaded = -1;
    /* Two plists with one label in one domain are one launchd job: asked
     * once. */
    for (size_t k = 0; k < j->n; k++)
        if (!strcmp(j->job[k].label, label) && !strcmp(j->job[k].domain, f->domain)) {
            f->asked_as = k;
            break;
        }
    j->n++;
}

/* ---- the log, when launchd gives no reason -------------------------------- */

/* The last failure line of the job's log (its StandardErrorPath, else
 * StandardOutPath), to stand for launchd's "last exit reason" when launchd
 * gives none; the text says where it came from. The log is read only when
 * it belongs to the user of PLIST, the job's file (log_owner_for()): the
 * path is the plist's to choose. 1 with OUT set when it found one, else 0
 * (no log, no failure in its tail, someone else's file, or unreadable: the
 * lint of the plist reports those). */
static int last_failure_from_log(sourceos_ctx *ctx, const char *plist, const char *log_path,
                                 char *out, size_t size)
{
    char line[320];
    uid_t owner;
    if (log_owner_for(ctx, plist, &owner) < 0 ||
        log_tail_last_failure(ctx, log_path, owner, line, sizeof line) != 1)
        return 0;
    plugin_textf(out, size, "%s (the last failure line of %s)", line, log_path);
    return 1;
}

/* ---- findings about one loaded job ---------------------------------------- */

static void note_stale(sourceos_ctx *ctx, struct jobs *j, const struct launchd_target *t,
                       const struct launchd_job *job)
{
    char text[2 * PATH_MAX];
    sourceos_finding *fd = plugin_note(
        ctx, &j->v, "launchd.stale-job", SOURCEOS_SEV_WARNING,
        "%s is loaded from %s, which no longer exists: launchd runs a job "
        "whose plist is gone, and it will not be loaded again after a "
        "logout or reboot",
        t->service, job->path);
    plugin_textf(text, sizeof text,
                 "If it should keep running, reinstall its plist at %s; if it "
                 "was removed on purpose, unload it too: `launchctl bootout %s`.",
                 job->path, t->service);
    sourceos_finding_remediation(fd, text);
    sourceos_finding_command_argv(
        fd, (const char *const[]){"launchctl", "bootout", t->service, NULL});
    launchd_job_evidence(fd, t, job);
}

static void note_disabled_loaded(sourceos_ctx *ctx, struct jobs *j,
                                 const struct launchd_target *t,
                                 const struct launchd_job *job, const char *plist)
{
    sourceos_finding *fd = plugin_note(
        ctx, &j->v, "launchd.disabled-loaded", SOURCEOS_SEV_WARNING,
        "%s is loaded although launchd's overrides disable it (launchctl "
        "print-disabled %s): it is in launchd now, but will not be loaded at "
        "the next login or boot",
        t->service, t->domain);
    sourceos_finding_remediation(
        fd, "Decide which is meant: enable it to keep it (first command), or "
            "unload it now (second); a job loaded by hand after `launchctl "
            "disable` is the usual cause.");
    sourceos_finding_command_argv(
        fd, (const char *const[]){"launchctl", "enable", t->service, NULL});
    sourceos_finding_command_argv(
        fd, (const char *const[]){"launchctl", "bootout", t->service, NULL});
    launchd_job_evidence(fd, t, job);
    sourceos_finding_evidence(fd, "plist", plist);
}

/* launchd loaded the label from a plist other than the one found: another
 * file declares the same Label (one the scan does not cover). */
static void note_loaded_elsewhere(sourceos_ctx *ctx, struct jobs *j,
                                  const struct launchd_target *t,
                                  const struct launchd_job *job, const char *plist)
{
    sourceos_finding *fd = plugin_note(
        ctx, &j->v, "launchd.duplicate-label", SOURCEOS_SEV_WARNING,
        "label %s is declared by %s, but launchd loaded %s from %s: two "
        "plists declare one label, and the one that runs is not the one found",
        t->label, plist, t->service, job->path);
    sourceos_finding_remediation(
        fd, "launchd knows a job by its Label, not by its file name: keep one "
            "plist per label, remove (or relabel) the other, then load the one "
            "you keep.");
    launchd_job_evidence(fd, t, job);
    sourceos_finding_evidence(fd, "plist", plist);
    sourceos_finding_path(fd, plist);
}

static int domain_disables(const struct jobs *j, const char *domain, const char *label)
{
    for (size_t d = 0; d < j->n_domains; d++)
        if (!strcmp(j->domain[d].name, domain) && j->domain[d].disabled)
            return launchd_parse_overrides(j->domain[d].disabled->out,
                                           j->domain[d].disabled->out_len, label) == 1;
    return 0;
}

/* Everything about a job launchd has loaded. */
static void judge_loaded(sourceos_ctx *ctx, struct jobs *j, const struct launchd_target *t,
                         struct launchd_job *job, struct found *f)
{
    int err;
    const char *log = job->stderr_path[0] ? job->stderr_path : job->stdout_path;
    j->loaded++;
    plugin_lines_add(&j->runs, t->label, job->runs);
    if (!strcmp(job->state, "running"))
        j->running++;
    if (launchd_exit_failed(job) && !job->last_exit_reason[0] && log[0])
        last_failure_from_log(ctx, job->path[0] ? job->path : f->plist, log,
                              job->last_exit_reason, sizeof job->last_exit_reason);
    launchd_judge_exit(ctx, &j->v, t, job);
    if (domain_disables(j, t->domain, t->label))
        note_disabled_loaded(ctx, j, t, job, f->plist);
    if (!job->path[0])
        return;
    plugin_textf(f->loaded_path, sizeof f->loaded_path, "%s", job->path);
    if (!strcmp(job->path, f->plist))
        return; /* the plist found: it exists */
    err = sourceos_host_path(ctx, job->path) ? 0 : sourceos_host_path_error(ctx, job->path);
    if (err == -ENOENT || err == -ENOTDIR) {
        note_stale(ctx, j, t, job);
        return;
    }
    for (size_t k = 0; k < j->n; k++)
        if (!strcmp(j->job[k].label, t->label) && !strcmp(j->job[k].plist, job->path))
            return; /* a plist found: the duplicate is said once, below */
    note_loaded_elsewhere(ctx, j, t, job, f->plist);
}

static void remember_not_loaded(struct jobs *j, const struct launchd_target *t)
{
    size_t used = strlen(j->not_loaded_names);
    j->not_loaded++;
    if (j->not_loaded > JOBS_NAMED_MAX)
        return;
    plugin_textf(j->not_loaded_names + used, sizeof j->not_loaded_names - used, "%s%s",
                 used ? ", " : "", t->service);
}

/* ---- asking launchctl ---------------------------------------------------------- */

static void target_for(const struct jobs *j, const struct found *f, struct launchd_target *t)
{
    memset(t, 0, sizeof *t);
    t->label = f->label;
    t->launchctl = j->launchctl;
    t->timeout_ms = j->timeout_ms;
    t->runs_limit = j->runs_limit;
    plugin_textf(t->domain, sizeof t->domain, "%s", f->domain);
    plugin_textf(t->service, sizeof t->service, "%s/%s", f->domain, f->label);
}

static int offline(const struct sourceos_cmd *r)
{
    return r->not_started && r->start_errno == ECANCELED;
}

/* print-disabled once per domain, before any print. -1 when launchctl
 * cannot be asked at all (offline, missing, hung): nothing else would
 * answer either. */
static int read_domains(sourceos_ctx *ctx, struct jobs *j)
{
    for (size_t i = 0; i < j->n; i++) {
        struct launchd_target t;
        const struct sourceos_cmd *r;
        char what[128];
        size_t d;
        for (d = 0; d < j->n_domains; d++)
            if (!strcmp(j->domain[d].name, j->job[i].domain))
                break;
        if (d < j->n_domains || d >= JOBS_MAX_DOMAINS)
            continue;
        target_for(j, &j->job[i], &t);
        plugin_textf(j->domain[d].name, sizeof j->domain[d].name, "%s", t.domain);
        j->n_domains++;
        r = launchd_launchctl(ctx, &t, "print-disabled", t.domain);
        plugin_textf(what, sizeof what, "print-disabled %s", t.domain);
        if (offline(r) || launchd_launchctl_ran(ctx, &t, r, what) != 0)
            return -1;
        /* Unreadable overrides only mean none is reported as loaded. */
        j->domain[d].disabled = r->exit_status == 0 ? r : NULL;
    }
    return 0;
}

/* One print per job. Returns -1 when launchctl stopped answering, else the
 * number of answers the check could not read. */
static long ask_jobs(sourceos_ctx *ctx, struct jobs *j, struct launchd_job *job)
{
    long undecided = 0;
    for (size_t i = 0; i < j->n; i++) {
        struct found *f = &j->job[i];
        struct launchd_target t;
        const struct sourceos_cmd *r;
        int err, disabled = 0;
        if (f->asked_as != i)
            continue;
        target_for(j, f, &t);
        r = launchd_launchctl(ctx, &t, "print", t.service);
        if (launchd_launchctl_ran(ctx, &t, r, "print") != 0)
            return -1;
        j->asked++;
        err = r->exit_status == 0 ? 0 : launchd_launchctl_error(r);
        if (r->exit_status == 0) {
            memset(job, 0, sizeof *job);
            launchd_parse_print(r->out, r->out_len, job);
            if (job->keys_read == 0) {
                plugin_note(ctx, NULL, "launchd.launchctl-failed", SOURCEOS_SEV_WARNING,
                            "`%s print %s` answered nothing this check can read",
                            t.launchctl, t.service);
                j->unknown++;
                undecided++;
                continue;
            }
            f->loaded = 1;
            judge_loaded(ctx, j, &t, job, f);
        } else if (err == LAUNCHD_ERROR_NOT_LOADED || err == LAUNCHD_ERROR_DISABLED) {
            /* Not loaded is normal for a job that runs on demand or was
             * switched off; the summary names it. */
            f->loaded = 0;
            remember_not_loaded(j, &t);
        } else if (launchd_judge_refusal(ctx, &j->v, &t, r, &disabled)) {
            j->unknown++;
            undecided++;
        }
    }
    return undecided;
}

/* ---- duplicates, and the summary ---------------------------------------------- */

/* A label in two plists: launchd loads one per domain and refuses the
 * other, or, across domains, runs both. Said once per label. */
static void judge_duplicates(sourceos_ctx *ctx, struct jobs *j)
{
    for (size_t i = 0; i < j->n; i++) {
        char plists[4096] = "", loaded[1024] = "";
        size_t copies = 0, domains_loaded = 0;
        sourceos_finding *fd;
        int first = 1;
        for (size_t k = 0; k < i && first; k++)
            first = strcmp(j->job[k].label, j->job[i].label) != 0;
        if (!first)
            continue;
        for (size_t k = i; k < j->n; k++) {
            const struct found *f = &j->job[k];
            size_t used = strlen(plists);
            if (strcmp(f->label, j->job[i].label))
                continue;
            copies++;
            plugin_textf(plists + used, sizeof plists - used, "%s%s", used ? ", " : "",
                         f->plist);
            if (f->asked_as == k && j->job[k].loaded == 1) {
                used = strlen(loaded);
                domains_loaded++;
                plugin_textf(loaded + used, sizeof loaded - used, "%s%s%s%s",
                             used ? ", " : "", f->domain,
                             f->loaded_path[0] ? " from " : "", f->loaded_path);
            }
        }
        if (copies < 2)
            continue;
        fd = plugin_note(ctx, &j->v, "launchd.duplicate-label", SOURCEOS_SEV_WARNING,
                         "label %s is declared by %zu plists (%s)%s%s%s", j->job[i].label,
                         copies, plists,
                         domains_loaded > 1 ? ": launchd runs it in each of "
                         : domains_loaded ? ": launchd loaded it in " : ": none is loaded",
                         loaded,
                         domains_loaded > 1 ? ", twice the same job"
                         : domains_loaded ? ", and refuses the others in that domain" : "");
        sourceos_finding_remediation(
            fd, "launchd knows a job by its Label, not by its file name: keep one "
                "plist per label, remove (or relabel) the others, then load the "
                "one you keep.");
        sourceos_finding_evidence(fd, "label", j->job[i].label);
        sourceos_finding_evidence(fd, "plists", plists);
        if (loaded[0])
            sourceos_finding_evidence(fd, "loaded", loaded);
        sourceos_finding_path(fd, j->job[i].plist);
    }
}

static void evidence_count(sourceos_finding *fd, const char *key, size_t n)
{
    char text[32];
    plugin_textf(text, sizeof text, "%zu", n);
    sourceos_finding_evidence(fd, key, text);
}

static void report_cut(sourceos_ctx *ctx, struct jobs *j)
{
    sourceos_finding *fd = plugin_note(
        ctx, &j->v, "launchd.jobs-truncated", SOURCEOS_SEV_WARNING,
        "asked launchd about the first %zu jobs only: the scan found %zu more "
        "plists, whose live state was not read (param max_jobs)",
        j->max, j->cut);
    sourceos_finding_remediation(
        fd, "Hundreds of launch jobs are not normal: look for a tool that writes "
            "them in a loop; raise max_jobs in checks.d to ask about all of them.");
    evidence_count(fd, "limit", j->max);
    evidence_count(fd, "not_asked", j->cut);
}

static void report_summary(sourceos_ctx *ctx, const struct jobs *j)
{
    sourceos_finding *fd = plugin_note(
        ctx, NULL, "launchd.jobs-summary", SOURCEOS_SEV_INFO,
        "asked launchd about %zu job%s in %zu domain%s: %zu loaded (%zu running), "
        "%zu not loaded%s%s%s",
        j->asked, j->asked == 1 ? "" : "s", j->n_domains, j->n_domains == 1 ? "" : "s",
        j->loaded, j->running, j->not_loaded, j->not_loaded ? " (" : "",
        j->not_loaded_names, j->not_loaded > JOBS_NAMED_MAX ? ", ...)" : j->not_loaded ? ")" : "");
    evidence_count(fd, "asked", j->asked);
    evidence_count(fd, "loaded", j->loaded);
    evidence_count(fd, "running", j->running);
    evidence_count(fd, "not_loaded", j->not_loaded);
    if (j->unknown)
        evidence_count(fd, "unreadable", j->unknown);
    if (j->unlabelled)
        evidence_count(fd, "without_label", j->unlabelled);
    if (j->runs.len)
        sourceos_finding_evidence(fd, "service_runs", j->runs.text);
}

/* ---- the check ------------------------------------------------------------------ */

static int is_uid(const char *s)
{
    return s && *s && strspn(s, "0123456789") == strlen(s) && strlen(s) < 16;
}

/* The gui domain of the invoking user: param uid, else the user sudo ran
 * the doctor for (root has no gui session of its own), else this uid. */
static void read_params(sourceos_ctx *ctx, struct jobs *j)
{
    const char *launchctl = sourceos_param(ctx, "launchctl");
    const char *uid = sourceos_param(ctx, "uid");
    const char *sudo_uid = sourceos_getenv(ctx, "SUDO_UID");
    j->launchctl = launchctl && *launchctl ? launchctl : "launchctl";
    j->timeout_ms = plugin_param_uint(ctx, "timeout_ms", 1, 3600000ul, JOBS_DEFAULT_TIMEOUT_MS);
    j->runs_limit = (long)plugin_param_uint(ctx, "runs_limit", 1, 1000000000ul,
                                            JOBS_DEFAULT_RUNS_LIMIT);
    j->max = plugin_param_uint(ctx, "max_jobs", 1, 100000ul, JOBS_DEFAULT_MAX);
    if (is_uid(uid))
        plugin_textf(j->gui, sizeof j->gui, "gui/%s", uid);
    else if (plugin_uid(ctx) == 0 && is_uid(sudo_uid))
        plugin_textf(j->gui, sizeof j->gui, "gui/%s", sudo_uid);
    else
        plugin_textf(j->gui, sizeof j->gui, "gui/%u", (unsigned)plugin_uid(ctx));
}

sourceos_status launchd_check_jobs(sourceos_ctx *ctx)
{
    struct jobs *j = calloc(1, sizeof *j);
    struct launchd_job *job = calloc(1, sizeof *job);
    sourceos_status status = SOURCEOS_ERROR;
    long undecided = 0;
    if (!j || !job)
        goto out_of_memory;
    read_params(ctx, j);
    j->job = calloc(j->max, sizeof *j->job);
    if (!j->job)
        goto out_of_memory;
    launchd_walk(ctx, collect, j);
    if (j->n == 0) {
        plugin_note(ctx, NULL, "launchd.jobs-summary", SOURCEOS_SEV_INFO,
                    "no launchd job to ask about: the launch directories hold no "
                    "plist with a Label");
        status = SOURCEOS_OK;
        goto done;
    }
    if (read_domains(ctx, j) != 0)
        goto done; /* offline: skipped by the core, with the reason */
    undecided = ask_jobs(ctx, j, job);
    judge_duplicates(ctx, j);
    if (j->cut)
        report_cut(ctx, j);
    report_summary(ctx, j);
    status = undecided != 0 && !(j->v.any && j->v.worst == SOURCEOS_SEV_CRITICAL)
                 ? SOURCEOS_ERROR
                 : verdict_status(&j->v);
    goto done;
out_of_memory:
    plugin_note(ctx, NULL, "launchd.out-of-memory", SOURCEOS_SEV_WARNING, "out of memory");
done:
    if (j) {
        free(j->job);
        plugin_lines_free(&j->runs);
    }
    free(j);
    free(job);
    return status;
}
