/* One staging generation: generations/N/ under the agent's state
 * directory, holding declaration.json, wrapper, the plist or unit,
 * lint.json and lint-config/ (the doctor's lint, as a checks.d); `current` switched to it, in one rename, only when every lint
 * passed. Everything is written relative to directory descriptors opened
 * without following symlinks, so a planted link cannot redirect a write. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "capabilities.h"
#include "scratch.h"
#include "stage.h"

#define GENERATION_MAX 1000000u

/* Where the tree's PATH is on this machine: under O's root, if any. */
static char *on_host(const struct sos_stage_options *o, const char *path)
{
    char *out;
    if (!o->root || !o->root[0] || strcmp(o->root, "/") == 0)
        return strdup(path);
    return asprintf(&out, "%s%s", o->root, path) < 0 ? NULL : out;
}

/* The tree's name of HOST, a path on this machine under O's root. */
static const char *in_tree(const struct sos_stage_options *o, const char *host)
{
    size_t n = o->root && strcmp(o->root, "/") != 0 ? strlen(o->root) : 0;
    return n && strncmp(host, o->root, n) == 0 && host[n] == '/' ? host + n : host;
}

char *sos_stage_state_dir(const struct sos_agent_model *m, const char *home,
                          const char *xdg_state_home, sos_error *err)
{
    char *out = NULL, *base;
    if (m->scope == SOS_SCOPE_SYSTEM)
        base = strdup("/var/lib/sourceos/agents");
    else if (xdg_state_home && xdg_state_home[0] == '/')
        base = (asprintf(&base, "%s/sourceos/agents", xdg_state_home) < 0) ? NULL : base;
    else if (home && home[0] == '/')
        base = (asprintf(&base, "%s/.local/state/sourceos/agents", home) < 0) ? NULL : base;
    else {
        sos_fail(err, "state directory: neither XDG_STATE_HOME nor HOME is an absolute path");
        return NULL;
    }
    if (base && asprintf(&out, "%s/%s", base, m->name) < 0)
        out = NULL;
    free(base);
    if (!out) {
        sos_fail(err, "state directory: out of memory");
        return NULL;
    }
    char *checked = sos_gen_path("state directory", out, NULL, err);
    free(out);
    return checked;
}


/* A subdirectory NAME of DIRFD (made 0700 if missing), opened. */
static int open_subdir(int dirfd, const char *name, int create, sos_error *err)
{
    int fd;
    if (create && mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
        return sos_fail(err, "%s: cannot create: %s", name, strerror(errno));
    fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return sos_fail(err, "%s: cannot open as a directory: %s", name, strerror(errno));
    return fd;
}

/* The newest N in generations/ (names of digits only; others ignored). */
static unsigned newest_generation(int gensfd)
{
    int fd = dup(gensfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;
    unsigned newest = 0;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    while ((e = readdir(d))) {
        char *end;
        unsigned long n;
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        n = strtoul(e->d_name, &end, 10);
        if (!*end && n < GENERATION_MAX && n > newest)
            newest = (unsigned)n;
    }
    closedir(d);
    return newest;
}

/* A new generations/N, made with mkdirat so two stagings never share one. */
static int new_generation(int gensfd, unsigned *n, sos_error *err)
{
    for (unsigned next = newest_generation(gensfd) + 1; next < GENERATION_MAX; next++) {
        char name[16];
        snprintf(name, sizeof name, "%u", next);
        if (mkdirat(gensfd, name, 0700) == 0) {
            *n = next;
            return open_subdir(gensfd, name, 0, err);
        }
        if (errno != EEXIST)
            return sos_fail(err, "generations/%s: cannot create: %s", name, strerror(errno));
    }
    return sos_fail(err, "generations: no free number");
}

/* The generated texts, freed together. */
struct texts {
    char *decl, *wrapper, *service, *service_name;
};

static void texts_free(struct texts *t)
{
    free(t->decl);
    free(t->wrapper);
    free(t->service);
    free(t->service_name);
}

static int generate(const struct sos_agent_model *m, const struct sos_stage_options *o,
                    const char *wrapper_path, struct texts *tx, sos_error *err)
{
    struct sos_gen_target t = {o->backend, o->os, o->home, o->user, o->state_dir, wrapper_path};
    int launchd = o->backend == SOS_BACKEND_LAUNCHD;
    if (!(tx->decl = sos_gen_declaration_json(m, err)) ||
        !(tx->wrapper = sos_gen_wrapper(m, &t, err)) ||
        !(tx->service_name = launchd ? sos_gen_plist_name(m, err) : sos_gen_unit_name(m, err)) ||
        !(tx->service = launchd ? sos_gen_plist(m, &t, err) : sos_gen_unit(m, &t, err)))
        return -1;
    return 0;
}

/* Every generator once, into memory, with the wrapper's place in a
 * generation not made yet: a value a generator refuses (a newline in an env
 * value, a relative log path, a system agent without an account) is refused
 * before the state directory or a generation exists. Costs a few
 * microseconds; the texts are made again with the real place. */
static int dry_generate(const struct sos_agent_model *m, const struct sos_stage_options *o,
                        sos_error *err)
{
    struct texts tx = {0};
    char *wrapper = NULL;
    int rc;
    if (asprintf(&wrapper, "%s/generations/0/wrapper", o->state_dir) < 0)
        return sos_fail(err, "out of memory");
    rc = generate(m, o, wrapper, &tx, err);
    texts_free(&tx);
    free(wrapper);
    return rc;
}

static int write_text(int dirfd, const char *name, const char *text, mode_t mode, sos_error *err)
{
    /* The generation's directory is fsync'd once, after its last file and
     * before `current` can point at it. */
    return sos_atomic_write(dirfd, name, text, strlen(text), mode, SOS_ATOMIC_DEFER_DIR_SYNC, err);
}

/* Writes the files and lints them; R's paths and lints filled. */
static int fill_generation(const struct sos_agent_model *m, const struct sos_stage_options *o,
                           int genfd, struct sos_stage_result *r, sos_error *err)
{
    struct texts tx = {0};
    char *lint_json = NULL;
    int rc = -1;
    if (asprintf(&r->wrapper, "%s/wrapper", r->dir) < 0) {
        r->wrapper = NULL;
        return sos_fail(err, "out of memory");
    }
    /* The files name the wrapper where the tree has it. */
    if (generate(m, o, in_tree(o, r->wrapper), &tx, err) < 0)
        goto out;
    if (asprintf(&r->service, "%s/%s", r->dir, tx.service_name) < 0) {
        r->service = NULL;
        sos_fail(err, "out of memory");
        goto out;
    }
    {
        const struct sos_atomic_file files[] = {
            {"declaration.json", tx.decl, strlen(tx.decl), 0600},
            {"wrapper", tx.wrapper, strlen(tx.wrapper), 0700},
            {tx.service_name, tx.service, strlen(tx.service), 0644},
        };
        /* Written together: one journal commit for the three, not three. */
        if (sos_atomic_write_all(genfd, files, 3, SOS_ATOMIC_DEFER_DIR_SYNC, err) < 0)
            goto out;
    }
    if (sos_stage_lint_files(o, m, r->wrapper, r->service, &r->lints, err) < 0 ||
        sos_stage_lint_doctor(o, genfd, r->dir, in_tree(o, r->service), &r->lints, err) < 0)
        goto out;
    if (!(lint_json = sos_lint_results_json(&r->lints))) {
        sos_fail(err, "lint.json: out of memory");
        goto out;
    }
    rc = write_text(genfd, "lint.json", lint_json, 0600, err);
    if (rc == 0)
        rc = sos_fsync_dir(genfd, err);
out:
    free(lint_json);
    texts_free(&tx);
    return rc;
}

static int check_capabilities(const struct sos_agent_model *m,
                              const struct sos_stage_options *o, sos_error *err)
{
    struct sos_agent_strings allowed = {0};
    int rc;
    if (m->capabilities.n == 0)
        return 0;
    if (o->config_dir && sos_cap_allowlist_load(o->config_dir, &allowed, err) != 0)
        return -1;
    rc = sos_cap_check(m, &allowed, o->config_dir, err);
    sos_cap_strings_free(&allowed);
    return rc;
}

int sos_stage(const struct sos_agent_model *m, const struct sos_stage_options *o,
              struct sos_stage_result *r, sos_error *err)
{
    int statefd, gensfd = -1, genfd = -1, rc = -1;
    char target[32], *state_dir;
    memset(r, 0, sizeof *r);
    /* Refused before anything is made: a model no generator can write, or
     * a capability the administrator did not allow. */
    if (check_capabilities(m, o, err) < 0 || sos_gen_check_identity(m, err) < 0 ||
        dry_generate(m, o, err) < 0)
        return -1;
    if (!(state_dir = on_host(o, o->state_dir)))
        return sos_fail(err, "out of memory");
    statefd = sos_private_dir_open(state_dir, err);
    if (statefd < 0) {
        free(state_dir);
        return sos_wrap(err, "state directory");
    }
    if ((gensfd = open_subdir(statefd, "generations", 1, err)) < 0 ||
        (genfd = new_generation(gensfd, &r->generation, err)) < 0)
        goto out;
    if (asprintf(&r->dir, "%s/generations/%u", state_dir, r->generation) < 0) {
        r->dir = NULL;
        sos_fail(err, "out of memory");
        goto out;
    }
    /* generations/ is fsync'd once its new entry's files are in place, with
     * the generation itself (fill_generation), before `current` can name
     * it: one commit then covers both. */
    if (fill_generation(m, o, genfd, r, err) < 0 || sos_fsync_dir(gensfd, err) < 0)
        goto out;
    rc = 1;
    if (sos_lint_results_pass(&r->lints)) {
        /* Relative, so the state directory can be moved or read under --root. */
        snprintf(target, sizeof target, "generations/%u", r->generation);
        if (sos_atomic_symlink(statefd, "current", target, err) < 0) {
            rc = -1;
            goto out;
        }
        r->current = 1;
        rc = 0;
    }
out:
    if (genfd >= 0)
        close(genfd);
    if (gensfd >= 0)
        close(gensfd);
    close(statefd);
    free(state_dir);
    return rc;
}

void sos_stage_result_free(struct sos_stage_result *r)
{
    free(r->dir);
    free(r->wrapper);
    free(r->service);
    sos_lint_results_free(&r->lints);
    memset(r, 0, sizeof *r);
}

/* A lint's words about a scratch generation name files that are gone:
 * DIR/generations/N/FILE becomes FILE, in place. */
static void unscratch(char *detail, const char *dir)
{
    size_t dlen = strlen(dir);
    char *p;
    while (detail && (p = strstr(detail, dir)) != NULL) {
        char *rest = p + dlen, *slash;
        if (strncmp(rest, "/generations/", 13) == 0 && (slash = strchr(rest + 13, '/')))
            rest = slash + 1;
        memmove(p, rest, strlen(rest) + 1);
    }
}

int sos_stage_scratch(const struct sos_agent_model *m, const struct sos_stage_options *o,
                      struct sos_stage_result *r, sos_error *err)
{
    struct sos_stage_options scratch = *o;
    char *dir = sos_scratch_make("sourceos-stage-scratch", err);
    int rc;
    memset(r, 0, sizeof *r);
    if (!dir)
        return -1;
    /* On this machine, never in a tree: a scratch generation is linted
     * where it is, and a tree is not written to. */
    scratch.state_dir = dir;
    scratch.root = NULL;
    rc = sos_stage(m, &scratch, r, err);
    for (size_t i = 0; rc >= 0 && i < r->lints.n; i++)
        unscratch(r->lints.v[i].detail, dir);
    sos_scratch_remove(dir);
    free(dir);
    return rc;
}

/* 0 when the file DIR/NAME holds exactly TEXT. */
static int same_file(const char *dir, const char *name, const char *text, sos_error *err)
{
    char path[4096];
    size_t len = strlen(text), i = 0;
    FILE *f;
    int c, same = 1;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (!(f = fopen(path, "re")))
        return sos_fail(err, "%s is missing from the generation: it was changed after it was "
                             "staged; stage again",
                        path);
    while ((c = getc(f)) != EOF && same)
        same = i < len && (char)c == text[i++];
    fclose(f);
    if (!same || i != len)
        return sos_fail(err, "%s is not what the declaration generates: the generation was "
                             "changed after it was staged (refused, nothing installed from "
                             "it); stage again",
                        path);
    return 0;
}

int sos_stage_verify(const struct sos_agent_model *m, const struct sos_stage_options *o,
                     const char *gen_dir, sos_error *err)
{
    struct texts tx = {0};
    char *wrapper = NULL;
    int rc;
    if (check_capabilities(m, o, err) < 0)
        return -1;
    if (asprintf(&wrapper, "%s/wrapper", gen_dir) < 0)
        return sos_fail(err, "out of memory");
    rc = generate(m, o, in_tree(o, wrapper), &tx, err);
    if (rc == 0)
        rc = same_file(gen_dir, "wrapper", tx.wrapper, err);
    if (rc == 0)
        rc = same_file(gen_dir, tx.service_name, tx.service, err);
    texts_free(&tx);
    free(wrapper);
    return rc;
}
