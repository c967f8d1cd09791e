#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture_parts.h"
#include "result.h"
#include "sourceos/plugin.h"

/* Text from the host, for a Markdown line: redacted, one line, no
 * backticks (a command stays one code span). */
static void put_text(FILE *out, const struct sos_redactor *rd, const char *s)
{
    char *clean = sos_redact_str(rd, s ? s : "");
    for (const char *p = clean ? clean : ""; *p; p++)
        fputc(*p == '\n' || *p == '\r' || *p == '`' ? ' ' : *p, out);
    free(clean);
}

static void put_finding(FILE *out, const struct sos_redactor *rd, const struct sos_run_entry *e,
                        const struct sos_finding_rec *f)
{
    fprintf(out, "- **%s** `", sos_severity_name(f->severity));
    put_text(out, rd, f->code);
    fputs("` (", out);
    put_text(out, rd, e->decl->id);
    fputs("): ", out);
    put_text(out, rd, f->message);
    fputc('\n', out);
    if (f->path) {
        fputs("  - Where: ", out);
        put_text(out, rd, f->path);
        fputc('\n', out);
    }
    if (f->remediation) {
        fputs("  - Fix: ", out);
        put_text(out, rd, f->remediation);
        fputc('\n', out);
    }
    for (size_t k = 0; k < f->n_commands; k++) {
        fputs("  - Run: `", out);
        put_text(out, rd, f->commands[k]);
        fputs("`\n", out);
    }
}

/* Worst first: critical, error, warning, info. */
static void put_findings(FILE *out, const struct sos_run *run, const struct sos_redactor *rd)
{
    int any = 0;
    for (int sev = SOURCEOS_SEV_CRITICAL; sev >= SOURCEOS_SEV_INFO; sev--)
        for (size_t i = 0; i < run->n_entries; i++) {
            const struct sos_run_entry *e = &run->entries[i];
            for (size_t k = 0; k < e->result.n_findings; k++)
                if (e->result.findings[k].severity == sev) {
                    put_finding(out, rd, e, &e->result.findings[k]);
                    any = 1;
                }
        }
    if (!any)
        fputs("No finding: every check passed.\n", out);
}

static void put_action(FILE *out, const struct sos_redactor *rd, const json_t *a)
{
    const json_t *checks = json_object_get(a, "checks"), *c, *argv = json_object_get(a, "argv");
    size_t i;
    fputs("- ", out);
    put_text(out, rd, json_string_value(json_object_get(a, "step")));
    fputs(": ", out);
    put_text(out, rd, json_string_value(json_object_get(a, "status")));
    if (json_string_value(json_object_get(a, "detail"))) {
        fputs(" (", out);
        put_text(out, rd, json_string_value(json_object_get(a, "detail")));
        fputc(')', out);
    }
    if (json_array_size(argv)) {
        const json_t *w;
        fputs(": `", out);
        json_array_foreach(argv, i, w) {
            if (i)
                fputc(' ', out);
            put_text(out, rd, json_string_value(w));
        }
        fputc('`', out);
    }
    fputc('\n', out);
    json_array_foreach(checks, i, c) {
        fputs(json_is_true(json_object_get(c, "ok")) ? "  - verified: " : "  - NOT verified: ",
              out);
        put_text(out, rd, json_string_value(json_object_get(c, "what")));
        if (json_string_value(json_object_get(c, "evidence"))) {
            fputs(" (", out);
            put_text(out, rd, json_string_value(json_object_get(c, "evidence")));
            fputc(')', out);
        }
        fputc('\n', out);
    }
}

char *sos_capture_remediation(const struct sos_run *run, const struct sos_qtarget *t,
                              const json_t *actions, const char *restore,
                              const struct sos_redactor *rd)
{
    char *text = NULL;
    size_t size = 0, i;
    const json_t *a;
    FILE *out = open_memstream(&text, &size);
    if (!out)
        return NULL;
    fputs("# Quarantine of ", out);
    put_text(out, rd, t->name);
    fputs("\n\nCaptured by ", out);
    put_text(out, rd, run->tool);
    fputc(' ', out);
    put_text(out, rd, run->version);
    fputs(" on ", out);
    put_text(out, rd, run->host.hostname);
    fputs(" (", out);
    put_text(out, rd, run->host.os_name);
    fputs("). The doctor's report at capture time is report.json; every command run is "
          "in commands/, every file read in root/.\n\n## What was found\n\n",
          out);
    put_findings(out, run, rd);
    fputs("\n## What was done\n\n", out);
    json_array_foreach(actions, i, a)
        put_action(out, rd, a);
    if (!json_array_size(actions))
        fputs("Nothing was changed: the service was only captured (--no-stop, or the "
              "containment did not run).\n",
              out);
    fputs("\n## How to restore\n\n", out);
    if (restore) {
        fputs("`", out);
        put_text(out, rd, restore);
        fputs("`\n", out);
    } else {
        fputs("Nothing to restore.\n", out);
    }
    fputs("\n## How to fix it\n\nFix each finding above (the commands are quoted to paste), "
          "then release the service or remove it. Verify this bundle with `sourceos evidence "
          "inspect FILE`.\n",
          out);
    if (fclose(out) != 0) {
        free(text);
        return NULL;
    }
    return text;
}
