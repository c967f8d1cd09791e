#include "config.h"

#include "http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "command.h"
#include "sock.h"

/* The decimal number at the start of P (before END), after blanks; -1 when
 * there is none or it is absurdly large. Never reads at or past END, since
 * the answer buffer is not NUL-terminated. */
static long header_number(const char *p, const char *end)
{
    long v = 0;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p >= end || *p < '0' || *p > '9')
        return -1;
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        if (v > (long)SOS_HTTP_MAX_ANSWER)
            return -1;
        v = v * 10 + (*p - '0');
    }
    return v;
}

/* The body's length from the headers, or -1 when they do not say. */
static long content_length(const char *headers, size_t len)
{
    const char *p = headers;
    const char *end = headers + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            break;
        if ((size_t)(eol - p) > 15 && strncasecmp(p, "Content-Length:", 15) == 0)
            return header_number(p + 15, eol);
        p = eol + 1;
    }
    return -1;
}

/* Whether BUF (LEN bytes) holds a whole answer, so reading can stop even if
 * the server keeps the connection open. */
static int answer_complete(const char *buf, size_t len)
{
    const char *sep = memmem(buf, len, "\r\n\r\n", 4);
    long want;
    if (!sep)
        return 0;
    want = content_length(buf, (size_t)(sep - buf) + 2);
    return want >= 0 && len - (size_t)(sep + 4 - buf) >= (size_t)want;
}

/* Reads until the peer closes, the answer is complete, the size bound or the
 * deadline. Returns bytes read or a negative errno. */
static long read_answer(int fd, char *buf, size_t cap, double deadline)
{
    size_t len = 0;
    while (len < cap) {
        long n = sos_sock_recv(fd, buf + len, cap - len, deadline);
        if (n == 0)
            break;
        if (n == -ETIMEDOUT)
            return n;
        if (n < 0)
            return len > 0 ? (long)len : n;
        len += (size_t)n;
        if (answer_complete(buf, len))
            break;
    }
    return (long)len;
}

/* The status of a status line "HTTP/1.0 200 ..." or "HTTP/1.1 200 ...":
 * exactly three digits, then a space or the line's end; -1 otherwise.
 * Read by hand: BUF is not NUL-terminated and sscanf would also take a
 * sign ("HTTP/1.1 -2") or read past LEN. */
static int status_code(const char *buf, size_t len)
{
    if (len < 12 || memcmp(buf, "HTTP/1.", 7) != 0 ||
        (buf[7] != '0' && buf[7] != '1') || buf[8] != ' ')
        return -1;
    for (size_t i = 9; i < 12; i++)
        if (buf[i] < '0' || buf[i] > '9')
            return -1;
    if (len > 12 && buf[12] != ' ' && buf[12] != '\r')
        return -1;
    return (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
}

int sos_http_parse_answer(const char *buf, size_t len, struct sos_http_reply *out)
{
    const char *sep = memmem(buf, len, "\r\n\r\n", 4);
    int status = status_code(buf, len);
    if (status < 0 || !sep)
        return -EPROTO;
    out->status = status;
    out->body_len = len - (size_t)(sep + 4 - buf);
    out->body = malloc(out->body_len + 1);
    if (!out->body)
        return -ENOMEM;
    memcpy(out->body, sep + 4, out->body_len);
    out->body[out->body_len] = '\0';
    return 0;
}

static int get(const char *root, const char *url, const char *target,
               double deadline, struct sos_http_reply *out)
{
    char request[1024];
    char *buf;
    long got;
    int fd, rc, n;
    if (!target || target[0] != '/' || strpbrk(target, " \r\n"))
        return -EINVAL;
    n = snprintf(request, sizeof request,
                 "GET %s HTTP/1.0\r\nHost: localhost\r\n"
                 "User-Agent: sourceos/" PACKAGE_VERSION "\r\n\r\n",
                 target);
    if (n < 0 || (size_t)n >= sizeof request)
        return -EINVAL;
    fd = sos_sock_open(root, url, SOS_SOCK_UNIX | SOS_SOCK_TCP, deadline);
    if (fd < 0)
        return fd;
    rc = sos_sock_send_all(fd, request, (size_t)n, deadline);
    buf = rc == 0 ? malloc(SOS_HTTP_MAX_ANSWER) : NULL;
    if (rc == 0 && !buf)
        rc = -ENOMEM;
    if (rc == 0) {
        got = read_answer(fd, buf, SOS_HTTP_MAX_ANSWER, deadline);
        rc = got < 0 ? (int)got : sos_http_parse_answer(buf, (size_t)got, out);
    }
    free(buf);
    close(fd);
    return rc;
}

void sos_http_get(const char *root, const char *url, const char *target,
                  double timeout, struct sos_http_reply *out)
{
    double start = sos_now_monotonic();
    memset(out, 0, sizeof *out);
    out->error = url ? get(root, url, target, start + timeout, out) : -EINVAL;
    if (out->error != 0) {
        free(out->body);
        out->body = NULL;
        out->body_len = 0;
        out->status = 0;
    }
    if (!out->body)
        out->body = strdup("");
    out->duration = sos_now_monotonic() - start;
}
