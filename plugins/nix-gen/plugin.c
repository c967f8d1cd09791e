/* nix-gen: the state of the Nix profiles and their generations
 * (generations.c), and where an agent's service definition and wrapper came
 * from: a store path, a copy of one, or nothing Nix manages
 * (provenance.c). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nix.h"

/* nix-store answers from its database in milliseconds; longer is a hung
 * store lock (another nix process, a stuck daemon). */
#define NIX_DEFAULT_TIMEOUT_MS 10000u

void nix_time_text(time_t t, char *out, size_t size)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
        plugin_textf(out, size, "%lld", (long long)t);
}

int nix_open_root(sourceos_ctx *ctx)
{
    const char *root = sourceos_host_path(ctx, "/");
    int fd = root ? open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (fd < 0) {
        sourceos_finding *f = sourceos_finding_add(
            ctx, "nix.root-unreadable", SOURCEOS_SEV_CRITICAL,
            "cannot open the root directory %s", root ? root : "(--root)");
        sourceos_finding_remediation(f, "Give --root a directory this user can read.");
    }
    return fd;
}

int nix_root_is_host(sourceos_ctx *ctx)
{
    return plugin_own_files(ctx);
}

/* The length of TEXT's first line, at most MAX. */
static int first_line_len(const char *text, size_t max)
{
    size_t n = strcspn(text, "\n");
    return (int)(n < max ? n : max);
}

/* Runs nix-store and stores its answer, or why there is none, in WHY. */
static int ask_deriver(sourceos_ctx *ctx, const char *store_path, char *deriver,
                       size_t size, char *why, size_t why_size)
{
    const char *program = sourceos_param(ctx, "nix_store");
    const char *argv[] = {program && *program ? program : "nix-store", "-q", "--deriver",
                          store_path, NULL};
    unsigned timeout = plugin_param_uint(ctx, "timeout_ms", 1, 3599999,
                                         NIX_DEFAULT_TIMEOUT_MS);
    const struct sourceos_cmd *r = sourceos_run(ctx, argv, NULL, timeout);
    if (r->not_started)
        plugin_textf(why, why_size, "cannot run '%s': %s", argv[0], strerror(r->start_errno));
    else if (r->timed_out)
        plugin_textf(why, why_size, "'%s -q --deriver' did not answer within %.1f s", argv[0],
                  r->duration);
    else if (r->exit_status != 0)
        plugin_textf(why, why_size, "'%s -q --deriver' failed (exit status %d): %.*s",
                  argv[0], r->exit_status, first_line_len(r->err, 200), r->err);
    else if (nix_parse_deriver(r->out, r->out_len, deriver, size) != 0)
        plugin_textf(why, why_size, "'%s -q --deriver' printed no store path", argv[0]);
    else
        return 0;
    return -1;
}

void nix_deriver_evidence(sourceos_ctx *ctx, sourceos_finding *f, const char *store_path)
{
    char deriver[NIX_PATH_MAX], why[512];
    if (nix_store_element(store_path) != strlen(store_path))
        return;
    if (!nix_root_is_host(ctx)) {
        sourceos_finding_evidence(f, "deriver_unavailable",
                                  "--root is not /: nix-store knows this machine's store only");
        return;
    }
    if (ask_deriver(ctx, store_path, deriver, sizeof deriver, why, sizeof why) == 0)
        sourceos_finding_evidence(f, "deriver", deriver);
    else
        sourceos_finding_evidence(f, "deriver_unavailable", why);
}

static const struct sourceos_check checks[] = {
    {"generations",
     "The Nix system, user and home-manager profiles point at existing generations",
     nix_check_generations},
    {"provenance",
     "The agent's service definition and wrapper come from the current Nix generation "
     "(a store path, or an unchanged copy of one)",
     nix_check_provenance},
    {NULL, NULL, NULL},
};

/* The params each check reads (ABI 1.4): a checks.d entry that gives its
 * check any other param is refused, with where it is written. */
static const char *const generations_keys[] = {"nix_store", "timeout_ms", NULL};
static const char *const provenance_keys[] = {"files", "command", "nix_store", "timeout_ms", NULL};

static const struct sourceos_params params[] = {
    {"generations", generations_keys},
    {"provenance", provenance_keys},
    {NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "nix-gen",
    .version = PACKAGE_VERSION,
    .checks = checks,
    .actions = NULL,
    .params = params,
};
