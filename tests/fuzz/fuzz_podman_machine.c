/* Fuzz harness: `podman machine list` and `podman machine inspect` JSON. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../../plugins/podman-machine/podman.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fuzz_kv params[] = {{"expected", "true"}, {NULL, NULL}};
    static const struct fuzz_kv facts[] = {{"host.os", "macos"}, {NULL, NULL}};
    fuzz_check(podman_check_machine, params, facts, NULL, data, size);
    return 0;
}
