#include "config.h"

#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

#include "command.h"
#include "ctx.h"
#include "graph.h"
#include "signals.h"
#include "wire.h"

/* Bytes read from one check's pipe per wakeup: the runner looks at every
 * deadline between two reads, so a check that floods its pipe delays
 * another's deadline by one read and the lines it completes, at most
 * SOS_WIRE_LINE_MAX to parse. */
#define READ_CHUNK 65536u

/* Reads of a pipe still open after its check exited (something it left
 * behind holds it): what was written before the exit, bounded. */
#define DRAIN_READS 64

enum slot_state { SLOT_WAITING, SLOT_RUNNING, SLOT_DONE };

struct slot {
    enum slot_state state;
    const size_t *deps; /* needs first (n_needs of them), then after: the graph's */
    size_t n_deps;
    size_t n_needs;
    char *dep_error; /* a `needs` that is not part of this run */
    pid_t pid;
    int fd;
    int pidfd; /* readable when the child exits; -1 where unsupported */
    int exited;
    int wstatus;
    int timed_out;
    double deadline;
    double started_mono;
    double timeout;
    struct sos_wire_reader wire; /* what the child sent so far */
};

struct runner {
    struct sos_run *run;
    const struct sos_runner_job *jobs;
    const struct sos_runner_opts *opts;
    struct slot *slots;
    struct sos_kv *host_facts;
    size_t n_host_facts;
    unsigned running;
    size_t done;
    double next_tick; /* monotonic time of the next on_tick */
};

/* ---- host facts ----------------------------------------------------------- */

void sos_kv_free(struct sos_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

int sos_host_facts(const struct sos_host *host, int offline, struct sos_kv **facts,
                   size_t *n)
{
    char uid[24];
    snprintf(uid, sizeof uid, "%ld", host->uid);
    const char *pairs[][2] = {
        {"host.os", host->os},
        {"host.os_name", host->os_name},
        {"host.os_version", host->os_version},
        {"host.arch", host->arch},
        {"host.kernel", host->kernel},
        {"host.hostname", host->hostname},
        {"host.wsl", host->wsl ? "true" : "false"},
        {"host.wsl_version", host->wsl == 2 ? "2" : host->wsl ? "1" : "0"},
        {"host.container", host->container ? "true" : "false"},
        {"host.root", host->root ? "true" : "false"},
        {"host.live", offline ? "false" : "true"},
        {"host.tree", host->tree ? "true" : "false"},
        {"host.uid", host->uid >= 0 ? uid : "unknown"},
    };
    size_t count = sizeof pairs / sizeof pairs[0];
    struct sos_kv *kv = calloc(count, sizeof *kv);
    if (!kv)
        return -1;
    for (size_t i = 0; i < count; i++) {
        kv[i].key = strdup(pairs[i][0]);
        kv[i].value = strdup(pairs[i][1]);
        if (!kv[i].key || !kv[i].value) {
            sos_kv_free(kv, count);
            return -1;
        }
    }
    *facts = kv;
    *n = count;
    return 0;
}

/* ---- dependencies --------------------------------------------------------- */

/* Entry I waits for the entries the graph resolved its needs and after to
 * (an id names the agent's own instance, else the host's: core/graph.c). */
static int link_dependencies(struct runner *r, const struct sos_graph *g, size_t i)
{
    struct slot *s = &r->slots[i];
    s->deps = g->dep + g->dep_start[i];
    s->n_deps = g->dep_start[i + 1] - g->dep_start[i];
    s->n_needs = g->n_needs[i];
    if (g->missing_need[i] &&
        asprintf(&s->dep_error, "needs '%s', which is not part of this run",
                 g->missing_need[i]) < 0)
        return -1;
    return 0;
}

static int deps_done(const struct runner *r, size_t i)
{
    const struct slot *s = &r->slots[i];
    for (size_t k = 0; k < s->n_deps; k++)
        if (r->slots[s->deps[k]].state != SLOT_DONE)
            return 0;
    return 1;
}

/* The first `needs` that did not pass, or -1. */
static long failed_need(const struct runner *r, size_t i)
{
    const struct slot *s = &r->slots[i];
    for (size_t k = 0; k < s->n_needs; k++) {
        enum sos_status st = r->run->entries[s->deps[k]].result.status;
        if (st != SOS_ST_OK && st != SOS_ST_WARNING)
            return (long)s->deps[k];
    }
    return -1;
}

/* Facts of every check this one depends on, directly or not, then the
 * host's. Shallow copies: the child only reads them. */
static void collect_facts(const struct runner *r, size_t i, char *seen,
                          struct sos_kv *out, size_t *n)
{
    const struct slot *s = &r->slots[i];
    for (size_t k = 0; k < s->n_deps; k++) {
        size_t j = s->deps[k];
        const struct sos_check_result *res = &r->run->entries[j].result;
        if (seen[j])
            continue;
        seen[j] = 1;
        for (size_t f = 0; f < res->n_facts; f++)
            out[(*n)++] = res->facts[f];
        collect_facts(r, j, seen, out, n);
    }
}

static size_t count_all_facts(const struct runner *r)
{
    size_t total = r->n_host_facts;
    for (size_t i = 0; i < r->run->n_entries; i++)
        total += r->run->entries[i].result.n_facts;
    return total;
}

static struct sos_kv *visible_facts(const struct runner *r, size_t i,
                                    size_t *n)
{
    struct sos_kv *facts = calloc(count_all_facts(r) + 1, sizeof *facts);
    char *seen = calloc(r->run->n_entries + 1, 1);
    *n = 0;
    if (!facts || !seen) {
        free(facts);
        free(seen);
        return NULL;
    }
    collect_facts(r, i, seen, facts, n);
    for (size_t k = 0; k < r->n_host_facts; k++)
        facts[(*n)++] = r->host_facts[k];
    free(seen);
    return facts;
}

/* ---- finishing a check ---------------------------------------------------- */

static void set_reason(struct sos_check_result *res, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void set_reason(struct sos_check_result *res, const char *format, ...)
{
    va_list ap;
    char *text = NULL;
    va_start(ap, format);
    if (vasprintf(&text, format, ap) < 0)
        text = NULL;
    va_end(ap);
    free(res->reason);
    res->reason = text;
}

static void finish_entry(struct runner *r, size_t i, enum sos_status status)
{
    struct sos_run_entry *e = &r->run->entries[i];
    if (status == SOS_ST_FAILURE && e->decl->severity == SOS_DECL_WARNING)
        status = SOS_ST_WARNING;
    e->result.status = status;
    e->done = 1;
    r->slots[i].state = SLOT_DONE;
    r->done++;
    if (r->opts->on_finish)
        r->opts->on_finish(r->opts->callback_data, e);
}

/* The message of the first finding that is a problem, so a skipped check
 * says why its dependency failed without the reader looking it up. */
static const char *first_problem(const struct sos_check_result *res)
{
    if (res->status == SOS_ST_SKIPPED)
        return NULL; /* its own line says why, through the same rule */
    for (size_t i = 0; i < res->n_findings; i++)
        if (res->findings[i].severity > SOURCEOS_SEV_INFO && res->findings[i].message)
            return res->findings[i].message;
    return res->reason; /* a crash or a timeout says it there */
}

static void skip_entry(struct runner *r, size_t i)
{
    struct sos_run_entry *e = &r->run->entries[i];
    long need = failed_need(r, i);
    e->result.started = sos_now_wall();
    if (e->decl->inapplicable) {
        set_reason(&e->result, "%s", e->decl->inapplicable);
    } else if (e->decl->when_os && !(e->decl->when_os & r->run->host.os_mask)) {
        char systems[64];
        sos_os_list(e->decl->when_os, systems, sizeof systems);
        set_reason(&e->result, "applies only to %s; this host is %s", systems,
                   r->run->host.os);
    } else if (need >= 0) {
        const struct sos_run_entry *n = &r->run->entries[need];
        const char *cause = first_problem(&n->result);
        set_reason(&e->result, "needs %s, which %s%s%s", n->decl->id,
                   n->result.status == SOS_ST_SKIPPED
                       ? "was skipped"
                       : n->result.status == SOS_ST_TIMEOUT
                             ? "timed out"
                             : n->result.status == SOS_ST_ERROR
                                   ? "could not decide (error)"
                                   : "failed",
                   cause ? ": " : "", cause ? cause : "");
    }
    finish_entry(r, i, SOS_ST_SKIPPED);
}

static void error_entry(struct runner *r, size_t i, const char *why)
{
    struct sos_run_entry *e = &r->run->entries[i];
    e->result.started = sos_now_wall();
    set_reason(&e->result, "%s", why);
    finish_entry(r, i, SOS_ST_ERROR);
}

/* ---- the child ------------------------------------------------------------ */

static void announce_pgid(pid_t pgid, void *data)
{
    sos_wire_send_pgid(*(int *)data, pgid);
}

/* The child's result pipe becomes descriptor 3 and everything above it is
 * closed: the plugin must not reach the other checks' pipes and pidfds,
 * nor anything else the parent holds. */
static int keep_only_pipe(int fd)
{
    if (fd != 3) {
        if (dup2(fd, 3) < 0)
            return -1;
        if (fd > 3)
            close(fd);
    }
    sos_close_from(4);
    return 3;
}

/* A crash must end the child with its signal, for the report to name it,
 * even when a sanitizer runtime installed handlers of its own. */
static void default_fatal_signals(void)
{
    static const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
        signal(fatal[i], SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
}

static void quiet_stdout(void)
{
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, STDOUT_FILENO);
        close(null);
    }
}

static sourceos_status run_plugin_check(const struct sourceos_check *check,
                                        sourceos_ctx *ctx,
                                        struct sos_check_result *res)
{
    sourceos_status st = check->run(ctx);
    if ((int)st < SOURCEOS_OK || st > SOURCEOS_SKIPPED) {
        set_reason(res, "the plugin returned an unknown status %d", (int)st);
        return SOURCEOS_ERROR;
    }
    return st;
}

/* Offline, a check that asked this machine could only be decided live;
 * replayed, one that asked what the bundle did not capture could only be
 * decided at capture: what it recorded after the first refused probe is
 * about an answer it never got, so it goes, and the check is skipped with
 * the one reason. A problem it found in the tree before that still
 * counts. */
static void apply_refusals(sourceos_ctx *ctx, struct sos_check_result *res)
{
    size_t keep, worst = 0;
    const char *reason;
    if (sos_ctx_refused(ctx, &keep, &reason) == 0)
        return;
    sos_check_result_keep_findings(res, keep);
    for (size_t k = 0; k < res->n_findings; k++)
        if ((size_t)res->findings[k].severity > worst)
            worst = (size_t)res->findings[k].severity;
    set_reason(res, "%s", reason);
    res->status = worst == SOURCEOS_SEV_CRITICAL  ? SOS_ST_FAILURE
                  : worst == SOURCEOS_SEV_WARNING ? SOS_ST_WARNING
                                                  : SOS_ST_SKIPPED;
    if (res->status != SOS_ST_SKIPPED)
        sourceos_finding_add(ctx,
                             sos_ctx_config_of(ctx)->replay ? "core.not-captured"
                                                            : "core.offline",
                             SOURCEOS_SEV_INFO, "skipped: %s", reason);
}

/* An action's callback for PHASE: 0 done, -1 failed (its finding says why). */
static sourceos_status run_plugin_action(const struct sourceos_action *a,
                                         enum sos_action_phase phase, sourceos_ctx *ctx,
                                         struct sos_check_result *res)
{
    int rc = phase == SOS_PHASE_PLAN    ? a->plan(ctx)
             : phase == SOS_PHASE_APPLY ? a->apply(ctx)
                                        : a->undo(ctx);
    if (rc != 0 && rc != -1) {
        set_reason(res, "the action returned %d, neither 0 nor -1", rc);
        return SOURCEOS_ERROR;
    }
    return rc == 0 ? SOURCEOS_OK : SOURCEOS_FAILURE;
}

static enum sos_ctx_mode job_mode(const struct runner *r, const struct sos_runner_job *job)
{
    if (!job->action)
        return SOS_CTX_CHECK;
    return job->phase == SOS_PHASE_PLAN || r->opts->dry_run ? SOS_CTX_PLAN : SOS_CTX_APPLY;
}

static void __attribute__((noreturn))
child_main(struct runner *r, size_t i, int fd, struct sos_kv *facts,
           size_t n_facts)
{
    struct sos_check_result res;
    struct sos_ctx_config config;
    sourceos_ctx *ctx;

    default_fatal_signals();
    quiet_stdout();
    fd = keep_only_pipe(fd);
    if (fd < 0)
        _exit(70);
    memset(&res, 0, sizeof res);
    memset(&config, 0, sizeof config);
    config.decl = r->run->entries[i].decl;
    config.mode = job_mode(r, &r->jobs[i]);
    config.root = r->opts->root;
    config.offline = r->opts->offline;
    config.capture = r->opts->capture;
    config.replay = r->opts->replay;
    config.facts = facts;
    config.n_facts = n_facts;
    config.deadline = r->slots[i].deadline;
    config.pgid_hook = announce_pgid;
    config.pgid_hook_data = &fd;
    ctx = sos_ctx_new(&config, &res);
    if (!ctx)
        _exit(70);
    res.status = (enum sos_status)(r->jobs[i].action
                                       ? run_plugin_action(r->jobs[i].action, r->jobs[i].phase,
                                                           ctx, &res)
                                       : run_plugin_check(r->jobs[i].check, ctx, &res));
    apply_refusals(ctx, &res);
    sos_ctx_free(ctx);
    /* The runner drains its pipe to the end: a write that fails means it is
     * gone, which is no reason to die of SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    _exit(sos_wire_send_result(fd, &res) == 0 ? 0 : 74);
}

/* ---- the parent ----------------------------------------------------------- */

/* The check's own deadline, else the run's; never past --timeout, which
 * the user gave to bound the whole run's checks. */
static double check_timeout(const struct runner *r, size_t i)
{
    double t = r->run->entries[i].decl->timeout;
    double max = r->opts->max_timeout;
    if (!(t > 0))
        t = r->opts->default_timeout;
    return max > 0 && t > max ? max : t;
}

/* A descriptor that polls readable when PID exits, so the runner sleeps
 * until something happens instead of ticking while it waits for an exit. */
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

/* Forks with every signal blocked, so that no handler of the runner runs in
 * the child before it resets them; the caller restores *SAVED on both
 * sides. */
static pid_t fork_check(sigset_t *saved)
{
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, saved);
    return fork();
}

static int start_child(struct runner *r, size_t i, sos_error *err)
{
    struct slot *s = &r->slots[i];
    struct sos_run_entry *e = &r->run->entries[i];
    size_t n_facts = 0;
    struct sos_kv *facts = visible_facts(r, i, &n_facts);
    int p[2];
    pid_t pid;
    sigset_t saved_mask;

    if (!facts)
        return sos_fail(err, "out of memory starting check %s", e->decl->id);
    if (pipe2(p, O_CLOEXEC) != 0) {
        free(facts);
        return sos_fail(err, "cannot make a pipe for check %s: %s",
                        e->decl->id, strerror(errno));
    }
    s->timeout = check_timeout(r, i);
    s->started_mono = sos_now_monotonic();
    s->deadline = s->started_mono + s->timeout;
    e->result.started = sos_now_wall();
    fflush(NULL); /* buffered output must not be written twice */
    pid = fork_check(&saved_mask);
    if (pid < 0) {
        int fork_errno = errno;
        sigprocmask(SIG_SETMASK, &saved_mask, NULL);
        errno = fork_errno;
        close(p[0]);
        close(p[1]);
        free(facts);
        return sos_fail(err, "cannot fork for check %s: %s", e->decl->id,
                        strerror(errno));
    }
    if (pid == 0) {
        setpgid(0, 0);
        close(p[0]);
        sos_signals_child();
        sigprocmask(SIG_SETMASK, &saved_mask, NULL);
        child_main(r, i, p[1], facts, n_facts);
    }
    sigprocmask(SIG_SETMASK, &saved_mask, NULL);
    setpgid(pid, pid); /* both sides, so kill(-pid) works from now on */
    close(p[1]);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    free(facts);
    s->pid = pid;
    s->fd = p[0];
    s->pidfd = open_pidfd(pid);
    s->state = SLOT_RUNNING;
    r->running++;
    if (r->opts->on_start)
        r->opts->on_start(r->opts->callback_data, e);
    return 0;
}

static void kill_slot_groups(struct slot *s)
{
    if (s->pid > 0)
        kill(-s->pid, SIGKILL);
    for (size_t k = 0; k < s->wire.n_pgids && k < SOS_WIRE_PGIDS_MAX; k++)
        kill(-s->wire.pgids[k], SIGKILL);
}

/* One read of the pipe, fed to the wire reader; returns 1 when there was
 * data. Closes the pipe at EOF. */
static int read_slot(struct slot *s)
{
    char chunk[READ_CHUNK];
    ssize_t n;
    do
        n = read(s->fd, chunk, sizeof chunk);
    while (n < 0 && errno == EINTR);
    if (n > 0) {
        sos_wire_feed(&s->wire, chunk, (size_t)n);
        return 1;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return 0;
    close(s->fd);
    s->fd = -1;
    return 0;
}

static void conclude_from_result(struct runner *r, size_t i,
                                 struct sos_check_result *got)
{
    struct slot *s = &r->slots[i];
    struct sos_check_result *res = &r->run->entries[i].result;
    double started = res->started;
    sos_check_result_free(res);
    *res = *got;
    res->started = started;
    res->duration = sos_now_monotonic() - s->started_mono;
    finish_entry(r, i, res->status);
}

static void conclude_slot(struct runner *r, size_t i)
{
    struct slot *s = &r->slots[i];
    struct sos_check_result *res = &r->run->entries[i].result;
    struct sos_check_result got;
    kill_slot_groups(s); /* anything the check left behind */
    r->running--;
    res->duration = sos_now_monotonic() - s->started_mono;
    if (s->timed_out) {
        set_reason(res,
                   "did not finish within %gs; its process group was killed",
                   s->timeout);
        finish_entry(r, i, SOS_ST_TIMEOUT);
    } else if (WIFSIGNALED(s->wstatus)) {
        res->term_signal = WTERMSIG(s->wstatus);
        set_reason(res, "the check crashed: killed by signal %d (%s)",
                   res->term_signal, strsignal(res->term_signal));
        finish_entry(r, i, SOS_ST_ERROR);
    } else if (sos_wire_take_result(&s->wire, &got) == 0) {
        conclude_from_result(r, i, &got);
    } else if (s->wire.malformed) {
        set_reason(res, "the check's process sent a malformed result");
        finish_entry(r, i, SOS_ST_ERROR);
    } else {
        set_reason(res, "the check's process exited with status %d without "
                        "a result",
                   WEXITSTATUS(s->wstatus));
        finish_entry(r, i, SOS_ST_ERROR);
    }
}

static void reap_slot(struct slot *s, int block)
{
    pid_t got;
    do
        got = waitpid(s->pid, &s->wstatus, block ? 0 : WNOHANG);
    while (got < 0 && errno == EINTR);
    if (got == s->pid || (got < 0 && errno == ECHILD))
        s->exited = 1;
}

static void expire_slot(struct slot *s)
{
    kill_slot_groups(s);
    s->timed_out = 1;
    reap_slot(s, 1);
    if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
}

static void service_slots(struct runner *r)
{
    double now = sos_now_monotonic();
    for (size_t i = 0; i < r->run->n_entries; i++) {
        struct slot *s = &r->slots[i];
        if (s->state != SLOT_RUNNING)
            continue;
        if (!s->exited && now >= s->deadline)
            expire_slot(s);
        if (!s->exited)
            reap_slot(s, 0);
        for (int k = 0; s->exited && s->fd >= 0 && k < DRAIN_READS; k++)
            if (!read_slot(s)) /* whatever it wrote before exiting */
                break;
        if (s->exited && s->fd >= 0) {
            close(s->fd); /* held open by something it left behind */
            s->fd = -1;
        }
        if (s->exited && s->fd < 0) {
            if (s->pidfd >= 0) {
                close(s->pidfd);
                s->pidfd = -1;
            }
            conclude_slot(r, i);
        }
    }
}

static int poll_timeout_ms(const struct runner *r)
{
    double now = sos_now_monotonic();
    double wait = 1.0;
    for (size_t i = 0; i < r->run->n_entries; i++) {
        const struct slot *s = &r->slots[i];
        if (s->state != SLOT_RUNNING)
            continue;
        if (s->fd < 0 && s->pidfd < 0)
            return 1; /* pipe closed, waiting for the exit: no way to be told */
        if (s->deadline - now < wait)
            wait = s->deadline - now;
    }
    if (r->opts->on_tick && r->next_tick - now < wait)
        wait = r->next_tick - now;
    return wait <= 0 ? 0 : (int)(wait * 1000.0) + 1;
}

/* Sleeps until a child wrote or exited, a deadline comes or a signal was
 * caught; then reads each pipe that has data, once. */
static void wait_for_children(struct runner *r)
{
    struct pollfd *fds = calloc(2 * r->run->n_entries + 2, sizeof *fds);
    size_t *index = calloc(2 * r->run->n_entries + 2, sizeof *index);
    nfds_t n = 0;
    if (fds && index) {
        if (sos_signals_fd() >= 0) {
            fds[n].fd = sos_signals_fd();
            fds[n].events = POLLIN;
            index[n++] = SIZE_MAX;
        }
        for (size_t i = 0; i < r->run->n_entries; i++) {
            const struct slot *s = &r->slots[i];
            if (s->state != SLOT_RUNNING)
                continue;
            if (s->fd >= 0) {
                fds[n].fd = s->fd;
                fds[n].events = POLLIN;
                index[n++] = i;
            }
            if (s->pidfd >= 0) {
                fds[n].fd = s->pidfd;
                fds[n].events = POLLIN;
                index[n++] = i;
            }
        }
        if (poll(fds, n, poll_timeout_ms(r)) > 0)
            for (nfds_t k = 0; k < n; k++) {
                if (!fds[k].revents)
                    continue;
                if (index[k] == SIZE_MAX)
                    sos_signals_drain();
                else if (fds[k].fd == r->slots[index[k]].fd)
                    read_slot(&r->slots[index[k]]);
            }
    }
    free(fds);
    free(index);
}

/* Once its interval has passed, however busy the children keep the poll. */
static void tick(struct runner *r)
{
    double now = sos_now_monotonic();
    if (!r->opts->on_tick || now < r->next_tick)
        return;
    /* a zero interval must not turn the poll into a busy loop */
    r->next_tick = now + (r->opts->tick_interval > 0.05 ? r->opts->tick_interval : 0.05);
    r->opts->on_tick(r->opts->callback_data);
}

/* The run was interrupted by SIG: every running check's groups are killed
 * and it is reported interrupted; checks not started yet are skipped. */
static void interrupt_run(struct runner *r, int sig)
{
    char buf[32];
    const char *name = sos_signal_name(sig, buf, sizeof buf);
    for (size_t i = 0; i < r->run->n_entries; i++)
        if (r->slots[i].state == SLOT_RUNNING)
            kill_slot_groups(&r->slots[i]); /* all at once, then reap */
    for (size_t i = 0; i < r->run->n_entries; i++) {
        struct slot *s = &r->slots[i];
        struct sos_run_entry *e = &r->run->entries[i];
        if (s->state == SLOT_RUNNING) {
            if (!s->exited)
                reap_slot(s, 1);
            r->running--;
            e->result.duration = sos_now_monotonic() - s->started_mono;
            set_reason(&e->result, "interrupted by %s before it finished; "
                                   "its process group was killed", name);
            finish_entry(r, i, SOS_ST_INTERRUPTED);
        } else if (s->state == SLOT_WAITING) {
            e->result.started = sos_now_wall();
            set_reason(&e->result, "not started: the run was interrupted "
                                   "by %s", name);
            finish_entry(r, i, SOS_ST_SKIPPED);
        }
    }
}

/* Starts or settles every check whose dependencies are done. Returns -1 when
 * a child could not be started. */
static int start_ready(struct runner *r, sos_error *err)
{
    int progress = 1;
    while (progress) {
        progress = 0;
        for (size_t i = 0; i < r->run->n_entries; i++) {
            const struct sos_run_entry *e = &r->run->entries[i];
            if (r->slots[i].state != SLOT_WAITING || !deps_done(r, i))
                continue;
            if (e->decl->inapplicable ||
                (e->decl->when_os && !(e->decl->when_os & r->run->host.os_mask)) ||
                failed_need(r, i) >= 0) {
                skip_entry(r, i);
                progress = 1;
            } else if (r->slots[i].dep_error) {
                error_entry(r, i, r->slots[i].dep_error);
                progress = 1;
            } else if (!r->jobs[i].check && !r->jobs[i].action) {
                error_entry(r, i, r->jobs[i].load_error
                                      ? r->jobs[i].load_error
                                      : "no such check");
                progress = 1;
            } else if (r->running < r->opts->jobs) {
                if (start_child(r, i, err) != 0)
                    return -1;
            }
        }
    }
    return 0;
}

#ifdef __linux__
/* Anything a check started and orphaned was re-parented to us (we are a
 * subreaper): kill and reap it, so no process outlives the run. */
static void sweep_orphans(void)
{
    char path[64];
    FILE *f;
    long pid;
    snprintf(path, sizeof path, "/proc/self/task/%ld/children", (long)getpid());
    for (int round = 0; round < 8; round++) {
        int found = 0;
        f = fopen(path, "re");
        if (!f)
            return;
        while (fscanf(f, "%ld", &pid) == 1) {
            kill((pid_t)pid, SIGKILL);
            found = 1;
        }
        fclose(f);
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
        if (!found)
            return;
        while (waitpid(-1, NULL, 0) > 0)
            ;
    }
}
#else
static void sweep_orphans(void)
{
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
}
#endif

static void free_slots(struct runner *r)
{
    for (size_t i = 0; i < r->run->n_entries; i++) {
        struct slot *s = &r->slots[i];
        if (s->state == SLOT_RUNNING) {
            kill_slot_groups(s);
            reap_slot(s, 1);
        }
        if (s->fd >= 0)
            close(s->fd);
        if (s->pidfd >= 0)
            close(s->pidfd);
        free(s->dep_error);
        sos_wire_reader_free(&s->wire);
    }
    free(r->slots);
}

static void count_results(struct sos_run *run)
{
    memset(run->counts, 0, sizeof run->counts);
    for (size_t i = 0; i < run->n_entries; i++)
        run->counts[run->entries[i].result.status]++;
    /* As a shell reports a command killed by the signal. */
    run->exit_code = run->interrupted_by ? 128 + run->interrupted_by
                                         : sos_exit_code(run->counts);
}

static int prepare(struct runner *r, sos_error *err)
{
    const struct sos_graph *g = r->run->graph;
    if (!g || g->n != r->run->n_entries)
        return sos_fail(err, "internal error: no dependency graph for the run's "
                             "%zu checks", r->run->n_entries);
    r->slots = calloc(r->run->n_entries + 1, sizeof *r->slots);
    if (!r->slots)
        return sos_fail(err, "out of memory");
    for (size_t i = 0; i < r->run->n_entries; i++) {
        r->slots[i].fd = -1;
        r->slots[i].pidfd = -1;
        sos_wire_reader_init(&r->slots[i].wire);
    }
    for (size_t i = 0; i < r->run->n_entries; i++)
        if (link_dependencies(r, g, i) != 0)
            return sos_fail(err, "out of memory");
    if (sos_host_facts(&r->run->host, r->opts->offline, &r->host_facts, &r->n_host_facts) != 0)
        return sos_fail(err, "out of memory");
    return 0;
}

int sos_runner_run(struct sos_run *run, const struct sos_runner_job *jobs,
                   const struct sos_runner_opts *opts, sos_error *err)
{
    struct runner r;
    struct sos_signals signals;
    double t0 = sos_now_monotonic();
    int rc = 0;

    memset(&r, 0, sizeof r);
    r.run = run;
    r.jobs = jobs;
    r.opts = opts;
    r.next_tick = t0 + opts->tick_interval;
    run->started = sos_now_wall();
    run->interrupted_by = 0;
#ifdef __linux__
    prctl(PR_SET_CHILD_SUBREAPER, 1);
#endif
    if (sos_signals_catch(&signals) != 0)
        return sos_fail(err, "cannot catch signals: %s", strerror(errno));
    if (prepare(&r, err) != 0) {
        rc = -1;
    } else {
        while (r.done < run->n_entries) {
            if (sos_signals_caught()) {
                interrupt_run(&r, sos_signals_caught());
                break;
            }
            if (start_ready(&r, err) != 0) {
                rc = -1;
                break;
            }
            if (r.done == run->n_entries)
                break;
            if (r.running == 0) {
                rc = sos_fail(err, "internal error: checks left that can "
                                   "never start (dependency order)");
                break;
            }
            wait_for_children(&r);
            service_slots(&r);
            tick(&r);
        }
    }
    if (r.slots)
        free_slots(&r);
    sweep_orphans();
    /* Caught at any point, even after the last check: the caller exits
     * 128+N, as the user asked. */
    run->interrupted_by = sos_signals_caught();
    sos_signals_release(&signals);
    sos_kv_free(r.host_facts, r.n_host_facts);
    run->duration = sos_now_monotonic() - t0;
    count_results(run);
    return rc;
}
