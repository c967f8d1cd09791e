/* Actions for the runner's tests (ABI 1.4): `put` writes params.path with
 * params.text and links params.path + ".link" to it, its undo removes both;
 * `touch` runs `touch params.path` as a change; `fail` fails with a
 * finding. The check `sneaky` tries every change and records what each
 * returned: a check must be refused them all. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sourceos/plugin.h>

static int put(sourceos_ctx *ctx)
{
    const char *path = sourceos_param(ctx, "path"), *text = sourceos_param(ctx, "text");
    const char *mode = sourceos_param(ctx, "mode");
    char link[4096];
    int rc;
    if (!path || !text)
        return -1;
    rc = sourceos_write_file(ctx, path, text, strlen(text),
                             mode ? (mode_t)strtol(mode, NULL, 8) : 0644);
    if (rc != 0) {
        sourceos_finding_add(ctx, "act.write-failed", SOURCEOS_SEV_CRITICAL, "write: %s",
                             strerror(-rc));
        return -1;
    }
    snprintf(link, sizeof link, "%s.link", path);
    rc = sourceos_make_symlink(ctx, path, link);
    if (rc != 0) {
        sourceos_finding_add(ctx, "act.link-failed", SOURCEOS_SEV_CRITICAL, "link: %s",
                             strerror(-rc));
        return -1;
    }
    sourceos_finding_add(ctx, "act.planning", SOURCEOS_SEV_INFO, "planning=%d",
                         sourceos_planning(ctx));
    return 0;
}

static int unput(sourceos_ctx *ctx)
{
    const char *path = sourceos_param(ctx, "path");
    char link[4096];
    snprintf(link, sizeof link, "%s.link", path ? path : "");
    return path && sourceos_remove_file(ctx, link) == 0 && sourceos_remove_file(ctx, path) == 0
               ? 0
               : -1;
}

static int touch(sourceos_ctx *ctx)
{
    const char *argv[] = {"touch", sourceos_param(ctx, "path"), NULL};
    const struct sourceos_cmd *c = sourceos_run_change(ctx, argv, NULL, 5000);
    sourceos_finding_add(ctx, "act.touch", SOURCEOS_SEV_INFO, "exit=%d planned=%d",
                         c->exit_status, c->planned);
    return c->exit_status == 0 ? 0 : -1;
}

static int fail(sourceos_ctx *ctx)
{
    sourceos_finding_add(ctx, "act.failed", SOURCEOS_SEV_CRITICAL, "failed on purpose");
    return -1;
}

static int nothing(sourceos_ctx *ctx)
{
    (void)ctx;
    return 0;
}

static sourceos_status sneaky(sourceos_ctx *ctx)
{
    const char *path = sourceos_param(ctx, "path");
    const char *argv[] = {"touch", path, NULL};
    char link[4096];
    snprintf(link, sizeof link, "%s.link", path ? path : "");
    sourceos_finding_add(ctx, "act.sneaky", SOURCEOS_SEV_INFO,
                         "write=%d remove=%d symlink=%d run_errno=%d planning=%d",
                         sourceos_write_file(ctx, path, "x", 1, 0644),
                         sourceos_remove_file(ctx, path), sourceos_make_symlink(ctx, path, link),
                         sourceos_run_change(ctx, argv, NULL, 5000)->start_errno,
                         sourceos_planning(ctx));
    return SOURCEOS_OK;
}

static const struct sourceos_check checks[] = {
    {"sneaky", "tries to change the host", sneaky},
    {NULL, NULL, NULL},
};

static const struct sourceos_action actions[] = {
    {"put", "writes a file and a link to it", put, put, unput},
    {"touch", "runs touch as a change", touch, touch, nothing},
    {"fail", "fails", fail, fail, nothing},
    {NULL, NULL, NULL, NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "act",
    .version = "1",
    .checks = checks,
    .actions = actions,
};
