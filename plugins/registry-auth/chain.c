/* registry-auth: the auth file chain podman reads, and what each holds. */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry.h"

/* ---- the environment podman runs with ------------------------------------ */

const char *registry_env_get(const struct env_view *env, const char *name)
{
    size_t len = strlen(name);
    size_t n;
    if (env->home)
        return strcmp(name, "HOME") == 0 ? env->home : NULL;
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

/* Podman finds the home directory through the password database when HOME
 * is unset, so an agent without HOME still reads the invoking user's. */
static const char *env_home(const struct env_view *env)
{
    const char *home = registry_nonempty(registry_env_get(env, "HOME"));
    return home ? home : registry_nonempty(sourceos_getenv(env->ctx, "HOME"));
}

static int is_tree(sourceos_ctx *ctx)
{
    return !plugin_own_files(ctx);
}

/* Whether HOME is where a tree keeps its users' homes (/Users/NAME,
 * /home/NAME, /root); the one other home the core lists is the invoking
 * user's (--live), which keeps the invoking environment. */
static int tree_home(const char *home)
{
    static const char *const parents[] = {"/Users/", "/home/", NULL};
    if (strcmp(home, "/root") == 0)
        return 1;
    for (size_t i = 0; parents[i]; i++) {
        size_t n = strlen(parents[i]);
        if (strncmp(home, parents[i], n) == 0 && home[n] && !strchr(home + n, '/'))
            return 1;
    }
    return 0;
}

size_t registry_env_views(sourceos_ctx *ctx, struct env_view *views, size_t max)
{
    size_t n = 0, count = sourceos_home_count(ctx);
    if (max == 0)
        return 0;
    if (!is_tree(ctx)) {
        views[n++] = (struct env_view){ctx, NULL, NULL, NULL, 0};
        return n;
    }
    for (size_t i = 0; i < count && n < max; i++) {
        const char *user = NULL;
        const char *home = sourceos_home_at(ctx, i, &user);
        const char *real = home ? sourceos_host_path(ctx, home) : NULL;
        struct stat st;
        if (!home)
            continue;
        views[n] = (struct env_view){ctx, NULL, tree_home(home) ? home : NULL, user, 0};
        if (real && stat(real, &st) == 0) {
            plugin_as_captured(ctx, home, &st);
            views[n].uid = (unsigned)st.st_uid;
        }
        n++;
    }
    return n;
}

/* ---- the auth file chain --------------------------------------------------- */

static int os_has_runtime_dir_auth(sourceos_ctx *ctx)
{
    return !registry_fact_is(ctx, "host.os", "macos") &&
           !registry_fact_is(ctx, "host.os", "windows");
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
    f->user = c->user;
    c->n++;
    return f;
}

/* Without XDG_RUNTIME_DIR, Linux podman uses /run/containers/UID. */
static void add_runtime_dir_file(struct chain *c, const struct env_view *env)
{
    const char *runtime =
        registry_nonempty(registry_env_get(env, "XDG_RUNTIME_DIR"));
    char dir[64];
    if (!os_has_runtime_dir_auth(env->ctx))
        return;
    if (runtime) {
        chain_add(c, ROLE_RUNTIME_DIR, "XDG_RUNTIME_DIR", runtime,
                  "containers/auth.json");
        return;
    }
    plugin_textf(dir, sizeof dir, "/run/containers/%u",
                 env->home ? env->uid : (unsigned)plugin_uid(env->ctx));
    chain_add(c, ROLE_RUNTIME_DIR, "/run/containers/UID (XDG_RUNTIME_DIR unset)",
              dir, "auth.json");
}

static void add_home_files(struct chain *c, const struct env_view *env)
{
    const char *home = env_home(env);
    const char *config_home =
        registry_nonempty(registry_env_get(env, "XDG_CONFIG_HOME"));
    const char *docker_config =
        registry_nonempty(registry_env_get(env, "DOCKER_CONFIG"));
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

void registry_build_chain(struct chain *c, const struct env_view *env,
                          const char *authfile)
{
    const char *source = "--authfile";
    memset(c, 0, sizeof *c);
    c->user = env->user;
    c->home = env_home(env);
    c->podman_version = sourceos_fact_get(env->ctx, "podman.version");
    c->authfile_is_exclusive = plugin_version_at_least(c->podman_version, 4, 4);
    if (!registry_nonempty(authfile)) {
        authfile =
            registry_nonempty(registry_env_get(env, "REGISTRY_AUTH_FILE"));
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
    if (registry_member_path(path, sizeof path, parent, name, key) != 0)
        return 0;
    v = sourceos_json_get(ctx, f->text, f->len, path);
    if (v && *v)
        sourceos_secret(ctx, v); /* removed from every output of the run */
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
        if (registry_member_path(path, sizeof path, parent, name, NULL) == 0 &&
            sourceos_json_count(ctx, f->text, f->len, path) < 0) {
            malformed(f, "an entry under \"auths\" is not an object");
            return;
        }
        registry_list_add(&f->registries, name, NULL);
        if (entry_has_secret(ctx, f, parent, name)) {
            f->has_credentials = 1;
            registry_list_add(&f->credentialed, name, NULL);
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
        if (registry && registry_member_path(path, sizeof path, "credHelpers",
                                             registry, NULL) == 0)
            helper = sourceos_json_get(ctx, f->text, f->len, path);
        if (!registry || !helper) {
            malformed(f, "\"credHelpers\" must map registries to helper names");
            return;
        }
        registry_list_add(&f->helpers, registry, helper);
    }
}

static void read_creds_store(sourceos_ctx *ctx, struct auth_file *f)
{
    const char *store =
        sourceos_json_get(ctx, f->text, f->len, "credsStore");
    if (store && *store)
        plugin_textf(f->creds_store, sizeof f->creds_store, "%s", store);
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
    else if (sourceos_json_count(ctx, f->text, f->len, "") < 0) {
        why = "not valid JSON";
        /* Only a broken file is parsed again, to say where. */
        sourceos_json_error(ctx, f->text, f->len, &f->json_line,
                            &f->json_column, &f->json_reason);
    }
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

/* The length of the valid UTF-8 sequence at P (at most N bytes), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    size_t len = p[0] < 0x80 ? 1 : p[0] >= 0xc2 && p[0] <= 0xdf ? 2
               : p[0] >= 0xe0 && p[0] <= 0xef ? 3 : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : 0;
    if (len == 0 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
        (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
        return 0; /* overlong, surrogate, beyond U+10FFFF */
    return len;
}

/* Podman (Go's encoding/json) reads a file that is not UTF-8, each invalid
 * byte becoming U+FFFD; jansson refuses it. So the text is judged as podman
 * sees it: a copy with the same replacement. */
static void as_podman_reads(struct auth_file *f)
{
    const unsigned char *p = (const unsigned char *)f->text;
    size_t n = f->len, out = 0;
    char *copy;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(p + i, n - i);
        if (k == 0)
            break;
        i += k;
        if (i == n)
            return; /* valid throughout */
    }
    copy = malloc(n * 3 + 1);
    if (!copy)
        return;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(p + i, n - i);
        if (k == 0) {
            memcpy(copy + out, "\xef\xbf\xbd", 3);
            out += 3;
            i++;
        } else {
            memcpy(copy + out, p + i, k);
            out += k;
            i += k;
        }
    }
    copy[out] = '\0';
    f->own_text = copy;
    f->text = copy;
    f->len = out;
    f->not_utf8 = 1;
}

static void stat_file(sourceos_ctx *ctx, struct auth_file *f)
{
    const char *real = sourceos_host_path(ctx, f->path);
    f->have_stat = real && stat(real, &f->st) == 0;
    if (f->have_stat)
        plugin_as_captured(ctx, f->path, &f->st);
}

static void load_file(sourceos_ctx *ctx, struct auth_file *f)
{
    int rc;
    if (f->path[0] != '/') {
        /* Not a file of its own: podman 4.3.1 opens it from its working
         * directory (auth_files.c says which files that may be). */
        f->state = FILE_RELATIVE;
        return;
    }
    rc = sourceos_read_file(ctx, f->path, AUTH_FILE_MAX_BYTES, &f->text, &f->len);
    if (rc == -ENOENT || rc == -ENOTDIR) {
        f->state = FILE_ABSENT;
        return;
    }
    if (rc == -EXDEV) {
        f->state = FILE_OUTSIDE_ROOT;
        return;
    }
    if (rc == -EACCES) {
        /* Not allowed to look: the file may or may not exist. */
        f->state = FILE_DENIED;
        stat_file(ctx, f);
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
    if (!memchr(f->text, '\0', f->len))
        as_podman_reads(f);
    parse_contents(ctx, f);
}

void registry_load_chain(sourceos_ctx *ctx, struct chain *c)
{
    for (size_t i = 0; i < c->n; i++)
        load_file(ctx, &c->files[i]);
}

void registry_free_chain(struct chain *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->files[i].own_text);
        c->files[i].own_text = NULL;
    }
}

/* ---- evidence helpers ------------------------------------------------------ */

void registry_owner_text(uid_t uid, char *out, size_t size)
{
    struct passwd *pw = getpwuid(uid);
    if (pw)
        plugin_textf(out, size, "%s (uid %u)", pw->pw_name, (unsigned)uid);
    else
        plugin_textf(out, size, "uid %u", (unsigned)uid);
}

void registry_mode_text(mode_t mode, char *out, size_t size)
{
    plugin_textf(out, size, "0%03o", (unsigned)(mode & 07777));
}

void registry_why_text(const struct auth_file *f, char *out, size_t size)
{
    if (f->json_line)
        plugin_textf(out, size, "%s at line %u, column %u: %s", f->why,
                     f->json_line, f->json_column,
                     f->json_reason ? f->json_reason : "");
    else
        plugin_textf(out, size, "%s", f->why ? f->why : "");
}

void registry_evidence_stat(sourceos_finding *fd, const struct auth_file *f)
{
    char text[128];
    if (!f->have_stat)
        return;
    registry_mode_text(f->st.st_mode, text, sizeof text);
    sourceos_finding_evidence(fd, "mode", text);
    registry_owner_text(f->st.st_uid, text, sizeof text);
    sourceos_finding_evidence(fd, "owner", text);
}

void registry_evidence_contents(sourceos_finding *fd, const struct auth_file *f)
{
    sourceos_finding_evidence(fd, "registries",
                              registry_list_or(&f->registries, ""));
    sourceos_finding_evidence(fd, "with_credentials",
                              registry_list_or(&f->credentialed, ""));
    if (!f->legacy) {
        sourceos_finding_evidence(fd, "cred_helpers",
                                  registry_list_or(&f->helpers, ""));
        sourceos_finding_evidence(fd, "creds_store", f->creds_store);
    }
}
