/* Stream sockets with a deadline, for the probes that talk to a service
 * directly (core/http.c, core/line_exchange.c): connecting by URL, sending
 * and waiting, never blocking past the deadline. */
#ifndef SOS_SOCK_H
#define SOS_SOCK_H

#include <stddef.h>

/* The URL schemes a caller accepts. */
enum {
    SOS_SOCK_UNIX = 1,  /* unix:///path, the path taken under the root */
    SOS_SOCK_TCP = 2,   /* tcp://host:port, tcp://[v6]:port */
    SOS_SOCK_VSOCK = 4, /* vsock://CID:PORT (Linux AF_VSOCK) */
};

/* Connects to URL, one of the SCHEMES, before DEADLINE (monotonic seconds):
 * a non-blocking, close-on-exec descriptor, or a negative errno: -EINVAL a
 * URL of another scheme or malformed, -ENOENT/-ENOTSOCK/-EXDEV a unix path
 * that is missing, not a socket or leads out of ROOT, -ECONNREFUSED,
 * -ETIMEDOUT, -EHOSTUNREACH a host name that does not resolve,
 * -EAFNOSUPPORT no vsock in this kernel (also when it has no transport). */
int sos_sock_open(const char *root, const char *url, int schemes, double deadline);

/* Waits until FD is ready for EVENTS (poll's); 0, or -ETIMEDOUT. */
int sos_sock_wait(int fd, short events, double deadline);

/* Receives up to CAP bytes into BUF, waiting for them until DEADLINE: the
 * bytes received (0 when the peer closed), or a negative errno. */
long sos_sock_recv(int fd, char *buf, size_t cap, double deadline);

/* Sends LEN bytes of DATA; 0 or a negative errno. */
int sos_sock_send_all(int fd, const char *data, size_t len, double deadline);

#endif
