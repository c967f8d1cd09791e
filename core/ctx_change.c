/* The change functions of plugin.h (ABI 1.4): what actions do to the host,
 * each recorded in the result as a change, done only in SOS_CTX_APPLY. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "ctx.h"
#include "rootfs.h"

static int add_change(sourceos_ctx *ctx, const char *op, const char *path, const char *target,
                      const char *const *argv, int mode, long long bytes, int done, int error)
{
    struct sos_check_result *r = sos_ctx_result(ctx);
    struct sos_change_rec *grown = realloc(r->changes, (r->n_changes + 1) * sizeof *grown), *c;
    if (!grown)
        return -1;
    r->changes = grown;
    c = &r->changes[r->n_changes];
    memset(c, 0, sizeof *c);
    c->mode = mode;
    c->bytes = bytes;
    c->done = done;
    c->error = error;
    c->op = strdup(op);
    c->path = path ? strdup(path) : NULL;
    c->target = target ? strdup(target) : NULL;
    for (size_t n = 0; argv && argv[n]; n++)
        c->argc = n + 1;
    if (c->argc && (c->argv = calloc(c->argc + 1, sizeof *c->argv)) != NULL)
        for (size_t i = 0; i < c->argc; i++)
            c->argv[i] = strdup(argv[i]);
    r->n_changes++;
    return c->op ? 0 : -1;
}

int sourceos_planning(sourceos_ctx *ctx)
{
    return !ctx || sos_ctx_config_of(ctx)->mode != SOS_CTX_APPLY;
}

/* 0 when PATH is absolute and its last component a name (not "", ".",
 * ".."); *NAME points at it. */
static int split_path(const char *path, const char **name)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    if (!path || path[0] != '/' || !slash)
        return -EINVAL;
    *name = slash + 1;
    if (!**name || strcmp(*name, ".") == 0 || strcmp(*name, "..") == 0)
        return -EINVAL;
    return 0;
}

/* The directory of PATH, resolved under the root and opened; a negative
 * errno when it cannot be. */
static int open_parent(sourceos_ctx *ctx, const char *path, const char *name)
{
    const char *root = sos_ctx_config_of(ctx)->root;
    size_t dlen = (size_t)(name - path) - 1;
    char *dir = strndup(path, dlen ? dlen : 1), *real = NULL;
    int rc, fd;
    if (!dir)
        return -ENOMEM;
    rc = sos_rootfs_resolve(root, dir, 0, &real);
    free(dir);
    if (rc != 0)
        return rc;
    fd = open(real, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    rc = fd < 0 ? -errno : fd;
    free(real);
    return rc;
}

/* Whether the change may go ahead: -EPERM in a check, 1 while planning, 0
 * to act; *NAME is PATH's last component. */
static int gate(sourceos_ctx *ctx, const char *path, const char **name)
{
    int rc = split_path(path, name);
    if (rc != 0)
        return rc;
    switch (sos_ctx_config_of(ctx)->mode) {
    case SOS_CTX_CHECK:
        return -EPERM;
    case SOS_CTX_PLAN:
        return 1;
    default:
        return 0;
    }
}

int sourceos_write_file(sourceos_ctx *ctx, const char *path, const void *data, size_t len,
                        mode_t mode)
{
    const char *name;
    sos_error err;
    int rc, fd;
    if (!ctx || (!data && len))
        return -EINVAL;
    rc = gate(ctx, path, &name);
    if (rc == 0) {
        fd = open_parent(ctx, path, name);
        if (fd < 0) {
            rc = fd;
        } else {
            rc = sos_atomic_write(fd, name, data, len, mode & 07777, 0, &err) == 0 ? 0
                 : errno ? -errno
                         : -EIO;
            close(fd);
        }
    }
    add_change(ctx, "write", path, NULL, NULL, (int)(mode & 07777), (long long)len, rc == 0,
               rc < 0 ? -rc : 0);
    return rc > 0 ? 0 : rc;
}

int sourceos_remove_file(sourceos_ctx *ctx, const char *path)
{
    const char *name;
    int rc, fd;
    if (!ctx)
        return -EINVAL;
    rc = gate(ctx, path, &name);
    if (rc == 0) {
        fd = open_parent(ctx, path, name);
        if (fd < 0) {
            rc = fd == -ENOENT ? 0 : fd;
        } else {
            if (unlinkat(fd, name, 0) != 0 && errno != ENOENT)
                rc = errno == EISDIR || errno == EPERM ? -EISDIR : -errno;
            if (rc == 0)
                fsync(fd);
            close(fd);
        }
    }
    add_change(ctx, "remove", path, NULL, NULL, -1, -1, rc == 0, rc < 0 ? -rc : 0);
    return rc > 0 ? 0 : rc;
}

int sourceos_make_symlink(sourceos_ctx *ctx, const char *target, const char *path)
{
    const char *name;
    sos_error err;
    int rc, fd;
    if (!ctx || !target || !target[0])
        return -EINVAL;
    rc = gate(ctx, path, &name);
    if (rc == 0) {
        fd = open_parent(ctx, path, name);
        if (fd < 0) {
            rc = fd;
        } else {
            rc = sos_atomic_symlink(fd, name, target, &err) == 0 ? 0 : errno ? -errno : -EIO;
            if (rc == 0)
                fsync(fd);
            close(fd);
        }
    }
    add_change(ctx, "symlink", path, target, NULL, -1, -1, rc == 0, rc < 0 ? -rc : 0);
    return rc > 0 ? 0 : rc;
}

int sourceos_make_dir(sourceos_ctx *ctx, const char *path, mode_t mode)
{
    const char *name;
    struct stat st;
    int rc, fd, existed = 0;
    if (!ctx)
        return -EINVAL;
    rc = gate(ctx, path, &name);
    if (rc == 0) {
        fd = open_parent(ctx, path, name);
        if (fd < 0) {
            rc = fd;
        } else {
            if (mkdirat(fd, name, mode & 07777) == 0) {
                /* the umask must not narrow it */
                int d = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (d < 0 || fchmod(d, mode & 07777) != 0)
                    rc = -errno;
                if (d >= 0)
                    close(d);
                fsync(fd);
            } else if (errno == EEXIST && fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                       S_ISDIR(st.st_mode)) {
                existed = 1;
            } else {
                rc = -errno;
            }
            close(fd);
        }
    }
    add_change(ctx, "mkdir", path, NULL, NULL, (int)(mode & 07777), -1, rc == 0 && !existed,
               rc < 0 ? -rc : 0);
    return rc > 0 ? 0 : rc;
}

const struct sourceos_cmd *sourceos_run_change(sourceos_ctx *ctx, const char *const argv[],
                                               const char *const env[], unsigned timeout_ms)
{
    static const struct sourceos_cmd refused = {
        .exit_status = -1, .not_started = 1, .start_errno = EPERM, .out = "", .err = "",
    };
    static const struct sourceos_cmd planned = {
        .exit_status = 0, .out = "", .err = "", .planned = 1,
    };
    const struct sourceos_cmd *c;
    enum sos_ctx_mode mode = ctx ? sos_ctx_config_of(ctx)->mode : SOS_CTX_CHECK;
    if (!ctx || !argv || !argv[0])
        return &refused;
    if (mode != SOS_CTX_APPLY) {
        add_change(ctx, "run", NULL, NULL, argv, -1, -1, 0, mode == SOS_CTX_CHECK ? EPERM : 0);
        return mode == SOS_CTX_CHECK ? &refused : &planned;
    }
    c = sourceos_run(ctx, argv, env, timeout_ms);
    add_change(ctx, "run", NULL, NULL, argv, -1, -1, !c->not_started,
               c->not_started ? c->start_errno : 0);
    return c;
}
