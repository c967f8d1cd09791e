/* Helpers the shipped plugins share. Compiled into each plugin (a plugin is
 * one self-contained .so; only the sourceos_* API crosses into the core). */
#ifndef SOS_PLUGIN_UTIL_H
#define SOS_PLUGIN_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "sourceos/plugin.h"

/* The "NAME<TAB>RUNS" lines of a host scan's summary evidence
 * "service_runs" (one per service asked about; core/report_prometheus.h
 * reads them), kept under the core's text limit: a line is whole or not
 * there, since a cut one would change a number. */
struct plugin_lines {
    char *text;
    size_t len, cap;
};
#define PLUGIN_LINES_MAX 60000

/* Adds NAME's line when NAME has no tab or newline and RUNS is digits;
 * a line that does not fit (or ENOMEM) is left out. */
void plugin_lines_add(struct plugin_lines *b, const char *name, const char *runs);
void plugin_lines_free(struct plugin_lines *b);

/* The worst problem recorded so far, turned into the check's status. */
struct verdict {
    int any;
    sourceos_severity worst;
};

/* Remembers SEV when it is a problem (above info) worse than what V holds.
 * V may be NULL. */
void verdict_see(struct verdict *v, sourceos_severity sev);

/* OK when V saw no problem, FAILURE when the worst was critical, else
 * WARNING. */
sourceos_status verdict_status(const struct verdict *v);

/* Records a finding with the message FORMAT...; V (may be NULL) keeps the
 * worst severity above info. */
sourceos_finding *plugin_note(sourceos_ctx *ctx, struct verdict *v, const char *code,
                              sourceos_severity sev, const char *format, ...)
    __attribute__((format(printf, 5, 6)));

/* plugin_note with its arguments in AP; with PREFIX (e.g. the file or unit
 * the finding is about) the message reads "PREFIX: MESSAGE". */
sourceos_finding *plugin_vnote(sourceos_ctx *ctx, struct verdict *v, const char *code,
                               sourceos_severity sev, const char *prefix,
                               const char *format, va_list ap)
    __attribute__((format(printf, 6, 0)));

/* The one outcome for a path this user may not look at (EACCES anywhere on
 * the way): "cannot read PATH (permission denied): run as root to see it",
 * a warning under CODE (the plugin's PLUGIN.permission-denied), never "absent"
 * and never a failure about the file. USER (may be NULL) is whose home it is
 * in. */
sourceos_finding *plugin_denied(sourceos_ctx *ctx, struct verdict *v, const char *code,
                                const char *path, const char *user);

/* 1 when the checks read this machine's own files (or a replay of a capture
 * of them), 0 when a --root tree: host.tree, or, from a core before ABI
 * 1.6, whether the root is "/". */
int plugin_own_files(sourceos_ctx *ctx);

/* The invoking user's uid (a replay's: the capture's): host.uid, else
 * getuid(). Owners are compared with it. */
uid_t plugin_uid(sourceos_ctx *ctx);

/* ST, what stat said of PATH (host view), given the owner and mode a
 * replay's capture recorded for PATH (sourceos_captured_attrs): a non-root
 * analyst's extraction cannot give files their owners. Unchanged when not
 * replaying. Call it before judging st_uid, st_gid or the mode bits. */
void plugin_as_captured(sourceos_ctx *ctx, const char *path, struct stat *st);

/* Where a command's output or a file is not JSON (sourceos_json_error). */
struct plugin_json_where {
    unsigned line, column; /* from 1 */
    const char *reason;    /* owned by the core */
    char text[256];        /* "line L, column C: REASON" */
};

/* 1 when TEXT (LEN bytes) is not JSON, with W filled; 0 when it is. */
int plugin_json_where(sourceos_ctx *ctx, const char *text, size_t len,
                      struct plugin_json_where *w);

/* Evidence line, column and reason of W on FD. */
void plugin_json_evidence(sourceos_finding *fd, const struct plugin_json_where *w);

/* snprintf for text where a cut is acceptable (paths in messages): the
 * text is for people, and every buffer is bounded. */
void plugin_textf(char *out, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* The unsigned number in param KEY when it lies in [MIN, MAX], else DFLT
 * (absent, not a number, or out of range). */
unsigned plugin_param_uint(sourceos_ctx *ctx, const char *key, unsigned long min,
                           unsigned long max, unsigned dflt);

/* Whether the dotted VERSION ("4.3.1") is at least MAJOR.MINOR; 0 when
 * VERSION is NULL or not a version. */
int plugin_version_at_least(const char *version, int major, int minor);

#endif
