/* podman.container: the agent's container, as Podman sees it. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "podman.h"

#define DEFAULT_STOPPING_MS 3000u
#define DEFAULT_RESTART_LIMIT 5L

struct container {
    const char *name;
    const char *status;
    const char *exit_code;
    const char *error;
    const char *started_at;
    const char *restart_policy;
    const char *max_retries;
    long restarts;
};

static long restart_limit(sourceos_ctx *ctx)
{
    const char *t = sourceos_param(ctx, "restart_limit");
    long v = 0;
    if (t && sscanf(t, "%ld", &v) == 1 && v > 0)
        return v;
    return DEFAULT_RESTART_LIMIT;
}

static const struct sourceos_cmd *inspect(sourceos_ctx *ctx, const char *name)
{
    const char *const args[] = {"container", "inspect", name, NULL};
    return podman_run(ctx, args);
}

static void read_state(sourceos_ctx *ctx, const struct sourceos_cmd *r,
                       struct container *c)
{
    const char *restarts;
#define GET(path) sourceos_json_get(ctx, r->out, r->out_len, path)
    c->status = GET("[0].State.Status");
    c->exit_code = GET("[0].State.ExitCode");
    c->error = GET("[0].State.Error");
    c->started_at = GET("[0].State.StartedAt");
    c->restart_policy = GET("[0].HostConfig.RestartPolicy.Name");
    c->max_retries = GET("[0].HostConfig.RestartPolicy.MaximumRetryCount");
    restarts = GET("[0].RestartCount");
#undef GET
    c->restarts = restarts ? strtol(restarts, NULL, 10) : 0;
}

static void state_evidence(sourceos_finding *f, const struct container *c)
{
    char n[32];
    sourceos_finding_evidence(f, "container", c->name);
    sourceos_finding_evidence(f, "state", c->status);
    if (c->exit_code)
        sourceos_finding_evidence(f, "exit_code", c->exit_code);
    snprintf(n, sizeof n, "%ld", c->restarts);
    sourceos_finding_evidence(f, "restart_count", n);
    sourceos_finding_evidence(f, "restart_policy",
                              c->restart_policy && *c->restart_policy
                                  ? c->restart_policy
                                  : "no");
    if (c->max_retries)
        sourceos_finding_evidence(f, "restart_max_retries", c->max_retries);
    if (c->started_at)
        sourceos_finding_evidence(f, "started_at", c->started_at);
    if (c->error && *c->error)
        sourceos_finding_evidence(f, "error", c->error);
}

static sourceos_finding *add(sourceos_ctx *ctx, const struct container *c,
                             const char *code, sourceos_severity sev,
                             const char *what)
{
    sourceos_finding *f = sourceos_finding_add(
        ctx, code, sev, "container %s %s%s%s", c->name, what,
        c->error && *c->error ? ": " : "", c->error ? c->error : "");
    state_evidence(f, c);
    return f;
}

/* "podman VERB -- NAME" as the fix to run ("--": a name is never an option). */
static void command(sourceos_finding *f, const char *verb, const char *name)
{
    const char *const argv[] = {"podman", verb, "--", name, NULL};
    sourceos_finding_command_argv(f, argv);
}

static void logs_command(sourceos_finding *f, const char *name)
{
    sourceos_finding_commandf(f, "podman logs --tail 50 -- %s", name);
}

/* A container in `stopping` is watched for the threshold: if it is still
 * stopping after that, it is stuck (its process ignores the stop signal). */
static const struct sourceos_cmd *watch_stopping(sourceos_ctx *ctx,
                                                 struct container *c,
                                                 unsigned *watched_ms)
{
    unsigned threshold = plugin_param_uint(ctx, "stopping_threshold_ms", 0, 3599999, DEFAULT_STOPPING_MS);
    const struct sourceos_cmd *r = NULL;
    struct timespec step = {0, 250 * 1000 * 1000};
    *watched_ms = 0;
    while (strcmp(c->status, "stopping") == 0 && *watched_ms < threshold) {
        nanosleep(&step, NULL);
        *watched_ms += 250;
        r = inspect(ctx, c->name);
        if (r->exit_status != 0)
            break;
        read_state(ctx, r, c);
        if (!c->status)
            c->status = "unknown";
    }
    return r;
}

static sourceos_status judge(sourceos_ctx *ctx, struct container *c,
                             unsigned watched_ms)
{
    sourceos_finding *f;
    char what[128];
    if (strcmp(c->status, "stopping") == 0) {
        snprintf(what, sizeof what, "is stuck in 'stopping' (still after %.1f s)",
                 watched_ms / 1000.0);
        f = add(ctx, c, "podman.container-stuck-stopping", SOURCEOS_SEV_CRITICAL, what);
        sourceos_finding_remediation(
            f, "Its process ignores the stop signal; kill it, then fix its "
               "signal handling or stop timeout.");
        command(f, "kill", c->name);
        return SOURCEOS_FAILURE;
    }
    if (c->restarts >= restart_limit(ctx)) {
        snprintf(what, sizeof what, "has restarted %ld times: a respawn loop",
                 c->restarts);
        f = add(ctx, c, "podman.container-restart-loop", SOURCEOS_SEV_CRITICAL, what);
        sourceos_finding_remediation(f, "Look at its logs for why it keeps exiting.");
        logs_command(f, c->name);
        return SOURCEOS_FAILURE;
    }
    if (strcmp(c->status, "running") == 0) {
        add(ctx, c, "podman.container-running", SOURCEOS_SEV_INFO, "is running");
        return SOURCEOS_OK;
    }
    if (strcmp(c->status, "exited") == 0 || strcmp(c->status, "stopped") == 0) {
        int failed = c->exit_code && strcmp(c->exit_code, "0") != 0;
        snprintf(what, sizeof what, "exited with code %s",
                 c->exit_code ? c->exit_code : "?");
        f = add(ctx, c, "podman.container-exited",
                failed ? SOURCEOS_SEV_CRITICAL : SOURCEOS_SEV_WARNING, what);
        sourceos_finding_remediation(f, "Look at its logs for why it exited.");
        logs_command(f, c->name);
        return failed ? SOURCEOS_FAILURE : SOURCEOS_WARNING;
    }
    if (strcmp(c->status, "created") == 0 || strcmp(c->status, "configured") == 0 ||
        strcmp(c->status, "initialized") == 0) {
        f = add(ctx, c, "podman.container-never-started", SOURCEOS_SEV_CRITICAL,
                "was created but never started");
        sourceos_finding_remediation(f, "Start it, or remove it so the agent's "
                                        "wrapper creates it afresh.");
        command(f, "start", c->name);
        return SOURCEOS_FAILURE;
    }
    snprintf(what, sizeof what, "is %s", c->status);
    add(ctx, c, "podman.container-state", SOURCEOS_SEV_WARNING, what);
    return SOURCEOS_WARNING;
}

sourceos_status podman_check_container(sourceos_ctx *ctx)
{
    struct container c = {.name = sourceos_param(ctx, "container")};
    const struct sourceos_cmd *r;
    sourceos_finding *f;
    sourceos_status st;
    unsigned watched_ms = 0;
    char why[256];

    if (!c.name || !*c.name) {
        sourceos_finding_add(ctx, "podman.container-unset", SOURCEOS_SEV_CRITICAL,
                             "no container to check: set param 'container'");
        return SOURCEOS_ERROR;
    }
    r = inspect(ctx, c.name);
    st = podman_command_trouble(ctx, r, "container inspect");
    if (st != SOURCEOS_OK)
        return st;
    if (r->exit_status != 0 && podman_says_missing(r->err)) {
        f = sourceos_finding_add(ctx, "podman.container-missing",
                                 SOURCEOS_SEV_WARNING,
                                 "container %s does not exist: the agent is "
                                 "not running",
                                 c.name);
        sourceos_finding_evidence(f, "container", c.name);
        return SOURCEOS_WARNING;
    }
    read_state(ctx, r, &c);
    if (r->exit_status != 0 || !c.status) {
        podman_first_line(r->err_len ? r->err : r->out, why, sizeof why);
        sourceos_finding_add(ctx, "podman.container-inspect-failed",
                             SOURCEOS_SEV_CRITICAL,
                             "'podman container inspect %s' failed (exit %d): %s",
                             c.name, r->exit_status, why);
        return SOURCEOS_ERROR;
    }
    watch_stopping(ctx, &c, &watched_ms);
    return judge(ctx, &c, watched_ms);
}
