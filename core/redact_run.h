/* The redaction filter applied to what a run produced: results, JSON
 * documents, argv. Reports and errors go through these, never around. */
#ifndef SOS_REDACT_RUN_H
#define SOS_REDACT_RUN_H

#include <jansson.h>

#include "redact.h"
#include "result.h"
#include "run.h"

/* A redactor knowing every secret the run's checks read so far and the
 * values of this process's environment variables with secret names
 * (GITHUB_TOKEN, REGISTRY_PASSWORD, ...). RUN may be NULL. NULL on ENOMEM. */
struct sos_redactor *sos_run_redactor(const struct sos_run *run);

/* Redacts every string in DOC in place: object members through
 * sos_redact_value() (their key counts), array items through
 * sos_redact_argv_item(). Keys are left as they are. Returns 0, or -1 on
 * ENOMEM (DOC may then be partly redacted and must not be printed). */
int sos_redact_json(const struct sos_redactor *rd, json_t *doc);

/* ITEM of an argv (or list of strings) whose previous item is PREV (NULL
 * for the first): the whole item when PREV is a flag naming a secret
 * (`--password`, `--creds`, `--token`), else sos_redact_str(). */
char *sos_redact_argv_item(const struct sos_redactor *rd, const char *prev,
                           const char *item);

/* A deep copy of IN with every string redacted (secrets not copied), for
 * the human report. Returns 0, or -1 on ENOMEM (OUT then empty). */
int sos_redact_result(const struct sos_redactor *rd,
                      const struct sos_check_result *in,
                      struct sos_check_result *out);

#endif
