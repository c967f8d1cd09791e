/* Reports: human, JSON (schemas/report.schema.json) and NDJSON events.
 * Only the CLI decides where they go; these functions only format. */
#ifndef SOS_REPORT_H
#define SOS_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "result.h"
#include "run.h"

/* A JSON string of the LEN bytes at S, any byte that is not UTF-8 (and
 * what follows a NUL) replaced as in every report; NULL on ENOMEM. */
json_t *sos_json_text(const char *s, size_t len);

/* One check result as JSON (status, reason, signal, started, duration,
 * findings, facts, commands). Also the wire format from a check's child
 * process to the runner. Returns a new reference, or NULL on ENOMEM. */
json_t *sos_result_to_json(const struct sos_check_result *r);

/* The wire format proper: sos_result_to_json() plus the "secrets" the check
 * read, so the parent can remove them from every report. Never printed. */
json_t *sos_result_to_wire(const struct sos_check_result *r);

/* Inverse of sos_result_to_wire (and of sos_result_to_json). Returns 0, or -1 when JSON is not a
 * well-formed result (OUT is then left empty). */
int sos_result_from_json(const json_t *json, struct sos_check_result *out);

/* One run entry: {"id","plugin","check","summary","severity","scope",
 * "agent" (an agent's instance only), ...result},
 * not redacted: what is printed goes through sos_redact_json() first. */
json_t *sos_entry_to_json(const struct sos_run_entry *e);

/* The whole report, matching schemas/report.schema.json, redacted with
 * every secret the run knows (sos_run_redactor()). */
json_t *sos_report_to_json(const struct sos_run *run);

/* The report's "summary" member: {"total","ok","warning","failure","error",
 * "skipped","timeout"} from run->counts (total is their sum). Shared by the
 * JSON report and the NDJSON summary event. New reference, NULL on ENOMEM. */
json_t *sos_summary_to_json(const struct sos_run *run);

/* Writes untrusted S (NULL prints nothing) with its control, invisible and
 * direction-changing characters and bytes that are not UTF-8 escaped
 * (\xNN, \uNNNN): what every human report prints host text through. */
void sos_put_safe(FILE *out, const char *s);

struct sos_human_opts {
    int color;     /* ANSI colours */
    int quiet;     /* only checks that are not ok/skipped, and the summary */
    int verbose;   /* also facts and commands run */
    int status_line; /* a terminal: show the checks still running under the
                        report (sos_human_stream_status) */
    const char *unit; /* what the summary counts: "step" for a lifecycle
                         transaction; NULL "check" */
};

/* Human report: one line per check (status, id, summary, duration), the
 * findings indented under it with code, path and remediation, then a
 * summary line; redacted like the JSON report. */
void sos_report_print_human(FILE *out, const struct sos_run *run,
                            const struct sos_human_opts *opts);

/* The human report printed while RUN runs, byte for byte what
 * sos_report_print_human() prints at the end: call _finished() after each
 * check finishes (it prints every check whose lines can go out: it and all
 * before it in run order are done; under --quiet nothing until the end),
 * _status() now and then to redraw the status line ("running: ID (4.2s),
 * ..." cut to COLUMNS; NOW is sos_now_wall(); only with opts->status_line),
 * _clear() to erase it before writing anything else to the terminal, and
 * _end() for the rest and the summary (the status line erased first).
 * Nothing is flushed: the caller does. _new() returns NULL on ENOMEM. */
struct sos_human_stream;
struct sos_human_stream *sos_human_stream_new(FILE *out, const struct sos_run *run,
                                              const struct sos_human_opts *opts);
void sos_human_stream_finished(struct sos_human_stream *hs);
void sos_human_stream_status(struct sos_human_stream *hs, double now,
                             unsigned columns);
void sos_human_stream_clear(struct sos_human_stream *hs);
void sos_human_stream_end(struct sos_human_stream *hs);
void sos_human_stream_free(struct sos_human_stream *hs);

/* NDJSON events, one line each, flushed: {"event":"check-started",...},
 * {"event":"check-finished",...entry}, {"event":"summary",...}. An entry
 * is redacted with the secrets of RUN's checks finished so far. */
void sos_ndjson_check_started(FILE *out, const struct sos_run_entry *e);
void sos_ndjson_check_finished(FILE *out, const struct sos_run *run,
                               const struct sos_run_entry *e);
void sos_ndjson_summary(FILE *out, const struct sos_run *run);

#endif
