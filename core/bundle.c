#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "redact.h"
#include "sha256.h"

struct sos_bundle {
    int dirfd, fd;
    char *dir, *name, *tmp; /* tmp: the temporary's name in dir */
    struct archive *a;
    json_t *manifest, *members, *names; /* names: a set, against duplicates */
    int broken;                         /* a write failed: only abort is left */
};

int sos_bundle_name_valid(const char *name)
{
    size_t len, seg = 0;

    if (!name || !*name || (len = strlen(name)) > SOS_BUNDLE_NAME_MAX)
        return 0;
    for (size_t i = 0; i <= len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '/' || c == '\0') {
            size_t n = i - seg;
            if (n == 0 || (n == 1 && name[seg] == '.') ||
                (n == 2 && name[seg] == '.' && name[seg + 1] == '.'))
                return 0;
            seg = i + 1;
        } else if (c < 0x20 || c == 0x7f || c == '\\') {
            return 0;
        }
    }
    return 1;
}

int sos_bundle_compression_of(const char *name)
{
    if (!name)
        return -1;
    if (strcmp(name, "zstd") == 0)
        return SOS_BUNDLE_ZSTD;
    if (strcmp(name, "gzip") == 0)
        return SOS_BUNDLE_GZIP;
    if (strcmp(name, "none") == 0)
        return SOS_BUNDLE_NONE;
    return -1;
}

static void bundle_free(struct sos_bundle *b)
{
    if (b->a)
        archive_write_free(b->a);
    if (b->fd >= 0)
        close(b->fd);
    if (b->tmp && b->dirfd >= 0)
        unlinkat(b->dirfd, b->tmp, 0);
    if (b->dirfd >= 0)
        close(b->dirfd);
    json_decref(b->manifest);
    json_decref(b->names);
    free(b->dir);
    free(b->name);
    free(b->tmp);
    free(b);
}

void sos_bundle_abort(struct sos_bundle *b)
{
    if (b)
        bundle_free(b);
}

static json_t *iso_time(time_t t)
{
    struct tm tm;
    char buf[32];
    if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm))
        return json_string("1970-01-01T00:00:00Z");
    return json_string(buf);
}

struct sos_bundle *sos_bundle_open(const char *dir, const char *name,
                                   enum sos_bundle_compression compression,
                                   const struct sos_bundle_info *info, sos_error *err)
{
    struct sos_bundle *b;
    char *path = NULL;
    int rc;

    if (!sos_bundle_name_valid(name) || strchr(name, '/')) {
        sos_fail(err, "bundle name '%s' is not one safe path segment", name ? name : "");
        return NULL;
    }
    if (!(b = calloc(1, sizeof *b))) {
        sos_fail(err, "bundle %s: out of memory", name);
        return NULL;
    }
    b->fd = -1;
    if ((b->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        sos_fail(err, "bundle directory %s: %s", dir, strerror(errno));
        goto fail;
    }
    if (!(b->dir = strdup(dir)) || !(b->name = strdup(name)) ||
        asprintf(&path, "%s/.%s.XXXXXX", dir, name) < 0) {
        path = NULL;
        sos_fail(err, "bundle %s: out of memory", name);
        goto fail;
    }
    /* mkostemp creates it 0600: the bundle is never readable by others */
    if ((b->fd = mkostemp(path, O_CLOEXEC)) < 0) {
        sos_fail(err, "bundle %s: cannot create a temporary file in %s: %s", name, dir,
                 strerror(errno));
        goto fail;
    }
    /* held while it is written: a temporary nobody holds is a leftover of
     * a killed capture (sos_bundle_clean_stale) */
    if (flock(b->fd, LOCK_EX | LOCK_NB) != 0) {
        sos_fail(err, "bundle %s: cannot lock its temporary: %s", name, strerror(errno));
        unlink(path);
        goto fail;
    }
    if (!(b->tmp = strdup(strrchr(path, '/') + 1))) {
        unlink(path);
        sos_fail(err, "bundle %s: out of memory", name);
        goto fail;
    }
    free(path);
    path = NULL;
    b->members = json_array();
    b->names = json_object();
    b->manifest = json_pack(
        "{s:i, s:s, s:s, s:s, s:o, s:o, s:[], s:[]}", "format_version",
        SOS_BUNDLE_FORMAT_VERSION, "tool_version",
        info && info->tool_version ? info->tool_version : PACKAGE_VERSION, "host",
        info && info->host ? info->host : "", "agent", info && info->agent ? info->agent : "",
        "captured", iso_time(info && info->captured ? info->captured : time(NULL)), "members",
        b->members, "commands", "actions");
    if (!b->members || !b->names || !b->manifest || !(b->a = archive_write_new())) {
        sos_fail(err, "bundle %s: out of memory", name);
        goto fail;
    }
    rc = archive_write_set_format_pax_restricted(b->a);
    if (rc == ARCHIVE_OK)
        rc = compression == SOS_BUNDLE_ZSTD   ? archive_write_add_filter_zstd(b->a)
             : compression == SOS_BUNDLE_GZIP ? archive_write_add_filter_gzip(b->a)
                                              : archive_write_add_filter_none(b->a);
    if (rc == ARCHIVE_OK)
        rc = archive_write_open_fd(b->a, b->fd);
    if (rc != ARCHIVE_OK) {
        sos_fail(err, "bundle %s: %s", name, archive_error_string(b->a));
        goto fail;
    }
    return b;
fail:
    free(path);
    bundle_free(b);
    return NULL;
}

static int usable(struct sos_bundle *b, const char *name, sos_error *err)
{
    if (b->broken)
        return sos_fail(err, "bundle %s: an earlier write failed", b->name);
    if (!sos_bundle_name_valid(name))
        return sos_fail(err, "bundle %s: member name '%s' is not a safe relative path",
                        b->name, name ? name : "");
    if (strcmp(name, SOS_BUNDLE_MANIFEST) == 0)
        return sos_fail(err, "bundle %s: member name %s is the manifest's", b->name, name);
    if (json_object_get(b->names, name))
        return sos_fail(err, "bundle %s: member %s was already added", b->name, name);
    return 0;
}

/* The header of a regular member of SIZE bytes. */
static int put_header(struct sos_bundle *b, const char *name, uint64_t size, mode_t mode,
                      time_t mtime, sos_error *err)
{
    struct archive_entry *e = archive_entry_new();
    int rc;

    if (!e) {
        b->broken = 1;
        return sos_fail(err, "bundle %s: out of memory", b->name);
    }
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, mode & 07777);
    archive_entry_set_size(e, (la_int64_t)size);
    archive_entry_set_mtime(e, mtime, 0);
    rc = archive_write_header(b->a, e);
    archive_entry_free(e);
    if (rc != ARCHIVE_OK) {
        b->broken = 1;
        return sos_fail(err, "bundle %s: member %s: %s", b->name, name,
                        archive_error_string(b->a));
    }
    return 0;
}

static int put_data(struct sos_bundle *b, const char *name, const void *data, size_t len,
                    struct sos_sha256 *sha, sos_error *err)
{
    sos_sha256_update(sha, data, len);
    if (len && archive_write_data(b->a, data, len) != (la_ssize_t)len) {
        b->broken = 1;
        return sos_fail(err, "bundle %s: member %s: %s", b->name, name,
                        archive_error_string(b->a));
    }
    return 0;
}

static int record(struct sos_bundle *b, const char *name, uint64_t size, mode_t mode,
                  time_t mtime, unsigned flags, const char *source, int truncated,
                  uint64_t original, struct sos_sha256 *sha, sos_error *err)
{
    char hex[65];
    json_t *m;

    sos_sha256_hex(sha, hex);
    m = json_pack("{s:s, s:I, s:i, s:I, s:s, s:b, s:I, s:b}", "name", name, "size",
                  (json_int_t)size, "mode", (int)(mode & 07777), "mtime", (json_int_t)mtime,
                  "sha256", hex, "truncated", truncated, "original_size",
                  (json_int_t)original, "redacted", (flags & SOS_BUNDLE_REDACTED) != 0);
    /* no source: the key is left out (the schema has no null) */
    if (m && source && json_object_set_new(m, "source", json_string(source)) != 0) {
        json_decref(m);
        m = NULL;
    }
    if (!m || json_array_append_new(b->members, m) != 0 ||
        json_object_set_new(b->names, name, json_true()) != 0) {
        b->broken = 1;
        return sos_fail(err, "bundle %s: out of memory", b->name);
    }
    return 0;
}

int sos_bundle_add_mem(struct sos_bundle *b, const char *name, const void *data, size_t len,
                       mode_t mode, time_t mtime, unsigned flags, const char *source,
                       sos_error *err)
{
    struct sos_sha256 sha;

    if (usable(b, name, err) != 0)
        return -1;
    sos_sha256_init(&sha);
    if (put_header(b, name, len, mode, mtime, err) != 0 ||
        put_data(b, name, data, len, &sha, err) != 0)
        return -1;
    return record(b, name, len, mode, mtime, flags, source, 0, len, &sha, err);
}

/* A pipe's bytes into an unlinked temporary file next to the bundle, so
 * that its size is known before the header is written. */
int sos_bundle_scratch(struct sos_bundle *b, sos_error *err)
{
    char *path = NULL;
    int out;

    if (asprintf(&path, "%s/.%s.spool.XXXXXX", b->dir, b->name) < 0)
        return sos_fail(err, "bundle %s: out of memory", b->name);
    out = mkostemp(path, O_CLOEXEC);
    if (out >= 0)
        unlink(path);
    free(path);
    if (out < 0)
        return sos_fail(err, "bundle %s: cannot make a scratch file in %s: %s", b->name,
                        b->dir, strerror(errno));
    return out;
}

static int spool(struct sos_bundle *b, int fd, char *buf, sos_error *err)
{
    int out = sos_bundle_scratch(b, err);

    if (out < 0)
        return -1;
    for (;;) {
        ssize_t n = read(fd, buf, SOS_BUNDLE_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            sos_fail(err, "bundle %s: reading a stream: %s", b->name, strerror(errno));
            break;
        }
        if (n == 0)
            return out;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                sos_fail(err, "bundle %s: spooling a stream: %s", b->name, strerror(errno));
                close(out);
                return -1;
            }
            off += w;
        }
    }
    close(out);
    return -1;
}

/* Copies LEN bytes of FD from START as member NAME. */
static int copy_range(struct sos_bundle *b, const char *name, int fd, uint64_t start,
                      uint64_t len, mode_t mode, time_t mtime, unsigned flags,
                      const char *source, int truncated, uint64_t original, char *buf,
                      sos_error *err)
{
    struct sos_sha256 sha;
    uint64_t done = 0;

    sos_sha256_init(&sha);
    if (put_header(b, name, len, mode, mtime, err) != 0)
        return -1;
    while (done < len) {
        size_t want = len - done < SOS_BUNDLE_CHUNK ? (size_t)(len - done) : SOS_BUNDLE_CHUNK;
        ssize_t n = pread(fd, buf, want, (off_t)(start + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            b->broken = 1;
            return sos_fail(err, "bundle %s: member %s: %s", b->name, name,
                            n < 0 ? strerror(errno) : "the file shrank while it was read");
        }
        if (put_data(b, name, buf, (size_t)n, &sha, err) != 0)
            return -1;
        done += (uint64_t)n;
    }
    return record(b, name, len, mode, mtime, flags, source, truncated, original, &sha, err);
}

/* The checks and the buffer every add from a descriptor starts with. */
static int begin_fd(struct sos_bundle *b, const char *name, int fd, struct stat *st,
                    char **buf, sos_error *err)
{
    if (usable(b, name, err) != 0)
        return -1;
    if (fstat(fd, st) != 0)
        return sos_fail(err, "bundle %s: member %s: %s", b->name, name, strerror(errno));
    if (!(*buf = malloc(SOS_BUNDLE_CHUNK)))
        return sos_fail(err, "bundle %s: out of memory", b->name);
    return 0;
}

int sos_bundle_add_fd(struct sos_bundle *b, const char *name, int fd, mode_t mode,
                      time_t mtime, unsigned flags, const char *source, uint64_t tail_cap,
                      sos_error *err)
{
    struct stat st;
    uint64_t size, start;
    char *buf;
    int spooled = -1, rc = -1;

    if (begin_fd(b, name, fd, &st, &buf, err) != 0)
        return -1;
    if (!S_ISREG(st.st_mode)) {
        if (mode == 0)
            mode = 0600;
        if (mtime == (time_t)-1)
            mtime = time(NULL);
        if ((spooled = spool(b, fd, buf, err)) < 0 || fstat(spooled, &st) != 0)
            goto out;
        fd = spooled;
    }
    if (mode == 0)
        mode = st.st_mode & 07777;
    if (mtime == (time_t)-1)
        mtime = st.st_mtime;
    /* a log still written to grows past this size: what was there when
     * the capture looked is what the bundle keeps */
    size = (uint64_t)st.st_size;
    start = tail_cap && size > tail_cap ? size - tail_cap : 0;
    rc = copy_range(b, name, fd, start, size - start, mode, mtime, flags, source, start > 0,
                    size, buf, err);
out:
    if (spooled >= 0)
        close(spooled);
    free(buf);
    return rc;
}

int sos_bundle_add_copy(struct sos_bundle *b, const char *name, int fd, mode_t mode,
                        time_t mtime, unsigned flags, const char *source,
                        uint64_t original_size, int truncated, sos_error *err)
{
    struct stat st;
    char *buf;
    int rc;

    if (begin_fd(b, name, fd, &st, &buf, err) != 0)
        return -1;
    rc = copy_range(b, name, fd, 0, (uint64_t)st.st_size, mode, mtime, flags, source,
                    truncated, original_size, buf, err);
    free(buf);
    return rc;
}

static int add_entry(struct sos_bundle *b, const char *list, json_t *entry, sos_error *err)
{
    if (!json_is_object(entry)) {
        json_decref(entry);
        return sos_fail(err, "bundle %s: a %s entry must be an object", b->name, list);
    }
    if (json_array_append_new(json_object_get(b->manifest, list), entry) != 0)
        return sos_fail(err, "bundle %s: out of memory", b->name);
    return 0;
}

int sos_bundle_add_command(struct sos_bundle *b, json_t *entry, sos_error *err)
{
    return add_entry(b, "commands", entry, err);
}

int sos_bundle_add_action(struct sos_bundle *b, json_t *entry, sos_error *err)
{
    return add_entry(b, "actions", entry, err);
}

int sos_bundle_close(struct sos_bundle *b, char **path, sos_error *err)
{
    struct sos_sha256 sha;
    char *text = NULL;
    int rc;

    if (path)
        *path = NULL;
    if (b->broken) {
        sos_fail(err, "bundle %s: an earlier write failed", b->name);
        goto fail;
    }
    /* The manifest comes last because it lists every member before it; a
     * reader hashes members as they stream by and compares at the end. */
    if (!(text = json_dumps(b->manifest, JSON_INDENT(2)))) {
        sos_fail(err, "bundle %s: out of memory", b->name);
        goto fail;
    }
    sos_sha256_init(&sha);
    if (put_header(b, SOS_BUNDLE_MANIFEST, strlen(text), 0600, time(NULL), err) != 0 ||
        put_data(b, SOS_BUNDLE_MANIFEST, text, strlen(text), &sha, err) != 0)
        goto fail;
    rc = archive_write_close(b->a);
    if (rc != ARCHIVE_OK) {
        sos_fail(err, "bundle %s: %s", b->name, archive_error_string(b->a));
        goto fail;
    }
    if (fsync(b->fd) != 0 || close(b->fd) != 0) {
        b->fd = -1;
        sos_fail(err, "bundle %s: %s", b->name, strerror(errno));
        goto fail;
    }
    b->fd = -1;
    /* link, not rename: an existing bundle of that name is never replaced */
    if (linkat(b->dirfd, b->tmp, b->dirfd, b->name, 0) != 0) {
        sos_fail(err, "bundle %s/%s: %s", b->dir, b->name, strerror(errno));
        goto fail;
    }
    unlinkat(b->dirfd, b->tmp, 0);
    free(b->tmp);
    b->tmp = NULL;
    if (fsync(b->dirfd) != 0) {
        sos_fail(err, "bundle %s: syncing %s: %s", b->name, b->dir, strerror(errno));
        unlinkat(b->dirfd, b->name, 0);
        goto fail;
    }
    if (path && asprintf(path, "%s/%s", b->dir, b->name) < 0)
        *path = NULL;
    free(text);
    bundle_free(b);
    return 0;
fail:
    free(text);
    bundle_free(b);
    return -1;
}

/* ---- The read-back scan -------------------------------------------------- */

/* How far one scan window reaches back into the previous one, so that a
 * secret across a chunk boundary is seen whole (a PEM key fits). */
#define SCAN_OVERLAP 8192
#define SCAN_CAP (SOS_BUNDLE_CHUNK + 2 * SCAN_OVERLAP)

static int is_ws(char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

/* Whether the redaction filter changes the LEN bytes at T; then the kind
 * of what it removed in KIND. What went through the filter once comes back
 * unchanged (its markers are left alone), so a change is a secret that
 * escaped redaction. */
static int window_hit(const struct sos_redactor *rd, const char *t, size_t len, char *kind,
                      size_t kind_size, int *oom)
{
    size_t out_len = 0, i = 0;
    char *out = sos_redact_text(rd, t, len, &out_len);
    const char *m, *end;

    if (!out) {
        *oom = 1;
        return 1;
    }
    if (out_len == len && memcmp(out, t, len) == 0) {
        free(out);
        return 0;
    }
    while (i < len && i < out_len && out[i] == t[i])
        i++;
    snprintf(kind, kind_size, "secret");
    m = memmem(out + (i >= 10 ? i - 10 : 0), out_len - (i >= 10 ? i - 10 : 0),
               SOS_REDACTED_PREFIX ":", sizeof SOS_REDACTED_PREFIX);
    if (m && (end = memchr(m, '>', out_len - (size_t)(m - out))) && end - m < 64) {
        m += sizeof SOS_REDACTED_PREFIX;
        snprintf(kind, kind_size, "%.*s", (int)(end - m), m);
    }
    free(out);
    return 1;
}

/* Scans one member's data in overlapping windows that start after and end
 * at whitespace where there is some, so no word is cut into a shape. */
static int scan_member(struct archive *a, const struct sos_redactor *rd, char *buf,
                       char *kind, size_t kind_size, int *oom, int *read_error)
{
    size_t len = 0;

    for (;;) {
        int eof = 0;
        while (len < SCAN_CAP) {
            la_ssize_t n = archive_read_data(a, buf + len, SCAN_CAP - len);
            if (n < 0) {
                *read_error = 1;
                return 1;
            }
            if (n == 0) {
                eof = 1;
                break;
            }
            len += (size_t)n;
        }
        if (eof)
            return len ? window_hit(rd, buf, len, kind, kind_size, oom) : 0;
        {
            size_t end = len, start;
            for (size_t i = len; i > len - SCAN_OVERLAP; i--)
                if (is_ws(buf[i - 1])) {
                    end = i;
                    break;
                }
            if (window_hit(rd, buf, end, kind, kind_size, oom))
                return 1;
            start = end - SCAN_OVERLAP;
            for (size_t i = start; i < end; i++)
                if (is_ws(buf[i])) {
                    start = i + 1;
                    break;
                }
            memmove(buf, buf + start, len - start);
            len -= start;
        }
    }
}

int sos_bundle_scan(const char *path, const char *const *secrets, size_t n, sos_error *err)
{
    struct sos_redactor *rd = sos_redactor_new(secrets, n);
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    char *buf = malloc(SCAN_CAP), kind[64], *name = NULL;
    int rc = 0, r, oom = 0, read_error = 0;

    if (!rd || !a || !buf) {
        rc = sos_fail(err, "scanning bundle %s: out of memory", path);
        goto out;
    }
    archive_read_support_filter_zstd(a);
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_none(a);
    archive_read_support_format_tar(a);
    if (archive_read_open_filename(a, path, SOS_BUNDLE_CHUNK) != ARCHIVE_OK) {
        rc = sos_fail(err, "scanning bundle %s: %s", path, archive_error_string(a));
        goto out;
    }
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        const char *member = archive_entry_pathname(e);
        free(name);
        name = strdup(member ? member : "");
        if (!name) {
            oom = 1;
            break;
        }
        if (window_hit(rd, name, strlen(name), kind, sizeof kind, &oom)) {
            if (!oom)
                rc = sos_fail(err, "bundle %s: a member's name holds a secret (%s)", path, kind);
            break;
        }
        /* the test seam: a hit, as a secret that escaped the filter is */
        if (getenv("SOURCEOS_TEST_SCAN_HIT")) {
            rc = sos_fail(err, "bundle %s: member %s holds a secret (SOURCEOS_TEST_SCAN_HIT)",
                          path, name);
            break;
        }
        if (scan_member(a, rd, buf, kind, sizeof kind, &oom, &read_error)) {
            if (!oom && !read_error)
                rc = sos_fail(err, "bundle %s: member %s holds a secret (%s)", path, name, kind);
            break;
        }
    }
    if (oom)
        rc = sos_fail(err, "scanning bundle %s: out of memory", path);
    else if (read_error || (rc == 0 && r != ARCHIVE_EOF))
        rc = sos_fail(err, "scanning bundle %s: %s", path, archive_error_string(a));
out:
    if (rc != 0) {
        /* never ship what could not be shown clean */
        unlink(path);
        if (err && strlen(err->msg) + 26 < sizeof err->msg)
            strcat(err->msg, "; the bundle was deleted");
    }
    free(name);
    free(buf);
    if (a)
        archive_read_free(a);
    sos_redactor_free(rd);
    return rc;
}

int sos_bundle_set(struct sos_bundle *b, const char *key, json_t *value, sos_error *err)
{
    static const char *const own[] = {"format_version", "tool_version", "host", "agent",
                                      "captured", "members", "commands", "actions", NULL};
    for (size_t i = 0; own[i]; i++)
        if (strcmp(own[i], key) == 0) {
            json_decref(value);
            return sos_fail(err, "bundle %s: the manifest's %s is the writer's", b->name, key);
        }
    if (!value || json_object_set_new(b->manifest, key, value) != 0)
        return sos_fail(err, "bundle %s: out of memory", b->name);
    return 0;
}

int sos_bundle_set_owner(struct sos_bundle *b, const char *name, json_t *owner, sos_error *err)
{
    size_t i;
    json_t *m;
    json_array_foreach(b->members, i, m)
        if (strcmp(json_string_value(json_object_get(m, "name")), name) == 0) {
            if (!owner || json_object_set_new(m, "owner", owner) != 0)
                return sos_fail(err, "bundle %s: out of memory", b->name);
            return 0;
        }
    json_decref(owner);
    return sos_fail(err, "bundle %s: no member %s", b->name, name);
}

/* ".NAME.XXXXXX" with NAME a bundle's name (it ends in .tar, .tar.gz or
 * .tar.zst). */
static int is_temporary(const char *n)
{
    size_t len = strlen(n);
    const char *suffix = len > 8 ? n + len - 7 : NULL;
    if (n[0] != '.' || !suffix || suffix[0] != '.')
        return 0;
    for (const char *p = suffix + 1; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            return 0;
    return strstr(n, ".tar.") != NULL && strstr(n, ".tar.") < suffix + 1;
}

int sos_bundle_clean_stale(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int removed = 0;
    if (!d)
        return 0;
    while ((e = readdir(d))) {
        struct stat st;
        int fd;
        if (!is_temporary(e->d_name))
            continue;
        fd = openat(dirfd(d), e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
            continue;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
            flock(fd, LOCK_EX | LOCK_NB) == 0 && unlinkat(dirfd(d), e->d_name, 0) == 0)
            removed++;
        close(fd);
    }
    closedir(d);
    return removed;
}
