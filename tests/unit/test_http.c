/* The HTTP answer reader of sourceos_http_get(): the status line is
 * "HTTP/1.0 " or "HTTP/1.1 " and exactly three digits, nothing else (no
 * sign, no blanks, no other version), and an answer that fills the whole
 * 256 KiB buffer is never read past. Each answer is served once over a unix
 * socket by a forked child, as a Podman service would. */
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

#include "http.h"

/* Serves ANSWER (LEN bytes) to one client of a fresh socket and returns
 * what sos_http_get() made of it. */
static struct sos_http_reply serve(const char *answer, size_t len)
{
    char dir[] = "/tmp/sos-http-test.XXXXXX", url[200];
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct sos_http_reply reply;
    int fd, status;
    pid_t pid;

    assert_non_null(mkdtemp(dir));
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s/s", dir);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(fd, 1), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char req[2048];
        int c = accept(fd, NULL, NULL);
        size_t done = 0;
        if (c < 0)
            _exit(1);
        if (read(c, req, sizeof req) < 0)
            _exit(1);
        while (done < len) {
            ssize_t n = write(c, answer + done, len - done);
            if (n <= 0)
                _exit(0); /* the reader stopped at its bound */
            done += (size_t)n;
        }
        shutdown(c, SHUT_WR);
        _exit(0);
    }
    close(fd);
    snprintf(url, sizeof url, "unix://%s", sa.sun_path);
    sos_http_get(NULL, url, "/_ping", 10, &reply);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    unlink(sa.sun_path);
    rmdir(dir);
    return reply;
}

static void expect_status(const char *answer, int want)
{
    struct sos_http_reply r = serve(answer, strlen(answer));
    assert_int_equal(r.error, 0);
    assert_int_equal(r.status, want);
    free(r.body);
}

static void expect_not_http(const char *answer)
{
    struct sos_http_reply r = serve(answer, strlen(answer));
    assert_int_equal(r.error, -EPROTO);
    assert_int_equal(r.status, 0);
    free(r.body);
}

static void test_good_status_lines(void **state)
{
    (void)state;
    expect_status("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK", 200);
    expect_status("HTTP/1.0 404 Not Found\r\n\r\n", 404);
    expect_status("HTTP/1.1 503\r\n\r\n", 503);
}

static void test_bad_status_lines(void **state)
{
    (void)state;
    expect_not_http("HTTP/1.1 -2 X\r\n\r\n");   /* was status -2 */
    expect_not_http("HTTP/1.1 +20 X\r\n\r\n");
    expect_not_http("HTTP/1./ 200 OK\r\n\r\n"); /* was accepted */
    expect_not_http("HTTP/1.2 200 OK\r\n\r\n");
    expect_not_http("HTTP/1.1  200 OK\r\n\r\n");
    expect_not_http("HTTP/1.1 20 OK\r\n\r\n");
    expect_not_http("HTTP/1.1 2000 OK\r\n\r\n");
    expect_not_http("HTTP/1.1 2x0 OK\r\n\r\n");
    expect_not_http("HTTP/1.1 200");           /* no header end */
}

/* An answer that fills the buffer with blanks after "HTTP/1.1 ": sscanf's
 * %3d skipped them and read past the (unterminated) buffer. */
static void test_answer_filling_the_buffer(void **state)
{
    size_t len = SOS_HTTP_MAX_ANSWER + 4096;
    char *answer = malloc(len);
    struct sos_http_reply r;
    (void)state;
    assert_non_null(answer);
    memset(answer, ' ', len);
    memcpy(answer, "HTTP/1.1 ", 9);
    r = serve(answer, len);
    assert_int_equal(r.error, -EPROTO);
    free(r.body);
    /* Content-Length made of blanks up to the end is no length either. */
    memset(answer, ' ', len);
    memcpy(answer, "HTTP/1.1 200 OK\r\nContent-Length:", 32);
    r = serve(answer, len);
    assert_int_equal(r.error, -EPROTO);
    free(r.body);
    free(answer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_status_lines),
        cmocka_unit_test(test_bad_status_lines),
        cmocka_unit_test(test_answer_filling_the_buffer),
    };
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
