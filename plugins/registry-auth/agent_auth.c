/* registry-auth: the agent-auth check: an agent sees no credentials. */
#include "config.h"

#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry.h"

static int holds_anything(const struct auth_file *f)
{
    return f->registries.count || f->helpers.count || f->creds_store[0];
}

/* What an agent's isolation was checked against, for the evidence. */
struct isolation {
    struct verdict v;
    struct list verified;
    int leaks;
};

static int unsubstituted(const char *value)
{
    return value && strstr(value, "${") != NULL;
}

static int bad_params(sourceos_ctx *ctx)
{
    static const char *const keys[] = {"auth", "authfile", NULL};
    size_t n = sourceos_param_count(ctx, "env");
    sourceos_finding *fd;
    const char *bad = NULL;
    for (size_t i = 0; keys[i] && !bad; i++)
        if (unsubstituted(sourceos_param(ctx, keys[i])))
            bad = keys[i];
    for (size_t i = 0; i < n && !bad; i++) {
        const char *item = sourceos_param_at(ctx, "env", i);
        if (!item || !strchr(item, '=') || unsubstituted(item))
            bad = "env";
    }
    if (!bad)
        return 0;
    fd = plugin_note(
        ctx, NULL, "registry.agent-auth-params", SOURCEOS_SEV_CRITICAL,
        "parameter '%s' is not usable: expected a value (env: a list "
        "of KEY=VALUE) with no unexpanded ${...}",
        bad);
    sourceos_finding_remediation(
        fd, "Declare the agent's auth policy, --authfile and environment in "
            "the check's params.");
    return 1;
}

static void leak(sourceos_ctx *ctx, struct isolation *iso,
                 const struct auth_file *f, const char *what, const char *fix)
{
    sourceos_finding *fd = plugin_note(
        ctx, &iso->v, "registry.agent-auth-leaks", SOURCEOS_SEV_CRITICAL,
        "the agent can reach registry credentials: %s", what);
    iso->leaks++;
    sourceos_finding_remediation(fd, fix);
    if (f) {
        sourceos_finding_path(fd, f->path);
        sourceos_finding_evidence(fd, "file", f->path);
        sourceos_finding_evidence(fd, "source", f->source);
        if (f->state == FILE_PARSED)
            registry_evidence_contents(fd, f);
    }
}

static const char *fix_docker_config =
    "Set DOCKER_CONFIG in the agent's environment to a directory of its own "
    "that holds no config.json (or one that is just {}).";

static const char *fix_authfile =
    "Point the agent's --authfile at a file of its own that holds just {\"auths\":{}} "
    "(mode 0600, owned by the user the agent runs as).";

static void describe_contents(const struct auth_file *f, char *out, size_t size)
{
    plugin_textf(out, size, "%s holds registries [%s], credHelpers [%s]%s%s",
                 f->path, registry_list_or(&f->registries, ""),
                 registry_list_or(&f->helpers, ""),
                 f->creds_store[0] ? ", credsStore " : "", f->creds_store);
}

/* A broken file the agent's podman reads stops the agent; it is not
 * isolation either, since we cannot tell what it holds. */
static int file_is_unusable(sourceos_ctx *ctx, struct isolation *iso,
                            const struct auth_file *f)
{
    sourceos_finding *fd;
    const char *why;
    char malformed[512];
    if (f->state == FILE_RELATIVE) {
        /* Which file it is depends on the service's working directory. */
        fd = plugin_note(
            ctx, &iso->v, "registry.agent-auth-relative", SOURCEOS_SEV_CRITICAL,
            "%s (%s), which the agent's podman reads, is a relative path: podman "
            "opens it from the directory the agent starts in (usually / or its "
            "HOME), so what the agent can reach there is not known",
            f->path, f->source);
        sourceos_finding_remediation(fd, fix_authfile);
        sourceos_finding_path(fd, f->path);
        iso->leaks++;
        return 1;
    }
    switch (f->state) {
    case FILE_MALFORMED:
        registry_why_text(f, malformed, sizeof malformed);
        why = malformed;
        break;
    case FILE_UNREADABLE: why = strerror(f->read_errno); break;
    case FILE_TOO_LARGE: why = "too large to analyse"; break;
    case FILE_OUTSIDE_ROOT: why = "a symlink out of the --root tree"; break;
    default: return 0;
    }
    fd = plugin_note(
        ctx, &iso->v, "registry.agent-auth-malformed", SOURCEOS_SEV_CRITICAL,
        "%s, which the agent's podman reads, is not a usable auth file "
        "(%s)",
        f->path, why);
    sourceos_finding_remediation(fd, fix_authfile);
    sourceos_finding_path(fd, f->path);
    iso->leaks++;
    return 1;
}

static void verify_authfile_safe(sourceos_ctx *ctx, struct isolation *iso,
                                 const struct auth_file *f)
{
    char mode[16], owner[128], what[PATH_MAX + 128];
    sourceos_finding *fd;
    const char *problem = NULL;
    if (!f->have_stat)
        problem = "cannot be examined";
    else if (!S_ISREG(f->st.st_mode))
        problem = "is not a regular file";
    else if (f->st.st_uid != plugin_uid(ctx))
        problem = "is owned by another user";
    else if (f->st.st_mode & 022)
        problem = "is writable by group or others";
    if (!problem) {
        registry_mode_text(f->st.st_mode, mode, sizeof mode);
        registry_owner_text(f->st.st_uid, owner, sizeof owner);
        plugin_textf(what, sizeof what,
                     "authfile %s empty, mode %s, owner %s", f->path, mode,
                     owner);
        registry_list_add(&iso->verified, what, NULL);
        return;
    }
    fd = plugin_note(ctx, &iso->v, "registry.agent-authfile-unsafe",
                     SOURCEOS_SEV_CRITICAL,
                     "the agent's auth file %s %s: someone else could put "
                     "credentials or helpers in it", f->path, problem);
    sourceos_finding_remediation(fd, fix_authfile);
    plugin_textf(what, sizeof what, "%u", (unsigned)plugin_uid(ctx));
    sourceos_finding_commandf(fd, "chmod 600 %s && chown %s %s", f->path, what, f->path);
    sourceos_finding_path(fd, f->path);
    registry_evidence_stat(fd, f);
    iso->leaks++;
}

/* PATH's directory ("/" for a file at the top, "." for a bare name). */
static void parent_dir(const char *path, char *out, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        plugin_textf(out, size, ".");
    else
        plugin_textf(out, size, "%.*s", slash == path ? 1 : (int)(slash - path), path);
}

static void verify_authfile(sourceos_ctx *ctx, struct isolation *iso,
                            const struct auth_file *f)
{
    char what[PATH_MAX + LIST_MAX * 2 + 128];
    sourceos_finding *fd;
    if (f->state == FILE_ABSENT) {
        fd = plugin_note(
            ctx, &iso->v, "registry.agent-authfile-missing",
            SOURCEOS_SEV_CRITICAL,
            "the agent's auth file %s does not exist: podman refuses a "
            "--authfile that is missing",
            f->path);
        sourceos_finding_remediation(fd, fix_authfile);
        /* The file's directory may not exist either (/run/containers/UID
         * before podman first ran): make it, or the redirection fails. */
        parent_dir(f->path, what, sizeof what);
        sourceos_finding_commandf(fd,
                                  "mkdir -p %s && printf '{\"auths\":{}}' > %s && "
                                  "chmod 600 %s",
                                  what, f->path, f->path);
        sourceos_finding_path(fd, f->path);
        iso->leaks++;
        return;
    }
    if (file_is_unusable(ctx, iso, f))
        return;
    if (holds_anything(f)) {
        describe_contents(f, what, sizeof what);
        leak(ctx, iso, f, what, fix_authfile);
        return;
    }
    verify_authfile_safe(ctx, iso, f);
}

static int same_dir(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    while (la > 1 && a[la - 1] == '/')
        la--;
    while (lb > 1 && b[lb - 1] == '/')
        lb--;
    return la == lb && strncmp(a, b, la) == 0;
}

/* The invoking user's docker config directory, the one an agent must not
 * share. */
static void host_docker_dir(sourceos_ctx *ctx, char *out, size_t size)
{
    const char *dc = registry_nonempty(sourceos_getenv(ctx, "DOCKER_CONFIG"));
    const char *home = registry_nonempty(sourceos_getenv(ctx, "HOME"));
    out[0] = '\0';
    if (dc)
        plugin_textf(out, size, "%s", dc);
    else if (home)
        plugin_textf(out, size, "%s/.docker", home);
}

static void verify_docker_config(sourceos_ctx *ctx, struct isolation *iso,
                                 const struct env_view *env,
                                 const struct auth_file *f)
{
    const char *dc = registry_nonempty(registry_env_get(env, "DOCKER_CONFIG"));
    char host_dir[PATH_MAX], what[PATH_MAX * 2 + LIST_MAX * 2 + 128];
    host_docker_dir(ctx, host_dir, sizeof host_dir);
    if (!dc) {
        plugin_textf(
            what, sizeof what,
            "DOCKER_CONFIG is not set in the agent's environment, so "
            "podman falls back to %s%s%s",
            f ? f->path : "HOME/.docker/config.json",
            f && f->state == FILE_PARSED && holds_anything(f) ? ", which " : "",
            f && f->state == FILE_PARSED && holds_anything(f)
                ? "names registries or helpers"
                : "");
        leak(ctx, iso, f, what, fix_docker_config);
        return;
    }
    if (dc[0] != '/' || (host_dir[0] && same_dir(dc, host_dir))) {
        plugin_textf(what, sizeof what,
                     "the agent's DOCKER_CONFIG=%s is %s", dc,
                     dc[0] != '/' ? "a relative path"
                            : "the host's own docker config directory");
        leak(ctx, iso, f, what, fix_docker_config);
        return;
    }
    if (!f || file_is_unusable(ctx, iso, f))
        return;
    if (f->state == FILE_PARSED && holds_anything(f)) {
        describe_contents(f, what, sizeof what);
        leak(ctx, iso, f, what, fix_docker_config);
        return;
    }
    plugin_textf(what, sizeof what, "DOCKER_CONFIG=%s config.json %s", dc,
                 f->state == FILE_ABSENT ? "absent" : "empty");
    registry_list_add(&iso->verified, what, NULL);
}

/* Before podman 4.4 these are read even with --authfile. */
static void verify_later_file(sourceos_ctx *ctx, struct isolation *iso,
                              const struct auth_file *f)
{
    char what[PATH_MAX + LIST_MAX * 2 + 128];
    if (file_is_unusable(ctx, iso, f))
        return;
    if (f->state == FILE_PARSED && (f->has_credentials || f->helpers.count)) {
        plugin_textf(
            what, sizeof what,
            "%s (%s) stores credentials for [%s] and credHelpers [%s], "
            "and podman before 4.4 reads it even with --authfile",
            f->path, f->source, registry_list_or(&f->credentialed, ""),
            registry_list_or(&f->helpers, ""));
        leak(ctx, iso, f, what,
             "Upgrade podman to 4.4 or later, or set XDG_RUNTIME_DIR, "
             "XDG_CONFIG_HOME and HOME in the agent's environment to "
             "directories of its own without credentials.");
        return;
    }
    plugin_textf(what, sizeof what, "%s %s", f->path,
                 f->state == FILE_ABSENT ? "absent" : "without credentials");
    registry_list_add(&iso->verified, what, NULL);
}

static const struct auth_file *chain_file(const struct chain *c, enum role r)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->files[i].role == r)
            return &c->files[i];
    return NULL;
}

static void report_isolated(sourceos_ctx *ctx, const struct isolation *iso,
                            const struct chain *c)
{
    sourceos_finding *fd = plugin_note(
        ctx, NULL, "registry.agent-auth-isolated", SOURCEOS_SEV_INFO,
        "the agent's podman sees no registry credentials or helpers: "
        "empty --authfile and a DOCKER_CONFIG of its own");
    sourceos_finding_evidence(fd, "verified", iso->verified.text);
    sourceos_finding_evidence(fd, "podman_version",
                              c->podman_version ? c->podman_version
                                                : "unknown, assumed before 4.4");
    sourceos_finding_evidence(fd, "later_files",
                              c->authfile_is_exclusive
                                  ? "not read (podman 4.4+ stops at --authfile)"
                                  : "checked (podman before 4.4 reads them)");
}

static sourceos_status verify_isolation(sourceos_ctx *ctx, const char *authfile)
{
    struct env_view env = {.ctx = ctx, .param = "env"};
    struct isolation iso = {0};
    struct chain c;
    sourceos_finding *fd;

    if (!registry_nonempty(authfile)) {
        fd = plugin_note(
            ctx, NULL, "registry.agent-authfile-missing", SOURCEOS_SEV_CRITICAL,
            "the agent's policy is empty-authfile but param 'authfile' "
            "is not set: its podman would use the host's auth files");
        sourceos_finding_remediation(fd, fix_authfile);
        return SOURCEOS_FAILURE;
    }
    registry_build_chain(&c, &env, authfile);
    registry_load_chain(ctx, &c);
    verify_authfile(ctx, &iso, &c.files[0]);
    verify_docker_config(ctx, &iso, &env, chain_file(&c, ROLE_DOCKER_CONFIG));
    if (!c.authfile_is_exclusive)
        for (size_t i = 1; i < c.n; i++)
            if (c.files[i].role != ROLE_DOCKER_CONFIG)
                verify_later_file(ctx, &iso, &c.files[i]);
    if (!iso.leaks)
        report_isolated(ctx, &iso, &c);
    registry_free_chain(&c);
    return iso.leaks ? SOURCEOS_FAILURE : SOURCEOS_OK;
}

static sourceos_status report_host_policy(sourceos_ctx *ctx)
{
    struct env_view env = {.ctx = ctx, .param = "env"};
    struct list registries = {0}, helpers = {0};
    struct chain c;
    sourceos_finding *fd;

    registry_build_chain(&c, &env, sourceos_param(ctx, "authfile"));
    registry_load_chain(ctx, &c);
    for (size_t i = 0; i < c.n; i++) {
        const struct auth_file *f = &c.files[i];
        if (!f->podman_reads || f->state != FILE_PARSED)
            continue;
        if (f->registries.count)
            registry_list_add(&registries, f->registries.text, NULL);
        if (f->helpers.count)
            registry_list_add(&helpers, f->helpers.text, NULL);
    }
    registry_free_chain(&c);
    fd = plugin_note(
        ctx, NULL, "registry.agent-auth-host", SOURCEOS_SEV_WARNING,
        "the agent uses the host's registry credentials (auth policy "
        "'host'): it can pull as you, and every credential helper "
        "configured for you runs in it");
    sourceos_finding_remediation(
        fd, "Use the default policy, empty-authfile, for agents that run "
            "local images; keep 'host' only for an agent that must pull.");
    sourceos_finding_evidence(fd, "registries", registries.text);
    sourceos_finding_evidence(fd, "cred_helpers", helpers.text);
    return SOURCEOS_WARNING;
}

sourceos_status registry_check_agent_auth(sourceos_ctx *ctx)
{
    const char *policy = registry_nonempty(sourceos_param(ctx, "auth"));
    sourceos_finding *fd;

    if (bad_params(ctx))
        return SOURCEOS_ERROR;
    if (!policy || strcmp(policy, "empty-authfile") == 0)
        return verify_isolation(ctx, sourceos_param(ctx, "authfile"));
    if (strcmp(policy, "host") == 0)
        return report_host_policy(ctx);
    fd = plugin_note(ctx, NULL, "registry.agent-auth-policy-unknown",
                     SOURCEOS_SEV_CRITICAL,
                     "unknown auth policy '%s': nothing was checked", policy);
    sourceos_finding_remediation(
        fd, "Use 'empty-authfile' (the default: an empty --authfile and a "
            "DOCKER_CONFIG of the agent's own) or 'host' (the host's "
            "credentials).");
    return SOURCEOS_ERROR;
}
