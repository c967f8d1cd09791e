/* sourceos_line_exchange()'s reader: one line, its newline (and a '\r'
 * before it) not part of it, refused past the bound without reading on;
 * a request that is not one line is never sent. The unix-socket cases are
 * served by a forked child; the CLI test plays stereosd over TCP. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "line_exchange.h"

static void test_first_line(void **state)
{
    (void)state;
    assert_int_equal(sos_line_first("pong\n", 5, 10), 4);
    assert_int_equal(sos_line_first("pong\r\nmore", 10, 10), 4);
    assert_int_equal(sos_line_first("\n", 1, 10), 0);
    assert_int_equal(sos_line_first("pong", 4, 10), -EAGAIN);
    /* exactly the bound is a line; one byte more is not */
    assert_int_equal(sos_line_first("abc\n", 4, 3), 3);
    assert_int_equal(sos_line_first("abcd\n", 5, 3), -EMSGSIZE);
    assert_int_equal(sos_line_first("abcd", 4, 3), -EMSGSIZE);
    /* a newline beyond the bound is not looked for */
    assert_int_equal(sos_line_first("abcdef\n", 7, 3), -EMSGSIZE);
}

static int error_of(const char *url, const char *request)
{
    struct sos_line_reply r;
    int e;
    sos_line_exchange(NULL, url, request, 0, 2, &r);
    e = r.error;
    assert_string_equal(r.line, "");
    free(r.line);
    return e;
}

static void test_refusals(void **state)
{
    (void)state;
    assert_int_equal(error_of("tcp://127.0.0.1:1", "{\"type\":\"ping\"}\n"), -EINVAL);
    assert_int_equal(error_of("tcp://127.0.0.1:1", "a\rb"), -EINVAL);
    assert_int_equal(error_of("tcp://127.0.0.1:1", ""), -EINVAL);
    assert_int_equal(error_of("http://127.0.0.1:1", "ping"), -EINVAL);
    assert_int_equal(error_of("vsock://x:1", "ping"), -EINVAL);
    assert_int_equal(error_of("vsock://3:4294967296", "ping"), -EINVAL);
    assert_int_equal(error_of("vsock://3:", "ping"), -EINVAL);
    assert_int_equal(error_of("tcp://127.0.0.1:1", "ping"), -ECONNREFUSED);
    assert_int_equal(error_of("unix:///nonexistent/s", "ping"), -ENOENT);
}

/* Serves ANSWER once on a fresh unix socket; what the exchange made of it,
 * and in GOT what the server received. */
static struct sos_line_reply serve(const char *answer, size_t len, size_t max_len, char *got,
                                   size_t got_size)
{
    char dir[] = "/tmp/sos-line-test.XXXXXX", url[200];
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct sos_line_reply reply;
    int fd, pipefd[2], status;
    ssize_t n;
    pid_t pid;
    assert_non_null(mkdtemp(dir));
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s/s", dir);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(fd, 1), 0);
    assert_int_equal(pipe(pipefd), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char req[256];
        int c = accept(fd, NULL, NULL);
        ssize_t r;
        size_t done = 0;
        if (c < 0)
            _exit(1);
        r = read(c, req, sizeof req);
        if (r > 0 && write(pipefd[1], req, (size_t)r) < 0)
            _exit(1);
        while (done < len) {
            ssize_t w = write(c, answer + done, len - done);
            if (w <= 0)
                _exit(0); /* the reader stopped at its bound */
            done += (size_t)w;
        }
        _exit(0);
    }
    close(fd);
    close(pipefd[1]);
    snprintf(url, sizeof url, "unix://%s", sa.sun_path);
    sos_line_exchange(NULL, url, "{\"type\":\"ping\"}", max_len, 10, &reply);
    n = read(pipefd[0], got, got_size - 1);
    got[n > 0 ? n : 0] = '\0';
    close(pipefd[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    unlink(sa.sun_path);
    rmdir(dir);
    return reply;
}

static void test_exchange(void **state)
{
    char got[256];
    struct sos_line_reply r;
    char *big;
    (void)state;
    r = serve("{\"type\":\"pong\"}\r\n{\"type\":\"extra\"}\n", 35, 0, got, sizeof got);
    assert_int_equal(r.error, 0);
    assert_string_equal(r.line, "{\"type\":\"pong\"}");
    assert_int_equal(r.line_len, 15);
    assert_string_equal(got, "{\"type\":\"ping\"}\n"); /* one line, the newline added */
    free(r.line);
    r = serve("{\"type\":\"po", 11, 0, got, sizeof got);
    assert_int_equal(r.error, -ENODATA);
    free(r.line);
    r = serve("0123456789\n", 11, 9, got, sizeof got);
    assert_int_equal(r.error, -EMSGSIZE);
    free(r.line);
    /* twice the 1 MiB bound: refused, not read to its end */
    big = malloc(2 * SOS_LINE_MAX);
    assert_non_null(big);
    memset(big, 'x', 2 * SOS_LINE_MAX);
    r = serve(big, 2 * SOS_LINE_MAX, 0, got, sizeof got);
    assert_int_equal(r.error, -EMSGSIZE);
    free(r.line);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_line),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_exchange),
    };
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
