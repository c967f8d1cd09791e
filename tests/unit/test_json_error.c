/* Where and why a text is not JSON (sourceos_json_error), as findings about
 * malformed files and command output report it. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "json_error.h"

struct place {
    unsigned line, column;
    char why[160];
};

static int check(const char *text, struct place *p)
{
    memset(p, 0, sizeof *p);
    return sos_json_error(text, strlen(text), &p->line, &p->column, p->why,
                          sizeof p->why);
}

static void test_valid(void **state)
{
    struct place p;
    (void)state;
    assert_int_equal(check("{\"auths\": {}}\n", &p), 0);
    assert_int_equal(check("[1, 2]", &p), 0);
    assert_int_equal(check("\"a scalar\"", &p), 0); /* as sourceos_json_get */
    assert_int_equal(sos_json_error("{}", 2, NULL, NULL, NULL, 0), 0);
}

static void test_places(void **state)
{
    struct place p;
    (void)state;
    /* A trailing comma: the '}' on line 3, column 1. */
    assert_int_equal(check("{\n  \"a\": 1,\n}\n", &p), 1);
    assert_int_equal(p.line, 3);
    assert_int_equal(p.column, 1);
    assert_string_equal(p.why, "string or '}' expected");
    /* The column counts characters, not bytes ("é" is two): the x. */
    assert_int_equal(check("{\"\xc3\xa9\": x}", &p), 1);
    assert_int_equal(p.line, 1);
    assert_int_equal(p.column, 7);
    assert_string_equal(p.why, "invalid token");
}

static void test_end_of_file(void **state)
{
    struct place p;
    (void)state;
    /* Cut short after a newline: jansson says line 3, column 0; the place is
     * the end of line 2, its newline (the 6th character). */
    assert_int_equal(check("{\n  \"a\"\n", &p), 1);
    assert_int_equal(p.line, 2);
    assert_int_equal(p.column, 6);
    assert_string_equal(p.why, "':' expected near end of file");
    /* Cut short without one: the last character. */
    assert_int_equal(check("{\"a\":1", &p), 1);
    assert_int_equal(p.line, 1);
    assert_int_equal(p.column, 6);
    /* Nothing at all is line 1, column 1. */
    assert_int_equal(check("", &p), 1);
    assert_int_equal(p.line, 1);
    assert_int_equal(p.column, 1);
    assert_string_equal(p.why, "unexpected token near end of file");
}

static void test_no_secret_in_reason(void **state)
{
    struct place p;
    (void)state;
    /* jansson would say "invalid token near 'dXNlcjpwYXNz'". */
    assert_int_equal(check("{\"auth\": dXNlcjpwYXNz}", &p), 1);
    assert_null(strstr(p.why, "dXNl"));
    assert_string_equal(p.why, "invalid token");
    /* A reason cut to the buffer stays a string. */
    assert_int_equal(sos_json_error("[", 1, NULL, NULL, p.why, 4), 1);
    assert_string_equal(p.why, "']'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_places),
        cmocka_unit_test(test_end_of_file),
        cmocka_unit_test(test_no_secret_in_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
