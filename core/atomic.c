/* Atomic replacement of a file or a symlink in a directory held open:
 * every step relative to the directory's descriptor, so a path that
 * changes underneath cannot redirect the write. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"

static int tmp_name(char *buf, size_t size, const char *name, sos_error *err)
{
    if (!name[0] || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return sos_fail(err, "'%s' is not one path segment", name);
    if ((size_t)snprintf(buf, size, ".%s.tmp", name) >= size)
        return sos_fail(err, "%s: name too long", name);
    return 0;
}

int sos_fsync_dir(int dirfd, sos_error *err)
{
    if (fsync(dirfd) < 0 && errno != EINVAL)
        return sos_fail(err, "fsync of the directory: %s", strerror(errno));
    return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int sos_atomic_write(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                     unsigned flags, sos_error *err)
{
    char tmp[512];
    int fd;
    if (tmp_name(tmp, sizeof tmp, name, err) < 0)
        return -1;
    unlinkat(dirfd, tmp, 0); /* a leftover of an interrupted write */
    fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0)
        return sos_fail(err, "%s: cannot create: %s", tmp, strerror(errno));
    /* The umask must not widen nor narrow what the caller asked for. */
    if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0) {
        int e = errno;
        close(fd);
        unlinkat(dirfd, tmp, 0);
        return sos_fail(err, "%s: cannot write: %s", name, strerror(e));
    }
    if (close(fd) < 0 || renameat(dirfd, tmp, dirfd, name) < 0) {
        int e = errno;
        unlinkat(dirfd, tmp, 0);
        return sos_fail(err, "%s: cannot put in place: %s", name, strerror(e));
    }
    return (flags & SOS_ATOMIC_DEFER_DIR_SYNC) ? 0 : sos_fsync_dir(dirfd, err);
}

int sos_atomic_symlink(int dirfd, const char *name, const char *target, sos_error *err)
{
    char tmp[512];
    if (tmp_name(tmp, sizeof tmp, name, err) < 0)
        return -1;
    unlinkat(dirfd, tmp, 0);
    if (symlinkat(target, dirfd, tmp) < 0)
        return sos_fail(err, "%s: cannot make the link: %s", tmp, strerror(errno));
    if (renameat(dirfd, tmp, dirfd, name) < 0) {
        int e = errno;
        unlinkat(dirfd, tmp, 0);
        return sos_fail(err, "%s: cannot switch to %s: %s", name, target, strerror(e));
    }
    return sos_fsync_dir(dirfd, err);
}
