/* Build-time: the shell completions, made from the verb table so they
 * cannot drift from it. `gen-completions TEMPLATE` copies the shell script
 * TEMPLATE (completions/sourceos.{bash,zsh,fish}.in) to stdout with its
 * line @VERBS@ replaced by the table, one quoted row per command (with
 * @VERBS_CONT@ each row ends in " \\", for fish), @CONFDIR@ by the
 * installed configuration directory and @TEMPLATES@ by the agent-machine
 * profile templates:
 *
 *   PROGRAM|WORDS|OPTIONS|OPERANDS
 *
 * OPTIONS are the option words it reads, "--root=DIR" for one that takes a
 * value (what follows '=' is the value's kind, as --help shows it);
 * OPERANDS the kinds of its operands in order: agent, code, file, dir,
 * command, args. Nothing here is a shell's syntax but the quoting: the
 * templates hold the logic, and a row is never split by a shell (no space
 * is quoted away, no quote appears in a row). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine_profile.h"
#include "verbs.h"

#define ROW_MAX 2048

/* Appends SEP, then the N bytes at S, to ROW (cut at ROW_MAX). */
static void append(char *row, size_t *used, const char *sep, const char *s, size_t n)
{
    int w = snprintf(row + *used, ROW_MAX - *used, "%s%.*s", sep, (int)n, s);
    if (w > 0 && (size_t)w < ROW_MAX - *used)
        *used += (size_t)w;
}

/* "-j, --jobs N" -> "-j=N --jobs=N"; "-q, --quiet" -> "-q --quiet". An
 * entry that names a value of an option ("--format prometheus") is not an
 * option. */
static void append_option(char *row, size_t *used, const char *shown)
{
    const char *last = strrchr(shown, ' ');
    const char *kind = last && last[1] != '-' ? last + 1 : NULL;
    if (kind && !(*kind >= 'A' && *kind <= 'Z'))
        return;
    for (const char *p = shown; *p == '-';) {
        size_t len = strcspn(p, ", ");
        append(row, used, row[*used - 1] != '|' ? " " : "", p, len);
        if (kind)
            append(row, used, "=", kind, strlen(kind));
        p += len;
        p += strspn(p, ", ");
    }
}

/* The kinds of VERB's operands. */
static void append_operands(char *row, size_t *used, const struct sos_verb *verb)
{
    const char *p = verb->operand ? verb->operand : "";
    while (*p) {
        size_t len = strcspn(p, " ");
        const char *w = p, *kind = NULL;
        if (*w == '[')
            w++, len--;
        if (len && w[len - 1] == ']')
            len--;
        if (len == 4 && strncmp(w, "NAME", 4) == 0)
            kind = "agent";
        else if (len == 4 && strncmp(w, "CODE", 4) == 0)
            kind = "code";
        else if (len == 4 && strncmp(w, "FILE", 4) == 0)
            kind = "file";
        else if (len == 3 && strncmp(w, "DIR", 3) == 0)
            kind = "dir";
        else if (len == 7 && strncmp(w, "COMMAND", 7) == 0)
            kind = "command";
        else if (len == 2 && strncmp(w, "--", 2) == 0)
            kind = "args";
        if (kind)
            append(row, used, row[*used - 1] == '|' ? "" : " ", kind, strlen(kind));
        p += strcspn(p, " ");
        p += strspn(p, " ");
    }
}

static void row_of(const struct sos_verb *verb, char *row)
{
    size_t used = 0;
    const char *prog = sos_program_info(verb->program)->name;
    append(row, &used, "", prog, strlen(prog));
    append(row, &used, "|", verb->words, strlen(verb->words));
    append(row, &used, "|", "", 0);
    for (const struct cli_option_help *o = cli_option_help; o->shown; o++)
        if (verb->options & o->bit)
            append_option(row, &used, o->shown);
    append(row, &used, "|", "", 0);
    append_operands(row, &used, verb);
}

static void print_rows(const char *end)
{
    size_t n;
    const struct sos_verb *v = sos_verbs(&n);
    char row[ROW_MAX];
    for (size_t i = 0; i < n; i++) {
        row_of(&v[i], row);
        printf("    '%s'%s\n", row, end);
    }
}

/* LINE with @CONFDIR@ and @TEMPLATES@ replaced. */
static void print_line(const char *line)
{
    const char *at;
    while ((at = strchr(line, '@'))) {
        fwrite(line, 1, (size_t)(at - line), stdout);
        if (strncmp(at, "@CONFDIR@", 9) == 0) {
            fputs(SOS_CONFDIR, stdout);
            line = at + 9;
        } else if (strncmp(at, "@TEMPLATES@", 11) == 0) {
            for (const char *const *t = sos_am_templates; *t; t++)
                printf("%s%s", t == sos_am_templates ? "" : " ", *t);
            line = at + 11;
        } else {
            fputc('@', stdout);
            line = at + 1;
        }
    }
    fputs(line, stdout);
}

int main(int argc, char **argv)
{
    char line[4096];
    FILE *in;
    if (argc != 2) {
        fprintf(stderr, "usage: gen-completions TEMPLATE\n");
        return 64;
    }
    if (!(in = fopen(argv[1], "r"))) {
        perror(argv[1]);
        return 66;
    }
    while (fgets(line, sizeof line, in)) {
        if (strcmp(line, "@VERBS@\n") == 0)
            print_rows("");
        else if (strcmp(line, "@VERBS_CONT@\n") == 0)
            print_rows(" \\");
        else
            print_line(line);
    }
    if (ferror(in) || fclose(in) != 0 || fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "gen-completions: %s: read or write failed\n", argv[1]);
        return 74;
    }
    return 0;
}
