#include "config.h"

#include "strbuf.h"

#include <stdlib.h>
#include <string.h>

void sos_strbuf_put(struct sos_strbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        char *grown;
        while (cap < b->len + n + 1)
            cap *= 2;
        if (!(grown = realloc(b->p, cap))) {
            b->failed = 1;
            return;
        }
        b->p = grown;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}
