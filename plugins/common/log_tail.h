/* Logs as evidence: a service's log file read tail-capped under --root, its
 * repeated failure lines grouped, and its last failure line. Compiled into
 * each plugin that reads logs (launchd, systemd), as plugin_util.c is.
 *
 * A respawn loop leaves no live state on a tree analysed offline, but it
 * leaves its log: the same failure, thousands of times, differing only in
 * timestamps and counters. Lines are grouped by their text with those
 * stripped (log_normalize); a group of failure lines (log_is_failure) over
 * the threshold is what the plugins report. */
#ifndef SOS_LOG_TAIL_H
#define SOS_LOG_TAIL_H

#include <stddef.h>
#include <sys/types.h>

#include "sourceos/plugin.h"

/* Defaults of the check params log_tail_bytes, log_tail_lines and
 * log_repeat_threshold. */
#define LOG_TAIL_BYTES (1024u * 1024u)
#define LOG_TAIL_LINES 20000u
#define LOG_REPEAT_THRESHOLD 20u

/* Bytes kept of an example line and of a line's grouping key. */
#define LOG_EXAMPLE_MAX 512
#define LOG_KEY_MAX 512
/* Bytes kept of a timestamp's text. */
#define LOG_TIME_MAX 64
/* Repeated failures reported per log, the most repeated first. */
#define LOG_MAX_REPEATS 3

struct log_limits {
    size_t max_bytes; /* bytes read from the end of the file */
    size_t max_lines; /* last lines looked at */
    size_t threshold; /* a group of more failure lines than this is reported */
};

/* One group of identical failure lines. */
struct log_repeat {
    size_t count;
    char first_time[LOG_TIME_MAX]; /* first and last timestamp as written; */
    char last_time[LOG_TIME_MAX];  /* "" when the lines carry none */
    long long span_seconds;        /* last - first, or -1 when not parseable */
    char example[LOG_EXAMPLE_MAX]; /* the last such line, as written (cut at a
                                      word); NOT redacted: put it only in a
                                      finding, which the core redacts */
};

/* What the tail of one log says. */
struct log_summary {
    size_t lines;         /* lines looked at */
    size_t failures;      /* of them, failure lines */
    size_t binary_lines;  /* lines skipped for holding NUL bytes */
    int bytes_cut;        /* the file was longer than max_bytes */
    int lines_cut;        /* it had more lines than max_lines */
    size_t n_repeats;     /* groups over the threshold, up to LOG_MAX_REPEATS */
    struct log_repeat repeats[LOG_MAX_REPEATS];
    int has_last_failure;
    char last_failure[LOG_EXAMPLE_MAX]; /* the last failure line, as above */
    uid_t found_owner; /* after -EPERM from log_tail_summarize(): whose the
                          file is */
};

/* The limits from the running check's params (log_tail_bytes,
 * log_tail_lines, log_repeat_threshold), the defaults above when absent. */
void log_limits_from_params(sourceos_ctx *ctx, struct log_limits *lim);

/* The grouping key of the LEN bytes at LINE into OUT (SIZE bytes, at most
 * LOG_KEY_MAX used): timestamps (ISO 8601, syslog `Mon DD HH:MM:SS`, ctime,
 * Apache `DD/Mon/YYYY:HH:MM:SS`, `HH:MM:SS`, logfmt `time="..."`, a
 * bracketed `[SECONDS.FRACTION]`) become `<t>`, every run of digits and
 * every hexadecimal word holding a digit (pids, durations, ids) `#`, runs
 * of blanks one space. TIME (TIME_SIZE bytes, may be NULL) receives the
 * text of the line's first timestamp, "" when none; *SECONDS (may be NULL)
 * its value in seconds when it can be read, else -1 (a syslog time has no
 * year: seconds within a year). Returns the key's length. */
size_t log_normalize(const char *line, size_t len, char *out, size_t size,
                     char *time, size_t time_size, long long *seconds);

/* Non-zero when the LEN bytes at LINE read as a failure: error(s),
 * errored, failed, failure(s), fatal, denied, refused, cannot, can't,
 * unable to, panic, exception(s), traceback, timed out, segmentation
 * fault, as whole words (case-insensitive; "errorless" is none), unless a
 * count of none goes with it ("0 errors", "no error(s)", "zero failures",
 * "without errors", "errors: 0", "failed=0"); or an exit status or code
 * other than 0. */
int log_is_failure(const char *line, size_t len);

/* Summarises the LEN bytes at TEXT, a log's tail; HEAD_CUT when its start
 * was left out (its first line is then partial and dropped). Only the last
 * LIM->max_lines lines are looked at. Returns 0, or -ENOMEM. */
int log_summarize(const char *text, size_t len, int head_cut,
                  const struct log_limits *lim, struct log_summary *out);

/* "1h06m39s" for SECONDS into OUT. */
void log_span_text(long long seconds, char *out, size_t size);

/* When R's lines were written, for a message: "from FIRST to LAST, SPAN",
 * "from FIRST to LAST" when the span cannot be told, or "no timestamps". */
void log_repeat_when(const struct log_repeat *r, char *out, size_t size);

/* The uid whose files a service's logs must be, for the service file
 * SERVICE_FILE (host view): for a file in a home (a home the core lists,
 * /Users/NAME, /home/NAME, /var/home/NAME, /root), the home's owner, who
 * controls everything in it; else the service file's own owner (root for
 * /Library/LaunchDaemons, /etc/systemd/system on an installed system; in a
 * tree copied without its owners, whoever copied it). Returns 0, or the
 * negative errno of the stat. */
int log_owner_for(sourceos_ctx *ctx, const char *service_file, uid_t *owner);

/* Reads the log PATH (host view) tail-capped under --root and summarises
 * it, when the file is OWNER's (log_owner_for()): a service's file can name
 * any path, and what it names is read only when its user could read it
 * too. Returns 0, or the negative errno of sourceos_read_file_tail_owned()
 * (-ENOENT: no log yet; -EACCES; -EXDEV: a symlink out of the root, -ELOOP:
 * a symlink, neither followed; -EISDIR, -EINVAL: not a regular file;
 * -EPERM: someone else's file, not read, OUT->found_owner says whose), or
 * -ENOMEM. */
int log_tail_summarize(sourceos_ctx *ctx, const char *path, uid_t owner,
                       const struct log_limits *lim, struct log_summary *out);

/* The last failure line of the log PATH, when it is OWNER's, into OUT (cut
 * at a word to SIZE), for a "last exit reason" when the service manager
 * gives none. Returns 1 when there is one, 0 when the tail holds no
 * failure, or a negative errno as log_tail_summarize(). Not redacted: put
 * it only in a finding. */
int log_tail_last_failure(sourceos_ctx *ctx, const char *path, uid_t owner, char *out,
                          size_t size);

/* Evidence of R on FD: count, first_seen, last_seen, span_seconds and
 * example; and of S: lines_read and tail_cut. */
void log_repeat_evidence(sourceos_finding *fd, const struct log_summary *s,
                         const struct log_repeat *r);

#endif
