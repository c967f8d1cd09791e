/* The loader: every built plugin loads with immediate binding; each broken
 * test plugin is refused with a message naming the path and the reason. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader.h"

static const struct sos_loaded_plugin *load(struct sos_plugin_set *set,
                                            const char *dir, const char *name)
{
    sos_error err;
    assert_int_equal(sos_plugin_set_init(set, dir, &err), 0);
    return sos_plugin_set_load(set, name);
}

/* Every .so that `make` built in plugins/ must load and be well formed. */
static void test_every_built_plugin_loads(void **state)
{
    DIR *d = opendir(SOS_PLUGIN_BUILD_DIR);
    struct dirent *de;
    int seen = 0;
    (void)state;
    assert_non_null(d);
    while ((de = readdir(d)) != NULL) {
        struct sos_plugin_set set;
        const struct sos_loaded_plugin *lp;
        size_t len = strlen(de->d_name);
        char name[256];
        if (len <= 3 || strcmp(de->d_name + len - 3, ".so") != 0)
            continue;
        snprintf(name, sizeof name, "%.*s", (int)(len - 3), de->d_name);
        lp = load(&set, SOS_PLUGIN_BUILD_DIR, name);
        if (!lp->plugin)
            fail_msg("%s did not load: %s", name, lp->error);
        assert_non_null(lp->plugin->checks);
        assert_non_null(lp->plugin->checks[0].name);
        sos_plugin_set_free(&set);
        seen++;
    }
    closedir(d);
    assert_true(seen >= 2);
}

static void expect_refusal(const char *name, const char *needle)
{
    struct sos_plugin_set set;
    const struct sos_loaded_plugin *lp = load(&set, SOS_TEST_PLUGIN_DIR, name);
    assert_null(lp->plugin);
    assert_non_null(lp->error);
    if (!strstr(lp->error, needle))
        fail_msg("'%s' not in: %s", needle, lp->error);
    sos_plugin_set_free(&set);
}

static void test_wrong_major(void **state)
{
    char want[80];
    (void)state;
    snprintf(want, sizeof want, "built for plugin ABI 2.0; this core speaks %d.%d",
             SOURCEOS_ABI_MAJOR, SOURCEOS_ABI_MINOR);
    expect_refusal("wrong-major", want);
    expect_refusal("wrong-major", SOS_TEST_PLUGIN_DIR "/wrong-major.so");
}

static void test_no_symbol(void **state)
{
    (void)state;
    expect_refusal("no-symbol", "does not export sourceos_plugin_v1");
}

static void test_unresolved_symbol_fails_at_load(void **state)
{
    (void)state;
    expect_refusal("unresolved", "sourceos_function_that_does_not_exist");
}

static void test_null_callback(void **state)
{
    (void)state;
    expect_refusal("null-callback", "NULL run callback");
}

static void test_hostile_names(void **state)
{
    (void)state;
    expect_refusal("../plugins/behave", "is not valid");
    expect_refusal("/etc/passwd", "is not valid");
    expect_refusal("Behave", "is not valid");
    expect_refusal("", "is not valid");
    expect_refusal("-x", "is not valid");
}

static void test_missing(void **state)
{
    (void)state;
    expect_refusal("not-there", "not-there.so: No such file");
}

static void test_duplicate_name(void **state)
{
    struct sos_plugin_set set;
    const struct sos_loaded_plugin *one = load(&set, SOS_TEST_PLUGIN_DIR, "dup-one");
    const struct sos_loaded_plugin *two;
    (void)state;
    assert_non_null(one->plugin);
    two = sos_plugin_set_load(&set, "dup-two");
    assert_null(two->plugin);
    assert_non_null(strstr(two->error, "already loaded from"));
    sos_plugin_set_free(&set);
}

static void test_loaded_once(void **state)
{
    struct sos_plugin_set set;
    const struct sos_loaded_plugin *a = load(&set, SOS_TEST_PLUGIN_DIR, "behave");
    (void)state;
    assert_non_null(a->plugin);
    assert_ptr_equal(sos_plugin_set_load(&set, "behave"), a);
    assert_int_equal(set.n, 1);
    assert_non_null(sos_plugin_find_check(a->plugin, "status"));
    assert_null(sos_plugin_find_check(a->plugin, "nope"));
    sos_plugin_set_free(&set);
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[65536];
    size_t n;
    assert_non_null(in);
    assert_non_null(out);
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
    assert_int_equal(chmod(to, mode), 0);
}

static void test_unsafe_permissions(void **state)
{
    char dir[] = "/tmp/sos-loader-XXXXXX";
    char path[256];
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/behave.so", dir);
    copy_file(SOS_TEST_PLUGIN_DIR "/behave.so", path, 0644);

    assert_int_equal(chmod(dir, 0777), 0);
    {
        struct sos_plugin_set set;
        const struct sos_loaded_plugin *lp = load(&set, dir, "behave");
        assert_null(lp->plugin);
        assert_non_null(strstr(lp->error, "writable by group or others"));
        sos_plugin_set_free(&set);
    }
    assert_int_equal(chmod(dir, 0755), 0);
    assert_int_equal(chmod(path, 0664), 0);
    {
        struct sos_plugin_set set;
        const struct sos_loaded_plugin *lp = load(&set, dir, "behave");
        assert_null(lp->plugin);
        assert_non_null(strstr(lp->error, "mode 0664"));
        sos_plugin_set_free(&set);
    }
    assert_int_equal(chmod(path, 0644), 0);
    {
        struct sos_plugin_set set;
        const struct sos_loaded_plugin *lp = load(&set, dir, "behave");
        assert_non_null(lp->plugin);
        sos_plugin_set_free(&set);
    }
    unlink(path);
    rmdir(dir);
}

/* The params member exists only from ABI 1.4: a core must not read it in
 * an older plugin (whose struct ends before it). */
static void test_params_by_minor(void **state)
{
    static const char *const keys[] = {"message", NULL};
    static const struct sourceos_params params[] = {{"echo", keys}, {NULL, NULL}};
    struct sourceos_plugin p = {.abi_version = SOURCEOS_ABI_MKVERSION(1, 4), .name = "x",
                                .version = "1", .params = params};
    (void)state;
    assert_ptr_equal(sos_plugin_params(&p), params);
    assert_ptr_equal(sos_plugin_param_keys(&p, "echo"), keys);
    assert_null(sos_plugin_param_keys(&p, "other"));
    p.abi_version = SOURCEOS_ABI_MKVERSION(1, 3);
    assert_null(sos_plugin_params(&p));
    assert_null(sos_plugin_param_keys(&p, "echo"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_built_plugin_loads),
        cmocka_unit_test(test_wrong_major),
        cmocka_unit_test(test_no_symbol),
        cmocka_unit_test(test_unresolved_symbol_fails_at_load),
        cmocka_unit_test(test_null_callback),
        cmocka_unit_test(test_hostile_names),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_duplicate_name),
        cmocka_unit_test(test_loaded_once),
        cmocka_unit_test(test_unsafe_permissions),
        cmocka_unit_test(test_params_by_minor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
