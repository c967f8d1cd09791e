#include "config.h"

#include "trust.h"
#include "shquote.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The rule the plugin loader always had, now for every file sourceos acts
 * on: whoever can write it decides what runs, so only root and the user
 * running sourceos may. Group-writable is refused too, even for a private
 * group: the loader never made that exception and one rule is easier to
 * trust than two (with umask 002, `chmod -R go-w` the tree). */
static int owner_is_trusted(uid_t uid)
{
    return uid == 0 || uid == geteuid();
}

/* The fix for PATH as a pasteable command, VERB ARG PATH built from quoted
 * words by the one quoting helper; NULL when PATH cannot be pasted safely
 * (a newline, a control character), so no command is offered. "--" keeps
 * a path that starts with "-" a path. */
static char *fix_command(const char *verb, const char *arg, const char *path)
{
    const char *argv[] = {verb, arg, "--", path, NULL};
    sos_error ignored = {0};
    return sos_shquote_argv(argv, &ignored);
}

const char *sos_file_kind(mode_t mode)
{
    if (S_ISREG(mode))
        return "a regular file";
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISLNK(mode))
        return "a symbolic link";
    return "not a regular file";
}

int sos_trust_stat(const char *what, const char *path, const struct stat *st,
                   sos_error *err)
{
    char uid[24];
    char *fix;
    int rc = 0;

    if (!owner_is_trusted(st->st_uid)) {
        snprintf(uid, sizeof uid, "%u", (unsigned)geteuid());
        fix = fix_command("chown", uid, path);
        rc = sos_fail(err,
                      "%s %s is owned by uid %u, not root or you (uid %u): "
                      "refusing to trust it; if what it says is yours, run: %s",
                      what, path, (unsigned)st->st_uid, (unsigned)geteuid(),
                      fix ? fix : "chown it to yourself");
        free(fix);
    } else if (st->st_mode & (S_IWGRP | S_IWOTH)) {
        fix = fix_command("chmod", "go-w", path);
        rc = sos_fail(err,
                      "%s %s is writable by group or others (mode 0%03o): "
                      "refusing to trust it; run: %s",
                      what, path, (unsigned)(st->st_mode & 07777),
                      fix ? fix : "chmod go-w on it");
        free(fix);
    }
    return rc;
}

int sos_trust_dir(const char *what, const char *path, sos_error *err)
{
    struct stat st;

    if (stat(path, &st) != 0)
        return sos_fail(err, "cannot open %s '%s': %s", what, path, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return sos_fail(err, "%s %s is not a directory (it is %s)", what, path,
                        sos_file_kind(st.st_mode));
    return sos_trust_stat(what, path, &st, err);
}

/* Whether the file a symlink at PATH resolves to, RESOLVED, lies inside the
 * directory holding PATH. */
static int inside_own_directory(const char *path, const char *resolved)
{
    char dir[PATH_MAX], real_dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    size_t len;

    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    if (!realpath(dir, real_dir))
        return 0;
    len = strlen(real_dir);
    if (len == 1) /* "/" */
        return 1;
    return strncmp(resolved, real_dir, len) == 0 && resolved[len] == '/';
}

/* A symlink is replaced by what it resolves to, when that stays inside its
 * directory: TARGET gets the resolved path, which has no symlink left. */
static int resolve_link(const char *path, char *target, sos_error *err)
{
    if (!realpath(path, target))
        return sos_fail(err, "%s: cannot follow symbolic link: %s", path,
                        strerror(errno));
    if (!inside_own_directory(path, target))
        return sos_fail(err,
                        "%s is a symbolic link to %s, outside its directory: "
                        "refusing to read it; put the file itself there",
                        path, target);
    return 0;
}

int sos_trust_open_file(const char *path, sos_error *err)
{
    char target[PATH_MAX];
    const char *open_path = path;
    struct stat st;
    int fd;

    if (lstat(path, &st) != 0)
        return sos_fail(err, "%s: cannot read: %s", path, strerror(errno));
    if (S_ISLNK(st.st_mode)) {
        if (resolve_link(path, target, err) != 0)
            return -1;
        open_path = target;
    }
    /* O_NONBLOCK: a FIFO swapped in must not hang the open; O_NOFOLLOW: the
     * resolved path has no link left, so one appearing now is an attack. */
    fd = open(open_path, O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
    if (fd < 0)
        return sos_fail(err, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0) {
        int saved = errno;
        close(fd);
        return sos_fail(err, "%s: cannot read: %s", path, strerror(saved));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return sos_fail(err, "%s: not a regular file (it is %s)", path,
                        sos_file_kind(st.st_mode));
    }
    if (sos_trust_stat("file", path, &st, err) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}
