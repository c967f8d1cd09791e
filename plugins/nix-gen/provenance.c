/* nix-gen: nix.provenance. Where each of an agent's files (its plist or
 * unit, and its wrapper) came from:
 *  - store: a link into /nix/store (home-manager links
 *    ~/.config/systemd/user/x.service there);
 *  - copy: a regular file byte for byte the same as the current
 *    generation's copy (nix-darwin copies launchd plists out of the store:
 *    user agents from /run/current-system/user/Library/LaunchAgents,
 *    daemons from /run/current-system/Library/LaunchDaemons; home-manager
 *    keeps its files under GENERATION/home-files);
 *  - drift: such a file that differs from the generation's copy;
 *  - unmanaged: no generation has it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nix.h"

#define CURRENT_SYSTEM "/run/current-system"
#define SYSTEM_PROFILE NIX_PROFILES_DIR "/system"
/* Service definitions and wrappers are KiB; a larger file is not compared. */
#define NIX_MAX_COMPARE (64u * 1024u * 1024u)

/* A generation that may hold a copy of the file. */
struct candidate {
    const char *manager;          /* "nix-darwin", "home-manager" */
    const char *fix;              /* the command that reinstalls its files */
    char generation[NIX_PATH_MAX]; /* its generation link or store path */
    char copy[NIX_PATH_MAX];      /* where the copy would be, host view */
    char resolved[NIX_PATH_MAX];  /* the copy with its links resolved */
    int exists;
};

#define MAX_CANDIDATES 3

struct prov {
    sourceos_ctx *ctx;
    int root_fd;
    struct verdict v;
    struct nix_home *homes;
    size_t n_homes;
    struct nix_profile *profile; /* scratch */
    struct nix_chain *chain;     /* the file's own chain */
    struct candidate cand[MAX_CANDIDATES];
    size_t n_cand;
    struct nix_denied homes_denied; /* /home or /Users not listable */
    struct nix_denied denied;       /* what this file's judgement could not see */
};

static sourceos_finding *prov_note(struct prov *pr, const char *path, const char *role,
                                   const char *code, sourceos_severity sev,
                                   const char *format, ...)
    __attribute__((format(printf, 6, 7)));

static sourceos_finding *prov_note(struct prov *pr, const char *path, const char *role,
                                   const char *code, sourceos_severity sev,
                                   const char *format, ...)
{
    sourceos_finding *f;
    va_list ap;
    va_start(ap, format);
    f = plugin_vnote(pr->ctx, &pr->v, code, sev, path, format, ap);
    va_end(ap);
    sourceos_finding_path(f, path);
    sourceos_finding_evidence(f, "role", role);
    return f;
}

/* What the judgement of PATH could not see (EACCES): one warning per
 * path, never "missing" nor "unmanaged". Nothing when all was seen. */
static void note_denied(struct prov *pr, const char *path, const char *role)
{
    for (size_t i = 0; i < pr->denied.n; i++) {
        sourceos_finding *f = plugin_denied(pr->ctx, &pr->v, "nix.permission-denied",
                                            pr->denied.paths[i], NULL);
        sourceos_finding_evidence(f, "role", role);
        sourceos_finding_evidence(f, "file", path);
    }
}

/* ---- the generations that may hold the file ------------------------------- */

/* Reads the generation PROFILE points at into STORE (its store path); 0
 * when it resolves into the store. GENERATION names it for people: the
 * N-link, or the profile itself when it is no generation link. */
static int read_generation(struct prov *pr, const char *profile, char *generation,
                           size_t size, char *store, size_t store_size)
{
    struct nix_profile *p = pr->profile;
    enum nix_presence here = nix_exists(pr->root_fd, profile);
    if (here == NIX_DENIED)
        nix_denied_add(&pr->denied, pr->root_fd, profile);
    if (here != NIX_PRESENT)
        return -1;
    nix_profile_read(pr->root_fd, profile, p);
    if (p->chain.end == NIX_CHAIN_DENIED)
        nix_denied_add(&pr->denied, pr->root_fd, p->chain.resolved);
    if (p->chain.end != NIX_CHAIN_OK || !p->store_path[0])
        return -1;
    plugin_textf(generation, size, "%s", p->generation_link[0] ? p->generation_link : profile);
    plugin_textf(store, store_size, "%s", p->store_path);
    return 0;
}

/* Adds the copy at BASE + SUFFIX as a candidate, resolved under the root.
 * BASE is the profile or /run/current-system, as people know the path. */
static void add_candidate(struct prov *pr, const char *manager, const char *fix,
                          const char *generation, const char *base, const char *suffix)
{
    struct candidate *c;
    if (pr->n_cand == MAX_CANDIDATES)
        return;
    c = &pr->cand[pr->n_cand++];
    memset(c, 0, sizeof *c);
    c->manager = manager;
    c->fix = fix;
    plugin_textf(c->generation, sizeof c->generation, "%s", generation);
    plugin_textf(c->copy, sizeof c->copy, "%s%s", base, suffix);
    switch (nix_resolve(pr->root_fd, c->copy, pr->chain)) {
    case NIX_CHAIN_OK: {
        struct stat st;
        plugin_textf(c->resolved, sizeof c->resolved, "%s", pr->chain->resolved);
        c->exists = fstatat(pr->root_fd, c->resolved + 1, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                    S_ISREG(st.st_mode);
        break;
    }
    case NIX_CHAIN_DENIED:
        nix_denied_add(&pr->denied, pr->root_fd, pr->chain->resolved);
        break;
    default:
        break;
    }
}

/* nix-darwin: the activated system (/run/current-system), named by the
 * system profile's generation when it is that one; else the system profile.
 * A file in a home is a user agent, kept under user/. */
static void add_darwin_candidate(struct prov *pr, const char *path,
                                 const struct nix_home *home, const char *rel)
{
    char generation[NIX_PATH_MAX], store[NIX_PATH_MAX], suffix[NIX_PATH_MAX];
    char current[NIX_PATH_MAX], current_store[NIX_PATH_MAX];
    int have_profile = read_generation(pr, SYSTEM_PROFILE, generation, sizeof generation,
                                       store, sizeof store) == 0;
    int have_current = read_generation(pr, CURRENT_SYSTEM, current, sizeof current,
                                       current_store, sizeof current_store) == 0;
    if (!have_profile && !have_current)
        return;
    if (home)
        plugin_textf(suffix, sizeof suffix, "/user/%s", rel);
    else
        plugin_textf(suffix, sizeof suffix, "%s", path);
    if (have_current && (!have_profile || strcmp(store, current_store) != 0))
        plugin_textf(generation, sizeof generation, "%s", current_store);
    add_candidate(pr, "nix-darwin", "darwin-rebuild switch", generation,
                  have_current ? CURRENT_SYSTEM : SYSTEM_PROFILE, suffix);
}

/* home-manager: the user's generation, in either place Nix keeps profiles. */
static void add_home_manager_candidate(struct prov *pr, const struct nix_home *home,
                                       const char *rel)
{
    char profile[NIX_PATH_MAX], generation[NIX_PATH_MAX], store[NIX_PATH_MAX];
    char suffix[NIX_PATH_MAX];
    plugin_textf(profile, sizeof profile, "%s/.local/state/nix/profiles/home-manager", home->dir);
    if (read_generation(pr, profile, generation, sizeof generation, store, sizeof store) != 0) {
        plugin_textf(profile, sizeof profile, NIX_PROFILES_DIR "/per-user/%s/home-manager",
                  home->user);
        if (read_generation(pr, profile, generation, sizeof generation, store,
                            sizeof store) != 0)
            return;
    }
    plugin_textf(suffix, sizeof suffix, "/home-files/%s", rel);
    add_candidate(pr, "home-manager", "home-manager switch", generation, profile, suffix);
}

static void find_candidates(struct prov *pr, const char *path)
{
    const char *rel = NULL;
    const struct nix_home *home = nix_home_of(pr->homes, pr->n_homes, path, &rel);
    pr->n_cand = 0;
    add_darwin_candidate(pr, path, home, rel);
    if (home)
        add_home_manager_candidate(pr, home, rel);
}

/* ---- comparing bytes -------------------------------------------------------- */

static int open_regular(int root_fd, const char *resolved, struct stat *st)
{
    int fd = openat(root_fd, resolved + 1, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0 && (fstat(fd, st) != 0 || !S_ISREG(st->st_mode))) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    return fd;
}

/* Reads exactly SIZE bytes (less only at end of file); -1 on error. */
static ssize_t read_full(int fd, char *buf, size_t size)
{
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

static int same_stream(int a, int b)
{
    char x[65536], y[65536];
    for (;;) {
        ssize_t na = read_full(a, x, sizeof x), nb = read_full(b, y, sizeof y);
        if (na < 0 || nb < 0)
            return -1;
        if (na != nb || memcmp(x, y, (size_t)na) != 0)
            return 0;
        if (na == 0)
            return 1;
    }
}

/* 1 when the files (resolved paths) hold the same bytes, 0 when not, -1
 * when one cannot be read or is too large to compare. Sizes are stored; a
 * file this user may not read goes into DENIED. */
static int same_bytes(int root_fd, const char *a, const char *b, off_t *size_a,
                      off_t *size_b, struct nix_denied *denied)
{
    struct stat sa, sb;
    int fa = open_regular(root_fd, a, &sa), fb = -1, same = -1;
    if (fa < 0 && errno == EACCES)
        nix_denied_add(denied, root_fd, a);
    if (fa >= 0 && (fb = open_regular(root_fd, b, &sb)) < 0 && errno == EACCES)
        nix_denied_add(denied, root_fd, b);
    if (fa >= 0 && fb >= 0) {
        *size_a = sa.st_size;
        *size_b = sb.st_size;
        if (sa.st_size != sb.st_size)
            same = 0;
        else if ((unsigned long long)sa.st_size <= NIX_MAX_COMPARE)
            same = same_stream(fa, fb);
    }
    if (fa >= 0)
        close(fa);
    if (fb >= 0)
        close(fb);
    return same;
}

/* ---- judging one file ------------------------------------------------------- */

static void size_evidence(sourceos_finding *f, const char *key, off_t size)
{
    char text[32];
    plugin_textf(text, sizeof text, "%lld", (long long)size);
    sourceos_finding_evidence(f, key, text);
}

static void note_store(struct prov *pr, const char *path, const char *role)
{
    char store[NIX_PATH_MAX];
    const struct candidate *in = NULL;
    sourceos_finding *f;
    nix_chain_store_path(pr->chain, store, sizeof store);
    for (size_t i = 0; i < pr->n_cand && !in; i++)
        if (pr->cand[i].exists && !strcmp(pr->cand[i].resolved, pr->chain->resolved))
            in = &pr->cand[i];
    f = prov_note(pr, path, role, "nix.from-store", SOURCEOS_SEV_INFO,
                  "%s the Nix store (%s)%s%s", pr->chain->n_hops ? "a link into" : "in", store,
                  in ? ", part of the current generation "
                  : pr->denied.n ? "; whether a current generation has it is not known"
                                 : "; no current generation has it",
                  in ? in->generation : "");
    sourceos_finding_evidence(f, "source", "store");
    sourceos_finding_evidence(f, "store_path", store);
    sourceos_finding_evidence(f, "target", pr->chain->resolved);
    if (in) {
        sourceos_finding_evidence(f, "generation", in->generation);
        sourceos_finding_evidence(f, "manager", in->manager);
    }
    nix_deriver_evidence(pr->ctx, f, store);
    if (!in)
        note_denied(pr, path, role);
}

static void note_copy_or_drift(struct prov *pr, const char *path, const char *role)
{
    const struct candidate *drifted = NULL;
    off_t size = 0, copy_size = 0, drift_size = 0, drift_copy_size = 0;
    sourceos_finding *f;
    for (size_t i = 0; i < pr->n_cand; i++) {
        const struct candidate *c = &pr->cand[i];
        int same;
        if (!c->exists)
            continue;
        same = same_bytes(pr->root_fd, pr->chain->resolved, c->resolved, &size, &copy_size,
                          &pr->denied);
        if (same == 1) {
            f = prov_note(pr, path, role, "nix.copy", SOURCEOS_SEV_INFO,
                          "an unchanged copy of %s (%s generation %s)", c->copy, c->manager,
                          c->generation);
            sourceos_finding_evidence(f, "source", "copy");
            sourceos_finding_evidence(f, "copy", c->copy);
            sourceos_finding_evidence(f, "generation", c->generation);
            sourceos_finding_evidence(f, "manager", c->manager);
            size_evidence(f, "size", size);
            return;
        }
        if (same == 0 && !drifted) {
            drifted = c;
            drift_size = size;
            drift_copy_size = copy_size;
        }
    }
    if (drifted) {
        char text[512];
        f = prov_note(pr, path, role, "nix.drift", SOURCEOS_SEV_WARNING,
                      "differs from the current %s generation's copy %s: changed by hand "
                      "or left from an older generation",
                      drifted->manager, drifted->copy);
        sourceos_finding_evidence(f, "source", "drift");
        sourceos_finding_evidence(f, "copy", drifted->copy);
        sourceos_finding_evidence(f, "generation", drifted->generation);
        sourceos_finding_evidence(f, "manager", drifted->manager);
        size_evidence(f, "size", drift_size);
        size_evidence(f, "copy_size", drift_copy_size);
        plugin_textf(text, sizeof text,
                  "Reinstall the generation's files with `%s` (it overwrites this copy), "
                  "or move the change into the Nix configuration first.",
                  drifted->fix);
        sourceos_finding_remediation(f, text);
        sourceos_finding_command(f, drifted->fix);
        return;
    }
    if (pr->denied.n) {
        note_denied(pr, path, role); /* a generation may have it: not known */
        return;
    }
    f = prov_note(pr, path, role, "nix.unmanaged", SOURCEOS_SEV_INFO,
                  "no current Nix generation has this file: installed by hand or by "
                  "another tool");
    sourceos_finding_evidence(f, "source", "unmanaged");
    for (size_t i = 0; i < pr->n_cand; i++)
        sourceos_finding_evidence(f, !strcmp(pr->cand[i].manager, "nix-darwin")
                                         ? "looked_in_nix_darwin" : "looked_in_home_manager",
                                  pr->cand[i].copy);
}

static void note_unusable(struct prov *pr, const char *path, const char *role)
{
    const struct nix_chain *c = pr->chain;
    sourceos_finding *f;
    if (c->end == NIX_CHAIN_MISSING) {
        f = prov_note(pr, path, role, "nix.file-missing", SOURCEOS_SEV_WARNING,
                      c->n_hops ? "a dangling link: %s does not exist" : "%s does not exist",
                      c->resolved);
        sourceos_finding_remediation(
            f, "Install the agent again, or fix the path in its declaration (agents.d).");
    } else {
        f = prov_note(pr, path, role, "nix.file-unreadable", SOURCEOS_SEV_WARNING,
                      "cannot be read: the path %s (at %s)", nix_chain_end_text(c->end),
                      c->resolved);
        sourceos_finding_remediation(f, "Fix the links on the path, or the path in the declaration.");
        if (c->err_no)
            sourceos_finding_evidence(f, "error", strerror(c->err_no));
    }
    if (c->n_hops)
        sourceos_finding_evidence(f, "link", c->hops[0].target);
}

static void judge_file(struct prov *pr, const char *path, const char *role)
{
    struct stat st;
    char store[NIX_PATH_MAX];
    if (path[0] != '/') {
        sourceos_finding *f = prov_note(
            pr, path, role, "nix.not-a-path", SOURCEOS_SEV_INFO,
            "not an absolute path (a name looked up when it runs): its origin cannot be told");
        sourceos_finding_remediation(f, "Declare the absolute path to judge where it came from.");
        return;
    }
    pr->denied.n = 0;
    /* A home under a /home this user may not list is not known as one. */
    for (size_t i = 0; i < pr->homes_denied.n; i++)
        if (!strncmp(path, pr->homes_denied.paths[i], strlen(pr->homes_denied.paths[i])) &&
            path[strlen(pr->homes_denied.paths[i])] == '/')
            nix_denied_add(&pr->denied, pr->root_fd, pr->homes_denied.paths[i]);
    switch (nix_resolve(pr->root_fd, path, pr->chain)) {
    case NIX_CHAIN_OK:
        break;
    case NIX_CHAIN_DENIED:
        pr->denied.n = 0;
        nix_denied_add(&pr->denied, pr->root_fd, pr->chain->resolved);
        note_denied(pr, path, role);
        return;
    default:
        note_unusable(pr, path, role);
        return;
    }
    find_candidates(pr, path);
    nix_resolve(pr->root_fd, path, pr->chain); /* find_candidates used the scratch */
    if (nix_chain_store_path(pr->chain, store, sizeof store)) {
        note_store(pr, path, role);
        return;
    }
    if (fstatat(pr->root_fd, pr->chain->resolved + 1, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(st.st_mode)) {
        sourceos_finding *f = prov_note(pr, path, role, "nix.file-unreadable",
                                        SOURCEOS_SEV_WARNING, "not a regular file (at %s)",
                                        pr->chain->resolved);
        sourceos_finding_remediation(f, "Point the declaration at the file itself.");
        return;
    }
    note_copy_or_drift(pr, path, role);
}

/* ---- the check ----------------------------------------------------------------- */

/* The wrapper is the command's first word: `command` is a list (its first
 * item) or a command line (its first blank-separated word). */
static void wrapper_path(sourceos_ctx *ctx, char *out, size_t size)
{
    const char *command = sourceos_param_at(ctx, "command", 0);
    out[0] = '\0';
    if (command)
        plugin_textf(out, size, "%.*s", (int)strcspn(command, " \t"), command);
}

static sourceos_status run_files(struct prov *pr)
{
    size_t n = sourceos_param_count(pr->ctx, "files");
    char wrapper[NIX_PATH_MAX];
    wrapper_path(pr->ctx, wrapper, sizeof wrapper);
    for (size_t i = 0; i < n; i++) {
        const char *file = sourceos_param_at(pr->ctx, "files", i);
        if (file && *file)
            judge_file(pr, file, "service definition");
    }
    if (*wrapper)
        judge_file(pr, wrapper, "wrapper");
    return verdict_status(&pr->v);
}

static int has_files(sourceos_ctx *ctx)
{
    const char *command = sourceos_param_at(ctx, "command", 0);
    return sourceos_param_count(ctx, "files") > 0 || (command && *command);
}

sourceos_status nix_check_provenance(sourceos_ctx *ctx)
{
    struct prov *pr;
    sourceos_status status = SOURCEOS_ERROR;
    if (!has_files(ctx)) {
        sourceos_finding_add(ctx, "nix.no-files", SOURCEOS_SEV_INFO,
                             "the agent declares no plist, unit or command: nothing to trace "
                             "to a Nix generation");
        return SOURCEOS_SKIPPED;
    }
    pr = calloc(1, sizeof *pr);
    if (pr) {
        pr->ctx = ctx;
        pr->homes = calloc(NIX_MAX_USERS, sizeof *pr->homes);
        pr->profile = malloc(sizeof *pr->profile);
        pr->chain = malloc(sizeof *pr->chain);
    }
    if (!pr || !pr->homes || !pr->profile || !pr->chain) {
        sourceos_finding_add(ctx, "nix.out-of-memory", SOURCEOS_SEV_CRITICAL,
                             "out of memory tracing the agent's files");
    } else if ((pr->root_fd = nix_open_root(ctx)) >= 0) {
        pr->n_homes = nix_list_homes(pr->root_fd, pr->homes, NIX_MAX_USERS,
                                     &pr->homes_denied);
        status = run_files(pr);
        close(pr->root_fd);
    }
    if (pr) {
        free(pr->homes);
        free(pr->profile);
        free(pr->chain);
    }
    free(pr);
    return status;
}
