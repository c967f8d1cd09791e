/* nix-gen: profiles and homes as they lie in the tree. A profile is a link
 * PROFILE -> PROFILE-N-link -> /nix/store/HASH-NAME, with PROFILE-M-link
 * beside it for every generation kept. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nix.h"

enum nix_presence nix_exists(int root_fd, const char *path)
{
    struct stat st;
    if (path[0] != '/' || !path[1])
        return NIX_ABSENT;
    if (fstatat(root_fd, path + 1, &st, AT_SYMLINK_NOFOLLOW) == 0)
        return NIX_PRESENT;
    return errno == EACCES ? NIX_DENIED : NIX_ABSENT;
}

void nix_denied_add(struct nix_denied *d, int root_fd, const char *path)
{
    char at[NIX_PATH_MAX];
    struct stat st;
    char *slash;
    plugin_textf(at, sizeof at, "%s", path);
    /* Up to the first path that can be looked at: its search was refused. */
    while (at[1] && fstatat(root_fd, at + 1, &st, AT_SYMLINK_NOFOLLOW) != 0 &&
           (slash = strrchr(at, '/')) != NULL)
        slash[slash == at] = '\0'; /* "/x" becomes "/" */
    for (size_t i = 0; i < d->n; i++)
        if (!strcmp(d->paths[i], at))
            return;
    if (d->n < NIX_MAX_DENIED)
        plugin_textf(d->paths[d->n++], sizeof d->paths[0], "%s", at);
}

/* The directory part of PATH ("/" for a top-level name) and its last name. */
static void split_path(const char *path, char *dir, size_t size, const char **base)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    plugin_textf(dir, size, "%.*s", (int)(n ? n : 1), n ? path : "/");
    *base = slash ? slash + 1 : path;
}

/* Counts the generation links of profile NAME in directory DIR (host
 * view, resolved): how many, and the oldest number. */
static void count_generations(int root_fd, const char *dir, const char *name,
                              struct nix_profile *p)
{
    int fd = openat(root_fd, dir[1] ? dir + 1 : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;
    size_t seen = 0;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    while ((e = readdir(d)) && seen++ < NIX_MAX_LISTED) {
        char profile[NIX_PATH_MAX];
        unsigned long n;
        if (nix_generation_name(e->d_name, profile, sizeof profile, &n) != 0 ||
            strcmp(profile, name) != 0)
            continue;
        if (!p->generations || n < p->oldest)
            p->oldest = n;
        p->generations++;
    }
    closedir(d);
}

/* The generation link the profile's first hop names, when it is one. */
static void read_generation(int root_fd, struct nix_profile *p)
{
    const struct nix_hop *hop = &p->chain.hops[0];
    char dir[NIX_PATH_MAX], name[NIX_PATH_MAX];
    const char *base, *target_base = strrchr(hop->target, '/');
    struct stat st;
    unsigned long n;
    if (nix_classify_target(hop->target) != NIX_TARGET_GENERATION)
        return; /* straight into the store, or somewhere else */
    split_path(hop->link, dir, sizeof dir, &base);
    target_base = target_base ? target_base + 1 : hop->target;
    if (nix_generation_name(target_base, name, sizeof name, &n) != 0 || strcmp(name, base) != 0)
        return;
    p->generation = n;
    if (hop->target[0] == '/')
        plugin_textf(p->generation_link, sizeof p->generation_link, "%s", hop->target);
    else
        plugin_textf(p->generation_link, sizeof p->generation_link, "%s/%s",
                  dir[1] ? dir : "", hop->target);
    if (fstatat(root_fd, p->generation_link + 1, &st, AT_SYMLINK_NOFOLLOW) == 0)
        p->generation_time = st.st_mtime;
    count_generations(root_fd, dir, base, p);
}

void nix_profile_read(int root_fd, const char *path, struct nix_profile *p)
{
    memset(p, 0, sizeof *p);
    plugin_textf(p->path, sizeof p->path, "%s", path);
    nix_resolve(root_fd, path, &p->chain);
    if (p->chain.n_hops > 0)
        read_generation(root_fd, p);
    nix_chain_store_path(&p->chain, p->store_path, sizeof p->store_path);
}

/* ---- homes ------------------------------------------------------------------ */

static int by_dir(const void *a, const void *b)
{
    return strcmp(((const struct nix_home *)a)->dir, ((const struct nix_home *)b)->dir);
}

/* Adds each directory under BASE (/home, /Users) as a home. */
static size_t list_homes_in(int root_fd, const char *base, struct nix_home *homes,
                            size_t n, size_t max, struct nix_denied *denied)
{
    int fd = openat(root_fd, base + 1, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;
    if (fd < 0 && errno == EACCES)
        nix_denied_add(denied, root_fd, base);
    if (!d) {
        if (fd >= 0)
            close(fd);
        return n;
    }
    while (n < max && (e = readdir(d))) {
        struct stat st;
        if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof homes[n].user ||
            fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode))
            continue;
        plugin_textf(homes[n].user, sizeof homes[n].user, "%s", e->d_name);
        plugin_textf(homes[n].dir, sizeof homes[n].dir, "%s/%s", base, e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

size_t nix_list_homes(int root_fd, struct nix_home *homes, size_t max,
                      struct nix_denied *denied)
{
    size_t n = 0;
    struct stat st;
    n = list_homes_in(root_fd, "/home", homes, n, max, denied);
    n = list_homes_in(root_fd, "/Users", homes, n, max, denied);
    if (n > 1)
        qsort(homes, n, sizeof *homes, by_dir);
    if (n < max && fstatat(root_fd, "root", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISDIR(st.st_mode)) {
        plugin_textf(homes[n].user, sizeof homes[n].user, "root");
        plugin_textf(homes[n].dir, sizeof homes[n].dir, "/root");
        n++;
    }
    return n;
}

const struct nix_home *nix_home_of(const struct nix_home *homes, size_t n,
                                   const char *path, const char **rel)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(homes[i].dir);
        if (!strncmp(path, homes[i].dir, len) && path[len] == '/' && path[len + 1]) {
            *rel = path + len + 1;
            return &homes[i];
        }
    }
    return NULL;
}
