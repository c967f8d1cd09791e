/* Fuzz harness: launchd.lint on one plist (XML or binary), as read from
 * ~/Library/LaunchAgents: libplist, then every rule. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../../plugins/launchd/launchd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fuzz_kv params[] = {
        {"plist", "/Users/fz/Library/LaunchAgents/com.example.agent.plist"},
        {NULL, NULL}};
    static const struct fuzz_kv facts[] = {{"host.os", "macos"}, {NULL, NULL}};
    fuzz_check(launchd_check_lint, params, facts, NULL, data, size);
    return 0;
}
