/* agent: looking at a path of the agent's under --root, and the findings
 * for paths that cannot be looked at. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent.h"

void agent_parent(const char *path, char *out, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        plugin_textf(out, size, "/");
    else
        plugin_textf(out, size, "%.*s", (int)(slash - path), path);
}

static int resolve_error(sourceos_ctx *ctx, const char *path)
{
    int err = sourceos_host_path_error(ctx, path);
    if (err == -ENOTDIR || err == 0)
        return -ENOENT; /* 0: it vanished in between */
    return err;
}

void agent_lstat(sourceos_ctx *ctx, const char *path, struct agent_node *n)
{
    char parent[PATH_MAX];
    const char *real, *base = strrchr(path, '/');
    memset(n, 0, sizeof *n);
    if (!agent_abs_path(path) || !base[1]) {
        n->err = -EINVAL;
        return;
    }
    agent_parent(path, parent, sizeof parent);
    real = sourceos_host_path(ctx, parent);
    if (!real) {
        n->err = resolve_error(ctx, parent);
        return;
    }
    plugin_textf(n->real, sizeof n->real, "%s%s", strcmp(real, "/") ? real : "", base);
    if (lstat(n->real, &n->st) != 0)
        n->err = errno == ENOTDIR ? -ENOENT : -errno;
    else if (!S_ISLNK(n->st.st_mode)) /* a link's own owner is not recorded */
        plugin_as_captured(ctx, path, &n->st);
}

void agent_stat(sourceos_ctx *ctx, const char *path, struct agent_node *n)
{
    const char *real;
    memset(n, 0, sizeof *n);
    if (!agent_abs_path(path)) {
        n->err = -EINVAL;
        return;
    }
    real = sourceos_host_path(ctx, path);
    if (!real) {
        n->err = resolve_error(ctx, path);
        return;
    }
    plugin_textf(n->real, sizeof n->real, "%s", real);
    if (stat(n->real, &n->st) != 0)
        n->err = errno == ENOTDIR ? -ENOENT : -errno;
    else
        plugin_as_captured(ctx, path, &n->st);
}

void agent_mode_text(mode_t mode, char *out, size_t size)
{
    plugin_textf(out, size, "%04o", (unsigned)(mode & 07777));
}

int agent_abs_path(const char *value)
{
    return value && value[0] == '/' && !strstr(value, "${");
}

sourceos_finding *agent_note_unseen(sourceos_ctx *ctx, struct verdict *v, const char *what,
                                    const char *path, const struct agent_node *n)
{
    sourceos_finding *fd;
    if (n->err == -EACCES)
        return plugin_denied(ctx, v, "agent.permission-denied", path, NULL);
    if (n->err == -EXDEV) {
        fd = plugin_note(ctx, v, "agent.path-outside-root", SOURCEOS_SEV_WARNING,
                         "%s %s leads out of the --root tree (a symlink): not looked at",
                         what, path);
        sourceos_finding_remediation(fd, "Copy what the link points to into the tree, or "
                                         "run on the machine itself.");
    } else {
        fd = plugin_note(ctx, v, "agent.path-unreadable", SOURCEOS_SEV_WARNING,
                         "cannot look at %s %s: %s", what, path, strerror(-n->err));
        sourceos_finding_remediation(fd, "Look at the path by hand; run the doctor as root "
                                         "if it is another user's.");
    }
    sourceos_finding_path(fd, path);
    return fd;
}

void agent_user_evidence(sourceos_finding *fd, const struct agent_user *u)
{
    char uid[32];
    sourceos_finding_evidence(fd, "agent_user", u->name);
    if (u->known) {
        plugin_textf(uid, sizeof uid, "%u", (unsigned)u->uid);
        sourceos_finding_evidence(fd, "agent_uid", uid);
    }
    sourceos_finding_evidence(fd, "agent_user_from", u->how);
}
