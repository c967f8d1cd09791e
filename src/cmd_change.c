/* The commands that change the host: install, uninstall, start, stop,
 * restart, activate (DESIGN.md: The activation pipeline). Each runs its
 * transaction's steps (core/lifecycle_plan.c) through core/lifecycle.c:
 * under the agent's lock, journaled, rolled back on a failure. install and
 * activate are guarded by the preflight; activate stages first. Exit 0
 * done, 2 refused (nothing changed), 3 failed and rolled back. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "capabilities.h"
#include "cli.h"
#include "command.h"
#include "gen.h"
#include "host.h"
#include "journal.h"
#include "lifecycle.h"
#include "lifecycle_plan.h"
#include "redact_run.h"
#include "scratch.h"
#include "report.h"
#include "stage.h"
#include "state.h"
#include "status.h"
#include "verbs.h"


struct change {
    struct cli *cli;
    const char *verb;            /* the command as typed */
    struct sos_agent agent;
    struct sos_agent_model_opts mo;
    enum sos_agent_backend backend;
    char *state_dir;             /* the agent's state directory on this machine */
    char *tree_state_dir;        /* ... as the --root tree names it (= state_dir without) */
    const char *root;            /* --root TREE --live: installing into TREE; NULL */
    unsigned generation;         /* in service after (current) */
    unsigned previous;
    int preflight;               /* its verdict, -1 not run */
    int despite;                 /* went on despite a failed preflight */
    struct sos_lc_report rep;
    int reported;                /* rep filled */
    char *recovered;             /* an interrupted transaction rolled back first */
    char *scratch;               /* activate --dry-run: where it staged, removed at the end */
    int state_removed;           /* uninstall removed (or, dry run, would remove) state_dir */
    int nothing_installed;       /* uninstall found neither state nor a service definition */
    double started;              /* when the command began (the report's `started`) */
};

static const char *config_dir(const struct cli *cli)
{
    return cli->config_dir ? cli->config_dir : cli_default_config_dir();
}

static int refuse(struct cli *cli, const char *verb, const char *why)
{
    cli_error(cli, "%s: %s; nothing was changed", verb, why);
    return SOS_EXIT_REFUSED;
}

/* --root names another machine's tree: these commands change this one. */
static int root_is_this_machine(const struct cli *cli)
{
    char real[PATH_MAX];
    return !cli->root || (realpath(cli->root, real) && strcmp(real, "/") == 0);
}

/* The generation N's directory: on this machine (HOST) or as the tree
 * names it. */
static void gen_path(const struct change *c, int host, unsigned n, char *out, size_t size)
{
    snprintf(out, size, "%s/generations/%u", host ? c->state_dir : c->tree_state_dir, n);
}

/* Whether `current` is the generation this declaration generates (its
 * files compared byte for byte; a current generation passed its lints). */
static int current_is_declared(const struct change *c, const struct sos_stage_options *o)
{
    struct sos_state_view v;
    char gen_dir[PATH_MAX];
    sos_error err;
    int same = 0;
    if (sos_state_read(c->state_dir, time(NULL), &v, &err) != 0)
        return 0;
    if (v.current) {
        gen_path(c, 1, v.current, gen_dir, sizeof gen_dir);
        same = sos_stage_verify(&c->agent.model, o, gen_dir, &err) == 0;
    }
    sos_state_view_free(&v);
    return same;
}

/* A new generation for activate: generated and linted; a lint failure
 * refuses (the previous generation stays current). */
static int stage_for(struct change *c)
{
    struct sos_stage_options o;
    struct sos_stage_result r;
    sos_error err;
    int rc;
    /* A dry run stages into a scratch state directory, so that what it
     * plans is the generation a real run would make; removed at the end. */
    if (c->cli->dry_run) {
        /* The scratch is on this machine; a tree's steps would read the
         * generation in the tree. */
        if (c->root)
            return refuse(c->cli, c->verb,
                          "--dry-run with --root stages nothing into the tree, so there is no "
                          "generation to plan from: stage it first ('sourceos-agent stage "
                          "NAME --root TREE --live'), then 'install --dry-run'");
        if (!(c->scratch = sos_scratch_make("sourceos-dry-run", &err))) {
            cli_error(c->cli, "%s %s: %s", c->verb, c->agent.name, err.msg);
            return SOS_EXIT_UNDECIDED;
        }
        free(c->state_dir);
        free(c->tree_state_dir);
        c->tree_state_dir = strdup(c->scratch);
        if (!(c->state_dir = strdup(c->scratch)) || !c->tree_state_dir)
            return SOS_EXIT_UNDECIDED;
    }
    cli_stage_options(c->cli, &c->agent.model, c->backend, &c->mo, c->tree_state_dir, &o);
    if (!c->cli->dry_run && current_is_declared(c, &o))
        return 0; /* the generation in place is this declaration's: nothing to stage */
    rc = sos_stage(&c->agent.model, &o, &r, &err);
    if (rc < 0) {
        cli_error(c->cli, "%s %s: %s; nothing was changed", c->verb, c->agent.name, err.msg);
        return SOS_EXIT_UNDECIDED;
    }
    if (rc > 0) {
        cli_error(c->cli, "%s %s: generation %u failed its lints (see 'sourceos-agent stage "
                          "%s'); nothing was installed",
                  c->verb, c->agent.name, r.generation, c->agent.name);
        sos_stage_result_free(&r);
        return SOS_EXIT_REFUSED;
    }
    sos_stage_result_free(&r);
    return 0;
}

/* The generation in service: `current`, which must be one of the state
 * directory's (a tampered link is refused by the reader). */
static int read_current(struct change *c, struct sos_state_view *v)
{
    sos_error err;
    if (sos_state_read(c->state_dir, time(NULL), v, &err) != 0) {
        cli_error(c->cli, "%s %s: %s; nothing was changed", c->verb, c->agent.name, err.msg);
        return SOS_EXIT_UNDECIDED;
    }
    return 0;
}

/* What state.json says after TRANSACTION succeeded. */
static int record_state(struct change *c, const char *transaction, const struct sos_state_view *v)
{
    struct sos_state_record r = v->record;
    sos_error err;
    if (strcmp(transaction, "uninstall") == 0)
        r.state = SOS_INSTALLED_NONE;
    else if (strcmp(transaction, "install") == 0)
        r.state = SOS_INSTALLED_INSTALLED;
    else if (strcmp(transaction, "activate") == 0 || strcmp(transaction, "enable") == 0)
        r.state = SOS_INSTALLED_ENABLED;
    else
        return 0; /* start, stop: the service manager's state, not ours */
    r.backend = (char *)sos_agent_backend_name(c->backend);
    r.service = c->backend == SOS_BACKEND_LAUNCHD ? c->agent.model.service.plist
                                                  : c->agent.model.service.unit;
    r.generation = c->generation;
    r.changed = NULL;
    r.despite_preflight = c->despite;
    if (sos_state_write(c->state_dir, &r, time(NULL), &err) != 0) {
        cli_error(c->cli, "%s %s: done, but state.json could not be written: %s", c->verb,
                  c->agent.name, err.msg);
        return -1;
    }
    return 0;
}

static int installs(const char *transaction)
{
    return strcmp(transaction, "install") == 0 || strcmp(transaction, "activate") == 0 ||
           strncmp(transaction, "repair-", 7) == 0;
}

/* What is installed must be what the declaration generates, with only the
 * capabilities the allowlist grants: a generation changed after staging is
 * refused before anything is done. */
static int verify_generation(struct change *c, const char *gen_dir)
{
    struct sos_stage_options o;
    sos_error err;
    cli_stage_options(c->cli, &c->agent.model, c->backend, &c->mo, c->tree_state_dir, &o);
    if (sos_stage_verify(&c->agent.model, &o, gen_dir, &err) == 0)
        return 0;
    cli_error(c->cli, "%s %s: %s", c->verb, c->agent.name, err.msg);
    return -1;
}

/* One transaction; 0 done, 1 rolled back, or an exit code. */
static int run_transaction(struct change *c, const char *transaction, int only_recover)
{
    struct sos_state_view v;
    struct sos_param *params = NULL;
    size_t n_params = 0, n_steps;
    const struct sos_lc_step *steps = sos_lc_plan(c->backend, transaction, &n_steps);
    char gen_dir[PATH_MAX], tree_gen[PATH_MAX];
    sos_error err;
    int rc;
    if (read_current(c, &v) != 0)
        return SOS_EXIT_UNDECIDED;
    if (!v.current && strcmp(transaction, "uninstall") != 0 && !only_recover && !c->cli->dry_run) {
        sos_state_view_free(&v);
        return refuse(c->cli, c->verb, "nothing is staged: run 'sourceos-agent stage NAME' "
                                       "(or 'sourceos-agent activate NAME') first");
    }
    c->previous = v.record.generation;
    c->generation = v.current;
    gen_path(c, 1, v.current, gen_dir, sizeof gen_dir);
    gen_path(c, 0, v.current, tree_gen, sizeof tree_gen);
    if (v.current && installs(transaction) && !only_recover && verify_generation(c, gen_dir) != 0) {
        sos_state_view_free(&v);
        return SOS_EXIT_UNDECIDED;
    }
    /* The steps name the tree's paths; the core resolves them under it. */
    if (sos_lc_params(&c->agent.model, c->backend, tree_gen, &params, &n_params, &err) != 0) {
        sos_state_view_free(&v);
        cli_error(c->cli, "%s %s: %s", c->verb, c->agent.name, err.msg);
        return SOS_EXIT_UNDECIDED;
    }
    {
        struct sos_lifecycle lc = {
            .state_dir = c->state_dir,
            .root = c->root,
            .plugin_dir = c->cli->plugin_dir ? c->cli->plugin_dir : cli_default_plugin_dir(),
            .generation = c->generation,
            .previous = c->previous,
            .params = params,
            .n_params = n_params,
            .dry_run = c->cli->dry_run,
            .step_timeout = c->cli->timeout_given ? c->cli->timeout : 120,
        };
        if (only_recover) {
            /* every step a journal can name, computed before the call
             * reads n_steps */
            steps = sos_lc_all_steps(c->backend, &n_steps);
            rc = sos_lifecycle_recover(&lc, steps, n_steps, &c->rep, &err);
        } else {
            rc = sos_lifecycle_run(&lc, transaction, steps, n_steps, &c->rep, &err);
        }
        c->reported = 1;
    }
    sos_lc_params_free(params, n_params);
    if (rc < 0) {
        sos_state_view_free(&v);
        cli_error(c->cli, "%s %s: %s", c->verb, c->agent.name, err.msg);
        return SOS_EXIT_UNDECIDED;
    }
    if (rc == 0 && !only_recover && !c->cli->dry_run && record_state(c, transaction, &v) != 0)
        rc = SOS_EXIT_UNDECIDED; /* done, but not recorded: said, and `repair` reconciles */
    /* Uninstall removes the staged artifacts too, once nothing is left
     * installed that a generation's files would be needed for. */
    if (rc == 0 && !only_recover && strcmp(transaction, "uninstall") == 0 && v.exists) {
        if (!c->cli->dry_run && sos_state_remove(c->state_dir, &err) != 0) {
            cli_error(c->cli, "%s %s: uninstalled, but the state directory is left: %s",
                      c->verb, c->agent.name, err.msg);
            rc = SOS_EXIT_UNDECIDED;
        } else {
            c->state_removed = 1;
        }
    }
    sos_state_view_free(&v);
    return rc;
}

/* A transaction a killed run left is rolled back before anything else,
 * with the files of the generation it was for and every step a journal
 * can name (not only the steps of the command now asked). */
static int recover_first(struct change *c)
{
    struct sos_journal j;
    struct sos_param *params = NULL;
    struct sos_lc_report rep;
    size_t n_params = 0, n_steps;
    const struct sos_lc_step *steps = sos_lc_all_steps(c->backend, &n_steps);
    char gen_dir[PATH_MAX];
    sos_error err;
    int rc = sos_journal_read(c->state_dir, &j, &err);
    if (rc > 0 || (rc < 0 && access(c->state_dir, F_OK) != 0))
        return 0; /* no journal (or no state directory yet) */
    if (rc < 0) {
        cli_error(c->cli, "%s %s: %s", c->verb, c->agent.name, err.msg);
        return SOS_EXIT_UNDECIDED;
    }
    gen_path(c, 0, j.generation, gen_dir, sizeof gen_dir);
    sos_journal_free(&j);
    if (sos_lc_params(&c->agent.model, c->backend, gen_dir, &params, &n_params, &err) != 0) {
        cli_error(c->cli, "%s %s: %s", c->verb, c->agent.name, err.msg);
        return SOS_EXIT_UNDECIDED;
    }
    {
        struct sos_lifecycle lc = {
            .state_dir = c->state_dir,
            .root = c->root,
            .plugin_dir = c->cli->plugin_dir ? c->cli->plugin_dir : cli_default_plugin_dir(),
            .params = params,
            .n_params = n_params,
            .dry_run = c->cli->dry_run,
            .step_timeout = c->cli->timeout_given ? c->cli->timeout : 120,
        };
        rc = sos_lifecycle_recover(&lc, steps, n_steps, &rep, &err);
    }
    sos_lc_params_free(params, n_params);
    if (rc != 0) {
        cli_error(c->cli, "%s %s: %s", c->verb, c->agent.name, err.msg);
        sos_lc_report_free(&rep);
        return SOS_EXIT_UNDECIDED;
    }
    c->recovered = rep.recovered ? strdup(rep.recovered) : NULL;
    sos_lc_report_free(&rep);
    return 0;
}

/* ---- output --------------------------------------------------------------------- */

static const char *outcome_word(const struct change *c, int rc)
{
    if (rc == SOS_EXIT_REFUSED)
        return "refused";
    if (rc != 0)
        return c->reported && c->rep.rolled_back ? "failed and rolled back" : "failed";
    return c->cli->dry_run ? "planned (dry run: nothing changed)" : "done";
}

static void print_human(const struct change *c, int rc)
{
    struct sos_human_opts ho = {0, 0, c->cli->verbose, 0, "step"};
    struct sos_run run = c->reported ? c->rep.run : (struct sos_run){0};
    run.exit_code = rc; /* the command's: 3 when a step failed and was undone */
    sos_put_safe(stdout, c->agent.name);
    printf(" %s: %s\n", c->verb, outcome_word(c, rc));
    if (c->preflight >= 0)
        printf("- preflight: %s\n", c->preflight == 0   ? "passed"
                                    : c->preflight == 1 ? "passed with warnings"
                                    : c->despite        ? "FAILED, went on with --enable-despite-preflight"
                                                        : "failed");
    if (c->recovered || (c->reported && c->rep.recovered)) {
        fputs(c->cli->dry_run ? "- recovered: an interrupted " : "- recovered: an interrupted ",
              stdout);
        sos_put_safe(stdout, c->recovered ? c->recovered : c->rep.recovered);
        fputs(c->cli->dry_run ? " would be rolled back first\n" : " was rolled back first\n",
              stdout);
    }
    if (c->reported && c->rep.failed_step) {
        fputs("- failed: ", stdout);
        sos_put_safe(stdout, c->rep.failed_step);
        fputs(c->rep.rolled_back ? " (the steps before it were undone)\n" : "\n", stdout);
    }
    if (c->reported && c->rep.run.n_entries)
        sos_report_print_human(stdout, &run, &ho);
    if (rc == 0 && strcmp(c->verb, "repair") == 0 && c->reported && !c->rep.recovered &&
        !c->recovered && c->rep.run.n_entries == 0)
        printf("- nothing to repair: no interrupted transaction, the service definition is "
               "the current generation's, no tripped restart budget\n");
    if (c->nothing_installed)
        printf("- nothing to uninstall: no state directory and no service definition\n");
    if (c->state_removed) {
        fputs(c->cli->dry_run ? "- would remove: " : "- removed: ", stdout);
        sos_put_safe(stdout, c->state_dir);
        fputs(" (every generation, state.json, the restart budget)\n", stdout);
    } else if (rc == 0 && !c->cli->dry_run && c->generation) {
        printf("- generation: %u in service\n", c->generation);
    }
}

static int print_json(const struct change *c, int rc)
{
    struct sos_run run = c->rep.run;
    json_t *doc, *lc;
    sos_host_detect(NULL, &run.host);
    run.started = c->started;
    run.exit_code = rc;
    doc = sos_report_to_json(&run);
    lc = json_pack("{s:s, s:s, s:s, s:i, s:o, s:o, s:b, s:b, s:o}", "agent", c->agent.name,
                   "command", c->verb, "outcome", outcome_word(c, rc), "generation",
                   (int)c->generation,
                   "failed_step", c->reported && c->rep.failed_step ? json_string(c->rep.failed_step)
                                                                     : json_null(),
                   "recovered", c->recovered ? json_string(c->recovered)
                                : c->reported && c->rep.recovered ? json_string(c->rep.recovered)
                                                                  : json_null(),
                   "dry_run", c->cli->dry_run, "despite_preflight", c->despite, "preflight",
                   c->preflight < 0    ? json_null()
                   : c->preflight == 0 ? json_string("passed")
                   : c->preflight == 1 ? json_string("passed with warnings")
                                       : json_string("failed"));
    if (!doc || !lc || json_object_set_new(doc, "lifecycle", lc) != 0) {
        json_decref(doc);
        cli_error(c->cli, "out of memory building the JSON report");
        return SOS_EXIT_UNDECIDED;
    }
    if (json_dumpf(doc, stdout, JSON_INDENT(2)) != 0) {
        json_decref(doc);
        cli_flush_stdout(c->cli);
        return SOS_EXIT_OUTPUT;
    }
    fputc('\n', stdout);
    json_decref(doc);
    return rc;
}

/* ---- the command ------------------------------------------------------------------ */

/* The preflight's STEPS (0 all) before the command changes anything: a
 * failure refuses unless --enable-despite-preflight. */
static int guarded(struct change *c, unsigned long steps)
{
    int starts = steps != 0; /* start and restart: the runtime half */
    int rc = cli_preflight_guard(c->cli, &c->agent, &c->mo, steps, &c->preflight);
    if (rc != 0)
        return rc;
    if (c->preflight >= SOS_EXIT_SIGNAL_BASE)
        return c->preflight; /* interrupted: nothing goes on, flag or not */
    if (c->preflight >= SOS_EXIT_FAILURE) {
        if (!c->cli->despite_preflight) {
            cli_error(c->cli, "%s %s: the %s failed (above): nothing was %s; fix what it "
                              "says, or go on with --enable-despite-preflight (recorded)",
                      c->verb, c->agent.name,
                      starts ? "runtime half of the preflight" : "preflight",
                      starts ? "started" : "installed or enabled");
            return SOS_EXIT_REFUSED;
        }
        c->despite = 1;
        cli_error(c->cli, "warning: %s %s goes on although the preflight failed "
                          "(--enable-despite-preflight, recorded in %s)",
                  c->verb, c->agent.name, starts ? "the report" : "state.json");
    }
    return 0;
}

/* Whether the installed service definition is the current generation's. */
static int service_intact(const struct change *c, unsigned generation)
{
    char gen[PATH_MAX], installed[PATH_MAX], *name;
    sos_error err;
    FILE *a, *b;
    int same = 0, ca, cb;
    snprintf(installed, sizeof installed, "%s%s", c->root ? c->root : "",
             c->backend == SOS_BACKEND_LAUNCHD ? c->agent.model.service.plist
                                               : c->agent.model.service.unit);
    name = c->backend == SOS_BACKEND_LAUNCHD ? sos_gen_plist_name(&c->agent.model, &err)
                                             : sos_gen_unit_name(&c->agent.model, &err);
    if (!name)
        return 0;
    gen_path(c, 1, generation, gen, sizeof gen);
    snprintf(gen + strlen(gen), sizeof gen - strlen(gen), "/%s", name);
    free(name);
    a = fopen(installed, "re");
    b = fopen(gen, "re");
    if (a && b) {
        do {
            ca = getc(a);
            cb = getc(b);
        } while (ca == cb && ca != EOF);
        same = ca == cb;
    }
    if (a)
        fclose(a);
    if (b)
        fclose(b);
    return same;
}

/* The wrapper's restart budget cleared before an explicit start (it counts
 * the starts in `restarts`: left, a tripped agent would trip at once, and
 * a few restarts by hand would spend it): a start asked for is not a crash
 * loop, as systemctl's reset-failed before a start says too. An agent whose
 * start then fails is stopped either way. 0, or an exit code. */
static int clear_budget(struct change *c)
{
    char path[PATH_MAX];
    for (int i = 0; i < 2 && !c->cli->dry_run; i++) {
        snprintf(path, sizeof path, "%s/%s", c->state_dir, i ? "restarts" : "tripped");
        if (unlink(path) != 0 && errno != ENOENT) {
            cli_error(c->cli, "%s %s: cannot clear %s: %s", c->verb, c->agent.name, path,
                      strerror(errno));
            return SOS_EXIT_UNDECIDED;
        }
    }
    return 0;
}

/* repair: back to the declared, last good state. A transaction a killed
 * run left is rolled back (by the lifecycle, first thing); a service
 * definition that is gone or changed is put back (and enabled and started
 * again when state.json says enabled); a tripped restart budget is cleared
 * when the preflight passes, and the agent started. */
static int repair_agent(struct change *c)
{
    struct sos_state_view v;
    const char *transaction = NULL;
    int rc, unquarantined;
    /* a quarantine killed halfway left its own journal: undone first, so
     * that what follows sees the service as it was */
    if ((rc = cli_quarantine_recover(c->cli, c->agent.name, &unquarantined)) != 0)
        return rc;
    if (unquarantined && c->cli->format == FORMAT_HUMAN)
        printf("- recovered: an interrupted quarantine was rolled back first\n");
    if (read_current(c, &v) != 0)
        return SOS_EXIT_UNDECIDED;
    if (!v.exists) {
        sos_state_view_free(&v);
        return refuse(c->cli, c->verb, "the agent was never staged: there is nothing to repair "
                                       "(run 'sourceos-agent activate NAME')");
    }
    if (v.record.state == SOS_INSTALLED_INSTALLED || v.record.state == SOS_INSTALLED_ENABLED) {
        if (!service_intact(c, v.current))
            transaction = v.record.state == SOS_INSTALLED_ENABLED ? "repair-enabled"
                                                                  : "repair-installed";
        else if (v.tripped && v.record.state == SOS_INSTALLED_ENABLED)
            transaction = "start";
    }
    if (transaction && strcmp(transaction, "start") == 0) {
        if ((rc = guarded(c, 0)) != 0) {
            sos_state_view_free(&v);
            return rc;
        }
        if ((rc = clear_budget(c)) != 0) {
            sos_state_view_free(&v);
            return rc;
        }
    }
    sos_state_view_free(&v);
    /* Even with nothing else to do, the lifecycle rolls back a journal
     * left in flight before it does anything: an empty transaction. */
    rc = run_transaction(c, transaction ? transaction : "repair-installed", transaction == NULL);
    return rc == 1 ? SOS_EXIT_ROLLED_BACK : rc;
}

/* start and restart need something installed: a staged generation alone
 * is not (its service manager knows no unit or job). 0 go on, or exit 2. */
static int refuse_uninstalled(struct change *c)
{
    struct sos_state_view v;
    int installed;
    if (read_current(c, &v) != 0)
        return SOS_EXIT_UNDECIDED;
    /* nothing staged at all: the transaction refuses, saying so */
    installed = !v.current || v.record.state == SOS_INSTALLED_INSTALLED ||
                v.record.state == SOS_INSTALLED_ENABLED;
    sos_state_view_free(&v);
    if (installed)
        return 0;
    cli_error(c->cli, "%s %s: it is not installed (state.json says so); nothing was changed: "
                      "run 'sourceos-agent activate %s' (or 'install' first)",
              c->verb, c->agent.name, c->agent.name);
    return SOS_EXIT_REFUSED;
}

/* uninstall without a state directory: done when no service definition
 * is installed either; one that is, without our state, is not ours to
 * remove blindly. 0 go on, 1 done, or an exit code. */
static int uninstall_unstaged(struct change *c)
{
    char installed[PATH_MAX];
    struct stat st;
    if (access(c->state_dir, F_OK) == 0 || errno != ENOENT)
        return 0;
    snprintf(installed, sizeof installed, "%s%s", c->root ? c->root : "",
             c->backend == SOS_BACKEND_LAUNCHD ? c->agent.model.service.plist
                                               : c->agent.model.service.unit);
    if (lstat(installed, &st) != 0) {
        c->nothing_installed = 1;
        return 1;
    }
    cli_error(c->cli, "uninstall %s: %s is installed, but there is no state directory (%s) "
                      "that says this tool installed it; nothing was changed: run "
                      "'sourceos-agent activate %s' to take it over (the file it replaces is "
                      "kept), or remove it by hand",
              c->agent.name, installed, c->state_dir, c->agent.name);
    return SOS_EXIT_REFUSED;
}

/* A capability the allowlist does not grant refuses the whole command,
 * before anything is staged or installed. */
static int capabilities_allowed(struct change *c)
{
    struct sos_agent_strings allowed = {0};
    sos_error err;
    int rc;
    if (c->agent.model.capabilities.n == 0)
        return 0;
    rc = sos_cap_allowlist_load(config_dir(c->cli), &allowed, &err) == 0 &&
                 sos_cap_check(&c->agent.model, &allowed, config_dir(c->cli), &err) == 0
             ? 0
             : refuse(c->cli, c->verb, err.msg);
    sos_cap_strings_free(&allowed);
    return rc;
}

static int change_agent(struct change *c)
{
    const char *v = c->verb;
    int rc = recover_first(c);
    if (rc != 0)
        return rc;
    if (strcmp(v, "install") == 0 || strcmp(v, "activate") == 0 || strcmp(v, "repair") == 0) {
        if ((rc = capabilities_allowed(c)) != 0)
            return rc;
    }
    if (strcmp(v, "repair") == 0)
        return repair_agent(c);
    if (strcmp(v, "uninstall") == 0 && (rc = uninstall_unstaged(c)) != 0)
        return rc == 1 ? 0 : rc;
    if (strcmp(v, "activate") == 0 && (rc = stage_for(c)) != 0)
        return rc;
    if ((strcmp(v, "activate") == 0 || strcmp(v, "install") == 0) && (rc = guarded(c, 0)) != 0)
        return rc;
    /* A start needs the runtime ready now, whatever it was at install. */
    if ((strcmp(v, "start") == 0 || strcmp(v, "restart") == 0) &&
        ((rc = refuse_uninstalled(c)) != 0 ||
         (!c->cli->dry_run &&
          ((rc = guarded(c, CLI_PREFLIGHT_RUNTIME)) != 0 || (rc = clear_budget(c)) != 0))))
        return rc;
    rc = run_transaction(c, v, 0);
    return rc == 1 ? SOS_EXIT_ROLLED_BACK : rc;
}

int cmd_change(struct cli *cli, const struct sos_verb *verb, char **operands)
{
    struct change c;
    sos_error err;
    int rc;
    memset(&c, 0, sizeof c);
    c.cli = cli;
    c.verb = verb->words;
    c.started = sos_now_wall();
    c.preflight = -1;
    if (!root_is_this_machine(cli) && !cli->live)
        return refuse(cli, c.verb, "--root names a copied tree, and the lifecycle changes this "
                                   "machine only: run it there without --root, or add --live to "
                                   "install into the tree (its files go into TREE, the service "
                                   "manager's commands are run here)");
    c.root = cli_install_root(cli);
    if (cli_agent_model_opts(cli, &c.mo, &err) != 0 ||
        sos_agent_load_with(config_dir(cli), operands[0], &c.mo, &c.agent, &err) != 0) {
        cli_error(cli, "%s; nothing was changed", err.msg);
        return SOS_EXIT_UNDECIDED;
    }
    for (size_t i = 0; i < c.agent.model.warnings.n; i++)
        cli_error(cli, "warning: %s", c.agent.model.warnings.v[i]);
    c.backend = sos_status_backend(&c.agent.model);
    if (!(c.tree_state_dir = sos_stage_state_dir(&c.agent.model, c.mo.home,
                                                 c.mo.xdg_state_home, &err)) ||
        !(c.state_dir = cli_state_dir(cli, &c.agent.model, &c.mo, &err))) {
        free(c.tree_state_dir);
        cli_error(cli, "%s %s: %s; nothing was changed", c.verb, c.agent.name, err.msg);
        sos_agent_free(&c.agent);
        return SOS_EXIT_UNDECIDED;
    }
    rc = change_agent(&c);
    if (rc == 0 || rc == SOS_EXIT_ROLLED_BACK || (rc == SOS_EXIT_REFUSED && c.reported)) {
        if (cli->format == FORMAT_JSON)
            rc = print_json(&c, rc);
        else
            print_human(&c, rc);
    }
    if (c.reported)
        sos_lc_report_free(&c.rep);
    free(c.recovered);
    if (c.scratch)
        sos_scratch_remove(c.scratch);
    free(c.scratch);
    free(c.state_dir);
    free(c.tree_state_dir);
    sos_agent_free(&c.agent);
    return rc;
}
