/* Redaction of a file too big to hold: piece by piece, each cut where
 * redacting it alone gives what redacting the whole would. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "redact.h"

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Fills BUF (holding *HAVE bytes) up to WANT from IN_FD at *AT, at most
 * *LEFT more bytes. */
static int fill(int in_fd, char *buf, size_t *have, size_t want,
                unsigned long long *at, unsigned long long *left)
{
    while (*have < want && *left > 0) {
        size_t room = want - *have;
        ssize_t n;
        if (room > *left)
            room = (size_t)*left;
        n = pread(in_fd, buf + *have, room, (off_t)*at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) {
            errno = EIO; /* shrank while read */
            return -1;
        }
        *have += (size_t)n;
        *at += (unsigned long long)n;
        *left -= (unsigned long long)n;
    }
    return 0;
}

/* Redacts the first CUT bytes of BUF into OUT_FD. */
static long long put_piece(const struct sos_redactor *rd, const char *buf, size_t cut,
                           int out_fd, int *changed)
{
    size_t out_len = 0;
    char *clean = sos_redact_text(rd, buf, cut, &out_len);
    int rc;
    if (!clean) {
        errno = ENOMEM;
        return -1;
    }
    if (out_len != cut || memcmp(clean, buf, cut) != 0)
        *changed = 1;
    rc = write_all(out_fd, clean, out_len);
    free(clean);
    return rc < 0 ? -1 : (long long)out_len;
}

long long sos_redact_fd(const struct sos_redactor *rd, int in_fd, unsigned long long start,
                        unsigned long long len, int out_fd, int *changed)
{
    unsigned long long at = start, left = len;
    long long total = 0;
    size_t have = 0, want = SOS_REDACT_PIECE, touched = 0;
    char *buf = malloc(SOS_REDACT_PIECE_MAX);
    int e = 0;

    *changed = 0;
    if (!buf) {
        errno = ENOMEM;
        return -1;
    }
    for (;;) {
        size_t cut;
        long long n;
        if (fill(in_fd, buf, &have, want, &at, &left) < 0) {
            e = errno;
            break;
        }
        if (have > touched)
            touched = have;
        if (have == 0)
            break;
        cut = left == 0 ? have : sos_redact_cut(buf, have);
        if (cut == 0 && want < SOS_REDACT_PIECE_MAX) {
            want = want * 2 > SOS_REDACT_PIECE_MAX ? SOS_REDACT_PIECE_MAX : want * 2;
            continue; /* a long line or key block: read on */
        }
        if (cut == 0)
            cut = have;
        if ((n = put_piece(rd, buf, cut, out_fd, changed)) < 0) {
            e = errno;
            break;
        }
        total += n;
        memmove(buf, buf + cut, have - cut);
        have -= cut;
        want = SOS_REDACT_PIECE;
        if (have >= want) /* what a long piece left over is a piece already */
            want = have;
    }
    memset(buf, 0, touched); /* it held what may be secrets */
    free(buf);
    if (e) {
        errno = e;
        return -1;
    }
    return total;
}
