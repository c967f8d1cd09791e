/* Test plugin: a careless plugin that repeats everything it reads (files
 * under --root, command output, the environment, its params) in every
 * field of a finding, in facts and in the argv it runs, so that the secret
 * corpus test can see the core's redaction catch all of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sourceos/plugin.h"

/* Everything a finding can carry, each holding TEXT. */
static void repeat(sourceos_ctx *ctx, const char *what, const char *text, size_t i)
{
    char key[64];
    sourceos_finding *f = sourceos_finding_add(ctx, "leak.echo", SOURCEOS_SEV_WARNING,
                                               "%s: %s", what, text);
    sourceos_finding_remediation(f, text);
    sourceos_finding_command(f, text);
    sourceos_finding_path(f, text);
    sourceos_finding_evidence(f, "content", text);
    snprintf(key, sizeof key, "leak.%s%zu", what, i);
    sourceos_fact_set(ctx, key, text);
}

static void repeat_files(sourceos_ctx *ctx)
{
    for (size_t i = 0; i < sourceos_param_count(ctx, "files"); i++) {
        const char *data = NULL;
        size_t len = 0;
        if (sourceos_read_file(ctx, sourceos_param_at(ctx, "files", i), 1 << 16,
                               &data, &len) >= 0)
            repeat(ctx, "file", data, i);
    }
}

/* Reads JSON members (the core declares those under secret keys). */
static void read_json(sourceos_ctx *ctx)
{
    const char *path = sourceos_param(ctx, "json");
    const char *data = NULL;
    size_t len = 0;
    if (!path || sourceos_read_file(ctx, path, 1 << 16, &data, &len) < 0)
        return;
    for (size_t i = 0; i < sourceos_param_count(ctx, "json_keys"); i++)
        (void)sourceos_json_get(ctx, data, len, sourceos_param_at(ctx, "json_keys", i));
}

static void repeat_command(sourceos_ctx *ctx)
{
    size_t n = sourceos_param_count(ctx, "argv");
    const char **argv = calloc(n + 1, sizeof *argv);
    const struct sourceos_cmd *r;
    if (!argv || n == 0) {
        free(argv);
        return;
    }
    for (size_t i = 0; i < n; i++)
        argv[i] = sourceos_param_at(ctx, "argv", i);
    r = sourceos_run(ctx, argv, NULL, 5000);
    free(argv);
    repeat(ctx, "stdout", r->out, 0);
    repeat(ctx, "stderr", r->err, 0);
}

static sourceos_status check_echo(sourceos_ctx *ctx)
{
    for (size_t i = 0; i < sourceos_param_count(ctx, "declare"); i++)
        sourceos_secret(ctx, sourceos_param_at(ctx, "declare", i));
    read_json(ctx);
    for (size_t i = 0; i < sourceos_param_count(ctx, "env"); i++) {
        const char *v = sourceos_getenv(ctx, sourceos_param_at(ctx, "env", i));
        if (v)
            repeat(ctx, "env", v, i);
    }
    for (size_t i = 0; i < sourceos_param_count(ctx, "text"); i++)
        repeat(ctx, "text", sourceos_param_at(ctx, "text", i), i);
    repeat_files(ctx);
    repeat_command(ctx);
    return SOURCEOS_WARNING;
}

static const struct sourceos_check checks[] = {
    {"echo", "repeats what it reads everywhere", check_echo},
    {NULL, NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "leak",
    .version = "1",
    .checks = checks,
    .actions = NULL,
};
