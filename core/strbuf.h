/* A growing NUL-terminated string for building output piece by piece: an
 * allocation failure is remembered (FAILED), so a builder appends without
 * checking each step and looks once at the end. */
#ifndef SOS_STRBUF_H
#define SOS_STRBUF_H

#include <stddef.h>

struct sos_strbuf {
    char *p; /* NUL-terminated once anything was put; the caller frees it */
    size_t len, cap;
    int failed; /* an allocation failed: P holds what came before */
};

/* Appends the N bytes at S (which may hold NULs), keeping P terminated. */
void sos_strbuf_put(struct sos_strbuf *b, const char *s, size_t n);

#endif
