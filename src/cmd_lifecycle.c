/* The lifecycle commands of sourceos-agent that act on one agent's state
 * directory. `stage NAME`: loads agents.d/NAME.yaml through the typed
 * model, stages a new generation (core/stage.c: generate, lint, switch
 * `current` only when every lint passed) and says what it made. */
#include "config.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "cli.h"
#include "redact.h"
#include "stage.h"
#include "verbs.h"

extern char **environ;

/* For the bench only (bench/README.md, line i): shellcheck and
 * systemd-analyze are left out, recorded as skipped. */
#define SKIP_EXTERNAL_ENV "SOURCEOS_STAGE_SKIP_EXTERNAL"

static const char *const LINT_STATUS[] = {"pass", "fail", "skipped"};
static const char *const LINT_SHOWN[] = {"passed", "failed", "skipped"};

/* Whether --root names another tree than this machine's "/". */
static int root_is_other_tree(const struct cli *cli)
{
    char real[PATH_MAX];
    return cli->root && (!realpath(cli->root, real) || strcmp(real, "/") != 0);
}

/* A --root tree is another machine read offline: writing a generation into
 * it would change the copy being analysed. Only --live says the tree is
 * being installed into (its state directory written under it, its files
 * naming its own paths, linted with this machine's tools). */
static int refuse_root(struct cli *cli)
{
    cli_error(cli, "stage does not write into a --root tree read offline (%s): run it on "
                   "the machine the agent is for, without --root, or add --live to stage "
                   "into the tree",
              cli->root);
    return SOS_EXIT_USAGE;
}

/* The generation `current` points at ("generations/N"), 0 when none. */
static unsigned current_generation(const char *state_dir)
{
    char path[PATH_MAX], target[64], *end;
    unsigned long n;
    ssize_t len;
    if ((size_t)snprintf(path, sizeof path, "%s/current", state_dir) >= sizeof path)
        return 0;
    len = readlink(path, target, sizeof target - 1);
    if (len <= 0)
        return 0;
    target[len] = '\0';
    if (strncmp(target, "generations/", 12) != 0)
        return 0;
    n = strtoul(target + 12, &end, 10);
    return *end || n > UINT_MAX ? 0 : (unsigned)n;
}

/* What the command reports, beside the core's result. */
struct staged {
    const struct sos_agent_model *m;
    enum sos_agent_backend backend;
    const char *state_dir;
    char *install_path;
    unsigned previous, current; /* `current` before and after; 0 none */
    int scratch;                /* --scratch: staged elsewhere, removed */
};

static enum sos_agent_backend resolve_backend(const struct sos_agent_model *m,
                                              enum sos_agent_os os)
{
    if (m->backend != SOS_BACKEND_AUTO)
        return m->backend;
    return os == SOS_AGENT_OS_MACOS ? SOS_BACKEND_LAUNCHD : SOS_BACKEND_SYSTEMD;
}

/* A lint's detail as it may leave: redacted (tool output quotes the
 * wrapper, whose env values may be secrets). NULL on ENOMEM. */
static char *shown_detail(const struct sos_lint_result *l)
{
    return sos_redact_str(NULL, l->detail ? l->detail : "");
}

static void print_detail_lines(const char *detail)
{
    const char *p = detail;
    while (*p) {
        size_t len = strcspn(p, "\n");
        if (len > 0)
            printf("      %.*s\n", (int)len, p);
        p += len + (p[len] == '\n');
    }
}

static int print_human(const struct staged *st, const struct sos_stage_result *r)
{
    int launchd = st->backend == SOS_BACKEND_LAUNCHD;
    printf("%s: staged %s %u (%s, scope %s)", st->m->name,
           st->scratch ? "a scratch generation" : "generation", r->generation,
           sos_agent_backend_name(st->backend), sos_agent_scope_name(st->m->scope));
    if (st->scratch)
        printf("; %s; it was removed, nothing is kept\n",
               sos_lint_results_pass(&r->lints) ? "every lint passed" : "a lint failed");
    else if (r->current)
        printf("; it is current\n");
    else if (st->current)
        printf("; a lint failed: generation %u stays current\n", st->current);
    else
        printf("; a lint failed: no generation is current\n");
    if (st->scratch)
        printf("  state:    none kept (the agent's, %s, is not touched)\n", st->state_dir);
    else
        printf("  state:    %s\n", st->state_dir);
    printf("  wrapper:  %s\n  %s %s\n", r->wrapper, launchd ? "plist:   " : "unit:    ",
           r->service);
    printf("  installs: %s (not touched: stage never installs)\n", st->install_path);
    printf("  lints:\n");
    for (size_t i = 0; i < r->lints.n; i++) {
        const struct sos_lint_result *l = &r->lints.v[i];
        char *detail = shown_detail(l);
        if (!detail)
            return -1;
        if (l->status == SOS_LINT_SKIPPED)
            printf("    %-24s skipped: %s\n", l->name, detail);
        else
            printf("    %-24s %s\n", l->name, LINT_SHOWN[l->status]);
        if (l->status == SOS_LINT_FAIL)
            print_detail_lines(detail);
        free(detail);
    }
    return 0;
}

/* The document of schemas/stage.schema.json. */
static json_t *stage_json(const struct staged *st, const struct sos_stage_result *r, int rc)
{
    json_t *lints = json_array(), *doc;
    for (size_t i = 0; lints && i < r->lints.n; i++) {
        char *detail = shown_detail(&r->lints.v[i]);
        if (!detail || json_array_append_new(lints, json_pack("{s:s, s:s, s:s}", "lint",
                                                               r->lints.v[i].name, "status",
                                                               LINT_STATUS[r->lints.v[i].status],
                                                               "detail", detail)) != 0) {
            free(detail);
            json_decref(lints);
            return NULL;
        }
        free(detail);
    }
    if (!lints)
        return NULL;
    doc = json_pack("{s:s, s:s, s:s, s:I, s:b, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:o, s:i}",
                    "agent", st->m->name, "backend", sos_agent_backend_name(st->backend),
                    "scope", sos_agent_scope_name(st->m->scope), "generation",
                    (json_int_t)r->generation, "current", r->current, "current_generation",
                    st->current ? json_integer(st->current) : json_null(),
                    "previous_generation",
                    st->previous ? json_integer(st->previous) : json_null(), "state_dir",
                    st->state_dir, "generation_dir", r->dir, "wrapper", r->wrapper,
                    "service", r->service, "install_path", st->install_path, "lints", lints,
                    "exit_code", rc);
    if (doc && json_object_set_new(doc, "scratch", json_boolean(st->scratch)) != 0) {
        json_decref(doc);
        doc = NULL;
    }
    return doc;
}

static int print_json(struct cli *cli, const struct staged *st,
                      const struct sos_stage_result *r, int rc)
{
    json_t *doc = stage_json(st, r, rc);
    if (!doc) {
        cli_error(cli, "out of memory building the JSON document");
        return SOS_EXIT_UNDECIDED;
    }
    if (json_dumpf(doc, stdout, JSON_INDENT(2)) != 0) {
        json_decref(doc);
        cli_flush_stdout(cli);
        return SOS_EXIT_OUTPUT;
    }
    fputc('\n', stdout);
    json_decref(doc);
    return rc;
}

void cli_stage_options(const struct cli *cli, const struct sos_agent_model *m,
                       enum sos_agent_backend backend, const struct sos_agent_model_opts *mo,
                       const char *state_dir, struct sos_stage_options *o)
{
    const char *skip = getenv(SKIP_EXTERNAL_ENV);
    memset(o, 0, sizeof *o);
    o->backend = backend;
    /* The OS the agent runs on: this machine's, or the --root tree's. */
    o->os = mo->os == SOS_AGENT_OS_MACOS ? SOS_GEN_OS_MACOS : SOS_GEN_OS_LINUX;
    o->home = mo->home;
    o->user = m->scope == SOS_SCOPE_SYSTEM && m->account[0] ? m->account : NULL;
    o->state_dir = state_dir;
    o->envp = environ;
    o->plugin_dir = cli->plugin_dir ? cli->plugin_dir : cli_default_plugin_dir();
    o->skip_external = skip && strcmp(skip, "1") == 0;
    o->config_dir = cli->config_dir ? cli->config_dir : cli_default_config_dir();
    o->root = cli_install_root(cli);
}

/* Stages the loaded AGENT; the exit code. */
static int stage_agent(struct cli *cli, const struct sos_agent *agent,
                       const struct sos_agent_model_opts *mo)
{
    const struct sos_agent_model *m = &agent->model;
    struct staged st = {m, resolve_backend(m, mo->os), NULL, NULL, 0, 0, 0};
    struct sos_gen_target t = {st.backend, 0, mo->home, NULL, NULL, NULL};
    struct sos_stage_options o;
    struct sos_stage_result r;
    char *state_dir, *host_state_dir = NULL;
    sos_error err;
    int rc;
    if (!(state_dir = sos_stage_state_dir(m, mo->home, mo->xdg_state_home, &err)) ||
        !(host_state_dir = cli_state_dir(cli, m, mo, &err)) ||
        !(st.install_path = sos_gen_install_path(m, &t, &err))) {
        cli_error(cli, "stage %s: %s; nothing was staged", m->name, err.msg);
        free(state_dir);
        free(host_state_dir);
        return SOS_EXIT_UNDECIDED;
    }
    cli_stage_options(cli, m, st.backend, mo, state_dir, &o);
    st.state_dir = host_state_dir;
    st.previous = current_generation(host_state_dir);
    /* A dry run of stage is a scratch generation: made, linted, removed. */
    st.scratch = cli->scratch || cli->dry_run;
    rc = st.scratch ? sos_stage_scratch(m, &o, &r, &err) : sos_stage(m, &o, &r, &err);
    if (rc < 0) {
        cli_error(cli, "stage %s: %s; %s", m->name, err.msg,
                  st.previous ? "the current generation is unchanged" : "nothing is current");
        free(st.install_path);
        free(state_dir);
        free(host_state_dir);
        return SOS_EXIT_UNDECIDED;
    }
    /* A scratch generation was never this state directory's: it is gone. */
    if (st.scratch)
        r.current = 0;
    st.current = r.current ? r.generation : st.previous;
    rc = rc == 0 ? SOS_EXIT_DONE : SOS_EXIT_REFUSED;
    if (cli->format == FORMAT_JSON)
        rc = print_json(cli, &st, &r, rc);
    else if (print_human(&st, &r) < 0) {
        cli_error(cli, "out of memory");
        rc = SOS_EXIT_UNDECIDED;
    }
    sos_stage_result_free(&r);
    free(st.install_path);
    free(state_dir);
    free(host_state_dir);
    return rc;
}

int cmd_stage(struct cli *cli, const struct sos_verb *verb, char **operands)
{
    const char *config_dir = cli->config_dir ? cli->config_dir : cli_default_config_dir();
    struct sos_agent_model_opts mo;
    struct sos_agent agent;
    sos_error err;
    int rc;
    (void)verb;
    if (root_is_other_tree(cli) && !cli->live)
        return refuse_root(cli);
    if (cli_agent_model_opts(cli, &mo, &err) != 0 ||
        sos_agent_load_with(config_dir, operands[0], &mo, &agent, &err) != 0) {
        cli_error(cli, "%s; nothing was staged", err.msg);
        return SOS_EXIT_UNDECIDED;
    }
    for (size_t i = 0; i < agent.model.warnings.n; i++)
        cli_error(cli, "warning: %s", agent.model.warnings.v[i]);
    rc = stage_agent(cli, &agent, &mo);
    sos_agent_free(&agent);
    return rc;
}
