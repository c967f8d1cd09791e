/* The runner: checks in dependency order, each in its own child process and
 * process group, in parallel up to -j, killed at their deadline. */
#ifndef SOS_RUNNER_H
#define SOS_RUNNER_H

#include "error.h"
#include "replay.h"
#include "run.h"
#include "sourceos/plugin.h"

/* Which callback of an action a job runs. */
enum sos_action_phase { SOS_PHASE_PLAN, SOS_PHASE_APPLY, SOS_PHASE_UNDO };

/* What to run for run->entries[i]: a check, or one phase of an action
 * (its result's status: ok when the callback returned 0, failure when -1). */
struct sos_runner_job {
    const struct sourceos_check *check; /* NULL (and no action): report load_error */
    const char *load_error;             /* why there is no check */
    const struct sourceos_action *action; /* instead of a check */
    enum sos_action_phase phase;
};

struct sos_runner_opts {
    const char *root;       /* --root; NULL for the live host */
    int offline;            /* no command, no socket: a tree on its own */
    /* --from-bundle: every check's commands answered from this table
     * (loaded before the run, so each forked check sees it); NULL: none. */
    const struct sos_replay *replay;
    unsigned jobs;          /* parallel checks, >= 1 */
    double default_timeout; /* seconds, for checks without `timeout` */
    double max_timeout;     /* seconds no check may exceed (--timeout); 0: none */
    int dry_run;            /* actions' apply and undo only plan (--dry-run) */
    int capture;            /* keep outputs and what checks looked at (ctx.h) */
    /* Told as each check starts and finishes (NDJSON); may be NULL. */
    void (*on_start)(void *data, const struct sos_run_entry *e);
    void (*on_finish)(void *data, const struct sos_run_entry *e);
    /* Told every tick_interval seconds while checks run (a terminal's
     * status line), between the runner's other work; may be NULL. */
    void (*on_tick)(void *data);
    double tick_interval;
    void *callback_data;
};

/* Runs every entry of RUN (already in dependency order, with RUN->graph
 * their resolved dependencies) and fills its
 * results, counts and exit code. Entries whose `when` does not match the
 * host, or which need a check that did not pass (ok or warning), are
 * skipped with the reason. Returns 0, or -1 with ERR when the runner itself
 * could not work (fork or pipe failed for good). No process it started is
 * left when it returns. */
int sos_runner_run(struct sos_run *run, const struct sos_runner_job *jobs,
                   const struct sos_runner_opts *opts, sos_error *err);

/* The host facts every check sees (host.os, host.arch, ...), malloc'd;
 * host.live is "false" when OFFLINE (commands and probes are refused). */
int sos_host_facts(const struct sos_host *host, int offline, struct sos_kv **facts,
                   size_t *n);
void sos_kv_free(struct sos_kv *kv, size_t n);

#endif
