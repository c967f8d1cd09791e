/* The host facts a plugin can rely on are listed twice for its author, in
 * include/sourceos/plugin.h and in sourceos-plugin(3); both must name
 * exactly the facts the core publishes (sos_host_facts), and the manual
 * must state the header's ABI version. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"
#include "sourceos/plugin.h"

#define MAX_FACTS 64

struct names {
    char *v[MAX_FACTS];
    size_t n;
};

static char *read_text(const char *rel)
{
    char path[4096];
    FILE *f;
    long len;
    char *text;
    snprintf(path, sizeof path, "%s/%s", SOS_SRCDIR, rel);
    f = fopen(path, "r");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    len = ftell(f);
    rewind(f);
    text = calloc(1, (size_t)len + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    return text;
}

static void add_name(struct names *ns, const char *s, size_t len)
{
    for (size_t i = 0; i < ns->n; i++)
        if (strlen(ns->v[i]) == len && strncmp(ns->v[i], s, len) == 0)
            return;
    assert_true(ns->n < MAX_FACTS);
    ns->v[ns->n++] = strndup(s, len);
}

/* Every host.NAME between START (which must occur) and the first END after it. */
static void names_between(const char *text, const char *start, const char *end,
                          struct names *ns)
{
    const char *from = strstr(text, start);
    const char *to;
    char *span;
    regex_t re;
    regmatch_t m;
    assert_non_null(from);
    to = strstr(from, end);
    assert_non_null(to);
    span = strndup(from, (size_t)(to - from));
    assert_int_equal(regcomp(&re, "host\\.[a-z_]+", REG_EXTENDED), 0);
    for (const char *p = span; regexec(&re, p, 1, &m, 0) == 0; p += m.rm_eo)
        add_name(ns, p + m.rm_so, (size_t)(m.rm_eo - m.rm_so));
    regfree(&re);
    free(span);
}

static void assert_same(const struct names *want, const struct names *got,
                        const char *where)
{
    for (size_t i = 0; i < want->n; i++) {
        size_t k = 0;
        while (k < got->n && strcmp(got->v[k], want->v[i]) != 0)
            k++;
        if (k == got->n)
            fail_msg("%s does not list %s", where, want->v[i]);
    }
    if (got->n != want->n)
        fail_msg("%s lists %zu host facts, the core publishes %zu", where, got->n,
                 want->n);
}

static void published(struct names *ns)
{
    struct sos_host host;
    struct sos_kv *kv;
    size_t n;
    memset(&host, 0, sizeof host);
    assert_int_equal(sos_host_facts(&host, 0, &kv, &n), 0);
    for (size_t i = 0; i < n; i++)
        add_name(ns, kv[i].key, strlen(kv[i].key));
    sos_kv_free(kv, n);
}

static void free_names(struct names *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        free(ns->v[i]);
}

static void test_header_lists_the_published_facts(void **state)
{
    struct names core = {{0}, 0}, header = {{0}, 0};
    char *text = read_text("include/sourceos/plugin.h");
    (void)state;
    published(&core);
    names_between(text, "host facts the core publishes", "*/", &header);
    assert_same(&core, &header, "include/sourceos/plugin.h");
    free(text);
    free_names(&core);
    free_names(&header);
}

static void test_manual_lists_the_published_facts(void **state)
{
    struct names core = {{0}, 0}, manual = {{0}, 0};
    char *text = read_text("docs/sourceos-plugin.3");
    (void)state;
    published(&core);
    names_between(text, "host facts the core publishes", ".Ss", &manual); /* mdoc */
    assert_same(&core, &manual, "docs/sourceos-plugin.3");
    free(text);
    free_names(&core);
    free_names(&manual);
}

static void test_manual_states_the_header_abi(void **state)
{
    char *text = read_text("docs/sourceos-plugin.3");
    char want[64];
    (void)state;
    snprintf(want, sizeof want, "currently %d and %d.", SOURCEOS_ABI_MAJOR,
             SOURCEOS_ABI_MINOR);
    if (!strstr(text, want))
        fail_msg("docs/sourceos-plugin.3 does not say '%s'", want);
    /* A "\\fR" once written through a C string became a form feed, which
     * the page showed as "host:portR". */
    if (strchr(text, '\f'))
        fail_msg("docs/sourceos-plugin.3 holds a form feed (a \\fR gone wrong)");
    free(text);
}

/* host.live tells a check whether it may ask this machine, before it asks. */
static const char *live_fact(int offline, char *out, size_t size)
{
    struct sos_host host;
    struct sos_kv *kv;
    size_t n;
    memset(&host, 0, sizeof host);
    assert_int_equal(sos_host_facts(&host, offline, &kv, &n), 0);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        if (strcmp(kv[i].key, "host.live") == 0)
            snprintf(out, size, "%s", kv[i].value);
    sos_kv_free(kv, n);
    return out;
}

static void test_host_live_follows_offline(void **state)
{
    char buf[16];
    (void)state;
    assert_string_equal(live_fact(0, buf, sizeof buf), "true");
    assert_string_equal(live_fact(1, buf, sizeof buf), "false");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_lists_the_published_facts),
        cmocka_unit_test(test_manual_lists_the_published_facts),
        cmocka_unit_test(test_manual_states_the_header_abi),
        cmocka_unit_test(test_host_live_follows_offline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
