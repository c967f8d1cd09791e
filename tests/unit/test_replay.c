/* The replay's table (core/replay.c): which capture answers which command
 * (argv word for word, the capture's root prefix read as the replay's
 * tree, the asking check's own captures first, the k-th run the k-th
 * capture and then the last), what a command file must hold, the host
 * facts of a manifest, and the modes extraction writes. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "bundle_extract.h"
#include "checksd.h"
#include "replay.h"

/* Adds the command JSON text to R (asserting it loads). */
static void add(struct sos_replay *r, const char *text)
{
    json_error_t jerr;
    json_t *doc = json_loads(text, JSON_ALLOW_NUL, &jerr);
    sos_error err;
    assert_non_null(doc);
    if (sos_replay_add_json(r, doc, &err) != 0)
        fail_msg("%s: %s", text, err.msg);
    json_decref(doc);
}

/* The stdout of the capture answering ARGV, or NULL. */
static const char *answer(const struct sos_replay *r, const char *check, const char *const *argv,
                          struct sos_replay_cursor *cur)
{
    const struct sos_replay_cmd *c = sos_replay_match(r, check, argv, cur);
    return c ? c->out : NULL;
}

static void test_exact_argv(void **state)
{
    struct sos_replay r;
    struct sos_replay_cursor cur = {NULL};
    const char *const show[] = {"systemctl", "show", "a.service", NULL};
    const char *const other[] = {"systemctl", "show", "b.service", NULL};
    const char *const longer[] = {"systemctl", "show", "a.service", "--no-pager", NULL};
    const char *const shorter[] = {"systemctl", "show", NULL};
    (void)state;
    memset(&r, 0, sizeof r);
    assert_int_equal(sos_replay_set_roots(&r, "/", "/tmp/replay/root"), 0);
    add(&r, "{\"argv\": [\"systemctl\", \"show\", \"a.service\"], \"exit_status\": 3, "
            "\"stdout\": \"A\", \"stderr\": \"oops\", \"duration\": 0.25, \"timed_out\": false}");
    assert_string_equal(answer(&r, NULL, show, &cur), "A");
    assert_int_equal(sos_replay_match(&r, NULL, show, &cur)->exit_status, 3);
    assert_string_equal(sos_replay_match(&r, NULL, show, &cur)->err, "oops");
    assert_null(answer(&r, NULL, other, &cur));
    assert_null(answer(&r, NULL, longer, &cur));
    assert_null(answer(&r, NULL, shorter, &cur));
    sos_replay_cursor_free(&cur);
    sos_replay_close(&r);
}

static void test_kth_run_then_last(void **state)
{
    struct sos_replay r;
    struct sos_replay_cursor cur = {NULL}, other = {NULL};
    const char *const ps[] = {"podman", "ps", "-a", NULL};
    const char *const info[] = {"podman", "info", NULL};
    (void)state;
    memset(&r, 0, sizeof r);
    add(&r, "{\"argv\": [\"podman\", \"ps\", \"-a\"], \"exit_status\": 0, \"stdout\": \"first\"}");
    add(&r, "{\"argv\": [\"podman\", \"info\"], \"exit_status\": 0, \"stdout\": \"info\"}");
    add(&r, "{\"argv\": [\"podman\", \"ps\", \"-a\"], \"exit_status\": 0, \"stdout\": \"second\"}");
    assert_string_equal(answer(&r, NULL, ps, &cur), "first");
    assert_string_equal(answer(&r, NULL, info, &cur), "info");
    assert_string_equal(answer(&r, NULL, ps, &cur), "second");
    assert_string_equal(answer(&r, NULL, ps, &cur), "second");
    assert_string_equal(answer(&r, NULL, info, &cur), "info");
    /* another check (its own cursor) starts at the first again */
    assert_string_equal(answer(&r, NULL, ps, &other), "first");
    sos_replay_cursor_free(&cur);
    sos_replay_cursor_free(&other);
    sos_replay_close(&r);
}

static void test_own_check_first(void **state)
{
    struct sos_replay r;
    struct sos_replay_cursor a = {NULL}, b = {NULL}, c = {NULL};
    const char *const v[] = {"podman", "--version", NULL};
    (void)state;
    memset(&r, 0, sizeof r);
    add(&r, "{\"argv\": [\"podman\", \"--version\"], \"exit_status\": 0, \"check\": "
            "\"podman.binary\", \"stdout\": \"binary's\"}");
    add(&r, "{\"argv\": [\"podman\", \"--version\"], \"exit_status\": 0, \"check\": "
            "\"podman.version\", \"stdout\": \"version's\"}");
    add(&r, "{\"argv\": [\"podman\", \"--version\"], \"exit_status\": 0, \"check\": null, "
            "\"stdout\": \"capture's\"}");
    assert_string_equal(answer(&r, "podman.version", v, &a), "version's");
    assert_string_equal(answer(&r, "podman.version", v, &a), "version's");
    assert_string_equal(answer(&r, "podman.binary", v, &b), "binary's");
    /* a check with no capture of its own: any check's, in order */
    assert_string_equal(answer(&r, "podman.info", v, &c), "binary's");
    assert_string_equal(answer(&r, "podman.info", v, &c), "version's");
    assert_string_equal(answer(&r, "podman.info", v, &c), "capture's");
    assert_string_equal(answer(&r, "podman.info", v, &c), "capture's");
    sos_replay_cursor_free(&a);
    sos_replay_cursor_free(&b);
    sos_replay_cursor_free(&c);
    sos_replay_close(&r);
}

static void test_root_prefix(void **state)
{
    struct sos_replay r;
    struct sos_replay_cursor cur = {NULL};
    const char *const mapped[] = {"systemd-analyze", "verify", "/tmp/r/root/etc/u.service", NULL};
    const char *const as_captured[] = {"systemd-analyze", "verify", "/cap/tree/etc/u.service",
                                       NULL};
    const char *const top[] = {"ls", "/tmp/r/root", NULL};
    const char *const sibling[] = {"ls", "/tmp/r/rootx/etc", NULL};
    const char *const unmapped[] = {"ls", "/tmp/r/root/other", NULL};
    const char *const relative[] = {"cat", "/tmp/r/rootetc", NULL};
    (void)state;
    memset(&r, 0, sizeof r);
    /* trailing slashes do not count */
    assert_int_equal(sos_replay_set_roots(&r, "/cap/tree/", "/tmp/r/root/"), 0);
    add(&r, "{\"argv\": [\"systemd-analyze\", \"verify\", \"/cap/tree/etc/u.service\"], "
            "\"exit_status\": 0, \"stdout\": \"verified\"}");
    add(&r, "{\"argv\": [\"ls\", \"/cap/tree\"], \"exit_status\": 0, \"stdout\": \"top\"}");
    add(&r, "{\"argv\": [\"ls\", \"/cap/treex/etc\"], \"exit_status\": 0, \"stdout\": \"x\"}");
    add(&r, "{\"argv\": [\"ls\", \"/other\"], \"exit_status\": 0, \"stdout\": \"other\"}");
    add(&r, "{\"argv\": [\"cat\", \"etc\"], \"exit_status\": 0, \"stdout\": \"rel\"}");
    assert_string_equal(answer(&r, NULL, mapped, &cur), "verified");
    assert_string_equal(answer(&r, NULL, as_captured, &cur), "verified");
    assert_string_equal(answer(&r, NULL, top, &cur), "top");
    /* only at a segment boundary, and only what was under the root */
    assert_null(answer(&r, NULL, sibling, &cur));
    assert_null(answer(&r, NULL, unmapped, &cur));
    assert_null(answer(&r, NULL, relative, &cur));
    sos_replay_cursor_free(&cur);
    sos_replay_close(&r);
}

static void test_live_capture_root(void **state)
{
    struct sos_replay r;
    struct sos_replay_cursor cur = {NULL};
    const char *const under[] = {"/usr/bin/plutil", "-lint", "/tmp/r/root/Library/x.plist",
                                 NULL};
    const char *const same[] = {"/usr/bin/plutil", "-lint", "/Library/x.plist", NULL};
    const char *const relword[] = {"/usr/bin/plutil", "-lint", "/tmp/r/rootLibrary/x.plist",
                                   NULL};
    (void)state;
    memset(&r, 0, sizeof r);
    assert_int_equal(sos_replay_set_roots(&r, NULL, "/tmp/r/root"), 0);
    assert_string_equal(r.capture_root, "");
    add(&r, "{\"argv\": [\"/usr/bin/plutil\", \"-lint\", \"/Library/x.plist\"], "
            "\"exit_status\": 0, \"stdout\": \"OK\"}");
    assert_string_equal(answer(&r, NULL, under, &cur), "OK");
    assert_string_equal(answer(&r, NULL, same, &cur), "OK");
    assert_null(answer(&r, NULL, relword, &cur));
    sos_replay_cursor_free(&cur);
    sos_replay_close(&r);
}

static void test_command_file_shape(void **state)
{
    static const char *const bad[] = {
        "[]",
        "{\"exit_status\": 0}",
        "{\"argv\": [], \"exit_status\": 0}",
        "{\"argv\": [\"a\", 1], \"exit_status\": 0}",
        "{\"argv\": [\"a\"]}",
        "{\"argv\": [\"a\"], \"exit_status\": \"0\"}",
        "{\"argv\": [\"a\"], \"exit_status\": 0, \"stdout\": 5}",
        "{\"argv\": [\"a\"], \"exit_status\": 0, \"duration\": -1}",
        "{\"argv\": [\"a\\u0000b\"], \"exit_status\": 0}",
    };
    struct sos_replay r;
    const struct sos_replay_cmd *c;
    struct sos_replay_cursor cur = {NULL};
    const char *const a[] = {"a", NULL};
    sos_error err;
    (void)state;
    memset(&r, 0, sizeof r);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *doc = json_loads(bad[i], JSON_ALLOW_NUL, NULL);
        assert_non_null(doc);
        if (sos_replay_add_json(&r, doc, &err) == 0)
            fail_msg("accepted %s", bad[i]);
        json_decref(doc);
    }
    assert_int_equal(r.n_cmds, 0);
    add(&r, "{\"argv\": [\"a\"], \"exit_status\": -1, \"not_started\": true, \"start_errno\": 2, "
            "\"stdout\": \"x\\u0000y\", \"truncated\": {\"stdout\": false, \"stderr\": true}, "
            "\"term_signal\": 9}");
    c = sos_replay_match(&r, NULL, a, &cur);
    assert_non_null(c);
    assert_int_equal(c->out_len, 3); /* the NUL kept, with the length */
    assert_memory_equal(c->out, "x\0y", 3);
    assert_string_equal(c->err, "");
    assert_int_equal(c->truncated, 1);
    assert_int_equal(c->not_started, 1);
    assert_int_equal(c->start_errno, 2);
    assert_int_equal(c->term_signal, 9);
    assert_int_equal(c->exit_status, -1);
    sos_replay_cursor_free(&cur);
    sos_replay_close(&r);
}

static void test_host_facts(void **state)
{
    json_t *h = json_loads("{\"os\": \"macos\", \"os_name\": \"macOS\", \"os_version\": \"14.5\", "
                           "\"arch\": \"arm64\", \"hostname\": \"mac-mini-7\", \"wsl\": false, "
                           "\"container\": false, \"root\": true}",
                           0, NULL);
    struct sos_host host;
    (void)state;
    assert_int_equal(sos_replay_host_from_json(h, &host), 0);
    assert_string_equal(host.os, "macos");
    assert_int_equal(host.os_mask, SOS_OS_MACOS);
    assert_string_equal(host.os_version, "14.5");
    assert_string_equal(host.arch, "arm64");
    assert_string_equal(host.kernel, "unknown"); /* not recorded */
    assert_string_equal(host.hostname, "mac-mini-7");
    assert_int_equal(host.root, 1);
    assert_int_equal(host.wsl, 0);
    json_decref(h);
    h = json_string("mac-mini-7");
    assert_int_equal(sos_replay_host_from_json(h, &host), -1);
    json_decref(h);
}

static void test_extract_modes(void **state)
{
    (void)state;
    assert_int_equal(sos_extract_mode(04755, 0), 0755);
    assert_int_equal(sos_extract_mode(0777, 0), 0755);
    assert_int_equal(sos_extract_mode(0666, 0), 0644);
    assert_int_equal(sos_extract_mode(0600, 0), 0600);
    assert_int_equal(sos_extract_mode(0000, 0), 0400);
    assert_int_equal(sos_extract_mode(02775, SOS_EXTRACT_KEEP_MODES), 0775);
    assert_int_equal(sos_extract_mode(0666, SOS_EXTRACT_KEEP_MODES), 0666);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_argv),
        cmocka_unit_test(test_kth_run_then_last),
        cmocka_unit_test(test_own_check_first),
        cmocka_unit_test(test_root_prefix),
        cmocka_unit_test(test_live_capture_root),
        cmocka_unit_test(test_command_file_shape),
        cmocka_unit_test(test_host_facts),
        cmocka_unit_test(test_extract_modes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
