/* The `logs` check of the service-manager plugins (launchd.logs,
 * systemd.logs): the tail of each of an agent's log files, for
 * `sourceos-agent logs` and `status`. Compiled into each plugin that reads
 * logs, with log_tail.c, whose reader and grouping it uses. */
#ifndef SOS_LOG_VIEW_H
#define SOS_LOG_VIEW_H

#include "sourceos/plugin.h"

/* Lines shown when param `lines` is absent, and the most it may ask. */
#define LOG_VIEW_LINES 80u
#define LOG_VIEW_LINES_MAX 10000u

/* Params: `files` (the log paths, host view, a list), `lines` (the last N
 * of each). One finding per file: logs.tail (info) with evidence path,
 * tail (the last N lines, runs of failure lines with one grouping key
 * collapsed into their last line and " [repeated N times]"), lines,
 * collapsed, last_failure; or logs.missing (info: not written yet) or
 * logs.unreadable (warning: refused, e.g. a symlink out of the root).
 * Fact logs.last_failure: the last failure line of the last file that has
 * one. */
sourceos_status log_view_check(sourceos_ctx *ctx);

#endif
