#include "config.h"

#include "line_exchange.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "command.h"
#include "sock.h"

long sos_line_first(const char *buf, size_t len, size_t max_len)
{
    size_t scan = len < max_len + 1 ? len : max_len + 1;
    const char *nl = memchr(buf, '\n', scan);
    size_t n;
    if (!nl)
        return len > max_len ? -EMSGSIZE : -EAGAIN;
    n = (size_t)(nl - buf);
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    return (long)n;
}

/* A request is one line: not empty, no newline or carriage return in it
 * (the core adds the newline), no longer than an answer may be. */
static int one_line(const char *request)
{
    size_t len = request ? strlen(request) : 0;
    return len > 0 && len <= SOS_LINE_MAX && !strpbrk(request, "\r\n");
}

/* Reads from FD into BUF (room for MAX_LEN + 1 bytes) until a whole line is
 * there; its length, or a negative errno: -ENODATA when the peer closed
 * before a newline, -EMSGSIZE, -ETIMEDOUT, -ECONNRESET. */
static long read_line(int fd, char *buf, size_t max_len, double deadline)
{
    size_t len = 0;
    for (;;) {
        long n = sos_sock_recv(fd, buf + len, max_len + 1 - len, deadline);
        long line;
        if (n == 0)
            return -ENODATA;
        if (n < 0)
            return n;
        len += (size_t)n;
        line = sos_line_first(buf, len, max_len);
        if (line != -EAGAIN)
            return line;
    }
}

static int exchange(const char *root, const char *url, const char *request,
                    size_t max_len, double deadline, struct sos_line_reply *out)
{
    size_t req_len;
    char *msg, *buf;
    long got;
    int fd, rc;
    if (!one_line(request))
        return -EINVAL;
    req_len = strlen(request);
    fd = sos_sock_open(root, url, SOS_SOCK_UNIX | SOS_SOCK_TCP | SOS_SOCK_VSOCK, deadline);
    if (fd < 0)
        return fd;
    msg = malloc(req_len + 1);
    buf = malloc(max_len + 1);
    rc = msg && buf ? 0 : -ENOMEM;
    if (rc == 0) {
        memcpy(msg, request, req_len);
        msg[req_len] = '\n';
        rc = sos_sock_send_all(fd, msg, req_len + 1, deadline);
    }
    if (rc == 0) {
        got = read_line(fd, buf, max_len, deadline);
        if (got < 0) {
            rc = (int)got;
        } else {
            buf[got] = '\0';
            out->line = buf;
            out->line_len = (size_t)got;
            buf = NULL;
        }
    }
    free(msg);
    free(buf);
    close(fd);
    return rc;
}

void sos_line_exchange(const char *root, const char *url, const char *request,
                       size_t max_len, double timeout, struct sos_line_reply *out)
{
    double start = sos_now_monotonic();
    memset(out, 0, sizeof *out);
    if (max_len == 0 || max_len > SOS_LINE_MAX)
        max_len = SOS_LINE_MAX;
    out->error = exchange(root, url, request, max_len, start + timeout, out);
    if (out->error != 0 || !out->line) {
        free(out->line);
        out->line = strdup("");
        out->line_len = 0;
    }
    out->duration = sos_now_monotonic() - start;
}
