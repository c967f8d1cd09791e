/* Fuzz harness: /etc/wsl.conf as wsl_parse_conf() reads it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../../plugins/wsl2/wsl2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wsl_conf *c = malloc(sizeof *c);
    if (!c)
        return 0;
    wsl_parse_conf((const char *)data, size, c);
    (void)wsl_conf_value(&c->systemd, 0);
    free(c);
    return 0;
}
