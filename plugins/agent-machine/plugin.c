/* agent-machine: the checks of `sourceosctl agent-machine doctor`, scope
 * machine. Their params are the profile's (${profile.KEY}, core/
 * machine_params.c); what only the core can judge (the mount policy) comes
 * in as params too. Read-only: nothing here starts, pulls or creates. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sourceos/plugin.h"

#define ASK_MS 15000

/* The first line of ARGV's stdout in BUF when it ran and exited 0. */
static const struct sourceos_cmd *ask(sourceos_ctx *ctx, const char *const argv[], char *buf,
                                      size_t size)
{
    const struct sourceos_cmd *c = sourceos_run(ctx, argv, NULL, ASK_MS);
    buf[0] = '\0';
    if (!c->not_started && c->exit_status == 0 && c->out)
        snprintf(buf, size, "%.*s", (int)strcspn(c->out, "\n"), c->out);
    return c;
}

static sourceos_status check_podman(sourceos_ctx *ctx)
{
    static const char *const argv[] = {"podman", "--version", NULL};
    char line[200];
    const struct sourceos_cmd *c = ask(ctx, argv, line, sizeof line);
    sourceos_finding *f;
    if (c->not_started) {
        f = sourceos_finding_add(ctx, "machine.podman-missing", SOURCEOS_SEV_CRITICAL,
                                 "podman is not installed (or not on PATH)");
        sourceos_finding_remediation(f, "Install Podman: https://podman.io/docs/installation");
        return SOURCEOS_FAILURE;
    }
    if (!*line)
        return sourceos_finding_add(ctx, "machine.podman-broken", SOURCEOS_SEV_CRITICAL,
                                    "podman --version failed (exit %d)", c->exit_status),
               SOURCEOS_FAILURE;
    sourceos_fact_set(ctx, "machine.podman_version", line);
    sourceos_finding_add(ctx, "machine.podman", SOURCEOS_SEV_INFO, "%s", line);
    return SOURCEOS_OK;
}

static sourceos_status check_vm(sourceos_ctx *ctx)
{
    const char *provider = sourceos_param(ctx, "provider"), *name = sourceos_param(ctx, "machine");
    char state[100];
    const struct sourceos_cmd *c;
    sourceos_finding *f;
    if (!provider || strcmp(provider, "native") == 0) {
        sourceos_finding_add(ctx, "machine.native", SOURCEOS_SEV_INFO,
                             "native rootless Podman: no machine to run");
        return SOURCEOS_OK;
    }
    if (!name)
        return sourceos_finding_add(ctx, "machine.vm-missing", SOURCEOS_SEV_CRITICAL,
                                    "the profile names no machine"),
               SOURCEOS_FAILURE;
    {
        const char *argv[] = {"podman", "machine", "inspect", "--format={{.State}}", name, NULL};
        c = ask(ctx, argv, state, sizeof state);
    }
    if (c->not_started)
        return SOURCEOS_SKIPPED;
    if (!*state) {
        f = sourceos_finding_add(ctx, "machine.vm-missing", SOURCEOS_SEV_CRITICAL,
                                 "the Podman machine %s does not exist", name);
        sourceos_finding_remediation(f, "Create it (sourceosctl agent-machine start prints "
                                        "the command for the profile's provider).");
        {
            const char *init[] = {"podman", "machine", "init", name, NULL};
            sourceos_finding_command_argv(f, init);
        }
        return SOURCEOS_FAILURE;
    }
    sourceos_fact_set(ctx, "machine.vm_state", state);
    if (strcmp(state, "running") != 0) {
        f = sourceos_finding_add(ctx, "machine.vm-stopped", SOURCEOS_SEV_WARNING,
                                 "the Podman machine %s is %s", name, state);
        {
            const char *start[] = {"sourceosctl", "agent-machine", "start", NULL};
            sourceos_finding_command_argv(f, start);
        }
        return SOURCEOS_WARNING;
    }
    sourceos_finding_add(ctx, "machine.vm", SOURCEOS_SEV_INFO, "the Podman machine %s (%s) "
                         "is running", name, provider);
    return SOURCEOS_OK;
}

static sourceos_status check_tools(sourceos_ctx *ctx)
{
    static const char *const git[] = {"git", "--version", NULL};
    static const char *const nix[] = {"nix", "--version", NULL};
    char line[200];
    sourceos_status st = SOURCEOS_OK;
    if (ask(ctx, git, line, sizeof line), *line) {
        sourceos_fact_set(ctx, "machine.git_version", line);
    } else {
        sourceos_finding *f = sourceos_finding_add(ctx, "machine.git-missing",
                                                   SOURCEOS_SEV_CRITICAL,
                                                   "git is not installed: the repo's ref "
                                                   "cannot be recorded in the evidence");
        sourceos_finding_remediation(f, "Install Git.");
        st = SOURCEOS_FAILURE;
    }
    if (ask(ctx, nix, line, sizeof line), *line)
        sourceos_fact_set(ctx, "machine.nix_version", line);
    else
        sourceos_finding_add(ctx, "machine.nix-absent", SOURCEOS_SEV_INFO,
                             "Nix is not installed (optional)");
    return st;
}

static sourceos_status check_repo(sourceos_ctx *ctx)
{
    const char *repo = sourceos_param(ctx, "repo");
    char ref[200];
    sourceos_finding *f;
    if (!repo) {
        sourceos_finding_add(ctx, "machine.repo-not-given", SOURCEOS_SEV_INFO,
                             "no --repo given: the repo was not checked");
        return SOURCEOS_SKIPPED;
    }
    {
        const char *argv[] = {"git", "-C", repo, "rev-parse", "--abbrev-ref", "HEAD", NULL};
        ask(ctx, argv, ref, sizeof ref);
    }
    if (!*ref) {
        f = sourceos_finding_add(ctx, "machine.repo-not-worktree", SOURCEOS_SEV_CRITICAL,
                                 "%s is not a readable git worktree", repo);
        sourceos_finding_path(f, repo);
        sourceos_finding_remediation(f, "Give --repo the top of a git worktree you can read.");
        return SOURCEOS_FAILURE;
    }
    f = sourceos_finding_add(ctx, "machine.repo", SOURCEOS_SEV_INFO, "%s on %s", repo, ref);
    sourceos_finding_path(f, repo);
    return SOURCEOS_OK;
}

static sourceos_status check_mounts(sourceos_ctx *ctx)
{
    size_t n = sourceos_param_count(ctx, "mount_denials");
    for (size_t i = 0; i < n; i++) {
        sourceos_finding *f = sourceos_finding_add(ctx, "machine.mount-denied",
                                                   SOURCEOS_SEV_CRITICAL, "%s",
                                                   sourceos_param_at(ctx, "mount_denials", i));
        sourceos_finding_remediation(f, "Change the mount (or --repo) in the profile as the "
                                        "message says: the launch is refused until then.");
    }
    if (n)
        return SOURCEOS_FAILURE;
    sourceos_finding_add(ctx, "machine.mounts", SOURCEOS_SEV_INFO,
                         "every mount passes the mount policy (%s, the repo included)",
                         sourceos_param(ctx, "mounts_allowed") ? sourceos_param(ctx, "mounts_allowed")
                                                              : "0");
    return SOURCEOS_OK;
}

static sourceos_status check_image(sourceos_ctx *ctx)
{
    const char *image = sourceos_param(ctx, "image_ref"), *digest = sourceos_param(ctx, "digest");
    char got[200];
    const struct sourceos_cmd *c;
    sourceos_finding *f;
    if (!image)
        return SOURCEOS_ERROR;
    {
        const char *argv[] = {"podman", "image", "inspect", "--format={{.Digest}}", image, NULL};
        c = ask(ctx, argv, got, sizeof got);
    }
    if (c->not_started)
        return SOURCEOS_SKIPPED;
    if (!*got) {
        f = sourceos_finding_add(ctx, "machine.image-missing", SOURCEOS_SEV_CRITICAL,
                                 "the agent image %s is not in Podman's local storage", image);
        sourceos_finding_remediation(f, "Pull it explicitly, check it, then pin its digest in "
                                        "the profile (container.digest).");
        {
            const char *pull[] = {"podman", "pull", image, NULL};
            sourceos_finding_command_argv(f, pull);
        }
        return SOURCEOS_FAILURE;
    }
    sourceos_fact_set(ctx, "machine.image_digest", got);
    if (!digest) {
        f = sourceos_finding_add(ctx, "machine.image-unpinned", SOURCEOS_SEV_WARNING,
                                 "the agent image %s is not pinned by digest (it is %s here)",
                                 image, got);
        sourceos_finding_remediation(f, "Set container.digest in the profile to the digest "
                                        "you checked.");
        return SOURCEOS_WARNING;
    }
    sourceos_finding_add(ctx, "machine.image", SOURCEOS_SEV_INFO, "%s, pinned", image);
    return SOURCEOS_OK;
}

static const struct sourceos_check checks[] = {
    {"podman", "Podman CLI and version", check_podman},
    {"vm", "The profile's Podman machine: exists, running (or native Podman)", check_vm},
    {"tools", "Git (needed) and Nix (optional)", check_tools},
    {"repo", "The repo: a readable git worktree, its ref", check_repo},
    {"mounts", "The profile's mounts and the repo against the mount policy", check_mounts},
    {"image", "The agent image: present locally, pinned by digest", check_image},
    {NULL, NULL, NULL},
};

/* (`profile`, the profile's name, the core sets on every check of scope
 * machine, as `agent` on an agent's) */
static const char *const no_keys[] = {NULL};
static const char *const vm_keys[] = {"provider", "machine", NULL};
static const char *const repo_keys[] = {"repo", NULL};
static const char *const mount_keys[] = {"mount_denials", "mounts_allowed", NULL};
static const char *const image_keys[] = {"image_ref", "digest", NULL};

static const struct sourceos_params params[] = {
    {"podman", no_keys}, {"vm", vm_keys},       {"tools", no_keys},
    {"repo", repo_keys},     {"mounts", mount_keys}, {"image", image_keys},
    {NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "agent-machine",
    .version = PACKAGE_VERSION,
    .checks = checks,
    .actions = NULL,
    .params = params,
};
