/* Reading JSON through the plugin API: a document is parsed once however
 * many calls read it, member I of an object is found without walking the
 * members before it (a full walk of a 1 MiB document is linear, where it
 * was quadratic: 35 s for a 757 KB auth.json), a buffer reused for other
 * content is read anew, and names handed out stay valid while other texts
 * are parsed. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctx.h"
#include "result.h"

struct fixture {
    char id[32], plugin[8], check[8];
    struct sos_check_decl decl;
    struct sos_check_result result;
    sourceos_ctx *ctx;
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    struct sos_ctx_config config;
    if (!fx)
        return -1;
    snprintf(fx->id, sizeof fx->id, "test.json-walk");
    snprintf(fx->plugin, sizeof fx->plugin, "test");
    snprintf(fx->check, sizeof fx->check, "walk");
    fx->decl.id = fx->id;
    fx->decl.plugin = fx->plugin;
    fx->decl.check = fx->check;
    memset(&config, 0, sizeof config);
    config.decl = &fx->decl;
    fx->ctx = sos_ctx_new(&config, &fx->result);
    *state = fx;
    return fx->ctx ? 0 : -1;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    sos_ctx_free(fx->ctx);
    sos_check_result_free(&fx->result);
    free(fx);
    return 0;
}

/* CPU time of this process: what the walk costs, whatever else the
 * machine is doing (wall time failed this test on a loaded CI machine). */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* {"auths":{"r0.example":{"auth":"a0"},...}} of about BYTES bytes; *N gets
 * the number of members. */
static char *auth_doc(size_t bytes, size_t *n, size_t *len)
{
    char *doc = malloc(bytes + 256);
    size_t used = 0, i = 0;
    assert_non_null(doc);
    used += (size_t)sprintf(doc, "{\"auths\":{");
    while (used < bytes) {
        used += (size_t)sprintf(doc + used, "%s\"r%zu.example\":{\"auth\":\"a%zu\"}",
                                i ? "," : "", i, i);
        i++;
    }
    used += (size_t)sprintf(doc + used, "}}");
    *n = i;
    *len = used;
    return doc;
}

/* Every member by name and index, its value by a quoted path: the loop
 * registry-auth runs over auths. */
static void walk(sourceos_ctx *ctx, const char *doc, size_t len, size_t n)
{
    char path[64], want[32];
    assert_int_equal(sourceos_json_count(ctx, doc, len, "auths"), (long)n);
    for (size_t i = 0; i < n; i++) {
        const char *key = sourceos_json_key_at(ctx, doc, len, "auths", i);
        const char *auth;
        snprintf(want, sizeof want, "r%zu.example", i);
        assert_non_null(key);
        assert_string_equal(key, want);
        snprintf(path, sizeof path, "auths[\"%s\"].auth", key);
        assert_int_equal(sourceos_json_count(ctx, doc, len, path), -1);
        auth = sourceos_json_get(ctx, doc, len, path);
        snprintf(want, sizeof want, "a%zu", i);
        assert_non_null(auth);
        assert_string_equal(auth, want);
    }
    assert_null(sourceos_json_key_at(ctx, doc, len, "auths", n));
}

/* CPU seconds of walking a document of about BYTES bytes. */
static double walk_cost(sourceos_ctx *ctx, size_t bytes, size_t *members)
{
    size_t len;
    char *doc = auth_doc(bytes, members, &len);
    double start = cpu_now(), took;
    walk(ctx, doc, len, *members);
    took = cpu_now() - start;
    free(doc);
    return took;
}

static void test_full_walk_is_linear(void **state)
{
    struct fixture *fx = *state;
    size_t n_small, n_big;
    double small = walk_cost(fx->ctx, 128 * 1024, &n_small);
    double big = walk_cost(fx->ctx, 1024 * 1024, &n_big);
    double ratio = big / (small > 1e-4 ? small : 1e-4);
    /* 8 times the bytes: a linear reader costs about 8 times as much, the
     * quadratic one of ec7f4bf about 64 times (over a minute for 1 MiB).
     * A ratio, not a time, so that ASan and a slow machine do not matter. */
    print_message("# %zu members: %.3f s CPU, %zu members: %.3f s CPU (%.1fx)\n",
                  n_small, small, n_big, big, ratio);
    assert_true(ratio < 24.0);
}

/* The same buffer (address and length) with other bytes in it. */
static void test_reused_buffer_is_read_anew(void **state)
{
    struct fixture *fx = *state;
    char buf[64];
    snprintf(buf, sizeof buf, "{\"a\":\"one\",\"b\":1}");
    assert_string_equal(sourceos_json_get(fx->ctx, buf, strlen(buf), "a"), "one");
    snprintf(buf, sizeof buf, "{\"a\":\"two\",\"c\":2}");
    assert_string_equal(sourceos_json_get(fx->ctx, buf, strlen(buf), "a"), "two");
    assert_string_equal(sourceos_json_key_at(fx->ctx, buf, strlen(buf), "", 1), "c");
    assert_null(sourceos_json_get(fx->ctx, buf, strlen(buf), "b"));
    /* Not JSON, then a scalar: no members. */
    snprintf(buf, sizeof buf, "{\"a\":");
    assert_int_equal(sourceos_json_count(fx->ctx, buf, strlen(buf), ""), -1);
    assert_null(sourceos_json_key_at(fx->ctx, buf, strlen(buf), "", 0));
    snprintf(buf, sizeof buf, "\"s\"");
    assert_null(sourceos_json_key_at(fx->ctx, buf, strlen(buf), "", 0));
}

/* Names from key_at are borrowed from the parsed document: they must stay
 * valid after other texts are read (ASan catches a freed one). */
static void test_names_outlive_other_texts(void **state)
{
    struct fixture *fx = *state;
    const char *a = "{\"first\":{\"x\":1},\"second\":2}";
    const char *name0 = sourceos_json_key_at(fx->ctx, a, strlen(a), "", 0);
    const char *name1 = sourceos_json_key_at(fx->ctx, a, strlen(a), "", 1);
    for (int i = 0; i < 40; i++) {
        char other[32];
        snprintf(other, sizeof other, "{\"k%d\":%d}", i, i);
        assert_non_null(sourceos_json_key_at(fx->ctx, other, strlen(other), "", 0));
    }
    assert_string_equal(name0, "first");
    assert_string_equal(name1, "second");
    /* Members of nested objects, alternating between two objects. */
    assert_string_equal(sourceos_json_key_at(fx->ctx, a, strlen(a), "first", 0), "x");
    assert_string_equal(sourceos_json_key_at(fx->ctx, a, strlen(a), "", 1), "second");
    assert_string_equal(sourceos_json_key_at(fx->ctx, a, strlen(a), "first", 0), "x");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_full_walk_is_linear, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reused_buffer_is_read_anew, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names_outlive_other_texts, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
