#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rootfs.h"

#define FAKE_PASSWD "fake:x:0:0:not the host:/:/bin/false\n"

/* A scratch tree per test: DIR is the mkdtemp directory, ROOT the fake root
 * inside it (DIR/root), so a link escaping ROOT by one level still lands
 * inside DIR and never touches the host. */
struct tree {
    char dir[PATH_MAX];
    char root[PATH_MAX];
};

static void make_path(char *out, size_t size, const char *base, const char *rel)
{
    int n = snprintf(out, size, "%s/%s", base, rel);
    assert_true(n > 0 && (size_t)n < size);
}

static void put_file(const struct tree *t, const char *rel, const void *data, size_t len)
{
    char p[PATH_MAX];
    FILE *f;
    make_path(p, sizeof p, t->root, rel);
    f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void put_dir(const struct tree *t, const char *rel)
{
    char p[PATH_MAX];
    make_path(p, sizeof p, t->root, rel);
    assert_int_equal(mkdir(p, 0755), 0);
}

static void put_link(const struct tree *t, const char *rel, const char *target)
{
    char p[PATH_MAX];
    make_path(p, sizeof p, t->root, rel);
    assert_int_equal(symlink(target, p), 0);
}

static int tree_setup(void **state)
{
    struct tree *t = calloc(1, sizeof *t);
    const char *tmp = getenv("TMPDIR");
    if (!t)
        return -1;
    if (!tmp || !*tmp)
        tmp = "/tmp";
    *state = t;
    if (snprintf(t->dir, sizeof t->dir, "%s/sos-rootfs-XXXXXX", tmp) >= (int)sizeof t->dir
        || !mkdtemp(t->dir))
        return -1;
    if (snprintf(t->root, sizeof t->root, "%s/root", t->dir) >= (int)sizeof t->root
        || mkdir(t->root, 0755) < 0)
        return -1;
    put_dir(t, "etc");
    put_file(t, "etc/passwd", FAKE_PASSWD, strlen(FAKE_PASSWD));
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int tree_teardown(void **state)
{
    struct tree *t = *state;
    int rc = nftw(t->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(t);
    return rc;
}

static void assert_reads(const char *root, const char *path, const char *expected)
{
    char *data = NULL;
    size_t len = 0;
    int rc = sos_rootfs_read(root, path, 4096, &data, &len);
    assert_int_equal(rc, 0);
    assert_non_null(data);
    assert_int_equal(len, strlen(expected));
    assert_string_equal(data, expected);
    free(data);
}

static void assert_read_fails(const char *root, const char *path, int expected)
{
    char *data = (char *)"untouched";
    size_t len = 99;
    int rc = sos_rootfs_read(root, path, 4096, &data, &len);
    assert_int_equal(rc, expected);
    assert_null(data);
    assert_int_equal(len, 0);
}

static void assert_resolves_to(const char *root, const char *path, const char *rel)
{
    char expected[PATH_MAX];
    char *out = NULL;
    make_path(expected, sizeof expected, root, rel);
    assert_int_equal(sos_rootfs_resolve(root, path, 0, &out), 0);
    assert_string_equal(out, expected);
    free(out);
}

static void test_plain_file(void **state)
{
    struct tree *t = *state;
    assert_reads(t->root, "/etc/passwd", FAKE_PASSWD);
    assert_resolves_to(t->root, "/etc/passwd", "etc/passwd");
    assert_resolves_to(t->root, "//etc/./passwd", "etc/passwd");
}

static void test_root_with_trailing_slash(void **state)
{
    struct tree *t = *state;
    char root[PATH_MAX + 2];
    snprintf(root, sizeof root, "%s/", t->root);
    assert_reads(root, "/etc/passwd", FAKE_PASSWD);
}

static void test_relative_symlink(void **state)
{
    struct tree *t = *state;
    put_link(t, "etc/link", "passwd");
    put_dir(t, "usr");
    put_link(t, "usr/etc", "../etc");
    assert_reads(t->root, "/etc/link", FAKE_PASSWD);
    assert_reads(t->root, "/usr/etc/link", FAKE_PASSWD);
    assert_resolves_to(t->root, "/usr/etc/link", "etc/passwd");
}

static void test_absolute_symlink_stays_under_root(void **state)
{
    struct tree *t = *state;
    put_link(t, "etc/abs", "/etc/passwd");
    put_dir(t, "var");
    put_link(t, "var/run", "/etc");
    assert_reads(t->root, "/etc/abs", FAKE_PASSWD);
    assert_reads(t->root, "/var/run/passwd", FAKE_PASSWD);
    assert_resolves_to(t->root, "/etc/abs", "etc/passwd");
}

static void test_symlink_escaping_root(void **state)
{
    struct tree *t = *state;
    char *out = (char *)"untouched";
    put_link(t, "etc/esc", "../../etc/passwd");
    put_link(t, "etc/far", "../../../../../../../etc/passwd");
    assert_read_fails(t->root, "/etc/esc", -EXDEV);
    assert_read_fails(t->root, "/etc/far", -EXDEV);
    assert_int_equal(sos_rootfs_resolve(t->root, "/etc/esc", 1, &out), -EXDEV);
    assert_null(out);
}

static void test_symlink_climbing_and_returning(void **state)
{
    struct tree *t = *state;
    put_dir(t, "a");
    put_dir(t, "a/b");
    put_link(t, "a/b/up", "../../etc/passwd");
    assert_reads(t->root, "/a/b/up", FAKE_PASSWD);
}

static void test_dotdot_in_path_never_leaves_root(void **state)
{
    struct tree *t = *state;
    char *data = NULL;
    size_t len = 0;
    int rc = sos_rootfs_read(t->root, "/../../etc/passwd", 4096, &data, &len);
    if (rc == 0)
        assert_string_equal(data, FAKE_PASSWD);
    else
        assert_int_equal(rc, -EXDEV);
    free(data);
    assert_reads(t->root, "/etc/../etc/passwd", FAKE_PASSWD);
}

static void test_symlink_loop(void **state)
{
    struct tree *t = *state;
    put_link(t, "a", "b");
    put_link(t, "b", "/a");
    put_link(t, "self", "self");
    assert_read_fails(t->root, "/a", -ELOOP);
    assert_read_fails(t->root, "/self/x", -ELOOP);
}

/* 40 links are followed, the 41st is refused. */
static void test_link_limit_is_40(void **state)
{
    struct tree *t = *state;
    char name[32], target[32];
    for (int i = 0; i <= 40; i++) {
        snprintf(name, sizeof name, "l%d", i);
        if (i == 40)
            snprintf(target, sizeof target, "etc/passwd");
        else
            snprintf(target, sizeof target, "l%d", i + 1);
        put_link(t, name, target);
    }
    assert_reads(t->root, "/l1", FAKE_PASSWD);
    assert_read_fails(t->root, "/l0", -ELOOP);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_fifo_refused_without_hanging(void **state)
{
    struct tree *t = *state;
    char p[PATH_MAX];
    double start;
    make_path(p, sizeof p, t->root, "fifo");
    assert_int_equal(mkfifo(p, 0644), 0);
    put_link(t, "to-fifo", "/fifo");
    alarm(5); /* a regression must fail the test, not hang the suite */
    start = now();
    assert_read_fails(t->root, "/fifo", -EINVAL);
    assert_read_fails(t->root, "/to-fifo", -EINVAL);
    assert_true(now() - start < 4.0); /* never blocks on the FIFO (loose: CI machines are loaded) */
    alarm(0);
}

static void test_device_refused(void **state)
{
    struct stat st;
    (void)state;
    if (stat("/dev/null", &st) < 0 || !S_ISCHR(st.st_mode))
        skip();
    assert_read_fails("/", "/dev/null", -EINVAL);
}

static void test_directory(void **state)
{
    struct tree *t = *state;
    assert_read_fails(t->root, "/etc", -EISDIR);
    assert_read_fails(t->root, "/", -EISDIR);
}

static void test_missing(void **state)
{
    struct tree *t = *state;
    assert_read_fails(t->root, "/etc/shadow", -ENOENT);
    assert_read_fails(t->root, "/nope/passwd", -ENOENT);
    assert_read_fails(t->root, "/etc/passwd/x", -ENOTDIR);
    put_link(t, "dangling", "/nowhere");
    assert_read_fails(t->root, "/dangling", -ENOENT);
}

static void test_allow_missing_last(void **state)
{
    struct tree *t = *state;
    char expected[PATH_MAX];
    char *out = NULL;
    make_path(expected, sizeof expected, t->root, "etc/new");
    assert_int_equal(sos_rootfs_resolve(t->root, "/etc/new", 1, &out), 0);
    assert_string_equal(out, expected);
    free(out);
    out = NULL;
    assert_int_equal(sos_rootfs_resolve(t->root, "/etc/new", 0, &out), -ENOENT);
    assert_int_equal(sos_rootfs_resolve(t->root, "/nope/new", 1, &out), -ENOENT);
    assert_null(out);
}

static void test_bad_paths(void **state)
{
    struct tree *t = *state;
    char *out = NULL;
    assert_int_equal(sos_rootfs_resolve(t->root, "etc/passwd", 0, &out), -EINVAL);
    assert_int_equal(sos_rootfs_resolve(t->root, "", 0, &out), -EINVAL);
    assert_null(out);
}

static void test_unreadable(void **state)
{
    struct tree *t = *state;
    char p[PATH_MAX];
    make_path(p, sizeof p, t->root, "etc/passwd");
    assert_int_equal(chmod(p, 0), 0);
    if (geteuid() != 0) {
        assert_read_fails(t->root, "/etc/passwd", -EACCES);
        return;
    }
    /* Root reads it anyway: try as nobody, in a child, with the tree's
     * directories open to it so only the file's mode can refuse. */
    {
        char etc[PATH_MAX];
        pid_t pid;
        int status = 0;
        make_path(etc, sizeof etc, t->root, "etc");
        assert_int_equal(chmod(t->root, 0755), 0);
        assert_int_equal(chmod(etc, 0755), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            char *data = NULL;
            size_t len = 0;
            if (setgid(65534) != 0 || setuid(65534) != 0)
                _exit(2);
            _exit(sos_rootfs_read(t->root, "/etc/passwd", 100, &data, &len) ==
                          -EACCES
                      ? 0
                      : 1);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
}

static void test_truncation(void **state)
{
    struct tree *t = *state;
    char content[100];
    char *data = NULL;
    size_t len = 0;
    for (size_t i = 0; i < sizeof content; i++)
        content[i] = (char)('a' + i % 26);
    put_file(t, "big", content, sizeof content);

    assert_int_equal(sos_rootfs_read(t->root, "/big", 10, &data, &len), 1);
    assert_int_equal(len, 10);
    assert_memory_equal(data, content, 10);
    assert_int_equal(data[10], '\0');
    free(data);

    assert_int_equal(sos_rootfs_read(t->root, "/big", 100, &data, &len), 0);
    assert_int_equal(len, 100);
    assert_memory_equal(data, content, 100);
    free(data);

    assert_int_equal(sos_rootfs_read(t->root, "/big", 0, &data, &len), 1);
    assert_int_equal(len, 0);
    assert_int_equal(data[0], '\0');
    free(data);
}

/* A tail read keeps the END of a file: a log's newest lines. */
static void test_tail(void **state)
{
    struct tree *t = *state;
    char content[100];
    char *data = NULL;
    size_t len = 0;
    for (size_t i = 0; i < sizeof content; i++)
        content[i] = (char)('a' + i % 26);
    put_file(t, "big", content, sizeof content);

    assert_int_equal(sos_rootfs_read_tail(t->root, "/big", 10, &data, &len), 1);
    assert_int_equal(len, 10);
    assert_memory_equal(data, content + 90, 10);
    assert_int_equal(data[10], '\0');
    free(data);

    assert_int_equal(sos_rootfs_read_tail(t->root, "/big", 100, &data, &len), 0);
    assert_int_equal(len, 100);
    assert_memory_equal(data, content, 100);
    free(data);

    assert_int_equal(sos_rootfs_read_tail(t->root, "/big", 0, &data, &len), 1);
    assert_int_equal(len, 0);
    free(data);
}

/* A 4 GiB sparse file: only its last bytes are read, however big it is. */
static void test_tail_of_huge_sparse_file(void **state)
{
    struct tree *t = *state;
    static const char end[] = "the last line\n";
    char p[PATH_MAX];
    char *data = NULL;
    size_t len = 0;
    int fd;
    make_path(p, sizeof p, t->root, "huge.log");
    fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, end, sizeof end - 1, (off_t)4 << 30), (ssize_t)(sizeof end - 1));
    assert_int_equal(close(fd), 0);
    assert_int_equal(sos_rootfs_read_tail(t->root, "/huge.log", 20, &data, &len), 1);
    assert_int_equal(len, 20);
    assert_memory_equal(data + 20 - (sizeof end - 1), end, sizeof end - 1);
    free(data);
}

/* The tail read refuses what the plain read refuses: no way out of ROOT. */
static void test_tail_refuses_escape(void **state)
{
    struct tree *t = *state;
    char *data = NULL;
    size_t len = 0;
    put_link(t, "esc.log", "../../outside");
    assert_int_equal(sos_rootfs_read_tail(t->root, "/esc.log", 100, &data, &len), -EXDEV);
    assert_null(data);
    put_dir(t, "d");
    assert_int_equal(sos_rootfs_read_tail(t->root, "/d", 100, &data, &len), -EISDIR);
    assert_int_equal(sos_rootfs_read_tail(t->root, "/missing", 100, &data, &len), -ENOENT);
}

/* The owned tail read: only the owner's plain file is read; a link as the
 * last component is not followed, one in a directory on the way is. */
static void test_tail_owned(void **state)
{
    struct tree *t = *state;
    char *data = NULL;
    size_t len = 0;
    uid_t me = geteuid(), found = 0;
    put_dir(t, "logs");
    put_file(t, "logs/a.log", "one\ntwo\n", 8);
    assert_int_equal(sos_rootfs_read_tail_owned(t->root, "/logs/a.log", 4, me, &found, &data,
                                                &len),
                     1);
    assert_int_equal(len, 4);
    assert_memory_equal(data, "two\n", 4);
    free(data);
    data = NULL;
    /* Someone else's file: nothing read, the owner said. */
    assert_int_equal(sos_rootfs_read_tail_owned(t->root, "/logs/a.log", 100, me + 1, &found,
                                                &data, &len),
                     -EPERM);
    assert_null(data);
    assert_int_equal(found, me);
    /* A link as the log: not followed, whether it stays inside or not. */
    put_link(t, "logs/in.log", "a.log");
    assert_int_equal(sos_rootfs_read_tail_owned(t->root, "/logs/in.log", 100, me, NULL, &data,
                                                &len),
                     -ELOOP);
    assert_null(data);
    put_link(t, "logs/out.log", "../../outside");
    assert_int_equal(sos_rootfs_read_tail_owned(t->root, "/logs/out.log", 100, me, NULL,
                                                &data, &len),
                     -EXDEV);
    /* A link on the way is followed, as everywhere under the root. */
    put_link(t, "l", "logs");
    assert_int_equal(sos_rootfs_read_tail_owned(t->root, "/l/a.log", 100, me, NULL, &data,
                                                &len),
                     0);
    assert_int_equal(len, 8);
    free(data);
    assert_int_equal(sos_rootfs_read_tail_owned(t->root, "/logs", 100, me, NULL, &data, &len),
                     -EISDIR);
    assert_int_equal(sos_rootfs_read_tail_owned(t->root, "/logs/none", 100, me, NULL, &data,
                                                &len),
                     -ENOENT);
    assert_int_equal(sos_rootfs_read_tail_owned(t->root, "/logs/..", 100, me, NULL, &data,
                                                &len),
                     -EINVAL);
    assert_int_equal(sos_rootfs_read_tail_owned(t->root, "rel.log", 100, me, NULL, &data,
                                                &len),
                     -EINVAL);
}

static void test_large_file_grows_buffer(void **state)
{
    struct tree *t = *state;
    size_t size = 300000;
    char *content = malloc(size);
    char *data = NULL;
    size_t len = 0;
    assert_non_null(content);
    for (size_t i = 0; i < size; i++)
        content[i] = (char)(i * 7);
    put_file(t, "large", content, size);
    assert_int_equal(sos_rootfs_read(t->root, "/large", SIZE_MAX, &data, &len), 0);
    assert_int_equal(len, size);
    assert_memory_equal(data, content, size);
    free(data);
    assert_int_equal(sos_rootfs_read(t->root, "/large", size - 1, &data, &len), 1);
    assert_int_equal(len, size - 1);
    free(data);
    free(content);
}

static void test_binary_content(void **state)
{
    struct tree *t = *state;
    static const char bin[] = { 'a', 0, 'b', 0, 0, (char)0xff, 'c' };
    char *data = NULL;
    size_t len = 0;
    put_file(t, "bin", bin, sizeof bin);
    assert_int_equal(sos_rootfs_read(t->root, "/bin", 4096, &data, &len), 0);
    assert_int_equal(len, sizeof bin);
    assert_memory_equal(data, bin, sizeof bin);
    assert_int_equal(data[len], '\0');
    free(data);
}

static void test_real_root(void **state)
{
    struct tree *t = *state;
    char host_path[PATH_MAX];
    char expected[PATH_MAX];
    char *out = NULL;
    make_path(host_path, sizeof host_path, t->root, "etc/passwd");
    assert_reads("/", host_path, FAKE_PASSWD);
    assert_reads(NULL, host_path, FAKE_PASSWD);

    /* An absolute link under the real root is taken as it is. */
    put_link(t, "abs", host_path);
    make_path(host_path, sizeof host_path, t->root, "abs");
    assert_reads("/", host_path, FAKE_PASSWD);
    assert_non_null(realpath(host_path, expected));
    assert_int_equal(sos_rootfs_resolve("/", host_path, 0, &out), 0);
    assert_string_equal(out, expected);
    free(out);

    assert_int_equal(sos_rootfs_resolve(NULL, "/", 0, &out), 0);
    assert_string_equal(out, "/");
    free(out);
    assert_read_fails("/", "/..", -EXDEV);
}

#define TREE_TEST(f) cmocka_unit_test_setup_teardown(f, tree_setup, tree_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TREE_TEST(test_plain_file),
        TREE_TEST(test_root_with_trailing_slash),
        TREE_TEST(test_relative_symlink),
        TREE_TEST(test_absolute_symlink_stays_under_root),
        TREE_TEST(test_symlink_escaping_root),
        TREE_TEST(test_symlink_climbing_and_returning),
        TREE_TEST(test_dotdot_in_path_never_leaves_root),
        TREE_TEST(test_symlink_loop),
        TREE_TEST(test_link_limit_is_40),
        TREE_TEST(test_fifo_refused_without_hanging),
        cmocka_unit_test(test_device_refused),
        TREE_TEST(test_directory),
        TREE_TEST(test_missing),
        TREE_TEST(test_allow_missing_last),
        TREE_TEST(test_bad_paths),
        TREE_TEST(test_unreadable),
        TREE_TEST(test_truncation),
        TREE_TEST(test_large_file_grows_buffer),
        TREE_TEST(test_tail),
        TREE_TEST(test_tail_of_huge_sparse_file),
        TREE_TEST(test_tail_refuses_escape),
        TREE_TEST(test_tail_owned),
        TREE_TEST(test_binary_content),
        TREE_TEST(test_real_root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
