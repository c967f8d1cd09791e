/* The parts of a capture (capture.c puts them together). */
#ifndef SOS_CAPTURE_PARTS_H
#define SOS_CAPTURE_PARTS_H

#include <jansson.h>
#include <stdint.h>

#include "bundle.h"
#include "error.h"
#include "qtarget.h"
#include "redact.h"
#include "run.h"

struct sos_capture_files {
    struct sos_bundle *b;
    const struct sos_redactor *rd;
    const char *root;   /* "/" for the live host */
    uint64_t log_bytes; /* tail cap of each file */
    const struct sos_run *run; /* the capture's doctor run: what its checks looked at */
    const struct sos_qtarget *target;
    /* the doctor's declarations: CONFIG_DIR/agents.d/NAME.yaml of each
     * of the N_AGENTS NAMES, taken as config/agents.d/NAME.yaml */
    const char *config_dir;
    const char *const *agents;
    size_t n_agents;
};

/* Adds every path the run's checks looked at and the target's service
 * definition (and its drop-ins) as root/PATH members, redacted and
 * tail-capped, the declarations the doctor ran with (so that a replay runs
 * the agents' checks with them), and the manifest's "paths", "env" and
 * "homes". */
int sos_capture_files_add(const struct sos_capture_files *f, sos_error *err);

/* remediation.md: what was found (the run's findings, worst first, each
 * with how to fix it), what was done (ACTIONS, with their verification),
 * how to restore (RESTORE). Every text through RD. malloc'd; NULL on
 * ENOMEM. */
char *sos_capture_remediation(const struct sos_run *run, const struct sos_qtarget *t,
                              const json_t *actions, const char *restore,
                              const struct sos_redactor *rd);

#endif
