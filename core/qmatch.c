#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "command.h"
#include "homes.h"
#include "host.h"
#include "qmatch.h"
#include "rootfs.h"

#define MAX_FOUND 4096
#define PODMAN_TIMEOUT_S 20.0

/* One service seen, before the match decides. */
struct found {
    struct sos_qtarget t;
    const char *key; /* what NAME is compared with: label, unit, container */
    const char *alt; /* also: the plist's file name without .plist, NULL */
};

struct seen {
    struct found *v;
    size_t n, cap;
};

static void seen_free(struct seen *s)
{
    for (size_t i = 0; i < s->n; i++)
        sos_qtarget_free(&s->v[i].t);
    free(s->v);
}

static struct found *seen_add(struct seen *s)
{
    if (s->n >= MAX_FOUND)
        return NULL;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 32;
        struct found *grown = realloc(s->v, cap * sizeof *grown);
        if (!grown)
            return NULL;
        s->v = grown;
        s->cap = cap;
    }
    memset(&s->v[s->n], 0, sizeof s->v[s->n]);
    return &s->v[s->n++];
}

static const char *tree(const struct sos_qmatch_opts *o)
{
    return o->root && strcmp(o->root, "/") != 0 ? o->root : NULL;
}

/* The owner of PATH (host view) under the tree; -1 when it cannot be said. */
static long owner_of(const struct sos_qmatch_opts *o, const char *path)
{
    char *real = NULL;
    struct stat st;
    long uid = -1;
    if (sos_rootfs_resolve(tree(o), path, 0, &real) == 0 && stat(real, &st) == 0)
        uid = (long)st.st_uid;
    free(real);
    return uid;
}

/* The names in DIR (host view) ending in SUFFIX, sorted; NULL when none. */
static char **list_dir(const struct sos_qmatch_opts *o, const char *dir, const char *suffix,
                       size_t *n)
{
    char *real = NULL, **names = NULL;
    DIR *d;
    struct dirent *e;
    size_t cap = 0, sl = strlen(suffix);
    *n = 0;
    if (sos_rootfs_resolve(tree(o), dir, 0, &real) != 0 || !(d = opendir(real))) {
        free(real);
        return NULL;
    }
    free(real);
    while ((e = readdir(d)) && *n < MAX_FOUND) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len <= sl || strcmp(e->d_name + len - sl, suffix) != 0)
            continue;
        if (*n == cap) {
            char **grown = realloc(names, (cap = cap ? 2 * cap : 16) * sizeof *grown);
            if (!grown)
                break;
            names = grown;
        }
        if (!(names[*n] = strdup(e->d_name)))
            break;
        (*n)++;
    }
    closedir(d);
    for (size_t i = 1; i < *n; i++) /* insertion sort: small lists */
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    return names;
}

static void names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static char *joined(const char *dir, const char *name)
{
    char *p = NULL;
    return asprintf(&p, "%s/%s", dir, name) < 0 ? NULL : p;
}

/* The console user's uid, for /Library/LaunchAgents: the owner of the
 * first home under /Users, else this process's. */
static long console_uid(const struct sos_qmatch_opts *o, const struct sos_home *homes,
                        size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strncmp(homes[i].path, "/Users/", 7) == 0) {
            long uid = owner_of(o, homes[i].path);
            if (uid > 0)
                return uid;
        }
    return (long)getuid();
}

static int add_plists(const struct sos_qmatch_opts *o, struct seen *s, const char *dir,
                      const char *domain, const char *user)
{
    size_t n;
    char **names = list_dir(o, dir, ".plist", &n);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char label[256];
        struct found *f;
        char *plist = joined(dir, names[i]);
        if (!plist || !(f = seen_add(s))) {
            free(plist);
            rc = -1;
            break;
        }
        if (sos_plist_file_string(tree(o), plist, "Label", label, sizeof label) != 0)
            snprintf(label, sizeof label, "%.*s", (int)(strlen(names[i]) - 6), names[i]);
        f->t.kind = SOS_QT_LAUNCHD;
        f->t.backend = SOS_BACKEND_LAUNCHD;
        f->t.plist = plist;
        f->t.name = strdup(label);
        f->t.label = strdup(label);
        f->t.domain = strdup(domain);
        f->t.user = strdup(user);
        f->t.stop_timeout = 10;
        if (!f->t.name || !f->t.label || !f->t.domain || !f->t.user)
            rc = -1;
        f->key = f->t.label;
        f->alt = NULL;
    }
    names_free(names, n);
    return rc;
}

static int add_units(const struct sos_qmatch_opts *o, struct seen *s, const char *dir,
                     int user_scope, const char *user)
{
    size_t n;
    char **names = list_dir(o, dir, ".service", &n);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct found *f;
        char *path = joined(dir, names[i]);
        if (!path || !(f = seen_add(s))) {
            free(path);
            rc = -1;
            break;
        }
        f->t.kind = SOS_QT_SYSTEMD;
        f->t.backend = SOS_BACKEND_SYSTEMD;
        f->t.unit_path = path;
        f->t.unit = strdup(names[i]);
        f->t.name = strdup(names[i]);
        f->t.user_scope = user_scope;
        f->t.user = strdup(user);
        f->t.stop_timeout = 10;
        if (!f->t.unit || !f->t.name || !f->t.user)
            rc = -1;
        f->key = f->t.unit;
    }
    names_free(names, n);
    return rc;
}

/* Whether DIR is one looked at already (Debian's /lib is /usr/lib): 1 yes,
 * else it is remembered in DONE (N of at most 16). */
static int same_dir(const struct sos_qmatch_opts *o, const char *dir, char **done, size_t *n)
{
    char *real = NULL;
    if (sos_rootfs_resolve(tree(o), dir, 0, &real) != 0)
        return 1; /* not there: nothing to list */
    for (size_t i = 0; i < *n; i++)
        if (strcmp(done[i], real) == 0) {
            free(real);
            return 1;
        }
    if (*n < 16)
        done[(*n)++] = real;
    else
        free(real);
    return 0;
}

static int add_services(const struct sos_qmatch_opts *o, struct seen *s)
{
    char *done[16];
    size_t n_done = 0;
    static const char *const sys_units[] = {"/etc/systemd/system", "/run/systemd/system",
                                            "/usr/lib/systemd/system", "/lib/systemd/system",
                                            NULL};
    const char *home_env = tree(o) ? NULL : getenv("HOME");
    struct sos_home *homes = NULL;
    size_t n_homes = 0;
    char domain[64], *dir;
    int rc = 0;
    if (sos_homes_list(tree(o), home_env, getenv("USER"), &homes, &n_homes) != 0)
        return -1;
    snprintf(domain, sizeof domain, "gui/%ld", console_uid(o, homes, n_homes));
    rc |= add_plists(o, s, "/Library/LaunchAgents", domain, "");
    rc |= add_plists(o, s, "/Library/LaunchDaemons", "system", "");
    for (size_t i = 0; rc == 0 && i < n_homes; i++) {
        long uid = owner_of(o, homes[i].path);
        snprintf(domain, sizeof domain, "gui/%ld", uid < 0 ? (long)getuid() : uid);
        if (!(dir = joined(homes[i].path, "Library/LaunchAgents")))
            rc = -1;
        else
            rc |= add_plists(o, s, dir, domain, homes[i].user);
        free(dir);
    }
    for (size_t i = 0; rc == 0 && sys_units[i]; i++)
        if (!same_dir(o, sys_units[i], done, &n_done))
            rc |= add_units(o, s, sys_units[i], 0, "");
    for (size_t i = 0; i < n_done; i++)
        free(done[i]);
    for (size_t i = 0; rc == 0 && i < n_homes; i++) {
        if (!(dir = joined(homes[i].path, ".config/systemd/user")))
            rc = -1;
        else
            rc |= add_units(o, s, dir, 1, homes[i].user);
        free(dir);
    }
    sos_homes_free(homes, n_homes);
    return rc;
}

/* The containers `podman ps -a` lists, one name a line. */
static int add_containers(const struct sos_qmatch_opts *o, struct seen *s)
{
    const char *argv[] = {"podman", "ps", "-a", "--format", "{{.Names}}", NULL};
    struct sos_cmd_output out;
    int rc = 0;
    if (!o->ask_podman)
        return 0;
    if (sos_command_run(argv, o->podman_envp, PODMAN_TIMEOUT_S, 1u << 20, NULL, NULL, &out) != 0)
        return 0; /* no podman here: no container to match */
    for (char *line = out.exit_status == 0 ? out.out : NULL, *next; line && *line && rc == 0;
         line = next) {
        struct found *f;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (!*line)
            continue;
        if (!(f = seen_add(s))) {
            rc = -1;
            break;
        }
        f->t.kind = SOS_QT_CONTAINER;
        f->t.backend = SOS_BACKEND_AUTO;
        f->t.name = strdup(line);
        f->t.container = strdup(line);
        f->t.stop_timeout = 10;
        if (!f->t.name || !f->t.container)
            rc = -1;
        f->key = f->t.container;
    }
    sos_cmd_output_free(&out);
    return rc;
}

static int kind_wanted(const struct sos_qmatch_opts *o, enum sos_qtarget_kind k)
{
    switch (o->by) {
    case SOS_QM_LABEL:
    case SOS_QM_PLIST:
        return k == SOS_QT_LAUNCHD;
    case SOS_QM_UNIT:
        return k == SOS_QT_SYSTEMD;
    case SOS_QM_CONTAINER:
        return k == SOS_QT_CONTAINER;
    default:
        return 1;
    }
}

static int exact(const struct sos_qmatch_opts *o, const struct found *f, const char *name)
{
    size_t len = strlen(name);
    if (!kind_wanted(o, f->t.kind))
        return 0;
    if (o->by == SOS_QM_PLIST)
        return f->t.plist && strcmp(f->t.plist, name) == 0;
    if (f->t.kind == SOS_QT_SYSTEMD)
        return strcmp(f->key, name) == 0 ||
               (strncmp(f->key, name, len) == 0 && strcmp(f->key + len, ".service") == 0);
    return strcmp(f->key, name) == 0;
}

static const char *kind_word(enum sos_qtarget_kind k)
{
    static const char *const words[] = {"agent", "launchd", "systemd", "container"};
    return words[k];
}

static int add_candidate(struct sos_qcandidates *c, const struct found *f)
{
    char *line = NULL, **grown;
    const char *where = f->t.plist ? f->t.plist : f->t.unit_path ? f->t.unit_path : "podman";
    if (asprintf(&line, "%s %s (%s)", kind_word(f->t.kind), f->t.name, where) < 0)
        return -1;
    if (!(grown = realloc(c->v, (c->n + 1) * sizeof *grown))) {
        free(line);
        return -1;
    }
    c->v = grown;
    c->v[c->n++] = line;
    return 0;
}

/* Moves F's target into OUT. */
static void take(struct found *f, struct sos_qtarget *out)
{
    *out = f->t;
    memset(&f->t, 0, sizeof f->t);
}

static int from_agent(const struct sos_qmatch_opts *o, const char *name, struct sos_qtarget *out,
                      sos_error *err)
{
    struct sos_agent a;
    const struct sos_agent_model *m;
    char domain[64];
    int launchd;
    if (sos_agent_load_with(o->config_dir, name, o->mo, &a, err) != 0)
        return -1;
    m = &a.model;
    launchd = m->backend == SOS_BACKEND_LAUNCHD ||
              (m->backend == SOS_BACKEND_AUTO && o->mo->os == SOS_AGENT_OS_MACOS);
    memset(out, 0, sizeof *out);
    out->kind = SOS_QT_AGENT;
    out->backend = launchd ? SOS_BACKEND_LAUNCHD : SOS_BACKEND_SYSTEMD;
    out->name = strdup(m->name);
    out->agent = strdup(m->name);
    out->user_scope = m->scope == SOS_SCOPE_USER;
    out->user = strdup(m->scope == SOS_SCOPE_USER ? "" : m->account ? m->account : "");
    out->container = m->container_name ? strdup(m->container_name) : NULL;
    out->stop_timeout = m->lifecycle.shutdown_timeout_seconds;
    snprintf(domain, sizeof domain, m->scope == SOS_SCOPE_USER ? "gui/%ld" : "system",
             (long)getuid());
    if (launchd) {
        out->label = strdup(m->label);
        out->plist = strdup(m->service.plist);
        out->domain = strdup(domain);
    } else {
        const char *slash = strrchr(m->service.unit, '/');
        out->unit_path = strdup(m->service.unit);
        out->unit = strdup(slash ? slash + 1 : m->service.unit);
    }
    sos_agent_free(&a);
    if (!out->name || !out->agent || !out->user ||
        (launchd ? !out->label || !out->plist || !out->domain : !out->unit_path || !out->unit)) {
        sos_qtarget_free(out);
        return sos_fail(err, "out of memory");
    }
    return 0;
}

/* Whether agents.d/NAME.yaml is there (a name that could be one). */
static int declared(const struct sos_qmatch_opts *o, const char *name)
{
    char path[4096];
    if (!o->config_dir || !sos_agent_name_valid(name))
        return 0;
    snprintf(path, sizeof path, "%s/agents.d/%s.yaml", o->config_dir, name);
    return access(path, F_OK) == 0;
}

int sos_qmatch(const struct sos_qmatch_opts *o, const char *name, struct sos_qtarget *out,
               struct sos_qcandidates *c, sos_error *err)
{
    struct seen s = {0};
    size_t hit = 0, n_exact = 0, n_part = 0;
    int rc;
    memset(c, 0, sizeof *c);
    memset(out, 0, sizeof *out);
    if (o->by == SOS_QM_ANY && declared(o, name))
        return from_agent(o, name, out, err);
    if (add_services(o, &s) != 0 || add_containers(o, &s) != 0) {
        seen_free(&s);
        return sos_fail(err, "out of memory listing the services");
    }
    for (size_t i = 0; i < s.n; i++)
        if (exact(o, &s.v[i], name) && n_exact++ == 0)
            hit = i;
    if (n_exact == 0 && o->by != SOS_QM_PLIST)
        for (size_t i = 0; i < s.n; i++)
            if (kind_wanted(o, s.v[i].t.kind) && strstr(s.v[i].key, name) && n_part++ == 0)
                hit = i;
    /* one unit in several directories: the first (systemd's precedence,
     * /etc before /usr/lib) is the one loaded */
    if (n_exact > 1 && s.v[hit].t.kind == SOS_QT_SYSTEMD) {
        size_t same = 0;
        for (size_t i = 0; i < s.n; i++)
            same += exact(o, &s.v[i], name) && s.v[i].t.kind == SOS_QT_SYSTEMD &&
                    s.v[i].t.user_scope == s.v[hit].t.user_scope &&
                    strcmp(s.v[i].key, s.v[hit].key) == 0;
        if (same == n_exact)
            n_exact = 1;
    }
    if (n_exact == 1 || (n_exact == 0 && n_part == 1)) {
        take(&s.v[hit], out);
        seen_free(&s);
        return 0;
    }
    rc = 1;
    for (size_t i = 0; i < s.n && rc == 1; i++)
        if (n_exact ? exact(o, &s.v[i], name)
                    : kind_wanted(o, s.v[i].t.kind) && strstr(s.v[i].key, name) &&
                          o->by != SOS_QM_PLIST)
            if (add_candidate(c, &s.v[i]) != 0)
                rc = sos_fail(err, "out of memory");
    seen_free(&s);
    return rc;
}

void sos_qcandidates_free(struct sos_qcandidates *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i]);
    free(c->v);
    memset(c, 0, sizeof *c);
}
