/* Fuzz harness: systemd.state on `systemctl show` output. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../../plugins/systemd/systemd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fuzz_kv params[] = {{"unit", "fz.service"}, {NULL, NULL}};
    static const struct fuzz_kv facts[] = {{"host.os", "linux"}, {NULL, NULL}};
    fuzz_check(systemd_check_state, params, facts, NULL, data, size);
    return 0;
}
