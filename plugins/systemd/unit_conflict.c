/* systemd: no other unit file, alias or drop-in claims the agent's unit
 * (preflight step 16). The same name in another unit directory (an old
 * /etc/systemd/system copy of a user unit, a packaged unit) runs a second
 * copy under the other manager or shadows the agent's file; an alias (a
 * symlink of that name to another unit) makes the name another unit's; a
 * drop-in in another directory changes the agent's definition behind its
 * back. The directories are scan.c's; nothing is parsed but names. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "systemd.h"

/* Directories looked at: both managers' and, for a system unit, every
 * home's user units. */
#define CONFLICT_MAX_DIRS 64

struct conflict {
    struct verdict v;
    const char *own;        /* the agent's unit file (param unit), absolute, or NULL */
    char own_dir[SYSTEMD_DIR_MAX];
    char own_home[SYSTEMD_DIR_MAX]; /* "" for a system unit */
    char unit[256], tmpl[256];
    char dirs[CONFLICT_MAX_DIRS][SYSTEMD_DIR_MAX];
    size_t n_dirs, claims;
};

static void add_dirs(struct conflict *c, int user, const char *home)
{
    char found[SYSTEMD_MAX_UNIT_DIRS][SYSTEMD_DIR_MAX];
    size_t n = systemd_unit_dirs(user, home, found, SYSTEMD_MAX_UNIT_DIRS);
    for (size_t i = 0; i < n && c->n_dirs < CONFLICT_MAX_DIRS; i++) {
        int seen = 0;
        for (size_t j = 0; j < c->n_dirs && !seen; j++)
            seen = strcmp(c->dirs[j], found[i]) == 0;
        if (!seen)
            plugin_textf(c->dirs[c->n_dirs++], SYSTEMD_DIR_MAX, "%s", found[i]);
    }
}

/* A unit in a vendor directory belongs to a package: moving it is the
 * package manager's business. */
static int vendor_dir(const char *dir)
{
    return strncmp(dir, "/usr/", 5) == 0 || strncmp(dir, "/lib/", 5) == 0;
}

static void move_aside(sourceos_finding *fd, const struct conflict *c, const char *path)
{
    char aside[SYSTEMD_DIR_MAX + 320];
    plugin_textf(aside, sizeof aside, "%s.disabled", path);
    if (c->own_home[0] && strncmp(path, c->own_home, strlen(c->own_home)) == 0 &&
        path[strlen(c->own_home)] == '/')
        sourceos_finding_command_argv(fd, (const char *const[]){"mv", "--", path, aside, NULL});
    else
        sourceos_finding_command_argv(fd, (const char *const[]){"sudo", "mv", "--", path, aside,
                                                                NULL});
}

static void note(sourceos_ctx *ctx, struct conflict *c, const char *dir, const char *path,
                 const char *what)
{
    char text[1024];
    sourceos_finding *fd = plugin_note(
        ctx, &c->v, "systemd.unit-conflict", SOURCEOS_SEV_CRITICAL, "%s %s%s%s", path, what,
        c->own ? ", besides the agent's " : "", c->own ? c->own : "");
    c->claims++;
    plugin_textf(text, sizeof text,
                 "%s If a manager has loaded it, stop and disable it first, then "
                 "daemon-reload.",
                 vendor_dir(dir) ? "A package ships it: remove that package, or give the "
                                   "agent another name."
                                 : "Move it aside (systemd reads only unit names and *.d "
                                   "directories), or give the agent another name.");
    sourceos_finding_remediation(fd, text);
    if (!vendor_dir(dir))
        move_aside(fd, c, path);
    sourceos_finding_path(fd, path);
    sourceos_finding_evidence(fd, "unit", c->unit);
    sourceos_finding_evidence(fd, "directory", dir);
    if (c->own)
        sourceos_finding_evidence(fd, "agent_unit", c->own);
}

/* Where a symlink points ("" when FILE is not one). */
static void target_of(const char *file, char *out, size_t size)
{
    ssize_t n = readlink(file, out, size - 1);
    out[n > 0 ? n : 0] = '\0';
}

static int conf_named(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return e->d_name[0] != '.' && n > 5 && strcmp(e->d_name + n - 5, ".conf") == 0;
}

/* NAME.d in DIR holding drop-ins; the agent's own directory's are its own. */
static void judge_dropins(sourceos_ctx *ctx, struct conflict *c, const char *dir,
                          const char *real, const char *name)
{
    char host[SYSTEMD_DIR_MAX + 320], path[SYSTEMD_DIR_MAX + 320], what[600];
    struct dirent **names = NULL;
    int n;
    if (!name[0] || (c->own && strcmp(dir, c->own_dir) == 0))
        return;
    plugin_textf(host, sizeof host, "%s/%s.d", real, name);
    n = scandir(host, &names, conf_named, alphasort);
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (n <= 0)
        return;
    plugin_textf(path, sizeof path, "%s/%s.d", dir, name);
    plugin_textf(what, sizeof what, "holds %d drop-in%s that change%s %s", n,
                 n == 1 ? "" : "s", n == 1 ? "s" : "", c->unit);
    note(ctx, c, dir, path, what);
}

static void judge_dir(sourceos_ctx *ctx, struct conflict *c, const char *dir)
{
    const char *real = sourceos_host_path(ctx, dir);
    char file[SYSTEMD_DIR_MAX + 320], path[SYSTEMD_DIR_MAX + 320];
    char target[SYSTEMD_DIR_MAX], what[SYSTEMD_DIR_MAX + 200];
    struct stat st;
    if (!real)
        return;
    plugin_textf(file, sizeof file, "%s/%s", real, c->unit);
    plugin_textf(path, sizeof path, "%s/%s", dir, c->unit);
    if (lstat(file, &st) == 0) {
        target_of(file, target, sizeof target);
        if (strcmp(target, "/dev/null") == 0) {
            /* a mask: systemd.unit-masked's to report */
        } else if (c->own && strcmp(path, c->own) == 0) {
            if (target[0]) {
                plugin_textf(what, sizeof what, "is a symlink to %s: the agent's name is "
                                                "an alias of another unit", target);
                note(ctx, c, dir, path, what);
            }
        } else if (target[0]) {
            plugin_textf(what, sizeof what, "is an alias of %s named %s (in the %s manager's "
                                            "%s)", target, c->unit,
                         strstr(dir, "/user") ? "user" : "system", dir);
            note(ctx, c, dir, path, what);
        } else {
            plugin_textf(what, sizeof what, "is another unit file named %s (in the %s "
                                            "manager's %s)", c->unit,
                         strstr(dir, "/user") ? "user" : "system", dir);
            note(ctx, c, dir, path, what);
        }
    }
    judge_dropins(ctx, c, dir, real, c->unit);
    judge_dropins(ctx, c, dir, real, c->tmpl);
}

/* For a system unit, each home's user units: a copy there runs per user. */
static void add_home_dirs(sourceos_ctx *ctx, struct conflict *c)
{
    size_t n = sourceos_home_count(ctx);
    for (size_t i = 0; i < n && c->n_dirs < CONFLICT_MAX_DIRS; i++) {
        const char *home = sourceos_home_at(ctx, i, NULL);
        if (home)
            plugin_textf(c->dirs[c->n_dirs++], SYSTEMD_DIR_MAX, "%s/.config/systemd/user",
                         home);
    }
}

sourceos_status systemd_check_unit_conflict(sourceos_ctx *ctx)
{
    const char *param = sourceos_param(ctx, "unit"), *user = sourceos_param(ctx, "user");
    struct conflict *c;
    sourceos_status status;
    int user_unit = !user || strcmp(user, "false") != 0;
    if (!param || !*param) {
        sourceos_finding_add(ctx, "systemd.state-no-unit", SOURCEOS_SEV_INFO,
                             "no unit to look at: param `unit` is unset");
        return SOURCEOS_SKIPPED;
    }
    c = calloc(1, sizeof *c);
    if (!c) {
        sourceos_finding_add(ctx, "systemd.out-of-memory", SOURCEOS_SEV_CRITICAL,
                             "out of memory");
        return SOURCEOS_ERROR;
    }
    if (systemd_unit_names(param, c->unit, sizeof c->unit, c->tmpl, sizeof c->tmpl) != 0) {
        sourceos_finding *f = sourceos_finding_add(
            ctx, "systemd.params", SOURCEOS_SEV_CRITICAL,
            "param `unit` is not a unit name (or a unit file's absolute path): '%s'", param);
        sourceos_finding_remediation(f, "Give a unit name such as sourceos-agent@web.service.");
        free(c);
        return SOURCEOS_ERROR;
    }
    if (param[0] == '/') {
        const char *slash = strrchr(param, '/');
        c->own = param;
        plugin_textf(c->own_dir, sizeof c->own_dir, "%.*s", (int)(slash - param), param);
    }
    if (!systemd_home_of_unit(param, c->own_home, sizeof c->own_home))
        c->own_home[0] = '\0';
    add_dirs(c, 0, NULL);
    add_dirs(c, 1, c->own_home[0] ? c->own_home : NULL);
    if (!user_unit)
        add_home_dirs(ctx, c);
    for (size_t i = 0; i < c->n_dirs; i++)
        judge_dir(ctx, c, c->dirs[i]);
    if (!c->claims) {
        sourceos_finding *fd = plugin_note(
            ctx, NULL, "systemd.unit-free", SOURCEOS_SEV_INFO,
            "no other unit file, alias or drop-in claims %s (%zu unit directories read)",
            c->unit, c->n_dirs);
        sourceos_finding_evidence(fd, "unit", c->unit);
    }
    status = verdict_status(&c->v);
    free(c);
    return status;
}
