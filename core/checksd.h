/* checks.d: check declarations read from YAML files, merged in name order. */
#ifndef SOS_CHECKSD_H
#define SOS_CHECKSD_H

#include <stddef.h>

#include "error.h"

/* Operating systems a check applies to (`when: os:`); 0 means any. */
enum sos_os {
    SOS_OS_MACOS = 1u << 0,
    SOS_OS_LINUX = 1u << 1,
    SOS_OS_WINDOWS = 1u << 2,
    SOS_OS_WSL = 1u << 3,
};

enum sos_scope { SOS_SCOPE_RUNTIME = 0, SOS_SCOPE_AGENT = 1, SOS_SCOPE_MACHINE = 2 };
/* "runtime", "agent", "machine" */
const char *sos_scope_name(enum sos_scope scope);

/* Agent runtimes an agent-scope check applies to (`when: runtime:`); 0 means
 * any. The bits follow enum sos_agent_runtime (agent_model.h): 1 << value. */
enum sos_runtime_bit {
    SOS_RUNTIME_BIT_PODMAN = 1u << 0,
    SOS_RUNTIME_BIT_NATIVE = 1u << 1,
    SOS_RUNTIME_BIT_NIX_APP = 1u << 2,
    SOS_RUNTIME_BIT_SYSTEMD = 1u << 3,
};

/* The highest `preflight: step:` checks.d accepts. */
#define SOS_PREFLIGHT_MAX_STEP 99

/* What a failure of the check means for the run. */
enum sos_decl_severity { SOS_DECL_CRITICAL = 0, SOS_DECL_WARNING = 1 };

/* A position in a YAML file, 1-based. */
struct sos_pos {
    int line;
    int column;
};

/* A parameter: a scalar (n_values == 1, is_list == 0) or a list of scalars. */
struct sos_param {
    char *key;
    char **values;
    size_t n_values;
    int is_list;
    struct sos_pos key_at;    /* where the key was read; 0:0 when not from a file */
    struct sos_pos *value_at; /* where each value was read, or NULL */
};

/* Where something was declared, for error messages. */
struct sos_origin {
    char *file; /* path of the YAML file as given */
    int line;   /* 1-based */
    int column; /* 1-based */
};

struct sos_check_decl {
    char *id;     /* dotted, unique: ^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$ */
    char *plugin; /* plugin name */
    char *check;  /* check name inside the plugin */
    char *summary;  /* optional `summary:`; NULL means the plugin's */
    char **needs; /* hard dependencies (ids) */
    size_t n_needs;
    struct sos_origin *needs_origin; /* one per needs entry */
    char **after; /* ordering-only dependencies (ids) */
    size_t n_after;
    struct sos_origin *after_origin; /* one per after entry */
    struct sos_param *params;
    size_t n_params;
    enum sos_decl_severity severity; /* default critical */
    double timeout;                  /* seconds; 0 = the run's default */
    unsigned when_os;                /* mask of enum sos_os; 0 = any */
    enum sos_scope scope;            /* default runtime */
    struct sos_origin origin;        /* where `- id:` was declared */
    unsigned when_runtime;           /* mask of enum sos_runtime_bit; 0 = any */
    /* `preflight: {step: N, what: TEXT}`: this agent-scope check is step N
     * of `sourceos-agent preflight`, shown as "- TEXT: state". 0 = not a
     * step. Several checks may share a step when `when:` keeps all but one
     * of them from running. */
    unsigned preflight_step;
    char *preflight_what;
    /* Set on an agent's copy when `when: runtime:` leaves this agent out:
     * why the check is skipped. NULL otherwise. */
    char *inapplicable;
};

struct sos_checks {
    struct sos_check_decl *v;
    size_t n;
};

/* Reads every *.yaml / *.yml file of DIR in name (strcmp) order and appends
 * their checks to OUT. Syntax, key, type and duplicate-id errors name
 * FILE:LINE:COLUMN. Returns 0, or -1 with ERR set; on error OUT is left
 * exactly as it was (no check of this call is appended). */
int sos_checksd_load_dir(const char *dir, struct sos_checks *out, sos_error *err);

/* Parses one YAML document held in memory (NAME is used in messages) and
 * appends its checks to OUT; on error OUT is left exactly as it was. */
int sos_checksd_load_buffer(const char *name, const char *data, size_t len,
                            struct sos_checks *out, sos_error *err);

/* Cross-file rules, after every file is read: duplicate ids, needs/after
 * naming unknown ids, and cycles (the message names the ids in the cycle).
 * Fills ORDER (caller allocates checks->n entries) with a topological order
 * of indices into checks->v, stable by declaration order: the graph of
 * core/graph.h over the host's checks, strict. */
int sos_checksd_resolve(const struct sos_checks *checks, size_t *order,
                        sos_error *err);

/* Sets ERR to "FILE:LINE:COLUMN: message" at O and returns -1. */
int sos_origin_fail(sos_error *err, const struct sos_origin *o, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Parses "podman"|"native"|"nix-app"|"systemd"; 0 when unknown. */
unsigned sos_runtime_bit_from_name(const char *name);
/* The runtimes of a `when: runtime:` mask as "podman, native" into BUF. */
const char *sos_runtime_list(unsigned mask, char *buf, size_t size);

/* Parses "macos"|"linux"|"windows"|"wsl"; 0 when unknown. */
unsigned sos_os_from_name(const char *name);
const char *sos_os_name(unsigned os);
/* The systems of a `when: os:` mask as "macos, wsl" into BUF; "any" for 0. */
const char *sos_os_list(unsigned mask, char *buf, size_t size);

const struct sos_param *sos_decl_param(const struct sos_check_decl *decl,
                                       const char *key);

/* Reads the YAML file PATH whose top level has the shape of a check's
 * params (keys to strings, numbers or lists of them), with the same limits
 * and FILE:LINE:COLUMN errors as checks.d, into OUT->params. ALLOWED, when
 * not NULL, lists the only keys accepted. Frees OUT with sos_decl_free(). */
int sos_params_load_file(const char *path, const char *const *allowed,
                         struct sos_check_decl *out, sos_error *err);

/* A deep copy of SRC into DST, freed with sos_decl_free(): one declaration
 * run once per agent gets params of its own. Returns 0, or -1 on ENOMEM (DST
 * is then empty). */
int sos_decl_copy(const struct sos_check_decl *src, struct sos_check_decl *dst);

void sos_decl_free(struct sos_check_decl *decl);

void sos_checks_free(struct sos_checks *checks);

#endif
