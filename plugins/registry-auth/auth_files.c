/* registry-auth: the auth-files check: each file in the chain. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry.h"

/* Homes of a tree looked at, at most (more are counted, not read). */
#define HOMES_MAX 64

/* plugin_note for a finding about F: "USER: MESSAGE" in a tree's home, and
 * the user as evidence, so two users' same-named files stay apart. */
static sourceos_finding *file_note(sourceos_ctx *ctx, struct verdict *v,
                                   const struct auth_file *f, const char *code,
                                   sourceos_severity sev, const char *format, ...)
    __attribute__((format(printf, 6, 7)));

static sourceos_finding *file_note(sourceos_ctx *ctx, struct verdict *v,
                                   const struct auth_file *f, const char *code,
                                   sourceos_severity sev, const char *format, ...)
{
    sourceos_finding *fd;
    va_list ap;
    va_start(ap, format);
    fd = plugin_vnote(ctx, v, code, sev, f->user, format, ap);
    va_end(ap);
    if (f->user)
        sourceos_finding_evidence(fd, "user", f->user);
    return fd;
}

static const char *exists_text(const struct auth_file *f)
{
    switch (f->state) {
    case FILE_ABSENT: return "no";
    case FILE_OUTSIDE_ROOT: return "outside --root";
    case FILE_DENIED: return "unknown (permission denied)";
    case FILE_RELATIVE: return "depends on the working directory";
    default: return "yes";
    }
}

static const char *remediation_for_mode =
    "Only you should be able to read an auth file: it holds registry "
    "credentials or decides which helpers run.";

static void report_mode(sourceos_ctx *ctx, struct verdict *v,
                        const struct auth_file *f)
{
    char mode[16];
    sourceos_finding *fd;
    if (!f->have_stat || !(f->st.st_mode & 077))
        return;
    registry_mode_text(f->st.st_mode, mode, sizeof mode);
    fd = file_note(ctx, v, f, "registry.auth-file-permissions",
        f->has_credentials ? SOURCEOS_SEV_CRITICAL : SOURCEOS_SEV_WARNING,
        "%s is %s by group or others (mode %s)%s", f->path,
        f->st.st_mode & 022 ? "writable" : "readable", mode,
        f->has_credentials ? " and stores registry credentials" : "");
    sourceos_finding_remediation(fd, remediation_for_mode);
    /* "--": a relative REGISTRY_AUTH_FILE or DOCKER_CONFIG may start with '-'. */
    sourceos_finding_commandf(fd, "chmod 600 -- %s", f->path);
    sourceos_finding_path(fd, f->path);
    registry_evidence_stat(fd, f);
    sourceos_finding_evidence(fd, "with_credentials",
                              registry_list_or(&f->credentialed, ""));
}

static void report_owner(sourceos_ctx *ctx, struct verdict *v,
                         const struct auth_file *f)
{
    char owner[128], you[128], uid[32];
    sourceos_finding *fd;
    if (!f->have_stat || f->st.st_uid == plugin_uid(ctx))
        return;
    registry_owner_text(f->st.st_uid, owner, sizeof owner);
    registry_owner_text(plugin_uid(ctx), you, sizeof you);
    fd = file_note(ctx, v, f, "registry.auth-file-owner",
        f->has_credentials ? SOURCEOS_SEV_CRITICAL : SOURCEOS_SEV_WARNING,
        "%s is owned by %s, not by you (%s): that user can change the "
        "credentials and helpers your podman uses, and a private file "
        "of theirs is one your podman cannot read",
        f->path, owner, you);
    sourceos_finding_remediation(
        fd, "Give the file back to the user who runs podman (it was often "
            "written by 'sudo podman login'), or remove it and log in again "
            "without sudo.");
    plugin_textf(uid, sizeof uid, "%u", (unsigned)plugin_uid(ctx));
    sourceos_finding_commandf(fd, "sudo chown -- %s %s", uid, f->path);
    sourceos_finding_path(fd, f->path);
    registry_evidence_stat(fd, f);
}

/* A broken file that podman reads stops every pull and run. */
static sourceos_severity broken_severity(const struct auth_file *f)
{
    return f->podman_reads ? SOURCEOS_SEV_CRITICAL : SOURCEOS_SEV_WARNING;
}

static void report_malformed(sourceos_ctx *ctx, struct verdict *v,
                             const struct auth_file *f)
{
    char why[512], at[16];
    sourceos_finding *fd;
    registry_why_text(f, why, sizeof why);
    fd = file_note(ctx, v, f, "registry.auth-file-malformed", broken_severity(f),
        "%s is not a valid auth file (%s)%s", f->path, why,
        f->podman_reads ? ": podman refuses to pull or run while it reads it"
                        : "");
    sourceos_finding_remediation(
        fd, "Fix the JSON or move the file aside; 'podman login' writes a "
            "new one. A file with no credentials can simply be {}.");
    sourceos_finding_path(fd, f->path);
    sourceos_finding_evidence(fd, "problem", f->why);
    if (f->json_line) {
        plugin_textf(at, sizeof at, "%u", f->json_line);
        sourceos_finding_evidence(fd, "line", at);
        plugin_textf(at, sizeof at, "%u", f->json_column);
        sourceos_finding_evidence(fd, "column", at);
        sourceos_finding_evidence(fd, "reason", f->json_reason);
    }
    sourceos_finding_evidence(fd, "read", f->podman_reads ? "yes" : "no");
}

static void report_unreadable(sourceos_ctx *ctx, struct verdict *v,
                              const struct auth_file *f)
{
    sourceos_finding *fd = file_note(ctx, v, f, "registry.auth-file-unreadable", broken_severity(f),
        "%s cannot be read: %s%s", f->path, strerror(f->read_errno),
        f->podman_reads ? "; podman fails on it the same way" : "");
    sourceos_finding_remediation(
        fd, "An auth file must be a regular file the user running podman "
            "can read. Remove what is in its place or fix its owner.");
    sourceos_finding_path(fd, f->path);
    registry_evidence_stat(fd, f);
}

/* Whether DIR/REL exists under the root, in words for evidence. */
static const char *exists_at(sourceos_ctx *ctx, const char *path)
{
    if (sourceos_host_path(ctx, path))
        return "yes";
    switch (sourceos_host_path_error(ctx, path)) {
    case -EACCES: return "unknown (permission denied)";
    case -EXDEV: return "outside --root";
    default: return "no";
    }
}

/* A relative auth file is opened from podman's working directory (podman
 * 4.3.1, checked: `REGISTRY_AUTH_FILE=rel/auth.json podman login
 * --get-login` answers from ./rel/auth.json, and so do a relative
 * DOCKER_CONFIG, XDG_CONFIG_HOME and XDG_RUNTIME_DIR), so it is whichever
 * file lies there when podman starts; a service starts in / (systemd's and
 * launchd's default) or in its HOME. Where it is missing, podman pull and
 * run stop with "stat rel/auth.json: no such file or directory" for
 * --authfile and REGISTRY_AUTH_FILE; the other locations are skipped. */
static void report_relative(sourceos_ctx *ctx, struct verdict *v, const struct chain *c,
                            const struct auth_file *f)
{
    char at_root[PATH_MAX + 2], at_home[PATH_MAX * 2 + 2] = "", home_text[PATH_MAX * 3];
    const char *rel = f->path[0] == '.' && f->path[1] == '/' ? f->path + 2 : f->path;
    const char *root_exists, *home_exists = NULL;
    sourceos_finding *fd;
    plugin_textf(at_root, sizeof at_root, "/%s", rel);
    root_exists = exists_at(ctx, at_root);
    home_text[0] = '\0';
    if (c->home && c->home[0] == '/') {
        plugin_textf(at_home, sizeof at_home, "%s%s%s", c->home,
                     c->home[strlen(c->home) - 1] == '/' ? "" : "/", rel);
        home_exists = exists_at(ctx, at_home);
        plugin_textf(home_text, sizeof home_text, " or in $HOME (%s: %s)", at_home,
                     home_exists);
    }
    fd = file_note(ctx, v, f, "registry.auth-file-relative", SOURCEOS_SEV_WARNING,
        "%s (%s) is a relative path: podman opens it from the working directory "
        "of whatever runs it, so which file it reads depends on where that "
        "starts; a service usually starts in / (%s: %s)%s%s%s%s", f->path, f->source,
        at_root, root_exists, home_text,
        f->role == ROLE_AUTHFILE ? "; where it does not exist, podman pull and run "
                                   "stop with \"stat " : "",
        f->role == ROLE_AUTHFILE ? f->path : "",
        f->role == ROLE_AUTHFILE ? ": no such file or directory\"" : "");
    sourceos_finding_remediation(
        fd, "Give the absolute path of the file meant, so that podman reads the "
            "same file wherever it is started.");
    sourceos_finding_path(fd, f->path);
    sourceos_finding_evidence(fd, "from_root", at_root);
    sourceos_finding_evidence(fd, "from_root_exists", root_exists);
    if (home_exists) {
        sourceos_finding_evidence(fd, "from_home", at_home);
        sourceos_finding_evidence(fd, "from_home_exists", home_exists);
    }
}

static void report_too_large(sourceos_ctx *ctx, struct verdict *v,
                             const struct auth_file *f)
{
    char limit[32];
    sourceos_finding *fd = file_note(ctx, v, f, "registry.auth-file-too-large", SOURCEOS_SEV_WARNING,
        "%s is larger than %u KiB and was not analysed: an auth file is "
        "normally a few KiB", f->path, AUTH_FILE_MAX_BYTES / 1024u);
    sourceos_finding_remediation(
        fd, "Look at what was written there; move it aside and log in again "
            "if it is not an auth file.");
    sourceos_finding_path(fd, f->path);
    plugin_textf(limit, sizeof limit, "%u", AUTH_FILE_MAX_BYTES);
    sourceos_finding_evidence(fd, "limit_bytes", limit);
}

static void report_outside_root(sourceos_ctx *ctx, struct verdict *v,
                                const struct auth_file *f)
{
    sourceos_finding *fd = file_note(ctx, v, f, "registry.auth-file-outside-root", SOURCEOS_SEV_WARNING,
        "%s is a symlink that leads out of the --root tree; it was not "
        "read", f->path);
    sourceos_finding_remediation(
        fd, "Copy the file the link points to into the tree, or run "
            "without --root on the machine itself.");
    sourceos_finding_path(fd, f->path);
}

static void report_not_utf8(sourceos_ctx *ctx, struct verdict *v,
                            const struct auth_file *f)
{
    sourceos_finding *fd = file_note(
        ctx, v, f, "registry.auth-file-not-utf8", SOURCEOS_SEV_WARNING,
        "%s is not UTF-8: podman reads it anyway, each invalid byte becoming "
        "U+FFFD, so a registry name or value holding one is not what was "
        "written", f->path);
    sourceos_finding_remediation(
        fd, "Rewrite the file in UTF-8 (podman login writes it so).");
    sourceos_finding_path(fd, f->path);
}

static void report_creds_store(sourceos_ctx *ctx, const struct auth_file *f)
{
    sourceos_finding *fd;
    if (!f->creds_store[0])
        return;
    fd = file_note(ctx, NULL, f, "registry.creds-store-ignored", SOURCEOS_SEV_INFO,
        "%s names credsStore '%s': docker uses it, podman does not "
        "(podman reads only auths and credHelpers)",
        f->path, f->creds_store);
    sourceos_finding_path(fd, f->path);
    sourceos_finding_evidence(fd, "creds_store", f->creds_store);
}

static void report_file_info(sourceos_ctx *ctx, const struct chain *c,
                             size_t i)
{
    const struct auth_file *f = &c->files[i];
    char order[16];
    sourceos_finding *fd = file_note(ctx, NULL, f, "registry.auth-file", SOURCEOS_SEV_INFO,
        "%zu. %s (%s): %s%s", i + 1, f->path, f->source,
        f->state == FILE_ABSENT     ? "absent"
        : f->state == FILE_RELATIVE ? "a relative path"
                                    : "present",
        f->podman_reads ? "" : ", not read by podman");
    plugin_textf(order, sizeof order, "%zu", i + 1);
    sourceos_finding_path(fd, f->path);
    sourceos_finding_evidence(fd, "order", order);
    sourceos_finding_evidence(fd, "source", f->source);
    sourceos_finding_evidence(fd, "exists", exists_text(f));
    sourceos_finding_evidence(fd, "read", f->podman_reads ? "yes" : "no");
    registry_evidence_stat(fd, f);
    if (f->state == FILE_PARSED)
        registry_evidence_contents(fd, f);
}

static void report_file(sourceos_ctx *ctx, struct verdict *v,
                        const struct chain *c, size_t i)
{
    const struct auth_file *f = &c->files[i];
    report_file_info(ctx, c, i);
    switch (f->state) {
    case FILE_ABSENT: return;
    case FILE_MALFORMED: report_malformed(ctx, v, f); break;
    case FILE_UNREADABLE: report_unreadable(ctx, v, f); break;
    case FILE_TOO_LARGE: report_too_large(ctx, v, f); break;
    case FILE_OUTSIDE_ROOT: report_outside_root(ctx, v, f); return;
    case FILE_DENIED: plugin_denied(ctx, v, "registry.permission-denied", f->path, f->user); return;
    case FILE_RELATIVE: report_relative(ctx, v, c, f); return;
    case FILE_PARSED: report_creds_store(ctx, f); break;
    }
    if (f->not_utf8)
        report_not_utf8(ctx, v, f);
    report_owner(ctx, v, f);
    report_mode(ctx, v, f);
}

static void report_version_basis(sourceos_ctx *ctx, const struct chain *c)
{
    sourceos_finding *fd;
    if (c->n == 0 || c->files[0].role != ROLE_AUTHFILE)
        return;
    fd = file_note(
        ctx, NULL, &c->files[0], "registry.auth-file-chain", SOURCEOS_SEV_INFO,
        c->authfile_is_exclusive
            ? "podman %s reads only %s; the files after it are ignored"
            : "podman %s reads %s first, then still the files after it "
              "(only podman 4.4 and later stop at --authfile)",
        c->podman_version ? c->podman_version : "(version unknown)",
        c->files[0].path);
    sourceos_finding_evidence(fd, "podman_version",
                              c->podman_version ? c->podman_version
                                                : "unknown, assumed before 4.4");
}

static void plugin_vnote_none(sourceos_ctx *ctx, const struct env_view *env)
{
    sourceos_finding *fd = plugin_note(
        ctx, NULL, "registry.auth-files-none", SOURCEOS_SEV_INFO,
        "%s%sno auth file location applies: HOME, XDG_CONFIG_HOME and "
        "DOCKER_CONFIG are all unset", env->user ? env->user : "",
        env->user ? ": " : "");
    if (env->user)
        sourceos_finding_evidence(fd, "user", env->user);
}

static void publish_chain_facts(sourceos_ctx *ctx, const struct chain *c)
{
    struct list files = {0}, registries = {0}, helpers = {0}, stores = {0};
    int credentials = 0;
    for (size_t i = 0; i < c->n; i++) {
        const struct auth_file *f = &c->files[i];
        if (!f->podman_reads || f->state == FILE_ABSENT ||
            f->state == FILE_OUTSIDE_ROOT || f->state == FILE_DENIED ||
            f->state == FILE_RELATIVE)
            continue;
        if (!files.count)
            sourceos_fact_set(ctx, "registry.authfile", f->path);
        registry_list_add(&files, f->path, NULL);
        if (f->state != FILE_PARSED)
            continue;
        credentials |= f->has_credentials;
        if (f->registries.count)
            registry_list_add(&registries, f->registries.text, NULL);
        if (f->helpers.count)
            registry_list_add(&helpers, f->helpers.text, NULL);
        if (f->creds_store[0])
            registry_list_add(&stores, f->creds_store, NULL);
    }
    sourceos_fact_set(ctx, "registry.auth_files", files.text);
    sourceos_fact_set(ctx, "registry.registries", registries.text);
    sourceos_fact_set(ctx, "registry.cred_helpers", helpers.text);
    sourceos_fact_set(ctx, "registry.creds_store", stores.text);
    sourceos_fact_set(ctx, "registry.credentials", credentials ? "true" : "false");
}

/* One environment's chain: reported file by file; its facts published
 * when PUBLISH (the first environment's, for the checks after this one). */
static void check_chain(sourceos_ctx *ctx, struct verdict *v, const struct env_view *env,
                        struct chain *c, int publish)
{
    registry_build_chain(c, env, sourceos_param(ctx, "authfile"));
    if (c->n == 0) {
        plugin_vnote_none(ctx, env);
        return;
    }
    registry_load_chain(ctx, c);
    report_version_basis(ctx, c);
    for (size_t i = 0; i < c->n; i++)
        report_file(ctx, v, c, i);
    if (publish)
        publish_chain_facts(ctx, c);
    registry_free_chain(c);
}

sourceos_status registry_check_auth_files(sourceos_ctx *ctx)
{
    struct env_view views[HOMES_MAX];
    struct verdict v = {0};
    struct chain *c = malloc(sizeof *c);
    size_t n = registry_env_views(ctx, views, HOMES_MAX);

    if (!c) {
        plugin_note(ctx, NULL, "registry.out-of-memory", SOURCEOS_SEV_CRITICAL,
                    "out of memory");
        return SOURCEOS_ERROR;
    }
    if (n == 0)
        plugin_note(ctx, NULL, "registry.auth-files-no-home", SOURCEOS_SEV_INFO,
                    "the tree has no user home (/Users/*, /home/*, /root): no "
                    "auth file chain to look at");
    for (size_t i = 0; i < n; i++)
        check_chain(ctx, &v, &views[i], c, i == 0);
    free(c);
    return verdict_status(&v);
}
