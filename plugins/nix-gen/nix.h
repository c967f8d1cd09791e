/* nix-gen: shared declarations. Where an agent's files came from (a Nix
 * store path, a copy of one, or nothing Nix knows), and the state of the
 * Nix profiles and their generations. */
#ifndef SOS_PLUGIN_NIX_H
#define SOS_PLUGIN_NIX_H

#include <stddef.h>
#include <time.h>

#include "sourceos/plugin.h"
#include "../common/plugin_util.h"

#define NIX_STORE_DIR "/nix/store"
#define NIX_PROFILES_DIR "/nix/var/nix/profiles"
/* A store path's hash: 160 bits in Nix's base32, always 32 characters. */
#define NIX_HASH_LEN 32
/* The longest name after the hash Nix accepts (store path names). */
#define NIX_NAME_MAX 211
/* Links followed for one path: the kernel's own bound (MAXSYMLINKS). */
#define NIX_MAX_HOPS 40
/* Paths the plugin handles; a profile or agent file beyond this is not one
 * Nix or a service manager made. */
#define NIX_PATH_MAX 1024
/* Generation numbers: nine digits; nobody has a billion generations. */
#define NIX_MAX_GENERATION 999999999UL
/* Generations, users and files looked at, so a hostile tree stays bounded. */
#define NIX_MAX_LISTED 100000
#define NIX_MAX_USERS 1000

/* ---- links.c: pure helpers (no sourceos_ctx; unit-tested directly) ------ */

/* Whether NAME is a generation link "PROFILE-N-link" (N a decimal from 1 to
 * NIX_MAX_GENERATION without leading zeros; PROFILE non-empty, no '/').
 * Returns 0 and stores PROFILE and N, or -1. PROFILE may be NULL. */
int nix_generation_name(const char *name, char *profile, size_t size,
                        unsigned long *number);

/* The length of the store path element "/nix/store/HASH-NAME" PATH starts
 * with (PATH may go on below it with "/..."), or 0 when PATH is not in the
 * store: a 32-character base32 hash, a valid name, nothing else. */
size_t nix_store_element(const char *path);

/* What a symlink's target names. */
enum nix_target {
    NIX_TARGET_STORE,      /* /nix/store/HASH-NAME[/...] */
    NIX_TARGET_GENERATION, /* PROFILE-N-link, beside the link (or absolute) */
    NIX_TARGET_ABSOLUTE,   /* some other absolute path */
    NIX_TARGET_RELATIVE,   /* some other relative path */
    NIX_TARGET_INVALID     /* empty, or holding control characters */
};
enum nix_target nix_classify_target(const char *target);

/* How resolving a path ended. */
enum nix_chain_end {
    NIX_CHAIN_OK,       /* the path exists; resolved is where it ends */
    NIX_CHAIN_MISSING,  /* resolved names the first path that does not exist */
    NIX_CHAIN_ESCAPE,   /* a ".." would climb above the root */
    NIX_CHAIN_LOOP,     /* a link came back to where it had been */
    NIX_CHAIN_TOO_MANY, /* more than NIX_MAX_HOPS links */
    NIX_CHAIN_TOO_LONG, /* a path or link target beyond NIX_PATH_MAX */
    NIX_CHAIN_INVALID,  /* not absolute, or an empty link target */
    NIX_CHAIN_IO,       /* lstat or readlink failed otherwise (err_no) */
    NIX_CHAIN_DENIED    /* EACCES: resolved names the directory this user may
                         * not search; what lies past it is not known */
};

/* One link followed: the link (host view, directories resolved), what it
 * said, and the components still to walk after it. */
struct nix_hop {
    char link[NIX_PATH_MAX];
    char target[NIX_PATH_MAX];
    char rest[NIX_PATH_MAX];
};

struct nix_chain {
    struct nix_hop hops[NIX_MAX_HOPS];
    size_t n_hops;
    char resolved[NIX_PATH_MAX]; /* host view, no links left in it */
    enum nix_chain_end end;
    int err_no;
};

/* Resolves PATH (absolute, host view) under the directory ROOT_FD link by
 * link, as the kernel would with ROOT_FD as "/": absolute targets start
 * again at the root, ".." above it is refused. Records every hop in CHAIN
 * and returns CHAIN->end. */
enum nix_chain_end nix_resolve(int root_fd, const char *path,
                               struct nix_chain *chain);

/* The store path element "/nix/store/HASH-NAME" the chain ends in, or
 * else the last one a link named on the way, in OUT ("" when none).
 * Returns its length. */
size_t nix_chain_store_path(const struct nix_chain *chain, char *out, size_t size);

/* Words for a chain's end, for messages. */
const char *nix_chain_end_text(enum nix_chain_end end);

/* Reads `nix-store -q --deriver` output: its first line when it is a store
 * path ending in ".drv" or "unknown-deriver". Returns 0, or -1 for anything
 * else (garbage, empty, too long). */
int nix_parse_deriver(const char *out, size_t len, char *deriver, size_t size);

/* ---- profile.c: profiles and homes under the root ----------------------- */

/* A profile and its current generation. */
struct nix_profile {
    char path[NIX_PATH_MAX];       /* the profile link, host view */
    char generation_link[NIX_PATH_MAX]; /* PROFILE-N-link, host view */
    char store_path[NIX_PATH_MAX]; /* the store path element it ends in */
    unsigned long generation;      /* 0: the profile is not a generation link */
    time_t generation_time;        /* the N-link's mtime */
    size_t generations;            /* PROFILE-M-link entries beside it */
    unsigned long oldest;          /* smallest M seen */
    struct nix_chain chain;        /* how the profile link resolved */
};

/* Whether anything exists at PATH (host view) under ROOT_FD, links not
 * followed: a directory on the way this user may not search is neither. */
enum nix_presence { NIX_ABSENT, NIX_PRESENT, NIX_DENIED };
enum nix_presence nix_exists(int root_fd, const char *path);

/* Paths this user was not allowed to look at (EACCES), each the deepest
 * of the path asked for and its parents that could still be looked at:
 * the directory that refused, or the path itself when it may not be read.
 * At most NIX_MAX_DENIED, without repeats. */
#define NIX_MAX_DENIED 8
struct nix_denied {
    size_t n;
    char paths[NIX_MAX_DENIED][NIX_PATH_MAX];
};
void nix_denied_add(struct nix_denied *d, int root_fd, const char *path);

/* Reads the profile link PATH under ROOT_FD into P: its chain, current
 * generation, the store path, the N-link's date and the generation count. */
void nix_profile_read(int root_fd, const char *path, struct nix_profile *p);

/* A user's home directory in the tree. */
struct nix_home {
    char user[256];
    char dir[NIX_PATH_MAX]; /* host view: /home/NAME, /Users/NAME, /root */
};

/* The homes under /home and /Users (directories, sorted by path) and /root,
 * at most MAX; returns how many were stored in HOMES. /home or /Users this
 * user may not list goes into DENIED. */
size_t nix_list_homes(int root_fd, struct nix_home *homes, size_t max,
                      struct nix_denied *denied);

/* The home PATH lies in, or NULL; *REL is the rest of PATH after it. */
const struct nix_home *nix_home_of(const struct nix_home *homes, size_t n,
                                   const char *path, const char **rel);

/* ---- plugin.c: shared pieces of both checks ----------------------------- */

/* A directory descriptor on --root, or -1 with a finding recorded. */
int nix_open_root(sourceos_ctx *ctx);

/* Whether --root is the real root, where nix-store can be asked. */
int nix_root_is_host(sourceos_ctx *ctx);

/* `nix-store -q --deriver STORE_PATH` (param nix_store, timeout_ms) when
 * nix-store can answer for this tree: adds evidence `deriver`, or
 * `deriver_unavailable` saying why not. Never a problem by itself. */
void nix_deriver_evidence(sourceos_ctx *ctx, sourceos_finding *f,
                          const char *store_path);

/* An ISO 8601 UTC time ("2026-11-23T15:47:55Z"). */
void nix_time_text(time_t t, char *out, size_t size);

sourceos_status nix_check_generations(sourceos_ctx *ctx);
sourceos_status nix_check_provenance(sourceos_ctx *ctx);

#endif
