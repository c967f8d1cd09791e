#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "bundle_read.h"
#include "sha256.h"
#include "signals.h"

void sos_bundle_check_free(struct sos_bundle_check *c)
{
    for (size_t i = 0; i < c->n_seen; i++)
        free(c->seen[i].name);
    for (size_t i = 0; i < c->n_problems; i++) {
        free(c->problems[i].member);
        free(c->problems[i].detail);
    }
    free(c->seen);
    free(c->problems);
    json_decref(c->manifest);
    memset(c, 0, sizeof *c);
}

static int problem(struct sos_bundle_check *c, const char *kind, const char *member,
                   const char *format, ...) __attribute__((format(printf, 4, 5)));
static int problem(struct sos_bundle_check *c, const char *kind, const char *member,
                   const char *format, ...)
{
    struct sos_bundle_problem *p = realloc(c->problems, (c->n_problems + 1) * sizeof *p);
    va_list ap;
    char *detail = NULL;
    int n;

    if (!p)
        return -1;
    c->problems = p;
    va_start(ap, format);
    n = vasprintf(&detail, format, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    p += c->n_problems++;
    p->kind = kind;
    p->member = member ? strdup(member) : NULL;
    p->detail = detail;
    return 0;
}

/* ---- The manifest's shape ------------------------------------------------ */

static int only_keys(const json_t *o, const char *const *keys, char *why, size_t size,
                     const char *where)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        size_t i = 0;
        while (keys[i] && strcmp(keys[i], k) != 0)
            i++;
        if (!keys[i]) {
            snprintf(why, size, "%s has an unknown key '%.64s'", where, k);
            return 0;
        }
    }
    return 1;
}

static int is_hex64(const char *s)
{
    size_t i = 0;
    for (; s[i]; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return i == 64;
}

static int member_valid(const json_t *m, size_t i, json_t *names, char *why, size_t size)
{
    static const char *const keys[] = {"name", "size", "mode", "mtime", "sha256", "source",
                                       "truncated", "original_size", "redacted", "owner", NULL};
    char where[32];
    const json_t *name = json_object_get(m, "name"), *sz = json_object_get(m, "size"),
                 *mode = json_object_get(m, "mode"), *orig = json_object_get(m, "original_size"),
                 *sha = json_object_get(m, "sha256"), *src = json_object_get(m, "source");

    snprintf(where, sizeof where, "members[%zu]", i);
    if (!json_is_object(m)) {
        snprintf(why, size, "%s is not an object", where);
        return 0;
    }
    if (!only_keys(m, keys, why, size, where))
        return 0;
    if (!json_is_string(name) || !sos_bundle_name_valid(json_string_value(name)) ||
        strcmp(json_string_value(name), SOS_BUNDLE_MANIFEST) == 0) {
        snprintf(why, size, "%s.name is not a safe member name", where);
        return 0;
    }
    if (json_object_get(names, json_string_value(name))) {
        snprintf(why, size, "%s.name %s is listed twice", where, json_string_value(name));
        return 0;
    }
    json_object_set_new(names, json_string_value(name), json_integer((json_int_t)i));
    if (!json_is_integer(sz) || json_integer_value(sz) < 0 || !json_is_integer(orig) ||
        json_integer_value(orig) < json_integer_value(sz) || !json_is_integer(mode) ||
        json_integer_value(mode) < 0 || json_integer_value(mode) > 07777 ||
        !json_is_integer(json_object_get(m, "mtime"))) {
        snprintf(why, size, "%s: size, original_size, mode and mtime must be integers "
                            "(size <= original_size, mode <= 07777)", where);
        return 0;
    }
    if (!json_is_string(sha) || !is_hex64(json_string_value(sha))) {
        snprintf(why, size, "%s.sha256 is not 64 lower-case hex digits", where);
        return 0;
    }
    if ((src && !json_is_string(src)) || !json_is_boolean(json_object_get(m, "truncated")) ||
        !json_is_boolean(json_object_get(m, "redacted"))) {
        snprintf(why, size, "%s: source must be a string, truncated and redacted booleans",
                 where);
        return 0;
    }
    return 1;
}

/* ---- What a replay needs (capture.h): root, paths, report, host_facts ---- */

/* A host path a replay recreates under its tree: "/" or "/" followed by a
 * safe member name (no "..", ".", empty segment or control character). */
static int host_path_valid(const char *p)
{
    return p && p[0] == '/' && (p[1] == '\0' || sos_bundle_name_valid(p + 1));
}

/* A string of at most MAX bytes without NUL or newline (a symlink target,
 * the root of the capture). */
static int plain_string(const json_t *v, size_t max)
{
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    return s && len > 0 && len <= max && strlen(s) == len && !strchr(s, '\n');
}

static int path_entry_valid(const json_t *e, size_t i, const json_t *names, char *why,
                            size_t size)
{
    static const char *const keys[] = {"path", "type", "target", "member", "mode", "error",
                                       "uid", "gid", NULL};
    static const char *const types[] = {"file", "dir", "symlink", "missing", "unreadable", "other",
                                        NULL};
    const char *path = json_string_value(json_object_get(e, "path"));
    const char *type = json_string_value(json_object_get(e, "type"));
    const json_t *target = json_object_get(e, "target"), *member = json_object_get(e, "member");
    char where[32];
    size_t t = 0;
    int is_link;

    snprintf(where, sizeof where, "paths[%zu]", i);
    if (!json_is_object(e)) {
        snprintf(why, size, "%s is not an object", where);
        return 0;
    }
    if (!only_keys(e, keys, why, size, where))
        return 0;
    if (!host_path_valid(path)) {
        snprintf(why, size, "%s.path is not an absolute path of safe segments", where);
        return 0;
    }
    while (types[t] && (!type || strcmp(types[t], type) != 0))
        t++;
    if (!types[t]) {
        snprintf(why, size, "%s.type is not file, dir, symlink, missing, unreadable or other",
                 where);
        return 0;
    }
    is_link = strcmp(type, "symlink") == 0;
    if (is_link != (target != NULL) || (target && !plain_string(target, 4095)) ||
        (is_link && strcmp(path, "/") == 0)) {
        snprintf(why, size, "%s: a symlink (and only a symlink) has a target, a path of "
                            "at most 4095 bytes", where);
        return 0;
    }
    if ((json_object_get(e, "mode") && !json_is_integer(json_object_get(e, "mode"))) ||
        (json_object_get(e, "error") && !json_is_integer(json_object_get(e, "error")))) {
        snprintf(why, size, "%s: mode and error are integers", where);
        return 0;
    }
    for (size_t k = 0; k < 2; k++) {
        const json_t *id = json_object_get(e, k ? "gid" : "uid");
        if (id && (!json_is_integer(id) || json_integer_value(id) < 0)) {
            snprintf(why, size, "%s.%s is not a non-negative integer", where, k ? "gid" : "uid");
            return 0;
        }
    }
    if (member && (strcmp(type, "file") != 0 || !json_is_string(member) ||
                   !json_object_get(names, json_string_value(member)))) {
        snprintf(why, size, "%s.member is not one of the members (only a file has one)",
                 where);
        return 0;
    }
    return 1;
}

/* host_facts: the report's host object (report.schema.json). */
static int host_facts_valid(const json_t *host, char *why, size_t size)
{
    static const char *const keys[] = {"os",       "os_name", "os_version", "arch", "kernel",
                                       "hostname", "wsl",     "container",  "root", NULL};
    const char *k;
    json_t *v;
    if (!host)
        return 1;
    if (!json_is_object(host)) {
        snprintf(why, size, "host_facts is not an object");
        return 0;
    }
    if (!only_keys(host, keys, why, size, "host_facts"))
        return 0;
    json_object_foreach((json_t *)host, k, v) {
        int flag = !strcmp(k, "wsl") || !strcmp(k, "container") || !strcmp(k, "root");
        if (flag ? !(json_is_boolean(v) || (!strcmp(k, "wsl") && json_is_integer(v) &&
                                           json_integer_value(v) >= 0 &&
                                           json_integer_value(v) <= 2))
                 : !json_is_string(v)) {
            snprintf(why, size, "host_facts.%s is not a %s", k, flag ? "boolean" : "string");
            return 0;
        }
    }
    return 1;
}

static int replay_fields_valid(const json_t *doc, const json_t *names, char *why, size_t size)
{
    const json_t *root = json_object_get(doc, "root"), *paths = json_object_get(doc, "paths"),
                 *report = json_object_get(doc, "report");
    static const char *const report_keys[] = {"command", "agent", NULL};
    static const char *const lists[] = {"env", "homes", NULL};
    const json_t *agent = json_object_get(report, "agent");
    if (!host_facts_valid(json_object_get(doc, "host_facts"), why, size))
        return 0;
    for (size_t i = 0; lists[i]; i++) {
        const json_t *l = json_object_get(doc, lists[i]), *e;
        size_t j;
        if (l && !json_is_array(l)) {
            snprintf(why, size, "%s is not an array", lists[i]);
            return 0;
        }
        json_array_foreach(l, j, e)
            if (!json_is_object(e)) {
                snprintf(why, size, "%s[%zu] is not an object", lists[i], j);
                return 0;
            }
    }
    if (root && (!plain_string(root, 4095) || json_string_value(root)[0] != '/')) {
        snprintf(why, size, "root is not an absolute path");
        return 0;
    }
    if (json_object_get(doc, "uid") && (!json_is_integer(json_object_get(doc, "uid")) ||
                                        json_integer_value(json_object_get(doc, "uid")) < 0)) {
        snprintf(why, size, "uid is not a non-negative integer");
        return 0;
    }
    if (report && !json_is_object(report)) {
        snprintf(why, size, "report is not an object");
        return 0;
    }
    if (report && !only_keys(report, report_keys, why, size, "report"))
        return 0;
    if (report && !json_is_string(json_object_get(report, "command"))) {
        snprintf(why, size, "report.command is not a string");
        return 0;
    }
    if (agent && !json_is_string(agent) && !json_is_null(agent)) {
        snprintf(why, size, "report.agent is neither a string nor null");
        return 0;
    }
    if (paths && !json_is_array(paths)) {
        snprintf(why, size, "paths is not an array");
        return 0;
    }
    for (size_t i = 0; i < json_array_size(paths); i++)
        if (!path_entry_valid(json_array_get(paths, i), i, names, why, size))
            return 0;
    return 1;
}

int sos_bundle_manifest_valid(const json_t *doc, char *why, size_t size)
{
    static const char *const keys[] = {"format_version", "tool_version", "host", "agent",
                                       "captured", "members", "commands", "actions",
                                       /* a capture's (capture.h), optional */
                                       "root", "report", "host_facts", "paths", "env",
                                       "homes", "uid", NULL};
    static const char *const strings[] = {"tool_version", "host", "agent", "captured", NULL};
    static const char *const lists[] = {"commands", "actions", NULL};
    const json_t *members = json_object_get(doc, "members");
    json_t *names;
    int ok = 1;

    if (!json_is_object(doc)) {
        snprintf(why, size, "the manifest is not a JSON object");
        return 0;
    }
    if (!only_keys(doc, keys, why, size, "the manifest"))
        return 0;
    if (json_integer_value(json_object_get(doc, "format_version")) != SOS_BUNDLE_FORMAT_VERSION ||
        !json_is_integer(json_object_get(doc, "format_version"))) {
        snprintf(why, size, "format_version is not %d", SOS_BUNDLE_FORMAT_VERSION);
        return 0;
    }
    for (size_t i = 0; strings[i]; i++)
        if (!json_is_string(json_object_get(doc, strings[i]))) {
            snprintf(why, size, "%s is not a string", strings[i]);
            return 0;
        }
    for (size_t i = 0; lists[i]; i++) {
        const json_t *l = json_object_get(doc, lists[i]), *e;
        size_t j;
        if (!json_is_array(l)) {
            snprintf(why, size, "%s is not an array", lists[i]);
            return 0;
        }
        json_array_foreach(l, j, e)
            if (!json_is_object(e)) {
                snprintf(why, size, "%s[%zu] is not an object", lists[i], j);
                return 0;
            }
    }
    if (!json_is_array(members)) {
        snprintf(why, size, "members is not an array");
        return 0;
    }
    if (!(names = json_object())) {
        snprintf(why, size, "out of memory");
        return 0;
    }
    for (size_t i = 0; ok && i < json_array_size(members); i++)
        ok = member_valid(json_array_get(members, i), i, names, why, size);
    if (ok)
        ok = replay_fields_valid(doc, names, why, size);
    json_decref(names);
    return ok;
}

/* ---- The archive --------------------------------------------------------- */

static const char *filter_name(struct archive *a)
{
    switch (archive_filter_code(a, 0)) {
    case ARCHIVE_FILTER_ZSTD:
        return "zstd";
    case ARCHIVE_FILTER_GZIP:
        return "gzip";
    default:
        return "none";
    }
}

static enum sos_bundle_verdict refuse(struct sos_bundle_check *c, const char *path,
                                      const char *format, ...)
    __attribute__((format(printf, 3, 4)));
static enum sos_bundle_verdict refuse(struct sos_bundle_check *c, const char *path,
                                      const char *format, ...)
{
    char why[768];
    va_list ap;
    va_start(ap, format);
    vsnprintf(why, sizeof why, format, ap);
    va_end(ap);
    sos_fail(&c->err, "bundle %s: %s", path, why);
    return c->verdict = SOS_BUNDLE_UNREADABLE;
}

/* Reads the current member's data: hashed, and kept in *KEEP (up to
 * SOS_BUNDLE_MANIFEST_MAX) when KEEP is not NULL. -1 on a read error. */
static int read_data(struct archive *a, char *buf, struct sos_sha256 *sha, uint64_t *got,
                     char **keep, size_t expect)
{
    size_t kept = 0;
    if (keep && !(*keep = malloc(expect + 1)))
        return -1;
    for (;;) {
        la_ssize_t n = archive_read_data(a, buf, SOS_BUNDLE_CHUNK);
        if (n < 0 || sos_signals_caught())
            return -1;
        if (n == 0)
            break;
        sos_sha256_update(sha, buf, (size_t)n);
        *got += (uint64_t)n;
        if (keep) {
            if (kept + (size_t)n > expect)
                return -1;
            memcpy(*keep + kept, buf, (size_t)n);
            kept += (size_t)n;
        }
    }
    if (keep)
        (*keep)[kept] = '\0';
    return 0;
}

static void compare(struct sos_bundle_check *c)
{
    const json_t *members = json_object_get(c->manifest, "members"), *m;
    json_t *listed = json_object();
    size_t i;

    json_array_foreach(members, i, m) {
        const char *name = json_string_value(json_object_get(m, "name"));
        const struct sos_bundle_seen *s = NULL;
        uint64_t size = (uint64_t)json_integer_value(json_object_get(m, "size"));
        const char *sha = json_string_value(json_object_get(m, "sha256"));
        json_object_set_new(listed, name, json_true());
        for (size_t j = 0; j < c->n_seen && !s; j++)
            if (strcmp(c->seen[j].name, name) == 0)
                s = &c->seen[j];
        if (!s)
            problem(c, "missing", name, "listed in the manifest, not in the archive");
        else if (s->size != size)
            problem(c, "size", name, "the manifest says %" PRIu64 " bytes, the archive holds %" PRIu64,
                    size, s->size);
        else if (strcmp(s->sha256, sha) != 0)
            problem(c, "sha256", name, "the manifest says sha256 %s, the archive's is %s", sha,
                    s->sha256);
    }
    for (i = 0; i < c->n_seen; i++)
        if (!json_object_get(listed, c->seen[i].name))
            problem(c, "extra", c->seen[i].name, "in the archive, not listed in the manifest");
    json_decref(listed);
}

enum sos_bundle_verdict sos_bundle_verify(const char *path, const struct sos_bundle_limits *limits,
                                          struct sos_bundle_check *c)
{
    static const struct sos_bundle_limits defaults = {SOS_BUNDLE_MAX_MEMBER, SOS_BUNDLE_MAX_TOTAL,
                                                      SOS_BUNDLE_MAX_MEMBERS};
    const struct sos_bundle_limits *lim = limits ? limits : &defaults;
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    json_t *names = json_object();
    char *buf = malloc(SOS_BUNDLE_CHUNK), *manifest_text = NULL;
    uint64_t total = 0;
    size_t n_entries = 0, manifest_len = 0;
    int r, have_manifest = 0;

    memset(c, 0, sizeof *c);
    c->compression = "none";
    if (!a || !names || !buf) {
        refuse(c, path, "out of memory");
        goto out;
    }
    /* tar only (pax, ustar, GNU), and only the compressions we write */
    archive_read_support_filter_zstd(a);
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_none(a);
    archive_read_support_format_tar(a);
    if (archive_read_open_filename(a, path, SOS_BUNDLE_CHUNK) != ARCHIVE_OK) {
        refuse(c, path, "%s", archive_error_string(a));
        goto out;
    }
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(e);
        la_int64_t size = archive_entry_size(e);
        struct sos_sha256 sha;
        uint64_t got = 0;
        int is_manifest;

        c->compression = filter_name(a);
        if (++n_entries > lim->max_members) {
            refuse(c, path, "more than %zu members", lim->max_members);
            goto out;
        }
        if (!name || !sos_bundle_name_valid(name)) {
            refuse(c, path, "member name '%.200s' is not a safe relative path (absolute, "
                            "'..', empty segment or control character)", name ? name : "");
            goto out;
        }
        if (archive_entry_hardlink(e) || archive_entry_filetype(e) != AE_IFREG) {
            refuse(c, path, "member %s is not a regular file (%s)", name,
                   archive_entry_hardlink(e) ? "a hard link"
                   : archive_entry_filetype(e) == AE_IFLNK ? "a symbolic link"
                   : archive_entry_filetype(e) == AE_IFDIR ? "a directory"
                                                            : "a device, fifo or socket");
            goto out;
        }
        if (json_object_get(names, name)) {
            refuse(c, path, "member %s appears twice", name);
            goto out;
        }
        json_object_set_new(names, name, json_true());
        if (size < 0 || (uint64_t)size > lim->max_member) {
            refuse(c, path, "member %s is %lld bytes, over the cap of %" PRIu64, name,
                   (long long)size, lim->max_member);
            goto out;
        }
        if (total + (uint64_t)size > lim->max_total) {
            refuse(c, path, "the members add up to more than the cap of %" PRIu64 " bytes",
                   lim->max_total);
            goto out;
        }
        is_manifest = strcmp(name, SOS_BUNDLE_MANIFEST) == 0;
        if (is_manifest && (uint64_t)size > SOS_BUNDLE_MANIFEST_MAX) {
            refuse(c, path, "%s is %lld bytes, over its cap of %u", name, (long long)size,
                   SOS_BUNDLE_MANIFEST_MAX);
            goto out;
        }
        sos_sha256_init(&sha);
        if (read_data(a, buf, &sha, &got, is_manifest ? &manifest_text : NULL,
                      (size_t)size) != 0) {
            refuse(c, path, "member %s: %s", name,
                   sos_signals_caught()     ? "interrupted"
                   : archive_error_string(a) ? archive_error_string(a)
                                             : "cannot be read");
            goto out;
        }
        if (got != (uint64_t)size) {
            refuse(c, path, "member %s: %" PRIu64 " bytes where its header says %lld", name,
                   got, (long long)size);
            goto out;
        }
        total += got;
        if (is_manifest) {
            have_manifest = 1;
            manifest_len = (size_t)got;
            sos_sha256_hex(&sha, c->manifest_sha256);
            continue;
        }
        {
            struct sos_bundle_seen *s = realloc(c->seen, (c->n_seen + 1) * sizeof *s);
            if (!s || !(s[c->n_seen].name = strdup(name))) {
                if (s)
                    c->seen = s;
                refuse(c, path, "out of memory");
                goto out;
            }
            c->seen = s;
            s[c->n_seen].size = got;
            sos_sha256_hex(&sha, s[c->n_seen].sha256);
            c->n_seen++;
        }
    }
    if (r != ARCHIVE_EOF) {
        refuse(c, path, "%s", archive_error_string(a) ? archive_error_string(a)
                                                      : "the archive ends early");
        goto out;
    }
    if (n_entries == 0) {
        refuse(c, path, "the archive holds no member");
        goto out;
    }
    c->verdict = SOS_BUNDLE_VERIFIED;
    if (!have_manifest) {
        problem(c, "manifest", SOS_BUNDLE_MANIFEST, "the archive has no manifest.json");
    } else {
        json_error_t jerr;
        char why[256];
        c->manifest = json_loadb(manifest_text, manifest_len, JSON_REJECT_DUPLICATES, &jerr);
        if (!c->manifest)
            problem(c, "manifest", SOS_BUNDLE_MANIFEST, "not valid JSON: %s (line %d)",
                    jerr.text, jerr.line);
        else if (!sos_bundle_manifest_valid(c->manifest, why, sizeof why))
            problem(c, "manifest", SOS_BUNDLE_MANIFEST, "not a valid manifest: %s", why);
        else
            compare(c);
    }
    if (c->n_problems)
        c->verdict = SOS_BUNDLE_TAMPERED;
out:
    free(manifest_text);
    free(buf);
    json_decref(names);
    if (a)
        archive_read_free(a);
    return c->verdict;
}
