/* An agent of agents.d: its typed model (agent_model.h), and the values
 * its agent-scope checks get for ${agent.KEY}, derived from the model. */
#ifndef SOS_AGENT_H
#define SOS_AGENT_H

#include "agent_model.h"
#include "checksd.h"
#include "error.h"

struct sos_agent {
    char *name;
    char *path;                    /* the declaration file */
    struct sos_agent_model model;  /* what every command reads */
    struct sos_check_decl decl;    /* ${agent.KEY} values, from the model */
};

/* Whether NAME can name an agent: ^[a-z0-9][a-z0-9-]*$, at most 64
 * characters (so never a path). */
int sos_agent_name_valid(const char *name);

/* Reads CONFIG_DIR/agents.d/NAME.yaml (which must say `name: NAME`) into
 * OUT->model through sos_agent_model_load_file(), with this process's
 * defaults (sos_agent_model_opts_default()), after checking that the
 * directories holding it are trusted. Then derives the ${agent.KEY} values:
 * name, description, image, container (= containerName), auth
 * ("empty-authfile" or "host", the registry check's two policies),
 * auth.mode, authfile, env, command, args, label, user ("true" for scope
 * user), scope, runtime, backend, logs.app, logs.stdout, logs.stderr,
 * account, podman.connection, podman.pull, podman.requireMachine and
 * podman.requireLocalImage ("true"/"false"), service.plist and service.unit
 * (where stage would install them), and plist and unit when the
 * declaration names an installed service (the deprecated keys). Errors name
 * the file, and line:column for what is inside it; the model's warnings
 * (deprecated keys) are for the caller to show. */
int sos_agent_load(const char *config_dir, const char *name,
                   struct sos_agent *out, sos_error *err);

/* The same, with OPTS giving the target OS and the agent user's home. */
int sos_agent_load_with(const char *config_dir, const char *name,
                        const struct sos_agent_model_opts *opts, struct sos_agent *out,
                        sos_error *err);

/* The names of the declarations in CONFIG_DIR/agents.d (each NAME.yaml,
 * hidden files left out), sorted by strcmp; none when agents.d does not
 * exist. A name may not be valid: sos_agent_load() says why. Free with
 * sos_agents_list_free(). */
int sos_agents_list(const char *config_dir, char ***names, size_t *n,
                    sos_error *err);
void sos_agents_list_free(char **names, size_t n);

/* Adds (or replaces) the ${agent.KEY} value KEY: the N strings of VALUES
 * as a list. For what a command knows beyond the declaration (preflight's
 * lint results). 0, or -1 on ENOMEM. */
int sos_agent_put_list(struct sos_agent *agent, const char *key, char *const *values,
                       size_t n);

/* In every agent-scope check of CHECKS, replaces each param value that is
 * "${agent.KEY}" by the agent's KEY (a list splices in; a key the agent
 * lacks drops the value), and sets param `agent` to its name. A reference
 * that is only part of a value is an error naming the check. */
int sos_agent_apply(const struct sos_agent *agent, struct sos_checks *checks,
                    sos_error *err);

void sos_agent_free(struct sos_agent *agent);

#endif
