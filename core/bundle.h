/* Writing a quarantine bundle: one tar archive (pax, zstd by default), the
 * members streamed into it and manifest.json written last, listing them.
 *
 * Whole or absent: the archive is written to a temporary ".NAME.XXXXXX"
 * (mode 0600) in the destination directory and only renamed to NAME after
 * the manifest, the archive's end and an fsync; a failure, an abort or a
 * free without close removes the temporary, so nothing partial ever has the
 * final name. Memory stays bounded: members from a file descriptor are
 * copied in SOS_BUNDLE_CHUNK pieces, their sha256 computed on the way.
 *
 * Redaction is the caller's job (every string it hands over must already
 * have been through redact.h); sos_bundle_scan() is the last line: it reads
 * the finished bundle back and deletes it when a secret is left in it. */
#ifndef SOS_BUNDLE_H
#define SOS_BUNDLE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "error.h"

#define SOS_BUNDLE_FORMAT_VERSION 1
#define SOS_BUNDLE_MANIFEST "manifest.json"
/* What one read or write moves at most. */
#define SOS_BUNDLE_CHUNK (64 * 1024)
/* A member name's longest form. */
#define SOS_BUNDLE_NAME_MAX 255

enum sos_bundle_compression {
    SOS_BUNDLE_ZSTD,
    SOS_BUNDLE_GZIP,
    SOS_BUNDLE_NONE,
};

/* Member flags. */
#define SOS_BUNDLE_REDACTED 1u /* the caller redacted what it holds */

/* What the manifest says about the capture (strings copied). */
struct sos_bundle_info {
    const char *tool_version; /* NULL: this build's PACKAGE_VERSION */
    const char *host;
    const char *agent;
    time_t captured; /* 0: now */
};

struct sos_bundle;

/* Non-zero when NAME is a safe member name: relative, '/'-separated
 * segments, none empty, "." or "..", no control characters or backslash,
 * at most SOS_BUNDLE_NAME_MAX bytes. */
int sos_bundle_name_valid(const char *name);

/* A compression by its name ("zstd", "gzip", "none"); -1 when unknown. */
int sos_bundle_compression_of(const char *name);

/* Starts the bundle NAME (one path segment) in the directory DIR. NULL with
 * ERR set on failure (nothing left behind). */
struct sos_bundle *sos_bundle_open(const char *dir, const char *name,
                                   enum sos_bundle_compression compression,
                                   const struct sos_bundle_info *info, sos_error *err);

/* Adds the LEN bytes of DATA as member NAME. SOURCE (may be NULL) is the
 * path it came from, for the manifest. A refused name or a write error
 * returns -1 with ERR set; after a write error the bundle can only be
 * aborted (every later add and close fail). */
int sos_bundle_add_mem(struct sos_bundle *b, const char *name, const void *data, size_t len,
                       mode_t mode, time_t mtime, unsigned flags, const char *source,
                       sos_error *err);

/* Adds what FD holds (a regular file, read from offset 0 with pread; or a
 * pipe, spooled to an unlinked temporary file in the destination first) as
 * member NAME. With TAIL_CAP > 0 and more bytes than that, only the last
 * TAIL_CAP bytes are kept and the manifest says truncated and the original
 * size. MODE and MTIME of 0 and -1 take the file's. FD is not closed. */
int sos_bundle_add_fd(struct sos_bundle *b, const char *name, int fd, mode_t mode,
                      time_t mtime, unsigned flags, const char *source, uint64_t tail_cap,
                      sos_error *err);

/* An unlinked scratch file in the bundle's directory (so it is on the
 * bundle's file system and never outlives the process), for a copy the
 * caller makes before adding it (a redacted log). The fd, or -1 with ERR. */
int sos_bundle_scratch(struct sos_bundle *b, sos_error *err);

/* Adds all FD holds (a regular file: a copy the caller made, such as a
 * redacted tail) as member NAME; the manifest says it came from SOURCE,
 * ORIGINAL_SIZE bytes long, and TRUNCATED when the copy is of its tail. */
int sos_bundle_add_copy(struct sos_bundle *b, const char *name, int fd, mode_t mode,
                        time_t mtime, unsigned flags, const char *source,
                        uint64_t original_size, int truncated, sos_error *err);

/* Appends ENTRY (an object; the reference is stolen) to the manifest's
 * commands or actions. -1 on ENOMEM or when ENTRY is not an object. */
int sos_bundle_add_command(struct sos_bundle *b, json_t *entry, sos_error *err);
int sos_bundle_add_action(struct sos_bundle *b, json_t *entry, sos_error *err);

/* Sets KEY of the manifest to VALUE (stolen), for what a caller adds (a
 * capture's root, paths, report: capture.h); the writer's own keys are
 * refused. */
int sos_bundle_set(struct sos_bundle *b, const char *key, json_t *value, sos_error *err);

/* Records OWNER ({"uid", "gid", "user", "group"}, stolen) for the member
 * NAME already added. */
int sos_bundle_set_owner(struct sos_bundle *b, const char *name, json_t *owner, sos_error *err);

/* Writes manifest.json as the last member, ends the archive, fsyncs it and
 * renames it into place (and fsyncs the directory). The path in *PATH
 * (malloc'd) when PATH is not NULL. Frees B whatever happens; on failure
 * the temporary is removed and -1 returned with ERR set. */
int sos_bundle_close(struct sos_bundle *b, char **path, sos_error *err);

/* Removes from DIR the temporaries of bundles whose writer is gone (killed:
 * each writer holds a lock on its own). Returns how many. */
int sos_bundle_clean_stale(const char *dir);

/* Removes the temporary and frees B. NULL is accepted. */
void sos_bundle_abort(struct sos_bundle *b);

/* Reads the bundle at PATH back and scans every member's bytes (and name)
 * for the N SECRETS and for the redaction filter's key and value-shape
 * rules (redact.h). On a hit the bundle is deleted and -1 returned, ERR
 * naming the member and the kind of secret, never its value. -1 too (the
 * bundle deleted as well) when it cannot be read back. */
/* The test seam SOURCEOS_TEST_SCAN_HIT (set to anything) makes the first
 * member a hit, so what follows a failed scan can be tested. */
int sos_bundle_scan(const char *path, const char *const *secrets, size_t n, sos_error *err);

#endif
