/* A finished (or running) run: what the reports are made from. */
#ifndef SOS_RUN_H
#define SOS_RUN_H

#include <stddef.h>

#include "checksd.h"
#include "host.h"
#include "result.h"

struct sos_run_entry {
    const struct sos_check_decl *decl;
    const char *summary; /* the declaration's, else the plugin's; may be NULL */
    /* The agents.d declaration this instance of an agent-scope check runs
     * for (doctor local-runtime runs them once per agent); NULL for the
     * host's checks and for doctor NAME, whose command names the agent. */
    const char *agent;
    struct sos_check_result result;
    int done; /* result is final */
};

struct sos_graph;

struct sos_run {
    const char *tool;    /* "sourceos" */
    const char *version; /* PACKAGE_VERSION */
    const char *command; /* e.g. "doctor local-runtime" */
    struct sos_host host;
    double started;  /* epoch seconds */
    double duration; /* seconds */
    struct sos_run_entry *entries; /* in run (topological) order */
    size_t n_entries;
    /* The entries' dependencies resolved by index (core/graph.h: node i is
     * entry i), which the runner follows; the session builds it. */
    const struct sos_graph *graph;
    int counts[SOS_ST_COUNT]; /* filled when the run ends */
    int exit_code;            /* sos_exit_code(counts), or 128+interrupted_by */
    int interrupted_by;       /* the signal that interrupted the run, or 0 */
};

#endif
