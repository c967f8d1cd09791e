/* Fuzz harness: the child-result wire as the runner reads it (core/wire.c):
 * whatever a hostile plugin writes to its pipe, fed in pieces of varying
 * size so that line splits land everywhere, then the result taken. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "result.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sos_wire_reader w;
    struct sos_check_result got;
    size_t at = 0, piece = 1;

    sos_wire_reader_init(&w);
    while (at < size) {
        size_t n = piece < size - at ? piece : size - at;
        sos_wire_feed(&w, (const char *)data + at, n);
        at += n;
        piece = piece * 3 % 8191 + 1; /* 1, 4, 13, 40, ...: varied splits */
    }
    memset(&got, 0, sizeof got);
    if (sos_wire_take_result(&w, &got) == 0)
        sos_check_result_free(&got);
    sos_wire_reader_free(&w);
    return 0;
}
