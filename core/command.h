/* Running a command: argv only, no shell, bounded in time and output. */
#ifndef SOS_COMMAND_H
#define SOS_COMMAND_H

#include <stddef.h>
#include <sys/types.h>

struct sos_cmd_output {
    int exit_status; /* -1 when it did not exit normally */
    int term_signal;
    int timed_out;
    int not_started;
    int start_errno;
    char *out; /* malloc'd, NUL-terminated */
    size_t out_len;
    char *err;
    size_t err_len;
    int truncated;
    double duration;
};

/* Called with the process group of the command just after it starts, so a
 * supervisor can kill it even if this process dies. May be NULL. */
typedef void (*sos_pgid_hook)(pid_t pgid, void *data);

/* Runs ARGV with environment ENVP (NULL-terminated "K=V"; the PATH used to
 * find argv[0] is the one in ENVP, else the default) and stdin from
 * /dev/null, in a new process group. Kills the whole group at TIMEOUT_S
 * seconds (<= 0: no bound) and after the command exits (nothing it started
 * outlives it). Captures up to CAP bytes of each of stdout and stderr.
 * Returns 0 when OUT was filled (whatever the command did), or -1 when this
 * process could not fork or make pipes (errno set). */
int sos_command_run(const char *const argv[], char *const envp[],
                    double timeout_s, size_t cap, sos_pgid_hook hook,
                    void *hook_data, struct sos_cmd_output *out);

void sos_cmd_output_free(struct sos_cmd_output *out);

/* Runs ARGV in the foreground: this process's stdin, stdout and stderr
 * are its own (an agent's shell), found and environed as sos_command_run
 * does, not bounded in time. While it runs, the terminal's Ctrl-C and
 * Ctrl-\ are its alone, and SIGTERM or SIGHUP sent to this process are
 * passed on to it. Returns its exit status, 128+N when signal N ended it,
 * 127 when it could not be started (why in *START_ERRNO), or -1 when this
 * process could not fork (errno set). */
int sos_command_foreground(const char *const argv[], char *const envp[], int *start_errno);

/* Closes every descriptor from LOWEST up (close_range, else a loop), so a
 * child keeps only what it was handed. Async-signal-safe: for use between
 * fork and exec, or before a forked child runs foreign code. */
void sos_close_from(int lowest);

/* Seconds on the monotonic clock. */
double sos_now_monotonic(void);
/* Seconds since the epoch. */
double sos_now_wall(void);

#endif
