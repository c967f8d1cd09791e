/* The findings page's parser: rows under their sections, GFM's escaped
 * pipes, each malformed page refused with its line, and the nearest codes
 * ranked typo first. The CLI test reads the shipped page row by row. */
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

#include "edit_distance.h"
#include "findings_doc.h"

static const char page[] =
    "# Finding codes\n\nprose | with a pipe\n\n"
    "## core (recorded by the core)\n\n"
    "| code | severity | meaning | what to do |\n|---|---|---|---|\n"
    "| `core.offline` | info | asked, not let | add `--live` |\n"
    "\n## launchd (launchd plugin)\n\n"
    "| `launchd.raw-podman-run` | critical | split at `&&`, `\\|\\|`, `\\|` | use the wrapper |\r\n"
    "| `launchd.keepalive-unbounded` | critical (the check errors) | forever | throttle |\n"
    "| `launchd.keepalive-unthrottled` | warning | no throttle | throttle |";

static int parse(const char *text, struct sos_findings_doc *doc, sos_error *err)
{
    return sos_findings_doc_parse(text, strlen(text), "page.md", doc, err);
}

static void rows_under_their_sections(void **state)
{
    struct sos_findings_doc doc;
    sos_error err = {""};
    const struct sos_finding_doc *r;
    (void)state;
    assert_int_equal(parse(page, &doc, &err), 0);
    assert_int_equal(doc.n, 4);
    assert_string_equal(doc.rows[0].code, "core.offline");
    assert_string_equal(doc.rows[0].section, "core");
    assert_string_equal(doc.rows[0].todo, "add `--live`");
    r = sos_findings_doc_find(&doc, "launchd.raw-podman-run");
    assert_non_null(r);
    assert_string_equal(r->section, "launchd");
    assert_string_equal(r->meaning, "split at `&&`, `||`, `|`");
    assert_string_equal(r->todo, "use the wrapper"); /* the \r is not in the cell */
    r = sos_findings_doc_find(&doc, "launchd.keepalive-unbounded");
    assert_string_equal(r->severity, "critical (the check errors)");
    assert_string_equal(doc.rows[3].todo, "throttle"); /* the last line has no newline */
    assert_null(sos_findings_doc_find(&doc, "launchd.keepalive"));
    sos_findings_doc_free(&doc);
}

static void malformed_pages_are_refused_with_their_line(void **state)
{
    static const struct {
        const char *text, *says;
    } bad[] = {
        {"## core\n| `core.a` | info | three cells |\n", "page.md:2: a code row needs 4 cells"},
        {"| `core.a` | info | m | t | extra |\n", "page.md:1: a code row needs 4 cells"},
        {"| `core.a` | info | m | t\n", "page.md:1: a code row needs 4 cells"},
        {"| `core` | info | m | t |\n", "page.md:1: the first cell is not one `plugin.code`"},
        {"| `core.a` `core.b` | info | m | t |\n", "page.md:1: the first cell is not one"},
        {"| `core.a` | info | m | t |\n\n| `core.a` | w | m | t |\n",
         "page.md:3: code core.a is listed twice"},
        {"# just prose\n\n| a | b | c | d |\n", "page.md: no finding code rows"},
        {"", "page.md: no finding code rows"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sos_findings_doc doc;
        sos_error err = {""};
        assert_int_equal(parse(bad[i].text, &doc, &err), -1);
        if (!strstr(err.msg, bad[i].says))
            fail_msg("case %zu: '%s' does not say '%s'", i, err.msg, bad[i].says);
        assert_int_equal(doc.n, 0);
        assert_null(doc.rows);
    }
}

static void binary_and_huge_files_are_refused(void **state)
{
    char path[] = "/tmp/sos-findings.XXXXXX";
    struct sos_findings_doc doc;
    sos_error err = {""};
    int fd = mkstemp(path);
    static const char nul[] = "| `core.a` | info | m\0 | t |\n";
    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, nul, sizeof nul - 1), (ssize_t)(sizeof nul - 1));
    assert_int_equal(sos_findings_doc_load(path, &doc, &err), -1);
    assert_non_null(strstr(err.msg, "a NUL byte"));
    assert_int_equal(ftruncate(fd, SOS_FINDINGS_DOC_MAX + 1), 0);
    assert_int_equal(sos_findings_doc_load(path, &doc, &err), -1);
    assert_non_null(strstr(err.msg, "larger than 4 MiB"));
    close(fd);
    unlink(path);
    assert_int_equal(sos_findings_doc_load(path, &doc, &err), -1);
    assert_non_null(strstr(err.msg, "No such file"));
    assert_int_equal(sos_findings_doc_load("/tmp", &doc, &err), -1);
    assert_non_null(strstr(err.msg, "cannot read /tmp"));
}

static void nearest_codes_typo_first(void **state)
{
    struct sos_findings_doc doc;
    sos_error err = {""};
    const struct sos_finding_doc *near[3];
    (void)state;
    assert_int_equal(parse(page, &doc, &err), 0);
    /* one edit away outranks the codes that merely share the plugin */
    assert_int_equal(sos_findings_doc_nearest(&doc, "launchd.keepalive-unbound", near, 3), 3);
    assert_string_equal(near[0]->code, "launchd.keepalive-unbounded");
    assert_string_equal(near[1]->code, "launchd.keepalive-unthrottled");
    assert_string_equal(near[2]->code, "launchd.raw-podman-run"); /* same plugin, last */
    assert_int_equal(sos_findings_doc_nearest(&doc, "throttled", near, 3), 1);
    assert_string_equal(near[0]->code, "launchd.keepalive-unthrottled");
    assert_int_equal(sos_findings_doc_nearest(&doc, "launchd.keepalive", near, 1), 1);
    assert_string_equal(near[0]->code, "launchd.keepalive-unbounded"); /* MAX is kept */
    assert_int_equal(sos_findings_doc_nearest(&doc, "zz.qqqq", near, 3), 0);
    assert_int_equal(sos_findings_doc_nearest(&doc, "of", near, 3), 0); /* too short to hold */
    sos_findings_doc_free(&doc);
}

static void edit_distance_counts_each_edit(void **state)
{
    char long_word[SOS_EDIT_DISTANCE_MAX + 2];
    (void)state;
    assert_int_equal(sos_edit_distance("doctor", 6, "docter", 6), 1);
    assert_int_equal(sos_edit_distance("check", 5, "checks", 6), 1);
    assert_int_equal(sos_edit_distance("", 0, "abc", 3), 3);
    assert_int_equal(sos_edit_distance("kitten", 6, "sitting", 7), 3);
    memset(long_word, 'a', sizeof long_word - 1);
    long_word[sizeof long_word - 1] = '\0';
    assert_int_equal(sos_edit_distance(long_word, SOS_EDIT_DISTANCE_MAX, long_word, 0),
                     SOS_EDIT_DISTANCE_MAX);
    assert_true(sos_edit_distance(long_word, SOS_EDIT_DISTANCE_MAX + 1, "a", 1) == SIZE_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rows_under_their_sections),
        cmocka_unit_test(malformed_pages_are_refused_with_their_line),
        cmocka_unit_test(binary_and_huge_files_are_refused),
        cmocka_unit_test(nearest_codes_typo_first),
        cmocka_unit_test(edit_distance_counts_each_edit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
