#include "config.h"

#include <stdio.h>
#include <string.h>

#include "verbs.h"

/* A verb that reads more options than this says [OPTIONS] and lists them
 * below; fewer are named in its Usage: line. */
#define SYNOPSIS_OPTIONS 4
/* Where an option's text starts in the option list. */
#define OPTION_COLUMN 22

static const char exit_codes[] =
    "Exit status: 0 all ok, 1 warnings, 2 a failure, 3 could not decide\n"
    "(a check errored or timed out, or checks.d is invalid), 64 usage error,\n"
    "74 the report could not be written.\n";

/* The option list, those of OPTIONS only. */
static void print_options(unsigned options)
{
    printf("Options:\n");
    for (const struct cli_option_help *o = cli_option_help; o->shown; o++) {
        const char *line = o->text;
        if (!(options & o->bit))
            continue;
        /* a name too long for its column gets a line of its own */
        if (strlen(o->shown) >= OPTION_COLUMN - 3)
            printf("  %s\n%*s", o->shown, OPTION_COLUMN, "");
        else
            printf("  %-*s", OPTION_COLUMN - 2, o->shown);
        for (;;) {
            size_t len = strcspn(line, "\n");
            printf("%.*s", (int)len, line);
            if (!line[len])
                break;
            printf("\n%*s", OPTION_COLUMN, "");
            line += len + 1;
        }
        if (o->default_dir)
            printf(" (default: %s)", o->default_dir());
        putchar('\n');
    }
}

static unsigned count_bits(unsigned bits)
{
    unsigned n = 0;
    for (; bits; bits &= bits - 1)
        n++;
    return n;
}

static int lists_options(const struct sos_verb *verb)
{
    return count_bits(verb->options & ~(unsigned)CLI_OPTS_ALWAYS) > SYNOPSIS_OPTIONS;
}

/* "Usage: PROG WORDS OPERAND", then [OPTIONS] or each option it reads,
 * wrapped under the first one. */
static void print_synopsis(const struct sos_verb *verb)
{
    const char *prog = sos_program_info(verb->program)->name;
    int head = printf("Usage: %s %s%s%s", prog, verb->words,
                      verb->operand ? " " : "", verb->operand ? verb->operand : "");
    size_t col = head > 0 ? (size_t)head : 0, indent = col + 1;
    if (lists_options(verb)) {
        printf(" [OPTIONS]\n");
        return;
    }
    for (const struct cli_option_help *o = cli_option_help; o->shown; o++) {
        const char *shown = strstr(o->shown, ", ");
        size_t len;
        if (!(verb->options & o->bit) || (o->bit & CLI_OPTS_ALWAYS))
            continue;
        shown = shown ? shown + 2 : o->shown;
        len = strlen(shown) + 2;
        if (col + 1 + len > CLI_TEXT_WIDTH) {
            printf("\n%*s", (int)indent - 1, "");
            col = indent - 1;
        }
        col += (size_t)printf(" [%s]", shown);
    }
    putchar('\n');
}

void sos_help_verb(const struct sos_verb *verb)
{
    print_synopsis(verb);
    printf("\n%s", verb->usage);
    if (lists_options(verb)) {
        putchar('\n');
        print_options(verb->options);
    }
    if (verb->flags & VERB_RUN_EXITS)
        printf("\n%s", exit_codes);
}

/* The width of "WORDS OPERAND". */
static size_t shown_width(const struct sos_verb *v)
{
    return strlen(v->words) + (v->operand ? 1 + strlen(v->operand) : 0);
}

static void print_commands(enum sos_program program)
{
    const struct sos_program_info *info = sos_program_info(program);
    size_t n, width = 0;
    const struct sos_verb *all = sos_verbs(&n);
    char shown[128];

    for (size_t i = 0; i < n; i++)
        if (all[i].program == program && shown_width(&all[i]) > width)
            width = shown_width(&all[i]);
    if (width == 0)
        return; /* no commands: the program's prose says why */
    printf("Commands:\n");
    for (size_t i = 0; i < n; i++) {
        const struct sos_verb *v = &all[i];
        if (v->program != program)
            continue;
        snprintf(shown, sizeof shown, "%s%s%s", v->words, v->operand ? " " : "",
                 v->operand ? v->operand : "");
        printf("  %-*s  ", (int)width, shown);
        cli_print_wrapped(v->summary, strlen(v->summary), width + 4, width + 4);
    }
    if (info->planned && info->planned[0]) {
        char line[512] = "Not in this release:";
        size_t used = strlen(line);
        for (const char *const *p = info->planned; *p && used < sizeof line; p++)
            used += (size_t)snprintf(line + used, sizeof line - used, "%s %s",
                                     p == info->planned ? "" : ",", *p);
        if (used < sizeof line - 1)
            line[used++] = '.';
        printf("\n");
        cli_print_wrapped(line, used < sizeof line ? used : sizeof line - 1, 0, 0);
    }
    putchar('\n');
}

void sos_help_program(enum sos_program program)
{
    const struct sos_program_info *info = sos_program_info(program);
    printf("Usage: %s %s\n\n", info->name, info->synopsis);
    if (info->about)
        printf("%s\n", info->about);
    print_commands(program);
    print_options(CLI_OPTS_ALL);
    if (info->exits)
        printf("\n%s", exit_codes);
}

const char *sos_help_hint(enum sos_program program, char *buf, size_t size)
{
    size_t n;
    const struct sos_verb *all = sos_verbs(&n);
    const char *how = "--help";
    for (size_t i = 0; i < n; i++)
        if (all[i].program == program && strcmp(all[i].words, "help") == 0)
            how = "help";
    snprintf(buf, size, "%s %s", sos_program_info(program)->name, how);
    return buf;
}

/* `help [COMMAND]`: the same text as `COMMAND --help`; COMMAND may be its
 * words (`help doctor local-runtime`). */
int cmd_help(struct cli *cli, const struct sos_verb *verb, char **operands)
{
    char shown[256], hint[64];
    int n = cli->n_words - (int)(operands - cli->words), matched;
    const struct sos_verb *about;
    if (n == 0) {
        sos_help_program(verb->program);
        return SOS_EXIT_OK;
    }
    about = sos_verb_find(verb->program, operands, n, &matched);
    if (!about) {
        cli_error(cli, "no help for unknown command '%s'; see '%s'",
                  cli_escape(operands[0], shown, sizeof shown),
                  sos_help_hint(verb->program, hint, sizeof hint));
        return SOS_EXIT_USAGE;
    }
    sos_help_verb(about);
    return SOS_EXIT_OK;
}
