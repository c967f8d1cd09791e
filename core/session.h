/* A session: checks.d read, plugins loaded, a run prepared for one scope. */
#ifndef SOS_SESSION_H
#define SOS_SESSION_H

#include "agent.h"
#include "checksd.h"
#include "error.h"
#include "graph.h"
#include "loader.h"
#include "run.h"
#include "runner.h"

#define SOS_SESSION_EVERY_SCOPE (-2)

struct sos_session_config {
    const char *config_dir; /* holds checks.d/ */
    const char *agents_dir; /* holds agents.d/ (all_agents); NULL: config_dir */
    const char *plugin_dir;
    const char *root;       /* --root, or NULL */
    int scope;              /* enum sos_scope; -1 every check but machine-scope ones
                               (those are agent-machine doctor's); or
                               SOS_SESSION_EVERY_SCOPE (the catalog) */
    const char *command;    /* for the report, e.g. "doctor local-runtime" */
    const struct sos_agent *agent; /* gives agent-scope checks its keys */
    /* agent-machine doctor: the profile's ${profile.KEY} values and name */
    const struct sos_check_decl *profile;
    const char *profile_name;
    /* doctor local-runtime: after the selected checks, the agent-scope
     * checks once for each agents.d declaration, sorted by name. */
    int all_agents;
    /* A profile of checks of its own (status, logs: core/status.c) read
     * instead of <config_dir>/checks.d; named CHECKS_NAME in messages. */
    const char *checks_yaml;
    const char *checks_name;
    /* preflight NAME: only the checks with a `preflight:` step, and the
     * checks they need or run after (whatever their scope). */
    int preflight;
    /* preflight: the steps to run (bit N = step N, with what they need);
     * 0 every step. */
    unsigned long preflight_steps;
    /* all_agents: the model's defaults to load each declaration with
     * (the --root tree's OS); NULL: this process's. */
    const struct sos_agent_model_opts *agent_opts;
    /* The host the report names and the checks see (a replay's, from its
     * bundle); NULL: detected from root. */
    const struct sos_host *host;
};

/* One agents.d declaration of an all_agents session. */
struct sos_session_agent {
    char *name;               /* NAME of NAME.yaml; NULL: agents.d unreadable */
    int name_valid;           /* NAME can be the entries' agent */
    struct sos_agent agent;   /* empty when it did not load */
    struct sos_checks checks; /* copies of checks.d's agent-scope checks, in
                                 run order, with this agent's keys */
    char *load_error;         /* why it did not load, or NULL */
    struct sos_check_decl load_decl; /* the entry that reports load_error */
};

struct sos_session {
    struct sos_checks checks;
    size_t *order;
    struct sos_plugin_set plugins;
    struct sos_run run;
    struct sos_graph graph;      /* run.entries' dependencies; run.graph */
    struct sos_runner_job *jobs; /* one per run entry */
    char **job_errors;           /* owned messages behind jobs[i].load_error */
    struct sos_session_agent *agents; /* all_agents: one per declaration */
    size_t n_agents;
};

/* Reads <config_dir>/checks.d (fatal on any declaration error), detects the
 * host, loads the plugins the selected checks name and resolves each check.
 * A plugin that does not load, or a check it does not have, becomes that
 * entry's error (naming the declaration's file:line:column), so the other
 * checks still run. With all_agents, an agents.d declaration that does not
 * load becomes one entry in error under its name, and the others still run. */
int sos_session_open(struct sos_session *s, const struct sos_session_config *c,
                     sos_error *err);

void sos_session_close(struct sos_session *s);

#endif
