/* docs/findings.md, read as data: the one parser of its table rows, for
 * `sourceos explain` and the completions of its codes. */
#ifndef SOS_FINDINGS_DOC_H
#define SOS_FINDINGS_DOC_H

#include <stddef.h>

#include "error.h"

/* One row: | `code` | severity | meaning | what to do |, under the `## `
 * heading it follows (its first word: "launchd", "core"). */
struct sos_finding_doc {
    char *code, *severity, *section, *meaning, *todo;
};

struct sos_findings_doc {
    struct sos_finding_doc *rows; /* in the page's order */
    size_t n;
};

/* Largest page read: the shipped one is about 150 KiB. */
#define SOS_FINDINGS_DOC_MAX (4u << 20)

/* Reads the page at PATH into DOC. 0, or -1 with ERR naming the file and
 * line: unreadable, over SOS_FINDINGS_DOC_MAX, not UTF-8-clean text (a NUL
 * byte), a code row without its four cells, a code given twice, or no code
 * row at all (not the findings page). */
int sos_findings_doc_load(const char *path, struct sos_findings_doc *doc, sos_error *err);

/* Parses TEXT (LEN bytes, named NAME in errors) as sos_findings_doc_load(). */
int sos_findings_doc_parse(const char *text, size_t len, const char *name,
                           struct sos_findings_doc *doc, sos_error *err);

void sos_findings_doc_free(struct sos_findings_doc *doc);

/* The row of CODE, or NULL. */
const struct sos_finding_doc *sos_findings_doc_find(const struct sos_findings_doc *doc,
                                                    const char *code);

/* Up to MAX rows nearest to CODE into OUT, nearest first: a typo (at most
 * two edits), a code whose name holds CODE's or is held in it, one at most
 * a third of CODE's length of edits away, then one of CODE's plugin
 * ("launchd."). The count. */
size_t sos_findings_doc_nearest(const struct sos_findings_doc *doc, const char *code,
                                const struct sos_finding_doc **out, size_t max);

#endif
