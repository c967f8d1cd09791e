/* generated-lint: what stage's lints say of the agent's generation, for the
 * preflight's last two steps (param `part`: definition or wrapper).
 *
 * Where the lints come from, in this order: param `lints` (one
 * "STATUS<TAB>NAME<TAB>DETAIL" per lint: the current generation's
 * lint.json, when it was staged from the declaration as it is now), the
 * facts an earlier generated-lint check published (this one runs `after`
 * it), or the probe in param `stage`: `sourceos-agent stage NAME --scratch
 * --json`, which generates and lints a scratch generation and removes it
 * (param `stage_env` adds to its environment). The lints themselves are the
 * core's (core/stage_lint.c), the ones stage runs: one set of rules.
 * shellcheck judges the wrapper; every other lint the service definition. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

#define STAGE_TIMEOUT_MS 60000
#define MAX_LINTS 16
#define MAX_ENV 8

struct lint {
    char status[16], name[64];
    const char *detail;
};

struct lints {
    struct lint v[MAX_LINTS];
    size_t n;
    const char *source;  /* which generation */
    const char *refused; /* the generators refused the declaration: why */
};

static int is_wrapper_lint(const char *name)
{
    return strcmp(name, "shellcheck") == 0;
}

static int parse_lint(const char *item, struct lint *l)
{
    const char *tab = item ? strchr(item, '\t') : NULL, *tab2;
    if (!tab || !(tab2 = strchr(tab + 1, '\t')) || (size_t)(tab - item) >= sizeof l->status ||
        (size_t)(tab2 - tab - 1) >= sizeof l->name)
        return -1;
    snprintf(l->status, sizeof l->status, "%.*s", (int)(tab - item), item);
    snprintf(l->name, sizeof l->name, "%.*s", (int)(tab2 - tab - 1), tab + 1);
    l->detail = tab2 + 1;
    return 0;
}

static void add(struct lints *ls, const char *status, const char *name, const char *detail)
{
    struct lint *l;
    if (ls->n >= MAX_LINTS)
        return;
    l = &ls->v[ls->n++];
    snprintf(l->status, sizeof l->status, "%s", status);
    snprintf(l->name, sizeof l->name, "%s", name);
    l->detail = detail ? detail : "";
}

static void from_param(sourceos_ctx *ctx, struct lints *ls)
{
    for (size_t i = 0; i < sourceos_param_count(ctx, "lints"); i++) {
        struct lint l;
        if (parse_lint(sourceos_param_at(ctx, "lints", i), &l) == 0 && ls->n < MAX_LINTS)
            ls->v[ls->n++] = l;
    }
    ls->source = sourceos_param_at(ctx, "source", 0);
}

/* What the probe found, for the check that runs after this one. */
static void publish(sourceos_ctx *ctx, const struct lints *ls)
{
    char key[64], value[SOURCEOS_MAX_MESSAGE_BYTES];
    for (size_t i = 0; i < ls->n; i++) {
        snprintf(key, sizeof key, "agent.lint.%zu", i);
        snprintf(value, sizeof value, "%s\t%s\t%s", ls->v[i].status, ls->v[i].name,
                 ls->v[i].detail);
        sourceos_fact_set(ctx, key, value);
    }
    if (ls->refused)
        sourceos_fact_set(ctx, "agent.lint.refused", ls->refused);
    sourceos_fact_set(ctx, "agent.lint.source", ls->source);
}

static int from_facts(sourceos_ctx *ctx, struct lints *ls)
{
    char key[64];
    if (!(ls->source = sourceos_fact_get(ctx, "agent.lint.source")))
        return -1;
    ls->refused = sourceos_fact_get(ctx, "agent.lint.refused");
    for (size_t i = 0; i < MAX_LINTS; i++) {
        struct lint l;
        snprintf(key, sizeof key, "agent.lint.%zu", i);
        if (parse_lint(sourceos_fact_get(ctx, key), &l) != 0)
            break;
        ls->v[ls->n++] = l;
    }
    return 0;
}

/* The first line of S, for a message. */
static void first_line(const char *s, char *buf, size_t size)
{
    size_t len;
    while (*s == '\n')
        s++;
    len = strcspn(s, "\n");
    snprintf(buf, size, "%.*s", (int)(len < size ? len : size - 1), s);
}

/* Runs the scratch stage; 0 with LS filled, or -1 after recording why. */
static int from_probe(sourceos_ctx *ctx, struct lints *ls, char *why, size_t why_size)
{
    const char *argv[24], *env[MAX_ENV + 1];
    size_t n = 0, k = 0;
    const struct sourceos_cmd *r;
    long count;
    for (; n < 23 && sourceos_param_at(ctx, "stage", n); n++)
        argv[n] = sourceos_param_at(ctx, "stage", n);
    argv[n] = NULL;
    for (; k < MAX_ENV && sourceos_param_at(ctx, "stage_env", k); k++)
        env[k] = sourceos_param_at(ctx, "stage_env", k);
    env[k] = NULL;
    if (n == 0)
        return snprintf(why, why_size, "no lint results and no stage command were given (run "
                                       "it through `sourceos-agent preflight`)"),
               -1;
    r = sourceos_run(ctx, argv, env, STAGE_TIMEOUT_MS);
    ls->source = "a scratch generation";
    if (r->not_started || r->timed_out)
        return snprintf(why, why_size, "the scratch stage did not %s",
                        r->timed_out ? "finish within 60 s" : "start"),
               -1;
    count = sourceos_json_count(ctx, r->out, r->out_len, "lints");
    if (count < 0) {
        /* exit 3: the generators refused the declaration; stderr says why */
        first_line(r->err_len ? r->err : "the scratch stage printed no lints", why, why_size);
        ls->refused = why;
        return 0;
    }
    for (long i = 0; i < count && i < MAX_LINTS; i++) {
        char p[64];
        const char *name, *status, *detail;
        snprintf(p, sizeof p, "lints[%ld].lint", i);
        name = sourceos_json_get(ctx, r->out, r->out_len, p);
        snprintf(p, sizeof p, "lints[%ld].status", i);
        status = sourceos_json_get(ctx, r->out, r->out_len, p);
        snprintf(p, sizeof p, "lints[%ld].detail", i);
        detail = sourceos_json_get(ctx, r->out, r->out_len, p);
        if (name && status)
            add(ls, status, name, detail);
    }
    return 0;
}

static void stage_command(sourceos_finding *f, const char *agent)
{
    const char *argv[] = {"sourceos-agent", "stage", agent, NULL};
    if (agent)
        sourceos_finding_command_argv(f, argv);
}

sourceos_status agent_check_generated_lint(sourceos_ctx *ctx)
{
    const char *part = sourceos_param(ctx, "part");
    const char *agent = sourceos_param(ctx, "agent");
    int wrapper = part && strcmp(part, "wrapper") == 0;
    const char *what = wrapper ? "wrapper" : "definition";
    char passed[512] = "", line[256], why[512];
    size_t used = 0;
    struct verdict v = {0, SOURCEOS_SEV_INFO};
    struct lints ls = {.n = 0};
    sourceos_finding *f;

    from_param(ctx, &ls);
    if (ls.n == 0 && from_facts(ctx, &ls) != 0) {
        if (from_probe(ctx, &ls, why, sizeof why) != 0) {
            f = sourceos_finding_add(ctx, "agent.lint-results-missing", SOURCEOS_SEV_CRITICAL,
                                     "%s", why);
            return SOURCEOS_ERROR;
        }
        publish(ctx, &ls);
    }
    if (!ls.source)
        ls.source = "the generation";
    if (ls.refused) {
        f = plugin_note(ctx, &v,
                        wrapper ? "agent.wrapper-not-generated" : "agent.definition-not-generated",
                        SOURCEOS_SEV_CRITICAL, "cannot be generated from the declaration: %s",
                        ls.refused);
        sourceos_finding_remediation(f, "Fix the declaration as the message says.");
        return verdict_status(&v);
    }
    for (size_t i = 0; i < ls.n; i++) {
        const struct lint *l = &ls.v[i];
        if (is_wrapper_lint(l->name) != wrapper)
            continue;
        if (strcmp(l->status, "fail") == 0) {
            first_line(l->detail, line, sizeof line);
            f = plugin_note(ctx, &v,
                            wrapper ? "agent.wrapper-lint-failed" : "agent.definition-lint-failed",
                            SOURCEOS_SEV_CRITICAL, "fails %s in %s: %s", l->name, ls.source,
                            line);
            sourceos_finding_evidence(f, "lint", l->name);
            sourceos_finding_evidence(f, "detail", l->detail);
            sourceos_finding_remediation(f, "Stage the agent to keep the generation and read "
                                            "every lint's output, then fix the declaration.");
            stage_command(f, agent);
        } else if (strcmp(l->status, "skipped") == 0) {
            f = plugin_note(ctx, &v, "agent.lint-skipped", SOURCEOS_SEV_WARNING,
                            "%s was not run on the %s: %s", l->name, what, l->detail);
            sourceos_finding_evidence(f, "lint", l->name);
        } else if (used < sizeof passed) {
            int k = snprintf(passed + used, sizeof passed - used, "%s%s", used ? ", " : "",
                             l->name);
            used += k > 0 ? (size_t)k : 0;
        }
    }
    if (!v.any)
        sourceos_finding_add(ctx,
                             wrapper ? "agent.wrapper-lints-pass" : "agent.definition-lints-pass",
                             SOURCEOS_SEV_INFO, "passes %s (%s)", used ? passed : "every lint",
                             ls.source);
    return verdict_status(&v);
}
