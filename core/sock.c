#include "config.h"

#include "sock.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/vm_sockets.h>
#endif

#include "command.h"
#include "rootfs.h"

/* Milliseconds left until DEADLINE (monotonic seconds), at least 0. */
static int ms_left(double deadline)
{
    double left = deadline - sos_now_monotonic();
    return left <= 0 ? 0 : (int)(left * 1000.0) + 1;
}

int sos_sock_wait(int fd, short events, double deadline)
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
    rc = sos_sock_wait(fd, POLLOUT, deadline);
    if (rc != 0)
        return rc;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0)
        return -errno;
    return err ? -err : 0;
}

/* Closes FD when RC says the connection failed. */
static void close_unless_ok(int fd, int rc)
{
    if (rc != 0)
        close(fd);
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

/* The decimal number at P up to END (exclusive) into *OUT; 0, or -EINVAL
 * when it is empty, not all digits or above UINT32_MAX. */
static int parse_u32(const char *p, const char *end, unsigned *out)
{
    unsigned long long v = 0;
    if (p >= end)
        return -EINVAL;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9')
            return -EINVAL;
        v = v * 10 + (unsigned)(*p - '0');
        if (v > 0xffffffffULL)
            return -EINVAL;
    }
    *out = (unsigned)v;
    return 0;
}

/* CIDPORT is "CID:PORT", both decimal. */
static int open_vsock(const char *cidport, double deadline)
{
#ifndef __linux__
    (void)cidport;
    (void)deadline;
    return -EAFNOSUPPORT;
#else
    struct sockaddr_vm addr = {.svm_family = AF_VSOCK};
    const char *colon = strchr(cidport, ':');
    unsigned cid, port;
    int fd, rc;
    if (!colon || parse_u32(cidport, colon, &cid) != 0 ||
        parse_u32(colon + 1, colon + strlen(colon), &port) != 0)
        return -EINVAL;
    addr.svm_cid = cid;
    addr.svm_port = port;
    fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    rc = connect_by(fd, (const struct sockaddr *)&addr, sizeof addr, deadline);
    close_unless_ok(fd, rc);
    /* no transport reaches that CID (no vsock_loopback, not in a VM) */
    if (rc == -ENODEV || rc == -EADDRNOTAVAIL)
        rc = -EAFNOSUPPORT;
    return rc == 0 ? fd : rc;
#endif
}

int sos_sock_open(const char *root, const char *url, int schemes, double deadline)
{
    if (!url)
        return -EINVAL;
    if ((schemes & SOS_SOCK_UNIX) && strncmp(url, "unix://", 7) == 0)
        return open_unix(root, url + 7, deadline);
    if ((schemes & SOS_SOCK_TCP) && strncmp(url, "tcp://", 6) == 0)
        return open_tcp(url + 6, deadline);
    if ((schemes & SOS_SOCK_VSOCK) && strncmp(url, "vsock://", 8) == 0)
        return open_vsock(url + 8, deadline);
    return -EINVAL;
}

long sos_sock_recv(int fd, char *buf, size_t cap, double deadline)
{
    for (;;) {
        ssize_t n = recv(fd, buf, cap, 0);
        int rc;
        if (n >= 0)
            return (long)n;
        if (errno != EAGAIN && errno != EINTR)
            return -errno;
        rc = sos_sock_wait(fd, POLLIN, deadline);
        if (rc != 0)
            return rc;
    }
}

int sos_sock_send_all(int fd, const char *data, size_t len, double deadline)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            int rc = sos_sock_wait(fd, POLLOUT, deadline);
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
