#include "config.h"

#include "session.h"
#include "machine_params.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "trust.h"

static int load_declarations(struct sos_session *s, const struct sos_session_config *c,
                             sos_error *err)
{
    char *dir = NULL;
    int rc;
    if (c->checks_yaml) {
        rc = sos_checksd_load_buffer(c->checks_name ? c->checks_name : "profile",
                                     c->checks_yaml, strlen(c->checks_yaml), &s->checks, err);
    } else {
        /* Who can write the config directory can replace checks.d. */
        if (sos_trust_dir("config directory", c->config_dir, err) != 0)
            return -1;
        if (asprintf(&dir, "%s/checks.d", c->config_dir) < 0)
            return sos_fail(err, "out of memory");
        rc = sos_checksd_load_dir(dir, &s->checks, err);
        free(dir);
    }
    if (rc != 0)
        return -1;
    s->order = calloc(s->checks.n + 1, sizeof *s->order);
    if (!s->order)
        return sos_fail(err, "out of memory");
    return sos_checksd_resolve(&s->checks, s->order, err);
}

static char *entry_error(const struct sos_check_decl *d,
                         const struct sos_loaded_plugin *lp)
{
    char *msg = NULL;
    int n;
    if (!lp)
        n = asprintf(&msg, "out of memory loading plugin %s", d->plugin);
    else if (!lp->plugin)
        n = asprintf(&msg, "%s:%d:%d: plugin '%s' did not load: %s",
                     d->origin.file, d->origin.line, d->origin.column,
                     d->plugin, lp->error ? lp->error : "unknown error");
    else
        n = asprintf(&msg,
                     "%s:%d:%d: plugin '%s' (%s) has no check '%s'",
                     d->origin.file, d->origin.line, d->origin.column,
                     d->plugin, lp->path, d->check);
    return n < 0 ? NULL : msg;
}

/* A preflight step runs only in the preflight: the doctor has checks of its
 * own for what the steps ask again (podman.binary and preflight.podman). */
static int selected(const struct sos_check_decl *d, int scope)
{
    if (d->preflight_step)
        return 0;
    if (scope == SOS_SESSION_EVERY_SCOPE)
        return 1;
    /* machine-scope checks are agent-machine doctor's alone (-1: the rest) */
    if (scope < 0)
        return d->scope != SOS_SCOPE_MACHINE;
    return (int)d->scope == scope;
}

static int key_listed(const char *const *keys, const char *key)
{
    for (; *keys; keys++)
        if (strcmp(*keys, key) == 0)
            return 1;
    return 0;
}

/* Why D gives its check a param the plugin does not declare for it, or
 * NULL (also when the plugin declares nothing, or on ENOMEM). */
static char *param_error(const struct sos_check_decl *d, const char *const *keys)
{
    char taken[512] = "", *msg = NULL;
    size_t used = 0;
    for (size_t i = 0; i < d->n_params; i++) {
        const struct sos_param *p = &d->params[i];
        int line = p->key_at.line ? p->key_at.line : d->origin.line;
        int column = p->key_at.line ? p->key_at.column : d->origin.column;
        /* the core's own: the agent's name, the profile's name */
        if (strcmp(p->key, "agent") == 0 || strcmp(p->key, "profile") == 0 ||
            key_listed(keys, p->key))
            continue;
        for (const char *const *k = keys; *k && used < sizeof taken; k++) {
            int n = snprintf(taken + used, sizeof taken - used, "%s%s", used ? ", " : "", *k);
            used += n > 0 ? (size_t)n : 0;
        }
        if (asprintf(&msg, "%s:%d:%d: check '%s' (plugin %s, check %s) takes no param '%s'; "
                           "it takes: %s",
                     d->origin.file, line, column, d->id, d->plugin, d->check, p->key,
                     keys[0] ? taken : "none") < 0)
            msg = NULL;
        return msg;
    }
    return NULL;
}

/* Entry N runs D (for AGENT, or the host's when NULL), or reports why its
 * plugin or check could not be found, or why its params are not the
 * check's. */
static void add_entry(struct sos_session *s, size_t n, const struct sos_check_decl *d,
                      const char *agent)
{
    const struct sos_loaded_plugin *lp = sos_plugin_set_load(&s->plugins, d->plugin);
    const struct sourceos_check *check = NULL;
    if (lp && lp->plugin)
        check = sos_plugin_find_check(lp->plugin, d->check);
    s->run.entries[n].decl = d;
    s->run.entries[n].agent = agent;
    s->run.entries[n].summary = d->summary ? d->summary
                                           : check ? check->summary : NULL;
    s->jobs[n].check = check;
    if (!check) {
        s->job_errors[n] = entry_error(d, lp);
        s->jobs[n].load_error = s->job_errors[n];
    } else {
        const char *const *keys = sos_plugin_param_keys(lp->plugin, d->check);
        if (keys && (s->job_errors[n] = param_error(d, keys)) != NULL) {
            s->jobs[n].check = NULL;
            s->jobs[n].load_error = s->job_errors[n];
        }
    }
}

/* The finding that says an agent was not checked at all, for readers that
 * look at findings by code; the reason (the runner's) says what is wrong. */
static int agent_error_finding(struct sos_check_result *r,
                               const struct sos_session_agent *a)
{
    struct sos_finding_rec *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    r->findings = f;
    r->n_findings = 1;
    f->severity = SOURCEOS_SEV_CRITICAL;
    f->code = strdup("core.agent-declaration");
    f->path = strdup(a->load_decl.origin.file);
    if (asprintf(&f->message, "%s did not load: %s", a->load_decl.origin.file,
                 a->name ? "none of this agent's checks ran" : "no agent's checks ran") < 0)
        f->message = NULL;
    f->remediation = strdup("Fix the declaration where the reason says; "
                            "'sourceos-agent doctor NAME' reads it the same way.");
    return f->code && f->message && f->remediation && f->path ? 0 : -1;
}

/* A declaration that did not load is one entry in error: no check ran for
 * it, the reason says which file and where, and a finding says so by code. */
static int add_agent_error(struct sos_session *s, size_t n,
                           const struct sos_session_agent *a)
{
    s->run.entries[n].decl = &a->load_decl;
    s->run.entries[n].agent = a->name_valid ? a->name : NULL;
    s->run.entries[n].summary = a->load_decl.summary;
    s->jobs[n].check = NULL;
    s->jobs[n].load_error = a->load_error;
    return agent_error_finding(&s->run.entries[n].result, a);
}

static size_t agent_entries(const struct sos_session *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_agents; i++)
        n += s->agents[i].load_error ? 1 : s->agents[i].checks.n;
    return n;
}

static void keep_by_id(const struct sos_checks *checks, char *const *ids, size_t n,
                       unsigned char *keep)
{
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < checks->n; i++)
            if (strcmp(checks->v[i].id, ids[j]) == 0)
                keep[i] = 1;
}

/* The preflight's checks: every step, and what the steps need or run after.
 * ORDER puts a check after its dependencies, so one pass from the end
 * reaches every dependency of a kept check. NULL on ENOMEM. */
static unsigned char *preflight_selection(const struct sos_session *s, unsigned long steps)
{
    unsigned char *keep = calloc(s->checks.n + 1, 1);
    if (!keep)
        return NULL;
    for (size_t k = s->checks.n; k-- > 0;) {
        size_t i = s->order[k];
        const struct sos_check_decl *d = &s->checks.v[i];
        if (d->preflight_step &&
            (!steps || (d->preflight_step < 8 * sizeof steps && (steps >> d->preflight_step) & 1)))
            keep[i] = 1;
        if (!keep[i])
            continue;
        keep_by_id(&s->checks, d->needs, d->n_needs, keep);
        keep_by_id(&s->checks, d->after, d->n_after, keep);
    }
    return keep;
}

static int prepare_entries(struct sos_session *s, const struct sos_session_config *c,
                           sos_error *err)
{
    size_t n = 0, total = s->checks.n + agent_entries(s);
    unsigned char *keep = NULL;
    s->run.entries = calloc(total + 1, sizeof *s->run.entries);
    s->jobs = calloc(total + 1, sizeof *s->jobs);
    s->job_errors = calloc(total + 1, sizeof *s->job_errors);
    if (!s->run.entries || !s->jobs || !s->job_errors ||
        (c->preflight && !(keep = preflight_selection(s, c->preflight_steps)))) {
        free(keep);
        return sos_fail(err, "out of memory");
    }
    for (size_t k = 0; k < s->checks.n; k++) {
        const struct sos_check_decl *d = &s->checks.v[s->order[k]];
        if (keep ? keep[s->order[k]] : selected(d, c->scope))
            add_entry(s, n++, d, NULL);
    }
    free(keep);
    /* After the host's checks, which they may need: each agent's own. */
    for (size_t i = 0; i < s->n_agents; i++) {
        const struct sos_session_agent *a = &s->agents[i];
        if (a->load_error && add_agent_error(s, n++, a) != 0) {
            s->run.n_entries = n; /* what is filled is freed */
            return sos_fail(err, "out of memory");
        }
        for (size_t k = 0; !a->load_error && k < a->checks.n; k++)
            add_entry(s, n++, &a->checks.v[k], a->name);
    }
    s->run.n_entries = n;
    return 0;
}

/* The entries' needs and after, resolved once for the runner: an agent's
 * instance finds its own agent's checks first, then the host's. */
static int resolve_entries(struct sos_session *s, sos_error *err)
{
    struct sos_graph_node *nodes = calloc(s->run.n_entries + 1, sizeof *nodes);
    int rc;
    if (!nodes)
        return sos_fail(err, "out of memory");
    for (size_t i = 0; i < s->run.n_entries; i++) {
        nodes[i].decl = s->run.entries[i].decl;
        nodes[i].agent = s->run.entries[i].agent;
    }
    rc = sos_graph_build(nodes, s->run.n_entries, 0, &s->graph, err);
    free(nodes);
    if (rc == 0)
        s->run.graph = &s->graph;
    return rc;
}

/* ---- every agent of agents.d ----------------------------------------- */

/* Records WHY A did not load, and the entry that reports it. */
static int agent_failed(struct sos_session_agent *a, const char *path,
                        const char *why)
{
    struct sos_check_decl *d = &a->load_decl;
    memset(d, 0, sizeof *d);
    d->scope = SOS_SCOPE_AGENT;
    d->origin.line = 1;
    d->origin.column = 1;
    a->load_error = strdup(why);
    d->id = strdup("core.agent-declaration");
    d->plugin = strdup("core");
    d->check = strdup("agent-declaration");
    d->summary = strdup("The agent's declaration in agents.d");
    d->origin.file = strdup(path);
    return a->load_error && d->id && d->plugin && d->check && d->summary &&
                   d->origin.file
               ? 0
               : -1;
}

/* The agent-scope checks of checks.d, in run order, as A's own copies with
 * its keys. */
static int agent_checks(const struct sos_session *s, struct sos_session_agent *a,
                        sos_error *err)
{
    a->checks.v = calloc(s->checks.n + 1, sizeof *a->checks.v);
    if (!a->checks.v)
        return sos_fail(err, "out of memory");
    for (size_t k = 0; k < s->checks.n; k++) {
        const struct sos_check_decl *d = &s->checks.v[s->order[k]];
        if (d->scope != SOS_SCOPE_AGENT || d->preflight_step)
            continue;
        if (sos_decl_copy(d, &a->checks.v[a->checks.n]) != 0)
            return sos_fail(err, "out of memory");
        a->checks.n++;
    }
    return sos_agent_apply(&a->agent, &a->checks, err);
}

/* Loads agents.d/NAME.yaml into A; a declaration that does not load (or
 * whose checks cannot take its keys) is A's load error, not the run's.
 * Returns -1 only when out of memory. */
static int load_agent(struct sos_session *s, struct sos_session_agent *a,
                      const struct sos_session_config *c, const char *name)
{
    const char *config_dir = c->agents_dir ? c->agents_dir : c->config_dir;
    sos_error err;
    char *path = NULL, *why = NULL;
    int rc = 0;
    a->name = strdup(name);
    if (!a->name || asprintf(&path, "%s/agents.d/%s.yaml", config_dir, name) < 0)
        return -1;
    a->name_valid = sos_agent_name_valid(name);
    if ((c->agent_opts ? sos_agent_load_with(config_dir, name, c->agent_opts, &a->agent, &err)
                       : sos_agent_load(config_dir, name, &a->agent, &err)) != 0) {
        /* A name that is not one has no path in its message yet. */
        if (!a->name_valid && asprintf(&why, "%s: %s", path, err.msg) < 0)
            why = NULL;
        rc = agent_failed(a, path, why ? why : err.msg);
    } else if (agent_checks(s, a, &err) != 0) {
        sos_checks_free(&a->checks);
        rc = agent_failed(a, path, err.msg);
    }
    free(why);
    free(path);
    return rc;
}

/* Every declaration of CONFIG_DIR/agents.d, sorted by name. An agents.d
 * that cannot be read is one entry in error, without an agent. */
static int load_agents(struct sos_session *s, const struct sos_session_config *c,
                       sos_error *err)
{
    const char *config_dir = c->agents_dir ? c->agents_dir : c->config_dir;
    char **names = NULL;
    size_t n = 0;
    sos_error list_err;
    int rc = 0;
    if (sos_agents_list(config_dir, &names, &n, &list_err) != 0) {
        char *dir = NULL;
        s->agents = calloc(1, sizeof *s->agents);
        if (!s->agents || asprintf(&dir, "%s/agents.d", config_dir) < 0)
            return sos_fail(err, "out of memory");
        s->n_agents = 1;
        rc = agent_failed(&s->agents[0], dir, list_err.msg);
        free(dir);
        return rc == 0 ? 0 : sos_fail(err, "out of memory");
    }
    s->agents = calloc(n + 1, sizeof *s->agents);
    if (!s->agents)
        rc = sos_fail(err, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        s->n_agents++;
        if (load_agent(s, &s->agents[i], c, names[i]) != 0)
            rc = sos_fail(err, "out of memory loading agent %s", names[i]);
    }
    sos_agents_list_free(names, n);
    return rc;
}

static void free_agents(struct sos_session *s)
{
    for (size_t i = 0; i < s->n_agents; i++) {
        struct sos_session_agent *a = &s->agents[i];
        free(a->name);
        sos_agent_free(&a->agent);
        sos_checks_free(&a->checks);
        free(a->load_error);
        sos_decl_free(&a->load_decl);
    }
    free(s->agents);
}

int sos_session_open(struct sos_session *s, const struct sos_session_config *c,
                     sos_error *err)
{
    memset(s, 0, sizeof *s);
    if (load_declarations(s, c, err) != 0)
        return -1;
    if (c->agent && sos_agent_apply(c->agent, &s->checks, err) != 0)
        return -1;
    if (c->profile && sos_am_profile_apply(c->profile, c->profile_name, &s->checks, err) != 0)
        return -1;
    if (sos_plugin_set_init(&s->plugins, c->plugin_dir, err) != 0)
        return -1;
    s->run.tool = "sourceos";
    s->run.version = PACKAGE_VERSION;
    s->run.command = c->command;
    if (c->host)
        s->run.host = *c->host;
    else
        sos_host_detect(c->root, &s->run.host);
    if (c->all_agents && load_agents(s, c, err) != 0)
        return -1;
    if (prepare_entries(s, c, err) != 0)
        return -1;
    return resolve_entries(s, err);
}

void sos_session_close(struct sos_session *s)
{
    for (size_t i = 0; i < s->run.n_entries; i++)
        sos_check_result_free(&s->run.entries[i].result);
    for (size_t i = 0; s->job_errors && i < s->run.n_entries; i++)
        free(s->job_errors[i]);
    free(s->job_errors);
    free(s->jobs);
    free(s->run.entries);
    sos_graph_free(&s->graph);
    sos_plugin_set_free(&s->plugins);
    free(s->order);
    sos_checks_free(&s->checks);
    free_agents(s);
    memset(s, 0, sizeof *s);
}
