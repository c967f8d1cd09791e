/* Results of a run: what each check concluded, found, published and ran. */
#ifndef SOS_RESULT_H
#define SOS_RESULT_H

#include <stddef.h>

/* Report statuses: the plugin statuses plus the runner's own. */
enum sos_status {
    SOS_ST_OK = 0,
    SOS_ST_WARNING = 1,
    SOS_ST_FAILURE = 2,
    SOS_ST_ERROR = 3,   /* could not decide: the plugin said so, or crashed */
    SOS_ST_SKIPPED = 4, /* `when` did not match, or a `needs` did not pass */
    SOS_ST_TIMEOUT = 5, /* killed at its deadline */
    SOS_ST_INTERRUPTED = 6, /* still running when the run was interrupted */
};
#define SOS_ST_COUNT 7

struct sos_kv {
    char *key;
    char *value;
};

struct sos_finding_rec {
    char *code;
    int severity; /* sourceos_severity */
    char *message;
    char *remediation; /* may be NULL */
    char **commands;
    size_t n_commands;
    char *path; /* may be NULL */
    struct sos_kv *evidence;
    size_t n_evidence;
};

struct sos_command_rec {
    char **argv;
    size_t argc;
    int exit_status; /* -1 when it did not exit */
    int term_signal;
    int timed_out;
    int not_started;
    int truncated;
    double duration; /* seconds */
    /* Kept only when the run captures (quarantine: core/capture.h), and
     * then only on the wire to the runner, never in a report: */
    int start_errno;   /* errno of a failed start */
    double time;       /* when it started, seconds since the epoch */
    char *out, *err;   /* its whole captured output (NULL when not kept) */
    size_t out_len, err_len;
};

/* What a check looked at, kept when the run captures, so that the capture
 * can take the same files into the bundle and a replay can answer the same
 * questions (core/capture.h). */
enum sos_seen_kind { SOS_SEEN_PATH, SOS_SEEN_ENV };
struct sos_seen_rec {
    enum sos_seen_kind kind;
    char *name;  /* the host path read or resolved; the variable's name */
    char *value; /* env: its value, NULL when unset; path: NULL */
    int error;   /* path: 0 when it resolved, else the errno */
};

/* A change an action made to the host, or planned (ABI 1.4: write, remove,
 * symlink, run). */
struct sos_change_rec {
    char *op;      /* "write", "remove", "symlink", "mkdir", "run" */
    char *path;    /* host view; NULL for "run" */
    char *target;  /* symlink: what it points at; else NULL */
    char **argv;   /* run: the command; else NULL */
    size_t argc;
    int mode;      /* write, mkdir: the mode; else -1 */
    long long bytes; /* write: its size; else -1 */
    int done;      /* 1 done, 0 only planned (or refused: see error) */
    int error;     /* errno of a failure, 0 */
};

struct sos_check_result {
    enum sos_status status;
    char *reason;        /* why skipped, timed out, crashed; may be NULL */
    int term_signal;     /* the signal that killed the check's process */
    double started;      /* seconds since the epoch */
    double duration;     /* seconds */
    struct sos_finding_rec *findings;
    size_t n_findings;
    struct sos_kv *facts;
    size_t n_facts;
    struct sos_command_rec *commands;
    size_t n_commands;
    struct sos_change_rec *changes; /* actions only */
    size_t n_changes;
    struct sos_seen_rec *seen; /* only when the run captures */
    size_t n_seen;
    /* What the core's limits (sourceos/plugin.h) cut while the check ran,
     * for the core.result-truncated finding; not part of any report. */
    size_t findings_dropped; /* over SOURCEOS_MAX_FINDINGS */
    size_t texts_cut;        /* longer than SOURCEOS_MAX_MESSAGE_BYTES */
    /* Secret values the check read (sourceos_secret(), values under secret
     * keys): sent to the parent so its reports can remove them, and never
     * printed. */
    char **secrets;
    size_t n_secrets;
};

/* Adds SECRET to R's secrets (a repeat of one of the last 64 is left out,
 * in constant time); values too short to be looked for and markers are left
 * out. Returns 0, or -1 on ENOMEM or past SOS_REDACT_MAX_SECRETS. */
int sos_result_add_secret(struct sos_check_result *r, const char *secret);

const char *sos_status_name(enum sos_status status);
const char *sos_severity_name(int severity);

/* Exit code of a run, as monitoring tools do: 0 ok, 1 warnings, 2 a
 * failure, 3 could not decide. Skipped checks do not count. */
int sos_exit_code(const int counts[SOS_ST_COUNT]);

/* Frees the findings from index KEEP on. */
void sos_check_result_keep_findings(struct sos_check_result *r, size_t keep);

void sos_check_result_free(struct sos_check_result *r);
void sos_change_rec_free(struct sos_change_rec *c);

/* A copy of TEXT cut to SOURCEOS_MAX_MESSAGE_BYTES (at a UTF-8 character
 * boundary), counting the cut in R->texts_cut; NULL on ENOMEM or when TEXT
 * is NULL. */
char *sos_result_text(struct sos_check_result *r, const char *text);

/* Cuts the malloc'd TEXT in place like sos_result_text(). */
void sos_result_cut_text(struct sos_check_result *r, char *text);

/* Whether R has room for one more finding; counts the refusal in
 * R->findings_dropped when not. */
int sos_result_finding_room(struct sos_check_result *r);

#endif
