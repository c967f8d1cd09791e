/* Fuzz harness: systemd.lint on a unit and one drop-in: the input up to a line
 * "#--drop-in--" is /etc/systemd/system/fz.service, the rest is its
 * fz.service.d/10-fz.conf. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include <stdio.h>
#include <sys/stat.h>

#include "../../plugins/systemd/systemd.h"

#define UNIT "/etc/systemd/system/fz.service"
#define SEP "\n#--drop-in--\n"

/* A real directory holding 10-fz.conf, standing for UNIT.d. */
static const char *dropin_dir(void)
{
    static char dir[256];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s/fz.service.d", fuzz_tmpdir());
        mkdir(dir, 0700);
        fuzz_write_file("fz.service.d/10-fz.conf", (const uint8_t *)"", 0);
    }
    return dir;
}

static const char *host_path(const char *path)
{
    if (strcmp(path, UNIT ".d") == 0)
        return dropin_dir();
    return NULL;
}

static int file(const char *path, const char *input, size_t input_len,
                const char **text, size_t *len)
{
    const uint8_t *second;
    size_t first_len, second_len;
    fuzz_split((const uint8_t *)input, input_len, SEP, &first_len, &second,
               &second_len);
    if (strcmp(path, UNIT) == 0) {
        *text = input;
        *len = first_len;
        return 1;
    }
    if (strcmp(path, UNIT ".d/10-fz.conf") == 0) {
        *text = (const char *)second;
        *len = second_len;
        return 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fuzz_kv params[] = {{"unit", UNIT}, {NULL, NULL}};
    static const struct fuzz_kv facts[] = {{"host.os", "linux"}, {NULL, NULL}};
    static const struct fuzz_routes routes = {.file = file, .host_path = host_path};
    dropin_dir();
    fuzz_check(systemd_check_lint, params, facts, &routes, data, size);
    return 0;
}
