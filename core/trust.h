/* Trust: sourceos runs what its plugin directory, config directory,
 * checks.d and agents.d say, so it trusts them only when no one but root
 * and the user running it can change them. */
#ifndef SOS_TRUST_H
#define SOS_TRUST_H

#include <sys/stat.h>

#include "error.h"

/* Whether ST (of PATH, described as WHAT, e.g. "checks.d directory") is
 * owned by root or the effective user and not writable by group or others.
 * The message names PATH, what is wrong and the command that fixes it, with
 * PATH shell-quoted. Returns 0 or -1 with ERR set. */
int sos_trust_stat(const char *what, const char *path, const struct stat *st,
                   sos_error *err);

/* PATH (followed when a symlink: the directory it names is what counts)
 * exists, is a directory and passes sos_trust_stat(). */
int sos_trust_dir(const char *what, const char *path, sos_error *err);

/* Opens PATH read-only for reading a declaration: a regular file that
 * passes sos_trust_stat(), checked on the descriptor returned. A symlink is
 * followed only to a file inside the directory that holds it (the same
 * trusted directory); one that leads out of it is refused. Never blocks on
 * a FIFO. Returns the descriptor (close-on-exec), or -1 with ERR set. */
int sos_trust_open_file(const char *path, sos_error *err);

/* What kind of file MODE is, for messages: "a directory", "a FIFO", ... */
const char *sos_file_kind(mode_t mode);

#endif
