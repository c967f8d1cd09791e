#include "config.h"

#include "report.h"
#include "redact_run.h"
#include "utf8.h"

#include <stdlib.h>

#include <stdint.h>
#include <string.h>

/*
 * Everything a plugin wrote (messages, paths, facts, commands) is untrusted
 * text headed for a terminal: control characters, C1 controls, bidi
 * overrides and broken UTF-8 are printed as visible escapes so that a plugin
 * can neither drive the terminal nor disguise what is shown.
 */

#define STATUS_WIDTH 7    /* "TIMEOUT" */
#define ID_WIDTH_MAX 40   /* longer ids are not padded further */
#define INDENT "         " /* findings line up under the id */
#define DETAIL INDENT "  "

#define ANSI_RESET "\033[0m"

struct status_style {
    const char *word;
    const char *color;
};

static const struct status_style status_styles[SOS_ST_COUNT] = {
    [SOS_ST_OK] = { "OK", "\033[32m" },
    [SOS_ST_WARNING] = { "WARN", "\033[33m" },
    [SOS_ST_FAILURE] = { "FAIL", "\033[31m" },
    [SOS_ST_ERROR] = { "ERROR", "\033[35m" },
    [SOS_ST_SKIPPED] = { "SKIP", "\033[2m" },
    [SOS_ST_TIMEOUT] = { "TIMEOUT", "\033[35m" },
    [SOS_ST_INTERRUPTED] = { "INTR", "\033[35m" }, /* the reason says by what */
};

static const struct status_style *style_of(enum sos_status status)
{
    static const struct status_style unknown = { "?", "" };

    return (unsigned)status < SOS_ST_COUNT ? &status_styles[status] : &unknown;
}

/* ---- Safe text --------------------------------------------------------- */



/* C1 controls (some terminals obey them) and bidi controls (they reorder
 * what is displayed, hiding what a message really says). */
static int is_hidden_control(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F ||
           cp == 0x061C;
}

/* Writes LEN bytes of untrusted S with its controls escaped. */
static void put_safe_n(FILE *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;

    while (len > 0) {
        size_t n = sos_utf8_sequence_length(p, len);
        if (n == 0 || (n == 1 && (p[0] < 0x20 || p[0] == 0x7F)))
            fprintf(out, "\\x%02x", p[0]);
        else if (n > 1 && is_hidden_control(sos_utf8_decode(p, n)))
            fprintf(out, "\\u%04x", (unsigned)sos_utf8_decode(p, n));
        else
            fwrite(p, 1, n, out);
        n = n ? n : 1;
        p += n;
        len -= n;
    }
}

/* Writes untrusted S (NULL prints nothing) with its controls escaped. */
static void put_safe(FILE *out, const char *s)
{
    if (s)
        put_safe_n(out, s, strlen(s));
}

void sos_put_safe(FILE *out, const char *s)
{
    put_safe(out, s);
}

/* An argument as a shell would need it, so a shown command can be pasted. */
static void put_shell_word(FILE *out, const char *word)
{
    static const char safe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                               "0123456789_@%+=:,./-";
    const char *p = word ? word : "";

    if (*p && strspn(p, safe) == strlen(p)) {
        put_safe(out, p);
        return;
    }
    fputc('\'', out);
    for (;;) {
        const char *quote = strchr(p, '\'');
        if (!quote) {
            put_safe(out, p);
            break;
        }
        put_safe_n(out, p, (size_t)(quote - p));
        fputs("'\\''", out);
        p = quote + 1;
    }
    fputc('\'', out);
}

static void put_spaces(FILE *out, size_t n)
{
    while (n-- > 0)
        fputc(' ', out);
}

/* "12ms" below a second, "1.20s" from there on. */
static void format_duration(char *buf, size_t size, double seconds)
{
    if (!(seconds >= 0)) /* also NaN */
        seconds = 0;
    if (seconds < 0.9995)
        snprintf(buf, size, "%.0fms", seconds * 1000.0);
    else
        snprintf(buf, size, "%.2fs", seconds);
}

/* ---- One check --------------------------------------------------------- */

static int is_shown(const struct sos_run_entry *e, const struct sos_human_opts *opts)
{
    enum sos_status st = e->result.status;

    return !opts->quiet || (st != SOS_ST_OK && st != SOS_ST_SKIPPED);
}

static void print_status_word(FILE *out, enum sos_status status, int color)
{
    const struct status_style *style = style_of(status);

    if (color)
        fprintf(out, "%s%s%s", style->color, style->word, ANSI_RESET);
    else
        fputs(style->word, out);
    put_spaces(out, STATUS_WIDTH - strlen(style->word) + 2);
}

static void print_check_line(FILE *out, const struct sos_run_entry *e,
                             size_t id_width, const struct sos_human_opts *opts)
{
    const char *id = e->decl->id ? e->decl->id : "";
    char duration[32];

    print_status_word(out, e->result.status, opts->color);
    put_safe(out, id);
    put_spaces(out, strlen(id) < id_width ? id_width - strlen(id) : 0);
    fputs("  ", out);
    /* A check whose plugin did not load has no summary of its own; what
     * checks.d says it runs still tells the reader which check it is. */
    if (e->summary) {
        put_safe(out, e->summary);
        fputs("  ", out);
    } else if (e->decl->plugin && e->decl->check) {
        put_safe(out, e->decl->plugin);
        fputc('/', out);
        put_safe(out, e->decl->check);
        fputs("  ", out);
    }
    format_duration(duration, sizeof duration, e->result.duration);
    fprintf(out, "%s\n", duration);
}

static void print_labelled(FILE *out, const char *indent, const char *label,
                           const char *text)
{
    fprintf(out, "%s%s", indent, label);
    put_safe(out, text);
    fputc('\n', out);
}

static void print_kv(FILE *out, const char *indent, const struct sos_kv *kv)
{
    fputs(indent, out);
    put_safe(out, kv->key);
    fputs(" = ", out);
    put_safe(out, kv->value);
    fputc('\n', out);
}

static void print_finding(FILE *out, const struct sos_finding_rec *f,
                          const struct sos_human_opts *opts)
{
    fputs(INDENT "[", out);
    put_safe(out, f->code);
    fputs("] ", out);
    put_safe(out, f->message);
    fputc('\n', out);
    if (f->path)
        print_labelled(out, DETAIL, "path: ", f->path);
    if (f->remediation)
        print_labelled(out, DETAIL, "fix: ", f->remediation);
    for (size_t i = 0; i < f->n_commands; i++)
        print_labelled(out, DETAIL, "$ ", f->commands[i]);
    if (opts->verbose)
        for (size_t i = 0; i < f->n_evidence; i++)
            print_kv(out, DETAIL "evidence: ", &f->evidence[i]);
}

static void print_reason(FILE *out, const struct sos_check_result *r)
{
    int explains = r->status == SOS_ST_SKIPPED || r->status == SOS_ST_TIMEOUT ||
                   r->status == SOS_ST_ERROR || r->status == SOS_ST_INTERRUPTED;

    int said = explains && r->reason;

    if (said)
        print_labelled(out, INDENT, "", r->reason);
    /* The runner's reason for a crash already names its signal: once. */
    if (r->term_signal && !(said && strstr(r->reason, "signal")))
        fprintf(out, INDENT "killed by signal %d\n", r->term_signal);
}

static void print_command_outcome(FILE *out, const struct sos_command_rec *c)
{
    char duration[32];

    format_duration(duration, sizeof duration, c->duration);
    if (c->not_started)
        fputs("(not started", out);
    else if (c->timed_out)
        fprintf(out, "(timed out after %s", duration);
    else if (c->term_signal)
        fprintf(out, "(signal %d, %s", c->term_signal, duration);
    else
        fprintf(out, "(exit %d, %s", c->exit_status, duration);
    fputs(c->truncated ? ", output truncated)\n" : ")\n", out);
}

static void print_command_run(FILE *out, const struct sos_command_rec *c)
{
    fputs(DETAIL, out);
    for (size_t i = 0; i < c->argc; i++) {
        put_shell_word(out, c->argv[i]);
        fputc(' ', out);
    }
    print_command_outcome(out, c);
}

/* What an action changed on the host (or would have: planned), always
 * shown: a user must see what was done to the machine. */
static void print_change(FILE *out, const struct sos_change_rec *c)
{
    fputs(DETAIL, out);
    fputs(c->done ? "" : c->error ? "failed to " : "would ", out);
    if (strcmp(c->op, "run") == 0) {
        fputs(c->done ? "ran" : "run", out);
        for (size_t i = 0; i < c->argc; i++) {
            fputc(' ', out);
            put_shell_word(out, c->argv[i]);
        }
    } else {
        fputs(strcmp(c->op, "write") == 0     ? (c->done ? "wrote " : "write ")
              : strcmp(c->op, "remove") == 0  ? (c->done ? "removed " : "remove ")
              : strcmp(c->op, "symlink") == 0 ? (c->done ? "linked " : "link ")
              : strcmp(c->op, "mkdir") == 0   ? (c->done ? "made directory " : "make directory ")
                                              : "change ",
              out);
        put_safe(out, c->path);
        if (c->target) {
            fputs(" -> ", out);
            put_safe(out, c->target);
        }
        if (c->mode >= 0 && c->bytes >= 0)
            fprintf(out, " (mode %04o, %lld bytes)", (unsigned)c->mode, c->bytes);
        else if (c->mode >= 0)
            fprintf(out, " (mode %04o)", (unsigned)c->mode);
    }
    if (c->error)
        fprintf(out, ": %s", strerror(c->error));
    fputc('\n', out);
}

static void print_verbose_details(FILE *out, const struct sos_check_result *r)
{
    if (r->n_facts > 0) {
        fputs(INDENT "facts:\n", out);
        for (size_t i = 0; i < r->n_facts; i++)
            print_kv(out, DETAIL, &r->facts[i]);
    }
    if (r->n_commands > 0) {
        fputs(INDENT "ran:\n", out);
        for (size_t i = 0; i < r->n_commands; i++)
            print_command_run(out, &r->commands[i]);
    }
}

/* Prints E with every string redacted: a copy of its result and summary
 * goes through the filter, so nothing here prints the plugin's own text. */
static void print_entry(FILE *out, const struct sos_run_entry *e, size_t id_width,
                        const struct sos_human_opts *opts,
                        const struct sos_redactor *rd)
{
    struct sos_run_entry shown = *e;
    char *summary = sos_redact_str(rd, e->summary);

    if (sos_redact_result(rd, &e->result, &shown.result) != 0 ||
        (e->summary && !summary)) {
        free(summary);
        fprintf(out, INDENT "(out of memory: this check's result is not shown)\n");
        return;
    }
    shown.summary = summary;
    print_check_line(out, &shown, id_width, opts);
    print_reason(out, &shown.result);
    for (size_t i = 0; i < shown.result.n_findings; i++)
        print_finding(out, &shown.result.findings[i], opts);
    if (shown.result.n_changes > 0) {
        fputs(INDENT "changes:\n", out);
        for (size_t i = 0; i < shown.result.n_changes; i++)
            print_change(out, &shown.result.changes[i]);
    }
    if (opts->verbose)
        print_verbose_details(out, &shown.result);
    sos_check_result_free(&shown.result);
    free(summary);
}

/* doctor local-runtime runs each agent's checks after the host's: the first
 * shown entry of an agent gets a heading with its name, so the same check id
 * under two agents reads as two agents. Looks back instead of keeping
 * state, so that it works however the entries are printed. */
static void print_agent_heading(FILE *out, const struct sos_run *run, size_t i,
                                const struct sos_human_opts *opts)
{
    const char *agent = run->entries[i].agent;
    size_t j = i;

    if (!agent)
        return;
    while (j > 0 && !is_shown(&run->entries[j - 1], opts))
        j--;
    if (j > 0 && run->entries[j - 1].agent &&
        strcmp(run->entries[j - 1].agent, agent) == 0)
        return;
    if (j > 0)
        fputc('\n', out);
    fputs(opts->color ? "\033[1magent " : "agent ", out);
    put_safe(out, agent);
    fputs(opts->color ? ":" ANSI_RESET "\n" : ":\n", out);
}

/* ---- The report -------------------------------------------------------- */

static size_t id_column_width(const struct sos_run *run, const struct sos_human_opts *opts)
{
    size_t width = 0;

    for (size_t i = 0; i < run->n_entries; i++) {
        const struct sos_run_entry *e = &run->entries[i];
        size_t len = e->decl->id ? strlen(e->decl->id) : 0;
        if (is_shown(e, opts) && len > width)
            width = len;
    }
    return width < ID_WIDTH_MAX ? width : ID_WIDTH_MAX;
}

static const char *plural(long n)
{
    return n == 1 ? "" : "s";
}

static void print_summary(FILE *out, const struct sos_run *run, const char *unit)
{
    const int *c = run->counts;
    long total = 0;
    char duration[32];

    for (int st = 0; st < SOS_ST_COUNT; st++)
        total += c[st];
    snprintf(duration, sizeof duration, "%.2fs", run->duration >= 0 ? run->duration : 0.0);
    fprintf(out,
            "%ld %s%s: %d ok, %d warning%s, %d failure%s, %d error%s, %d skipped, "
            "%d timeout%s",
            total, unit ? unit : "check", plural(total), c[SOS_ST_OK], c[SOS_ST_WARNING],
            plural(c[SOS_ST_WARNING]), c[SOS_ST_FAILURE], plural(c[SOS_ST_FAILURE]),
            c[SOS_ST_ERROR], plural(c[SOS_ST_ERROR]), c[SOS_ST_SKIPPED],
            c[SOS_ST_TIMEOUT], plural(c[SOS_ST_TIMEOUT]));
    if (c[SOS_ST_INTERRUPTED]) /* only an interrupted run has any */
        fprintf(out, ", %d interrupted", c[SOS_ST_INTERRUPTED]);
    fprintf(out, " in %s (exit %d)\n", duration, run->exit_code);
}

/* ---- Streaming ---------------------------------------------------------- */

/*
 * The report is printed as the run goes: a check's lines go out once it and
 * every check before it in run order are done, so the report reads the same
 * as when printed at the end. Each batch is redacted with the secrets known
 * when it is printed (every check up to it is done), as the NDJSON events
 * are. Under --quiet which checks are shown, and so the id column's width,
 * is known only at the end: the lines wait for it. On a terminal a status
 * line under the report names the checks still running; it is erased before
 * any line is printed, so it never mixes into the report.
 */

#define STATUS_ERASE "\r\033[K" /* to the line's start, clear to its end */
#define STATUS_COLUMNS 80       /* when the terminal does not say */

struct sos_human_stream {
    FILE *out;
    const struct sos_run *run;
    struct sos_human_opts opts;
    size_t next;     /* the first entry not printed yet */
    size_t id_width;
    int status_shown; /* a status line is on the screen */
};

struct sos_human_stream *sos_human_stream_new(FILE *out, const struct sos_run *run,
                                              const struct sos_human_opts *opts)
{
    static const struct sos_human_opts defaults = { 0, 0, 0, 0, NULL };
    struct sos_human_stream *hs = calloc(1, sizeof *hs);

    if (!hs)
        return NULL;
    hs->out = out;
    hs->run = run;
    hs->opts = opts ? *opts : defaults;
    if (!hs->opts.quiet) /* every check is shown: the width is known now */
        hs->id_width = id_column_width(run, &hs->opts);
    return hs;
}

void sos_human_stream_clear(struct sos_human_stream *hs)
{
    if (hs && hs->status_shown) {
        fputs(STATUS_ERASE, hs->out);
        hs->status_shown = 0;
    }
}

/* Prints the entries from hs->next up to (not including) END. */
static void print_entries(struct sos_human_stream *hs, size_t end)
{
    struct sos_redactor *rd;

    if (hs->next >= end)
        return;
    rd = sos_run_redactor(hs->run);
    if (!rd)
        return; /* tried again with the next batch, and at the end */
    sos_human_stream_clear(hs);
    for (; hs->next < end; hs->next++)
        if (is_shown(&hs->run->entries[hs->next], &hs->opts)) {
            print_agent_heading(hs->out, hs->run, hs->next, &hs->opts);
            print_entry(hs->out, &hs->run->entries[hs->next], hs->id_width,
                        &hs->opts, rd);
        }
    sos_redactor_free(rd);
}

void sos_human_stream_finished(struct sos_human_stream *hs)
{
    size_t end = hs->next;

    if (hs->opts.quiet)
        return;
    while (end < hs->run->n_entries && hs->run->entries[end].done)
        end++;
    print_entries(hs, end);
}

/* Bytes of S that hold at most MAX characters (UTF-8 sequences kept whole). */
static size_t prefix_of_chars(const char *s, size_t len, size_t max)
{
    size_t chars = 0, i = 0;

    while (i < len) {
        size_t n = sos_utf8_sequence_length((const unsigned char *)s + i, len - i);
        if (chars == max)
            break;
        i += n ? n : 1;
        chars++;
    }
    return i;
}

static size_t count_chars(const char *s, size_t len)
{
    return prefix_of_chars(s, len, SIZE_MAX);
}

/* "running: ID (4.2s), ID (1.0s)" into a new string; NULL when none runs. */
static char *status_text(const struct sos_human_stream *hs, double now, size_t *len)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    int any = 0;

    if (!f)
        return NULL;
    for (size_t i = hs->next; i < hs->run->n_entries; i++) {
        const struct sos_run_entry *e = &hs->run->entries[i];
        double elapsed = now - e->result.started;
        if (e->done || !(e->result.started > 0))
            continue; /* finished, or not started yet */
        fputs(any ? ", " : "running: ", f);
        put_safe(f, e->decl->id);
        fprintf(f, " (%.1fs)", elapsed > 0 ? elapsed : 0.0);
        any = 1;
    }
    if (fclose(f) != 0 || !any) {
        free(text);
        return NULL;
    }
    return text;
}

void sos_human_stream_status(struct sos_human_stream *hs, double now,
                             unsigned columns)
{
    size_t len = 0, keep, max;
    char *text;

    if (!hs || !hs->opts.status_line)
        return;
    text = status_text(hs, now, &len);
    sos_human_stream_clear(hs);
    if (!text)
        return;
    /* One character short of the width: a full line would wrap, and the
     * erase would then clear only its last row. */
    max = (columns > 0 ? columns : STATUS_COLUMNS) - 1;
    if (max < 4)
        max = 4;
    keep = len;
    if (count_chars(text, len) > max)
        keep = prefix_of_chars(text, len, max - 3);
    fwrite(text, 1, keep, hs->out);
    if (keep < len)
        fputs("...", hs->out);
    hs->status_shown = 1;
    free(text);
}

void sos_human_stream_end(struct sos_human_stream *hs)
{
    if (!hs)
        return;
    sos_human_stream_clear(hs);
    if (hs->opts.quiet) /* which checks are shown is known now */
        hs->id_width = id_column_width(hs->run, &hs->opts);
    print_entries(hs, hs->run->n_entries);
    if (hs->next < hs->run->n_entries) {
        fputs("out of memory: the report cannot be redacted, so it is not shown\n",
              hs->out);
        return;
    }
    print_summary(hs->out, hs->run, hs->opts.unit);
}

void sos_human_stream_free(struct sos_human_stream *hs)
{
    free(hs);
}

void sos_report_print_human(FILE *out, const struct sos_run *run,
                            const struct sos_human_opts *opts)
{
    struct sos_human_stream *hs = sos_human_stream_new(out, run, opts);

    if (!hs) {
        fputs("out of memory: the report cannot be redacted, so it is not shown\n", out);
        return;
    }
    sos_human_stream_end(hs);
    sos_human_stream_free(hs);
}
