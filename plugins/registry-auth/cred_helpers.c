/* registry-auth: the cred-helpers check: the helpers podman would run. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry.h"

#define HELPERS_MAX 64

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

enum helper_state {
    HELPER_FOUND,
    HELPER_MISSING,
    HELPER_CURRENT_DIR, /* resolved through "", "." or another relative entry */
    HELPER_WINDOWS,     /* a Windows .exe reached through WSL interop */
};

struct helper {
    char name[NAME_MAX_LEN];
    char found[PATH_MAX];
    enum helper_state state;
    int from_creds_store; /* only named by credsStore: podman never runs it */
    struct list registries;
    struct list files;
};

struct helpers {
    struct helper items[HELPERS_MAX];
    size_t n;
};

static int is_executable_file(sourceos_ctx *ctx, const char *path)
{
    const char *real = sourceos_host_path(ctx, path);
    struct stat st;
    return real && stat(real, &st) == 0 && S_ISREG(st.st_mode) &&
           (st.st_mode & 0111);
}

/* Joins DIR (LEN bytes of a PATH entry) and PROGRAM; a relative entry is
 * taken from the current directory, as exec does. */
static int path_candidate(const char *dir, size_t len, const char *program,
                          char *out, size_t size)
{
    char cwd[PATH_MAX];
    int n;
    if (len > 0 && dir[0] == '/')
        n = snprintf(out, size, "%.*s/%s", (int)len, dir, program);
    else if (getcwd(cwd, sizeof cwd))
        n = snprintf(out, size, "%s/%.*s%s%s", cwd, (int)len, dir,
                     len ? "/" : "", program);
    else
        return -1;
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Looks PROGRAM up on the invoking PATH in order, like Go's exec.LookPath
 * (which podman uses): the first match wins. */
static enum helper_state look_path(sourceos_ctx *ctx, const char *program,
                                   char *found, size_t size)
{
    const char *path = sourceos_getenv(ctx, "PATH");
    const char *p = path;
    found[0] = '\0';
    if (!path || !*path) /* Go splits an empty PATH into no entries */
        return HELPER_MISSING;
    for (;;) {
        size_t len = strcspn(p, ":");
        if (path_candidate(p, len, program, found, size) == 0 &&
            is_executable_file(ctx, found))
            return len > 0 && p[0] == '/' ? HELPER_FOUND : HELPER_CURRENT_DIR;
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    found[0] = '\0';
    return HELPER_MISSING;
}

static int host_is_wsl(sourceos_ctx *ctx)
{
    return registry_fact_is(ctx, "host.os", "wsl") ||
           registry_fact_is(ctx, "host.wsl", "true");
}

/* /mnt/c/...: a Windows drive mounted into WSL. */
static int on_windows_drive(const char *path)
{
    return starts_with(path, "/mnt/") && path[5] && path[6] == '/' &&
           path[5] >= 'a' && path[5] <= 'z';
}

static void resolve_helper(sourceos_ctx *ctx, struct helper *h)
{
    char program[NAME_MAX_LEN + 32];
    plugin_textf(program, sizeof program, "docker-credential-%s", h->name);
    if (strchr(h->name, '/')) {
        /* exec runs a name with a slash as a path from the current dir. */
        plugin_textf(h->found, sizeof h->found, "%s", program);
        h->state = HELPER_CURRENT_DIR;
        return;
    }
    h->state = look_path(ctx, program, h->found, sizeof h->found);
    if (h->state == HELPER_FOUND && host_is_wsl(ctx) &&
        (ends_with(h->name, ".exe") || on_windows_drive(h->found)))
        h->state = HELPER_WINDOWS;
}

static struct helper *helper_named(struct helpers *hs, const char *name)
{
    for (size_t i = 0; i < hs->n; i++)
        if (strcmp(hs->items[i].name, name) == 0)
            return &hs->items[i];
    if (hs->n >= HELPERS_MAX)
        return NULL;
    memset(&hs->items[hs->n], 0, sizeof hs->items[hs->n]);
    plugin_textf(hs->items[hs->n].name, sizeof hs->items[hs->n].name, "%s",
                 name);
    hs->items[hs->n].from_creds_store = 1;
    return &hs->items[hs->n++];
}

static void collect_file_helpers(sourceos_ctx *ctx, struct helpers *hs,
                                 const struct auth_file *f)
{
    long n = sourceos_json_count(ctx, f->text, f->len, "credHelpers");
    char path[NAME_MAX_LEN * 2 + 64];
    struct helper *h;
    for (long i = 0; i < n; i++) {
        const char *registry = sourceos_json_key_at(ctx, f->text, f->len,
                                                    "credHelpers", (size_t)i);
        const char *name = NULL;
        if (registry && registry_member_path(path, sizeof path, "credHelpers",
                                             registry, NULL) == 0)
            name = sourceos_json_get(ctx, f->text, f->len, path);
        h = name && *name ? helper_named(hs, name) : NULL;
        if (!h)
            continue;
        h->from_creds_store = 0;
        registry_list_add(&h->registries, registry, NULL);
        registry_list_add(&h->files, f->path, NULL);
    }
    if (f->creds_store[0] && (h = helper_named(hs, f->creds_store)) != NULL)
        registry_list_add(&h->files, f->path, NULL);
}

static void collect_helpers(sourceos_ctx *ctx, struct helpers *hs,
                            const struct chain *c)
{
    hs->n = 0;
    for (size_t i = 0; i < c->n; i++)
        if (c->files[i].podman_reads && c->files[i].state == FILE_PARSED &&
            !c->files[i].legacy)
            collect_file_helpers(ctx, hs, &c->files[i]);
    for (size_t i = 0; i < hs->n; i++)
        resolve_helper(ctx, &hs->items[i]);
}

/* Whether podman talks to a service (a machine on macOS and Windows, or
 * CONTAINER_HOST): then every helper runs on every `podman run`. */
static int runtime_is_remote(sourceos_ctx *ctx, const char **why)
{
    const char *remote = sourceos_fact_get(ctx, "podman.remote");
    if (remote) {
        *why = strcmp(remote, "true") == 0 ? "podman.remote=true"
                                           : "podman.remote=false";
        return strcmp(remote, "true") == 0;
    }
    if (registry_fact_is(ctx, "host.os", "macos") ||
        registry_fact_is(ctx, "host.os", "windows")) {
        *why = registry_fact_is(ctx, "host.os", "macos")
                   ? "host.os=macos: podman runs through a machine"
                   : "host.os=windows: podman runs through a machine";
        return 1;
    }
    *why = "local podman";
    return 0;
}

static const char *state_text(enum helper_state s)
{
    switch (s) {
    case HELPER_FOUND: return "found";
    case HELPER_MISSING: return "missing";
    case HELPER_CURRENT_DIR: return "current-directory";
    case HELPER_WINDOWS: return "windows-interop";
    }
    return "?";
}

static void helper_evidence(sourceos_finding *fd, const struct helper *h)
{
    char program[NAME_MAX_LEN + 32];
    plugin_textf(program, sizeof program, "docker-credential-%s", h->name);
    sourceos_finding_evidence(fd, "helper", h->name);
    sourceos_finding_evidence(fd, "program", program);
    sourceos_finding_evidence(fd, "state", state_text(h->state));
    if (h->found[0])
        sourceos_finding_evidence(fd, "resolved", h->found);
    if (h->registries.count)
        sourceos_finding_evidence(fd, "registries", h->registries.text);
    sourceos_finding_evidence(fd, "files", registry_list_or(&h->files, ""));
}

static void report_creds_store_helper(sourceos_ctx *ctx, const struct helper *h)
{
    sourceos_finding *fd = plugin_note(
        ctx, NULL, "registry.creds-store-helper", SOURCEOS_SEV_INFO,
        "credsStore helper '%s' is %s; podman ignores credsStore, only "
        "docker runs it", h->name,
        h->state == HELPER_MISSING ? "not on PATH" : "on PATH");
    helper_evidence(fd, h);
}

static void report_missing_helper(sourceos_ctx *ctx, struct verdict *v,
                                  const struct helper *h, int remote)
{
    sourceos_finding *fd = plugin_note(
        ctx, v, "registry.cred-helper-missing",
        remote ? SOURCEOS_SEV_CRITICAL : SOURCEOS_SEV_WARNING,
        "credential helper '%s' (for %s, in %s) is not on PATH: %s fails "
        "with \"docker-credential-%s: executable file not found in $PATH\"",
        h->name, h->registries.text, h->files.text,
        remote ? "every podman run" : "a pull from those registries",
        h->name);
    sourceos_finding_remediation(
        fd, "Install the helper, or remove its credHelpers entries from the "
            "files listed, or run podman with an empty --authfile and an "
            "empty DOCKER_CONFIG.");
    helper_evidence(fd, h);
}

static void report_current_dir_helper(sourceos_ctx *ctx, struct verdict *v,
                                      const struct helper *h)
{
    sourceos_finding *fd = plugin_note(
        ctx, v, "registry.cred-helper-current-dir", SOURCEOS_SEV_CRITICAL,
        "credential helper '%s' (for %s) resolves to %s, in the current "
        "directory (an empty, '.' or relative PATH entry, or a name with a "
        "'/'): whoever can write where podman is started can replace it; "
        "Go refuses it (\"cannot run executable found relative to current "
        "directory\")",
        h->name, registry_list_or(&h->registries, "credsStore"), h->found);
    sourceos_finding_remediation(
        fd, "Remove empty entries, '.' and relative directories from PATH "
            "(a leading or trailing ':' or '::' is an empty entry), and "
            "install the helper in a system directory.");
    helper_evidence(fd, h);
}

static void report_windows_helper(sourceos_ctx *ctx, struct verdict *v,
                                  const struct helper *h)
{
    sourceos_finding *fd = plugin_note(
        ctx, v, "registry.cred-helper-windows", SOURCEOS_SEV_WARNING,
        "credential helper '%s' (for %s) is the Windows program %s, reached "
        "through WSL interop (named in %s): it fails in a service, without "
        "a Windows session, or when interop is off",
        h->name, h->registries.text, h->found, h->files.text);
    sourceos_finding_remediation(
        fd, "Use a Linux credential helper inside WSL, or remove the "
            "credHelpers entries (Docker Desktop writes them) and run agents "
            "with an empty --authfile and an empty DOCKER_CONFIG.");
    helper_evidence(fd, h);
}

static void report_found_helper(sourceos_ctx *ctx, const struct helper *h)
{
    sourceos_finding *fd = plugin_note(ctx, NULL, "registry.cred-helper",
                                       SOURCEOS_SEV_INFO,
                                       "credential helper '%s' (for %s): %s",
                                       h->name, h->registries.text, h->found);
    helper_evidence(fd, h);
}

static void report_helper(sourceos_ctx *ctx, struct verdict *v,
                          const struct helper *h, int remote)
{
    if (h->from_creds_store) {
        report_creds_store_helper(ctx, h);
        return;
    }
    switch (h->state) {
    case HELPER_MISSING: report_missing_helper(ctx, v, h, remote); break;
    case HELPER_CURRENT_DIR: report_current_dir_helper(ctx, v, h); break;
    case HELPER_WINDOWS: report_windows_helper(ctx, v, h); break;
    case HELPER_FOUND: report_found_helper(ctx, h); break;
    }
}

static void report_remote_risk(sourceos_ctx *ctx, struct verdict *v,
                               const struct helpers *hs, const char *why)
{
    struct list pairs = {0}, names = {0};
    sourceos_finding *fd;
    for (size_t i = 0; i < hs->n; i++) {
        if (hs->items[i].from_creds_store)
            continue;
        registry_list_add(&names, hs->items[i].name, NULL);
        registry_list_add(&pairs, hs->items[i].registries.text,
                          hs->items[i].name);
    }
    if (!names.count)
        return;
    fd = plugin_note(
        ctx, v, "registry.cred-helper-risk", SOURCEOS_SEV_CRITICAL,
        "credential-helper risk: podman is remote (%s), so it runs "
        "every credHelpers helper (%s) on every 'podman run', even for "
        "a local image with --pull never; one failing helper fails the "
        "run",
        why, names.text);
    sourceos_finding_remediation(
        fd, "Run agents with an empty auth file and an isolated, empty "
            "DOCKER_CONFIG directory, or remove the credHelpers entries.");
    sourceos_finding_command(
        fd, "mkdir -p EMPTYDIR && printf '{}' > EMPTY.json && chmod 600 "
            "EMPTY.json && DOCKER_CONFIG=EMPTYDIR podman run --authfile "
            "EMPTY.json --pull never IMAGE");
    sourceos_finding_evidence(fd, "remote", why);
    sourceos_finding_evidence(fd, "helpers", pairs.text);
}

static void publish_helper_facts(sourceos_ctx *ctx, const struct helpers *hs)
{
    struct list states = {0};
    for (size_t i = 0; i < hs->n; i++)
        if (!hs->items[i].from_creds_store)
            registry_list_add(&states, hs->items[i].name,
                              state_text(hs->items[i].state));
    sourceos_fact_set(ctx, "registry.helper_states", states.text);
}

/* The helpers one environment's chain names, each judged. */
static void check_view(sourceos_ctx *ctx, struct verdict *v, const struct env_view *env,
                       struct helpers *hs, struct chain *c, int first)
{
    const char *why = NULL;
    int remote = runtime_is_remote(ctx, &why);
    sourceos_finding *fd;
    registry_build_chain(c, env, sourceos_param(ctx, "authfile"));
    registry_load_chain(ctx, c);
    collect_helpers(ctx, hs, c);
    if (hs->n == 0) {
        fd = plugin_note(
            ctx, NULL, "registry.cred-helpers-none", SOURCEOS_SEV_INFO,
            "%s%sno credential helper is named in the files podman reads",
            env->user ? env->user : "", env->user ? ": " : "");
        sourceos_finding_evidence(fd, "remote", why);
    }
    for (size_t i = 0; i < hs->n; i++)
        report_helper(ctx, v, &hs->items[i], remote);
    if (remote)
        report_remote_risk(ctx, v, hs, why);
    if (first)
        publish_helper_facts(ctx, hs);
    registry_free_chain(c);
}

sourceos_status registry_check_cred_helpers(sourceos_ctx *ctx)
{
    struct env_view views[64];
    size_t n = registry_env_views(ctx, views, 64);
    struct verdict v = {0};
    struct chain *c = malloc(sizeof *c);
    struct helpers *hs = calloc(1, sizeof *hs);

    if (!hs || !c) {
        free(c);
        free(hs);
        plugin_note(ctx, NULL, "registry.out-of-memory",
                    SOURCEOS_SEV_CRITICAL, "out of memory");
        return SOURCEOS_ERROR;
    }
    for (size_t i = 0; i < n; i++)
        check_view(ctx, &v, &views[i], hs, c, i == 0);
    free(c);
    free(hs);
    return verdict_status(&v);
}
