/* One request line, one answer line: the exchange of an NDJSON control
 * plane (stereosd's ping and get_health) over a stream socket, bounded in
 * size and time. Not a client of any protocol: the caller writes the
 * request and judges the answer. */
#ifndef SOS_LINE_EXCHANGE_H
#define SOS_LINE_EXCHANGE_H

#include <stddef.h>

/* The longest answer line ever read (stereosd's own bound). */
#define SOS_LINE_MAX (1024 * 1024)

struct sos_line_reply {
    int error;       /* 0 or a negative errno (see sourceos_line_exchange) */
    char *line;      /* malloc'd, NUL-terminated, without its newline */
    size_t line_len;
    double duration; /* seconds */
};

/* Connects to URL (unix://, tcp:// or vsock://; a unix path is taken under
 * ROOT), sends REQUEST and a newline, and reads one answer line of at most
 * MAX_LEN bytes (0 or more than SOS_LINE_MAX: SOS_LINE_MAX). TIMEOUT
 * (seconds) bounds connecting, sending and reading together. Always fills
 * OUT; the caller frees OUT->line. */
void sos_line_exchange(const char *root, const char *url, const char *request,
                       size_t max_len, double timeout, struct sos_line_reply *out);

/* The first line of BUF (LEN bytes) within MAX_LEN: its length (a '\r'
 * before the newline not counted), -EMSGSIZE when MAX_LEN bytes hold no
 * newline, -EAGAIN when BUF is shorter and holds none yet. Exposed for the
 * tests. */
long sos_line_first(const char *buf, size_t len, size_t max_len);

#endif
