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

enum sos_agent_scope { SOS_SCOPE_USER, SOS_SCOPE_SYSTEM };
enum sos_agent_runtime { SOS_RUNTIME_PODMAN, SOS_RUNTIME_NATIVE, SOS_RUNTIME_NIX_APP,
                         SOS_RUNTIME_SYSTEMD };
enum sos_agent_backend { SOS_BACKEND_AUTO, SOS_BACKEND_LAUNCHD, SOS_BACKEND_SYSTEMD };
enum sos_auth_mode { SOS_AUTH_EMPTY_AUTHFILE, SOS_AUTH_SERVICE_ACCOUNT, SOS_AUTH_NONE,
                     SOS_AUTH_FORBIDDEN_AMBIENT };
enum sos_pull_policy { SOS_PULL_NEVER, SOS_PULL_EXPLICIT, SOS_PULL_ALWAYS };
enum sos_restart_policy { SOS_RESTART_MANUAL, SOS_RESTART_BOUNDED, SOS_RESTART_SUPERVISED };
enum sos_mount_mode { SOS_MOUNT_RO, SOS_MOUNT_RW };

struct sos_agent_mount {
    char *host;      /* absolute host path (a single safe path, no "..") */
    char *container; /* absolute path in the container */
    enum sos_mount_mode mode; /* default ro */
};

struct sos_agent_strings {
    size_t n;
    char **v;
};

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
        int require_machine;         /* default 1 on macOS/Windows, 0 on Linux: -1 = auto */
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
};

#endif
