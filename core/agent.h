/* An agent's declaration (agents.d/NAME.yaml), as far as its checks need it. */
#ifndef SOS_AGENT_H
#define SOS_AGENT_H

#include "checksd.h"
#include "error.h"

struct sos_agent {
    char *name;
    char *path;                 /* the declaration file */
    struct sos_check_decl decl; /* its keys, as params for agent-scope checks */
};

/* The keys a declaration may have. */
extern const char *const sos_agent_keys[];

/* Whether NAME can name an agent: ^[a-z0-9][a-z0-9-]*$, at most 64
 * characters (so never a path). */
int sos_agent_name_valid(const char *name);

/* Reads CONFIG_DIR/agents.d/NAME.yaml, which must say `name: NAME` and whose
 * `env` is a list of KEY=VALUE. Adds the defaults (container
 * "sourceos-NAME", auth "empty-authfile"). Errors name the file, and
 * line:column for what is inside it. */
int sos_agent_load(const char *config_dir, const char *name,
                   struct sos_agent *out, sos_error *err);

/* The names of the declarations in CONFIG_DIR/agents.d (each NAME.yaml,
 * hidden files left out), sorted by strcmp; none when agents.d does not
 * exist. A name may not be valid: sos_agent_load() says why. Free with
 * sos_agents_list_free(). */
int sos_agents_list(const char *config_dir, char ***names, size_t *n,
                    sos_error *err);
void sos_agents_list_free(char **names, size_t n);

/* In every agent-scope check of CHECKS, replaces each param value that is
 * "${agent.KEY}" by the agent's KEY (a list splices in; a key the agent
 * lacks drops the value), and sets param `agent` to its name. A reference
 * that is only part of a value is an error naming the check. */
int sos_agent_apply(const struct sos_agent *agent, struct sos_checks *checks,
                    sos_error *err);

void sos_agent_free(struct sos_agent *agent);

#endif
