/* The lifecycle's transactions (DESIGN.md: The activation pipeline):
 * steps that change the host, each a plugin action run through the runner
 * in a child, under the agent's lock, with its intent written to the
 * journal before it and its outcome after. A step that fails undoes the
 * steps done before it, in reverse; a journal left with a step in flight
 * (the process was killed) is rolled back first. Never half-done: after a
 * transaction either every step is done or none is.
 *
 * The facts a step's apply publishes are written to the journal with its
 * outcome `done` and given to every later phase, undos included (also in a
 * rollback after a kill), as params of the same keys (ABI 1.5): the first
 * step, `prior`, records so the state the undos put back. A rolled back
 * activate points `current` back at the generation in service before it. */
#ifndef SOS_LIFECYCLE_H
#define SOS_LIFECYCLE_H

#include <stddef.h>

#include "checksd.h"
#include "error.h"
#include "run.h"

/* One step: the journal's name for it and the plugin action it runs. */
struct sos_lc_step {
    const char *name;   /* ^[a-z0-9][a-z0-9-]*$, e.g. "install-unit" */
    const char *plugin; /* "systemd", "launchd" */
    const char *action;
};

struct sos_lifecycle {
    const char *state_dir;      /* the agent's, made by stage */
    const char *plugin_dir;
    const char *root;           /* NULL: this machine */
    unsigned generation;        /* the generation the steps put in service */
    unsigned previous;          /* current before, 0 none */
    const struct sos_param *params; /* every step's params (unit, source, backup, user, ...) */
    size_t n_params;
    int dry_run;                /* plan every step: nothing changes, no journal */
    double step_timeout;        /* seconds */
};

/* What a transaction did, step by step, for the report: each action phase
 * run is an entry (its decl's id "TRANSACTION.STEP" or ".undo"), results
 * with their changes. */
struct sos_lc_report {
    struct sos_run run;
    char *failed_step;   /* the step that failed, or NULL */
    int rolled_back;     /* the steps before it were undone */
    char *recovered;     /* an interrupted transaction found and rolled back first: its name */
    struct sos_check_decl **decls; /* owned: one per entry */
};

/* Runs TRANSACTION's N steps. 0 every step done; 1 a step failed and the
 * ones before it were undone (REP says which); -1 with ERR when nothing
 * could be done (the lock is held, the journal cannot be written, a plugin
 * or action is missing, a journal that is not ours). The test seam
 * SOURCEOS_TEST_KILL_AFTER=STEP kills the process with SIGKILL right after
 * STEP's action returned, before its outcome is written: the worst moment. */
int sos_lifecycle_run(const struct sos_lifecycle *lc, const char *transaction,
                      const struct sos_lc_step *steps, size_t n, struct sos_lc_report *rep,
                      sos_error *err);

/* Rolls back a transaction a killed process left in the journal: every
 * step done or in flight is undone, newest first, with STEPS giving the
 * action of each step name (the steps of every transaction). 0 when there
 * was nothing to do or it was rolled back (REP->recovered names it); -1
 * with ERR. Takes the lock itself. */
int sos_lifecycle_recover(const struct sos_lifecycle *lc, const struct sos_lc_step *steps,
                          size_t n, struct sos_lc_report *rep, sos_error *err);

void sos_lc_report_free(struct sos_lc_report *rep);

#endif
