/* Atomic replacement of a file or a symlink in a directory held open:
 * every step relative to the directory's descriptor, so a path that
 * changes underneath cannot redirect the write. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

/* The temporary of F, written (not yet synced); its name in TMP. */
static int write_tmp(int dirfd, const struct sos_atomic_file *f, char *tmp, size_t size,
                     int *fdp, sos_error *err)
{
    int fd;
    if (tmp_name(tmp, size, f->name, err) < 0)
        return -1;
    unlinkat(dirfd, tmp, 0); /* a leftover of an interrupted write */
    fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, f->mode);
    if (fd < 0)
        return sos_fail(err, "%s: cannot create: %s", tmp, strerror(errno));
    /* The umask must not widen nor narrow what the caller asked for. */
    if (fchmod(fd, f->mode) < 0 || write_all(fd, f->data, f->len) < 0) {
        int e = errno;
        close(fd);
        unlinkat(dirfd, tmp, 0);
        return sos_fail(err, "%s: cannot write: %s", f->name, strerror(e));
    }
    *fdp = fd;
    return 0;
}

int sos_atomic_write_all(int dirfd, const struct sos_atomic_file *files, size_t n,
                         unsigned flags, sos_error *err)
{
    char tmp[SOS_ATOMIC_MAX_FILES][512];
    int fds[SOS_ATOMIC_MAX_FILES];
    size_t made = 0, i;
    int rc = -1;
    if (n > SOS_ATOMIC_MAX_FILES)
        return sos_fail(err, "at most %d files at once", SOS_ATOMIC_MAX_FILES);
    for (; made < n; made++)
        if (write_tmp(dirfd, &files[made], tmp[made], sizeof tmp[made], &fds[made], err) < 0)
            goto out;
    /* Every file is written before the first fsync: on a journalling file
     * system that one commit carries the others' data, and theirs find
     * little left to do. */
    for (i = 0; i < n; i++)
        if (fsync(fds[i]) < 0) {
            sos_fail(err, "%s: cannot write: %s", files[i].name, strerror(errno));
            goto out;
        }
    for (i = 0; i < n; i++) {
        int e = close(fds[i]) < 0 ? errno : 0;
        fds[i] = -1;
        if (e || renameat(dirfd, tmp[i], dirfd, files[i].name) < 0) {
            sos_fail(err, "%s: cannot put in place: %s", files[i].name,
                     strerror(e ? e : errno));
            goto out;
        }
        tmp[i][0] = '\0'; /* in place: nothing to remove */
    }
    rc = (flags & SOS_ATOMIC_DEFER_DIR_SYNC) ? 0 : sos_fsync_dir(dirfd, err);
out:
    for (i = 0; rc < 0 && i < made; i++) {
        if (fds[i] >= 0)
            close(fds[i]);
        if (tmp[i][0])
            unlinkat(dirfd, tmp[i], 0);
    }
    return rc;
}

int sos_atomic_write(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                     unsigned flags, sos_error *err)
{
    struct sos_atomic_file f = {name, data, len, mode};
    return sos_atomic_write_all(dirfd, &f, 1, flags, err);
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

int sos_private_dir_open(const char *path, sos_error *err)
{
    char buf[PATH_MAX];
    struct stat st;
    int fd;
    if (strlen(path) >= sizeof buf)
        return sos_fail(err, "%s: path too long", path);
    strcpy(buf, path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0700) < 0 && errno != EEXIST)
            return sos_fail(err, "%s: cannot create: %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0700) < 0 && errno != EEXIST)
        return sos_fail(err, "%s: cannot create: %s", buf, strerror(errno));
    fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return sos_fail(err, "%s: cannot open as a directory (a symlink?): %s", path,
                        strerror(errno));
    if (fstat(fd, &st) < 0 || st.st_uid != geteuid()) {
        close(fd);
        return sos_fail(err, "%s: not owned by this user", path);
    }
    if ((st.st_mode & 07777) != 0700 && fchmod(fd, 0700) < 0) {
        close(fd);
        return sos_fail(err, "%s: cannot make it mode 0700: %s", path, strerror(errno));
    }
    return fd;
}
