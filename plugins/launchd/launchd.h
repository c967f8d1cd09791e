/* launchd: declarations the launchd plist checks share. */
#ifndef SOS_PLUGIN_LAUNCHD_H
#define SOS_PLUGIN_LAUNCHD_H

/* A launchd service is a property list (XML or binary) in one of the launch
 * directories. These checks lint such plists for what made an agent look
 * like hostile persistence: unbounded respawn, logs in /tmp, a root-owned
 * per-user agent, files launchd itself refuses, and a raw `podman run` that
 * pulls from a registry at every start instead of the governed wrapper. */

#include <limits.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <plist/plist.h>

#include "sourceos/plugin.h"
#include "../common/plugin_util.h"
#include "../common/podman_cmd.h"

/* Real launchd plists are a few KiB; anything bigger is not parsed. */
#define LAUNCHD_PLIST_MAX_BYTES (1024u * 1024u)
/* The scan stops after this many files, so a flooded directory cannot
 * make the report unbounded; it says so when it stops. */
#define LAUNCHD_SCAN_MAX_FILES 2000
/* launchd's own default ThrottleInterval; a restart-on-failure job should
 * not wait less than this between respawns. */
#define LAUNCHD_MIN_THROTTLE 10
#define LAUNCHD_ARGV_MAX 128
#define LAUNCHD_TEXT_MAX 1024

/* ---- reading a plist (plist.c) ------------------------------------------- */

/* One plist file as read from the host (under --root). */
struct launchd_plist {
    const char *path;     /* host view */
    int read_error;       /* negative errno of sourceos_read_file, or 0 */
    int too_large;        /* longer than LAUNCHD_PLIST_MAX_BYTES */
    int have_stat;        /* st holds the file's owner and mode */
    struct stat st;
    const char *format;   /* "xml", "binary", or "unknown" */
    char malformed[256];  /* why it is not a plist launchd can load, or "" */
    plist_t root;         /* the parsed document; NULL when malformed */
    unsigned keys_written; /* <key> elements in the XML text */
    unsigned keys_read;    /* keys libplist kept (fewer: dropped or doubled) */
};

/* Reads and parses PATH; never fails outright: what went wrong is in P. */
void launchd_plist_load(sourceos_ctx *ctx, const char *path,
                        struct launchd_plist *p);

/* Frees what launchd_plist_load() allocated. */
void launchd_plist_release(struct launchd_plist *p);

/* The string at KEY of DICT copied into OUT; NULL when absent or not a
 * string. */
const char *launchd_plist_string(plist_t dict, const char *key, char *out,
                                 size_t size);

/* 1 and *VALUE when KEY of DICT is a boolean, else 0. */
int launchd_plist_bool(plist_t dict, const char *key, int *value);

/* 1 and *VALUE when KEY of DICT is an integer (or a real, truncated). */
int launchd_plist_integer(plist_t dict, const char *key, long long *value);

/* A list of words: ProgramArguments, or a command line split into words. */
struct launchd_argv {
    size_t n;
    int cut;                         /* words or text did not fit */
    const char *v[LAUNCHD_ARGV_MAX];
    char store[8192];
    size_t used;
};

/* Appends the LEN bytes of WORD to A (cut when full). */
void launchd_argv_add(struct launchd_argv *a, const char *word, size_t len);

/* The strings of the array at KEY of DICT into A; 0 when KEY is absent or
 * not an array. */
int launchd_plist_strings(plist_t dict, const char *key,
                          struct launchd_argv *a);

/* ---- the launch directories (scan.c) ------------------------------------- */

/* The launch directories launchd reads, which decide who must own a plist. */
enum launchd_dir_kind {
    LAUNCHD_USER_AGENTS,    /* /Users/NAME/Library/LaunchAgents */
    LAUNCHD_SYSTEM_AGENTS,  /* /Library/LaunchAgents */
    LAUNCHD_SYSTEM_DAEMONS, /* /Library/LaunchDaemons */
    LAUNCHD_ELSEWHERE       /* any other directory (lint of one file) */
};

/* Where a plist is, and who launchd expects to own it. */
struct launchd_place {
    enum launchd_dir_kind kind;
    char dir[PATH_MAX];    /* host view of the directory */
    char user[256];        /* the owner's name when known ("root", NAME) */
    uid_t owner_uid;
    int owner_known;
};

/* Works out PATH's place: the launch directory and its expected owner. */
void launchd_place_of(sourceos_ctx *ctx, const char *path,
                      struct launchd_place *place);

/* ---- the lint rules (lint.c) --------------------------------------------- */

/* Lints the plist at PATH (host view), recording every problem as a
 * finding naming the file. With DESCRIBE, also one info finding saying
 * what the plist runs. Returns the number of problems found. */
size_t launchd_lint_file(sourceos_ctx *ctx, struct verdict *v,
                         const char *path, int describe);

/* ---- checks -------------------------------------------------------------- */

sourceos_status launchd_check_lint(sourceos_ctx *ctx);
sourceos_status launchd_check_scan(sourceos_ctx *ctx);
/* Live state of one job from `launchctl print` (live.c). */
sourceos_status launchd_check_state(sourceos_ctx *ctx);
/* The enable/disable overrides on disk, and stale ones (overrides.c). */
sourceos_status launchd_check_overrides(sourceos_ctx *ctx);

#endif
