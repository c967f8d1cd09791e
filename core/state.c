/* An agent's state directory as status reads it: the generations, which
 * one is current and since when, the wrapper's restart budget and trip,
 * and state.json. Every member is opened relative to the directory's
 * descriptor without following symlinks, as core/stage.c writes them. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "state.h"

#define STATE_FILE_MAX (64 * 1024)
#define GENERATION_MAX 1000000u

/* The whole of the small file NAME in DIRFD, NUL-terminated; NULL with
 * *MISSING set when it does not exist, NULL with ERR otherwise. */
static char *read_small(int dirfd, const char *name, int *missing, sos_error *err)
{
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    char *buf;
    ssize_t got;
    size_t used = 0;
    *missing = 0;
    if (fd < 0) {
        if (errno == ENOENT)
            *missing = 1;
        else
            sos_fail(err, "%s: cannot open (a symlink?): %s", name, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > STATE_FILE_MAX) {
        close(fd);
        sos_fail(err, "%s: not a regular file of at most %d bytes", name, STATE_FILE_MAX);
        return NULL;
    }
    if (!(buf = malloc((size_t)st.st_size + 1))) {
        close(fd);
        sos_fail(err, "%s: out of memory", name);
        return NULL;
    }
    while (used < (size_t)st.st_size &&
           (got = read(fd, buf + used, (size_t)st.st_size - used)) > 0)
        used += (size_t)got;
    close(fd);
    buf[used] = '\0';
    return buf;
}

/* N of a name of digits only ("7"), 0 when it is not one. */
static unsigned generation_number(const char *s)
{
    char *end;
    unsigned long n;
    if (s[0] < '1' || s[0] > '9')
        return 0;
    n = strtoul(s, &end, 10);
    return !*end && n < GENERATION_MAX ? (unsigned)n : 0;
}

static int read_generations(int statefd, struct sos_state_view *v, sos_error *err)
{
    int fd = openat(statefd, "generations", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d;
    struct dirent *e;
    if (fd < 0)
        return errno == ENOENT ? 0 : sos_fail(err, "generations: %s", strerror(errno));
    if (!(d = fdopendir(fd))) {
        close(fd);
        return sos_fail(err, "generations: %s", strerror(errno));
    }
    while ((e = readdir(d))) {
        unsigned n = generation_number(e->d_name);
        if (!n)
            continue;
        v->generations++;
        if (n > v->newest)
            v->newest = n;
    }
    closedir(d);
    return 0;
}

/* `current` -> "generations/N", and N exists: anything else points where
 * status must not look. */
static int read_current(int statefd, struct sos_state_view *v, sos_error *err)
{
    char target[64], path[48];
    struct stat st;
    ssize_t n = readlinkat(statefd, "current", target, sizeof target - 1);
    if (n < 0) {
        if (errno == ENOENT)
            return 0;
        return sos_fail(err, "current: not a symlink: %s", strerror(errno));
    }
    target[n] = '\0';
    if (strncmp(target, "generations/", 12) != 0 || !(v->current = generation_number(target + 12)))
        return sos_fail(err, "current: points at '%.40s', not generations/N: refused", target);
    snprintf(path, sizeof path, "generations/%u", v->current);
    if (fstatat(statefd, path, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
        return sos_fail(err, "current: %s is not a generation directory", path);
    v->current_made = st.st_mtime;
    return 0;
}

/* `restarts` (one start time a line) and `tripped` ("tripped TIME"). A
 * trip counts only when no start came after it: someone started it again. */
static int read_budget(int statefd, time_t now, struct sos_state_view *v, sos_error *err)
{
    int missing;
    char *text = read_small(statefd, "restarts", &missing, err), *p;
    if (!text && !missing)
        return -1;
    for (p = text; p && *p;) {
        char *end;
        long long t = strtoll(p, &end, 10);
        if (end != p && (*end == '\n' || !*end) && t > 0) {
            if (t > now - 3600)
                v->starts_last_hour++;
            if ((time_t)t > v->last_start)
                v->last_start = (time_t)t;
        }
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    free(text);
    text = read_small(statefd, "tripped", &missing, err);
    if (!text && !missing)
        return -1;
    if (text) {
        long long t = 0;
        if (sscanf(text, "tripped %lld", &t) != 1)
            t = 0;
        v->tripped_at = (time_t)t;
        v->tripped = v->tripped_at >= v->last_start;
        free(text);
    }
    return 0;
}

static char *json_text(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return strdup(s ? s : "");
}

static int parse_record(const char *text, struct sos_state_record *r, sos_error *err)
{
    json_error_t je;
    json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &je), *st, *gen;
    const char *state;
    int rc = -1;
    if (!doc || !json_is_object(doc)) {
        sos_fail(err, "state.json:%d:%d: %s", je.line, je.column,
                 doc ? "not an object" : je.text);
        goto out;
    }
    if (json_integer_value(json_object_get(doc, "schema")) != 1) {
        sos_fail(err, "state.json: \"schema\" is not 1");
        goto out;
    }
    st = json_object_get(doc, "state");
    state = json_string_value(st);
    if (state && strcmp(state, "installed") == 0)
        r->state = SOS_INSTALLED_INSTALLED;
    else if (state && strcmp(state, "enabled") == 0)
        r->state = SOS_INSTALLED_ENABLED;
    else if (state && strcmp(state, "quarantined") == 0)
        r->state = SOS_INSTALLED_QUARANTINED;
    else {
        sos_fail(err, "state.json: \"state\" is not installed, enabled or quarantined");
        goto out;
    }
    gen = json_object_get(doc, "generation");
    if (gen && (!json_is_integer(gen) || json_integer_value(gen) < 0 ||
                json_integer_value(gen) >= GENERATION_MAX)) {
        sos_fail(err, "state.json: \"generation\" is not a generation number");
        goto out;
    }
    r->generation = gen ? (unsigned)json_integer_value(gen) : 0;
    r->backend = json_text(doc, "backend");
    r->service = json_text(doc, "service");
    r->changed = json_text(doc, "changed");
    r->despite_preflight = json_is_true(json_object_get(doc, "despite_preflight"));
    rc = r->backend && r->service && r->changed ? 0 : sos_fail(err, "state.json: out of memory");
out:
    json_decref(doc);
    return rc;
}

int sos_state_read(const char *dir, time_t now, struct sos_state_view *out, sos_error *err)
{
    int statefd, missing, rc = -1;
    char *text;
    memset(out, 0, sizeof *out);
    statefd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (statefd < 0) {
        if (errno == ENOENT)
            return 0;
        return sos_fail(err, "%s: cannot open as a directory (a symlink?): %s", dir,
                        strerror(errno));
    }
    out->exists = 1;
    if (read_generations(statefd, out, err) < 0 || read_current(statefd, out, err) < 0 ||
        read_budget(statefd, now, out, err) < 0)
        goto fail;
    text = read_small(statefd, "state.json", &missing, err);
    if (!text && !missing)
        goto fail;
    if (text) {
        rc = parse_record(text, &out->record, err);
        free(text);
        if (rc < 0)
            goto fail;
    }
    rc = 0;
    goto done;
fail:
    sos_wrap(err, "%s", dir);
done:
    close(statefd);
    return rc;
}

const char *sos_installed_state_name(enum sos_installed_state s)
{
    switch (s) {
    case SOS_INSTALLED_INSTALLED: return "installed";
    case SOS_INSTALLED_ENABLED: return "enabled";
    case SOS_INSTALLED_QUARANTINED: return "quarantined";
    default: return "none";
    }
}

void sos_state_view_free(struct sos_state_view *v)
{
    free(v->record.backend);
    free(v->record.service);
    free(v->record.changed);
    memset(v, 0, sizeof *v);
}

int sos_state_write(const char *dir, const struct sos_state_record *r, time_t now,
                    sos_error *err)
{
    static const char *const names[] = {NULL, "installed", "enabled", "quarantined"};
    char stamp[32];
    struct tm tm;
    json_t *doc;
    char *text;
    int dirfd, rc;
    dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dirfd < 0)
        return sos_fail(err, "%s: cannot open the state directory: %s", dir, strerror(errno));
    if (r->state == SOS_INSTALLED_NONE) {
        rc = unlinkat(dirfd, "state.json", 0) == 0 || errno == ENOENT
                 ? sos_fsync_dir(dirfd, err)
                 : sos_fail(err, "%s/state.json: cannot remove: %s", dir, strerror(errno));
        close(dirfd);
        return rc;
    }
    if (!gmtime_r(&now, &tm) || !strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm))
        stamp[0] = '\0';
    doc = json_pack("{s:i, s:s, s:s, s:s, s:I, s:s}", "schema", 1, "state", names[r->state],
                    "backend", r->backend ? r->backend : "", "service",
                    r->service ? r->service : "", "generation", (json_int_t)r->generation,
                    "changed", stamp);
    if (doc && r->despite_preflight)
        json_object_set_new(doc, "despite_preflight", json_true());
    text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
    json_decref(doc);
    rc = text ? sos_atomic_write(dirfd, "state.json", text, strlen(text), 0600, 0, err)
              : sos_fail(err, "state.json: out of memory");
    free(text);
    close(dirfd);
    return rc;
}

#define REMOVE_DEPTH_MAX 16

/* Removes the entries of the directory FD (closed here), depth first,
 * then reports the first that failed. Symlinks are removed, not followed;
 * a directory on another file system is not entered. */
static int remove_contents(int fd, dev_t dev, const char *path, int depth, sos_error *err)
{
    DIR *d = fdopendir(fd);
    struct dirent *e;
    int rc = 0;
    if (!d) {
        close(fd);
        return sos_fail(err, "cannot read %s: %s", path, strerror(errno));
    }
    while (rc == 0 && (e = readdir(d))) {
        struct stat st;
        char sub[4096];
        int subfd;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            rc = sos_fail(err, "cannot remove %s: %s", sub, strerror(errno));
        else if (!S_ISDIR(st.st_mode)) {
            if (unlinkat(dirfd(d), e->d_name, 0) != 0)
                rc = sos_fail(err, "cannot remove %s: %s", sub, strerror(errno));
        } else if (st.st_dev != dev || depth >= REMOVE_DEPTH_MAX)
            rc = sos_fail(err, "%s is %s: not removed", sub,
                          st.st_dev != dev ? "another file system" : "nested too deep");
        else if ((subfd = openat(dirfd(d), e->d_name,
                                 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
            rc = sos_fail(err, "cannot open %s: %s", sub, strerror(errno));
        else if ((rc = remove_contents(subfd, dev, sub, depth + 1, err)) == 0 &&
                 unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) != 0)
            rc = sos_fail(err, "cannot remove %s: %s", sub, strerror(errno));
    }
    closedir(d);
    return rc;
}

int sos_state_remove(const char *dir, sos_error *err)
{
    struct stat st;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        return sos_fail(err, "%s: %s", dir,
                        errno == ENOTDIR || errno == ELOOP ? "not a directory (a symlink?): not removed"
                                                           : strerror(errno));
    }
    if (fstat(fd, &st) != 0) {
        close(fd);
        return sos_fail(err, "%s: %s", dir, strerror(errno));
    }
    if (remove_contents(fd, st.st_dev, dir, 0, err) != 0)
        return -1;
    if (rmdir(dir) != 0)
        return sos_fail(err, "cannot remove %s: %s", dir, strerror(errno));
    return 0;
}
