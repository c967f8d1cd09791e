/* systemd: finds every service installed in the standard locations,
 * whoever installed it, and lints each. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "systemd.h"

/* The locations a unit can be installed in by hand (or by a tool) to run
 * at boot or login; /usr/lib is the distribution's and left out. */
static const char *const fixed_locations[] = {
    "/etc/systemd/system",
    "/etc/systemd/user",
    "/root/.config/systemd/user",
    NULL,
};

struct scan {
    sourceos_ctx *ctx;
    struct verdict v;
    size_t linted; /* in all locations, against the bound */
    int cut;
};

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A service unit's name as systemd accepts one: at most 255 bytes of
 * [A-Za-z0-9:_.\\-@] ending in .service. A file named otherwise is one
 * systemd never loads; passed to `systemctl show`, a glob (`*.service`)
 * would be expanded into the blocks of other units. */
static int is_service_name(const char *name)
{
    size_t len = strlen(name);
    if (name[0] == '.' || len <= 8 || len > 255 || strcmp(name + len - 8, ".service") != 0)
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || strchr(":_.\\-@", *p)))
            return 0;
    return 1;
}

/* A directory entry the scan considers: its name and what readdir said it
 * is (DT_UNKNOWN where the filesystem does not say). */
struct listed {
    char *name;
    unsigned char type;
};

static int by_listed_name(const void *a, const void *b)
{
    return strcmp(((const struct listed *)a)->name, ((const struct listed *)b)->name);
}

static unsigned char entry_type(const struct dirent *e)
{
#ifdef DT_UNKNOWN
    return e->d_type;
#else
    (void)e;
    return 0;
#endif
}

/* The *.service entries in HOST_DIR, sorted by name so reports are stable;
 * *ERR gets opendir's errno when it cannot be listed. */
static size_t list_services(const char *host_dir, struct listed **out, int *err)
{
    DIR *d = opendir(host_dir);
    struct dirent *e;
    struct listed *list = NULL;
    size_t n = 0, cap = 0;
    *out = NULL;
    *err = d ? 0 : errno;
    if (!d)
        return 0;
    while ((e = readdir(d))) {
        if (!is_service_name(e->d_name))
            continue;
        if (n == cap) {
            struct listed *grown = realloc(list, (cap = cap ? cap * 2 : 64) * sizeof *list);
            if (!grown)
                break;
            list = grown;
        }
        list[n].type = entry_type(e);
        if ((list[n].name = strdup(e->d_name)))
            n++;
    }
    closedir(d);
    if (n)
        qsort(list, n, sizeof *list, by_listed_name);
    *out = list;
    return n;
}

/* Where a symlinked unit points ("" when it is not a link). */
static void link_target(const char *host_file, char *out, size_t size)
{
    ssize_t n = readlink(host_file, out, size - 1);
    out[n > 0 ? n : 0] = '\0';
}

/* An alias or enablement of a unit the distribution ships: its package
 * owns it, and its directory is not one the scan covers. */
static int is_vendor_link(const char *target)
{
    return strncmp(target, "/lib/systemd/", 13) == 0 ||
           strncmp(target, "/usr/lib/systemd/", 17) == 0;
}

/* What the scan does with a directory entry. */
enum entry {
    ENTRY_LINT,   /* a unit file (or a link to one): linted */
    ENTRY_MASKED, /* a symlink to /dev/null */
    ENTRY_VENDOR  /* an alias of a distribution unit: not linted */
};

/* Whether readdir's TYPE settles that the entry is no symlink: then it
 * needs no lstat (one per unit was over 40% of what listing 50 units
 * cost systemd.units; bench/README.md, line (h)). */
static int surely_not_link(unsigned char type)
{
#if defined(DT_UNKNOWN) && defined(DT_LNK)
    return type != DT_UNKNOWN && type != DT_LNK;
#else
    (void)type;
    return 0;
#endif
}

/* The entry E of DIR (host view), HOST in the host's: TARGET gets where a
 * symlink points, *LINK whether it is one. */
static enum entry classify(sourceos_ctx *ctx, const char *dir, const char *host,
                           const struct listed *e, char *target, size_t size, int *link)
{
    struct stat st = {0};
    char file[8400];
    target[0] = '\0';
    *link = 0;
    if (surely_not_link(e->type))
        return ENTRY_LINT;
    plugin_textf(file, sizeof file, "%s/%s", host, e->name);
    *link = lstat(file, &st) == 0 && S_ISLNK(st.st_mode);
    if (*link)
        link_target(file, target, size);
    if (strcmp(target, "/dev/null") == 0)
        return ENTRY_MASKED;
    if (is_vendor_link(target)) {
        char path[4400];
        plugin_textf(path, sizeof path, "%s/%s", dir, e->name);
        if (sourceos_host_path(ctx, path))
            return ENTRY_VENDOR;
    }
    return ENTRY_LINT;
}

size_t systemd_scanned_units(sourceos_ctx *ctx, const char *dir, char ***out)
{
    const char *host = sourceos_host_path(ctx, dir);
    struct listed *list;
    char **names;
    size_t n, kept = 0;
    int err = 0;
    *out = NULL;
    if (!host)
        return 0;
    n = list_services(host, &list, &err);
    names = n ? malloc(n * sizeof *names) : NULL;
    for (size_t i = 0; i < n; i++) {
        char target[4096];
        int link;
        if (names && classify(ctx, dir, host, &list[i], target, sizeof target, &link) ==
                         ENTRY_LINT)
            names[kept++] = list[i].name;
        else
            free(list[i].name);
    }
    free(list);
    *out = names;
    return kept;
}

/* USER: whose home DIR is in, or NULL. */
static void scan_location(struct scan *s, const char *dir, const char *user)
{
    const char *host = sourceos_host_path(s->ctx, dir);
    struct listed *names;
    size_t n, linted = 0, masked = 0;
    sourceos_finding *f;
    char count[32];
    int err = 0;
    if (!host && sourceos_host_path_error(s->ctx, dir) == -EACCES) {
        plugin_denied(s->ctx, &s->v, "systemd.permission-denied", dir, user);
        return;
    }
    if (!host) {
        f = systemd_note(s->ctx, NULL, dir, 0, "systemd.location", SOURCEOS_SEV_INFO,
                         "absent: nothing to lint");
        sourceos_finding_evidence(f, "linted", "0");
        return;
    }
    n = list_services(host, &names, &err);
    if (err == EACCES) {
        plugin_denied(s->ctx, &s->v, "systemd.permission-denied", dir, user);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char path[4400];
        char target[4096] = "";
        enum entry kind;
        int link;
        plugin_textf(path, sizeof path, "%s/%s", dir, names[i].name);
        if (s->linted >= SYSTEMD_MAX_SCAN_FILES) {
            s->cut = 1;
            free(names[i].name);
            continue;
        }
        kind = classify(s->ctx, dir, host, &names[i], target, sizeof target, &link);
        if (kind == ENTRY_MASKED) {
            systemd_note(s->ctx, NULL, path, 0, "systemd.unit-masked", SOURCEOS_SEV_INFO,
                         "masked (a symlink to /dev/null): systemd will not start it");
            masked++;
        } else if (kind == ENTRY_VENDOR) {
            f = systemd_note(s->ctx, NULL, path, 0, "systemd.unit-vendor-link",
                             SOURCEOS_SEV_INFO,
                             "an alias of the distribution's unit %s: not linted", target);
            sourceos_finding_evidence(f, "target", target);
        } else {
            systemd_lint_path(s->ctx, &s->v, path, link);
            s->linted++;
            linted++;
        }
        free(names[i].name);
    }
    free(names);
    f = systemd_note(s->ctx, NULL, dir, 0, "systemd.location", SOURCEOS_SEV_INFO,
                     "%zu service unit(s) linted, %zu masked", linted, masked);
    plugin_textf(count, sizeof count, "%zu", linted);
    sourceos_finding_evidence(f, "linted", count);
    plugin_textf(count, sizeof count, "%zu", masked);
    sourceos_finding_evidence(f, "masked", count);
    if (user)
        sourceos_finding_evidence(f, "user", user);
}

/* Each user's ~/.config/systemd/user under /home, in name order. */
static void scan_home_locations(struct scan *s)
{
    const char *home = sourceos_host_path(s->ctx, "/home");
    DIR *d = home ? opendir(home) : NULL;
    struct dirent *e;
    char **users = NULL;
    size_t n = 0, cap = 0;
    if (!d)
        return;
    while ((e = readdir(d))) {
        char dir[512];
        if (e->d_name[0] == '.')
            continue;
        plugin_textf(dir, sizeof dir, "/home/%s/.config/systemd/user", e->d_name);
        if (!sourceos_host_path(s->ctx, dir) &&
            sourceos_host_path_error(s->ctx, dir) != -EACCES)
            continue; /* a user without user units: nothing to say */
        if (n == cap) {
            char **grown = realloc(users, (cap = cap ? cap * 2 : 16) * sizeof *users);
            if (!grown)
                break;
            users = grown;
        }
        if ((users[n] = strdup(dir)))
            n++;
    }
    closedir(d);
    if (n)
        qsort(users, n, sizeof *users, by_name);
    for (size_t i = 0; i < n; i++) {
        char user[256];
        plugin_textf(user, sizeof user, "%.*s", (int)strcspn(users[i] + 6, "/"),
                     users[i] + 6);
        scan_location(s, users[i], user);
        free(users[i]);
    }
    free(users);
}

/* The homes the core lists that /root and /home/NAME did not cover: the
 * invoking user's own when it lives elsewhere. */
static void scan_other_homes(struct scan *s)
{
    size_t n = sourceos_home_count(s->ctx);
    for (size_t i = 0; i < n; i++) {
        const char *user = NULL;
        const char *home = sourceos_home_at(s->ctx, i, &user);
        char dir[4200];
        if (!home || strcmp(home, "/root") == 0 ||
            (strncmp(home, "/home/", 6) == 0 && !strchr(home + 6, '/')))
            continue;
        plugin_textf(dir, sizeof dir, "%s/.config/systemd/user", home);
        if (sourceos_host_path(s->ctx, dir) ||
            sourceos_host_path_error(s->ctx, dir) == -EACCES)
            scan_location(s, dir, user);
    }
}

sourceos_status systemd_check_scan(sourceos_ctx *ctx)
{
    struct scan s = {ctx, {0, SOURCEOS_SEV_INFO}, 0, 0};
    for (size_t i = 0; fixed_locations[i]; i++)
        scan_location(&s, fixed_locations[i],
                      strncmp(fixed_locations[i], "/root/", 6) == 0 ? "root" : NULL);
    scan_home_locations(&s);
    scan_other_homes(&s);
    if (s.cut) {
        sourceos_finding *f = sourceos_finding_add(
            ctx, "systemd.scan-truncated", SOURCEOS_SEV_WARNING,
            "more than %u service units: the rest were not linted",
            SYSTEMD_MAX_SCAN_FILES);
        sourceos_finding_remediation(f, "Lint the remaining units one by one (systemd.lint).");
        s.v.any = 1;
        if (s.v.worst < SOURCEOS_SEV_WARNING)
            s.v.worst = SOURCEOS_SEV_WARNING;
    }
    return verdict_status(&s.v);
}

/* ---- the directories a manager reads (unit_masked.c, unit_conflict.c) ---------- */

size_t systemd_unit_dirs(int user, const char *home, char dirs[][SYSTEMD_DIR_MAX], size_t max)
{
    static const char *const system_dirs[] = {
        "/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system",
        "/usr/lib/systemd/system", "/lib/systemd/system", NULL};
    static const char *const user_dirs[] = {
        "~/.config/systemd/user", "/etc/systemd/user", "/run/systemd/user",
        "~/.local/share/systemd/user", "/usr/local/lib/systemd/user",
        "/usr/lib/systemd/user", "/lib/systemd/user", NULL};
    const char *const *list = user ? user_dirs : system_dirs;
    size_t n = 0;
    for (size_t i = 0; list[i] && n < max; i++) {
        if (list[i][0] == '~' && !home)
            continue;
        if (list[i][0] == '~')
            plugin_textf(dirs[n++], SYSTEMD_DIR_MAX, "%s%s", home, list[i] + 1);
        else
            plugin_textf(dirs[n++], SYSTEMD_DIR_MAX, "%s", list[i]);
    }
    return n;
}

int systemd_home_of_unit(const char *path, char *home, size_t size)
{
    static const char tail[] = "/.config/systemd/user/";
    const char *at = path ? strstr(path, tail) : NULL;
    if (!at || at == path || strchr(at + sizeof tail - 1, '/'))
        return 0;
    plugin_textf(home, size, "%.*s", (int)(at - path), path);
    return 1;
}

int systemd_unit_names(const char *param, char *unit, size_t unit_size, char *tmpl,
                       size_t tmpl_size)
{
    const char *slash = param ? strrchr(param, '/') : NULL;
    const char *name = param && param[0] == '/' && slash ? slash + 1 : param;
    const char *at, *dot;
    if (!name || !*name || name[0] == '-' || strlen(name) >= unit_size)
        return -1;
    for (const char *c = name; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == '/')
            return -1;
    plugin_textf(unit, unit_size, "%s", name);
    at = strchr(name, '@');
    dot = strrchr(name, '.');
    if (at && dot && dot > at + 1)
        plugin_textf(tmpl, tmpl_size, "%.*s%s", (int)(at - name + 1), name, dot);
    else
        tmpl[0] = '\0';
    return 0;
}
