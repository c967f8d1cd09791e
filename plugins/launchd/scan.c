/* launchd: the launch directories, and the scan check that lints every
 * plist in them, whoever installed it. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launchd.h"

#define SYSTEM_AGENTS "/Library/LaunchAgents"
#define SYSTEM_DAEMONS "/Library/LaunchDaemons"
#define APPLE_AGENTS "/System/Library/LaunchAgents"
#define APPLE_DAEMONS "/System/Library/LaunchDaemons"
#define USERS "/Users"
/* Locations the summary names one by one; more users are only counted. */
#define LOCATIONS_MAX 64

/* ---- where a plist is ------------------------------------------------------ */

static void parent_of(const char *path, char *out, size_t size)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    if (n == 0) {
        plugin_textf(out, size, "/");
        return;
    }
    plugin_textf(out, size, "%.*s", (int)n, path);
}

/* NAME when DIR is /Users/NAME/Library/LaunchAgents, else 0. */
static int user_of_agents_dir(const char *dir, char *name, size_t size)
{
    static const char tail[] = "/Library/LaunchAgents";
    size_t len = strlen(dir), prefix = strlen(USERS "/"), tail_len = strlen(tail);
    const char *start = dir + prefix;
    size_t name_len;
    if (len <= prefix + tail_len || strncmp(dir, USERS "/", prefix) != 0 ||
        strcmp(dir + len - tail_len, tail) != 0)
        return 0;
    name_len = len - prefix - tail_len;
    if (memchr(start, '/', name_len))
        return 0;
    plugin_textf(name, size, "%.*s", (int)name_len, start);
    return 1;
}

static void owner_from_stat(sourceos_ctx *ctx, const char *host_path,
                            struct launchd_place *place)
{
    const char *real = sourceos_host_path(ctx, host_path);
    struct stat st;
    if (real && stat(real, &st) == 0) {
        plugin_as_captured(ctx, host_path, &st);
        place->owner_uid = st.st_uid;
        place->owner_known = 1;
    }
}

void launchd_place_of(sourceos_ctx *ctx, const char *path,
                      struct launchd_place *place)
{
    char home[PATH_MAX + 8];
    memset(place, 0, sizeof *place);
    parent_of(path, place->dir, sizeof place->dir);
    if (strcmp(place->dir, SYSTEM_AGENTS) == 0 ||
        strcmp(place->dir, SYSTEM_DAEMONS) == 0) {
        /* launchd loads these only when root owns them. */
        place->kind = strcmp(place->dir, SYSTEM_AGENTS) == 0
                          ? LAUNCHD_SYSTEM_AGENTS
                          : LAUNCHD_SYSTEM_DAEMONS;
        plugin_textf(place->user, sizeof place->user, "root");
        place->owner_uid = 0;
        place->owner_known = 1;
    } else if (user_of_agents_dir(place->dir, place->user,
                                  sizeof place->user)) {
        /* A user's agents must be that user's: the home's owner says who
         * that is in a copied tree, where names do not map to our uids. */
        place->kind = LAUNCHD_USER_AGENTS;
        plugin_textf(home, sizeof home, USERS "/%s", place->user);
        owner_from_stat(ctx, home, place);
    } else {
        place->kind = LAUNCHD_ELSEWHERE;
        owner_from_stat(ctx, place->dir, place);
    }
}

/* ---- the scan -------------------------------------------------------------- */

struct location {
    char dir[PATH_MAX];
    long linted; /* -1: the directory is absent */
};

struct scan {
    struct verdict v;
    size_t files;
    size_t problems;
    int cut;
    struct location where[LOCATIONS_MAX];
    size_t n_where;
    size_t dirs_not_named; /* locations beyond LOCATIONS_MAX */
    launchd_visit_fn *visit; /* launchd_walk: called instead of the lint */
    void *visit_arg;
};

static int visible(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

/* launchd considers only *.plist files in a launch directory. */
static int plist_named(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return visible(e) && n > 6 && strcmp(e->d_name + n - 6, ".plist") == 0;
}

static void remember(struct scan *s, const char *dir, long linted)
{
    if (s->n_where >= LOCATIONS_MAX) {
        s->dirs_not_named++;
        return;
    }
    plugin_textf(s->where[s->n_where].dir, sizeof s->where[0].dir, "%s", dir);
    s->where[s->n_where++].linted = linted;
}

/* Lints every *.plist in DIR (host view), in name order, until the bound.
 * USER: whose home DIR is in, or NULL. */
static void scan_dir(sourceos_ctx *ctx, struct scan *s, const char *dir,
                     const char *user)
{
    const char *real = sourceos_host_path(ctx, dir);
    struct dirent **names = NULL;
    long linted = 0;
    int n;

    n = real ? scandir(real, &names, plist_named, alphasort) : -1;
    if (n < 0 && s->visit)
        return; /* the scan itself says what it could not list */
    if (n < 0 && (real ? errno == EACCES
                       : sourceos_host_path_error(ctx, dir) == -EACCES)) {
        plugin_denied(ctx, &s->v, "launchd.permission-denied", dir, user);
        return;
    }
    if (n < 0) {
        remember(s, dir, -1);
        return;
    }
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX + 256];
        if (s->files >= LAUNCHD_SCAN_MAX_FILES) {
            s->cut = 1;
        } else {
            plugin_textf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
            if (s->visit)
                s->visit(ctx, s->visit_arg, path, user);
            else
                s->problems += launchd_lint_file(ctx, &s->v, path, 0);
            s->files++;
            linted++;
        }
        free(names[i]);
    }
    free(names);
    remember(s, dir, linted);
}

/* Each user's ~/Library/LaunchAgents, in name order. */
static void scan_users(sourceos_ctx *ctx, struct scan *s)
{
    const char *real = sourceos_host_path(ctx, USERS);
    struct dirent **users = NULL;
    int n = real ? scandir(real, &users, visible, alphasort) : -1;
    for (int i = 0; i < n; i++) {
        char dir[PATH_MAX];
        plugin_textf(dir, sizeof dir, USERS "/%s/Library/LaunchAgents",
                     users[i]->d_name);
        /* A home without LaunchAgents is normal: not worth a line; one
         * this user may not look into is said. */
        if (sourceos_host_path(ctx, dir) ||
            sourceos_host_path_error(ctx, dir) == -EACCES)
            scan_dir(ctx, s, dir, users[i]->d_name);
        free(users[i]);
    }
    free(users);
}

static void report_summary(sourceos_ctx *ctx, const struct scan *s)
{
    char text[4096] = "", count[32];
    size_t used = 0;
    sourceos_finding *fd;
    for (size_t i = 0; i < s->n_where; i++) {
        const struct location *l = &s->where[i];
        char part[PATH_MAX + 32];
        if (l->linted < 0)
            plugin_textf(part, sizeof part, "%s%s absent", i ? ", " : "", l->dir);
        else
            plugin_textf(part, sizeof part, "%s%s %ld", i ? ", " : "", l->dir,
                         l->linted);
        if (used + strlen(part) + 1 < sizeof text) {
            memcpy(text + used, part, strlen(part) + 1);
            used += strlen(part);
        }
    }
    fd = plugin_note(ctx, NULL, "launchd.scan-summary", SOURCEOS_SEV_INFO,
                     "linted %zu plist%s (%zu problem%s): %s%s", s->files,
                     s->files == 1 ? "" : "s", s->problems,
                     s->problems == 1 ? "" : "s", text,
                     s->dirs_not_named ? ", and more users' agents" : "");
    for (size_t i = 0; i < s->n_where; i++) {
        const struct location *l = &s->where[i];
        plugin_textf(count, sizeof count, "%ld", l->linted);
        sourceos_finding_evidence(fd, l->dir, l->linted < 0 ? "absent" : count);
    }
    plugin_textf(count, sizeof count, "%zu", s->files);
    sourceos_finding_evidence(fd, "linted", count);
    plugin_textf(count, sizeof count, "%zu", s->problems);
    sourceos_finding_evidence(fd, "problems", count);
}

static void report_cut(sourceos_ctx *ctx, struct scan *s)
{
    char limit[32];
    sourceos_finding *fd = plugin_note(
        ctx, &s->v, "launchd.scan-truncated", SOURCEOS_SEV_WARNING,
        "stopped after %d plists: the launch directories hold more, and "
        "those were not linted", LAUNCHD_SCAN_MAX_FILES);
    sourceos_finding_remediation(
        fd, "Thousands of launch plists are not normal: look for a tool that "
            "writes them in a loop, remove the ones nobody installed on "
            "purpose, and scan again.");
    plugin_textf(limit, sizeof limit, "%d", LAUNCHD_SCAN_MAX_FILES);
    sourceos_finding_evidence(fd, "limit", limit);
}

/* WITH_APPLE: Apple's own directories too. */
static void walk(sourceos_ctx *ctx, launchd_visit_fn *visit, void *arg, int with_apple)
{
    struct scan *s = calloc(1, sizeof *s);
    if (!s)
        return;
    s->visit = visit;
    s->visit_arg = arg;
    scan_users(ctx, s);
    scan_dir(ctx, s, SYSTEM_AGENTS, NULL);
    scan_dir(ctx, s, SYSTEM_DAEMONS, NULL);
    if (with_apple) {
        scan_dir(ctx, s, APPLE_AGENTS, NULL);
        scan_dir(ctx, s, APPLE_DAEMONS, NULL);
    }
    free(s);
}

void launchd_walk(sourceos_ctx *ctx, launchd_visit_fn *visit, void *arg)
{
    walk(ctx, visit, arg, 0);
}

void launchd_walk_all(sourceos_ctx *ctx, launchd_visit_fn *visit, void *arg)
{
    walk(ctx, visit, arg, 1);
}

sourceos_status launchd_check_scan(sourceos_ctx *ctx)
{
    struct scan *s = calloc(1, sizeof *s);
    sourceos_status status;
    if (!s) {
        plugin_note(ctx, NULL, "launchd.out-of-memory", SOURCEOS_SEV_WARNING,
                    "out of memory before the scan could start");
        return SOURCEOS_ERROR;
    }
    scan_users(ctx, s);
    scan_dir(ctx, s, SYSTEM_AGENTS, NULL);
    scan_dir(ctx, s, SYSTEM_DAEMONS, NULL);
    if (s->cut)
        report_cut(ctx, s);
    report_summary(ctx, s);
    status = verdict_status(&s->v);
    free(s);
    return status;
}
