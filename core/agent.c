#include "config.h"

#include "agent.h"
#include "params.h"
#include "gen.h"
#include "stage.h"
#include "trust.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_NAME_LEN 64

int sos_agent_name_valid(const char *name)
{
    size_t len = name ? strlen(name) : 0;
    if (len == 0 || len > MAX_NAME_LEN || name[0] == '-')
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!islower((unsigned char)name[i]) && !isdigit((unsigned char)name[i]) &&
            name[i] != '-')
            return 0;
    return 1;
}

/* ${agent.auth} for registry.agent-auth, which knows two policies:
 * "empty-authfile" (nothing ambient may reach the runtime: verified) and
 * "host" (the runtime reads the host's credential chain: reported). */
static const char *auth_policy(const struct sos_agent_model *m)
{
    return m->auth.mode == SOS_AUTH_EMPTY_AUTHFILE ||
                   m->auth.mode == SOS_AUTH_FORBIDDEN_AMBIENT
               ? "empty-authfile"
               : "host";
}

static int put_one(struct sos_check_decl *decl, const char *key, const char *value)
{
    char *values[] = {(char *)value};
    if (!value || !value[0]) /* absent: the reference drops the value */
        return 0;
    return sos_param_set(decl, key, values, 1, 0);
}

static int put_list(struct sos_check_decl *decl, const char *key,
                    const struct sos_agent_strings *l)
{
    return l->n ? sos_param_set(decl, key, l->v, l->n, 1) : 0;
}

/* ${agent.podman_env}: the environment the governed wrapper gives podman
 * (the declaration's env goes to the container, with -e): its private
 * DOCKER_CONFIG in the agent's state directory, as OPTS place it. */
static int put_podman_env(struct sos_agent *a, const struct sos_agent_model_opts *opts)
{
    sos_error err;
    char *state, *kv = NULL;
    int rc;
    if (a->model.runtime != SOS_RUNTIME_PODMAN)
        return 0;
    if (!(state = sos_stage_state_dir(&a->model, opts->home, opts->xdg_state_home, &err)))
        return 0; /* no usable home: the check says the variable is unset */
    rc = asprintf(&kv, "DOCKER_CONFIG=%s/" SOS_GEN_DOCKER_CONFIG, state) < 0 ? -1
                                                                              : put_one(&a->decl, "podman_env", kv);
    free(state);
    free(kv);
    return rc;
}

/* The ${agent.KEY} values, all from the model, under the names checks.d
 * has always used. The installed service's files (plist, unit) are given
 * only when the declaration names an existing one: before sourceos-agent
 * installs an agent there is no file of it to lint or ask about. */
static int params_from_model(struct sos_agent *a)
{
    const struct sos_agent_model *m = &a->model;
    int scoped = m->scope == SOS_SCOPE_USER;
    int rc = put_one(&a->decl, "name", m->name) |
             put_one(&a->decl, "description", m->description) |
             put_one(&a->decl, "image", m->image) |
             put_one(&a->decl, "container", m->container_name) |
             put_one(&a->decl, "containerName", m->container_name) |
             put_one(&a->decl, "auth", auth_policy(m)) |
             put_one(&a->decl, "auth.mode", sos_auth_mode_name(m->auth.mode)) |
             put_one(&a->decl, "authfile", m->auth.authfile) |
             put_list(&a->decl, "env", &m->env) |
             put_list(&a->decl, "command", &m->command) |
             put_list(&a->decl, "args", &m->args) |
             put_one(&a->decl, "label", m->label) |
             put_one(&a->decl, "user", scoped ? "true" : "false") |
             put_one(&a->decl, "scope", sos_agent_scope_name(m->scope)) |
             put_one(&a->decl, "runtime", sos_agent_runtime_name(m->runtime)) |
             put_one(&a->decl, "backend", sos_agent_backend_name(m->backend)) |
             put_one(&a->decl, "logs.app", m->logs.app) |
             put_one(&a->decl, "logs.stdout", m->logs.stdout_path) |
             put_one(&a->decl, "logs.stderr", m->logs.stderr_path) |
             put_one(&a->decl, "account", m->account) |
             put_one(&a->decl, "podman.connection", m->podman.connection) |
             put_one(&a->decl, "podman.pull", sos_pull_policy_name(m->podman.pull)) |
             put_one(&a->decl, "podman.requireMachine",
                     m->podman.require_machine ? "true" : "false") |
             put_one(&a->decl, "podman.requireLocalImage",
                     m->podman.require_local_image ? "true" : "false") |
             put_one(&a->decl, "service.plist", m->service.plist) |
             put_one(&a->decl, "service.unit", m->service.unit);
    if (m->service.adopted & SOS_ADOPTED_PLIST)
        rc |= put_one(&a->decl, "plist", m->service.plist);
    if (m->service.adopted & SOS_ADOPTED_UNIT)
        rc |= put_one(&a->decl, "unit", m->service.unit);
    return rc;
}

int sos_agent_put_list(struct sos_agent *agent, const char *key, char *const *values,
                       size_t n)
{
    return sos_param_set(&agent->decl, key, values, n, 1);
}

/* A declaration is as trustworthy as the directories that hold it: who can
 * write them can replace it (its own file is checked when it is read). */
static int trust_directories(const char *config_dir, sos_error *err)
{
    char *dir = NULL;
    int rc;
    if (sos_trust_dir("config directory", config_dir, err) != 0)
        return -1;
    if (asprintf(&dir, "%s/agents.d", config_dir) < 0)
        return sos_fail(err, "out of memory");
    rc = sos_trust_dir("agents.d directory", dir, err);
    free(dir);
    return rc;
}

int sos_agent_load(const char *config_dir, const char *name,
                   struct sos_agent *out, sos_error *err)
{
    struct sos_agent_model_opts opts;
    memset(out, 0, sizeof *out);
    if (sos_agent_model_opts_default(&opts, err) != 0)
        return -1;
    return sos_agent_load_with(config_dir, name, &opts, out, err);
}

int sos_agent_load_with(const char *config_dir, const char *name,
                        const struct sos_agent_model_opts *opts, struct sos_agent *out,
                        sos_error *err)
{
    struct stat st;
    memset(out, 0, sizeof *out);
    if (!sos_agent_name_valid(name))
        return sos_fail(err, "'%s' is not an agent name (lower-case letters, digits "
                             "and '-', at most %d characters)",
                        name ? name : "", MAX_NAME_LEN);
    out->name = strdup(name);
    if (!out->name || asprintf(&out->path, "%s/agents.d/%s.yaml", config_dir, name) < 0) {
        out->path = NULL;
        sos_agent_free(out);
        return sos_fail(err, "out of memory");
    }
    if (stat(out->path, &st) != 0) {
        int saved = errno;
        sos_fail(err, "no agent '%s': %s: %s", name, out->path,
                 saved == ENOENT ? "no such declaration" : strerror(saved));
        sos_agent_free(out);
        return -1;
    }
    if (trust_directories(config_dir, err) != 0 ||
        sos_agent_model_load_file(out->path, name, opts, &out->model, err) != 0) {
        sos_agent_free(out);
        return -1;
    }
    if (params_from_model(out) != 0 || put_podman_env(out, opts) != 0) {
        sos_agent_free(out);
        return sos_fail(err, "%s: out of memory", out->path);
    }
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* NAME.yaml's NAME, or NULL when FILE is hidden or not a .yaml file. */
static char *declaration_stem(const char *file)
{
    size_t len = strlen(file);
    if (file[0] == '.' || len <= 5 || strcmp(file + len - 5, ".yaml") != 0)
        return NULL;
    return strndup(file, len - 5);
}

int sos_agents_list(const char *config_dir, char ***names_out, size_t *n_out,
                    sos_error *err)
{
    char *dir = NULL;
    DIR *d;
    struct dirent *ent;
    char **names = NULL;
    size_t n = 0;
    *names_out = NULL;
    *n_out = 0;
    if (asprintf(&dir, "%s/agents.d", config_dir) < 0)
        return sos_fail(err, "out of memory");
    d = opendir(dir);
    if (!d) {
        int saved = errno;
        if (saved == ENOENT) { /* no agent declared: nothing to list */
            free(dir);
            return 0;
        }
        sos_fail(err, "cannot read the agents.d directory %s: %s", dir, strerror(saved));
        free(dir);
        return -1;
    }
    free(dir);
    while ((ent = readdir(d)) != NULL) {
        char *stem = declaration_stem(ent->d_name);
        char **grown = stem ? realloc(names, (n + 2) * sizeof *names) : NULL;
        if (!stem)
            continue;
        if (!grown) {
            free(stem);
            closedir(d);
            sos_agents_list_free(names, n);
            return sos_fail(err, "out of memory");
        }
        names = grown;
        names[n++] = stem;
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof *names, compare_names);
    *names_out = names;
    *n_out = n;
    return 0;
}

void sos_agents_list_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* `when: runtime:` is decided here, where the agent is known: a check for
 * another runtime is skipped with this reason. */
static int mark_inapplicable(const struct sos_agent *agent, struct sos_check_decl *d)
{
    unsigned bit = 1u << agent->model.runtime;
    char runtimes[64];
    if (!d->when_runtime || (d->when_runtime & bit))
        return 0;
    sos_runtime_list(d->when_runtime, runtimes, sizeof runtimes);
    free(d->inapplicable);
    return asprintf(&d->inapplicable, "applies only to runtime %s; %s runs %s", runtimes,
                    agent->name, sos_agent_runtime_name(agent->model.runtime)) < 0
               ? (d->inapplicable = NULL, -1)
               : 0;
}

int sos_agent_apply(const struct sos_agent *agent, struct sos_checks *checks,
                    sos_error *err)
{
    char *name[] = {agent->name};
    for (size_t k = 0; k < checks->n; k++) {
        struct sos_check_decl *d = &checks->v[k];
        if (d->scope != SOS_SCOPE_AGENT)
            continue;
        for (size_t i = 0; i < d->n_params; i++)
            if (sos_param_expand("agent", &agent->decl, d, &d->params[i], err) != 0)
                return -1;
        if (sos_param_set(d, "agent", name, 1, 0) != 0 || mark_inapplicable(agent, d) != 0)
            return sos_fail(err, "out of memory");
    }
    return 0;
}

void sos_agent_free(struct sos_agent *agent)
{
    if (!agent)
        return;
    sos_decl_free(&agent->decl);
    sos_agent_model_free(&agent->model);
    free(agent->name);
    free(agent->path);
    memset(agent, 0, sizeof *agent);
}
