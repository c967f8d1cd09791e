/* The preflight's verdict, from a run of the checks that carry a
 * `preflight:` step (checksd.h): one line per step in step order, the
 * actions the failed steps' findings give, and where the agent's
 * persistence stands. Every string is redacted with the run's secrets and
 * owned here; printing escapes controls. */
#ifndef SOS_PREFLIGHT_H
#define SOS_PREFLIGHT_H

#include <jansson.h>
#include <stdio.h>

#include "error.h"
#include "run.h"

struct sos_preflight_step {
    unsigned step;
    const struct sos_run_entry *entry; /* the one check shown for the step */
    char *state;                       /* "- WHAT: STATE" */
};

struct sos_preflight {
    const char *agent;
    const char *verdict;  /* "passed", "passed with warnings", "failed" */
    int exit_code;        /* 0, 1, 2 */
    struct sos_preflight_step *steps;
    size_t n_steps;
    char **actions;       /* "run `CMD`" or the remediation's words */
    size_t n_actions;
    const char *persistence; /* "not staged", "staged but not enabled", ... */
};

/* Builds OUT from RUN's entries for AGENT. For each step the first of its
 * checks that was not left out by `when:` is shown (a step whose every
 * check was left out shows the first, with the reason). Its state is the
 * message of its most severe finding, or the reason it was skipped or
 * could not decide. The verdict is the worst status among the run's
 * entries: a failure, an error, a timeout, a crash or an interruption
 * fails; a warning warns; skips do not count (what a skipped step needed
 * failed, or it does not apply). PERSISTENCE is kept as given. */
int sos_preflight_build(const struct sos_run *run, const char *agent, const char *persistence,
                        struct sos_preflight *out, sos_error *err);

/* NAME preflight: VERDICT, then "- WHAT: STATE" per step, "- action: ..."
 * per action, "- persistence: ...". */
void sos_preflight_print_human(FILE *out, const struct sos_preflight *p);

/* The report's "preflight" member (schemas/report.schema.json). */
json_t *sos_preflight_to_json(const struct sos_preflight *p);

void sos_preflight_free(struct sos_preflight *p);

#endif
