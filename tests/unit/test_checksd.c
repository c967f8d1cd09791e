#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "checksd.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                              */

static void fixture_dir(char *buf, size_t size, const char *rel)
{
    const char *base = getenv("SOS_TEST_FIXTURES");
    if (!base || !*base)
        base = "tests/fixtures";
    snprintf(buf, size, "%s/checksd/%s", base, rel);
}

static void assert_contains(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle))
        fail_msg("expected \"%s\" in \"%s\"", needle, haystack);
}

static void assert_starts_with(const char *s, const char *prefix)
{
    if (strncmp(s, prefix, strlen(prefix)) != 0)
        fail_msg("expected \"%s\" to start with \"%s\"", s, prefix);
}

/* Loads YAML text named "t.yaml" and expects success. */
static void load_ok(const char *yaml, struct sos_checks *out)
{
    sos_error err = {""};
    int rc = sos_checksd_load_buffer("t.yaml", yaml, strlen(yaml), out, &err);
    if (rc != 0)
        fail_msg("unexpected error: %s", err.msg);
}

/* Loads YAML text named "t.yaml", expects failure at LOCATION ("L:C") with
 * every one of the NULL-terminated WORDS in the message. */
static void load_fails(const char *yaml, const char *location, ...)
{
    struct sos_checks out = {NULL, 0};
    sos_error err = {""};
    char prefix[64];
    const char *word;
    va_list ap;

    assert_int_equal(sos_checksd_load_buffer("t.yaml", yaml, strlen(yaml), &out, &err),
                     -1);
    assert_int_equal(out.n, 0);
    assert_null(out.v);
    snprintf(prefix, sizeof prefix, "t.yaml:%s: ", location);
    assert_starts_with(err.msg, prefix);
    va_start(ap, location);
    while ((word = va_arg(ap, const char *)) != NULL)
        assert_contains(err.msg, word);
    va_end(ap);
}

/* A scratch directory per test, removed by the test's teardown. */
struct scratch {
    char dir[64];
};

static int scratch_setup(void **state)
{
    struct scratch *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    snprintf(s->dir, sizeof s->dir, "/tmp/test_checksd.XXXXXX");
    if (!mkdtemp(s->dir)) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int scratch_teardown(void **state)
{
    struct scratch *s = *state;
    int rc = nftw(s->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(s);
    return rc;
}

static void scratch_path(const struct scratch *s, const char *name, char *buf,
                         size_t size)
{
    snprintf(buf, size, "%s/%s", s->dir, name);
}

static void write_file(const struct scratch *s, const char *name, const char *data,
                       size_t len)
{
    char path[256];
    FILE *f;

    scratch_path(s, name, path, sizeof path);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static const char minimal_check[] = "checks:\n"
                                    "  - id: a.b\n"
                                    "    plugin: p\n"
                                    "    check: c\n";

/* ------------------------------------------------------------------ */
/* Parsing valid files                                                  */

static void test_full_file_every_field(void **state)
{
    struct sos_checks c = {NULL, 0};
    sos_error err = {""};
    char dir[512], file[600];
    const struct sos_check_decl *d;
    const struct sos_param *p;
    (void)state;

    fixture_dir(dir, sizeof dir, "full");
    snprintf(file, sizeof file, "%s/10-full.yaml", dir);
    assert_int_equal(sos_checksd_load_dir(dir, &c, &err), 0);
    assert_int_equal(c.n, 3);

    d = &c.v[1];
    assert_string_equal(d->id, "podman.binary");
    assert_string_equal(d->plugin, "podman-machine");
    assert_string_equal(d->check, "binary");
    assert_string_equal(d->summary, "podman is installed");
    assert_string_equal(d->origin.file, file);
    assert_int_equal(d->origin.line, 6);
    assert_int_equal(d->origin.column, 5);

    assert_int_equal(d->n_needs, 1);
    assert_string_equal(d->needs[0], "host.facts");
    assert_string_equal(d->needs_origin[0].file, file);
    assert_int_equal(d->needs_origin[0].line, 10);
    assert_int_equal(d->needs_origin[0].column, 13);
    assert_int_equal(d->n_after, 1);
    assert_string_equal(d->after[0], "host.facts2");
    assert_int_equal(d->after_origin[0].line, 12);
    assert_int_equal(d->after_origin[0].column, 9);

    assert_int_equal(d->n_params, 5);
    p = sos_decl_param(d, "path");
    assert_non_null(p);
    assert_false(p->is_list);
    assert_int_equal(p->n_values, 1);
    assert_string_equal(p->values[0], "/usr/bin/podman");
    p = sos_decl_param(d, "min_version");
    assert_non_null(p);
    assert_string_equal(p->values[0], "4.4");
    p = sos_decl_param(d, "names");
    assert_non_null(p);
    assert_true(p->is_list);
    assert_int_equal(p->n_values, 2);
    assert_string_equal(p->values[0], "a");
    assert_string_equal(p->values[1], "b c");
    p = sos_decl_param(d, "empty_list");
    assert_non_null(p);
    assert_true(p->is_list);
    assert_int_equal(p->n_values, 0);
    p = sos_decl_param(d, "agent.home");
    assert_non_null(p);
    assert_string_equal(p->values[0], "${agent.home}");
    assert_null(sos_decl_param(d, "missing"));
    assert_string_equal(d->params[0].key, "path"); /* file order kept */
    assert_string_equal(d->params[4].key, "agent.home");

    assert_int_equal(d->severity, SOS_DECL_WARNING);
    assert_true(d->timeout > 0.49 && d->timeout < 0.51);
    assert_int_equal(d->when_os, SOS_OS_MACOS | SOS_OS_LINUX);
    assert_int_equal(d->scope, SOS_SCOPE_AGENT);

    assert_string_equal(c.v[2].check, "facts-two");
    sos_checks_free(&c);
    assert_null(c.v);
    assert_int_equal(c.n, 0);
}

static void test_defaults(void **state)
{
    struct sos_checks c = {NULL, 0};
    const struct sos_check_decl *d;
    (void)state;

    load_ok(minimal_check, &c);
    assert_int_equal(c.n, 1);
    d = &c.v[0];
    assert_string_equal(d->id, "a.b");
    assert_null(d->summary);
    assert_int_equal(d->n_needs, 0);
    assert_null(d->needs);
    assert_int_equal(d->n_after, 0);
    assert_int_equal(d->n_params, 0);
    assert_int_equal(d->severity, SOS_DECL_CRITICAL);
    assert_true(d->timeout == 0.0);
    assert_int_equal(d->when_os, 0);
    assert_int_equal(d->scope, SOS_SCOPE_RUNTIME);
    assert_string_equal(d->origin.file, "t.yaml");
    assert_int_equal(d->origin.line, 2);
    assert_int_equal(d->origin.column, 5);
    sos_checks_free(&c);
}

static void test_single_strings(void **state)
{
    struct sos_checks c = {NULL, 0};
    const struct sos_check_decl *d;
    (void)state;

    load_ok("checks:\n"
            "- {id: x.one, plugin: p, check: c}\n"
            "- id: x.two\n"
            "  plugin: p\n"
            "  check: c\n"
            "  needs: x.one\n"
            "  after: 'x.one-b'\n"
            "  when:\n"
            "    os: wsl\n"
            "  timeout: 3600\n"
            "  params: {one: single}\n"
            "- {id: x.one-b, plugin: p, check: c, severity: critical, scope: runtime}\n",
            &c);
    assert_int_equal(c.n, 3);
    d = &c.v[1];
    assert_int_equal(d->n_needs, 1);
    assert_string_equal(d->needs[0], "x.one");
    assert_int_equal(d->needs_origin[0].line, 6);
    assert_int_equal(d->needs_origin[0].column, 10);
    assert_int_equal(d->n_after, 1);
    assert_string_equal(d->after[0], "x.one-b");
    assert_int_equal(d->when_os, SOS_OS_WSL);
    assert_true(d->timeout == 3600.0);
    assert_false(d->params[0].is_list);
    assert_string_equal(d->params[0].values[0], "single");
    assert_int_equal(c.v[2].severity, SOS_DECL_CRITICAL);
    assert_int_equal(c.v[0].origin.line, 2);
    assert_int_equal(c.v[0].origin.column, 3);
    sos_checks_free(&c);
}

static void test_empty_inputs(void **state)
{
    struct sos_checks c = {NULL, 0};
    sos_error err = {""};
    char dir[512];
    (void)state;

    load_ok("", &c);
    load_ok("# nothing here\n\n# at all\n", &c);
    load_ok("checks: []\n", &c);
    load_ok("---\nchecks: []\n...\n", &c);
    assert_int_equal(c.n, 0);
    fixture_dir(dir, sizeof dir, "empty");
    assert_int_equal(sos_checksd_load_dir(dir, &c, &err), 0);
    assert_int_equal(c.n, 0);
    sos_checks_free(&c);
}

static void test_merge_order(void **state)
{
    struct sos_checks c = {NULL, 0};
    sos_error err = {""};
    char dir[512], file[600];
    (void)state;

    fixture_dir(dir, sizeof dir, "merge");
    assert_int_equal(sos_checksd_load_dir(dir, &c, &err), 0);
    /* strcmp order: "10-b.yaml" < "20-comments.yaml" < "9-a.yml"; the hidden
     * file and notes.txt (both invalid YAML) are not read at all. */
    assert_int_equal(c.n, 3);
    assert_string_equal(c.v[0].id, "merge.ten");
    assert_string_equal(c.v[1].id, "merge.nine");
    assert_string_equal(c.v[2].id, "merge.nine-two");
    snprintf(file, sizeof file, "%s/9-a.yml", dir);
    assert_string_equal(c.v[2].origin.file, file);
    assert_int_equal(c.v[2].origin.line, 5);
    sos_checks_free(&c);
}

static void test_append_to_existing(void **state)
{
    struct sos_checks c = {NULL, 0};
    sos_error err = {""};
    const char more[] = "checks: [{id: z.z, plugin: p, check: c}]\n";
    (void)state;

    load_ok(minimal_check, &c);
    assert_int_equal(sos_checksd_load_buffer("u.yaml", more, strlen(more), &c, &err), 0);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.v[0].id, "a.b");
    assert_string_equal(c.v[1].id, "z.z");
    assert_string_equal(c.v[1].origin.file, "u.yaml");
    sos_checks_free(&c);
}

/* On error the caller's list keeps exactly what it had. */
static void test_error_leaves_out_unchanged(void **state)
{
    struct sos_checks c = {NULL, 0};
    sos_error err = {""};
    const char bad[] = "checks:\n"
                       "  - {id: ok.one, plugin: p, check: c}\n"
                       "  - {id: ok.two, plugin: p, check: c, timeout: soon}\n";
    char dir[512];
    (void)state;

    load_ok(minimal_check, &c);
    assert_int_equal(sos_checksd_load_buffer("b.yaml", bad, strlen(bad), &c, &err), -1);
    assert_starts_with(err.msg, "b.yaml:3:48: ");
    assert_int_equal(c.n, 1);
    assert_string_equal(c.v[0].id, "a.b");
    fixture_dir(dir, sizeof dir, "dup-ids");
    assert_int_equal(sos_checksd_load_dir(dir, &c, &err), -1);
    assert_int_equal(c.n, 1);
    sos_checks_free(&c);
}

/* ------------------------------------------------------------------ */
/* Errors in one file                                                   */

static void test_unknown_key_fixture(void **state)
{
    struct sos_checks c = {NULL, 0};
    sos_error err = {""};
    char dir[512], expected[1024];
    (void)state;

    fixture_dir(dir, sizeof dir, "bad-unknown-key");
    assert_int_equal(sos_checksd_load_dir(dir, &c, &err), -1);
    snprintf(expected, sizeof expected,
             "%s/10-podman.yaml:4:5: unknown key 'neds' in check 'podman.binary' "
             "(expected one of: id, plugin, check, summary, needs, after, params, "
             "severity, timeout, when, scope, preflight)",
             dir);
    assert_string_equal(err.msg, expected);
    assert_int_equal(c.n, 0);
}

static void test_unknown_key_before_id(void **state)
{
    (void)state;
    load_fails("checks:\n  - bogus: 1\n    id: a.b\n", "2:5", "unknown key 'bogus'",
               "in check 'a.b'", NULL);
    load_fails("checks:\n  - {plugin: p, check: c, ids: x}\n", "2:27",
               "unknown key 'ids' in check (expected", NULL);
}

static void test_timeout_errors(void **state)
{
    (void)state;
    load_fails("checks:\n- id: a.b\n  timeout: soon\n", "3:12",
               "'timeout' must be a number of seconds between 0 and 3600, not 'soon'", NULL);
    load_fails("checks:\n- id: a.b\n  timeout: 0\n", "3:12", "not '0'", NULL);
    load_fails("checks:\n- id: a.b\n  timeout: 3600.5\n", "3:12", "not '3600.5'", NULL);
    load_fails("checks:\n- id: a.b\n  timeout: -1\n", "3:12", "not '-1'", NULL);
    load_fails("checks:\n- id: a.b\n  timeout: \"10\"\n", "3:12", "not '10'", "quoted",
               NULL);
    load_fails("checks:\n- id: a.b\n  timeout: [1]\n", "3:12", "not 'a list'", NULL);
    load_fails("checks:\n- id: a.b\n  timeout: .inf\n", "3:12", "'timeout'", NULL);
    load_fails("checks:\n- id: a.b\n  timeout: 1e3\n", "3:12", "'timeout'", NULL);
}

static void test_missing_required(void **state)
{
    (void)state;
    load_fails("checks:\n  - id: podman.binary\n    check: binary\n", "2:5",
               "check 'podman.binary' is missing required key 'plugin'", NULL);
    load_fails("checks:\n  - plugin: p\n    check: c\n", "2:5",
               "check is missing required key 'id'", NULL);
    load_fails("checks:\n  - {id: a.b, plugin: p}\n", "2:5",
               "missing required key 'check'", NULL);
}

static void test_syntax_error(void **state)
{
    struct sos_checks c = {NULL, 0};
    sos_error err = {""};
    char dir[512], prefix[600];
    (void)state;

    fixture_dir(dir, sizeof dir, "bad-syntax");
    assert_int_equal(sos_checksd_load_dir(dir, &c, &err), -1);
    snprintf(prefix, sizeof prefix, "%s/10-syntax.yaml:4:10: YAML syntax error: ", dir);
    assert_starts_with(err.msg, prefix);
    assert_contains(err.msg, "(while parsing a flow sequence)");

    load_fails("checks:\n  - id: a.b\n   plugin: p\n", "3:4", "YAML syntax error: ", NULL);
    /* invalid UTF-8 is a reader error, located by its byte offset */
    load_fails("checks:\n  - id: \"a\xff\"\n", "2:11", "YAML syntax error: ", NULL);
}

static void test_duplicate_key(void **state)
{
    (void)state;
    load_fails("checks:\n  - id: a.b\n    plugin: p\n    id: a.c\n", "4:5",
               "duplicate key 'id'", "line 2, column 5", NULL);
    load_fails("checks:\n- id: a.b\n  params: {k: 1, j: 2, k: 3}\n", "3:24",
               "duplicate key 'k' in 'params'", "first at line 3, column 12", NULL);
    load_fails("checks: []\nchecks: []\n", "2:1", "duplicate key 'checks'", NULL);
}

static void test_alias_refused(void **state)
{
    struct sos_checks c = {NULL, 0};
    sos_error err = {""};
    char dir[512], prefix[600];
    (void)state;

    fixture_dir(dir, sizeof dir, "bad-alias");
    assert_int_equal(sos_checksd_load_dir(dir, &c, &err), -1);
    snprintf(prefix, sizeof prefix, "%s/10-laughs.yaml:1:4: ", dir);
    assert_starts_with(err.msg, prefix);
    assert_contains(err.msg, "anchors and aliases are not allowed");

    load_fails("checks:\n- &x {id: a.b, plugin: p, check: c}\n", "2:3",
               "anchors and aliases are not allowed (anchor &x)", NULL);
    /* An alias to an undefined anchor still reaches the parser as an alias. */
    load_fails("checks:\n- id: a.b\n  summary: *nothing\n", "3:12",
               "anchors and aliases are not allowed (alias *nothing)", NULL);
}

static void test_tags_and_documents_refused(void **state)
{
    (void)state;
    load_fails("checks:\n- id: !!str a.b\n", "2:7", "tags are not allowed", "tag:yaml.org,2002:str",
               NULL);
    load_fails("--- !custom\nchecks: []\n", "1:5", "tags are not allowed", NULL);
    load_fails("checks: []\n---\nchecks: []\n", "2:1", "only one YAML document", NULL);
}

/* libyaml's scanner is quadratic in nesting depth: the loader must stop
 * early instead of spending minutes on 1 MiB of brackets. */
static void test_deep_nesting_refused(void **state)
{
    const size_t depth = 300000;
    char *yaml = malloc(2 * depth + 16);
    clock_t start;
    (void)state;

    assert_non_null(yaml);
    strcpy(yaml, "checks: ");
    memset(yaml + 8, '[', depth);
    memset(yaml + 8 + depth, ']', depth);
    strcpy(yaml + 8 + 2 * depth, "\n");
    start = clock();
    load_fails(yaml, "1:40", "nesting deeper than 32 levels", NULL);
    assert_true((double)(clock() - start) / CLOCKS_PER_SEC < 1.0);
    free(yaml);
    /* the deepest real check (checks > check > params > list) is fine */
    {
        struct sos_checks c = {NULL, 0};
        load_ok("checks:\n- id: a.b\n  plugin: p\n  check: c\n  params: {l: [x]}\n", &c);
        sos_checks_free(&c);
    }
}

static void test_wrong_types(void **state)
{
    (void)state;
    load_fails("- checks\n", "1:1", "top level must be a mapping", "not a list", NULL);
    load_fails("just text\n", "1:1", "top level must be a mapping", NULL);
    load_fails("check: []\n", "1:1", "unknown top-level key 'check' (expected: checks)",
               NULL);
    load_fails("{}\n", "1:1", "missing required top-level key 'checks'", NULL);
    load_fails("checks:\n", "1:8", "'checks' must be a list of checks, not null", NULL);
    load_fails("checks: {id: a.b}\n", "1:9", "'checks' must be a list", "a mapping", NULL);
    load_fails("checks:\n  - a.b\n", "2:5", "must be a mapping (one check), not a string",
               NULL);
    load_fails("checks:\n- id: a.b\n  plugin: {name: p}\n", "3:11",
               "'plugin' must be a string, not a mapping", NULL);
    load_fails("checks:\n- id: a.b\n  summary: [x]\n", "3:12",
               "'summary' must be a string, not a list", NULL);
    load_fails("checks:\n- id: a.b\n  summary: yes\n", "3:12",
               "'summary' must be a string, not a boolean 'yes' (quote it)", NULL);
    load_fails("checks:\n- id: a.b\n  summary:\n", "3:11", "'summary' must be a string, not null",
               NULL);
    load_fails("checks:\n- id: a.b\n  needs: {a: b}\n", "3:10", "'needs' must be a list",
               NULL);
    load_fails("checks:\n- id: a.b\n  needs: [[c.d]]\n", "3:11",
               "entries of 'needs' must be check ids, not a list", NULL);
    load_fails("checks:\n- id: a.b\n  params: [a, b]\n", "3:11",
               "'params' must be a mapping", NULL);
    load_fails("checks:\n- id: a.b\n  when: linux\n", "3:9", "'when' must be a mapping", NULL);
    load_fails("checks:\n- {[id]: a.b}\n", "2:4", "keys in check must be strings, not a list",
               NULL);
    load_fails("checks:\n- id: \"a.\\0b\"\n", "2:7", "contains a NUL character", NULL);
}

static void test_nested_params_refused(void **state)
{
    (void)state;
    load_fails("checks:\n- id: a.b\n  params:\n    m: {x: 1}\n", "4:8",
               "param 'm' must be a string, a number or a list of them, not a mapping", NULL);
    load_fails("checks:\n- id: a.b\n  params:\n    l: [a, [b]]\n", "4:12",
               "param 'l': list entries must be strings or numbers, not a list", NULL);
    load_fails("checks:\n- id: a.b\n  params:\n    l: [a, {b: c}]\n", "4:12",
               "not a mapping", NULL);
    load_fails("checks:\n- id: a.b\n  params:\n    Bad: x\n", "4:5",
               "param key 'Bad' is not valid", "^[a-z0-9_][a-z0-9_.-]*$", NULL);
    load_fails("checks:\n- id: a.b\n  params:\n    empty:\n", "4:11", "param 'empty'",
               "empty value", NULL);
}

static void test_patterns_and_enums(void **state)
{
    char yaml[512], id[200];
    struct sos_checks c = {NULL, 0};
    (void)state;

    load_fails("checks:\n- id: podman\n", "2:7", "'id' 'podman' is not valid", NULL);
    load_fails("checks:\n- id: Podman.binary\n", "2:7", "is not valid", NULL);
    load_fails("checks:\n- id: a..b\n", "2:7", "is not valid", NULL);
    load_fails("checks:\n- id: 1.5\n", "2:7", "must be a string, not a number '1.5'", NULL);
    load_fails("checks:\n- {id: a.b, plugin: Podman, check: c}\n", "2:21",
               "'plugin' 'Podman' is not valid", "^[a-z0-9][a-z0-9-]*$", NULL);
    load_fails("checks:\n- {id: a.b, plugin: p, check: under_score}\n", "2:31",
               "'check' 'under_score' is not valid", NULL);
    load_fails("checks:\n- id: a.b\n  severity: fatal\n", "3:13",
               "'severity' must be 'critical' or 'warning', not 'fatal'", NULL);
    load_fails("checks:\n- id: a.b\n  scope: host\n", "3:10",
               "'scope' must be 'runtime', 'agent' or 'machine', not 'host'", NULL);
    load_fails("checks:\n- id: a.b\n  when: {os: [linux, beos]}\n", "3:22",
               "unknown os 'beos' (expected one of: macos, linux, windows, wsl)", NULL);
    load_fails("checks:\n- id: a.b\n  when: {os: [linux, linux]}\n", "3:22",
               "'os' lists 'linux' twice", NULL);
    load_fails("checks:\n- id: a.b\n  when: {os: []}\n", "3:14", "at least one", NULL);
    load_fails("checks:\n- id: a.b\n  when: {arch: x86}\n", "3:10",
               "unknown key 'arch' in 'when' (expected: os, runtime)", NULL);
    load_fails("checks:\n- id: a.b\n  needs: [c.d, e, c.d]\n", "3:16",
               "an entry of 'needs' 'e' is not valid", NULL);
    load_fails("checks:\n- id: a.b\n  after: [c.d, c.d]\n", "3:16",
               "'after' lists 'c.d' twice (first at line 3, column 11)", NULL);

    /* ids: underscores allowed; at most 128 characters */
    load_ok("checks: [{id: my_site.check_1, plugin: p, check: c}]\n", &c);
    memset(id, 'a', sizeof id);
    id[0] = 'x';
    id[1] = '.';
    id[128] = '\0';
    snprintf(yaml, sizeof yaml, "checks: [{id: %s, plugin: p, check: c}]\n", id);
    load_ok(yaml, &c);
    assert_int_equal(c.n, 2);
    id[128] = 'a';
    id[129] = '\0';
    snprintf(yaml, sizeof yaml, "checks: [{id: %s, plugin: p, check: c}]\n", id);
    load_fails(yaml, "1:15", "is not valid", "at most 128", NULL);
    sos_checks_free(&c);
}

/* `preflight: {step, what}` and `when: runtime:`, agent scope only. */
static void test_preflight_and_runtime(void **state)
{
    struct sos_checks c = {NULL, 0}, copy = {NULL, 0};
    char buf[64];
    (void)state;
    load_ok("checks:\n- id: preflight.image\n  plugin: p\n  check: c\n  scope: agent\n"
            "  when: {runtime: [podman, nix-app]}\n"
            "  preflight: {step: 9, what: local image}\n", &c);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.v[0].preflight_step, 9);
    assert_string_equal(c.v[0].preflight_what, "local image");
    assert_int_equal(c.v[0].when_runtime, SOS_RUNTIME_BIT_PODMAN | SOS_RUNTIME_BIT_NIX_APP);
    assert_string_equal(sos_runtime_list(c.v[0].when_runtime, buf, sizeof buf),
                        "podman, nix-app");
    assert_null(c.v[0].inapplicable);
    /* an agent's copy keeps both */
    copy.v = calloc(1, sizeof *copy.v);
    assert_non_null(copy.v);
    assert_int_equal(sos_decl_copy(&c.v[0], &copy.v[0]), 0);
    copy.n = 1;
    assert_int_equal(copy.v[0].preflight_step, 9);
    assert_string_equal(copy.v[0].preflight_what, "local image");
    assert_int_equal(copy.v[0].when_runtime, c.v[0].when_runtime);
    sos_checks_free(&copy);
    sos_checks_free(&c);

    load_fails("checks:\n- id: a.b\n  plugin: p\n  check: c\n"
               "  preflight: {step: 1, what: platform}\n", "2:3",
               "check 'a.b' has 'preflight', which only a check of scope agent can have",
               NULL);
    load_fails("checks:\n- id: a.b\n  plugin: p\n  check: c\n  when: {runtime: [podman]}\n",
               "2:3", "has 'when: runtime'", NULL);
    load_fails("checks:\n- id: a.b\n  scope: agent\n  preflight: {step: 0, what: x}\n",
               "4:21", "'step' must be a whole number from 1 to 99", NULL);
    load_fails("checks:\n- id: a.b\n  scope: agent\n  preflight: {step: 100, what: x}\n",
               "4:21", "from 1 to 99", NULL);
    load_fails("checks:\n- id: a.b\n  scope: agent\n  preflight: {step: \"3\", what: x}\n",
               "4:21", "whole number", NULL);
    load_fails("checks:\n- id: a.b\n  scope: agent\n  preflight: {step: 3}\n", "4:14",
               "'preflight' needs both 'step' and 'what'", NULL);
    load_fails("checks:\n- id: a.b\n  scope: agent\n  preflight: {step: 3, what: \"a: b\"}\n",
               "4:30", "without ':'", NULL);
    load_fails("checks:\n- id: a.b\n  scope: agent\n  preflight: {step: 3, order: 1}\n",
               "4:24", "unknown key 'order' in 'preflight' (expected: step, what)", NULL);
    load_fails("checks:\n- id: a.b\n  scope: agent\n  preflight: [3]\n", "4:14",
               "'preflight' must be a mapping", NULL);
    load_fails("checks:\n- id: a.b\n  scope: agent\n  when: {runtime: [docker]}\n", "4:20",
               "unknown runtime 'docker' (expected one of: podman, native, nix-app, systemd)",
               NULL);
}

/* A hostile value must not reach the user's terminal as escape sequences. */
static void test_messages_are_sanitized(void **state)
{
    struct sos_checks c = {NULL, 0};
    sos_error err = {""};
    const char yaml[] = "checks:\n- id: a.b\n  scope: \"\\e[31mred\"\n";
    (void)state;

    assert_int_equal(sos_checksd_load_buffer("t.yaml", yaml, strlen(yaml), &c, &err), -1);
    assert_null(strchr(err.msg, '\033'));
    assert_contains(err.msg, "'?[31mred'");
}

static void test_duplicate_ids_across_files(void **state)
{
    struct sos_checks c = {NULL, 0};
    sos_error err = {""};
    char dir[512], expected[1500];
    (void)state;

    fixture_dir(dir, sizeof dir, "dup-ids");
    assert_int_equal(sos_checksd_load_dir(dir, &c, &err), -1);
    snprintf(expected, sizeof expected,
             "%s/20-b.yaml:6:5: duplicate id 'dup.one' (first declared at %s/10-a.yaml:2:5)",
             dir, dir);
    assert_string_equal(err.msg, expected);
    assert_int_equal(c.n, 0);

    load_fails("checks:\n- {id: a.b, plugin: p, check: c}\n- {id: a.b, plugin: p, check: d}\n",
               "3:3", "duplicate id 'a.b' (first declared at t.yaml:2:3)", NULL);
}

/* ------------------------------------------------------------------ */
/* Files and directories                                                */

static void test_missing_dir(void **state)
{
    struct sos_checks c = {NULL, 0};
    sos_error err = {""};
    (void)state;

    assert_int_equal(sos_checksd_load_dir("/nonexistent/checks.d", &c, &err), -1);
    assert_contains(err.msg, "'/nonexistent/checks.d'");
    assert_contains(err.msg, "No such file or directory");
}

/* Many files, each adding to checks the earlier ones left: the array grows
 * from what is there (this wrote past its end once the total passed 8). */
static void test_many_files_many_checks(void **state)
{
    struct scratch *s = *state;
    struct sos_checks c = {NULL, 0};
    sos_error err = {""};
    char name[64], text[4096];
    int total = 0;

    for (int file = 0; file < 4; file++) {
        size_t used = (size_t)snprintf(text, sizeof text, "checks:\n");
        for (int k = 0; k < 1 + file * 3; k++, total++)
            used += (size_t)snprintf(text + used, sizeof text - used,
                                     "  - {id: f%d.c%d, plugin: p, check: c}\n", file, k);
        snprintf(name, sizeof name, "%02d-f.yaml", file);
        write_file(s, name, text, used);
    }
    assert_int_equal(sos_checksd_load_dir(s->dir, &c, &err), 0);
    assert_int_equal(c.n, (size_t)total);
    assert_string_equal(c.v[0].id, "f0.c0");
    assert_string_equal(c.v[total - 1].id, "f3.c9");
    sos_checks_free(&c);
}

static void test_fifo_refused_without_hanging(void **state)
{
    struct scratch *s = *state;
    struct sos_checks c = {NULL, 0};
    sos_error err = {""};
    char path[256];

    scratch_path(s, "10-pipe.yaml", path, sizeof path);
    assert_int_equal(mkfifo(path, 0600), 0);
    alarm(10); /* a hang here is a failure, not a stuck test run */
    assert_int_equal(sos_checksd_load_dir(s->dir, &c, &err), -1);
    alarm(0);
    assert_contains(err.msg, path);
    assert_contains(err.msg, "not a regular file");
    assert_contains(err.msg, "FIFO");
    assert_int_equal(c.n, 0);
}

static void test_directory_named_yaml_refused(void **state)
{
    struct scratch *s = *state;
    struct sos_checks c = {NULL, 0};
    sos_error err = {""};
    char path[256];

    scratch_path(s, "10-dir.yaml", path, sizeof path);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(sos_checksd_load_dir(s->dir, &c, &err), -1);
    assert_contains(err.msg, path);
    assert_contains(err.msg, "a directory");
}

static void test_symlinks(void **state)
{
    struct scratch *s = *state;
    struct sos_checks c = {NULL, 0};
    sos_error err = {""};
    char target[256], link[256];

    write_file(s, "real.txt", minimal_check, strlen(minimal_check));
    scratch_path(s, "real.txt", target, sizeof target);
    scratch_path(s, "10-link.yaml", link, sizeof link);
    assert_int_equal(symlink(target, link), 0);
    assert_int_equal(sos_checksd_load_dir(s->dir, &c, &err), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.v[0].origin.file, link);
    sos_checks_free(&c);

    scratch_path(s, "20-dangling.yaml", link, sizeof link);
    assert_int_equal(symlink("/nonexistent/target", link), 0);
    assert_int_equal(sos_checksd_load_dir(s->dir, &c, &err), -1);
    assert_contains(err.msg, link);
    assert_contains(err.msg, "No such file or directory");
    assert_int_equal(c.n, 0);
}

static void test_nul_byte_refused(void **state)
{
    struct scratch *s = *state;
    struct sos_checks c = {NULL, 0};
    sos_error err = {""};
    const char data[] = "checks:\n  - id: a.b\0\n";

    write_file(s, "10-bin.yaml", data, sizeof data - 1);
    assert_int_equal(sos_checksd_load_dir(s->dir, &c, &err), -1);
    assert_contains(err.msg, "10-bin.yaml: binary file");
    assert_contains(err.msg, "offset 19");
}

static void test_large_file_refused(void **state)
{
    struct scratch *s = *state;
    struct sos_checks c = {NULL, 0};
    sos_error err = {""};
    size_t size = 1024 * 1024 + 1;
    char *data = malloc(size);

    assert_non_null(data);
    memset(data, '#', size);
    data[size - 1] = '\n';
    write_file(s, "10-big.yaml", data, size);
    assert_int_equal(sos_checksd_load_dir(s->dir, &c, &err), -1);
    assert_contains(err.msg, "10-big.yaml: file too large (1048577 bytes");

    /* exactly 1 MiB of comments is fine */
    write_file(s, "10-big.yaml", data, size - 1);
    assert_int_equal(sos_checksd_load_dir(s->dir, &c, &err), 0);
    assert_int_equal(c.n, 0);
    free(data);
}

static void expect_unreadable(const struct scratch *s, const char *path)
{
    struct sos_checks c = {NULL, 0};
    sos_error err = {""};

    assert_int_equal(sos_checksd_load_dir(s->dir, &c, &err), -1);
    assert_contains(err.msg, path);
    assert_contains(err.msg, "Permission denied");
    assert_int_equal(c.n, 0);
}

static void test_unreadable_file(void **state)
{
    struct scratch *s = *state;
    char path[256];
    pid_t pid;
    int status;

    write_file(s, "10-secret.yaml", minimal_check, strlen(minimal_check));
    scratch_path(s, "10-secret.yaml", path, sizeof path);
    assert_int_equal(chmod(path, 0), 0);
    if (geteuid() != 0) {
        expect_unreadable(s, path);
        return;
    }
    /* root reads anything: try as nobody, in a child */
    assert_int_equal(chmod(s->dir, 0755), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct sos_checks c = {NULL, 0};
        sos_error err = {""};
        int ok = setgid(65534) == 0 && setuid(65534) == 0 &&
                 sos_checksd_load_dir(s->dir, &c, &err) == -1 &&
                 strstr(err.msg, path) && strstr(err.msg, "Permission denied");
        _exit(ok ? 0 : 1);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* ------------------------------------------------------------------ */
/* Resolving                                                            */

static void resolve_fails(const char *yaml, const char *location, const char *message)
{
    struct sos_checks c = {NULL, 0};
    sos_error err = {""};
    size_t order[16];
    char expected[1024];

    load_ok(yaml, &c);
    assert_true(c.n <= 16);
    assert_int_equal(sos_checksd_resolve(&c, order, &err), -1);
    snprintf(expected, sizeof expected, "t.yaml:%s: %s", location, message);
    assert_string_equal(err.msg, expected);
    sos_checks_free(&c);
}

static void test_resolve_stable_order(void **state)
{
    struct sos_checks c = {NULL, 0};
    sos_error err = {""};
    size_t order[5];
    (void)state;

    load_ok("checks:\n"
            "- {id: c.c, plugin: p, check: c, needs: a.a}\n"
            "- {id: b.b, plugin: p, check: c}\n"
            "- {id: a.a, plugin: p, check: c}\n"
            "- {id: d.d, plugin: p, check: c, after: [b.b]}\n"
            "- {id: e.e, plugin: p, check: c, needs: [d.d, c.c], after: a.a}\n",
            &c);
    assert_int_equal(sos_checksd_resolve(&c, order, &err), 0);
    /* Ready at first: b.b(1), a.a(2). Then d.d(3) after b.b; c.c(0) once a.a
     * is done, and it goes before d.d because it was declared first. */
    assert_int_equal(order[0], 1);
    assert_int_equal(order[1], 2);
    assert_int_equal(order[2], 0);
    assert_int_equal(order[3], 3);
    assert_int_equal(order[4], 4);
    sos_checks_free(&c);
}

static void test_resolve_independent_keeps_declaration_order(void **state)
{
    struct sos_checks c = {NULL, 0};
    sos_error err = {""};
    size_t order[3];
    (void)state;

    load_ok("checks:\n"
            "- {id: z.z, plugin: p, check: c}\n"
            "- {id: a.a, plugin: p, check: c}\n"
            "- {id: m.m, plugin: p, check: c}\n",
            &c);
    assert_int_equal(sos_checksd_resolve(&c, order, &err), 0);
    assert_int_equal(order[0], 0);
    assert_int_equal(order[1], 1);
    assert_int_equal(order[2], 2);
    sos_checks_free(&c);
    assert_int_equal(sos_checksd_resolve(&c, NULL, &err), 0); /* no checks */
}

static void test_resolve_missing_dependency(void **state)
{
    (void)state;
    resolve_fails("checks:\n"
                  "- {id: x.x, plugin: p, check: c}\n"
                  "- id: a.a\n"
                  "  plugin: p\n"
                  "  check: c\n"
                  "  needs:\n"
                  "    - x.x\n"
                  "    - b.b\n",
                  "8:7", "check 'a.a' needs 'b.b', which is not declared");
    resolve_fails("checks:\n"
                  "- {id: x.x, plugin: p, check: c}\n"
                  "- {id: a.a, plugin: p, check: c, needs: x.x, after: [x.x, q.q]}\n",
                  "3:59", "check 'a.a' is ordered after 'q.q', which is not declared");
}

static void test_resolve_self_dependency(void **state)
{
    (void)state;
    resolve_fails("checks:\n- {id: a.a, plugin: p, check: c, needs: [a.a]}\n", "2:42",
                  "check 'a.a' needs itself");
    resolve_fails("checks:\n- {id: a.a, plugin: p, check: c, after: a.a}\n", "2:41",
                  "check 'a.a' is ordered after itself");
}

static void test_resolve_three_cycle(void **state)
{
    (void)state;
    /* e.e depends on the cycle without being in it; the message names only
     * the cycle, starting from its first-declared member, b.y. */
    resolve_fails("checks:\n"
                  "- {id: e.e, plugin: p, check: c, needs: c.z}\n"
                  "- {id: b.y, plugin: p, check: c, after: c.z}\n"
                  "- {id: a.x, plugin: p, check: c, needs: b.y}\n"
                  "- {id: c.z, plugin: p, check: c, needs: a.x}\n"
                  "- {id: f.f, plugin: p, check: c}\n",
                  "3:41", "dependency cycle: b.y -> c.z -> a.x -> b.y");
    resolve_fails("checks:\n"
                  "- {id: a.x, plugin: p, check: c, needs: [b.y]}\n"
                  "- {id: b.y, plugin: p, check: c, needs: [a.x]}\n",
                  "2:42", "dependency cycle: a.x -> b.y -> a.x");
}

static void test_resolve_duplicate_ids(void **state)
{
    struct sos_checks a = {NULL, 0}, b = {NULL, 0};
    sos_error err = {""};
    size_t order[2];
    const char yb[] = "checks:\n  - {id: a.b, plugin: q, check: c}\n";
    (void)state;

    /* Two separately loaded lists joined by hand: only resolve can see it. */
    load_ok(minimal_check, &a);
    assert_int_equal(sos_checksd_load_buffer("u.yaml", yb, strlen(yb), &b, &err), 0);
    a.v = realloc(a.v, 2 * sizeof *a.v);
    assert_non_null(a.v);
    a.v[1] = b.v[0];
    a.n = 2;
    free(b.v);
    assert_int_equal(sos_checksd_resolve(&a, order, &err), -1);
    assert_string_equal(err.msg, "u.yaml:2:5: duplicate id 'a.b' (first declared at t.yaml:2:5)");
    sos_checks_free(&a);
}

/* Builds N checks where check i needs check i+1 (declared last-first), plus
 * an optional edge from the last back to the first. */
static char *chain_yaml(size_t n, int close_cycle)
{
    size_t cap = n * 96 + 64, len = 0;
    char *yaml = malloc(cap);

    assert_non_null(yaml);
    len += (size_t)snprintf(yaml + len, cap - len, "checks:\n");
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n || close_cycle)
            len += (size_t)snprintf(yaml + len, cap - len,
                                    "- {id: chain.c%zu, plugin: p, check: c, needs: chain.c%zu}\n",
                                    i, (i + 1) % n);
        else
            len += (size_t)snprintf(yaml + len, cap - len,
                                    "- {id: chain.c%zu, plugin: p, check: c}\n", i);
    }
    return yaml;
}

static void test_resolve_long_chain(void **state)
{
    const size_t n = 1000;
    struct sos_checks c = {NULL, 0};
    sos_error err = {""};
    size_t *order = malloc(n * sizeof *order);
    char *yaml = chain_yaml(n, 0);
    clock_t start;
    (void)state;

    assert_non_null(order);
    load_ok(yaml, &c);
    assert_int_equal(c.n, n);
    start = clock();
    assert_int_equal(sos_checksd_resolve(&c, order, &err), 0);
    assert_true((double)(clock() - start) / CLOCKS_PER_SEC < 0.5);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(order[i], n - 1 - i);
    sos_checks_free(&c);

    free(yaml);
    yaml = chain_yaml(n, 1);
    load_ok(yaml, &c);
    assert_int_equal(sos_checksd_resolve(&c, order, &err), -1);
    assert_starts_with(err.msg, "t.yaml:2:");
    assert_contains(err.msg, "dependency cycle: chain.c0 -> chain.c1 -> chain.c2 -> ");
    sos_checks_free(&c);
    free(yaml);
    free(order);
}

/* ------------------------------------------------------------------ */
/* Small functions                                                      */

static void test_os_names(void **state)
{
    (void)state;
    assert_int_equal(sos_os_from_name("macos"), SOS_OS_MACOS);
    assert_int_equal(sos_os_from_name("linux"), SOS_OS_LINUX);
    assert_int_equal(sos_os_from_name("windows"), SOS_OS_WINDOWS);
    assert_int_equal(sos_os_from_name("wsl"), SOS_OS_WSL);
    assert_int_equal(sos_os_from_name("Linux"), 0);
    assert_int_equal(sos_os_from_name(""), 0);
    assert_int_equal(sos_os_from_name(NULL), 0);
    assert_string_equal(sos_os_name(SOS_OS_MACOS), "macos");
    assert_string_equal(sos_os_name(SOS_OS_LINUX), "linux");
    assert_string_equal(sos_os_name(SOS_OS_WINDOWS), "windows");
    assert_string_equal(sos_os_name(SOS_OS_WSL), "wsl");
    assert_string_equal(sos_os_name(SOS_OS_MACOS | SOS_OS_LINUX), "unknown");
    assert_string_equal(sos_os_name(0), "unknown");
    assert_string_equal(sos_os_name(1u << 7), "unknown");
}

static void test_decl_param_lookup(void **state)
{
    struct sos_checks c = {NULL, 0};
    (void)state;

    load_ok("checks:\n- id: a.b\n  plugin: p\n  check: c\n  params:\n    one: 1\n    two: [x]\n",
            &c);
    assert_ptr_equal(sos_decl_param(&c.v[0], "one"), &c.v[0].params[0]);
    assert_ptr_equal(sos_decl_param(&c.v[0], "two"), &c.v[0].params[1]);
    assert_null(sos_decl_param(&c.v[0], "three"));
    assert_null(sos_decl_param(&c.v[0], "on"));
    assert_null(sos_decl_param(NULL, "one"));
    sos_checks_free(&c);
    sos_checks_free(NULL);
}

/* doctor local-runtime runs one declaration once per agent: each copy has
 * every field, and nothing shared with the original or another copy. */
static void test_decl_copy(void **state)
{
    struct sos_checks c = {NULL, 0};
    struct sos_check_decl a, b;
    (void)state;

    load_ok("checks:\n- id: a.b\n  plugin: p\n  check: c\n  summary: s\n"
            "  needs: [x.y]\n  after: [u.v, w.z]\n  severity: warning\n  timeout: 7\n"
            "  when: {os: [linux]}\n  scope: agent\n"
            "  params:\n    one: 1\n    two: [x, y]\n",
            &c);
    assert_int_equal(sos_decl_copy(&c.v[0], &a), 0);
    assert_int_equal(sos_decl_copy(&c.v[0], &b), 0);
    assert_string_equal(a.id, "a.b");
    assert_ptr_not_equal(a.id, c.v[0].id);
    assert_string_equal(a.plugin, "p");
    assert_string_equal(a.check, "c");
    assert_string_equal(a.summary, "s");
    assert_int_equal(a.n_needs, 1);
    assert_string_equal(a.needs[0], "x.y");
    assert_int_equal(a.needs_origin[0].line, c.v[0].needs_origin[0].line);
    assert_int_equal(a.n_after, 2);
    assert_string_equal(a.after[1], "w.z");
    assert_int_equal(a.severity, SOS_DECL_WARNING);
    assert_true(a.timeout == 7.0);
    assert_int_equal(a.when_os, SOS_OS_LINUX);
    assert_int_equal(a.scope, SOS_SCOPE_AGENT);
    assert_string_equal(a.origin.file, "t.yaml");
    assert_int_equal(a.origin.line, c.v[0].origin.line);
    assert_int_equal(a.n_params, 2);
    assert_string_equal(a.params[1].key, "two");
    assert_true(a.params[1].is_list);
    assert_int_equal(a.params[1].n_values, 2);
    assert_string_equal(a.params[1].values[1], "y");
    assert_int_equal(a.params[1].value_at[1].line, c.v[0].params[1].value_at[1].line);
    /* Changing one copy's param leaves the original and the other alone. */
    a.params[0].values[0][0] = '9';
    assert_string_equal(b.params[0].values[0], "1");
    assert_string_equal(c.v[0].params[0].values[0], "1");
    sos_decl_free(&a);
    sos_decl_free(&b);
    sos_checks_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_file_every_field),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_single_strings),
        cmocka_unit_test(test_empty_inputs),
        cmocka_unit_test(test_merge_order),
        cmocka_unit_test(test_append_to_existing),
        cmocka_unit_test(test_error_leaves_out_unchanged),
        cmocka_unit_test(test_unknown_key_fixture),
        cmocka_unit_test(test_unknown_key_before_id),
        cmocka_unit_test(test_timeout_errors),
        cmocka_unit_test(test_missing_required),
        cmocka_unit_test(test_syntax_error),
        cmocka_unit_test(test_duplicate_key),
        cmocka_unit_test(test_alias_refused),
        cmocka_unit_test(test_tags_and_documents_refused),
        cmocka_unit_test(test_deep_nesting_refused),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_nested_params_refused),
        cmocka_unit_test(test_patterns_and_enums),
        cmocka_unit_test(test_preflight_and_runtime),
        cmocka_unit_test(test_messages_are_sanitized),
        cmocka_unit_test(test_duplicate_ids_across_files),
        cmocka_unit_test(test_missing_dir),
        cmocka_unit_test_setup_teardown(test_many_files_many_checks, scratch_setup,
                                        scratch_teardown),
        cmocka_unit_test_setup_teardown(test_fifo_refused_without_hanging, scratch_setup,
                                        scratch_teardown),
        cmocka_unit_test_setup_teardown(test_directory_named_yaml_refused, scratch_setup,
                                        scratch_teardown),
        cmocka_unit_test_setup_teardown(test_symlinks, scratch_setup, scratch_teardown),
        cmocka_unit_test_setup_teardown(test_nul_byte_refused, scratch_setup,
                                        scratch_teardown),
        cmocka_unit_test_setup_teardown(test_large_file_refused, scratch_setup,
                                        scratch_teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_file, scratch_setup,
                                        scratch_teardown),
        cmocka_unit_test(test_resolve_stable_order),
        cmocka_unit_test(test_resolve_independent_keeps_declaration_order),
        cmocka_unit_test(test_resolve_missing_dependency),
        cmocka_unit_test(test_resolve_self_dependency),
        cmocka_unit_test(test_resolve_three_cycle),
        cmocka_unit_test(test_resolve_duplicate_ids),
        cmocka_unit_test(test_resolve_long_chain),
        cmocka_unit_test(test_os_names),
        cmocka_unit_test(test_decl_param_lookup),
        cmocka_unit_test(test_decl_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
