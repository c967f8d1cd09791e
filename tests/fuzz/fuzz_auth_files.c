/* Fuzz harness: registry-auth's auth files (auth.json, config.json): every file
 * of the chain is the input; both the auth-files and cred-helpers checks. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../../plugins/registry-auth/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fuzz_kv facts[] = {{"host.os", "linux"}, {NULL, NULL}};
    fuzz_check(registry_check_auth_files, NULL, facts, NULL, data, size);
    fuzz_check(registry_check_cred_helpers, NULL, facts, NULL, data, size);
    return 0;
}
