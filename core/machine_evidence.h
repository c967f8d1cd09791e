/* Reading back what agent-machine writes: a launch's evidence file
 * (schemas/agent-machine-evidence.schema.json) or a fingerprint
 * (schemas/agent-machine-fingerprint.schema.json), checked against the
 * shape its schema gives, in C, so `evidence inspect` needs no validator. */
#ifndef SOS_MACHINE_EVIDENCE_H
#define SOS_MACHINE_EVIDENCE_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"

#define SOS_AM_EVIDENCE_MAX (16u << 20) /* bytes of one evidence file */

/* Whether TEXT (LEN bytes) begins, after blanks, with '{': a JSON file,
 * not a bundle. */
int sos_am_evidence_looks_json(const char *text, size_t len);

/* Reads PATH (a regular file, at most SOS_AM_EVIDENCE_MAX bytes) as JSON
 * into *DOC. 0, or -1 with ERR (unreadable, too large, not JSON: where). */
int sos_am_evidence_read(const char *path, json_t **doc, sos_error *err);

/* Checks DOC: 0 a valid launch evidence or fingerprint (*KIND its kind),
 * 1 not (ERR names the first key that is missing or wrong, as a JSON
 * path: "$.launch.exitStatus: must be an integer or null"). */
int sos_am_evidence_check(const json_t *doc, const char **kind, sos_error *err);

#endif
