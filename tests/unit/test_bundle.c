/* The bundle writer and reader: a round trip verifies, the tail cap keeps
 * the last bytes and says so, a failed or aborted writer leaves nothing,
 * unsafe names are refused, and the read-back scan deletes a bundle that
 * still holds a secret. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "bundle_read.h"
#include "redact.h"
#include "sha256.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/sos-bundle.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* The names in DIR, space-separated, sorted by readdir order (one or none
 * in these tests). */
static int entries(char *out, size_t size)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;
    out[0] = '\0';
    assert_non_null(d);
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
            snprintf(out + strlen(out), size - strlen(out), "%s%s", n ? " " : "", de->d_name);
            n++;
        }
    closedir(d);
    return n;
}

static const char *sha_of(const void *p, size_t n, char hex[65])
{
    struct sos_sha256 s;
    sos_sha256_init(&s);
    sos_sha256_update(&s, p, n);
    sos_sha256_hex(&s, hex);
    return hex;
}

static void test_sha256_vectors(void **state)
{
    char hex[65], *million = malloc(1000000);
    struct sos_sha256 s;
    (void)state;
    assert_string_equal(sha_of("", 0, hex),
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_string_equal(sha_of("abc", 3, hex),
                        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_string_equal(
        sha_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    assert_non_null(million);
    memset(million, 'a', 1000000);
    /* in uneven pieces, as a stream arrives */
    sos_sha256_init(&s);
    for (size_t off = 0; off < 1000000; off += 7777)
        sos_sha256_update(&s, million + off, 1000000 - off < 7777 ? 1000000 - off : 7777);
    sos_sha256_hex(&s, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(million);
}

static char *write_file(const char *name, size_t size)
{
    char *path = NULL;
    FILE *f;
    assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
    f = fopen(path, "w");
    assert_non_null(f);
    for (size_t i = 0; i < size; i++)
        fputc((int)(i % 251), f);
    fclose(f);
    return path;
}

static const json_t *member(const json_t *manifest, const char *name)
{
    const json_t *m;
    size_t i;
    json_array_foreach(json_object_get(manifest, "members"), i, m)
        if (strcmp(json_string_value(json_object_get(m, "name")), name) == 0)
            return m;
    return NULL;
}

static void round_trip(enum sos_bundle_compression comp, const char *want)
{
    struct sos_bundle_info info = {NULL, "host1", "node-commander", 1700000000};
    struct sos_bundle_check c;
    struct sos_bundle *b;
    struct stat st;
    sos_error err;
    char *path = NULL, hex[65], listing[256], *src = write_file("src.log", 100000);
    int fd = open(src, O_RDONLY);

    assert_true(fd >= 0);
    b = sos_bundle_open(dir, "b.tar", comp, &info, &err);
    assert_non_null(b);
    assert_int_equal(sos_bundle_add_mem(b, "remediation.md", "hello\n", 6, 0644, 1700000000,
                                        0, NULL, &err), 0);
    assert_int_equal(sos_bundle_add_fd(b, "logs/app.log", fd, 0, -1, SOS_BUNDLE_REDACTED, src,
                                       0, &err), 0);
    assert_int_equal(sos_bundle_add_command(b, json_pack("{s:[s], s:i}", "argv", "true",
                                                         "status", 0), &err), 0);
    assert_int_equal(sos_bundle_add_action(b, json_pack("{s:s}", "step", "stop"), &err), 0);
    close(fd);
    unlink(src);
    /* until close, only the temporary is there, and it is private */
    assert_int_equal(entries(listing, sizeof listing), 1);
    assert_true(listing[0] == '.');
    assert_int_equal(sos_bundle_close(b, &path, &err), 0);
    assert_int_equal(entries(listing, sizeof listing), 1);
    assert_string_equal(listing, "b.tar");
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    assert_int_equal(sos_bundle_verify(path, NULL, &c), SOS_BUNDLE_VERIFIED);
    assert_string_equal(c.compression, want);
    assert_int_equal(c.n_seen, 2);
    assert_int_equal(c.n_problems, 0);
    assert_string_equal(c.seen[0].name, "remediation.md");
    assert_string_equal(c.seen[0].sha256, sha_of("hello\n", 6, hex));
    assert_string_equal(json_string_value(json_object_get(c.manifest, "agent")), "node-commander");
    assert_string_equal(json_string_value(json_object_get(c.manifest, "captured")),
                        "2023-11-14T22:13:20Z");
    assert_int_equal(json_integer_value(json_object_get(member(c.manifest, "logs/app.log"),
                                                        "size")), 100000);
    assert_true(json_is_true(json_object_get(member(c.manifest, "logs/app.log"), "redacted")));
    assert_string_equal(json_string_value(json_object_get(member(c.manifest, "logs/app.log"),
                                                          "source")), src);
    assert_int_equal(json_array_size(json_object_get(c.manifest, "commands")), 1);
    assert_int_equal(json_array_size(json_object_get(c.manifest, "actions")), 1);
    sos_bundle_check_free(&c);
    free(src);
    free(path);
}

static void test_round_trip_zstd(void **state)
{
    (void)state;
    round_trip(SOS_BUNDLE_ZSTD, "zstd");
}

static void test_round_trip_gzip(void **state)
{
    (void)state;
    round_trip(SOS_BUNDLE_GZIP, "gzip");
}

static void test_round_trip_none(void **state)
{
    (void)state;
    round_trip(SOS_BUNDLE_NONE, "none");
}

static void test_tail_cap(void **state)
{
    const size_t size = 3u << 20, cap = 1u << 20;
    struct sos_bundle_check c;
    struct sos_bundle *b;
    sos_error err;
    char *path = NULL, hex[65], *src = write_file("big.log", size), *tail = malloc(cap);
    const json_t *m;
    int fd = open(src, O_RDONLY);
    (void)state;

    assert_true(fd >= 0);
    assert_non_null(tail);
    for (size_t i = 0; i < cap; i++)
        tail[i] = (char)((size - cap + i) % 251);
    assert_non_null(b = sos_bundle_open(dir, "t.tar.zst", SOS_BUNDLE_ZSTD, NULL, &err));
    assert_int_equal(sos_bundle_add_fd(b, "logs/big.log", fd, 0, -1, 0, src, cap, &err), 0);
    close(fd);
    assert_int_equal(sos_bundle_close(b, &path, &err), 0);
    assert_int_equal(sos_bundle_verify(path, NULL, &c), SOS_BUNDLE_VERIFIED);
    m = member(c.manifest, "logs/big.log");
    assert_non_null(m);
    assert_true(json_is_true(json_object_get(m, "truncated")));
    assert_int_equal(json_integer_value(json_object_get(m, "size")), cap);
    assert_int_equal(json_integer_value(json_object_get(m, "original_size")), size);
    /* the last bytes are what is kept */
    assert_string_equal(json_string_value(json_object_get(m, "sha256")), sha_of(tail, cap, hex));
    assert_string_equal(c.seen[0].sha256, hex);
    sos_bundle_check_free(&c);
    free(tail);
    free(src);
    free(path);
}

static void test_pipe_member(void **state)
{
    struct sos_bundle_check c;
    struct sos_bundle *b;
    sos_error err;
    char *path = NULL, hex[65];
    int p[2];
    (void)state;
    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], "from a pipe\n", 12), 12);
    close(p[1]);
    assert_non_null(b = sos_bundle_open(dir, "p.tar.gz", SOS_BUNDLE_GZIP, NULL, &err));
    assert_int_equal(sos_bundle_add_fd(b, "out.txt", p[0], 0, -1, 0, NULL, 0, &err), 0);
    close(p[0]);
    assert_int_equal(sos_bundle_close(b, &path, &err), 0);
    assert_int_equal(sos_bundle_verify(path, NULL, &c), SOS_BUNDLE_VERIFIED);
    assert_int_equal(c.seen[0].size, 12);
    assert_string_equal(c.seen[0].sha256, sha_of("from a pipe\n", 12, hex));
    sos_bundle_check_free(&c);
    free(path);
}

static void test_abort_and_failure_leave_nothing(void **state)
{
    struct sos_bundle *b;
    sos_error err;
    char listing[256], path[128];
    FILE *f;
    (void)state;
    assert_non_null(b = sos_bundle_open(dir, "a.tar.zst", SOS_BUNDLE_ZSTD, NULL, &err));
    assert_int_equal(sos_bundle_add_mem(b, "x", "data", 4, 0600, 0, 0, NULL, &err), 0);
    sos_bundle_abort(b);
    assert_int_equal(entries(listing, sizeof listing), 0);

    /* a close that fails (the name is taken) removes its temporary and
     * leaves the existing file as it was */
    snprintf(path, sizeof path, "%s/taken.tar.zst", dir);
    assert_non_null(f = fopen(path, "w"));
    fputs("not ours", f);
    fclose(f);
    assert_non_null(b = sos_bundle_open(dir, "taken.tar.zst", SOS_BUNDLE_ZSTD, NULL, &err));
    assert_int_equal(sos_bundle_add_mem(b, "x", "data", 4, 0600, 0, 0, NULL, &err), 0);
    assert_int_equal(sos_bundle_close(b, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "taken.tar.zst"));
    assert_int_equal(entries(listing, sizeof listing), 1);
    assert_string_equal(listing, "taken.tar.zst");
    unlink(path);

    /* a descriptor that cannot be looked at fails the add before anything
     * is written: the bundle goes on */
    assert_non_null(b = sos_bundle_open(dir, "f.tar", SOS_BUNDLE_NONE, NULL, &err));
    assert_int_equal(sos_bundle_add_fd(b, "bad", -1, 0, -1, 0, NULL, 0, &err), -1);
    assert_int_equal(sos_bundle_add_mem(b, "ok", "d", 1, 0600, 0, 0, NULL, &err), 0);
    assert_int_equal(sos_bundle_close(b, NULL, &err), 0);
    unlink(strcat(strcat(strcpy(path, dir), "/"), "f.tar"));

    /* one whose bytes cannot be read after its header went out breaks the
     * writer: every later add and the close fail, and nothing is left */
    {
        char *src = write_file("wo.log", 1000);
        int wo = open(src, O_WRONLY);
        assert_true(wo >= 0);
        assert_non_null(b = sos_bundle_open(dir, "broken.tar", SOS_BUNDLE_NONE, NULL, &err));
        assert_int_equal(sos_bundle_add_fd(b, "wo.log", wo, 0, -1, 0, NULL, 0, &err), -1);
        close(wo);
        unlink(src);
        free(src);
        assert_int_equal(sos_bundle_add_mem(b, "ok", "d", 1, 0600, 0, 0, NULL, &err), -1);
        assert_non_null(strstr(err.msg, "earlier write failed"));
        assert_int_equal(sos_bundle_close(b, NULL, &err), -1);
        assert_int_equal(entries(listing, sizeof listing), 0);
    }

    assert_null(sos_bundle_open("/nonexistent/dir", "x.tar", SOS_BUNDLE_NONE, NULL, &err));
    assert_null(sos_bundle_open(dir, "../x.tar", SOS_BUNDLE_NONE, NULL, &err));
    assert_int_equal(entries(listing, sizeof listing), 0);
}

static void test_unsafe_names_refused(void **state)
{
    static const char *const bad[] = {"/etc/passwd", "../escape", "a/../b", "a//b", "", "a/",
                                      "./a", "x\ny", "tab\there", "back\\slash", "manifest.json",
                                      "dup", NULL};
    struct sos_bundle *b;
    sos_error err;
    char listing[256];
    (void)state;
    assert_non_null(b = sos_bundle_open(dir, "n.tar", SOS_BUNDLE_NONE, NULL, &err));
    assert_int_equal(sos_bundle_add_mem(b, "dup", "1", 1, 0600, 0, 0, NULL, &err), 0);
    assert_int_equal(sos_bundle_add_mem(b, "commands/001.json", "{}", 2, 0600, 0, 0, NULL, &err), 0);
    for (size_t i = 0; bad[i]; i++) {
        err.msg[0] = '\0';
        assert_int_equal(sos_bundle_add_mem(b, bad[i], "x", 1, 0600, 0, 0, NULL, &err), -1);
        assert_true(err.msg[0] != '\0');
    }
    assert_int_equal(sos_bundle_add_mem(b, NULL, "x", 1, 0600, 0, 0, NULL, &err), -1);
    /* a refused name does not break the writer */
    assert_int_equal(sos_bundle_add_mem(b, "after", "x", 1, 0600, 0, 0, NULL, &err), 0);
    sos_bundle_abort(b);
    assert_int_equal(entries(listing, sizeof listing), 0);
}

/* A bundle holding one member NAME with TEXT; its path. */
static char *bundle_with(const char *name, const char *text, size_t len)
{
    struct sos_bundle *b;
    sos_error err;
    char *path = NULL;
    assert_non_null(b = sos_bundle_open(dir, "s.tar.zst", SOS_BUNDLE_ZSTD, NULL, &err));
    assert_int_equal(sos_bundle_add_mem(b, "ok.txt", "nothing here\n", 13, 0600, 0, 0, NULL,
                                        &err), 0);
    assert_int_equal(sos_bundle_add_mem(b, name, text, len, 0600, 0, 0, NULL, &err), 0);
    assert_int_equal(sos_bundle_close(b, &path, &err), 0);
    return path;
}

static void test_scan_catches_secrets(void **state)
{
    const char *secret = "planted-S3cr3t-value";
    const char *secrets[] = {secret};
    sos_error err;
    char *path, *clean, *big;
    struct stat st;
    size_t big_len = 200000;
    (void)state;

    /* a known value */
    path = bundle_with("logs/app.log", "line one\nuser planted-S3cr3t-value here\n", 40);
    assert_int_equal(sos_bundle_scan(path, secrets, 1, &err), -1);
    assert_non_null(strstr(err.msg, "logs/app.log"));
    assert_null(strstr(err.msg, secret));
    assert_non_null(strstr(err.msg, "deleted"));
    assert_int_equal(stat(path, &st), -1);
    free(path);

    /* a bearer token, by its shape alone */
    path = bundle_with("podman/info.json",
                       "GET /v2/ HTTP/1.1\nAuthorization: Bearer abcdefABCDEF0123456789xyz\n", 65);
    assert_int_equal(sos_bundle_scan(path, NULL, 0, &err), -1);
    assert_non_null(strstr(err.msg, "podman/info.json"));
    assert_non_null(strstr(err.msg, "bearer"));
    assert_null(strstr(err.msg, "abcdefABCDEF"));
    assert_int_equal(stat(path, &st), -1);
    free(path);

    /* a secret across the scanner's chunk boundary */
    assert_non_null(big = malloc(big_len));
    for (size_t i = 0; i < big_len; i++)
        big[i] = i % 64 == 63 ? '\n' : 'w';
    memcpy(big + SOS_BUNDLE_CHUNK + 16384 - 7, secret, strlen(secret));
    path = bundle_with("logs/big.log", big, big_len);
    assert_int_equal(sos_bundle_scan(path, secrets, 1, &err), -1);
    assert_int_equal(stat(path, &st), -1);
    free(path);
    /* the same text without it is clean */
    memset(big + SOS_BUNDLE_CHUNK + 16384 - 7, 'w', strlen(secret));
    path = bundle_with("logs/big.log", big, big_len);
    assert_int_equal(sos_bundle_scan(path, secrets, 1, &err), 0);
    assert_int_equal(stat(path, &st), 0);
    unlink(path);
    free(path);
    free(big);

    /* what went through the filter passes: its markers are not secrets */
    clean = sos_redact_str(NULL, "Authorization: Bearer abcdefABCDEF0123456789xyz\n"
                                 "{\"auth\": \"dXNlcjpwYXNzd29yZDEyMw==\"}\n");
    assert_non_null(clean);
    assert_null(strstr(clean, "abcdefABCDEF"));
    path = bundle_with("auth.json", clean, strlen(clean));
    assert_int_equal(sos_bundle_scan(path, secrets, 1, &err), 0);
    assert_int_equal(stat(path, &st), 0);
    free(clean);
    free(path);

    /* a path that is not a bundle is refused (and not left behind) */
    assert_int_equal(sos_bundle_scan("/nonexistent/b.tar", NULL, 0, &err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test_setup_teardown(test_round_trip_zstd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_trip_gzip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_trip_none, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tail_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pipe_member, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_and_failure_leave_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsafe_names_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_catches_secrets, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
