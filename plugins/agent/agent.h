/* agent: the preflight's checks of one agent against this host: platform,
 * backend adapter, runtime, its own files (auth file, log directories: read
 * from the tree under --root, nothing run) and the lints of the generation
 * stage makes. */
#ifndef SOS_PLUGIN_AGENT_H
#define SOS_PLUGIN_AGENT_H

#include <limits.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "sourceos/plugin.h"
#include "../common/agent_user.h"
#include "../common/plugin_util.h"

/* What is at a path under --root. */
struct agent_node {
    int err;             /* 0, or a negative errno: -ENOENT, -EACCES, -EXDEV, -EINVAL */
    struct stat st;      /* when err is 0 */
    char real[PATH_MAX + 256]; /* the path on this machine */
};

/* lstat of PATH (host view, absolute): its directories resolved under the
 * root, its last component not followed, so a symlink is seen as one. */
void agent_lstat(sourceos_ctx *ctx, const char *path, struct agent_node *n);

/* stat of PATH, symlinks followed while they stay in the root. */
void agent_stat(sourceos_ctx *ctx, const char *path, struct agent_node *n);

/* PATH's directory ("/" for a file at the top). */
void agent_parent(const char *path, char *out, size_t size);

/* "0644" */
void agent_mode_text(mode_t mode, char *out, size_t size);

/* Whether param VALUE is usable as an absolute path: set, absolute, no
 * unexpanded ${...}. */
int agent_abs_path(const char *value);

/* The finding for a path that could not be looked at (N->err is -EACCES
 * or -EXDEV, or another errno): a warning, never "missing". */
sourceos_finding *agent_note_unseen(sourceos_ctx *ctx, struct verdict *v, const char *what,
                                    const char *path, const struct agent_node *n);

/* Evidence of who the agent runs as. */
void agent_user_evidence(sourceos_finding *fd, const struct agent_user *u);

sourceos_status agent_check_authfile(sourceos_ctx *ctx);
sourceos_status agent_check_log_dir(sourceos_ctx *ctx);
sourceos_status agent_check_platform(sourceos_ctx *ctx);
sourceos_status agent_check_backend(sourceos_ctx *ctx);
sourceos_status agent_check_runtime(sourceos_ctx *ctx);
sourceos_status agent_check_generated_lint(sourceos_ctx *ctx);

/* The backend the agent uses on this host: its declared one, or for
 * "auto" (and when absent) launchd on macOS and systemd elsewhere. */
const char *agent_backend(sourceos_ctx *ctx);

#endif
