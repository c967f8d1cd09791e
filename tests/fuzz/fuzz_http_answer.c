/* Fuzz harness: the HTTP answer reader of sourceos_http_get() (status line,
 * headers, body), on a buffer exactly the input's size. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sos_http_reply r;
    /* A copy of exactly SIZE bytes: an over-read is caught by ASan. */
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    memset(&r, 0, sizeof r);
    (void)sos_http_parse_answer(buf, size, &r);
    free(r.body);
    free(buf);
    return 0;
}
