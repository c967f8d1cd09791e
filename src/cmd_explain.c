#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "findings_doc.h"
#include "redact.h"
#include "redact_run.h"
#include "verbs.h"

/* Suggestions after an unknown code. */
#define NEAREST_MAX 5

static int emit_json(struct cli *cli, json_t *doc)
{
    int rc = cli_print_json(cli, doc);
    json_decref(doc);
    return rc;
}

/* The severity cell's first word: "critical (the check errors)" -> critical. */
static int severity_len(const char *severity)
{
    return (int)strcspn(severity, " ");
}

/* Every string printed passes the one redaction filter, the page's too. */
static void print_clean(const char *text, size_t col, size_t indent)
{
    char *clean = sos_redact_str(NULL, text);
    const char *s = clean ? clean : "(out of memory)";
    cli_print_wrapped(s, strlen(s), col, indent);
    free(clean);
}

static int list_human(const struct sos_findings_doc *doc)
{
    for (size_t i = 0; i < doc->n; i++) {
        const struct sos_finding_doc *r = &doc->rows[i];
        printf("%-42s %-9.*s %s\n", r->code, severity_len(r->severity), r->severity,
               r->section);
    }
    return SOS_EXIT_OK;
}

static int list_json(struct cli *cli, const struct sos_findings_doc *doc)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < doc->n; i++) {
        const struct sos_finding_doc *r = &doc->rows[i];
        json_t *o = json_pack("{s:s, s:s%, s:s}", "code", r->code, "severity", r->severity,
                              (size_t)severity_len(r->severity), "section", r->section);
        if (!o || json_array_append_new(a, o) != 0) {
            json_decref(a);
            a = NULL;
        }
    }
    return emit_json(cli, a);
}

static int explain_human(const struct sos_finding_doc *r)
{
    printf("%s: %s (%s)\n\n", r->code, r->severity, r->section);
    printf("  ");
    print_clean(r->meaning, 2, 2);
    printf("\nWhat to do:\n  ");
    print_clean(r->todo, 2, 2);
    return SOS_EXIT_OK;
}

static int explain_json(struct cli *cli, const struct sos_finding_doc *r)
{
    return emit_json(cli, json_pack("{s:s, s:s, s:s, s:s, s:s}", "code", r->code, "severity",
                                    r->severity, "section", r->section, "meaning", r->meaning,
                                    "what_to_do", r->todo));
}

static int unknown_code(struct cli *cli, const struct sos_findings_doc *doc,
                        const char *code)
{
    const struct sos_finding_doc *near[NEAREST_MAX];
    size_t n = sos_findings_doc_nearest(doc, code, near, NEAREST_MAX);
    char shown[256], list[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < n && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                                 near[i]->code);
    if (n)
        cli_error(cli, "no finding code '%s'; nearest: %s; 'sourceos explain --list' lists "
                       "every code", cli_escape(code, shown, sizeof shown), list);
    else
        cli_error(cli, "no finding code '%s'; 'sourceos explain --list' lists every code",
                  cli_escape(code, shown, sizeof shown));
    return SOS_EXIT_USAGE;
}

int cmd_explain(struct cli *cli, const struct sos_verb *verb, char **operands)
{
    struct sos_findings_doc doc;
    const struct sos_finding_doc *row;
    const char *path = cli_default_findings_doc();
    const char *code = operands[0];
    (void)verb;
    sos_error err = {""};
    int rc;

    if (!!code == !!cli->list) {
        cli_error(cli, "%s; see 'sourceos explain --help'",
                  code ? "give a CODE or --list, not both" : "give a finding CODE, or --list");
        return SOS_EXIT_USAGE;
    }
    if (sos_findings_doc_load(path, &doc, &err) != 0) {
        cli_error(cli, "%s (the findings page ships as $datadir/sourceos/findings.md: "
                       "reinstall, or run from the build tree)", err.msg);
        return SOS_EXIT_UNDECIDED;
    }
    if (cli->list)
        rc = cli->format == FORMAT_JSON ? list_json(cli, &doc) : list_human(&doc);
    else if (!(row = sos_findings_doc_find(&doc, code)))
        rc = unknown_code(cli, &doc, code);
    else
        rc = cli->format == FORMAT_JSON ? explain_json(cli, row) : explain_human(row);
    sos_findings_doc_free(&doc);
    return rc;
}
