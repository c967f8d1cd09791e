/* Private temporary directories: made under $TMPDIR (else /tmp) with mode
 * 0700, and removed with everything in them, symlinks not followed. For
 * work that must leave nothing behind (a preflight's scratch generation,
 * systemd-analyze's runtime directory). */
#ifndef SOS_SCRATCH_H
#define SOS_SCRATCH_H

#include "error.h"

/* A new directory named PREFIX.XXXXXX; NULL with ERR when it cannot be made. */
char *sos_scratch_make(const char *prefix, sos_error *err);

/* Removes DIR and what it holds, depth first, never following a symlink. */
void sos_scratch_remove(const char *dir);

#endif
