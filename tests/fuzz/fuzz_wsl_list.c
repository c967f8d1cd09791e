/* Fuzz harness: `wsl.exe -l -v` and `wsl.exe --status` output: decoding
 * (UTF-16LE, BOMs, UTF-8), then the distro table and the status text. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../../plugins/wsl2/wsl2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wsl_text t;
    if (wsl_text_decode(data, size, &t) == WSL_TEXT_OK) {
        struct wsl_list *l = malloc(sizeof *l);
        struct wsl_status st;
        if (l) {
            (void)wsl_parse_list(t.text, t.len, l);
            (void)wsl_list_find(l, "podman-machine-default");
        }
        free(l);
        (void)wsl_parse_status(t.text, t.len, &st);
        wsl_text_free(&t);
    }
    return 0;
}
