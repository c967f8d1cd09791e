/* Replaying a quarantine bundle (`--from-bundle FILE`): the same checks run
 * over the bundle's tree, every command a check asks for answered from the
 * captured commands/NNN.json (capture.h) and never run on this machine.
 *
 * sos_replay_open() verifies and extracts the bundle into a private
 * temporary directory (0700; bundle_extract.h, with the manifest's
 * symlinks recreated inside it), loads the commands into a table and reads
 * the host facts the capture recorded; sos_replay_close() removes it all.
 * The table is loaded in the parent before the run, so each check's forked
 * child sees it.
 *
 * Matching (sos_replay_match): a capture answers a command when its argv
 * has as many words and each word is the asked one, or becomes it once the
 * capture's root prefix is swapped for the replay's tree: the manifest's
 * "root" (a --root tree) at the start of a word, followed by '/' or
 * nothing; for a capture of the live host ("/") every absolute word, so
 * "/etc/x" also answers TREE/etc/x. The captures of the asking check come
 * first (its own "check"), else those of any check. The k-th run of one
 * argv in a check gets the k-th such capture, after that the last. */
#ifndef SOS_REPLAY_H
#define SOS_REPLAY_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#include "bundle_extract.h"
#include "error.h"
#include "homes.h"
#include "host.h"

/* Caps of what the commands may hold: one command file, all of them. */
#define SOS_REPLAY_COMMAND_MAX (16u * 1024 * 1024)
#define SOS_REPLAY_COMMANDS_MAX (256u * 1024 * 1024)

/* Why a command or HTTP probe of a replayed check got no answer. */
#define SOS_REPLAY_REASON "not captured in the bundle"

/* One captured command. */
struct sos_replay_cmd {
    char **argv;
    size_t argc;
    char *check; /* the check that ran it; NULL: the capture's own */
    int exit_status;
    int term_signal;
    int timed_out;
    int not_started;
    int start_errno;
    int truncated;
    double duration;
    char *out;
    size_t out_len;
    char *err;
    size_t err_len;
};

struct sos_replay {
    char *dir;          /* the private temporary directory; NULL: none */
    char *root;         /* the tree checks read (DIR/bundle/root) */
    char *capture_root; /* the manifest's "root", without trailing '/' ("" for "/") */
    char *command;      /* the manifest's report.command, or NULL */
    char *agents_dir;   /* holds the captured agents.d/ (the doctor's
                           declarations), or NULL when the bundle has none */
    struct sos_host host;
    struct sos_replay_cmd *cmds;
    size_t n_cmds;
    size_t n_bytes; /* of the command files loaded */
    /* the manifest's "homes" and "env" (has_*: the manifest had them) */
    struct sos_home *homes;
    size_t n_homes;
    int has_homes;
    struct sos_replay_var *env;
    size_t n_env;
    int has_env;
    /* the paths the capture could not look at (the manifest's "unreadable") */
    struct sos_replay_denied *denied;
    size_t n_denied;
    /* the owners and modes the capture recorded (the manifest's "paths") */
    struct sos_replay_attrs *attrs;
    size_t n_attrs;
};

/* A path the capture was refused, and why (an errno). */
struct sos_replay_denied {
    char *path;
    int error;
};

/* A path's owner and permission bits as the capture saw them. */
struct sos_replay_attrs {
    char *path;
    uid_t uid;
    gid_t gid;
    mode_t mode; /* 07777 bits, or (mode_t)-1 when not recorded */
};

/* A variable a check read at capture: VALUE NULL when it was unset. */
struct sos_replay_var {
    char *name;
    char *value;
};

/* What a check has used of the table: how often each argv was answered. */
struct sos_replay_cursor {
    size_t *uses; /* indexed by the first capture of a group; NULL: none yet */
};

/* Verifies and extracts BUNDLE into a new private temporary directory and
 * loads R from it; X holds the verification and extraction (its status is
 * not DONE when the bundle was refused). 0, or -1 with ERR (nothing is left
 * then: R closed). */
int sos_replay_open(struct sos_replay *r, const char *bundle, struct sos_extract *x,
                    sos_error *err);

/* Frees R and removes its directory (symlinks not followed). */
void sos_replay_close(struct sos_replay *r);

/* Sets the capture's root (NULL or "/" the live host) and the replay's
 * tree (for a table built by hand: the unit tests). */
int sos_replay_set_roots(struct sos_replay *r, const char *capture_root, const char *root);

/* Adds one command as commands/NNN.json holds it: {"argv": [strings],
 * "exit_status", and optionally "term_signal", "timed_out", "not_started",
 * "start_errno", "duration", "check", "stdout", "stderr", "truncated" (a
 * boolean, or an object of booleans)}. -1 with ERR naming what is wrong. */
int sos_replay_add_json(struct sos_replay *r, const json_t *cmd, sos_error *err);

/* The host facts a manifest's "host" object (the report's host facts)
 * says; fields it lacks read "unknown". -1 when HOST is not an object. */
int sos_replay_host_from_json(const json_t *host, struct sos_host *out);

/* The capture answering ARGV asked by the check CHECK (may be NULL), CUR
 * counting (see above); NULL when none does. */
const struct sos_replay_cmd *sos_replay_match(const struct sos_replay *r, const char *check,
                                              const char *const argv[],
                                              struct sos_replay_cursor *cur);
void sos_replay_cursor_free(struct sos_replay_cursor *cur);

/* The value NAME had for the checks at capture (as the manifest's "env"
 * recorded it, redacted); NULL when it was unset or not recorded. */
const char *sos_replay_getenv(const struct sos_replay *r, const char *name);

/* What looking at PATH (host view) gives in the replay, when the capture
 * was refused it: -ERROR for the path itself, -EACCES for a path under one
 * refused for EACCES (a directory it could not enter); 0 otherwise, so
 * "cannot read /root" stays that, never "absent". */
int sos_replay_denied(const struct sos_replay *r, const char *path);

/* The owner and permission bits the capture recorded for PATH (host view,
 * its last component not followed): 1 and *UID, *GID, *MODE ((mode_t)-1
 * when only the owner was recorded); 0 when it recorded none. What an extraction by a user who cannot chown lacks. */
int sos_replay_attrs(const struct sos_replay *r, const char *path, uid_t *uid, gid_t *gid,
                     mode_t *mode);

/* Copies the capture's homes into *OUT (sos_homes_free); 1 when the
 * manifest had them, 0 when not (nothing copied), -1 out of memory. */
int sos_replay_homes(const struct sos_replay *r, struct sos_home **out, size_t *n);

#endif
