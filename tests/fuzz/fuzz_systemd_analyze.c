/* Fuzz harness: systemd.verify on `systemd-analyze verify` and `security`
 * messages (every command prints the input). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../../plugins/systemd/systemd.h"

#define UNIT "/etc/systemd/system/fz.service"

static const char *host_path(const char *path)
{
    static const char *unit;
    if (!unit)
        unit = fuzz_write_file("fz.service",
                               (const uint8_t *)"[Service]\nExecStart=/bin/true\n", 30);
    return strcmp(path, UNIT) == 0 ? unit : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fuzz_kv params[] = {{"unit", UNIT}, {NULL, NULL}};
    static const struct fuzz_kv facts[] = {{"host.os", "linux"}, {NULL, NULL}};
    static const struct fuzz_routes routes = {.host_path = host_path};
    fuzz_check(systemd_check_verify, params, facts, &routes, data, size);
    return 0;
}
