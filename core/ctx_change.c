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

/* What a change does in the directory that holds its path. */
struct dir_op {
    int (*run)(int dirfd, const char *name, struct dir_op *op); /* 0 or -errno */
    const void *data;
    size_t len;
    mode_t mode;
    const char *target;
    int existed; /* make_dir: the directory was there already */
};

/* The one path of every file change: refused in a check, recorded only
 * while planning, else OP run on PATH's name in its directory, opened under
 * the root. 0 done, 1 planned, or a negative errno. A missing directory is
 * MISSING_OK's answer (a file to remove that cannot be there). */
static int change_in_dir(sourceos_ctx *ctx, const char *path, struct dir_op *op,
                         int missing_ok)
{
    const char *name;
    int rc = gate(ctx, path, &name), fd;
    if (rc != 0)
        return rc;
    fd = open_parent(ctx, path, name);
    if (fd < 0)
        return fd == -ENOENT && missing_ok ? 0 : fd;
    rc = op->run(fd, name, op);
    close(fd);
    return rc;
}

static int errno_or_eio(void)
{
    return errno ? -errno : -EIO;
}

static int write_op(int dirfd, const char *name, struct dir_op *op)
{
    sos_error err;
    errno = 0;
    return sos_atomic_write(dirfd, name, op->data, op->len, op->mode, 0, &err) == 0
               ? 0
               : errno_or_eio();
}

static int remove_op(int dirfd, const char *name, struct dir_op *op)
{
    (void)op;
    if (unlinkat(dirfd, name, 0) != 0 && errno != ENOENT)
        return errno == EISDIR || errno == EPERM ? -EISDIR : -errno;
    fsync(dirfd);
    return 0;
}

static int symlink_op(int dirfd, const char *name, struct dir_op *op)
{
    sos_error err;
    errno = 0;
    if (sos_atomic_symlink(dirfd, name, op->target, &err) != 0)
        return errno_or_eio();
    fsync(dirfd);
    return 0;
}

static int mkdir_op(int dirfd, const char *name, struct dir_op *op)
{
    struct stat st;
    int rc = 0, d;
    if (mkdirat(dirfd, name, op->mode) != 0) {
        if (errno == EEXIST && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISDIR(st.st_mode)) {
            op->existed = 1;
            return 0;
        }
        return -errno;
    }
    /* the umask must not narrow it */
    d = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (d < 0 || fchmod(d, op->mode) != 0)
        rc = -errno;
    if (d >= 0)
        close(d);
    fsync(dirfd);
    return rc;
}

int sourceos_write_file(sourceos_ctx *ctx, const char *path, const void *data, size_t len,
                        mode_t mode)
{
    struct dir_op op = {write_op, data, len, mode & 07777, NULL, 0};
    int rc;
    if (!ctx || (!data && len))
        return -EINVAL;
    rc = change_in_dir(ctx, path, &op, 0);
    add_change(ctx, "write", path, NULL, NULL, (int)op.mode, (long long)len, rc == 0,
               rc < 0 ? -rc : 0);
    return rc > 0 ? 0 : rc;
}

int sourceos_remove_file(sourceos_ctx *ctx, const char *path)
{
    struct dir_op op = {remove_op, NULL, 0, 0, NULL, 0};
    int rc;
    if (!ctx)
        return -EINVAL;
    rc = change_in_dir(ctx, path, &op, 1);
    add_change(ctx, "remove", path, NULL, NULL, -1, -1, rc == 0, rc < 0 ? -rc : 0);
    return rc > 0 ? 0 : rc;
}

int sourceos_make_symlink(sourceos_ctx *ctx, const char *target, const char *path)
{
    struct dir_op op = {symlink_op, NULL, 0, 0, target, 0};
    int rc;
    if (!ctx || !target || !target[0])
        return -EINVAL;
    rc = change_in_dir(ctx, path, &op, 0);
    add_change(ctx, "symlink", path, target, NULL, -1, -1, rc == 0, rc < 0 ? -rc : 0);
    return rc > 0 ? 0 : rc;
}

int sourceos_make_dir(sourceos_ctx *ctx, const char *path, mode_t mode)
{
    struct dir_op op = {mkdir_op, NULL, 0, mode & 07777, NULL, 0};
    int rc;
    if (!ctx)
        return -EINVAL;
    rc = change_in_dir(ctx, path, &op, 0);
    add_change(ctx, "mkdir", path, NULL, NULL, (int)op.mode, -1, rc == 0 && !op.existed,
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
