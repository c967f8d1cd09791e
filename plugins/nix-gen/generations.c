/* nix-gen: nix.generations. For the system profile, each per-user profile
 * and each home's ~/.local/state/nix/profiles: the current generation, its
 * date and store path, how many are kept, and a dangling or broken link
 * (the generation link or its store path gone) as a finding. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nix.h"

#define SYSTEM_PROFILE NIX_PROFILES_DIR "/system"
#define PER_USER_DIR NIX_PROFILES_DIR "/per-user"
#define CURRENT_SYSTEM "/run/current-system"

/* The profiles kept for a user, by the names Nix and home-manager give them. */
static const char *const user_profiles[] = {"profile", "home-manager", NULL};

struct gen_run {
    sourceos_ctx *ctx;
    int root_fd;
    struct verdict v;
    size_t profiles; /* found and reported */
    struct nix_profile *p; /* scratch, reused per profile (it is large) */
    struct nix_denied denied; /* reported once each */
};

/* PATH, or a directory on the way to it, is one this user may not look at:
 * nothing is known about the profiles there, which is a warning (once per
 * directory), never "no profile" nor a broken one. Returns the finding, or
 * NULL when that directory was reported already. */
static sourceos_finding *note_denied(struct gen_run *g, const char *path, const char *user)
{
    size_t before = g->denied.n;
    nix_denied_add(&g->denied, g->root_fd, path);
    if (g->denied.n == before)
        return NULL;
    return plugin_denied(g->ctx, &g->v, "nix.permission-denied",
                         g->denied.paths[g->denied.n - 1], *user ? user : NULL);
}

/* root's home, where a user may not look, asked of the core too (the
 * profiles it would hold): a capture then records that it was refused, and
 * a replay, whose tree has no such directory, is refused it as the capture
 * was. */
static void note_denied_by_core(struct gen_run *g)
{
    static const char *const places[] = {"/root", NULL};
    for (size_t i = 0; places[i]; i++) {
        char profiles[NIX_PATH_MAX];
        size_t k = 0;
        plugin_textf(profiles, sizeof profiles, "%s/.local/state/nix/profiles", places[i]);
        if (sourceos_host_path_error(g->ctx, profiles) != -EACCES)
            continue;
        while (k < g->denied.n && strcmp(g->denied.paths[k], places[i]) != 0)
            k++;
        if (k < g->denied.n || g->denied.n >= NIX_MAX_DENIED)
            continue;
        plugin_textf(g->denied.paths[g->denied.n++], sizeof g->denied.paths[0], "%s",
                     places[i]);
        plugin_denied(g->ctx, &g->v, "nix.permission-denied", places[i], NULL);
    }
}

/* What breaking PROFILE costs: the system profile is what the next boot or
 * activation uses; a user's profile only loses that user's tools. */
static sourceos_severity broken_severity(const char *kind)
{
    return !strcmp(kind, "system") ? SOURCEOS_SEV_CRITICAL : SOURCEOS_SEV_WARNING;
}

static void repair_advice(struct gen_run *g, sourceos_finding *f, const char *kind,
                          const char *profile)
{
    const char *os = sourceos_fact_get(g->ctx, "host.os");
    const char *const list[] = {"nix-env", "-p", profile, "--list-generations", NULL};
    if (!strcmp(kind, "system")) {
        int mac = os && !strcmp(os, "macos");
        sourceos_finding_remediation(
            f, mac ? "Rebuild and activate the system generation (nix-darwin), or "
                     "switch the profile back to a generation that exists."
                   : "Rebuild and activate the system generation (NixOS), or switch "
                     "the profile back to a generation that exists.");
        sourceos_finding_command(f, mac ? "darwin-rebuild switch" : "nixos-rebuild switch");
    } else if (!strcmp(kind, "home-manager")) {
        sourceos_finding_remediation(f, "Rebuild and activate the home-manager generation.");
        sourceos_finding_command(f, "home-manager switch");
    } else {
        sourceos_finding_remediation(
            f, "Switch the profile back to a generation that exists (list them first).");
    }
    sourceos_finding_command_argv(f, list);
}

static void add_chain_evidence(sourceos_finding *f, const struct nix_profile *p)
{
    for (size_t i = 0; i < p->chain.n_hops && i < 4; i++) {
        char key[32];
        plugin_textf(key, sizeof key, "link%zu", i + 1);
        sourceos_finding_evidence(f, key, p->chain.hops[i].target);
    }
}

/* The profile link resolves to nothing, or to a loop or an escape. */
static void note_broken(struct gen_run *g, const struct nix_profile *p, const char *kind,
                        const char *user)
{
    sourceos_severity sev = broken_severity(kind);
    int dangling = p->chain.end == NIX_CHAIN_MISSING;
    int store_gone = dangling && p->store_path[0] &&
                     !strncmp(p->chain.resolved, p->store_path, strlen(p->store_path));
    sourceos_finding *f;
    verdict_see(&g->v, sev);
    if (!dangling)
        f = sourceos_finding_add(g->ctx, "nix.profile-broken", sev, "%s: the %s profile %s (at %s)",
                                 p->path, kind, nix_chain_end_text(p->chain.end),
                                 p->chain.resolved);
    else if (store_gone)
        f = sourceos_finding_add(g->ctx, "nix.generation-dangling", sev,
                                 "%s: the %s profile's generation %lu points at %s, which is "
                                 "not in the store (collected, or never copied here)",
                                 p->path, kind, p->generation, p->store_path);
    else
        f = sourceos_finding_add(g->ctx, "nix.generation-dangling", sev,
                                 "%s: the %s profile points at %s, which does not exist",
                                 p->path, kind, p->chain.resolved);
    sourceos_finding_path(f, p->path);
    sourceos_finding_evidence(f, "kind", kind);
    if (*user)
        sourceos_finding_evidence(f, "user", user);
    sourceos_finding_evidence(f, "missing", p->chain.resolved);
    add_chain_evidence(f, p);
    repair_advice(g, f, kind, p->path);
}

static void publish_system_facts(struct gen_run *g, const struct nix_profile *p,
                                 const char *date)
{
    char number[32];
    plugin_textf(number, sizeof number, "%lu", p->generation);
    sourceos_fact_set(g->ctx, "nix.system_generation", number);
    sourceos_fact_set(g->ctx, "nix.system_generation_date", date);
    sourceos_fact_set(g->ctx, "nix.system_store_path", p->store_path);
}

/* The store path /run/current-system names (the activated system), when it
 * differs from the profile's: a rebuild not yet activated, or a rollback. */
static void current_system_evidence(struct gen_run *g, sourceos_finding *f,
                                    const struct nix_profile *p)
{
    struct nix_chain *c;
    char store[NIX_PATH_MAX];
    enum nix_presence here = nix_exists(g->root_fd, CURRENT_SYSTEM);
    if (here == NIX_DENIED)
        sourceos_finding_evidence(f, "current_system", "unknown (permission denied)");
    if (here != NIX_PRESENT || !(c = malloc(sizeof *c)))
        return;
    nix_resolve(g->root_fd, CURRENT_SYSTEM, c);
    if (c->end != NIX_CHAIN_OK || !nix_chain_store_path(c, store, sizeof store)) {
        sourceos_finding_evidence(f, "current_system", nix_chain_end_text(c->end));
    } else {
        sourceos_finding_evidence(f, "current_system", store);
        sourceos_finding_evidence(f, "current_system_is_profile",
                                  strcmp(store, p->store_path) ? "false" : "true");
    }
    free(c);
}

static void note_generation(struct gen_run *g, const struct nix_profile *p, const char *kind,
                            const char *user)
{
    char date[64] = "", text[64];
    sourceos_finding *f;
    if (!p->generation) {
        f = sourceos_finding_add(g->ctx, "nix.profile-no-generation", SOURCEOS_SEV_INFO,
                                 "%s: the %s profile points at %s directly, not at a "
                                 "generation: there is nothing to roll back to",
                                 p->path, kind, p->chain.resolved);
        sourceos_finding_path(f, p->path);
        sourceos_finding_evidence(f, "kind", kind);
        add_chain_evidence(f, p);
        return;
    }
    nix_time_text(p->generation_time, date, sizeof date);
    f = sourceos_finding_add(g->ctx, "nix.generation", SOURCEOS_SEV_INFO,
                             "%s: %s profile at generation %lu of %zu kept (%s), %s", p->path,
                             kind, p->generation, p->generations, date,
                             p->store_path[0] ? p->store_path : p->chain.resolved);
    sourceos_finding_path(f, p->path);
    sourceos_finding_evidence(f, "kind", kind);
    if (*user)
        sourceos_finding_evidence(f, "user", user);
    plugin_textf(text, sizeof text, "%lu", p->generation);
    sourceos_finding_evidence(f, "generation", text);
    sourceos_finding_evidence(f, "generation_link", p->generation_link);
    sourceos_finding_evidence(f, "date", date);
    sourceos_finding_evidence(f, "store_path", p->store_path[0] ? p->store_path : "(not in the store)");
    plugin_textf(text, sizeof text, "%zu", p->generations);
    sourceos_finding_evidence(f, "generations", text);
    plugin_textf(text, sizeof text, "%lu", p->oldest);
    sourceos_finding_evidence(f, "oldest", text);
    if (p->store_path[0])
        nix_deriver_evidence(g->ctx, f, p->store_path);
    if (!strcmp(kind, "system")) {
        publish_system_facts(g, p, date);
        current_system_evidence(g, f, p);
    }
}

/* Reports the profile at PATH when there is one; says whether there was. */
static enum nix_presence report_profile(struct gen_run *g, const char *path,
                                        const char *kind, const char *user)
{
    enum nix_presence here = nix_exists(g->root_fd, path);
    if (here == NIX_DENIED)
        note_denied(g, path, user);
    if (here != NIX_PRESENT)
        return here;
    g->profiles++;
    nix_profile_read(g->root_fd, path, g->p);
    if (g->p->chain.end == NIX_CHAIN_DENIED) {
        /* The link is there, but not where it leads: not known to be broken. */
        sourceos_finding *f = note_denied(g, g->p->chain.resolved, user);
        if (f) {
            sourceos_finding_evidence(f, "profile", path);
            sourceos_finding_evidence(f, "kind", kind);
        }
    } else if (g->p->chain.end != NIX_CHAIN_OK) {
        note_broken(g, g->p, kind, user);
    } else {
        note_generation(g, g->p, kind, user);
    }
    return here;
}

static void report_user_profiles(struct gen_run *g, const char *dir, const char *user)
{
    for (size_t i = 0; user_profiles[i]; i++) {
        char path[NIX_PATH_MAX];
        plugin_textf(path, sizeof path, "%s/%s", dir, user_profiles[i]);
        /* Denied once is denied for the directory's every profile. */
        if (report_profile(g, path,
                           !strcmp(user_profiles[i], "profile") ? "user" : "home-manager",
                           user) == NIX_DENIED)
            return;
    }
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The user names under /nix/var/nix/profiles/per-user, sorted; a
 * directory this user may not list is reported, not taken as empty. */
static size_t list_per_user(struct gen_run *g, char ***out)
{
    int fd = openat(g->root_fd, &PER_USER_DIR[1], O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;
    char **names = NULL;
    size_t n = 0;
    *out = NULL;
    if (fd < 0 && errno == EACCES)
        note_denied(g, PER_USER_DIR, "");
    if (!d) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    while (n < NIX_MAX_USERS && (e = readdir(d))) {
        char **grown;
        if (e->d_name[0] == '.' || strlen(e->d_name) >= 256)
            continue;
        if (!(grown = realloc(names, (n + 1) * sizeof *names)))
            break;
        names = grown;
        if ((names[n] = strdup(e->d_name)))
            n++;
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, by_name);
    *out = names;
    return n;
}

static void report_all(struct gen_run *g, struct nix_home *homes)
{
    char **users, dir[NIX_PATH_MAX];
    struct nix_denied homes_denied = {0};
    size_t n;
    report_profile(g, SYSTEM_PROFILE, "system", "");
    report_profile(g, NIX_PROFILES_DIR "/default", "default", "");
    n = list_per_user(g, &users);
    for (size_t i = 0; i < n; i++) {
        plugin_textf(dir, sizeof dir, "%s/%s", PER_USER_DIR, users[i]);
        report_user_profiles(g, dir, users[i]);
        free(users[i]);
    }
    free(users);
    note_denied_by_core(g);
    n = nix_list_homes(g->root_fd, homes, NIX_MAX_USERS, &homes_denied);
    for (size_t i = 0; i < homes_denied.n; i++)
        note_denied(g, homes_denied.paths[i], "");
    for (size_t i = 0; i < n; i++) {
        plugin_textf(dir, sizeof dir, "%s/.local/state/nix/profiles", homes[i].dir);
        report_user_profiles(g, dir, homes[i].user);
    }
}

/* Nothing to report: say whether Nix is here at all. */
static sourceos_status no_profiles(struct gen_run *g)
{
    char count[8] = "0";
    if (nix_exists(g->root_fd, "/nix") == NIX_ABSENT) {
        sourceos_finding_add(g->ctx, "nix.absent", SOURCEOS_SEV_INFO,
                             "no /nix and no Nix profile in any home: Nix is not used here");
        return SOURCEOS_SKIPPED;
    }
    sourceos_finding_add(g->ctx, "nix.no-profiles", SOURCEOS_SEV_INFO,
                         "Nix is installed (/nix exists) but no system, user or "
                         "home-manager profile has a generation yet");
    sourceos_fact_set(g->ctx, "nix.profiles", count);
    return SOURCEOS_OK;
}

sourceos_status nix_check_generations(sourceos_ctx *ctx)
{
    struct gen_run g = {ctx, -1, {0, SOURCEOS_SEV_INFO}, 0, NULL, {0}};
    struct nix_home *homes = calloc(NIX_MAX_USERS, sizeof *homes);
    sourceos_status status;
    char count[32];
    g.p = malloc(sizeof *g.p);
    if (!homes || !g.p) {
        free(homes);
        free(g.p);
        sourceos_finding_add(ctx, "nix.out-of-memory", SOURCEOS_SEV_CRITICAL,
                             "out of memory reading the Nix profiles");
        return SOURCEOS_ERROR;
    }
    g.root_fd = nix_open_root(ctx);
    if (g.root_fd < 0) {
        status = SOURCEOS_ERROR;
    } else {
        report_all(&g, homes);
        if (g.profiles == 0 && g.denied.n > 0) {
            status = verdict_status(&g.v); /* unknown, not "no Nix" */
        } else if (g.profiles == 0) {
            status = no_profiles(&g);
        } else {
            plugin_textf(count, sizeof count, "%zu", g.profiles);
            sourceos_fact_set(ctx, "nix.profiles", count);
            status = verdict_status(&g.v);
        }
        close(g.root_fd);
    }
    free(homes);
    free(g.p);
    return status;
}
