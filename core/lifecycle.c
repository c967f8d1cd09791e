#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "graph.h"
#include "journal.h"
#include "lifecycle.h"
#include "loader.h"
#include "runner.h"

#define KILL_AFTER_ENV "SOURCEOS_TEST_KILL_AFTER"

void sos_lc_report_free(struct sos_lc_report *rep)
{
    for (size_t i = 0; i < rep->run.n_entries; i++) {
        sos_check_result_free(&rep->run.entries[i].result);
        sos_decl_free(rep->decls[i]);
        free(rep->decls[i]);
    }
    free(rep->run.entries);
    free(rep->decls);
    free(rep->failed_step);
    free(rep->recovered);
    memset(rep, 0, sizeof *rep);
}

/* The number of facts J's steps recorded. */
static size_t count_facts(const struct sos_journal *j)
{
    size_t n = 0;
    for (size_t i = 0; j && i < j->n_steps; i++)
        n += j->steps[i].n_facts;
    return n;
}

/* The declaration of one phase of STEP, with LC's params and, as params of
 * the same keys, the facts the transaction's applies recorded in J (the
 * newest step's first, so it wins a key two published): that is how a
 * step's apply and undo get the `prior` record. Its id names the
 * transaction, the step and, for an undo, ".undo". */
static struct sos_check_decl *step_decl(const struct sos_lifecycle *lc, const char *transaction,
                                        const struct sos_lc_step *st, enum sos_action_phase ph,
                                        const struct sos_journal *j)
{
    struct sos_check_decl tmpl = {0}, *d = calloc(1, sizeof *d);
    size_t n_facts = count_facts(j), k = 0;
    struct sos_param *params = calloc(lc->n_params + n_facts + 1, sizeof *params);
    char **values = calloc(n_facts + 1, sizeof *values);
    char id[160];
    int rc;
    if (!d || !params || !values) {
        free(d);
        free(params);
        free(values);
        return NULL;
    }
    for (size_t i = 0; i < lc->n_params; i++)
        params[k++] = lc->params[i];
    for (size_t i = j ? j->n_steps : 0, f = 0; i-- > 0;)
        for (size_t m = 0; m < j->steps[i].n_facts; m++, f++) {
            values[f] = j->steps[i].facts[m].value;
            params[k].key = j->steps[i].facts[m].key;
            params[k].values = &values[f];
            params[k++].n_values = 1;
        }
    snprintf(id, sizeof id, "%s.%s%s", transaction, st->name, ph == SOS_PHASE_UNDO ? ".undo" : "");
    tmpl.id = id;
    tmpl.plugin = (char *)st->plugin;
    tmpl.check = (char *)st->action;
    tmpl.params = params;
    tmpl.n_params = k;
    tmpl.timeout = lc->step_timeout > 0 ? lc->step_timeout : 120;
    tmpl.origin.file = "(lifecycle)";
    rc = sos_decl_copy(&tmpl, d);
    free(params);
    free(values);
    if (rc != 0) {
        free(d);
        return NULL;
    }
    return d;
}

/* Appends D and what its run gave to REP's report. */
static int keep_entry(struct sos_lc_report *rep, struct sos_check_decl *d,
                      struct sos_check_result *res)
{
    struct sos_run_entry *e = realloc(rep->run.entries, (rep->run.n_entries + 1) * sizeof *e);
    struct sos_check_decl **ds;
    if (e)
        rep->run.entries = e;
    ds = e ? realloc(rep->decls, (rep->run.n_entries + 1) * sizeof *ds) : NULL;
    if (!ds)
        return -1;
    rep->decls = ds;
    ds[rep->run.n_entries] = d;
    memset(&e[rep->run.n_entries], 0, sizeof *e);
    e[rep->run.n_entries].decl = d;
    e[rep->run.n_entries].result = *res;
    e[rep->run.n_entries].done = 1;
    rep->run.counts[res->status]++;
    rep->run.duration += res->duration;
    rep->run.n_entries++;
    return 0;
}

/* Runs PHASE of STEP in a child, with the facts J recorded; its status, or
 * -1 with ERR when it could not be run at all. */
static int run_phase(const struct sos_lifecycle *lc, struct sos_plugin_set *plugins,
                     const char *transaction, const struct sos_lc_step *st,
                     enum sos_action_phase phase, const struct sos_journal *j,
                     struct sos_lc_report *rep, sos_error *err)
{
    const struct sos_loaded_plugin *lp = sos_plugin_set_load(plugins, st->plugin);
    const struct sourceos_action *a = lp && lp->plugin ? sos_plugin_find_action(lp->plugin, st->action) : NULL;
    struct sos_check_decl *d;
    struct sos_run_entry entry = {0};
    struct sos_graph_node node;
    struct sos_graph g;
    struct sos_run run = {0};
    struct sos_runner_job job = {0};
    struct sos_runner_opts opts = {.root = lc->root, .jobs = 1, .default_timeout = 120,
                                   .dry_run = lc->dry_run};
    int rc;
    if (!a)
        return sos_fail(err, "plugin %s has no action %s%s%s", st->plugin, st->action,
                        lp && lp->error ? ": " : "", lp && lp->error ? lp->error : "");
    if (!(d = step_decl(lc, transaction, st, phase, j)))
        return sos_fail(err, "out of memory");
    entry.decl = d;
    node.decl = d;
    node.agent = NULL;
    run.tool = "sourceos";
    run.command = transaction;
    run.entries = &entry;
    run.n_entries = 1;
    job.action = a;
    job.phase = phase;
    if (sos_graph_build(&node, 1, 0, &g, err) != 0) {
        sos_decl_free(d);
        free(d);
        return -1;
    }
    run.graph = &g;
    rc = sos_runner_run(&run, &job, &opts, err);
    sos_graph_free(&g);
    if (rc != 0 || keep_entry(rep, d, &entry.result) != 0) {
        sos_check_result_free(&entry.result);
        sos_decl_free(d);
        free(d);
        return rc != 0 ? -1 : sos_fail(err, "out of memory");
    }
    return (int)entry.result.status;
}

static int step_ok(int status)
{
    return status == SOS_ST_OK || status == SOS_ST_WARNING;
}

static const struct sos_lc_step *step_named(const struct sos_lc_step *steps, size_t n,
                                            const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(steps[i].name, name) == 0)
            return &steps[i];
    return NULL;
}

/* The test seam: dies as a kill -9 would, right after STEP's action. */
static void maybe_die(const char *step)
{
    const char *at = getenv(KILL_AFTER_ENV);
    if (at && strcmp(at, step) == 0)
        kill(getpid(), SIGKILL);
}

/* A rolled back activate leaves the generation that was in service before
 * it (the journal's `previous`, from state.json) current again: a
 * `current` left at the generation that failed is what repair and the
 * next activate would put in service. With none in service before (a
 * first activation), the new generation stays current, staged and not
 * installed, as a refused preflight leaves it; a previous generation that
 * is gone is not pointed at (current is then left as it is). */
static int restore_current(const char *state_dir, const struct sos_journal *j, sos_error *err)
{
    char target[32];
    struct stat st;
    int dirfd, rc = 0;
    if (strcmp(j->transaction, "activate") != 0 || j->previous == 0 ||
        j->previous == j->generation)
        return 0;
    if ((dirfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        return sos_fail(err, "%s: cannot open the state directory: %s", state_dir,
                        strerror(errno));
    snprintf(target, sizeof target, "generations/%u", j->previous);
    if (fstatat(dirfd, target, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
        rc = sos_atomic_symlink(dirfd, "current", target, err);
    close(dirfd);
    return rc;
}

/* Undoes the journal's steps that are done or in flight, newest first;
 * each undo gets the facts the applies recorded (the `prior` record). */
static int undo_journal(const struct sos_lifecycle *lc, struct sos_plugin_set *plugins,
                        struct sos_journal *j, const struct sos_lc_step *steps, size_t n,
                        struct sos_lc_report *rep, sos_error *err)
{
    sos_error journal_err;
    int journal_failed = 0;
    for (size_t i = j->n_steps; i-- > 0;) {
        const struct sos_lc_step *st;
        if (j->steps[i].state != SOS_STEP_DONE && j->steps[i].state != SOS_STEP_INTENT)
            continue;
        if (!(st = step_named(steps, n, j->steps[i].step)))
            return sos_fail(err, "%s/journal names a step this release does not know (%s): "
                                 "nothing was undone past it",
                            lc->state_dir, j->steps[i].step);
        if (!step_ok(run_phase(lc, plugins, j->transaction, st, SOS_PHASE_UNDO, j, rep, err))) {
            char why[sizeof err->msg];
            snprintf(why, sizeof why, "%s", err->msg);
            return sos_fail(err, "undoing %s of %s failed%s%s: the journal is kept for "
                                 "'sourceos-agent repair'",
                            st->name, j->transaction, why[0] ? ": " : "", why);
        }
        if (lc->dry_run)
            continue; /* planned only: the journal stays as it is */
        /* A journal that cannot be written (a full disk) does not stop the
         * rollback: the host is put back all the same, and the steps still
         * marked done are undone again by the next run (every undo is
         * idempotent). */
        if (sos_journal_outcome(lc->state_dir, j, i, SOS_STEP_UNDONE,
                                journal_failed ? &(sos_error){0} : &journal_err) != 0)
            journal_failed = 1;
    }
    if (lc->dry_run)
        return 0;
    if (journal_failed)
        return sos_fail(err, "rolled back, but the journal could not be updated (%s): it is "
                             "kept, and the next lifecycle command finishes the rollback",
                        journal_err.msg);
    /* current first: a kill between the two leaves the journal, and the
     * next run undoes again (every undo is idempotent) and gets here. */
    if (restore_current(lc->state_dir, j, err) != 0)
        return -1;
    return sos_journal_finish(lc->state_dir, err);
}

static int recover_locked(const struct sos_lifecycle *lc, struct sos_plugin_set *plugins,
                          const struct sos_lc_step *steps, size_t n, struct sos_lc_report *rep,
                          sos_error *err)
{
    struct sos_journal j;
    int rc = sos_journal_read(lc->state_dir, &j, err);
    if (rc != 0)
        return rc > 0 ? 0 : -1;
    err->msg[0] = '\0';
    rc = undo_journal(lc, plugins, &j, steps, n, rep, err);
    if (rc == 0 && !(rep->recovered = strdup(j.transaction)))
        rc = sos_fail(err, "out of memory");
    sos_journal_free(&j);
    return rc;
}

int sos_lifecycle_recover(const struct sos_lifecycle *lc, const struct sos_lc_step *steps,
                          size_t n, struct sos_lc_report *rep, sos_error *err)
{
    struct sos_plugin_set plugins;
    int lock, rc;
    memset(rep, 0, sizeof *rep);
    rep->run.tool = "sourceos";
    rep->run.command = "recover";
    lock = -1;
    if (!lc->dry_run && sos_journal_lock(lc->state_dir, &lock, err) != 0)
        return -1;
    if (sos_plugin_set_init(&plugins, lc->plugin_dir, err) != 0) {
        sos_journal_unlock(lock);
        return -1;
    }
    rc = recover_locked(lc, &plugins, steps, n, rep, err);
    sos_plugin_set_free(&plugins);
    sos_journal_unlock(lock);
    return rc;
}

/* Every step in order, each journaled (a dry run keeps the journal in
 * memory only, so later steps still get what earlier ones recorded); the
 * first failure undoes the ones done. 0, 1 rolled back, -1. */
static int run_steps(const struct sos_lifecycle *lc, struct sos_plugin_set *plugins,
                     const char *transaction, const struct sos_lc_step *steps, size_t n,
                     struct sos_lc_report *rep, sos_error *err)
{
    struct sos_journal j;
    const char *jdir = lc->dry_run ? NULL : lc->state_dir;
    int rc = 0;
    if (sos_journal_begin(jdir, &j, transaction, lc->generation, lc->previous, err) != 0) {
        sos_journal_free(&j);
        return -1;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        const struct sos_check_result *res;
        int st, wrc;
        if (sos_journal_intent(jdir, &j, steps[i].name, err) != 0) {
            rc = -1;
            break;
        }
        st = run_phase(lc, plugins, transaction, &steps[i], SOS_PHASE_APPLY, &j, rep, err);
        if (st < 0) {
            rc = -1;
            break;
        }
        if (!lc->dry_run)
            maybe_die(steps[i].name);
        /* Done: the outcome and what the apply published (the prior
         * record), in one write. A clean failure did its own cleanup; a
         * step that timed out, crashed or was interrupted did not: left in
         * flight, it is undone. */
        res = &rep->run.entries[rep->run.n_entries - 1].result;
        wrc = step_ok(st) ? sos_journal_done(jdir, &j, j.n_steps - 1, res->facts, res->n_facts, err)
                          : sos_journal_outcome(jdir, &j, j.n_steps - 1,
                                                st == SOS_ST_FAILURE ? SOS_STEP_FAILED
                                                                     : SOS_STEP_INTENT,
                                                err);
        if (wrc != 0) {
            rc = -1;
            break;
        }
        if (!step_ok(st)) {
            rep->failed_step = strdup(steps[i].name);
            rc = 1;
        }
    }
    if (!lc->dry_run && rc != 0) {
        /* The failed step did its own cleanup; those before it are undone. */
        sos_error undo_err;
        undo_err.msg[0] = '\0';
        if (undo_journal(lc, plugins, &j, steps, n, rep, &undo_err) != 0) {
            sos_journal_free(&j);
            if (rc == 1)
                return sos_fail(err, "%s failed and %s", rep->failed_step ? rep->failed_step : "a step",
                                undo_err.msg);
            return -1;
        }
        rep->rolled_back = 1;
    } else if (!lc->dry_run && sos_journal_finish(lc->state_dir, err) != 0) {
        rc = -1;
    }
    sos_journal_free(&j);
    return rc;
}

int sos_lifecycle_run(const struct sos_lifecycle *lc, const char *transaction,
                      const struct sos_lc_step *steps, size_t n, struct sos_lc_report *rep,
                      sos_error *err)
{
    struct sos_plugin_set plugins;
    int lock = -1, rc;
    memset(rep, 0, sizeof *rep);
    rep->run.tool = "sourceos";
    rep->run.command = transaction;
    if (!lc->dry_run && sos_journal_lock(lc->state_dir, &lock, err) != 0)
        return -1;
    if (sos_plugin_set_init(&plugins, lc->plugin_dir, err) != 0) {
        sos_journal_unlock(lock);
        return -1;
    }
    rc = lc->dry_run ? 0 : recover_locked(lc, &plugins, steps, n, rep, err);
    if (rc == 0)
        rc = run_steps(lc, &plugins, transaction, steps, n, rep, err);
    sos_plugin_set_free(&plugins);
    sos_journal_unlock(lock);
    rep->run.exit_code = sos_exit_code(rep->run.counts);
    return rc;
}
