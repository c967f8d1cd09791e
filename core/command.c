#include "config.h"

#include "command.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Used when ENVP has no PATH. Empty PATH entries (the current directory)
 * are never searched: a diagnostic tool must not run whatever sits in the
 * directory it was started from. */
static const char default_path[] = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";

/* After the main process exits, a grandchild it left behind may hold the
 * pipes open; its output is collected for this long, then it is killed. */
static const double drain_after_exit_s = 0.1;

/* How often the parent checks whether the command exited while its pipes
 * are still open: short at first (most commands are quick), then backing
 * off so a long command costs little. */
static const int poll_slice_min_ms = 1;
static const int poll_slice_max_ms = 50;

static const long fallback_max_fd = 65536;

#ifndef NSIG
#define NSIG 65
#endif

double sos_now_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double sos_now_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sos_cmd_output_free(struct sos_cmd_output *out)
{
    if (!out)
        return;
    free(out->out);
    free(out->err);
    out->out = NULL;
    out->err = NULL;
    out->out_len = 0;
    out->err_len = 0;
}

static void close_quietly(int *fd)
{
    if (*fd >= 0) {
        int saved = errno;
        close(*fd);
        errno = saved;
        *fd = -1;
    }
}

static int set_cloexec(int fd)
{
    int flags = fcntl(fd, F_GETFD);
    return flags < 0 ? -1 : fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

static int set_nonblock(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Both ends close-on-exec, so a command run concurrently from another
 * thread never inherits them. */
static int make_pipe(int fds[2])
{
#if defined(__linux__) || defined(HAVE_PIPE2)
    return pipe2(fds, O_CLOEXEC);
#else
    if (pipe(fds) < 0)
        return -1;
    if (set_cloexec(fds[0]) < 0 || set_cloexec(fds[1]) < 0) {
        close_quietly(&fds[0]);
        close_quietly(&fds[1]);
        return -1;
    }
    return 0;
#endif
}

/* ---- Finding the program: done before fork, so the child only execs. ---- */

static const char *path_from_env(char *const envp[])
{
    for (size_t i = 0; envp[i]; i++)
        if (strncmp(envp[i], "PATH=", 5) == 0)
            return envp[i] + 5;
    return default_path;
}

static void free_candidates(char **candidates)
{
    if (!candidates)
        return;
    for (size_t i = 0; candidates[i]; i++)
        free(candidates[i]);
    free(candidates);
}

static char *join_dir_and_name(const char *dir, size_t dir_len, const char *name)
{
    size_t name_len = strlen(name);
    char *full = malloc(dir_len + 1 + name_len + 1);
    if (!full)
        return NULL;
    memcpy(full, dir, dir_len);
    full[dir_len] = '/';
    memcpy(full + dir_len + 1, name, name_len + 1);
    return full;
}

/* The paths to try, in order, NULL-terminated: NAME itself when it holds a
 * slash, else NAME in each directory of SEARCH. */
static char **exec_candidates(const char *name, const char *search)
{
    size_t n = 0, slots = 2;
    char **list;

    for (const char *p = search; *p; p++)
        slots += *p == ':';
    list = calloc(slots, sizeof *list);
    if (!list)
        return NULL;
    if (strchr(name, '/')) {
        list[0] = strdup(name);
        if (!list[0]) {
            free(list);
            return NULL;
        }
        return list;
    }
    if (name[0] == '\0')
        return list; /* nothing to try: ENOENT */
    for (const char *dir = search; *dir;) {
        size_t dir_len = strcspn(dir, ":");
        if (dir_len > 0) {
            list[n] = join_dir_and_name(dir, dir_len, name);
            if (!list[n]) {
                free_candidates(list);
                return NULL;
            }
            n++;
        }
        dir += dir_len;
        if (*dir == ':')
            dir++;
    }
    return list;
}

/* ---- In the child, between fork and exec: async-signal-safe calls only. ---- */

static void child_reset_signals(void)
{
    struct sigaction dfl;
    sigset_t none;

    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; sig++)
        sigaction(sig, &dfl, NULL); /* fails harmlessly for SIGKILL, SIGSTOP */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Closes every descriptor from LOWEST up; async-signal-safe. */
void sos_close_from(int lowest)
{
#if defined(HAVE_CLOSE_RANGE)
    if (close_range((unsigned)lowest, ~0U, 0) == 0)
        return;
#elif defined(SYS_close_range)
    if (syscall(SYS_close_range, (unsigned)lowest, ~0U, 0) == 0)
        return;
#endif
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > fallback_max_fd)
        max = fallback_max_fd;
    for (long fd = lowest; fd < max; fd++)
        close((int)fd);
}

_Noreturn static void child_report_and_exit(int report_fd, int err)
{
    ssize_t n;
    do
        n = write(report_fd, &err, sizeof err);
    while (n < 0 && errno == EINTR);
    _exit(127);
}

/* Returns the errno to report: EACCES when some candidate existed but could
 * not be run (as execvp does), else the last failure. */
static int child_exec(char *const candidates[], const char *const argv[],
                      char *const envp[])
{
    int err = ENOENT, saw_eacces = 0;

    for (size_t i = 0; candidates[i]; i++) {
        execve(candidates[i], (char *const *)argv, envp);
        err = errno;
        if (err == EACCES)
            saw_eacces = 1;
        else if (err != ENOENT && err != ENOTDIR && err != ELOOP
                 && err != ENAMETOOLONG && err != ENODEV && err != ETIMEDOUT)
            return err; /* the program was found but cannot run */
    }
    return saw_eacces ? EACCES : err;
}

/* Moves FD to 3 or above, so the dup2() onto 0, 1 and 2 below cannot
 * clobber one pipe with another when this process started without stdio. */
static int child_lift(int fd)
{
    return fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

struct child_plan {
    const char *const *argv;
    char *const *envp;
    char **candidates;
    int out_w, err_w, report_w;
};

_Noreturn static void child_run(const struct child_plan *plan)
{
    int out_w, err_w, report_w, null_fd;

    setpgid(0, 0);
    child_reset_signals();
    report_w = child_lift(plan->report_w);
    if (report_w < 0)
        _exit(127);
    out_w = child_lift(plan->out_w);
    err_w = child_lift(plan->err_w);
    null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out_w < 0 || err_w < 0 || null_fd < 0)
        child_report_and_exit(report_w, errno);
    null_fd = child_lift(null_fd);
    if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0)
        child_report_and_exit(report_w, errno);
    if (dup2(report_w, 3) < 0 || set_cloexec(3) < 0)
        child_report_and_exit(report_w, errno);
    sos_close_from(4);
    {
        struct rlimit no_core = { 0, 0 };
        setrlimit(RLIMIT_CORE, &no_core);
    }
    child_report_and_exit(3, child_exec(plan->candidates, plan->argv, plan->envp));
}

/* ---- In the parent. ---- */

struct capture {
    int fd;
    char *buf;
    size_t len;
    size_t room;
    size_t cap;
    int *truncated;
};

static int capture_init(struct capture *c, int fd, size_t cap, int *truncated)
{
    c->fd = fd;
    c->len = 0;
    c->room = cap < 4096 ? cap : 4096;
    c->cap = cap;
    c->truncated = truncated;
    c->buf = malloc(c->room + 1);
    if (!c->buf)
        return -1;
    c->buf[0] = '\0';
    return 0;
}

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* Keeps what fits under the cap; the rest is dropped (the pipe must still be
 * drained so the command never blocks writing). */
static void capture_append(struct capture *c, const char *data, size_t n)
{
    size_t keep = min_size(c->cap - c->len, n);

    if (keep < n)
        *c->truncated = 1;
    if (c->len + keep > c->room) {
        size_t want = c->room * 2 > c->len + keep ? c->room * 2 : c->len + keep;
        size_t bigger = min_size(want, c->cap);
        char *grown = realloc(c->buf, bigger + 1);
        if (!grown) {
            *c->truncated = 1;
            return;
        }
        c->buf = grown;
        c->room = bigger;
    }
    memcpy(c->buf + c->len, data, keep);
    c->len += keep;
    c->buf[c->len] = '\0';
}

enum read_result { READ_NOTHING = -1, READ_EOF = 0, READ_DATA = 1 };

/* One read, so a prolific command cannot keep the caller from checking its
 * deadline. The fd is closed at EOF. */
static enum read_result capture_read_once(struct capture *c)
{
    char chunk[65536];
    ssize_t n;

    do
        n = read(c->fd, chunk, sizeof chunk);
    while (n < 0 && errno == EINTR);
    if (n > 0) {
        capture_append(c, chunk, (size_t)n);
        return READ_DATA;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return READ_NOTHING;
    close_quietly(&c->fd);
    return READ_EOF;
}

/* What is still buffered once the group is dead. Bounded, in case
 * something escaped the group and keeps writing. */
static void capture_drain_now(struct capture *c)
{
    for (int i = 0; i < 64 && c->fd >= 0; i++)
        if (capture_read_once(c) != READ_DATA)
            break;
    close_quietly(&c->fd);
}

/* Has PID exited? Checked without reaping it: the zombie keeps its pid, and
 * so the group id, from being reused before the group is killed. */
static int has_exited(pid_t pid)
{
    siginfo_t info;
    int rc;

    memset(&info, 0, sizeof info);
    do
        rc = waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT);
    while (rc < 0 && errno == EINTR);
    if (rc < 0)
        return 1; /* ECHILD: nothing left to wait for */
    return info.si_pid == pid;
}

static int ms_until(double when)
{
    double left = when - sos_now_monotonic();
    if (left <= 0)
        return 0;
    return left > 1e6 ? 1000000000 : (int)(left * 1000.0) + 1;
}

struct watch {
    pid_t pid;
    int pidfd;       /* readable when the command exits; -1 where unsupported */
    double deadline; /* 0: none */
    struct capture *streams[2];
};

/* A descriptor that polls readable when PID exits (as the runner's): the
 * pipes close a moment before the exit can be reaped, and without it that
 * moment cost a poll slice (1 to 50 ms) of every quick command. */
static int open_pidfd(pid_t pid)
{
#if defined(__linux__) && defined(SYS_pidfd_open)
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd >= 0)
        fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
#else
    (void)pid;
    return -1;
#endif
}

/* Collects output until the command and its pipes are done, the deadline
 * passes (returns 1) or the command exited and its leftovers had their
 * grace period. */
static int watch_command(struct watch *w)
{
    int slice = poll_slice_min_ms;
    int exited = 0;
    double drain_until = 0;

    for (;;) {
        struct pollfd fds[3];
        struct capture *owner[3];
        nfds_t n = 0;
        int wait_ms, rc;

        if (!exited && has_exited(w->pid)) {
            exited = 1;
            drain_until = sos_now_monotonic() + drain_after_exit_s;
        }
        for (int i = 0; i < 2; i++) {
            if (w->streams[i]->fd < 0)
                continue;
            fds[n].fd = w->streams[i]->fd;
            fds[n].events = POLLIN;
            fds[n].revents = 0;
            owner[n++] = w->streams[i];
        }
        if (exited && (n == 0 || ms_until(drain_until) == 0))
            return 0;
        if (!exited && w->deadline > 0 && ms_until(w->deadline) == 0)
            return 1;
        if (!exited && w->pidfd >= 0) {
            fds[n].fd = w->pidfd;
            fds[n].events = POLLIN;
            fds[n].revents = 0;
            owner[n++] = NULL;
        }

        /* With a pidfd the exit wakes the poll: no slice is needed. */
        wait_ms = exited ? ms_until(drain_until)
                  : w->pidfd >= 0 ? (w->deadline > 0 ? ms_until(w->deadline) : -1)
                                  : slice;
        if (!exited && w->deadline > 0 && ms_until(w->deadline) < wait_ms)
            wait_ms = ms_until(w->deadline);
        rc = poll(fds, n, wait_ms);
        if (rc < 0 && errno != EINTR)
            return 0; /* cannot watch: stop, the group is killed anyway */
        if (rc == 0)
            slice = slice * 2 > poll_slice_max_ms ? poll_slice_max_ms : slice * 2;
        for (nfds_t i = 0; rc > 0 && i < n; i++)
            if (fds[i].revents && owner[i])
                capture_read_once(owner[i]);
    }
}

static int wait_reaping(pid_t pid)
{
    int status = 0;
    pid_t rc;
    do
        rc = waitpid(pid, &status, 0);
    while (rc < 0 && errno == EINTR);
    return rc == pid ? status : -1;
}

/* The child's report: 0 when exec succeeded (the pipe closed on exec). */
static int read_start_error(int fd)
{
    int err = 0;
    ssize_t n;
    do
        n = read(fd, &err, sizeof err);
    while (n < 0 && errno == EINTR);
    return n == (ssize_t)sizeof err ? err : 0;
}

static void fill_status(struct sos_cmd_output *out, int status)
{
    out->exit_status = -1;
    if (status == -1)
        return;
    if (WIFEXITED(status))
        out->exit_status = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        out->term_signal = WTERMSIG(status);
}

struct run_fds {
    int out[2], err[2], report[2];
};

static void close_run_fds(struct run_fds *f)
{
    for (int i = 0; i < 2; i++) {
        close_quietly(&f->out[i]);
        close_quietly(&f->err[i]);
        close_quietly(&f->report[i]);
    }
}

static int open_run_fds(struct run_fds *f)
{
    if (make_pipe(f->out) < 0 || make_pipe(f->err) < 0 || make_pipe(f->report) < 0
        || set_nonblock(f->out[0]) < 0 || set_nonblock(f->err[0]) < 0) {
        close_run_fds(f);
        return -1;
    }
    return 0;
}

/* Signals are blocked across fork so that no handler of this process runs
 * in the child before it resets them. vfork: the child only makes system
 * calls on its own locals and the plan until it execs or exits, so it need
 * not copy this process's page tables, which fork() did for every command
 * (most of a quick command's cost: a check asking launchctl about 500 jobs
 * pays it 500 times). */
static pid_t fork_child(const struct child_plan *plan)
{
    sigset_t all, saved;
    pid_t pid;
    int err;

    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &saved);
    pid = vfork();
    if (pid == 0)
        child_run(plan);
    err = errno;
    sigprocmask(SIG_SETMASK, &saved, NULL);
    errno = err;
    return pid;
}

static void collect(pid_t pid, double timeout_s, double started, size_t cap,
                    struct run_fds *f, struct sos_cmd_output *out)
{
    struct capture so, se;
    struct watch w;

    capture_init(&so, f->out[0], cap, &out->truncated);
    capture_init(&se, f->err[0], cap, &out->truncated);
    f->out[0] = f->err[0] = -1; /* owned by the captures now */
    w.pid = pid;
    w.pidfd = open_pidfd(pid);
    w.deadline = timeout_s > 0 ? started + timeout_s : 0;
    w.streams[0] = &so;
    w.streams[1] = &se;
    if (so.buf && se.buf)
        out->timed_out = watch_command(&w);
    if (w.pidfd >= 0)
        close(w.pidfd);
    kill(-pid, SIGKILL); /* nothing the command started outlives it */
    if (so.buf && se.buf) {
        capture_drain_now(&so);
        capture_drain_now(&se);
    }
    close_quietly(&so.fd);
    close_quietly(&se.fd);
    fill_status(out, wait_reaping(pid));
    out->out = so.buf;
    out->out_len = so.buf ? so.len : 0;
    out->err = se.buf;
    out->err_len = se.buf ? se.len : 0;
}

static int empty_outputs(struct sos_cmd_output *out)
{
    out->out = calloc(1, 1);
    out->err = calloc(1, 1);
    if (!out->out || !out->err) {
        sos_cmd_output_free(out);
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

static int finish_not_started(pid_t pid, int start_err, double started,
                              struct sos_cmd_output *out)
{
    kill(-pid, SIGKILL);
    wait_reaping(pid);
    out->not_started = 1;
    out->start_errno = start_err;
    out->duration = sos_now_monotonic() - started;
    return empty_outputs(out);
}

int sos_command_run(const char *const argv[], char *const envp[],
                    double timeout_s, size_t cap, sos_pgid_hook hook,
                    void *hook_data, struct sos_cmd_output *out)
{
    static char *const no_env[] = { NULL };
    struct run_fds f = { { -1, -1 }, { -1, -1 }, { -1, -1 } };
    struct child_plan plan;
    double started = sos_now_monotonic();
    pid_t pid;
    int start_err;

    memset(out, 0, sizeof *out);
    out->exit_status = -1;
    if (!envp)
        envp = no_env;
    if (!argv || !argv[0]) {
        out->not_started = 1;
        out->start_errno = EINVAL;
        return empty_outputs(out);
    }
    plan.candidates = exec_candidates(argv[0], path_from_env(envp));
    if (!plan.candidates)
        return -1;
    if (open_run_fds(&f) < 0) {
        free_candidates(plan.candidates);
        return -1;
    }
    plan.argv = argv;
    plan.envp = envp;
    plan.out_w = f.out[1];
    plan.err_w = f.err[1];
    plan.report_w = f.report[1];
    pid = fork_child(&plan);
    free_candidates(plan.candidates);
    if (pid < 0) {
        int err = errno;
        close_run_fds(&f);
        errno = err;
        return -1;
    }
    /* Also here: whichever of parent and child runs first, the group exists
     * before anyone signals it. EACCES means the child already exec'd. */
    setpgid(pid, pid);
    if (hook)
        hook(pid, hook_data);
    close_quietly(&f.out[1]);
    close_quietly(&f.err[1]);
    close_quietly(&f.report[1]);

    start_err = read_start_error(f.report[0]);
    close_quietly(&f.report[0]);
    if (start_err) {
        close_run_fds(&f);
        return finish_not_started(pid, start_err, started, out);
    }
    collect(pid, timeout_s, started, cap, &f, out);
    out->duration = sos_now_monotonic() - started;
    if (!out->out || !out->err) {
        sos_cmd_output_free(out);
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

/* ---- In the foreground ---------------------------------------------------- */

_Noreturn static void foreground_child(char **candidates, const char *const argv[],
                                       char *const envp[], int report_w)
{
    child_reset_signals();
    if ((report_w = child_lift(report_w)) < 0 || dup2(report_w, 3) < 0 || set_cloexec(3) < 0)
        _exit(127);
    sos_close_from(4);
    child_report_and_exit(3, child_exec(candidates, argv, envp));
}

/* Waits for PID, passing SIGTERM and SIGHUP on; both are blocked by the
 * caller, so they are taken here by sigwait instead of a handler. */
static int foreground_wait(pid_t pid, const sigset_t *wanted)
{
    int status, sig;
    for (;;) {
        pid_t got = waitpid(pid, &status, WNOHANG);
        if (got == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (got < 0 && errno != EINTR)
            return -1;
        if (sigwait(wanted, &sig) == 0 && sig != SIGCHLD)
            kill(pid, sig);
    }
}

int sos_command_foreground(const char *const argv[], char *const envp[], int *start_errno)
{
    char **candidates = exec_candidates(argv[0], path_from_env(envp));
    struct sigaction ignore, old_int, old_quit;
    sigset_t wanted, old_mask;
    int report[2], rc = -1, err = 0;
    ssize_t n;
    pid_t pid;

    *start_errno = 0;
    if (!candidates)
        return -1;
    if (make_pipe(report) < 0) {
        free_candidates(candidates);
        return -1;
    }
    memset(&ignore, 0, sizeof ignore);
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGINT, &ignore, &old_int); /* the terminal's Ctrl-C is the child's */
    sigaction(SIGQUIT, &ignore, &old_quit);
    sigemptyset(&wanted);
    sigaddset(&wanted, SIGTERM);
    sigaddset(&wanted, SIGHUP);
    sigaddset(&wanted, SIGCHLD);
    sigprocmask(SIG_BLOCK, &wanted, &old_mask);
    pid = fork();
    if (pid == 0)
        foreground_child(candidates, argv, envp, report[1]);
    close(report[1]);
    if (pid > 0) {
        do
            n = read(report[0], &err, sizeof err);
        while (n < 0 && errno == EINTR);
        rc = foreground_wait(pid, &wanted);
        if (n == (ssize_t)sizeof err) {
            *start_errno = err;
            rc = 127;
        }
    }
    close(report[0]);
    sigprocmask(SIG_SETMASK, &old_mask, NULL);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    free_candidates(candidates);
    return rc;
}
