/* registry-auth: the registry credentials a container runtime would use.
 *
 * Podman looks for credentials in a chain of files (containers/image,
 * pkg/docker/config): --authfile or REGISTRY_AUTH_FILE, then
 * $XDG_RUNTIME_DIR/containers/auth.json, $XDG_CONFIG_HOME/containers/auth.json,
 * $DOCKER_CONFIG/config.json (or ~/.docker/config.json) and ~/.dockercfg.
 * These checks show that chain, what each file holds (names only, never a
 * value), the credential helpers it would run, and whether an agent is
 * isolated from the host's credentials. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sourceos/plugin.h"

/* Real auth files are a few KiB; anything bigger is not analysed. */
#define AUTH_FILE_MAX_BYTES (1024u * 1024u)
#define CHAIN_MAX 6
#define LIST_MAX 2048
#define NAME_MAX_LEN 256
#define HELPERS_MAX 64

/* ---- small utilities ---------------------------------------------------- */

/* snprintf for text where a cut is acceptable (paths in messages). */
static void textf(char *out, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void textf(char *out, size_t size, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    vsnprintf(out, size, format, ap);
    va_end(ap);
}

/* A comma-separated list for evidence and facts; cut with ",..." when full. */
struct list {
    char text[LIST_MAX];
    size_t count;
    int cut;
};

static void list_add(struct list *l, const char *a, const char *b)
{
    size_t used = strlen(l->text), room = sizeof l->text - used;
    int n;
    if (l->cut)
        return;
    n = snprintf(l->text + used, room, "%s%s%s%s", l->count ? "," : "", a,
                 b ? "=" : "", b ? b : "");
    /* Keep room for the ",..." that says the list was cut. */
    if (n < 0 || (size_t)n + 5 > room) {
        textf(l->text + used, sizeof l->text - used, "%s...",
                 l->count ? "," : "");
        l->cut = 1;
    }
    l->count++;
}

static const char *list_or(const struct list *l, const char *none)
{
    return l->count ? l->text : none;
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int fact_is(sourceos_ctx *ctx, const char *key, const char *value)
{
    const char *v = sourceos_fact_get(ctx, key);
    return v && strcmp(v, value) == 0;
}

/* A JSON path to member NAME of PARENT (and below it CHILD), quoted so that
 * registry names with dots ("gcr.io") stay one member. */
static int member_path(char *out, size_t size, const char *parent,
                       const char *name, const char *child)
{
    size_t n = 0;
    int w = snprintf(out, size, "%s[\"", parent);
    if (w < 0 || (size_t)w >= size)
        return -1;
    n = (size_t)w;
    for (const char *p = name; *p; p++) {
        if (n + 3 >= size)
            return -1;
        if (*p == '"' || *p == '\\')
            out[n++] = '\\';
        out[n++] = *p;
    }
    w = snprintf(out + n, size - n, "\"]%s%s", child ? "." : "",
                 child ? child : "");
    return w < 0 || (size_t)w >= size - n ? -1 : 0;
}

/* Worst severity seen, turned into the check's status at the end. */
struct verdict {
    int any;
    sourceos_severity worst;
};

static sourceos_finding *note(sourceos_ctx *ctx, struct verdict *v,
                              const char *code, sourceos_severity sev,
                              const char *format, ...)
    __attribute__((format(printf, 5, 6)));

static sourceos_finding *note(sourceos_ctx *ctx, struct verdict *v,
                              const char *code, sourceos_severity sev,
                              const char *format, ...)
{
    char message[1024];
    va_list ap;
    va_start(ap, format);
    vsnprintf(message, sizeof message, format, ap);
    va_end(ap);
    if (v && sev > SOURCEOS_SEV_INFO && (!v->any || sev > v->worst)) {
        v->any = 1;
        v->worst = sev;
    }
    return sourceos_finding_add(ctx, code, sev, "%s", message);
}

static sourceos_status status_of(const struct verdict *v)
{
    if (!v->any)
        return SOURCEOS_OK;
    return v->worst == SOURCEOS_SEV_CRITICAL ? SOURCEOS_FAILURE
                                             : SOURCEOS_WARNING;
}

/* ---- the environment podman runs with ------------------------------------ */

/* Either the invoking user's environment, or an agent's, given as the list
 * parameter `env` of "KEY=VALUE" strings. */
struct env_view {
    sourceos_ctx *ctx;
    const char *param;
};

static const char *env_get(const struct env_view *env, const char *name)
{
    size_t len = strlen(name);
    size_t n;
    if (!env->param)
        return sourceos_getenv(env->ctx, name);
    n = sourceos_param_count(env->ctx, env->param);
    for (size_t i = 0; i < n; i++) {
        const char *item = sourceos_param_at(env->ctx, env->param, i);
        if (item && strncmp(item, name, len) == 0 && item[len] == '=')
            return item + len + 1;
    }
    return NULL;
}

static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

/* Podman finds the home directory through the password database when HOME
 * is unset, so an agent without HOME still reads the invoking user's. */
static const char *env_home(const struct env_view *env)
{
    const char *home = nonempty(env_get(env, "HOME"));
    return home ? home : nonempty(sourceos_getenv(env->ctx, "HOME"));
}

/* ---- the auth file chain --------------------------------------------------- */

enum role {
    ROLE_AUTHFILE,
    ROLE_RUNTIME_DIR,
    ROLE_CONFIG_HOME,
    ROLE_DOCKER_CONFIG,
    ROLE_DOCKERCFG,
};

enum file_state {
    FILE_ABSENT,
    FILE_PARSED,
    FILE_MALFORMED,
    FILE_TOO_LARGE,
    FILE_UNREADABLE,
    FILE_OUTSIDE_ROOT,
};

struct auth_file {
    enum role role;
    char path[PATH_MAX];
    const char *source;  /* the variable or option that put it in the chain */
    int legacy;          /* ~/.dockercfg: registries at the top level */
    int podman_reads;
    enum file_state state;
    int read_errno;
    const char *why;     /* why it is malformed */
    int have_stat;
    struct stat st;
    const char *text;    /* owned by the core until the check returns */
    size_t len;
    int has_credentials;
    struct list registries;   /* entries under auths */
    struct list credentialed; /* of those, the ones that store a secret */
    struct list helpers;      /* credHelpers as registry=helper */
    char creds_store[NAME_MAX_LEN];
};

struct chain {
    struct auth_file files[CHAIN_MAX];
    size_t n;
    const char *podman_version;
    int authfile_is_exclusive; /* podman >= 4.4 stops at --authfile */
};

static int version_at_least(const char *version, int major, int minor)
{
    int ma = 0, mi = 0;
    if (!version || sscanf(version, "%d.%d", &ma, &mi) < 1)
        return 0;
    return ma > major || (ma == major && mi >= minor);
}

static int os_has_runtime_dir_auth(sourceos_ctx *ctx)
{
    return !fact_is(ctx, "host.os", "macos") &&
           !fact_is(ctx, "host.os", "windows");
}

static struct auth_file *chain_add(struct chain *c, enum role role,
                                   const char *source, const char *dir,
                                   const char *name)
{
    struct auth_file *f;
    int n;
    if (c->n >= CHAIN_MAX || !dir)
        return NULL;
    f = &c->files[c->n];
    memset(f, 0, sizeof *f);
    n = snprintf(f->path, sizeof f->path, "%s%s%s", dir,
                 name && *name ? "/" : "", name ? name : "");
    if (n < 0 || (size_t)n >= sizeof f->path)
        return NULL;
    f->role = role;
    f->source = source;
    c->n++;
    return f;
}

/* Without XDG_RUNTIME_DIR, Linux podman uses /run/containers/UID. */
static void add_runtime_dir_file(struct chain *c, const struct env_view *env)
{
    const char *runtime = nonempty(env_get(env, "XDG_RUNTIME_DIR"));
    char dir[64];
    if (!os_has_runtime_dir_auth(env->ctx))
        return;
    if (runtime) {
        chain_add(c, ROLE_RUNTIME_DIR, "XDG_RUNTIME_DIR", runtime,
                  "containers/auth.json");
        return;
    }
    textf(dir, sizeof dir, "/run/containers/%u", (unsigned)getuid());
    chain_add(c, ROLE_RUNTIME_DIR, "/run/containers/UID (XDG_RUNTIME_DIR unset)",
              dir, "auth.json");
}

static void add_home_files(struct chain *c, const struct env_view *env)
{
    const char *home = env_home(env);
    const char *config_home = nonempty(env_get(env, "XDG_CONFIG_HOME"));
    const char *docker_config = nonempty(env_get(env, "DOCKER_CONFIG"));
    struct auth_file *f;

    if (config_home)
        chain_add(c, ROLE_CONFIG_HOME, "XDG_CONFIG_HOME", config_home,
                  "containers/auth.json");
    else if (home)
        chain_add(c, ROLE_CONFIG_HOME, "HOME (XDG_CONFIG_HOME unset)", home,
                  ".config/containers/auth.json");
    if (docker_config)
        chain_add(c, ROLE_DOCKER_CONFIG, "DOCKER_CONFIG", docker_config,
                  "config.json");
    else if (home)
        chain_add(c, ROLE_DOCKER_CONFIG, "HOME (DOCKER_CONFIG unset)", home,
                  ".docker/config.json");
    f = home ? chain_add(c, ROLE_DOCKERCFG, "HOME", home, ".dockercfg") : NULL;
    if (f)
        f->legacy = 1;
}

/* Builds the chain in podman's lookup order; AUTHFILE is --authfile (NULL:
 * REGISTRY_AUTH_FILE of ENV, if any). */
static void build_chain(struct chain *c, const struct env_view *env,
                        const char *authfile)
{
    const char *source = "--authfile";
    memset(c, 0, sizeof *c);
    c->podman_version = sourceos_fact_get(env->ctx, "podman.version");
    c->authfile_is_exclusive = version_at_least(c->podman_version, 4, 4);
    if (!nonempty(authfile)) {
        authfile = nonempty(env_get(env, "REGISTRY_AUTH_FILE"));
        source = "REGISTRY_AUTH_FILE";
    }
    if (authfile)
        chain_add(c, ROLE_AUTHFILE, source, authfile, NULL);
    add_runtime_dir_file(c, env);
    add_home_files(c, env);
    for (size_t i = 0; i < c->n; i++)
        c->files[i].podman_reads =
            !(authfile && c->authfile_is_exclusive && i > 0);
}

/* ---- reading one file (names only) ---------------------------------------- */

static void malformed(struct auth_file *f, const char *why)
{
    f->state = FILE_MALFORMED;
    f->why = why;
}

static int has_value(sourceos_ctx *ctx, const struct auth_file *f,
                     const char *parent, const char *name, const char *key)
{
    char path[NAME_MAX_LEN * 2 + 64];
    const char *v;
    if (member_path(path, sizeof path, parent, name, key) != 0)
        return 0;
    v = sourceos_json_get(ctx, f->text, f->len, path);
    return v && *v;
}

/* Whether an entry stores a secret. The value itself is never kept. */
static int entry_has_secret(sourceos_ctx *ctx, const struct auth_file *f,
                            const char *parent, const char *registry)
{
    static const char *const secret_keys[] = {
        "auth", "identitytoken", "registrytoken", "password", NULL,
    };
    for (size_t i = 0; secret_keys[i]; i++)
        if (has_value(ctx, f, parent, registry, secret_keys[i]))
            return 1;
    return 0;
}

/* An object member that is a string or number, as jansson would print it. */
static int is_scalar(sourceos_ctx *ctx, const struct auth_file *f,
                     const char *path)
{
    return sourceos_json_get(ctx, f->text, f->len, path) != NULL;
}

static void read_registries(sourceos_ctx *ctx, struct auth_file *f,
                            const char *parent)
{
    long n = sourceos_json_count(ctx, f->text, f->len, parent);
    char path[NAME_MAX_LEN * 2 + 64];
    if (n < 0) {
        if (*parent && is_scalar(ctx, f, parent))
            malformed(f, "\"auths\" is not an object");
        return;
    }
    for (long i = 0; i < n; i++) {
        const char *name =
            sourceos_json_key_at(ctx, f->text, f->len, parent, (size_t)i);
        if (!name) {
            malformed(f, "\"auths\" is not an object");
            return;
        }
        if (member_path(path, sizeof path, parent, name, NULL) == 0 &&
            sourceos_json_count(ctx, f->text, f->len, path) < 0) {
            malformed(f, "an entry under \"auths\" is not an object");
            return;
        }
        list_add(&f->registries, name, NULL);
        if (entry_has_secret(ctx, f, parent, name)) {
            f->has_credentials = 1;
            list_add(&f->credentialed, name, NULL);
        }
    }
}

static void read_cred_helpers(sourceos_ctx *ctx, struct auth_file *f)
{
    long n = sourceos_json_count(ctx, f->text, f->len, "credHelpers");
    char path[NAME_MAX_LEN * 2 + 64];
    if (n < 0) {
        if (is_scalar(ctx, f, "credHelpers"))
            malformed(f, "\"credHelpers\" is not an object");
        return;
    }
    for (long i = 0; i < n; i++) {
        const char *registry = sourceos_json_key_at(ctx, f->text, f->len,
                                                    "credHelpers", (size_t)i);
        const char *helper = NULL;
        if (registry &&
            member_path(path, sizeof path, "credHelpers", registry, NULL) == 0)
            helper = sourceos_json_get(ctx, f->text, f->len, path);
        if (!registry || !helper) {
            malformed(f, "\"credHelpers\" must map registries to helper names");
            return;
        }
        list_add(&f->helpers, registry, helper);
    }
}

static void read_creds_store(sourceos_ctx *ctx, struct auth_file *f)
{
    const char *store =
        sourceos_json_get(ctx, f->text, f->len, "credsStore");
    if (store && *store)
        textf(f->creds_store, sizeof f->creds_store, "%s", store);
}

static int only_whitespace(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!strchr(" \t\r\n", text[i]))
            return 0;
    return 1;
}

/* The first byte tells an object from an array; the API does not. */
static int looks_like_object(const char *text, size_t len)
{
    size_t i = 0;
    while (i < len && strchr(" \t\r\n", text[i]))
        i++;
    return i < len && text[i] == '{';
}

static void parse_contents(sourceos_ctx *ctx, struct auth_file *f)
{
    const char *why = NULL;
    if (memchr(f->text, '\0', f->len))
        why = "binary content, not JSON";
    else if (only_whitespace(f->text, f->len))
        why = "empty (podman needs at least {})";
    else if (sourceos_json_count(ctx, f->text, f->len, "") < 0)
        why = "not valid JSON";
    else if (!looks_like_object(f->text, f->len))
        why = "not a JSON object";
    if (why) {
        malformed(f, why);
        return;
    }
    f->state = FILE_PARSED;
    if (f->legacy) {
        read_registries(ctx, f, "");
        return;
    }
    read_registries(ctx, f, "auths");
    if (f->state == FILE_PARSED)
        read_cred_helpers(ctx, f);
    if (f->state == FILE_PARSED)
        read_creds_store(ctx, f);
}

static void stat_file(sourceos_ctx *ctx, struct auth_file *f)
{
    const char *real = sourceos_host_path(ctx, f->path);
    f->have_stat = real && stat(real, &f->st) == 0;
}

static void load_file(sourceos_ctx *ctx, struct auth_file *f)
{
    int rc = f->path[0] == '/'
                 ? sourceos_read_file(ctx, f->path, AUTH_FILE_MAX_BYTES,
                                      &f->text, &f->len)
                 : -EINVAL;
    if (rc == -ENOENT || rc == -ENOTDIR) {
        f->state = FILE_ABSENT;
        return;
    }
    if (rc == -EXDEV) {
        f->state = FILE_OUTSIDE_ROOT;
        return;
    }
    stat_file(ctx, f);
    if (rc < 0) {
        f->state = FILE_UNREADABLE;
        f->read_errno = -rc;
        return;
    }
    if (rc == 1) {
        f->state = FILE_TOO_LARGE;
        return;
    }
    parse_contents(ctx, f);
}

static void load_chain(sourceos_ctx *ctx, struct chain *c)
{
    for (size_t i = 0; i < c->n; i++)
        load_file(ctx, &c->files[i]);
}

static int holds_anything(const struct auth_file *f)
{
    return f->registries.count || f->helpers.count || f->creds_store[0];
}

/* ---- evidence helpers ------------------------------------------------------ */

static void owner_text(uid_t uid, char *out, size_t size)
{
    struct passwd *pw = getpwuid(uid);
    if (pw)
        textf(out, size, "%s (uid %u)", pw->pw_name, (unsigned)uid);
    else
        textf(out, size, "uid %u", (unsigned)uid);
}

static void mode_text(mode_t mode, char *out, size_t size)
{
    textf(out, size, "%04o", (unsigned)(mode & 07777));
}

static const char *exists_text(const struct auth_file *f)
{
    switch (f->state) {
    case FILE_ABSENT: return "no";
    case FILE_OUTSIDE_ROOT: return "outside --root";
    default: return "yes";
    }
}

static void evidence_stat(sourceos_finding *fd, const struct auth_file *f)
{
    char text[128];
    if (!f->have_stat)
        return;
    mode_text(f->st.st_mode, text, sizeof text);
    sourceos_finding_evidence(fd, "mode", text);
    owner_text(f->st.st_uid, text, sizeof text);
    sourceos_finding_evidence(fd, "owner", text);
}

static void evidence_contents(sourceos_finding *fd, const struct auth_file *f)
{
    sourceos_finding_evidence(fd, "registries", list_or(&f->registries, ""));
    sourceos_finding_evidence(fd, "with_credentials",
                              list_or(&f->credentialed, ""));
    if (!f->legacy) {
        sourceos_finding_evidence(fd, "cred_helpers", list_or(&f->helpers, ""));
        sourceos_finding_evidence(fd, "creds_store", f->creds_store);
    }
}

/* ---- check: auth-files ------------------------------------------------------ */

static const char *remediation_for_mode =
    "Only you should be able to read an auth file: it holds registry "
    "credentials or decides which helpers run.";

static void report_mode(sourceos_ctx *ctx, struct verdict *v,
                        const struct auth_file *f)
{
    char mode[16], command[PATH_MAX + 32];
    sourceos_finding *fd;
    if (!f->have_stat || !(f->st.st_mode & 077))
        return;
    mode_text(f->st.st_mode, mode, sizeof mode);
    fd = note(ctx, v, "registry.auth-file-permissions",
              f->has_credentials ? SOURCEOS_SEV_CRITICAL : SOURCEOS_SEV_WARNING,
              "%s is %s by group or others (mode %s)%s", f->path,
              f->st.st_mode & 022 ? "writable" : "readable", mode,
              f->has_credentials ? " and stores registry credentials" : "");
    sourceos_finding_remediation(fd, remediation_for_mode);
    textf(command, sizeof command, "chmod 600 '%s'", f->path);
    sourceos_finding_command(fd, command);
    sourceos_finding_path(fd, f->path);
    evidence_stat(fd, f);
    sourceos_finding_evidence(fd, "with_credentials",
                              list_or(&f->credentialed, ""));
}

static void report_owner(sourceos_ctx *ctx, struct verdict *v,
                         const struct auth_file *f)
{
    char owner[128], you[128], command[PATH_MAX + 64];
    sourceos_finding *fd;
    if (!f->have_stat || f->st.st_uid == getuid())
        return;
    owner_text(f->st.st_uid, owner, sizeof owner);
    owner_text(getuid(), you, sizeof you);
    fd = note(ctx, v, "registry.auth-file-owner",
              f->has_credentials ? SOURCEOS_SEV_CRITICAL : SOURCEOS_SEV_WARNING,
              "%s is owned by %s, not by you (%s): that user can change the "
              "credentials and helpers your podman uses, and a private file "
              "of theirs is one your podman cannot read",
              f->path, owner, you);
    sourceos_finding_remediation(
        fd, "Give the file back to the user who runs podman (it was often "
            "written by 'sudo podman login'), or remove it and log in again "
            "without sudo.");
    textf(command, sizeof command, "sudo chown %u '%s'", (unsigned)getuid(),
             f->path);
    sourceos_finding_command(fd, command);
    sourceos_finding_path(fd, f->path);
    evidence_stat(fd, f);
}

/* A broken file that podman reads stops every pull and run. */
static sourceos_severity broken_severity(const struct auth_file *f)
{
    return f->podman_reads ? SOURCEOS_SEV_CRITICAL : SOURCEOS_SEV_WARNING;
}

static void report_malformed(sourceos_ctx *ctx, struct verdict *v,
                             const struct auth_file *f)
{
    sourceos_finding *fd = note(
        ctx, v, "registry.auth-file-malformed", broken_severity(f),
        "%s is not a valid auth file (%s)%s", f->path, f->why,
        f->podman_reads ? ": podman refuses to pull or run while it reads it"
                        : "");
    sourceos_finding_remediation(
        fd, "Fix the JSON or move the file aside; 'podman login' writes a "
            "new one. A file with no credentials can simply be {}.");
    sourceos_finding_path(fd, f->path);
    sourceos_finding_evidence(fd, "problem", f->why);
    sourceos_finding_evidence(fd, "read", f->podman_reads ? "yes" : "no");
}

static void report_unreadable(sourceos_ctx *ctx, struct verdict *v,
                              const struct auth_file *f)
{
    sourceos_finding *fd = note(
        ctx, v, "registry.auth-file-unreadable", broken_severity(f),
        "%s cannot be read: %s%s", f->path, strerror(f->read_errno),
        f->podman_reads ? "; podman fails on it the same way" : "");
    sourceos_finding_remediation(
        fd, "An auth file must be a regular file the user running podman "
            "can read. Remove what is in its place or fix its owner.");
    sourceos_finding_path(fd, f->path);
    evidence_stat(fd, f);
}

static void report_too_large(sourceos_ctx *ctx, struct verdict *v,
                             const struct auth_file *f)
{
    char limit[32];
    sourceos_finding *fd = note(
        ctx, v, "registry.auth-file-too-large", SOURCEOS_SEV_WARNING,
        "%s is larger than %u KiB and was not analysed: an auth file is "
        "normally a few KiB", f->path, AUTH_FILE_MAX_BYTES / 1024u);
    sourceos_finding_remediation(
        fd, "Look at what was written there; move it aside and log in again "
            "if it is not an auth file.");
    sourceos_finding_path(fd, f->path);
    textf(limit, sizeof limit, "%u", AUTH_FILE_MAX_BYTES);
    sourceos_finding_evidence(fd, "limit_bytes", limit);
}

static void report_outside_root(sourceos_ctx *ctx, struct verdict *v,
                                const struct auth_file *f)
{
    sourceos_finding *fd = note(
        ctx, v, "registry.auth-file-outside-root", SOURCEOS_SEV_WARNING,
        "%s is a symlink that leads out of the --root tree; it was not "
        "read", f->path);
    sourceos_finding_remediation(
        fd, "Copy the file the link points to into the tree, or run "
            "without --root on the machine itself.");
    sourceos_finding_path(fd, f->path);
}

static void report_creds_store(sourceos_ctx *ctx, const struct auth_file *f)
{
    sourceos_finding *fd;
    if (!f->creds_store[0])
        return;
    fd = note(ctx, NULL, "registry.creds-store-ignored", SOURCEOS_SEV_INFO,
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
    sourceos_finding *fd = note(
        ctx, NULL, "registry.auth-file", SOURCEOS_SEV_INFO,
        "%zu. %s (%s): %s%s", i + 1, f->path, f->source,
        f->state == FILE_ABSENT ? "absent" : "present",
        f->podman_reads ? "" : ", not read by podman");
    textf(order, sizeof order, "%zu", i + 1);
    sourceos_finding_path(fd, f->path);
    sourceos_finding_evidence(fd, "order", order);
    sourceos_finding_evidence(fd, "source", f->source);
    sourceos_finding_evidence(fd, "exists", exists_text(f));
    sourceos_finding_evidence(fd, "read", f->podman_reads ? "yes" : "no");
    evidence_stat(fd, f);
    if (f->state == FILE_PARSED)
        evidence_contents(fd, f);
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
    case FILE_PARSED: report_creds_store(ctx, f); break;
    }
    report_owner(ctx, v, f);
    report_mode(ctx, v, f);
}

static void report_version_basis(sourceos_ctx *ctx, const struct chain *c)
{
    sourceos_finding *fd;
    if (c->n == 0 || c->files[0].role != ROLE_AUTHFILE)
        return;
    fd = note(ctx, NULL, "registry.auth-file-chain", SOURCEOS_SEV_INFO,
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

static void publish_chain_facts(sourceos_ctx *ctx, const struct chain *c)
{
    struct list files = {0}, registries = {0}, helpers = {0}, stores = {0};
    int credentials = 0;
    for (size_t i = 0; i < c->n; i++) {
        const struct auth_file *f = &c->files[i];
        if (!f->podman_reads || f->state == FILE_ABSENT ||
            f->state == FILE_OUTSIDE_ROOT)
            continue;
        if (!files.count)
            sourceos_fact_set(ctx, "registry.authfile", f->path);
        list_add(&files, f->path, NULL);
        if (f->state != FILE_PARSED)
            continue;
        credentials |= f->has_credentials;
        if (f->registries.count)
            list_add(&registries, f->registries.text, NULL);
        if (f->helpers.count)
            list_add(&helpers, f->helpers.text, NULL);
        if (f->creds_store[0])
            list_add(&stores, f->creds_store, NULL);
    }
    sourceos_fact_set(ctx, "registry.auth_files", files.text);
    sourceos_fact_set(ctx, "registry.registries", registries.text);
    sourceos_fact_set(ctx, "registry.cred_helpers", helpers.text);
    sourceos_fact_set(ctx, "registry.creds_store", stores.text);
    sourceos_fact_set(ctx, "registry.credentials", credentials ? "true" : "false");
}

static sourceos_status check_auth_files(sourceos_ctx *ctx)
{
    struct env_view env = {ctx, NULL};
    struct verdict v = {0};
    struct chain c;

    build_chain(&c, &env, sourceos_param(ctx, "authfile"));
    if (c.n == 0) {
        note(ctx, NULL, "registry.auth-files-none", SOURCEOS_SEV_INFO,
             "no auth file location applies: HOME, XDG_CONFIG_HOME and "
             "DOCKER_CONFIG are all unset");
        return SOURCEOS_OK;
    }
    load_chain(ctx, &c);
    report_version_basis(ctx, &c);
    for (size_t i = 0; i < c.n; i++)
        report_file(ctx, &v, &c, i);
    publish_chain_facts(ctx, &c);
    return status_of(&v);
}

/* ---- check: cred-helpers ------------------------------------------------ */

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
    return fact_is(ctx, "host.os", "wsl") || fact_is(ctx, "host.wsl", "true");
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
    textf(program, sizeof program, "docker-credential-%s", h->name);
    if (strchr(h->name, '/')) {
        /* exec runs a name with a slash as a path from the current dir. */
        textf(h->found, sizeof h->found, "%s", program);
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
    textf(hs->items[hs->n].name, sizeof hs->items[hs->n].name, "%s", name);
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
        if (registry &&
            member_path(path, sizeof path, "credHelpers", registry, NULL) == 0)
            name = sourceos_json_get(ctx, f->text, f->len, path);
        h = name && *name ? helper_named(hs, name) : NULL;
        if (!h)
            continue;
        h->from_creds_store = 0;
        list_add(&h->registries, registry, NULL);
        list_add(&h->files, f->path, NULL);
    }
    if (f->creds_store[0] && (h = helper_named(hs, f->creds_store)) != NULL)
        list_add(&h->files, f->path, NULL);
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
    if (fact_is(ctx, "host.os", "macos") || fact_is(ctx, "host.os", "windows")) {
        *why = fact_is(ctx, "host.os", "macos")
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
    textf(program, sizeof program, "docker-credential-%s", h->name);
    sourceos_finding_evidence(fd, "helper", h->name);
    sourceos_finding_evidence(fd, "program", program);
    sourceos_finding_evidence(fd, "state", state_text(h->state));
    if (h->found[0])
        sourceos_finding_evidence(fd, "resolved", h->found);
    if (h->registries.count)
        sourceos_finding_evidence(fd, "registries", h->registries.text);
    sourceos_finding_evidence(fd, "files", list_or(&h->files, ""));
}

static void report_creds_store_helper(sourceos_ctx *ctx, const struct helper *h)
{
    sourceos_finding *fd = note(
        ctx, NULL, "registry.creds-store-helper", SOURCEOS_SEV_INFO,
        "credsStore helper '%s' is %s; podman ignores credsStore, only "
        "docker runs it", h->name,
        h->state == HELPER_MISSING ? "not on PATH" : "on PATH");
    helper_evidence(fd, h);
}

static void report_missing_helper(sourceos_ctx *ctx, struct verdict *v,
                                  const struct helper *h, int remote)
{
    sourceos_finding *fd = note(
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
    sourceos_finding *fd = note(
        ctx, v, "registry.cred-helper-current-dir", SOURCEOS_SEV_CRITICAL,
        "credential helper '%s' (for %s) resolves to %s, in the current "
        "directory (an empty, '.' or relative PATH entry, or a name with a "
        "'/'): whoever can write where podman is started can replace it; "
        "Go refuses it (\"cannot run executable found relative to current "
        "directory\")",
        h->name, list_or(&h->registries, "credsStore"), h->found);
    sourceos_finding_remediation(
        fd, "Remove empty entries, '.' and relative directories from PATH "
            "(a leading or trailing ':' or '::' is an empty entry), and "
            "install the helper in a system directory.");
    helper_evidence(fd, h);
}

static void report_windows_helper(sourceos_ctx *ctx, struct verdict *v,
                                  const struct helper *h)
{
    sourceos_finding *fd = note(
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
    sourceos_finding *fd = note(ctx, NULL, "registry.cred-helper",
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
        list_add(&names, hs->items[i].name, NULL);
        list_add(&pairs, hs->items[i].registries.text, hs->items[i].name);
    }
    if (!names.count)
        return;
    fd = note(ctx, v, "registry.cred-helper-risk", SOURCEOS_SEV_CRITICAL,
              "credential-helper risk: podman is remote (%s), so it runs "
              "every credHelpers helper (%s) on every 'podman run', even for "
              "a local image with --pull never; one failing helper fails the "
              "run", why, names.text);
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
            list_add(&states, hs->items[i].name,
                     state_text(hs->items[i].state));
    sourceos_fact_set(ctx, "registry.helper_states", states.text);
}

static sourceos_status check_cred_helpers(sourceos_ctx *ctx)
{
    struct env_view env = {ctx, NULL};
    struct verdict v = {0};
    struct chain c;
    struct helpers *hs = calloc(1, sizeof *hs);
    const char *why = NULL;
    int remote = runtime_is_remote(ctx, &why);
    sourceos_finding *fd;

    if (!hs) {
        note(ctx, NULL, "registry.out-of-memory", SOURCEOS_SEV_CRITICAL,
             "out of memory");
        return SOURCEOS_ERROR;
    }
    build_chain(&c, &env, sourceos_param(ctx, "authfile"));
    load_chain(ctx, &c);
    collect_helpers(ctx, hs, &c);
    if (hs->n == 0) {
        fd = note(ctx, NULL, "registry.cred-helpers-none", SOURCEOS_SEV_INFO,
                  "no credential helper is named in the files podman reads");
        sourceos_finding_evidence(fd, "remote", why);
    }
    for (size_t i = 0; i < hs->n; i++)
        report_helper(ctx, &v, &hs->items[i], remote);
    if (remote)
        report_remote_risk(ctx, &v, hs, why);
    publish_helper_facts(ctx, hs);
    free(hs);
    return status_of(&v);
}

/* ---- check: agent-auth ------------------------------------------------------ */

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
    fd = note(ctx, NULL, "registry.agent-auth-params", SOURCEOS_SEV_CRITICAL,
              "parameter '%s' is not usable: expected a value (env: a list "
              "of KEY=VALUE) with no unexpanded ${...}", bad);
    sourceos_finding_remediation(
        fd, "Declare the agent's auth policy, --authfile and environment in "
            "the check's params.");
    return 1;
}

static void leak(sourceos_ctx *ctx, struct isolation *iso,
                 const struct auth_file *f, const char *what, const char *fix)
{
    sourceos_finding *fd = note(ctx, &iso->v, "registry.agent-auth-leaks",
                                SOURCEOS_SEV_CRITICAL,
                                "the agent can reach registry credentials: %s",
                                what);
    iso->leaks++;
    sourceos_finding_remediation(fd, fix);
    if (f) {
        sourceos_finding_path(fd, f->path);
        sourceos_finding_evidence(fd, "file", f->path);
        sourceos_finding_evidence(fd, "source", f->source);
        if (f->state == FILE_PARSED)
            evidence_contents(fd, f);
    }
}

static const char *fix_docker_config =
    "Set DOCKER_CONFIG in the agent's environment to a directory of its own "
    "that holds no config.json (or one that is just {}).";

static const char *fix_authfile =
    "Point the agent's --authfile at a file of its own that holds just {} "
    "(mode 0600, owned by the user the agent runs as).";

static void describe_contents(const struct auth_file *f, char *out, size_t size)
{
    textf(out, size, "%s holds registries [%s], credHelpers [%s]%s%s",
             f->path, list_or(&f->registries, ""), list_or(&f->helpers, ""),
             f->creds_store[0] ? ", credsStore " : "", f->creds_store);
}

/* A broken file the agent's podman reads stops the agent; it is not
 * isolation either, since we cannot tell what it holds. */
static int file_is_unusable(sourceos_ctx *ctx, struct isolation *iso,
                            const struct auth_file *f)
{
    sourceos_finding *fd;
    const char *why;
    switch (f->state) {
    case FILE_MALFORMED: why = f->why; break;
    case FILE_UNREADABLE: why = strerror(f->read_errno); break;
    case FILE_TOO_LARGE: why = "too large to analyse"; break;
    case FILE_OUTSIDE_ROOT: why = "a symlink out of the --root tree"; break;
    default: return 0;
    }
    fd = note(ctx, &iso->v, "registry.agent-auth-malformed",
              SOURCEOS_SEV_CRITICAL,
              "%s, which the agent's podman reads, is not a usable auth file "
              "(%s)", f->path, why);
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
    else if (f->st.st_uid != getuid())
        problem = "is owned by another user";
    else if (f->st.st_mode & 022)
        problem = "is writable by group or others";
    if (!problem) {
        mode_text(f->st.st_mode, mode, sizeof mode);
        owner_text(f->st.st_uid, owner, sizeof owner);
        textf(what, sizeof what, "authfile %s empty, mode %s, owner %s",
                 f->path, mode, owner);
        list_add(&iso->verified, what, NULL);
        return;
    }
    fd = note(ctx, &iso->v, "registry.agent-authfile-unsafe",
              SOURCEOS_SEV_CRITICAL,
              "the agent's auth file %s %s: someone else could put "
              "credentials or helpers in it", f->path, problem);
    sourceos_finding_remediation(fd, fix_authfile);
    textf(what, sizeof what, "chmod 600 '%s' && chown %u '%s'", f->path,
             (unsigned)getuid(), f->path);
    sourceos_finding_command(fd, what);
    sourceos_finding_path(fd, f->path);
    evidence_stat(fd, f);
    iso->leaks++;
}

static void verify_authfile(sourceos_ctx *ctx, struct isolation *iso,
                            const struct auth_file *f)
{
    char what[PATH_MAX + LIST_MAX * 2 + 128];
    sourceos_finding *fd;
    if (f->state == FILE_ABSENT) {
        fd = note(ctx, &iso->v, "registry.agent-authfile-missing",
                  SOURCEOS_SEV_CRITICAL,
                  "the agent's auth file %s does not exist: podman refuses a "
                  "--authfile that is missing", f->path);
        sourceos_finding_remediation(fd, fix_authfile);
        textf(what, sizeof what, "printf '{}' > '%s' && chmod 600 '%s'",
                 f->path, f->path);
        sourceos_finding_command(fd, what);
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
    const char *dc = nonempty(sourceos_getenv(ctx, "DOCKER_CONFIG"));
    const char *home = nonempty(sourceos_getenv(ctx, "HOME"));
    out[0] = '\0';
    if (dc)
        textf(out, size, "%s", dc);
    else if (home)
        textf(out, size, "%s/.docker", home);
}

static void verify_docker_config(sourceos_ctx *ctx, struct isolation *iso,
                                 const struct env_view *env,
                                 const struct auth_file *f)
{
    const char *dc = nonempty(env_get(env, "DOCKER_CONFIG"));
    char host_dir[PATH_MAX], what[PATH_MAX * 2 + LIST_MAX * 2 + 128];
    host_docker_dir(ctx, host_dir, sizeof host_dir);
    if (!dc) {
        textf(what, sizeof what,
                 "DOCKER_CONFIG is not set in the agent's environment, so "
                 "podman falls back to %s%s%s",
                 f ? f->path : "HOME/.docker/config.json",
                 f && f->state == FILE_PARSED && holds_anything(f) ? ", which " : "",
                 f && f->state == FILE_PARSED && holds_anything(f)
                     ? "names registries or helpers" : "");
        leak(ctx, iso, f, what, fix_docker_config);
        return;
    }
    if (dc[0] != '/' || (host_dir[0] && same_dir(dc, host_dir))) {
        textf(what, sizeof what,
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
    textf(what, sizeof what, "DOCKER_CONFIG=%s config.json %s", dc,
             f->state == FILE_ABSENT ? "absent" : "empty");
    list_add(&iso->verified, what, NULL);
}

/* Before podman 4.4 these are read even with --authfile. */
static void verify_later_file(sourceos_ctx *ctx, struct isolation *iso,
                              const struct auth_file *f)
{
    char what[PATH_MAX + LIST_MAX * 2 + 128];
    if (file_is_unusable(ctx, iso, f))
        return;
    if (f->state == FILE_PARSED && (f->has_credentials || f->helpers.count)) {
        textf(what, sizeof what,
                 "%s (%s) stores credentials for [%s] and credHelpers [%s], "
                 "and podman before 4.4 reads it even with --authfile",
                 f->path, f->source, list_or(&f->credentialed, ""),
                 list_or(&f->helpers, ""));
        leak(ctx, iso, f, what,
             "Upgrade podman to 4.4 or later, or set XDG_RUNTIME_DIR, "
             "XDG_CONFIG_HOME and HOME in the agent's environment to "
             "directories of its own without credentials.");
        return;
    }
    textf(what, sizeof what, "%s %s", f->path,
             f->state == FILE_ABSENT ? "absent" : "without credentials");
    list_add(&iso->verified, what, NULL);
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
    sourceos_finding *fd = note(
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
    struct env_view env = {ctx, "env"};
    struct isolation iso = {0};
    struct chain c;
    sourceos_finding *fd;

    if (!nonempty(authfile) || authfile[0] != '/') {
        fd = note(ctx, NULL, "registry.agent-authfile-missing",
                  SOURCEOS_SEV_CRITICAL,
                  "the agent's policy is empty-authfile but param 'authfile' "
                  "is %s: its podman would use the host's auth files",
                  nonempty(authfile) ? "not an absolute path" : "not set");
        sourceos_finding_remediation(fd, fix_authfile);
        return SOURCEOS_FAILURE;
    }
    build_chain(&c, &env, authfile);
    load_chain(ctx, &c);
    verify_authfile(ctx, &iso, &c.files[0]);
    verify_docker_config(ctx, &iso, &env, chain_file(&c, ROLE_DOCKER_CONFIG));
    if (!c.authfile_is_exclusive)
        for (size_t i = 1; i < c.n; i++)
            if (c.files[i].role != ROLE_DOCKER_CONFIG)
                verify_later_file(ctx, &iso, &c.files[i]);
    if (iso.leaks)
        return SOURCEOS_FAILURE;
    report_isolated(ctx, &iso, &c);
    return SOURCEOS_OK;
}

static sourceos_status report_host_policy(sourceos_ctx *ctx)
{
    struct env_view env = {ctx, "env"};
    struct list registries = {0}, helpers = {0};
    struct chain c;
    sourceos_finding *fd;

    build_chain(&c, &env, sourceos_param(ctx, "authfile"));
    load_chain(ctx, &c);
    for (size_t i = 0; i < c.n; i++) {
        const struct auth_file *f = &c.files[i];
        if (!f->podman_reads || f->state != FILE_PARSED)
            continue;
        if (f->registries.count)
            list_add(&registries, f->registries.text, NULL);
        if (f->helpers.count)
            list_add(&helpers, f->helpers.text, NULL);
    }
    fd = note(ctx, NULL, "registry.agent-auth-host", SOURCEOS_SEV_WARNING,
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

static sourceos_status check_agent_auth(sourceos_ctx *ctx)
{
    const char *policy = nonempty(sourceos_param(ctx, "auth"));
    sourceos_finding *fd;

    if (bad_params(ctx))
        return SOURCEOS_ERROR;
    if (!policy || strcmp(policy, "empty-authfile") == 0)
        return verify_isolation(ctx, sourceos_param(ctx, "authfile"));
    if (strcmp(policy, "host") == 0)
        return report_host_policy(ctx);
    fd = note(ctx, NULL, "registry.agent-auth-policy-unknown",
              SOURCEOS_SEV_CRITICAL,
              "unknown auth policy '%s': nothing was checked", policy);
    sourceos_finding_remediation(
        fd, "Use 'empty-authfile' (the default: an empty --authfile and a "
            "DOCKER_CONFIG of the agent's own) or 'host' (the host's "
            "credentials).");
    return SOURCEOS_ERROR;
}

static const struct sourceos_check checks[] = {
    {"auth-files",
     "Registry auth files in podman's lookup order: present, private, valid",
     check_auth_files},
    {"cred-helpers",
     "Credential helpers podman would run: on PATH, safe, not a remote risk",
     check_cred_helpers},
    {"agent-auth",
     "An agent's podman sees no registry credentials (empty --authfile)",
     check_agent_auth},
    {NULL, NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "registry-auth",
    .version = PACKAGE_VERSION,
    .checks = checks,
    .actions = NULL,
};
