/* Quoting the words of remediation commands: what people paste into a
 * shell must be exactly the words the plugin meant. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "shquote.h"

static void expect_argv(const char *const argv[], const char *want)
{
    sos_error err = {{0}};
    char *got = sos_shquote_argv(argv, &err);
    if (!got)
        fail_msg("refused: %s", err.msg);
    assert_string_equal(got, want);
    free(got);
}

/* The refusal's message, which must contain NEEDLE. */
static void expect_refused(const char *const argv[], const char *needle)
{
    sos_error err = {{0}};
    char *got = sos_shquote_argv(argv, &err);
    if (got)
        fail_msg("accepted as: %s", got);
    if (!strstr(err.msg, needle))
        fail_msg("message '%s' lacks '%s'", err.msg, needle);
}

static char *format(sos_error *err, const char *template, ...)
{
    va_list ap;
    char *got;
    va_start(ap, template);
    got = sos_shquote_vformat(template, ap, err);
    va_end(ap);
    return got;
}

static void test_safe_words_stay_bare(void **state)
{
    const char *const argv[] = {"chmod", "600", "/home/u/.config/containers/auth.json",
                                "user@host:a,b+c%d=e", "gui/501/com.x.agent", NULL};
    (void)state;
    expect_argv(argv, "chmod 600 /home/u/.config/containers/auth.json "
                      "user@host:a,b+c%d=e gui/501/com.x.agent");
}

static void test_metacharacters_are_quoted(void **state)
{
    const char *const uri[] = {"podman", "system", "service", "--time=0",
                               "unix:///tmp/a b;touch /tmp/PWNED;.sock", NULL};
    const char *const subst[] = {"plutil", "-string", "com.x;$(touch PWN)", "`id`",
                                 "a&&b", "a|b", "a>b", "*", "~root", "{a,b}", "#x",
                                 "x\\y", "\"q\"", NULL};
    (void)state;
    expect_argv(uri, "podman system service --time=0 "
                     "'unix:///tmp/a b;touch /tmp/PWNED;.sock'");
    expect_argv(subst, "plutil -string 'com.x;$(touch PWN)' '`id`' 'a&&b' 'a|b' "
                       "'a>b' '*' '~root' '{a,b}' '#x' 'x\\y' '\"q\"'");
}

static void test_single_quote_inside(void **state)
{
    const char *const argv[] = {"rm", "it's", "'", "''", NULL};
    (void)state;
    expect_argv(argv, "rm 'it'\\''s' ''\\''' ''\\'''\\'''");
}

static void test_empty_word(void **state)
{
    const char *const argv[] = {"printf", "", "x", NULL};
    (void)state;
    expect_argv(argv, "printf '' x");
}

static void test_leading_equals_and_dash(void **state)
{
    /* zsh expands a bare =word to a command's path; a leading '-' is the
     * plugin's to handle with "--" (quotes do not change it). */
    const char *const argv[] = {"systemctl", "stop", "--", "-x.service", "=ls", "a=b",
                                NULL};
    (void)state;
    expect_argv(argv, "systemctl stop -- -x.service '=ls' a=b");
}

static void test_non_ascii_is_quoted(void **state)
{
    const char *const argv[] = {"ls", "/Users/j\xC3\xB6rg/caf\xC3\xA9", NULL};
    (void)state;
    expect_argv(argv, "ls '/Users/j\xC3\xB6rg/caf\xC3\xA9'");
}

static void test_newline_and_controls_are_refused(void **state)
{
    const char *const newline[] = {"podman", "pull", "img\n; touch /tmp/PWNED", NULL};
    const char *const tab[] = {"rm", "a\tb", NULL};
    const char *const esc[] = {"rm", "a\x1b[2Jb", NULL};
    const char *const del[] = {"rm", "a\x7f", NULL};
    const char *const c1[] = {"rm", "a\xC2\x85", NULL};
    const char *const bidi[] = {"rm", "a\xE2\x80\xAEtxt.sh", NULL};
    const char *const cr[] = {"rm", "safe\rrm -rf ~", NULL};
    (void)state;
    expect_refused(newline, "word 3 (\"img\\n; touch /tmp/PWNED\"): byte 4 is a newline");
    expect_refused(tab, "a tab");
    expect_refused(esc, "\\x1B[2Jb");
    expect_refused(del, "a control character");
    expect_refused(c1, "\\u{0085}");
    expect_refused(bidi, "\\u{202E}");
    expect_refused(cr, "\\x0D");
}

static void test_non_utf8_is_refused(void **state)
{
    const char *const latin1[] = {"cat", "/tmp/caf\xE9", NULL};
    const char *const overlong[] = {"cat", "\xC0\xAF", NULL};
    (void)state;
    expect_refused(latin1, "word 2 (\"/tmp/caf\\xE9\"): byte 9 is not UTF-8");
    expect_refused(overlong, "not UTF-8");
}

static void test_refused_word_is_shown_short(void **state)
{
    char long_word[400];
    sos_error err;
    const char *const argv[] = {"rm", long_word, NULL};
    (void)state;
    memset(long_word, 'a', sizeof long_word - 2);
    long_word[sizeof long_word - 2] = '\n';
    long_word[sizeof long_word - 1] = '\0';
    assert_null(sos_shquote_argv(argv, &err));
    assert_non_null(strstr(err.msg, "...\""));
    assert_true(strlen(err.msg) < 200);
}

static void test_no_words(void **state)
{
    const char *const none[] = {NULL};
    sos_error err;
    (void)state;
    assert_null(sos_shquote_argv(none, &err));
    assert_null(sos_shquote_argv(NULL, &err));
}

static void test_template_composes_quoted_parts(void **state)
{
    sos_error err = {{0}};
    char *got = format(&err, "mkdir -p %s && printf '{\"auths\":{}}' > %s && chmod 600 %s",
                       "/run/containers/0", "/run/containers/0/a b;$(x).json",
                       "/run/containers/0/a b;$(x).json");
    (void)state;
    if (!got)
        fail_msg("refused: %s", err.msg);
    assert_string_equal(got, "mkdir -p /run/containers/0 && printf '{\"auths\":{}}' > "
                             "'/run/containers/0/a b;$(x).json' && chmod 600 "
                             "'/run/containers/0/a b;$(x).json'");
    free(got);
    got = format(&err, "printf '%%s\\n' %s > %s%s.d/100%%", "it's", "/etc/", "u;x");
    assert_non_null(got);
    assert_string_equal(got, "printf '%s\\n' 'it'\\''s' > /etc/'u;x'.d/100%");
    free(got);
}

static void test_template_misuse_is_refused(void **state)
{
    sos_error err;
    (void)state;
    assert_null(format(&err, "rm '%s'", "x"));
    assert_non_null(strstr(err.msg, "inside quotes"));
    assert_null(format(&err, "echo \"%s\"", "x"));
    assert_non_null(strstr(err.msg, "inside quotes"));
    assert_null(format(&err, "echo $%s", "x"));
    assert_non_null(strstr(err.msg, "after '$'"));
    assert_null(format(&err, "kill %d", 3));
    assert_non_null(strstr(err.msg, "only %s"));
    assert_null(format(&err, "echo 100%"));
    assert_non_null(strstr(err.msg, "lone"));
    assert_null(format(&err, "echo 'open"));
    assert_non_null(strstr(err.msg, "unterminated"));
    assert_null(format(&err, "rm %s", (const char *)NULL));
    assert_non_null(strstr(err.msg, "NULL"));
    assert_null(format(&err, "rm %s", "a\nb"));
    assert_non_null(strstr(err.msg, "newline"));
    assert_null(format(&err, "rm x\nrm y"));
    /* An escaped quote is not a quote: the word after it is outside. */
    {
        char *got = format(&err, "echo \\' %s", "a b");
        assert_non_null(got);
        assert_string_equal(got, "echo \\' 'a b'");
        free(got);
    }
}

static void test_check_of_plain_text(void **state)
{
    sos_error err;
    (void)state;
    assert_int_equal(sos_shquote_check("systemctl restart podman.socket", &err), 0);
    assert_int_equal(sos_shquote_check("sudo sh -c 'printf \"\\n[boot]\\n\"'", &err), 0);
    assert_int_equal(sos_shquote_check("a\nb", &err), -1);
    assert_non_null(strstr(err.msg, "newline"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_safe_words_stay_bare),
        cmocka_unit_test(test_metacharacters_are_quoted),
        cmocka_unit_test(test_single_quote_inside),
        cmocka_unit_test(test_empty_word),
        cmocka_unit_test(test_leading_equals_and_dash),
        cmocka_unit_test(test_non_ascii_is_quoted),
        cmocka_unit_test(test_newline_and_controls_are_refused),
        cmocka_unit_test(test_non_utf8_is_refused),
        cmocka_unit_test(test_refused_word_is_shown_short),
        cmocka_unit_test(test_no_words),
        cmocka_unit_test(test_template_composes_quoted_parts),
        cmocka_unit_test(test_template_misuse_is_refused),
        cmocka_unit_test(test_check_of_plain_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
