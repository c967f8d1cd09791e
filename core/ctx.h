/* The context a plugin's check runs with (the core side of plugin.h). */
#ifndef SOS_CTX_H
#define SOS_CTX_H

#include <stddef.h>

#include "checksd.h"
#include "command.h"
#include "replay.h"
#include "result.h"
#include "sourceos/plugin.h"

/* What the callback the context is for may change (plugin.h: Changing the
 * host). */
enum sos_ctx_mode {
    SOS_CTX_CHECK = 0, /* a check: every change refused */
    SOS_CTX_PLAN,      /* plan(), or apply() under --dry-run: recorded, not done */
    SOS_CTX_APPLY,     /* apply() or undo(): done and recorded */
};

struct sos_ctx_config {
    const struct sos_check_decl *decl;
    enum sos_ctx_mode mode;
    const char *root;          /* NULL or "/" for the live host */
    int offline;               /* refuse sourceos_run and sourceos_http_get */
    /* A replay (--from-bundle): every command is answered from the
     * bundle's captures, never run; one not captured and every HTTP probe
     * are refused as offline ones are, for SOS_REPLAY_REASON. NULL: none. */
    const struct sos_replay *replay;
    const struct sos_kv *facts; /* facts this check may read */
    size_t n_facts;
    double deadline;           /* monotonic seconds; 0: none */
    /* Keep every command's output and every path and variable the check
     * looked at in the result (core/capture.h: quarantine). */
    int capture;
    sos_pgid_hook pgid_hook;   /* told of every command's process group */
    void *pgid_hook_data;
};

/* A context that records into RESULT (findings, facts, commands). */
sourceos_ctx *sos_ctx_new(const struct sos_ctx_config *config,
                          struct sos_check_result *result);
void sos_ctx_free(sourceos_ctx *ctx);

/* For the API parts outside ctx.c (ctx_change.c). */
const struct sos_ctx_config *sos_ctx_config_of(const sourceos_ctx *ctx);
struct sos_check_result *sos_ctx_result(sourceos_ctx *ctx);

/* Takes ownership of P, freed with CTX (for API parts outside ctx.c);
 * returns P, or NULL (and frees P) when it cannot be tracked. */
void *sos_ctx_own(sourceos_ctx *ctx, void *p);

/* The reason a check that asked this machine is skipped offline. */
#define SOS_OFFLINE_REASON \
    "offline analysis of a tree; --live to ask this machine"

/* How many commands and HTTP probes were refused (offline, or not captured
 * in the bundle a replay reads), in *FIRST_FINDING how many findings the
 * check had recorded before the first refusal (what it recorded later is
 * about an answer it never got), and in *REASON (may be NULL) why:
 * SOS_OFFLINE_REASON, or SOS_REPLAY_REASON and the first command not
 * captured ("not captured in the bundle: systemctl show x.service"). */
size_t sos_ctx_refused(const sourceos_ctx *ctx, size_t *first_finding, const char **reason);

/* Builds the environment commands run with: LC_ALL=C, PATH, HOME, USER and
 * the container variables of the invoking environment, then EXTRA
 * ("K=V", overriding). Returns a malloc'd NULL-terminated array, or NULL. */
char **sos_command_env(const char *const extra[]);
void sos_strv_free(char **v);

#endif
