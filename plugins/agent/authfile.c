/* agent: the agent's auth file (preflight step 11). An agent with auth mode
 * empty-authfile runs podman with --authfile pointing at a file that must
 * hold nothing: exactly {"auths":{}}, a regular file its user owns that no
 * one else can write, so no credential and no credential helper reaches
 * the container's pulls. The file's contents are never shown: an entry's
 * auth value is a secret (read only to declare it one). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"

/* An empty auth file is 13 bytes; a real one holding tokens a few KiB. */
#define AUTHFILE_MAX_BYTES (64u * 1024u)
#define EMPTY_AUTHFILE "{\"auths\":{}}"
/* Names listed in a message, at most. */
#define NAMES_MAX 8

struct authfile {
    struct verdict v;
    const char *path;
    struct agent_user user;
    struct agent_node node;
};

/* ---- the auth mode ---------------------------------------------------------- */

/* The declared mode: param auth.mode, else the policy param auth. */
static const char *auth_mode(sourceos_ctx *ctx)
{
    const char *mode = sourceos_param(ctx, "auth.mode");
    const char *policy = sourceos_param(ctx, "auth");
    if (mode && *mode)
        return mode;
    return policy && *policy ? policy : "empty-authfile";
}

static int isolated_mode(const char *mode)
{
    return strcmp(mode, "empty-authfile") == 0 || strcmp(mode, "forbidden-ambient") == 0;
}

static sourceos_status note_host_auth(sourceos_ctx *ctx, const char *mode)
{
    sourceos_finding *fd = plugin_note(
        ctx, NULL, "agent.authfile-host-auth", SOURCEOS_SEV_WARNING,
        "host auth (not isolated): auth mode %s lets the agent's podman use the host's "
        "registry credentials", mode);
    sourceos_finding_remediation(
        fd, "Declare auth.mode empty-authfile in the agent's declaration unless the agent "
            "must pull with the host's credentials; registry.agent-auth shows what it can "
            "reach.");
    sourceos_finding_evidence(fd, "auth_mode", mode);
    return SOURCEOS_WARNING;
}

/* ---- the file itself -------------------------------------------------------- */

static void note_missing(sourceos_ctx *ctx, struct authfile *a)
{
    char dir[PATH_MAX];
    sourceos_finding *fd = plugin_note(
        ctx, &a->v, "agent.authfile-missing", SOURCEOS_SEV_CRITICAL,
        "%s does not exist: podman refuses a --authfile that is missing", a->path);
    sourceos_finding_remediation(
        fd, "Create it holding only {\"auths\":{}}, as the agent's user (its directory "
            "may not exist yet).");
    agent_parent(a->path, dir, sizeof dir);
    /* The same words as registry.agent-auth's: one fix, shown once. */
    sourceos_finding_commandf(fd, "mkdir -p %s && printf '{\"auths\":{}}' > %s && chmod 600 %s",
                              dir, a->path, a->path);
    sourceos_finding_path(fd, a->path);
    agent_user_evidence(fd, &a->user);
}

static sourceos_finding *note_unsafe(sourceos_ctx *ctx, struct authfile *a, const char *what)
{
    char mode[16];
    sourceos_finding *fd = plugin_note(
        ctx, &a->v, "agent.authfile-unsafe", SOURCEOS_SEV_CRITICAL,
        "%s %s: someone other than the agent's user could put credentials or a "
        "credential helper in it", a->path, what);
    agent_mode_text(a->node.st.st_mode, mode, sizeof mode);
    sourceos_finding_path(fd, a->path);
    sourceos_finding_evidence(fd, "mode", mode);
    agent_user_evidence(fd, &a->user);
    return fd;
}

static void note_symlink(sourceos_ctx *ctx, struct authfile *a)
{
    char target[PATH_MAX] = "", what[PATH_MAX + 64];
    ssize_t n = readlink(a->node.real, target, sizeof target - 1);
    sourceos_finding *fd;
    target[n > 0 ? n : 0] = '\0';
    plugin_textf(what, sizeof what, "is a symlink (to %s), not a regular file", target);
    fd = note_unsafe(ctx, a, what);
    sourceos_finding_evidence(fd, "target", target);
    sourceos_finding_remediation(
        fd, "Replace the link by a regular file of the agent's own holding only "
            "{\"auths\":{}}: podman follows the link wherever it points.");
    sourceos_finding_commandf(fd, "rm %s && printf '{\"auths\":{}}\\n' > %s", a->path,
                              a->path);
}

/* 0 when the file's type, owner and mode are safe; else records each
 * problem and returns 1. */
static int judge_node(sourceos_ctx *ctx, struct authfile *a)
{
    const struct stat *st = &a->node.st;
    char uid[32];
    sourceos_finding *fd;
    int problems = 0;
    if (S_ISLNK(st->st_mode)) {
        note_symlink(ctx, a);
        return 1;
    }
    if (!S_ISREG(st->st_mode)) {
        fd = note_unsafe(ctx, a, "is not a regular file");
        sourceos_finding_remediation(fd, "Point auth.authfile at a regular file holding "
                                         "only {\"auths\":{}}.");
        return 1;
    }
    if (a->user.known && st->st_uid != a->user.uid) {
        plugin_textf(uid, sizeof uid, "%u", (unsigned)st->st_uid);
        fd = note_unsafe(ctx, a, a->user.system ? "is not owned by the agent's account"
                                                : "is not owned by the agent's user");
        sourceos_finding_evidence(fd, "owner_uid", uid);
        sourceos_finding_remediation(fd, "Give it to the user the agent runs as.");
        sourceos_finding_command_argv(fd, (const char *const[]){"sudo", "chown", "--",
                                                                a->user.name, a->path, NULL});
        problems = 1;
    }
    if (st->st_mode & 022) {
        fd = note_unsafe(ctx, a, st->st_mode & 002 ? "is writable by others"
                                                   : "is writable by its group");
        sourceos_finding_remediation(fd, "Make it private to the agent's user.");
        sourceos_finding_command_argv(fd, (const char *const[]){"chmod", "600", "--", a->path,
                                                                NULL});
        problems = 1;
    }
    return problems;
}

/* ---- what it holds ---------------------------------------------------------- */

/* TEXT without its blanks is exactly {"auths":{}}. After the checks through
 * the API this tells an empty object from an empty array. */
static int exactly_empty(const char *text, size_t len)
{
    static const char want[] = EMPTY_AUTHFILE;
    size_t j = 0;
    for (size_t i = 0; i < len; i++) {
        if (strchr(" \t\r\n", text[i]))
            continue;
        if (j >= sizeof want - 1 || text[i] != want[j])
            return 0;
        j++;
    }
    return j == sizeof want - 1;
}

static void note_invalid(sourceos_ctx *ctx, struct authfile *a, const char *why,
                         const struct plugin_json_where *w)
{
    sourceos_finding *fd = plugin_note(ctx, &a->v, "agent.authfile-invalid",
                                       SOURCEOS_SEV_CRITICAL,
                                       "%s is not the JSON object {\"auths\":{}}: %s", a->path,
                                       why);
    sourceos_finding_remediation(
        fd, "podman cannot use it: write {\"auths\":{}} into it (nothing in it is usable).");
    sourceos_finding_commandf(fd, "printf '{\"auths\":{}}\\n' > %s", a->path);
    sourceos_finding_path(fd, a->path);
    if (w)
        plugin_json_evidence(fd, w);
}

/* "a, b, c" of the member names of the object at PATH, other than SKIP;
 * *N gets how many there are. */
static void member_names(sourceos_ctx *ctx, const char *text, size_t len, const char *path,
                         const char *skip, char *out, size_t size, size_t *n)
{
    long count = sourceos_json_count(ctx, text, len, path);
    size_t used = 0;
    *n = 0;
    out[0] = '\0';
    for (long i = 0; i < count; i++) {
        const char *name = sourceos_json_key_at(ctx, text, len, path, (size_t)i);
        if (!name || (skip && strcmp(name, skip) == 0))
            continue;
        if (*n < NAMES_MAX && used + strlen(name) + 3 < size) {
            plugin_textf(out + used, size - used, "%s%s", *n ? ", " : "", name);
            used += strlen(out + used);
        } else if (*n == NAMES_MAX && used + 5 < size) {
            plugin_textf(out + used, size - used, ", ...");
            used += strlen(out + used);
        }
        (*n)++;
    }
}

/* Reads every entry's auth and identitytoken: the core then removes them
 * from every output of the run, should anything else show them. */
static void declare_secrets(sourceos_ctx *ctx, const char *text, size_t len)
{
    long count = sourceos_json_count(ctx, text, len, "auths");
    for (long i = 0; i < count; i++) {
        const char *name = sourceos_json_key_at(ctx, text, len, "auths", (size_t)i);
        char path[600];
        if (!name || strchr(name, '"') || strchr(name, '\\') || strlen(name) > 500)
            continue;
        plugin_textf(path, sizeof path, "auths[\"%s\"].auth", name);
        sourceos_json_get(ctx, text, len, path);
        plugin_textf(path, sizeof path, "auths[\"%s\"].identitytoken", name);
        sourceos_json_get(ctx, text, len, path);
    }
}

static void note_not_empty(sourceos_ctx *ctx, struct authfile *a, const char *registries,
                           size_t n_registries, const char *others, size_t n_others)
{
    char what[1200] = "", count[32];
    sourceos_finding *fd;
    if (n_registries)
        plugin_textf(what, sizeof what, "credentials for %zu registr%s (%s)%s", n_registries,
                     n_registries == 1 ? "y" : "ies", registries, n_others ? " and " : "");
    if (n_others)
        plugin_textf(what + strlen(what), sizeof what - strlen(what), "%s %s",
                     n_others == 1 ? "the key" : "the keys", others);
    fd = plugin_note(ctx, &a->v, "agent.authfile-not-empty", SOURCEOS_SEV_CRITICAL,
                     "%s is not empty: it holds %s, which the agent's podman would use",
                     a->path, what);
    sourceos_finding_remediation(
        fd, "The agent's auth file must hold only {\"auths\":{}}: point auth.authfile at "
            "a file of the agent's own, or, if nothing else uses these credentials, empty "
            "this one (its contents are not shown here).");
    sourceos_finding_path(fd, a->path);
    plugin_textf(count, sizeof count, "%zu", n_registries);
    sourceos_finding_evidence(fd, "registries", count);
    if (n_others)
        sourceos_finding_evidence(fd, "other_keys", others);
}

/* 0 when the file holds exactly {"auths":{}}; else records why not. */
static int judge_contents(sourceos_ctx *ctx, struct authfile *a, const char *text, size_t len)
{
    struct plugin_json_where w;
    char registries[600], others[600];
    size_t n_registries = 0, n_others = 0;
    const char *first = text + strspn(text, " \t\r\n");
    if (plugin_json_where(ctx, text, len, &w)) {
        char why[300];
        plugin_textf(why, sizeof why, "it is not JSON (%s)", w.text);
        note_invalid(ctx, a, why, &w);
        return 1;
    }
    if (*first != '{') {
        note_invalid(ctx, a, "the top level is not an object", NULL);
        return 1;
    }
    declare_secrets(ctx, text, len);
    member_names(ctx, text, len, "", "auths", others, sizeof others, &n_others);
    if (sourceos_json_count(ctx, text, len, "auths") > 0)
        member_names(ctx, text, len, "auths", NULL, registries, sizeof registries,
                     &n_registries);
    if (n_registries || n_others) {
        note_not_empty(ctx, a, registries, n_registries, others, n_others);
        return 1;
    }
    if (sourceos_json_count(ctx, text, len, "auths") != 0 || !exactly_empty(text, len)) {
        note_invalid(ctx, a, sourceos_json_count(ctx, text, len, "auths") < 0
                                 ? "it has no auths object"
                                 : "auths is not an object",
                     NULL);
        return 1;
    }
    return 0;
}

static void note_empty(sourceos_ctx *ctx, struct authfile *a)
{
    char mode[16], owner[300];
    sourceos_finding *fd;
    agent_mode_text(a->node.st.st_mode, mode, sizeof mode);
    if (a->user.known)
        plugin_textf(owner, sizeof owner, "owned by %s", a->user.name);
    else
        plugin_textf(owner, sizeof owner, "owner uid %u", (unsigned)a->node.st.st_uid);
    fd = plugin_note(ctx, NULL, "agent.authfile-empty", SOURCEOS_SEV_INFO,
                     "%s holds only {\"auths\":{}} (mode %s, %s)", a->path, mode, owner);
    sourceos_finding_path(fd, a->path);
    sourceos_finding_evidence(fd, "mode", mode);
    agent_user_evidence(fd, &a->user);
}

/* ---- the check -------------------------------------------------------------- */

static sourceos_status bad_param(sourceos_ctx *ctx, const char *value)
{
    sourceos_finding *fd = plugin_note(
        ctx, NULL, "agent.params", SOURCEOS_SEV_WARNING,
        "param authfile is not an absolute path: '%s'", value ? value : "(unset)");
    sourceos_finding_remediation(fd, "Give the check authfile: \"${agent.authfile}\" in "
                                     "checks.d, and the agent an absolute auth.authfile.");
    return SOURCEOS_ERROR;
}

sourceos_status agent_check_authfile(sourceos_ctx *ctx)
{
    struct authfile a = {0};
    const char *mode = auth_mode(ctx), *text = NULL;
    size_t len = 0;
    int rc;
    if (!isolated_mode(mode))
        return note_host_auth(ctx, mode);
    a.path = sourceos_param(ctx, "authfile");
    if (!agent_abs_path(a.path))
        return bad_param(ctx, a.path);
    agent_user_of(ctx, a.path, &a.user);
    agent_lstat(ctx, a.path, &a.node);
    if (a.node.err == -ENOENT) {
        note_missing(ctx, &a);
        return verdict_status(&a.v);
    }
    if (a.node.err) {
        agent_note_unseen(ctx, &a.v, "the auth file", a.path, &a.node);
        return verdict_status(&a.v);
    }
    if (judge_node(ctx, &a) && !S_ISREG(a.node.st.st_mode))
        return verdict_status(&a.v);
    rc = sourceos_read_file(ctx, a.path, AUTHFILE_MAX_BYTES, &text, &len);
    if (rc < 0) {
        a.node.err = rc;
        agent_note_unseen(ctx, &a.v, "the auth file", a.path, &a.node);
    } else if (rc == 1) {
        note_invalid(ctx, &a, "it is larger than 64 KiB", NULL);
    } else if (judge_contents(ctx, &a, text, len) == 0 && !a.v.any) {
        note_empty(ctx, &a);
    }
    return verdict_status(&a.v);
}
