/* Fuzz harness: launchd.state on `launchctl print-disabled` output (print
 * answers a fixed, running job). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../../plugins/launchd/launchd.h"

static int route(const char *const argv[], const char **text)
{
    if (argv[1] && strcmp(argv[1], "print") == 0) {
        *text = "gui/501/com.example.agent = {\n\tactive count = 1\n"
                "\tstate = running\n\truns = 1\n\tpid = 4242\n"
                "\tlast exit code = 0\n}\n";
        return 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fuzz_kv params[] = {
        {"label", "com.example.agent"}, {"uid", "501"}, {NULL, NULL}};
    static const struct fuzz_kv facts[] = {{"host.os", "macos"}, {NULL, NULL}};
    static const struct fuzz_routes routes = {.command = route};
    fuzz_check(launchd_check_state, params, facts, &routes, data, size);
    return 0;
}
