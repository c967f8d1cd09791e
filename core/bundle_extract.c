#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "bundle_extract.h"
#include "scratch.h"
#include "sha256.h"
#include "signals.h"

void sos_extract_free(struct sos_extract *x)
{
    for (size_t i = 0; i < x->n_links; i++) {
        free(x->links[i].path);
        free(x->links[i].target);
    }
    free(x->links);
    sos_bundle_check_free(&x->check);
    memset(x, 0, sizeof *x);
}

unsigned sos_extract_mode(unsigned mode, unsigned flags)
{
    /* the owner could read it at capture: it was captured */
    unsigned m = (mode & 0777) | 0400;
    if (!(flags & SOS_EXTRACT_KEEP_MODES))
        m &= (m & 0111) ? 0755u : 0644u;
    return m;
}

static enum sos_extract_status fail(struct sos_extract *x, enum sos_extract_status st,
                                    const char *format, ...)
    __attribute__((format(printf, 3, 4)));
static enum sos_extract_status fail(struct sos_extract *x, enum sos_extract_status st,
                                    const char *format, ...)
{
    char why[900];
    va_list ap;
    va_start(ap, format);
    vsnprintf(why, sizeof why, format, ap);
    va_end(ap);
    sos_fail(&x->err, "%s", why);
    return x->status = st;
}

/* ---- DIR and its temporary ----------------------------------------------- */

/* DIR may be absent or an empty directory (not a symlink to one). */
static enum sos_extract_status check_dir(const char *dir, struct sos_extract *x)
{
    struct stat st;
    struct dirent *e;
    DIR *d;
    int fd, empty = 1;

    if (lstat(dir, &st) != 0)
        return errno == ENOENT ? SOS_EXTRACT_DONE
                               : fail(x, SOS_EXTRACT_BAD_DIR, "%s: %s", dir, strerror(errno));
    if (S_ISLNK(st.st_mode))
        return fail(x, SOS_EXTRACT_BAD_DIR, "%s is a symlink: give a directory that does not "
                                            "exist or is empty", dir);
    if (!S_ISDIR(st.st_mode))
        return fail(x, SOS_EXTRACT_BAD_DIR, "%s exists and is not a directory", dir);
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || !(d = fdopendir(fd))) {
        int saved = errno;
        if (fd >= 0)
            close(fd);
        return fail(x, SOS_EXTRACT_BAD_DIR, "%s cannot be read: %s", dir, strerror(saved));
    }
    while (empty && (e = readdir(d)))
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    closedir(d);
    if (!empty)
        return fail(x, SOS_EXTRACT_BAD_DIR, "%s is not empty: extract into a new or empty "
                                            "directory", dir);
    return SOS_EXTRACT_DONE;
}

/* "PARENT/.BASE.XXXXXX" beside DIR, for mkdtemp; NULL when DIR names no
 * directory that could be made ("", ".", ".."). */
static char *temp_beside(const char *dir)
{
    size_t len = strlen(dir), base = 0;
    char *t = NULL;
    while (len > 1 && dir[len - 1] == '/')
        len--;
    for (size_t i = 0; i < len; i++)
        if (dir[i] == '/')
            base = i + 1;
    if (len == base || (len - base == 1 && dir[base] == '.') ||
        (len - base == 2 && dir[base] == '.' && dir[base + 1] == '.'))
        return NULL;
    if (asprintf(&t, "%.*s/.%.*s.XXXXXX", base ? (int)(base > 1 ? base - 1 : 1) : 1,
                 base ? dir : ".", (int)(len - base), dir + base) < 0)
        return NULL;
    return t;
}

/* ---- Writing under the temporary, never through a symlink ------------------ */

/* The directory that holds REL (segments checked by sos_bundle_name_valid)
 * under TOP, each directory on the way made (0755) when missing and
 * opened with O_NOFOLLOW, so a symlink on the way is an error, never
 * followed. Its descriptor, and REL's last segment in *LEAF; -1 with
 * errno. */
static int open_parent(int top, const char *rel, const char **leaf)
{
    char seg[SOS_BUNDLE_NAME_MAX + 1];
    const char *p = rel, *slash;
    int fd = fcntl(top, F_DUPFD_CLOEXEC, 0);

    while (fd >= 0 && (slash = strchr(p, '/'))) {
        size_t n = (size_t)(slash - p);
        int next;
        if (n == 0 || n > SOS_BUNDLE_NAME_MAX) {
            close(fd);
            errno = EINVAL;
            return -1;
        }
        memcpy(seg, p, n);
        seg[n] = '\0';
        if (mkdirat(fd, seg, 0755) != 0 && errno != EEXIST) {
            int saved = errno;
            close(fd);
            errno = saved;
            return -1;
        }
        next = openat(fd, seg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(fd);
        fd = next;
        p = slash + 1;
    }
    *leaf = p;
    return fd;
}

static int write_all(int fd, const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

struct pass {
    struct archive *a;
    int top;               /* the temporary directory */
    char *buf;             /* SOS_BUNDLE_CHUNK bytes */
    unsigned flags;
    json_t *by_name;       /* member name -> its manifest entry */
    const struct sos_bundle_limits *lim;
    uint64_t total;
    struct sos_extract *x;
};

/* What the manifest says of NAME (manifest.json: its sha256 from the
 * verification, mode 0644). -1 when NAME is not listed. */
static int expected(const struct pass *p, const char *name, struct archive_entry *e,
                    uint64_t *size, unsigned *mode, time_t *mtime, const char **sha)
{
    const json_t *m;
    if (strcmp(name, SOS_BUNDLE_MANIFEST) == 0) {
        *size = archive_entry_size(e) < 0 ? 0 : (uint64_t)archive_entry_size(e);
        *mode = 0644;
        *mtime = archive_entry_mtime(e);
        *sha = p->x->check.manifest_sha256;
        return 0;
    }
    if (!(m = json_object_get(p->by_name, name)))
        return -1;
    *size = (uint64_t)json_integer_value(json_object_get(m, "size"));
    *mode = sos_extract_mode((unsigned)json_integer_value(json_object_get(m, "mode")), p->flags);
    *mtime = (time_t)json_integer_value(json_object_get(m, "mtime"));
    *sha = json_string_value(json_object_get(m, "sha256"));
    return 0;
}

/* With SOS_EXTRACT_OWNERS, run as root: FD gets the member's recorded
 * owner (before its mode: chown clears setuid bits, and there are none). */
static int give_owner(const struct pass *p, const char *name, int fd)
{
    const json_t *owner = json_object_get(json_object_get(p->by_name, name), "owner");
    const json_t *uid = json_object_get(owner, "uid"), *gid = json_object_get(owner, "gid");
    /* the declarations (config/) stay the analyst's, as agents.d must be */
    if (!(p->flags & SOS_EXTRACT_OWNERS) || geteuid() != 0 || strncmp(name, "root/", 5) != 0 ||
        !json_is_integer(uid) ||
        !json_is_integer(gid) || json_integer_value(uid) < 0 || json_integer_value(gid) < 0)
        return 0;
    return fchown(fd, (uid_t)json_integer_value(uid), (gid_t)json_integer_value(gid));
}

/* Copies the current member's data into FD, hashing it into HEX; the byte
 * count in *GOT. 0, -1 on a read error, -2 on a write error (errno), 1 on a
 * caught signal. */
static int copy_data(struct pass *p, int fd, char hex[65], uint64_t *got)
{
    struct sos_sha256 sha;
    sos_sha256_init(&sha);
    for (;;) {
        la_ssize_t n = archive_read_data(p->a, p->buf, SOS_BUNDLE_CHUNK);
        if (sos_signals_caught())
            return 1;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        *got += (uint64_t)n;
        if (*got > p->lim->max_member)
            return -1;
        if (write_all(fd, p->buf, (size_t)n) != 0)
            return -2;
        sos_sha256_update(&sha, p->buf, (size_t)n);
    }
    sos_sha256_hex(&sha, hex);
    return 0;
}

static enum sos_extract_status write_member(struct pass *p, const char *name,
                                            struct archive_entry *e)
{
    struct timespec times[2];
    const char *leaf, *sha;
    uint64_t size, got = 0;
    unsigned mode;
    time_t mtime;
    char hex[65];
    int dir, fd, rc;

    if (!sos_bundle_name_valid(name) || archive_entry_hardlink(e) ||
        archive_entry_filetype(e) != AE_IFREG)
        return fail(p->x, SOS_EXTRACT_FAILED, "member %.200s is not what was verified (the "
                                              "bundle changed since)", name);
    if (expected(p, name, e, &size, &mode, &mtime, &sha) != 0)
        return fail(p->x, SOS_EXTRACT_FAILED, "member %s is not in the manifest (the bundle "
                                              "changed since it was verified)", name);
    if ((dir = open_parent(p->top, name, &leaf)) < 0)
        return fail(p->x, SOS_EXTRACT_FAILED, "member %s: a directory on its way cannot be "
                                              "made: %s", name, strerror(errno));
    fd = openat(dir, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    close(dir);
    if (fd < 0)
        return fail(p->x, SOS_EXTRACT_FAILED, "member %s cannot be created: %s", name,
                    strerror(errno));
    rc = copy_data(p, fd, hex, &got);
    if (rc == 0) {
        times[0].tv_sec = times[1].tv_sec = mtime;
        times[0].tv_nsec = times[1].tv_nsec = 0;
        if (give_owner(p, name, fd) != 0 || fchmod(fd, (mode_t)mode) != 0 ||
            futimens(fd, times) != 0)
            rc = -2;
    }
    if (close(fd) != 0 && rc == 0)
        rc = -2;
    if (rc > 0)
        return fail(p->x, SOS_EXTRACT_INTERRUPTED, "interrupted by signal %d",
                    sos_signals_caught());
    if (rc == -2)
        return fail(p->x, SOS_EXTRACT_FAILED, "member %s cannot be written: %s", name,
                    strerror(errno));
    if (rc < 0)
        return fail(p->x, SOS_EXTRACT_FAILED, "member %s cannot be read again: %s", name,
                    archive_error_string(p->a) ? archive_error_string(p->a)
                                               : "more bytes than verified");
    if (got != size || !sha || strcmp(hex, sha) != 0)
        return fail(p->x, SOS_EXTRACT_FAILED, "member %s is not what was verified (%" PRIu64
                                              " bytes, sha256 %s): the bundle changed since",
                    name, got, hex);
    p->total += got;
    p->x->n_files++;
    return SOS_EXTRACT_DONE;
}

/* The second read: every member written, each compared with the manifest
 * again, and every one of them there. */
static enum sos_extract_status write_members(struct pass *p, const char *path)
{
    struct archive_entry *e;
    size_t listed = json_array_size(json_object_get(p->x->check.manifest, "members"));
    enum sos_extract_status st = SOS_EXTRACT_DONE;
    int r;

    archive_read_support_filter_zstd(p->a);
    archive_read_support_filter_gzip(p->a);
    archive_read_support_filter_none(p->a);
    archive_read_support_format_tar(p->a);
    if (archive_read_open_filename(p->a, path, SOS_BUNDLE_CHUNK) != ARCHIVE_OK)
        return fail(p->x, SOS_EXTRACT_FAILED, "bundle %s: %s", path,
                    archive_error_string(p->a));
    while (st == SOS_EXTRACT_DONE && (r = archive_read_next_header(p->a, &e)) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(e);
        if (p->x->n_files >= listed + 1 || archive_entry_size(e) < 0 ||
            (uint64_t)archive_entry_size(e) > p->lim->max_member ||
            p->total + (uint64_t)archive_entry_size(e) > p->lim->max_total)
            return fail(p->x, SOS_EXTRACT_FAILED, "bundle %s changed since it was verified "
                                                  "(more or larger members)", path);
        st = write_member(p, name ? name : "", e);
    }
    if (st != SOS_EXTRACT_DONE)
        return st;
    if (r != ARCHIVE_EOF || p->x->n_files != listed + 1)
        return fail(p->x, SOS_EXTRACT_FAILED, "bundle %s changed since it was verified (%s)",
                    path, r != ARCHIVE_EOF && archive_error_string(p->a)
                              ? archive_error_string(p->a)
                              : "members missing");
    return SOS_EXTRACT_DONE;
}

/* ---- The manifest's paths: directories, and symlinks for a replay ---------- */

/* "root" + PATH ("/" is "root" itself). */
static char *under_root(const char *path)
{
    char *rel = NULL;
    if (asprintf(&rel, "root%s", strcmp(path, "/") == 0 ? "" : path) < 0)
        return NULL;
    return rel;
}

/* Makes DIR/root/PATH a directory (and those above it); 1 when made, 0
 * when it was there, -1 with errno. */
static int make_dir(int top, const char *path)
{
    char *rel = under_root(path);
    const char *leaf;
    struct stat st;
    int dir, rc = -1;
    if (!rel)
        return -1;
    if ((dir = open_parent(top, rel, &leaf)) >= 0) {
        if (mkdirat(dir, leaf, 0755) == 0)
            rc = 1;
        else if (errno == EEXIST && fstatat(dir, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0)
            rc = S_ISDIR(st.st_mode) ? 0 : (errno = EEXIST, -1);
        close(dir);
    }
    free(rel);
    return rc;
}

/* Makes DIR/root/PATH a symlink to TARGET; NULL when made, else why not. */
static const char *make_link(int top, const char *path, const char *target)
{
    char *rel = under_root(path);
    const char *leaf, *why = NULL;
    int dir;
    if (!rel)
        return "out of memory";
    if ((dir = open_parent(top, rel, &leaf)) < 0)
        why = "a symlink or a file is on its way";
    else if (symlinkat(target, dir, leaf) != 0)
        why = errno == EEXIST ? "something else is already there" : "it cannot be made";
    if (dir >= 0)
        close(dir);
    free(rel);
    return why;
}

static int add_link(struct sos_extract *x, const char *path, const char *target,
                    const char *why)
{
    struct sos_extract_link *l = realloc(x->links, (x->n_links + 1) * sizeof *l);
    if (!l)
        return -1;
    x->links = l;
    l += x->n_links;
    l->path = strdup(path);
    l->target = strdup(target);
    l->why = why;
    if (!l->path || !l->target) {
        free(l->path);
        free(l->target);
        return -1;
    }
    x->n_links++;
    return 0;
}

/* With SOS_EXTRACT_KEEP_MODES a directory gets its recorded mode (still
 * searchable by its owner), with SOS_EXTRACT_OWNERS run as root a
 * directory or symlink its recorded owner: a replay's owner checks then see
 * what the capture saw. A failure leaves the extraction's own. */
static void give_path_attrs(int top, unsigned flags, const json_t *p)
{
    const char *path = json_string_value(json_object_get(p, "path"));
    const char *type = json_string_value(json_object_get(p, "type"));
    const json_t *uid = json_object_get(p, "uid"), *gid = json_object_get(p, "gid");
    const json_t *mode = json_object_get(p, "mode");
    int is_dir = strcmp(type, "dir") == 0, dir;
    char *rel;
    const char *leaf;
    if ((!is_dir && strcmp(type, "symlink") != 0) || strcmp(path, "/") == 0 ||
        !(rel = under_root(path)))
        return;
    if ((dir = open_parent(top, rel, &leaf)) >= 0) {
        if ((flags & SOS_EXTRACT_OWNERS) && geteuid() == 0 && json_is_integer(uid) &&
            json_is_integer(gid))
            (void)!fchownat(dir, leaf, (uid_t)json_integer_value(uid),
                            (gid_t)json_integer_value(gid), AT_SYMLINK_NOFOLLOW);
        if (is_dir && (flags & SOS_EXTRACT_KEEP_MODES) && json_is_integer(mode))
            (void)!fchmodat(dir, leaf, ((mode_t)json_integer_value(mode) & 0777) | 0700, 0);
        close(dir);
    }
    free(rel);
}

/* Directories first, symlinks last: nothing is made through a symlink. */
static enum sos_extract_status make_paths(int top, unsigned flags, struct sos_extract *x)
{
    const json_t *paths = json_object_get(x->check.manifest, "paths"), *p;
    size_t i;
    json_array_foreach(paths, i, p) {
        const char *path = json_string_value(json_object_get(p, "path"));
        int rc;
        if (strcmp(json_string_value(json_object_get(p, "type")), "dir") != 0)
            continue;
        if ((rc = make_dir(top, path)) < 0)
            return fail(x, SOS_EXTRACT_FAILED, "directory %s cannot be made: %s", path,
                        strerror(errno));
        x->n_dirs += (size_t)rc;
    }
    json_array_foreach(paths, i, p) {
        const char *path = json_string_value(json_object_get(p, "path"));
        const char *target = json_string_value(json_object_get(p, "target"));
        if (strcmp(json_string_value(json_object_get(p, "type")), "symlink") != 0)
            continue;
        if (add_link(x, path, target,
                     flags & SOS_EXTRACT_SYMLINKS ? make_link(top, path, target)
                                                  : "extract creates no symlink") != 0)
            return fail(x, SOS_EXTRACT_FAILED, "out of memory");
    }
    json_array_foreach(paths, i, p)
        give_path_attrs(top, flags, p);
    return SOS_EXTRACT_DONE;
}

/* ---- Extracting ------------------------------------------------------------ */

static json_t *members_by_name(const json_t *manifest)
{
    json_t *by = json_object(), *m;
    size_t i;
    json_array_foreach(json_object_get(manifest, "members"), i, m)
        if (by && json_object_set(by, json_string_value(json_object_get(m, "name")), m) != 0) {
            json_decref(by);
            return NULL;
        }
    return by;
}

static enum sos_extract_status extract_into(const char *path, const char *temp,
                                            const struct sos_bundle_limits *lim,
                                            unsigned flags, struct sos_extract *x)
{
    struct pass p = {NULL, -1, NULL, flags, NULL, lim, 0, x};
    enum sos_extract_status st;

    p.top = open(temp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    p.a = archive_read_new();
    p.buf = malloc(SOS_BUNDLE_CHUNK);
    p.by_name = members_by_name(x->check.manifest);
    if (p.top < 0 || !p.a || !p.buf || !p.by_name)
        st = fail(x, SOS_EXTRACT_FAILED, "%s: %s", temp,
                  p.top < 0 ? strerror(errno) : "out of memory");
    else if ((st = write_members(&p, path)) == SOS_EXTRACT_DONE)
        st = make_paths(p.top, flags, x);
    if (p.top >= 0)
        close(p.top);
    if (p.a)
        archive_read_free(p.a);
    free(p.buf);
    json_decref(p.by_name);
    return st;
}

enum sos_extract_status sos_bundle_extract(const char *path, const char *dir,
                                           const struct sos_bundle_limits *limits,
                                           unsigned flags, struct sos_extract *x)
{
    static const struct sos_bundle_limits defaults = {SOS_BUNDLE_MAX_MEMBER, SOS_BUNDLE_MAX_TOTAL,
                                                      SOS_BUNDLE_MAX_MEMBERS};
    char *temp = NULL;

    memset(x, 0, sizeof *x);
    if (check_dir(dir, x) != SOS_EXTRACT_DONE)
        return x->status;
    if (sos_bundle_verify(path, limits, &x->check) != SOS_BUNDLE_VERIFIED) {
        if (sos_signals_caught())
            return fail(x, SOS_EXTRACT_INTERRUPTED, "interrupted by signal %d",
                        sos_signals_caught());
        if (x->check.verdict == SOS_BUNDLE_UNREADABLE)
            x->err = x->check.err;
        else
            sos_fail(&x->err, "bundle %s does not match its manifest", path);
        return x->status = (enum sos_extract_status)x->check.verdict;
    }
    if (!(temp = temp_beside(dir)))
        return fail(x, SOS_EXTRACT_BAD_DIR, "'%s' does not name a directory to make", dir);
    if (!mkdtemp(temp)) {
        fail(x, SOS_EXTRACT_BAD_DIR, "cannot make a temporary directory beside %s: %s", dir,
             strerror(errno));
        free(temp);
        return x->status;
    }
    if (extract_into(path, temp, limits ? limits : &defaults, flags, x) == SOS_EXTRACT_DONE &&
        sos_signals_caught())
        fail(x, SOS_EXTRACT_INTERRUPTED, "interrupted by signal %d", sos_signals_caught());
    if (x->status == SOS_EXTRACT_DONE && rename(temp, dir) != 0)
        fail(x, errno == ENOTEMPTY || errno == EEXIST || errno == ENOTDIR ? SOS_EXTRACT_BAD_DIR
                                                                           : SOS_EXTRACT_FAILED,
             "the extracted tree cannot be renamed to %s: %s", dir, strerror(errno));
    if (x->status != SOS_EXTRACT_DONE)
        sos_scratch_remove(temp);
    free(temp);
    return x->status;
}
