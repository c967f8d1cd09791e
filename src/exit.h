/* The exit codes of every command, named once (DESIGN.md, Commands). The
 * run's codes are monitoring-plugins' states; usage and output errors are
 * sysexits'. Whatever src/ returns to main() is one of these. */
#ifndef SOS_EXIT_H
#define SOS_EXIT_H

enum sos_exit {
    SOS_EXIT_OK = 0,          /* all ok */
    SOS_EXIT_WARNING = 1,     /* warnings only */
    SOS_EXIT_FAILURE = 2,     /* a failure */
    SOS_EXIT_UNDECIDED = 3,   /* could not decide: a check errored or timed
                               * out, or a declaration is invalid */
    SOS_EXIT_USAGE = 64,      /* usage error (sysexits EX_USAGE) */
    SOS_EXIT_OUTPUT = 74,     /* the report could not be written (EX_IOERR) */
    SOS_EXIT_SIGNAL_BASE = 128, /* + N: interrupted by signal N, cleaned up */

    /* Mutating commands: done; refused by policy or preflight (nothing
     * half-done); failed and rolled back (the previous generation current). */
    SOS_EXIT_DONE = SOS_EXIT_OK,
    SOS_EXIT_REFUSED = SOS_EXIT_FAILURE,
    SOS_EXIT_ROLLED_BACK = SOS_EXIT_UNDECIDED,
};

#endif
