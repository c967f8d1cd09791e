/* Extracting a quarantine bundle into a directory, for a security team that
 * must not trust it: it is verified first (bundle_read.h: a tampered or
 * hostile bundle is refused and nothing is written), then read a second
 * time and written into a temporary directory next to DIR, each member's
 * bytes hashed again on the way and compared with the manifest (a bundle
 * changed between the two reads is refused too), and only renamed to DIR
 * when every member is written: a failure, or a signal caught through
 * signals.h, leaves nothing.
 *
 * Every member goes to DIR/NAME (manifest.json, report.json,
 * remediation.md, commands/NNN.json, and root/PATH: the host's files under
 * root/ as the host laid them out). Nothing is created outside the
 * temporary directory: names are checked again (no absolute path, no
 * "..", no link), each directory is opened with O_NOFOLLOW and each file
 * created with O_CREAT|O_EXCL|O_NOFOLLOW, so no symlink is ever followed.
 * Modes come from the manifest without setuid, setgid or sticky bits and,
 * unless SOS_EXTRACT_KEEP_MODES, at most 0644 (0755 for an executable);
 * mtimes from the manifest. The directories the manifest's "paths" list
 * are made under DIR/root; its symlinks only with SOS_EXTRACT_SYMLINKS (a
 * replay's private tree), else each is listed as not created. */
#ifndef SOS_BUNDLE_EXTRACT_H
#define SOS_BUNDLE_EXTRACT_H

#include <stddef.h>

#include "bundle_read.h"
#include "error.h"

/* Also create the manifest's symlinks under DIR/root (never followed
 * while writing: they are made last). */
#define SOS_EXTRACT_SYMLINKS 1u
/* Modes as recorded (without setuid, setgid, sticky), not capped at
 * 0644/0755: for a tree no one else can reach (a 0700 directory). */
#define SOS_EXTRACT_KEEP_MODES 2u
/* Run as root: each file gets the owner the manifest recorded (a replay,
 * whose checks compare a file's owner with the user's). */
#define SOS_EXTRACT_OWNERS 4u

enum sos_extract_status {
    SOS_EXTRACT_DONE = 0,
    SOS_EXTRACT_TAMPERED = 2,   /* SOS_BUNDLE_TAMPERED: nothing written */
    SOS_EXTRACT_UNREADABLE = 3, /* SOS_BUNDLE_UNREADABLE: nothing written */
    SOS_EXTRACT_BAD_DIR,        /* DIR is not absent or an empty directory,
                                   or its temporary cannot be made beside it */
    SOS_EXTRACT_FAILED,         /* a write failed, or the bundle changed since it
                                   was verified: nothing left */
    SOS_EXTRACT_INTERRUPTED,    /* sos_signals_caught(): nothing left */
};

/* A symlink of the manifest's "paths": WHY is NULL when it was created. */
struct sos_extract_link {
    char *path;   /* host view */
    char *target; /* as recorded */
    const char *why;
};

struct sos_extract {
    enum sos_extract_status status;
    struct sos_bundle_check check; /* the verification: verdict, manifest, problems */
    size_t n_files;                /* members written, manifest.json included */
    size_t n_dirs;                 /* directories of "paths" made (not there already) */
    struct sos_extract_link *links;
    size_t n_links;
    sos_error err; /* why, for every status but DONE (TAMPERED: check.problems) */
};

/* Extracts the bundle at PATH into DIR within LIMITS (NULL: the defaults)
 * as FLAGS say; fills OUT and returns OUT->status. Free OUT with
 * sos_extract_free(). */
enum sos_extract_status sos_bundle_extract(const char *path, const char *dir,
                                           const struct sos_bundle_limits *limits,
                                           unsigned flags, struct sos_extract *out);
void sos_extract_free(struct sos_extract *x);

/* The mode a member recorded with MODE is written with. */
unsigned sos_extract_mode(unsigned mode, unsigned flags);

#endif
