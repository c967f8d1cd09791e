#include "config.h"

#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

enum { SOS_MAX_LINKS = 40 };

/* The walk state. FULL always holds ROOT followed by the components resolved
 * so far; each of them is a real directory (never a symlink), so popping the
 * last one is exactly what ".." means physically. */
struct walk {
    char full[PATH_MAX];
    size_t root_len;
    size_t len;
    char rest[PATH_MAX]; /* what is left to walk, host view */
    int links;
};

/* ROOT without its trailing slashes; the real root becomes "", so that
 * FULL reads as an ordinary absolute path in both cases. */
static int walk_init(struct walk *w, const char *root, const char *path)
{
    size_t root_len = root ? strlen(root) : 0;
    while (root_len > 0 && root[root_len - 1] == '/')
        root_len--;
    if (root_len >= sizeof w->full)
        return -ENAMETOOLONG;
    if (strlen(path) >= sizeof w->rest)
        return -ENAMETOOLONG;
    if (root_len > 0)
        memcpy(w->full, root, root_len);
    w->full[root_len] = '\0';
    w->root_len = root_len;
    w->len = root_len;
    strcpy(w->rest, path);
    w->links = 0;
    return 0;
}

static int walk_push(struct walk *w, const char *name, size_t name_len)
{
    if (w->len + 1 + name_len >= sizeof w->full)
        return -ENAMETOOLONG;
    w->full[w->len] = '/';
    memcpy(w->full + w->len + 1, name, name_len);
    w->len += 1 + name_len;
    w->full[w->len] = '\0';
    return 0;
}

static int walk_pop(struct walk *w)
{
    if (w->len == w->root_len)
        return -EXDEV;
    while (w->len > w->root_len && w->full[w->len - 1] != '/')
        w->len--;
    w->len--; /* the slash itself */
    w->full[w->len] = '\0';
    return 0;
}

/* Replaces what is left to walk by TARGET followed by TAIL (which is empty
 * or starts with a slash); an absolute target restarts the walk at ROOT. */
static int walk_splice_link(struct walk *w, const char *target, const char *tail)
{
    char next[PATH_MAX];
    size_t target_len = strlen(target);
    size_t tail_len = strlen(tail);

    if (target_len + tail_len >= sizeof next)
        return -ENAMETOOLONG;
    memcpy(next, target, target_len);
    memcpy(next + target_len, tail, tail_len + 1);
    memcpy(w->rest, next, target_len + tail_len + 1);
    if (target[0] == '/') {
        w->len = w->root_len;
        w->full[w->len] = '\0';
    }
    return 0;
}

static int follow_link(struct walk *w, const char *tail)
{
    char target[PATH_MAX];
    ssize_t n;

    if (++w->links > SOS_MAX_LINKS)
        return -ELOOP;
    n = readlink(w->full, target, sizeof target);
    if (n < 0)
        return -errno;
    if ((size_t)n >= sizeof target)
        return -ENAMETOOLONG;
    if (n == 0)
        return -ENOENT;
    target[n] = '\0';
    /* Drop the link itself: its target is relative to its directory. */
    walk_pop(w);
    return walk_splice_link(w, target, tail);
}

/* One named component: stat it, descend into it or follow it. TAIL is what
 * follows it (starting at a slash, or empty). */
static int walk_component(struct walk *w, const char *name, size_t name_len,
                          const char *tail, int allow_missing_last)
{
    struct stat st;
    size_t after = strspn(tail, "/");
    int is_last = tail[after] == '\0';
    int wants_dir = tail[0] != '\0';
    int rc = walk_push(w, name, name_len);

    if (rc < 0)
        return rc;
    if (lstat(w->full, &st) < 0) {
        if (errno != ENOENT || !is_last || !allow_missing_last)
            return -errno;
        w->rest[0] = '\0';
        return 0;
    }
    if (S_ISLNK(st.st_mode))
        return follow_link(w, tail);
    if (wants_dir && !S_ISDIR(st.st_mode))
        return -ENOTDIR;
    memmove(w->rest, tail, strlen(tail) + 1);
    return 0;
}

static int walk_step(struct walk *w, int allow_missing_last)
{
    const char *name = w->rest + strspn(w->rest, "/");
    size_t name_len = strcspn(name, "/");
    const char *tail = name + name_len;

    if (name_len == 1 && name[0] == '.') {
        memmove(w->rest, tail, strlen(tail) + 1);
        return 0;
    }
    if (name_len == 2 && name[0] == '.' && name[1] == '.') {
        memmove(w->rest, tail, strlen(tail) + 1);
        return walk_pop(w);
    }
    return walk_component(w, name, name_len, tail, allow_missing_last);
}

static int walk_done(const struct walk *w)
{
    return w->rest[strspn(w->rest, "/")] == '\0';
}

int sos_rootfs_resolve(const char *root, const char *path,
                       int allow_missing_last, char **out)
{
    struct walk *w;
    int rc;

    *out = NULL;
    if (!path || path[0] != '/')
        return -EINVAL;
    w = malloc(sizeof *w);
    if (!w)
        return -ENOMEM;
    rc = walk_init(w, root, path);
    while (rc == 0 && !walk_done(w))
        rc = walk_step(w, allow_missing_last);
    if (rc == 0) {
        *out = strdup(w->len > 0 ? w->full : "/");
        if (!*out)
            rc = -ENOMEM;
    }
    free(w);
    return rc;
}

static int type_error(mode_t mode)
{
    if (S_ISDIR(mode))
        return -EISDIR;
    if (!S_ISREG(mode))
        return -EINVAL;
    return 0;
}

/* Opens a regular file only: the type is checked before opening (a FIFO or
 * a device is never opened, so nothing can block) and again on the fd, in
 * case the path was swapped in between. */
static int open_regular(const char *real)
{
    struct stat before, after;
    int fd, rc;

    if (lstat(real, &before) < 0)
        return -errno;
    rc = type_error(before.st_mode);
    if (rc < 0)
        return rc;
    fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &after) < 0) {
        rc = -errno;
        close(fd);
        return rc;
    }
    rc = type_error(after.st_mode);
    if (rc == 0 && (after.st_dev != before.st_dev || after.st_ino != before.st_ino))
        rc = -EINVAL;
    if (rc < 0) {
        close(fd);
        return rc;
    }
    return fd;
}

static ssize_t read_retrying(int fd, char *buf, size_t n)
{
    ssize_t got;
    do
        got = read(fd, buf, n);
    while (got < 0 && errno == EINTR);
    return got;
}

/* Reads up to WANT bytes, growing the buffer as data comes rather than
 * trusting st_size (files under /proc report 0). */
static int read_bounded(int fd, size_t want, char **data, size_t *len)
{
    size_t room = want < 4096 ? want : 4096;
    size_t used = 0;
    char *buf = malloc(room + 1);

    if (!buf)
        return -ENOMEM;
    while (used < want) {
        ssize_t got;
        if (used == room) {
            size_t bigger = room > want / 2 ? want : room * 2;
            char *grown = realloc(buf, bigger + 1);
            if (!grown) {
                free(buf);
                return -ENOMEM;
            }
            buf = grown;
            room = bigger;
        }
        got = read_retrying(fd, buf + used, room - used);
        if (got < 0) {
            int err = errno;
            free(buf);
            return -err;
        }
        if (got == 0)
            break;
        used += (size_t)got;
    }
    buf[used] = '\0';
    *data = buf;
    *len = used;
    return 0;
}

int sos_rootfs_read(const char *root, const char *path, size_t max,
                    char **data, size_t *len)
{
    char *real = NULL;
    char *buf = NULL;
    size_t got = 0;
    size_t want;
    int fd, rc;

    *data = NULL;
    *len = 0;
    if (max > SIZE_MAX - 2)
        max = SIZE_MAX - 2;
    want = max + 1; /* one more byte tells whether the file was cut */
    rc = sos_rootfs_resolve(root, path, 0, &real);
    if (rc < 0)
        return rc;
    fd = open_regular(real);
    free(real);
    if (fd < 0)
        return fd;
    rc = read_bounded(fd, want, &buf, &got);
    close(fd);
    if (rc < 0)
        return rc;
    if (got > max) {
        buf[max] = '\0';
        *data = buf;
        *len = max;
        return 1;
    }
    *data = buf;
    *len = got;
    return 0;
}

/* Where a tail read of an open file starts: MAX bytes before its end as
 * fstat sees it, or 0 when it is smaller or says no size (/proc). */
static int tail_start(int fd, size_t max, off_t *start)
{
    struct stat st;
    *start = 0;
    if (fstat(fd, &st) < 0)
        return -errno;
    if (st.st_size > 0 && (uintmax_t)st.st_size > max) {
        *start = st.st_size - (off_t)max;
        if (lseek(fd, *start, SEEK_SET) < 0)
            return -errno;
    }
    return 0;
}

/* The tail of the open file FD, as sos_rootfs_read_tail() returns it. */
static int read_tail_fd(int fd, size_t max, char **data, size_t *len)
{
    char *buf = NULL;
    size_t got = 0;
    off_t start = 0;
    int rc;

    if (max > SIZE_MAX - 2)
        max = SIZE_MAX - 2;
    rc = tail_start(fd, max, &start);
    if (rc == 0)
        rc = read_bounded(fd, max + 1, &buf, &got);
    if (rc < 0)
        return rc;
    /* More than MAX came: the file grew since fstat, or had no size. Keep
     * the last MAX bytes of what was read. */
    if (got > max) {
        memmove(buf, buf + (got - max), max);
        buf[max] = '\0';
        got = max;
        start = 1;
    }
    *data = buf;
    *len = got;
    return start > 0;
}

int sos_rootfs_read_tail(const char *root, const char *path, size_t max,
                         char **data, size_t *len)
{
    char *real = NULL;
    int fd, rc;

    *data = NULL;
    *len = 0;
    rc = sos_rootfs_resolve(root, path, 0, &real);
    if (rc < 0)
        return rc;
    fd = open_regular(real);
    free(real);
    if (fd < 0)
        return fd;
    rc = read_tail_fd(fd, max, data, len);
    close(fd);
    return rc;
}

/* PATH's directory resolved under ROOT, with PATH's last component
 * appended unresolved, into a malloc'd *OUT. */
static int resolve_parent(const char *root, const char *path, char **out)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    const char *base = slash ? slash + 1 : NULL;
    char *dir = NULL, *parent;
    size_t dir_len;
    int rc;

    *out = NULL;
    if (!slash || path[0] != '/' || !base[0] || strcmp(base, ".") == 0 ||
        strcmp(base, "..") == 0)
        return -EINVAL;
    parent = strndup(path, slash == path ? 1 : (size_t)(slash - path));
    if (!parent)
        return -ENOMEM;
    rc = sos_rootfs_resolve(root, parent, 0, &dir);
    free(parent);
    if (rc < 0)
        return rc;
    dir_len = strlen(dir);
    while (dir_len > 0 && dir[dir_len - 1] == '/')
        dir_len--;
    *out = malloc(dir_len + 1 + strlen(base) + 1);
    if (*out)
        sprintf(*out, "%.*s/%s", (int)dir_len, dir, base);
    free(dir);
    return *out ? 0 : -ENOMEM;
}

/* Why the symlink PATH is not read: -EXDEV when following it would leave
 * ROOT (what sos_rootfs_read_tail() says of it), else -ELOOP. */
static int link_error(const char *root, const char *path)
{
    char *real = NULL;
    int rc = sos_rootfs_resolve(root, path, 0, &real);
    free(real);
    return rc == -EXDEV ? -EXDEV : -ELOOP;
}

int sos_rootfs_read_tail_owned(const char *root, const char *path, size_t max,
                               uid_t owner, uid_t *found, char **data, size_t *len)
{
    char *real = NULL;
    struct stat st;
    int fd, rc;

    *data = NULL;
    *len = 0;
    rc = resolve_parent(root, path, &real);
    if (rc < 0)
        return rc;
    /* open_regular opens with O_NOFOLLOW: a link is ELOOP, or, when the
     * lstat before it sees the link, EINVAL (not a regular file). */
    if (lstat(real, &st) == 0 && S_ISLNK(st.st_mode)) {
        free(real);
        return link_error(root, path);
    }
    fd = open_regular(real);
    free(real);
    if (fd == -ELOOP)
        return link_error(root, path);
    if (fd < 0)
        return fd;
    /* The owner of what was opened, not of what a path named before. */
    if (fstat(fd, &st) < 0) {
        rc = -errno;
    } else if (st.st_uid != owner) {
        if (found)
            *found = st.st_uid;
        rc = -EPERM;
    } else {
        rc = read_tail_fd(fd, max, data, len);
    }
    close(fd);
    return rc;
}
