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
/* ProgramArguments words kept (launch_cmd's own limit), and the bytes they
 * may take together (a script's: a plist string is no longer in practice,
 * and a binary plist can repeat one string many times). Beyond either the
 * lint says what it cut (launchd.launch-cut). */
#define LAUNCHD_ARGV_MAX 4096
#define LAUNCHD_ARGV_STORE (256u * 1024u)
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
    int cut;                         /* words or text did not fit: */
    size_t dropped;                  /* words beyond LAUNCHD_ARGV_MAX */
    size_t truncated;                /* words kept cut short (or empty) */
    size_t first_truncated;          /* the first of them, when truncated */
    const char *v[LAUNCHD_ARGV_MAX];
    char store[LAUNCHD_ARGV_STORE];
    size_t used;
};

/* Appends the LEN bytes of WORD to A. When the store is full the word
 * keeps its place, cut to what fits (the rest empty), and A says so: the
 * words after it stay where they were. */
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

/* Calls VISIT for every *.plist the scan lints (each user's LaunchAgents,
 * /Library/LaunchAgents, /Library/LaunchDaemons, in that order and in name
 * order, up to LAUNCHD_SCAN_MAX_FILES), recording nothing itself: the same
 * listing launchd.scan lints, for checks that look at the same files.
 * USER is whose home PATH is in, or NULL. */
typedef void launchd_visit_fn(sourceos_ctx *ctx, void *arg, const char *path,
                              const char *user);
void launchd_walk(sourceos_ctx *ctx, launchd_visit_fn *visit, void *arg);

/* launchd_walk, then Apple's /System/Library/LaunchAgents and
 * /System/Library/LaunchDaemons: every directory a label can be taken in. */
void launchd_walk_all(sourceos_ctx *ctx, launchd_visit_fn *visit, void *arg);

/* ---- the override files (overrides.c) ------------------------------------ */

/* One LABEL => boolean entry of an override file in DOMAIN ("system",
 * "gui/UID"); LABEL NULL and DISABLED -1 for a file that cannot be read. */
typedef void launchd_override_fn(sourceos_ctx *ctx, void *arg, const char *domain,
                                 const char *file, const char *label, int disabled);

/* Calls VISIT for every entry of launchd's override files
 * (/var/db/com.apple.xpc.launchd/disabled[.UID].plist, and /private/var/db,
 * each directory once), in file order, recording nothing itself: the files
 * launchd.overrides reads. Returns how many override directories exist. */
size_t launchd_read_overrides(sourceos_ctx *ctx, launchd_override_fn *visit, void *arg);

/* ---- live state (live.c) ------------------------------------------------- */

/* The top-level keys of `launchctl print DOMAIN/LABEL` the live checks
 * read. */
struct launchd_job {
    char state[64];
    char pid[32];
    char runs[32];
    char last_exit_code[64];
    char last_signal[128];
    char last_exit_reason[512];
    char path[PATH_MAX];
    char program[PATH_MAX];
    char properties[256];
    char stdout_path[PATH_MAX];
    char stderr_path[PATH_MAX];
    unsigned keys_read;
};

/* One job launchctl is asked about. */
struct launchd_target {
    const char *label;
    char domain[128];
    char service[512]; /* DOMAIN/LABEL */
    const char *launchctl;
    unsigned timeout_ms;
    long runs_limit;
};

/* launchctl's "Could not find specified service": the job is not loaded. */
#define LAUNCHD_ERROR_NOT_LOADED 113
/* "Service is disabled". */
#define LAUNCHD_ERROR_DISABLED 119

/* Whether S may be a label or domain in a service target and a command. */
int launchd_target_word(const char *s);

/* Runs `LAUNCHCTL VERB ARG` for T (read-only verbs only). */
const struct sourceos_cmd *launchd_launchctl(sourceos_ctx *ctx,
                                             const struct launchd_target *t,
                                             const char *verb, const char *arg);

/* 0 when R ran to an exit; else records why not (launchctl missing, not
 * answering) and returns -1. WHAT is the command's verb and argument. */
int launchd_launchctl_ran(sourceos_ctx *ctx, const struct launchd_target *t,
                          const struct sourceos_cmd *r, const char *what);

/* launchctl's error number for a failed R (its status or its message). */
int launchd_launchctl_error(const struct sourceos_cmd *r);

/* Records what a failed `print` means for T (bad ownership, wrong session,
 * blocked, ...). 1 when it could not tell. */
int launchd_judge_refusal(sourceos_ctx *ctx, struct verdict *v,
                          const struct launchd_target *t,
                          const struct sourceos_cmd *r, int *reported_disabled);

/* Reads the top-level keys of a `launchctl print` answer into JOB. */
void launchd_parse_print(const char *text, size_t size, struct launchd_job *job);

/* In a `launchctl print-disabled` answer: -1 when no override names LABEL,
 * else 1 disabled or 0 enabled. */
int launchd_parse_overrides(const char *text, size_t size, const char *label);

/* Whether JOB's last run failed: a signal, or an exit code other than 0. */
int launchd_exit_failed(const struct launchd_job *job);

/* Records a respawn loop (runs at T's runs_limit with a failing last exit)
 * or a failing job (not running, last exit failed); nothing otherwise.
 * Returns 1 when it recorded one. */
int launchd_judge_exit(sourceos_ctx *ctx, struct verdict *v,
                       const struct launchd_target *t,
                       const struct launchd_job *job);

/* Evidence of JOB (state, pid, runs, last exit, ...) on FD. */
void launchd_job_evidence(sourceos_finding *fd, const struct launchd_target *t,
                          const struct launchd_job *job);

/* ---- actions (actions.c, action_errors.c) -------------------------------- */

/* The job an action changes, from its params. */
struct launchd_act {
    const char *label;     /* NULL when the action needs none */
    const char *plist;     /* the install path (host view); NULL likewise */
    const char *launchctl; /* param launchctl, else "launchctl" */
    int system;            /* param user "false": the system domain */
    char uid[24];          /* param uid, else getuid() */
    char domain[64];       /* "gui/UID" or "system" */
    char service[512];     /* DOMAIN/LABEL */
};

/* launchd's error number for a failed launchctl C: its exit status, or
 * the N of its "... failed: N: ..." line. */
int launchd_act_error(const struct sourceos_cmd *c);

/* Records what launchctl's refusal C of the command SHOWN means for A
 * (launchd.action-failed, told apart by error number); returns -1. */
int launchd_act_refused(sourceos_ctx *ctx, const struct launchd_act *a, const char *shown,
                        const struct sourceos_cmd *c);

/* The actions, for the lifecycle commands. */
extern const struct sourceos_action launchd_actions[];

/* ---- checks -------------------------------------------------------------- */

sourceos_status launchd_check_lint(sourceos_ctx *ctx);
sourceos_status launchd_check_scan(sourceos_ctx *ctx);
/* Live state of one job from `launchctl print` (live.c). */
sourceos_status launchd_check_state(sourceos_ctx *ctx);
/* The enable/disable overrides on disk, and stale ones (overrides.c). */
sourceos_status launchd_check_overrides(sourceos_ctx *ctx);
/* Live state of every job the scan finds (jobs.c). */
sourceos_status launchd_check_jobs(sourceos_ctx *ctx);
/* The agent's label is not disabled (label_disabled.c). */
sourceos_status launchd_check_label_disabled(sourceos_ctx *ctx);
/* No other plist takes the agent's label (label_conflict.c). */
sourceos_status launchd_check_label_conflict(sourceos_ctx *ctx);

#endif
