/* Test plugin: checks that do what their params say, for runner and CLI
 * tests. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sourceos/plugin.h"

static void sleep_ms(const char *value)
{
    long ms = value ? atol(value) : 0;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (ms > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static sourceos_status status_named(const char *name)
{
    if (!name || strcmp(name, "ok") == 0)
        return SOURCEOS_OK;
    if (strcmp(name, "warning") == 0)
        return SOURCEOS_WARNING;
    if (strcmp(name, "failure") == 0)
        return SOURCEOS_FAILURE;
    if (strcmp(name, "error") == 0)
        return SOURCEOS_ERROR;
    if (strcmp(name, "skipped") == 0)
        return SOURCEOS_SKIPPED;
    return (sourceos_status)42;
}

/* Publishes each "key=value" of the `facts` list. */
static void publish_facts(sourceos_ctx *ctx)
{
    for (size_t i = 0; i < sourceos_param_count(ctx, "facts"); i++) {
        char *kv = strdup(sourceos_param_at(ctx, "facts", i));
        char *eq = kv ? strchr(kv, '=') : NULL;
        if (eq) {
            *eq = '\0';
            sourceos_fact_set(ctx, kv, eq + 1);
        }
        free(kv);
    }
}

static sourceos_status check_status(sourceos_ctx *ctx)
{
    const char *status = sourceos_param(ctx, "status");
    sourceos_finding *f;
    sleep_ms(sourceos_param(ctx, "sleep_ms"));
    publish_facts(ctx);
    if (sourceos_param(ctx, "message")) {
        f = sourceos_finding_add(ctx, "behave.said", SOURCEOS_SEV_WARNING, "%s",
                                 sourceos_param(ctx, "message"));
        sourceos_finding_remediation(f, "nothing to do: a test said so");
        sourceos_finding_command(f, "true");
        sourceos_finding_path(f, "/etc/behave.conf");
        sourceos_finding_evidence(f, "status", status ? status : "ok");
    }
    return status_named(status);
}

static sourceos_status check_expect_fact(sourceos_ctx *ctx)
{
    const char *key = sourceos_param(ctx, "key");
    const char *want = sourceos_param(ctx, "value");
    const char *got = key ? sourceos_fact_get(ctx, key) : NULL;
    if (got && want && strcmp(got, want) == 0)
        return SOURCEOS_OK;
    sourceos_finding_add(ctx, "behave.fact-mismatch", SOURCEOS_SEV_CRITICAL,
                         "fact %s is '%s', expected '%s'", key ? key : "?",
                         got ? got : "(absent)", want ? want : "?");
    return SOURCEOS_FAILURE;
}

static sourceos_status check_command(sourceos_ctx *ctx)
{
    size_t n = sourceos_param_count(ctx, "argv");
    const char **argv = calloc(n + 1, sizeof *argv);
    const char *t = sourceos_param(ctx, "timeout_ms");
    const struct sourceos_cmd *r;
    sourceos_finding *f;
    if (!argv || n == 0) {
        free(argv);
        return SOURCEOS_ERROR;
    }
    for (size_t i = 0; i < n; i++)
        argv[i] = sourceos_param_at(ctx, "argv", i);
    r = sourceos_run(ctx, argv, NULL, t ? (unsigned)atol(t) : 0);
    free(argv);
    f = sourceos_finding_add(ctx, "behave.command", SOURCEOS_SEV_INFO,
                             "exit %d, %zu bytes out", r->exit_status,
                             r->out_len);
    sourceos_finding_evidence(f, "stdout", r->out);
    return r->exit_status == 0 ? SOURCEOS_OK : SOURCEOS_FAILURE;
}

/* Leaves a grandchild in its own session, as a careless plugin might. */
static sourceos_status check_orphan(sourceos_ctx *ctx)
{
    const char *pidfile = sourceos_param(ctx, "pidfile");
    pid_t pid = fork();
    if (pid == 0) {
        if (fork() == 0) {
            FILE *f;
            setsid();
            f = pidfile ? fopen(pidfile, "w") : NULL;
            if (f) {
                fprintf(f, "%ld\n", (long)getpid());
                fclose(f);
            }
            for (;;)
                pause();
        }
        _exit(0);
    }
    sleep_ms(sourceos_param(ctx, "sleep_ms") ? sourceos_param(ctx, "sleep_ms")
                                             : "200");
    return SOURCEOS_OK;
}

/* Records `findings` findings (default 1) whose messages are
 * `message_bytes` long, after `sleep_ms`; returns `status`: a result over
 * the core's limits. */
static sourceos_status check_flood(sourceos_ctx *ctx)
{
    const char *n_text = sourceos_param(ctx, "findings");
    const char *size_text = sourceos_param(ctx, "message_bytes");
    long n = n_text ? atol(n_text) : 1;
    size_t size = size_text ? (size_t)atol(size_text) : 16;
    char *message = malloc(size + 1);
    sleep_ms(sourceos_param(ctx, "sleep_ms"));
    if (!message)
        return SOURCEOS_ERROR;
    memset(message, 'x', size);
    message[size] = '\0';
    for (long i = 0; i < n; i++) {
        sourceos_finding *f = sourceos_finding_add(ctx, "behave.flood",
                                                   SOURCEOS_SEV_INFO, "%ld %s",
                                                   i, message);
        sourceos_finding_evidence(f, "index", "i");
    }
    free(message);
    return status_named(sourceos_param(ctx, "status"));
}

static sourceos_status check_secret(sourceos_ctx *ctx)
{
    const char *canary = sourceos_param(ctx, "canary");
    sourceos_finding *f = sourceos_finding_add(ctx, "behave.secret",
                                               SOURCEOS_SEV_INFO,
                                               "evidence holds secrets");
    sourceos_finding_evidence(f, "password", canary);
    sourceos_finding_evidence(f, "identitytoken", canary);
    sourceos_finding_evidence(f, "auth", canary);
    sourceos_finding_evidence(f, "registry", "gcr.io");
    sourceos_fact_set(ctx, "behave.token", canary);
    return SOURCEOS_OK;
}

static sourceos_status check_read(sourceos_ctx *ctx)
{
    const char *path = sourceos_param(ctx, "path");
    const char *data = NULL;
    size_t len = 0;
    int rc = sourceos_read_file(ctx, path ? path : "", 4096, &data, &len);
    char buf[32];
    sourceos_finding *f = sourceos_finding_add(ctx, "behave.read",
                                               SOURCEOS_SEV_INFO, "read %s: %d",
                                               path ? path : "?", rc);
    snprintf(buf, sizeof buf, "%d", rc < 0 ? -rc : 0);
    sourceos_finding_evidence(f, "errno", buf);
    if (rc >= 0)
        sourceos_finding_evidence(f, "content", data);
    return rc < 0 ? SOURCEOS_FAILURE : SOURCEOS_OK;
}

/* GETs param target (default /_ping) from param url. */
static sourceos_status check_http(sourceos_ctx *ctx)
{
    const char *url = sourceos_param(ctx, "url");
    const char *target = sourceos_param(ctx, "target");
    const struct sourceos_http *h =
        sourceos_http_get(ctx, url ? url : "", target ? target : "/_ping", 0);
    sourceos_finding_add(ctx, "behave.http", SOURCEOS_SEV_INFO,
                         "error %d, status %d", h->error, h->status);
    return h->error == 0 ? SOURCEOS_OK : SOURCEOS_FAILURE;
}

/* Lists the homes a per-user check would look at, one finding each. */
static sourceos_status check_homes(sourceos_ctx *ctx)
{
    size_t n = sourceos_home_count(ctx);
    for (size_t i = 0; i < n; i++) {
        const char *user = NULL;
        const char *path = sourceos_home_at(ctx, i, &user);
        sourceos_finding *f = sourceos_finding_add(
            ctx, "behave.home", SOURCEOS_SEV_INFO, "%s %s", user, path);
        sourceos_finding_evidence(f, "user", user);
        sourceos_finding_path(f, path);
    }
    return sourceos_home_at(ctx, n, NULL) == NULL ? SOURCEOS_OK
                                                  : SOURCEOS_FAILURE;
}

/* Publishes the params an agent-scope check gets, as facts param.KEY.value
 * (list items joined with ","). */
static sourceos_status check_params(sourceos_ctx *ctx)
{
    static const char *const keys[] = {"agent", "image", "container", "auth",
                                       "authfile", "env", "keep", "command",
                                       "user", NULL};
    for (size_t k = 0; keys[k]; k++) {
        char fact[64], value[1024];
        size_t used = 0, n = sourceos_param_count(ctx, keys[k]);
        value[0] = '\0';
        for (size_t i = 0; i < n && used < sizeof value; i++)
            used += (size_t)snprintf(value + used, sizeof value - used, "%s%s",
                                     i ? "," : "", sourceos_param_at(ctx, keys[k], i));
        /* ".value": a key ending in "auth" would be redacted as a secret */
        snprintf(fact, sizeof fact, "param.%s.value", keys[k]);
        if (n)
            sourceos_fact_set(ctx, fact, value);
    }
    return SOURCEOS_OK;
}

static const struct sourceos_check checks[] = {
    {"params", "publishes its params as facts", check_params},
    {"status", "returns the status its params name", check_status},
    {"expect-fact", "fails unless a fact has a value", check_expect_fact},
    {"command", "runs the argv of its params", check_command},
    {"orphan", "leaves a process behind", check_orphan},
    {"flood", "records more than the core keeps", check_flood},
    {"secret", "records secrets as evidence and facts", check_secret},
    {"read", "reads a file under --root", check_read},
    {"http", "GETs a target from an API URL", check_http},
    {"homes", "lists the user homes", check_homes},
    {NULL, NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "behave",
    .version = "1",
    .checks = checks,
    .actions = NULL,
};
