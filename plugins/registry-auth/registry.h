/* registry-auth: declarations the registry credential checks share. */
#ifndef SOS_PLUGIN_REGISTRY_H
#define SOS_PLUGIN_REGISTRY_H

/* Podman looks for credentials in a chain of files (containers/image,
 * pkg/docker/config): --authfile or REGISTRY_AUTH_FILE, then
 * $XDG_RUNTIME_DIR/containers/auth.json, $XDG_CONFIG_HOME/containers/auth.json,
 * $DOCKER_CONFIG/config.json (or ~/.docker/config.json) and ~/.dockercfg.
 * These checks show that chain, what each file holds (names only, never a
 * value), the credential helpers it would run, and whether an agent is
 * isolated from the host's credentials. */

#include <limits.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "sourceos/plugin.h"
#include "../common/plugin_util.h"

/* Real auth files are a few KiB; anything bigger is not analysed. */
#define AUTH_FILE_MAX_BYTES (1024u * 1024u)
#define CHAIN_MAX 6
#define LIST_MAX 2048
#define NAME_MAX_LEN 256

/* ---- small utilities (common.c) ------------------------------------------ */

/* A comma-separated list for evidence and facts; cut with ",..." when full. */
struct list {
    char text[LIST_MAX];
    size_t count;
    int cut;
};

/* Appends A to L, as A=B when B is not NULL. */
void registry_list_add(struct list *l, const char *a, const char *b);

/* The text of L, or NONE when L is empty. */
const char *registry_list_or(const struct list *l, const char *none);

/* Whether the fact KEY is set to VALUE. */
int registry_fact_is(sourceos_ctx *ctx, const char *key, const char *value);

/* A JSON path to member NAME of PARENT (and below it CHILD), quoted so that
 * registry names with dots ("gcr.io") stay one member; -1 when it does not
 * fit OUT. */
int registry_member_path(char *out, size_t size, const char *parent,
                         const char *name, const char *child);

/* S, or NULL when S is NULL or empty. */
const char *registry_nonempty(const char *s);



/* ---- the environment and the auth file chain (chain.c) ------------------- */

/* Either the invoking user's environment, or an agent's, given as the list
 * parameter `env` of "KEY=VALUE" strings. */
struct env_view {
    sourceos_ctx *ctx;
    const char *param;
    /* A home of a --root tree: podman there would run as its user with
     * HOME set to it and none of the analyst's variables. */
    const char *home;
    const char *user;
    unsigned uid; /* the home's owner in the tree, for /run/containers/UID */
};

/* The environments whose chains a check looks at: the invoking user's
 * (one, without --root), or one per home of the tree (the invoking user's
 * own as it is, when --live). Fills VIEWS up to MAX; returns how many. */
size_t registry_env_views(sourceos_ctx *ctx, struct env_view *views, size_t max);

/* The value of NAME in ENV, or NULL. */
const char *registry_env_get(const struct env_view *env, const char *name);

enum role {
    ROLE_AUTHFILE,
    ROLE_RUNTIME_DIR,
    ROLE_CONFIG_HOME,
    ROLE_DOCKER_CONFIG,
    ROLE_DOCKERCFG,
};

enum file_state {
    FILE_ABSENT,
    FILE_PARSED,
    FILE_MALFORMED,
    FILE_TOO_LARGE,
    FILE_UNREADABLE,
    FILE_OUTSIDE_ROOT,
    FILE_DENIED, /* EACCES on the way: not known whether it exists */
    FILE_RELATIVE, /* a relative path: podman opens it from its working
                    * directory, so which file it is depends on who runs it */
};

struct auth_file {
    enum role role;
    char path[PATH_MAX];
    const char *source;  /* the variable or option that put it in the chain */
    const char *user;    /* whose home of a tree it is in, or NULL */
    int legacy;          /* ~/.dockercfg: registries at the top level */
    int podman_reads;
    enum file_state state;
    int read_errno;
    const char *why;     /* why it is malformed */
    unsigned json_line;  /* where it is not JSON (from 1), or 0 */
    unsigned json_column;
    const char *json_reason; /* the parser's reason, owned by the core */
    int have_stat;
    struct stat st;
    const char *text;    /* owned by the core until the check returns */
    char *own_text;      /* or ours: the text made UTF-8 (registry_free_chain) */
    int not_utf8;        /* podman reads it with U+FFFD for each bad byte */
    size_t len;
    int has_credentials;
    struct list registries;   /* entries under auths */
    struct list credentialed; /* of those, the ones that store a secret */
    struct list helpers;      /* credHelpers as registry=helper */
    char creds_store[NAME_MAX_LEN];
};

struct chain {
    struct auth_file files[CHAIN_MAX];
    size_t n;
    const char *podman_version;
    int authfile_is_exclusive; /* podman >= 4.4 stops at --authfile */
    const char *user; /* whose home of a tree, or NULL */
    const char *home; /* the HOME podman runs with, or NULL */
};

/* Builds the chain in podman's lookup order; AUTHFILE is --authfile (NULL:
 * REGISTRY_AUTH_FILE of ENV, if any). */
void registry_build_chain(struct chain *c, const struct env_view *env,
                          const char *authfile);

/* Reads every file of C: its state, stat and the names it holds. */
void registry_load_chain(sourceos_ctx *ctx, struct chain *c);
/* Frees what registry_load_chain allocated. */
void registry_free_chain(struct chain *c);

/* "NAME (uid N)", or "uid N" when the user is unknown. */
void registry_owner_text(uid_t uid, char *out, size_t size);

/* Why F is malformed, with the line and column when it is not JSON:
 * "not valid JSON at line 3, column 1: string or '}' expected". */
void registry_why_text(const struct auth_file *f, char *out, size_t size);

/* The permission bits of MODE in octal. */
void registry_mode_text(mode_t mode, char *out, size_t size);

/* Adds the mode and owner of F to FD, when F could be examined. */
void registry_evidence_stat(sourceos_finding *fd, const struct auth_file *f);

/* Adds the registries, helpers and credsStore F names to FD. */
void registry_evidence_contents(sourceos_finding *fd,
                                const struct auth_file *f);

/* ---- the checks (one file each) ------------------------------------------ */

sourceos_status registry_check_auth_files(sourceos_ctx *ctx);
sourceos_status registry_check_cred_helpers(sourceos_ctx *ctx);
sourceos_status registry_check_agent_auth(sourceos_ctx *ctx);

#endif
