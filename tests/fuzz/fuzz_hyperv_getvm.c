/* Fuzz harness: Get-VM's JSON (either PowerShell's dialect, any encoding) and
 * PowerShell's error texts, through the hyperv plugin's parsers. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../../plugins/hyperv/hyperv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = NULL, why[256], line[512];
    size_t len = 0;
    if (hyperv_text_decode((const char *)data, size, &text, &len, why, sizeof why) == 0 &&
        text) {
        sourceos_ctx *ctx = fuzz_ctx_new();
        struct hyperv_vm *vm = malloc(sizeof *vm);
        if (ctx && vm)
            (void)hyperv_parse_getvm(ctx, text, len, "podman-machine-default", vm,
                                     why, sizeof why);
        free(vm);
        fuzz_ctx_free(ctx);
        (void)hyperv_classify_error(text);
        hyperv_error_line(text, line, sizeof line);
        (void)hyperv_name_is_safe(text);
    }
    free(text);
    return 0;
}
