/* Fuzz harness: `podman info` and `podman image inspect` JSON, and the
 * connection check's answers (podman.info, podman.image, podman.connection). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../../plugins/podman-machine/podman.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fuzz_kv params[] = {
        {"image", "quay.io/example/agent@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
        {NULL, NULL}};
    static const struct fuzz_kv facts[] = {
        {"host.os", "linux"}, {"podman.url", "unix:///run/podman/podman.sock"},
        {NULL, NULL}};
    fuzz_check(podman_check_info, params, facts, NULL, data, size);
    fuzz_check(podman_check_image, params, facts, NULL, data, size);
    fuzz_check(podman_check_connection, params, facts, NULL, data, size);
    return 0;
}
