/* Fuzz harness: checks.d, one YAML file as sos_checksd_load_buffer() reads it, then the
 * cross-file rules (ids, needs/after, cycles) on what it declared. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "checksd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sos_checks checks = {0};
    sos_error err;
    if (sos_checksd_load_buffer("fuzz.yaml", (const char *)data, size, &checks,
                                &err) == 0 && checks.n > 0) {
        size_t *order = malloc(checks.n * sizeof *order);
        if (order)
            (void)sos_checksd_resolve(&checks, order, &err);
        free(order);
    }
    sos_checks_free(&checks);
    return 0;
}
