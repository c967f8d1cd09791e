/* Fuzz harness: launchd.overrides on the override files of
 * /var/db/com.apple.xpc.launchd (disabled.plist, disabled.501.plist): each
 * is the input. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#include "../../plugins/launchd/launchd.h"

#define DIR_ "/var/db/com.apple.xpc.launchd"

/* A real directory holding the override files' names. */
static const char *override_dir(void)
{
    static char dir[256];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s/xpc.launchd", fuzz_tmpdir());
        mkdir(dir, 0700);
        fuzz_write_file("xpc.launchd/disabled.plist", (const uint8_t *)"", 0);
        fuzz_write_file("xpc.launchd/disabled.501.plist", (const uint8_t *)"", 0);
    }
    return dir;
}

static const char *host_path(const char *path)
{
    return strcmp(path, DIR_) == 0 ? override_dir() : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fuzz_kv facts[] = {{"host.os", "macos"}, {NULL, NULL}};
    static const struct fuzz_routes routes = {.host_path = host_path};
    override_dir();
    fuzz_check(launchd_check_overrides, NULL, facts, &routes, data, size);
    return 0;
}
