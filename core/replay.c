#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checksd.h"
#include "replay.h"
#include "scratch.h"

/* ---- The table ------------------------------------------------------------- */

static void cmd_free(struct sos_replay_cmd *c)
{
    for (size_t i = 0; i < c->argc; i++)
        free(c->argv[i]);
    free(c->argv);
    free(c->check);
    free(c->out);
    free(c->err);
}

void sos_replay_close(struct sos_replay *r)
{
    for (size_t i = 0; i < r->n_cmds; i++)
        cmd_free(&r->cmds[i]);
    free(r->cmds);
    if (r->dir)
        sos_scratch_remove(r->dir);
    free(r->dir);
    free(r->root);
    free(r->capture_root);
    free(r->command);
    free(r->agents_dir);
    sos_homes_free(r->homes, r->n_homes);
    for (size_t i = 0; i < r->n_env; i++) {
        free(r->env[i].name);
        free(r->env[i].value);
    }
    free(r->env);
    for (size_t i = 0; i < r->n_denied; i++)
        free(r->denied[i].path);
    free(r->denied);
    for (size_t i = 0; i < r->n_attrs; i++)
        free(r->attrs[i].path);
    free(r->attrs);
    memset(r, 0, sizeof *r);
}

/* A copy of PATH without its trailing slashes ("/" becomes ""). */
static char *trimmed(const char *path)
{
    size_t len = strlen(path);
    char *t;
    while (len > 0 && path[len - 1] == '/')
        len--;
    if (!(t = malloc(len + 1)))
        return NULL;
    memcpy(t, path, len);
    t[len] = '\0';
    return t;
}

int sos_replay_set_roots(struct sos_replay *r, const char *capture_root, const char *root)
{
    char *c = trimmed(capture_root && *capture_root ? capture_root : "/");
    char *t = trimmed(root);
    if (!c || !t) {
        free(c);
        free(t);
        return -1;
    }
    free(r->capture_root);
    free(r->root);
    r->capture_root = c;
    r->root = t;
    return 0;
}

/* A copy of the JSON string V with its length (NULs and all). */
static char *text_of(const json_t *v, size_t *len)
{
    size_t n = json_string_length(v);
    char *t = malloc(n + 1);
    if (!t)
        return NULL;
    memcpy(t, json_string_value(v), n);
    t[n] = '\0';
    *len = n;
    return t;
}

static int flag_of(const json_t *v)
{
    const char *k;
    json_t *e;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, e)
            if (json_is_true(e))
                return 1;
        return 0;
    }
    return json_is_true(v) || (json_is_integer(v) && json_integer_value(v) != 0);
}

static int int_of(const json_t *o, const char *key, int *out)
{
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < -1 || json_integer_value(v) > 0xffff)
        return -1;
    *out = (int)json_integer_value(v);
    return 0;
}

static int argv_of(const json_t *a, struct sos_replay_cmd *c)
{
    size_t n = json_array_size(a);
    if (!json_is_array(a) || n == 0 || n > 4096 || !(c->argv = calloc(n + 1, sizeof *c->argv)))
        return -1;
    for (size_t i = 0; i < n; i++) {
        const json_t *w = json_array_get(a, i);
        size_t len;
        if (!json_is_string(w) || strlen(json_string_value(w)) != json_string_length(w) ||
            !(c->argv[i] = text_of(w, &len)))
            return -1;
        c->argc++;
    }
    return 0;
}

static int fill(const json_t *j, struct sos_replay_cmd *c, sos_error *err)
{
    const json_t *check = json_object_get(j, "check"), *out = json_object_get(j, "stdout"),
                 *errs = json_object_get(j, "stderr"), *d = json_object_get(j, "duration");
    if (!json_is_object(j))
        return sos_fail(err, "not a JSON object");
    if (argv_of(json_object_get(j, "argv"), c) != 0)
        return sos_fail(err, "argv is not a list of 1 to 4096 strings");
    if (!json_is_integer(json_object_get(j, "exit_status")) ||
        int_of(j, "exit_status", &c->exit_status) != 0 ||
        int_of(j, "term_signal", &c->term_signal) != 0 ||
        int_of(j, "start_errno", &c->start_errno) != 0)
        return sos_fail(err, "exit_status, term_signal and start_errno must be small integers "
                             "(exit_status is required)");
    if ((check && !json_is_null(check) && !json_is_string(check)) ||
        (out && !json_is_string(out)) || (errs && !json_is_string(errs)) ||
        (d && !(json_is_number(d) && json_number_value(d) >= 0)))
        return sos_fail(err, "check, stdout and stderr must be strings, duration a number");
    c->timed_out = flag_of(json_object_get(j, "timed_out"));
    c->not_started = flag_of(json_object_get(j, "not_started"));
    c->truncated = flag_of(json_object_get(j, "truncated"));
    c->duration = d ? json_number_value(d) : 0;
    if ((json_is_string(check) && !(c->check = strdup(json_string_value(check)))) ||
        !(c->out = out ? text_of(out, &c->out_len) : strdup("")) ||
        !(c->err = errs ? text_of(errs, &c->err_len) : strdup("")))
        return sos_fail(err, "out of memory");
    return 0;
}

int sos_replay_add_json(struct sos_replay *r, const json_t *j, sos_error *err)
{
    struct sos_replay_cmd c, *grown;
    memset(&c, 0, sizeof c);
    if (fill(j, &c, err) != 0) {
        cmd_free(&c);
        return -1;
    }
    if (!(grown = realloc(r->cmds, (r->n_cmds + 1) * sizeof *grown))) {
        cmd_free(&c);
        return sos_fail(err, "out of memory");
    }
    r->cmds = grown;
    r->cmds[r->n_cmds++] = c;
    return 0;
}

/* ---- Matching -------------------------------------------------------------- */

/* Whether the captured word C answers the asked word W: the same, or the
 * same once the capture's root prefix is swapped for the replay's tree. */
static int word_matches(const struct sos_replay *r, const char *c, const char *w)
{
    size_t cl, rl;
    if (strcmp(c, w) == 0)
        return 1;
    if (!r->capture_root || !r->root)
        return 0;
    cl = strlen(r->capture_root);
    rl = strlen(r->root);
    if (strncmp(c, r->capture_root, cl) != 0 || (c[cl] != '/' && c[cl] != '\0'))
        return 0;
    if (cl == 0 && c[0] != '/')
        return 0; /* "/": absolute words only */
    return strncmp(w, r->root, rl) == 0 && strcmp(w + rl, c + cl) == 0;
}

static int argv_matches(const struct sos_replay *r, const struct sos_replay_cmd *c,
                        const char *const argv[])
{
    size_t i = 0;
    for (; i < c->argc; i++)
        if (!argv[i] || !word_matches(r, c->argv[i], argv[i]))
            return 0;
    return argv[i] == NULL;
}

static int is_own(const struct sos_replay_cmd *c, const char *check)
{
    return check && c->check && strcmp(c->check, check) == 0;
}

const struct sos_replay_cmd *sos_replay_match(const struct sos_replay *r, const char *check,
                                              const char *const argv[],
                                              struct sos_replay_cursor *cur)
{
    size_t first = SIZE_MAX, n = 0, k, seen = 0, last = 0;
    int own = 0;

    if (!r || !argv || !argv[0])
        return NULL;
    for (size_t i = 0; i < r->n_cmds && !own; i++)
        own = is_own(&r->cmds[i], check) && argv_matches(r, &r->cmds[i], argv);
    for (size_t i = 0; i < r->n_cmds; i++)
        if ((!own || is_own(&r->cmds[i], check)) && argv_matches(r, &r->cmds[i], argv)) {
            if (first == SIZE_MAX)
                first = i;
            n++;
        }
    if (n == 0)
        return NULL;
    if (!cur->uses && !(cur->uses = calloc(r->n_cmds, sizeof *cur->uses)))
        return NULL;
    k = cur->uses[first]++;
    for (size_t i = first; i < r->n_cmds; i++)
        if ((!own || is_own(&r->cmds[i], check)) && argv_matches(r, &r->cmds[i], argv)) {
            last = i;
            if (seen++ == k)
                return &r->cmds[i];
        }
    return &r->cmds[last];
}

void sos_replay_cursor_free(struct sos_replay_cursor *cur)
{
    free(cur->uses);
    cur->uses = NULL;
}

/* ---- Host facts ------------------------------------------------------------ */

static void copy_fact(char *dst, size_t size, const json_t *host, const char *key)
{
    const char *v = json_string_value(json_object_get(host, key));
    snprintf(dst, size, "%.*s", (int)size - 1, v && *v ? v : "unknown");
}

int sos_replay_host_from_json(const json_t *host, struct sos_host *h)
{
    static const struct {
        const char *name;
        unsigned mask;
    } oses[] = {{"macos", SOS_OS_MACOS}, {"linux", SOS_OS_LINUX},
                {"windows", SOS_OS_WINDOWS}, {"wsl", SOS_OS_WSL}};
    const json_t *wsl = json_object_get(host, "wsl");
    if (!json_is_object(host))
        return -1;
    memset(h, 0, sizeof *h);
    copy_fact(h->os, sizeof h->os, host, "os");
    copy_fact(h->os_name, sizeof h->os_name, host, "os_name");
    copy_fact(h->os_version, sizeof h->os_version, host, "os_version");
    copy_fact(h->arch, sizeof h->arch, host, "arch");
    copy_fact(h->kernel, sizeof h->kernel, host, "kernel");
    copy_fact(h->hostname, sizeof h->hostname, host, "hostname");
    for (size_t i = 0; i < sizeof oses / sizeof oses[0]; i++)
        if (strcmp(h->os, oses[i].name) == 0)
            h->os_mask = oses[i].mask;
    h->wsl = json_is_integer(wsl) ? (int)json_integer_value(wsl) : json_is_true(wsl);
    h->container = json_is_true(json_object_get(host, "container"));
    h->root = json_is_true(json_object_get(host, "root"));
    return 0;
}

/* ---- Opening a bundle ------------------------------------------------------ */

/* The JSON document in the file PATH (ours: the private tree), at most MAX
 * bytes; NULL with ERR. */
static json_t *load_file(const char *path, size_t max, size_t *size, sos_error *err)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    json_error_t jerr;
    struct stat st;
    json_t *doc = NULL;
    char *text = NULL;
    size_t got = 0;

    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        sos_fail(err, "cannot be read: %s", fd < 0 ? strerror(errno) : "not a file");
        goto out;
    }
    if ((uint64_t)st.st_size > max) {
        sos_fail(err, "is %lld bytes, over the cap of %zu", (long long)st.st_size, max);
        goto out;
    }
    if (!(text = malloc((size_t)st.st_size + 1))) {
        sos_fail(err, "out of memory");
        goto out;
    }
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, text + got, (size_t)st.st_size - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    *size = got;
    if (!(doc = json_loadb(text, got, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr)))
        sos_fail(err, "is not JSON: %s (line %d)", jerr.text, jerr.line);
out:
    if (fd >= 0)
        close(fd);
    free(text);
    return doc;
}

/* NNN of a member named "commands/NNN.json"; -1 for any other name. */
static long command_number(const char *name)
{
    const char *p = name + strlen("commands/");
    char *end;
    long n;
    if (strncmp(name, "commands/", strlen("commands/")) != 0 || *p < '0' || *p > '9')
        return -1;
    n = strtol(p, &end, 10);
    return strcmp(end, ".json") == 0 && n >= 0 ? n : -1;
}

struct numbered {
    long n;
    const char *name;
};

static int by_number(const void *a, const void *b)
{
    const struct numbered *x = a, *y = b;
    return x->n < y->n ? -1 : x->n > y->n ? 1 : strcmp(x->name, y->name);
}

/* Every commands/NNN.json member of the manifest, in the order NNN says
 * they ran, into the table. */
static int load_commands(struct sos_replay *r, const char *top, const json_t *manifest,
                         sos_error *err)
{
    const json_t *members = json_object_get(manifest, "members"), *m;
    struct numbered *list = calloc(json_array_size(members) + 1, sizeof *list);
    size_t i, n = 0;
    int rc = 0;

    if (!list)
        return sos_fail(err, "out of memory");
    json_array_foreach(members, i, m) {
        const char *name = json_string_value(json_object_get(m, "name"));
        long k = command_number(name);
        if (k >= 0)
            list[n++] = (struct numbered){k, name};
    }
    qsort(list, n, sizeof *list, by_number);
    for (i = 0; rc == 0 && i < n; i++) {
        char *path = NULL;
        size_t size = 0;
        json_t *doc = NULL;
        if (asprintf(&path, "%s/%s", top, list[i].name) < 0)
            path = NULL;
        if (!path)
            rc = sos_fail(err, "out of memory");
        else if (!(doc = load_file(path, SOS_REPLAY_COMMAND_MAX, &size, err)) ||
                 sos_replay_add_json(r, doc, err) != 0)
            rc = sos_wrap(err, "bundle member %s", list[i].name);
        else if ((r->n_bytes += size) > SOS_REPLAY_COMMANDS_MAX)
            rc = sos_fail(err, "the bundle's commands add up to more than %u bytes",
                          SOS_REPLAY_COMMANDS_MAX);
        json_decref(doc);
        free(path);
    }
    free(list);
    return rc;
}

/* The host facts the capture recorded: the manifest's "host_facts", else
 * the host of report.json (the report at capture), else what the tree says
 * with the manifest's hostname. */
static void load_host_facts(struct sos_replay *r, const char *top, const json_t *manifest)
{
    const json_t *host = json_object_get(manifest, "host_facts"),
                 *name = json_object_get(manifest, "host");
    char *path = NULL;
    sos_error ignored;
    size_t size;
    json_t *report = NULL;

    if (sos_replay_host_from_json(host, &r->host) == 0)
        return;
    if (asprintf(&path, "%s/report.json", top) >= 0 &&
        (report = load_file(path, SOS_BUNDLE_MANIFEST_MAX, &size, &ignored)) &&
        sos_replay_host_from_json(json_object_get(report, "host"), &r->host) == 0) {
        json_decref(report);
        free(path);
        return;
    }
    json_decref(report);
    free(path);
    sos_host_detect(r->root, &r->host);
    if (json_is_string(name))
        snprintf(r->host.hostname, sizeof r->host.hostname, "%s", json_string_value(name));
}

/* The facts, and whose run it was: a check that compares an owner with the
 * invoking user, or tells this machine's files from a tree's, answers as it
 * did at capture (not as the analyst's uid, or as a tree: the bundle's
 * tree is where a live capture's files are, not what they were). */
static void load_host(struct sos_replay *r, const char *top, const json_t *manifest)
{
    const json_t *uid = json_object_get(manifest, "uid");
    load_host_facts(r, top, manifest);
    r->host.uid = json_is_integer(uid) && json_integer_value(uid) >= 0
                      ? (long)json_integer_value(uid) : -1;
    r->host.tree = r->capture_root && *r->capture_root;
}

/* The manifest's homes and variables: what the checks saw at capture,
 * where this machine's HOME and environment would mislead them. */
static int load_homes_env(struct sos_replay *r, const json_t *manifest)
{
    const json_t *homes = json_object_get(manifest, "homes"), *env = json_object_get(manifest, "env");
    const json_t *e;
    size_t i;
    if ((r->has_homes = json_is_array(homes)) &&
        !(r->homes = calloc(json_array_size(homes) + 1, sizeof *r->homes)))
        return -1;
    json_array_foreach(homes, i, e) {
        const char *user = json_string_value(json_object_get(e, "user"));
        const char *path = json_string_value(json_object_get(e, "path"));
        if (!user || !path)
            continue;
        if (!(r->homes[r->n_homes].user = strdup(user)) ||
            !(r->homes[r->n_homes].path = strdup(path))) {
            r->n_homes++;
            return -1;
        }
        r->n_homes++;
    }
    if ((r->has_env = json_is_array(env)) &&
        !(r->env = calloc(json_array_size(env) + 1, sizeof *r->env)))
        return -1;
    json_array_foreach(env, i, e) {
        const char *name = json_string_value(json_object_get(e, "name"));
        const char *value = json_string_value(json_object_get(e, "value"));
        if (!name)
            continue;
        r->env[r->n_env].name = strdup(name);
        r->env[r->n_env].value = value ? strdup(value) : NULL;
        if (!r->env[r->n_env++].name || (value && !r->env[r->n_env - 1].value))
            return -1;
    }
    return 0;
}

static int load_agents_dir(struct sos_replay *r, const char *top)
{
    struct stat st;
    char *dir = NULL;
    if (asprintf(&dir, "%s/config/agents.d", top) < 0)
        return -1;
    if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        dir[strlen(dir) - strlen("/agents.d")] = '\0';
    else {
        free(dir);
        dir = NULL;
    }
    r->agents_dir = dir;
    return 0;
}

static int load_denied(struct sos_replay *r, const json_t *manifest)
{
    const json_t *paths = json_object_get(manifest, "paths"), *e;
    size_t i;
    if (!json_array_size(paths))
        return 0;
    if (!(r->denied = calloc(json_array_size(paths), sizeof *r->denied)))
        return -1;
    json_array_foreach(paths, i, e) {
        const char *path = json_string_value(json_object_get(e, "path"));
        const char *type = json_string_value(json_object_get(e, "type"));
        json_int_t error = json_integer_value(json_object_get(e, "error"));
        if (!path || !type || strcmp(type, "unreadable") != 0 || error <= 0 || error > 4095)
            continue;
        if (!(r->denied[r->n_denied].path = strdup(path)))
            return -1;
        r->denied[r->n_denied++].error = (int)error;
    }
    return 0;
}

/* The "paths" entries with an owner: files, directories, symlinks. */
static int load_attrs(struct sos_replay *r, const json_t *manifest)
{
    const json_t *paths = json_object_get(manifest, "paths"), *e;
    size_t i;
    if (!json_array_size(paths))
        return 0;
    if (!(r->attrs = calloc(json_array_size(paths), sizeof *r->attrs)))
        return -1;
    json_array_foreach(paths, i, e) {
        const char *path = json_string_value(json_object_get(e, "path"));
        const json_t *uid = json_object_get(e, "uid"), *gid = json_object_get(e, "gid"),
                     *mode = json_object_get(e, "mode");
        struct sos_replay_attrs *a = &r->attrs[r->n_attrs];
        if (!path || !json_is_integer(uid) || !json_is_integer(gid) ||
            json_integer_value(uid) < 0 || json_integer_value(gid) < 0)
            continue;
        if (!(a->path = strdup(path)))
            return -1;
        a->uid = (uid_t)json_integer_value(uid);
        a->gid = (gid_t)json_integer_value(gid);
        a->mode = json_is_integer(mode) ? (mode_t)(json_integer_value(mode) & 07777) : (mode_t)-1;
        r->n_attrs++;
    }
    return 0;
}

int sos_replay_attrs(const struct sos_replay *r, const char *path, uid_t *uid, gid_t *gid,
                     mode_t *mode)
{
    for (size_t i = 0; r && path && i < r->n_attrs; i++)
        if (strcmp(r->attrs[i].path, path) == 0) {
            *uid = r->attrs[i].uid;
            *gid = r->attrs[i].gid;
            *mode = r->attrs[i].mode;
            return 1;
        }
    return 0;
}

int sos_replay_denied(const struct sos_replay *r, const char *path)
{
    for (size_t i = 0; r && path && i < r->n_denied; i++) {
        const struct sos_replay_denied *d = &r->denied[i];
        size_t n = strlen(d->path);
        if (strcmp(path, d->path) == 0)
            return -d->error;
        if (d->error == EACCES && strncmp(path, d->path, n) == 0 &&
            (path[n] == '/' || strcmp(d->path, "/") == 0))
            return -EACCES;
    }
    return 0;
}

const char *sos_replay_getenv(const struct sos_replay *r, const char *name)
{
    for (size_t i = 0; r && name && i < r->n_env; i++)
        if (strcmp(r->env[i].name, name) == 0)
            return r->env[i].value;
    return NULL;
}

int sos_replay_homes(const struct sos_replay *r, struct sos_home **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!r->has_homes)
        return 0;
    if (!(*out = calloc(r->n_homes + 1, sizeof **out)))
        return -1;
    for (; *n < r->n_homes; (*n)++)
        if (!((*out)[*n].user = strdup(r->homes[*n].user)) ||
            !((*out)[*n].path = strdup(r->homes[*n].path))) {
            sos_homes_free(*out, *n + 1);
            *out = NULL;
            *n = 0;
            return -1;
        }
    return 1;
}

static int load(struct sos_replay *r, const char *top, const json_t *manifest, sos_error *err)
{
    const json_t *root = json_object_get(manifest, "root");
    const char *command = json_string_value(json_object_get(json_object_get(manifest, "report"),
                                                            "command"));
    char *tree = NULL;
    int rc;

    if (asprintf(&tree, "%s/root", top) < 0)
        return sos_fail(err, "out of memory");
    /* a bundle with no file under root/ still has a tree to read */
    if (mkdir(tree, 0755) != 0 && errno != EEXIST) {
        rc = sos_fail(err, "%s: %s", tree, strerror(errno));
        free(tree);
        return rc;
    }
    rc = sos_replay_set_roots(r, json_string_value(root), tree);
    free(tree);
    if (rc != 0 || (command && !(r->command = strdup(command))))
        return sos_fail(err, "out of memory");
    load_host(r, top, manifest);
    if (load_homes_env(r, manifest) != 0 || load_denied(r, manifest) != 0 ||
        load_attrs(r, manifest) != 0 ||
        load_agents_dir(r, top) != 0)
        return sos_fail(err, "out of memory");
    return load_commands(r, top, manifest, err);
}

int sos_replay_open(struct sos_replay *r, const char *bundle, struct sos_extract *x,
                    sos_error *err)
{
    char *top = NULL;

    memset(r, 0, sizeof *r);
    memset(x, 0, sizeof *x);
    if (!(r->dir = sos_scratch_make("sourceos-replay", err)))
        return -1;
    if (asprintf(&top, "%s/bundle", r->dir) < 0) {
        sos_replay_close(r);
        return sos_fail(err, "out of memory");
    }
    if (sos_bundle_extract(bundle, top, NULL, SOS_EXTRACT_SYMLINKS | SOS_EXTRACT_KEEP_MODES | SOS_EXTRACT_OWNERS, x) != SOS_EXTRACT_DONE) {
        *err = x->err;
    } else if (load(r, top, x->check.manifest, err) == 0) {
        free(top);
        return 0;
    }
    free(top);
    sos_replay_close(r);
    return -1;
}
