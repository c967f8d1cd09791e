/* A minimal HTTP GET over a unix or TCP socket, for API liveness probes such
 * as Podman's GET /_ping. Not a general client: HTTP/1.0, no redirects, no
 * TLS, the answer bounded in size and time. */
#ifndef SOS_HTTP_H
#define SOS_HTTP_H

#include <stddef.h>

#define SOS_HTTP_MAX_ANSWER (256 * 1024)

struct sos_http_reply {
    int error;       /* 0 or a negative errno (see sourceos_http_get) */
    int status;      /* HTTP status code when error is 0 */
    char *body;      /* malloc'd, NUL-terminated; "" when none */
    size_t body_len;
    double duration; /* seconds */
};

/* GETs TARGET (e.g. "/_ping") from URL: "unix:///path" (the path is taken
 * under ROOT, "/" or NULL for the real root) or "tcp://host:port".
 * TIMEOUT bounds connecting, sending and reading, in seconds.
 * Always fills OUT; the caller frees OUT->body. */
void sos_http_get(const char *root, const char *url, const char *target,
                  double timeout, struct sos_http_reply *out);

/* Reads the answer BUF (LEN bytes, not NUL-terminated) as an HTTP/1.0 or
 * 1.1 status line ("HTTP/1.[01] " and exactly three digits), headers and a
 * body. Fills OUT->status and OUT->body (malloc'd) and returns 0, or
 * returns -EPROTO when it is not such an answer (-ENOMEM). Exposed for the
 * tests and the fuzz harness; sos_http_get() uses it. */
int sos_http_parse_answer(const char *buf, size_t len, struct sos_http_reply *out);

#endif
