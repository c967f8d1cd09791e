/* Interrupting a run: while checks run, SIGINT, SIGTERM, SIGHUP and SIGPIPE
 * are caught rather than fatal, so the runner can kill every process it started
 * and report what finished before the process ends with 128+N. The handler
 * only records the first signal and writes a byte to a self-pipe that the
 * runner polls. */
#ifndef SOS_SIGNALS_H
#define SOS_SIGNALS_H

#include <signal.h>

/* SIGINT, SIGTERM, SIGHUP, and SIGPIPE (a reader of the report that went
 * away while the run streams it). */
#define SOS_SIGNALS_CAUGHT 4

struct sos_signals {
    struct sigaction saved[SOS_SIGNALS_CAUGHT];
    int installed;
};

/* Starts catching; returns 0, or -1 with errno (nothing is then caught).
 * A signal that was ignored when the run started (nohup, a background job
 * of a script) stays ignored. Inside another catch (not released yet) it
 * changes nothing: the outer catch's signal and self-pipe are the ones
 * seen, and the inner release does nothing. */
int sos_signals_catch(struct sos_signals *s);

/* Stops catching. When a signal was caught, they all stay ignored from
 * now on, so that a second Ctrl-C cannot cut short the caller's partial
 * report (and a write to a gone reader fails with EPIPE); otherwise the
 * previous dispositions come back. */
void sos_signals_release(struct sos_signals *s);

/* Polls readable once a signal was caught; -1 when not catching. */
int sos_signals_fd(void);

/* Empties the self-pipe, so the next poll sleeps again. */
void sos_signals_drain(void);

/* The first signal caught since sos_signals_catch(), or 0. */
int sos_signals_caught(void);

/* In a forked child: the caught signals back to their default action. */
void sos_signals_child(void);

/* "SIGINT", "SIGTERM", "SIGHUP", "SIGPIPE", else "signal N" (static
 * storage for those; N formatted into BUF otherwise). */
const char *sos_signal_name(int sig, char *buf, size_t size);

#endif
