/* launchd: the enable/disable overrides launchd keeps on disk, read offline
 * under --root. A disabled override outlives the service it names: after an
 * uninstall it stays, and a later install of the same label is silently
 * never started. The incident's clean-up left such overrides behind, so
 * each one is matched against the plists that still exist. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launchd.h"

/* /var is a symlink to /private/var on macOS; newer releases name the
 * private path. Both are read, and a directory reached twice is read once. */
static const char *const override_dirs[] = {
    "/var/db/com.apple.xpc.launchd",
    "/private/var/db/com.apple.xpc.launchd",
};
#define N_OVERRIDE_DIRS (sizeof override_dirs / sizeof override_dirs[0])

/* Every directory launchd loads a plist from, Apple's own included: an
 * override for an Apple service is not stale. */
static const char *const launch_dirs[] = {
    "/Library/LaunchAgents",
    "/Library/LaunchDaemons",
    "/System/Library/LaunchAgents",
    "/System/Library/LaunchDaemons",
};
#define N_LAUNCH_DIRS (sizeof launch_dirs / sizeof launch_dirs[0])
#define USERS "/Users"

/* Enough for any real machine (a Mac has about a thousand); the bound keeps
 * a flooded directory from making the check slow or unbounded. */
#define OVERRIDES_MAX_PLISTS 5000
/* Override files are small dicts; more files than this is not launchd's. */
#define OVERRIDES_MAX_FILES 256

/* ---- the labels that have a plist ----------------------------------------- */

struct labels {
    char **v;
    size_t n, cap;
    size_t files; /* plists read */
    int cut;      /* stopped at OVERRIDES_MAX_PLISTS */
};

static int labels_add(struct labels *l, const char *label)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n] = strdup(label);
    if (!l->v[l->n])
        return -1;
    l->n++;
    return 0;
}

static void labels_free(struct labels *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int labels_have(const struct labels *l, const char *label)
{
    return l->n && bsearch(&label, l->v, l->n, sizeof *l->v,
                           compare_strings) != NULL;
}

static int plist_named(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return e->d_name[0] != '.' && n > 6 &&
           strcmp(e->d_name + n - 6, ".plist") == 0;
}

static int visible(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

/* The plist's Label, or its file name without .plist when it has none (or
 * cannot be parsed: launchd would not load it, but the service was meant to
 * exist). */
static void label_of(sourceos_ctx *ctx, const char *path, const char *name,
                     char *out, size_t size)
{
    struct launchd_plist p;
    launchd_plist_load(ctx, path, &p);
    if (!p.root || !launchd_plist_string(p.root, "Label", out, size) ||
        !out[0])
        plugin_textf(out, size, "%.*s", (int)(strlen(name) - 6), name);
    launchd_plist_release(&p);
}

static int collect_dir(sourceos_ctx *ctx, struct labels *l, const char *dir)
{
    const char *real = sourceos_host_path(ctx, dir);
    struct dirent **names = NULL;
    int n = real ? scandir(real, &names, plist_named, alphasort) : -1, rc = 0;
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX + 256], label[LAUNCHD_TEXT_MAX];
        if (l->files >= OVERRIDES_MAX_PLISTS) {
            l->cut = 1;
        } else if (rc == 0) {
            plugin_textf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
            label_of(ctx, path, names[i]->d_name, label, sizeof label);
            rc = labels_add(l, label);
            l->files++;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

static int collect_labels(sourceos_ctx *ctx, struct labels *l)
{
    const char *real = sourceos_host_path(ctx, USERS);
    struct dirent **users = NULL;
    int n = real ? scandir(real, &users, visible, alphasort) : -1, rc = 0;
    for (int i = 0; i < n; i++) {
        char dir[PATH_MAX];
        plugin_textf(dir, sizeof dir, USERS "/%s/Library/LaunchAgents",
                     users[i]->d_name);
        if (rc == 0)
            rc = collect_dir(ctx, l, dir);
        free(users[i]);
    }
    free(users);
    for (size_t i = 0; i < N_LAUNCH_DIRS && rc == 0; i++)
        rc = collect_dir(ctx, l, launch_dirs[i]);
    if (l->n)
        qsort(l->v, l->n, sizeof *l->v, compare_strings);
    return rc;
}

/* ---- the override files --------------------------------------------------- */

struct run {
    struct verdict v;
    struct labels labels;
    size_t dirs_found, files_read, disabled, enabled, stale, malformed;
    size_t stale_loaded;
    size_t undecided; /* overrides not judged because the label scan was cut */
    dev_t seen_dev[N_OVERRIDE_DIRS];
    ino_t seen_ino[N_OVERRIDE_DIRS];
    size_t n_seen;
    launchd_override_fn *visit; /* launchd_read_overrides: called instead */
    void *visit_arg;
};

/* disabled.plist is the system domain's; disabled.UID.plist a user's. */
static int override_file_named(const struct dirent *e)
{
    const char *s = e->d_name;
    if (strcmp(s, "disabled.plist") == 0)
        return 1;
    if (strncmp(s, "disabled.", 9) != 0 || !isdigit((unsigned char)s[9]))
        return 0;
    for (s += 9; isdigit((unsigned char)*s); s++)
        ;
    return strcmp(s, ".plist") == 0;
}

static void domain_of(const char *name, char *out, size_t size)
{
    if (strcmp(name, "disabled.plist") == 0)
        plugin_textf(out, size, "system");
    else
        plugin_textf(out, size, "gui/%.*s", (int)(strlen(name) - 15),
                     name + 9);
}

static void evidence_of(sourceos_finding *fd, const char *domain,
                        const char *label, const char *file)
{
    sourceos_finding_path(fd, file);
    sourceos_finding_evidence(fd, "domain", domain);
    sourceos_finding_evidence(fd, "label", label);
    sourceos_finding_evidence(fd, "file", file);
}

static void report_disabled(sourceos_ctx *ctx, const char *domain,
                            const char *label, const char *file)
{
    sourceos_finding *fd = plugin_note(
        ctx, NULL, "launchd.override-disabled", SOURCEOS_SEV_INFO,
        "%s is disabled in the %s domain by an override in %s", label,
        domain, file);
    evidence_of(fd, domain, label, file);
}

static void report_stale(sourceos_ctx *ctx, struct run *r, const char *domain,
                         const char *label, const char *file, int disabled)
{
    char entry[LAUNCHD_TEXT_MAX + 16];
    sourceos_finding *fd = plugin_note(
        ctx, &r->v, "launchd.stale-override", SOURCEOS_SEV_WARNING,
        "%s override for %s in the %s domain (%s) is for a service that no "
        "longer exists: no plist in the launch directories has that label",
        disabled ? "a disabled" : "an enabled", label, domain, file);
    evidence_of(fd, domain, label, file);
    sourceos_finding_evidence(fd, "disabled", disabled ? "true" : "false");
    sourceos_finding_remediation(
        fd, disabled
                ? "It is harmless until a service with this label is "
                  "installed again, which launchd would then silently never "
                  "start. `launchctl enable` does not remove it (it only "
                  "records the label as enabled); deleting the key from the "
                  "file does, or leave it if the label will not come back."
                : "It is harmless: launchctl keeps enabled overrides too. "
                  "Delete the key from the file to tidy up, or leave it.");
    /* PlistBuddy's own command is one shell word; the label in it is
     * PlistBuddy's to read, not the shell's. */
    plugin_textf(entry, sizeof entry, "Delete :%s", label);
    sourceos_finding_command_argv(fd, (const char *const[]){
                                          "sudo", "/usr/libexec/PlistBuddy", "-c", entry,
                                          file, NULL});
}

/* One LABEL => VALUE entry of an override file. */
static void judge_entry(sourceos_ctx *ctx, struct run *r, const char *domain,
                        const char *file, const char *label, plist_t value)
{
    uint8_t disabled = 0;
    if (!value || plist_get_node_type(value) != PLIST_BOOLEAN)
        return; /* launchd writes only booleans; anything else means nothing */
    plist_get_bool_val(value, &disabled);
    if (r->visit) {
        r->visit(ctx, r->visit_arg, domain, file, label, disabled != 0);
        return;
    }
    if (disabled) {
        r->disabled++;
        report_disabled(ctx, domain, label, file);
    } else {
        r->enabled++;
    }
    if (labels_have(&r->labels, label))
        return;
    if (r->labels.cut) {
        r->undecided++;
        return;
    }
    r->stale++;
    report_stale(ctx, r, domain, label, file, disabled);
}

static void report_unreadable(sourceos_ctx *ctx, struct run *r,
                              const char *file, const struct launchd_plist *p)
{
    sourceos_finding *fd;
    r->malformed++;
    if (p->read_error == -EXDEV) {
        fd = plugin_note(ctx, &r->v, "launchd.override-outside-root",
                         SOURCEOS_SEV_WARNING,
                         "%s is a symlink that leads out of the --root tree; "
                         "it was not read", file);
        sourceos_finding_remediation(
            fd, "Copy the file the link points to into the tree, or run "
                "without --root on the machine itself.");
    } else {
        fd = plugin_note(
            ctx, &r->v, "launchd.override-malformed", SOURCEOS_SEV_WARNING,
            "%s is not a dictionary of labels launchd can read: %s", file,
            p->read_error ? strerror(-p->read_error)
            : p->too_large ? "it is larger than 1 MiB"
            : p->malformed[0] ? p->malformed
                             : "the top level is not a dictionary");
        sourceos_finding_remediation(
            fd, "launchd ignores (or rewrites) a broken override file, so "
                "its overrides are lost: check it with `plutil -lint FILE`.");
    }
    sourceos_finding_path(fd, file);
    sourceos_finding_evidence(fd, "file", file);
    sourceos_finding_evidence(fd, "format", p->format);
}

static void read_override_file(sourceos_ctx *ctx, struct run *r,
                               const char *dir, const char *name)
{
    char file[PATH_MAX + 256], domain[64], *label = NULL;
    struct launchd_plist p;
    plist_dict_iter it = NULL;
    plist_t value = NULL;

    plugin_textf(file, sizeof file, "%s/%s", dir, name);
    domain_of(name, domain, sizeof domain);
    launchd_plist_load(ctx, file, &p);
    if (!p.root || plist_get_node_type(p.root) != PLIST_DICT ||
        p.malformed[0]) {
        if (r->visit)
            r->visit(ctx, r->visit_arg, domain, file, NULL, -1);
        else
            report_unreadable(ctx, r, file, &p);
        launchd_plist_release(&p);
        return;
    }
    r->files_read++;
    plist_dict_new_iter(p.root, &it);
    for (; it;) {
        plist_dict_next_item(p.root, it, &label, &value);
        if (!value)
            break;
        judge_entry(ctx, r, domain, file, label ? label : "", value);
        free(label);
        label = NULL;
    }
    free(label);
    free(it);
    launchd_plist_release(&p);
}

/* 1 when REAL was read already (the same directory by another path). */
static int seen_before(struct run *r, const char *real)
{
    struct stat st;
    if (stat(real, &st) != 0)
        return 1;
    for (size_t i = 0; i < r->n_seen; i++)
        if (r->seen_dev[i] == st.st_dev && r->seen_ino[i] == st.st_ino)
            return 1;
    r->seen_dev[r->n_seen] = st.st_dev;
    r->seen_ino[r->n_seen++] = st.st_ino;
    return 0;
}

static void report_dir_outside(sourceos_ctx *ctx, struct run *r,
                               const char *dir)
{
    sourceos_finding *fd = plugin_note(
        ctx, &r->v, "launchd.override-outside-root", SOURCEOS_SEV_WARNING,
        "%s is a symlink that leads out of the --root tree (or to "
        "nothing); it was not read",
        dir);
    sourceos_finding_remediation(
        fd, "Copy the directory the link points to into the tree, or run "
            "without --root on the machine itself.");
    sourceos_finding_path(fd, dir);
}

/* 1 when DIR (host view) is a symlink the core will not resolve: it leads
 * out of the root (or to nothing). Its parent is resolved under the root
 * and the last component looked at without following it. */
static int unresolved_link(sourceos_ctx *ctx, const char *dir)
{
    char parent[PATH_MAX], path[2 * PATH_MAX];
    const char *slash = strrchr(dir, '/'), *real;
    struct stat st;
    plugin_textf(parent, sizeof parent, "%.*s", (int)(slash - dir), dir);
    real = sourceos_host_path(ctx, parent[0] ? parent : "/");
    if (!real)
        return 0;
    plugin_textf(path, sizeof path, "%s/%s", real, slash + 1);
    return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

/* Reads the override files of DIR (host view), unless the same directory
 * was read by its other path. */
static void read_override_dir(sourceos_ctx *ctx, struct run *r,
                              const char *dir)
{
    const char *real = sourceos_host_path(ctx, dir);
    struct dirent **names = NULL;
    struct stat st;
    int n;

    if (!real) {
        if (!r->visit && unresolved_link(ctx, dir))
            report_dir_outside(ctx, r, dir);
        return;
    }
    if (stat(real, &st) != 0 || !S_ISDIR(st.st_mode))
        return;
    if (seen_before(r, real))
        return;
    r->dirs_found++;
    n = scandir(real, &names, override_file_named, alphasort);
    for (int i = 0; i < n; i++) {
        if (i < OVERRIDES_MAX_FILES)
            read_override_file(ctx, r, dir, names[i]->d_name);
        free(names[i]);
    }
    free(names);
}

size_t launchd_read_overrides(sourceos_ctx *ctx, launchd_override_fn *visit, void *arg)
{
    struct run *r = calloc(1, sizeof *r);
    size_t found;
    if (!r)
        return 0;
    r->visit = visit;
    r->visit_arg = arg;
    for (size_t i = 0; i < N_OVERRIDE_DIRS; i++)
        read_override_dir(ctx, r, override_dirs[i]);
    found = r->dirs_found;
    free(r);
    return found;
}

/* ---- loaded labels -------------------------------------------------------- */

/* Param `loaded`: labels launchd has loaded (e.g. from `launchctl list`). A
 * loaded job with no plist was bootstrapped from a file since removed: it
 * runs until reboot, and nothing on disk says what it is. */
static void judge_loaded(sourceos_ctx *ctx, struct run *r)
{
    size_t n = sourceos_param_count(ctx, "loaded");
    for (size_t i = 0; i < n; i++) {
        const char *label = sourceos_param_at(ctx, "loaded", i);
        sourceos_finding *fd;
        if (!label || !label[0] || labels_have(&r->labels, label) ||
            r->labels.cut)
            continue;
        r->stale_loaded++;
        fd = plugin_note(ctx, &r->v, "launchd.stale-label",
                         SOURCEOS_SEV_WARNING,
                         "%s is loaded but no plist in the launch "
                         "directories has that label: its file was removed "
                         "while it was loaded", label);
        sourceos_finding_evidence(fd, "label", label);
        sourceos_finding_remediation(
            fd, "Find out what it runs (`launchctl print DOMAIN/LABEL`), "
                "then remove it from launchd: `launchctl remove LABEL` in "
                "its domain; it is gone after a reboot anyway.");
        /* launchctl takes no "--"; a label is its only operand here. */
        sourceos_finding_command_argv(fd, (const char *const[]){"launchctl", "remove",
                                                                label, NULL});
    }
}

/* ---- the check ------------------------------------------------------------ */

static void report_cut(sourceos_ctx *ctx, struct run *r)
{
    char count[32];
    sourceos_finding *fd = plugin_note(
        ctx, &r->v, "launchd.overrides-truncated", SOURCEOS_SEV_WARNING,
        "stopped reading plists after %d: %zu override%s whose label was not "
        "among them could not be judged stale or not",
        OVERRIDES_MAX_PLISTS, r->undecided, r->undecided == 1 ? "" : "s");
    sourceos_finding_remediation(
        fd, "Thousands of launch plists are not normal: run launchd.scan and "
            "remove the ones nobody installed on purpose.");
    plugin_textf(count, sizeof count, "%d", OVERRIDES_MAX_PLISTS);
    sourceos_finding_evidence(fd, "limit", count);
}

static void evidence_count(sourceos_finding *fd, const char *key, size_t n)
{
    char text[32];
    plugin_textf(text, sizeof text, "%zu", n);
    sourceos_finding_evidence(fd, key, text);
}

static void report_summary(sourceos_ctx *ctx, const struct run *r)
{
    sourceos_finding *fd = plugin_note(
        ctx, NULL, "launchd.overrides-summary", SOURCEOS_SEV_INFO,
        "%zu override file%s: %zu disabled, %zu enabled, %zu stale; %zu "
        "unreadable; %zu plist%s in the launch directories",
        r->files_read, r->files_read == 1 ? "" : "s", r->disabled, r->enabled,
        r->stale, r->malformed, r->labels.files,
        r->labels.files == 1 ? "" : "s");
    evidence_count(fd, "files", r->files_read);
    evidence_count(fd, "disabled", r->disabled);
    evidence_count(fd, "enabled", r->enabled);
    evidence_count(fd, "stale", r->stale);
    evidence_count(fd, "stale_loaded", r->stale_loaded);
    evidence_count(fd, "unreadable", r->malformed);
    evidence_count(fd, "plists", r->labels.files);
}

sourceos_status launchd_check_overrides(sourceos_ctx *ctx)
{
    struct run *r = calloc(1, sizeof *r);
    sourceos_status status;
    if (!r || collect_labels(ctx, &r->labels) != 0) {
        plugin_note(ctx, NULL, "launchd.out-of-memory", SOURCEOS_SEV_WARNING,
                    "out of memory while reading the launch directories");
        if (r)
            labels_free(&r->labels);
        free(r);
        return SOURCEOS_ERROR;
    }
    for (size_t i = 0; i < N_OVERRIDE_DIRS; i++)
        read_override_dir(ctx, r, override_dirs[i]);
    if (r->dirs_found == 0 && !r->v.any) {
        plugin_note(ctx, NULL, "launchd.no-overrides", SOURCEOS_SEV_INFO,
                    "no launchd override directory: neither %s nor %s "
                    "exists", override_dirs[0], override_dirs[1]);
        labels_free(&r->labels);
        free(r);
        return SOURCEOS_SKIPPED;
    }
    judge_loaded(ctx, r);
    if (r->labels.cut)
        report_cut(ctx, r);
    report_summary(ctx, r);
    status = verdict_status(&r->v);
    labels_free(&r->labels);
    free(r);
    return status;
}
