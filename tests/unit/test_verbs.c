/* The verb table: every row complete, listed in its program's --help,
 * reachable by its own words, and its --help answered. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "verbs.h"

/* What FN(ARG) printed on stdout, as a string (free it). */
static char *captured(void (*fn)(const void *), const void *arg)
{
    FILE *tmp = tmpfile();
    int saved = dup(STDOUT_FILENO);
    char *text;
    long size;
    assert_non_null(tmp);
    fflush(stdout);
    dup2(fileno(tmp), STDOUT_FILENO);
    fn(arg);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    size = ftell(tmp);
    text = calloc(1, (size_t)size + 1);
    rewind(tmp);
    assert_int_equal(fread(text, 1, (size_t)size, tmp), (size_t)size);
    fclose(tmp);
    return text;
}

static void program_help(const void *arg)
{
    sos_help_program(*(const enum sos_program *)arg);
}

static void verb_help(const void *arg)
{
    sos_help_verb(arg);
}

static void each_row_is_complete(void **state)
{
    size_t n;
    const struct sos_verb *v = sos_verbs(&n);
    (void)state;
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        const char *what = v[i].words ? v[i].words : "(no words)";
        if (!v[i].words || !*v[i].words)
            fail_msg("row %zu has no words", i);
        if (!v[i].summary || !*v[i].summary || strchr(v[i].summary, '\n'))
            fail_msg("'%s' needs a one-line summary", what);
        if (!v[i].usage || !*v[i].usage || v[i].usage[strlen(v[i].usage) - 1] != '\n')
            fail_msg("'%s' needs a usage text ending in a newline", what);
        if (!v[i].run)
            fail_msg("'%s' has no handler", what);
        if (v[i].min_operands > v[i].max_operands ||
            (v[i].max_operands > 0) != (v[i].operand != NULL))
            fail_msg("'%s': its operand and their count disagree", what);
        if ((v[i].flags & VERB_AGENT_NAME) &&
            (v[i].min_operands != 1 || v[i].max_operands != 1))
            fail_msg("'%s' takes a NAME: exactly one operand", what);
        if ((v[i].options & CLI_OPTS_ALWAYS) != CLI_OPTS_ALWAYS ||
            (v[i].options & ~(unsigned)CLI_OPTS_KNOWN))
            fail_msg("'%s': options outside the set, or without --help", what);
        for (size_t j = 0; j < i; j++)
            if (v[j].program == v[i].program && strcmp(v[j].words, v[i].words) == 0)
                fail_msg("'%s' is two rows", what);
    }
}

/* Each program's --help has a line "  WORDS OPERAND  summary..." per row. */
static void program_help_lists_every_row(void **state)
{
    size_t n;
    const struct sos_verb *v = sos_verbs(&n);
    (void)state;
    for (int p = 0; p < SOS_PROG_COUNT; p++) {
        enum sos_program prog = (enum sos_program)p;
        char *help = captured(program_help, &prog);
        assert_true(strncmp(help, "Usage: ", 7) == 0);
        for (size_t i = 0; i < n; i++) {
            char line[256], start[64];
            if (v[i].program != prog)
                continue;
            snprintf(line, sizeof line, "\n  %s%s%s  ", v[i].words,
                     v[i].operand ? " " : "", v[i].operand ? v[i].operand : "");
            snprintf(start, sizeof start, "%.40s", v[i].summary);
            if (!strstr(help, line) || !strstr(help, start))
                fail_msg("%s --help does not list '%s'",
                         sos_program_info(prog)->name, v[i].words);
        }
        free(help);
    }
}

/* A row's help starts "Usage: PROG WORDS" and names every option it
 * reads, in its Usage: line or its option list. */
static void verb_help_names_its_options(void **state)
{
    size_t n;
    const struct sos_verb *v = sos_verbs(&n);
    (void)state;
    for (size_t i = 0; i < n; i++) {
        char *help = captured(verb_help, &v[i]);
        char head[128];
        snprintf(head, sizeof head, "Usage: %s %s", sos_program_info(v[i].program)->name,
                 v[i].words);
        if (strncmp(help, head, strlen(head)) != 0)
            fail_msg("'%s --help' starts '%.60s'", v[i].words, help);
        for (const struct cli_option_help *o = cli_option_help; o->shown; o++) {
            const char *name = strstr(o->shown, "--");
            char word[64];
            if (!(v[i].options & o->bit) || (o->bit & CLI_OPTS_ALWAYS))
                continue;
            snprintf(word, sizeof word, "%.*s", (int)strcspn(name, " "), name);
            if (!strstr(help, word))
                fail_msg("'%s --help' does not name %s", v[i].words, word);
        }
        free(help);
    }
}

/* Dispatching a row's own words (and a sample operand) finds that row;
 * with --help it answers 0. */
static void every_row_is_reachable(void **state)
{
    size_t n;
    const struct sos_verb *v = sos_verbs(&n);
    (void)state;
    for (size_t i = 0; i < n; i++) {
        char buf[256], *words[8];
        int n_words = 0, matched;
        struct cli cli;
        FILE *saved;
        snprintf(buf, sizeof buf, "%s", v[i].words);
        for (char *w = strtok(buf, " "); w && n_words < 6; w = strtok(NULL, " "))
            words[n_words++] = w;
        for (int k = 0; k < v[i].min_operands; k++)
            words[n_words++] = (char *)"web";
        assert_ptr_equal(sos_verb_find(v[i].program, words, n_words, &matched), &v[i]);
        assert_int_equal(matched, n_words - v[i].min_operands);

        memset(&cli, 0, sizeof cli);
        cli.program = sos_program_info(v[i].program)->name;
        cli.words = words;
        cli.n_words = n_words;
        cli.help = 1;
        saved = stdout;
        stdout = fopen("/dev/null", "w");
        assert_int_equal(sos_verb_dispatch(&cli), SOS_EXIT_OK);
        fclose(stdout);
        stdout = saved;
    }
}

static void unknown_words_name_the_nearest(void **state)
{
    const struct sos_verb *v;
    (void)state;
    v = sos_verb_nearest(SOS_PROG_SOURCEOS, "docter");
    assert_non_null(v);
    assert_string_equal(v->words, "doctor local-runtime");
    v = sos_verb_nearest(SOS_PROG_SOURCEOS, "check");
    assert_non_null(v);
    assert_string_equal(v->words, "checks");
    assert_null(sos_verb_nearest(SOS_PROG_SOURCEOS, "frobnicate"));
    assert_null(sos_verb_nearest(SOS_PROG_SOURCEOS, "x")); /* 1 edit of 1 letter */
    assert_null(sos_verb_nearest(SOS_PROG_CTL, "doctor")); /* no rows */
    assert_false(sos_verb_planned(SOS_PROG_SOURCEOS, "explain")); /* built */
    assert_false(sos_verb_planned(SOS_PROG_AGENT, "quarantine"));
    assert_false(sos_verb_planned(SOS_PROG_AGENT, "install"));
    assert_false(sos_verb_planned(SOS_PROG_AGENT, "stage"));
    assert_false(sos_verb_planned(SOS_PROG_AGENT, "doctor"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_row_is_complete),
        cmocka_unit_test(program_help_lists_every_row),
        cmocka_unit_test(verb_help_names_its_options),
        cmocka_unit_test(every_row_is_reachable),
        cmocka_unit_test(unknown_words_name_the_nearest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
