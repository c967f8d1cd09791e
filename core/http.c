#include "config.h"

#include "http.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "command.h"
#include "rootfs.h"

/* Milliseconds left until DEADLINE (monotonic seconds), at least 0. */
static int ms_left(double deadline)
{
    double left = deadline - sos_now_monotonic();
    return left <= 0 ? 0 : (int)(left * 1000.0) + 1;
}

/* Waits until FD is ready for EVENTS; 0, or -ETIMEDOUT. */
static int wait_fd(int fd, short events, double deadline)
{
    struct pollfd p = {.fd = fd, .events = events};
    for (;;) {
        int left = ms_left(deadline);
        int n;
        if (left == 0)
            return -ETIMEDOUT;
        n = poll(&p, 1, left);
        if (n > 0)
            return 0;
        if (n < 0 && errno != EINTR)
            return -errno;
    }
}

/* Connects the non-blocking socket FD; 0 or a negative errno. */
static int connect_by(int fd, const struct sockaddr *addr, socklen_t len,
                      double deadline)
{
    int err = 0;
    socklen_t err_len = sizeof err;
    int rc;
    if (connect(fd, addr, len) == 0)
        return 0;
    if (errno != EINPROGRESS && errno != EAGAIN && errno != EINTR)
        return -errno;
    rc = wait_fd(fd, POLLOUT, deadline);
    if (rc != 0)
        return rc;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0)
        return -errno;
    return err ? -err : 0;
}

static int open_unix(const char *root, const char *path, double deadline)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    struct stat st;
    char *real = NULL;
    int fd, rc;
    if (path[0] != '/')
        return -EINVAL;
    rc = sos_rootfs_resolve(root, path, 0, &real);
    if (rc != 0)
        return rc;
    if (stat(real, &st) != 0)
        rc = -errno;
    else if (!S_ISSOCK(st.st_mode))
        rc = -ENOTSOCK;
    else if (strlen(real) >= sizeof addr.sun_path)
        rc = -ENAMETOOLONG;
    if (rc != 0) {
        free(real);
        return rc;
    }
    memcpy(addr.sun_path, real, strlen(real) + 1);
    free(real);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    rc = connect_by(fd, (const struct sockaddr *)&addr, sizeof addr, deadline);
    if (rc != 0) {
        close(fd);
        return rc;
    }
    return fd;
}

/* HOSTPORT is "host:port" or "[v6]:port". */
static int open_tcp(const char *hostport, double deadline)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
    struct addrinfo *list = NULL;
    char host[256];
    const char *colon = strrchr(hostport, ':');
    const char *start = hostport;
    size_t len;
    int rc = -ECONNREFUSED;
    if (!colon || !colon[1])
        return -EINVAL;
    len = (size_t)(colon - hostport);
    if (len >= 2 && hostport[0] == '[' && colon[-1] == ']') {
        start++;
        len -= 2;
    }
    if (len == 0 || len >= sizeof host)
        return -EINVAL;
    memcpy(host, start, len);
    host[len] = '\0';
    if (getaddrinfo(host, colon + 1, &hints, &list) != 0)
        return -EHOSTUNREACH;
    for (struct addrinfo *ai = list; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                        ai->ai_protocol);
        if (fd < 0) {
            rc = -errno;
            continue;
        }
        rc = connect_by(fd, ai->ai_addr, ai->ai_addrlen, deadline);
        if (rc == 0) {
            freeaddrinfo(list);
            return fd;
        }
        close(fd);
    }
    freeaddrinfo(list);
    return rc;
}

static int open_url(const char *root, const char *url, double deadline)
{
    if (strncmp(url, "unix://", 7) == 0)
        return open_unix(root, url + 7, deadline);
    if (strncmp(url, "tcp://", 6) == 0)
        return open_tcp(url + 6, deadline);
    return -EINVAL;
}

static int send_all(int fd, const char *data, size_t len, double deadline)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            int rc = wait_fd(fd, POLLOUT, deadline);
            if (rc != 0)
                return rc;
            continue;
        }
        if (n < 0)
            return -errno;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

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
        ssize_t n = recv(fd, buf + len, cap - len, 0);
        if (n == 0)
            break;
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            int rc = wait_fd(fd, POLLIN, deadline);
            if (rc != 0)
                return rc;
            continue;
        }
        if (n < 0)
            return len > 0 ? (long)len : -errno;
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
    fd = open_url(root, url, deadline);
    if (fd < 0)
        return fd;
    rc = send_all(fd, request, (size_t)n, deadline);
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
