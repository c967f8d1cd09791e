/* launchd: no other plist takes the agent's label (preflight step 16).
 * launchd knows a job by its label: a second plist with it in the agent's
 * own launch directory makes the two race for one job, and one elsewhere
 * (an old system-wide /Library/LaunchAgents copy, a daemon, another home)
 * runs the label in another domain or shadows the agent at every login.
 * The plists are found as launchd.scan finds them (scan.c), Apple's
 * directories included, and read with plist.c's parser. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launchd.h"

struct claim {
    struct verdict v;
    const char *label;
    const char *plist;   /* the agent's own (param plist), or NULL */
    char own_dir[PATH_MAX];
    char own_home[PATH_MAX]; /* "/Users/NAME/" of the agent's plist, or "" */
    size_t read, claims;
};

static void dir_of(const char *path, char *out, size_t size)
{
    const char *slash = strrchr(path, '/');
    plugin_textf(out, size, "%.*s", slash ? (int)(slash - path) : 0, path);
}

/* "/Users/NAME/" when PATH is in a home, else "". */
static void home_of(const char *path, char *out, size_t size)
{
    const char *name = strncmp(path, "/Users/", 7) == 0 ? path + 7 : NULL;
    const char *end = name ? strchr(name, '/') : NULL;
    if (end)
        plugin_textf(out, size, "%.*s", (int)(end - path + 1), path);
    else
        out[0] = '\0';
}

/* How the plist at PATH takes the label: by its Label key or its file
 * name; NULL when it does not. */
static const char *claim_of(sourceos_ctx *ctx, const struct claim *c, const char *path,
                            char *label, size_t size)
{
    const char *base = strrchr(path, '/') + 1;
    size_t n = strlen(c->label);
    struct launchd_plist p;
    int by_key;
    launchd_plist_load(ctx, path, &p);
    by_key = p.root && launchd_plist_string(p.root, "Label", label, size) &&
             strcmp(label, c->label) == 0;
    launchd_plist_release(&p);
    if (by_key)
        return "its Label";
    if (strncmp(base, c->label, n) == 0 && strcmp(base + n, ".plist") == 0)
        return "its file name";
    return NULL;
}

static void move_aside(sourceos_finding *fd, const struct claim *c, const char *path)
{
    char aside[PATH_MAX + 16];
    plugin_textf(aside, sizeof aside, "%s.disabled", path);
    if (c->own_home[0] && strncmp(path, c->own_home, strlen(c->own_home)) == 0)
        sourceos_finding_command_argv(fd, (const char *const[]){"mv", "--", path, aside, NULL});
    else
        sourceos_finding_command_argv(fd, (const char *const[]){"sudo", "mv", "--", path, aside,
                                                                NULL});
}

static void note_claim(sourceos_ctx *ctx, struct claim *c, const char *path, const char *user,
                       const char *how)
{
    char dir[PATH_MAX], text[1024];
    int apple = strncmp(path, "/System/", 8) == 0;
    int same_dir;
    sourceos_finding *fd;
    dir_of(path, dir, sizeof dir);
    same_dir = c->plist && strcmp(dir, c->own_dir) == 0;
    if (same_dir)
        fd = plugin_note(ctx, &c->v, "launchd.label-duplicate", SOURCEOS_SEV_CRITICAL,
                         "%s takes the label %s too (%s), in the agent's own %s: launchd "
                         "loads one job per label, so the two race for it",
                         path, c->label, how, dir);
    else
        fd = plugin_note(ctx, &c->v, "launchd.label-conflict", SOURCEOS_SEV_CRITICAL,
                         "%s already takes the label %s (%s)%s: launchd would run it "
                         "instead of the agent, or beside it in another domain",
                         path, c->label, how,
                         c->plist ? ", outside the agent's own launch directory" : "");
    plugin_textf(text, sizeof text,
                 "%s If launchd has loaded it, unload it first (`launchctl bootout DOMAIN "
                 "%s`).",
                 apple ? "It is Apple's own: give the agent another label."
                       : "Move it aside (launchd reads only *.plist), or give the agent "
                         "another label.",
                 path);
    sourceos_finding_remediation(fd, text);
    if (!apple)
        move_aside(fd, c, path);
    sourceos_finding_path(fd, path);
    sourceos_finding_evidence(fd, "file", path);
    sourceos_finding_evidence(fd, "label", c->label);
    sourceos_finding_evidence(fd, "by", how);
    if (user)
        sourceos_finding_evidence(fd, "user", user);
    if (c->plist)
        sourceos_finding_evidence(fd, "agent_plist", c->plist);
}

static void visit(sourceos_ctx *ctx, void *arg, const char *path, const char *user)
{
    struct claim *c = arg;
    char label[LAUNCHD_TEXT_MAX];
    const char *how;
    c->read++;
    if (c->plist && strcmp(path, c->plist) == 0)
        return; /* the agent's own */
    how = claim_of(ctx, c, path, label, sizeof label);
    if (!how)
        return;
    c->claims++;
    note_claim(ctx, c, path, user, how);
}

sourceos_status launchd_check_label_conflict(sourceos_ctx *ctx)
{
    struct claim c = {0};
    char count[32];
    sourceos_finding *fd;
    c.label = sourceos_param(ctx, "label");
    c.plist = sourceos_param(ctx, "plist");
    if (!c.label || !c.label[0]) {
        plugin_note(ctx, NULL, "launchd.no-label", SOURCEOS_SEV_INFO,
                    "no launchd job to look at: the agent declares no label (param label)");
        return SOURCEOS_SKIPPED;
    }
    if (c.plist && c.plist[0] == '/') {
        dir_of(c.plist, c.own_dir, sizeof c.own_dir);
        home_of(c.plist, c.own_home, sizeof c.own_home);
    } else {
        c.plist = NULL;
    }
    launchd_walk_all(ctx, visit, &c);
    if (c.claims)
        return verdict_status(&c.v);
    fd = plugin_note(ctx, NULL, "launchd.label-free", SOURCEOS_SEV_INFO,
                     "no other plist takes %s (%zu plist%s in the launch directories read)",
                     c.label, c.read, c.read == 1 ? "" : "s");
    sourceos_finding_evidence(fd, "label", c.label);
    plugin_textf(count, sizeof count, "%zu", c.read);
    sourceos_finding_evidence(fd, "plists", count);
    return SOURCEOS_OK;
}
