/* nix-gen's pure helpers (plugins/nix-gen/links.c): generation link names,
 * store path shapes, `nix-store -q --deriver` output, and resolving link
 * chains under a root, on well-formed and hostile input. Chains are built
 * in a temporary directory that stands for the root. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../plugins/nix-gen/nix.h"

#define HASH "z3n6ml62lc6l9glpaz6fq7fvi2rks9vq"

/* ---- generation link names ------------------------------------------------ */

static void test_generation_names(void **state)
{
    char profile[64];
    unsigned long n = 0;
    (void)state;
    assert_int_equal(nix_generation_name("system-3-link", profile, sizeof profile, &n), 0);
    assert_string_equal(profile, "system");
    assert_int_equal(n, 3);
    assert_int_equal(nix_generation_name("home-manager-12-link", profile, sizeof profile, &n), 0);
    assert_string_equal(profile, "home-manager");
    assert_int_equal(n, 12);
    assert_int_equal(nix_generation_name("a-999999999-link", profile, sizeof profile, &n), 0);
    assert_int_equal(n, 999999999UL);
}

static void test_generation_names_hostile(void **state)
{
    static const char *const bad[] = {
        "system--link", "system-99999999999999999999-link", "system-1000000000-link",
        "system-3-linkx", "system-3-lin", "-3-link", "3-link", "system-03-link",
        "system-0-link", "system-x-link", "../system-3-link", "a/../system-3-link",
        "system-3-link/", "", "-link", "--link", "system- 3-link", "system-+3-link",
    };
    char profile[64];
    unsigned long n = 42;
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (nix_generation_name(bad[i], profile, sizeof profile, &n) == 0)
            fail_msg("'%s' accepted as a generation link", bad[i]);
    }
    assert_int_equal(n, 42);
    /* A profile name longer than the caller's buffer is refused, not cut. */
    assert_int_equal(nix_generation_name("abcdefgh-1-link", profile, 4, &n), -1);
}

static void test_generation_name_huge(void **state)
{
    size_t len = 100000;
    char *name = malloc(len + 1);
    unsigned long n;
    (void)state;
    assert_non_null(name);
    memset(name, '9', len);
    memcpy(name, "p-", 2);
    memcpy(name + len - 5, "-link", 5);
    name[len] = '\0';
    assert_int_equal(nix_generation_name(name, NULL, 0, &n), -1);
    free(name);
}

/* ---- store paths ----------------------------------------------------------------- */

static void test_store_paths(void **state)
{
    (void)state;
    assert_int_equal(nix_store_element("/nix/store/" HASH "-a.txt"), strlen("/nix/store/" HASH "-a.txt"));
    assert_int_equal(nix_store_element("/nix/store/" HASH "-hm/home-files/x"),
                     strlen("/nix/store/" HASH "-hm"));
    assert_int_equal(nix_store_element("/nix/store/" HASH "-darwin-system-23.05"),
                     strlen("/nix/store/" HASH "-darwin-system-23.05"));
}

static void test_store_paths_hostile(void **state)
{
    static const char *const bad[] = {
        "/nix/store/", "/nix/store/" HASH, "/nix/store/" HASH "-",
        "/nix/store/" HASH "-.hidden", "/nix/store/" HASH "-a b",
        "/nix/store/z3n6ml62lc6l9glpaz6fq7fvi2rks9ve-x", /* 'e' is not base32 */
        "/nix/store/z3n6ml62lc6l9glpaz6fq7fvi2rks9v-x",  /* 31 characters */
        "/nix/store/Z3N6ML62LC6L9GLPAZ6FQ7FVI2RKS9VQ-x", "/nix/store/" HASH "x-y",
        "nix/store/" HASH "-x", "/nix/storex/" HASH "-x", "/nix/store/../" HASH "-x",
        "/nix/store/" HASH "-x\"y", "/nix/store/" HASH "-x\n", "",
    };
    char name[300];
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (nix_store_element(bad[i]) != 0)
            fail_msg("'%s' accepted as a store path", bad[i]);
    /* A name beyond Nix's 211 characters. */
    memset(name, 'a', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    {
        char path[400];
        snprintf(path, sizeof path, "/nix/store/" HASH "-%s", name);
        assert_int_equal(nix_store_element(path), 0);
    }
}

static void test_classify(void **state)
{
    (void)state;
    assert_int_equal(nix_classify_target("/nix/store/" HASH "-x"), NIX_TARGET_STORE);
    assert_int_equal(nix_classify_target("system-3-link"), NIX_TARGET_GENERATION);
    assert_int_equal(nix_classify_target("/nix/var/nix/profiles/system-3-link"),
                     NIX_TARGET_GENERATION);
    assert_int_equal(nix_classify_target("/etc/static/x"), NIX_TARGET_ABSOLUTE);
    assert_int_equal(nix_classify_target("../x"), NIX_TARGET_RELATIVE);
    assert_int_equal(nix_classify_target(""), NIX_TARGET_INVALID);
    assert_int_equal(nix_classify_target("system-3-link\n"), NIX_TARGET_INVALID);
    assert_int_equal(nix_classify_target("a\x1b[31mred"), NIX_TARGET_INVALID);
}

/* ---- deriver output ---------------------------------------------------------------- */

static void test_deriver(void **state)
{
    static const char drv[] = "/nix/store/l2aq3hnrfi95bw0ywizmgj49b211ks2a-agent-wrapper.drv\n";
    static const char nul[] = "unknown\0deriver\n";
    char out[256];
    (void)state;
    assert_int_equal(nix_parse_deriver(drv, strlen(drv), out, sizeof out), 0);
    assert_string_equal(out, "/nix/store/l2aq3hnrfi95bw0ywizmgj49b211ks2a-agent-wrapper.drv");
    assert_int_equal(nix_parse_deriver("unknown-deriver\n", 16, out, sizeof out), 0);
    assert_string_equal(out, "unknown-deriver");
    /* Garbage, truncated, empty, a NUL inside, a store path not a .drv,
     * too long for the buffer. */
    assert_int_equal(nix_parse_deriver("", 0, out, sizeof out), -1);
    assert_int_equal(nix_parse_deriver("\n", 1, out, sizeof out), -1);
    assert_int_equal(nix_parse_deriver("/nix/store/l2aq3h", 17, out, sizeof out), -1);
    assert_int_equal(nix_parse_deriver("/nix/store/" HASH "-x\n", 46, out, sizeof out), -1);
    assert_int_equal(nix_parse_deriver(nul, sizeof nul - 1, out, sizeof out), -1);
    assert_int_equal(nix_parse_deriver("\xff\xfe\x00garbage", 10, out, sizeof out), -1);
    assert_int_equal(nix_parse_deriver(drv, strlen(drv), out, 20), -1);
    assert_string_equal(out, "");
}

static void test_deriver_huge(void **state)
{
    size_t len = 2u * 1024u * 1024u;
    char *text = malloc(len), out[NIX_PATH_MAX];
    (void)state;
    assert_non_null(text);
    memset(text, 'a', len);
    assert_int_equal(nix_parse_deriver(text, len, out, sizeof out), -1);
    free(text);
}

/* ---- chains under a root ---------------------------------------------------------- */

struct tree {
    char dir[64];
    int fd;
};

static int tree_setup(void **state)
{
    struct tree *t = calloc(1, sizeof *t);
    if (!t)
        return -1;
    snprintf(t->dir, sizeof t->dir, "/tmp/test_nix_links.XXXXXX");
    if (!mkdtemp(t->dir))
        return -1;
    t->fd = open(t->dir, O_RDONLY | O_DIRECTORY);
    *state = t;
    return t->fd < 0 ? -1 : 0;
}

static int tree_teardown(void **state)
{
    struct tree *t = *state;
    char cmd[128];
    close(t->fd);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->dir);
    if (system(cmd) != 0)
        return -1;
    free(t);
    return 0;
}

static void mkdirs(const struct tree *t, const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "mkdir -p '%s/%s'", t->dir, rel);
    assert_int_equal(system(path), 0);
}

static void mklink(const struct tree *t, const char *target, const char *rel)
{
    assert_int_equal(symlinkat(target, t->fd, rel), 0);
}

static void mkfile(const struct tree *t, const char *rel)
{
    int fd = openat(t->fd, rel, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    close(fd);
}

static struct nix_chain *new_chain(void)
{
    struct nix_chain *c = malloc(sizeof *c);
    assert_non_null(c);
    return c;
}

static void test_chain_profile(void **state)
{
    struct tree *t = *state;
    struct nix_chain *c = new_chain();
    mkdirs(t, "nix/var/nix/profiles");
    mkdirs(t, "nix/store/" HASH "-darwin-system");
    mklink(t, "system-3-link", "nix/var/nix/profiles/system");
    mklink(t, "/nix/store/" HASH "-darwin-system", "nix/var/nix/profiles/system-3-link");
    assert_int_equal(nix_resolve(t->fd, "/nix/var/nix/profiles/system", c), NIX_CHAIN_OK);
    assert_int_equal(c->n_hops, 2);
    assert_string_equal(c->hops[0].link, "/nix/var/nix/profiles/system");
    assert_string_equal(c->hops[0].target, "system-3-link");
    assert_string_equal(c->hops[1].link, "/nix/var/nix/profiles/system-3-link");
    assert_string_equal(c->resolved, "/nix/store/" HASH "-darwin-system");
    free(c);
}

static void test_chain_dangling(void **state)
{
    struct tree *t = *state;
    struct nix_chain *c = new_chain();
    char store[NIX_PATH_MAX];
    mkdirs(t, "p");
    mklink(t, "gone-2-link", "p/gone");
    assert_int_equal(nix_resolve(t->fd, "/p/gone", c), NIX_CHAIN_MISSING);
    assert_string_equal(c->resolved, "/p/gone-2-link");
    mklink(t, "/nix/store/" HASH "-collected", "p/gone-2-link");
    assert_int_equal(nix_resolve(t->fd, "/p/gone", c), NIX_CHAIN_MISSING);
    assert_string_equal(c->resolved, "/nix");
    assert_int_equal(nix_chain_store_path(c, store, sizeof store),
                     strlen("/nix/store/" HASH "-collected"));
    assert_int_equal(nix_resolve(t->fd, "/no/such/file", c), NIX_CHAIN_MISSING);
    assert_int_equal(c->n_hops, 0);
    free(c);
}

static void test_chain_loops(void **state)
{
    struct tree *t = *state;
    struct nix_chain *c = new_chain();
    mkdirs(t, "l");
    mklink(t, "b", "l/a");
    mklink(t, "a", "l/b");
    mklink(t, "self", "l/self");
    assert_int_equal(nix_resolve(t->fd, "/l/a", c), NIX_CHAIN_LOOP);
    assert_int_equal(c->n_hops, 2);
    assert_int_equal(nix_resolve(t->fd, "/l/self", c), NIX_CHAIN_LOOP);
    /* A loop through a directory: d/x -> ../d/x. */
    mkdirs(t, "l/d");
    mklink(t, "../d/x", "l/d/x");
    assert_int_equal(nix_resolve(t->fd, "/l/d/x", c), NIX_CHAIN_LOOP);
    free(c);
}

static void test_chain_too_many(void **state)
{
    struct tree *t = *state;
    struct nix_chain *c = new_chain();
    char name[32], target[32];
    mkdirs(t, "h");
    mkfile(t, "h/end");
    /* h/n0 -> n1 -> ... -> n49 -> end: a chain, not a loop, but too long. */
    for (int i = 0; i < 50; i++) {
        snprintf(name, sizeof name, "h/n%d", i);
        if (i == 49)
            snprintf(target, sizeof target, "end");
        else
            snprintf(target, sizeof target, "n%d", i + 1);
        mklink(t, target, name);
    }
    assert_int_equal(nix_resolve(t->fd, "/h/n0", c), NIX_CHAIN_TOO_MANY);
    assert_int_equal(c->n_hops, NIX_MAX_HOPS);
    assert_int_equal(nix_resolve(t->fd, "/h/n20", c), NIX_CHAIN_OK);
    assert_string_equal(c->resolved, "/h/end");
    free(c);
}

static void test_chain_escapes(void **state)
{
    struct tree *t = *state;
    struct nix_chain *c = new_chain();
    mkdirs(t, "e");
    mklink(t, "../../../../etc/passwd", "e/up");
    mklink(t, "/../etc", "e/abs-up");
    mklink(t, "/e", "e/abs");
    assert_int_equal(nix_resolve(t->fd, "/e/up", c), NIX_CHAIN_ESCAPE);
    assert_int_equal(nix_resolve(t->fd, "/e/abs-up", c), NIX_CHAIN_ESCAPE);
    assert_int_equal(nix_resolve(t->fd, "/../etc/passwd", c), NIX_CHAIN_ESCAPE);
    /* An absolute target stays under the root. */
    assert_int_equal(nix_resolve(t->fd, "/e/abs/abs/abs", c), NIX_CHAIN_OK);
    assert_string_equal(c->resolved, "/e");
    assert_int_equal(nix_resolve(t->fd, "relative/path", c), NIX_CHAIN_INVALID);
    free(c);
}

static void test_chain_long(void **state)
{
    struct tree *t = *state;
    struct nix_chain *c = new_chain();
    char *path = malloc(3 * NIX_PATH_MAX);
    char target[NIX_PATH_MAX + 100];
    assert_non_null(path);
    memset(path, 'a', 3 * NIX_PATH_MAX - 1);
    path[0] = '/';
    path[3 * NIX_PATH_MAX - 1] = '\0';
    assert_int_equal(nix_resolve(t->fd, path, c), NIX_CHAIN_TOO_LONG);
    /* A link whose target is longer than the plugin handles. */
    mkdirs(t, "g");
    memset(target, 'b', sizeof target - 1);
    target[sizeof target - 1] = '\0';
    mklink(t, target, "g/long");
    assert_int_equal(nix_resolve(t->fd, "/g/long", c), NIX_CHAIN_TOO_LONG);
    /* A link whose target, with the rest of the path, grows past the bound:
     * each hop doubles the way to go. */
    mkdirs(t, "w");
    mklink(t, "x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x", "w/x");
    assert_true(nix_resolve(t->fd, "/w/x", c) == NIX_CHAIN_TOO_LONG ||
                c->end == NIX_CHAIN_TOO_MANY);
    free(path);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generation_names),
        cmocka_unit_test(test_generation_names_hostile),
        cmocka_unit_test(test_generation_name_huge),
        cmocka_unit_test(test_store_paths),
        cmocka_unit_test(test_store_paths_hostile),
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_deriver),
        cmocka_unit_test(test_deriver_huge),
        cmocka_unit_test_setup_teardown(test_chain_profile, tree_setup, tree_teardown),
        cmocka_unit_test_setup_teardown(test_chain_dangling, tree_setup, tree_teardown),
        cmocka_unit_test_setup_teardown(test_chain_loops, tree_setup, tree_teardown),
        cmocka_unit_test_setup_teardown(test_chain_too_many, tree_setup, tree_teardown),
        cmocka_unit_test_setup_teardown(test_chain_escapes, tree_setup, tree_teardown),
        cmocka_unit_test_setup_teardown(test_chain_long, tree_setup, tree_teardown),
    };
    return cmocka_run_group_tests_name("nix links", tests, NULL, NULL);
}
