#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"
#include "report_prometheus.h"
#include "result.h"
#include "run.h"
#include "sourceos/plugin.h"

/* ---- Building a run by hand ------------------------------------------- */

#define N_ENTRIES 6

struct fixture {
    struct sos_check_decl decls[N_ENTRIES];
    struct sos_run_entry entries[N_ENTRIES];
    struct sos_run run;
};

static char *xstrdup(const char *s)
{
    char *copy = s ? strdup(s) : NULL;

    if (s)
        assert_non_null(copy);
    return copy;
}

/* Grows ARRAY (of *N items of SIZE) by one zeroed item and returns it. */
static void *grow(void **array, size_t *n, size_t size)
{
    char *bigger = realloc(*array, (*n + 1) * size);

    assert_non_null(bigger);
    memset(bigger + *n * size, 0, size);
    *array = bigger;
    return bigger + (*n)++ * size;
}

static void add_kv(struct sos_kv **kv, size_t *n, const char *key, const char *value)
{
    struct sos_kv *pair = grow((void **)kv, n, sizeof **kv);

    pair->key = xstrdup(key);
    pair->value = xstrdup(value);
}

static void add_string(char ***v, size_t *n, const char *s)
{
    char **slot = grow((void **)v, n, sizeof **v);

    *slot = xstrdup(s);
}

static struct sos_finding_rec *add_finding(struct sos_check_result *r, const char *code,
                                           int severity, const char *message)
{
    struct sos_finding_rec *f = grow((void **)&r->findings, &r->n_findings,
                                     sizeof *r->findings);

    f->code = xstrdup(code);
    f->severity = severity;
    f->message = xstrdup(message);
    return f;
}

static struct sos_command_rec *add_command(struct sos_check_result *r, const char *const *argv,
                                           int exit_status, double duration)
{
    struct sos_command_rec *c = grow((void **)&r->commands, &r->n_commands,
                                     sizeof *r->commands);

    for (size_t i = 0; argv[i]; i++)
        add_string(&c->argv, &c->argc, argv[i]);
    c->exit_status = exit_status;
    c->duration = duration;
    return c;
}

static void declare(struct fixture *fx, size_t i, const char *id, const char *plugin,
                    const char *check, enum sos_decl_severity severity,
                    enum sos_scope scope)
{
    struct sos_check_decl *d = &fx->decls[i];

    d->id = (char *)id;
    d->plugin = (char *)plugin;
    d->check = (char *)check;
    d->severity = severity;
    d->scope = scope;
    fx->entries[i].decl = d;
    fx->entries[i].done = 1;
}

static void set_result(struct fixture *fx, size_t i, enum sos_status status,
                       const char *summary, double started, double duration)
{
    fx->entries[i].summary = summary;
    fx->entries[i].result.status = status;
    fx->entries[i].result.started = started;
    fx->entries[i].result.duration = duration;
}

static void fill_ok_entry(struct fixture *fx)
{
    static const char *const argv[] = { "podman", "version", "--format",
                                        "{{.Client.Version}}", NULL };
    struct sos_check_result *r = &fx->entries[0].result;

    declare(fx, 0, "podman.binary", "podman-machine", "binary", SOS_DECL_CRITICAL,
            SOS_SCOPE_RUNTIME);
    set_result(fx, 0, SOS_ST_OK, "Podman is installed", 1714566896.8, 0.012);
    add_kv(&r->facts, &r->n_facts, "podman.version", "4.3.1");
    add_kv(&r->facts, &r->n_facts, "podman.path", "/usr/bin/podman");
    add_command(r, argv, 0, 0.012);
}

static void fill_warning_entry(struct fixture *fx)
{
    struct sos_check_result *r = &fx->entries[1].result;
    struct sos_finding_rec *f;

    declare(fx, 1, "registry-auth.helpers", "registry-auth", "helpers", SOS_DECL_WARNING,
            SOS_SCOPE_RUNTIME);
    set_result(fx, 1, SOS_ST_WARNING, "No credential helper runs non-interactively",
               1714566896.9, 0.034);
    f = add_finding(r, "registry-auth.helper-interactive", SOURCEOS_SEV_WARNING,
                    "credHelpers calls docker-credential-desktop for ghcr.io");
    f->remediation = xstrdup("Use an empty auth file for agents");
    add_string(&f->commands, &f->n_commands, "sourceos-agent stage NAME");
    add_kv(&f->evidence, &f->n_evidence, "registry", "ghcr.io");
    add_kv(&f->evidence, &f->n_evidence, "helper", "desktop");
}

static void fill_failure_entry(struct fixture *fx)
{
    static const char *const argv[] = { "podman", "machine", "inspect", NULL };
    struct sos_check_result *r = &fx->entries[2].result;
    struct sos_finding_rec *f;
    struct sos_command_rec *c;

    declare(fx, 2, "podman-machine.state", "podman-machine", "state", SOS_DECL_CRITICAL,
            SOS_SCOPE_AGENT);
    set_result(fx, 2, SOS_ST_FAILURE, NULL, 1714566897.0, 1.2);
    f = add_finding(r, "podman-machine.stopped", SOURCEOS_SEV_CRITICAL,
                    "machine \x1b[31mpodman-machine-default\x07 is stopped\n");
    f->remediation = xstrdup("Start the machine");
    add_string(&f->commands, &f->n_commands, "podman machine start");
    add_string(&f->commands, &f->n_commands, "podman machine list");
    f->path = xstrdup("/Users/dev/.config/containers/podman/machine");
    add_kv(&f->evidence, &f->n_evidence, "State", "stopped");
    add_finding(r, "podman-machine.note", SOURCEOS_SEV_INFO, "no remediation, no path");
    c = add_command(r, argv, -1, 5.0);
    c->term_signal = 9;
    c->timed_out = 1;
    c->truncated = 1;
    c = add_command(r, (const char *const[]){ "podman-remote", NULL }, -1, 0);
    c->not_started = 1;
}

static void fill_other_entries(struct fixture *fx)
{
    declare(fx, 3, "launchd.plist", "launchd", "plist", SOS_DECL_CRITICAL, SOS_SCOPE_AGENT);
    set_result(fx, 3, SOS_ST_ERROR, "The plist is safe", 1714566897.1, 0.002);
    fx->entries[3].result.reason = xstrdup("the check's process crashed");
    fx->entries[3].result.term_signal = 11;

    declare(fx, 4, "launchd.label", "launchd", "label", SOS_DECL_WARNING, SOS_SCOPE_AGENT);
    set_result(fx, 4, SOS_ST_SKIPPED, "The label is loaded", 1714566897.2, 0);
    fx->entries[4].result.reason = xstrdup("needs launchd.plist, which did not pass");

    declare(fx, 5, "podman-machine.socket", "podman-machine", "socket", SOS_DECL_CRITICAL,
            SOS_SCOPE_RUNTIME);
    set_result(fx, 5, SOS_ST_TIMEOUT, "The socket answers", 1714566897.3, 5.0);
    fx->entries[5].result.reason = xstrdup("killed at its deadline (5s)");
}

static void fill_run(struct fixture *fx)
{
    struct sos_run *run = &fx->run;

    run->tool = "sourceos";
    run->version = "0.1.0";
    run->command = "doctor local-runtime";
    snprintf(run->host.os, sizeof run->host.os, "linux");
    run->host.os_mask = 2;
    snprintf(run->host.os_name, sizeof run->host.os_name, "Debian GNU/Linux 12 (bookworm)");
    snprintf(run->host.os_version, sizeof run->host.os_version, "12");
    snprintf(run->host.arch, sizeof run->host.arch, "x86_64");
    snprintf(run->host.kernel, sizeof run->host.kernel, "6.1.0-18-amd64");
    snprintf(run->host.hostname, sizeof run->host.hostname, "build");
    run->host.container = 1;
    run->started = 1714566896.789;
    run->duration = 0.42;
    run->entries = fx->entries;
    run->n_entries = N_ENTRIES;
    for (size_t i = 0; i < N_ENTRIES; i++)
        run->counts[fx->entries[i].result.status]++;
    run->exit_code = sos_exit_code(run->counts);
}

static int setup_run(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);

    if (!fx)
        return -1;
    fill_ok_entry(fx);
    fill_warning_entry(fx);
    fill_failure_entry(fx);
    fill_other_entries(fx);
    fill_run(fx);
    *state = fx;
    return 0;
}

static int teardown_run(void **state)
{
    struct fixture *fx = *state;

    for (size_t i = 0; i < N_ENTRIES; i++)
        sos_check_result_free(&fx->entries[i].result);
    free(fx);
    return 0;
}

/* ---- Helpers ----------------------------------------------------------- */

/* What FN printed, as a NUL-terminated string the caller frees. */
struct capture {
    char *text;
    size_t len;
    FILE *f;
};

static FILE *capture_start(struct capture *c)
{
    c->text = NULL;
    c->len = 0;
    c->f = open_memstream(&c->text, &c->len);
    assert_non_null(c->f);
    return c->f;
}

static char *capture_end(struct capture *c)
{
    assert_int_equal(fclose(c->f), 0);
    return c->text;
}

static char *human_report(const struct sos_run *run, int color, int quiet, int verbose)
{
    struct sos_human_opts opts = { .color = color, .quiet = quiet, .verbose = verbose };
    struct capture c;

    sos_report_print_human(capture_start(&c), run, &opts);
    return capture_end(&c);
}

static void assert_contains(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle))
        fail_msg("expected to find \"%s\" in:\n%s", needle, haystack);
}

static void assert_lacks(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle))
        fail_msg("did not expect \"%s\" in:\n%s", needle, haystack);
}

static void assert_no_trailing_spaces(const char *text)
{
    for (const char *p = strchr(text, '\n'); p; p = strchr(p + 1, '\n'))
        if (p > text && (p[-1] == ' ' || p[-1] == '\t'))
            fail_msg("trailing space before line end at offset %td", p - text);
}

/* Only newlines and, with colour, ESC starting an SGR sequence. */
static void assert_only_safe_controls(const char *text, int color)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '\n' || *p >= 0x20)
            continue;
        if (color && *p == 0x1b && p[1] == '[')
            continue;
        fail_msg("control byte 0x%02x at offset %td", *p, (const char *)p - text);
    }
}

static json_t *member(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    if (!v)
        fail_msg("member \"%s\" missing", key);
    return v;
}

static void assert_string_member(const json_t *obj, const char *key, const char *expected)
{
    json_t *v = member(obj, key);

    assert_true(json_is_string(v));
    if (expected)
        assert_string_equal(json_string_value(v), expected);
}

static void assert_type_member(const json_t *obj, const char *key, json_type type)
{
    assert_int_equal(json_typeof(member(obj, key)), type);
}

static void assert_bool_member(const json_t *obj, const char *key, int expected)
{
    json_t *v = member(obj, key);

    assert_true(json_is_boolean(v));
    assert_int_equal(json_is_true(v), expected);
}

static void assert_int_member(const json_t *obj, const char *key, json_int_t expected)
{
    json_t *v = member(obj, key);

    assert_true(json_is_integer(v));
    assert_int_equal(json_integer_value(v), expected);
}

static void assert_same_string(const char *a, const char *b)
{
    if (!a || !b)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

static void assert_same_kvs(const struct sos_kv *a, size_t na, const struct sos_kv *b,
                            size_t nb)
{
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_string_equal(a[i].key, b[i].key);
        assert_string_equal(a[i].value, b[i].value);
    }
}

static void assert_same_strv(char *const *a, size_t na, char *const *b, size_t nb)
{
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++)
        assert_string_equal(a[i], b[i]);
}

static void assert_same_finding(const struct sos_finding_rec *a, const struct sos_finding_rec *b)
{
    assert_string_equal(a->code, b->code);
    assert_int_equal(a->severity, b->severity);
    assert_string_equal(a->message, b->message);
    assert_same_string(a->remediation, b->remediation);
    assert_same_strv(a->commands, a->n_commands, b->commands, b->n_commands);
    assert_same_string(a->path, b->path);
    assert_same_kvs(a->evidence, a->n_evidence, b->evidence, b->n_evidence);
}

static void assert_same_command(const struct sos_command_rec *a, const struct sos_command_rec *b)
{
    assert_same_strv(a->argv, a->argc, b->argv, b->argc);
    assert_int_equal(a->exit_status, b->exit_status);
    assert_int_equal(a->term_signal, b->term_signal);
    assert_int_equal(!!a->timed_out, b->timed_out);
    assert_int_equal(!!a->not_started, b->not_started);
    assert_int_equal(!!a->truncated, b->truncated);
    assert_true(a->duration == b->duration);
}

static void assert_same_result(const struct sos_check_result *a,
                               const struct sos_check_result *b)
{
    assert_int_equal(a->status, b->status);
    assert_same_string(a->reason, b->reason);
    assert_int_equal(a->term_signal, b->term_signal);
    assert_true(a->started == b->started);
    assert_true(a->duration == b->duration);
    assert_int_equal(a->n_findings, b->n_findings);
    for (size_t i = 0; i < a->n_findings; i++)
        assert_same_finding(&a->findings[i], &b->findings[i]);
    assert_same_kvs(a->facts, a->n_facts, b->facts, b->n_facts);
    assert_int_equal(a->n_commands, b->n_commands);
    for (size_t i = 0; i < a->n_commands; i++)
        assert_same_command(&a->commands[i], &b->commands[i]);
}

static int is_all_zero(const void *p, size_t size)
{
    const unsigned char *bytes = p;

    for (size_t i = 0; i < size; i++)
        if (bytes[i])
            return 0;
    return 1;
}

/* ---- result.c ---------------------------------------------------------- */

static void test_names(void **state)
{
    static const char *const statuses[] = { "ok", "warning", "failure",
                                            "error", "skipped", "timeout",
                                            "interrupted" };

    for (int st = 0; st < SOS_ST_COUNT; st++)
        assert_string_equal(sos_status_name((enum sos_status)st), statuses[st]);
    assert_string_equal(sos_severity_name(SOURCEOS_SEV_INFO), "info");
    assert_string_equal(sos_severity_name(SOURCEOS_SEV_WARNING), "warning");
    assert_string_equal(sos_severity_name(SOURCEOS_SEV_CRITICAL), "critical");
}

static int exit_code_of(int ok, int warning, int failure, int error, int skipped, int timeout)
{
    const int counts[SOS_ST_COUNT] = { ok, warning, failure, error, skipped, timeout };

    return sos_exit_code(counts);
}

static void test_exit_codes(void **state)
{
    assert_int_equal(exit_code_of(0, 0, 0, 0, 0, 0), 0);
    assert_int_equal(exit_code_of(5, 0, 0, 0, 0, 0), 0);
    assert_int_equal(exit_code_of(0, 0, 0, 0, 7, 0), 0); /* skipped does not count */
    assert_int_equal(exit_code_of(3, 0, 0, 0, 2, 0), 0);
    assert_int_equal(exit_code_of(1, 1, 0, 0, 0, 0), 1);
    assert_int_equal(exit_code_of(0, 2, 0, 0, 1, 0), 1);
    assert_int_equal(exit_code_of(1, 0, 1, 0, 0, 0), 2);
    assert_int_equal(exit_code_of(0, 1, 1, 0, 0, 0), 2);
    assert_int_equal(exit_code_of(0, 0, 1, 1, 0, 0), 2); /* failure beats error */
    assert_int_equal(exit_code_of(0, 0, 1, 0, 0, 1), 2); /* and timeout */
    assert_int_equal(exit_code_of(0, 0, 1, 1, 1, 1), 2);
    assert_int_equal(exit_code_of(1, 0, 0, 1, 0, 0), 3);
    assert_int_equal(exit_code_of(0, 0, 0, 0, 0, 1), 3);
    assert_int_equal(exit_code_of(0, 1, 0, 1, 0, 0), 3); /* error beats warning */
    assert_int_equal(exit_code_of(0, 1, 0, 0, 0, 1), 3);
    assert_int_equal(exit_code_of(1, 1, 0, 1, 1, 1), 3);
}

static void test_result_free_zeroes(void **state)
{
    struct fixture *fx = *state;
    struct sos_check_result *r = &fx->entries[2].result;

    sos_check_result_free(r);
    assert_true(is_all_zero(r, sizeof *r));
    sos_check_result_free(r); /* freeing twice is harmless once zeroed */
    sos_check_result_free(NULL);
}

/* ---- report_json.c ----------------------------------------------------- */

static void test_result_json_members(void **state)
{
    struct fixture *fx = *state;
    json_t *j = sos_result_to_json(&fx->entries[2].result);
    json_t *finding, *bare, *cmd;

    assert_non_null(j);
    assert_string_member(j, "status", "failure");
    assert_null(json_object_get(j, "reason"));
    assert_null(json_object_get(j, "signal"));
    assert_true(json_is_number(member(j, "started")));
    assert_true(json_is_number(member(j, "duration")));
    assert_type_member(j, "findings", JSON_ARRAY);
    assert_type_member(j, "facts", JSON_OBJECT);
    assert_type_member(j, "commands", JSON_ARRAY);
    assert_int_equal(json_array_size(member(j, "findings")), 2);

    finding = json_array_get(member(j, "findings"), 0);
    assert_string_member(finding, "code", "podman-machine.stopped");
    assert_string_member(finding, "severity", "critical");
    assert_string_member(finding, "message",
                         "machine \x1b[31mpodman-machine-default\x07 is stopped\n");
    assert_string_member(finding, "remediation", "Start the machine");
    assert_string_member(finding, "path", "/Users/dev/.config/containers/podman/machine");
    assert_int_equal(json_array_size(member(finding, "commands")), 2);
    assert_string_equal(json_string_value(json_array_get(member(finding, "commands"), 0)),
                        "podman machine start");
    assert_string_member(member(finding, "evidence"), "State", "stopped");

    bare = json_array_get(member(j, "findings"), 1);
    assert_string_member(bare, "severity", "info");
    assert_null(json_object_get(bare, "remediation"));
    assert_null(json_object_get(bare, "path"));
    assert_type_member(bare, "commands", JSON_ARRAY);
    assert_type_member(bare, "evidence", JSON_OBJECT);

    cmd = json_array_get(member(j, "commands"), 0);
    assert_int_equal(json_array_size(member(cmd, "argv")), 3);
    assert_int_member(cmd, "exit_status", -1);
    assert_int_member(cmd, "signal", 9);
    assert_bool_member(cmd, "timed_out", 1);
    assert_bool_member(cmd, "not_started", 0);
    assert_bool_member(cmd, "truncated", 1);
    assert_true(json_is_number(member(cmd, "duration")));
    cmd = json_array_get(member(j, "commands"), 1);
    assert_null(json_object_get(cmd, "signal"));
    assert_bool_member(cmd, "not_started", 1);
    json_decref(j);

    j = sos_result_to_json(&fx->entries[3].result);
    assert_string_member(j, "status", "error");
    assert_string_member(j, "reason", "the check's process crashed");
    assert_int_member(j, "signal", 11);
    json_decref(j);
}

static void test_result_round_trip(void **state)
{
    struct fixture *fx = *state;

    for (size_t i = 0; i < N_ENTRIES; i++) {
        const struct sos_check_result *original = &fx->entries[i].result;
        json_t *j = sos_result_to_json(original);
        char *wire = json_dumps(j, JSON_COMPACT);
        json_t *back = json_loads(wire, 0, NULL);
        struct sos_check_result parsed;

        assert_non_null(back);
        assert_int_equal(sos_result_from_json(back, &parsed), 0);
        assert_same_result(original, &parsed);
        sos_check_result_free(&parsed);
        json_decref(back);
        free(wire);
        json_decref(j);
    }
}

static void test_entry_parses_as_result(void **state)
{
    struct fixture *fx = *state;
    json_t *j = sos_entry_to_json(&fx->entries[1]);
    struct sos_check_result parsed;

    assert_int_equal(sos_result_from_json(j, &parsed), 0);
    assert_same_result(&fx->entries[1].result, &parsed);
    sos_check_result_free(&parsed);
    json_decref(j);
}

/* A valid wire result, parsed from text so that each case can break it. */
static const char valid_wire[] =
    "{\"status\":\"warning\",\"started\":1.5,\"duration\":0,"
    "\"findings\":[{\"code\":\"a.b\",\"severity\":\"warning\",\"message\":\"m\","
    "\"remediation\":\"r\",\"commands\":[\"c\"],\"path\":\"/p\",\"evidence\":{\"k\":\"v\"}}],"
    "\"facts\":{\"x.y\":\"1\"},"
    "\"commands\":[{\"argv\":[\"true\"],\"exit_status\":0,\"timed_out\":false,"
    "\"not_started\":false,\"truncated\":false,\"duration\":0.1}]}";

/* Replaces the member at PATH ("findings/0/code"; VALUE NULL deletes it; an
 * index one past an array's end appends). */
static json_t *broken_wire(const char *path, json_t *value)
{
    json_t *root = json_loads(valid_wire, 0, NULL);
    json_t *node = root;
    char buf[128], *save = NULL, *part, *next;

    assert_non_null(root);
    snprintf(buf, sizeof buf, "%s", path);
    part = strtok_r(buf, "/", &save);
    while ((next = strtok_r(NULL, "/", &save)) != NULL) {
        node = json_is_array(node) ? json_array_get(node, strtoul(part, NULL, 10))
                                   : json_object_get(node, part);
        assert_non_null(node);
        part = next;
    }
    if (!value)
        assert_int_equal(json_object_del(node, part), 0);
    else if (json_is_array(node) && strtoul(part, NULL, 10) == json_array_size(node))
        assert_int_equal(json_array_append_new(node, value), 0);
    else if (json_is_array(node))
        assert_int_equal(json_array_set_new(node, strtoul(part, NULL, 10), value), 0);
    else
        assert_int_equal(json_object_set_new(node, part, value), 0);
    return root;
}

static void assert_refused(json_t *j, const char *what)
{
    struct sos_check_result out;

    memset(&out, 0x5a, sizeof out); /* must come back empty, not untouched */
    if (sos_result_from_json(j, &out) != -1)
        fail_msg("accepted %s", what);
    if (!is_all_zero(&out, sizeof out))
        fail_msg("%s: output not left empty", what);
    json_decref(j);
}

static json_t *many_strings(size_t n)
{
    json_t *array = json_array();

    for (size_t i = 0; i < n; i++)
        json_array_append_new(array, json_string("x"));
    return array;
}

static json_t *many_facts(size_t n)
{
    json_t *obj = json_object();
    char key[32];

    for (size_t i = 0; i < n; i++) {
        snprintf(key, sizeof key, "fact.k%zu", i);
        json_object_set_new(obj, key, json_string("v"));
    }
    return obj;
}

static void test_from_json_accepts_valid(void **state)
{
    json_t *j = json_loads(valid_wire, 0, NULL);
    struct sos_check_result r;

    assert_int_equal(sos_result_from_json(j, &r), 0);
    assert_int_equal(r.status, SOS_ST_WARNING);
    assert_int_equal(r.n_findings, 1);
    assert_string_equal(r.findings[0].path, "/p");
    assert_int_equal(r.n_commands, 1);
    assert_int_equal(r.commands[0].argc, 1);
    sos_check_result_free(&r);
    json_decref(j);

    /* Bounds are inclusive: exactly as many items as allowed is fine. */
    j = broken_wire("facts", many_facts(10000));
    assert_int_equal(sos_result_from_json(j, &r), 0);
    assert_int_equal(r.n_facts, 10000);
    sos_check_result_free(&r);
    json_decref(j);
}

static void test_from_json_refuses_malformed(void **state)
{
    assert_refused(json_string("ok"), "a string");
    assert_refused(json_array(), "an array");
    assert_refused(json_null(), "null");
    assert_refused(json_object(), "an empty object");
    assert_refused(broken_wire("status", json_string("bogus")), "status bogus");
    assert_refused(broken_wire("status", json_integer(0)), "numeric status");
    assert_refused(broken_wire("status", NULL), "missing status");
    assert_refused(broken_wire("started", json_string("now")), "started as string");
    assert_refused(broken_wire("started", json_real(-1)), "negative started");
    assert_refused(broken_wire("duration", NULL), "missing duration");
    assert_refused(broken_wire("reason", json_integer(5)), "numeric reason");
    assert_refused(broken_wire("reason", json_null()), "null reason");
    assert_refused(broken_wire("reason", json_stringn("a\0b", 3)), "reason with NUL");
    assert_refused(broken_wire("signal", json_integer(-3)), "negative signal");
    assert_refused(broken_wire("signal", json_string("KILL")), "signal as string");
    assert_refused(broken_wire("findings", json_string("x")), "findings not an array");
    assert_refused(broken_wire("findings", NULL), "missing findings");
    assert_refused(broken_wire("findings/0", json_integer(1)), "finding not an object");
    assert_refused(broken_wire("findings/0/code", NULL), "finding without code");
    assert_refused(broken_wire("findings/0/message", json_true()), "boolean message");
    assert_refused(broken_wire("findings/0/severity", json_string("fatal")), "bad severity");
    assert_refused(broken_wire("findings/0/severity", json_integer(2)), "numeric severity");
    assert_refused(broken_wire("findings/0/remediation", json_null()), "null remediation");
    assert_refused(broken_wire("findings/0/commands", json_object()), "commands an object");
    assert_refused(broken_wire("findings/0/commands/0", json_integer(1)), "numeric fix");
    assert_refused(broken_wire("findings/0/path", json_array()), "path an array");
    assert_refused(broken_wire("findings/0/evidence", json_array()), "evidence an array");
    assert_refused(broken_wire("findings/0/evidence/k", json_integer(1)), "numeric evidence");
    assert_refused(broken_wire("facts", json_array()), "facts an array");
    assert_refused(broken_wire("facts/x.y", json_null()), "null fact");
    assert_refused(broken_wire("facts", many_facts(10001)), "too many facts");
    assert_refused(broken_wire("commands", json_true()), "commands not an array");
    assert_refused(broken_wire("commands/0/argv", json_string("true")), "argv a string");
    assert_refused(broken_wire("commands/0/argv/0", json_integer(1)), "argv with a number");
    assert_refused(broken_wire("commands/0/argv", many_strings(10001)), "huge argv");
    assert_refused(broken_wire("commands/0/exit_status", json_real(1.5)), "real exit status");
    assert_refused(broken_wire("commands/0/exit_status", json_integer(1LL << 40)),
                   "exit status out of range");
    assert_refused(broken_wire("commands/0/exit_status", json_integer(-2)), "exit status -2");
    assert_refused(broken_wire("commands/0/timed_out", json_integer(1)), "integer boolean");
    assert_refused(broken_wire("commands/0/truncated", NULL), "missing truncated");
    assert_refused(broken_wire("commands/0/duration", json_string("1s")), "string duration");
}

/* Half-parsed data (a good first item, then a bad one) is freed, not leaked:
 * the sanitizer or valgrind run of this test is what proves it. */
static void test_from_json_partial_input(void **state)
{
    json_t *good = json_loads(valid_wire, 0, NULL);
    json_t *j;

    j = broken_wire("findings/1", json_deep_copy(json_array_get(member(good, "findings"), 0)));
    json_object_set_new(json_array_get(member(j, "findings"), 1), "severity",
                        json_string("bogus"));
    assert_refused(j, "second finding bad");

    j = broken_wire("commands/1", json_deep_copy(json_array_get(member(good, "commands"), 0)));
    json_array_append_new(member(json_array_get(member(j, "commands"), 1), "argv"),
                          json_false());
    assert_refused(j, "second command's argv bad");

    j = json_deep_copy(good);
    json_array_append_new(member(j, "findings"), json_object());
    json_array_append_new(member(j, "findings"), json_object());
    assert_refused(j, "empty findings after a good one");
    json_decref(good);
}

static void test_invalid_utf8_becomes_replacement(void **state)
{
    struct sos_check_result r;
    json_t *j;
    const char *msg;

    memset(&r, 0, sizeof r);
    add_finding(&r, "x.bad-utf8", SOURCEOS_SEV_INFO, "caf\xe9 \xff");
    add_kv(&r.facts, &r.n_facts, "k\xfe", "v");
    j = sos_result_to_json(&r);
    assert_non_null(j);
    msg = json_string_value(member(json_array_get(member(j, "findings"), 0), "message"));
    assert_string_equal(msg, "caf\xef\xbf\xbd \xef\xbf\xbd");
    assert_non_null(json_object_get(member(j, "facts"), "k\xef\xbf\xbd"));
    json_decref(j);
    sos_check_result_free(&r);
}

static void write_report_if_asked(const json_t *report)
{
    const char *path = getenv("SOS_REPORT_OUT");

    if (path && *path)
        assert_int_equal(json_dump_file(report, path, JSON_INDENT(2)), 0);
}

static void test_report_json(void **state)
{
    struct fixture *fx = *state;
    json_t *j = sos_report_to_json(&fx->run);
    json_t *host, *summary, *checks, *entry;

    assert_non_null(j);
    write_report_if_asked(j);
    assert_string_member(j, "tool", "sourceos");
    assert_string_member(j, "version", "0.1.0");
    assert_string_member(j, "command", "doctor local-runtime");
    assert_string_member(j, "started", "2024-05-01T12:34:56.789Z");
    assert_true(json_is_number(member(j, "duration")));
    assert_int_member(j, "exit_code", 2);

    host = member(j, "host");
    assert_string_member(host, "os", "linux");
    assert_string_member(host, "os_name", "Debian GNU/Linux 12 (bookworm)");
    assert_string_member(host, "os_version", "12");
    assert_string_member(host, "arch", "x86_64");
    assert_string_member(host, "kernel", "6.1.0-18-amd64");
    assert_string_member(host, "hostname", "build");
    assert_bool_member(host, "wsl", 0);
    assert_bool_member(host, "container", 1);
    assert_bool_member(host, "root", 0);
    assert_int_equal(json_object_size(host), 9);

    summary = member(j, "summary");
    assert_int_member(summary, "total", 6);
    assert_int_member(summary, "ok", 1);
    assert_int_member(summary, "warning", 1);
    assert_int_member(summary, "failure", 1);
    assert_int_member(summary, "error", 1);
    assert_int_member(summary, "skipped", 1);
    assert_int_member(summary, "timeout", 1);

    checks = member(j, "checks");
    assert_int_equal(json_array_size(checks), N_ENTRIES);
    entry = json_array_get(checks, 0);
    assert_string_member(entry, "id", "podman.binary");
    assert_string_member(entry, "plugin", "podman-machine");
    assert_string_member(entry, "check", "binary");
    assert_string_member(entry, "summary", "Podman is installed");
    assert_string_member(entry, "severity", "critical");
    assert_string_member(entry, "scope", "runtime");
    assert_string_member(entry, "status", "ok");
    assert_string_member(member(entry, "facts"), "podman.version", "4.3.1");
    entry = json_array_get(checks, 1);
    assert_string_member(entry, "severity", "warning");
    entry = json_array_get(checks, 2);
    assert_true(json_is_null(member(entry, "summary")));
    assert_string_member(entry, "scope", "agent");
    entry = json_array_get(checks, 4);
    assert_string_member(entry, "status", "skipped");
    assert_string_member(entry, "reason", "needs launchd.plist, which did not pass");
    assert_null(json_object_get(entry, "signal"));
    json_decref(j);
}

static void assert_started_as(double started, const char *expected)
{
    struct sos_run run;
    json_t *j;

    memset(&run, 0, sizeof run);
    run.started = started;
    j = sos_report_to_json(&run);
    assert_non_null(j);
    assert_string_member(j, "started", expected);
    assert_int_equal(json_array_size(member(j, "checks")), 0);
    assert_int_member(member(j, "summary"), "total", 0);
    json_decref(j);
}

static void test_report_timestamps(void **state)
{
    assert_started_as(0, "1970-01-01T00:00:00.000Z");
    assert_started_as(0.9996, "1970-01-01T00:00:01.000Z"); /* rounds up a second */
    assert_started_as(1714566896.0004, "2024-05-01T12:34:56.000Z");
    assert_started_as(-5, "1970-01-01T00:00:00.000Z");
    assert_started_as(1e300, "1970-01-01T00:00:00.000Z");
    assert_started_as(NAN, "1970-01-01T00:00:00.000Z");
}

/* ---- report_human.c ---------------------------------------------------- */

static void test_human_plain(void **state)
{
    struct fixture *fx = *state;
    char *text = human_report(&fx->run, 0, 0, 0);

    assert_contains(text, "OK       podman.binary          Podman is installed  12ms\n");
    assert_contains(text, "WARN     registry-auth.helpers  No credential helper");
    /* no summary (a plugin that did not load): what checks.d says it runs */
    assert_contains(text, "FAIL     podman-machine.state   podman-machine/state  1.20s\n");
    assert_contains(text, "ERROR    launchd.plist");
    assert_contains(text, "SKIP     launchd.label");
    assert_contains(text, "TIMEOUT  podman-machine.socket  The socket answers  5.00s\n");
    assert_contains(text, "\n         [podman-machine.stopped] machine \\x1b[31m"
                          "podman-machine-default\\x07 is stopped\\x0a\n");
    assert_contains(text, "\n           path: /Users/dev/.config/containers/podman/machine\n");
    assert_contains(text, "\n           fix: Start the machine\n");
    assert_contains(text, "\n           $ podman machine start\n");
    assert_contains(text, "\n           $ podman machine list\n");
    assert_contains(text, "\n         [podman-machine.note] no remediation, no path\n");
    assert_contains(text, "\n         the check's process crashed\n");
    assert_contains(text, "\n         killed by signal 11\n");
    assert_contains(text, "\n         needs launchd.plist, which did not pass\n");
    assert_contains(text, "\n         killed at its deadline (5s)\n");
    assert_contains(text, "\n6 checks: 1 ok, 1 warning, 1 failure, 1 error, 1 skipped, "
                          "1 timeout in 0.42s (exit 2)\n");
    free(text);
    /* the runner's reason for a crash names the signal: not said twice */
    free(fx->entries[3].result.reason);
    fx->entries[3].result.reason = xstrdup("the check crashed: killed by signal 11 "
                                         "(Segmentation fault)");
    text = human_report(&fx->run, 0, 0, 0);
    assert_contains(text, "\n         the check crashed: killed by signal 11 "
                          "(Segmentation fault)\n");
    assert_lacks(text, "\n         killed by signal 11\n");
    assert_lacks(text, "\x1b");
    assert_lacks(text, "facts:");
    assert_lacks(text, "evidence:");
    assert_only_safe_controls(text, 0);
    assert_no_trailing_spaces(text);
    free(text);
}

static void test_human_color(void **state)
{
    struct fixture *fx = *state;
    char *text = human_report(&fx->run, 1, 0, 0);

    assert_contains(text, "\x1b[32mOK\x1b[0m       podman.binary");
    assert_contains(text, "\x1b[33mWARN\x1b[0m");
    assert_contains(text, "\x1b[31mFAIL\x1b[0m");
    assert_contains(text, "\x1b[35mERROR\x1b[0m");
    assert_contains(text, "\x1b[35mTIMEOUT\x1b[0m");
    assert_contains(text, "\x1b[2mSKIP\x1b[0m");
    /* The plugin's own escape sequence is still shown, not obeyed. */
    assert_contains(text, "machine \\x1b[31mpodman-machine-default");
    assert_lacks(text, "\x1b[31mpodman");
    assert_only_safe_controls(text, 1);
    assert_no_trailing_spaces(text);
    free(text);
}

static void test_human_quiet(void **state)
{
    struct fixture *fx = *state;
    char *text = human_report(&fx->run, 0, 1, 0);

    assert_lacks(text, "podman.binary");
    assert_lacks(text, "launchd.label");
    assert_contains(text, "WARN     registry-auth.helpers");
    assert_contains(text, "FAIL     podman-machine.state");
    assert_contains(text, "ERROR    launchd.plist");
    assert_contains(text, "TIMEOUT  podman-machine.socket");
    assert_contains(text, "6 checks: 1 ok,");
    assert_no_trailing_spaces(text);
    free(text);
}

static void test_human_verbose(void **state)
{
    struct fixture *fx = *state;
    char *text = human_report(&fx->run, 0, 0, 1);

    assert_contains(text, "\n         facts:\n           podman.version = 4.3.1\n"
                          "           podman.path = /usr/bin/podman\n");
    assert_contains(text, "\n         ran:\n"
                          "           podman version --format '{{.Client.Version}}' "
                          "(exit 0, 12ms)\n");
    assert_contains(text, "           podman machine inspect (timed out after 5.00s, "
                          "output truncated)\n");
    assert_contains(text, "           podman-remote (not started)\n");
    assert_contains(text, "           evidence: State = stopped\n");
    assert_no_trailing_spaces(text);
    assert_only_safe_controls(text, 0);
    free(text);
}

static void test_human_escapes_untrusted_text(void **state)
{
    struct fixture *fx = *state;
    struct sos_finding_rec *f = add_finding(&fx->entries[0].result, "x.sneaky",
                                            SOURCEOS_SEV_INFO,
                                            "a\xe2\x80\xae" "b \xff c\xc2\x9b" "d \xc3\xa9t\xc3\xa9");
    char *text;

    f->path = xstrdup("/tmp/\r\t");
    add_string(&fx->entries[0].result.commands[0].argv,
               &fx->entries[0].result.commands[0].argc, "it's \x1b");
    text = human_report(&fx->run, 0, 0, 1);
    assert_contains(text, "[x.sneaky] a\\u202eb \\xff c\\u009bd \xc3\xa9t\xc3\xa9\n");
    assert_contains(text, "path: /tmp/\\x0d\\x09\n");
    assert_contains(text, " 'it'\\''s \\x1b' (exit 0");
    assert_only_safe_controls(text, 0);
    assert_lacks(text, "\xe2\x80\xae");
    free(text);
}

static void test_human_empty_run(void **state)
{
    struct sos_run run;
    char *text;

    memset(&run, 0, sizeof run);
    text = human_report(&run, 1, 0, 1);
    assert_string_equal(text, "0 checks: 0 ok, 0 warnings, 0 failures, 0 errors, 0 skipped, "
                              "0 timeouts in 0.00s (exit 0)\n");
    free(text);
}

/* ---- The human report as the run goes ---------------------------------- */

/* What was printed so far (the stream is flushed first). */
static const char *captured(struct capture *c)
{
    assert_int_equal(fflush(c->f), 0);
    assert_non_null(c->text); /* set by the flush, even when empty */
    return c->text;
}

static void set_done(struct fixture *fx, int done)
{
    for (size_t i = 0; i < N_ENTRIES; i++) {
        fx->entries[i].done = done;
        fx->entries[i].result.started = 1000.0;
    }
}

/* Checks finishing out of order: a check's lines wait for every check
 * before it, and the whole is byte for byte the report printed at once. */
static void test_human_stream_in_run_order(void **state)
{
    struct fixture *fx = *state;
    struct sos_human_opts opts = { .verbose = 1 };
    char *whole = human_report(&fx->run, 0, 0, 1);
    struct capture c;
    struct sos_human_stream *hs;

    set_done(fx, 0);
    hs = sos_human_stream_new(capture_start(&c), &fx->run, &opts);
    assert_non_null(hs);
    fx->entries[2].done = 1;
    sos_human_stream_finished(hs);
    assert_string_equal(captured(&c), ""); /* podman.binary still runs */
    fx->entries[0].done = 1;
    sos_human_stream_finished(hs);
    assert_contains(captured(&c), "podman.binary");
    assert_lacks(captured(&c), "registry-auth.helpers");
    fx->entries[1].done = 1;
    sos_human_stream_finished(hs);
    /* 0, 1 and 2 are out: 2 was waiting for 1 */
    assert_contains(captured(&c), "podman-machine.state");
    assert_lacks(captured(&c), "launchd.plist");
    assert_lacks(captured(&c), "checks:");
    set_done(fx, 1);
    sos_human_stream_end(hs);
    sos_human_stream_free(hs);
    assert_string_equal(capture_end(&c), whole);
    free(c.text);
    free(whole);
}

/* Under --quiet the shown checks (and the id column) are known at the end. */
static void test_human_stream_quiet_waits(void **state)
{
    struct fixture *fx = *state;
    struct sos_human_opts opts = { .quiet = 1 };
    char *whole = human_report(&fx->run, 0, 1, 0);
    struct capture c;
    struct sos_human_stream *hs = sos_human_stream_new(capture_start(&c), &fx->run, &opts);

    assert_non_null(hs);
    sos_human_stream_finished(hs);
    assert_string_equal(captured(&c), "");
    sos_human_stream_end(hs);
    sos_human_stream_free(hs);
    assert_string_equal(capture_end(&c), whole);
    free(c.text);
    free(whole);
}

/* The status line names the running checks (started, not done) with their
 * time, fits the width, is erased before a line, and exists only when
 * asked for. */
static void test_human_stream_status_line(void **state)
{
    struct fixture *fx = *state;
    struct sos_human_opts opts = { .status_line = 1 };
    struct capture c;
    struct sos_human_stream *hs;
    const char *text;

    set_done(fx, 0);
    fx->entries[0].result.started = 995.8; /* podman.binary, 4.2 s */
    fx->entries[1].result.started = 999.0; /* registry-auth.helpers, 1.0 s */
    for (size_t i = 2; i < N_ENTRIES; i++)
        fx->entries[i].result.started = 0; /* not started */
    hs = sos_human_stream_new(capture_start(&c), &fx->run, &opts);
    assert_non_null(hs);
    sos_human_stream_status(hs, 1000.0, 80);
    assert_string_equal(captured(&c),
                        "running: podman.binary (4.2s), registry-auth.helpers (1.0s)");
    sos_human_stream_status(hs, 1000.5, 26); /* redrawn, cut to 25 */
    text = captured(&c) + strlen("running: podman.binary (4.2s), registry-auth.helpers (1.0s)");
    assert_string_equal(text, "\r\x1b[Krunning: podman.binary...");
    fx->entries[0].done = 1;
    sos_human_stream_finished(hs);
    text = strstr(captured(&c), "...") + 3;
    assert_true(strncmp(text, "\r\x1b[KOK       podman.binary", 26) == 0);
    sos_human_stream_status(hs, 1001.0, 0); /* width unknown: 80 */
    /* the lines erased it: drawn again on a fresh line, nothing to erase */
    assert_contains(captured(&c), "12ms\nrunning: registry-auth.helpers (2.0s)");
    set_done(fx, 1);
    sos_human_stream_status(hs, 1002.0, 80); /* none running: erased */
    text = captured(&c);
    assert_true(strlen(text) >= 4);
    assert_string_equal(text + strlen(text) - 4, "\r\x1b[K");
    sos_human_stream_end(hs);
    sos_human_stream_free(hs);
    text = capture_end(&c);
    assert_string_equal(text + strlen(text) - strlen("(exit 2)\n"), "(exit 2)\n");
    free(c.text);

    /* not asked for: never written */
    set_done(fx, 0);
    opts.status_line = 0;
    hs = sos_human_stream_new(capture_start(&c), &fx->run, &opts);
    sos_human_stream_status(hs, 1000.0, 80);
    assert_string_equal(captured(&c), "");
    sos_human_stream_free(hs);
    free(capture_end(&c));
}

/* ---- report_ndjson.c --------------------------------------------------- */

static char *ndjson_stream(const struct sos_run *run)
{
    struct capture c;
    FILE *f = capture_start(&c);

    for (size_t i = 0; i < run->n_entries; i++) {
        sos_ndjson_check_started(f, &run->entries[i]);
        sos_ndjson_check_finished(f, run, &run->entries[i]);
    }
    sos_ndjson_summary(f, run);
    return capture_end(&c);
}

static void write_ndjson_if_asked(const char *text)
{
    const char *path = getenv("SOS_NDJSON_OUT");
    FILE *f;

    if (!path || !*path)
        return;
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void test_ndjson(void **state)
{
    struct fixture *fx = *state;
    char *text = ndjson_stream(&fx->run);
    char *save = NULL;
    size_t n = 0;

    write_ndjson_if_asked(text);
    assert_true(text[strlen(text) - 1] == '\n');
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_error_t error;
        json_t *event = json_loads(line, 0, &error);
        const char *name;

        if (!event)
            fail_msg("line %zu is not JSON: %s: %s", n + 1, error.text, line);
        name = json_string_value(member(event, "event"));
        assert_non_null(name);
        if (n == 2 * N_ENTRIES) {
            assert_string_equal(name, "summary");
            assert_int_member(event, "exit_code", 2);
            assert_int_member(member(event, "summary"), "total", 6);
            assert_true(json_is_number(member(event, "duration")));
        } else if (n % 2 == 0) {
            assert_string_equal(name, "check-started");
            assert_string_member(event, "id", fx->decls[n / 2].id);
            assert_string_member(event, "plugin", fx->decls[n / 2].plugin);
            assert_string_member(event, "check", fx->decls[n / 2].check);
            assert_true(json_real_value(member(event, "time")) ==
                        fx->entries[n / 2].result.started);
            assert_int_equal(json_object_size(event), 5);
        } else {
            assert_string_equal(name, "check-finished");
            assert_string_member(event, "id", fx->decls[n / 2].id);
            assert_string_member(event, "status",
                                 sos_status_name(fx->entries[n / 2].result.status));
            assert_type_member(event, "findings", JSON_ARRAY);
        }
        assert_null(strchr(line, '\x1b')); /* escaped as \u001b in JSON */
        json_decref(event);
        n++;
    }
    assert_int_equal(n, 2 * N_ENTRIES + 1);
    free(text);
}

/* A capture's outputs (any bytes, NULs included) and what the check looked
 * at cross the wire exactly, and never appear in a report. */
static void test_capture_rides_wire_only(void **state)
{
    static const char out[] = "line\0with nul \xff\xfe";
    char *argv0 = xstrdup("podman");
    struct sos_check_result r, back;
    json_t *wire, *report;
    char *text;
    (void)state;
    memset(&r, 0, sizeof r);
    r.status = SOS_ST_OK;
    r.commands = calloc(1, sizeof *r.commands);
    r.commands[0].argv = calloc(2, sizeof(char *));
    r.commands[0].argv[0] = argv0;
    r.commands[0].argc = 1;
    r.commands[0].out = malloc(sizeof out);
    memcpy(r.commands[0].out, out, sizeof out);
    r.commands[0].out_len = sizeof out - 1;
    r.commands[0].err = xstrdup("warn");
    r.commands[0].err_len = 4;
    r.commands[0].start_errno = 2;
    r.commands[0].time = 1700000000.5;
    r.n_commands = 1;
    r.seen = calloc(2, sizeof *r.seen);
    r.seen[0] = (struct sos_seen_rec){SOS_SEEN_PATH, xstrdup("/etc/x"), NULL, 2};
    r.seen[1] = (struct sos_seen_rec){SOS_SEEN_ENV, xstrdup("DOCKER_CONFIG"), xstrdup("/d"), 0};
    r.n_seen = 2;

    wire = sos_result_to_wire(&r);
    assert_non_null(wire);
    text = json_dumps(wire, JSON_COMPACT);
    json_decref(wire);
    wire = json_loads(text, 0, NULL);
    free(text);
    assert_int_equal(sos_result_from_json(wire, &back), 0);
    assert_int_equal(back.commands[0].out_len, sizeof out - 1);
    assert_memory_equal(back.commands[0].out, out, sizeof out - 1);
    assert_string_equal(back.commands[0].err, "warn");
    assert_int_equal(back.commands[0].start_errno, 2);
    assert_true(fabs(back.commands[0].time - 1700000000.5) < 1e-3);
    assert_int_equal(back.n_seen, 2);
    assert_int_equal(back.seen[0].kind, SOS_SEEN_PATH);
    assert_string_equal(back.seen[0].name, "/etc/x");
    assert_int_equal(back.seen[0].error, 2);
    assert_int_equal(back.seen[1].kind, SOS_SEEN_ENV);
    assert_string_equal(back.seen[1].value, "/d");
    sos_check_result_free(&back);

    /* the report's JSON has none of it */
    report = sos_result_to_json(&r);
    text = json_dumps(report, JSON_COMPACT);
    assert_null(strstr(text, "stdout"));
    assert_null(strstr(text, "seen"));
    assert_null(strstr(text, "DOCKER_CONFIG"));
    free(text);
    json_decref(report);

    /* a broken hex output is refused */
    json_object_set_new(json_array_get(json_object_get(wire, "commands"), 0), "stdout_hex",
                        json_string("zz"));
    assert_int_not_equal(sos_result_from_json(wire, &back), 0);
    json_decref(wire);
    sos_check_result_free(&r);
}

/* ---- Prometheus ----------------------------------------------------------- */

static void test_prometheus(void **state)
{
    struct fixture *fx = *state;
    struct sos_prom_agent agents[] = {{"web", "tripped", "systemd", 2},
                                      {"api", NULL, "launchd", -1}};
    struct sos_prom_extra x = {"web", agents, 2};
    struct sos_finding_rec *f = add_finding(&fx->entries[3].result, "launchd.jobs-summary",
                                            SOURCEOS_SEV_INFO, "asked launchd about 5 jobs");
    struct capture c;
    char *text;

    add_kv(&f->evidence, &f->n_evidence, "service_runs",
           "com.example.a\t12\n"
           "com.\"quote\\back\t3\n"
           "com.example.a\t99\n" /* the same label again: its first line */
           "no tab here\n"
           "com.example.neg\t-1\n"
           "com.example.word\tmany\n"
           "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB\t1\n"
           "com.\xc3\xa9t\t5\n"
           "com.\xc3\xa8t\t6\n" /* the same label once cleaned: its first line */
           "com.example.last\t7"); /* no newline */
    assert_int_equal(sos_report_print_prometheus(capture_start(&c), &fx->run, &x), 0);
    text = capture_end(&c);
    assert_contains(text, "# TYPE sourceos_build_info gauge\n"
                          "sourceos_build_info{version=\"0.1.0\",abi=\"1.");
    /* each status's number; the agent of a `doctor NAME` on its agent-scope checks */
    assert_contains(text, "sourceos_check_status{check=\"podman.binary\",plugin=\"podman-machine\","
                          "scope=\"runtime\",agent=\"\"} 0\n");
    assert_contains(text, "sourceos_check_status{check=\"podman-machine.state\",plugin=\"podman-"
                          "machine\",scope=\"agent\",agent=\"web\"} 2\n");
    assert_contains(text, "check=\"launchd.plist\",plugin=\"launchd\",scope=\"agent\",agent=\"web\"} 3\n");
    assert_contains(text, "check=\"launchd.label\",plugin=\"launchd\",scope=\"agent\",agent=\"web\"} 4\n");
    assert_contains(text, "check=\"podman-machine.socket\",plugin=\"podman-machine\",scope=\"runtime\",agent=\"\"} 5\n");
    /* findings counted by severity and code, never their messages */
    assert_contains(text, "sourceos_findings{severity=\"critical\",code=\"podman-machine.stopped\"} 1\n");
    assert_contains(text, "sourceos_findings{severity=\"warning\",code=\"registry-auth.helper-interactive\"} 1\n");
    assert_lacks(text, "is stopped");
    assert_lacks(text, "docker-credential-desktop");
    /* one state series per agent that has a state; restarts when known */
    assert_contains(text, "sourceos_agent_state{agent=\"web\",state=\"tripped\"} 1\n");
    assert_lacks(text, "agent=\"api\",state");
    assert_contains(text, "sourceos_agent_restarts{agent=\"web\",backend=\"systemd\"} 2\n");
    assert_lacks(text, "sourceos_agent_restarts{agent=\"api\"");
    /* the services: each once, escaped, redacted; malformed lines left out */
    assert_contains(text, "sourceos_service_runs{label_or_unit=\"com.example.a\",backend=\"launchd\"} 12\n");
    assert_lacks(text, "} 99\n");
    assert_contains(text, "label_or_unit=\"com.\\\"quote\\\\back\",backend=\"launchd\"} 3\n");
    assert_lacks(text, "no tab here");
    assert_lacks(text, "com.example.neg");
    assert_lacks(text, "com.example.word");
    assert_lacks(text, "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB");
    assert_contains(text, "sourceos_service_runs{label_or_unit=\"com.example.last\",backend=\"launchd\"} 7\n");
    assert_contains(text, "sourceos_service_runs{label_or_unit=\"com.__t\",backend=\"launchd\"} 5\n");
    assert_lacks(text, "} 6\n");
    assert_contains(text, "sourceos_run_duration_seconds 0.420\n");
    assert_contains(text, "sourceos_last_run_timestamp_seconds 1714566897.209\n");
    assert_no_trailing_spaces(text);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_exit_codes),
        cmocka_unit_test_setup_teardown(test_result_free_zeroes, setup_run, teardown_run),
        cmocka_unit_test_setup_teardown(test_result_json_members, setup_run, teardown_run),
        cmocka_unit_test_setup_teardown(test_result_round_trip, setup_run, teardown_run),
        cmocka_unit_test_setup_teardown(test_entry_parses_as_result, setup_run, teardown_run),
        cmocka_unit_test(test_from_json_accepts_valid),
        cmocka_unit_test(test_from_json_refuses_malformed),
        cmocka_unit_test(test_from_json_partial_input),
        cmocka_unit_test(test_invalid_utf8_becomes_replacement),
        cmocka_unit_test(test_capture_rides_wire_only),
        cmocka_unit_test_setup_teardown(test_report_json, setup_run, teardown_run),
        cmocka_unit_test(test_report_timestamps),
        cmocka_unit_test_setup_teardown(test_human_plain, setup_run, teardown_run),
        cmocka_unit_test_setup_teardown(test_human_color, setup_run, teardown_run),
        cmocka_unit_test_setup_teardown(test_human_quiet, setup_run, teardown_run),
        cmocka_unit_test_setup_teardown(test_human_verbose, setup_run, teardown_run),
        cmocka_unit_test_setup_teardown(test_human_escapes_untrusted_text, setup_run,
                                        teardown_run),
        cmocka_unit_test(test_human_empty_run),
        cmocka_unit_test_setup_teardown(test_human_stream_in_run_order, setup_run,
                                        teardown_run),
        cmocka_unit_test_setup_teardown(test_human_stream_quiet_waits, setup_run,
                                        teardown_run),
        cmocka_unit_test_setup_teardown(test_human_stream_status_line, setup_run,
                                        teardown_run),
        cmocka_unit_test_setup_teardown(test_ndjson, setup_run, teardown_run),
        cmocka_unit_test_setup_teardown(test_prometheus, setup_run, teardown_run),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
