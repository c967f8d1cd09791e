/* The stage generators: an agent's governed wrapper (POSIX sh), its launchd
 * plist and its systemd unit, each a pure function of the typed model and
 * of where it will live. Every value from the model is validated (refused
 * with an error naming the field) or quoted for its format; nothing is
 * pasted as it came. The results are malloc'd text; the caller frees it. */
#ifndef SOS_GEN_H
#define SOS_GEN_H

#include "agent_model.h"
#include "error.h"

enum sos_gen_os { SOS_GEN_OS_LINUX, SOS_GEN_OS_MACOS };

/* Where and for whom the files are generated: what the model leaves to the
 * host. Every path is absolute. */
struct sos_gen_target {
    enum sos_agent_backend backend; /* launchd or systemd (auto is resolved) */
    enum sos_gen_os os;             /* the host the wrapper runs on */
    const char *home;      /* the agent user's home: "~/" in the model expands to it */
    const char *user;      /* system scope: the account (UserName=, User=), the model's
                            * `account`; else NULL */
    const char *state_dir; /* the agent's state directory */
    const char *wrapper_path; /* the wrapper the service runs (in its generation) */
};

/* The wrapper's exit codes for a failed runtime check (docs/stage.md).
 * Anything else is podman's own status (exec), or 0 when the restart budget
 * is spent (tripped: launchd must not restart it). */
enum sos_wrapper_exit {
    SOS_WRAPPER_EXIT_MACHINE = 20,   /* the podman machine is not running */
    SOS_WRAPPER_EXIT_SOCKET = 21,    /* the podman service does not answer */
    SOS_WRAPPER_EXIT_IMAGE = 22,     /* the local image is missing */
    SOS_WRAPPER_EXIT_AUTHFILE = 23,  /* the auth file is missing or not {"auths":{}} */
    SOS_WRAPPER_EXIT_DOCKER_CONFIG = 24, /* the private DOCKER_CONFIG is unusable */
    SOS_WRAPPER_EXIT_BUDGET = 25,    /* the restart budget cannot be recorded */
};

/* The empty auth file's whole content. */
#define SOS_EMPTY_AUTH "{\"auths\":{}}"

/* The wrapper's private DOCKER_CONFIG, a directory of the agent's state
 * directory: what podman (not the container) sees as DOCKER_CONFIG. */
#define SOS_GEN_DOCKER_CONFIG "docker-config"

/* The wrapper script for M on T. */
char *sos_gen_wrapper(const struct sos_agent_model *m, const struct sos_gen_target *t,
                      sos_error *err);

/* The launchd job for M on T, as XML written by libplist. */
char *sos_gen_plist(const struct sos_agent_model *m, const struct sos_gen_target *t,
                    sos_error *err);

/* The systemd unit sourceos-agent@NAME.service for M on T. */
char *sos_gen_unit(const struct sos_agent_model *m, const struct sos_gen_target *t,
                   sos_error *err);

/* The file names: "LABEL.plist", "sourceos-agent@NAME.service"; NULL with
 * ERR when the label or name is not one safe segment. */
char *sos_gen_plist_name(const struct sos_agent_model *m, sos_error *err);
char *sos_gen_unit_name(const struct sos_agent_model *m, sos_error *err);

/* Where the service definition is installed (the persistence place): the
 * model's service.plist or service.unit for T's backend, as the loader
 * computed it from scope, label and name (or the adopted path of the
 * deprecated keys); NULL with ERR when that is not an absolute path. The
 * stage never writes there; the lints and preflight name it. */
char *sos_gen_install_path(const struct sos_agent_model *m, const struct sos_gen_target *t,
                           sos_error *err);

/* The model as evaluated (every default filled), as JSON text. */
char *sos_gen_declaration_json(const struct sos_agent_model *m, sos_error *err);

/* ---- shared by the generators (core/gen_common.c) ---- */

/* 0 when VALUE can go into a generated file at all (sos_shquote_check: no
 * newline, control or invisible character, valid UTF-8); -1 with ERR
 * naming FIELD otherwise. */
int sos_gen_check(const char *field, const char *value, sos_error *err);

/* PATH with a leading "~" or "~/" replaced by HOME, which must then be an
 * absolute path with no "." or ".." segment and nothing sos_gen_check
 * refuses. NULL with ERR naming FIELD otherwise. */
char *sos_gen_path(const char *field, const char *path, const char *home, sos_error *err);

/* Whether the runtime needs a podman machine: the model's require_machine,
 * or when it is -1 (auto) whether T is macOS. */
int sos_gen_requires_machine(const struct sos_agent_model *m, const struct sos_gen_target *t);

/* The podman machine behind the connection: "podman-machine-default" when
 * none is named, and a "-root" connection names the same machine. */
char *sos_gen_machine_name(const struct sos_agent_model *m, sos_error *err);

/* 0 when the agent's name, label, image, container name and connection are
 * usable as the generators use them; -1 with ERR naming the field. */
int sos_gen_check_identity(const struct sos_agent_model *m, sos_error *err);

/* 0 when USER is an account name ([a-z_][a-z0-9_-]*), written bare. */
int sos_gen_check_user(const char *user, sos_error *err);

#endif
