/* Fuzz harness: what the metrics and explain read that others wrote: a
 * scan summary's service_runs lines (a host's labels and unit names) as
 * sourceos_service_runs reads them, and the same bytes as the findings
 * page sourceos explain parses. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings_doc.h"
#include "fuzz.h"
#include "report_prometheus.h"
#include "result.h"
#include "run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    struct sos_check_decl decl = {.id = "launchd.jobs", .plugin = "launchd", .check = "jobs"};
    struct sos_kv ev = {"service_runs", text};
    struct sos_finding_rec f = {.code = "launchd.jobs-summary", .evidence = &ev, .n_evidence = 1};
    struct sos_run_entry e = {.decl = &decl, .done = 1};
    struct sos_run run = {.tool = "sourceos", .version = "0", .entries = &e, .n_entries = 1};
    struct sos_findings_doc doc;
    const struct sos_finding_doc *near[5];
    sos_error err;
    FILE *out;
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    e.result.findings = &f;
    e.result.n_findings = 1;
    if ((out = fopen("/dev/null", "w"))) {
        (void)sos_report_print_prometheus(out, &run, NULL);
        fclose(out);
    }
    if (sos_findings_doc_parse(text, size, "fuzz", &doc, &err) == 0) {
        (void)sos_findings_doc_nearest(&doc, doc.rows[0].code, near, 5);
        sos_findings_doc_free(&doc);
    }
    free(text);
    return 0;
}
