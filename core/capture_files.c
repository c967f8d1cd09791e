#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "capture_parts.h"
#include "homes.h"
#include "rootfs.h"

/* Paths taken at most: a scan of a big tree looks at many; each file is
 * small but the bundle stays bounded. */
#define MAX_PATHS 20000
/* Drop-ins of a unit taken at most. */
#define MAX_DROPINS 64

struct pathset {
    char **v;
    size_t n, cap;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int set_add(struct pathset *s, const char *path)
{
    /* only what a member name can hold and a replay can recreate */
    if (!path || path[0] != '/' || (path[1] && !sos_bundle_name_valid(path + 1)) ||
        s->n >= MAX_PATHS)
        return 0;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        char **grown = realloc(s->v, cap * sizeof *grown);
        if (!grown)
            return -1;
        s->v = grown;
        s->cap = cap;
    }
    if (!(s->v[s->n] = strdup(path)))
        return -1;
    s->n++;
    return 0;
}

static void set_free(struct pathset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
}

/* Sorted, each once. */
static void set_unique(struct pathset *s)
{
    size_t o = 0;
    if (s->n)
        qsort(s->v, s->n, sizeof *s->v, cmp_str);
    for (size_t i = 0; i < s->n; i++) {
        if (o && strcmp(s->v[o - 1], s->v[i]) == 0) {
            free(s->v[i]);
            continue;
        }
        s->v[o++] = s->v[i];
    }
    s->n = o;
}

static int set_has(const struct pathset *s, const char *path)
{
    return s->n && bsearch(&path, s->v, s->n, sizeof *s->v, cmp_str) != NULL;
}

/* ---- one path ------------------------------------------------------------ */

static const char *tree(const struct sos_capture_files *f)
{
    return strcmp(f->root, "/") == 0 ? NULL : f->root;
}

static json_t *owner_json(const struct sos_capture_files *f, const struct stat *st)
{
    json_t *o = json_pack("{s:I, s:I}", "uid", (json_int_t)st->st_uid, "gid",
                          (json_int_t)st->st_gid);
    /* names only for the live host: a tree's accounts are not this machine's */
    if (o && !tree(f)) {
        struct passwd *pw = getpwuid(st->st_uid);
        struct group *gr = getgrgid(st->st_gid);
        if (pw)
            json_object_set_new(o, "user", json_string(pw->pw_name));
        if (gr)
            json_object_set_new(o, "group", json_string(gr->gr_name));
    }
    return o;
}

/* Reads the SIZE bytes of FD whole (fewer when it shrank meanwhile). */
static char *read_whole(int fd, uint64_t size, size_t *len)
{
    char *buf = malloc(size + 1);
    size_t got = 0;
    if (!buf)
        return NULL;
    while (got < size) {
        ssize_t n = pread(fd, buf + got, size - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    *len = got;
    return buf;
}

/* A whole file this small is redacted in memory; a larger one, or the tail
 * of a longer one, piece by piece into a scratch file, so memory stays
 * bounded whatever the log's size. */
#define REDACT_IN_MEMORY SOS_REDACT_PIECE

static int add_small(const struct sos_capture_files *f, const char *member, int fd,
                     const struct stat *st, const char *path, sos_error *err)
{
    size_t len = 0, out_len = 0;
    char *raw, *clean;
    int rc, changed;
    if (!(raw = read_whole(fd, (uint64_t)st->st_size, &len)))
        return sos_fail(err, "capture: out of memory reading %s", path);
    clean = sos_redact_text(f->rd, raw, len, &out_len);
    /* "redacted" in the manifest says the filter changed the member, so an
     * analyst knows which files differ from the host's */
    changed = clean && (out_len != len || memcmp(clean, raw, len) != 0);
    memset(raw, 0, len);
    free(raw);
    if (!clean)
        return sos_fail(err, "capture: out of memory redacting %s", path);
    rc = sos_bundle_add_mem(f->b, member, clean, out_len, st->st_mode & 07777, st->st_mtime,
                            changed ? SOS_BUNDLE_REDACTED : 0, path, err);
    free(clean);
    return rc;
}

static int add_large(const struct sos_capture_files *f, const char *member, int fd,
                     const struct stat *st, const char *path, sos_error *err)
{
    uint64_t size = (uint64_t)st->st_size;
    uint64_t keep = size > f->log_bytes ? f->log_bytes : size;
    int scratch, changed = 0, rc;

    if ((scratch = sos_bundle_scratch(f->b, err)) < 0)
        return -1;
    if (sos_redact_fd(f->rd, fd, size - keep, keep, scratch, &changed) < 0) {
        rc = sos_fail(err, "capture: redacting %s: %s", path,
                      errno == EIO ? "the file shrank while it was read" : strerror(errno));
    } else {
        rc = sos_bundle_add_copy(f->b, member, scratch, st->st_mode & 07777, st->st_mtime,
                                 changed ? SOS_BUNDLE_REDACTED : 0, path, size, keep < size,
                                 err);
    }
    close(scratch);
    return rc;
}

static int add_file(const struct sos_capture_files *f, const char *member, int fd,
                    const struct stat *st, const char *path, sos_error *err)
{
    uint64_t size = (uint64_t)st->st_size;
    if (size <= f->log_bytes && size <= REDACT_IN_MEMORY)
        return add_small(f, member, fd, st, path, err);
    return add_large(f, member, fd, st, path, err);
}

static const char *error_type(int e)
{
    return e == ENOENT || e == ENOTDIR ? "missing" : "unreadable";
}

/* The length of the tree's prefix in a resolved path (0 for the live host). */
static size_t tree_prefix(const struct sos_capture_files *f)
{
    size_t skip = tree(f) ? strlen(f->root) : 0;
    while (skip && f->root[skip - 1] == '/')
        skip--;
    return skip;
}

/* PATH with its directories' symlinks resolved (Debian's /lib/x is
 * /usr/lib/x), so that each file is one member and a replay's tree holds
 * the symlinks themselves; NULL when its directory does not resolve (the
 * errno in *RC). */
static char *canonical_path(const struct sos_capture_files *f, const char *path, int *rc)
{
    const char *base = strrchr(path, '/') + 1;
    char parent[4096], *real_parent = NULL, *out = NULL;
    const char *dir;
    snprintf(parent, sizeof parent, "%.*s", (int)(base - path - 1 ? base - path - 1 : 1), path);
    if ((*rc = sos_rootfs_resolve(tree(f), parent, 0, &real_parent)) != 0)
        return NULL;
    dir = real_parent + tree_prefix(f);
    if (strcmp(dir, "/") == 0 || !*dir)
        dir = "";
    if (asprintf(&out, "%s/%s", dir, base) < 0)
        out = NULL;
    *rc = out ? 0 : -ENOMEM;
    free(real_parent);
    return out;
}

/* The directory of the canonical PATH, opened, or -1. */
static int open_parent_dir(const struct sos_capture_files *f, const char *path)
{
    const char *base = strrchr(path, '/') + 1;
    char parent[4096], *real = NULL;
    int dfd;
    snprintf(parent, sizeof parent, "%.*s", (int)(base - path - 1 ? base - path - 1 : 1), path);
    if (sos_rootfs_resolve(tree(f), parent, 0, &real) != 0)
        return -1;
    dfd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(real);
    return dfd;
}

static void set_owner(json_t *entry, const struct stat *st)
{
    json_object_set_new(entry, "uid", json_integer((json_int_t)st->st_uid));
    json_object_set_new(entry, "gid", json_integer((json_int_t)st->st_gid));
}

/* 1 when PATH is a symlink in the tree (its directory resolved first). */
static int is_link(const struct sos_capture_files *f, const char *path)
{
    const char *base = strrchr(path, '/') + 1;
    struct stat st;
    int dfd = open_parent_dir(f, path), link;
    if (dfd < 0)
        return 0;
    link = fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
    close(dfd);
    return link;
}

/* Adds to S the symlinks among the directories of PATH (/lib on Debian),
 * so that a replay's tree leads where this one did; LOOKED (may be NULL)
 * holds the directories looked at already. */
static int add_linked_dirs_of(const struct sos_capture_files *f, const char *path,
                              struct pathset *s, json_t *looked)
{
    char dir[4096];
    int rc = 0;
    snprintf(dir, sizeof dir, "%s", path);
    for (char *slash = strchr(dir + 1, '/'); slash && rc == 0; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        if (!looked || !json_object_get(looked, dir)) {
            if (looked)
                json_object_set_new(looked, dir, json_true());
            if (is_link(f, dir))
                rc = set_add(s, dir);
        }
        *slash = '/';
    }
    return rc;
}

static int add_linked_dirs(const struct sos_capture_files *f, struct pathset *s)
{
    size_t n = s->n;
    json_t *looked = json_object(); /* each directory once */
    int rc = looked ? 0 : -1;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = add_linked_dirs_of(f, s->v[i], s, looked);
    json_decref(looked);
    return rc;
}

/* The absolute path symlink LINK's TARGET names, "." and ".." taken
 * lexically (as the kernel would, but for ".." through a symlink); 0, or
 * -1 when it does not fit. */
static int lexical_target(const char *link, const char *target, char *out, size_t size)
{
    char in[8192];
    size_t len = 0;
    int n;
    if (target[0] == '/')
        n = snprintf(in, sizeof in, "%s", target);
    else
        n = snprintf(in, sizeof in, "%.*s/%s", (int)(strrchr(link, '/') - link), link, target);
    if (n < 0 || (size_t)n >= sizeof in || size < 2)
        return -1;
    out[0] = '\0';
    for (char *save = NULL, *seg = strtok_r(in, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
        if (strcmp(seg, ".") == 0)
            continue;
        if (strcmp(seg, "..") == 0) {
            char *up = strrchr(out, '/');
            len = up ? (size_t)(up - out) : 0;
            out[len] = '\0';
            continue;
        }
        if (len + 1 + strlen(seg) + 1 > size)
            return -1;
        out[len++] = '/';
        strcpy(out + len, seg);
        len += strlen(seg);
    }
    if (!len)
        strcpy(out, "/");
    return 0;
}



/* Describes PATH into ENTRY (under its canonical path; *SKIP when TAKEN has
 * that already), adds a file's member, and queues a symlink's target in
 * MORE. */
static int take_path(const struct sos_capture_files *f, const char *asked, json_t *entry,
                     struct pathset *more, json_t *taken, int *skip, sos_error *err)
{
    char member[4200], *path;
    const char *base;
    struct stat st;
    int dfd, fd, rc = 0;
    if (strcmp(asked, "/") == 0) {
        json_object_set_new(entry, "type", json_string("dir"));
        return 0;
    }
    if (!(path = canonical_path(f, asked, &rc))) {
        if (rc == -ENOMEM)
            return sos_fail(err, "capture: out of memory");
        json_object_set_new(entry, "type", json_string(error_type(-rc)));
        json_object_set_new(entry, "error", json_integer(-rc));
        return 0;
    }
    if (json_object_get(taken, path) || !sos_bundle_name_valid(path + 1)) {
        *skip = 1;
        free(path);
        return 0;
    }
    json_object_set_new(taken, path, json_true());
    json_object_set_new(entry, "path", json_string(path));
    base = strrchr(path, '/') + 1;
    dfd = open_parent_dir(f, path);
    if (dfd < 0 || fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        int e = errno;
        if (dfd >= 0)
            close(dfd);
        json_object_set_new(entry, "type", json_string(error_type(e)));
        json_object_set_new(entry, "error", json_integer(e));
        free(path);
        return 0;
    }
    if (S_ISLNK(st.st_mode)) {
        char target[4096], *real = NULL;
        ssize_t n = readlinkat(dfd, base, target, sizeof target - 1);
        close(dfd);
        if (n <= 0) {
            json_object_set_new(entry, "type", json_string("unreadable"));
            json_object_set_new(entry, "error", json_integer(n < 0 ? errno : EINVAL));
            free(path);
            return 0;
        }
        target[n] = '\0';
        json_object_set_new(entry, "type", json_string("symlink"));
        json_object_set_new(entry, "target", json_string(target));
        set_owner(entry, &st);
        /* what it leads to, as a host path, is taken too, and the
         * symlinks on the way there */
        if (sos_rootfs_resolve(tree(f), path, 0, &real) == 0) {
            char named[4096];
            rc = set_add(more, real + tree_prefix(f));
            free(real);
            if (rc == 0 && lexical_target(path, target, named, sizeof named) == 0)
                rc = add_linked_dirs_of(f, named, more, NULL);
        }
        free(path);
        return rc < 0 ? sos_fail(err, "capture: out of memory") : 0;
    }
    json_object_set_new(entry, "mode", json_integer(st.st_mode & 07777));
    set_owner(entry, &st);
    if (!S_ISREG(st.st_mode)) {
        close(dfd);
        json_object_set_new(entry, "type", json_string(S_ISDIR(st.st_mode) ? "dir" : "other"));
        free(path);
        return 0;
    }
    fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    close(dfd);
    json_object_set_new(entry, "type", json_string("file"));
    snprintf(member, sizeof member, "root%s", path);
    if (fd < 0 || !sos_bundle_name_valid(member)) {
        json_object_set_new(entry, "error", json_integer(fd < 0 ? errno : ENAMETOOLONG));
        if (fd >= 0)
            close(fd);
        free(path);
        return 0;
    }
    rc = add_file(f, member, fd, &st, path, err);
    close(fd);
    if (rc == 0)
        rc = sos_bundle_set_owner(f->b, member, owner_json(f, &st), err);
    if (rc == 0)
        json_object_set_new(entry, "member", json_string(member));
    free(path);
    return rc;
}

/* ---- what to take -------------------------------------------------------- */

static int add_dropins(const struct sos_capture_files *f, struct pathset *s)
{
    char dir[4096], *real = NULL;
    DIR *d;
    struct dirent *e;
    int n = 0;
    if (!f->target->unit_path || !*f->target->unit_path)
        return 0;
    snprintf(dir, sizeof dir, "%s.d", f->target->unit_path);
    if (sos_rootfs_resolve(tree(f), dir, 0, &real) != 0)
        return 0;
    d = opendir(real);
    free(real);
    if (!d)
        return 0;
    if (set_add(s, dir) != 0) {
        closedir(d);
        return -1;
    }
    while ((e = readdir(d)) && n < MAX_DROPINS) {
        char path[4400];
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".conf") != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (set_add(s, path) != 0) {
            closedir(d);
            return -1;
        }
        n++;
    }
    closedir(d);
    return 0;
}

static int gather(const struct sos_capture_files *f, struct pathset *s)
{
    const struct sos_qtarget *t = f->target;
    for (size_t i = 0; i < f->run->n_entries; i++) {
        const struct sos_check_result *r = &f->run->entries[i].result;
        for (size_t k = 0; k < r->n_seen; k++)
            if (r->seen[k].kind == SOS_SEEN_PATH && set_add(s, r->seen[k].name) != 0)
                return -1;
    }
    if ((t->plist && set_add(s, t->plist) != 0) ||
        (t->unit_path && *t->unit_path && set_add(s, t->unit_path) != 0) ||
        add_dropins(f, s) != 0)
        return -1;
    set_unique(s);
    if (add_linked_dirs(f, s) != 0)
        return -1;
    set_unique(s);
    return 0;
}

static int add_paths(const struct sos_capture_files *f, sos_error *err)
{
    struct pathset s = {0}, more = {0}, discard = {0};
    json_t *paths = json_array(), *taken = json_object();
    int rc = 0;
    if (!paths || !taken || gather(f, &s) != 0) {
        json_decref(paths);
        json_decref(taken);
        set_free(&s);
        return sos_fail(err, "capture: out of memory");
    }
    /* the targets of symlinks are taken in a second round, each once */
    for (int round = 0; round < 2 && rc == 0; round++) {
        struct pathset *list = round ? &more : &s;
        if (round)
            set_unique(&more);
        for (size_t i = 0; i < list->n && rc == 0; i++) {
            json_t *entry;
            int skip = 0;
            if (round && set_has(&s, list->v[i]))
                continue;
            entry = json_pack("{s:s}", "path", list->v[i]);
            if (!entry)
                rc = sos_fail(err, "capture: out of memory");
            else
                rc = take_path(f, list->v[i], entry, round ? &discard : &more, taken, &skip,
                               err);
            if (entry && skip)
                json_decref(entry);
            else if (entry && json_array_append_new(paths, entry) != 0 && rc == 0)
                rc = sos_fail(err, "capture: out of memory");
        }
    }
    set_free(&s);
    set_free(&more);
    set_free(&discard);
    json_decref(taken);
    if (rc != 0) {
        json_decref(paths);
        return rc;
    }
    return sos_bundle_set(f->b, "paths", paths, err);
}

/* Every variable a check read, each once, values redacted. */
static int add_env(const struct sos_capture_files *f, sos_error *err)
{
    json_t *env = json_array(), *names = json_object();
    for (size_t i = 0; env && names && i < f->run->n_entries; i++) {
        const struct sos_check_result *r = &f->run->entries[i].result;
        for (size_t k = 0; k < r->n_seen; k++) {
            const struct sos_seen_rec *v = &r->seen[k];
            char *value;
            if (v->kind != SOS_SEEN_ENV || json_object_get(names, v->name))
                continue;
            json_object_set_new(names, v->name, json_true());
            value = v->value ? sos_redact_value(f->rd, v->name, v->value) : NULL;
            json_array_append_new(env, json_pack("{s:s, s:s?}", "name", v->name, "value",
                                                 value));
            free(value);
        }
    }
    json_decref(names);
    if (!env)
        return sos_fail(err, "capture: out of memory");
    return sos_bundle_set(f->b, "env", env, err);
}

static int add_homes(const struct sos_capture_files *f, sos_error *err)
{
    struct sos_home *homes = NULL;
    size_t n = 0;
    json_t *list = json_array();
    if (!list || sos_homes_list(tree(f), getenv("HOME"), getenv("USER"), &homes, &n) != 0) {
        json_decref(list);
        return sos_fail(err, "capture: out of memory listing homes");
    }
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_pack("{s:s, s:s}", "user", homes[i].user ? homes[i].user : "",
                                              "path", homes[i].path));
    sos_homes_free(homes, n);
    return sos_bundle_set(f->b, "homes", list, err);
}

/* The declarations are the analyst's to read: a replay runs each agent's
 * checks with its own, not with whatever the analyst's agents.d holds. */
static int add_declarations(const struct sos_capture_files *f, sos_error *err)
{
    for (size_t i = 0; i < f->n_agents; i++) {
        char *path = NULL, member[SOS_BUNDLE_NAME_MAX + 32];
        struct stat st;
        int fd, rc = 0;
        if (!sos_agent_name_valid(f->agents[i]))
            continue;
        if (asprintf(&path, "%s/agents.d/%s.yaml", f->config_dir, f->agents[i]) < 0)
            return sos_fail(err, "capture: out of memory");
        snprintf(member, sizeof member, "config/agents.d/%s.yaml", f->agents[i]);
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
            sos_bundle_name_valid(member))
            rc = add_file(f, member, fd, &st, path, err);
        if (fd >= 0)
            close(fd);
        free(path);
        if (rc != 0)
            return -1;
    }
    return 0;
}

int sos_capture_files_add(const struct sos_capture_files *f, sos_error *err)
{
    if (add_paths(f, err) != 0 || add_declarations(f, err) != 0 || add_env(f, err) != 0 ||
        add_homes(f, err) != 0)
        return -1;
    return 0;
}
