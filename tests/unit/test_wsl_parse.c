/* The wsl2 plugin's pure parsers on good and hostile input: decoding
 * wsl.exe's output (text.c), its distro table and --status (list.c), and
 * /etc/wsl.conf (conf.c). Compiled directly from the plugin's sources. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/wsl2/wsl2.h"

/* ASCII/UTF-8 TEXT as UTF-16LE (BMP only, what these tests need), into a
 * malloc'd buffer; *LEN gets its byte count. */
static unsigned char *utf16le(const char *text, size_t *len)
{
    size_t n = strlen(text);
    unsigned char *b = malloc(n * 2 + 2);
    assert_non_null(b);
    for (size_t i = 0; i < n; i++) {
        b[2 * i] = (unsigned char)text[i];
        b[2 * i + 1] = 0;
    }
    *len = n * 2;
    return b;
}

static enum wsl_text_error decode(const void *bytes, size_t len, struct wsl_text *t)
{
    return wsl_text_decode((const unsigned char *)bytes, len, t);
}

static void expect_text(const void *bytes, size_t len, const char *want,
                        enum wsl_encoding enc)
{
    struct wsl_text t;
    assert_int_equal(decode(bytes, len, &t), WSL_TEXT_OK);
    assert_string_equal(t.text, want);
    assert_int_equal(t.len, strlen(want));
    assert_int_equal(t.encoding, enc);
    wsl_text_free(&t);
}

static void expect_error(const void *bytes, size_t len, enum wsl_text_error want)
{
    struct wsl_text t;
    assert_int_equal(decode(bytes, len, &t), want);
    assert_null(t.text);
    assert_non_null(wsl_text_error_text(want));
}

/* ---- text.c ----------------------------------------------------------------- */

static void test_utf16le_without_bom(void **state)
{
    size_t len;
    unsigned char *b = utf16le("  NAME  STATE\r\n* Ubuntu Running 2\r\n", &len);
    (void)state;
    expect_text(b, len, "  NAME  STATE\n* Ubuntu Running 2\n", WSL_ENC_UTF16LE);
    free(b);
}

static void test_utf16le_with_bom(void **state)
{
    size_t len;
    unsigned char *b = utf16le("\xff\xfe" "x\r\n", &len);
    (void)state;
    /* utf16le() widened the BOM bytes too; write a real one. */
    b[0] = 0xFF;
    b[1] = 0xFE;
    memmove(b + 2, b + 4, len - 4);
    expect_text(b, len - 2, "x\n", WSL_ENC_UTF16LE_BOM);
    free(b);
}

static void test_utf16_non_ascii_and_pairs(void **state)
{
    /* "ü" (U+00FC), "€" (U+20AC), then U+1F600 as D83D DE00, among spaces. */
    static const unsigned char b[] = {' ', 0, 0xFC, 0, ' ', 0, 0xAC, 0x20, ' ', 0,
                                      0x3D, 0xD8, 0x00, 0xDE, ' ', 0};
    (void)state;
    expect_text(b, sizeof b, " \xc3\xbc \xe2\x82\xac \xf0\x9f\x98\x80 ", WSL_ENC_UTF16LE);
}

static void test_utf16_odd_and_broken(void **state)
{
    static const unsigned char odd[] = {'a', 0, 'b', 0, 'c'};
    static const unsigned char cut_pair[] = {'a', 0, ' ', 0, 0x3D, 0xD8};
    static const unsigned char lone_high[] = {'a', 0, 0x3D, 0xD8, 'b', 0, ' ', 0};
    static const unsigned char lone_low[] = {'a', 0, 0x00, 0xDE, 'b', 0, ' ', 0};
    static const unsigned char nul[] = {'a', 0, 0, 0, 'b', 0, ' ', 0};
    struct wsl_text t;
    (void)state;
    expect_error(odd, sizeof odd, WSL_TEXT_ODD_LENGTH);
    expect_error(cut_pair, sizeof cut_pair, WSL_TEXT_TRUNCATED_PAIR);
    expect_error(lone_high, sizeof lone_high, WSL_TEXT_UNPAIRED);
    expect_error(lone_low, sizeof lone_low, WSL_TEXT_UNPAIRED);
    expect_error(nul, sizeof nul, WSL_TEXT_NUL);
    /* The offset says where: the lone surrogate is at byte 2. */
    assert_int_equal(decode(lone_high, sizeof lone_high, &t), WSL_TEXT_UNPAIRED);
    assert_int_equal(t.offset, 2);
}

static void test_utf8_variants(void **state)
{
    (void)state;
    expect_text("a\r\nb\nc\rd", 8, "a\nb\nc\nd", WSL_ENC_UTF8);
    expect_text("\xef\xbb\xbfNAME\r\n", 9, "NAME\n", WSL_ENC_UTF8_BOM);
    expect_text("Wird ausgef\xc3\xbchrt", 16, "Wird ausgef\xc3\xbchrt", WSL_ENC_UTF8);
    expect_text("\r\n\r\n", 4, "\n\n", WSL_ENC_UTF8);
}

static void test_utf8_hostile(void **state)
{
    (void)state;
    expect_error("abc\0def", 7, WSL_TEXT_NUL);
    expect_error("\xc3\x28", 2, WSL_TEXT_INVALID_UTF8);     /* bad continuation */
    expect_error("\xc0\xaf", 2, WSL_TEXT_INVALID_UTF8);     /* overlong '/' */
    expect_error("\xed\xa0\x80", 3, WSL_TEXT_INVALID_UTF8); /* a surrogate */
    expect_error("\xf4\x90\x80\x80", 4, WSL_TEXT_INVALID_UTF8); /* > U+10FFFF */
    expect_error("ab\xe2\x82", 4, WSL_TEXT_INVALID_UTF8);   /* cut sequence */
    expect_error("\xfe\xff\0a", 4, WSL_TEXT_UTF16BE);
    expect_error("\xff", 1, WSL_TEXT_INVALID_UTF8);
}

static void test_empty_and_huge(void **state)
{
    struct wsl_text t;
    size_t big = WSL_TEXT_MAX_BYTES;
    unsigned char *b = malloc(big + 2);
    (void)state;
    assert_int_equal(decode("", 0, &t), WSL_TEXT_OK);
    assert_string_equal(t.text, "");
    wsl_text_free(&t);
    assert_non_null(b);
    for (size_t i = 0; i < big; i += 2) {
        b[i] = 'x';
        b[i + 1] = 0;
    }
    assert_int_equal(decode(b, big, &t), WSL_TEXT_OK); /* at the bound: decoded */
    assert_int_equal(t.len, big / 2);
    wsl_text_free(&t);
    expect_error(b, big + 2, WSL_TEXT_TOO_LARGE);
    free(b);
}

static unsigned char *read_fixture(const char *name, size_t *len)
{
    const char *dir = getenv("SOS_TEST_FIXTURES");
    char path[4096];
    unsigned char *buf = malloc(65536);
    FILE *f;
    snprintf(path, sizeof path, "%s/wsl2/%s", dir ? dir : "tests/fixtures", name);
    f = fopen(path, "rb");
    assert_non_null(f);
    assert_non_null(buf);
    *len = fread(buf, 1, 65536, f);
    fclose(f);
    return buf;
}

static void test_reference_capture(void **state)
{
    size_t len;
    unsigned char *b = read_fixture("wsl-l-v.utf16", &len);
    struct wsl_text t;
    struct wsl_list l;
    const struct wsl_distro *d;
    (void)state;
    assert_int_equal(decode(b, len, &t), WSL_TEXT_OK);
    assert_int_equal(t.encoding, WSL_ENC_UTF16LE);
    assert_int_equal(wsl_parse_list(t.text, t.len, &l), WSL_PARSE_OK);
    assert_int_equal(l.n, 2);
    assert_true(l.header);
    assert_string_equal(l.distros[0].name, "Ubuntu-22.04");
    assert_true(l.distros[0].is_default);
    d = wsl_list_find(&l, "PODMAN-machine-default");
    assert_non_null(d);
    assert_string_equal(d->state, "Stopped");
    assert_int_equal(d->version, 2);
    assert_false(d->is_default);
    wsl_text_free(&t);
    /* The same capture cut by one byte is an error, not a shorter table. */
    expect_error(b, len - 1, WSL_TEXT_ODD_LENGTH);
    free(b);
    b = read_fixture("l-v-lone-surrogate.bin", &len);
    expect_error(b, len, WSL_TEXT_TRUNCATED_PAIR);
    free(b);
}

/* ---- list.c ----------------------------------------------------------------- */

static enum wsl_parse_error list(const char *text, struct wsl_list *l)
{
    return wsl_parse_list(text, strlen(text), l);
}

static void test_list_shapes(void **state)
{
    struct wsl_list l;
    (void)state;
    /* Localized header and a state with a space. */
    assert_int_equal(list("  NAME   STATUS   VERSION\n* podman-machine-default  "
                          "Wird ausgef\xc3\xbchrt  2\n", &l), WSL_PARSE_OK);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.distros[0].state, "Wird ausgef\xc3\xbchrt");
    assert_true(l.distros[0].is_default);
    /* "*Name" without a space, tabs, a version-1 row. */
    assert_int_equal(list("NAME STATE VERSION\n*Debian\tStopped\t1\n", &l), WSL_PARSE_OK);
    assert_string_equal(l.distros[0].name, "Debian");
    assert_int_equal(l.distros[0].version, 1);
    assert_true(l.distros[0].is_default);
    /* No distros: the message and the error code are each enough. */
    assert_int_equal(list("Windows Subsystem for Linux has no installed distributions.\n"
                          "Use 'wsl.exe --list --online' to list them.\n", &l), WSL_PARSE_OK);
    assert_true(l.no_distros);
    assert_int_equal(l.n, 0);
    assert_string_equal(l.message, "Windows Subsystem for Linux has no installed distributions.");
    assert_int_equal(list("Error code: Wsl/WSL_E_DEFAULT_DISTRO_NOT_FOUND", &l), WSL_PARSE_OK);
    assert_true(l.no_distros);
}

static void test_list_garbage(void **state)
{
    struct wsl_list l;
    char *big;
    (void)state;
    assert_int_equal(list("", &l), WSL_PARSE_EMPTY);
    assert_int_equal(list("\n  \n\t\n", &l), WSL_PARSE_EMPTY);
    assert_int_equal(list("  NAME  STATE  VERSION\n", &l), WSL_PARSE_NO_TABLE);
    assert_int_equal(list("{\"not\": \"a table\"}", &l), WSL_PARSE_NO_TABLE);
    assert_int_equal(list("NAME STATE VERSION\nubuntu running 3\nx y\n", &l), WSL_PARSE_NO_TABLE);
    assert_int_equal(l.unknown_lines, 2);
    assert_int_equal(list("* * 2\n", &l), WSL_PARSE_NO_TABLE); /* no name, no state */
    /* A name longer than any distro's: the row is not taken. */
    big = malloc(8192);
    assert_non_null(big);
    memset(big, 'n', 300);
    strcpy(big + 300, " Running 2\nok Running 2\n");
    assert_int_equal(list(big, &l), WSL_PARSE_OK);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.distros[0].name, "ok");
    /* A line past the line bound, and one with too many words. */
    memset(big, 'x', 5000);
    strcpy(big + 5000, " Running 2\na b c d e f g h i j k l m n o p q r s 2\n");
    assert_int_equal(list(big, &l), WSL_PARSE_NO_TABLE);
    free(big);
}

static void test_list_many_rows(void **state)
{
    struct wsl_list l;
    size_t size = (WSL_LIST_MAX + 10) * 40 + 64, used = 0;
    char *text = malloc(size);
    (void)state;
    assert_non_null(text);
    used += (size_t)snprintf(text, size, "NAME STATE VERSION\r\n");
    for (int i = 0; i < WSL_LIST_MAX + 10; i++)
        used += (size_t)snprintf(text + used, size - used, "d%d Running 2\n", i);
    assert_int_equal(list(text, &l), WSL_PARSE_OK);
    assert_int_equal(l.n, WSL_LIST_MAX);
    assert_true(l.cut);
    assert_null(wsl_list_find(&l, "d70"));
    assert_non_null(wsl_list_find(&l, "d63"));
    free(text);
}

static void test_status(void **state)
{
    struct wsl_status s;
    const char *ok = "Default Distribution: Ubuntu-22.04\nDefault Version: 2\n\n"
                     "Windows Subsystem for Linux was last updated on 1/1/2024\n";
    (void)state;
    assert_int_equal(wsl_parse_status(ok, strlen(ok), &s), WSL_PARSE_OK);
    assert_string_equal(s.default_distro, "Ubuntu-22.04");
    assert_int_equal(s.default_version, 2);
    assert_int_equal(wsl_parse_status("", 0, &s), WSL_PARSE_EMPTY);
    assert_int_equal(wsl_parse_status("Standardverteilung: Ubuntu\n", 27, &s), WSL_PARSE_NO_TABLE);
    assert_int_equal(wsl_parse_status("Default Version: 9\n", 19, &s), WSL_PARSE_NO_TABLE);
    assert_int_equal(s.default_version, 0);
    assert_int_equal(wsl_parse_status("Default Distribution: two words\n", 32, &s),
                     WSL_PARSE_NO_TABLE);
    assert_string_equal(s.default_distro, "");
}

/* ---- conf.c ----------------------------------------------------------------- */

static void conf(const char *text, struct wsl_conf *c)
{
    wsl_parse_conf(text, strlen(text), c);
}

static void test_conf_settings(void **state)
{
    struct wsl_conf c;
    (void)state;
    conf("", &c);
    assert_false(c.systemd.set);
    assert_int_equal(wsl_conf_value(&c.systemd, 0), 0);
    assert_int_equal(wsl_conf_value(&c.append_windows_path, 1), 1);
    conf("# comment\n; another\n[boot]\r\nsystemd=TRUE\r\n\n[Interop]\n"
         "  enabled = \"false\"\nappendwindowspath = false   # no PATH\n"
         "[boot]\nsystemd = false\n", &c);
    assert_int_equal(c.n_issues, 0);
    assert_true(c.systemd.set);
    assert_int_equal(c.systemd.value, 0); /* the last assignment wins */
    assert_int_equal(c.systemd.line, 10);
    assert_int_equal(c.interop.value, 0);
    assert_int_equal(c.interop.line, 7);
    assert_int_equal(c.append_windows_path.value, 0);
    /* Keys of other sections, and unknown keys, are not these settings. */
    conf("[network]\nsystemd=true\n[boot]\ncommand = service docker start\n", &c);
    assert_false(c.systemd.set);
    assert_int_equal(c.n_issues, 0);
}

static void test_conf_hostile(void **state)
{
    struct wsl_conf c;
    char *big;
    (void)state;
    conf("[boot]\nsystemd = yes\n[interop\nno equals here\n[]\n", &c);
    assert_int_equal(c.n_issues, 4);
    assert_int_equal(c.issues[0].kind, WSL_CONF_NOT_BOOLEAN);
    assert_int_equal(c.issues[0].line, 2);
    assert_string_equal(c.issues[0].text, "systemd = yes");
    assert_int_equal(c.issues[1].kind, WSL_CONF_SYNTAX);
    assert_int_equal(c.issues[1].line, 3);
    assert_int_equal(c.issues[2].line, 4);
    assert_int_equal(c.issues[3].line, 5);
    assert_false(c.systemd.set);
    /* A NUL stops the parse: a binary file. */
    static const char binary[] = "[boot]\nsys\0temd=true\nsystemd=true\n";
    wsl_parse_conf(binary, sizeof binary - 1, &c);
    assert_int_equal(c.n_issues, 1);
    assert_int_equal(c.issues[0].kind, WSL_CONF_BINARY);
    assert_false(c.systemd.set);
    /* A huge line, and more issues than are kept. */
    big = malloc(WSL_CONF_MAX_BYTES + 1);
    assert_non_null(big);
    memset(big, 'k', WSL_CONF_MAX_BYTES);
    for (size_t i = 2000; i < 2000 + 40 * 2; i += 2)
        big[i] = '\n';
    big[WSL_CONF_MAX_BYTES] = '\0';
    wsl_parse_conf(big, WSL_CONF_MAX_BYTES, &c);
    assert_int_equal(c.n_issues, WSL_CONF_MAX_ISSUES);
    assert_true(c.more_issues > 0);
    assert_int_equal(c.issues[0].line, 1);
    assert_int_equal(strlen(c.issues[1].text), 1);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf16le_without_bom),
        cmocka_unit_test(test_utf16le_with_bom),
        cmocka_unit_test(test_utf16_non_ascii_and_pairs),
        cmocka_unit_test(test_utf16_odd_and_broken),
        cmocka_unit_test(test_utf8_variants),
        cmocka_unit_test(test_utf8_hostile),
        cmocka_unit_test(test_empty_and_huge),
        cmocka_unit_test(test_reference_capture),
        cmocka_unit_test(test_list_shapes),
        cmocka_unit_test(test_list_garbage),
        cmocka_unit_test(test_list_many_rows),
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_conf_settings),
        cmocka_unit_test(test_conf_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
