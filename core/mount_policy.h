/* The agent machine's mount policy (ecosystem.md, Agent machine): deny by
 * default. A host path may be mounted into an agent container only when,
 * after "~" is expanded and symlinks and ".." are resolved (the deepest
 * part that exists is resolved, the rest may not hold ".."):
 *   - it is not the home directory and does not contain it;
 *   - it is not inside a denied path, and does not contain one (the
 *     built-in list below and the profile's own deniedPatterns), each
 *     denied path compared as written and as it resolves;
 *   - it is inside one of the allowed roots (each resolved too).
 * On a case-insensitive filesystem (macOS, Windows) paths compare without
 * case, so ~/.SSH is ~/.ssh. */
#ifndef SOS_MOUNT_POLICY_H
#define SOS_MOUNT_POLICY_H

#include <stddef.h>

#include "error.h"

/* The denied paths every profile gets, "~/..." (ssh, gnupg, keychains,
 * browser profiles, cloud and cluster credentials, registry and package
 * credentials, the whole Downloads); NULL-terminated. */
extern const char *const sos_mount_denied_builtin[];

struct sos_mount_policy {
    const char *home;               /* absolute */
    int fold_case;                  /* compare paths without case */
    const char *const *allowed;     /* allowed roots, "~/..." or absolute */
    size_t n_allowed;
    const char *const *denied;      /* the profile's extra denied paths */
    size_t n_denied;
};

/* Judges HOST_PATH (as a profile or --repo gives it). Returns 0 when it may
 * be mounted, with *RESOLVED (malloc'd) the path to hand podman; 1 when the
 * policy refuses it, with WHY saying the path, the rule and what to do;
 * -1 on an error (out of memory, an unreadable parent), with WHY set. */
int sos_mount_check(const struct sos_mount_policy *p, const char *host_path,
                    char **resolved, sos_error *why);

/* "~" expanded: "~" alone is HOME, "~/x" is HOME/x, anything else is a
 * copy. NULL on ENOMEM. */
char *sos_mount_expand(const char *path, const char *home);

/* PATH with HOME shown as "$HOME" (the evidence's hostPathRef): malloc'd. */
char *sos_mount_path_ref(const char *path, const char *home);

/* Whether PATH is BASE or inside it, by whole components. */
int sos_path_within(const char *path, const char *base, int fold_case);

#endif
