/* The podman command-line reader and the image classifier (podman_cmd.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "podman_cmd.h"

/* One option: its long name, its one-letter form (0: none), and whether it
 * takes a value. pflag (which podman and docker use) reads a value as
 * `--name value`, `--name=value`, `-x value`, `-xvalue` or `-x=value`. */
struct option_spec {
    const char *name;
    char letter;
    int takes_value;
};

#define VALUE 1
#define FLAG 0

/* `run` and `create` of podman 4.x (`podman run --help` of 4.3) and 5.x
 * (--gpus, --hosts-file, --no-hostname, --preserve-fd, --rdt-class,
 * --retry, --retry-delay, --health-startup-*, --health-log-destination,
 * --health-max-log-*), their hidden aliases (--net, --override-*), and
 * docker run's own (--link, --isolation, --runtime ...). One table: the
 * same spelling never takes a value in one and not in another. */
static const struct option_spec run_options[] = {
    {"add-host", 0, VALUE}, {"annotation", 0, VALUE}, {"arch", 0, VALUE},
    {"attach", 'a', VALUE}, {"authfile", 0, VALUE}, {"blkio-weight", 0, VALUE},
    {"blkio-weight-device", 0, VALUE}, {"cap-add", 0, VALUE}, {"cap-drop", 0, VALUE},
    {"cgroup-conf", 0, VALUE}, {"cgroup-parent", 0, VALUE}, {"cgroupns", 0, VALUE},
    {"cgroups", 0, VALUE}, {"chrootdirs", 0, VALUE}, {"cidfile", 0, VALUE},
    {"conmon-pidfile", 0, VALUE}, {"cpu-count", 0, VALUE}, {"cpu-percent", 0, VALUE},
    {"cpu-period", 0, VALUE}, {"cpu-quota", 0, VALUE}, {"cpu-rt-period", 0, VALUE},
    {"cpu-rt-runtime", 0, VALUE}, {"cpu-shares", 'c', VALUE}, {"cpus", 0, VALUE},
    {"cpuset-cpus", 0, VALUE}, {"cpuset-mems", 0, VALUE}, {"decryption-key", 0, VALUE},
    {"detach-keys", 0, VALUE}, {"device", 0, VALUE}, {"device-cgroup-rule", 0, VALUE},
    {"device-read-bps", 0, VALUE}, {"device-read-iops", 0, VALUE},
    {"device-write-bps", 0, VALUE}, {"device-write-iops", 0, VALUE},
    {"dns", 0, VALUE}, {"dns-opt", 0, VALUE}, {"dns-option", 0, VALUE},
    {"dns-search", 0, VALUE}, {"domainname", 0, VALUE}, {"entrypoint", 0, VALUE},
    {"env", 'e', VALUE}, {"env-file", 0, VALUE}, {"env-merge", 0, VALUE},
    {"expose", 0, VALUE}, {"gidmap", 0, VALUE}, {"gpus", 0, VALUE},
    {"group-add", 0, VALUE}, {"group-entry", 0, VALUE}, {"health-cmd", 0, VALUE},
    {"health-interval", 0, VALUE}, {"health-log-destination", 0, VALUE},
    {"health-max-log-count", 0, VALUE}, {"health-max-log-size", 0, VALUE},
    {"health-on-failure", 0, VALUE}, {"health-retries", 0, VALUE},
    {"health-start-interval", 0, VALUE}, {"health-start-period", 0, VALUE},
    {"health-startup-cmd", 0, VALUE}, {"health-startup-interval", 0, VALUE},
    {"health-startup-retries", 0, VALUE}, {"health-startup-success", 0, VALUE},
    {"health-startup-timeout", 0, VALUE}, {"health-timeout", 0, VALUE},
    {"hostname", 'h', VALUE}, {"hosts-file", 0, VALUE}, {"hostuser", 0, VALUE},
    {"image-volume", 0, VALUE}, {"init-ctr", 0, VALUE}, {"init-path", 0, VALUE},
    {"io-maxbandwidth", 0, VALUE}, {"io-maxiops", 0, VALUE}, {"ip", 0, VALUE},
    {"ip6", 0, VALUE}, {"ipc", 0, VALUE}, {"isolation", 0, VALUE},
    {"kernel-memory", 0, VALUE}, {"label", 'l', VALUE}, {"label-file", 0, VALUE},
    {"link", 0, VALUE}, {"link-local-ip", 0, VALUE}, {"log-driver", 0, VALUE},
    {"log-opt", 0, VALUE}, {"mac-address", 0, VALUE}, {"memory", 'm', VALUE},
    {"memory-reservation", 0, VALUE}, {"memory-swap", 0, VALUE},
    {"memory-swappiness", 0, VALUE}, {"mount", 0, VALUE}, {"name", 0, VALUE},
    {"net", 0, VALUE}, {"network", 0, VALUE}, {"network-alias", 0, VALUE},
    {"oom-score-adj", 0, VALUE}, {"os", 0, VALUE}, {"override-arch", 0, VALUE},
    {"override-os", 0, VALUE}, {"override-variant", 0, VALUE},
    {"passwd-entry", 0, VALUE}, {"personality", 0, VALUE}, {"pid", 0, VALUE},
    {"pidfile", 0, VALUE}, {"pids-limit", 0, VALUE}, {"platform", 0, VALUE},
    {"pod", 0, VALUE}, {"pod-id-file", 0, VALUE}, {"preserve-fd", 0, VALUE},
    {"preserve-fds", 0, VALUE}, {"publish", 'p', VALUE}, {"pull", 0, VALUE},
    {"rdt-class", 0, VALUE}, {"requires", 0, VALUE}, {"restart", 0, VALUE},
    {"retry", 0, VALUE}, {"retry-delay", 0, VALUE}, {"runtime", 0, VALUE},
    {"sdnotify", 0, VALUE}, {"seccomp-policy", 0, VALUE}, {"secret", 0, VALUE},
    {"security-opt", 0, VALUE}, {"shm-size", 0, VALUE},
    {"shm-size-systemd", 0, VALUE}, {"stop-signal", 0, VALUE},
    {"stop-timeout", 0, VALUE}, {"storage-opt", 0, VALUE},
    {"subgidname", 0, VALUE}, {"subuidname", 0, VALUE}, {"sysctl", 0, VALUE},
    {"systemd", 0, VALUE}, {"timeout", 0, VALUE}, {"tmpfs", 0, VALUE},
    {"tz", 0, VALUE}, {"uidmap", 0, VALUE}, {"ulimit", 0, VALUE},
    {"umask", 0, VALUE}, {"unsetenv", 0, VALUE}, {"user", 'u', VALUE},
    {"userns", 0, VALUE}, {"uts", 0, VALUE}, {"variant", 0, VALUE},
    {"volume", 'v', VALUE}, {"volume-driver", 0, VALUE},
    {"volumes-from", 0, VALUE}, {"workdir", 'w', VALUE},
    /* Flags: no value unless written --flag=value (--rm=false). */
    {"detach", 'd', FLAG}, {"disable-content-trust", 0, FLAG},
    {"env-host", 0, FLAG}, {"help", 0, FLAG}, {"http-proxy", 0, FLAG},
    {"init", 0, FLAG}, {"interactive", 'i', FLAG}, {"no-healthcheck", 0, FLAG},
    {"no-hostname", 0, FLAG}, {"no-hosts", 0, FLAG}, {"oom-kill-disable", 0, FLAG},
    {"passwd", 0, FLAG}, {"privileged", 0, FLAG}, {"publish-all", 'P', FLAG},
    {"quiet", 'q', FLAG}, {"read-only", 0, FLAG}, {"read-only-tmpfs", 0, FLAG},
    {"replace", 0, FLAG}, {"rm", 0, FLAG}, {"rmi", 0, FLAG}, {"rootfs", 0, FLAG},
    {"sig-proxy", 0, FLAG}, {"tls-verify", 0, FLAG}, {"tty", 't', FLAG},
    {"unsetenv-all", 0, FLAG}, {"use-api-socket", 0, FLAG},
    {NULL, 0, 0}};

/* The options before the subcommand: podman's (4.x and 5.x) and docker's.
 * Both spell -c as a value (--connection, --context); -l is docker's
 * --log-level. */
static const struct option_spec global_options[] = {
    {"cdi-spec-dir", 0, VALUE}, {"cgroup-manager", 0, VALUE}, {"config", 0, VALUE},
    {"conmon", 0, VALUE}, {"connection", 'c', VALUE}, {"context", 0, VALUE},
    {"db-backend", 0, VALUE}, {"events-backend", 0, VALUE}, {"hooks-dir", 0, VALUE},
    {"host", 'H', VALUE}, {"identity", 0, VALUE}, {"imagestore", 0, VALUE},
    {"log-level", 'l', VALUE}, {"module", 0, VALUE}, {"namespace", 0, VALUE},
    {"network-cmd-path", 0, VALUE}, {"network-config-dir", 0, VALUE},
    {"out", 0, VALUE}, {"root", 0, VALUE}, {"runroot", 0, VALUE},
    {"runtime", 0, VALUE}, {"runtime-flag", 0, VALUE}, {"ssh", 0, VALUE},
    {"storage-driver", 0, VALUE}, {"storage-opt", 0, VALUE}, {"tlscacert", 0, VALUE},
    {"tlscert", 0, VALUE}, {"tlskey", 0, VALUE}, {"tmpdir", 0, VALUE},
    {"url", 0, VALUE}, {"volumepath", 0, VALUE},
    {"debug", 'D', FLAG}, {"help", 0, FLAG}, {"noout", 0, FLAG},
    {"remote", 'r', FLAG}, {"syslog", 0, FLAG}, {"tls", 0, FLAG},
    {"tlsverify", 0, FLAG}, {"transient-store", 0, FLAG}, {"version", 'v', FLAG},
    {NULL, 0, 0}};

#undef VALUE
#undef FLAG

static void copy(char *out, size_t size, const char *text, size_t len)
{
    if (len >= size)
        len = size - 1;
    memcpy(out, text, len);
    out[len] = '\0';
}

static void copy_str(char *out, size_t size, const char *text)
{
    copy(out, size, text, strlen(text));
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static const struct option_spec *by_name(const struct option_spec *table,
                                         const char *name, size_t len)
{
    for (size_t i = 0; table[i].name; i++)
        if (strlen(table[i].name) == len && strncmp(table[i].name, name, len) == 0)
            return &table[i];
    return NULL;
}

static const struct option_spec *by_letter(const struct option_spec *table, char c)
{
    for (size_t i = 0; table[i].name; i++)
        if (table[i].letter == c)
            return &table[i];
    return NULL;
}

/* ---- one option at a time ------------------------------------------------- */

/* An option as read from the words: which one (NULL when unknown), its
 * value (NULL for a flag written without one) and how it was spelled. */
struct option_read {
    const struct option_spec *spec;
    const char *value;
    char spelled[64];
};

/* Reads the long option ARGV[*K] ("--name", "--name=value") against TABLE,
 * advancing *K past a value in the next word. */
static void read_long(const struct option_spec *table, const char *const *argv,
                      size_t argc, size_t *k, struct option_read *r)
{
    const char *name = argv[*k] + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    r->spec = by_name(table, name, len);
    r->value = eq ? eq + 1 : NULL;
    copy(r->spelled, sizeof r->spelled, argv[*k], (size_t)(name - argv[*k]) + len);
    if (r->spec && r->spec->takes_value && !eq)
        r->value = *k + 1 < argc ? argv[++*k] : "";
}

/* Reads the short cluster ARGV[*K] ("-dit", "-v/a:/b", "-p=80:80",
 * "-it -v x") against TABLE: calls SEE for each option in it. A letter that
 * takes a value ends the cluster; an unknown letter is read as a flag. */
static void read_short(const struct option_spec *table, const char *const *argv,
                       size_t argc, size_t *k,
                       void (*see)(void *, const struct option_read *), void *data)
{
    const char *word = argv[*k];
    for (const char *p = word + 1; *p; p++) {
        struct option_read r;
        r.spec = by_letter(table, *p);
        r.value = NULL;
        snprintf(r.spelled, sizeof r.spelled, "-%c", *p);
        if (r.spec && r.spec->takes_value) {
            if (p[1])
                r.value = p[1] == '=' ? p + 2 : p + 1;
            else
                r.value = *k + 1 < argc ? argv[++*k] : "";
            see(data, &r);
            return;
        }
        see(data, &r);
    }
}

/* ---- what run/create options say ------------------------------------------ */

static int flag_on(const char *value)
{
    return !value || (strcmp(value, "false") != 0 && strcmp(value, "0") != 0);
}

static void note_unknown(struct podman_cmd *c, const char *spelled)
{
    if (!c->unknown_option[0])
        copy_str(c->unknown_option, sizeof c->unknown_option, spelled);
}

/* -v SOURCE:TARGET[:OPTIONS] or -v TARGET (an anonymous volume). */
static void read_volume(const char *spec, struct podman_mount *m)
{
    const char *colon = strchr(spec, ':'), *opts;
    if (!colon) {
        copy_str(m->target, sizeof m->target, spec);
        return;
    }
    copy(m->source, sizeof m->source, spec, (size_t)(colon - spec));
    opts = strchr(colon + 1, ':');
    copy(m->target, sizeof m->target, colon + 1,
         opts ? (size_t)(opts - colon - 1) : strlen(colon + 1));
    if (opts)
        for (const char *o = opts + 1; *o;) {
            size_t n = strcspn(o, ",");
            if (n == 2 && strncmp(o, "ro", 2) == 0)
                m->read_only = 1;
            o += n + (o[n] == ',');
        }
}

/* --mount type=bind,source=/a,target=/b[,readonly] */
static void read_mount(const char *spec, struct podman_mount *m)
{
    m->is_mount = 1;
    for (const char *o = spec; *o;) {
        size_t n = strcspn(o, ","), key = strcspn(o, "=");
        const char *v = key < n ? o + key + 1 : o + n;
        size_t vn = key < n ? n - key - 1 : 0;
        if (key > n)
            key = n;
#define KEY(k) (key == strlen(k) && strncmp(o, k, key) == 0)
        if (KEY("source") || KEY("src"))
            copy(m->source, sizeof m->source, v, vn);
        else if (KEY("target") || KEY("destination") || KEY("dst"))
            copy(m->target, sizeof m->target, v, vn);
        else if ((KEY("readonly") || KEY("ro")) &&
                 !(vn == 5 && strncmp(v, "false", 5) == 0))
            m->read_only = 1;
#undef KEY
        o += n + (o[n] == ',');
    }
}

static void add_mount(struct podman_cmd *c, const char *spec, int is_mount)
{
    struct podman_mount *m;
    if (c->n_mounts >= PODMAN_CMD_MAX_MOUNTS) {
        c->mounts_cut = 1;
        return;
    }
    m = &c->mounts[c->n_mounts++];
    memset(m, 0, sizeof *m);
    if (is_mount)
        read_mount(spec, m);
    else
        read_volume(spec, m);
}

/* Records what one run/create option means for the judges. */
static void see_run_option(void *data, const struct option_read *r)
{
    struct podman_cmd *c = data;
    const char *name = r->spec ? r->spec->name : NULL, *v = r->value ? r->value : "";
    if (!name) {
        note_unknown(c, r->spelled);
        return;
    }
    if (strcmp(name, "pull") == 0) {
        c->has_pull = 1;
        copy_str(c->pull, sizeof c->pull, v);
    } else if (strcmp(name, "authfile") == 0) {
        c->has_authfile = 1;
        copy_str(c->authfile, sizeof c->authfile, v);
    } else if (strcmp(name, "name") == 0) {
        copy_str(c->name, sizeof c->name, v);
    } else if (strcmp(name, "volume") == 0 || strcmp(name, "mount") == 0) {
        add_mount(c, v, name[0] == 'm');
    } else if (strcmp(name, "rm") == 0) {
        c->rm = flag_on(r->value);
    } else if (strcmp(name, "replace") == 0) {
        c->replace = flag_on(r->value);
    }
}

/* Reads the run/create options from ARGV[K]; the first word that is not
 * one (or the word after `--`) is the image. */
static void read_run_options(const char *const *argv, size_t argc, size_t k,
                             struct podman_cmd *c)
{
    for (; k < argc; k++) {
        const char *w = argv[k];
        struct option_read r;
        if (strcmp(w, "--") == 0) {
            if (k + 1 < argc)
                copy_str(c->image, sizeof c->image, argv[k + 1]);
            return;
        }
        if (w[0] != '-' || w[1] == '\0') {
            copy_str(c->image, sizeof c->image, w);
            return;
        }
        if (w[1] == '-') {
            read_long(run_options, argv, argc, &k, &r);
            see_run_option(c, &r);
        } else {
            read_short(run_options, argv, argc, &k, see_run_option, c);
        }
    }
}

/* ---- the program and its global options ------------------------------------ */

static int program_of(const char *word, struct podman_cmd *c)
{
    static const struct {
        const char *name, *wrapped;
        enum podman_program program;
    } programs[] = {
        {"podman", ".podman-wrapped", PODMAN_PROGRAM_PODMAN},
        {"podman-remote", ".podman-remote-wrapped", PODMAN_PROGRAM_REMOTE},
        {"docker", ".docker-wrapped", PODMAN_PROGRAM_DOCKER},
    };
    const char *base = base_name(word);
    for (size_t i = 0; i < sizeof programs / sizeof programs[0]; i++)
        if (strcmp(base, programs[i].name) == 0 || strcmp(base, programs[i].wrapped) == 0) {
            c->program = programs[i].program;
            c->program_name = programs[i].name;
            c->remote = c->program == PODMAN_PROGRAM_REMOTE;
            return 1;
        }
    return 0;
}

static void see_global_option(void *data, const struct option_read *r)
{
    struct podman_cmd *c = data;
    const char *name = r->spec ? r->spec->name : "";
    if ((strcmp(name, "remote") == 0 && flag_on(r->value)) || strcmp(name, "url") == 0 ||
        strcmp(name, "connection") == 0 || strcmp(name, "host") == 0 ||
        strcmp(name, "context") == 0)
        c->remote = 1;
}

/* The index of the subcommand's first option, after the global options and
 * `[container] run|create`; 0 when ARGV is not such a command. */
static size_t subcommand_end(const char *const *argv, size_t argc, struct podman_cmd *c)
{
    size_t k = 1;
    for (; k < argc && argv[k][0] == '-' && argv[k][1] && strcmp(argv[k], "--") != 0; k++) {
        struct option_read r;
        if (argv[k][1] == '-') {
            read_long(global_options, argv, argc, &k, &r);
            see_global_option(c, &r);
        } else {
            read_short(global_options, argv, argc, &k, see_global_option, c);
        }
    }
    if (k < argc && strcmp(argv[k], "container") == 0)
        k++;
    if (k >= argc || (strcmp(argv[k], "run") != 0 && strcmp(argv[k], "create") != 0))
        return 0;
    c->subcommand = argv[k][0] == 'r' ? "run" : "create";
    return k + 1;
}

static void join_words(const char *const *argv, size_t argc, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < argc && used + 1 < size; i++) {
        int w = snprintf(out + used, size - used, "%s%s", i ? " " : "", argv[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (used >= size && size > 4)
        memcpy(out + size - 4, "...", 4);
}

int podman_cmd_parse(const char *const *argv, size_t argc, struct podman_cmd *out)
{
    size_t k;
    memset(out, 0, sizeof *out);
    if (argc < 2 || !program_of(argv[0], out) || (k = subcommand_end(argv, argc, out)) == 0) {
        memset(out, 0, sizeof *out);
        return 0;
    }
    join_words(argv, argc, out->command, sizeof out->command);
    read_run_options(argv, argc, k, out);
    return 1;
}

long podman_cmd_find(const char *const *argv, size_t argc, struct podman_cmd *out)
{
    for (size_t i = 0; i < argc; i++)
        if (podman_cmd_parse(argv + i, argc - i, out))
            return (long)i;
    return -1;
}

/* ---- mounts ---------------------------------------------------------------- */

/* Where a mount source starts: a home ($HOME, ${HOME}, ~, ~NAME, %h), the
 * root (/), or neither (a named volume, a relative path). *REST is set to
 * what follows the home's word. */
enum anchor { ANCHOR_NONE, ANCHOR_ROOT, ANCHOR_HOME };

static enum anchor anchor_of(const char *source, const char **rest)
{
    static const char *const homes[] = {"$HOME", "${HOME}", "%h", NULL};
    *rest = source;
    if (source[0] == '/')
        return ANCHOR_ROOT;
    for (size_t i = 0; homes[i]; i++) {
        size_t n = strlen(homes[i]);
        if (strncmp(source, homes[i], n) == 0 && (source[n] == '\0' || source[n] == '/')) {
            *rest = source + n;
            return ANCHOR_HOME;
        }
    }
    if (source[0] == '~') { /* ~ or ~NAME: a home either way */
        *rest = source + strcspn(source, "/");
        return ANCHOR_HOME;
    }
    return ANCHOR_NONE;
}

/* The names of a path after its anchor, with `.`, `..` and empty names
 * worked out. Only the first few are kept: a path deeper than every home
 * pattern is inside a home or nowhere near one, and DEPTH stays exact. */
#define PATH_NAMES_KEPT 8
struct norm_path {
    size_t ups;   /* `..` that climbed above a home anchor */
    size_t depth; /* names below the anchor (after the ups) */
    const char *name[PATH_NAMES_KEPT];
    size_t len[PATH_NAMES_KEPT];
};

static void normalise(const char *rest, enum anchor anchor, struct norm_path *p)
{
    memset(p, 0, sizeof *p);
    for (const char *s = rest; *s;) {
        size_t n = strcspn(s, "/");
        if (n == 2 && strncmp(s, "..", 2) == 0) {
            if (p->depth > 0)
                p->depth--;
            else if (anchor == ANCHOR_HOME)
                p->ups++; /* above the home; at / `..` stays at / */
        } else if (n > 0 && !(n == 1 && s[0] == '.')) {
            if (p->depth < PATH_NAMES_KEPT) {
                p->name[p->depth] = s;
                p->len[p->depth] = n;
            }
            p->depth++;
        }
        s += n + (s[n] == '/');
    }
}

/* The homes by absolute path; "*" is any one name (the user's). */
static const char *const home_paths[][6] = {
    {"Users", "*", NULL},
    {"home", "*", NULL},
    {"var", "home", "*", NULL},
    {"root", NULL},
    {"var", "root", NULL},
    {"private", "var", "root", NULL},
    {"System", "Volumes", "Data", "Users", "*", NULL},
};

/* P against one home pattern: P is the home, above it, or neither. */
static enum podman_home_mount against(const struct norm_path *p, const char *const *pattern)
{
    size_t len = 0;
    while (pattern[len])
        len++;
    if (p->depth > len)
        return PODMAN_MOUNT_NO_HOME;
    for (size_t i = 0; i < p->depth; i++)
        if (strcmp(pattern[i], "*") != 0 &&
            (p->len[i] != strlen(pattern[i]) || strncmp(p->name[i], pattern[i], p->len[i]) != 0))
            return PODMAN_MOUNT_NO_HOME;
    return p->depth == len ? PODMAN_MOUNT_HOME : PODMAN_MOUNT_HOMES;
}

enum podman_home_mount podman_mount_is_home(const char *source)
{
    const char *rest;
    enum anchor anchor = anchor_of(source, &rest);
    enum podman_home_mount worst = PODMAN_MOUNT_NO_HOME;
    struct norm_path p;
    if (anchor == ANCHOR_NONE)
        return PODMAN_MOUNT_NO_HOME;
    normalise(rest, anchor, &p);
    if (anchor == ANCHOR_HOME) {
        if (p.depth == 0)
            return p.ups == 0 ? PODMAN_MOUNT_HOME : PODMAN_MOUNT_HOMES;
        /* $HOME/../bob: a sibling of the home, another user's. Deeper
         * climbs land where only the home's own path would tell. */
        return p.ups == 1 && p.depth == 1 ? PODMAN_MOUNT_HOME : PODMAN_MOUNT_NO_HOME;
    }
    for (size_t i = 0; i < sizeof home_paths / sizeof home_paths[0]; i++) {
        enum podman_home_mount m = against(&p, home_paths[i]);
        if (m > worst)
            worst = m;
    }
    return worst;
}

/* ---- the governed wrapper's claim ------------------------------------------ */

/* What a run lacks, as a list for a message. */
struct lacking {
    char *out;
    size_t size, used;
};

static void lack(struct lacking *l, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void lack(struct lacking *l, const char *format, ...)
{
    va_list ap;
    int w;
    if (!l->out || l->used + 1 >= l->size)
        return; /* the caller still knows the run lacks it */
    if (l->used) {
        w = snprintf(l->out + l->used, l->size - l->used, ", ");
        l->used += w > 0 ? (size_t)w : 0;
        if (l->used >= l->size) {
            l->used = l->size - 1;
            return;
        }
    }
    va_start(ap, format);
    w = vsnprintf(l->out + l->used, l->size - l->used, format, ap);
    va_end(ap);
    l->used += w > 0 ? (size_t)w : 0;
    if (l->used >= l->size)
        l->used = l->size - 1;
}

enum podman_governed podman_governed_check(const char *text, size_t len,
                                           const struct podman_cmd *run, char *missing,
                                           size_t size)
{
    static const char marker[] = SOURCEOS_GOVERNED_MARKER;
    struct lacking l = {missing, size, 0};
    struct podman_image img;
    char origin[512];
    int lacks = 0;
    if (missing && size)
        missing[0] = '\0';
    /* memmem, not strstr: a NUL byte before the marker must not hide it. */
    if (!text || !memmem(text, len, marker, sizeof marker - 1))
        return PODMAN_GOVERNED_NONE;
#define LACK(...) (lacks = 1, lack(&l, __VA_ARGS__))
    if (!run) {
        LACK("a `podman run` (the script runs none)");
        return PODMAN_GOVERNED_FALSE;
    }
    if (!run->has_pull || strcmp(run->pull, "never") != 0) {
        if (run->has_pull)
            LACK("--pull=never (it has --pull=%s)", run->pull);
        else
            LACK("--pull=never (it has no --pull: podman's default, missing, pulls)");
    }
    if (!run->has_authfile)
        LACK("--authfile (without it the host's registry credentials apply)");
    podman_image_classify(run->image, &img);
    if (img.kind != PODMAN_IMAGE_LOCAL) {
        if (run->image[0])
            LACK("a local image (it runs %s, from %s)", run->image,
                 podman_image_origin(&img, origin, sizeof origin));
        else
            LACK("a local image (it names none)");
    }
    for (size_t i = 0; i < run->n_mounts; i++) {
        enum podman_home_mount h = podman_mount_is_home(run->mounts[i].source);
        if (h != PODMAN_MOUNT_NO_HOME) {
            LACK("no mount of a home (it mounts %s, %s)", run->mounts[i].source,
                 h == PODMAN_MOUNT_HOME ? "a whole home" : "a directory holding the home(s)");
            break;
        }
    }
    if (run->mounts_cut)
        LACK("at most %d mounts (the rest were not read)", PODMAN_CMD_MAX_MOUNTS);
    /* An option the parser does not know may take a value, and then the
     * word read as the image is not the image. */
    if (run->unknown_option[0])
        LACK("only options podman is known to have (it has %s, so its image is "
             "uncertain)", run->unknown_option);
#undef LACK
    return lacks ? PODMAN_GOVERNED_FALSE : PODMAN_GOVERNED_VERIFIED;
}

/* ---- images ------------------------------------------------------------- */

static int all_hex(const char *s, size_t len)
{
    return len > 0 && strspn(s, "0123456789abcdef") >= len;
}

/* Whether HOST (LEN bytes, maybe with :PORT) is this machine's loopback:
 * localhost:PORT, 127.x.x.x[:PORT], [::1][:PORT]. Plain "localhost" is
 * podman's name for local storage, not a registry. */
static int loopback_host(const char *host, size_t len)
{
    if (len > 10 && strncmp(host, "localhost:", 10) == 0)
        return 1;
    if (len > 4 && strncmp(host, "127.", 4) == 0)
        return 1;
    return len >= 5 && strncmp(host, "[::1]", 5) == 0 && (len == 5 || host[5] == ':');
}

void podman_image_classify(const char *ref, struct podman_image *out)
{
    static const char *const local_transports[] = {"containers-storage:", "docker-daemon:",
                                                   NULL};
    static const char *const file_transports[] = {"oci-archive:", "docker-archive:", "oci:",
                                                  "dir:", NULL};
    const char *slash;
    size_t first;
    memset(out, 0, sizeof *out);
    /* $IMAGE, ${IMAGE}, `cmd`, and systemd's %i: only the running shell
     * (or systemd) knows what they become. */
    if (!ref[0] || strpbrk(ref, "$`%")) {
        out->kind = PODMAN_IMAGE_UNKNOWN;
        return;
    }
    out->pinned = strstr(ref, "@sha256:") != NULL || strstr(ref, "@sha512:") != NULL;
    for (size_t i = 0; local_transports[i]; i++)
        if (strncmp(ref, local_transports[i], strlen(local_transports[i])) == 0) {
            copy_str(out->transport, sizeof out->transport, local_transports[i]);
            out->kind = PODMAN_IMAGE_LOCAL;
            return;
        }
    for (size_t i = 0; file_transports[i]; i++)
        if (strncmp(ref, file_transports[i], strlen(file_transports[i])) == 0) {
            copy_str(out->transport, sizeof out->transport, file_transports[i]);
            out->kind = PODMAN_IMAGE_ARCHIVE;
            return;
        }
    if (strncmp(ref, "docker://", 9) == 0) {
        copy_str(out->transport, sizeof out->transport, "docker://");
        ref += 9;
    }
    /* podman (libimage's Pull and LookupImage) takes sha256:HEX and a full
     * 64-hex ID as image IDs and only looks them up in local storage: they
     * are never pulled. Any other name it first looks up locally, as a
     * name and then as a short ID, and pulls it as a short name only when
     * neither is there; so a shorter all-hex name (12 characters is the
     * short ID podman shows) is an ID or a docker.io short name, and is
     * judged as the short name, which is what a pull would fetch. */
    if (!out->transport[0] && ((strncmp(ref, "sha256:", 7) == 0 &&
                                all_hex(ref + 7, strlen(ref + 7))) ||
                               (strlen(ref) == 64 && all_hex(ref, 64)))) {
        out->kind = PODMAN_IMAGE_LOCAL;
        out->pinned = 1;
        return;
    }
    out->maybe_id = !out->transport[0] && strlen(ref) >= 12 && strlen(ref) < 64 &&
                    all_hex(ref, strlen(ref));
    slash = strchr(ref, '/');
    first = slash ? (size_t)(slash - ref) : 0;
    if (slash && first == 9 && strncmp(ref, "localhost", 9) == 0) {
        out->kind = PODMAN_IMAGE_LOCAL;
        return;
    }
    /* A first component with a dot or a port (or [::1]) names a registry;
     * without one the name is short. */
    if (slash && (memchr(ref, '.', first) || memchr(ref, ':', first) ||
                  (first > 0 && ref[0] == '['))) {
        copy(out->registry, sizeof out->registry, ref, first);
        out->kind = loopback_host(ref, first) ? PODMAN_IMAGE_LOOPBACK : PODMAN_IMAGE_REGISTRY;
        return;
    }
    copy_str(out->registry, sizeof out->registry, "docker.io");
    out->kind = PODMAN_IMAGE_SHORT;
}

int podman_image_from_registry(enum podman_image_kind kind)
{
    return kind == PODMAN_IMAGE_REGISTRY || kind == PODMAN_IMAGE_LOOPBACK ||
           kind == PODMAN_IMAGE_SHORT;
}

const char *podman_image_origin(const struct podman_image *img, char *out, size_t size)
{
    switch (img->kind) {
    case PODMAN_IMAGE_LOCAL:
        snprintf(out, size, "local storage%s%s%s", img->transport[0] ? " (" : "",
                 img->transport, img->transport[0] ? ")" : "");
        break;
    case PODMAN_IMAGE_ARCHIVE:
        snprintf(out, size, "a file or directory on this machine (%s)", img->transport);
        break;
    case PODMAN_IMAGE_LOOPBACK:
        snprintf(out, size, "a registry on this machine (%s)", img->registry);
        break;
    case PODMAN_IMAGE_REGISTRY:
        snprintf(out, size, "a registry (%s)", img->registry);
        break;
    case PODMAN_IMAGE_SHORT:
        snprintf(out, size, "%sa registry (docker.io, implied: the name has no registry, "
                            "unless a short-name alias in registries.conf says otherwise)",
                 img->maybe_id ? "local storage if an image has this name or ID (podman "
                                 "looks there first), else "
                               : "");
        break;
    default:
        snprintf(out, size, "cannot tell: the name is expanded when the command runs");
        break;
    }
    return out;
}
