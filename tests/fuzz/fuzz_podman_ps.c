/* Fuzz harness: `podman ps` / `podman container inspect` JSON (podman.container). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../../plugins/podman-machine/podman.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fuzz_kv params[] = {
        {"container", "sourceos-fz"}, {"restart_limit", "5"}, {NULL, NULL}};
    static const struct fuzz_kv facts[] = {{"host.os", "linux"}, {NULL, NULL}};
    fuzz_check(podman_check_container, params, facts, NULL, data, size);
    return 0;
}
