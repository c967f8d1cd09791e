/* plugins/common/log_tail.c: the grouping key of a log line (timestamps of
 * every common form, counters, ids), failure lines, and the summary of a
 * log's tail (count, span, example, the last failure line, the lines and
 * bytes caps keeping the END of the log). */
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

#include "rootfs.h"
#include "../../plugins/common/log_tail.h"

static const struct log_limits DEFAULTS = {LOG_TAIL_BYTES, LOG_TAIL_LINES,
                                           LOG_REPEAT_THRESHOLD};

static void key_of(const char *line, char *key, char *time, long long *secs)
{
    log_normalize(line, strlen(line), key, LOG_KEY_MAX, time, LOG_TIME_MAX, secs);
}

/* Each pair differs only in its timestamp (and numbers): same key. */
static void test_timestamps_stripped(void **state)
{
    static const char *const pairs[][2] = {
        {"2026-11-28T03:14:07Z Error: x", "2026-11-28T04:20:46Z Error: x"},
        {"2026-11-28T03:14:07.123+01:00 Error: x", "2026-12-01T00:00:00.9-0800 Error: x"},
        {"2026-11-28 03:14:07,250 ERROR x", "2027-01-02 23:59:59,001 ERROR x"},
        {"Nov 28 03:14:07 host app[123]: failed x", "Dec  1 13:00:01 host app[98765]: failed x"},
        {"Sat Nov 28 03:14:07 2026 fatal x", "Sun Nov 29 03:14:07 2026 fatal x"},
        {"time=\"2026-11-28T03:14:07Z\" level=error msg=x",
         "time=\"2026-11-28T09:00:00Z\" level=error msg=x"},
        {"[2026-11-28 03:14:07] cannot x", "[2026-11-29 11:11:11] cannot x"},
        {"[28/Nov/2026:03:14:07 +0000] denied x", "[01/Dec/2026:10:00:00 +0100] denied x"},
        {"[   12.345678] refused x", "[98765.000001] refused x"},
        {"03:14:07.555 panic x", "23:01:02.1 panic x"},
        {"error x after 1.5s (attempt 3, pid 4242, id 7f3a9c01)",
         "error x after 250.75s (attempt 12, pid 17, id 0xdeadbeef)"},
    };
    char a[LOG_KEY_MAX], b[LOG_KEY_MAX], t[LOG_TIME_MAX];
    (void)state;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        key_of(pairs[i][0], a, t, NULL);
        key_of(pairs[i][1], b, t, NULL);
        if (strcmp(a, b) != 0)
            fail_msg("not grouped: '%s' -> '%s' vs '%s' -> '%s'", pairs[i][0], a,
                     pairs[i][1], b);
        if (strpbrk(a, "0123456789"))
            fail_msg("a digit left in '%s' (from '%s')", a, pairs[i][0]);
    }
}

static void test_key_shape_and_time(void **state)
{
    char k[LOG_KEY_MAX], t[LOG_TIME_MAX];
    long long s;
    (void)state;
    key_of("2026-11-28T03:14:07Z Error: error getting credentials - err: exit status 1, out: ",
           k, t, &s);
    assert_string_equal(k, "<t> Error: error getting credentials - err: exit status #, out:");
    assert_string_equal(t, "2026-11-28T03:14:07Z");
    assert_true(s > 0);
    key_of("Nov  8 03:14:07   host   x", k, t, &s);
    assert_string_equal(k, "<t> host x");
    assert_string_equal(t, "Nov  8 03:14:07");
    key_of("time=\"2026-01-01T00:00:00Z\" msg=a", k, t, &s);
    assert_string_equal(k, "<t> msg=a");
    assert_string_equal(t, "2026-01-01T00:00:00Z");
    key_of("no time here, sha256 http2", k, t, &s);
    assert_string_equal(k, "no time here, sha# http#");
    assert_string_equal(t, "");
    assert_int_equal(s, -1);
    /* The zone is applied: the same instant written twice. */
    {
        long long a, b;
        key_of("2026-11-28T03:14:07Z x", k, t, &a);
        key_of("2026-11-28T04:14:07+01:00 x", k, t, &b);
        assert_true(a == b);
    }
}

static void test_different_messages_not_grouped(void **state)
{
    static const char *const lines[] = {
        "2026-11-28T03:14:07Z Error: error getting credentials",
        "2026-11-28T03:14:07Z Error: image not known",
        "2026-11-28T03:14:07Z Error: error getting credentials for ghcr.io",
        "2026-11-28T03:14:07Z Warning: error getting credentials",
    };
    char keys[4][LOG_KEY_MAX], t[LOG_TIME_MAX];
    (void)state;
    for (size_t i = 0; i < 4; i++)
        key_of(lines[i], keys[i], t, NULL);
    for (size_t i = 0; i < 4; i++)
        for (size_t j = i + 1; j < 4; j++)
            if (strcmp(keys[i], keys[j]) == 0)
                fail_msg("'%s' and '%s' grouped", lines[i], lines[j]);
}

static void test_failure_lines(void **state)
{
    static const char *const yes[] = {
        "Error: x", "ERROR x", "level=error msg=x", "x failed", "Failure: y", "fatal: z",
        "permission denied", "connection refused", "cannot open", "can't open",
        "unable to start", "panic: runtime error", "exit status 1", "exit code: 125",
        "process exited with code 2", "Traceback (most recent call last):",
        "read timed out", "Segmentation fault", "3 errors, 12 files",
        "sync: 0 errors, 2 failed", "failed=2", "errors: 10", "no such file: error",
        "errored after 3s", "Failures: 1", "0 failed, Error: connection refused",
        /* every word, upper case too (each first letter is looked up) */
        "Exception in thread main", "exit_code=3", "exitcode 2", "exited with status 4",
        "CANNOT BIND", "UNABLE TO READ", "PANIC", "DENIED", "REFUSED", "FATAL", "TIMED OUT",
        "TRACEBACK", "SEGMENTATION FAULT", "EXIT STATUS 9"};
    static const char *const no[] = {
        "started", "exit status 0", "exit code: 0", "listening on :8080",
        "terrorist", "prefailed", "ready in 3s", "",
        /* healthy summaries, and words that only begin like a failure */
        "sync finished: 0 errors, 12 files", "no errors", "No error(s) found",
        "errors: 0", "errors=0, warnings=3", "failed=0", "0 failed, 12 passed",
        "Tests: 0 failures", "zero errors", "completed without errors",
        "errorless run", "failedover", "fatalistic", "deniedx", "error_count=0"};
    (void)state;
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!log_is_failure(yes[i], strlen(yes[i])))
            fail_msg("'%s' not a failure", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (log_is_failure(no[i], strlen(no[i])))
            fail_msg("'%s' taken for a failure", no[i]);
}

/* N lines of the incident's log, a second apart from 03:14:07, plus some
 * other lines; into a malloc'd text. */
static char *incident_log(size_t n, size_t *len)
{
    size_t size = n * 120 + 1024, used = 0;
    char *text = malloc(size);
    assert_non_null(text);
    used += (size_t)snprintf(text + used, size - used, "starting node-commander\n");
    for (size_t i = 0; i < n; i++) {
        unsigned s = (unsigned)(3 * 3600 + 14 * 60 + 7 + i);
        used += (size_t)snprintf(text + used, size - used,
                                 "2026-11-28T%02u:%02u:%02uZ Error: error getting credentials "
                                 "- err: exit status 1, out: \n",
                                 s / 3600 % 24, s / 60 % 60, s % 60);
        if (i % 100 == 0)
            used += (size_t)snprintf(text + used, size - used, "retrying in %zus\n", i);
    }
    *len = used;
    return text;
}

static void test_summary_count_and_span(void **state)
{
    struct log_summary *s = malloc(sizeof *s);
    size_t len;
    char *text = incident_log(4000, &len);
    char span[32];
    (void)state;
    assert_non_null(s);
    assert_int_equal(log_summarize(text, len, 0, &DEFAULTS, s), 0);
    assert_int_equal(s->n_repeats, 1);
    assert_int_equal(s->repeats[0].count, 4000);
    assert_int_equal(s->failures, 4000);
    assert_int_equal(s->lines, 4000 + 40 + 1);
    assert_string_equal(s->repeats[0].first_time, "2026-11-28T03:14:07Z");
    assert_string_equal(s->repeats[0].last_time, "2026-11-28T04:20:46Z");
    assert_int_equal(s->repeats[0].span_seconds, 3999);
    log_span_text(s->repeats[0].span_seconds, span, sizeof span);
    assert_string_equal(span, "1h06m39s");
    assert_string_equal(s->repeats[0].example,
                        "2026-11-28T04:20:46Z Error: error getting credentials - err: "
                        "exit status 1, out: ");
    assert_true(s->has_last_failure);
    assert_string_equal(s->last_failure, s->repeats[0].example);
    assert_false(s->bytes_cut);
    assert_false(s->lines_cut);
    free(text);
    free(s);
}

static void test_threshold_and_order(void **state)
{
    struct log_summary *s = malloc(sizeof *s);
    struct log_limits lim = {LOG_TAIL_BYTES, LOG_TAIL_LINES, 20};
    char text[8192];
    size_t used = 0;
    (void)state;
    assert_non_null(s);
    for (int i = 0; i < 20; i++) /* exactly the threshold: not over it */
        used += (size_t)snprintf(text + used, sizeof text - used, "Nov 28 03:14:%02d a failed\n", i);
    for (int i = 0; i < 30; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "Nov 28 03:15:%02d b failed\n", i);
    for (int i = 0; i < 25; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "Nov 28 03:16:%02d c failed\n", i);
    for (int i = 0; i < 50; i++) /* not failures, however many */
        used += (size_t)snprintf(text + used, sizeof text - used, "Nov 28 03:17:%02d ok\n", i);
    assert_int_equal(log_summarize(text, used, 0, &lim, s), 0);
    assert_int_equal(s->n_repeats, 2);
    assert_int_equal(s->repeats[0].count, 30);
    assert_string_equal(s->repeats[0].first_time, "Nov 28 03:15:00");
    assert_int_equal(s->repeats[0].span_seconds, 29);
    assert_int_equal(s->repeats[1].count, 25);
    assert_string_equal(s->last_failure, "Nov 28 03:16:24 c failed");
    lim.threshold = 19;
    assert_int_equal(log_summarize(text, used, 0, &lim, s), 0);
    assert_int_equal(s->n_repeats, 3);
    assert_int_equal(s->repeats[2].count, 20);
    free(s);
}

/* Only the last max_lines lines count, and the count says so. */
static void test_lines_cap(void **state)
{
    struct log_summary *s = malloc(sizeof *s);
    struct log_limits lim = {LOG_TAIL_BYTES, 100, 20};
    size_t len;
    char *text = incident_log(4000, &len);
    (void)state;
    assert_non_null(s);
    assert_int_equal(log_summarize(text, len, 0, &lim, s), 0);
    assert_true(s->lines_cut);
    assert_int_equal(s->lines, 100);
    assert_int_equal(s->n_repeats, 1);
    assert_true(s->repeats[0].count >= 97 && s->repeats[0].count <= 100);
    assert_string_equal(s->repeats[0].last_time, "2026-11-28T04:20:46Z");
    free(text);
    free(s);
}

/* The bytes cap keeps the TAIL: read through the core's tail read, the
 * early lines are gone, the partial first line is dropped, the last kept. */
static void test_bytes_cap_keeps_tail(void **state)
{
    char dir[] = "/tmp/test_log_tail.XXXXXX", path[64];
    struct log_summary *s = malloc(sizeof *s);
    struct log_limits lim = {4096, LOG_TAIL_LINES, 20};
    size_t len, got;
    char *text = incident_log(4000, &len), *data = NULL;
    FILE *f;
    (void)state;
    assert_non_null(s);
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/x.log", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(sos_rootfs_read_tail(dir, "/x.log", lim.max_bytes, &data, &got), 1);
    assert_int_equal(got, 4096);
    assert_int_equal(log_summarize(data, got, 1, &lim, s), 0);
    assert_true(s->bytes_cut);
    assert_int_equal(s->n_repeats, 1);
    /* 4096 bytes hold some 50 of those 80-byte lines, all whole. */
    assert_true(s->repeats[0].count > 40 && s->repeats[0].count < 60);
    assert_int_equal(s->lines, s->repeats[0].count);
    assert_string_equal(s->repeats[0].last_time, "2026-11-28T04:20:46Z");
    assert_true(strcmp(s->repeats[0].first_time, "2026-11-28T04:19:00Z") > 0);
    free(data);
    unlink(path);
    rmdir(dir);
    free(text);
    free(s);
}

/* NUL bytes (a binary file, a log preallocated with zeros) are skipped;
 * a line longer than an example is cut at a blank, not in a word. */
static void test_binary_and_long_lines(void **state)
{
    struct log_summary *s = malloc(sizeof *s);
    char text[4096];
    size_t used = 0;
    (void)state;
    assert_non_null(s);
    memset(text, 0, 100);
    used = 100;
    text[used++] = '\n';
    used += (size_t)snprintf(text + used, sizeof text - used, "error:");
    for (int i = 0; i < 200; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, " word%d", i);
    text[used++] = '\n';
    assert_int_equal(log_summarize(text, used, 0, &DEFAULTS, s), 0);
    assert_int_equal(s->binary_lines, 1);
    assert_int_equal(s->lines, 1);
    assert_true(s->has_last_failure);
    assert_true(strlen(s->last_failure) < LOG_EXAMPLE_MAX);
    assert_string_equal(s->last_failure + strlen(s->last_failure) - 3, "...");
    assert_true(strstr(s->last_failure, " word") != NULL);
    {
        /* what precedes "..." is a whole word */
        const char *dots = s->last_failure + strlen(s->last_failure) - 3;
        const char *sp = dots;
        while (sp > s->last_failure && sp[-1] != ' ')
            sp--;
        char word[16];
        snprintf(word, sizeof word, "%.*s", (int)(dots - sp), sp);
        assert_true(strncmp(word, "word", 4) == 0);
        int n = atoi(word + 4);
        char want[16];
        snprintf(want, sizeof want, "word%d", n);
        assert_string_equal(word, want);
        assert_non_null(strstr(text + 101, want));
        char next[24];
        snprintf(next, sizeof next, " word%d ", n + 1);
        assert_non_null(strstr(text + 101, next));
    }
    free(s);
}

static void test_empty_and_no_failures(void **state)
{
    struct log_summary *s = malloc(sizeof *s);
    (void)state;
    assert_non_null(s);
    assert_int_equal(log_summarize("", 0, 0, &DEFAULTS, s), 0);
    assert_int_equal(s->lines, 0);
    assert_false(s->has_last_failure);
    assert_int_equal(log_summarize("no newline at all", 17, 1, &DEFAULTS, s), 0);
    assert_int_equal(s->lines, 0);
    assert_int_equal(log_summarize("all good\nstill good", 19, 0, &DEFAULTS, s), 0);
    assert_int_equal(s->lines, 2);
    assert_int_equal(s->n_repeats, 0);
    assert_false(s->has_last_failure);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timestamps_stripped),
        cmocka_unit_test(test_key_shape_and_time),
        cmocka_unit_test(test_different_messages_not_grouped),
        cmocka_unit_test(test_failure_lines),
        cmocka_unit_test(test_summary_count_and_span),
        cmocka_unit_test(test_threshold_and_order),
        cmocka_unit_test(test_lines_cap),
        cmocka_unit_test(test_bytes_cap_keeps_tail),
        cmocka_unit_test(test_binary_and_long_lines),
        cmocka_unit_test(test_empty_and_no_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
