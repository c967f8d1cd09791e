/* Capturing a service into a quarantine bundle (DESIGN.md: Quarantine
 * bundle). The capture runs the doctor of the target with every command's
 * output and every path a check looked at kept, then writes one bundle:
 *
 *   report.json          the doctor report at capture time
 *   commands/NNN.json    every command run, by a check or by the capture
 *                        itself (001, 002, ... in the order they ran):
 *                        {"argv": [...], "exit_status", "term_signal",
 *                         "timed_out", "not_started", "start_errno",
 *                         "duration", "time" (RFC 3339 UTC), "check" (the
 *                         check's id, or null for the capture's own),
 *                         "stdout", "stderr", "truncated"}, redacted
 *   root/PATH            every file a check read or looked at, as found
 *                        (PATH is the host path without its leading '/';
 *                        logs tail-capped), redacted
 *   remediation.md       what was found, what was done, how to restore,
 *                        how to fix each finding
 *   manifest.json        last: the members, the commands, the actions, and
 *                        "root" (the --root tree the capture read, "/" for
 *                        the live host), "paths" (every path a check looked
 *                        at: {"path", "type": file|dir|symlink|missing|
 *                        unreadable, "target" for a symlink, "member" for a
 *                        file}), "report" ({"command": "doctor
 *                        local-runtime" or "doctor NAME"}), "host_facts"
 *                        (the report's "host" object), "env" (every variable
 *                        a check read: {"name", "value"}, redacted), "homes"
 *                        (the user homes the checks saw: {"user", "path"});
 *                        each member with its "owner" ({"uid", "gid"}, and
 *                        the names on the live host)
 *
 * so that `--from-bundle` can replay the same checks offline: files from
 * root/, commands answered from commands/ (argv matched, the capture's root
 * prefix mapped to the replay's). Capture comes before containment: the
 * bundle stays open while the CLI contains the service, so the actions and
 * their verification are in its manifest and remediation.md. */
#ifndef SOS_CAPTURE_H
#define SOS_CAPTURE_H

#include <jansson.h>
#include <stdint.h>

#include "bundle.h"
#include "error.h"
#include "qtarget.h"
#include "run.h"
#include "runner.h"
#include "session.h"

/* Default tail cap of each log, bytes. */
#define SOS_CAPTURE_LOG_BYTES (8u * 1024 * 1024)

struct sos_capture_config {
    const struct sos_qtarget *target;
    /* The doctor run whose report becomes report.json. */
    const struct sos_session_config *doctor;
    const struct sos_runner_opts *run_opts;
    const char *output_dir;    /* where the bundle is written (made 0700 if missing) */
    enum sos_bundle_compression compression;
    uint64_t log_bytes;        /* 0: SOS_CAPTURE_LOG_BYTES */
    const char *const *podman_env; /* "K=V" for podman commands, may be NULL */
};

struct sos_capture;

/* Runs the doctor and captures everything into a bundle that stays open
 * (a temporary in OUTPUT_DIR). NULL with ERR when nothing could be
 * captured; nothing is left behind then. */
struct sos_capture *sos_capture_start(const struct sos_capture_config *c, sos_error *err);

/* The doctor run at capture time (its findings decide remediation.md). */
const struct sos_run *sos_capture_run(const struct sos_capture *c);

/* Records one containment action for the manifest's "actions" and
 * remediation.md: {"step", "status": done|failed|undone|planned|skipped,
 * "argv" (optional), "detail", and for the verification "checks":
 * [{"what", "ok", "evidence"}]}. The reference is stolen. */
int sos_capture_add_action(struct sos_capture *c, json_t *action, sos_error *err);

/* How to restore, for remediation.md (the release command, quoted). */
int sos_capture_set_restore(struct sos_capture *c, const char *how, sos_error *err);

/* Writes remediation.md and the manifest, closes the bundle, reads it back
 * and scans it for every secret the run read (a hit deletes it: -1). The
 * bundle's path in *PATH. Frees C whatever happens. */
int sos_capture_finish(struct sos_capture *c, char **path, sos_error *err);

/* Removes the temporary and frees C. NULL is accepted. */
void sos_capture_abort(struct sos_capture *c);

#endif
