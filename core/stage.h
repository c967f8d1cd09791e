/* Staging: one new generation of an agent's files under its state
 * directory (DESIGN.md: Agents and their state), linted, and made current
 * only when every lint passes. Never touches persistence. */
#ifndef SOS_STAGE_H
#define SOS_STAGE_H

#include "agent_model.h"
#include "error.h"
#include "gen.h"

enum sos_lint_status { SOS_LINT_PASS, SOS_LINT_FAIL, SOS_LINT_SKIPPED };

struct sos_lint_result {
    char *name;    /* "shellcheck", "systemd-analyze verify", "plist round trip", ... */
    enum sos_lint_status status;
    char *detail;  /* what the tool said (first lines), or why it was skipped */
};

struct sos_lint_results {
    size_t n;
    struct sos_lint_result *v;
};

struct sos_stage_options {
    enum sos_agent_backend backend; /* launchd or systemd */
    enum sos_gen_os os;
    const char *home;
    const char *user;       /* system scope: the account */
    const char *state_dir;  /* sos_stage_state_dir(), or a test's own */
    char *const *envp;      /* the environment of the lint tools (PATH, TMPDIR) */
    const char *plugin_dir; /* the doctor's lints (launchd.lint, systemd.lint); NULL: not run */
    int skip_external;      /* 1: shellcheck and systemd-analyze are recorded as skipped,
                             * not run (the bench's SOURCEOS_STAGE_SKIP_EXTERNAL=1) */
    const char *config_dir; /* holds capabilities.allow (core/capabilities.h); NULL: a
                             * declared capability is refused */
    const char *root;       /* a tree to stage into (--root TREE --live), NULL for this
                             * machine: state_dir and every path the generated files
                             * name are the tree's, the files are written under ROOT */
};

struct sos_stage_result {
    unsigned generation;  /* N of generations/N */
    char *dir;            /* STATE/generations/N, where it is on this machine (under
                           * O's root); so are wrapper and service */
    char *wrapper;        /* its wrapper */
    char *service;        /* its plist or unit */
    int current;          /* 1: every lint passed and `current` points at it */
    struct sos_lint_results lints;
};

/* The agent's state directory: user scope $XDG_STATE_HOME (else
 * HOME/.local/state) + /sourceos/agents/NAME, system scope
 * /var/lib/sourceos/agents/NAME. NULL with ERR when a part is unusable. */
char *sos_stage_state_dir(const struct sos_agent_model *m, const char *home,
                          const char *xdg_state_home, sos_error *err);

/* Makes generations/N (N one more than the newest), writes into it the
 * evaluated declaration, the wrapper, the service definition and lint.json,
 * and switches `current` to it when every lint passed. 0 staged and
 * current; 1 staged but a lint failed (the previous generation stays
 * current); -1 with ERR when nothing usable was staged. */
int sos_stage(const struct sos_agent_model *m, const struct sos_stage_options *o,
              struct sos_stage_result *r, sos_error *err);

/* sos_stage() into a private scratch state directory (O's state_dir is not
 * used), removed before it returns: only R's lint results are worth
 * keeping, its paths name files that are gone. Nothing persistent is
 * written: for `preflight`, which must not change anything. Returns as
 * sos_stage() does. */
int sos_stage_scratch(const struct sos_agent_model *m, const struct sos_stage_options *o,
                      struct sos_stage_result *r, sos_error *err);

void sos_stage_result_free(struct sos_stage_result *r);

/* Whether the generation GEN_DIR (its wrapper and its plist or unit; a
 * path on this machine, under O's root when it has one) is
 * still what M generates there: 0, or -1 with ERR naming the first file
 * that differs or is missing (changed after it was staged: not installed).
 * Also checks M's capabilities against the allowlist of O->config_dir. */
int sos_stage_verify(const struct sos_agent_model *m, const struct sos_stage_options *o,
                     const char *gen_dir, sos_error *err);

/* ---- the lints (core/stage_lint.c) ---- */

/* Appends to OUT the results of linting the generation in DIR: shellcheck
 * on WRAPPER, and for SERVICE a libplist round trip (launchd) or
 * systemd-analyze verify (systemd). A tool that is not installed, or
 * that O->skip_external leaves out, is skipped with a note. -1 only when
 * out of memory. */
int sos_stage_lint_files(const struct sos_stage_options *o, const struct sos_agent_model *m,
                         const char *wrapper, const char *service,
                         struct sos_lint_results *out, sos_error *err);

/* Appends the doctor's lint of SERVICE (launchd.lint or systemd.lint from
 * O's plugin directory, run through the runner from a checks.d written in
 * GEN_DIR, whose descriptor is GENFD): fail on any finding above info or a
 * check that could not run; skipped without a plugin directory. */
int sos_stage_lint_doctor(const struct sos_stage_options *o, int genfd, const char *gen_dir,
                          const char *service, struct sos_lint_results *out, sos_error *err);

int sos_lint_add(struct sos_lint_results *out, const char *name, enum sos_lint_status st,
                 const char *detail);
void sos_lint_results_free(struct sos_lint_results *r);
/* lint.json: [{"lint", "status", "detail"}...]; NULL when out of memory. */
char *sos_lint_results_json(const struct sos_lint_results *r);
/* Whether every lint passed or was skipped. */
int sos_lint_results_pass(const struct sos_lint_results *r);

#endif
