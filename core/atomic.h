/* Atomic writes of state files: a reader sees the old file or the new one,
 * never part of one, also across a crash (temp file, fsync, rename, fsync
 * of the directory). */
#ifndef SOS_ATOMIC_H
#define SOS_ATOMIC_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* Writes the LEN bytes of DATA as NAME (one path segment) in the directory
 * DIRFD, with MODE, through a temporary ".NAME.tmp" there. With
 * SOS_ATOMIC_DEFER_DIR_SYNC the directory is not fsync'd: the caller does
 * it once (sos_fsync_dir) after a batch of files, before anything refers to
 * them. */
#define SOS_ATOMIC_DEFER_DIR_SYNC 1u
int sos_atomic_write(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                     unsigned flags, sos_error *err);

/* The same for N (at most SOS_ATOMIC_MAX_FILES) files of one directory:
 * every temporary written, then each fsync'd, then each renamed, then the
 * directory fsync'd once (unless SOS_ATOMIC_DEFER_DIR_SYNC). Each file is
 * still temp, fsync, rename; a failure removes the temporaries not yet in
 * place (the files already renamed stay, each whole). */
#define SOS_ATOMIC_MAX_FILES 8
struct sos_atomic_file {
    const char *name;
    const void *data;
    size_t len;
    mode_t mode;
};
int sos_atomic_write_all(int dirfd, const struct sos_atomic_file *files, size_t n,
                         unsigned flags, sos_error *err);

/* Points the symlink NAME in DIRFD at TARGET, replacing what was there in
 * one rename (a temporary ".NAME.tmp" symlink first). */
int sos_atomic_symlink(int dirfd, const char *name, const char *target, sos_error *err);

/* fsync of the directory DIRFD, so its new entries survive a crash. */
int sos_fsync_dir(int dirfd, sos_error *err);

/* mkdir -p of PATH (each new directory mode 0700), then PATH opened as a
 * directory without following a symlink, owned by this user and held to
 * mode 0700: its descriptor, or -1 with ERR. */
int sos_private_dir_open(const char *path, sos_error *err);

#endif
