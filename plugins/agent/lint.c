/* generated-lint: what stage's lints said of the generation the preflight
 * looked at (the current one when it was made from this declaration, else
 * a scratch one): params `part` (definition or wrapper), `lints` (one
 * "STATUS<TAB>NAME<TAB>DETAIL" per lint, from ${agent.lint.PART}),
 * `source` (which generation) and `agent`. The lints themselves run in the
 * core (core/stage_lint.c), where stage runs them: one set of rules. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "agent.h"

struct lint {
    char status[16], name[64];
    const char *detail;
};

static int parse_lint(const char *item, struct lint *l)
{
    const char *tab = strchr(item, '\t'), *tab2;
    if (!tab || !(tab2 = strchr(tab + 1, '\t')) || (size_t)(tab - item) >= sizeof l->status ||
        (size_t)(tab2 - tab - 1) >= sizeof l->name)
        return -1;
    snprintf(l->status, sizeof l->status, "%.*s", (int)(tab - item), item);
    snprintf(l->name, sizeof l->name, "%.*s", (int)(tab2 - tab - 1), tab + 1);
    l->detail = tab2 + 1;
    return 0;
}

/* The first line of DETAIL, for the message; the whole is evidence. */
static void first_line(const char *detail, char *buf, size_t size)
{
    size_t len = strcspn(detail, "\n");
    snprintf(buf, size, "%.*s", (int)(len < size ? len : size - 1), detail);
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
    const char *source = sourceos_param_at(ctx, "source", 0);
    const char *agent = sourceos_param(ctx, "agent");
    size_t n = sourceos_param_count(ctx, "lints");
    int wrapper = part && strcmp(part, "wrapper") == 0;
    const char *what = wrapper ? "wrapper" : "definition";
    char passed[512] = "", line[256];
    size_t used = 0;
    struct verdict v = {0, SOURCEOS_SEV_INFO};
    sourceos_finding *f;

    if (!source)
        source = "the generation";
    if (n == 0) {
        f = sourceos_finding_add(ctx, "agent.lint-results-missing", SOURCEOS_SEV_CRITICAL,
                                 "no lint results were given (run through "
                                 "`sourceos-agent preflight`, which lints a generation)");
        return SOURCEOS_ERROR;
    }
    for (size_t i = 0; i < n; i++) {
        struct lint l;
        if (parse_lint(sourceos_param_at(ctx, "lints", i), &l) != 0)
            continue;
        if (strcmp(l.status, "fail") == 0) {
            int generate = strcmp(l.name, "generate") == 0;
            first_line(l.detail, line, sizeof line);
            if (generate)
                f = plugin_note(ctx, &v,
                                wrapper ? "agent.wrapper-not-generated"
                                        : "agent.definition-not-generated",
                                SOURCEOS_SEV_CRITICAL,
                                "cannot be generated from the declaration: %s", line);
            else
                f = plugin_note(ctx, &v,
                                wrapper ? "agent.wrapper-lint-failed"
                                        : "agent.definition-lint-failed",
                                SOURCEOS_SEV_CRITICAL, "fails %s in %s: %s", l.name, source,
                                line);
            sourceos_finding_evidence(f, "lint", l.name);
            sourceos_finding_evidence(f, "detail", l.detail);
            sourceos_finding_remediation(
                f, generate ? "Fix the declaration as the message says."
                            : "Stage the agent to keep the generation and read every lint's "
                              "output, then fix the declaration.");
            if (!generate)
                stage_command(f, agent);
        } else if (strcmp(l.status, "skipped") == 0) {
            f = plugin_note(ctx, &v, "agent.lint-skipped", SOURCEOS_SEV_WARNING,
                            "%s was not run on the %s: %s", l.name, what, l.detail);
            sourceos_finding_evidence(f, "lint", l.name);
        } else if (used < sizeof passed) {
            int k = snprintf(passed + used, sizeof passed - used, "%s%s", used ? ", " : "",
                             l.name);
            used += k > 0 ? (size_t)k : 0;
        }
    }
    if (!v.any)
        sourceos_finding_add(ctx,
                             wrapper ? "agent.wrapper-lints-pass" : "agent.definition-lints-pass",
                             SOURCEOS_SEV_INFO, "passes %s (%s)", used ? passed : "every lint",
                             source);
    return verdict_status(&v);
}
