/* The typed agent model: agents.d/NAME.yaml as the canonical spec declares
 * it (sourceos-spec local-agent-runtime; ../shared/reference/ecosystem.md),
 * plus what this tool needs (backend, label, env, mounts, args,
 * capabilities). Every command and check reads an agent through this one
 * struct; nothing else parses a declaration.
 *
 * Strings are owned by the model (malloc'd, NUL-terminated, never NULL once
 * loaded: an absent optional string is ""), lists are arrays with a count.
 * The loader fills every default, so a reader never decides one itself. */
#ifndef SOS_AGENT_MODEL_H
#define SOS_AGENT_MODEL_H

#include <stddef.h>

#include "error.h"

enum sos_agent_scope { SOS_SCOPE_USER, SOS_SCOPE_SYSTEM };
enum sos_agent_runtime { SOS_RUNTIME_PODMAN, SOS_RUNTIME_NATIVE, SOS_RUNTIME_NIX_APP,
                         SOS_RUNTIME_SYSTEMD };
enum sos_agent_backend { SOS_BACKEND_AUTO, SOS_BACKEND_LAUNCHD, SOS_BACKEND_SYSTEMD };
enum sos_auth_mode { SOS_AUTH_EMPTY_AUTHFILE, SOS_AUTH_SERVICE_ACCOUNT, SOS_AUTH_NONE,
                     SOS_AUTH_FORBIDDEN_AMBIENT };
enum sos_pull_policy { SOS_PULL_NEVER, SOS_PULL_EXPLICIT, SOS_PULL_ALWAYS };
enum sos_restart_policy { SOS_RESTART_MANUAL, SOS_RESTART_BOUNDED, SOS_RESTART_SUPERVISED };
enum sos_mount_mode { SOS_MOUNT_RO, SOS_MOUNT_RW };
enum { SOS_ADOPTED_PLIST = 1u << 0, SOS_ADOPTED_UNIT = 1u << 1 };

struct sos_agent_mount {
    char *host;      /* absolute host path (a single safe path, no "..") */
    char *container; /* absolute path in the container */
    enum sos_mount_mode mode; /* default ro */
};

struct sos_agent_strings {
    size_t n;
    char **v;
};

/* Frees L's strings and array, leaving it empty. */
void sos_strings_free(struct sos_agent_strings *l);
/* Appends S (taken; freed on failure), keeping V NULL-terminated: 0, or -1
 * when S is NULL or memory runs out. */
int sos_strings_push(struct sos_agent_strings *l, char *s);

struct sos_agent_model {
    char *name;                      /* ^[a-z0-9][a-z0-9-]*$, <= 64 */
    int enable;                      /* default 1 */
    enum sos_agent_scope scope;      /* default user */
    enum sos_agent_runtime runtime;  /* default podman */
    struct sos_agent_strings command; /* native / nix-app: argv, required there */
    char *image;                     /* required for podman */
    char *container_name;            /* containerName; default "sourceos-NAME" */
    struct {
        char *project, *component, *contact;
    } owner;
    struct {
        enum sos_auth_mode mode;     /* default empty-authfile */
        char *authfile;              /* default ~/.config/containers/sourceos-empty-auth.json */
        int allow_ambient_docker_config;       /* default 0 */
        int allow_interactive_credential_helper; /* default 0 */
    } auth;
    struct {
        char *connection;            /* "" = podman's default */
        enum sos_pull_policy pull;   /* default never */
        int require_machine;         /* default 1 on macOS, 0 on Linux (the loader decides from the target OS; never -1) */
        int require_local_image;     /* default 1 */
        int rootless;                /* default 1 */
    } podman;
    struct {
        int run_at_load;             /* default 1 */
        int keep_alive;              /* default 0 */
        enum sos_restart_policy restart; /* default bounded */
        unsigned max_restarts_per_hour;  /* default 3 */
        unsigned startup_timeout_seconds;  /* default 20 */
        unsigned shutdown_timeout_seconds; /* default 10 */
    } lifecycle;
    struct {
        char *app, *stdout_path, *stderr_path; /* defaults under the user's log dir */
    } logs;
    struct {
        char *type;                  /* default "podman-container" */
        char *expected;              /* default "running" */
        struct sos_agent_strings command;
    } health;
    struct {
        int service_definition, logs, runtime_state, image_metadata,
            redacted_auth_config;    /* each default 1 */
    } quarantine;
    enum sos_agent_backend backend;  /* default auto */
    char *label;                     /* launchd; default "org.sourceos.agent.NAME" */
    struct sos_agent_strings env;    /* KEY=VALUE each */
    size_t n_mounts;
    struct sos_agent_mount *mounts;
    struct sos_agent_strings args;   /* the container's command */
    struct sos_agent_strings capabilities; /* system scope only */

    /* Added by the loader's helper (issue 12); appended, nothing above moved. */
    char *description;               /* free text; default "" */
    struct {
        /* Where the service definition is installed, from scope, label and
         * name: launchd ~/Library/LaunchAgents/LABEL.plist (system:
         * /Library/LaunchDaemons/LABEL.plist), systemd
         * ~/.config/systemd/user/sourceos-agent@NAME.service (system:
         * /etc/systemd/system/sourceos-agent@NAME.service). */
        char *plist, *unit;
        /* Which of them the deprecated flat keys `plist` / `unit` named
         * (SOS_ADOPTED_PLIST, SOS_ADOPTED_UNIT): a service installed by
         * other means, that the doctor reads. */
        unsigned adopted;
    } service;
    /* Deprecation notes, "FILE:LINE:COLUMN: ..." each; the caller shows them. */
    struct sos_agent_strings warnings;
    char *path;                      /* the declaration file read */
    /* Added for `stage` (issue 12): the account a system agent runs as
     * (launchd UserName, systemd User=), declared rather than taken from
     * the invoking user, who is root under sudo. "" for user scope (the
     * user's own manager runs it) and when a system agent does not say:
     * the generators then refuse it. */
    char *account;
};

/* What the defaults depend on: the target system and the agent user's
 * home. Passed in rather than read from the process, so it can be tested. */
enum sos_agent_os { SOS_AGENT_OS_LINUX, SOS_AGENT_OS_MACOS };

struct sos_agent_model_opts {
    enum sos_agent_os os;
    const char *home;           /* the agent user's home, absolute */
    const char *xdg_state_home; /* NULL or "": HOME/.local/state (not macOS) */
};

/* The options for this process: the OS it was built for, $HOME (else the
 * password database's) and $XDG_STATE_HOME. Strings point into the
 * environment; returns -1 with ERR set when no absolute home is known. */
int sos_agent_model_opts_default(struct sos_agent_model_opts *opts, sos_error *err);

/* Reads the declaration for agent NAME from PATH (through the strict YAML
 * reader) into OUT with every default filled. Unknown keys, wrong types,
 * bad enum values, names, labels, images, env, mounts, capabilities outside
 * system scope and a podman agent without an image (or a native one
 * without a command) fail with "PATH:LINE:COLUMN: what". The deprecated
 * flat keys still load, each adding a warning naming the new key. OUT is
 * zeroed on error; free it with sos_agent_model_free(). */
int sos_agent_model_load_file(const char *path, const char *name,
                              const struct sos_agent_model_opts *opts,
                              struct sos_agent_model *out, sos_error *err);

/* The same, from DATA (LEN bytes) named FILE in messages. */
int sos_agent_model_load_buffer(const char *file, const char *name, const char *data,
                                size_t len, const struct sos_agent_model_opts *opts,
                                struct sos_agent_model *out, sos_error *err);

/* The model's spellings, for messages and generated files. */
const char *sos_agent_scope_name(enum sos_agent_scope s);
const char *sos_agent_runtime_name(enum sos_agent_runtime r);
const char *sos_agent_backend_name(enum sos_agent_backend b);
const char *sos_auth_mode_name(enum sos_auth_mode m);
const char *sos_pull_policy_name(enum sos_pull_policy p);
const char *sos_restart_policy_name(enum sos_restart_policy r);

/* Whether PATH is a whole home directory (HOME itself, /root, /Users/X,
 * /home/X, /var/home/X) or the root: a mount that would hand the agent every
 * credential the user has. The rule of plugins/common/podman_cmd.c's
 * podman_mount_is_home(), for absolute paths, kept here because the core
 * does not link plugin code. */
int sos_agent_path_is_home(const char *path, const char *home);

void sos_agent_model_free(struct sos_agent_model *m);

#endif
