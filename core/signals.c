#include "config.h"

#include "signals.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* SIGPIPE too: a streamed report's reader that goes away stops the run as
 * an interruption does (its checks killed), rather than killing this
 * process and leaving them running with no one to enforce a deadline. The
 * write itself then fails with EPIPE, which the caller reports. */
static const int caught_signals[SOS_SIGNALS_CAUGHT] = {SIGINT, SIGTERM, SIGHUP,
                                                       SIGPIPE};

/* The runner's bookkeeping of an interruption: the first signal, and the
 * self-pipe the handler writes to (the handler can reach nothing else). */
static volatile sig_atomic_t first_signal;
static int pipe_fds[2] = {-1, -1};

static void on_signal(int sig)
{
    int saved = errno;
    if (!first_signal)
        first_signal = sig;
    if (pipe_fds[1] >= 0) {
        ssize_t n = write(pipe_fds[1], "!", 1); /* full pipe: already woken */
        (void)n;
    }
    errno = saved;
}

int sos_signals_catch(struct sos_signals *s)
{
    struct sigaction sa;
    memset(s, 0, sizeof *s);
    /* Nested in an outer catch (a replay around its run): the outer one's
     * handlers, self-pipe and first signal stay, and this release is a
     * no-op, so a signal caught before stays caught. */
    if (pipe_fds[0] >= 0)
        return 0;
    first_signal = 0;
    if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        pipe_fds[0] = pipe_fds[1] = -1;
        return -1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART; /* the self-pipe wakes the poll; nothing else
                                 should see EINTR */
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < SOS_SIGNALS_CAUGHT; i++)
        sigaddset(&sa.sa_mask, caught_signals[i]);
    for (int i = 0; i < SOS_SIGNALS_CAUGHT; i++) {
        sigaction(caught_signals[i], NULL, &s->saved[i]);
        /* Ignored by whoever started us (nohup, a script's background
         * job): the signal is not for us, as the shells do it. */
        if (s->saved[i].sa_handler != SIG_IGN)
            sigaction(caught_signals[i], &sa, NULL);
    }
    s->installed = 1;
    return 0;
}

void sos_signals_release(struct sos_signals *s)
{
    struct sigaction ignore;
    if (!s->installed)
        return;
    memset(&ignore, 0, sizeof ignore);
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    for (int i = 0; i < SOS_SIGNALS_CAUGHT; i++)
        sigaction(caught_signals[i], first_signal ? &ignore : &s->saved[i],
                  NULL);
    for (int i = 0; i < 2; i++) {
        close(pipe_fds[i]);
        pipe_fds[i] = -1;
    }
    s->installed = 0;
}

int sos_signals_fd(void)
{
    return pipe_fds[0];
}

void sos_signals_drain(void)
{
    char buf[64];
    while (pipe_fds[0] >= 0 && read(pipe_fds[0], buf, sizeof buf) > 0)
        ;
}

int sos_signals_caught(void)
{
    return (int)first_signal;
}

void sos_signals_child(void)
{
    for (int i = 0; i < SOS_SIGNALS_CAUGHT; i++)
        signal(caught_signals[i], SIG_DFL);
}

const char *sos_signal_name(int sig, char *buf, size_t size)
{
    switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    case SIGPIPE: return "SIGPIPE";
    }
    snprintf(buf, size, "signal %d", sig);
    return buf;
}
