/* sourceos-agent preflight NAME: the spec's checks, read-only. Lints a
 * generation (the current one when it was made from this declaration, else
 * a scratch one that is removed), hands the results to the lint steps as
 * ${agent.lint.*}, runs the checks.d entries that carry a `preflight:` step
 * (and what they need), and prints the verdict (core/preflight.c). */
#include "config.h"

#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "cli.h"
#include "gen.h"
#include "preflight.h"
#include "report.h"
#include "session.h"
#include "signals.h"
#include "stage.h"
#include "state.h"
#include "verbs.h"

extern char **environ;

/* As for stage (bench/README.md, line i): shellcheck and systemd-analyze
 * are recorded as skipped. */
#define SKIP_EXTERNAL_ENV "SOURCEOS_STAGE_SKIP_EXTERNAL"
#define LINT_JSON_MAX (1024 * 1024)
/* The steps mostly wait on other programs (podman, the service manager, the
 * scratch stage): run them side by side, not CPUs at a time (-j still
 * decides). bench/ line (j) measures the wall against the slowest probe. */
#define PREFLIGHT_JOBS 8


static const char *config_dir(const struct cli *cli)
{
    return cli->config_dir ? cli->config_dir : cli_default_config_dir();
}

/* Where persistence stands, from the state directory; BUF holds the text. */
static const char *persistence_of(const char *state_dir, char *buf, size_t size)
{
    struct sos_state_view v;
    sos_error err;
    if (sos_state_read(state_dir, time(NULL), &v, &err) != 0) {
        snprintf(buf, size, "cannot tell (%s)", err.msg);
        return buf;
    }
    switch (v.record.state) {
    case SOS_INSTALLED_ENABLED:
        snprintf(buf, size, "installed and enabled (generation %u)", v.record.generation);
        break;
    case SOS_INSTALLED_INSTALLED:
        snprintf(buf, size, "installed but not enabled (generation %u)", v.record.generation);
        break;
    case SOS_INSTALLED_QUARANTINED:
        snprintf(buf, size, "quarantined");
        break;
    default:
        if (v.current)
            snprintf(buf, size, "staged but not enabled (generation %u)", v.current);
        else
            snprintf(buf, size, "not staged");
    }
    sos_state_view_free(&v);
    return buf;
}

/* ---- the lints ---------------------------------------------------------------- */

/* One lint as the lint steps read it: "STATUS<TAB>NAME<TAB>DETAIL". */
struct lint_lists {
    char **definition, **wrapper;
    size_t n_definition, n_wrapper;
    char *source; /* "generation N" or "a scratch generation" */
};

static void lint_lists_free(struct lint_lists *l)
{
    for (size_t i = 0; i < l->n_definition; i++)
        free(l->definition[i]);
    for (size_t i = 0; i < l->n_wrapper; i++)
        free(l->wrapper[i]);
    free(l->definition);
    free(l->wrapper);
    free(l->source);
}

/* shellcheck judges the wrapper; every other lint the service definition. */
static int add_lint(struct lint_lists *l, const char *name, const char *status,
                    const char *detail)
{
    int wrapper = strcmp(name, "shellcheck") == 0;
    char ***list = wrapper ? &l->wrapper : &l->definition;
    size_t *n = wrapper ? &l->n_wrapper : &l->n_definition;
    char **grown = realloc(*list, (*n + 1) * sizeof *grown);
    if (!grown)
        return -1;
    *list = grown;
    return asprintf(&grown[*n], "%s\t%s\t%s", status, name, detail ? detail : "") < 0
               ? -1
               : (int)(++*n, 0);
}

/* Reads FILE of the generation DIR, up to MAX bytes; NULL when absent. */
static char *read_member(const char *dir, const char *file, size_t max)
{
    char path[PATH_MAX];
    FILE *f;
    char *data;
    size_t len;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path ||
        !(f = fopen(path, "re")))
        return NULL;
    data = malloc(max + 1);
    len = data ? fread(data, 1, max, f) : 0;
    fclose(f);
    if (data)
        data[len] = '\0';
    return data;
}

/* The current generation's lints, when it was staged from the declaration
 * as it is now; 1 when there is no such generation (stale or none). */
static int lints_of_current(const char *state_dir, const struct sos_agent_model *m,
                            struct lint_lists *l)
{
    struct sos_state_view v;
    sos_error err;
    char dir[PATH_MAX], *decl, *now, *text;
    json_t *doc, *item;
    size_t i;
    int rc = 1;
    if (sos_state_read(state_dir, time(NULL), &v, &err) != 0)
        return 1;
    if (!v.current) {
        sos_state_view_free(&v);
        return 1;
    }
    snprintf(dir, sizeof dir, "%s/generations/%u", state_dir, v.current);
    decl = read_member(dir, "declaration.json", LINT_JSON_MAX);
    now = sos_gen_declaration_json(m, &err);
    text = decl && now && strcmp(decl, now) == 0 ? read_member(dir, "lint.json", LINT_JSON_MAX)
                                                 : NULL;
    doc = text ? json_loads(text, 0, NULL) : NULL;
    if (json_is_array(doc)) {
        rc = 0;
        json_array_foreach(doc, i, item) {
            const char *name = json_string_value(json_object_get(item, "lint"));
            const char *st = json_string_value(json_object_get(item, "status"));
            const char *detail = json_string_value(json_object_get(item, "detail"));
            if (!name || !st || add_lint(l, name, st, detail) != 0) {
                rc = name && st ? -1 : 1; /* a lint.json not ours: lint afresh */
                break;
            }
        }
        if (rc == 0 && asprintf(&l->source, "generation %u", v.current) < 0)
            rc = -1;
    }
    json_decref(doc);
    free(text);
    free(decl);
    free(now);
    sos_state_view_free(&v);
    return rc;
}

/* The probe the lint steps run when nothing current was staged from the
 * declaration: this program's `stage NAME --scratch --json`, with the
 * directories and the environment the declaration's defaults come from. */
static int put_scratch_probe(struct cli *cli, struct sos_agent *a)
{
    char self[PATH_MAX], dir[PATH_MAX], *slash;
    const char *xdg = getenv("XDG_STATE_HOME"), *skip = getenv(SKIP_EXTERNAL_ENV);
    char *env[3] = {NULL, NULL, NULL}, *argv[13];
    size_t n_env = 0, n = 9;
    int rc;
    /* Run as it was run: by path when started by path, else found on PATH. */
    snprintf(self, sizeof self, "%s", cli->argv0);
    if ((slash = strrchr(cli->argv0, '/')) != NULL) {
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - cli->argv0), cli->argv0);
        if (!realpath(dir[0] ? dir : "/", self) ||
            strlen(self) + strlen("/sourceos-agent") >= sizeof self)
            return -1;
        strcat(self, "/sourceos-agent");
    }
    argv[0] = self;
    argv[1] = "stage";
    argv[2] = a->name;
    argv[3] = "--scratch";
    argv[4] = "--json";
    argv[5] = "--config-dir";
    argv[6] = (char *)config_dir(cli);
    argv[7] = "--plugin-dir";
    argv[8] = (char *)(cli->plugin_dir ? cli->plugin_dir : cli_default_plugin_dir());
    /* For the tree's OS, as this preflight is (a scratch is never staged
     * into the tree). */
    if (cli_install_root(cli)) {
        argv[n++] = "--root";
        argv[n++] = (char *)cli->root;
        argv[n++] = "--live";
    }
    argv[n] = NULL;
    if (xdg && asprintf(&env[n_env++], "XDG_STATE_HOME=%s", xdg) < 0)
        return -1;
    if (skip && asprintf(&env[n_env++], "%s=%s", SKIP_EXTERNAL_ENV, skip) < 0) {
        free(env[0]);
        return -1;
    }
    rc = sos_agent_put_list(a, "lint.stage", argv, n) |
         sos_agent_put_list(a, "lint.stage_env", env, n_env);
    free(env[0]);
    free(env[1]);
    return rc;
}

/* The lint steps' ${agent.lint.*}: the current generation's lints when it
 * was staged from the declaration as it is now, else the scratch probe. */
static int put_lints(struct cli *cli, struct sos_agent *a, const char *state_dir)
{
    struct lint_lists l = {0};
    int rc = lints_of_current(state_dir, &a->model, &l);
    if (rc == 0) {
        char *source[] = {l.source};
        rc = sos_agent_put_list(a, "lint.definition", l.definition, l.n_definition) |
             sos_agent_put_list(a, "lint.wrapper", l.wrapper, l.n_wrapper) |
             sos_agent_put_list(a, "lint.source", source, 1);
    } else if (rc == 1) {
        rc = put_scratch_probe(cli, a);
    }
    lint_lists_free(&l);
    return rc;
}

/* ---- the run ------------------------------------------------------------------ */

static int print_json(struct cli *cli, const struct sos_run *run, const struct sos_preflight *p)
{
    json_t *doc = sos_report_to_json(run), *pf = sos_preflight_to_json(p);
    if (!doc || !pf || json_object_set_new(doc, "preflight", pf) != 0) {
        json_decref(doc);
        cli_error(cli, "out of memory building the JSON report");
        return SOS_EXIT_UNDECIDED;
    }
    json_object_set_new(doc, "exit_code", json_integer(p->exit_code));
    if (json_dumpf(doc, stdout, JSON_INDENT(2)) != 0) {
        json_decref(doc);
        cli_flush_stdout(cli);
        return SOS_EXIT_OUTPUT;
    }
    fputc('\n', stdout);
    json_decref(doc);
    return 0;
}

/* Runs the preflight of AGENT; prints it when PRINT (1 always, 2 only when
 * it did not pass), *VERDICT its exit (0 passed, 1 warnings, 2 failed).
 * Returns 0, or an exit code after saying why it could not run. */
static int run_preflight(struct cli *cli, struct sos_agent *agent, const char *persistence,
                         int print, unsigned long steps, int *verdict)
{
    char *command = NULL;
    struct sos_session s;
    struct sos_preflight p;
    struct sos_runner_opts opts = {
        .root = cli->root,
        .offline = cli_offline(cli),
        .jobs = cli->jobs_given || cli->jobs >= PREFLIGHT_JOBS ? cli->jobs : PREFLIGHT_JOBS,
        .default_timeout = cli->timeout,
        .max_timeout = cli->timeout_given ? cli->timeout : 0,
    };
    struct sos_session_config config = {
        .config_dir = config_dir(cli),
        .plugin_dir = cli->plugin_dir ? cli->plugin_dir : cli_default_plugin_dir(),
        .root = cli->root,
        .scope = -1,
        .agent = agent,
        .preflight = 1,
        .preflight_steps = steps,
    };
    sos_error err;
    int rc;
    if (asprintf(&command, "preflight %s", agent->name) < 0) {
        cli_error(cli, "out of memory");
        return SOS_EXIT_UNDECIDED;
    }
    config.command = command;
    if (sos_session_open(&s, &config, &err) != 0 || sos_runner_run(&s.run, s.jobs, &opts, &err) != 0) {
        cli_error(cli, "%s", err.msg);
        sos_session_close(&s);
        free(command);
        return SOS_EXIT_UNDECIDED;
    }
    if (s.run.interrupted_by && s.run.interrupted_by != SIGPIPE) {
        char buf[32];
        cli_error(cli, "interrupted by %s: every check's processes were killed",
                  sos_signal_name(s.run.interrupted_by, buf, sizeof buf));
    }
    if (sos_preflight_build(&s.run, agent->name, persistence, &p, &err) != 0) {
        cli_error(cli, "%s", err.msg);
        rc = SOS_EXIT_UNDECIDED;
    } else if (p.n_steps == 0) {
        cli_error(cli, "%s/checks.d declares no check with a 'preflight:' step: nothing "
                       "to check",
                  config.config_dir);
        rc = SOS_EXIT_UNDECIDED;
    } else {
        rc = 0;
        *verdict = s.run.interrupted_by ? SOS_EXIT_SIGNAL_BASE + s.run.interrupted_by
                                        : p.exit_code;
        /* As a guard, it is printed when it refuses; going on despite it,
         * the JSON document is the command's own (which says so). */
        if (print == 1 ||
            (print == 2 && p.exit_code == SOS_EXIT_FAILURE &&
             (cli->format != FORMAT_JSON || !cli->despite_preflight))) {
            if (cli->format == FORMAT_JSON)
                rc = print_json(cli, &s.run, &p);
            else
                sos_preflight_print_human(stdout, &p);
        }
    }
    sos_preflight_free(&p);
    sos_session_close(&s);
    free(command);
    return rc;
}

int cmd_preflight(struct cli *cli, const struct sos_verb *verb, char **operands)
{
    struct sos_agent_model_opts mo;
    struct sos_agent agent;
    char persistence[PATH_MAX + 64], *state_dir;
    sos_error err;
    int rc;
    (void)verb;
    if (cli_agent_model_opts(cli, &mo, &err) != 0 ||
        sos_agent_load_with(config_dir(cli), operands[0], &mo, &agent, &err) != 0) {
        cli_error(cli, "%s", err.msg);
        return SOS_EXIT_UNDECIDED;
    }
    for (size_t i = 0; i < agent.model.warnings.n; i++)
        cli_error(cli, "warning: %s", agent.model.warnings.v[i]);
    if (!(state_dir = cli_state_dir(cli, &agent.model, &mo, &err))) {
        cli_error(cli, "%s", err.msg);
        sos_agent_free(&agent);
        return SOS_EXIT_UNDECIDED;
    }
    if (put_lints(cli, &agent, state_dir) != 0) {
        cli_error(cli, "out of memory");
        rc = SOS_EXIT_UNDECIDED;
    } else {
        int verdict = SOS_EXIT_UNDECIDED;
        rc = run_preflight(cli, &agent, persistence_of(state_dir, persistence, sizeof persistence),
                           1, 0, &verdict);
        if (rc == 0)
            rc = verdict;
    }
    free(state_dir);
    sos_agent_free(&agent);
    return rc;
}

int cli_preflight_guard(struct cli *cli, struct sos_agent *agent,
                        const struct sos_agent_model_opts *mo, unsigned long steps,
                        int *verdict)
{
    char persistence[PATH_MAX + 64], *state_dir;
    sos_error err;
    int rc;
    *verdict = SOS_EXIT_UNDECIDED;
    if (!(state_dir = cli_state_dir(cli, &agent->model, mo, &err))) {
        cli_error(cli, "%s", err.msg);
        return SOS_EXIT_UNDECIDED;
    }
    if (put_lints(cli, agent, state_dir) != 0) {
        cli_error(cli, "out of memory");
        rc = SOS_EXIT_UNDECIDED;
    } else {
        rc = run_preflight(cli, agent, persistence_of(state_dir, persistence, sizeof persistence),
                           2, steps, verdict);
    }
    free(state_dir);
    return rc;
}
