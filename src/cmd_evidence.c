/* `sourceos evidence inspect FILE` (and `sourceosctl agent-machine evidence
 * inspect FILE`): verifies a quarantine bundle against its manifest and
 * shows what it holds. `evidence extract FILE DIR`: the same verification,
 * then the members written into DIR (core/bundle_extract.c). The bundle is untrusted: core/bundle_read.c refuses
 * hostile archives, and every string from it is escaped (human) or
 * redacted (JSON) before it is printed. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle_extract.h"
#include "bundle_read.h"
#include "cli.h"
#include "machine_evidence.h"
#include "redact.h"
#include "redact_run.h"
#include "signals.h"
#include "verbs.h"

static const char *verdict_name(enum sos_bundle_verdict v)
{
    return v == SOS_BUNDLE_VERIFIED ? "verified"
           : v == SOS_BUNDLE_TAMPERED ? "tampered"
                                      : "unreadable";
}

static json_t *problems_json(const struct sos_bundle_check *c)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < c->n_problems; i++)
        json_array_append_new(a, json_pack("{s:s, s:s?, s:s}", "kind", c->problems[i].kind,
                                           "member", c->problems[i].member, "detail",
                                           c->problems[i].detail ? c->problems[i].detail : ""));
    return a;
}

static int emit_json(struct cli *cli, const char *file, const struct sos_bundle_check *c)
{
    json_t *doc = json_pack("{s:s, s:s, s:s, s:o}", "file", file, "verdict",
                            verdict_name(c->verdict), "compression", c->compression,
                            "problems", problems_json(c));
    static const char *const keys[] = {"format_version", "tool_version", "host", "agent",
                                       "captured", "members", "commands", "actions", NULL};
    int rc;

    if (doc && c->verdict == SOS_BUNDLE_UNREADABLE)
        json_object_set_new(doc, "error", json_string(c->err.msg));
    /* what the manifest says, when it is one: shown, not trusted */
    for (size_t i = 0; doc && json_is_object(c->manifest) && keys[i]; i++) {
        json_t *v = json_object_get(c->manifest, keys[i]);
        if (v)
            json_object_set(doc, keys[i], v);
    }
    rc = cli_print_json(cli, doc);
    json_decref(doc);
    if (rc != 0)
        return rc;
    return (int)c->verdict;
}

/* A string of the manifest, redacted and escaped: the bundle is not ours. */
static const char *str(const json_t *o, const char *key, char *buf, size_t size)
{
    const char *s = json_string_value(json_object_get(o, key));
    char *clean = sos_redact_str(NULL, s ? s : "?");
    cli_escape(clean ? clean : "?", buf, size);
    free(clean);
    return buf;
}

/* The bundle, and whether it verified or how it differs. */
static void print_verdict(const char *file, const struct sos_bundle_check *c)
{
    char a[512], b[512];

    printf("Bundle:    %s (%s)\n", cli_escape(file, a, sizeof a), c->compression);
    if (c->verdict == SOS_BUNDLE_VERIFIED)
        printf("Verified:  every member matches the manifest (%zu members)\n", c->n_seen);
    else
        printf("TAMPERED:  %zu difference%s from the manifest\n", c->n_problems,
               c->n_problems == 1 ? "" : "s");
    for (size_t i = 0; i < c->n_problems; i++)
        printf("  %-8s  %s: %s\n", c->problems[i].kind,
               cli_escape(c->problems[i].member ? c->problems[i].member : "-", a, sizeof a),
               cli_escape(c->problems[i].detail, b, sizeof b));
}


static void print_human(const char *file, const struct sos_bundle_check *c)
{
    const json_t *m = c->manifest, *e;
    char a[512], b[512];
    size_t i;

    print_verdict(file, c);
    if (!json_is_object(m) || !json_is_array(json_object_get(m, "members")))
        return;
    printf("Agent:     %s\n", str(m, "agent", a, sizeof a));
    printf("Host:      %s\n", str(m, "host", a, sizeof a));
    printf("Captured:  %s\n", str(m, "captured", a, sizeof a));
    printf("Tool:      %s\n", str(m, "tool_version", a, sizeof a));
    printf("Members:\n");
    json_array_foreach(json_object_get(m, "members"), i, e) {
        printf("  %10" JSON_INTEGER_FORMAT "  %s", json_integer_value(json_object_get(e, "size")),
               str(e, "name", a, sizeof a));
        if (json_is_true(json_object_get(e, "truncated")))
            printf("  (truncated: last bytes of %" JSON_INTEGER_FORMAT ")",
                   json_integer_value(json_object_get(e, "original_size")));
        if (json_is_true(json_object_get(e, "redacted")))
            printf("  (redacted)");
        putchar('\n');
    }
    printf("Commands:  %zu\n", json_array_size(json_object_get(m, "commands")));
    printf("Actions:   %zu\n", json_array_size(json_object_get(m, "actions")));
    json_array_foreach(json_object_get(m, "actions"), i, e) {
        char *text = json_dumps(e, JSON_COMPACT);
        char *clean = text ? sos_redact_str(NULL, text) : NULL;
        printf("  %s\n", clean ? cli_escape(clean, b, sizeof b) : "?");
        free(clean);
        free(text);
    }
}

/* ---- an agent-machine evidence file or fingerprint (JSON) ------------------ */

static int starts_as_json(const char *file)
{
    char head[64];
    FILE *f = fopen(file, "rb");
    size_t n = f ? fread(head, 1, sizeof head, f) : 0;
    if (f)
        fclose(f);
    return sos_am_evidence_looks_json(head, n);
}

static const char *str_at(const json_t *doc, const char *a, const char *b)
{
    const json_t *v = json_object_get(doc, a);
    const char *s = json_string_value(b ? json_object_get(v, b) : v);
    return s ? s : "";
}

static void print_mounts(FILE *o, const json_t *doc)
{
    size_t i;
    json_t *m;
    fprintf(o, "  mounts:     ");
    if (!json_array_size(json_object_get(doc, "mounts")))
        fprintf(o, "none");
    json_array_foreach(json_object_get(doc, "mounts"), i, m)
        fprintf(o, "%s%s %s %s", i ? "; " : "", str_at(m, "mountId", NULL),
               str_at(m, "agentPath", NULL), str_at(m, "accessMode", NULL));
    fprintf(o, "\n");
}

static void print_evidence(FILE *o, const char *file, const json_t *doc)
{
    const json_t *l = json_object_get(doc, "launch"), *exit_status;
    const json_t *repo = json_object_get(l, "repo"), *dirty = json_object_get(repo, "dirty");
    size_t i;
    json_t *d;
    fprintf(o, "%s: valid launch evidence (AgentMachineMountEvidence 0.1)\n", file);
    fprintf(o, "  profile:    %s, captured %s\n", str_at(l, "profile", NULL),
           str_at(doc, "capturedAt", NULL));
    exit_status = json_object_get(l, "exitStatus");
    fprintf(o, "  launch:     %s%s%s, ", str_at(l, "command", NULL),
           json_is_string(json_object_get(l, "tool")) ? " " : "",
           json_is_string(json_object_get(l, "tool")) ? str_at(l, "tool", NULL) : "");
    if (json_is_string(json_object_get(l, "refused")))
        fprintf(o, "refused: %s\n", str_at(l, "refused", NULL));
    else if (json_is_integer(exit_status))
        fprintf(o, "exit %lld at %s\n", (long long)json_integer_value(exit_status),
               str_at(l, "endedAt", NULL));
    else
        fprintf(o, "no exit recorded (still running, or killed)\n");
    fprintf(o, "  image:      %s %s\n", str_at(l, "image", "reference"), str_at(l, "image", "digest"));
    fprintf(o, "  repo:       %s %s%s\n", str_at(repo, "pathRef", NULL), str_at(repo, "gitRef", NULL),
           json_is_true(dirty) ? " (dirty)" : json_is_false(dirty) ? " (clean)" : "");
    print_mounts(o, doc);
    fprintf(o, "  denied:     %s\n", json_array_size(json_object_get(doc, "deniedAttempts")) ? "" : "none");
    json_array_foreach(json_object_get(doc, "deniedAttempts"), i, d)
        fprintf(o, "    %s\n", str_at(d, "reason", NULL));
    fprintf(o, "  policy:     %s\n", str_at(doc, "policyHash", NULL));
}

static void print_fingerprint(FILE *o, const char *file, const json_t *doc)
{
    fprintf(o, "%s: valid fingerprint (AgentMachineFingerprint 0.1)\n", file);
    fprintf(o, "  profile:    %s, at %s\n", str_at(doc, "profile", NULL), str_at(doc, "time", NULL));
    fprintf(o, "  host:       %s %s %s\n", str_at(doc, "host", "os"), str_at(doc, "host", "version"),
           str_at(doc, "host", "arch"));
    fprintf(o, "  podman:     %s, %s %s\n", str_at(doc, "podman", "clientVersion"),
           str_at(doc, "podman", "provider"), str_at(doc, "podman", "state"));
    fprintf(o, "  image:      %s %s\n", str_at(doc, "image", "reference"),
           str_at(doc, "image", "digest"));
    print_mounts(o, doc);
    fprintf(o, "  policy:     %s\n", str_at(doc, "policyHash", NULL));
}

/* TEXT through the redaction filter, each line with its control
 * characters escaped: a tampered file cannot print a secret or an escape
 * sequence. */
static void print_clean_lines(const char *text)
{
    char *clean = text ? sos_redact_str(NULL, text) : NULL, line[4096];
    for (char *p = clean, *nl; p && *p; p = nl + 1) {
        if (!(nl = strchr(p, '\n')))
            nl = p + strlen(p) - 1;
        else
            *nl = '\0';
        printf("%s\n", cli_escape(p, line, sizeof line));
    }
    free(clean);
}

/* 0 valid, 2 invalid (naming what), 3 unreadable, as for a bundle. */
static int inspect_json_file(struct cli *cli, const char *file)
{
    json_t *doc = NULL, *out;
    const char *kind = NULL;
    sos_error err;
    int rc, bad;
    if (sos_am_evidence_read(file, &doc, &err) != 0) {
        rc = SOS_EXIT_UNDECIDED;
        bad = -1;
    } else {
        bad = sos_am_evidence_check(doc, &kind, &err);
        rc = bad ? SOS_EXIT_FAILURE : SOS_EXIT_OK;
    }
    if (cli->format == FORMAT_JSON) {
        char *text, *clean;
        out = json_pack("{s:s, s:s, s:s?, s:s?, s:O?}", "file", file, "verdict",
                        bad < 0 ? "unreadable" : bad ? "invalid" : "valid", "kind",
                        kind, "error", bad ? err.msg : NULL, "document", bad ? NULL : doc);
        text = out ? json_dumps(out, JSON_INDENT(2)) : NULL;
        clean = text ? sos_redact_str(NULL, text) : NULL;
        printf("%s\n", clean ? clean : "{}");
        free(text);
        free(clean);
        json_decref(out);
    } else if (bad < 0) {
        cli_error(cli, "refused: %s", err.msg);
    } else {
        char *text = NULL;
        size_t len = 0;
        FILE *o = open_memstream(&text, &len);
        if (o) {
            if (bad)
                fprintf(o, "%s: invalid: %s\n", file, err.msg);
            else if (strcmp(kind, "AgentMachineFingerprint") == 0)
                print_fingerprint(o, file, doc);
            else
                print_evidence(o, file, doc);
            fclose(o);
        }
        print_clean_lines(text);
        free(text);
    }
    json_decref(doc);
    if (cli_flush_stdout(cli) != 0)
        rc = SOS_EXIT_OUTPUT;
    return rc;
}

int cmd_evidence_inspect(struct cli *cli, const struct sos_verb *verb, char **operands)
{
    struct sos_bundle_check c;
    const char *file = operands[0];
    int rc;

    (void)verb;
    if (starts_as_json(file))
        return inspect_json_file(cli, file);
    sos_bundle_verify(file, NULL, &c);
    if (cli->format == FORMAT_JSON) {
        rc = emit_json(cli, file, &c);
    } else if (c.verdict == SOS_BUNDLE_UNREADABLE) {
        cli_error(cli, "refused: %s", c.err.msg);
        rc = (int)c.verdict;
    } else {
        print_human(file, &c);
        rc = (int)c.verdict;
    }
    sos_bundle_check_free(&c);
    return rc;
}

/* ---- evidence extract ------------------------------------------------------ */

static int extract_exit(const struct sos_extract *x)
{
    switch (x->status) {
    case SOS_EXTRACT_DONE: return SOS_EXIT_OK;
    case SOS_EXTRACT_TAMPERED: return SOS_EXIT_FAILURE;
    case SOS_EXTRACT_BAD_DIR: return SOS_EXIT_USAGE;
    case SOS_EXTRACT_INTERRUPTED: return SOS_EXIT_SIGNAL_BASE + sos_signals_caught();
    default: return SOS_EXIT_UNDECIDED; /* unreadable, refused, not written */
    }
}

static const char *extract_outcome(enum sos_extract_status st)
{
    switch (st) {
    case SOS_EXTRACT_DONE: return "extracted";
    case SOS_EXTRACT_TAMPERED: return "tampered";
    case SOS_EXTRACT_UNREADABLE: return "unreadable";
    case SOS_EXTRACT_BAD_DIR: return "bad directory";
    case SOS_EXTRACT_INTERRUPTED: return "interrupted";
    default: return "failed";
    }
}

static json_t *links_json(const struct sos_extract *x)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < x->n_links; i++)
        if (x->links[i].why)
            json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "path", x->links[i].path,
                                               "target", x->links[i].target, "why",
                                               x->links[i].why));
    return a;
}

static int extract_json(struct cli *cli, const char *file, const char *dir,
                        const struct sos_extract *x)
{
    const struct sos_bundle_check *c = &x->check;
    json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:b, s:I, s:I, s:o}", "file", file,
                            "dir", dir, "outcome", extract_outcome(x->status), "verdict",
                            x->status == SOS_EXTRACT_BAD_DIR ? "not read"
                                                             : verdict_name(c->verdict),
                            "compression", c->compression ? c->compression : "none",
                            "problems", problems_json(c), "extracted",
                            x->status == SOS_EXTRACT_DONE, "files", (json_int_t)x->n_files,
                            "directories", (json_int_t)x->n_dirs, "not_created",
                            links_json(x));
    int rc;
    if (doc && x->status != SOS_EXTRACT_DONE)
        json_object_set_new(doc, "error", json_string(x->err.msg));
    rc = cli_print_json(cli, doc);
    json_decref(doc);
    if (rc != 0)
        return rc;
    return extract_exit(x);
}

static void extract_human(struct cli *cli, const char *file, const char *dir,
                          const struct sos_extract *x)
{
    char a[512], b[512];
    if (x->status == SOS_EXTRACT_TAMPERED) {
        print_verdict(file, &x->check);
        printf("Nothing was extracted.\n");
        return;
    }
    if (x->status != SOS_EXTRACT_DONE) {
        cli_error(cli, "refused: %s%s", x->err.msg,
                  x->status == SOS_EXTRACT_BAD_DIR ? "" : " (nothing was extracted)");
        return;
    }
    print_verdict(file, &x->check);
    printf("Extracted: %zu files into %s", x->n_files, cli_escape(dir, a, sizeof a));
    if (x->n_dirs)
        printf(", and %zu director%s of the manifest's paths", x->n_dirs,
               x->n_dirs == 1 ? "y" : "ies");
    putchar('\n');
    for (size_t i = 0; i < x->n_links; i++) {
        char *path = sos_redact_str(NULL, x->links[i].path);
        char *target = sos_redact_str(NULL, x->links[i].target);
        printf("  not created: symlink %s -> %s\n", cli_escape(path ? path : "?", a, sizeof a),
               cli_escape(target ? target : "?", b, sizeof b));
        free(path);
        free(target);
    }
}

int cmd_evidence_extract(struct cli *cli, const struct sos_verb *verb, char **operands)
{
    const char *file = operands[0], *dir = operands[1];
    struct sos_signals signals;
    struct sos_extract x;
    int rc;

    (void)verb;
    /* a Ctrl-C leaves nothing: the temporary is removed first */
    if (sos_signals_catch(&signals) != 0) {
        cli_error(cli, "cannot catch signals: %s", strerror(errno));
        return SOS_EXIT_UNDECIDED;
    }
    sos_bundle_extract(file, dir, NULL, 0, &x);
    if (cli->format == FORMAT_JSON) {
        rc = extract_json(cli, file, dir, &x);
    } else {
        extract_human(cli, file, dir, &x);
        rc = extract_exit(&x);
    }
    sos_extract_free(&x);
    sos_signals_release(&signals);
    return rc;
}
