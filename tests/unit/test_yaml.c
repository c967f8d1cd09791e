/* core/yaml: the strict reader's rules, whatever schema walks it. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "yaml.h"

static void assert_starts_with(const char *s, const char *prefix)
{
    if (strncmp(s, prefix, strlen(prefix)) != 0)
        fail_msg("expected \"%s\" to start with \"%s\"", s, prefix);
}

/* Loading TEXT as "t.yaml" fails with exactly MESSAGE. */
static void load_fails(const char *text, size_t len, const char *message)
{
    struct sos_yaml y;
    sos_error err = {""};
    assert_int_equal(sos_yaml_load_buffer(&y, "t.yaml", text, len, &err), -1);
    assert_null(sos_yaml_root(&y));
    assert_string_equal(err.msg, message);
    sos_yaml_free(&y);
}

static void load_ok(struct sos_yaml *y, sos_error *err, const char *text)
{
    if (sos_yaml_load_buffer(y, "t.yaml", text, strlen(text), err) != 0)
        fail_msg("unexpected error: %s", err->msg);
}

static int count_pair(struct sos_yaml *y, yaml_node_t *key, yaml_node_t *value,
                      void *ctx)
{
    (void)y;
    (void)key;
    (void)value;
    (*(int *)ctx)++;
    return 0;
}

static void test_duplicate_key_names_both_places(void **state)
{
    struct sos_yaml y;
    sos_error err = {""};
    int pairs = 0;
    (void)state;
    load_ok(&y, &err, "a: 1\nb: 2\n  # comment\na: 3\n");
    assert_int_equal(sos_yaml_for_each_pair(&y, sos_yaml_root(&y), "at the top level",
                                            count_pair, &pairs),
                     -1);
    assert_int_equal(pairs, 2); /* a and b were walked, the second a was not */
    assert_string_equal(err.msg, "t.yaml:4:1: duplicate key 'a' at the top level "
                                 "(first at line 1, column 1)");
    sos_yaml_free(&y);
}

static void test_non_scalar_key(void **state)
{
    struct sos_yaml y;
    sos_error err = {""};
    int pairs = 0;
    (void)state;
    load_ok(&y, &err, "? [a]\n: 1\n");
    assert_int_equal(sos_yaml_for_each_pair(&y, sos_yaml_root(&y), "in 'params'",
                                            count_pair, &pairs),
                     -1);
    assert_string_equal(err.msg, "t.yaml:1:3: keys in 'params' must be strings, not a list");
    sos_yaml_free(&y);
}

static void test_tab_indentation(void **state)
{
    const char text[] = "a:\n\tb: 1\n";
    (void)state;
    load_fails(text, sizeof text - 1,
               "t.yaml:2:1: YAML syntax error: found character that cannot start "
               "any token (while scanning for the next token)");
}

static void test_aliases_and_anchors(void **state)
{
    const char anchor[] = "a: &x [1, 2]\nb: *x\n";
    const char alias[] = "b: *x\n";
    (void)state;
    load_fails(anchor, sizeof anchor - 1,
               "t.yaml:1:4: YAML anchors and aliases are not allowed (anchor &x)");
    load_fails(alias, sizeof alias - 1,
               "t.yaml:1:4: YAML anchors and aliases are not allowed (alias *x)");
}

static void test_tags_documents_depth(void **state)
{
    const char tag[] = "a: !!str 1\n";
    const char two[] = "a: 1\n---\nb: 2\n";
    char deep[200];
    (void)state;
    load_fails(tag, sizeof tag - 1,
               "t.yaml:1:4: YAML tags are not allowed (tag:yaml.org,2002:str); "
               "write plain values");
    load_fails(two, sizeof two - 1,
               "t.yaml:2:1: only one YAML document per file is allowed");
    memset(deep, '[', 40);
    memset(deep + 40, ']', 40);
    load_fails(deep, 80, "t.yaml:1:33: nesting deeper than 32 levels");
}

static void test_bad_utf8_and_nul(void **state)
{
    const char bad[] = "a: ok\nb: \xff\n";
    const char nul[] = "a: 1\n\0b: 2\n";
    (void)state;
    load_fails(bad, sizeof bad - 1,
               "t.yaml:2:4: YAML syntax error: invalid leading UTF-8 octet");
    load_fails(nul, sizeof nul - 1,
               "t.yaml: binary file (contains a NUL byte at offset 5)");
}

/* A value of key KEY in the root mapping of Y. */
static yaml_node_t *value_of(const struct sos_yaml *y, const char *key)
{
    yaml_node_t *root = sos_yaml_root(y);
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
         p < root->data.mapping.pairs.top; p++)
        if (sos_yaml_scalar_is(sos_yaml_node(y, p->key), key))
            return sos_yaml_node(y, p->value);
    fail_msg("no key %s", key);
    return NULL;
}

static void test_yaml11_scalars_are_not_strings(void **state)
{
    static const struct {
        const char *key, *kind, *message;
    } cases[] = {
        {"yes", "a boolean", "t.yaml:1:6: 'yes' must be a string, not a boolean 'yes' (quote it)"},
        {"on", "a boolean", "t.yaml:2:5: 'on' must be a string, not a boolean 'on' (quote it)"},
        {"mode", "a number", "t.yaml:3:7: 'mode' must be a string, not a number '0755' (quote it)"},
        {"none", "null", "t.yaml:4:7: 'none' must be a string, not null '~' (quote it)"},
        {"list", "a list", "t.yaml:5:7: 'list' must be a string, not a list"},
    };
    struct sos_yaml y;
    sos_error err = {""};
    char *s;
    (void)state;
    load_ok(&y, &err, "yes: yes\non: on\nmode: 0755\nnone: ~\nlist: [a]\n"
                      "quoted: \"yes\"\nplain: hello\n");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char what[16];
        yaml_node_t *n = value_of(&y, cases[i].key);
        snprintf(what, sizeof what, "'%s'", cases[i].key);
        assert_string_equal(sos_yaml_kind(n), cases[i].kind);
        assert_null(sos_yaml_string(&y, n, what));
        assert_string_equal(err.msg, cases[i].message);
    }
    assert_true(sos_yaml_is_null(value_of(&y, "none")));
    s = sos_yaml_string(&y, value_of(&y, "quoted"), "'quoted'");
    assert_string_equal(s, "yes");
    free(s);
    s = sos_yaml_string(&y, value_of(&y, "plain"), "'plain'");
    assert_string_equal(s, "hello");
    free(s);
    /* sos_yaml_text takes any scalar as written. */
    s = sos_yaml_text(&y, value_of(&y, "mode"), "'mode'");
    assert_string_equal(s, "0755");
    free(s);
    sos_yaml_free(&y);
}

static void test_scalar_is_a_one_item_list(void **state)
{
    struct sos_yaml y;
    sos_error err = {""};
    yaml_node_item_t *items, single;
    (void)state;
    load_ok(&y, &err, "one: a\nmany: [b, c]\n");
    assert_int_equal(sos_yaml_items(&y, value_of(&y, "one"), &items, &single), 1);
    assert_true(sos_yaml_scalar_is(sos_yaml_node(&y, items[0]), "a"));
    assert_int_equal(sos_yaml_items(&y, value_of(&y, "many"), &items, &single), 2);
    assert_true(sos_yaml_scalar_is(sos_yaml_node(&y, items[1]), "c"));
    assert_int_equal(sos_yaml_line(sos_yaml_node(&y, items[1])), 2);
    assert_int_equal(sos_yaml_column(sos_yaml_node(&y, items[1])), 11);
    sos_yaml_free(&y);
}

static void test_empty_document_has_no_root(void **state)
{
    struct sos_yaml y;
    sos_error err = {""};
    (void)state;
    load_ok(&y, &err, "# only a comment\n");
    assert_null(sos_yaml_root(&y));
    sos_yaml_free(&y);
}

static void test_too_large_file(void **state)
{
    char dir[] = "/tmp/test_yaml.XXXXXX";
    char path[64];
    struct sos_yaml y;
    sos_error err = {""};
    char expected[128];
    size_t size = SOS_YAML_MAX_FILE + 1;
    char *data = malloc(size);
    int fd;
    (void)state;
    assert_non_null(data);
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/big.yaml", dir);
    memset(data, '#', size);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, size), (ssize_t)size);
    close(fd);
    assert_int_equal(sos_yaml_load_file(&y, path, &err), -1);
    snprintf(expected, sizeof expected, "%s: file too large (%zu bytes; at most %d bytes)",
             path, size, SOS_YAML_MAX_FILE);
    assert_string_equal(err.msg, expected);
    sos_yaml_free(&y);
    /* At the limit it loads (a file of only a comment). */
    assert_int_equal(truncate(path, SOS_YAML_MAX_FILE), 0);
    if (sos_yaml_load_file(&y, path, &err) != 0)
        fail_msg("unexpected error: %s", err.msg);
    assert_null(sos_yaml_root(&y));
    sos_yaml_free(&y);
    unlink(path);
    rmdir(dir);
    free(data);
}

static void test_shown_is_bounded_and_clean(void **state)
{
    char buf[SOS_YAML_SHOWN_MAX + 4];
    char long_text[100];
    (void)state;
    sos_yaml_shown(buf, sizeof buf, "a\x1b[31mb", 7);
    assert_string_equal(buf, "a?[31mb");
    memset(long_text, 'x', sizeof long_text);
    sos_yaml_shown(buf, sizeof buf, long_text, sizeof long_text);
    assert_int_equal(strlen(buf), SOS_YAML_SHOWN_MAX + 3);
    assert_starts_with(buf + SOS_YAML_SHOWN_MAX, "...");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duplicate_key_names_both_places),
        cmocka_unit_test(test_non_scalar_key),
        cmocka_unit_test(test_tab_indentation),
        cmocka_unit_test(test_aliases_and_anchors),
        cmocka_unit_test(test_tags_documents_depth),
        cmocka_unit_test(test_bad_utf8_and_nul),
        cmocka_unit_test(test_yaml11_scalars_are_not_strings),
        cmocka_unit_test(test_scalar_is_a_one_item_list),
        cmocka_unit_test(test_empty_document_has_no_root),
        cmocka_unit_test(test_too_large_file),
        cmocka_unit_test(test_shown_is_bounded_and_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
