/* Reading host files under --root without leaving it. */
#ifndef SOS_ROOTFS_H
#define SOS_ROOTFS_H

#include <stddef.h>
#include <sys/types.h>

/* Resolves the absolute host path PATH under ROOT ("/" or NULL for the real
 * root), following symlinks component by component as if ROOT were "/":
 * absolute link targets are taken relative to ROOT; a ".." that would climb
 * above ROOT is refused. At most 40 links are followed.
 * On success returns 0 and a malloc'd real path (ROOT prefix included) in
 * *OUT. The last component need not exist when ALLOW_MISSING_LAST is set.
 * Errors (negative errno): -EINVAL PATH not absolute or empty, -ENOENT,
 * -ENOTDIR, -EXDEV a symlink leads out of ROOT, -ELOOP too many links,
 * -EACCES, -ENAMETOOLONG, -ENOMEM. */
int sos_rootfs_resolve(const char *root, const char *path,
                       int allow_missing_last, char **out);

/* Reads PATH (host view) under ROOT up to MAX bytes into a malloc'd,
 * NUL-terminated buffer. Returns 0, 1 when the file was longer than MAX and
 * was cut, or a negative errno as sos_rootfs_resolve(), plus -EISDIR and
 * -EINVAL for something that is not a regular file (a FIFO, a device: it is
 * never opened, so reading cannot hang). */
int sos_rootfs_read(const char *root, const char *path, size_t max,
                    char **data, size_t *len);

/* Reads the last MAX bytes of PATH (host view) under ROOT, as
 * sos_rootfs_read() reads a file (the same checks and errors), into a
 * malloc'd, NUL-terminated buffer: for logs, whose newest lines are at the
 * end of a file that may be gigabytes. Returns 0 when the buffer holds the
 * whole file, 1 when its beginning was left out (the buffer's first line
 * is then likely partial). The file is seeked to MAX bytes before the end
 * its size gives; one that reports no size is read from the start, and
 * only the last MAX bytes of what was read are kept. */
int sos_rootfs_read_tail(const char *root, const char *path, size_t max,
                         char **data, size_t *len);

/* As sos_rootfs_read_tail(), for a file another user's configuration names
 * (a service's log): PATH's directories are resolved as always, but its
 * last component is opened with O_NOFOLLOW (a symlink there is -ELOOP, or
 * -EXDEV when it leads out of ROOT), and the open file's owner (fstat of
 * the descriptor) must be OWNER: else nothing is read, *FOUND (may be
 * NULL) receives the owner and -EPERM is returned. */
int sos_rootfs_read_tail_owned(const char *root, const char *path, size_t max,
                               uid_t owner, uid_t *found, char **data, size_t *len);

#endif
